#include "net/http_server.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "net/static_files.hpp"
#include "net/tls_util.hpp"

namespace omni::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using asio::awaitable;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

namespace {

std::string status_class(int status) { return fmt::format("{}xx", status / 100); }

std::string method_label(std::string_view m) {
  for (const char* known : {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    if (m == known) return known;
  }
  return "other";
}

// RFC 2253 subject of the peer certificate, e.g. "CN=station-01,O=Beijing Water".
std::string peer_subject(SSL* ssl_handle) {
  X509* cert = SSL_get1_peer_certificate(ssl_handle);
  if (cert == nullptr) return {};
  BIO* bio = BIO_new(BIO_s_mem());
  X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string subject(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  X509_free(cert);
  return subject;
}

}  // namespace

Status load_crl(boost::asio::ssl::context& context, const std::filesystem::path& crl_file) {
  X509_STORE* store = SSL_CTX_get_cert_store(context.native_handle());
  if (X509_STORE_load_file(store, crl_file.c_str()) != 1) {
    return fail(ErrorCode::Config, fmt::format("TLS CRL file {}: not readable as PEM CRLs",
                                               crl_file.string()));
  }
  // The leaf only: issuing CAs are not revoked one by one (a compromised CA means a new
  // hierarchy, docs/security.md), so requiring a CRL from the root would refuse every client.
  X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
  return ok();
}

// One live connection, so that a stop can close the idle ones at once while busy ones finish
// their request.
struct SessionState {
  std::atomic<bool> busy{false};
  asio::any_io_executor strand;  // the session's strand: close runs there, never concurrently
  std::function<void()> close;   // set and cleared on the strand
};

struct HttpServer::Impl {
  HttpServerOptions options;
  Router router;
  std::optional<StaticFiles> static_files;
  std::shared_ptr<spdlog::logger> log = omni::log::get("http");

  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::optional<ssl::context> tls;
  std::optional<asio::signal_set> signals;
  std::vector<std::thread> threads;
  std::uint16_t port = 0;
  bool running = false;

  std::mutex stop_mutex;
  std::condition_variable stop_cv;
  bool stop_requested = false;
  std::atomic<bool> stopping{false};

  std::mutex sessions_mutex;
  std::map<std::uint64_t, std::shared_ptr<SessionState>> sessions;
  std::uint64_t next_session = 0;

  std::mutex checks_mutex;
  std::vector<std::pair<std::string, std::function<Status()>>> readiness;

  std::atomic<std::uint64_t> request_counter{0};
  std::uint64_t request_id_salt = std::random_device{}();

  metrics::Registry& registry = metrics::default_registry();
  metrics::Gauge& connections =
      registry.gauge("omnimeter_http_connections", "Open HTTP connections");

  Impl(HttpServerOptions o, Router r) : options(std::move(o)), router(std::move(r)) {
    if (!options.static_root.empty()) static_files.emplace(options.static_root);
    router.get("/healthz", [](const Request&) { return Response::text(200, "ok\n"); });
    router.get("/readyz", [this](const Request& req) { return readyz(req); });
    router.get("/metrics", [this](const Request&) {
      Response scrape = Response::text(200, registry.render());
      scrape.content_type = metrics::kContentType;
      return scrape;
    });
  }

  void reject(std::string_view reason, const std::string& peer, std::string_view detail) {
    registry
        .counter("omnimeter_http_rejected_total", "HTTP requests or connections refused",
                 {{"reason", std::string(reason)}})
        .inc();
    log->info("rejected {} from {}: {}", reason, peer, detail);
  }

  Response readyz(const Request&) {
    std::lock_guard lock(checks_mutex);
    for (const auto& [name, check] : readiness) {
      if (auto st = check(); !st) {
        return Response::text(503, fmt::format("not ready: {}: {}\n", name, st.error().detail));
      }
    }
    return Response::text(200, "ready\n");
  }

  Status configure_tls() {
    const TlsOptions& t = *options.tls;
    tls.emplace(ssl::context::tls_server);
    tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                     ssl::context::single_dh_use);
    boost::system::error_code ec;
    tls->use_certificate_chain_file(t.cert_file.string(), ec);
    if (ec) {
      return fail(ErrorCode::Config,
                  fmt::format("TLS certificate {}: {}", t.cert_file.string(), ec.message()));
    }
    tls->use_private_key_file(t.key_file.string(), ssl::context::pem, ec);
    if (ec) {
      return fail(ErrorCode::Config,
                  fmt::format("TLS private key {}: {}", t.key_file.string(), ec.message()));
    }
    if (!t.ca_file.empty()) {
      tls->load_verify_file(t.ca_file.string(), ec);
      if (ec) {
        return fail(ErrorCode::Config,
                    fmt::format("TLS CA file {}: {}", t.ca_file.string(), ec.message()));
      }
      if (!t.crl_file.empty()) OMNI_TRY(load_crl(*tls, t.crl_file));
      auto mode = ssl::verify_peer;
      if (t.require_client_cert) mode |= ssl::verify_fail_if_no_peer_cert;
      tls->set_verify_mode(mode);
    } else if (t.require_client_cert) {
      return fail(ErrorCode::Config, "require_client_cert needs a ca_file to verify against");
    }
    return ok();
  }

  Status bind() {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(options.bind_address, ec);
    if (ec) {
      return fail(ErrorCode::Config,
                  fmt::format("\"{}\" is not an IP address to listen on", options.bind_address));
    }
    tcp::endpoint endpoint(address, options.port);
    std::string where = fmt::format("{}:{}", options.bind_address, options.port);
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (ec == asio::error::address_in_use) {
      return fail(ErrorCode::Io, fmt::format("{} is already in use", where));
    }
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail(ErrorCode::Io, fmt::format("cannot listen on {}: {}", where, ec.message()));
    port = acceptor.local_endpoint().port();
    return ok();
  }

  awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), kTuple);
      if (stopping) co_return;
      if (ec) {
        if (ec == asio::error::operation_aborted) co_return;
        log->warn("accept failed: {}", ec.message());
        continue;
      }
      asio::co_spawn(socket.get_executor(), run_session(std::move(socket)), asio::detached);
    }
  }

  awaitable<void> run_session(tcp::socket socket) {
    boost::system::error_code ignored;
    auto remote = socket.remote_endpoint(ignored);
    std::string peer = fmt::format("{}:{}", remote.address().to_string(), remote.port());
    auto state = std::make_shared<SessionState>();
    state->strand = socket.get_executor();
    std::uint64_t id = 0;
    {
      std::lock_guard lock(sessions_mutex);
      id = next_session++;
      sessions[id] = state;
    }
    connections.add(1);
    try {
      if (tls) {
        beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls);
        state->close = [&stream] { beast::get_lowest_layer(stream).socket().close(); };
        beast::get_lowest_layer(stream).expires_after(options.read_timeout);
        auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, kTuple);
        if (ec) {
          reject("tls_handshake", peer, ec.message());
        } else {
          co_await serve(stream, *state, peer, peer_subject(stream.native_handle()));
          beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
          co_await stream.async_shutdown(kTuple);
        }
      } else {
        beast::tcp_stream stream(std::move(socket));
        state->close = [&stream] { stream.socket().close(); };
        co_await serve(stream, *state, peer, {});
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      }
    } catch (const std::exception& e) {
      // Nothing may escape into the event loop; a session failure ends only that session.
      log->error("session {} failed: {}", peer, e.what());
    }
    {
      std::lock_guard lock(sessions_mutex);
      state->close = nullptr;
      sessions.erase(id);
    }
    connections.add(-1);
  }

  template <class Stream>
  awaitable<void> serve(Stream& stream, SessionState& state, const std::string& peer,
                        const std::string& subject) {
    beast::flat_buffer buffer;
    bool first = true;
    while (!stopping) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
      // No body limit while reading the header: the limit depends on the route, which is known
      // only once the header is in; it is checked against Content-Length right after.
      parser.body_limit(boost::none);
      beast::get_lowest_layer(stream).expires_after(first ? options.read_timeout
                                                          : options.idle_timeout);
      first = false;
      auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kTuple);
      if (ec == http::error::end_of_stream || ec == asio::error::eof ||
          ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
          ec == asio::ssl::error::stream_truncated) {
        co_return;
      }
      if (ec == beast::error::timeout) {
        if (buffer.size() > 0) reject("timeout", peer, "request header incomplete");
        co_return;
      }
      state.busy = true;
      if (ec == http::error::header_limit) {
        reject("header_too_large", peer, ec.message());
        co_await send(
            stream,
            Response::error(431, "header_too_large",
                            fmt::format("request header over {} bytes", options.max_header_bytes)),
            false, false);
        co_return;
      }
      if (ec) {
        reject("malformed", peer, ec.message());
        co_await send(stream, Response::error(400, "malformed_request", ec.message()), false,
                      false);
        co_return;
      }

      auto& header = parser.get();
      std::string target(header.target());
      std::string raw_path = target.substr(0, target.find('?'));
      std::string path;
      if (!percent_decode(raw_path, path, false)) {
        reject("malformed", peer, "bad percent escape in the path");
        co_await send(stream, Response::error(400, "malformed_request", "bad percent escape"),
                      false, false);
        co_return;
      }
      std::string method(header.method_string());
      auto match = router.match(method, path);
      std::size_t limit =
          match.options.max_body_bytes != 0 ? match.options.max_body_bytes : options.max_body_bytes;
      if (parser.content_length() && *parser.content_length() > limit) {
        reject("body_too_large", peer,
               fmt::format("{} {}: {} bytes", method, path, *parser.content_length()));
        co_await send(stream,
                      Response::error(413, "body_too_large",
                                      fmt::format("request body over {} bytes", limit)),
                      false, false);
        co_return;
      }
      parser.body_limit(limit);  // for chunked bodies, whose size is known only as they arrive
      if (!parser.is_done()) {
        beast::get_lowest_layer(stream).expires_after(options.read_timeout);
        auto [ec2, n2] = co_await http::async_read(stream, buffer, parser, kTuple);
        if (ec2 == http::error::body_limit) {
          reject("body_too_large", peer, fmt::format("{} {}", method, path));
          co_await send(stream,
                        Response::error(413, "body_too_large",
                                        fmt::format("request body over {} bytes", limit)),
                        false, false);
          co_return;
        }
        if (ec2 == beast::error::timeout) {
          reject("timeout", peer, "request body incomplete");
          co_return;
        }
        if (ec2) {
          reject("malformed", peer, ec2.message());
          co_await send(stream, Response::error(400, "malformed_request", ec2.message()), false,
                        false);
          co_return;
        }
      }
      auto request = parser.release();
      bool keep_alive = request.keep_alive() && !stopping;
      bool head = request.method() == http::verb::head;
      Response response = dispatch(request, std::move(path), std::move(match), peer, subject);
      co_await send(stream, std::move(response), keep_alive, head);
      state.busy = false;
      if (!keep_alive) co_return;
    }
  }

  Response dispatch(http::request<http::string_body>& raw, std::string path, Router::Match match,
                    const std::string& peer, const std::string& subject) {
    auto started = std::chrono::steady_clock::now();
    Request req;
    req.method = std::string(raw.method_string());
    req.target = std::string(raw.target());
    req.path = std::move(path);
    req.peer = peer;
    req.client_subject = subject;
    req.request_id =
        fmt::format("{:016x}", request_id_salt ^ (++request_counter * 0x9E3779B97F4A7C15ULL));
    for (const auto& f : raw) req.headers.emplace_back(f.name_string(), f.value());
    req.body = std::move(raw.body());
    std::string route = "none";
    Response response;
    if (auto q = req.target.find('?');
        q != std::string::npos &&
        !parse_query(std::string_view(req.target).substr(q + 1), req.query)) {
      response = Response::error(400, "malformed_request", "bad percent escape in the query",
                                 req.request_id);
    } else if (match.handler != nullptr) {
      route = *match.pattern;
      req.params = std::move(match.params);
      try {
        response = (*match.handler)(req);
      } catch (const std::exception& e) {
        log->error("handler {} {} threw: {}", req.method, route, e.what());
        response = Response::error(500, "internal", "internal error", req.request_id);
      }
    } else if (static_files && (req.method == "GET" || req.method == "HEAD")) {
      if (auto file = static_files->serve(req)) {
        route = "static";
        response = std::move(*file);
      } else {
        response = Response::error(404, "not_found", fmt::format("no such resource: {}", req.path),
                                   req.request_id);
      }
    } else if (!match.allowed.empty()) {
      std::string allow;
      for (const auto& m : match.allowed) allow += (allow.empty() ? "" : ", ") + m;
      response = Response::error(
          405, "method_not_allowed",
          fmt::format("{} is not allowed here (allowed: {})", req.method, allow), req.request_id);
      response.set_header("Allow", allow);
    } else {
      response = Response::error(404, "not_found", fmt::format("no such resource: {}", req.path),
                                 req.request_id);
    }
    response.set_header("X-Request-Id", req.request_id);
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    registry
        .counter("omnimeter_http_requests_total", "HTTP requests answered",
                 {{"method", method_label(req.method)},
                  {"route", route},
                  {"status", status_class(response.status)}})
        .inc();
    registry
        .histogram("omnimeter_http_request_duration_seconds", "Time to produce a response",
                   {{"route", route}})
        .observe(took.count());
    return response;
  }

  template <class Stream>
  awaitable<void> send(Stream& stream, Response r, bool keep_alive, bool head) {
    http::response<http::string_body> res{static_cast<http::status>(r.status), 11};
    res.set(http::field::server, "omnimeter");
    res.set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res.set(k, v);
    res.keep_alive(keep_alive);
    std::size_t length = r.body.size();
    if (!head && r.status != 304) res.body() = std::move(r.body);
    if (r.status != 304) res.content_length(length);
    beast::get_lowest_layer(stream).expires_after(options.read_timeout);
    co_await http::async_write(stream, res, kTuple);
  }

  void close_idle_sessions() {
    std::lock_guard lock(sessions_mutex);
    for (auto& [id, s] : sessions) {
      if (!s->busy && s->close) {
        // Posted to the session's strand: the close runs where the session's I/O runs.
        auto state = s;
        asio::post(state->strand, [state] {
          if (state->close) state->close();
        });
      }
    }
  }

  std::size_t live_sessions() {
    std::lock_guard lock(sessions_mutex);
    return sessions.size();
  }
};

