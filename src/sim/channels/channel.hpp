#pragma once
// Communication channels between the station, concentrators, collectors and meters, as
// statistical models of what the field does to one request/reply exchange:
//
//   failure      the request or the reply is lost (noise, collision, a meter busy)
//   latency      log-normal around a median; a reply later than 30 s is a failed read
//                (S-PERF-2) even though it arrives
//   outages      bursts during which nothing gets through (a carrier band jammed by a new
//                inverter, a cell tower down, a cut cable): per hour an outage starts with some
//                probability and lasts an exponential number of minutes
//
// Everything is a pure function of (seed, channel id, time, attempt number), so a run is
// reproducible and the station's measured success rates can be compared with the truth.
// The defaults per channel type are set a little above what DB11/T requires of each channel,
// like a network that just passes; docs/simulator.md lists them.

#include <cstdint>
#include <string_view>

#include "core/config.hpp"
#include "core/result.hpp"
#include "core/time.hpp"

namespace omni::sim {

// The channel types of S-PERF-2 / S-PERF-3, split where the physics differ.
enum class ChannelType : std::uint8_t {
  DedicatedLine,  // RS-485, M-Bus (专线)
  PowerLineCarrier,
  WiredNetwork,
  Fibre,
  MicroPowerWireless,  // 470 MHz micro-power, LoRa
  PublicWireless,      // NB-IoT, Cat.1, 4G
};
inline constexpr ChannelType kAllChannelTypes[] = {
    ChannelType::DedicatedLine, ChannelType::PowerLineCarrier,   ChannelType::WiredNetwork,
    ChannelType::Fibre,         ChannelType::MicroPowerWireless, ChannelType::PublicWireless};

std::string_view channel_type_name(ChannelType t);  // "power_line_carrier"
Result<ChannelType> parse_channel_type(std::string_view name);

struct ChannelParams {
  double failure = 0.01;            // probability an attempt is lost
  double median_latency_ms = 500;   // of a successful exchange
  double latency_sigma = 0.5;       // log-normal shape
  double late = 0.001;              // probability a reply comes after the 30 s deadline
  double outage_per_hour = 0.0005;  // probability an outage starts in a given hour
  double outage_mean_minutes = 20;  // mean outage length (capped at 6 h)

  // Expected share of attempts answered within 30 s, outages included.
  double expected_success() const;
};

ChannelParams default_channel_params(ChannelType t);
// Reads overrides from a [channels.<type>] section: failure, median_latency, latency_sigma,
// late, outage_per_hour, outage_mean. Probabilities must lie in [0, 1).
ChannelParams channel_params_from(const config::Section& section, ChannelType t);

inline constexpr std::int64_t kReadDeadlineMs = 30'000;

struct Attempt {
  bool answered = false;        // a reply came back at all
  std::int64_t latency_ms = 0;  // when it came back
  bool in_time() const { return answered && latency_ms <= kReadDeadlineMs; }
};

class Channel {
 public:
  Channel(ChannelType type, const ChannelParams& params, std::uint64_t seed, std::uint32_t id)
      : type_(type), params_(params), seed_(seed), id_(id) {}

  // The fate of attempt number `attempt` (any counter the caller keeps per request) at `when`.
  Attempt attempt(UtcTime when, std::uint64_t attempt) const;
  bool in_outage(UtcTime when) const;

  ChannelType type() const { return type_; }
  const ChannelParams& params() const { return params_; }

 private:
  ChannelType type_;
  ChannelParams params_;
  std::uint64_t seed_;
  std::uint32_t id_;
};

}  // namespace omni::sim
