#include "station/store/archive_import.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <unordered_map>

#include "exchange/batch.hpp"
#include "station/store/csv_reader.hpp"

namespace omni::station {

using exchange::BaseCode;
using exchange::RegionLevel;
using storage::Connection;

namespace {

enum Column {
  kCode,
  kAddress,
  kEnergy,
  kProtocol,
  kConcentrator,
  kParent,
  kCustomer,
  kIndustry,
  kKeyUser,
  kRemote,
  kMeterType,
  kMultiplier,
  kInstalled,
  kRemoved,
  kDistrict,
  kStreet,
  kCommunity,
  kLatitude,
  kLongitude,
  kColumnCount
};

struct ColumnSpec {
  std::string_view name;
  bool required;
};
constexpr std::array<ColumnSpec, kColumnCount> kColumns = {{
    {"base_code", true},     {"address", true},      {"energy", true},        {"protocol", true},
    {"concentrator", false}, {"parent_code", false}, {"customer_type", true}, {"industry", false},
    {"key_user", false},     {"remote", false},      {"meter_type", false},   {"multiplier", false},
    {"installed", true},     {"removed", false},     {"district", true},      {"street", true},
    {"community", true},     {"latitude", false},    {"longitude", false},
}};

constexpr std::string_view kProtocols[] = {"dlt645-2007", "dlt645-1997", "dlt698", "cjt188-2004",
                                           "cjt188-2018"};

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xE  ? 3
                    : (c >> 3) == 0x1E ? 4
                                       : 0;
    if (n == 0 || i + n > s.size()) return false;
    if (n == 2 && c < 0xC2) return false;  // overlong
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    }
    i += n;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Result<bool> parse_bool(std::string_view s) {
  if (s == "true" || s == "1" || s == "yes") return true;
  if (s == "false" || s == "0" || s == "no") return false;
  return fail(ErrorCode::Malformed, fmt::format("'{}' is not true or false", s));
}

// A Beijing date (YYYY-MM-DD, the archive's usual form) or an RFC 3339 time with its offset.
Result<UtcTime> parse_when(std::string_view s) {
  if (s.size() == 10) {
    auto day = parse_date(s);
    if (!day) return fail(day.error());
    return TimeZone::shanghai().from_local(*day);
  }
  auto t = parse_iso8601(s);
  if (!t) {
    return fail(ErrorCode::Malformed,
                fmt::format("'{}' is neither a date YYYY-MM-DD nor an RFC 3339 time", s));
  }
  return *t;
}

// Degrees with at most six decimals, as micro-degrees (exact: no binary floating point).
Result<std::int64_t> parse_micro_degrees(std::string_view s, std::int64_t limit) {
  bool negative = !s.empty() && s.front() == '-';
  if (negative) s.remove_prefix(1);
  std::size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  auto digits = [](std::string_view d) {
    return d.find_first_not_of("0123456789") == std::string_view::npos;
  };
  if (whole.empty() || whole.size() > 3 || !digits(whole) || !digits(frac) ||
      (dot != std::string_view::npos && frac.empty())) {
    return fail(ErrorCode::Malformed, fmt::format("'{}' is not a decimal number of degrees", s));
  }
  if (frac.size() > 6) {
    return fail(ErrorCode::Malformed, "more than six decimals (0.1 m is plenty for a map)");
  }
  std::int64_t w = 0, f = 0;
  std::from_chars(whole.data(), whole.data() + whole.size(), w);
  std::from_chars(frac.data(), frac.data() + frac.size(), f);
  for (std::size_t i = frac.size(); i < 6; ++i) f *= 10;
  std::int64_t v = w * 1'000'000 + f;
  if (v > limit * 1'000'000) {
    return fail(ErrorCode::OutOfRange, fmt::format("beyond ±{} degrees", limit));
  }
  return negative ? -v : v;
}

Result<std::uint8_t> parse_meter_type(std::string_view s) {
  std::string_view hex;
  if (s.size() == 4 && (s.starts_with("0x") || s.starts_with("0X"))) hex = s.substr(2);
  if (s.size() == 3 && (s.back() == 'H' || s.back() == 'h')) hex = s.substr(0, 2);
  unsigned v = 0;
  if (hex.size() != 2 || std::from_chars(hex.data(), hex.data() + 2, v, 16).ptr != hex.data() + 2) {
    return fail(ErrorCode::Malformed, fmt::format("'{}' is not a meter type like 0x10 or 10H", s));
  }
  return static_cast<std::uint8_t>(v);
}

bool is_dlt(std::string_view protocol) { return protocol.starts_with("dlt"); }

// The row as stored: what an import compares to decide whether a point changed.
struct PointRow {
  std::string code;
  std::string address;
  std::int64_t energy = 0;  // the base code's energy digit: 1 electricity, 2 water, 3 gas, 4 heat
  std::string protocol;
  std::optional<std::string> concentrator;
  std::optional<std::string> parent;
  std::int64_t customer = 0;
  std::string industry;  // "" or one section letter
  std::int64_t key_user = 0;
  std::int64_t remote = 1;
  std::int64_t meter_type = 0;
  std::int64_t multiplier = 1;
  std::int64_t installed = 0;
  std::optional<std::int64_t> removed;
  bool operator==(const PointRow&) const = default;
};

PointRow to_row(const ArchivePoint& p) {
  const exchange::MeterRecord& r = p.record;
  PointRow row;
  row.code = r.code.to_string();
  row.address = r.address.to_string();
  row.energy = exchange::energy_digit(r.code.kind) - '0';
  row.protocol = p.protocol;
  if (p.concentrator) row.concentrator = p.concentrator->to_string();
  if (r.parent) row.parent = r.parent->to_string();
  row.customer = static_cast<std::int64_t>(r.customer);
  if (r.industry != ' ') row.industry = std::string(1, r.industry);
  row.key_user = r.key_user ? 1 : 0;
  row.remote = r.remote ? 1 : 0;
  row.meter_type = r.meter_type;
  row.multiplier = r.multiplier;
  row.installed = r.installed.seconds;
  if (r.removed) row.removed = r.removed->seconds;
  return row;
}

std::optional<std::string> opt_text(const storage::Row& r, std::size_t c) {
  if (r.is_null(c)) return std::nullopt;
  return r.get<std::string>(c).value_or("");
}
std::optional<std::int64_t> opt_int(const storage::Row& r, std::size_t c) {
  if (r.is_null(c)) return std::nullopt;
  return r.get<std::int64_t>(c).value_or(0);
}

struct RegionRow {
  std::int64_t level = 0;
  std::string name;
  std::optional<std::int64_t> latitude_e6, longitude_e6;
  bool operator==(const RegionRow&) const = default;
};

RegionRow to_row(const ArchiveRegion& r) {
  return {static_cast<std::int64_t>(r.level), r.name, r.latitude_e6, r.longitude_e6};
}

struct Stored {
  std::unordered_map<std::string, PointRow> points;              // by code
  std::unordered_map<std::string, std::string> code_of_address;  // address -> code
  std::unordered_map<std::string, RegionRow> regions;            // by code
};

template <class Q>
Result<Stored> load(Q&& query) {
  Stored s;
  auto points = query(
      "SELECT code, address, energy, protocol, concentrator, parent_code, customer, industry, "
      "key_user, remote, meter_type, multiplier, installed, removed FROM point");
  if (!points) return fail(points.error());
  s.points.reserve(points->size());
  for (const auto& r : points->rows) {
    PointRow p;
    p.code = r.template get<std::string>(0).value_or("");
    p.address = r.template get<std::string>(1).value_or("");
    p.energy = r.template get<std::int64_t>(2).value_or(0);
    p.protocol = r.template get<std::string>(3).value_or("");
    p.concentrator = opt_text(r, 4);
    p.parent = opt_text(r, 5);
    p.customer = r.template get<std::int64_t>(6).value_or(0);
    p.industry = r.template get<std::string>(7).value_or("");
    p.key_user = r.template get<std::int64_t>(8).value_or(0);
    p.remote = r.template get<std::int64_t>(9).value_or(0);
    p.meter_type = r.template get<std::int64_t>(10).value_or(0);
    p.multiplier = r.template get<std::int64_t>(11).value_or(0);
    p.installed = r.template get<std::int64_t>(12).value_or(0);
    p.removed = opt_int(r, 13);
    s.code_of_address[p.address] = p.code;
    s.points.emplace(p.code, std::move(p));
  }
  auto regions = query("SELECT code, level, name, latitude_e6, longitude_e6 FROM region");
  if (!regions) return fail(regions.error());
  for (const auto& r : regions->rows) {
    s.regions.emplace(
        r.template get<std::string>(0).value_or(""),
        RegionRow{r.template get<std::int64_t>(1).value_or(0),
                  r.template get<std::string>(2).value_or(""), opt_int(r, 3), opt_int(r, 4)});
  }
  return s;
}

// What an import would do, and the problems only the stored archive reveals.
struct Plan {
  std::vector<const ArchivePoint*> new_points, changed_points;
  std::vector<bool> address_changed;  // parallel to changed_points
  std::vector<std::pair<const std::string*, const ArchiveRegion*>> new_regions, changed_regions;
};

Plan plan_import(const ParsedArchive& parsed, const Stored& stored, ImportReport& report) {
  Plan plan;
  const std::set<std::string>& in_file = parsed.codes;
  for (const auto& p : parsed.points) {
    PointRow row = to_row(p);
    auto owner = stored.code_of_address.find(row.address);
    if (owner != stored.code_of_address.end() && owner->second != row.code) {
      report.problems.push_back(
          {p.line, "address",
           fmt::format("{} belongs to point {} in the archive (device addresses are unique for "
                       "life)",
                       row.address, owner->second)});
    }
    if (row.parent && !in_file.count(*row.parent) && !stored.points.count(*row.parent)) {
      report.problems.push_back(
          {p.line, "parent_code",
           fmt::format("{} is neither in the file nor in the archive", *row.parent)});
    }
    auto it = stored.points.find(row.code);
    if (it == stored.points.end()) {
      plan.new_points.push_back(&p);
      ++report.points.added;
    } else if (!(it->second == row)) {
      plan.changed_points.push_back(&p);
      plan.address_changed.push_back(it->second.address != row.address);
      ++report.points.changed;
    } else {
      ++report.points.unchanged;
    }
  }
  for (const auto& [code, region] : parsed.regions) {
    auto it = stored.regions.find(code);
    if (it == stored.regions.end()) {
      plan.new_regions.emplace_back(&code, &region);
      ++report.regions.added;
    } else if (!(it->second == to_row(region))) {
      plan.changed_regions.emplace_back(&code, &region);
      ++report.regions.changed;
    } else {
      ++report.regions.unchanged;
    }
  }
  std::stable_sort(report.problems.begin(), report.problems.end(),
                   [](const ImportProblem& a, const ImportProblem& b) { return a.line < b.line; });
  return plan;
}

storage::Value nullable(const std::optional<std::string>& v) {
  return v ? storage::Value(*v) : storage::Value();
}
storage::Value nullable(const std::optional<std::int64_t>& v) {
  return v ? storage::Value(*v) : storage::Value();
}

Status apply(Connection& c, const Plan& plan, UtcTime now) {
  auto n = static_cast<std::int64_t>(plan.new_points.size() + plan.changed_points.size() +
                                     plan.new_regions.size() + plan.changed_regions.size());
  if (n == 0) return ok();
  auto next = c.query(
      "UPDATE export_state SET value = value + $1 WHERE name = 'next_change' RETURNING value", {n});
  if (!next) return fail(next.error());
  if (next->empty()) return fail(ErrorCode::Internal, "export_state has no next_change");
  std::int64_t seq = next->at(0).get<std::int64_t>(0).value_or(0) - n;

  auto region_params = [&](const std::string& code, const ArchiveRegion& r) {
    return storage::Params{code,
                           static_cast<std::int64_t>(r.level),
                           r.name,
                           nullable(r.latitude_e6),
                           nullable(r.longitude_e6),
                           seq++,
                           now.seconds};
  };
  std::vector<storage::Params> rows;
  for (const auto& [code, region] : plan.new_regions) rows.push_back(region_params(*code, *region));
  OMNI_TRY(c.execute_batch(
      "INSERT INTO region (code, level, name, latitude_e6, longitude_e6, change_seq, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7)",
      rows));
  rows.clear();
  for (const auto& [code, region] : plan.changed_regions) {
    rows.push_back(region_params(*code, *region));
  }
  OMNI_TRY(c.execute_batch(
      "UPDATE region SET level = $2, name = $3, latitude_e6 = $4, longitude_e6 = $5, "
      "change_seq = $6, updated_at = $7 WHERE code = $1",
      rows));

  // The 16 columns, and the reading cursor as $17 where the statement asks whether a point
  // is owed earlier readings (below). Built in one go: appending to a Params afterwards trips a
  // false maybe-uninitialized warning in GCC 12.
  auto point_params = [&](const ArchivePoint& p, std::optional<std::int64_t> cursor) {
    PointRow r = to_row(p);
    storage::Params v{r.code,
                      r.address,
                      r.energy,
                      r.protocol,
                      nullable(r.concentrator),
                      nullable(r.parent),
                      r.customer,
                      r.industry,
                      r.key_user,
                      r.remote,
                      r.meter_type,
                      r.multiplier,
                      r.installed,
                      nullable(r.removed),
                      seq++,
                      now.seconds,
                      nullable(cursor)};
    if (!cursor) v.pop_back();
    return v;
  };
  // A new point's readings that the exporter has already passed over (it could not place
  // them) are owed to the cloud once (the exporter's backfill), as are a re-addressed point's
  // readings under its new address. Only points that have such readings are marked, so a first
  // import before any collection costs the exporter nothing.
  auto cursor = c.query("SELECT value FROM export_state WHERE name = 'reading_cursor'");
  if (!cursor) return fail(cursor.error());
  if (cursor->empty()) return fail(ErrorCode::Internal, "export_state has no reading_cursor");
  std::int64_t passed = cursor->at(0).get<std::int64_t>(0).value_or(0);
  constexpr std::string_view kOwed =
      "CASE WHEN EXISTS (SELECT 1 FROM meter m JOIN reading_daily r ON r.meter_id = m.id "
      "WHERE m.address = $2 AND r.export_seq <= $17) THEN 1 ELSE 0 END";
  rows.clear();
  for (const ArchivePoint* p : plan.new_points) rows.push_back(point_params(*p, passed));
  OMNI_TRY(c.execute_batch(
      "INSERT INTO point (code, address, energy, protocol, concentrator, parent_code, customer, "
      "industry, key_user, remote, meter_type, multiplier, installed, removed, change_seq, "
      "updated_at, backfill) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, " +
          std::string(kOwed) + ")",
      rows));
  std::vector<storage::Params> same_address, new_address;
  for (std::size_t i = 0; i < plan.changed_points.size(); ++i) {
    if (plan.address_changed[i]) {
      new_address.push_back(point_params(*plan.changed_points[i], passed));
    } else {
      same_address.push_back(point_params(*plan.changed_points[i], std::nullopt));
    }
  }
  constexpr std::string_view kUpdate =
      "UPDATE point SET address = $2, energy = $3, protocol = $4, concentrator = $5, "
      "parent_code = $6, customer = $7, industry = $8, key_user = $9, remote = $10, "
      "meter_type = $11, multiplier = $12, installed = $13, removed = $14, change_seq = $15, "
      "updated_at = $16";
  OMNI_TRY(c.execute_batch(std::string(kUpdate) + " WHERE code = $1", same_address));
  OMNI_TRY(c.execute_batch(std::string(kUpdate) + ", backfill = " + std::string(kOwed) +
                               ", backfill_to = NULL, backfill_day = NULL WHERE code = $1",
                           new_address));
  return ok();
}

}  // namespace

