#include "access/access_service.hpp"

#include <string>

#include "core/metrics.hpp"
#include "crypto/bytes.hpp"
#include "crypto/sm3.hpp"

namespace omni::access {
namespace {

constexpr const char* kUserColumns =
    "id, name, role, region, kind, locked, locked_until, created_at, password_changed_at, "
    "password_hash";

Result<UserInfo> user_from(const storage::Row& row, std::string* password_hash) {
  auto id = row.get<std::int64_t>(0);
  auto name = row.get<std::string>(1);
  auto role = row.get<std::string>(2);
  auto region = row.get<std::string>(3);
  auto kind = row.get<std::string>(4);
  auto locked = row.get<std::int64_t>(5);
  auto locked_until = row.get<std::int64_t>(6);
  auto created = row.get<std::int64_t>(7);
  auto changed = row.get<std::int64_t>(8);
  auto hash = row.get<std::string>(9);
  if (!id || !name || !role || !region || !kind || !locked || !locked_until || !created ||
      !changed || !hash) {
    return fail(ErrorCode::Malformed, "access_user row with a missing or mistyped column");
  }
  auto r = parse_role(*role);
  auto k = parse_account_kind(*kind);
  if (!r || !k) return fail(ErrorCode::Malformed, "access_user row with an unknown role or kind");
  if (password_hash != nullptr) *password_hash = *hash;
  return UserInfo{*id,
                  *name,
                  *r,
                  *region,
                  *k,
                  *locked != 0,
                  UtcTime{*locked_until},
                  UtcTime{*created},
                  UtcTime{*changed}};
}

std::string token_hash(std::string_view token) {
  return crypto::to_hex(crypto::sm3(crypto::as_bytes(token)));
}

// Intrusion signals (SEC-1) for /metrics: failed log-ins and lock-outs by result, refusals by
// reason. Labels are fixed words, never a user name.
struct Counters {
  metrics::Counter& login_ok;
  metrics::Counter& login_failed;
  metrics::Counter& login_locked;
  metrics::Counter& lockouts;
  metrics::Counter& forbidden;
  metrics::Counter& confirmation_required;
  metrics::Counter& throttled;
};

Counters& counters() {
  auto& r = metrics::default_registry();
  constexpr const char* kLogins = "omnimeter_access_logins_total";
  constexpr const char* kLoginsHelp = "Log-in attempts by result";
  constexpr const char* kDenied = "omnimeter_access_denied_total";
  constexpr const char* kDeniedHelp = "Operations refused to an authenticated user, by reason";
  static Counters c{
      r.counter(kLogins, kLoginsHelp, {{"result", "ok"}}),
      r.counter(kLogins, kLoginsHelp, {{"result", "failed"}}),
      r.counter(kLogins, kLoginsHelp, {{"result", "locked"}}),
      r.counter("omnimeter_access_lockouts_total", "Accounts locked after repeated log-in failures",
                {}),
      r.counter(kDenied, kDeniedHelp, {{"reason", "forbidden"}}),
      r.counter(kDenied, kDeniedHelp, {{"reason", "confirmation_required"}}),
      r.counter("omnimeter_access_login_throttled_total",
                "Log-in attempts refused unchecked: their source failed too often", {})};
  return c;
}

Principal principal_of(const UserInfo& u) { return {u.id, u.name, u.role, u.region, u.kind}; }

// The address part of "ip:port", "[v6]:port" or a bare address: the port changes with every
// connection, the address is what an attacker has to change.
std::string source_address(std::string_view source) {
  if (!source.empty() && source.front() == '[') {
    auto end = source.find(']');
    if (end != std::string_view::npos) return std::string(source.substr(1, end - 1));
  }
  auto colon = source.find(':');
  if (colon != std::string_view::npos && source.find(':', colon + 1) == std::string_view::npos) {
    return std::string(source.substr(0, colon));
  }
  return std::string(source);  // no port, or a bare IPv6 address
}

}  // namespace

Status check_user_name(std::string_view name) {
  if (name.empty() || name.size() > 64) {
    return fail(ErrorCode::OutOfRange, "user name must be 1 to 64 characters");
  }
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    bool good = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-' || c >= 0x80;
    if (!good) {
      return fail(ErrorCode::OutOfRange,
                  "user name may hold letters, digits, '.', '_' and '-' only");
    }
  }
  return ok();
}

AccessService::AccessService(storage::Database& db, const Clock& clock, AccessOptions options)
    : db_(db), clock_(clock), options_(options), audit_(db, clock) {}

