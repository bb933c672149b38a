#pragma once
// Outdoor temperature of the simulated city (Beijing climate), deterministic from a seed.
//
// Daily mean: an annual cosine fitted to Beijing's normals (January about −3 °C, July about
// 27 °C) plus a persistent anomaly (weather systems last days: a smoothed random walk of daily
// draws). Within a day: a cosine with its minimum before dawn (03:00) and maximum at 15:00
// local time, its range larger in spring and autumn than in the humid summer. Exported with the
// data, so forecasts can use the temperatures the consumption was generated from.

#include <cstdint>

#include "core/time.hpp"

namespace omni::sim {

class Weather {
 public:
  explicit Weather(std::uint64_t seed) : seed_(seed) {}

  // Mean temperature of a local (Beijing) calendar day, in °C; `day` counts days since
  // 1970-01-01.
  double daily_mean_c(std::int64_t day) const;
  // Temperature at an instant, in °C.
  double temperature_c(UtcTime t) const;
  // Two Weathers with the same seed give the same temperatures (caches key on it).
  std::uint64_t seed() const { return seed_; }

 private:
  double anomaly_c(std::int64_t day) const;

  std::uint64_t seed_;
};

// Beijing's heating season (供暖季): 15 November to 15 March.
bool in_heating_season(int month, int day);

}  // namespace omni::sim
