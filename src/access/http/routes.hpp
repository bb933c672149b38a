#pragma once
// The account routes of omni::access over HTTP, the same on the station and the cloud:
//
//   POST /api/v1/login          {"user": "...", "password": "..."} → 200 {"token", "expires_at",
//                               "user", "role", "region", "kind"}; 401 for every refusal (same
//                               body whatever was wrong; lock-out after repeated failures);
//                               429 with Retry-After while the caller's address is throttled
//                               after too many failures (access_service.hpp)
//   POST /api/v1/logout         Authorization: Bearer <token> → 204
//   GET  /api/v1/me             the caller's user, role, region and kind
//   GET  /api/v1/audit?from=ISO&to=ISO&user=U&type=EVENT&limit=N
//                               audit records, newest first (auditor, administrator)
//   GET  /api/v1/audit/verify   {"intact", "rows_checked", "first_bad_id", "reason"}
//
// and the [<server>.access] configuration section. Which other routes need a token is the
// server's choice (guard.hpp).
//
// Handlers run on the server's I/O threads; a log-in costs one password hash (100-250 ms at the
// default cost), which is the point of a slow hash; flooding /login is for SEC-1's per-source
// rate limit to stop.

#include "access/access_service.hpp"
#include "core/config.hpp"
#include "net/router.hpp"

namespace omni::access::http {

struct AccessConfig {
  // Whether the data routes need a token. The default is false only so that the demo and the
  // tests that call the API without a token keep working; production sets true (docs/access.md).
  bool required = false;
  AccessOptions options;
};

// Reads the "access" subsection of `server_section` ([station.access], [cloud.access]):
// required, max_failures (1..100), failure_window, lockout, idle_timeout, session_lifetime
// (durations), source_max_failures (1..100000), source_window, source_cooldown (durations).
// Problems go to the section's Document.
AccessConfig access_config_from(const config::Section& server_section);

// `access` must outlive the router.
void add_access_routes(net::Router& router, AccessService& access);

}  // namespace omni::access::http
