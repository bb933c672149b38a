#pragma once
// A migrated station database on SQLite (a file in a temporary folder) or PostgreSQL (a fresh
// database in the throw-away test cluster), for tests parameterised on the back end, and small
// builders of archive files.

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "exchange/records.hpp"
#include "station/store/schema.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "support/pg_cluster.hpp"
#include "support/temp_dir.hpp"

namespace omni::station::testing {

class StationDbTest : public ::testing::TestWithParam<storage::Backend> {
 protected:
  void SetUp() override {
    storage::DatabaseOptions o = options();
    auto db = storage::open_database(o);
    ASSERT_TRUE(db.has_value()) << db.error().to_string();
    db_ = std::move(*db);
    auto applied = storage::migrate(*db_, "station", station_migrations());
    ASSERT_TRUE(applied.has_value()) << applied.error().to_string();
  }

  // Options for this test's database (a second connection to it opens the same data).
  storage::DatabaseOptions options() {
    storage::DatabaseOptions o;
    o.backend = GetParam();
    if (o.backend == storage::Backend::Sqlite) {
      o.sqlite_path = (dir_ / "station.db").string();
    } else {
      if (!pg_created_) {
        omni::testing::PgCluster::shared().recreate_database("station_export_test");
        pg_created_ = true;
      }
      o.pg_conninfo = omni::testing::PgCluster::shared().conninfo("station_export_test");
    }
    return o;
  }

  std::int64_t count(std::string_view sql) {
    auto rows = db_->query(sql);
    if (!rows || rows->empty()) return -1;
    return rows->at(0).get<std::int64_t>(0).value_or(-1);
  }

  omni::testing::TempDir dir_;
  std::unique_ptr<storage::Database> db_;
  bool pg_created_ = false;
};

inline std::string backend_label(const ::testing::TestParamInfo<storage::Backend>& info) {
  return std::string(storage::backend_name(info.param));
}

// A metering point's base code in one community of Chaoyang (110105 001 001).
inline exchange::BaseCode code(std::uint16_t building, std::uint8_t unit, std::uint16_t room,
                               EnergyKind kind, std::uint16_t community = 1) {
  exchange::BaseCode c;
  c.county = 110105;
  c.street = 1;
  c.community = community;
  c.building = building;
  c.unit = unit;
  c.room = room;
  c.kind = kind;
  c.sequence = 1;
  return c;
}

// An archive file built row by row: each row a column → value map over sensible defaults.
class ArchiveFile {
 public:
  static constexpr const char* kHeader =
      "base_code,address,energy,protocol,concentrator,parent_code,customer_type,industry,"
      "key_user,remote,meter_type,multiplier,installed,removed,district,street,community,"
      "latitude,longitude";
  using Row = std::map<std::string, std::string>;

  // An electricity household of building 1 (or a supply meter when room is 0).
  static Row electricity(std::uint16_t room, std::string address, std::string parent = "") {
    return {{"base_code", code(1, room ? 1 : 0, room, EnergyKind::Electricity).to_string()},
            {"address", std::move(address)},
            {"energy", "electricity"},
            {"protocol", "dlt645-2007"},
            {"concentrator", "110100000001"},
            {"parent_code", std::move(parent)},
            {"customer_type", room ? "residential" : "non-residential"},
            {"industry", room ? "" : "D"},
            {"key_user", "false"},
            {"remote", "true"},
            {"meter_type", "0x40"},
            {"multiplier", "1"},
            {"installed", "2020-05-01"},
            {"removed", ""},
            {"district", "朝阳区"},
            {"street", "东华街道"},
            {"community", "朝阳区望京家园"},
            {"latitude", "39.990000"},
            {"longitude", "116.470000"}};
  }

  void add(Row row) { rows_.push_back(std::move(row)); }
  Row& row(std::size_t i) { return rows_.at(i); }
  std::size_t size() const { return rows_.size(); }

  std::string text() const {
    static const std::vector<std::string> kColumns = split(kHeader);
    std::string out = std::string(kHeader) + "\r\n";
    for (const auto& r : rows_) {
      for (std::size_t i = 0; i < kColumns.size(); ++i) {
        if (i) out += ',';
        auto it = r.find(kColumns[i]);
        if (it != r.end()) out += it->second;
      }
      out += "\r\n";
    }
    return out;
  }

 private:
  static std::vector<std::string> split(std::string_view s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
      std::size_t comma = s.find(',', start);
      out.emplace_back(s.substr(start, comma - start));
      if (comma == std::string_view::npos) return out;
      start = comma + 1;
    }
  }
  std::vector<Row> rows_;
};

}  // namespace omni::station::testing