const std::string& AccessService::dummy_hash() {
  std::call_once(dummy_once_, [this] {
    auto h = hash_password("unknown-user-dummy-password", options_.password);
    dummy_hash_ = h ? *h : std::string();
  });
  return dummy_hash_;
}

Result<std::optional<UserInfo>> AccessService::find_user(storage::Connection& c,
                                                         std::string_view name,
                                                         std::string* password_hash) {
  auto rows =
      c.query(std::string("SELECT ") + kUserColumns + " FROM access_user WHERE name = $1", {name});
  if (!rows) return fail(rows.error());
  if (rows->empty()) return std::optional<UserInfo>{};
  auto u = user_from(rows->at(0), password_hash);
  if (!u) return fail(u.error());
  return std::optional<UserInfo>(std::move(*u));
}

Status AccessService::end_sessions(storage::Connection& c, std::int64_t user_id) {
  auto r = c.execute("DELETE FROM access_session WHERE user_id = $1", {user_id});
  if (!r) return fail(r.error());
  return ok();
}

Result<std::int64_t> AccessService::add_user(const NewUser& user, const Actor& actor) {
  AuditEvent event{
      {},
      actor.name,
      actor.source,
      "user.add",
      "user:" + user.name,
      false,
      std::string("role=") + std::string(role_name(user.role)) + " region=" + user.region};
  auto refuse = [&](Error e) -> Result<std::int64_t> {
    event.details += " refused: " + e.detail;
    (void)audit_.append(event);  // the refusal stands even if it cannot be recorded
    return fail(std::move(e));
  };
  if (auto st = check_user_name(user.name); !st) return refuse(st.error());
  if (auto st = check_password_policy(user.password, user.name); !st) return refuse(st.error());
  auto hash = hash_password(user.password, options_.password);
  if (!hash) return refuse(hash.error());
  std::int64_t id = 0;
  UtcTime now = clock_.now();
  auto st = db_.transaction([&](storage::Connection& c) -> Status {
    auto existing = find_user(c, user.name, nullptr);
    if (!existing) return fail(existing.error());
    if (*existing) return fail(ErrorCode::Duplicate, "user '" + user.name + "' exists");
    auto inserted = c.query(
        "INSERT INTO access_user (name, password_hash, role, region, kind, created_at,"
        " password_changed_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        {user.name, *hash, role_name(user.role), user.region, account_kind_name(user.kind),
         now.seconds});
    if (!inserted) return fail(inserted.error());
    if (inserted->empty()) return fail(ErrorCode::Internal, "INSERT … RETURNING gave no row");
    auto new_id = inserted->at(0).get<std::int64_t>(0);
    if (!new_id) return fail(new_id.error());
    id = *new_id;
    event.success = true;
    auto a = audit_.append(c, event);
    if (!a) return fail(a.error());
    return ok();
  });
  if (!st) return refuse(st.error());
  return id;
}

Status AccessService::set_password(std::string_view name, std::string_view password,
                                   const Actor& actor) {
  AuditEvent event{{},    actor.name, actor.source, "user.passwd", "user:" + std::string(name),
                   false, ""};
  auto refuse = [&](Error e) -> Status {
    event.details = "refused: " + e.detail;
    (void)audit_.append(event);
    return fail(std::move(e));
  };
  if (auto st = check_password_policy(password, name); !st) return refuse(st.error());
  auto hash = hash_password(password, options_.password);
  if (!hash) return refuse(hash.error());
  UtcTime now = clock_.now();
  return audited_user_change(event, name, [&](storage::Connection& c, std::int64_t id) -> Status {
    auto r = c.execute(
        "UPDATE access_user SET password_hash = $1, password_changed_at = $2, failures = 0,"
        " first_failure = 0 WHERE id = $3",
        {*hash, now.seconds, id});
    if (!r) return fail(r.error());
    return end_sessions(c, id);
  });
}

Status AccessService::audited_user_change(
    AuditEvent event, std::string_view name,
    const std::function<Status(storage::Connection&, std::int64_t user_id)>& change) {
  auto st = db_.transaction([&](storage::Connection& c) -> Status {
    auto u = find_user(c, name, nullptr);
    if (!u) return fail(u.error());
    if (!*u) return fail(ErrorCode::NotFound, "no user '" + std::string(name) + "'");
    OMNI_TRY(change(c, (*u)->id));
    event.success = true;
    auto a = audit_.append(c, event);
    if (!a) return fail(a.error());
    return ok();
  });
  if (!st) {
    event.success = false;
    event.details = "refused: " + st.error().detail;
    (void)audit_.append(event);
  }
  return st;
}

