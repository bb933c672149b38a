#pragma once
// Query parameters and answers shared by the cloud's API handlers (stats_api.cpp,
// analysis_api.cpp): a bad parameter is a 400 naming it, a database error a 503 or 500.
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <tl/expected.hpp>

#include "cloud/store/data_centre.hpp"
#include "net/http.hpp"

namespace omni::cloud::api {

using Json = nlohmann::ordered_json;

// A year of daily buckets is the largest a dashboard asks for at once; ten keeps room for
// decade trends by year without letting one request scan without bound.
inline constexpr std::int64_t kMaxRangeDays = 3660;
inline constexpr int kMaxLimit = 1000;

// Query problems become a 400 naming the parameter; everything else a 500 or 503.
struct BadRequest {
  std::string message;
};

template <class T>
using Parsed = tl::expected<T, BadRequest>;

tl::unexpected<BadRequest> bad(std::string message);

// The query parameter, or "" when absent.
std::string param(const net::Request& r, const char* key);
// A Beijing date YYYY-MM-DD as a day number; required.
Parsed<std::int64_t> day_param(const net::Request& r, const char* key);
// energy=electricity|water|gas|heat, or coal (nullopt: all energies in kgce).
Parsed<std::optional<EnergyKind>> energy_param(const net::Request& r, bool required);
// A region code of 0, 6, 9 or 12 digits.
Parsed<std::string> region_param(const net::Request& r, const char* key);
// limit=1..kMaxLimit, `fallback` when absent.
Parsed<int> limit_param(const net::Request& r, int fallback);
// from, to (at most kMaxRangeDays), region, energy, industry and customer into a filter.
Parsed<UsageFilter> filter_params(const net::Request& r, bool energy_required);
// granularity=day|week|month|year (`allowed` lists the accepted ones); day when absent.
Parsed<Granularity> granularity_param(const net::Request& r,
                                      std::initializer_list<Granularity> allowed);
const char* granularity_name(Granularity g);  // "day", …

// A stored quantity at kUsageScale / kCoalScale (6 decimals) as a JSON number.
double scaled(std::int64_t v);
// The reporting unit of an energy, kgce for all energies.
std::string unit_of(const std::optional<EnergyKind>& energy);
Json optional_number(const std::optional<double>& v);

net::Response bad_request(const net::Request& r, const BadRequest& b);
// Malformed -> 400, NotFound -> 404, Io/Busy -> 503, anything else 500.
net::Response failure(const net::Request& r, const Error& e);
net::Response json(Json body);

// Shifts a day number by whole calendar years (29 February becomes 28 February).
std::int64_t years_before(std::int64_t day, int years);
// (now - before) / before; none when before is 0.
std::optional<double> change(std::int64_t now, std::int64_t before);

}  // namespace omni::cloud::api
