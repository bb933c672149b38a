// Import of the utility's archive on both back ends: a good file is stored with its regions,
// every kind of bad row is reported by line and column and nothing is written, a dry run writes
// nothing, a re-import changes nothing, and a changed row or region becomes an archive change.
#include "station/store/archive_import.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "sim/archive/archive.hpp"
#include "station_db.hpp"

namespace omni::station {
namespace {

using testing::ArchiveFile;
using testing::code;

class ArchiveImportTest : public testing::StationDbTest {
 protected:
  ArchiveFile small_file() {
    ArchiveFile f;
    std::string supply = code(1, 0, 0, EnergyKind::Electricity).to_string();
    f.add(ArchiveFile::electricity(0, "110100000100"));
    f.add(ArchiveFile::electricity(101, "110100000101", supply));
    f.add(ArchiveFile::electricity(102, "110100000102", supply));
    auto water = ArchiveFile::electricity(0, "78330000000200");
    water["base_code"] = code(0, 0, 0, EnergyKind::Water).to_string();
    water["energy"] = "water";
    water["protocol"] = "cjt188-2004";
    water["meter_type"] = "0x10";
    f.add(water);
    auto tap = ArchiveFile::electricity(101, "78330000000201",
                                        code(0, 0, 0, EnergyKind::Water).to_string());
    tap["base_code"] = code(1, 1, 101, EnergyKind::Water).to_string();
    tap["energy"] = "water";
    tap["protocol"] = "cjt188-2018";
    tap["meter_type"] = "0x10";
    tap["concentrator"] = "";
    f.add(tap);
    return f;
  }

  Result<ImportReport> import(const std::string& text, ImportMode mode = ImportMode::Apply,
                              std::int64_t now = 1'000'000) {
    return import_archive(*db_, text, mode, UtcTime{now});
  }

