#pragma once
// Accounts, log-in, sessions and authorisation, with every step written to the audit log
// (S-SEC-1, SEC-2, SEC-3). Shared by the station and the cloud: each opens its own database and
// applies the "access" migration set (schema.hpp).
//
//   AccessService access(db, SystemClock::instance());
//   OMNI_TRY(access.add_user({.name = "lisi", .password = pw, .role = Role::Operator}, actor));
//   auto session = access.login("lisi", pw, "10.0.0.7:51234");   // token for the client
//   auto who = access.authenticate(session->token);              // on every request
//   OMNI_TRY(access.authorize(*who, {.operation = "alarms.acknowledge"}, source));
//
// Log-in failures all return Unauthorized with the same detail (kLoginFailed), whether the name
// is unknown, the password wrong or the account locked, and an unknown name costs the same
// password hash as a known one, so neither the answer nor its timing tells which; the audit log
// records the real reason. `max_failures` failures within `failure_window` lock the account for
// `lockout`; an administrator's lock (lock_user) lasts until unlock_user.
//
// Per-source throttle (SEC-1 intrusion signal): every failed log-in is also counted against the
// source's address (the "ip" of "ip:port"). A source with more than `source_max_failures`
// failures within `source_window` is refused for `source_cooldown` without looking at the name
// or the password (Busy, kLoginThrottled; HTTP 429), so a password spray across many names is
// slowed as much as guessing one name's password. A success does not clear the count (a sprayer
// who finds one password must not get a fresh budget). The cool-down is audited once, as
// "login.throttled", and every refused attempt counts in omnimeter_access_login_throttled_total.
// The table keeps at most `source_max_tracked` addresses: when full, expired windows go first,
// then the oldest window that is not cooling down (memory stays bounded under a flood from
// many addresses; such a flood is the network's rate limiter's job).
//
// Sessions: the token is 256 random bits (64 hex characters), given to the client once; the
// database keeps only its SM3 hash, so a copy of the database does not hold usable tokens. A
// session ends after `idle_timeout` without use, at `session_lifetime` after log-in, at logout,
// and when the user is locked or the password changed.
//
// Time comes from the injected Clock (tests use FakeClock). Thread safety: safe from any thread;
// the database serialises writers.

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "access/audit.hpp"
#include "access/password.hpp"
#include "access/permissions.hpp"
#include "access/privacy.hpp"
#include "core/clock.hpp"
#include "storage/database.hpp"

namespace omni::access {

struct AccessOptions {
  PasswordParams password{};
  int max_failures = 5;
  std::int64_t failure_window_s = 15 * 60;
  std::int64_t lockout_s = 15 * 60;
  std::int64_t idle_timeout_s = 30 * 60;  // GB/T 22239 practice: idle time-out <= 30 min
  std::int64_t session_lifetime_s = 8 * 3600;
  int source_max_failures = 20;
  std::int64_t source_window_s = 15 * 60;
  std::int64_t source_cooldown_s = 15 * 60;
  std::size_t source_max_tracked = 10000;
};

inline constexpr std::string_view kLoginFailed = "invalid user name or password";
inline constexpr std::string_view kSessionInvalid = "invalid or expired session";
inline constexpr std::string_view kLoginThrottled = "too many failed log-ins from this address";

// Who performs an administrative action, for the audit log.
struct Actor {
  std::string name{};    // "admin", or "cli:root" for the command line
  std::string source{};  // "ip:port" or "local"
};

struct NewUser {
  std::string name{};
  std::string password{};
  Role role = Role::ReadOnly;
  std::string region{};  // region-code prefix; empty = all regions
  AccountKind kind = AccountKind::Enterprise;
};

struct UserInfo {
  std::int64_t id = 0;
  std::string name{};
  Role role = Role::ReadOnly;
  std::string region{};
  AccountKind kind = AccountKind::Enterprise;
  bool locked = false;     // by an administrator
  UtcTime locked_until{};  // by failures; in the past when not locked
  UtcTime created_at{};
  UtcTime password_changed_at{};
};

struct Session {
  std::string token{};  // give to the client; not stored
  Principal principal{};
  UtcTime expires_at{};  // absolute end (idle time-out may end it sooner)
};

class AccessService {
 public:
  AccessService(storage::Database& db, const Clock& clock, AccessOptions options = {});

