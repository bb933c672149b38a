// Accounts, log-in, lock-out, sessions and audited authorisation on both back ends.
#include "access/access_service.hpp"

#include <gtest/gtest.h>

#include "access_db.hpp"
#include "core/metrics.hpp"

namespace omni::access {
namespace {

using storage::Backend;

constexpr const char* kPassword = "Wangjing-2026";
const Actor kAdmin{"admin", "local"};

class AccessServiceTest : public testing::AccessDbTest {
 protected:
  void SetUp() override {
    AccessDbTest::SetUp();
    if (HasFatalFailure()) return;
    AccessOptions o;
    o.password.iterations = 1000;  // fast tests; the default is measured in password.hpp
    service_ = std::make_unique<AccessService>(*db_, clock_, o);
    auto id = service_->add_user({"lisi", kPassword, Role::Operator, "110105", {}}, kAdmin);
    ASSERT_TRUE(id.has_value()) << id.error().to_string();
  }

  std::vector<AuditRecord> events(std::string_view event) {
    auto rows = service_->audit().search({.event = std::string(event)});
    EXPECT_TRUE(rows.has_value());
    return rows ? *rows : std::vector<AuditRecord>{};
  }

  FakeClock clock_{UtcTime{1'790'000'000}};
  std::unique_ptr<AccessService> service_;
};

TEST_P(AccessServiceTest, AddUserChecksPolicyAndNames) {
  auto weak = service_->add_user({"wangwu", "short", Role::ReadOnly, "", {}}, kAdmin);
  ASSERT_FALSE(weak.has_value());
  EXPECT_EQ(weak.error().code, ErrorCode::OutOfRange);
  auto dup = service_->add_user({"lisi", kPassword, Role::ReadOnly, "", {}}, kAdmin);
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().code, ErrorCode::Duplicate);
  auto bad_name = service_->add_user({"li si", kPassword, Role::ReadOnly, "", {}}, kAdmin);
  ASSERT_FALSE(bad_name.has_value());
  EXPECT_EQ(bad_name.error().code, ErrorCode::OutOfRange);
  auto chinese =
      service_->add_user({"王五", kPassword, Role::Auditor, "", AccountKind::Government}, kAdmin);
  ASSERT_TRUE(chinese.has_value()) << chinese.error().to_string();
  auto users = service_->list_users();
  ASSERT_TRUE(users);
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ(users->at(0).name, "lisi");
  EXPECT_EQ(users->at(0).role, Role::Operator);
  EXPECT_EQ(users->at(0).region, "110105");
  EXPECT_EQ(users->at(1).kind, AccountKind::Government);
  // Every attempt is audited, refusals included; the stored hash is never the password.
  auto adds = events("user.add");
  EXPECT_EQ(adds.size(), 5u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM access_user WHERE password_hash LIKE 'pbkdf2-sm3$%'"), 2);
}

TEST_P(AccessServiceTest, LoginGivesASessionAndAuthenticateFindsIt) {
  auto s = service_->login("lisi", kPassword, "10.1.1.1:5000");
  ASSERT_TRUE(s.has_value()) << s.error().to_string();
  EXPECT_EQ(s->token.size(), 64u);
  EXPECT_EQ(s->principal.name, "lisi");
  EXPECT_EQ(s->principal.role, Role::Operator);
  // Only the token's hash is stored.
  EXPECT_EQ(count("SELECT COUNT(*) FROM access_session"), 1);
  auto stored = db_->query("SELECT token_hash FROM access_session");
  ASSERT_TRUE(stored);
  EXPECT_NE(*stored->at(0).get<std::string>(0), s->token);
  auto who = service_->authenticate(s->token);
  ASSERT_TRUE(who.has_value()) << who.error().to_string();
  EXPECT_EQ(who->name, "lisi");
  EXPECT_EQ(who->region, "110105");
  auto logins = events("login");
  ASSERT_EQ(logins.size(), 1u);
  EXPECT_TRUE(logins[0].event.success);
  EXPECT_EQ(logins[0].event.source, "10.1.1.1:5000");
}

TEST_P(AccessServiceTest, FailuresLookTheSameWhateverWasWrong) {
  auto wrong_password = service_->login("lisi", "Wangjing-2027", "a");
  auto unknown_user = service_->login("nobody", kPassword, "a");
  ASSERT_FALSE(wrong_password.has_value());
  ASSERT_FALSE(unknown_user.has_value());
  EXPECT_EQ(wrong_password.error().code, ErrorCode::Unauthorized);
  EXPECT_EQ(wrong_password.error().code, unknown_user.error().code);
  EXPECT_EQ(wrong_password.error().detail, unknown_user.error().detail);
  // The audit log knows the difference.
  auto logins = events("login");
  ASSERT_EQ(logins.size(), 2u);
  EXPECT_EQ(logins[0].event.details, "unknown user");
  EXPECT_EQ(logins[1].event.details, "bad password (1 of 5)");
}

std::uint64_t counter(const std::string& name, metrics::Labels labels = {}) {
  return metrics::default_registry().counter(name, "", labels).value();
}

TEST_P(AccessServiceTest, FiveFailuresLockTheAccountForTheLockoutTime) {
  const std::string logins = "omnimeter_access_logins_total";
  auto failed_before = counter(logins, {{"result", "failed"}});
  auto locked_before = counter(logins, {{"result", "locked"}});
  auto lockouts_before = counter("omnimeter_access_lockouts_total");
  for (int i = 0; i < 5; ++i) {
    clock_.advance(10);
    EXPECT_FALSE(service_->login("lisi", "Wrong-password-1", "a").has_value());
  }
  // Locked: even the right password is refused, with the same answer.
  auto locked = service_->login("lisi", kPassword, "a");
  ASSERT_FALSE(locked.has_value());
  EXPECT_EQ(locked.error().detail, kLoginFailed);
  EXPECT_EQ(events("account.lockout").size(), 1u);
  EXPECT_EQ(events("login").front().event.details, "account locked out");
  // The intrusion signals on /metrics.
  EXPECT_EQ(counter(logins, {{"result", "failed"}}) - failed_before, 6u);
  EXPECT_EQ(counter(logins, {{"result", "locked"}}) - locked_before, 1u);
  EXPECT_EQ(counter("omnimeter_access_lockouts_total") - lockouts_before, 1u);
  clock_.advance(15 * 60);  // the lock-out ends
  EXPECT_TRUE(service_->login("lisi", kPassword, "a").has_value());
}

TEST_P(AccessServiceTest, FailuresOutsideTheWindowDoNotAddUp) {
  for (int i = 0; i < 4; ++i) {
    EXPECT_FALSE(service_->login("lisi", "Wrong-password-1", "a").has_value());
  }
  clock_.advance(16 * 60);  // the window has passed: the count starts again
  for (int i = 0; i < 4; ++i) {
    EXPECT_FALSE(service_->login("lisi", "Wrong-password-1", "a").has_value());
  }
  EXPECT_TRUE(service_->login("lisi", kPassword, "a").has_value());
  EXPECT_TRUE(events("account.lockout").empty());
}

TEST_P(AccessServiceTest, SuccessResetsTheFailureCount) {
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(service_->login("lisi", "Wrong-password-1", "a"));
  EXPECT_TRUE(service_->login("lisi", kPassword, "a"));
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(service_->login("lisi", "Wrong-password-1", "a"));
  EXPECT_TRUE(service_->login("lisi", kPassword, "a"));
}

TEST_P(AccessServiceTest, SessionsEndOnIdleLifetimeAndLogout) {
  auto s = service_->login("lisi", kPassword, "a");
  ASSERT_TRUE(s);
  clock_.advance(29 * 60);
  EXPECT_TRUE(service_->authenticate(s->token).has_value());  // refreshes the idle timer
  clock_.advance(29 * 60);
  EXPECT_TRUE(service_->authenticate(s->token).has_value());
  clock_.advance(31 * 60);  // idle too long
  auto idle = service_->authenticate(s->token);
  ASSERT_FALSE(idle.has_value());
  EXPECT_EQ(idle.error().detail, kSessionInvalid);

  auto t = service_->login("lisi", kPassword, "a");
  ASSERT_TRUE(t);
  for (int i = 0; i < 16; ++i) {  // active for 8 hours, never idle
    clock_.advance(29 * 60);
    EXPECT_TRUE(service_->authenticate(t->token).has_value()) << i;
  }
  clock_.advance(29 * 60);  // 8 h 12 min after log-in: the absolute lifetime is over
  EXPECT_FALSE(service_->authenticate(t->token).has_value());

  auto u = service_->login("lisi", kPassword, "a");
  ASSERT_TRUE(u);
  EXPECT_TRUE(service_->logout(u->token, "a").has_value());
  EXPECT_FALSE(service_->authenticate(u->token).has_value());
  EXPECT_TRUE(service_->logout(u->token, "a").has_value());  // twice is fine
  EXPECT_EQ(events("logout").size(), 1u);
  EXPECT_FALSE(service_->authenticate("not-a-token").has_value());
  EXPECT_FALSE(service_->authenticate(std::string(64, '0')).has_value());
}

TEST_P(AccessServiceTest, AdministratorLockEndsSessionsUntilUnlock) {
  auto s = service_->login("lisi", kPassword, "a");
  ASSERT_TRUE(s);
  ASSERT_TRUE(service_->lock_user("lisi", kAdmin));
  EXPECT_FALSE(service_->authenticate(s->token).has_value());
  EXPECT_FALSE(service_->login("lisi", kPassword, "a").has_value());
  clock_.advance(24 * 3600);  // an administrator's lock does not time out
  EXPECT_FALSE(service_->login("lisi", kPassword, "a").has_value());
  ASSERT_TRUE(service_->unlock_user("lisi", kAdmin));
  EXPECT_TRUE(service_->login("lisi", kPassword, "a").has_value());
  EXPECT_EQ(service_->lock_user("nobody", kAdmin).error().code, ErrorCode::NotFound);
  EXPECT_EQ(events("user.lock").size(), 2u);
}

TEST_P(AccessServiceTest, PasswordChangeEndsSessionsAndUnlocks) {
  auto s = service_->login("lisi", kPassword, "a");
  ASSERT_TRUE(s);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(service_->login("lisi", "Wrong-password-1", "a"));
  EXPECT_EQ(service_->set_password("lisi", "short", kAdmin).error().code, ErrorCode::OutOfRange);
  ASSERT_TRUE(service_->set_password("lisi", "Another-Pass-7", kAdmin));
  EXPECT_FALSE(service_->authenticate(s->token).has_value());
  EXPECT_FALSE(service_->login("lisi", kPassword, "a").has_value());
  // The lock-out stands until its time is over, even after a reset.
  clock_.advance(15 * 60);
  EXPECT_TRUE(service_->login("lisi", "Another-Pass-7", "a").has_value());
}

TEST_P(AccessServiceTest, WeakHashIsUpgradedAtLogin) {
  AccessOptions stronger;
  stronger.password.iterations = 2000;
  AccessService upgraded(*db_, clock_, stronger);
  ASSERT_TRUE(upgraded.login("lisi", kPassword, "a"));
  EXPECT_EQ(count("SELECT COUNT(*) FROM access_user WHERE password_hash LIKE 'pbkdf2-sm3$2000$%'"),
            1);
  EXPECT_TRUE(upgraded.login("lisi", kPassword, "a"));
}

TEST_P(AccessServiceTest, AuthorizeIsAudited) {
  auto s = service_->login("lisi", kPassword, "a");
  ASSERT_TRUE(s);
  EXPECT_TRUE(
      service_->authorize(s->principal, {.operation = "alarms.acknowledge"}, "a", "alarm:7"));
  auto refused = service_->authorize(s->principal, {.operation = "audit.read"}, "a");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().detail, kForbidden);
  auto acks = events("alarms.acknowledge");
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_TRUE(acks[0].event.success);
  EXPECT_EQ(acks[0].event.object, "alarm:7");
  auto reads = events("audit.read");
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_FALSE(reads[0].event.success);
  EXPECT_EQ(reads[0].event.details, "forbidden");
  auto v = service_->audit().verify();
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->intact);
}

TEST_P(AccessServiceTest, RevealNeedsThePermissionAndIsAudited) {
  KeyRing keys;
  ASSERT_TRUE(keys.add("k1", crypto::Bytes(32, 7)));
  auto sealed = encrypt_field(keys, "customer.phone:1", "13812341234");
  ASSERT_TRUE(sealed);
  auto s = service_->login("lisi", kPassword, "a");
  ASSERT_TRUE(s);
  auto shown = service_->reveal(s->principal, keys, "customer:1", "110105001", "customer.phone:1",
                                *sealed, "a");
  ASSERT_TRUE(shown.has_value()) << shown.error().to_string();
  EXPECT_EQ(*shown, "13812341234");
  // Outside lisi's region.
  EXPECT_FALSE(service_->reveal(s->principal, keys, "customer:2", "110108001", "customer.phone:1",
                                *sealed, "a"));
  Principal reader{9, "guest", Role::ReadOnly, "", AccountKind::Public};
  EXPECT_FALSE(
      service_->reveal(reader, keys, "customer:1", "110105001", "customer.phone:1", *sealed, "a"));
  auto unmasks = events("privacy.unmask");
  ASSERT_EQ(unmasks.size(), 3u);
  int granted = 0;
  for (const auto& r : unmasks) {
    granted += r.event.success ? 1 : 0;
    EXPECT_EQ(r.event.details.find("13812341234"), std::string::npos);
  }
  EXPECT_EQ(granted, 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, AccessServiceTest,
                         ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         testing::backend_label);

}  // namespace
}  // namespace omni::access
