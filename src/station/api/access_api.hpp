#pragma once
// The station's side of the HTTP access glue (access/http/): its route → operation table, and
// the names `omnimeter station` calls. The account routes (login, logout, me, audit) and the
// guard itself are the access component's, shared with the cloud.
//
// With [station.access] required = true every station route needs a Bearer token and the
// permission its row names ("station.read" when the table does not name one). The station's
// routes are not region-bound, so a region-scoped user passes on non-dangerous reads only. Every
// guarded call, allowed or not, is written to the audit log (event: the operation's name,
// object: "METHOD path"). docs/access.md.

#include <string>

#include "access/access_service.hpp"
#include "access/http/routes.hpp"
#include "core/config.hpp"
#include "net/router.hpp"

namespace omni::station {

using AccessConfig = access::http::AccessConfig;

// Reads [station.access] (access::http::access_config_from).
AccessConfig access_config_from(const config::Section& station_section);

// login, logout, me, audit, audit/verify (access/http/routes.hpp).
void add_access_routes(net::Router& router, access::AccessService& access);

// The operation a station route needs; kUnmappedRoute (refused to every role) when the table
// does not name one.
inline constexpr std::string_view kUnmappedRoute = "unmapped";
std::string station_route_operation(std::string_view method, std::string_view pattern);

// A router with every route of `routes`: unchanged when `required` is false, each guarded by
// station_route_operation(...) when true.
net::Router guard_routes(const net::Router& routes, access::AccessService& access, bool required);

}  // namespace omni::station
