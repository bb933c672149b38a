// Data-centre ingest throughput and dashboard query latency.
//
//   cloud_bench [points] [days] [pg_days] [communities]
//        defaults 50000 30 10 3300; pg_days 0 skips PostgreSQL, communities 0 skips queries
//
// Ingest: a city-like stream of daily frozen values (every point once a day, in batches of
// 10,000 readings; 1 % of each day's values arrive a day late and 0.5 % are sent twice) into
// DataCentre::ingest with every rollup and idempotency maintained, and, in the same run and
// file, a plain append of the same rows into a bare table (execute_batch, one transaction per
// batch). Issue 7 targets: >= 500,000 readings/s into SQLite, ratio >= 0.25. For SQLite the same
// figures per CPU second of this process are printed too: they vary far less than wall time on
// a machine shared with builds, which makes before/after comparisons possible.
//
// Queries: the rollups of a city of 1,000,000 meters (`communities` communities of ~300 points,
// four energies, household and two non-household classes each) with a year of daily data are
// written directly (the raw readings are not needed by any query), then each query of the
// statistics API runs 200 times with random parameters; p50/p95 per query (target p95 <= 50 ms).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <map>
#include <random>

#include "cloud/store/data_centre.hpp"
#include "cloud/store/internal.hpp"
#include "support/pg_cluster.hpp"
#include "support/temp_dir.hpp"

using namespace omni;
using namespace omni::cloud;
using exchange::BaseCode;
using Clock = std::chrono::steady_clock;