HttpServer::HttpServer(HttpServerOptions options, Router router)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router))) {}

HttpServer::~HttpServer() {
  if (impl_->running) stop();
}

Status HttpServer::start() {
  if (impl_->options.tls) OMNI_TRY(impl_->configure_tls());
  OMNI_TRY(impl_->bind());
  asio::co_spawn(impl_->ioc, impl_->accept_loop(), asio::detached);
  int n = std::max(1, impl_->options.threads);
  for (int i = 0; i < n; ++i) impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  impl_->running = true;
  impl_->log->info("listening on {}://{}:{}", impl_->tls ? "https" : "http",
                   impl_->options.bind_address, impl_->port);
  return ok();
}

std::uint16_t HttpServer::port() const { return impl_->port; }

void HttpServer::add_readiness_check(std::string name, std::function<Status()> check) {
  std::lock_guard lock(impl_->checks_mutex);
  impl_->readiness.emplace_back(std::move(name), std::move(check));
}

void HttpServer::stop_on_signals() {
  impl_->signals.emplace(impl_->ioc, SIGINT, SIGTERM);
  impl_->signals->async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    impl_->log->info("signal {} received: stopping", signo);
    request_stop();
  });
}

void HttpServer::request_stop() {
  {
    std::lock_guard lock(impl_->stop_mutex);
    impl_->stop_requested = true;
  }
  impl_->stop_cv.notify_all();
}

void HttpServer::wait() {
  {
    std::unique_lock lock(impl_->stop_mutex);
    impl_->stop_cv.wait(lock, [this] { return impl_->stop_requested; });
  }
  if (!impl_->running) return;
  impl_->stopping = true;
  asio::post(impl_->ioc, [this] {
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
    if (impl_->signals) impl_->signals->cancel(ignored);
  });
  auto deadline = std::chrono::steady_clock::now() + impl_->options.shutdown_grace;
  while (impl_->live_sessions() > 0 && std::chrono::steady_clock::now() < deadline) {
    impl_->close_idle_sessions();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  impl_->running = false;
  impl_->log->info("stopped");
}

void HttpServer::stop() {
  request_stop();
  wait();
}

}  // namespace omni::net
