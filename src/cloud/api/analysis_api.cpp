#include "cloud/api/analysis_api.hpp"

#include <fmt/format.h>

#include <map>
#include <string_view>

#include "cloud/api/query_params.hpp"
#include "exchange/records.hpp"
#include "net/table_export.hpp"

namespace omni::cloud {
namespace {

using namespace api;  // NOLINT: the handlers are made of these helpers

constexpr std::size_t kMaxPoints = 20;
constexpr std::size_t kMaxPeriods = 6;

// What is compared: the point's own usage, or its standard coal (points of several energies).
enum class Measure { Usage, Coal };

Parsed<Measure> measure_param(const net::Request& r) {
  std::string text = param(r, "measure");
  if (text.empty() || text == "usage") return Measure::Usage;
  if (text == "coal") return Measure::Coal;
  return bad("measure: usage or coal");
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  while (!text.empty()) {
    std::size_t at = text.find(sep);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + 1);
  }
  return parts;
}

Parsed<exchange::BaseCode> base_code(std::string_view text) {
  auto code = exchange::BaseCode::parse(text);
  if (!code) return bad(fmt::format("\"{}\" is not a base code: {}", text, code.error().detail));
  return *code;
}

Parsed<std::int64_t> date_of(std::string_view text, const char* what) {
  auto date = parse_date(text);
  if (!date) return bad(fmt::format("{} \"{}\": {}", what, text, date.error().detail));
  return days_from_civil(date->year, date->month, date->day);
}

// A range of days as point_usage takes it: day numbers, or yyyymm for months.
struct Buckets {
  std::int64_t first = 0, last = 0;
};

std::int64_t yyyymm_of(std::int64_t day) {
  int y = 0, m = 0, d = 0;
  civil_from_days(day, y, m, d);
  return y * 100 + m;
}

std::int64_t next_bucket(std::int64_t b, Granularity g) {
  if (g == Granularity::Day) return b + 1;
  return b % 100 == 12 ? (b / 100 + 1) * 100 + 1 : b + 1;
}

Buckets buckets_of(std::int64_t from_day, std::int64_t to_day, Granularity g) {
  if (g == Granularity::Day) return {from_day, to_day};
  return {yyyymm_of(from_day), yyyymm_of(to_day)};
}

std::string bucket_label(std::int64_t b, Granularity g) {
  if (g == Granularity::Day) return format_date(b);
  return fmt::format("{:04}-{:02}", b / 100, b % 100);
}

std::string unit_for(EnergyKind energy, Measure m) {
  return unit_of(m == Measure::Coal ? std::nullopt : std::optional<EnergyKind>(energy));
}

// One point's values per bucket of the range (null where it has no usage) and its total.
struct PointSeries {
  std::vector<std::optional<std::int64_t>> values;
  std::int64_t total = 0;
};

Result<PointSeries> point_series(const DataCentre& centre, std::string_view code, Granularity g,
                                 const Buckets& range, Measure measure) {
  auto rows = centre.point_usage(code, g, range.first, range.last);
  if (!rows) return fail(rows.error());
  std::map<std::int64_t, std::int64_t> by_bucket;
  for (const auto& row : *rows)
    by_bucket[row.bucket] = measure == Measure::Coal ? row.kgce : row.usage;
  PointSeries out;
  for (std::int64_t b = range.first; b <= range.last; b = next_bucket(b, g)) {
    auto it = by_bucket.find(b);
    if (it == by_bucket.end()) {
      out.values.push_back(std::nullopt);
    } else {
      out.values.push_back(it->second);
      out.total += it->second;
    }
  }
  return out;
}

Json values_json(const PointSeries& s) {
  Json values = Json::array();
  for (const auto& v : s.values) values.push_back(v ? Json(scaled(*v)) : Json(nullptr));
  return values;
}

net::Cell cell_of(const std::optional<std::int64_t>& v) {
  return v ? net::Cell(scaled(*v)) : net::Cell(std::string());
}

Parsed<Granularity> day_or_month(const net::Request& r) {
  return granularity_param(r, {Granularity::Day, Granularity::Month});
}

// Ranges longer than the rollups keep per request: as the statistics API.
Parsed<Buckets> checked_range(std::int64_t from, std::int64_t to, Granularity g) {
  if (to < from) return bad("a range ends before it starts");
  if (to - from >= kMaxRangeDays) return bad(fmt::format("at most {} days", kMaxRangeDays));
  return buckets_of(from, to, g);
}

net::Response compare_points(const DataCentre& centre, const net::Request& r) {
  std::string codes_text = param(r, "codes");
  auto codes = split(codes_text, ',');
  if (codes.empty() || codes.size() > kMaxPoints) {
    return bad_request(r, {fmt::format("codes: 1 to {} base codes, comma-separated", kMaxPoints)});
  }
  auto from = day_param(r, "from");
  if (!from) return bad_request(r, from.error());
  auto to = day_param(r, "to");
  if (!to) return bad_request(r, to.error());
  auto g = day_or_month(r);
  if (!g) return bad_request(r, g.error());
  auto measure = measure_param(r);
  if (!measure) return bad_request(r, measure.error());
  auto range = checked_range(*from, *to, *g);
  if (!range) return bad_request(r, range.error());

  Json axis = Json::array();
  for (std::int64_t b = range->first; b <= range->last; b = next_bucket(b, *g)) {
    axis.push_back(bucket_label(b, *g));
  }
  net::Table table{"points", {"period"}, {}};
  for (const Json& label : axis) table.rows.push_back({label.get<std::string>()});
  Json points = Json::array();
  for (std::string_view text : codes) {
    auto code = base_code(text);
    if (!code) return bad_request(r, code.error());
    auto series = point_series(centre, text, *g, *range, *measure);
    if (!series) return failure(r, series.error());
    const std::string unit = unit_for(code->kind, *measure);
    points.push_back({{"code", std::string(text)},
                      {"energy", energy_kind_name(code->kind)},
                      {"unit", unit},
                      {"values", values_json(*series)},
                      {"total", scaled(series->total)}});
    table.columns.push_back(fmt::format("{} ({})", text, unit));
    for (std::size_t i = 0; i < series->values.size(); ++i) {
      table.rows[i].push_back(cell_of(series->values[i]));
    }
  }
  if (auto download = net::table_response(table, r)) return *download;
  return json({{"from", format_date(*from)},
               {"to", format_date(*to)},
               {"granularity", granularity_name(*g)},
               {"measure", *measure == Measure::Coal ? "coal" : "usage"},
               {"periods", std::move(axis)},
               {"points", std::move(points)}});
}

net::Response compare_periods(const DataCentre& centre, const net::Request& r) {
  std::string code_text = param(r, "code");
  auto code = base_code(code_text);
  if (!code) return bad_request(r, code.error());
  auto g = day_or_month(r);
  if (!g) return bad_request(r, g.error());
  auto measure = measure_param(r);
  if (!measure) return bad_request(r, measure.error());
  std::string periods_text = param(r, "periods");
  auto ranges = split(periods_text, ',');
  if (ranges.empty() || ranges.size() > kMaxPeriods) {
    return bad_request(
        r, {fmt::format("periods: 1 to {} ranges FROM..TO (YYYY-MM-DD), comma-separated",
                        kMaxPeriods)});
  }
  const std::string unit = unit_for(code->kind, *measure);
  Json periods = Json::array();
  std::vector<std::pair<std::string, PointSeries>> columns;
  std::size_t longest = 0;
  for (std::string_view text : ranges) {
    std::size_t dots = text.find("..");
    if (dots == std::string_view::npos) {
      return bad_request(r, {fmt::format("periods: \"{}\" is not FROM..TO", text)});
    }
    auto from = date_of(text.substr(0, dots), "period start");
    if (!from) return bad_request(r, from.error());
    auto to = date_of(text.substr(dots + 2), "period end");
    if (!to) return bad_request(r, to.error());
    auto range = checked_range(*from, *to, *g);
    if (!range) return bad_request(r, range.error());
    auto series = point_series(centre, code_text, *g, *range, *measure);
    if (!series) return failure(r, series.error());
    Json labels = Json::array();
    for (std::int64_t b = range->first; b <= range->last; b = next_bucket(b, *g)) {
      labels.push_back(bucket_label(b, *g));
    }
    periods.push_back({{"from", format_date(*from)},
                       {"to", format_date(*to)},
                       {"labels", std::move(labels)},
                       {"values", values_json(*series)},
                       {"total", scaled(series->total)}});
    longest = std::max(longest, series->values.size());
    columns.emplace_back(fmt::format("{}..{} ({})", format_date(*from), format_date(*to), unit),
                         std::move(*series));
  }
  net::Table table{"periods", {"n"}, {}};
  for (const auto& [name, series] : columns) table.columns.push_back(name);
  for (std::size_t i = 0; i < longest; ++i) {
    std::vector<net::Cell> row{static_cast<std::int64_t>(i + 1)};
    for (const auto& [name, series] : columns) {
      row.push_back(i < series.values.size() ? cell_of(series.values[i])
                                             : net::Cell(std::string()));
    }
    table.rows.push_back(std::move(row));
  }
  if (auto download = net::table_response(table, r)) return *download;
  return json({{"code", code_text},
               {"energy", energy_kind_name(code->kind)},
               {"unit", unit},
               {"granularity", granularity_name(*g)},
               {"measure", *measure == Measure::Coal ? "coal" : "usage"},
               {"periods", std::move(periods)}});
}

}  // namespace

void add_analysis_routes(net::Router& router, const DataCentre& centre) {
  const DataCentre* c = &centre;
  router.get("/api/v1/analysis/points",
             [c](const net::Request& r) { return compare_points(*c, r); });
  router.get("/api/v1/analysis/periods",
             [c](const net::Request& r) { return compare_periods(*c, r); });
}

}  // namespace omni::cloud
