#pragma once
// Which permission and which region each cloud data route needs ([cloud.access] required =
// true; docs/cloud.md "Identity"). The guard itself is access/http/guard.hpp.
//
//   /api/v1/stats/*                 stats.read     region (stats/regions: parent)
//   /api/v1/regions                 regions.read   the whole city (refused to a scoped user)
//   /api/v1/regions/{code}          regions.read   code
//   /api/v1/analysis/points         analysis.read  codes (each base code's community region)
//   /api/v1/analysis/periods        analysis.read  code
//
// Another route under these prefixes (one added later without a row) needs stats.read and the
// whole city. Every other route (/api/v1/info, the batch upload, which stations authenticate by
// certificate and envelope signature, health, log-in) stays open. Thread safety: pure.

#include <optional>
#include <string_view>

#include "access/http/guard.hpp"

namespace omni::cloud {

// The rule for a route of the cloud's router (method, pattern as registered); nullopt: open.
std::optional<access::http::RouteRule> cloud_route_rule(std::string_view method,
                                                        std::string_view pattern);

// Every data access by a user is one audit row of this event (SEC-2).
inline constexpr std::string_view kDataReadEvent = "data.read";

}  // namespace omni::cloud
