// Secured sessions as an operator sets them up: `omnimeter sim pki` writes the field's keys and
// the registry, `omnimeter station` runs with [station.security] mode = "required", and
// `omnimeter sim` with [sim.security] keys. Every concentrator completes the SM2 handshake and
// its daily values arrive over the sealed channel; nothing is refused.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <thread>

#include "storage/database.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace omni::testing {
namespace {

using namespace std::chrono_literals;

std::int64_t count_of(storage::Database& db, const std::string& sql) {
  auto rows = db.query(sql);
  if (!rows || rows->empty()) return -1;
  return rows->at(0).get<std::int64_t>(0).value_or(-1);
}

void write_sim_toml(const TempDir& dir, const std::string& port, bool secured) {
  std::ofstream toml(dir / "sim.toml");
  toml << "[sim]\nseed = 7\nmeters = 300\nmeters_per_concentrator = 100\n"
       << "[sim.station]\nhost = \"127.0.0.1\"\nport = " << port << "\n";
  if (secured) toml << "[sim.security]\nkeys = \"" << (dir / "keys").string() << "\"\n";
}

TEST(SecureCli, PkiStationAndFieldRunSecuredFromTheirConfigFiles) {
  TempDir dir;
  write_sim_toml(dir, "5100", false);
  auto pki = run_process({omnimeter_binary(), "sim", "pki", "-c", (dir / "sim.toml").string(),
                          "--out", (dir / "keys").string()});
  ASSERT_EQ(pki.exit_code, 0) << pki.err;
  {
    std::ofstream toml(dir / "station.toml");
    toml << "[station]\nlisten = \"127.0.0.1\"\nport = 0\ncollect_every = \"1s\"\n"
         << "[station.security]\nmode = \"required\"\nidentity = \"keys/station.key\"\n"
         << "registry = \"keys/registry.txt\"\n"
         << "[station.http]\nenabled = false\n[database]\npath = \""
         << (dir / "station.db").string() << "\"\n";
  }
  ChildProcess station({omnimeter_binary(), "station", "-c", (dir / "station.toml").string()});
  auto line = station.wait_for_line("listening on port", 20s);
  ASSERT_TRUE(line.has_value()) << station.err();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(*line, m, std::regex("port (\\d+)")));
  write_sim_toml(dir, m[1], true);
  ChildProcess sim({omnimeter_binary(), "sim", "-c", (dir / "sim.toml").string()});

  storage::DatabaseOptions options;
  options.sqlite_path = (dir / "station.db").string();
  auto db = storage::open_database(options);
  ASSERT_TRUE(db.has_value());
  std::int64_t secured = 0, readings = 0;
  for (int i = 0; i < 120 && (secured < 3 || readings == 0); ++i) {
    std::this_thread::sleep_for(250ms);
    secured = count_of(**db,
                       "SELECT COUNT(DISTINCT address) FROM session_event WHERE kind = 'secured' "
                       "AND address LIKE '1199%'");
    readings = count_of(**db, "SELECT COUNT(*) FROM reading_daily");
  }
  EXPECT_GE(secured, 3) << "every concentrator (300 meters, 100 each) completed the handshake\n"
                        << station.err();
  EXPECT_GT(readings, 0) << "daily values arrived over the secured channel\n" << station.err();
  EXPECT_EQ(count_of(**db,
                     "SELECT COUNT(*) FROM session_event WHERE kind IN "
                     "('security_refused', 'security')"),
            0)
      << station.err();
}

}  // namespace
}  // namespace omni::testing
