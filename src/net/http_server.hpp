#pragma once
// The HTTP/1.1 server every omnimeter role uses (station console and API, cloud API, dashboard,
// exchange receiver): Boost.Beast over Asio with C++20 coroutines, kept out of this header so
// that including it costs little.
//
//   net::Router router;
//   router.get("/api/v1/meters/{id}", [&](const net::Request& r) { ... });
//   net::HttpServer server({.port = 8080, .static_root = "/usr/share/omnimeter/web"},
//                          std::move(router));
//   if (auto st = server.start(); !st) { ... st.error().detail ... }   // e.g. port in use
//   server.stop_on_signals();   // SIGINT/SIGTERM start a graceful stop
//   server.wait();              // returns once stopped
//
// Built in: GET /healthz (liveness), GET /readyz (runs the readiness checks; 503 naming the
// failing one), GET /metrics (Prometheus text of metrics::default_registry(), including request
// counts per method/route/status class and latency per route).
//
// Limits and their answers: request header over max_header_bytes -> 431; body over the route's
// limit -> 413 (the body is not read); unparsable request -> 400; a request not complete within
// read_timeout, or a keep-alive connection idle for idle_timeout -> the connection is closed.
// Every rejection is counted in omnimeter_http_rejected_total{reason} and logged. A handler that
// throws gives 500 with the error schema; the server keeps running.
//
// TLS (optional): TLS 1.2+ with OpenSSL; with `ca_file` the client certificate is verified and
// its subject is passed to handlers in Request::client_subject; with `require_client_cert` a
// client without a valid certificate is refused during the handshake.
//
// Thread safety: start/stop/wait from one controlling thread; request_stop() from anywhere
// (including a handler or a signal). Handlers run concurrently on `threads` I/O threads.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "net/router.hpp"

namespace omni::net {

struct TlsOptions {
  std::filesystem::path cert_file;  // PEM certificate chain of this server
  std::filesystem::path key_file;   // PEM private key
  std::filesystem::path ca_file;    // PEM CA(s) for client certificates; empty: not requested
  bool require_client_cert = false;
  // PEM CRL(s) of the CAs (`omnimeter ctl pki crl`): a revoked client is refused during the
  // handshake. Checking fails closed: a CRL past its next update refuses every client, so the
  // file must be renewed on schedule; it is read at start (restart to load a new one).
  std::filesystem::path crl_file{};
};

struct HttpServerOptions {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;  // 0 picks a free port; port() tells which
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;  // routes may raise or lower it (RouteOptions)
  std::chrono::milliseconds read_timeout{15'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds shutdown_grace{5'000};  // in-flight requests may finish within it
  int threads = 2;
  std::optional<TlsOptions> tls;
  std::filesystem::path static_root;  // served for GET/HEAD that no route matches; empty: none
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, Router router);
  ~HttpServer();  // stops if still running
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving. Errors: Io ("127.0.0.1:8080 is already in use", cannot bind),
  // Config (unreadable TLS certificate or key, with the file named).
  Status start();
  // The bound port (after start()).
  std::uint16_t port() const;

  // Readiness checks run by GET /readyz (e.g. "database": a trivial query).
  void add_readiness_check(std::string name, std::function<Status()> check);

  // SIGINT and SIGTERM call request_stop().
  void stop_on_signals();
  // Asks for a graceful stop; returns at once.
  void request_stop();
  // Blocks until a stop is requested, then stops gracefully: no new connections, idle ones
  // closed, requests in flight finished (up to shutdown_grace), threads joined.
  void wait();
  // request_stop() + wait().
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace omni::net