std::string ImportProblem::to_string() const {
  return fmt::format("line {}: {}: {}", line, column, reason);
}

ParsedArchive parse_archive_csv(std::string_view text) {
  ParsedArchive out;
  CsvReader reader(text);
  auto header = reader.next();
  if (!header || !*header) {
    out.problems.push_back({1, "header", header ? "the file is empty" : header.error().detail});
    return out;
  }
  // Column positions by name.
  std::array<int, kColumnCount> at;
  at.fill(-1);
  const auto& names = (*header)->fields;
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::string_view name = trim(names[i]);
    std::size_t k = 0;
    while (k < kColumnCount && kColumns[k].name != name) ++k;
    if (k == kColumnCount) {
      out.problems.push_back({1, std::string(name), "unknown column"});
    } else if (at[k] >= 0) {
      out.problems.push_back({1, std::string(name), "column appears twice"});
    } else {
      at[k] = static_cast<int>(i);
    }
  }
  for (std::size_t k = 0; k < kColumnCount; ++k) {
    if (kColumns[k].required && at[k] < 0) {
      out.problems.push_back({1, std::string(kColumns[k].name), "required column is missing"});
    }
  }
  if (!out.problems.empty()) return out;

  std::unordered_map<std::string, std::size_t> code_line, address_line;
  for (;;) {
    auto next = reader.next();
    if (!next) {
      out.problems.push_back({reader.error_line(), "row", next.error().detail});
      continue;
    }
    if (!*next) break;
    const CsvRecord& rec = **next;
    if (rec.fields.size() == 1 && trim(rec.fields[0]).empty()) continue;  // blank line
    if (rec.fields.size() != names.size()) {
      out.problems.push_back(
          {rec.line, "row",
           fmt::format("{} fields, the header has {}", rec.fields.size(), names.size())});
      continue;
    }
    std::size_t before = out.problems.size();
    auto problem = [&](Column col, std::string reason) {
      out.problems.push_back({rec.line, std::string(kColumns[col].name), std::move(reason)});
    };
    auto field = [&](Column col) -> std::string_view {
      return at[col] < 0 ? std::string_view() : trim(rec.fields[static_cast<std::size_t>(at[col])]);
    };
    ArchivePoint p;
    p.line = rec.line;
    exchange::MeterRecord& r = p.record;

    auto code = BaseCode::parse(field(kCode));
    if (!code) {
      problem(kCode, code.error().detail);
    } else {
      r.code = *code;
      out.codes.insert(code->to_string());
      auto [it, fresh] = code_line.emplace(std::string(field(kCode)), rec.line);
      if (!fresh) problem(kCode, fmt::format("also on line {}", it->second));
    }
    std::optional<EnergyKind> energy;
    if (auto e = parse_energy_kind(field(kEnergy)); !e) {
      problem(kEnergy, fmt::format("'{}' is not electricity, water, gas or heat", field(kEnergy)));
    } else {
      energy = *e;
      if (code && code->kind != *e) {
        problem(kEnergy, fmt::format("{}, but the base code's energy digit says {}",
                                     energy_kind_name(*e), energy_kind_name(code->kind)));
      }
    }
    p.protocol = std::string(field(kProtocol));
    bool protocol_ok =
        std::find(std::begin(kProtocols), std::end(kProtocols), p.protocol) != std::end(kProtocols);
    if (!protocol_ok) {
      problem(kProtocol, fmt::format("'{}' is not one of dlt645-2007, dlt645-1997, dlt698, "
                                     "cjt188-2004, cjt188-2018",
                                     p.protocol));
    } else if (energy && is_dlt(p.protocol) != (*energy == EnergyKind::Electricity)) {
      problem(kProtocol,
              fmt::format("{} does not read {} meters", p.protocol, energy_kind_name(*energy)));
    }
    if (auto a = MeterAddress::from_digits(field(kAddress)); !a) {
      problem(kAddress, a.error().detail);
    } else if (a->is_wildcard() || a->is_broadcast()) {
      problem(kAddress, "a wildcard or broadcast address is not a device");
    } else {
      r.address = *a;
      std::size_t digits = a->size() * 2;
      if (protocol_ok && digits != (is_dlt(p.protocol) ? 12u : 14u)) {
        problem(kAddress, fmt::format("{} digits; {} addresses have {}", digits, p.protocol,
                                      is_dlt(p.protocol) ? 12 : 14));
      }
      auto [it, fresh] = address_line.emplace(a->to_string(), rec.line);
      if (!fresh) problem(kAddress, fmt::format("also on line {}", it->second));
    }
    if (!field(kConcentrator).empty()) {
      auto a = MeterAddress::from_digits(field(kConcentrator));
      if (!a) {
        problem(kConcentrator, a.error().detail);
      } else if (a->is_wildcard() || a->is_broadcast()) {
        problem(kConcentrator, "a wildcard or broadcast address is not a concentrator");
      } else {
        p.concentrator = *a;
      }
    }
    if (!field(kParent).empty()) {
      auto parent = BaseCode::parse(field(kParent));
      if (!parent) {
        problem(kParent, parent.error().detail);
      } else if (code && *parent == *code) {
        problem(kParent, "a point cannot be its own parent");
      } else if (!parent->is_supply()) {
        problem(kParent, "the parent must be a supply meter (room 0000)");
      } else if (code && parent->kind != code->kind) {
        problem(kParent, fmt::format("a {} meter under a {} meter", energy_kind_name(code->kind),
                                     energy_kind_name(parent->kind)));
      } else {
        r.parent = *parent;
      }
    }
    std::string_view customer = field(kCustomer);
    if (customer == "residential" || customer == "居民") {
      r.customer = exchange::CustomerType::Residential;
    } else if (customer == "non-residential" || customer == "非居民") {
      r.customer = exchange::CustomerType::NonResidential;
    } else {
      problem(kCustomer, fmt::format("'{}' is not residential or non-residential", customer));
    }
    std::string_view industry = field(kIndustry);
    if (industry.empty()) {
      r.industry = ' ';
      if (r.customer == exchange::CustomerType::NonResidential) {
        problem(kIndustry, "non-residential metering points name their GB/T 4754-2017 section");
      }
    } else if (industry.size() != 1 || !exchange::is_industry_section(industry[0])) {
      problem(kIndustry, fmt::format("'{}' is not a GB/T 4754-2017 section letter A..T", industry));
    } else if (r.customer == exchange::CustomerType::Residential) {
      problem(kIndustry, "households have no industry section (leave it empty)");
    } else {
      r.industry = industry[0];
    }
    if (!field(kKeyUser).empty()) {
      if (auto b = parse_bool(field(kKeyUser)); !b) {
        problem(kKeyUser, b.error().detail);
      } else {
        r.key_user = *b;
      }
    }
    r.remote = true;
    if (!field(kRemote).empty()) {
      if (auto b = parse_bool(field(kRemote)); !b) {
        problem(kRemote, b.error().detail);
      } else {
        r.remote = *b;
      }
    }
    if (energy) {
      static constexpr std::uint8_t kDefaultType[] = {0x10, 0x40, 0x30, 0x20};  // EnergyKind order
      r.meter_type = kDefaultType[static_cast<int>(*energy)];
    }
    if (!field(kMeterType).empty()) {
      if (auto t = parse_meter_type(field(kMeterType)); !t) {
        problem(kMeterType, t.error().detail);
      } else if (energy && !exchange::meter_type_matches(*t, *energy)) {
        problem(kMeterType,
                fmt::format("0x{:02X} is not a {} meter type", *t, energy_kind_name(*energy)));
      } else {
        r.meter_type = *t;
      }
    }
    if (!field(kMultiplier).empty()) {
      std::string_view m = field(kMultiplier);
      int v = 0;
      auto [ptr, ec] = std::from_chars(m.data(), m.data() + m.size(), v);
      if (ec != std::errc() || ptr != m.data() + m.size() || v < 1 || v > 1'000'000) {
        problem(kMultiplier, fmt::format("'{}' is not a whole number from 1 to 1000000", m));
      } else if (v != 1 && energy && *energy != EnergyKind::Electricity) {
        problem(kMultiplier, "only electricity meters have a CT × PT multiplier (else 1)");
      } else {
        r.multiplier = v;
      }
    }
    if (auto t = parse_when(field(kInstalled)); !t) {
      problem(kInstalled, t.error().detail);
    } else {
      r.installed = *t;
    }
    if (!field(kRemoved).empty()) {
      if (auto t = parse_when(field(kRemoved)); !t) {
        problem(kRemoved, t.error().detail);
      } else if (*t < r.installed) {
        problem(kRemoved, "before the installation");
      } else {
        r.removed = *t;
      }
    }
    std::optional<std::int64_t> lat, lon;
    if (!field(kLatitude).empty()) {
      if (auto v = parse_micro_degrees(field(kLatitude), 90); !v) {
        problem(kLatitude, v.error().detail);
      } else {
        lat = *v;
      }
    }
    if (!field(kLongitude).empty()) {
      if (auto v = parse_micro_degrees(field(kLongitude), 180); !v) {
        problem(kLongitude, v.error().detail);
      } else {
        lon = *v;
      }
    }
    if (field(kLatitude).empty() != field(kLongitude).empty()) {
      problem(field(kLatitude).empty() ? kLatitude : kLongitude,
              "give both coordinates or neither");
    }
    // Region names: one name (and position) per region code across the whole file.
    struct Level {
      Column column;
      RegionLevel level;
    };
    for (Level lv : {Level{kDistrict, RegionLevel::District}, Level{kStreet, RegionLevel::Street},
                     Level{kCommunity, RegionLevel::Community}}) {
      std::string_view name = field(lv.column);
      if (name.empty()) {
        problem(lv.column, "empty");
        continue;
      }
      if (!is_valid_utf8(name)) {
        problem(lv.column, "not valid UTF-8 (save the file as UTF-8)");
        continue;
      }
      if (name.size() > exchange::kMaxNameBytes) {
        problem(lv.column, fmt::format("longer than {} bytes", exchange::kMaxNameBytes));
        continue;
      }
      if (name.find_first_of("\r\n\t") != std::string_view::npos) {
        problem(lv.column, "a name is one line of text");
        continue;
      }
      if (!code) continue;
      ArchiveRegion region;
      region.line = rec.line;
      region.level = lv.level;
      region.name = std::string(name);
      if (lv.level == RegionLevel::Community) {
        region.latitude_e6 = lat;
        region.longitude_e6 = lon;
      }
      auto [it, fresh] =
          out.regions.emplace(exchange::region_code(*code, lv.level), std::move(region));
      if (fresh) continue;
      const ArchiveRegion& first = it->second;
      if (first.name != name) {
        problem(lv.column, fmt::format("'{}', but line {} names region {} '{}'", name, first.line,
                                       it->first, first.name));
      } else if (lv.level == RegionLevel::Community &&
                 (first.latitude_e6 != lat || first.longitude_e6 != lon)) {
        problem(
            lat ? kLatitude : kLongitude,
            fmt::format("community {} is placed differently on line {}", it->first, first.line));
      }
    }
    if (out.problems.size() == before) out.points.push_back(std::move(p));
  }
  std::stable_sort(out.problems.begin(), out.problems.end(),
                   [](const ImportProblem& a, const ImportProblem& b) { return a.line < b.line; });
  return out;
}

