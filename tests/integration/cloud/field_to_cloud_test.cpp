// The whole chain as operators deploy it, each part its own process on real sockets: the
// simulated field (DL/T 698.45 concentrators) → the master station (archive imported from the
// utility's CSV, daily values collected) → the exchange ([station.exchange], batches over HTTP)
// → the cloud (data centre, statistics API). Every reading the station stores reaches the cloud
// once, and the cloud's user base is the archive's. The batches travel in the SM2/SM4 envelope
// (SEC-11) with keys and certificates made by `omnimeter ctl pki`, and the cloud refuses plain
// ones.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "net/http_client.hpp"
#include "storage/database.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace omni::testing {
namespace {

using namespace std::chrono_literals;

std::int64_t count(storage::Database& db, const std::string& sql) {
  auto rows = db.query(sql);
  if (!rows || rows->empty()) return -1;
  return rows->at(0).get<std::int64_t>(0).value_or(-1);
}

std::uint16_t port_of(const std::string& line) {
  std::smatch m;
  if (!std::regex_search(line, m, std::regex(":(\\d+)/"))) return 0;
  return static_cast<std::uint16_t>(std::stoi(m[1]));
}

TEST(FieldToCloud, EveryStoredReadingReachesTheCloudOnce) {
  TempDir dir("omni-chain");
  const std::string pki = (dir / "pki").string();
  for (std::vector<std::string> args :
       {std::vector<std::string>{"init", "--org", "City of Beijing"},
        {"issue", "--role", "cloud", "--id", "cloud-1", "--sm2"},
        {"issue", "--role", "cloud", "--id", "cloud-1", "--sm2", "--encryption"},
        {"issue", "--role", "station", "--id", "city-01", "--sm2"}}) {
    args.insert(args.begin() + 1, "--dir");
    args.insert(args.begin() + 2, pki);
    args.insert(args.begin(), {omnimeter_binary(), "ctl", "pki"});
    auto r = run_process(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const std::string cloud_keys = pki + "/issued/cloud-1/";
  std::ofstream(dir / "cloud.toml")
      << "[cloud.http]\nport = 0\n[cloud.gateway.envelope]\npki_dir = \"" << pki
      << "\"\nenc_key = \"" << cloud_keys << "sm2-enc/key.pem\"\nenc_cert = \"" << cloud_keys
      << "sm2-enc/cert.pem\"\nsign_key = \"" << cloud_keys << "sm2-sign/key.pem\"\nsign_cert = \""
      << cloud_keys << "sm2-sign/cert.pem\"\n[database]\npath = \"" << (dir / "cloud.db").string()
      << "\"\n";
  ChildProcess cloud({omnimeter_binary(), "cloud", "-c", (dir / "cloud.toml").string()});
  auto cloud_line = cloud.wait_for_line("Omnimeter cloud on http://", 30s);
  ASSERT_TRUE(cloud_line) << cloud.err();
  const std::uint16_t cloud_port = port_of(*cloud_line);

  const std::string sim_head =
      "[sim]\nseed = 11\nmeters = 600\nmeters_per_concentrator = 300\nstart = \"2026-11-20\"\n"
      "speed = 1800\n";
  std::ofstream(dir / "sim-archive.toml") << sim_head;
  auto archive = run_process(
      {omnimeter_binary(), "sim", "archive", "-c", (dir / "sim-archive.toml").string()});
  ASSERT_EQ(archive.exit_code, 0) << archive.err;
  std::ofstream(dir / "archive.csv", std::ios::binary) << archive.out;
  // Customer meters per energy, as the archive says (supply meters have room 0000).
  std::map<std::string, int> customers;
  {
    std::istringstream rows(archive.out);
    std::string row;
    std::getline(rows, row);  // header
    while (std::getline(rows, row)) {
      std::vector<std::string> fields;
      std::stringstream line(row);
      for (std::string f; std::getline(line, f, ',');) fields.push_back(f);
      if (fields.size() < 3) continue;
      if (fields[0].substr(18, 4) != "0000") ++customers[fields[2]];
    }
  }

  std::ofstream(dir / "station.toml")
      << "[station]\nlisten = \"127.0.0.1\"\nport = 0\ncollect_every = \"2s\"\n"
      << "simulated_start = \"2026-11-20\"\nsimulated_speed = 1800\n"
      << "[station.http]\nenabled = false\n"
      << "[station.exchange]\nenabled = true\nstation_id = \"city-01\"\ncloud_port = " << cloud_port
      << "\ninterval = \"500ms\"\nbatch_records = 500\n"
      << "[station.exchange.envelope]\nsign_key = \"" << pki
      << "/issued/city-01/sm2-sign/key.pem\"\n"
      << "sign_cert = \"" << pki << "/issued/city-01/sm2-sign/cert.pem\"\ncloud_enc_cert = \""
      << cloud_keys << "sm2-enc/cert.pem\"\ncloud_sign_cert = \"" << cloud_keys
      << "sm2-sign/cert.pem\"\n"
      << "[database]\npath = \"" << (dir / "station.db").string() << "\"\n";
  auto import = run_process({omnimeter_binary(), "station", "import", "-c",
                             (dir / "station.toml").string(), (dir / "archive.csv").string()});
  ASSERT_EQ(import.exit_code, 0) << import.err << import.out;

  ChildProcess station({omnimeter_binary(), "station", "-c", (dir / "station.toml").string()});
  auto line = station.wait_for_line("listening on port", 20s);
  ASSERT_TRUE(line) << station.err();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(*line, m, std::regex("port (\\d+)")));
  std::ofstream(dir / "sim.toml") << sim_head
                                  << "[sim.station]\nhost = \"127.0.0.1\"\nport = " << m[1]
                                  << "\nheartbeat = \"10min\"\n";
  ChildProcess sim({omnimeter_binary(), "sim", "-c", (dir / "sim.toml").string()});

  storage::DatabaseOptions so, co;
  so.sqlite_path = (dir / "station.db").string();
  co.sqlite_path = (dir / "cloud.db").string();
  auto station_db = storage::open_database(so);
  auto cloud_db = storage::open_database(co);
  ASSERT_TRUE(station_db && cloud_db);
  // Done when the station holds three full days and the cloud has caught up with it.
  std::int64_t at_station = 0, at_cloud = 0;
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (std::chrono::steady_clock::now() < deadline) {
    at_station = count(**station_db, "SELECT COUNT(*) FROM reading_daily");
    at_cloud = count(**cloud_db, "SELECT COUNT(*) FROM reading");
    if (at_station >= 3 * 600 * 99 / 100 && at_cloud == at_station) break;
    std::this_thread::sleep_for(500ms);
  }
  std::this_thread::sleep_for(1s);  // one more upload round: nothing may arrive twice
  at_station = count(**station_db, "SELECT COUNT(*) FROM reading_daily");
  at_cloud = count(**cloud_db, "SELECT COUNT(*) FROM reading");
  EXPECT_GE(at_station, 3 * 600 * 99 / 100);
  EXPECT_EQ(at_cloud, at_station) << "every stored reading, once";
  EXPECT_EQ(count(**cloud_db, "SELECT COUNT(*) FROM reading WHERE changes > 0"), 0);

  net::HttpClient client({.port = cloud_port});
  // A plain batch is refused: this cloud takes only envelopes.
  auto plain = client.post("/api/v1/exchange/batches",
                           "OMX|1|city-01|999|2026-11-20T00:00:00Z|0|"
                           "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b\n",
                           "text/plain");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 403) << plain->body;
  auto info = client.get("/api/v1/info");
  ASSERT_TRUE(info);
  auto days = nlohmann::json::parse(info->body)["data"];
  ASSERT_FALSE(days["last_day"].is_null()) << info->body;
  auto overview = client.get("/api/v1/stats/overview?from=" + days["first_day"].get<std::string>() +
                             "&to=" + days["last_day"].get<std::string>());
  ASSERT_TRUE(overview);
  for (const auto& e : nlohmann::json::parse(overview->body)["energies"]) {
    const std::string energy = e["energy"];
    EXPECT_EQ(e["points"].get<int>(), customers[energy]) << energy;
    if (customers[energy] > 0) {
      EXPECT_GT(e["usage"].get<double>(), 0.0) << energy;
    }
  }
  EXPECT_EQ(station.terminate(), 0);
  EXPECT_EQ(cloud.terminate(), 0);
}

}  // namespace
}  // namespace omni::testing
