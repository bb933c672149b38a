#include "station/api/access_api.hpp"

#include <cctype>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <variant>

#include "core/time.hpp"

namespace omni::station {
namespace {

using Json = nlohmann::ordered_json;

// Station routes and the operation each needs; anything else needs "station.read".
struct RouteOperation {
  std::string_view method;
  std::string_view pattern;
  std::string_view operation;
};
constexpr RouteOperation kRouteOperations[] = {
    {"GET", "/api/v1/station/success", "station.read"},
    {"GET", "/api/v1/meters/{address}/daily", "readings.read"},
    {"GET", "/api/v1/alarms", "alarms.read"},
};

std::string iso(UtcTime t) { return format_iso8601(t, TimeZone::utc()); }

net::Response unauthorized(const net::Request& r, std::string_view message) {
  auto resp = net::Response::error(401, "unauthorized", message, r.request_id);
  resp.set_header("WWW-Authenticate", "Bearer");
  return resp;
}

net::Response database_error(const net::Request& r, const Error& e) {
  // Busy is temporary; anything else is ours. The detail stays in the log, not the answer.
  if (e.code == ErrorCode::Busy) {
    return net::Response::error(503, "busy", "try again", r.request_id);
  }
  return net::Response::error(500, "internal", "internal error", r.request_id);
}

std::string_view bearer(const net::Request& r) {
  std::string_view h = r.header("Authorization");
  constexpr std::string_view kPrefix = "Bearer ";
  if (h.size() <= kPrefix.size()) return {};
  // The scheme is case-insensitive (RFC 7235).
  for (std::size_t i = 0; i < kPrefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(h[i])) !=
        std::tolower(static_cast<unsigned char>(kPrefix[i]))) {
      return {};
    }
  }
  return h.substr(kPrefix.size());
}

// The caller's principal, or the response that refuses the request.
std::variant<access::Principal, net::Response> caller(access::AccessService& access,
                                                      const net::Request& r) {
  std::string_view token = bearer(r);
  if (token.empty()) return unauthorized(r, "a Bearer token is required");
  auto who = access.authenticate(token);
  if (!who) {
    if (who.error().code == ErrorCode::Unauthorized) {
      return unauthorized(r, access::kSessionInvalid);
    }
    return database_error(r, who.error());
  }
  return *who;
}

net::Response refusal(const net::Request& r, const Error& e) {
  if (e.code != ErrorCode::Unauthorized) return database_error(r, e);
  if (e.detail == access::kConfirmationRequired) {
    return net::Response::error(428, "confirmation_required",
                                "dangerous operation: repeat it with the header X-Omni-Confirm "
                                "naming the operation",
                                r.request_id);
  }
  return net::Response::error(403, "forbidden", "not permitted for this user", r.request_id);
}

// Runs `body` for a caller holding `operation`; audits the call either way.
template <class Body>
net::Response with_permission(access::AccessService& access, const net::Request& r,
                              std::string_view operation, Body&& body) {
  auto who = caller(access, r);
  if (auto* resp = std::get_if<net::Response>(&who)) return std::move(*resp);
  const auto& principal = std::get<access::Principal>(who);
  bool confirmed = r.header("X-Omni-Confirm") == operation;
  auto st = access.authorize(principal, {.operation = operation, .confirmed = confirmed}, r.peer,
                             r.method + " " + r.path);
  if (!st) return refusal(r, st.error());
  return body(principal);
}

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

}  // namespace

AccessConfig access_config_from(const config::Section& station_section) {
  config::Section s = station_section.section("access");
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
  return c;
}

std::string station_route_operation(std::string_view method, std::string_view pattern) {
  for (const auto& r : kRouteOperations) {
    if ((r.method == method || (method == "HEAD" && r.method == "GET")) && r.pattern == pattern) {
      return std::string(r.operation);
    }
  }
  return "station.read";
}

net::Handler require_permission(access::AccessService& access, std::string operation,
                                net::Handler handler) {
  return [&access, operation = std::move(operation),
          handler = std::move(handler)](const net::Request& r) {
    return with_permission(access, r, operation,
                           [&](const access::Principal&) { return handler(r); });
  };
}

