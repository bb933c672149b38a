#include "cloud/api/stats_api.hpp"

#include <fmt/format.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "cloud/api/query_params.hpp"
#include "exchange/records.hpp"
#include "net/table_export.hpp"

namespace omni::cloud {
namespace {

using namespace api;  // NOLINT: the handlers are made of these helpers

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
  for (EnergyKind k :
       {EnergyKind::Electricity, EnergyKind::Water, EnergyKind::Gas, EnergyKind::Heat}) {
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
        {"mom",
         has_previous ? optional_number(change(cur.usage, find(*before, k).usage)) : Json(nullptr)},
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
  auto granularity = granularity_param(
      r, {Granularity::Day, Granularity::Week, Granularity::Month, Granularity::Year});
  if (!granularity) return bad_request(r, granularity.error());
  auto rows = centre.usage_series(*f, *granularity);
  if (!rows) return failure(r, rows.error());
  Json points = Json::array();
  for (const auto& row : *rows) {
    points.push_back({{"period", row.label},
                      {"value", scaled(f->energy ? row.usage : row.kgce)},
                      {"points", row.points}});
  }
  return json({{"energy", f->energy ? energy_kind_name(*f->energy) : "coal"},
               {"unit", unit_of(f->energy)},
               {"granularity", granularity_name(*granularity)},
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
  net::Table table{
      fmt::format("regions-{}", level), {"code", "name", "value", "unit", "points"}, {}};
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
  net::Table table{
      "losses",
      {"supply meter", "name", "energy", "unit", "supply", "children", "loss", "loss %"},
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
    table.rows.push_back(
        {row.supply, row.name, std::string(energy_kind_name(row.energy)), unit,
         scaled(row.supply_usage), scaled(row.children_usage), scaled(row.loss),
         row.loss_ratio ? net::Cell(*row.loss_ratio * 100.0) : net::Cell(std::string())});
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
      std::from_chars(month.data() + 5, month.data() + 7, m).ec != std::errc() || m < 1 || m > 12) {
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
    table.rows.push_back(
        {std::string(energy_kind_name(row.energy)), industry, row.all, row.remote, row.ratio});
  }
  if (auto file = net::table_response(table, r)) return *file;
  return json({{"month", month}, {"source", source}, {"rows", std::move(out)}});
}

Json region_json(const RegionInfo& region) {
  Json children = Json::array();
  for (const auto& c : region.children) {
    children.push_back(
        {{"code", c.code}, {"name", c.name}, {"level", exchange::region_level_name(c.level)}});
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
  if (!info) return failure(r, info.error());
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
  router.get("/api/v1/stats/industries", [c](const net::Request& r) { return industries(*c, r); });
  router.get("/api/v1/stats/losses", [c](const net::Request& r) { return losses(*c, r); });
  router.get("/api/v1/stats/coverage", [c](const net::Request& r) { return coverage(*c, r); });
  router.get("/api/v1/regions", [c](const net::Request& r) { return region(*c, r, ""); });
  router.get("/api/v1/regions/{code}",
             [c](const net::Request& r) { return region(*c, r, r.params.at("code")); });
}

}  // namespace omni::cloud