Status AccessService::lock_user(std::string_view name, const Actor& actor) {
  AuditEvent event{{},    actor.name, actor.source, "user.lock", "user:" + std::string(name),
                   false, ""};
  return audited_user_change(event, name, [&](storage::Connection& c, std::int64_t id) -> Status {
    auto r = c.execute("UPDATE access_user SET locked = 1 WHERE id = $1", {id});
    if (!r) return fail(r.error());
    return end_sessions(c, id);
  });
}

Status AccessService::unlock_user(std::string_view name, const Actor& actor) {
  AuditEvent event{{},    actor.name, actor.source, "user.unlock", "user:" + std::string(name),
                   false, ""};
  return audited_user_change(event, name, [&](storage::Connection& c, std::int64_t id) -> Status {
    auto r = c.execute(
        "UPDATE access_user SET locked = 0, locked_until = 0, failures = 0, first_failure = 0"
        " WHERE id = $1",
        {id});
    if (!r) return fail(r.error());
    return ok();
  });
}

Result<std::vector<UserInfo>> AccessService::list_users() {
  auto rows = db_.query(std::string("SELECT ") + kUserColumns + " FROM access_user ORDER BY name");
  if (!rows) return fail(rows.error());
  std::vector<UserInfo> out;
  for (const auto& row : rows->rows) {
    auto u = user_from(row, nullptr);
    if (!u) return fail(u.error());
    out.push_back(std::move(*u));
  }
  return out;
}

Result<Session> AccessService::login(std::string_view name, std::string_view password,
                                     std::string_view source) {
  if (login_throttled_for(source) > 0) {
    counters().throttled.inc();
    return fail(ErrorCode::Busy, std::string(kLoginThrottled));
  }
  AuditEvent event{{}, std::string(name), std::string(source), "login", "", false, ""};
  std::string stored;
  std::optional<UserInfo> user;
  {
    auto conn = db_.acquire(storage::Access::Read);
    if (!conn) return fail(conn.error());
    auto u = find_user(**conn, name, &stored);
    if (!u) return fail(u.error());
    user = std::move(*u);
  }
  // The hash is computed in every case, so an unknown name or a locked account takes as long
  // as a wrong password; it runs outside any transaction (it is the slow part).
  bool password_ok = verify_password(password, user ? stored : dummy_hash()).has_value();
  UtcTime now = clock_.now();
  if (!user) {
    event.details = "unknown user";
    counters().login_failed.inc();
    count_source_failure(name, source, now);
    OMNI_TRY(audit_.append(event));
    return fail(ErrorCode::Unauthorized, std::string(kLoginFailed));
  }
  Session session;
  bool granted = false;
  bool was_locked = false;  // refused because the account was locked already
  bool locked_out = false;  // this failure locked it
  auto st = db_.transaction([&](storage::Connection& c) -> Status {
    // Re-read inside the transaction: another log-in may have counted a failure meanwhile.
    // The no-op UPDATE first takes the row lock on PostgreSQL (SQLite's BEGIN IMMEDIATE holds
    // the database), so two concurrent failures cannot both count from the same number.
    auto row_lock =
        c.execute("UPDATE access_user SET failures = failures WHERE id = $1", {user->id});
    if (!row_lock) return fail(row_lock.error());
    auto rows = c.query(
        "SELECT locked, locked_until, failures, first_failure FROM access_user WHERE id = $1",
        {user->id});
    if (!rows) return fail(rows.error());
    if (rows->empty()) return fail(ErrorCode::NotFound, "user removed during log-in");
    std::int64_t locked = rows->at(0).get<std::int64_t>(0).value_or(1);
    std::int64_t locked_until = rows->at(0).get<std::int64_t>(1).value_or(0);
    std::int64_t failures = rows->at(0).get<std::int64_t>(2).value_or(0);
    std::int64_t first_failure = rows->at(0).get<std::int64_t>(3).value_or(0);
    if (locked != 0 || locked_until > now.seconds) {
      was_locked = true;
      event.details = locked != 0 ? "account locked by an administrator" : "account locked out";
      auto a = audit_.append(c, event);
      if (!a) return fail(a.error());
      return ok();
    }
    if (!password_ok) {
      if (failures == 0 || now.seconds - first_failure >= options_.failure_window_s) {
        failures = 1;
        first_failure = now.seconds;
      } else {
        ++failures;
      }
      event.details = "bad password (" + std::to_string(failures) + " of " +
                      std::to_string(options_.max_failures) + ")";
      if (failures >= options_.max_failures) {
        locked_out = true;
        locked_until = now.seconds + options_.lockout_s;
        failures = 0;
        first_failure = 0;
      }
      auto r = c.execute(
          "UPDATE access_user SET failures = $1, first_failure = $2, locked_until = $3"
          " WHERE id = $4",
          {failures, first_failure, locked_until, user->id});
      if (!r) return fail(r.error());
      auto a = audit_.append(c, event);
      if (!a) return fail(a.error());
      if (locked_until > now.seconds) {
        auto lo = audit_.append(
            c, {now, user->name, std::string(source), "account.lockout", "user:" + user->name, true,
                "locked for " + std::to_string(options_.lockout_s) + " s after " +
                    std::to_string(options_.max_failures) + " failures"});
        if (!lo) return fail(lo.error());
      }
      return ok();
    }
    // Success: new session, failures forgotten, weak hash upgraded.
    crypto::Bytes raw = crypto::random_bytes(32);
    session.token = crypto::to_hex(raw);
    crypto::wipe(raw);
    session.principal = principal_of(*user);
    session.expires_at = now + options_.session_lifetime_s;
    auto r = c.execute("UPDATE access_user SET failures = 0, first_failure = 0 WHERE id = $1",
                       {user->id});
    if (!r) return fail(r.error());
    if (needs_rehash(stored, options_.password)) {
      auto h = hash_password(password, options_.password);
      if (h) {
        auto u =
            c.execute("UPDATE access_user SET password_hash = $1 WHERE id = $2", {*h, user->id});
        if (!u) return fail(u.error());
      }
    }
    auto s = c.execute(
        "INSERT INTO access_session (token_hash, user_id, source, created_at, last_seen,"
        " expires_at) VALUES ($1, $2, $3, $4, $4, $5)",
        {token_hash(session.token), user->id, source, now.seconds, session.expires_at.seconds});
    if (!s) return fail(s.error());
    event.success = true;
    event.details = "role=" + std::string(role_name(user->role));
    auto a = audit_.append(c, event);
    if (!a) return fail(a.error());
    granted = true;
    return ok();
  });
  if (!st) return fail(st.error());
  if (!granted) {
    counters().login_failed.inc();
    if (locked_out) counters().lockouts.inc();
    if (was_locked) counters().login_locked.inc();
    count_source_failure(name, source, now);
    return fail(ErrorCode::Unauthorized, std::string(kLoginFailed));
  }
  counters().login_ok.inc();
  return session;
}

