#pragma once
// The master station's field side: a TCP server where concentrators and IoT meters dial in and
// speak DL/T 698.45. Per link it answers LINK (login, heartbeat, logout), closes links idle for
// longer than `idle_timeout`, lets a newer login of the same address replace the older link
// (logged as an event), confirms and reassembles fragmented replies, acknowledges reports, and
// runs the collector: learn the device's archive, then read the collected daily records it
// lacks and store them, again every `collect_every`. A device without an archive is an IoT
// meter that dials in itself: its register is read once a day after 00:05 Beijing time and
// stored as that day's daily value (docs/station.md, "Collection").
//
// Secured sessions ([station.security] mode = "required", docs/security.md "Station-terminal
// sessions"): after LINK login the station runs the ClientHandshake (CONNECT-Request ->
// CONNECT-Response -> confirmation SECURITY-Request); a device refused at any step is closed
// before any data is accepted. Afterwards every request is wrapped by the SecureChannel and
// every reply unwrapped; a rejected frame is dropped, logged, counted
// (omnimeter_station_security_rejections_total{kind}) and stored as a "security" event, and the
// request it answered times out and is asked again (`request_attempts`). A plain APDU inside a
// session is a Downgrade. The session is re-keyed when the channel asks for it.
//
// One thread drives every link (Asio coroutines); database writes happen on it, committed
// before anything is counted as stored.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/metrics.hpp"
#include "core/result.hpp"
#include "crypto/session/channel.hpp"
#include "crypto/session/handshake.hpp"
#include "crypto/session/identity.hpp"
#include "station/store/archive_store.hpp"

namespace omni::station {

// [station.security] of station.toml.
struct StationSecurityConfig {
  enum class Mode : std::uint8_t { Off, Required };
  Mode mode = Mode::Off;
  std::string identity_file;  // "address <digits>" + SM2 PEM (crypto/session/files.hpp), 0600
  std::string registry_file;  // devices (and this station) signed by the station CA
  std::chrono::seconds max_delay{60};        // secured frames older than this are Delayed
  std::chrono::seconds max_clock_skew{300};  // handshake time stamps
  // Loaded from the files by StationServer::listen() when unset; tests set them directly.
  std::shared_ptr<const crypto::session::LocalIdentity> identity;
  std::shared_ptr<const crypto::session::Registry> registry;
  // Re-key limits and first sequence number (tests lower them).
  crypto::session::ChannelOptions channel;
};

struct StationConfig {
  std::string listen_host = "0.0.0.0";
  std::uint16_t port = 5100;  // 0: any free port (tests)
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(15)};
  std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};  // S-PERF-2: 30 s
  // Attempts per request: a request without an answer (lost, or its reply rejected as forged,
  // replayed, delayed) is sent again, up to this many times in all, before the collection
  // round gives up (the next round re-reads `history_days` anyway).
  int request_attempts = 1;
  std::chrono::milliseconds collect_every{std::chrono::hours(1)};
  // Daily records looked at on every collection (field practice: the last 3 days are
  // re-read: today and the two days before). Only what is missing is asked for: the records
  // from the oldest of those days before today on which one of the concentrator's meters has
  // no stored value up to today, or today's record alone when nothing is missing.
  int history_days = 3;
  // The concentrator's archive (GET 60000200, it rarely changes) is read at login and then on
  // every `archive_every`-th collection.
  int archive_every = 24;
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
  StationSecurityConfig security;
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
  metrics::Counter& secure_sessions = make("omnimeter_station_secure_sessions_total",
                                           "Secured sessions established (handshakes completed)");
  metrics::Counter& security_gaps =
      make("omnimeter_station_security_gaps_total",
           "Secured frames accepted after missing sequence numbers (frames deleted or lost)");
  // Secured frames dropped, by crypto::session::reject_kind_name ("forged", "replayed",
  // "delayed", "downgrade", …).
  static metrics::Counter& security_rejection(std::string_view kind) {
    return metrics::default_registry().counter("omnimeter_station_security_rejections_total",
                                               "Secured frames rejected, by kind",
                                               {{"kind", std::string(kind)}});
  }
  // Devices refused at the handshake, by crypto::session::refusal_reason_name
  // ("unknown_device", "revoked", "expired", "bad_signature", …, "no_handshake").
  static metrics::Counter& security_refusal(std::string_view reason) {
    return metrics::default_registry().counter("omnimeter_station_security_refusals_total",
                                               "Devices refused at the secured-session handshake",
                                               {{"reason", std::string(reason)}});
  }
};

class StationServer {
 public:
  StationServer(StationConfig config, ArchiveStore& store, const Clock& clock);
  ~StationServer();
  StationServer(const StationServer&) = delete;
  StationServer& operator=(const StationServer&) = delete;

  // Binds the listening socket; with security required, loads the identity and registry files
  // first. Errors: Io (address in use, bad host), Config / NotFound / Malformed (key files).
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
