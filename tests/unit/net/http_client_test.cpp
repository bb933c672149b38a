// HttpClient against the project's own HttpServer on loopback: plain, TLS with and without a
// client certificate, a server that never answers, a refused port, an oversize response.

#include "net/http_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <thread>

#include "http_test_client.hpp"
#include "net/http_server.hpp"
#include "support/temp_dir.hpp"

namespace omni::net {
namespace {

class HttpClientTest : public ::testing::Test {
 protected:
  void start(HttpServerOptions options = {}) {
    Router router;
    router.post("/echo", [](const Request& r) {
      Response res = Response::text(201, r.body);
      res.set_header("X-Subject", r.client_subject);
      res.set_header("X-Seen-Type", std::string(r.header("Content-Type")));
      return res;
    });
    router.get("/big", [](const Request&) { return Response::text(200, std::string(4096, 'x')); });
    server_ = std::make_unique<HttpServer>(std::move(options), std::move(router));
    ASSERT_TRUE(server_->start());
    port_ = server_->port();
  }
  void TearDown() override {
    if (server_) {
      server_->request_stop();
      server_->wait();
    }
  }
  std::unique_ptr<HttpServer> server_;
  std::uint16_t port_ = 0;
  omni::testing::TempDir dir_{"omni-client"};
};

TEST_F(HttpClientTest, PostsAndKeepsTheConnection) {
  start();
  HttpClient client({.host = "127.0.0.1", .port = port_});
  for (int i = 0; i < 3; ++i) {
    auto r = client.post("/echo", "hello " + std::to_string(i), "text/plain");
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->status, 201);
    EXPECT_EQ(r->body, "hello " + std::to_string(i));
    EXPECT_EQ(r->header("x-seen-type"), "text/plain");
  }
}

TEST_F(HttpClientTest, RefusedPortIsAnIoError) {
  // Bind and close a socket to learn a port nobody listens on.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  auto port = a.local_endpoint().port();
  a.close();
  HttpClient client({.host = "127.0.0.1", .port = port});
  auto r = client.get("/");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Io);
}

TEST_F(HttpClientTest, SilentServerTimesOut) {
  // A listener that accepts and never answers.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  HttpClient client({.host = "127.0.0.1",
                     .port = a.local_endpoint().port(),
                     .timeout = std::chrono::milliseconds(300)});
  auto r = client.get("/");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Timeout);
}

TEST_F(HttpClientTest, CancelEndsAWaitOnASilentServer) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  HttpClient client({.host = "127.0.0.1",
                     .port = a.local_endpoint().port(),
                     .timeout = std::chrono::seconds(60)});
  Result<ClientResponse> r = fail(ErrorCode::Internal, "not run");
  const auto started = std::chrono::steady_clock::now();
  std::thread waiting([&] { r = client.get("/"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  client.cancel();
  waiting.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Io);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30))
      << "the wait ended by the cancel, not by the timeout";
  auto after = client.get("/");
  ASSERT_FALSE(after);
  EXPECT_NE(after.error().detail.find("cancelled"), std::string::npos);
}

TEST_F(HttpClientTest, OversizeResponseIsRefused) {
  start();
  HttpClient client({.host = "127.0.0.1", .port = port_, .max_response_bytes = 1000});
  auto r = client.get("/big");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::OutOfRange);
  // The client recovers on the next call.
  auto ok = client.post("/echo", "after", "text/plain");
  ASSERT_TRUE(ok) << ok.error().to_string();
  EXPECT_EQ(ok->body, "after");
}

TEST_F(HttpClientTest, MutualTlsPassesTheClientSubject) {
  testing::make_test_pki(dir_.path().string());
  HttpServerOptions o;
  o.tls = TlsOptions{dir_ / "server.pem", dir_ / "server.key", dir_ / "ca.pem", true};
  start(std::move(o));
  HttpClient client({.host = "127.0.0.1",
                     .port = port_,
                     .tls = ClientTls{dir_ / "ca.pem", dir_ / "client.pem", dir_ / "client.key"}});
  auto r = client.post("/echo", "secret", "text/plain");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->body, "secret");
  EXPECT_NE(r->header("x-subject").find("CN=station-01"), std::string_view::npos);
}

TEST_F(HttpClientTest, TlsWithoutClientCertificateIsRefusedWhenRequired) {
  testing::make_test_pki(dir_.path().string());
  HttpServerOptions o;
  o.tls = TlsOptions{dir_ / "server.pem", dir_ / "server.key", dir_ / "ca.pem", true};
  start(std::move(o));
  HttpClient client({.host = "127.0.0.1", .port = port_, .tls = ClientTls{dir_ / "ca.pem"}});
  auto r = client.post("/echo", "secret", "text/plain");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Io);
}

TEST_F(HttpClientTest, ServerCertificateForAnotherNameIsRefused) {
  testing::make_test_pki(dir_.path().string());
  HttpServerOptions o;
  o.tls = TlsOptions{dir_ / "server.pem", dir_ / "server.key", {}, false};
  start(std::move(o));
  ClientTls tls{dir_ / "ca.pem"};
  tls.server_name = "cloud.example.org";  // the test certificate is for 127.0.0.1
  HttpClient client({.host = "127.0.0.1", .port = port_, .tls = tls});
  auto r = client.get("/big");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Io);
  EXPECT_NE(r.error().detail.find("TLS handshake"), std::string::npos);
}

TEST_F(HttpClientTest, UnreadableCaFileIsAConfigError) {
  start();
  HttpClient client({.host = "127.0.0.1", .port = port_, .tls = ClientTls{dir_ / "missing.pem"}});
  auto r = client.get("/big");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Config);
}

}  // namespace
}  // namespace omni::net
