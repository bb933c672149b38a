#include "cloud/api/stats_api.hpp"

#include <fmt/format.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "exchange/records.hpp"
#include "net/table_export.hpp"

namespace omni::cloud {
namespace {

using Json = nlohmann::ordered_json;

// A year of daily buckets is the largest a dashboard asks for at once; ten keeps room for
// decade trends by year without letting one request scan without bound.
constexpr std::int64_t kMaxRangeDays = 3660;
constexpr int kMaxLimit = 1000;

// Query problems become a 400 naming the parameter; everything else a 500 or 503.
struct BadRequest {
  std::string message;
};

template <class T>
using Parsed = tl::expected<T, BadRequest>;

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
  const int status = e.code == ErrorCode::Malformed ? 400
                     : (e.code == ErrorCode::Io || e.code == ErrorCode::Busy) ? 503
                                                                                : 500;
  return net::Response::error(status, error_code_name(e.code), e.detail, r.request_id);
}

net::Response json(Json body) { return net::Response::json_text(200, body.dump()); }

// Shifts a day number by whole calendar years (29 February becomes 28 February).
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

net::Response overview(const DataCentre& centre, const net::Request& r) {
  auto f = filter_params(r, false);
  if (!f) return bad_request(r, f.error());
  UsageFilter previous = *f;
  const std::int64_t length = f->to_day - f->from_day + 1;
  previous.from_day = f->from_day - length;
  previous.to_day = f->from_day - 1;
  UsageFilter last_year = *f;
  last_year.from_day = years_before(f->from_day, 1);
  last_year.to_day = years_before(f->to_day, 1);
  auto now = centre.energy_shares(*f);
  if (!now) return failure(r, now.error());
  auto before = centre.energy_shares(previous);
  if (!before) return failure(r, before.error());
  auto year_ago = centre.energy_shares(last_year);
  if (!year_ago) return failure(r, year_ago.error());
  auto users = centre.user_base(f->region);
  if (!users) return failure(r, users.error());
  // A comparison with a period the data only partly covers would show the data's start as a
  // rise ("+400 %"): no figure is better than a wrong one.
  auto days = centre.data_days();
  if (!days) return failure(r, days.error());
  const bool has_previous = days->first && *days->first <= previous.from_day;
  const bool has_last_year = days->first && *days->first <= last_year.from_day;
  auto find = [](const std::vector<EnergyShareRow>& rows, EnergyKind k) {
    for (const auto& row : rows) {
      if (row.energy == k) return row;
    }
    return EnergyShareRow{k, 0, 0, 0.0};
  };
  Json energies = Json::array();
  std::int64_t total_kgce = 0;
  for (EnergyKind k : {EnergyKind::Electricity, EnergyKind::Water, EnergyKind::Gas,
                       EnergyKind::Heat}) {
    EnergyShareRow cur = find(*now, k);
    total_kgce += cur.kgce;
    UserBaseRow base{k};
    for (const auto& u : *users) {
      if (u.energy == k) base = u;
    }
    energies.push_back({
        {"energy", energy_kind_name(k)},
        {"unit", unit_symbol(reporting_unit(k))},
        {"usage", scaled(cur.usage)},
        {"kgce", scaled(cur.kgce)},
        {"share", cur.share},
        {"mom", has_previous ? optional_number(change(cur.usage, find(*before, k).usage))
                             : Json(nullptr)},
        {"yoy", has_last_year ? optional_number(change(cur.usage, find(*year_ago, k).usage))
                              : Json(nullptr)},
        {"points", base.residential + base.non_residential},
        {"residential", base.residential},
        {"non_residential", base.non_residential},
    });
  }
  return json({{"from", format_date(f->from_day)},
               {"to", format_date(f->to_day)},
               {"region", f->region},
               {"energies", std::move(energies)},
               {"total_kgce", scaled(total_kgce)}});
}

net::Response series(const DataCentre& centre, const net::Request& r) {
  auto f = filter_params(r, true);
  if (!f) return bad_request(r, f.error());
  std::string g = param(r, "granularity");
  Granularity granularity = Granularity::Day;
  if (g == "week") {
    granularity = Granularity::Week;
  } else if (g == "month") {
    granularity = Granularity::Month;
  } else if (g == "year") {
    granularity = Granularity::Year;
  } else if (!g.empty() && g != "day") {
    return bad_request(r, {"granularity: day, week, month or year"});
  }
  auto rows = centre.usage_series(*f, granularity);
  if (!rows) return failure(r, rows.error());
  Json points = Json::array();
  for (const auto& row : *rows) {
    points.push_back({{"period", row.label},
                      {"value", scaled(f->energy ? row.usage : row.kgce)},
                      {"points", row.points}});
  }
  return json({{"energy", f->energy ? energy_kind_name(*f->energy) : "coal"},
               {"unit", unit_of(f->energy)},
               {"granularity", g.empty() ? "day" : g},
               {"points", std::move(points)}});
}

net::Response regions(const DataCentre& centre, const net::Request& r) {
  auto f = filter_params(r, true);
  if (!f) return bad_request(r, f.error());
  auto parent = region_param(r, "parent");
  if (!parent) return bad_request(r, parent.error());
  f->region = *parent;
  std::string level = param(r, "level");
  int digits = 0;
  if (level == "district") {
    digits = 6;
  } else if (level == "street") {
    digits = 9;
  } else if (level == "community") {
    digits = 12;
  } else {
    return bad_request(r, {"level: district, street or community"});
  }
  auto limit = limit_param(r, 100);
  if (!limit) return bad_request(r, limit.error());
  auto rows = centre.rank_regions(*f, digits, f->energy ? RankBy::Usage : RankBy::Kgce, *limit);
  if (!rows) return failure(r, rows.error());
  net::Table table{fmt::format("regions-{}", level), {"code", "name", "value", "unit", "points"}, {}};
  Json out = Json::array();
  const std::string unit = unit_of(f->energy);
  for (const auto& row : *rows) {
    const double value = scaled(f->energy ? row.usage : row.kgce);
    out.push_back({{"code", row.region},
                   {"name", row.name},
                   {"value", value},
                   {"points", row.points},
                   {"latitude", row.latitude ? Json(*row.latitude) : Json(nullptr)},
                   {"longitude", row.longitude ? Json(*row.longitude) : Json(nullptr)}});
    table.rows.push_back({row.region, row.name, value, unit, row.points});
  }
  if (auto file = net::table_response(table, r)) return *file;
  return json({{"level", level},
               {"energy", f->energy ? energy_kind_name(*f->energy) : "coal"},
               {"unit", unit},
               {"rows", std::move(out)}});
}

net::Response industries(const DataCentre& centre, const net::Request& r) {
  auto f = filter_params(r, false);
  if (!f) return bad_request(r, f.error());
  auto rows = centre.industry_totals(*f);
  if (!rows) return failure(r, rows.error());
  const std::string unit = unit_of(f->energy);
  net::Table table{"industries", {"industry", "name", "value", "unit", "share"}, {}};
  Json out = Json::array();
  for (const auto& row : *rows) {
    const double value = scaled(f->energy ? row.usage : row.kgce);
    const std::string code(1, row.industry);
    const std::string name(exchange::industry_name_zh(row.industry));
    out.push_back({{"industry", code}, {"name", name}, {"value", value}, {"share", row.share}});
    table.rows.push_back({code, name, value, unit, row.share});
  }
  if (auto file = net::table_response(table, r)) return *file;
  return json({{"unit", unit}, {"rows", std::move(out)}});
}

net::Response losses(const DataCentre& centre, const net::Request& r) {
  auto f = filter_params(r, false);
  if (!f) return bad_request(r, f.error());
  auto limit = limit_param(r, 100);
  if (!limit) return bad_request(r, limit.error());
  const std::string sort = param(r, "sort");
  if (!sort.empty() && sort != "loss" && sort != "loss_pct") {
    return bad_request(r, {"sort: loss or loss_pct"});
  }
  auto rows = centre.losses(*f, *limit, sort == "loss_pct" ? LossOrder::Ratio : LossOrder::Loss);
  if (!rows) return failure(r, rows.error());
  net::Table table{"losses",
                   {"supply meter", "name", "energy", "unit", "supply", "children", "loss",
                    "loss %"},
                   {}};
  Json out = Json::array();
  for (const auto& row : *rows) {
    const std::string unit(unit_symbol(reporting_unit(row.energy)));
    out.push_back({{"code", row.supply},
                   {"name", row.name},
                   {"energy", energy_kind_name(row.energy)},
                   {"unit", unit},
                   {"supply", scaled(row.supply_usage)},
                   {"children", scaled(row.children_usage)},
                   {"loss", scaled(row.loss)},
                   {"loss_pct", row.loss_ratio ? Json(*row.loss_ratio * 100.0) : Json(nullptr)},
                   {"points", row.children}});
    table.rows.push_back({row.supply, row.name, std::string(energy_kind_name(row.energy)), unit,
                          scaled(row.supply_usage), scaled(row.children_usage), scaled(row.loss),
                          row.loss_ratio ? net::Cell(*row.loss_ratio * 100.0)
                                         : net::Cell(std::string())});
  }
  if (auto file = net::table_response(table, r)) return *file;
  Json body = {{"rows", std::move(out)}};
  if (f->energy) body["unit"] = unit_symbol(reporting_unit(*f->energy));
  return json(std::move(body));
}

net::Response coverage(const DataCentre& centre, const net::Request& r) {
  std::string month = param(r, "month");
  int y = 0, m = 0;
  if (month.size() != 7 || month[4] != '-' ||
      std::from_chars(month.data(), month.data() + 4, y).ec != std::errc() ||
      std::from_chars(month.data() + 5, month.data() + 7, m).ec != std::errc() || m < 1 ||
      m > 12) {
    return bad_request(r, {"month is required (YYYY-MM)"});
  }
  auto region = region_param(r, "region");
  if (!region) return bad_request(r, region.error());
  // What the stations reported (online / installed meters, P-STAT-7); the archive's remote
  // share where no station reported for that month.
  auto rows = centre.reported_coverage(y * 100 + m);
  if (!rows) return failure(r, rows.error());
  std::string source = "stations";
  if (rows->empty() || !region->empty()) {
    rows = centre.coverage(*region);
    if (!rows) return failure(r, rows.error());
    source = "archive";
  }
  net::Table table{"coverage", {"energy", "industry", "installed", "online", "ratio"}, {}};
  Json out = Json::array();
  for (const auto& row : *rows) {
    const std::string industry(1, row.industry);
    out.push_back({{"energy", energy_kind_name(row.energy)},
                   {"industry", industry},
                   {"installed", row.all},
                   {"online", row.remote},
                   {"ratio", row.ratio}});
    table.rows.push_back({std::string(energy_kind_name(row.energy)), industry, row.all,
                          row.remote, row.ratio});
  }
  if (auto file = net::table_response(table, r)) return *file;
  return json({{"month", month}, {"source", source}, {"rows", std::move(out)}});
}

Json region_json(const RegionInfo& region) {
  Json children = Json::array();
  for (const auto& c : region.children) {
    children.push_back({{"code", c.code},
                        {"name", c.name},
                        {"level", exchange::region_level_name(c.level)}});
  }
  return {{"code", region.code},
          {"name", region.name},
          {"level", exchange::region_level_name(region.level)},
          {"parent", region.parent ? Json(*region.parent) : Json(nullptr)},
          {"latitude", region.latitude ? Json(*region.latitude) : Json(nullptr)},
          {"longitude", region.longitude ? Json(*region.longitude) : Json(nullptr)},
          {"children", std::move(children)}};
}

net::Response region(const DataCentre& centre, const net::Request& r, const std::string& code) {
  auto info = centre.region(code);
  if (!info) {
    if (info.error().code == ErrorCode::NotFound) {
      return net::Response::error(404, "not_found", info.error().detail, r.request_id);
    }
    return failure(r, info.error());
  }
  return json(region_json(*info));
}

net::Response info(const DataCentre& centre, const net::Request& r, const std::string& version) {
  auto days = centre.data_days();
  if (!days) return failure(r, days.error());
  auto day = [](const std::optional<std::int64_t>& d) {
    return d ? Json(format_date(*d)) : Json(nullptr);
  };
  return json({{"role", "cloud"},
               {"version", version},
               {"data", {{"first_day", day(days->first)}, {"last_day", day(days->last)}}}});
}

}  // namespace

void add_info_route(net::Router& router, const DataCentre& centre, std::string version) {
  const DataCentre* c = &centre;
  router.get("/api/v1/info", [c, version](const net::Request& r) { return info(*c, r, version); });
}

void add_stats_routes(net::Router& router, const DataCentre& centre) {
  const DataCentre* c = &centre;
  router.get("/api/v1/stats/overview", [c](const net::Request& r) { return overview(*c, r); });
  router.get("/api/v1/stats/series", [c](const net::Request& r) { return series(*c, r); });
  router.get("/api/v1/stats/regions", [c](const net::Request& r) { return regions(*c, r); });
  router.get("/api/v1/stats/industries",
             [c](const net::Request& r) { return industries(*c, r); });
  router.get("/api/v1/stats/losses", [c](const net::Request& r) { return losses(*c, r); });
  router.get("/api/v1/stats/coverage", [c](const net::Request& r) { return coverage(*c, r); });
  router.get("/api/v1/regions", [c](const net::Request& r) { return region(*c, r, ""); });
  router.get("/api/v1/regions/{code}",
             [c](const net::Request& r) { return region(*c, r, r.params.at("code")); });
}

}  // namespace omni::cloud
