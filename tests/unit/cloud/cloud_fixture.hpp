#pragma once
// Shared set-up of the data-centre tests: a migrated database on SQLite (a file) or on the
// throw-away PostgreSQL cluster, a DataCentre on it, and builders for archive and reading
// records of a small town under district 110105.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <fmt/format.h>

#include "cloud/store/data_centre.hpp"
#include "cloud/store/internal.hpp"
#include "support/pg_cluster.hpp"
#include "support/temp_dir.hpp"

namespace omni::cloud::testing {

using exchange::BaseCode;
using exchange::Batch;
using exchange::CustomerType;
using exchange::MeterRecord;
using exchange::Quality;
using exchange::ReadingRecord;
using storage::Backend;

// 00:00 Beijing of a day number = 16:00 UTC the day before: where daily frozen values sit.
inline UtcTime midnight(std::int64_t day) { return UtcTime{day * 86400 - 8 * 3600}; }
// Day numbers of a few dates used throughout.
inline std::int64_t day_of(int y, int m, int d) { return days_from_civil(y, m, d); }

inline BaseCode code(std::uint16_t street, std::uint16_t community, std::uint16_t building,
                     std::uint16_t room, EnergyKind kind = EnergyKind::Electricity,
                     std::uint8_t sequence = 1) {
  BaseCode c;
  c.county = 110105;
  c.street = street;
  c.community = community;
  c.building = building;
  c.unit = room == 0 ? 0 : 1;
  c.room = room;
  c.kind = kind;
  c.sequence = sequence;
  return c;
}

inline MeterRecord meter(const BaseCode& c, std::string_view address, UtcTime installed = {0}) {
  MeterRecord m;
  m.code = c;
  m.address = *MeterAddress::from_digits(address);
  m.installed = installed;
  m.meter_type = c.kind == EnergyKind::Electricity ? 0x40 : 0x10;
  return m;
}

// A register in hundredths of a kWh (or of the energy's unit given).
inline ReadingRecord reading(const BaseCode& c, UtcTime at, std::int64_t hundredths,
                             Unit unit = Unit::kWh, Quality q = Quality::Measured) {
  return ReadingRecord{c, at, Quantity{hundredths, 2, unit}, 0x40, q};
}

class DataCentreTest : public ::testing::TestWithParam<Backend> {
 public:
  void SetUp() override {
    storage::DatabaseOptions o;
    o.backend = GetParam();
    if (o.backend == Backend::Sqlite) {
      o.sqlite_path = (dir_ / "cloud.db").string();
    } else {
      omni::testing::PgCluster::shared().recreate_database("cloud_test");
      o.pg_conninfo = omni::testing::PgCluster::shared().conninfo("cloud_test");
    }
    auto db = storage::open_database(o);
    ASSERT_TRUE(db.has_value()) << db.error().to_string();
    db_ = std::move(*db);
    dc_ = std::make_unique<DataCentre>(*db_);
    auto st = dc_->migrate();
    ASSERT_TRUE(st.has_value()) << st.error().to_string();
  }

