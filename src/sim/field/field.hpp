#pragma once
// The simulated field on the network: every concentrator of the city as a DL/T 698.45 terminal
// that connects to the master station over TCP, logs in, sends heartbeats, answers the
// station's requests from its Terminal698, reconnects with back-off when the link drops, and
// runs its daily collection as simulated time passes.
//
// Simulated time runs `speed` times real time from `start` (speed 3600: an hour a second), so
// a night's collection or a day of heartbeats can be watched in seconds. One thread drives all
// sessions (Asio coroutines); the concentrators, the registers and the meters are touched only
// from it.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "sim/channels/channel.hpp"
#include "sim/model/city.hpp"

namespace omni::sim {

struct FieldConfig {
  std::uint64_t seed = 1;
  std::uint32_t meters = 2000;
  std::uint32_t meters_per_concentrator = 2000;  // field concentrators hold up to ~2,040
  UtcTime start{};                               // simulated time at start-up
  double speed = 1.0;                            // simulated seconds per real second
  std::string station_host = "127.0.0.1";
  std::uint16_t station_port = 5100;
  std::int64_t heartbeat_s = 300;          // simulated seconds between heartbeats
  std::int64_t reconnect_max_ms = 60'000;  // real-time back-off cap
  bool preload_archive = true;             // concentrators start with their meters archived
  std::int64_t clock_error_s = 0;          // devices' clocks start up to this far off
  // Wire faults on the devices' replies (parts per million): a byte flipped, a frame sent twice.
  std::uint32_t corrupt_ppm = 0;
  std::uint32_t duplicate_ppm = 0;
  // Secured DL/T 698.45 sessions ([sim.security] keys): the folder `omnimeter sim pki` wrote
  // (a key per device and the registry of stations they accept). Empty: plain sessions.
  std::filesystem::path security_dir;
  // One utility's field (`omnimeter demo`: a station per utility): only meters of this energy
  // get concentrators or dial in; concentrators are planned over them alone, as
  // plan_concentrators(city, meters_per_concentrator, energy) does. Empty: every meter.
  std::optional<EnergyKind> energy;
  // Simulated time from this clock instead of `start` + the Field's own timer, so that several
  // fields and stations share one clock to the second (not owned; must outlive the Field).
  // `start` should be its time at construction and `speed` its rate: they set the registers'
  // origin and the real-time pacing.
  const Clock* clock = nullptr;
  ChannelParams channels[6] = {
      default_channel_params(kAllChannelTypes[0]), default_channel_params(kAllChannelTypes[1]),
      default_channel_params(kAllChannelTypes[2]), default_channel_params(kAllChannelTypes[3]),
      default_channel_params(kAllChannelTypes[4]), default_channel_params(kAllChannelTypes[5])};
};

// Reads the [sim] section (and [channels.*]) of a sim.toml. Problems are collected in the
// document (Document::finish reports them).
FieldConfig field_config_from(config::Section root, UtcTime now);

class Field {
 public:
  explicit Field(FieldConfig config);
  ~Field();
  Field(const Field&) = delete;
  Field& operator=(const Field&) = delete;

  // Runs until stop() or SIGINT/SIGTERM. Errors: Io (cannot resolve the station); with
  // security_dir, those of enable_field_security (a missing or readable key file).
  Status run();
  void stop();

  std::size_t concentrator_count() const;
  std::size_t meter_count() const;  // meters of the field's energy (all when none is set)
  // Reads the concentrators have made on their local buses so far (attempts, retries included).
  // Safe from any thread while run() runs.
  std::uint64_t meter_reads() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace omni::sim