namespace {

[[noreturn]] void die(std::string_view what, const Error& e) {
  fmt::print(stderr, "{}: {}\n", what, e.to_string());
  std::exit(1);
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// CPU seconds of this process. The machine is shared with builds: wall time swings by a third
// between runs, the CPU the ingest itself used much less (SQLite works in this process; a
// PostgreSQL server's work is not counted, so the figure is printed for SQLite only).
double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

// ---------------------------------------------------------------------------------------------
// Ingest

// Point i of the bench city: 250 points per community in 5 buildings of 50; room 0 of each
// building is its electricity supply meter and the building's other electricity points hang
// under it; 70 % electricity, then water, gas, heat; one in twenty is a non-household.
BaseCode point_code(std::uint32_t i) {
  std::uint32_t community = i / 250;
  BaseCode c;
  c.county = 110101 + community / 100;
  c.street = static_cast<std::uint16_t>((community / 10) % 10 + 1);
  c.community = static_cast<std::uint16_t>(community % 10 + 1);
  c.building = static_cast<std::uint16_t>((i / 50) % 5 + 1);
  c.room = static_cast<std::uint16_t>(i % 50);
  c.unit = c.room == 0 ? 0 : 1;
  std::uint32_t e = i % 10;
  c.kind = (c.room == 0 || e < 7) ? EnergyKind::Electricity
           : e == 7               ? EnergyKind::Water
           : e == 8               ? EnergyKind::Gas
                                  : EnergyKind::Heat;
  c.sequence = 1;
  return c;
}

Unit unit_of(EnergyKind k) {
  return k == EnergyKind::Electricity ? Unit::kWh : k == EnergyKind::Heat ? Unit::GJ : Unit::m3;
}

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  return x ^ (x >> 33);
}

struct IngestFigures {
  double archive_s = 0, ingest_s = 0, plain_s = 0, plain_multi_s = 0, rebuild_s = 0;
  double ingest_cpu_s = 0, plain_multi_cpu_s = 0;
  bool rebuild_equal = false;
  std::int64_t readings = 0, stored = 0, same = 0, late = 0;
};

IngestFigures run_ingest(storage::Database& db, std::uint32_t points, int days) {
  IngestFigures f;
  DataCentre dc(db);
  if (auto m = dc.migrate(); !m) die("migrate", m.error());
  const std::int64_t d0 = days_from_civil(2025, 3, 1);
  auto midnight = [](std::int64_t day) { return UtcTime{day * 86400 - 8 * 3600}; };
  std::uint64_t sequence = 0;

  auto t = Clock::now();
  for (std::uint32_t first = 0; first < points; first += 10'000) {
    exchange::Batch b;
    b.station = "bench";
    b.sequence = ++sequence;
    for (std::uint32_t i = first; i < std::min(points, first + 10'000); ++i) {
      exchange::MeterRecord m;
      m.code = point_code(i);
      m.address = *MeterAddress::from_digits(fmt::format("{:012}", i + 1));
      if (m.code.room != 0 && m.code.kind == EnergyKind::Electricity) {
        BaseCode supply = m.code;
        supply.room = 0, supply.unit = 0;
        m.parent = supply;
      }
      if (i % 20 == 19) {
        m.customer = exchange::CustomerType::NonResidential;
        m.industry = static_cast<char>('F' + i % 5);
      }
      m.remote = i % 50 != 7;
      m.installed = midnight(d0 - 100);
      b.meters.push_back(m);
    }
    auto out = dc.ingest(b, fmt::format("a{}", sequence), midnight(d0 - 1));
    if (!out) die("archive", out.error());
  }
  f.archive_s = seconds_since(t);

  std::vector<std::int64_t> reg(points);
  for (std::uint32_t i = 0; i < points; ++i) reg[i] = static_cast<std::int64_t>(mix(i) % 1'000'000);
  std::vector<exchange::ReadingRecord> held;  // late or repeated: sent with tomorrow's batches
  std::vector<exchange::Batch> batches;
  for (int d = 0; d < days; ++d) {
    // Build the day's batches first (not timed), then ingest them.
    batches.clear();
    std::vector<exchange::ReadingRecord> next_held;
    for (std::uint32_t first = 0; first < points; first += 10'000) {
      exchange::Batch b;
      b.station = "bench";
      b.sequence = ++sequence;
      b.created = midnight(d0 + d);
      for (std::uint32_t i = first; i < std::min(points, first + 10'000); ++i) {
        BaseCode c = point_code(i);
        reg[i] += static_cast<std::int64_t>(500 + mix(i * 1000003ULL + static_cast<unsigned>(d)) % 1500);
        exchange::ReadingRecord r{c, midnight(d0 + d), Quantity{reg[i], 2, unit_of(c.kind)},
                                  static_cast<std::uint8_t>(c.kind == EnergyKind::Electricity ? 0x40 : 0x10),
                                  exchange::Quality::Measured};
        std::uint64_t h = mix(i * 7919ULL + static_cast<unsigned>(d) * 104729ULL) % 1000;
        if (h < 10 && d + 1 < days) {
          next_held.push_back(r);  // late by a day
          continue;
        }
        if (h >= 10 && h < 15) next_held.push_back(r);  // sent again tomorrow
        b.readings.push_back(r);
      }
      batches.push_back(std::move(b));
    }
    // Yesterday's late and repeated values come with the day's last batch, after the points of
    // the earlier batches have today's value: out of order for them.
    for (auto& r : held) batches.back().readings.push_back(r);
    held = std::move(next_held);
    auto start = Clock::now();
    double cpu = cpu_seconds();
    for (auto& b : batches) {
      auto out = dc.ingest(b, fmt::format("r{}", b.sequence), midnight(d0 + d) + 7200);
      if (!out) die("ingest", out.error());
      f.readings += static_cast<std::int64_t>(b.readings.size());
      f.stored += out->readings_new;
      f.same += out->readings_same;
      f.late += out->rederived_points;
    }
    f.ingest_s += seconds_since(start);
    f.ingest_cpu_s += cpu_seconds() - cpu;
    // The same rows appended to a bare table, batch for batch.
    std::vector<std::vector<storage::Params>> rows;
    for (const auto& b : batches) {
      auto& v = rows.emplace_back();
      v.reserve(b.readings.size());
      for (const auto& r : b.readings) {
        v.push_back({r.at.seconds, static_cast<std::int64_t>(r.code.community_region() % 1000000 * 1000 + r.code.room),
                     r.value.mantissa(), r.value.scale(), "kWh", 0});
      }
    }
    if (d == 0) {
      auto st = db.transaction([](storage::Connection& c) {
        return c.execute_script(
            "CREATE TABLE plain_append (at BIGINT NOT NULL, point BIGINT NOT NULL, "
            "mantissa BIGINT NOT NULL, scale INTEGER NOT NULL, unit TEXT NOT NULL, "
            "quality INTEGER NOT NULL)");
      });
      if (!st) die("create", st.error());
    }
    // Two ways: a statement per row (execute_batch), and 64 rows a statement as ingest writes
    // the reading table; the ratio is taken against the faster.
    start = Clock::now();
    for (const auto& v : rows) {
      auto st = db.transaction([&](storage::Connection& c) -> Status {
        auto n = c.execute_batch(
            "INSERT INTO plain_append (at, point, mantissa, scale, unit, quality) "
            "VALUES ($1, $2, $3, $4, $5, $6)",
            v);
        if (!n) return fail(n.error());
        return ok();
      });
      if (!st) die("append", st.error());
    }
    f.plain_s += seconds_since(start);
    start = Clock::now();
    cpu = cpu_seconds();
    for (const auto& v : rows) {
      std::vector<storage::Value> flat;
      flat.reserve(v.size() * 6);
      for (const auto& row : v) flat.insert(flat.end(), row.begin(), row.end());
      auto st = db.transaction([&](storage::Connection& c) -> Status {
        return detail::insert_rows(
            c, "INSERT INTO plain_append (at, point, mantissa, scale, unit, quality) VALUES", "",
            6, flat);
      });
      if (!st) die("append", st.error());
    }
    f.plain_multi_s += seconds_since(start);
    f.plain_multi_cpu_s += cpu_seconds() - cpu;
  }
  // Fast is not enough: the rebuilt rollups must equal the incremental ones.
  auto totals = [&] {
    auto r = db.query(
        "SELECT CAST(SUM(usage) AS BIGINT), CAST(SUM(kgce) AS BIGINT), CAST(SUM(points) AS "
        "BIGINT), COUNT(*) FROM region_day");
    if (!r) die("totals", r.error());
    return fmt::format("{}|{}|{}|{}", r->at(0).get<std::int64_t>(0).value_or(0),
                       r->at(0).get<std::int64_t>(1).value_or(0),
                       r->at(0).get<std::int64_t>(2).value_or(0),
                       r->at(0).get<std::int64_t>(3).value_or(0));
  };
  std::string incremental = totals();
  auto start = Clock::now();
  if (auto st = dc.rebuild_rollups(); !st) die("rebuild", st.error());
  f.rebuild_s = seconds_since(start);
  f.rebuild_equal = totals() == incremental;
  return f;
}

void print_ingest(std::string_view backend, std::uint32_t points, int days, const IngestFigures& f,
                  bool in_process) {
  double rate = static_cast<double>(f.readings) / f.ingest_s;
  double plain = static_cast<double>(f.readings) / f.plain_s;
  double multi = static_cast<double>(f.readings) / f.plain_multi_s;
  fmt::print("{}: {} points x {} days, archive {:.2f} s\n", backend, points, days, f.archive_s);
  fmt::print("  ingest with rollups   {:>10.0f} readings/s  ({} readings: {} new, {} repeats, "
             "{} points re-derived for late values; {:.2f} s)\n",
             rate, f.readings, f.stored, f.same, f.late, f.ingest_s);
  fmt::print("  plain append          {:>10.0f} rows/s (a statement per row)\n", plain);
  fmt::print("  plain append          {:>10.0f} rows/s (64 rows a statement)\n", multi);
  fmt::print("  ratio                 {:>10.2f}   (against the faster append; targets: >= 500000 "
             "readings/s, ratio >= 0.25)\n",
             rate / std::max(plain, multi));
  if (in_process) {
    double cpu_rate = static_cast<double>(f.readings) / f.ingest_cpu_s;
    double cpu_multi = static_cast<double>(f.readings) / f.plain_multi_cpu_s;
    fmt::print(
        "  per CPU second        {:>10.0f} readings/s with rollups, {:.0f} rows/s appended "
        "(64 a statement), ratio {:.2f}\n",
        cpu_rate, cpu_multi, cpu_rate / cpu_multi);
  }
  fmt::print("  rebuild_rollups       {:>10.2f} s     (region totals {} the incremental ones)\n",
             f.rebuild_s, f.rebuild_equal ? "equal" : "DIFFER FROM");
}

// ---------------------------------------------------------------------------------------------
// Queries

struct ClassRow {
  int energy, customer;
  char industry;
  std::int64_t points;
  std::int64_t daily;  // usage per point per day, µunits
  std::int64_t coal_num, coal_den;
};
constexpr ClassRow kClasses[] = {
    {1, 0, ' ', 270, 8'000'000, 1229, 10000}, {1, 1, 'F', 10, 60'000'000, 1229, 10000},
    {1, 1, 'H', 5, 90'000'000, 1229, 10000},  {2, 0, ' ', 250, 300'000, 857, 10000},
    {3, 0, ' ', 200, 1'000'000, 12143, 10000}, {4, 0, ' ', 150, 200'000, 3412, 100},
};

struct Key {
  std::int64_t bucket, region;
  int level, energy, customer;
  char industry;
  auto operator<=>(const Key&) const = default;
};
struct Sum {
  std::int64_t usage = 0, kgce = 0, points = 0;
};

std::int64_t community_code(int c) {
  return (110101LL + c / 200) * 1'000'000 + ((c / 20) % 10 + 1) * 1000 + (c % 20 + 1);
}

void add_expanded(std::map<Key, Sum>& m, std::int64_t bucket, std::int64_t community,
                  const ClassRow& cls, std::int64_t usage, std::int64_t points) {
  const std::int64_t regions[4] = {0, community / 1'000'000, community / 1000, community};
  const int levels[4] = {0, 6, 9, 12};
  std::int64_t kgce = usage * cls.coal_num / cls.coal_den;
  // The rows ingest keeps (see expand() in internal.cpp): the class, the customer type, all.
  const std::pair<int, char> classes[3] = {{cls.customer, cls.industry}, {cls.customer, '*'}, {2, '*'}};
  for (int i = 0; i < 4; ++i) {
    for (auto [c, ind] : classes) {
      Sum& s = m[{bucket, regions[i], levels[i], cls.energy, c, ind}];
      s.usage += usage, s.kgce += kgce, s.points += points;
    }
  }
}

void write_rows(storage::Database& db, const char* table, const char* col,
                const std::map<Key, Sum>& m) {
  std::vector<storage::Params> rows;
  rows.reserve(m.size());
  for (const auto& [k, s] : m) {
    rows.push_back({k.bucket, k.region, k.level, k.energy, k.customer, std::string(1, k.industry),
                    s.usage, s.kgce, s.points});
  }
  std::string sql = fmt::format(
      "INSERT INTO {} ({}, region, level, energy, customer, industry, usage, kgce, points) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      table, col);
  auto st = db.transaction([&](storage::Connection& c) -> Status {
    auto n = c.execute_batch(sql, rows);
    if (!n) return fail(n.error());
    return ok();
  });
  if (!st) die("rollup rows", st.error());
}

void build_city(storage::Database& db, int communities, std::int64_t d0) {
  std::mt19937_64 rng(7);
  // Regions with names, and per-community point counts.
  {
    std::vector<storage::Params> regions;
    std::map<std::int64_t, bool> seen;
    for (int c = 0; c < communities; ++c) {
      std::int64_t code = community_code(c);
      for (auto [digits, v] : {std::pair{6, code / 1'000'000}, std::pair{9, code / 1000},
                               std::pair{12, code}}) {
        if (seen[v]) continue;
        seen[v] = true;
        std::string s = fmt::format("{:0{}}", v, digits);
        regions.push_back({s, digits, fmt::format("区域{}", s),
                           digits == 6 ? storage::Value() : storage::Value(s.substr(0, digits == 9 ? 6 : 9)),
                           39'900'000 + static_cast<std::int64_t>(rng() % 200'000),
                           116'300'000 + static_cast<std::int64_t>(rng() % 300'000), 0});
      }
    }
    std::map<Key, Sum> counts;
    for (int c = 0; c < communities; ++c) {
      for (const auto& cls : kClasses) add_expanded(counts, 0, community_code(c), cls, 0, cls.points);
    }
    std::vector<storage::Params> pts;
    for (const auto& [k, s] : counts) {
      pts.push_back({k.region, k.level, k.energy, k.customer, std::string(1, k.industry), s.points,
                     s.points * 95 / 100, k.customer == 1 ? s.points / 10 : 0});
    }
    auto st = db.transaction([&](storage::Connection& c) -> Status {
      auto n = c.execute_batch(
          "INSERT INTO region (code, level, name, parent, lat_e6, lon_e6, updated_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7)",
          regions);
      if (!n) return fail(n.error());
      n = c.execute_batch(
          "INSERT INTO region_points (region, level, energy, customer, industry, points, remote, "
          "key_users) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
          pts);
      if (!n) return fail(n.error());
      return ok();
    });
    if (!st) die("regions", st.error());
  }
  // A year of day rows, month rows as the sums of their days.
  std::map<Key, Sum> month;
  int current_month = 0;
  for (std::int64_t d = d0; d < d0 + 365; ++d) {
    int y = 0, m = 0, dd = 0;
    civil_from_days(d, y, m, dd);
    int ym = y * 100 + m;
    if (current_month != 0 && ym != current_month) {
      write_rows(db, "region_month", "month", month);
      month.clear();
    }
    current_month = ym;
    std::map<Key, Sum> day;
    for (int c = 0; c < communities; ++c) {
      for (const auto& cls : kClasses) {
        std::int64_t usage = cls.points * cls.daily / 100 *
                             (80 + static_cast<std::int64_t>(mix(static_cast<std::uint64_t>(c * 977 + d)) % 40));
        add_expanded(day, d, community_code(c), cls, usage, cls.points);
        add_expanded(month, ym, community_code(c), cls, usage, 0);
      }
    }
    write_rows(db, "region_day", "day", day);
  }
  write_rows(db, "region_month", "month", month);
  // Supply meters: one per 50 points, a month table for the year and a day table for a month.
  std::vector<storage::Params> sm, sd;
  int supplies = communities * 300 / 50;
  for (int s = 0; s < supplies; ++s) {
    int c = s / 6;
    BaseCode code;
    std::int64_t comm = community_code(c);
    code.county = static_cast<std::uint32_t>(comm / 1'000'000);
    code.street = static_cast<std::uint16_t>(comm / 1000 % 1000);
    code.community = static_cast<std::uint16_t>(comm % 1000);
    code.building = static_cast<std::uint16_t>(s % 6 + 1);
    code.room = 0;
    std::string text = code.to_string();
    for (int m = 1; m <= 12; ++m) {
      std::int64_t children = 1'500'000'000 + static_cast<std::int64_t>(mix(static_cast<std::uint64_t>(s * 13 + m)) % 500'000'000);
      sm.push_back({202400 + m, text, 1, comm, children * 105 / 100, 1500, children, 45});
    }
    for (std::int64_t d = d0; d < d0 + 31; ++d) {
      sd.push_back({d, text, 1, comm, 52'000'000, 48, 50'000'000, 45});
    }
  }
  auto st = db.transaction([&](storage::Connection& c) -> Status {
    auto n = c.execute_batch(
        "INSERT INTO supply_month (month, code, energy, community, usage, intervals, "
        "child_usage, children) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        sm);
    if (!n) return fail(n.error());
    n = c.execute_batch(
        "INSERT INTO supply_day (day, code, energy, community, usage, intervals, child_usage, "
        "children) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        sd);
    if (!n) return fail(n.error());
    return ok();
  });
  if (!st) die("supply", st.error());
}

// Runs a query `runs` times; prints p50/p95/max and the rows of the last answer (a query that
// answers nothing fast proves nothing).
template <class F>
void time_query(std::string_view name, int runs, F&& f) {
  std::vector<double> ms;
  std::size_t rows = 0;
  for (int i = 0; i < runs; ++i) {
    auto t = Clock::now();
    rows = f(i);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
  }
  std::sort(ms.begin(), ms.end());
  fmt::print("  {:<52} p50 {:>6.2f} ms  p95 {:>6.2f} ms  max {:>6.2f} ms  ({} rows)\n", name,
             ms[ms.size() / 2], ms[ms.size() * 95 / 100], ms.back(), rows);
}

template <class T>
std::size_t check(const Result<std::vector<T>>& r, std::string_view what) {
  if (!r) die(what, r.error());
  return r->size();
}
std::size_t check(const Result<Comparison>& r, std::string_view what) {
  if (!r) die(what, r.error());
  return r->current != 0 ? 1 : 0;
}

void run_queries(storage::Database& db, int communities) {
  DataCentre dc(db);
  if (auto m = dc.migrate(); !m) die("migrate", m.error());
  const std::int64_t d0 = days_from_civil(2024, 1, 1);
  auto t = Clock::now();
  build_city(db, communities, d0);
  auto n = db.query("SELECT COUNT(*) FROM region_day");
  fmt::print("queries: {} communities (~{} meters), one year; {} region_day rows written in "
             "{:.0f} s\n",
             communities, communities * 300, n ? n->at(0).get<std::int64_t>(0).value_or(0) : 0,
             seconds_since(t));
  std::mt19937_64 rng(11);
  auto community = [&] { return fmt::format("{:012}", community_code(static_cast<int>(rng() % static_cast<unsigned>(communities)))); };
  const int runs = 200;
  auto month_range = [&](UsageFilter& f) {
    int m = 1 + static_cast<int>(rng() % 12);
    f.from_day = days_from_civil(2024, m, 1);
    f.to_day = f.from_day + days_in_month(2024, m) - 1;
  };
  time_query("series: community, electricity, 30 days by day", runs, [&](int) {
    UsageFilter f;
    f.region = community();
    f.energy = EnergyKind::Electricity;
    f.from_day = d0 + static_cast<std::int64_t>(rng() % 330);
    f.to_day = f.from_day + 29;
    return check(dc.usage_series(f, Granularity::Day), "series");
  });
  time_query("series: city, all energies (kgce), year by month", runs, [&](int) {
    UsageFilter f;
    f.from_day = d0;
    f.to_day = d0 + 365 - 1;
    return check(dc.usage_series(f, Granularity::Month), "series");
  });
  time_query("series: district, gas, 90 days by week", runs, [&](int) {
    UsageFilter f;
    f.region = community().substr(0, 6);
    f.energy = EnergyKind::Gas;
    f.from_day = d0 + static_cast<std::int64_t>(rng() % 270);
    f.to_day = f.from_day + 89;
    return check(dc.usage_series(f, Granularity::Week), "series");
  });
  time_query("series: street, electricity, households, 2024 by day", runs, [&](int) {
    UsageFilter f;
    f.region = community().substr(0, 9);
    f.energy = EnergyKind::Electricity;
    f.customer = exchange::CustomerType::Residential;
    f.from_day = d0;
    f.to_day = d0 + 365 - 1;
    return check(dc.usage_series(f, Granularity::Day), "series");
  });
  time_query("compare: street, electricity, month (MoM, YoY)", runs, [&](int) {
    UsageFilter f;
    f.region = community().substr(0, 9);
    f.energy = EnergyKind::Electricity;
    return check(
        dc.compare(f, Granularity::Month, d0 + 40 + static_cast<std::int64_t>(rng() % 300)),
        "compare");
  });
  time_query("rank: top 100 communities, electricity, a month", runs, [&](int) {
    UsageFilter f;
    f.energy = EnergyKind::Electricity;
    month_range(f);
    return check(dc.rank_regions(f, 12, RankBy::Usage, 100), "rank");
  });
  time_query("rank: top 100 communities, kgce, 10 days", runs, [&](int) {
    UsageFilter f;
    f.from_day = d0 + static_cast<std::int64_t>(rng() % 350);
    f.to_day = f.from_day + 9;
    return check(dc.rank_regions(f, 12, RankBy::Kgce, 100), "rank");
  });
  time_query("rank: streets of a district, kgce, a year", runs, [&](int) {
    UsageFilter f;
    f.region = community().substr(0, 6);
    f.from_day = d0;
    f.to_day = d0 + 365 - 1;
    return check(dc.rank_regions(f, 9, RankBy::Kgce, 100), "rank");
  });
  time_query("losses: top 100 supply meters, a month", runs, [&](int) {
    UsageFilter f;
    f.energy = EnergyKind::Electricity;
    month_range(f);
    return check(dc.losses(f, 100), "losses");
  });
  time_query("industries: city, electricity, a month", runs, [&](int) {
    UsageFilter f;
    f.energy = EnergyKind::Electricity;
    month_range(f);
    return check(dc.industry_totals(f), "industries");
  });
  time_query("energy shares: district, a year", runs, [&](int) {
    UsageFilter f;
    f.region = community().substr(0, 6);
    f.from_day = d0;
    f.to_day = d0 + 365 - 1;
    return check(dc.energy_shares(f), "shares");
  });
  time_query("user base and coverage: district", runs, [&](int) {
    std::string r = community().substr(0, 6);
    return check(dc.user_base(r), "user base") + check(dc.coverage(r), "coverage");
  });
}

}  // namespace

int main(int argc, char** argv) {
  auto points = static_cast<std::uint32_t>(argc > 1 ? std::atoi(argv[1]) : 50'000);
  int days = argc > 2 ? std::atoi(argv[2]) : 30;
  int pg_days = argc > 3 ? std::atoi(argv[3]) : 10;
  int communities = argc > 4 ? std::atoi(argv[4]) : 3300;
  omni::testing::TempDir dir("omni-cloud-bench");
  {
    storage::DatabaseOptions o;
    o.sqlite_path = (dir / "ingest.db").string();
    auto db = storage::open_database(o);
    if (!db) die("open", db.error());
    print_ingest("SQLite (WAL, synchronous=FULL)", points, days, run_ingest(**db, points, days),
                 true);
  }
  if (pg_days > 0) {
    auto& pg = omni::testing::PgCluster::shared();
    pg.recreate_database("cloud_bench");
    storage::DatabaseOptions o;
    o.backend = storage::Backend::Postgres;
    o.pg_conninfo = pg.conninfo("cloud_bench");
    auto db = storage::open_database(o);
    if (!db) die("open", db.error());
    print_ingest("PostgreSQL 15 (throw-away cluster, fsync off)", points, pg_days,
                 run_ingest(**db, points, pg_days), false);
  }
  if (communities > 0) {
    storage::DatabaseOptions o;
    o.sqlite_path = (dir / "queries.db").string();
    auto db = storage::open_database(o);
    if (!db) die("open", db.error());
    fmt::print("SQLite ");
    run_queries(**db, communities);
  }
  return 0;
}
