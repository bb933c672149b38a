// `omnimeter station bill` as a real process: import an archive, store a month of daily values,
// bill the month with the packaged Beijing tariffs, bill it again (nothing changes), publish a
// back-dated version (the bill is recomputed), and refuse a broken tariffs file naming the line.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "net/http_client.hpp"
#include "station_harness.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace omni::testing {
namespace {

namespace fs = std::filesystem;

// A household's base code (the worked example of docs/exchange-format.md) and its meter.
constexpr const char* kCode = "11010500301200210203011018";
constexpr const char* kMeter = "110100000101";

void write(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

std::int64_t day(int y, int m, int d) {
  // Days since 1970-01-01 (the station's Beijing day numbers), without the project's calendar.
  auto ymd = std::chrono::year_month_day{std::chrono::year{y}, std::chrono::month{unsigned(m)},
                                         std::chrono::day{unsigned(d)}};
  return std::chrono::sys_days{ymd}.time_since_epoch().count();
}

class StationBill : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = dir_.path() / "station.toml";
    write(config_, fmt::format("[database]\nbackend = \"sqlite\"\npath = \"{}\"\n",
                               (dir_.path() / "station.db").string()));
    fs::copy_file(fs::path(OMNI_SOURCE_DIR) / "packaging/etc/tariffs.toml.example",
                  dir_.path() / "tariffs.toml");
    write(dir_.path() / "archive.csv",
          fmt::format("base_code,address,energy,protocol,concentrator,parent_code,customer_type,"
                      "industry,key_user,remote,meter_type,multiplier,installed,removed,district,"
                      "street,community,latitude,longitude\r\n"
                      "{},{},electricity,dlt645-2007,110100000001,,residential,,false,true,0x40,"
                      "1,2020-05-01,,朝阳区,东华街道,朝阳区望京家园,39.99,116.47\r\n",
                      kCode, kMeter));
    auto imported = run_process({omnimeter_binary(), "station", "import", "-c", config_.string(),
                                 (dir_.path() / "archive.csv").string()});
    ASSERT_EQ(imported.exit_code, 0) << imported.err;

    // The daily values a concentrator would have delivered: 1000.00 kWh on November 1st and
    // 1300.00 on December 1st.
    storage::DatabaseOptions o;
    o.sqlite_path = (dir_.path() / "station.db").string();
    auto db = storage::open_database(o);
    ASSERT_TRUE(db.has_value()) << db.error().to_string();
    ASSERT_TRUE((*db)
                    ->execute("INSERT INTO meter (address, protocol, first_seen) VALUES ($1, 2, 0)",
                              {kMeter})
                    .has_value());
    std::int64_t seq = 1;
    for (auto [d, v] : {std::pair{day(2026, 11, 1), 100000}, std::pair{day(2026, 12, 1), 130000}}) {
      auto r = (*db)->execute(
          "INSERT INTO reading_daily (meter_id, day, value, scale, unit, quality, received_at, "
          "export_seq) SELECT id, $2, $3, 2, 'kWh', 0, 0, $4 FROM meter WHERE address = $1",
          {kMeter, d, std::int64_t{v}, seq++});
      ASSERT_TRUE(r.has_value()) << r.error().to_string();
    }
  }