std::int64_t AccessService::login_throttled_for(std::string_view source) const {
  std::int64_t now = clock_.now().seconds;
  std::lock_guard lock(sources_mutex_);
  auto it = sources_.find(source_address(source));
  if (it == sources_.end() || it->second.blocked_until <= now) return 0;
  return it->second.blocked_until - now;
}

void AccessService::count_source_failure(std::string_view name, std::string_view source,
                                         UtcTime now) {
  std::string address = source_address(source);
  bool started = false;
  {
    std::lock_guard lock(sources_mutex_);
    auto it = sources_.find(address);
    if (it == sources_.end()) {
      if (sources_.size() >= options_.source_max_tracked) {
        // Expired windows first; otherwise the oldest window not cooling down (or, if every
        // entry cools down, the oldest of all).
        std::erase_if(sources_, [&](const auto& kv) {
          return kv.second.blocked_until <= now.seconds &&
                 now.seconds - kv.second.window_start >= options_.source_window_s;
        });
        if (sources_.size() >= options_.source_max_tracked) {
          auto victim = sources_.begin();
          for (auto i = sources_.begin(); i != sources_.end(); ++i) {
            bool i_free = i->second.blocked_until <= now.seconds;
            bool v_free = victim->second.blocked_until <= now.seconds;
            if ((i_free && !v_free) ||
                (i_free == v_free && i->second.window_start < victim->second.window_start)) {
              victim = i;
            }
          }
          sources_.erase(victim);
        }
      }
      it = sources_.emplace(address, SourceFailures{0, now.seconds, 0}).first;
    }
    SourceFailures& f = it->second;
    if (now.seconds - f.window_start >= options_.source_window_s) {
      f.failures = 0;
      f.window_start = now.seconds;
    }
    ++f.failures;
    if (f.failures > options_.source_max_failures && f.blocked_until <= now.seconds) {
      f.blocked_until = now.seconds + options_.source_cooldown_s;
      f.failures = 0;  // a new window starts after the cool-down
      f.window_start = f.blocked_until;
      started = true;
    }
  }
  if (started) {
    (void)audit_.append({now, std::string(name), std::string(source), "login.throttled",
                         "source:" + address, false,
                         "more than " + std::to_string(options_.source_max_failures) +
                             " failed log-ins within " + std::to_string(options_.source_window_s) +
                             " s; refused for " + std::to_string(options_.source_cooldown_s) +
                             " s"});  // the cool-down stands even if it cannot be recorded
  }
}

