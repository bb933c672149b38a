#pragma once
// HTTP guard of omni::access, shared by the station and the cloud: Bearer token → session →
// permission (and region scope) → the route's handler, with an audit row for every guarded call.
//
//   net::Router guarded = access::http::guard_routes(routes, access, required,
//       [](std::string_view method, std::string_view pattern) -> std::optional<RouteRule> {...});
//
// Each server keeps its own route table (method, pattern → RouteRule); this file knows no route.
//
// Region scope (ARC-3): a RouteRule says where a route's region is — nowhere (not region-bound),
// the whole city, a query parameter holding a region code, a path parameter, or a query parameter
// holding one or more base codes (a base code's first 12 digits are its community's region
// code). For a region-scoped user:
//   - a region outside the scope (the city, another district, a point of another community) is
//     refused with 403 "forbidden";
//   - an absent or empty region query parameter (which would mean "the whole city") is filled in
//     with the user's own region: the handler then answers for the user's scope, and says so in
//     its answer's "region" field;
//   - a city-wide route (RegionSource::City) is refused.
// A user without a scope passes every region check.
//
// Answers: 401 (no, bad or expired token; WWW-Authenticate: Bearer), 403 "forbidden", 428
// "confirmation_required" (a dangerous operation without `X-Omni-Confirm: <operation>`), 503 when
// the database is busy, 500 for any other database error.
//
// Thread safety: the returned handlers may run concurrently on the server's I/O threads; they
// hold a reference to `access`, which must outlive the router.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "access/access_service.hpp"
#include "net/http.hpp"
#include "net/router.hpp"

namespace omni::access::http {

enum class RegionSource {
  None,       // not region-bound (a station's own status, …)
  City,       // always the whole city (the root of the region tree)
  Query,      // query parameter `key`: a region code; absent or empty = the city
  Path,       // path parameter `key`: a region code
  BaseCodes,  // query parameter `key`: base codes, comma-separated
};

struct RouteRule {
  std::string operation;  // permissions.hpp table
  RegionSource region = RegionSource::None;
  std::string key{};  // the parameter for Query, Path, BaseCodes
};

// What a request touches, as the guard hands it to authorize().
struct RequestScope {
  std::string object_region{};  // empty: not region-bound, or the whole city (all_regions)
  bool all_regions = false;
  // Set when the request named no region and the guard narrowed it to the user's: the query
  // parameter and the value to put there before the handler runs.
  std::optional<std::pair<std::string, std::string>> fill{};
};

// Pure: the region a request touches under `rule`, for a user of scope `user_region` (a prefix,
// empty = every region). With several base codes, the first one outside the scope is the object
// (so the refusal names it), else the first one.
RequestScope request_scope(const RouteRule& rule, const net::Request& request,
                           std::string_view user_region);

// The request as the audit log records it: "GET /path?k=v&…" with only the query parameters of
// the documented APIs that name what is read (from, to, region, parent, level, energy, industry,
// customer, granularity, limit, sort, month, format, code, codes, periods, measure, user, type),
// in key order; any other parameter, which could carry something sensitive, is left out, and a
// value with a character outside [A-Za-z0-9.,_:-] is written as "?". At most 512 bytes (cut
// with "...").
std::string audit_object(const net::Request& request);

// Bearer token of the Authorization header (scheme case-insensitive), or empty.
std::string_view bearer_token(const net::Request& request);

net::Response unauthorized_response(const net::Request& request, std::string_view message);
// Busy → 503 "busy"; anything else 500 "internal" (the detail stays in the server's log).
net::Response database_error_response(const net::Request& request, const Error& error);
// An authorize() refusal: Unauthorized "confirmation_required" → 428, other Unauthorized → 403,
// database errors as database_error_response.
net::Response refusal_response(const net::Request& request, const Error& error);

// The caller's principal from the Bearer token, or the response that refuses the request (401,
// 503, 500).
std::variant<Principal, net::Response> authenticate_request(AccessService& access,
                                                            const net::Request& request);

// Wraps `handler`: authenticate → authorize(rule.operation, request_scope(rule)) → handler (with
// the region filled in when request_scope says so). Every call, allowed or not, is an audit row:
// event `audit_event` when not empty (with the operation in its details), else the operation's
// name; object audit_object(request) when `audit_event` is set, else "METHOD path".
net::Handler guard(AccessService& access, RouteRule rule, net::Handler handler,
                   std::string audit_event = {});

// Which rule guards a route; nullopt leaves the route open (log-in, health, batch upload, …).
using RuleLookup =
    std::function<std::optional<RouteRule>(std::string_view method, std::string_view pattern)>;

// A router with every route of `routes`: unchanged when `required` is false; when true, each
// route for which `rule_for` gives a rule is wrapped by guard(), the others copied as they are.
net::Router guard_routes(const net::Router& routes, AccessService& access, bool required,
                         const RuleLookup& rule_for, const std::string& audit_event = {});

}  // namespace omni::access::http