  AuditLog& audit() { return audit_; }
  const AccessOptions& options() const { return options_; }

  // Errors: OutOfRange (bad name, password breaks the policy: the detail says which rule),
  // Duplicate (name taken), database errors. The attempt is audited either way.
  Result<std::int64_t> add_user(const NewUser& user, const Actor& actor);
  // Sets a new password (policy checked) and ends the user's sessions. Errors: NotFound,
  // OutOfRange, database errors.
  Status set_password(std::string_view name, std::string_view password, const Actor& actor);
  // Locks until unlock_user and ends the user's sessions. Errors: NotFound.
  Status lock_user(std::string_view name, const Actor& actor);
  // Clears the administrator's lock and the failure lock-out. Errors: NotFound.
  Status unlock_user(std::string_view name, const Actor& actor);
  Result<std::vector<UserInfo>> list_users();

  // Errors: Unauthorized (kLoginFailed) for every refusal; Busy with detail kLoginThrottled
  // while `source`'s address cools down (no password checked); database errors (Io, Busy).
  Result<Session> login(std::string_view name, std::string_view password, std::string_view source);
  // Seconds until `source`'s address may try again; 0 when it is not throttled.
  std::int64_t login_throttled_for(std::string_view source) const;
  // The session's principal; refreshes its idle timer. Errors: Unauthorized (kSessionInvalid).
  Result<Principal> authenticate(std::string_view token);
  // Ends the session (unknown tokens are not an error: logging out twice is fine).
  Status logout(std::string_view token, std::string_view source);

  // authorize() (permissions.hpp) plus an audit record of every refusal and, when `audit_success`,
  // of the permitted operation too. `object` names what is acted on, for the record. The record's
  // event is the operation's name, or `event` when given (the cloud writes every data access as
  // "data.read", with the operation in the details).
  Status authorize(const Principal& who, const AuthorizeRequest& request, std::string_view source,
                   std::string_view object = {}, bool audit_success = true,
                   std::string_view event = {});

  // Unmasks one encrypted field (privacy.hpp) for `who`: needs "privacy.unmask" (and the
  // object's region inside the user's scope); every attempt is audited with `object` (never the
  // value). Errors: Unauthorized, and decrypt_field's errors.
  Result<std::string> reveal(const Principal& who, const KeyRing& keys, std::string_view object,
                             std::string_view object_region, std::string_view context,
                             std::string_view stored, std::string_view source);

 private:
  const std::string& dummy_hash();
  Result<std::optional<UserInfo>> find_user(storage::Connection& c, std::string_view name,
                                            std::string* password_hash);
  Status end_sessions(storage::Connection& c, std::int64_t user_id);
  // Changes the named user with `change` in one transaction with `event`'s audit row; a
  // refusal (no such user, a database error) is audited after the rollback.
  Status audited_user_change(
      AuditEvent event, std::string_view name,
      const std::function<Status(storage::Connection&, std::int64_t user_id)>& change);
  // Counts a failed log-in against the source's address; starts (and audits) the cool-down
  // when the address goes over the limit.
  void count_source_failure(std::string_view name, std::string_view source, UtcTime now);

  struct SourceFailures {
    int failures = 0;
    std::int64_t window_start = 0;   // UTC seconds of the first failure counted
    std::int64_t blocked_until = 0;  // UTC seconds; in the past when not cooling down
  };

  storage::Database& db_;
  const Clock& clock_;
  AccessOptions options_;
  AuditLog audit_;
  std::once_flag dummy_once_;
  std::string dummy_hash_{};
  mutable std::mutex sources_mutex_;
  std::unordered_map<std::string, SourceFailures> sources_;  // by address
};

// A user name: 1..64 characters of letters, digits, '.', '_', '-' (ASCII) or any non-ASCII
// letter (Chinese names); no spaces or control characters. Errors: OutOfRange.
Status check_user_name(std::string_view name);

}  // namespace omni::access