  // Sends a batch with the next sequence number of `station`; fails the test on an error.
  IngestOutcome send(Batch b, UtcTime now = {1'800'000'000}, DataCentre* dc = nullptr) {
    if (b.station.empty()) b.station = "st1";
    if (b.sequence == 0) b.sequence = ++sequence_;
    auto out = (dc ? dc : dc_.get())->ingest(b, "digest-" + std::to_string(b.sequence), now);
    EXPECT_TRUE(out.has_value()) << out.error().to_string();
    return out ? *out : IngestOutcome{};
  }

  std::int64_t value(std::string_view sql, std::initializer_list<storage::Value> params = {}) {
    auto rows = db_->query(sql, params);
    EXPECT_TRUE(rows.has_value()) << rows.error().to_string();
    if (!rows || rows->empty()) return -1;
    return rows->at(0).get<std::int64_t>(0).value_or(-2);
  }

  omni::testing::TempDir dir_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<DataCentre> dc_;
  std::uint64_t sequence_ = 0;
};

// Usage of one point on one day (or month with Granularity::Month), -1 without a row.
inline std::int64_t point_usage(const DataCentre& dc, const BaseCode& c, std::int64_t bucket,
                                Granularity g = Granularity::Day, bool intervals = false) {
  auto rows = dc.point_usage(c.to_string(), g, bucket, bucket);
  EXPECT_TRUE(rows.has_value()) << rows.error().to_string();
  if (!rows || rows->empty()) return -1;
  return intervals ? (*rows)[0].intervals : (*rows)[0].usage;
}

inline std::string backend_test_name(const ::testing::TestParamInfo<Backend>& info) {
  return std::string(storage::backend_name(info.param));
}

}  // namespace omni::cloud::testing

namespace omni::cloud::testing {

// Every derived row (intervals on the readings, point state, all rollups) as sorted text, for
// comparing the incrementally maintained state with a rebuild.
inline std::vector<std::string> snapshot(storage::Database& db) {
  static const char* const kQueries[] = {
      "SELECT at, point, prev_at, usage, kgce, flag, changes FROM reading ORDER BY at, point",
      "SELECT day, region, level, energy, customer, industry, usage, kgce, points FROM region_day "
      "ORDER BY day, region, energy, customer, industry",
      "SELECT month, region, level, energy, customer, industry, usage, kgce, points "
      "FROM region_month ORDER BY month, region, energy, customer, industry",
      "SELECT day, code, energy, community, usage, intervals, child_usage, children "
      "FROM supply_day ORDER BY day, code",
      "SELECT month, code, energy, community, usage, intervals, child_usage, children "
      "FROM supply_month ORDER BY month, code",
      "SELECT region, level, energy, customer, industry, points, remote, key_users "
      "FROM region_points ORDER BY region, energy, customer, industry",
  };
  std::vector<std::string> out;
  for (const char* sql : kQueries) {
    auto rows = db.query(sql);
    EXPECT_TRUE(rows.has_value()) << sql << ": " << rows.error().to_string();
    if (!rows) continue;
    out.push_back(std::string("== ") + sql);
    for (const auto& row : rows->rows) {
      std::string line;
      for (std::size_t c = 0; c < row.size(); ++c) {
        if (c) line += '|';
        std::visit(
            [&](const auto& v) {
              using T = std::decay_t<decltype(v)>;
              if constexpr (std::is_same_v<T, std::monostate>) {
                line += "NULL";
              } else if constexpr (std::is_same_v<T, std::int64_t>) {
                line += std::to_string(v);
              } else if constexpr (std::is_same_v<T, double>) {
                line += std::to_string(v);
              } else if constexpr (std::is_same_v<T, std::string>) {
                line += v;
              } else {
                line += "<blob>";
              }
            },
            row.value(c).variant());
      }
      out.push_back(std::move(line));
    }
  }
  // The point blocks, slot by slot.
  for (const char* table : {"point_day_block", "point_month_block"}) {
    auto rows = db.query(std::string("SELECT k, block, data FROM ") + table + " ORDER BY k");
    EXPECT_TRUE(rows.has_value());
    if (!rows) continue;
    out.push_back(std::string("== ") + table);
    for (const auto& row : rows->rows) {
      std::int64_t k = *row.get<std::int64_t>(0), block = *row.get<std::int64_t>(1);
      auto b = detail::decode_buckets(*row.get<storage::Blob>(2));
      for (std::size_t i = 0; i < b.slots.size(); ++i) {
        const auto& s = b.slots[i];
        if (s.empty()) continue;
        out.push_back(fmt::format("{}|{}|{}|{}|{}", (k - block) >> detail::kBlockBits,
                                  block * detail::kBlockPoints + static_cast<std::int64_t>(i),
                                  s.usage, s.kgce, s.intervals));
      }
    }
  }
  auto states = db.query("SELECT block, data FROM state_block ORDER BY block");
  EXPECT_TRUE(states.has_value());
  if (states) {
    out.push_back("== state_block");
    for (const auto& row : states->rows) {
      std::int64_t block = *row.get<std::int64_t>(0);
      auto b = detail::decode_states(*row.get<storage::Blob>(1));
      for (std::size_t i = 0; i < b.slots.size(); ++i) {
        const auto& s = b.slots[i];
        if (!s.any) continue;
        out.push_back(fmt::format("{}|{}|{}|{}|{}", block * detail::kBlockPoints + static_cast<std::int64_t>(i),
                                  s.last_at, s.has_usable, s.usable_at, s.usable_reg));
      }
    }
  }
  return out;
}

// Prints the first difference, which is far more useful than two thousand lines.
inline ::testing::AssertionResult same_rows(const std::vector<std::string>& a,
                                            const std::vector<std::string>& b) {
  std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) {
      return ::testing::AssertionFailure()
             << "line " << i << ": incremental \"" << a[i] << "\" vs rebuilt \"" << b[i] << "\"";
    }
  }
  if (a.size() != b.size()) {
    return ::testing::AssertionFailure() << "incremental has " << a.size() << " lines, rebuilt "
                                         << b.size() << " (first extra: \""
                                         << (a.size() > n ? a[n] : b[n]) << "\")";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace omni::cloud::testing
