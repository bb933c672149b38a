#include "cloud/service/cloud_access.hpp"

namespace omni::cloud {
namespace {

using access::http::RegionSource;

struct RouteRow {
  std::string_view pattern;
  std::string_view operation;
  RegionSource region;
  std::string_view key;
};

// All GET (HEAD too). A data route missing here (under the prefixes below) is still guarded, as a
// city-wide "stats.read": refused to scoped users until it has its row.
constexpr RouteRow kRoutes[] = {
    {"/api/v1/stats/overview", "stats.read", RegionSource::Query, "region"},
    {"/api/v1/stats/series", "stats.read", RegionSource::Query, "region"},
    {"/api/v1/stats/regions", "stats.read", RegionSource::Query, "parent"},
    {"/api/v1/stats/industries", "stats.read", RegionSource::Query, "region"},
    {"/api/v1/stats/losses", "stats.read", RegionSource::Query, "region"},
    {"/api/v1/stats/coverage", "stats.read", RegionSource::Query, "region"},
    {"/api/v1/regions", "regions.read", RegionSource::City, ""},
    {"/api/v1/regions/{code}", "regions.read", RegionSource::Path, "code"},
    {"/api/v1/analysis/points", "analysis.read", RegionSource::BaseCodes, "codes"},
    {"/api/v1/analysis/periods", "analysis.read", RegionSource::BaseCodes, "code"},
};

}  // namespace

std::optional<access::http::RouteRule> cloud_route_rule(std::string_view method,
                                                        std::string_view pattern) {
  if (method != "GET" && method != "HEAD") return std::nullopt;
  for (const auto& row : kRoutes) {
    if (row.pattern == pattern) {
      return access::http::RouteRule{std::string(row.operation), row.region, std::string(row.key)};
    }
  }
  for (std::string_view prefix : {"/api/v1/stats/", "/api/v1/analysis/", "/api/v1/regions"}) {
    if (pattern.starts_with(prefix)) {
      return access::http::RouteRule{"stats.read", RegionSource::City, ""};
    }
  }
  return std::nullopt;
}

}  // namespace omni::cloud
