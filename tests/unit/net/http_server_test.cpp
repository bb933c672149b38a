// The HTTP server over real sockets on 127.0.0.1 (port 0).
#include "net/http_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/metrics.hpp"
#include "http_test_client.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace omni::net {
namespace {

using testing::parse_reply;
using testing::raw_exchange;
using testing::Reply;
using testing::request;

class HttpServerTest : public ::testing::Test {
 protected:
  void start(Router router, HttpServerOptions options = {}) {
    server_ = std::make_unique<HttpServer>(std::move(options), std::move(router));
    auto st = server_->start();
    ASSERT_TRUE(st) << st.error().to_string();
    port_ = server_->port();
    ASSERT_NE(port_, 0);
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

Router items_router() {
  Router r;
  r.get("/api/v1/items/{id}", [](const Request& req) {
    return Response::json_text(200, "{\"id\":\"" + req.params.at("id") + "\",\"limit\":\"" +
                                        (req.query.count("limit") ? req.query.at("limit") : "") +
                                        "\"}");
  });
  r.get("/api/v1/items/export", [](const Request&) { return Response::text(200, "export"); });
  r.post("/api/v1/items", [](const Request& req) { return Response::json_text(201, req.body); });
  r.post(
      "/api/v1/upload",
      [](const Request& req) { return Response::text(200, std::to_string(req.body.size())); },
      RouteOptions{.max_body_bytes = 4 * 1024 * 1024});
  r.get("/boom", [](const Request&) -> Response { throw std::runtime_error("bug"); });
  return r;
}

TEST_F(HttpServerTest, RoutesWithPathParametersAndQuery) {
  start(items_router());
  auto r = request(port_, "GET", "/api/v1/items/m%2042?limit=10&x=a+b");
  EXPECT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body, "{\"id\":\"m 42\",\"limit\":\"10\"}");
  EXPECT_EQ(r.headers["content-type"], "application/json");
  EXPECT_EQ(r.headers["x-request-id"].size(), 16u);
  // A literal segment wins over a parameter.
  EXPECT_EQ(request(port_, "GET", "/api/v1/items/export").body, "export");
  auto posted = request(port_, "POST", "/api/v1/items", {}, "{\"name\":\"水表\"}");
  EXPECT_EQ(posted.status, 201);
  EXPECT_EQ(posted.body, "{\"name\":\"水表\"}");
}

TEST_F(HttpServerTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  start(items_router());
  auto r = request(port_, "GET", "/api/v1/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("\"code\":\"not_found\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"request_id\":\"" + r.headers["x-request-id"] + "\""), std::string::npos);
  auto m = request(port_, "DELETE", "/api/v1/items/7");
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(m.headers["allow"], "GET");
}

TEST_F(HttpServerTest, HeadAnswersLikeGetWithoutBody) {
  start(items_router());
  auto r = request(port_, "HEAD", "/api/v1/items/export");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-length"], "6");
  EXPECT_EQ(r.body, "");
}

TEST_F(HttpServerTest, BodyOverTheLimitIs413WithoutReadingIt) {
  HttpServerOptions o;
  o.max_body_bytes = 1024;
  start(items_router(), o);
  // The header announces 10 MB; the server must answer from the header alone.
  auto r = parse_reply(raw_exchange(
      port_, "POST /api/v1/items HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\nabc"));
  EXPECT_EQ(r.status, 413) << r.raw;
  EXPECT_NE(r.body.find("body_too_large"), std::string::npos);
  // A chunked body has no Content-Length: the limit applies as the chunks arrive.
  auto chunked = parse_reply(
      raw_exchange(port_,
                   "POST /api/v1/items HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "800\r\n" +
                       std::string(2048, 'y') + "\r\n0\r\n\r\n"));
  EXPECT_EQ(chunked.status, 413) << chunked.raw;
  // A route may accept more.
  auto big = request(port_, "POST", "/api/v1/upload", {}, std::string(2 * 1024 * 1024, 'x'));
  EXPECT_EQ(big.status, 200);
  EXPECT_EQ(big.body, "2097152");
}

TEST_F(HttpServerTest, HeaderOverTheLimitIs431) {
  HttpServerOptions o;
  o.max_header_bytes = 2048;
  start(items_router(), o);
  auto r = request(port_, "GET", "/api/v1/items/1", {{"X-Big", std::string(4096, 'a')}});
  EXPECT_EQ(r.status, 431) << r.raw;
}

TEST_F(HttpServerTest, MalformedRequestIs400AndTheServerKeepsServing) {
  start(items_router());
  auto r = parse_reply(raw_exchange(port_, "THIS IS NOT HTTP\r\n\r\n"));
  EXPECT_EQ(r.status, 400) << r.raw;
  r = parse_reply(raw_exchange(port_, "GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(r.status, 400) << r.raw;
  r = parse_reply(raw_exchange(
      port_, "POST /api/v1/items HTTP/1.1\r\nHost: x\r\nContent-Length: banana\r\n\r\n"));
  EXPECT_EQ(r.status, 400) << r.raw;
  EXPECT_EQ(request(port_, "GET", "/healthz").status, 200);
}

TEST_F(HttpServerTest, SlowClientIsDisconnectedAfterTheReadTimeout) {
  HttpServerOptions o;
  o.read_timeout = std::chrono::milliseconds(300);
  start(items_router(), o);
  auto started = std::chrono::steady_clock::now();
  // Half a request, then silence: the server closes; raw_exchange returns on close.
  auto raw = raw_exchange(port_, "GET /healthz HTTP/1.1\r\nHost:", std::chrono::seconds(10));
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(raw, "");
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_GE(took, std::chrono::milliseconds(250));
}

TEST_F(HttpServerTest, HandlerExceptionIs500AndNotACrash) {
  start(items_router());
  auto r = request(port_, "GET", "/boom");
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("\"code\":\"internal\""), std::string::npos);
  EXPECT_EQ(request(port_, "GET", "/healthz").status, 200);
}

TEST_F(HttpServerTest, HealthAndReadiness) {
  start(items_router());
  std::atomic<bool> db_up{true};
  server_->add_readiness_check("database", [&]() -> Status {
    if (db_up) return ok();
    return fail(ErrorCode::Io, "connection refused");
  });
  EXPECT_EQ(request(port_, "GET", "/healthz").body, "ok\n");
  EXPECT_EQ(request(port_, "GET", "/readyz").status, 200);
  db_up = false;
  auto r = request(port_, "GET", "/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("database: connection refused"), std::string::npos);
}

TEST_F(HttpServerTest, MetricsCountRequestsPerRouteAndPassPromtool) {
  start(items_router());
  for (int i = 0; i < 3; ++i) request(port_, "GET", "/api/v1/items/" + std::to_string(i));
  request(port_, "GET", "/nope");
  auto r = request(port_, "GET", "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  // Counters are process-wide; this test's requests are at least these.
  auto has_count = [&](const std::string& series, int at_least) {
    auto pos = r.body.find(series + " ");
    if (pos == std::string::npos) return false;
    return std::stoi(r.body.substr(pos + series.size() + 1)) >= at_least;
  };
  EXPECT_TRUE(
      has_count("omnimeter_http_requests_total{method=\"GET\",route=\"/api/v1/items/{id}\","
                "status=\"2xx\"}",
                3))
      << r.body;
  EXPECT_TRUE(
      has_count("omnimeter_http_requests_total{method=\"GET\",route=\"none\",status=\"4xx\"}", 1));
  EXPECT_NE(
      r.body.find("omnimeter_http_request_duration_seconds_bucket{route=\"/api/v1/items/{id}\""),
      std::string::npos);

  omni::testing::TempDir dir("omni-metrics");
  std::ofstream(dir / "scrape.txt") << r.body;
  std::string promtool = std::string(OMNI_SOURCE_DIR) + "/.deps/bin/promtool";
  ASSERT_TRUE(std::filesystem::exists(promtool))
      << promtool << " is missing: run scripts/install-deps.sh";
  auto check = omni::testing::run_process(
      {"/bin/sh", "-c", promtool + " check metrics < " + (dir / "scrape.txt").string()});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

TEST_F(HttpServerTest, PortInUseIsAClearError) {
  start(items_router());
  HttpServerOptions o;
  o.port = static_cast<std::uint16_t>(port_);
  HttpServer second(o, Router{});
  auto st = second.start();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::Io);
  EXPECT_EQ(st.error().detail, "127.0.0.1:" + std::to_string(port_) + " is already in use");
}

TEST_F(HttpServerTest, GracefulStopFinishesTheRequestInFlight) {
  std::atomic<bool> entered{false};
  Router r;
  r.get("/slow", [&](const Request&) {
    entered = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    return Response::text(200, "finished");
  });
  start(std::move(r));
  // An idle keep-alive connection must not hold the stop up.
  std::thread idle([&] { raw_exchange(port_, "", std::chrono::seconds(8)); });
  Reply slow;
  std::thread client([&] { slow = request(port_, "GET", "/slow"); });
  while (!entered) std::this_thread::yield();
  auto started = std::chrono::steady_clock::now();
  server_->stop();
  auto took = std::chrono::steady_clock::now() - started;
  client.join();
  idle.join();
  EXPECT_EQ(slow.status, 200);
  EXPECT_EQ(slow.body, "finished");
  EXPECT_LT(took, std::chrono::seconds(3)) << "idle connections are closed, not waited for";
  EXPECT_EQ(request(port_, "GET", "/healthz").status, 0) << "no longer listening";
  server_.reset();
}

// ---------------------------------------------------------------------------------------------
// Static files

class StaticFilesTest : public HttpServerTest {
 protected:
  void SetUp() override {
    root_ = dir_ / "web";
    std::filesystem::create_directories(root_ / "assets");
    std::ofstream(root_ / "index.html") << "<!doctype html><title>首页</title>";
    std::ofstream(root_ / "assets" / "main-3F9A1C2B.js") << "console.log(1)";
    std::ofstream(root_ / "assets" / "main-3F9A1C2B.js.gz") << "GZIPPED";
    std::ofstream(root_ / "assets" / "style.css") << "body{}";
    std::ofstream(dir_ / "secret.txt") << "TOP-SECRET-CONTENT";
    std::filesystem::create_symlink(dir_ / "secret.txt", root_ / "link.txt");
    HttpServerOptions o;
    o.static_root = root_;
    start(items_router(), o);
  }
  omni::testing::TempDir dir_{"omni-static"};
  std::filesystem::path root_;
};

TEST_F(StaticFilesTest, ServesWithContentTypesAndCacheHeaders) {
  auto index = request(port_, "GET", "/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_EQ(index.headers["cache-control"], "no-cache");
  EXPECT_NE(index.body.find("首页"), std::string::npos);
  auto js = request(port_, "GET", "/assets/main-3F9A1C2B.js");
  EXPECT_EQ(js.headers["content-type"], "text/javascript; charset=utf-8");
  EXPECT_EQ(js.headers["cache-control"], "public, max-age=31536000, immutable");
  EXPECT_EQ(js.body, "console.log(1)");
  auto css = request(port_, "GET", "/assets/style.css");
  EXPECT_EQ(css.headers["content-type"], "text/css; charset=utf-8");
  EXPECT_EQ(css.headers["cache-control"], "public, max-age=300");
  // Routes still win over files.
  EXPECT_EQ(request(port_, "GET", "/healthz").body, "ok\n");
}

TEST_F(StaticFilesTest, EtagGivesNotModified) {
  auto first = request(port_, "GET", "/assets/style.css");
  ASSERT_FALSE(first.headers["etag"].empty());
  auto again =
      request(port_, "GET", "/assets/style.css", {{"If-None-Match", first.headers["etag"]}});
  EXPECT_EQ(again.status, 304);
  EXPECT_EQ(again.body, "");
}

TEST_F(StaticFilesTest, PrecompressedFileWhenGzipIsAccepted) {
  auto gz = request(port_, "GET", "/assets/main-3F9A1C2B.js", {{"Accept-Encoding", "gzip, br"}});
  EXPECT_EQ(gz.headers["content-encoding"], "gzip");
  EXPECT_EQ(gz.body, "GZIPPED");
}

TEST_F(StaticFilesTest, NothingOutsideTheRoot) {
  for (const char* evil : {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt",
                           "/assets/%2E%2E/%2E%2E/secret.txt", "/link.txt", "/..%2fsecret.txt"}) {
    auto r = request(port_, "GET", evil);
    EXPECT_EQ(r.status, 404) << evil << " -> " << r.raw;
    EXPECT_EQ(r.body.find("TOP-SECRET"), std::string::npos) << evil;
  }
}

// ---------------------------------------------------------------------------------------------
// TLS

class TlsTest : public HttpServerTest {
 protected:
  void SetUp() override { testing::make_test_pki(dir_.path().string()); }
  HttpServerOptions tls_options(bool require_client) {
    HttpServerOptions o;
    o.tls = TlsOptions{dir_ / "server.pem", dir_ / "server.key", dir_ / "ca.pem", require_client};
    return o;
  }
  Router whoami() {
    Router r;
    r.get("/whoami", [](const Request& req) { return Response::text(200, req.client_subject); });
    return r;
  }
  omni::testing::TempDir dir_{"omni-tls"};
};

TEST_F(TlsTest, ServesHttpsAndPassesTheClientSubject) {
  start(whoami(), tls_options(false));
  auto anonymous = testing::tls_get(port_, "/whoami", {(dir_ / "ca.pem").string(), "", ""});
  EXPECT_EQ(anonymous.status, 200) << anonymous.body;
  EXPECT_EQ(anonymous.body, "");
  auto station = testing::tls_get(
      port_, "/whoami",
      {(dir_ / "ca.pem").string(), (dir_ / "client.pem").string(), (dir_ / "client.key").string()});
  EXPECT_EQ(station.status, 200) << station.body;
  EXPECT_EQ(station.body, "CN=station-01,O=Beijing Water");
}

TEST_F(TlsTest, RequiredClientCertificateRefusesClientsWithout) {
  start(whoami(), tls_options(true));
  auto anonymous = testing::tls_get(port_, "/whoami", {(dir_ / "ca.pem").string(), "", ""});
  EXPECT_EQ(anonymous.status, 0) << "must be refused: " << anonymous.body;
  auto station = testing::tls_get(
      port_, "/whoami",
      {(dir_ / "ca.pem").string(), (dir_ / "client.pem").string(), (dir_ / "client.key").string()});
  EXPECT_EQ(station.status, 200) << station.body;
  // Plain HTTP to a TLS port is not answered as HTTP.
  EXPECT_EQ(request(port_, "GET", "/whoami").status, 0);
}

TEST_F(TlsTest, MissingCertificateFileIsAConfigError) {
  HttpServerOptions o = tls_options(false);
  o.tls->cert_file = dir_ / "nope.pem";
  HttpServer s(o, Router{});
  auto st = s.start();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::Config);
  EXPECT_NE(st.error().detail.find("nope.pem"), std::string::npos);
}

}  // namespace
}  // namespace omni::net
