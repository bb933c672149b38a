#include "access/http/guard.hpp"

#include <array>
#include <cctype>

namespace omni::access::http {
namespace {

// Query keys of the station's and the cloud's APIs that say what is read; nothing else reaches
// the audit log (a token or a personal value in a query string must not).
constexpr std::array<std::string_view, 19> kAuditedQueryKeys{
    "code",     "codes", "customer", "energy",  "format", "from",   "granularity",
    "industry", "level", "limit",    "measure", "month",  "parent", "periods",
    "region",   "sort",  "to",       "type",    "user"};

constexpr std::size_t kMaxAuditObject = 512;

bool audited_key(std::string_view key) {
  for (auto k : kAuditedQueryKeys) {
    if (k == key) return true;
  }
  return false;
}

bool plain_value(std::string_view v) {
  for (char ch : v) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) == 0 && ch != '.' && ch != ',' && ch != '_' && ch != ':' && ch != '+' &&
        ch != '-') {
      return false;
    }
  }
  return true;
}

std::string param_of(const std::map<std::string, std::string>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? std::string() : it->second;
}

}  // namespace

RequestScope request_scope(const RouteRule& rule, const net::Request& request,
                           std::string_view user_region) {
  RequestScope out;
  switch (rule.region) {
    case RegionSource::None:
      break;
    case RegionSource::City:
      out.all_regions = true;
      break;
    case RegionSource::Query: {
      std::string code = param_of(request.query, rule.key);
      if (!code.empty()) {
        out.object_region = std::move(code);
      } else if (!user_region.empty()) {
        out.object_region = std::string(user_region);
        out.fill = std::pair{rule.key, std::string(user_region)};
      } else {
        out.all_regions = true;  // the city, for a user whose scope is the city
      }
      break;
    }
    case RegionSource::Path: {
      std::string code = param_of(request.params, rule.key);
      if (code.empty()) {
        out.all_regions = true;
      } else {
        out.object_region = std::move(code);
      }
      break;
    }
    case RegionSource::BaseCodes: {
      const std::string text = param_of(request.query, rule.key);
      std::string_view rest = text;
      std::string first;
      while (!rest.empty()) {
        std::size_t at = rest.find(',');
        std::string_view code = rest.substr(0, at);
        // A base code opens with its community's 12-digit region code; a shorter or malformed
        // code is the handler's to reject (400), but its region is still checked here.
        std::string region(code.substr(0, 12));
        if (first.empty()) first = region;
        if (!user_region.empty() && !region.starts_with(user_region)) {
          out.object_region = std::move(region);
          return out;
        }
        if (at == std::string_view::npos) break;
        rest.remove_prefix(at + 1);
      }
      // No code at all: the handler answers 400; an unscoped user has nothing to check.
      if (first.empty() && !user_region.empty()) {
        out.all_regions = true;
      } else {
        out.object_region = std::move(first);
      }
      break;
    }
  }
  return out;
}

std::string audit_object(const net::Request& request) {
  std::string out = request.method + " " + request.path;
  char sep = '?';
  for (const auto& [key, value] : request.query) {  // std::map: key order
    if (!audited_key(key)) continue;
    out += sep;
    sep = '&';
    out += key + "=" + (plain_value(value) ? value : std::string("?"));
  }
  if (out.size() > kMaxAuditObject) {
    out.resize(kMaxAuditObject - 3);
    out += "...";
  }
  return out;
}

std::string_view bearer_token(const net::Request& request) {
  std::string_view h = request.header("Authorization");
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

net::Response unauthorized_response(const net::Request& request, std::string_view message) {
  auto resp = net::Response::error(401, "unauthorized", message, request.request_id);
  resp.set_header("WWW-Authenticate", "Bearer");
  return resp;
}

net::Response database_error_response(const net::Request& request, const Error& error) {
  // Busy is temporary; anything else is ours. The detail stays in the log, not the answer.
  if (error.code == ErrorCode::Busy) {
    return net::Response::error(503, "busy", "try again", request.request_id);
  }
  return net::Response::error(500, "internal", "internal error", request.request_id);
}

net::Response refusal_response(const net::Request& request, const Error& error) {
  if (error.code != ErrorCode::Unauthorized) return database_error_response(request, error);
  if (error.detail == kConfirmationRequired) {
    return net::Response::error(428, "confirmation_required",
                                "dangerous operation: repeat it with the header X-Omni-Confirm "
                                "naming the operation",
                                request.request_id);
  }
  return net::Response::error(403, "forbidden", "not permitted for this user", request.request_id);
}

std::variant<Principal, net::Response> authenticate_request(AccessService& access,
                                                            const net::Request& request) {
  std::string_view token = bearer_token(request);
  if (token.empty()) return unauthorized_response(request, "a Bearer token is required");
  auto who = access.authenticate(token);
  if (!who) {
    if (who.error().code == ErrorCode::Unauthorized) {
      return unauthorized_response(request, kSessionInvalid);
    }
    return database_error_response(request, who.error());
  }
  return *who;
}

net::Handler guard(AccessService& access, RouteRule rule, net::Handler handler,
                   std::string audit_event) {
  return [&access, rule = std::move(rule), handler = std::move(handler),
          audit_event = std::move(audit_event)](const net::Request& r) -> net::Response {
    auto who = authenticate_request(access, r);
    if (auto* resp = std::get_if<net::Response>(&who)) return std::move(*resp);
    const auto& principal = std::get<Principal>(who);
    RequestScope scope = request_scope(rule, r, principal.region);
    AuthorizeRequest ask{.operation = rule.operation,
                         .object_region = scope.object_region,
                         .confirmed = r.header("X-Omni-Confirm") == rule.operation,
                         .all_regions = scope.all_regions};
    std::string object = audit_event.empty() ? r.method + " " + r.path : audit_object(r);
    auto st = access.authorize(principal, ask, r.peer, object, /*audit_success=*/true, audit_event);
    if (!st) return refusal_response(r, st.error());
    if (!scope.fill) return handler(r);
    net::Request narrowed = r;
    narrowed.query[scope.fill->first] = scope.fill->second;
    return handler(narrowed);
  };
}

net::Router guard_routes(const net::Router& routes, AccessService& access, bool required,
                         const RuleLookup& rule_for, const std::string& audit_event) {
  net::Router out;
  for (const auto& [method, pattern] : routes.routes()) {
    // Matching the pattern itself as a path finds the route: a "{name}" segment matches the
    // parameter of the same route.
    auto m = routes.match(method, pattern);
    if (m.handler == nullptr) continue;
    net::Handler h = *m.handler;
    if (required) {
      if (auto rule = rule_for(method, pattern)) {
        h = guard(access, std::move(*rule), std::move(h), audit_event);
      }
    }
    out.add(method, pattern, std::move(h), m.options);
  }
  return out;
}

}  // namespace omni::access::http
