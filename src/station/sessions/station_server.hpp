#pragma once
// The master station's field side: a TCP server where concentrators and IoT meters dial in and
// speak DL/T 698.45. Per link it answers LINK (login, heartbeat, logout), closes links idle for
// longer than `idle_timeout`, lets a newer login of the same address replace the older link
// (logged as an event), confirms and reassembles fragmented replies, acknowledges reports, and
// runs the collector: learn the device's archive, then read its collected daily records and
// store them, again every `collect_every`.
//
// One thread drives every link (Asio coroutines); database writes happen on it, committed
// before anything is counted as stored.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/metrics.hpp"
#include "core/result.hpp"
#include "station/store/archive_store.hpp"

namespace omni::station {

struct StationConfig {
  std::string listen_host = "0.0.0.0";
  std::uint16_t port = 5100;  // 0: any free port (tests)
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(15)};
  std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};  // S-PERF-2: 30 s
  std::chrono::milliseconds collect_every{std::chrono::hours(1)};
  int history_days = 3;  // daily records re-read on every collection (field practice)
  // A daily value missing at this local time the next day raises an alarm (S-READ-1); the
  // concentrators' last retry round is 06:05.
  int missing_alarm_minute = 6 * 60 + 30;
  // Clock service (S-TIME-1): a device clock off by more than `clock_set_limit` is set to the
  // station's time; one off by more than `clock_alarm_limit` is also reported as an event and
  // counted (field practice: terminal error <= 5 s).
  bool set_clocks = true;  // false: only read and report (a station that is not the time master)
  std::chrono::seconds clock_set_limit{5};
  std::chrono::seconds clock_alarm_limit{60};
  // Simulated time for demos and end-to-end tests (docs/simulator.md): when set, the station's
  // clock starts at this Beijing date and runs `simulated_speed` times real time, like the field.
  std::optional<UtcTime> simulated_start;
  double simulated_speed = 1.0;
};

// Reads [station] of station.toml; problems go to the document.
StationConfig station_config_from(config::Section root);

// What the station counts, as Prometheus counters (GET /metrics of the station's HTTP API).
struct StationCounters {
  static metrics::Counter& make(const char* name, const char* help) {
    return metrics::default_registry().counter(name, help);
  }
  metrics::Counter& logins = make("omnimeter_station_logins_total", "Device logins accepted");
  metrics::Counter& replaced_links = make("omnimeter_station_replaced_links_total",
                                          "Links closed because the device logged in again");
  metrics::Counter& heartbeats = make("omnimeter_station_heartbeats_total", "Heartbeats answered");
  metrics::Counter& idle_closed =
      make("omnimeter_station_idle_closed_total", "Links closed for silence");
  metrics::Counter& requests = make("omnimeter_station_requests_total", "Requests sent to devices");
  metrics::Counter& timeouts = make("omnimeter_station_request_timeouts_total",
                                    "Requests without a reply within the deadline");
  metrics::Counter& rejected_frames =
      make("omnimeter_station_rejected_frames_total", "Frames dropped as damaged or misdirected");
  metrics::Counter& readings_stored =
      make("omnimeter_station_readings_stored_total", "Daily values stored");
  metrics::Counter& readings_duplicate = make("omnimeter_station_readings_duplicate_total",
                                              "Daily values received again (not stored twice)");
  metrics::Counter& readings_unknown_meter =
      make("omnimeter_station_readings_unknown_meter_total", "Values of meters not in the archive");
  metrics::Counter& readings_suspect =
      make("omnimeter_station_readings_suspect_total", "Values stored as suspect for review");
  metrics::Counter& alarms_raised =
      make("omnimeter_station_alarms_raised_total", "Missing-data alarms raised");
  metrics::Counter& noise_bytes = make("omnimeter_station_noise_bytes_total",
                                       "Bytes received that were not part of a valid frame");
  metrics::Counter& duplicate_frames =
      make("omnimeter_station_duplicate_frames_total", "Frames received twice and dropped");
  metrics::Counter& clocks_set =
      make("omnimeter_station_clocks_set_total", "Device clocks set by the station");
  metrics::Counter& clock_drift_alarms = make("omnimeter_station_clock_drift_alarms_total",
                                              "Device clocks found beyond the alarm limit");
};

class StationServer {
 public:
  StationServer(StationConfig config, ArchiveStore& store, const Clock& clock);
  ~StationServer();
  StationServer(const StationServer&) = delete;
  StationServer& operator=(const StationServer&) = delete;

  // Binds the listening socket. Errors: Io (address in use, bad host).
  Status listen();
  std::uint16_t port() const;
  // Serves until stop() or SIGINT/SIGTERM.
  void run();
  void stop();
  const StationCounters& counters() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace omni::station
