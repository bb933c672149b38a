// The simulated field and the master station together, over loopback TCP, on one machine:
// how many meter reads the concentrators make per second and how many validated daily values
// the station stores per second.
//
//   end_to_end_bench [meters] [days] [meters per concentrator]   (100000, 4, 200)
//
// The shared simulated clock starts `days` before today (a simulated day every 20 s): the
// concentrators first catch up the history as fast as they can read their meters (DL/T 645 /
// CJ/T 188 on their local buses), the station collects their daily records over DL/T 698.45
// every 10 s and stores them in SQLite with validation. The run ends when every day is stored
// or after five minutes; it prints the best 10-second rates and the averages.
// Targets: issue 4, >= 20,000 meter reads/s from 100,000 meters behind 500 concentrators on 2
// cores; issue 5, >= 50,000 readings/s stored with validation end to end.
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "sim/field/field.hpp"
#include "station/sessions/station_server.hpp"
#include "station/store/archive_store.hpp"
#include "station/store/schema.hpp"
#include "storage/migrations.hpp"
#include "support/temp_dir.hpp"

using namespace omni;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kBeijing = 8 * 3600;

std::size_t resident_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint32_t meters = argc > 1 ? static_cast<std::uint32_t>(std::atoi(argv[1])) : 100'000;
  const int days = argc > 2 ? std::atoi(argv[2]) : 4;
  const std::uint32_t per_concentrator =
      argc > 3 ? static_cast<std::uint32_t>(std::atoi(argv[3])) : 200;
  if (std::getenv("E2E_VERBOSE") == nullptr) {
    log::get("station")->set_level(spdlog::level::warn);
    log::get("sim")->set_level(spdlog::level::warn);
  }

  omni::testing::TempDir dir;
  storage::DatabaseOptions options;
  options.sqlite_path = (dir / "station.db").string();
  auto db = storage::open_database(options);
  if (!db) return 1;
  if (auto m = storage::migrate(**db, "station", station::station_migrations()); !m) {
    fmt::print(stderr, "migrate: {}\n", m.error().to_string());
    return 1;
  }
  station::ArchiveStore store(**db);

  // Beijing midnight `days` ago, a simulated day every 20 real seconds: the concentrators catch
  // up the history at once (as fast as they can read), then read each new day at 00:05.
  const UtcTime wall = SystemClock::instance().now();
  const std::int64_t today = (wall.seconds + kBeijing) / kDay;
  const UtcTime start{(today - days) * kDay - kBeijing};
  const double speed = 4320;
  ScaledClock clock(start, speed);

  station::StationConfig config;
  config.listen_host = "127.0.0.1";
  config.port = 0;
  config.collect_every = std::chrono::seconds(10);
  config.history_days = days + 1;
  config.set_clocks = false;
  config.clock_alarm_limit = std::chrono::seconds(86400);
  config.clock_set_limit = config.clock_alarm_limit;
  station::StationServer server(config, store, clock);
  if (auto st = server.listen(); !st) {
    fmt::print(stderr, "listen: {}\n", st.error().detail);
    return 1;
  }
  const std::size_t before_field_kib = resident_kib();
  sim::FieldConfig field_config;
  field_config.seed = 2026;
  field_config.meters = meters;
  field_config.meters_per_concentrator = per_concentrator;
  field_config.start = start;
  field_config.clock = &clock;
  field_config.speed = speed;
  field_config.station_port = server.port();
  field_config.heartbeat_s = 3600;
  field_config.reconnect_max_ms = 1000;
  sim::Field field(field_config);
  const std::size_t field_kib = resident_kib() - before_field_kib;

  auto began = SteadyClock::now();
  std::thread station_thread([&server] { server.run(); });
  std::thread field_thread([&field] { (void)field.run(); });

  // Daily values expected: every concentrator-read meter, every full day of the history.
  const auto expected = static_cast<std::int64_t>(field.meter_count()) * days;
  // Sampled every second; the rates reported are the best 10-second window (the machine is
  // shared, and the work comes in waves: catch-up reads, then collections) and the average.
  struct Sample {
    double t;
    std::uint64_t reads;
    std::int64_t stored;
  };
  std::vector<Sample> samples{{0, 0, 0}};
  while (SteadyClock::now() - began < std::chrono::minutes(5)) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    samples.push_back({std::chrono::duration<double>(SteadyClock::now() - began).count(),
                       field.meter_reads(),
                       static_cast<std::int64_t>(server.counters().readings_stored.value())});
    if (samples.back().stored >= expected * 97 / 100) break;  // a few faulty meters stay unread
  }
  field.stop();
  server.stop();
  field_thread.join();
  station_thread.join();
  double best_reads = 0, best_stored = 0;
  for (std::size_t i = 0, j = 0; j < samples.size(); ++j) {
    while (samples[j].t - samples[i].t > 10.5) ++i;
    const double dt = samples[j].t - samples[i].t;
    if (dt < 9.5) continue;
    best_reads =
        std::max(best_reads, static_cast<double>(samples[j].reads - samples[i].reads) / dt);
    best_stored =
        std::max(best_stored, static_cast<double>(samples[j].stored - samples[i].stored) / dt);
  }
  const Sample& last = samples.back();
  const double elapsed = last.t;
  const std::uint64_t reads = last.reads;
  const std::int64_t stored = last.stored;

  fmt::print("meters {} behind {} concentrators, {} days of history\n", field.meter_count(),
             field.concentrator_count(), days);
  fmt::print("{:<44} {:>12.1f} s\n", "run", elapsed);
  fmt::print("{:<44} {:>12.0f} /s  average {:.0f} /s  (target >= 20000 on 2 cores)\n",
             "field: meter reads, best 10 s", best_reads, static_cast<double>(reads) / elapsed);
  fmt::print("{:<44} {:>12} of {}\n", "station: daily values stored", stored, expected);
  fmt::print("{:<44} {:>12.0f} /s  average {:.0f} /s  (target >= 50000)\n",
             "station: stored, best 10 s", best_stored, static_cast<double>(stored) / elapsed);
  fmt::print("{:<44} {:>12.0f} B\n", "field: resident memory per meter",
             static_cast<double>(field_kib) * 1024.0 / static_cast<double>(meters));
  return 0;
}
