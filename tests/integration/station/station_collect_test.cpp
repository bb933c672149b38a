// The collector reads only what it lacks, and reads the IoT meters that dial in themselves: the
// station and the simulated field as two processes on real TCP. The first collection of a
// concentrator asks for every day of the last `history_days` (today included); once the days
// before today are stored for all of its meters, a collection asks for today's record alone. The
// field's IoT electricity meters (no archive, only their current registers) get a meter row without
// a concentrator and their register read after 00:05 as the day's value.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <thread>

#include "station_harness.hpp"
#include "storage/database.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace omni::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kFirstDay = 20777;  // 2026-11-20, where station and field start

TEST(StationCollect, ReadsOnlyMissingDaysAndTheIotMeters) {
  TempDir dir;
  {
    std::ofstream toml(dir / "station.toml");
    toml << "[station]\nlisten = \"127.0.0.1\"\nport = 0\ncollect_every = \"2s\"\n"
         << "idle_timeout = \"60s\"\nhistory_days = 3\n"
         << "simulated_start = \"2026-11-20\"\nsimulated_speed = 1800\n"
         << "[station.http]\nenabled = false\n"
         << "[database]\nbackend = \"sqlite\"\npath = \"" << (dir / "station.db").string()
         << "\"\n";
  }
  ChildProcess station({omnimeter_binary(), "station", "-c", (dir / "station.toml").string()});
  auto line = station.wait_for_line("listening on port", 20s);
  ASSERT_TRUE(line.has_value()) << station.err();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(*line, m, std::regex("port (\\d+)")));
  {
    std::ofstream toml(dir / "sim.toml");
    // Seed 14: two concentrators of 200 meters and a few IoT meters that dial in.
    toml << "[sim]\nseed = 14\nmeters = 400\nmeters_per_concentrator = 200\n"
         << "start = \"2026-11-20\"\nspeed = 1800\n"
         << "[sim.station]\nhost = \"127.0.0.1\"\nport = " << m[1] << "\nheartbeat = \"10min\"\n";
  }
  ChildProcess sim({omnimeter_binary(), "sim", "-c", (dir / "sim.toml").string()});

  storage::DatabaseOptions options;
  options.sqlite_path = (dir / "station.db").string();
  auto db = storage::open_database(options);
  ASSERT_TRUE(db.has_value()) << db.error().to_string();

  // Wait until the two days before the first are stored for every concentrator's meter and
  // each IoT meter has the first day's value.
  const std::string wired = "SELECT COUNT(*) FROM meter WHERE concentrator_id IS NOT NULL";
  const std::string wired_days =
      "SELECT COUNT(*) FROM reading_daily r JOIN meter m ON m.id = r.meter_id "
      "WHERE m.concentrator_id IS NOT NULL AND r.quality <> 1 AND r.day >= " +
      std::to_string(kFirstDay - 2) + " AND r.day <= " + std::to_string(kFirstDay - 1);
  const std::string iot_days =
      "SELECT COUNT(*) FROM reading_daily r JOIN meter m ON m.id = r.meter_id "
      "WHERE m.concentrator_id IS NULL AND r.day = " +
      std::to_string(kFirstDay) + " AND r.unit = 'kWh' AND r.value > 0";
  std::int64_t meters = 0, stored = 0, iot = 0, iot_read = 0;
  for (int i = 0; i < 360; ++i) {
    meters = count(**db, wired);
    stored = count(**db, wired_days);
    iot = count(**db, "SELECT COUNT(*) FROM meter WHERE concentrator_id IS NULL");
    iot_read = count(**db, iot_days);
    if (meters > 300 && stored == 2 * meters && iot > 0 && iot_read == iot) break;
    std::this_thread::sleep_for(250ms);
  }
  EXPECT_GT(meters, 300) << "the two concentrators' archives";
  EXPECT_EQ(stored, 2 * meters) << "every concentrator meter's two days back";
  EXPECT_GT(iot, 0) << "the field's IoT meters log in and get a meter row";
  EXPECT_EQ(iot_read, iot) << "each IoT meter's register read after 00:05 is the day's value";
  EXPECT_EQ(
      count(**db, "SELECT COUNT(*) FROM meter WHERE concentrator_id IS NULL AND protocol = 3"),
      iot);
  // Read once a day: nothing stored twice.
  EXPECT_EQ(count(**db,
                  "SELECT COUNT(*) FROM (SELECT meter_id, day FROM reading_daily GROUP BY "
                  "meter_id, day HAVING COUNT(*) > 1) d"),
            0);
  // A few more collections (2 s each) of the now complete concentrators.
  std::this_thread::sleep_for(6s);
  EXPECT_EQ(sim.terminate(), 0) << sim.err();
  EXPECT_EQ(station.terminate(), 0) << station.err();

  // The station's log: per concentrator, the N of every GET-Record ("last N").
  std::map<std::string, std::vector<int>> asked;
  const std::string log = station.err();
  std::regex request("(\\d{12}): reading the last (\\d+) daily records");
  for (auto it = std::sregex_iterator(log.begin(), log.end(), request);
       it != std::sregex_iterator(); ++it) {
    asked[(*it)[1]].push_back(std::stoi((*it)[2]));
  }
  EXPECT_EQ(asked.size(), 2u) << log.substr(0, 4000);
  for (const auto& [concentrator, n] : asked) {
    ASSERT_FALSE(n.empty());
    std::string seq;
    for (int k : n) seq += " " + std::to_string(k);
    std::cout << concentrator << " asked for the last N records, N =" << seq << "\n";
    // Nothing stored yet: the whole window of history_days, today included.
    EXPECT_EQ(n.front(), 3) << concentrator;
    // Complete since: today's record alone, on the last collections at least.
    EXPECT_EQ(n.back(), 1) << concentrator << ": asked " << n.size() << " times";
    EXPECT_GE(std::count(n.begin(), n.end(), 1), 2) << concentrator;
  }
}

}  // namespace
}  // namespace omni::testing
