#include "station/api/access_api.hpp"

#include "access/http/guard.hpp"

namespace omni::station {
namespace {

// Station routes and the operation each needs; anything else needs "station.read". New write
// routes must add their row here.
struct RouteOperation {
  std::string_view method;
  std::string_view pattern;
  std::string_view operation;
};
constexpr RouteOperation kRouteOperations[] = {
    {"GET", "/api/v1/station/success", "station.read"},
    {"GET", "/api/v1/meters/{address}/daily", "readings.read"},
    {"GET", "/api/v1/alarms", "alarms.read"},
    {"GET", "/api/v1/tariffs", "tariffs.read"},
    {"GET", "/api/v1/bills", "bills.read"},
    {"GET", "/api/v1/bills/mismatches", "bills.read"},
    {"GET", "/api/v1/review", "readings.read"},
    {"POST", "/api/v1/review/{meter}/{day}", "readings.edit"},  // dangerous: X-Omni-Confirm
    {"GET", "/api/v1/meters/{address}/edits", "readings.read"},
};

}  // namespace

AccessConfig access_config_from(const config::Section& station_section) {
  return access::http::access_config_from(station_section);
}

void add_access_routes(net::Router& router, access::AccessService& access) {
  access::http::add_access_routes(router, access);
}

std::string station_route_operation(std::string_view method, std::string_view pattern) {
  for (const auto& r : kRouteOperations) {
    if ((r.method == method || (method == "HEAD" && r.method == "GET")) && r.pattern == pattern) {
      return std::string(r.operation);
    }
  }
  // A route nobody mapped is refused to every role (no operation has this name) rather than
  // silently readable: tests/unit/station/route_permissions_test.cpp keeps the table complete.
  return std::string(kUnmappedRoute);
}

net::Router guard_routes(const net::Router& routes, access::AccessService& access, bool required) {
  return access::http::guard_routes(
      routes, access, required,
      [](std::string_view method,
         std::string_view pattern) -> std::optional<access::http::RouteRule> {
        return access::http::RouteRule{.operation = station_route_operation(method, pattern)};
      });
}

}  // namespace omni::station