  std::vector<std::string> problems(const ArchiveFile& f) {
    auto report = import(f.text());
    EXPECT_TRUE(report.has_value()) << report.error().to_string();
    std::vector<std::string> out;
    if (report) {
      EXPECT_FALSE(report->written);
      for (const auto& p : report->problems) out.push_back(p.to_string());
    }
    return out;
  }
};

TEST_P(ArchiveImportTest, GoodFileStoresPointsAndRegions) {
  auto report = import(small_file().text());
  ASSERT_TRUE(report.has_value()) << report.error().to_string();
  ASSERT_TRUE(report->problems.empty()) << report->problems[0].to_string();
  EXPECT_TRUE(report->written);
  EXPECT_EQ(report->points.added, 5);
  EXPECT_EQ(report->regions.added, 3) << "one district, one street, one community";
  EXPECT_EQ(count("SELECT COUNT(*) FROM point"), 5);
  EXPECT_EQ(count("SELECT COUNT(*) FROM region"), 3);
  std::string household = code(1, 1, 101, EnergyKind::Electricity).to_string();
  auto row = db_->query(
      "SELECT address, energy, protocol, concentrator, parent_code, customer, industry, "
      "key_user, remote, meter_type, multiplier, installed, removed, backfill FROM point "
      "WHERE code = $1",
      {household});
  ASSERT_TRUE(row && row->size() == 1);
  const auto& r = row->at(0);
  EXPECT_EQ(r.get<std::string>(0).value(), "110100000101");
  EXPECT_EQ(r.get<std::int64_t>(1).value(), 1) << "energy as the base code's digit";
  EXPECT_EQ(r.get<std::string>(2).value(), "dlt645-2007");
  EXPECT_EQ(r.get<std::string>(3).value(), "110100000001");
  EXPECT_EQ(r.get<std::string>(4).value(), code(1, 0, 0, EnergyKind::Electricity).to_string());
  EXPECT_EQ(r.get<std::int64_t>(5).value(), 0);
  EXPECT_EQ(r.get<std::string>(6).value(), "");
  EXPECT_EQ(r.get<std::int64_t>(9).value(), 0x40);
  // 2020-05-01 00:00 Beijing = 2020-04-30T16:00:00Z.
  EXPECT_EQ(r.get<std::int64_t>(11).value(), 1588262400);
  EXPECT_TRUE(r.is_null(12));
  EXPECT_EQ(r.get<std::int64_t>(13).value(), 0) << "no readings of it yet: nothing owed";
  auto community = db_->query(
      "SELECT level, name, latitude_e6, longitude_e6 FROM region WHERE code = '110105001001'");
  ASSERT_TRUE(community && community->size() == 1);
  EXPECT_EQ(community->at(0).get<std::int64_t>(0).value(),
            static_cast<std::int64_t>(exchange::RegionLevel::Community));
  EXPECT_EQ(community->at(0).get<std::string>(1).value(), "朝阳区望京家园");
  EXPECT_EQ(community->at(0).get<std::int64_t>(2).value(), 39'990'000);
  EXPECT_EQ(community->at(0).get<std::int64_t>(3).value(), 116'470'000);
  EXPECT_EQ(count("SELECT COUNT(*) FROM region WHERE code = '110105001' AND name = '东华街道'"), 1);
}

TEST_P(ArchiveImportTest, EveryKindOfBadRowIsReportedAndNothingIsWritten) {
  ArchiveFile f = small_file();  // lines 2..6 are good
  auto bad = [&](std::map<std::string, std::string> change, std::uint16_t room) {
    auto row = ArchiveFile::electricity(room, fmt::format("1101000009{:02}", f.size()),
                                        code(1, 0, 0, EnergyKind::Electricity).to_string());
    for (auto& [k, v] : change) row[k] = v;
    f.add(row);
  };
  std::string good_code = code(1, 1, 301, EnergyKind::Electricity).to_string();
  std::string damaged = good_code;
  damaged.back() = damaged.back() == '9' ? '0' : static_cast<char>(damaged.back() + 1);
  bad({{"base_code", damaged}}, 201);                                                 // 7
  bad({{"energy", "water"}}, 202);                                                    // 8
  bad({{"energy", "steam"}}, 203);                                                    // 9
  bad({{"protocol", "modbus"}}, 204);                                                 // 10
  bad({{"protocol", "cjt188-2004"}}, 205);                                            // 11
  bad({{"address", "11010000X001"}}, 206);                                            // 12
  bad({{"address", "78330000000999"}}, 207);                                          // 13
  bad({{"base_code", code(1, 1, 101, EnergyKind::Electricity).to_string()}}, 208);    // 14
  bad({{"address", "110100000101"}}, 209);                                            // 15
  bad({{"concentrator", "1101AAAA0001"}}, 210);                                       // 16
  bad({{"parent_code", code(1, 1, 101, EnergyKind::Electricity).to_string()}}, 211);  // 17
  bad({{"parent_code", code(0, 0, 0, EnergyKind::Water).to_string()}}, 212);          // 18
  bad({{"parent_code", code(1, 1, 213, EnergyKind::Electricity).to_string()}}, 213);  // 19
  bad({{"parent_code", code(2, 0, 0, EnergyKind::Electricity).to_string()}}, 214);    // 20
  bad({{"customer_type", "business"}}, 215);                                          // 21
  bad({{"industry", "F"}}, 216);                                                      // 22
  bad({{"customer_type", "non-residential"}}, 217);                                   // 23
  bad({{"customer_type", "non-residential"}, {"industry", "Z"}}, 218);                // 24
  bad({{"key_user", "maybe"}}, 219);                                                  // 25
  bad({{"meter_type", "0x10"}}, 220);                                                 // 26
  bad({{"meter_type", "ten"}}, 221);                                                  // 27
  bad({{"multiplier", "0"}}, 222);                                                    // 28
  bad({{"installed", "2020-13-01"}}, 223);                                            // 29
  bad({{"removed", "2019-01-01"}}, 224);                                              // 30
  bad({{"latitude", ""}}, 225);                                                       // 31
  bad({{"latitude", "91.5"}}, 226);                                                   // 32
  bad({{"community", ""}}, 227);                                                      // 33
  bad({{"street", "西华街道"}}, 228);                                                 // 34
  bad({{"latitude", "39.000001"}}, 229);                                              // 35
  bad({{"remote", "sometimes"}}, 230);                                                // 36
  bad({{"district", "朝阳\xff"}}, 231);                                               // 37
  bad({{"longitude", "116.1234567"}}, 232);                                           // 38
  auto water = ArchiveFile::electricity(233, "78330000000233");                       // 39
  water["base_code"] = code(1, 1, 233, EnergyKind::Water).to_string();
  water["energy"] = "water";
  water["protocol"] = "cjt188-2004";
  water["meter_type"] = "0x10";
  water["multiplier"] = "50";
  f.add(water);
  std::string text = f.text();
  text += "1,2,3\r\n";                                // 40
  text += "\"" + good_code + "\"x,110100000941\r\n";  // 41
  auto report = import(text);
  ASSERT_TRUE(report.has_value());
  EXPECT_FALSE(report->written);
  std::vector<std::string> lines;
  for (const auto& p : report->problems) lines.push_back(p.to_string());
  auto has = [&](std::size_t line, std::string_view column) {
    std::string prefix = fmt::format("line {}: {}: ", line, column);
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& l) { return l.starts_with(prefix); });
  };
  EXPECT_TRUE(has(7, "base_code"));
  EXPECT_TRUE(has(8, "energy"));
  EXPECT_TRUE(has(9, "energy"));
  EXPECT_TRUE(has(10, "protocol"));
  EXPECT_TRUE(has(11, "protocol"));
  EXPECT_TRUE(has(12, "address"));
  EXPECT_TRUE(has(13, "address")) << "14 digits for a DL/T 645 meter";
  EXPECT_TRUE(has(14, "base_code")) << "duplicate code";
  EXPECT_TRUE(has(15, "address")) << "duplicate address";
  EXPECT_TRUE(has(16, "concentrator"));
  EXPECT_TRUE(has(17, "parent_code")) << "parent is not a supply meter";
  EXPECT_TRUE(has(18, "parent_code")) << "parent of another energy";
  EXPECT_TRUE(has(19, "parent_code")) << "its own parent";
  EXPECT_TRUE(has(20, "parent_code")) << "parent neither in the file nor in the archive";
  EXPECT_TRUE(has(21, "customer_type"));
  EXPECT_TRUE(has(22, "industry")) << "a household with an industry";
  EXPECT_TRUE(has(23, "industry")) << "non-residential without a section";
  EXPECT_TRUE(has(24, "industry"));
  EXPECT_TRUE(has(25, "key_user"));
  EXPECT_TRUE(has(26, "meter_type")) << "a water meter type on an electricity meter";
  EXPECT_TRUE(has(27, "meter_type"));
  EXPECT_TRUE(has(28, "multiplier"));
  EXPECT_TRUE(has(29, "installed"));
  EXPECT_TRUE(has(30, "removed"));
  EXPECT_TRUE(has(31, "latitude")) << "longitude without latitude";
  EXPECT_TRUE(has(32, "latitude"));
  EXPECT_TRUE(has(33, "community"));
  EXPECT_TRUE(has(34, "street")) << "another name for street 110105001";
  EXPECT_TRUE(has(35, "latitude")) << "community placed differently";
  EXPECT_TRUE(has(36, "remote"));
  EXPECT_TRUE(has(37, "district")) << "not UTF-8";
  EXPECT_TRUE(has(38, "longitude")) << "seven decimals";
  EXPECT_TRUE(has(39, "multiplier")) << "a multiplier on a water meter";
  EXPECT_TRUE(has(40, "row")) << "wrong number of fields";
  EXPECT_TRUE(has(41, "row")) << "text after a closing quote";
  // The good lines are not blamed, and every bad line is.
  for (std::size_t line = 2; line <= 6; ++line) {
    EXPECT_FALSE(std::any_of(
        lines.begin(), lines.end(),
        [&](const std::string& l) { return l.starts_with(fmt::format("line {}:", line)); }))
        << "line " << line;
  }
  for (const auto& l : lines) SCOPED_TRACE(l);
  EXPECT_EQ(count("SELECT COUNT(*) FROM point"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM region"), 0);
}

TEST_P(ArchiveImportTest, HeaderProblemsAreReported) {
  auto unknown = import("base_code,adress,energy\r\n");
  ASSERT_TRUE(unknown.has_value());
  std::vector<std::string> lines;
  for (const auto& p : unknown->problems) lines.push_back(p.to_string());
  EXPECT_NE(std::find(lines.begin(), lines.end(), "line 1: adress: unknown column"), lines.end());
  EXPECT_NE(std::find(lines.begin(), lines.end(), "line 1: address: required column is missing"),
            lines.end());
  auto empty = import("");
  ASSERT_TRUE(empty.has_value());
  ASSERT_EQ(empty->problems.size(), 1u);
  EXPECT_EQ(empty->problems[0].column, "header");
}

TEST_P(ArchiveImportTest, ProblemsOnlyTheStoredArchiveRevealsAreReported) {
  ASSERT_TRUE(import(small_file().text()).has_value());
  // A new point with an address an archived point owns, and one whose parent is archived only.
  ArchiveFile f;
  f.add(ArchiveFile::electricity(301, "110100000101",
                                 code(1, 0, 0, EnergyKind::Electricity).to_string()));
  f.add(ArchiveFile::electricity(302, "110100000302",
                                 code(1, 0, 0, EnergyKind::Electricity).to_string()));
  auto got = problems(f);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].starts_with("line 2: address: 110100000101 belongs to point ")) << got[0];
  EXPECT_EQ(count("SELECT COUNT(*) FROM point"), 5);
}