Result<Principal> AccessService::authenticate(std::string_view token) {
  if (token.size() != 64) return fail(ErrorCode::Unauthorized, std::string(kSessionInvalid));
  std::string key = token_hash(token);
  auto rows = db_.query(
      "SELECT s.last_seen, s.expires_at, u.id, u.name, u.role, u.region, u.kind, u.locked"
      " FROM access_session s JOIN access_user u ON u.id = s.user_id WHERE s.token_hash = $1",
      {key});
  if (!rows) return fail(rows.error());
  if (rows->empty()) return fail(ErrorCode::Unauthorized, std::string(kSessionInvalid));
  const auto& row = rows->at(0);
  auto last_seen = row.get<std::int64_t>(0);
  auto expires = row.get<std::int64_t>(1);
  auto id = row.get<std::int64_t>(2);
  auto name = row.get<std::string>(3);
  auto role = parse_role(row.get<std::string>(4).value_or(""));
  auto region = row.get<std::string>(5);
  auto kind = parse_account_kind(row.get<std::string>(6).value_or(""));
  auto locked = row.get<std::int64_t>(7);
  if (!last_seen || !expires || !id || !name || !role || !region || !kind || !locked) {
    return fail(ErrorCode::Malformed, "access_session row with a missing or mistyped column");
  }
  UtcTime now = clock_.now();
  if (*locked != 0 || now.seconds >= *expires ||
      now.seconds - *last_seen > options_.idle_timeout_s) {
    (void)db_.execute("DELETE FROM access_session WHERE token_hash = $1", {key});
    return fail(ErrorCode::Unauthorized, std::string(kSessionInvalid));
  }
  // Refresh the idle timer at most every 30 s: one write per request would be wasteful.
  if (now.seconds - *last_seen >= 30) {
    auto r = db_.execute("UPDATE access_session SET last_seen = $1 WHERE token_hash = $2",
                         {now.seconds, key});
    if (!r) return fail(r.error());
  }
  return Principal{*id, *name, *role, *region, *kind};
}

Status AccessService::logout(std::string_view token, std::string_view source) {
  auto who = authenticate(token);
  std::string key = token_hash(token);
  auto r = db_.execute("DELETE FROM access_session WHERE token_hash = $1", {key});
  if (!r) return fail(r.error());
  if (who) {
    OMNI_TRY(audit_.append({{}, who->name, std::string(source), "logout", "", true, ""}));
  }
  return ok();
}

Status AccessService::authorize(const Principal& who, const AuthorizeRequest& request,
                                std::string_view source, std::string_view object,
                                bool audit_success, std::string_view event) {
  auto st = access::authorize(who, request);
  if (!st) {
    auto& c = st.error().detail == kConfirmationRequired ? counters().confirmation_required
                                                         : counters().forbidden;
    c.inc();
  }
  if (!st || audit_success) {
    std::string details = st ? "" : st.error().detail;
    auto add = [&details](std::string_view key, std::string_view value) {
      details += (details.empty() ? "" : " ") + std::string(key) + "=" + std::string(value);
    };
    if (!event.empty()) add("operation", request.operation);
    if (!request.object_region.empty()) add("region", request.object_region);
    if (request.all_regions) add("region", "all");
    OMNI_TRY(audit_.append({{},
                            who.name,
                            std::string(source),
                            std::string(event.empty() ? request.operation : event),
                            std::string(object),
                            st.has_value(),
                            details}));
  }
  return st;
}

Result<std::string> AccessService::reveal(const Principal& who, const KeyRing& keys,
                                          std::string_view object, std::string_view object_region,
                                          std::string_view context, std::string_view stored,
                                          std::string_view source) {
  OMNI_TRY(authorize(who, {.operation = "privacy.unmask", .object_region = object_region}, source,
                     object, /*audit_success=*/false));
  auto plain = decrypt_field(keys, context, stored);
  // Recorded after the attempt, so the record says whether the value was actually shown.
  OMNI_TRY(audit_.append(
      {{},
       who.name,
       std::string(source),
       "privacy.unmask",
       std::string(object),
       plain.has_value(),
       "field=" + std::string(context) + (plain ? "" : " refused: " + plain.error().detail)}));
  return plain;
}

}  // namespace omni::access
