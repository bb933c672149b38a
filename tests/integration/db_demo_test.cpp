// `omnimeter db` and `omnimeter demo` as a user runs them: the real binary, real files, a real
// PostgreSQL cluster and real sockets.
#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "support/pg_cluster.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace omni::testing {
namespace {

std::string write_config(const TempDir& dir, const std::string& text) {
  auto path = (dir / "station.toml").string();
  std::ofstream(path) << text;
  return path;
}

TEST(CliDb, MigrateAndStatusOnSqlite) {
  TempDir dir("omni-cli");
  auto cfg = write_config(dir,
                          "[station]\nname = \"x\"\n[database]\nbackend = \"sqlite\"\n"
                          "path = \"data/station.db\"\n");
  auto r = run_process({omnimeter_binary(), "db", "migrate", "-c", cfg});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("core (1 applied, now at version 1)"), std::string::npos) << r.out;
  EXPECT_TRUE(std::filesystem::exists(dir / "data/station.db")) << "relative to the config file";
  r = run_process({omnimeter_binary(), "db", "migrate", "-c", cfg});
  EXPECT_NE(r.out.find("core (0 applied"), std::string::npos) << r.out;
  r = run_process({omnimeter_binary(), "db", "status", "-c", cfg});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("core       version 1 of 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("applied core   1 omni_meta"), std::string::npos) << r.out;
}

TEST(CliDb, ACloudConfigurationGetsTheCloudSchemaOnly) {
  TempDir dir("omni-cli");
  auto path = (dir / "cloud.toml").string();
  std::ofstream(path) << "[cloud.http]\nport = 0\n[database]\npath = \"cloud.db\"\n";
  auto r = run_process({omnimeter_binary(), "db", "migrate", "-c", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(": cloud ("), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(": station ("), std::string::npos) << r.out;
}

TEST(CliDb, TheShippedExampleConfigurationIsValid) {
  TempDir dir("omni-cli");
  std::filesystem::copy_file(std::string(OMNI_SOURCE_DIR) + "/packaging/etc/omnimeter.toml.example",
                             dir / "omnimeter.toml");
  auto r =
      run_process({omnimeter_binary(), "db", "migrate", "-c", (dir / "omnimeter.toml").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir / "omnimeter.db"));
}

TEST(CliDb, MigrateOnPostgres) {
  TempDir dir("omni-cli");
  auto& pg = PgCluster::shared();
  pg.recreate_database("omni_cli");
  auto cfg = write_config(
      dir, "[database]\nbackend = \"postgres\"\nconninfo = \"" + pg.conninfo("omni_cli") + "\"\n");
  auto r = run_process({omnimeter_binary(), "db", "migrate", "-c", cfg});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("postgres:"), std::string::npos) << r.out;
  r = run_process({omnimeter_binary(), "db", "status", "-c", cfg});
  EXPECT_NE(r.out.find("version 1 of 1"), std::string::npos) << r.out;
}

TEST(CliDb, BadConfigurationExits78NamingFileLineAndKey) {
  TempDir dir("omni-cli");
  auto cfg = write_config(dir, "[database]\nbackend = \"sqlite\"\npool_size = 0\nbackedn = 1\n");
  auto r = run_process({omnimeter_binary(), "db", "migrate", "-c", cfg});
  EXPECT_EQ(r.exit_code, 78);
  EXPECT_NE(r.err.find(cfg + ":3: database.pool_size: must be between 1 and 256 (got 0)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(cfg + ":4: database.backedn: unknown key"), std::string::npos) << r.err;

  r = run_process({omnimeter_binary(), "db", "migrate", "-c", (dir / "missing.toml").string()});
  EXPECT_EQ(r.exit_code, 78);
  EXPECT_NE(r.err.find("configuration file not found"), std::string::npos) << r.err;

  auto broken = write_config(dir, "[database\nbackend = \"sqlite\"\n");
  r = run_process({omnimeter_binary(), "db", "migrate", "-c", broken});
  EXPECT_EQ(r.exit_code, 78);
  EXPECT_NE(r.err.find(broken + ":1:"), std::string::npos) << r.err;
}

TEST(CliDb, UnreachableDatabaseFailsWithAClearMessage) {
  TempDir dir("omni-cli");
  auto cfg = write_config(dir,
                          "[database]\nbackend = \"postgres\"\n"
                          "conninfo = \"host=127.0.0.1 port=1 dbname=x user=x\"\n"
                          "connect_timeout = \"2s\"\n");
  auto r = run_process({omnimeter_binary(), "db", "migrate", "-c", cfg}, std::chrono::seconds(20));
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot connect"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("port 1"), std::string::npos) << r.err;
}

int port_of(const std::string& line) {
  std::smatch m;
  static const std::regex kUrl(R"(http://127\.0\.0\.1:(\d+)/)");
  return std::regex_search(line, m, kUrl) ? std::stoi(m[1]) : 0;
}

// GET with curl: an independent client.
ProcessResult curl(int port, const std::string& path) {
  return run_process({"/usr/bin/curl", "-sS", "-i", "--max-time", "10",
                      "http://127.0.0.1:" + std::to_string(port) + path});
}

TEST(CliDemo, ServesInfoAndHealthThenStopsCleanlyOnSigterm) {
  TempDir dir("omni-demo");
  auto data = (dir / "demo-data").string();
  std::string first_id;
  for (int run = 0; run < 2; ++run) {
    ChildProcess demo(
        {omnimeter_binary(), "demo", "--port", "0", "--data-dir", data, "--meters", "2000"});
    auto line = demo.wait_for_line("http://127.0.0.1:", std::chrono::seconds(30));
    ASSERT_TRUE(line) << demo.err();
    int port = port_of(*line);
    ASSERT_GT(port, 0) << *line;
    auto info = curl(port, "/api/v1/info");
    ASSERT_EQ(info.exit_code, 0) << info.err;
    EXPECT_NE(info.out.find("HTTP/1.1 200"), std::string::npos) << info.out;
    auto json = nlohmann::json::parse(info.out.substr(info.out.find("\r\n\r\n") + 4));
    EXPECT_EQ(json["name"], "omnimeter");
    EXPECT_EQ(json["version"], OMNI_TEST_VERSION);
    std::string id = json["installation_id"];
    if (run == 0) {
      first_id = id;
    } else {
      EXPECT_EQ(id, first_id) << "a second start reuses the data";
    }
    EXPECT_NE(curl(port, "/healthz").out.find("200 OK"), std::string::npos);
    EXPECT_NE(curl(port, "/readyz").out.find("ready"), std::string::npos);
    // The simulated city's concentrators log in to the demo's station, which collects the last
    // days' values: yesterday's success appears within seconds.
    std::time_t yesterday = std::time(nullptr) + 8 * 3600 - 86400;  // Beijing calendar
    std::tm tm{};
    gmtime_r(&yesterday, &tm);
    char day[16];
    std::strftime(day, sizeof day, "%Y-%m-%d", &tm);
    bool collected = false;
    for (int i = 0; i < 40 && !collected; ++i) {
      auto success = curl(port, std::string("/api/v1/station/success?day=") + day);
      auto body = success.out.substr(success.out.find("\r\n\r\n") + 4);
      auto j = nlohmann::json::parse(body, nullptr, false);
      collected = !j.is_discarded() && j.contains("all") && j["all"]["meters"].get<int>() > 1000 &&
                  j["all"]["read"].get<int>() * 100 >= j["all"]["meters"].get<int>() * 99;
      if (!collected) std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    EXPECT_TRUE(collected) << "yesterday's values of the simulated city reached the station";
    EXPECT_EQ(demo.terminate(SIGTERM, std::chrono::seconds(10)), 0) << demo.err();
    EXPECT_NE(demo.err().find("stopped"), std::string::npos) << demo.err();
    EXPECT_NE(curl(port, "/healthz").exit_code, 0) << "nothing listens after the stop";
  }
}

TEST(CliDemo, PortInUseIsAClearFailure) {
  TempDir dir("omni-demo");
  ChildProcess first({omnimeter_binary(), "demo", "--port", "0", "--data-dir", (dir / "a").string(),
                      "--meters", "400"});
  auto line = first.wait_for_line("http://127.0.0.1:", std::chrono::seconds(30));
  ASSERT_TRUE(line);
  int port = port_of(*line);
  auto second = run_process({omnimeter_binary(), "demo", "--port", std::to_string(port),
                             "--data-dir", (dir / "b").string(), "--meters", "400"});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find("127.0.0.1:" + std::to_string(port) + " is already in use"),
            std::string::npos)
      << second.err;
}

TEST(CliDemo, JsonLogsAreOneObjectPerLine) {
  TempDir dir("omni-demo");
  ChildProcess demo({omnimeter_binary(), "--log-format", "json", "demo", "--port", "0",
                     "--data-dir", (dir / "d").string(), "--meters", "400"});
  ASSERT_TRUE(demo.wait_for_line("http://127.0.0.1:", std::chrono::seconds(30)));
  EXPECT_EQ(demo.terminate(), 0);
  std::istringstream lines(demo.err());
  int count = 0;
  for (std::string l; std::getline(lines, l);) {
    if (l.empty()) continue;
    auto j = nlohmann::json::parse(l, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << l;
    ++count;
  }
  EXPECT_GE(count, 2) << demo.err();
}

}  // namespace
}  // namespace omni::testing
