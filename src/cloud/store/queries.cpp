// The statistics queries: pure reads of the rollups. A range of days is read from the month
// rollup for every whole month in it and from the day rollup for the partial months at its
// ends, so a year costs twelve rows per region and class instead of 365.
#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>

#include "core/quantity.hpp"

#include "cloud/store/impl.hpp"

namespace omni::cloud {

using namespace detail;
using storage::Value;

namespace {

struct RegionSel {
  int level = 0;
  std::int64_t region = 0;
};

Result<RegionSel> parse_region(std::string_view code) {
  if (code.empty()) return RegionSel{};
  if (code.size() != 6 && code.size() != 9 && code.size() != 12) {
    return fail(ErrorCode::Malformed,
                fmt::format("region \"{}\": expected 6, 9 or 12 digits (or none)", code));
  }
  std::int64_t v = 0;
  for (char ch : code) {
    if (ch < '0' || ch > '9') {
      return fail(ErrorCode::Malformed, fmt::format("region \"{}\": not digits", code));
    }
    v = v * 10 + (ch - '0');
  }
  return RegionSel{static_cast<int>(code.size()), v};
}

struct Segment {
  Grain grain;
  std::int64_t from, to;  // days, or yyyymm for months
};

// [from, to] as runs of days and runs of whole months.
std::vector<Segment> split(std::int64_t from, std::int64_t to, bool use_months) {
  std::vector<Segment> out;
  auto push = [&](Grain g, std::int64_t a, std::int64_t b, std::int64_t next_of_prev_end) {
    if (!out.empty() && out.back().grain == g && next_of_prev_end == a) {
      out.back().to = b;
    } else {
      out.push_back({g, a, b});
    }
  };
  for (std::int64_t d = from; d <= to;) {
    int m = month_of_day(d);
    std::int64_t first = first_day_of_month(m);
    std::int64_t last = first_day_of_month(add_months_yyyymm(m, 1)) - 1;
    if (use_months && d == first && last <= to) {
      push(Grain::Month, m, m, out.empty() ? 0 : add_months_yyyymm(static_cast<int>(out.back().to), 1));
    } else {
      std::int64_t end = std::min(to, last);
      push(Grain::Day, d, end, out.empty() ? 0 : out.back().to + 1);
    }
    d = std::min(to, last) + 1;
  }
  return out;
}

std::string energy_list(const std::optional<EnergyKind>& e) {
  if (e) return std::to_string(energy_code(*e));
  return "1, 2, 3, 4";
}

// Industries are written into the SQL as literals (they select the statement, and a handful of
// texts stay prepared): only a section letter or ' ' gets there.
bool valid_industry(char c) { return c == ' ' || (c >= 'A' && c <= 'Z'); }
std::string industry_sql(const std::optional<char>& i) {
  return fmt::format("industry = '{}'", i ? *i : kAllIndustries);
}
constexpr const char* kEveryIndustry =
    "industry IN (' ', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', "
    "'O', 'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z')";
// The rollup rows answering a customer-type filter (see expand() in internal.cpp): the class
// rows of one type, the industry across both types (two rows), or the all-classes row.
std::string customer_sql(const std::optional<exchange::CustomerType>& c,
                         const std::optional<char>& industry) {
  if (c) return fmt::format("customer = {}", static_cast<int>(*c));
  return industry ? "customer IN (0, 1)" : fmt::format("customer = {}", kAllCustomers);
}

Status check_range(const UsageFilter& f) {
  if (f.industry && !valid_industry(*f.industry)) {
    return fail(ErrorCode::Malformed, "industry: a GB/T 4754 section letter, or ' '");
  }
  if (f.from_day > f.to_day) {
    return fail(ErrorCode::Malformed,
                fmt::format("range {}..{} is reversed", format_date(f.from_day),
                            format_date(f.to_day)));
  }
  if (f.to_day - f.from_day > 366 * 100) {
    return fail(ErrorCode::OutOfRange, "range longer than a hundred years");
  }
  return ok();
}

const char* table_of(Grain g) { return g == Grain::Day ? "region_day" : "region_month"; }
const char* bucket_of(Grain g) { return g == Grain::Day ? "day" : "month"; }

int iso_week_label(std::int64_t monday, int& year) {
  std::int64_t thursday = monday + 3;
  int y = 0, m = 0, d = 0;
  civil_from_days(thursday, y, m, d);
  year = y;
  return static_cast<int>((thursday - days_from_civil(y, 1, 1)) / 7 + 1);
}

// The bucket (start day, label) of `day` at a granularity.
std::pair<std::int64_t, std::string> bucket_for(std::int64_t day, Granularity g) {
  int y = 0, m = 0, d = 0;
  switch (g) {
    case Granularity::Day:
      return {day, format_date(day)};
    case Granularity::Week: {
      // Day 0 (1970-01-01) was a Thursday: (day + 3) mod 7 is 0 on Mondays.
      std::int64_t monday = day - ((day + 3) - floor_div(day + 3, 7) * 7);
      int year = 0;
      int week = iso_week_label(monday, year);
      return {monday, fmt::format("{}-W{:02}", year, week)};
    }
    case Granularity::Month:
      civil_from_days(day, y, m, d);
      return {days_from_civil(y, m, 1), fmt::format("{}-{:02}", y, m)};
    case Granularity::Year:
      civil_from_days(day, y, m, d);
      return {days_from_civil(y, 1, 1), fmt::format("{}", y)};
  }
  return {day, format_date(day)};
}

struct Sums {
  std::int64_t usage = 0, kgce = 0, points = 0;
};

}  // namespace

// ---- usage series and totals

namespace {

// The buckets (day numbers or yyyymm) of a segment.
std::vector<std::int64_t> buckets_of(const Segment& s) {
  std::vector<std::int64_t> out;
  if (s.grain == Grain::Day) {
    for (std::int64_t d = s.from; d <= s.to; ++d) out.push_back(d);
  } else {
    for (std::int64_t m = s.from; m <= s.to; m = add_months_yyyymm(static_cast<int>(m), 1)) {
      out.push_back(m);
    }
  }
  return out;
}

// One region's rollup rows for every bucket of a segment, summed per `group` (columns): each
// row is (group…, usage, kgce, points). The rows are found by key, 64 buckets a query, since
// the key has the bucket before the region.
Result<std::vector<storage::Row>> region_rows(storage::Database& db, const RegionSel& r,
                                              const Segment& s, const std::string& energies,
                                              const std::string& customers,
                                              const std::string& industries,
                                              std::string_view group) {
  std::string sql = fmt::format(
      "SELECT {0}, CAST(SUM(usage) AS BIGINT), CAST(SUM(kgce) AS BIGINT), "
      "CAST(SUM(points) AS BIGINT) FROM {1} WHERE level = $1 AND energy IN ({2}) AND {3} AND "
      "{4} AND {5} IN (",
      group, table_of(s.grain), energies, customers, industries, bucket_of(s.grain));
  for (int i = 3; i < 3 + 64; ++i) sql += (i > 3 ? ", $" : "$") + std::to_string(i);
  sql += fmt::format(") AND region = $2 GROUP BY {0} ORDER BY {0}", group);
  std::vector<std::int64_t> buckets = buckets_of(s);
  std::vector<storage::Row> out;
  for (std::size_t i = 0; i < buckets.size(); i += 64) {
    std::vector<Value> params{r.level, r.region};
    for (std::size_t j = i; j < i + 64; ++j) {
      params.emplace_back(j < buckets.size() ? buckets[j] : std::int64_t{-1});
    }
    auto rows = db.query(sql, std::span<const Value>(params));
    if (!rows) return fail(rows.error());
    for (auto& row : rows->rows) out.push_back(std::move(row));
  }
  return out;
}

// Rows of one segment summed over energies per stored bucket: (bucket, usage, kgce, points).
Result<std::vector<std::pair<std::int64_t, Sums>>> segment_rows(storage::Database& db,
                                                                const RegionSel& r,
                                                                const UsageFilter& f,
                                                                const Segment& s) {
  auto rows = region_rows(db, r, s, energy_list(f.energy), customer_sql(f.customer, f.industry),
                          industry_sql(f.industry), bucket_of(s.grain));
  if (!rows) return fail(rows.error());
  std::vector<std::pair<std::int64_t, Sums>> out;
  out.reserve(rows->size());
  for (const auto& row : *rows) {
    out.push_back({col_i64(row, 0), {col_i64(row, 1), col_i64(row, 2), col_i64(row, 3)}});
  }
  return out;
}

Result<Sums> total(storage::Database& db, const UsageFilter& f, std::int64_t from,
                   std::int64_t to) {
  if (f.industry && !valid_industry(*f.industry)) {
    return fail(ErrorCode::Malformed, "industry: a GB/T 4754 section letter, or ' '");
  }
  auto r = parse_region(f.region);
  if (!r) return fail(r.error());
  Sums t;
  for (const Segment& s : split(from, to, true)) {
    auto rows = segment_rows(db, *r, f, s);
    if (!rows) return fail(rows.error());
    for (const auto& [bucket, sums] : *rows) {
      t.usage += sums.usage;
      t.kgce += sums.kgce;
      t.points = std::max(t.points, sums.points);
    }
  }
  if (!f.energy) t.usage = 0;
  return t;
}

}  // namespace

Result<std::vector<SeriesRow>> DataCentre::usage_series(const UsageFilter& filter,
                                                        Granularity granularity) const {
  OMNI_TRY(check_range(filter));
  auto r = parse_region(filter.region);
  if (!r) return fail(r.error());
  bool months = granularity == Granularity::Month || granularity == Granularity::Year;
  std::map<std::int64_t, SeriesRow> out;
  for (const Segment& s : split(filter.from_day, filter.to_day, months)) {
    auto rows = segment_rows(db_, *r, filter, s);
    if (!rows) return fail(rows.error());
    for (const auto& [stored, sums] : *rows) {
      std::int64_t day = s.grain == Grain::Day ? stored : first_day_of_month(static_cast<int>(stored));
      auto [start, label] = bucket_for(day, granularity);
      start = std::max(start, filter.from_day);
      auto [it, added] = out.try_emplace(start);
      SeriesRow& row = it->second;
      if (added) {
        row.start_day = start;
        row.label = std::move(label);
      }
      if (filter.energy) row.usage += sums.usage;
      row.kgce += sums.kgce;
      row.points = std::max(row.points, sums.points);
    }
  }
  std::vector<SeriesRow> rows;
  rows.reserve(out.size());
  for (auto& [start, row] : out) rows.push_back(std::move(row));
  return rows;
}

Result<Comparison> DataCentre::compare(const UsageFilter& filter, Granularity period,
                                       std::int64_t day) const {
  int y = 0, m = 0, d = 0;
  civil_from_days(day, y, m, d);
  std::int64_t from = day, to = day, prev_from = day - 1, prev_to = day - 1, ly_from = 0, ly_to = 0;
  auto same_day_last_year = [](int yy, int mm, int dd) {
    return days_from_civil(yy - 1, mm, std::min(dd, days_in_month(yy - 1, mm)));
  };
  switch (period) {
    case Granularity::Day:
      ly_from = ly_to = same_day_last_year(y, m, d);
      break;
    case Granularity::Week:
      from = bucket_for(day, Granularity::Week).first;
      to = from + 6;
      prev_from = from - 7, prev_to = from - 1;
      ly_from = from - 364, ly_to = to - 364;  // 52 weeks: the same weekdays
      break;
    case Granularity::Month: {
      from = days_from_civil(y, m, 1);
      to = from + days_in_month(y, m) - 1;
      int pm = add_months_yyyymm(y * 100 + m, -1);
      prev_from = first_day_of_month(pm);
      prev_to = from - 1;
      ly_from = days_from_civil(y - 1, m, 1);
      ly_to = ly_from + days_in_month(y - 1, m) - 1;
      break;
    }
    case Granularity::Year:
      from = days_from_civil(y, 1, 1);
      to = days_from_civil(y, 12, 31);
      prev_from = ly_from = days_from_civil(y - 1, 1, 1);
      prev_to = ly_to = from - 1;
      break;
  }
  Comparison c;
  c.current_start = from, c.previous_start = prev_from, c.last_year_start = ly_from;
  std::int64_t* targets[3] = {&c.current, &c.previous, &c.last_year};
  std::pair<std::int64_t, std::int64_t> ranges[3] = {{from, to}, {prev_from, prev_to},
                                                      {ly_from, ly_to}};
  for (int i = 0; i < 3; ++i) {
    auto t = total(db_, filter, ranges[i].first, ranges[i].second);
    if (!t) return fail(t.error());
    *targets[i] = filter.energy ? t->usage : t->kgce;
  }
  auto ratio = [](std::int64_t now, std::int64_t then) -> std::optional<double> {
    if (then == 0) return std::nullopt;
    return static_cast<double>(now - then) / static_cast<double>(then);
  };
  c.mom = ratio(c.current, c.previous);
  c.yoy = ratio(c.current, c.last_year);
  return c;
}

// ---- archive counts

Result<std::vector<UserBaseRow>> DataCentre::user_base(std::string_view region) const {
  auto r = parse_region(region);
  if (!r) return fail(r.error());
  auto rows = db_.query(
      "SELECT energy, customer, points, remote FROM region_points WHERE region = $1 AND "
      "level = $2 AND customer IN (0, 1) AND industry = '*' ORDER BY energy, customer",
      {r->region, r->level});
  if (!rows) return fail(rows.error());
  std::vector<UserBaseRow> out;
  for (const auto& row : rows->rows) {
    auto e = energy_from_code(col_i64(row, 0));
    if (!e) continue;
    if (out.empty() || out.back().energy != *e) out.push_back(UserBaseRow{*e});
    UserBaseRow& u = out.back();
    if (col_i64(row, 1) == 0) {
      u.residential = col_i64(row, 2), u.remote_residential = col_i64(row, 3);
    } else {
      u.non_residential = col_i64(row, 2), u.remote_non_residential = col_i64(row, 3);
    }
  }
  return out;
}

namespace {
double safe_ratio(std::int64_t a, std::int64_t b) {
  return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
}
char industry_char(const storage::Row& row, std::size_t c) {
  std::string s = row.get<std::string>(c).value_or(" ");
  return s.empty() ? ' ' : s[0];
}
}  // namespace

Result<std::vector<CoverageRow>> DataCentre::coverage(std::string_view region) const {
  auto r = parse_region(region);
  if (!r) return fail(r.error());
  auto rows = db_.query(
      "SELECT energy, industry, CAST(SUM(remote) AS BIGINT), CAST(SUM(points) AS BIGINT) "
      "FROM region_points WHERE region = $1 AND level = $2 AND customer IN (0, 1) AND "
      "industry <> '*' GROUP BY energy, industry ORDER BY energy, industry",
      {r->region, r->level});
  if (!rows) return fail(rows.error());
  std::vector<CoverageRow> out;
  for (const auto& row : rows->rows) {
    auto e = energy_from_code(col_i64(row, 0));
    if (!e) continue;
    std::int64_t remote = col_i64(row, 2), all = col_i64(row, 3);
    out.push_back({*e, industry_char(row, 1), remote, all, safe_ratio(remote, all)});
  }
  return out;
}

Result<std::vector<CoverageRow>> DataCentre::reported_coverage(int yyyymm) const {
  if (yyyymm % 100 < 1 || yyyymm % 100 > 12) {
    return fail(ErrorCode::Malformed, fmt::format("month {} is not yyyymm", yyyymm));
  }
  std::int64_t from = first_day_of_month(yyyymm);
  std::int64_t to = first_day_of_month(add_months_yyyymm(yyyymm, 1)) - 1;
  auto rows = db_.query(
      // Each station's latest report in the month: counts of meters, not meter-days.
      "SELECT c.energy, c.industry, CAST(SUM(c.online) AS BIGINT), "
      "CAST(SUM(c.installed) AS BIGINT) FROM coverage_report c JOIN "
      "(SELECT station, MAX(day) AS day FROM coverage_report WHERE day >= $1 AND day <= $2 "
      "GROUP BY station) l ON c.station = l.station AND c.day = l.day "
      "GROUP BY c.energy, c.industry ORDER BY c.energy, c.industry",
      {from, to});
  if (!rows) return fail(rows.error());
  std::vector<CoverageRow> out;
  for (const auto& row : rows->rows) {
    auto e = energy_from_code(col_i64(row, 0));
    if (!e) continue;
    std::int64_t online = col_i64(row, 2), installed = col_i64(row, 3);
    out.push_back({*e, industry_char(row, 1), online, installed, safe_ratio(online, installed)});
  }
  return out;
}

// ---- rankings, losses, industries, energies

Result<std::vector<RankingRow>> DataCentre::rank_regions(const UsageFilter& filter,
                                                         int level_digits, RankBy by,
                                                         int limit) const {
  OMNI_TRY(check_range(filter));
  auto scope = parse_region(filter.region);
  if (!scope) return fail(scope.error());
  if ((level_digits != 6 && level_digits != 9 && level_digits != 12) ||
      scope->level >= level_digits) {
    return fail(ErrorCode::Malformed,
                fmt::format("cannot rank level {} inside \"{}\"", level_digits, filter.region));
  }
  if (by == RankBy::Usage && !filter.energy) {
    return fail(ErrorCode::Malformed, "ranking by usage needs an energy (or rank by kgce)");
  }
  std::int64_t lo = 0, hi = std::numeric_limits<std::int64_t>::max();
  if (scope->level > 0) {
    std::int64_t f = pow10_i64(level_digits - scope->level);
    lo = scope->region * f, hi = (scope->region + 1) * f - 1;
  }
  std::unordered_map<std::int64_t, Sums> sums;
  for (const Segment& s : split(filter.from_day, filter.to_day, true)) {
    std::string sql = fmt::format(
        "SELECT region, CAST(SUM(usage) AS BIGINT), CAST(SUM(kgce) AS BIGINT), MAX(points) "
        "FROM {1} WHERE level = $1 AND energy IN ({2}) AND {3} AND {4} AND "
        "{0} >= $2 AND {0} <= $3 AND region >= $4 AND region <= $5 GROUP BY region",
        bucket_of(s.grain), table_of(s.grain), energy_list(filter.energy),
        customer_sql(filter.customer, filter.industry), industry_sql(filter.industry));
    std::vector<Value> params{level_digits, s.from, s.to, lo, hi};
    auto rows = db_.query(sql, std::span<const Value>(params));
    if (!rows) return fail(rows.error());
    for (const auto& row : rows->rows) {
      Sums& t = sums[col_i64(row, 0)];
      t.usage += col_i64(row, 1);
      t.kgce += col_i64(row, 2);
      t.points = std::max(t.points, col_i64(row, 3));
    }
  }
  std::vector<std::pair<std::int64_t, Sums>> ranked(sums.begin(), sums.end());
  auto key = [&](const Sums& s) { return by == RankBy::Usage ? s.usage : s.kgce; };
  std::sort(ranked.begin(), ranked.end(), [&](const auto& a, const auto& b) {
    return key(a.second) != key(b.second) ? key(a.second) > key(b.second) : a.first < b.first;
  });
  if (limit >= 0 && ranked.size() > static_cast<std::size_t>(limit)) {
    ranked.resize(static_cast<std::size_t>(limit));
  }
  std::vector<RankingRow> out;
  out.reserve(ranked.size());
  for (const auto& [region, s] : ranked) {
    std::string code = fmt::format("{:0{}}", region, level_digits);
    auto rec = db_.query("SELECT name, lat_e6, lon_e6 FROM region WHERE code = $1", {code});
    if (!rec) return fail(rec.error());
    RankingRow row{code, "", filter.energy ? s.usage : 0, s.kgce, s.points, {}, {}};
    if (!rec->empty()) {
      const auto& r = rec->at(0);
      row.name = r.get<std::string>(0).value_or("");
      if (auto v = col_opt(r, 1)) row.latitude = static_cast<double>(*v) / 1e6;
      if (auto v = col_opt(r, 2)) row.longitude = static_cast<double>(*v) / 1e6;
    }
    out.push_back(std::move(row));
  }
  return out;
}

Result<std::vector<LossRow>> DataCentre::losses(const UsageFilter& filter, int limit,
                                               LossOrder order) const {
  OMNI_TRY(check_range(filter));
  auto scope = parse_region(filter.region);
  if (!scope) return fail(scope.error());
  std::int64_t lo = 0, hi = std::numeric_limits<std::int64_t>::max();
  if (scope->level > 0) {
    std::int64_t f = pow10_i64(12 - scope->level);
    lo = scope->region * f, hi = (scope->region + 1) * f - 1;
  }
  struct Acc {
    int energy = 0;
    std::int64_t usage = 0, child_usage = 0, children = 0;
  };
  std::map<std::string, Acc> acc;
  for (const Segment& s : split(filter.from_day, filter.to_day, true)) {
    const char* table = s.grain == Grain::Day ? "supply_day" : "supply_month";
    std::string sql = fmt::format(
        "SELECT code, energy, CAST(SUM(usage) AS BIGINT), CAST(SUM(child_usage) AS BIGINT), "
        "MAX(children) FROM {1} WHERE {0} >= $1 AND {0} <= $2 AND community >= $3 AND "
        "community <= $4 AND energy IN ({2}) GROUP BY code, energy",
        bucket_of(s.grain), table, energy_list(filter.energy));
    auto rows = db_.query(sql, {s.from, s.to, lo, hi});
    if (!rows) return fail(rows.error());
    for (const auto& row : rows->rows) {
      Acc& a = acc[row.get<std::string>(0).value_or("")];
      a.energy = static_cast<int>(col_i64(row, 1));
      a.usage += col_i64(row, 2);
      a.child_usage += col_i64(row, 3);
      a.children = std::max(a.children, col_i64(row, 4));
    }
  }
  std::vector<LossRow> out;
  for (const auto& [code, a] : acc) {
    if (a.children == 0) continue;  // no child reported: no loss to speak of
    auto e = energy_from_code(a.energy);
    if (!e) continue;
    LossRow row{code, "", *e, a.usage, a.child_usage, a.usage - a.child_usage, std::nullopt,
                a.children};
    if (a.usage != 0) row.loss_ratio = static_cast<double>(row.loss) / static_cast<double>(a.usage);
    out.push_back(std::move(row));
  }
  std::sort(out.begin(), out.end(), [order](const LossRow& a, const LossRow& b) {
    if (order == LossOrder::Ratio) {
      // A supply meter without usage has no ratio: last.
      const double ra = a.loss_ratio.value_or(-1e300), rb = b.loss_ratio.value_or(-1e300);
      if (ra != rb) return ra > rb;
    }
    return a.loss != b.loss ? a.loss > b.loss : a.supply < b.supply;
  });
  if (limit >= 0 && out.size() > static_cast<std::size_t>(limit)) {
    out.resize(static_cast<std::size_t>(limit));
  }
  for (LossRow& row : out) {
    if (row.supply.size() < 16) continue;
    auto rec = db_.query(
        "SELECT name FROM region WHERE code = $1 OR code = $2 ORDER BY LENGTH(code) DESC",
        {row.supply.substr(0, 16), row.supply.substr(0, 12)});
    if (!rec) return fail(rec.error());
    if (!rec->empty()) row.name = rec->at(0).get<std::string>(0).value_or("");
  }
  return out;
}

Result<std::vector<IndustryRow>> DataCentre::industry_totals(const UsageFilter& filter) const {
  OMNI_TRY(check_range(filter));
  auto r = parse_region(filter.region);
  if (!r) return fail(r.error());
  std::map<char, IndustryRow> acc;
  for (const Segment& s : split(filter.from_day, filter.to_day, true)) {
    auto rows = region_rows(db_, *r, s, energy_list(filter.energy),
                            customer_sql(filter.customer, ' '), kEveryIndustry, "industry");
    if (!rows) return fail(rows.error());
    for (const auto& row : *rows) {
      char ind = industry_char(row, 0);
      IndustryRow& t = acc[ind];
      t.industry = ind;
      if (filter.energy) t.usage += col_i64(row, 1);
      t.kgce += col_i64(row, 2);
    }
  }
  std::int64_t total = 0;
  for (const auto& [ind, t] : acc) total += filter.energy ? t.usage : t.kgce;
  std::vector<IndustryRow> out;
  for (auto& [ind, t] : acc) {
    t.share = safe_ratio(filter.energy ? t.usage : t.kgce, total);
    out.push_back(t);
  }
  std::sort(out.begin(), out.end(), [&](const IndustryRow& a, const IndustryRow& b) {
    std::int64_t ka = filter.energy ? a.usage : a.kgce, kb = filter.energy ? b.usage : b.kgce;
    return ka != kb ? ka > kb : a.industry < b.industry;
  });
  return out;
}

Result<std::vector<EnergyShareRow>> DataCentre::energy_shares(const UsageFilter& filter) const {
  OMNI_TRY(check_range(filter));
  auto r = parse_region(filter.region);
  if (!r) return fail(r.error());
  std::map<int, EnergyShareRow> acc;
  for (const Segment& s : split(filter.from_day, filter.to_day, true)) {
    auto rows = region_rows(db_, *r, s, "1, 2, 3, 4", customer_sql(filter.customer, filter.industry),
                            industry_sql(filter.industry), "energy");
    if (!rows) return fail(rows.error());
    for (const auto& row : *rows) {
      auto e = energy_from_code(col_i64(row, 0));
      if (!e) continue;
      EnergyShareRow& t = acc[static_cast<int>(col_i64(row, 0))];
      t.energy = *e;
      t.usage += col_i64(row, 1);
      t.kgce += col_i64(row, 2);
    }
  }
  std::int64_t total = 0;
  for (const auto& [code, t] : acc) total += t.kgce;
  std::vector<EnergyShareRow> out;
  for (auto& [code, t] : acc) {
    t.share = safe_ratio(t.kgce, total);
    out.push_back(t);
  }
  return out;
}

// ---- one point

Result<std::vector<PointUsageRow>> DataCentre::point_usage(std::string_view code,
                                                           Granularity granularity,
                                                           std::int64_t from,
                                                           std::int64_t to) const {
  if (granularity != Granularity::Day && granularity != Granularity::Month) {
    return fail(ErrorCode::Malformed, "point usage is kept per day and per month");
  }
  auto parsed = exchange::BaseCode::parse(code);
  if (!parsed) return fail(ErrorCode::Malformed, fmt::format("\"{}\" is not a base code", code));
  auto id = db_.query("SELECT id FROM point WHERE code = $1", {std::string(code)});
  if (!id) return fail(id.error());
  if (id->empty()) return fail(ErrorCode::NotFound, fmt::format("no metering point {}", code));
  const std::int64_t point = col_i64(id->at(0), 0);
  const std::int64_t block = block_of(point);
  const bool daily = granularity == Granularity::Day;
  if (to < from || (daily && to - from > 3660) || (!daily && to - from > 10000)) {
    return fail(ErrorCode::Malformed, "point usage: an empty or too long range");
  }
  // The keys of the range (bucket-major keys: one per day or month), 64 to a query.
  std::vector<std::int64_t> buckets;
  for (std::int64_t b = from; b <= to; b = daily ? b + 1 : add_months_yyyymm(static_cast<int>(b), 1)) {
    if (!daily && (b % 100 < 1 || b % 100 > 12)) {
      return fail(ErrorCode::Malformed, fmt::format("month {} is not yyyymm", b));
    }
    buckets.push_back(b);
  }
  std::string sql = std::string("SELECT k, data FROM ") +
                    (daily ? "point_day_block" : "point_month_block") + " WHERE k IN (";
  for (int i = 1; i <= 64; ++i) sql += (i > 1 ? ", $" : "$") + std::to_string(i);
  sql += ") ORDER BY k";
  std::vector<PointUsageRow> out;
  for (std::size_t i = 0; i < buckets.size(); i += 64) {
    std::vector<Value> params;
    for (std::size_t j = i; j < i + 64; ++j) {
      params.emplace_back(j < buckets.size() ? block_key(block, buckets[j]) : std::int64_t{-1});
    }
    auto rows = db_.query(sql, std::span<const Value>(params));
    if (!rows) return fail(rows.error());
    for (const auto& row : rows->rows) {
      auto blob = row.get<storage::Blob>(1);
      if (!blob) return fail(blob.error());
      BucketSlot slot = decode_buckets(*blob).slots[slot_of(point)];
      if (slot.empty()) continue;
      out.push_back({(col_i64(row, 0) - block) >> kBlockBits, slot.usage, slot.kgce,
                     slot.intervals});
    }
  }
  return out;
}

// ---- regions

namespace {
exchange::RegionLevel level_of_digits(std::size_t digits) {
  switch (digits) {
    case 6:
      return exchange::RegionLevel::District;
    case 9:
      return exchange::RegionLevel::Street;
    case 12:
      return exchange::RegionLevel::Community;
    case 16:
      return exchange::RegionLevel::Building;
    default:
      return exchange::RegionLevel::City;
  }
}
}  // namespace

Result<RegionInfo> DataCentre::region(std::string_view code) const {
  RegionInfo info;
  info.code = std::string(code);
  if (!code.empty()) {
    if (code.size() != 6 && code.size() != 9 && code.size() != 12 && code.size() != 16) {
      return fail(ErrorCode::Malformed,
                  fmt::format("region \"{}\": expected 6, 9, 12 or 16 digits", code));
    }
    auto rec = db_.query("SELECT name, parent, lat_e6, lon_e6 FROM region WHERE code = $1",
                         {std::string(code)});
    if (!rec) return fail(rec.error());
    if (rec->empty()) return fail(ErrorCode::NotFound, fmt::format("no region {}", code));
    const auto& r = rec->at(0);
    info.name = r.get<std::string>(0).value_or("");
    info.level = level_of_digits(code.size());
    if (!r.is_null(1)) info.parent = r.get<std::string>(1).value_or("");
    if (auto v = col_opt(r, 2)) info.latitude = static_cast<double>(*v) / 1e6;
    if (auto v = col_opt(r, 3)) info.longitude = static_cast<double>(*v) / 1e6;
  }
  auto children = code.empty()
                      ? db_.query("SELECT code, name FROM region WHERE level = 6 ORDER BY code")
                      : db_.query("SELECT code, name FROM region WHERE parent = $1 ORDER BY code",
                                  {std::string(code)});
  if (!children) return fail(children.error());
  for (const auto& r : children->rows) {
    std::string c = r.get<std::string>(0).value_or("");
    info.children.push_back({c, r.get<std::string>(1).value_or(""), level_of_digits(c.size())});
  }
  return info;
}

Result<DataDays> DataCentre::data_days() const {
  auto rows = db_.query(
      "SELECT MIN(day), MAX(day) FROM region_day WHERE level = 0 AND energy IN (1, 2, 3, 4) "
      "AND customer = 2 AND industry = '*'");
  if (!rows) return fail(rows.error());
  DataDays out;
  if (!rows->empty()) {
    out.first = col_opt(rows->at(0), 0);
    out.last = col_opt(rows->at(0), 1);
  }
  return out;
}

}  // namespace omni::cloud