Result<ImportReport> import_archive(storage::Database& db, std::string_view csv, ImportMode mode,
                                    UtcTime now) {
  ParsedArchive parsed = parse_archive_csv(csv);
  ImportReport report;
  bool header_bad = !parsed.problems.empty() && parsed.problems.front().line == 1;
  if (header_bad) {
    report.problems = std::move(parsed.problems);
    return report;
  }
  if (mode == ImportMode::DryRun || !parsed.problems.empty()) {
    // Read only: the file's own problems and the ones the stored archive reveals, together.
    auto stored = load([&db](std::string_view sql) { return db.query(sql); });
    if (!stored) return fail(stored.error());
    plan_import(parsed, *stored, report);
    report.problems.insert(report.problems.end(), parsed.problems.begin(), parsed.problems.end());
    std::stable_sort(
        report.problems.begin(), report.problems.end(),
        [](const ImportProblem& a, const ImportProblem& b) { return a.line < b.line; });
    return report;
  }
  auto done = db.transaction([&](Connection& c) -> Status {
    // The archive lock: an import and the exporter's batch building exclude each other
    // (PostgreSQL holds the row lock to the end of the transaction; SQLite has one writer).
    OMNI_TRY(c.execute("UPDATE export_state SET value = value WHERE name = 'next_change'"));
    auto stored = load([&c](std::string_view sql) { return c.query(sql); });
    if (!stored) return fail(stored.error());
    report = ImportReport{};
    Plan plan = plan_import(parsed, *stored, report);
    if (!report.problems.empty()) return ok();
    OMNI_TRY(apply(c, plan, now));
    report.written = true;
    return ok();
  });
  if (!done) return fail(done.error());
  return report;
}

}  // namespace omni::station