  ProcessResult bill(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {omnimeter_binary(), "station", "bill",   "-c",
                                     config_.string(),   "--month", "2026-11"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_process(argv);
  }

  TempDir dir_;
  fs::path config_;
};

TEST_F(StationBill, BillsTheMonthAndRecomputesAfterABackDatedVersion) {
  // 300 kWh, the first bill of the year: all in tier 1, 300 × 0.4883 = 146.49 yuan.
  auto first = bill();
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("1 points, 1 new revisions, 0 unchanged, 0 flagged; total 146.49 yuan"),
            std::string::npos)
      << first.out;
  auto again = bill();
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("0 new revisions, 1 unchanged"), std::string::npos) << again.out;

  // A version 2 of the electricity plan, back-dated to 2026-11-01 (0.5000 yuan/kWh in tier 1):
  // the November bill is recomputed, 300 × 0.5 = 150.00 yuan.
  std::ifstream in(dir_.path() / "tariffs.toml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string anchor = "  source = \"Xinhua 2012-06-12";
  auto at = text.find(anchor);
  ASSERT_NE(at, std::string::npos);
  at = text.find('\n', at) + 1;
  text.insert(at,
              "  [[tariff.version]]\n  version = 2\n  effective = \"2026-11-01\"\n"
              "  basis = \"year\"\n  thresholds = [\"2880\", \"4800\"]\n"
              "  prices = [\"0.5000\", \"0.5500\", \"0.8000\"]\n");
  write(dir_.path() / "tariffs.toml", text);
  auto changed = bill();
  ASSERT_EQ(changed.exit_code, 0) << changed.err;
  EXPECT_NE(changed.out.find("1 earlier bills recomputed"), std::string::npos) << changed.out;
  EXPECT_NE(changed.out.find("total 150.00 yuan"), std::string::npos) << changed.out;
  storage::DatabaseOptions o;
  o.sqlite_path = (dir_.path() / "station.db").string();
  auto db = storage::open_database(o);
  ASSERT_TRUE(db.has_value());
  EXPECT_EQ(count(**db, "SELECT COUNT(*) FROM bill"), 2) << "the first revision is kept";
  EXPECT_EQ(count(**db, "SELECT amount_fen FROM bill WHERE is_current <> 0"), 15000);
}

// The running station finds tariffs.toml beside station.toml and serves the plans and the
// month's bills over HTTP.
TEST_F(StationBill, TheRunningStationServesTariffsAndBills) {
  ASSERT_EQ(bill().exit_code, 0);
  write(config_, fmt::format("[station]\nport = 0\n[station.http]\nport = 0\n"
                             "[database]\nbackend = \"sqlite\"\npath = \"{}\"\n",
                             (dir_.path() / "station.db").string()));
  ChildProcess station({omnimeter_binary(), "station", "-c", config_.string()});
  auto line = station.wait_for_line("API on http://", std::chrono::seconds(30));
  ASSERT_TRUE(line) << station.err();
  const auto port = static_cast<std::uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
  net::HttpClient client(net::HttpClientOptions{.port = port});
  auto tariffs = client.get("/api/v1/tariffs");
  ASSERT_TRUE(tariffs.has_value());
  EXPECT_EQ(tariffs->status, 200) << tariffs->body;
  EXPECT_NE(tariffs->body.find("0.4883"), std::string::npos) << tariffs->body;
  auto bills = client.get("/api/v1/bills?month=2026-11");
  ASSERT_TRUE(bills.has_value());
  EXPECT_EQ(bills->status, 200) << bills->body;
  EXPECT_NE(bills->body.find(kCode), std::string::npos) << bills->body;
  EXPECT_NE(bills->body.find("14649"), std::string::npos) << "146.49 yuan in fen: " << bills->body;
}

TEST_F(StationBill, RefusesABrokenTariffsFileNamingTheLine) {
  write(dir_.path() / "broken.toml",
        "[[tariff]]\nid = \"e\"\nunit = \"kWh\"\n  [[tariff.version]]\n  version = 1\n"
        "  effective = \"2026-01-01\"\n  prices = [\"0.48831\"]\n");
  auto r = bill({"--tariffs", (dir_.path() / "broken.toml").string()});
  EXPECT_EQ(r.exit_code, 78);
  EXPECT_NE(r.err.find("broken.toml:7: tariff[0].version[0].prices"), std::string::npos) << r.err;
  auto month = run_process(
      {omnimeter_binary(), "station", "bill", "-c", config_.string(), "--month", "2026-13"});
  EXPECT_EQ(month.exit_code, 2) << month.err;
  EXPECT_NE(month.err.find("--month"), std::string::npos) << month.err;
}

}  // namespace
}  // namespace omni::testing
