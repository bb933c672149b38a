// SEC-1 intrusion signal on the log-in: failures counted per source address, a source over the
// limit answered 429 for a cool-down without its password being checked (a spray over many
// names included), one "login.throttled" audit row per cool-down, the metric, and a bounded
// table. On both back ends, through the service and through the HTTP route.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "access/access_service.hpp"
#include "access/http/routes.hpp"
#include "access_db.hpp"
#include "core/metrics.hpp"

namespace omni::access {
namespace {

constexpr const char* kPassword = "Wangjing-2026";
const Actor kAdmin{"admin", "local"};

std::uint64_t throttled_metric() {
  return metrics::default_registry()
      .counter("omnimeter_access_login_throttled_total",
               "Log-in attempts refused unchecked: their source failed too often", {})
      .value();
}

class LoginThrottleTest : public testing::AccessDbTest {
 protected:
  void SetUp() override {
    AccessDbTest::SetUp();
    if (HasFatalFailure()) return;
    AccessOptions o;
    o.password.iterations = 1000;  // fast tests
    o.max_failures = 100;          // keep the per-account lock-out out of the way
    o.source_max_failures = 20;
    o.source_window_s = 600;
    o.source_cooldown_s = 300;
    o.source_max_tracked = 4;
    service_ = std::make_unique<AccessService>(*db_, clock_, o);
    auto id = service_->add_user({"lisi", kPassword, Role::Operator, "", {}}, kAdmin);
    ASSERT_TRUE(id.has_value()) << id.error().to_string();
  }

  std::size_t audit_rows(std::string_view event) {
    auto rows = service_->audit().search({.event = std::string(event)});
    EXPECT_TRUE(rows.has_value());
    return rows ? rows->size() : 0;
  }

  FakeClock clock_{UtcTime{1'790'000'000}};
  std::unique_ptr<AccessService> service_;
};

TEST_P(LoginThrottleTest, ASprayOverManyNamesIsThrottledThenForgivenAfterTheCoolDown) {
  const std::string spray = "10.0.0.9:40000";
  std::uint64_t metric_before = throttled_metric();
  // 21 failures (more than 20) across 21 names, each from a new port of the same address.
  for (int i = 0; i < 21; ++i) {
    auto r = service_->login("user" + std::to_string(i), "Guess-2026!",
                             "10.0.0.9:" + std::to_string(40000 + i));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::Unauthorized) << i;
  }
  EXPECT_EQ(audit_rows("login.throttled"), 1u);
  EXPECT_EQ(service_->login_throttled_for(spray), 300);

  // Now even the right password is not looked at, and no "login" row is written for it.
  std::size_t logins = audit_rows("login");
  auto refused = service_->login("lisi", kPassword, "10.0.0.9:41000");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::Busy);
  EXPECT_EQ(refused.error().detail, kLoginThrottled);
  EXPECT_EQ(audit_rows("login"), logins);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(service_->login("lisi", kPassword, spray));
  EXPECT_EQ(throttled_metric() - metric_before, 6u);
  EXPECT_EQ(audit_rows("login.throttled"), 1u);  // once per cool-down

  // Another address is not affected.
  EXPECT_TRUE(service_->login("lisi", kPassword, "10.0.0.10:5000").has_value());

  // After the cool-down the source starts again from zero.
  clock_.advance(299);
  EXPECT_EQ(service_->login_throttled_for(spray), 1);
  clock_.advance(1);
  EXPECT_EQ(service_->login_throttled_for(spray), 0);
  EXPECT_TRUE(service_->login("lisi", kPassword, spray).has_value());
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(service_->login("lisi", "wrong", spray));
  EXPECT_EQ(service_->login_throttled_for(spray), 0);  // 20 is not more than 20
  EXPECT_FALSE(service_->login("lisi", "wrong", spray));
  EXPECT_GT(service_->login_throttled_for(spray), 0);
  EXPECT_EQ(audit_rows("login.throttled"), 2u);
}

TEST_P(LoginThrottleTest, FailuresOutsideTheWindowDoNotAddUp) {
  const std::string source = "192.168.1.5:1234";
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(service_->login("lisi", "wrong", source));
  clock_.advance(600);  // the window is over: a new one starts
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(service_->login("lisi", "wrong", source));
  EXPECT_EQ(service_->login_throttled_for(source), 0);
  EXPECT_EQ(audit_rows("login.throttled"), 0u);
}

TEST_P(LoginThrottleTest, TheTableIsBoundedAndKeepsSourcesCoolingDown) {
  // Source A cools down; then many other addresses fail once each (the table holds 4).
  for (int i = 0; i < 21; ++i) EXPECT_FALSE(service_->login("x", "wrong", "10.1.0.1:1"));
  ASSERT_GT(service_->login_throttled_for("10.1.0.1:1"), 0);
  for (int i = 2; i < 50; ++i) {
    EXPECT_FALSE(service_->login("x", "wrong", "10.1.0." + std::to_string(i) + ":1"));
  }
  EXPECT_GT(service_->login_throttled_for("10.1.0.1:1"), 0) << "evicted while cooling down";
}

TEST_P(LoginThrottleTest, TheHttpRouteAnswers429WithRetryAfter) {
  net::Router router;
  http::add_access_routes(router, *service_);
  auto route = router.match("POST", "/api/v1/login");
  ASSERT_NE(route.handler, nullptr);
  auto post = [&](const std::string& user, const std::string& password, std::string peer) {
    net::Request r;
    r.method = "POST";
    r.path = "/api/v1/login";
    r.target = r.path;
    r.body = nlohmann::json{{"user", user}, {"password", password}}.dump();
    r.peer = std::move(peer);
    r.request_id = "req-1";
    return (*route.handler)(r);
  };
  for (int i = 0; i < 21; ++i) {
    EXPECT_EQ(
        post("user" + std::to_string(i), "wrong", "[2001:db8::7]:" + std::to_string(i)).status,
        401);
  }
  auto resp = post("lisi", kPassword, "[2001:db8::7]:999");
  EXPECT_EQ(resp.status, 429) << resp.body;
  std::string retry_after;
  for (const auto& [name, value] : resp.headers) {
    if (name == "Retry-After") retry_after = value;
  }
  EXPECT_EQ(retry_after, "300");
  EXPECT_EQ(post("lisi", kPassword, "[2001:db8::8]:999").status, 200);
}

INSTANTIATE_TEST_SUITE_P(Backends, LoginThrottleTest,
                         ::testing::Values(storage::Backend::Sqlite, storage::Backend::Postgres),
                         testing::backend_label);

}  // namespace
}  // namespace omni::access
