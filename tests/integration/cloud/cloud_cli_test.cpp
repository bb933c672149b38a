// `omnimeter cloud -c cloud.toml` as operators run it: batches arrive through the data-service
// API and the drop folder, and the statistics API answers with the numbers they imply. The
// small city here is written out by hand so every expected figure can be checked by eye:
//
//   朝阳区 110105 / 望京街道 110105003 / 望京西园 110105003012, building 0021:
//     supply meter (room 0000)  1000.00 → 1017.00 → 1040.00 kWh   usage 17, 23
//     household 0301            100.00 →  110.00 →  125.00 kWh   usage 10, 15
//     household 0302             50.00 →   55.00 →   60.00 kWh   usage  5,  5
//     household 0301 water      10.000 →  10.400 →  10.900 m³    usage 0.4, 0.5
//   Readings are the daily frozen values of 1–3 January 2026, so usage falls on 1 and 2 January.
//   Loss of the building supply meter: 40 − 35 = 5 kWh, 12.5 %.
//   Building 0022: supply 2000 → 2100 → 2200 kWh, household 0401 1000 → 1090 → 1180 kWh: loss
//   20 kWh, 10 %. Electricity customers use 105 kWh on 1 January and 110 on 2 January.

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "exchange/batch.hpp"
#include "net/http_client.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace omni {
namespace {

using Json = nlohmann::json;

exchange::BaseCode code(std::uint16_t room, EnergyKind kind, std::uint16_t building = 21) {
  exchange::BaseCode c;
  c.county = 110105;
  c.street = 3;
  c.community = 12;
  c.building = building;
  c.unit = room == 0 ? 0 : 3;
  c.room = room;
  c.kind = kind;
  c.sequence = 1;
  return c;
}

exchange::MeterRecord meter(std::uint16_t room, EnergyKind kind, const char* address,
                            std::uint16_t building = 21) {
  exchange::MeterRecord m;
  m.code = code(room, kind, building);
  m.address = *MeterAddress::from_digits(address);
  m.meter_type = kind == EnergyKind::Electricity ? 0x40 : 0x10;
  m.installed = UtcTime{1'735'660'800};  // 2025-01-01
  if (room == 0) {
    m.customer = exchange::CustomerType::NonResidential;
    m.industry = 'D';
  } else if (kind == EnergyKind::Electricity) {
    m.parent = code(0, kind, building);
  }
  return m;
}

// The daily frozen value of Beijing day 2026-01-(1+i): 16:00 UTC the day before.
exchange::ReadingRecord reading(std::uint16_t room, EnergyKind kind, int i, std::int64_t value,
                                int scale, std::uint16_t building = 21) {
  exchange::ReadingRecord r;
  r.code = code(room, kind, building);
  r.at = UtcTime{1'767'225'600 - 8 * 3600 + i * 86'400};
  r.value = Quantity(value, scale, kind == EnergyKind::Electricity ? Unit::kWh : Unit::m3);
  r.meter_type = kind == EnergyKind::Electricity ? 0x40 : 0x10;
  return r;
}

exchange::Batch city_batch(std::uint64_t sequence) {
  exchange::Batch b;
  b.station = "elec-01";
  b.sequence = sequence;
  b.created = UtcTime{1'767'400'000};
  b.regions = {{"110105", exchange::RegionLevel::District, "朝阳区", 39.92, 116.44},
               {"110105003", exchange::RegionLevel::Street, "望京街道", {}, {}},
               {"110105003012", exchange::RegionLevel::Community, "望京西园", 40.0, 116.47}};
  b.meters = {meter(0, EnergyKind::Electricity, "000000000100"),
              meter(301, EnergyKind::Electricity, "000000000101"),
              meter(302, EnergyKind::Electricity, "000000000102"),
              meter(301, EnergyKind::Water, "00000000000301"),
              meter(0, EnergyKind::Electricity, "000000000200", 22),
              meter(401, EnergyKind::Electricity, "000000000201", 22)};
  const std::int64_t supply[] = {100000, 101700, 104000};
  const std::int64_t h301[] = {10000, 11000, 12500};
  const std::int64_t h302[] = {5000, 5500, 6000};
  const std::int64_t w301[] = {10000, 10400, 10900};
  const std::int64_t supply22[] = {200000, 210000, 220000};
  const std::int64_t h22_401[] = {100000, 109000, 118000};
  for (int i = 0; i < 3; ++i) {
    b.readings.push_back(reading(0, EnergyKind::Electricity, i, supply[i], 2));
    b.readings.push_back(reading(301, EnergyKind::Electricity, i, h301[i], 2));
    b.readings.push_back(reading(302, EnergyKind::Electricity, i, h302[i], 2));
    b.readings.push_back(reading(301, EnergyKind::Water, i, w301[i], 3));
    b.readings.push_back(reading(0, EnergyKind::Electricity, i, supply22[i], 2, 22));
    b.readings.push_back(reading(401, EnergyKind::Electricity, i, h22_401[i], 2, 22));
  }
  return b;
}

class CloudCli : public ::testing::Test {
 protected:
  void start() {
    std::ofstream(dir_ / "cloud.toml")
        << "[cloud.http]\nport = 0\n"
        << "[cloud.gateway]\ndrop_folder = \"" << (dir_ / "drop").string()
        << "\"\nscan_every = \"200ms\"\n"
        << "[database]\npath = \"" << (dir_ / "cloud.db").string() << "\"\n";
    cloud_ = std::make_unique<testing::ChildProcess>(std::vector<std::string>{
        testing::omnimeter_binary(), "cloud", "-c", (dir_ / "cloud.toml").string()});
    auto line =
        cloud_->wait_for_line("Omnimeter cloud on http://127.0.0.1:", std::chrono::seconds(30));
    ASSERT_TRUE(line) << "the cloud did not start";
    port_ = static_cast<std::uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
    client_ = std::make_unique<net::HttpClient>(net::HttpClientOptions{.port = port_});
  }
  Json get(const std::string& target, int expect = 200) {
    auto r = client_->get(target);
    EXPECT_TRUE(r) << r.error().to_string();
    if (!r) return {};
    EXPECT_EQ(r->status, expect) << target << ": " << r->body;
    return Json::parse(r->body, nullptr, false);
  }
  net::ClientResponse post(const std::string& text) {
    auto r = client_->post("/api/v1/exchange/batches", text, "text/plain; charset=utf-8");
    EXPECT_TRUE(r) << r.error().to_string();
    return r ? *r : net::ClientResponse{};
  }

  testing::TempDir dir_{"omni-cloud-cli"};
  std::unique_ptr<testing::ChildProcess> cloud_;
  std::unique_ptr<net::HttpClient> client_;
  std::uint16_t port_ = 0;
};

TEST_F(CloudCli, BatchesInStatisticsOut) {
  start();
  auto first = post(exchange::write_batch(city_batch(1)));
  EXPECT_EQ(first.status, 200) << first.body;
  auto ack = Json::parse(first.body);
  EXPECT_EQ(ack["status"], "accepted");
  EXPECT_EQ(ack["sequence"], 1);
  // The same batch again: acknowledged, nothing changes.
  auto again = post(exchange::write_batch(city_batch(1)));
  EXPECT_EQ(Json::parse(again.body)["status"], "duplicate");
  // The same sequence with other content: refused.
  exchange::Batch other = city_batch(1);
  other.readings.pop_back();
  EXPECT_EQ(post(exchange::write_batch(other)).status, 409);
  // Damaged on the way: refused before the store, named as such.
  std::string text = exchange::write_batch(city_batch(2));
  text[text.size() - 3] = text[text.size() - 3] == '1' ? '2' : '1';
  auto damaged = post(text);
  EXPECT_EQ(damaged.status, 400);
  EXPECT_EQ(Json::parse(damaged.body)["code"], "bad_checksum");

  Json info = get("/api/v1/info");
  EXPECT_EQ(info["data"]["first_day"], "2026-01-01");
  EXPECT_EQ(info["data"]["last_day"], "2026-01-02");

  Json overview = get("/api/v1/stats/overview?from=2026-01-01&to=2026-01-02");
  std::map<std::string, Json> energies;
  for (const auto& e : overview["energies"]) energies[e["energy"]] = e;
  // Consumption counts the customers' meters; the supply meter is for losses, not a customer.
  EXPECT_DOUBLE_EQ(energies["electricity"]["usage"].get<double>(), 215.0);
  EXPECT_DOUBLE_EQ(energies["water"]["usage"].get<double>(), 0.9);
  EXPECT_EQ(energies["electricity"]["unit"], "kWh");
  EXPECT_NEAR(energies["electricity"]["kgce"].get<double>(), 215.0 * 0.1229, 1e-9);
  EXPECT_EQ(energies["electricity"]["residential"], 3);

  Json series =
      get("/api/v1/stats/series?energy=electricity&granularity=day&from=2026-01-01&to=2026-01-31");
  ASSERT_EQ(series["points"].size(), 2u);
  EXPECT_EQ(series["points"][0]["period"], "2026-01-01");
  EXPECT_DOUBLE_EQ(series["points"][0]["value"].get<double>(), 105.0);
  EXPECT_DOUBLE_EQ(series["points"][1]["value"].get<double>(), 110.0);

  Json districts =
      get("/api/v1/stats/regions?level=district&energy=electricity&from=2026-01-01&to=2026-01-31");
  ASSERT_EQ(districts["rows"].size(), 1u);
  EXPECT_EQ(districts["rows"][0]["code"], "110105");
  EXPECT_EQ(districts["rows"][0]["name"], "朝阳区");
  EXPECT_DOUBLE_EQ(districts["rows"][0]["value"].get<double>(), 215.0);

  Json losses = get("/api/v1/stats/losses?energy=electricity&from=2026-01-01&to=2026-01-31");
  // Ranked by the amount lost by default: building 22 loses 20 kWh (10 %), building 21 5 (12.5 %).
  ASSERT_EQ(losses["rows"].size(), 2u);
  EXPECT_EQ(losses["rows"][0]["code"], code(0, EnergyKind::Electricity, 22).to_string());
  EXPECT_DOUBLE_EQ(losses["rows"][0]["loss"].get<double>(), 20.0);
  EXPECT_DOUBLE_EQ(losses["rows"][0]["loss_pct"].get<double>(), 10.0);
  EXPECT_EQ(losses["rows"][1]["code"], code(0, EnergyKind::Electricity).to_string());
  EXPECT_DOUBLE_EQ(losses["rows"][1]["loss"].get<double>(), 5.0);
  EXPECT_DOUBLE_EQ(losses["rows"][1]["loss_pct"].get<double>(), 12.5);
  Json by_ratio =
      get("/api/v1/stats/losses?energy=electricity&from=2026-01-01&to=2026-01-31&sort=loss_pct");
  ASSERT_EQ(by_ratio["rows"].size(), 2u);
  EXPECT_EQ(by_ratio["rows"][0]["code"], code(0, EnergyKind::Electricity).to_string());
  get("/api/v1/stats/losses?energy=electricity&from=2026-01-01&to=2026-01-31&sort=name", 400);

  Json city = get("/api/v1/regions");
  ASSERT_EQ(city["children"].size(), 1u);
  EXPECT_EQ(city["children"][0]["name"], "朝阳区");
  Json street = get("/api/v1/regions/110105003");
  EXPECT_EQ(street["name"], "望京街道");
  EXPECT_EQ(street["parent"], "110105");
  get("/api/v1/regions/999999", 404);

  auto csv = client_->get(
      "/api/v1/stats/losses?energy=electricity&from=2026-01-01&to=2026-01-31&format=csv");
  ASSERT_TRUE(csv);
  EXPECT_EQ(csv->header("content-type"), "text/csv; charset=utf-8");
  EXPECT_NE(csv->body.find(code(0, EnergyKind::Electricity).to_string()), std::string::npos);

  // Bad queries are refused with the parameter named.
  Json bad = get("/api/v1/stats/series?energy=steam&from=2026-01-01&to=2026-01-31", 400);
  EXPECT_NE(bad["message"].get<std::string>().find("energy"), std::string::npos);
  get("/api/v1/stats/overview?from=2026-02-01&to=2026-01-01", 400);

  EXPECT_EQ(cloud_->terminate(), 0) << "a clean stop on SIGTERM";
}

TEST_F(CloudCli, DropFolderBatchesAreIngestedAndFiled) {
  start();
  std::filesystem::create_directories(dir_ / "drop");
  // As file transfer should: written under another name, renamed into place.
  std::ofstream(dir_ / "drop" / "elec-01-000001.omx.part", std::ios::binary)
      << exchange::write_batch(city_batch(1));
  std::filesystem::rename(dir_ / "drop" / "elec-01-000001.omx.part",
                          dir_ / "drop" / "elec-01-000001.omx");
  // A damaged file, old enough that nothing is still writing it.
  std::ofstream(dir_ / "drop" / "elec-01-000002.omx.part", std::ios::binary) << "not a batch\n";
  std::filesystem::last_write_time(
      dir_ / "drop" / "elec-01-000002.omx.part",
      std::filesystem::file_time_type::clock::now() - std::chrono::minutes(1));
  std::filesystem::rename(dir_ / "drop" / "elec-01-000002.omx.part",
                          dir_ / "drop" / "elec-01-000002.omx");
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < until &&
         !(std::filesystem::exists(dir_ / "drop" / "done" / "elec-01-000001.omx") &&
           std::filesystem::exists(dir_ / "drop" / "rejected" / "elec-01-000002.omx"))) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(std::filesystem::exists(dir_ / "drop" / "done" / "elec-01-000001.omx"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "drop" / "rejected" / "elec-01-000002.omx.reason"));
  Json overview = get("/api/v1/stats/overview?from=2026-01-01&to=2026-01-02");
  double electricity = 0;
  for (const auto& e : overview["energies"]) {
    if (e["energy"] == "electricity") electricity = e["usage"];
  }
  EXPECT_DOUBLE_EQ(electricity, 215.0);
  // The API then sees the file's batch as already received.
  EXPECT_EQ(Json::parse(post(exchange::write_batch(city_batch(1))).body)["status"], "duplicate");
  EXPECT_EQ(cloud_->terminate(), 0) << "a clean stop on SIGTERM";
}

TEST(CloudCliConfig, BadConfigurationExits78NamingTheKey) {
  testing::TempDir dir("omni-cloud-cfg");
  std::ofstream(dir / "cloud.toml") << "[cloud.http]\nport = 99999\nthreads = 2\n[cloud.gatway]\n";
  auto r = testing::run_process(
      {testing::omnimeter_binary(), "cloud", "-c", (dir / "cloud.toml").string()});
  EXPECT_EQ(r.exit_code, 78);
  EXPECT_NE(r.err.find("cloud.http.port"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("gatway"), std::string::npos) << r.err;
}

// P-ANA-3 and P-ANA-2 over the same hand-written city: households 0301 and 0302 used 10 and 5
// kWh on 1 January and 15 and 5 kWh on 2 January; 0301's water 0.4 and 0.5 m³. The readings end
// with the frozen value of 3 January, so 3 January has no usage yet (null, not 0).
TEST_F(CloudCli, AnalysisComparesPointsAndPeriods) {
  start();
  ASSERT_EQ(post(exchange::write_batch(city_batch(1))).status, 200);
  const std::string e301 = code(301, EnergyKind::Electricity).to_string();
  const std::string e302 = code(302, EnergyKind::Electricity).to_string();
  const std::string w301 = code(301, EnergyKind::Water).to_string();

  Json points = get("/api/v1/analysis/points?codes=" + e301 + "," + e302 + "," + w301 +
                    "&from=2026-01-01&to=2026-01-03");
  ASSERT_EQ(points["periods"], Json::parse(R"(["2026-01-01", "2026-01-02", "2026-01-03"])"));
  ASSERT_EQ(points["points"].size(), 3u);
  EXPECT_EQ(points["points"][0]["code"], e301);
  EXPECT_EQ(points["points"][0]["unit"], "kWh");
  EXPECT_EQ(points["points"][0]["values"], Json::parse("[10.0, 15.0, null]"));
  EXPECT_DOUBLE_EQ(points["points"][0]["total"].get<double>(), 25.0);
  EXPECT_EQ(points["points"][1]["values"], Json::parse("[5.0, 5.0, null]"));
  EXPECT_EQ(points["points"][2]["energy"], "water");
  EXPECT_EQ(points["points"][2]["unit"], "m³");
  EXPECT_DOUBLE_EQ(points["points"][2]["values"][0].get<double>(), 0.4);
  EXPECT_DOUBLE_EQ(points["points"][2]["total"].get<double>(), 0.9);

  // In standard coal: 25 kWh × 0.1229 kgce/kWh (GB/T 2589 calorific equivalent) = 3.0725 kgce.
  Json coal = get("/api/v1/analysis/points?codes=" + e301 +
                  "&from=2026-01-01&to=2026-01-31&granularity=month&measure=coal");
  EXPECT_EQ(coal["periods"], Json::parse(R"(["2026-01"])"));
  EXPECT_EQ(coal["points"][0]["unit"], "kgce");
  EXPECT_NEAR(coal["points"][0]["values"][0].get<double>(), 3.0725, 1e-6);

  // One point, two periods laid over each other: 1 January against 2–3 January.
  Json periods = get("/api/v1/analysis/periods?code=" + e301 +
                     "&periods=2026-01-01..2026-01-01,2026-01-02..2026-01-03");
  ASSERT_EQ(periods["periods"].size(), 2u);
  EXPECT_EQ(periods["periods"][0]["values"], Json::parse("[10.0]"));
  EXPECT_EQ(periods["periods"][1]["labels"], Json::parse(R"(["2026-01-02", "2026-01-03"])"));
  EXPECT_EQ(periods["periods"][1]["values"], Json::parse("[15.0, null]"));
  EXPECT_DOUBLE_EQ(periods["periods"][1]["total"].get<double>(), 15.0);

  // The same tables as downloads: one row per position, one column per point or period.
  auto csv = client_->get("/api/v1/analysis/periods?code=" + e301 +
                          "&periods=2026-01-01..2026-01-01,2026-01-02..2026-01-03&format=csv");
  ASSERT_TRUE(csv);
  EXPECT_NE(csv->body.find("n,2026-01-01..2026-01-01 (kWh),2026-01-02..2026-01-03 (kWh)"),
            std::string::npos)
      << csv->body;
  EXPECT_NE(csv->body.find("\r\n1,10,15\r\n2,,\r\n"), std::string::npos) << csv->body;

  // Refusals name what is wrong.
  const std::string unknown = code(999, EnergyKind::Electricity).to_string();
  EXPECT_EQ(get("/api/v1/analysis/points?codes=" + unknown + "&from=2026-01-01&to=2026-01-02",
                404)["code"],
            "not_found");
  get("/api/v1/analysis/points?codes=123&from=2026-01-01&to=2026-01-02", 400);
  get("/api/v1/analysis/points?codes=" + e301 + "&from=2026-01-01&to=2026-01-02&granularity=week",
      400);
  get("/api/v1/analysis/periods?code=" + e301 + "&periods=2026-01-01", 400);
  std::string many = e301;
  for (int i = 0; i < 20; ++i) many += "," + e301;
  get("/api/v1/analysis/points?codes=" + many + "&from=2026-01-01&to=2026-01-02", 400);
}

}  // namespace
}  // namespace omni