net::Router guard_routes(const net::Router& routes, access::AccessService& access, bool required) {
  net::Router out;
  for (const auto& [method, pattern] : routes.routes()) {
    // Matching the pattern itself as a path finds the route: a "{name}" segment matches the
    // parameter of the same route.
    auto m = routes.match(method, pattern);
    if (m.handler == nullptr) continue;
    net::Handler h = *m.handler;
    if (required) h = require_permission(access, station_route_operation(method, pattern), h);
    out.add(method, pattern, std::move(h), m.options);
  }
  return out;
}

void add_access_routes(net::Router& router, access::AccessService& access) {
  router.post("/api/v1/login",
              [&access](const net::Request& r) {
                Json body = Json::parse(r.body, nullptr, /*allow_exceptions=*/false);
                if (!body.is_object() || !body.contains("user") || !body.contains("password") ||
                    !body["user"].is_string() || !body["password"].is_string()) {
                  return net::Response::error(
                      400, "bad_request", "body must be {\"user\": \"...\", \"password\": \"...\"}",
                      r.request_id);
                }
                auto session = access.login(body["user"].get<std::string>(),
                                            body["password"].get<std::string>(), r.peer);
                if (!session) {
                  if (session.error().code == ErrorCode::Unauthorized) {
                    return unauthorized(r, access::kLoginFailed);
                  }
                  return database_error(r, session.error());
                }
                Json out{{"token", session->token},
                         {"expires_at", iso(session->expires_at)},
                         {"user", session->principal.name},
                         {"role", access::role_name(session->principal.role)},
                         {"region", session->principal.region}};
                auto resp = net::Response::json_text(200, out.dump());
                resp.set_header("Cache-Control", "no-store");
                return resp;
              },
              {.max_body_bytes = 4096});

  router.post("/api/v1/logout", [&access](const net::Request& r) {
    std::string_view token = bearer(r);
    if (token.empty()) return unauthorized(r, "a Bearer token is required");
    if (auto st = access.logout(token, r.peer); !st) return database_error(r, st.error());
    net::Response resp;
    resp.status = 204;
    return resp;
  });

  router.get("/api/v1/me", [&access](const net::Request& r) {
    auto who = caller(access, r);
    if (auto* resp = std::get_if<net::Response>(&who)) return std::move(*resp);
    const auto& p = std::get<access::Principal>(who);
    Json out{{"user", p.name},
             {"role", access::role_name(p.role)},
             {"region", p.region},
             {"kind", access::account_kind_name(p.kind)}};
    return net::Response::json_text(200, out.dump());
  });

  router.get("/api/v1/audit", [&access](const net::Request& r) {
    return with_permission(access, r, "audit.read", [&](const access::Principal&) {
      access::AuditFilter f;
      bool bad = false;
      f.from = query_time(r, "from", &bad);
      f.to = query_time(r, "to", &bad);
      if (bad) {
        return net::Response::error(400, "bad_request",
                                    "from and to are ISO 8601 times with an offset", r.request_id);
      }
      if (auto it = r.query.find("user"); it != r.query.end()) f.user = it->second;
      if (auto it = r.query.find("type"); it != r.query.end()) f.event = it->second;
      if (auto it = r.query.find("limit"); it != r.query.end()) {
        try {
          f.limit = std::stoi(it->second);
        } catch (...) {
          f.limit = 0;
        }
        if (f.limit < 1 || f.limit > 10000) {
          return net::Response::error(400, "bad_request", "limit is 1 to 10000", r.request_id);
        }
      }
      auto rows = access.audit().search(f);
      if (!rows) return database_error(r, rows.error());
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
    });
  });

  router.get("/api/v1/audit/verify", [&access](const net::Request& r) {
    return with_permission(access, r, "audit.verify", [&](const access::Principal&) {
      auto v = access.audit().verify();
      if (!v) return database_error(r, v.error());
      Json out{{"intact", v->intact},
               {"rows_checked", v->rows_checked},
               {"first_bad_id", v->first_bad_id},
               {"reason", v->reason}};
      return net::Response::json_text(200, out.dump());
    });
  });
}

}  // namespace omni::station
