// S-TIME-1 clock service: devices whose clocks start wrong are read, found off, set once to the
// station's time, and stay right afterwards; large errors are reported.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <thread>

#include "station_harness.hpp"
#include "storage/database.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace omni::testing {
namespace {

using namespace std::chrono_literals;

TEST(StationClock, WrongDeviceClocksAreSetOnceAndReported) {
  TempDir dir;
  {
    std::ofstream toml(dir / "station.toml");
    toml << "[station]\nlisten = \"127.0.0.1\"\nport = 0\ncollect_every = \"1s\"\n"
         << "[station.http]\nenabled = false\n[database]\npath = \""
         << (dir / "station.db").string() << "\"\n";
  }
  ChildProcess station({omnimeter_binary(), "station", "-c", (dir / "station.toml").string()});
  auto line = station.wait_for_line("listening on port", 20s);
  ASSERT_TRUE(line.has_value()) << station.err();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(*line, m, std::regex("port (\\d+)")));
  {
    std::ofstream toml(dir / "sim.toml");
    // Real time, clocks up to 5 minutes off.
    toml << "[sim]\nseed = 5\nmeters = 600\nmeters_per_concentrator = 200\nclock_error = \"300s\"\n"
         << "[sim.station]\nhost = \"127.0.0.1\"\nport = " << m[1] << "\n";
  }
  ChildProcess sim({omnimeter_binary(), "sim", "-c", (dir / "sim.toml").string()});

  storage::DatabaseOptions options;
  options.sqlite_path = (dir / "station.db").string();
  auto db = storage::open_database(options);
  ASSERT_TRUE(db.has_value());
  std::int64_t devices = 0, set = 0;
  for (int i = 0; i < 40; ++i) {
    std::this_thread::sleep_for(250ms);
    devices = count(**db, "SELECT COUNT(DISTINCT address) FROM session_event WHERE kind = 'login'");
    set = count(**db, "SELECT COUNT(DISTINCT address) FROM session_event WHERE kind = 'clock_set'");
    if (devices >= 3 && set >= devices * 9 / 10) break;
  }
  ASSERT_GE(devices, 3);
  EXPECT_GE(set, devices * 9 / 10) << "nearly every device started more than 5 s off";
  // Three more collections: a clock set once stays right, so nobody is set twice.
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(
      count(**db,
            "SELECT COUNT(*) FROM (SELECT address FROM session_event WHERE kind = 'clock_set' "
            "GROUP BY address HAVING COUNT(*) > 1) d"),
      0);
  EXPECT_GT(count(**db, "SELECT COUNT(*) FROM session_event WHERE kind = 'clock_drift'"), 0)
      << "errors beyond 60 s are reported";
  EXPECT_EQ(sim.terminate(), 0) << sim.err();
  EXPECT_EQ(station.terminate(), 0) << station.err();
}

}  // namespace
}  // namespace omni::testing
