#pragma once
// A small blocking HTTP/1.1 client for machine-to-machine calls (the station's exchange
// uploader, webhooks): one keep-alive connection, optional TLS with server verification and a
// client certificate, one deadline per request covering connect, handshake, write and read.
//
//   net::HttpClient client({.host = "127.0.0.1", .port = 8443, .tls = ClientTls{...}});
//   auto reply = client.post("/api/v1/exchange/batches", body, "text/plain; charset=utf-8");
//   if (!reply) { ... reply.error().code is Timeout / Io / Malformed ... }
//
// A failed request closes the connection; the next request opens a new one. Boost.Beast stays
// out of this header.
//
// Thread safety: one thread at a time per client (give each thread its own); cancel() from any.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "net/http.hpp"

namespace omni::net {

struct ClientTls {
  std::filesystem::path ca_file{};    // PEM CA(s) that must have signed the server certificate
  std::filesystem::path cert_file{};  // PEM client certificate chain; empty: none
  std::filesystem::path key_file{};
  std::string server_name{};
  std::filesystem::path crl_file{};  // PEM CRL(s): a revoked server certificate is refused  // SNI
                                     // and host-name check; empty: the host option
};

struct HttpClientOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 80;
  std::optional<ClientTls> tls{};
  std::chrono::milliseconds timeout{30'000};
  std::size_t max_response_bytes = 8u << 20;
};

struct ClientResponse {
  int status = 0;
  HeaderList headers;
  std::string body;

  std::string_view header(std::string_view name) const;  // case-insensitive; empty if absent
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Errors: Timeout (no complete answer within the deadline), Io (refused, reset, TLS
  // handshake or verification failure, cancelled: the detail says which) …
  //
  // handshake or verification failure: the detail says which), Malformed (not HTTP),
  // OutOfRange (a response larger than max_response_bytes), Config (unreadable TLS files).
  Result<ClientResponse> request(std::string_view method, std::string_view target,
                                 std::string_view body = {}, std::string_view content_type = {},
                                 const HeaderList& headers = {});
  Result<ClientResponse> get(std::string_view target) { return request("GET", target); }
  // From any thread: the request in flight, and every later one, fails at once with Io
  // ("cancelled"). For shutting down a thread that may be waiting on a silent peer.
  void cancel();

  Result<ClientResponse> post(std::string_view target, std::string_view body,
                              std::string_view content_type, const HeaderList& headers = {}) {
    return request("POST", target, body, content_type, headers);
  }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace omni::net
