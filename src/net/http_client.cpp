#include "net/http_client.hpp"

#include <fmt/format.h>
#include <strings.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "net/tls_util.hpp"

namespace omni::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::string_view ClientResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (same_name(k, name)) return v;
  }
  return {};
}

// The blocking calls are asynchronous operations run to completion on a private io_context:
// Beast's timeouts (tcp_stream::expires_at) apply only to asynchronous operations, and one
// deadline must cover every step of a request.
struct HttpClient::Impl {
  HttpClientOptions options;
  asio::io_context ioc;
  std::optional<ssl::context> tls;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  std::atomic<bool> cancelled{false};

  explicit Impl(HttpClientOptions o) : options(std::move(o)) {}

  // Runs on the io_context: stops the socket's pending operation (its handler then completes
  // with an error on the requesting thread, which closes the connection as usual).
  void interrupt() {
    if (!connected()) return;
    boost::system::error_code ignored;
    lowest().socket().cancel(ignored);
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  Status configure_tls() {
    if (tls || !options.tls) return ok();
    const ClientTls& t = *options.tls;
    ssl::context ctx(ssl::context::tls_client);
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    ctx.load_verify_file(t.ca_file.string(), ec);
    if (ec)
      return fail(ErrorCode::Config,
                  fmt::format("TLS CA file {}: {}", t.ca_file.string(), ec.message()));
    if (!t.cert_file.empty()) {
      ctx.use_certificate_chain_file(t.cert_file.string(), ec);
      if (ec) {
        return fail(ErrorCode::Config, fmt::format("TLS client certificate {}: {}",
                                                   t.cert_file.string(), ec.message()));
      }
      ctx.use_private_key_file(t.key_file.string(), ssl::context::pem, ec);
      if (ec) {
        return fail(ErrorCode::Config,
                    fmt::format("TLS client key {}: {}", t.key_file.string(), ec.message()));
      }
    }
    if (!t.crl_file.empty()) OMNI_TRY(load_crl(ctx, t.crl_file));
    ctx.set_verify_mode(ssl::verify_peer);
    tls.emplace(std::move(ctx));
    return ok();
  }

  std::string server_name() const {
    return options.tls && !options.tls->server_name.empty() ? options.tls->server_name
                                                            : options.host;
  }

  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
  bool connected() const { return plain.has_value() || secure.has_value(); }

  void close() {
    boost::system::error_code ignored;
    if (secure) beast::get_lowest_layer(*secure).socket().close(ignored);
    if (plain) plain->socket().close(ignored);
    secure.reset();
    plain.reset();
    buffer.clear();
  }

  // Runs the posted operations until they finish or the deadline passes; the stream's own
  // expiry cancels the pending operation, which then completes with `timeout`.
  void run() {
    ioc.restart();
    ioc.run();
  }

  Error io_error(std::string_view step, const boost::system::error_code& ec) const {
    std::string where = fmt::format("{}:{}", options.host, options.port);
    if (ec == beast::error::timeout) {
      return Error(ErrorCode::Timeout, fmt::format("{} {}: no answer within {} ms", step, where,
                                                   options.timeout.count()));
    }
    return Error(ErrorCode::Io, fmt::format("{} {}: {}", step, where, ec.message()));
  }

  Status connect(Clock::time_point deadline) {
    OMNI_TRY(configure_tls());
    boost::system::error_code ec;
    tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(options.host, std::to_string(options.port), ec);
    if (ec) return fail(io_error("resolve", ec));
    beast::tcp_stream stream(ioc);
    stream.expires_at(deadline);
    stream.async_connect(endpoints,
                         [&](boost::system::error_code e, const tcp::endpoint&) { ec = e; });
    run();
    if (ec) return fail(io_error("connect", ec));
    stream.socket().set_option(tcp::no_delay(true), ec);
    if (!tls) {
      plain.emplace(std::move(stream));
      return ok();
    }
    secure.emplace(std::move(stream), *tls);
    std::string name = server_name();
    // SSL_set_tlsext_host_name is a macro with a C cast; the call it stands for:
    SSL_ctrl(secure->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(name.c_str()));
    // Verify the certificate names the server we meant (an IP literal or a DNS name).
    boost::system::error_code addr_ec;
    asio::ip::make_address(name, addr_ec);
    X509_VERIFY_PARAM* param = SSL_get0_param(secure->native_handle());
    if (!addr_ec) {
      X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
    } else {
      X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
    }
    beast::get_lowest_layer(*secure).expires_at(deadline);
    secure->async_handshake(ssl::stream_base::client, [&](boost::system::error_code e) { ec = e; });
    run();
    if (ec) {
      close();
      return fail(io_error("TLS handshake with", ec));
    }
    return ok();
  }

  template <class Stream>
  Result<ClientResponse> exchange(Stream& stream, http::request<http::string_body>& req,
                                  Clock::time_point deadline) {
    boost::system::error_code ec;
    lowest().expires_at(deadline);
    http::async_write(stream, req, [&](boost::system::error_code e, std::size_t) { ec = e; });
    run();
    if (ec) return fail(io_error("send to", ec));
    http::response_parser<http::string_body> parser;
    parser.body_limit(options.max_response_bytes);
    lowest().expires_at(deadline);
    http::async_read(stream, buffer, parser,
                     [&](boost::system::error_code e, std::size_t) { ec = e; });
    run();
    if (ec == http::error::body_limit) {
      return fail(ErrorCode::OutOfRange,
                  fmt::format("response from {}:{} is larger than {} bytes", options.host,
                              options.port, options.max_response_bytes));
    }
    if (ec && ec.category() == http::make_error_code(http::error::bad_version).category()) {
      return fail(ErrorCode::Malformed, fmt::format("{}:{} did not answer in HTTP: {}",
                                                    options.host, options.port, ec.message()));
    }
    if (ec) return fail(io_error("receive from", ec));
    auto& res = parser.get();
    ClientResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
      out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    out.body = std::move(res.body());
    if (!res.keep_alive()) close();
    return out;
  }

  Result<ClientResponse> request(std::string_view method, std::string_view target,
                                 std::string_view body, std::string_view content_type,
                                 const HeaderList& headers) {
    if (cancelled.load()) {
      return fail(ErrorCode::Io,
                  fmt::format("request to {}:{} cancelled", options.host, options.port));
    }
    const auto deadline = Clock::now() + options.timeout;
    // A kept-alive connection the server closed while idle makes this request fail (Io) and
    // is dropped; the caller decides whether to resend, because resending a POST is only safe
    // when the call is idempotent.
    if (!connected()) OMNI_TRY(connect(deadline));
    http::request<http::string_body> req;
    req.method(http::string_to_verb(method));
    req.target(target);
    req.version(11);
    req.set(http::field::host, options.host);
    req.set(http::field::user_agent, "omnimeter");
    if (!content_type.empty()) req.set(http::field::content_type, content_type);
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = std::string(body);
    req.keep_alive(true);
    req.prepare_payload();
    auto reply = secure ? exchange(*secure, req, deadline) : exchange(*plain, req, deadline);
    if (!reply) close();
    return reply;
  }
};

HttpClient::HttpClient(HttpClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

void HttpClient::cancel() {
  impl_->cancelled.store(true);
  Impl* impl = impl_.get();
  asio::post(impl->ioc, [impl] { impl->interrupt(); });
}

HttpClient::~HttpClient() {
  if (impl_) impl_->close();
}

Result<ClientResponse> HttpClient::request(std::string_view method, std::string_view target,
                                           std::string_view body, std::string_view content_type,
                                           const HeaderList& headers) {
  return impl_->request(method, target, body, content_type, headers);
}

}  // namespace omni::net
