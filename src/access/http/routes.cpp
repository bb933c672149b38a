#include "access/http/routes.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>

#include "access/http/guard.hpp"
#include "core/time.hpp"

namespace omni::access::http {
namespace {

using Json = nlohmann::ordered_json;

std::string iso(UtcTime t) { return format_iso8601(t, TimeZone::utc()); }

std::optional<UtcTime> query_time(const net::Request& r, const std::string& key, bool* bad) {
  auto it = r.query.find(key);
  if (it == r.query.end() || it->second.empty()) return std::nullopt;
  auto t = parse_iso8601(it->second);
  if (!t) {
    *bad = true;
    return std::nullopt;
  }
  return *t;
}

net::Response login(AccessService& access, const net::Request& r) {
  Json body = Json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("user") || !body.contains("password") ||
      !body["user"].is_string() || !body["password"].is_string()) {
    return net::Response::error(400, "bad_request",
                                "body must be {\"user\": \"...\", \"password\": \"...\"}",
                                r.request_id);
  }
  auto session =
      access.login(body["user"].get<std::string>(), body["password"].get<std::string>(), r.peer);
  if (!session) {
    if (session.error().code == ErrorCode::Unauthorized) {
      return unauthorized_response(r, kLoginFailed);
    }
    if (session.error().code == ErrorCode::Busy && session.error().detail == kLoginThrottled) {
      auto resp = net::Response::error(429, "too_many_requests", kLoginThrottled, r.request_id);
      resp.set_header("Retry-After", std::to_string(std::max<std::int64_t>(
                                         1, access.login_throttled_for(r.peer))));
      return resp;
    }
    return database_error_response(r, session.error());
  }
  Json out{{"token", session->token},
           {"expires_at", iso(session->expires_at)},
           {"user", session->principal.name},
           {"role", role_name(session->principal.role)},
           {"region", session->principal.region},
           {"kind", account_kind_name(session->principal.kind)}};
  auto resp = net::Response::json_text(200, out.dump());
  resp.set_header("Cache-Control", "no-store");
  return resp;
}

net::Response audit_search(AccessService& access, const net::Request& r) {
  AuditFilter f;
  bool bad = false;
  f.from = query_time(r, "from", &bad);
  f.to = query_time(r, "to", &bad);
  if (bad) {
    return net::Response::error(400, "bad_request", "from and to are ISO 8601 times with an offset",
                                r.request_id);
  }
  if (auto it = r.query.find("user"); it != r.query.end()) f.user = it->second;
  if (auto it = r.query.find("type"); it != r.query.end()) f.event = it->second;
  if (auto it = r.query.find("limit"); it != r.query.end()) {
    const std::string& text = it->second;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), f.limit);
    if (ec != std::errc() || end != text.data() + text.size() || f.limit < 1 || f.limit > 10000) {
      return net::Response::error(400, "bad_request", "limit is 1 to 10000", r.request_id);
    }
  }
  auto rows = access.audit().search(f);
  if (!rows) return database_error_response(r, rows.error());
  Json items = Json::array();
  for (const auto& rec : *rows) {
    items.push_back({{"id", rec.id},
                     {"at", iso(rec.event.at)},
                     {"user", rec.event.user},
                     {"source", rec.event.source},
                     {"type", rec.event.event},
                     {"object", rec.event.object},
                     {"success", rec.event.success},
                     {"details", rec.event.details}});
  }
  return net::Response::json_text(200, Json{{"items", items}}.dump());
}

net::Response audit_verify(AccessService& access, const net::Request& r) {
  auto v = access.audit().verify();
  if (!v) return database_error_response(r, v.error());
  Json out{{"intact", v->intact},
           {"rows_checked", v->rows_checked},
           {"first_bad_id", v->first_bad_id},
           {"reason", v->reason}};
  return net::Response::json_text(200, out.dump());
}

}  // namespace

AccessConfig access_config_from(const config::Section& server_section) {
  config::Section s = server_section.section("access");
  using std::chrono::duration_cast;
  using std::chrono::seconds;
  auto secs = [](std::chrono::milliseconds ms) { return duration_cast<seconds>(ms).count(); };
  AccessConfig c;
  c.required = s.get_bool("required", false);
  auto& o = c.options;
  o.max_failures = static_cast<int>(s.get_int("max_failures", o.max_failures, 1, 100));
  o.failure_window_s = secs(s.get_duration("failure_window", seconds(o.failure_window_s),
                                           seconds(1), std::chrono::hours(24)));
  o.lockout_s =
      secs(s.get_duration("lockout", seconds(o.lockout_s), seconds(1), std::chrono::hours(24 * 7)));
  o.idle_timeout_s = secs(s.get_duration("idle_timeout", seconds(o.idle_timeout_s), seconds(60),
                                         std::chrono::hours(24)));
  o.session_lifetime_s = secs(s.get_duration("session_lifetime", seconds(o.session_lifetime_s),
                                             seconds(60), std::chrono::hours(24 * 7)));
  o.source_max_failures =
      static_cast<int>(s.get_int("source_max_failures", o.source_max_failures, 1, 100000));
  o.source_window_s = secs(s.get_duration("source_window", seconds(o.source_window_s), seconds(1),
                                          std::chrono::hours(24)));
  o.source_cooldown_s = secs(s.get_duration("source_cooldown", seconds(o.source_cooldown_s),
                                            seconds(1), std::chrono::hours(24)));
  return c;
}

void add_access_routes(net::Router& router, AccessService& access) {
  router.post("/api/v1/login", [&access](const net::Request& r) { return login(access, r); },
              {.max_body_bytes = 4096});

  router.post("/api/v1/logout", [&access](const net::Request& r) {
    std::string_view token = bearer_token(r);
    if (token.empty()) return unauthorized_response(r, "a Bearer token is required");
    if (auto st = access.logout(token, r.peer); !st) return database_error_response(r, st.error());
    net::Response resp;
    resp.status = 204;
    return resp;
  });

  router.get("/api/v1/me", [&access](const net::Request& r) {
    auto who = authenticate_request(access, r);
    if (auto* resp = std::get_if<net::Response>(&who)) return std::move(*resp);
    const auto& p = std::get<Principal>(who);
    Json out{{"user", p.name},
             {"role", role_name(p.role)},
             {"region", p.region},
             {"kind", account_kind_name(p.kind)}};
    return net::Response::json_text(200, out.dump());
  });

  // The audit trail is always guarded, whatever `required` says of the data routes.
  router.get("/api/v1/audit",
             guard(access, {.operation = "audit.read"},
                   [&access](const net::Request& r) { return audit_search(access, r); }));
  router.get("/api/v1/audit/verify",
             guard(access, {.operation = "audit.verify"},
                   [&access](const net::Request& r) { return audit_verify(access, r); }));
}

}  // namespace omni::access::http
