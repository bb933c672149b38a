#include "cloud/api/query_params.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "exchange/records.hpp"

namespace omni::cloud::api {

tl::unexpected<BadRequest> bad(std::string message) {
  return tl::unexpected<BadRequest>(BadRequest{std::move(message)});
}

std::string param(const net::Request& r, const char* key) {
  auto it = r.query.find(key);
  return it == r.query.end() ? std::string() : it->second;
}

Parsed<std::int64_t> day_param(const net::Request& r, const char* key) {
  std::string text = param(r, key);
  if (text.empty()) return bad(fmt::format("{} is required (YYYY-MM-DD)", key));
  auto date = parse_date(text);
  if (!date) return bad(fmt::format("{}: {}", key, date.error().detail));
  return days_from_civil(date->year, date->month, date->day);
}

// nullopt: "coal" (all energies, in kgce).
Parsed<std::optional<EnergyKind>> energy_param(const net::Request& r, bool required) {
  std::string text = param(r, "energy");
  if (text.empty()) {
    if (required) return bad("energy is required: electricity, water, gas, heat or coal");
    return std::optional<EnergyKind>();
  }
  if (text == "coal") return std::optional<EnergyKind>();
  auto kind = parse_energy_kind(text);
  if (!kind) return bad(fmt::format("energy \"{}\": electricity, water, gas, heat or coal", text));
  return std::optional<EnergyKind>(*kind);
}

Parsed<std::string> region_param(const net::Request& r, const char* key) {
  std::string code = param(r, key);
  const bool digits = code.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || (code.size() != 0 && code.size() != 6 && code.size() != 9 && code.size() != 12)) {
    return bad(fmt::format("{} \"{}\" is not a region code (6, 9 or 12 digits)", key, code));
  }
  return code;
}

Parsed<int> limit_param(const net::Request& r, int fallback) {
  std::string text = param(r, "limit");
  if (text.empty()) return fallback;
  int v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 1 || v > kMaxLimit) {
    return bad(fmt::format("limit must be 1..{}", kMaxLimit));
  }
  return v;
}

// from, to, region, energy, industry and customer into a filter.
Parsed<UsageFilter> filter_params(const net::Request& r, bool energy_required) {
  UsageFilter f;
  auto from = day_param(r, "from");
  if (!from) return tl::unexpected(from.error());
  auto to = day_param(r, "to");
  if (!to) return tl::unexpected(to.error());
  if (*to < *from) return bad("to is before from");
  if (*to - *from >= kMaxRangeDays) return bad(fmt::format("at most {} days", kMaxRangeDays));
  f.from_day = *from;
  f.to_day = *to;
  auto region = region_param(r, "region");
  if (!region) return tl::unexpected(region.error());
  f.region = *region;
  auto energy = energy_param(r, energy_required);
  if (!energy) return tl::unexpected(energy.error());
  f.energy = *energy;
  if (std::string industry = param(r, "industry"); !industry.empty()) {
    if (industry == "residential") {
      f.industry = ' ';
    } else if (industry.size() == 1 && exchange::is_industry_section(industry[0])) {
      f.industry = industry[0];
    } else {
      return bad("industry: a GB/T 4754 section letter A..T, or residential");
    }
  }
  if (std::string customer = param(r, "customer"); !customer.empty()) {
    if (customer == "residential") {
      f.customer = exchange::CustomerType::Residential;
    } else if (customer == "non_residential") {
      f.customer = exchange::CustomerType::NonResidential;
    } else {
      return bad("customer: residential or non_residential");
    }
  }
  return f;
}

double scaled(std::int64_t v) { return static_cast<double>(v) / 1e6; }  // kUsageScale, kCoalScale

std::string unit_of(const std::optional<EnergyKind>& energy) {
  return std::string(unit_symbol(energy ? reporting_unit(*energy) : Unit::kgce));
}

Json optional_number(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

net::Response bad_request(const net::Request& r, const BadRequest& b) {
  return net::Response::error(400, "bad_request", b.message, r.request_id);
}

net::Response failure(const net::Request& r, const Error& e) {
  int status = 500;
  if (e.code == ErrorCode::Malformed) status = 400;
  if (e.code == ErrorCode::NotFound) status = 404;
  if (e.code == ErrorCode::Io || e.code == ErrorCode::Busy) status = 503;
  return net::Response::error(status, error_code_name(e.code), e.detail, r.request_id);
}

net::Response json(Json body) { return net::Response::json_text(200, body.dump()); }

std::int64_t years_before(std::int64_t day, int years) {
  int y = 0, m = 0, d = 0;
  civil_from_days(day, y, m, d);
  y -= years;
  if (m == 2 && d == 29) d = 28;
  return days_from_civil(y, m, d);
}

std::optional<double> change(std::int64_t now, std::int64_t before) {
  if (before == 0) return std::nullopt;
  return static_cast<double>(now - before) / static_cast<double>(before);
}

namespace {
constexpr std::pair<const char*, Granularity> kGranularityNames[] = {{"day", Granularity::Day},
                                                                     {"week", Granularity::Week},
                                                                     {"month", Granularity::Month},
                                                                     {"year", Granularity::Year}};
}  // namespace

const char* granularity_name(Granularity g) {
  for (const auto& [name, value] : kGranularityNames) {
    if (value == g) return name;
  }
  return "day";
}

Parsed<Granularity> granularity_param(const net::Request& r,
                                      std::initializer_list<Granularity> allowed) {
  std::string text = param(r, "granularity");
  if (text.empty()) text = "day";
  std::string names;
  for (const auto& [name, g] : kGranularityNames) {
    if (std::find(allowed.begin(), allowed.end(), g) == allowed.end()) continue;
    if (text == name) return g;
    names += names.empty() ? name : fmt::format(", {}", name);
  }
  return bad(fmt::format("granularity: {}", names));
}

}  // namespace omni::cloud::api
