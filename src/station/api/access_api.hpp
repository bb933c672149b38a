#pragma once
// HTTP glue of omni::access for the station (src/access may not use net):
//
//   POST /api/v1/login          {"user": "...", "password": "..."} → 200 {"token", "expires_at",
//                               "user", "role", "region"}; 401 for every refusal (same body
//                               whatever was wrong; lock-out after repeated failures)
//   POST /api/v1/logout         Authorization: Bearer <token> → 204
//   GET  /api/v1/me             the caller's user, role, region and kind
//   GET  /api/v1/audit?from=ISO&to=ISO&user=U&type=EVENT&limit=N
//                               audit records, newest first (auditor, administrator)
//   GET  /api/v1/audit/verify   {"intact", "rows_checked", "first_bad_id", "reason"}
//
// and guard_routes(), which puts the other station routes behind a Bearer token and a
// permission when [station.access] required = true. The default is false so the demo and the
// tests that call the API without a token keep working; production sets it to true
// (docs/access.md).
//
// Answers: 401 (no, bad or expired token; WWW-Authenticate: Bearer), 403 "forbidden", 428
// "confirmation_required" (a dangerous operation without `X-Omni-Confirm: <operation>`), 503
// when the database is busy. Every guarded call, allowed or not, is written to the audit log.
//
// Handlers run on the server's I/O threads; a log-in costs one password hash (100-250 ms at the
// default cost), which is the point of a slow hash; flooding /login is for SEC-1's per-source
// rate limit to stop.

#include <string>

#include "access/access_service.hpp"
#include "core/config.hpp"
#include "net/router.hpp"

namespace omni::station {

struct AccessConfig {
  bool required = false;  // production: true
  access::AccessOptions options;
};

// Reads [station.access]: required, max_failures (1..100), failure_window, lockout,
// idle_timeout, session_lifetime (durations). Problems go to the section's Document.
AccessConfig access_config_from(const config::Section& station_section);

void add_access_routes(net::Router& router, access::AccessService& access);

// The operation a station route needs ("station.read" when the table does not name one).
std::string station_route_operation(std::string_view method, std::string_view pattern);

// Wraps `handler`: Bearer token → session → authorize(operation) → handler. The region of the
// object is not known at this level, so region-scoped users pass on non-dangerous reads only.
net::Handler require_permission(access::AccessService& access, std::string operation,
                                net::Handler handler);

// A router with every route of `routes`: unchanged when `required` is false, each wrapped by
// require_permission(station_route_operation(...)) when true.
net::Router guard_routes(const net::Router& routes, access::AccessService& access, bool required);

}  // namespace omni::station