TEST_P(ArchiveImportTest, DryRunWritesNothing) {
  ArchiveFile f = small_file();
  auto dry = import(f.text(), ImportMode::DryRun);
  ASSERT_TRUE(dry.has_value()) << dry.error().to_string();
  EXPECT_TRUE(dry->problems.empty());
  EXPECT_FALSE(dry->written);
  EXPECT_EQ(dry->points.added, 5);
  EXPECT_EQ(dry->regions.added, 3);
  EXPECT_EQ(count("SELECT COUNT(*) FROM point"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM region"), 0);
  EXPECT_EQ(count("SELECT value FROM export_state WHERE name = 'next_change'"), 1);

  ASSERT_TRUE(import(f.text()).has_value());
  f.row(1)["key_user"] = "true";
  f.row(0)["community"] = "朝阳区望京新村";
  f.row(1)["community"] = "朝阳区望京新村";
  f.row(2)["community"] = "朝阳区望京新村";
  f.row(3)["community"] = "朝阳区望京新村";
  f.row(4)["community"] = "朝阳区望京新村";
  auto changes = import(f.text(), ImportMode::DryRun);
  ASSERT_TRUE(changes.has_value());
  EXPECT_EQ(changes->points.changed, 1);
  EXPECT_EQ(changes->points.unchanged, 4);
  EXPECT_EQ(changes->regions.changed, 1);
  EXPECT_EQ(changes->regions.unchanged, 2);
  EXPECT_EQ(count("SELECT key_user FROM point WHERE address = '110100000101'"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM region WHERE name = '朝阳区望京新村'"), 0);
}

TEST_P(ArchiveImportTest, ReimportIsIdempotentAndChangesGetNewChangeNumbers) {
  ArchiveFile f = small_file();
  ASSERT_TRUE(import(f.text()).has_value());
  std::int64_t last = count("SELECT MAX(change_seq) FROM point");
  std::int64_t next = count("SELECT value FROM export_state WHERE name = 'next_change'");
  EXPECT_EQ(next, 9) << "5 points and 3 regions numbered 1..8";

  auto again = import(f.text(), ImportMode::Apply, 2'000'000);
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->written);
  EXPECT_EQ(again->points.unchanged, 5);
  EXPECT_EQ(again->points.added + again->points.changed, 0);
  EXPECT_EQ(again->regions.unchanged, 3);
  EXPECT_EQ(count("SELECT MAX(change_seq) FROM point"), last);
  EXPECT_EQ(count("SELECT value FROM export_state WHERE name = 'next_change'"), next);
  EXPECT_EQ(count("SELECT MAX(updated_at) FROM point"), 1'000'000);

  // One changed field, one re-addressed meter, one renamed street.
  f.row(2)["multiplier"] = "40";
  f.row(1)["address"] = "110100000777";
  for (std::size_t i = 0; i < f.size(); ++i) f.row(i)["street"] = "西华街道";
  auto changed = import(f.text(), ImportMode::Apply, 3'000'000);
  ASSERT_TRUE(changed.has_value());
  ASSERT_TRUE(changed->problems.empty()) << changed->problems[0].to_string();
  EXPECT_EQ(changed->points.changed, 2);
  EXPECT_EQ(changed->regions.changed, 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM point WHERE change_seq > " + std::to_string(last)), 2);
  EXPECT_EQ(count("SELECT multiplier FROM point WHERE address = '110100000102'"), 40);
  EXPECT_EQ(count("SELECT COUNT(*) FROM point WHERE address = '110100000777' AND code = '" +
                  code(1, 1, 101, EnergyKind::Electricity).to_string() + "'"),
            1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM region WHERE name = '西华街道' AND updated_at = 3000000"),
            1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM point"), 5);
}

TEST_P(ArchiveImportTest, TheSimulatorsArchiveImportsCleanly) {
  sim::City city = sim::generate_city({21, 3000});
  std::string text;
  sim::write_archive_csv(city, {}, [&text](std::string_view chunk) { text += chunk; });
  auto report = import(text);
  ASSERT_TRUE(report.has_value()) << report.error().to_string();
  ASSERT_TRUE(report->problems.empty()) << report->problems[0].to_string();
  EXPECT_EQ(report->points.added, static_cast<std::int64_t>(city.meters.size()));
  EXPECT_EQ(count("SELECT COUNT(*) FROM point"), static_cast<std::int64_t>(city.meters.size()));
  auto again = import(text, ImportMode::DryRun);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->points.unchanged, static_cast<std::int64_t>(city.meters.size()));
  EXPECT_EQ(again->regions.added + again->regions.changed, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, ArchiveImportTest,
                         ::testing::Values(storage::Backend::Sqlite, storage::Backend::Postgres),
                         testing::backend_label);

}  // namespace
}  // namespace omni::station
