#include "sim/channels/channel.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "sim/model/random.hpp"

namespace omni::sim {
namespace {

struct TypeName {
  ChannelType type;
  std::string_view name;
};
constexpr TypeName kNames[] = {
    {ChannelType::DedicatedLine, "dedicated_line"},
    {ChannelType::PowerLineCarrier, "power_line_carrier"},
    {ChannelType::WiredNetwork, "wired_network"},
    {ChannelType::Fibre, "fibre"},
    {ChannelType::MicroPowerWireless, "micro_power_wireless"},
    {ChannelType::PublicWireless, "public_wireless"},
};

constexpr double kTwoPi = 6.283185307179586;
constexpr std::int64_t kMaxOutageMinutes = 360;

double normal_from(std::uint64_t a, std::uint64_t b) {
  double u1 = 1.0 - unit_double(a);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * unit_double(b));
}

}  // namespace

std::string_view channel_type_name(ChannelType t) {
  for (const auto& n : kNames) {
    if (n.type == t) return n.name;
  }
  return "unknown";
}

Result<ChannelType> parse_channel_type(std::string_view name) {
  for (const auto& n : kNames) {
    if (n.name == name) return n.type;
  }
  return fail(ErrorCode::NotFound,
              std::string("unknown channel type \"") + std::string(name) + "\"");
}

double ChannelParams::expected_success() const {
  // Fraction of time in an outage: starts per hour × mean length in hours (small-p limit).
  double mean = std::min(outage_mean_minutes, static_cast<double>(kMaxOutageMinutes));
  double down = std::min(1.0, outage_per_hour * mean / 60.0);
  return (1.0 - down) * (1.0 - failure) * (1.0 - late);
}

ChannelParams default_channel_params(ChannelType t) {
  // failure, median latency, sigma, late, outage/h, outage minutes. Once-reading targets of
  // S-PERF-2: dedicated ≥ 99 %, PLC > 97 %, wired ≥ 99 %, fibre > 99 %, wireless ≥ 98 %.
  switch (t) {
    case ChannelType::DedicatedLine:
      return {0.004, 400, 0.4, 0.0002, 0.0002, 30};
    case ChannelType::PowerLineCarrier:
      return {0.018, 2500, 0.7, 0.002, 0.0010, 45};
    case ChannelType::WiredNetwork:
      return {0.003, 80, 0.5, 0.0005, 0.0003, 20};
    case ChannelType::Fibre:
      return {0.002, 40, 0.4, 0.0003, 0.0002, 20};
    case ChannelType::MicroPowerWireless:
      return {0.010, 1500, 0.6, 0.002, 0.0008, 30};
    case ChannelType::PublicWireless:
      return {0.008, 3000, 0.8, 0.003, 0.0005, 40};
  }
  return {};
}

ChannelParams channel_params_from(const config::Section& s, ChannelType t) {
  ChannelParams p = default_channel_params(t);
  auto probability = [&](std::string_view key, double fallback) {
    return static_cast<double>(s.get_int(
               key, static_cast<std::int64_t>(std::llround(fallback * 1e6)), 0, 999'999)) /
           1e6;
  };
  // Probabilities are given in parts per million, so the file stays integer-only and exact.
  p.failure = probability("failure_ppm", p.failure);
  p.late = probability("late_ppm", p.late);
  p.outage_per_hour = probability("outage_per_hour_ppm", p.outage_per_hour);
  p.median_latency_ms = static_cast<double>(
      s.get_duration("median_latency",
                     std::chrono::milliseconds(static_cast<std::int64_t>(p.median_latency_ms)))
          .count());
  p.latency_sigma =
      static_cast<double>(s.get_int("latency_sigma_permille",
                                    static_cast<std::int64_t>(p.latency_sigma * 1000), 0, 3000)) /
      1000.0;
  p.outage_mean_minutes =
      static_cast<double>(
          s.get_duration("outage_mean",
                         std::chrono::minutes(static_cast<std::int64_t>(p.outage_mean_minutes)))
              .count()) /
      60000.0;
  return p;
}

bool Channel::in_outage(UtcTime when) const {
  // An outage that started in this hour or in one of the previous six may still be running.
  std::int64_t minute = when.seconds >= 0 ? when.seconds / 60 : (when.seconds - 59) / 60;
  std::int64_t hour = minute >= 0 ? minute / 60 : (minute - 59) / 60;
  for (std::int64_t h = hour; h > hour - 1 - kMaxOutageMinutes / 60; --h) {
    std::uint64_t key = hash_keys(seed_, 0x4F555400ull + id_, static_cast<std::uint64_t>(h));
    if (unit_double(key) >= params_.outage_per_hour) continue;
    std::int64_t start = h * 60 + static_cast<std::int64_t>(mix64(key) % 60);
    double u = 1.0 - unit_double(mix64(key ^ 0x1F));
    std::int64_t length = std::min<std::int64_t>(
        kMaxOutageMinutes,
        1 + static_cast<std::int64_t>(-std::log(u) * params_.outage_mean_minutes));
    if (minute >= start && minute < start + length) return true;
  }
  return false;
}

Attempt Channel::attempt(UtcTime when, std::uint64_t attempt) const {
  if (in_outage(when)) return {};
  std::uint64_t key = hash_keys(seed_, id_, static_cast<std::uint64_t>(when.seconds), attempt);
  if (unit_double(key) < params_.failure) return {};
  Attempt a;
  a.answered = true;
  std::uint64_t k2 = mix64(key), k3 = mix64(k2);
  if (unit_double(k2) < params_.late) {
    // Late replies: somewhere between the deadline and two minutes.
    a.latency_ms = kReadDeadlineMs + 1 + static_cast<std::int64_t>(unit_double(k3) * 90'000);
    return a;
  }
  double latency =
      params_.median_latency_ms * std::exp(params_.latency_sigma * normal_from(k3, mix64(k3)));
  // The tail of the log-normal is cut at the deadline: lateness is modelled by `late` alone.
  a.latency_ms = std::clamp<std::int64_t>(static_cast<std::int64_t>(latency), 1, kReadDeadlineMs);
  return a;
}

}  // namespace omni::sim
