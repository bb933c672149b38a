#pragma once
// What every meter of the synthetic city truly measures, interval by interval: a pure function
// of (city, seed, meter, interval), so any meter's history can be computed alone, in any order,
// and the same seed gives the same numbers.
//
// Intervals are 15 minutes (the finest curve the station reads), numbered from the Unix epoch:
// interval k covers [k*900, (k+1)*900) UTC seconds. Amounts are integers in the smallest unit of
// each kind: Wh for electricity and heat, litres (0.001 m³) for water and gas.
//
// The model, per user (docs/simulator.md has the parameters):
//   households   standby load; activity by hour that follows occupancy (asleep, away at work,
//                evening peak) on the China working-day calendar (holidays and make-up days);
//                cooling above 26 °C and electric heating where there is no district heating;
//                water and gas peaks at meal and washing times; gas boilers in unheated buildings;
//                heat meters that follow the outdoor temperature in the heating season.
//   businesses   opening hours by industry, load by floor area.
//   labels       vacant homes (standby only), elderly living alone (regular day, rare inactivity
//                incidents), water and gas leaks (a constant small flow), theft (the meter sees
//                part of the load), spikes (a sustained rise from a given day).
//   master       supply meters measure the sum of the meters below plus losses (line loss, pipe
//   meters       leakage), so the loss analysis has a true answer.
//
// Meter faults (stuck register, rollover, reverse step, clock drift, …) are not applied here:
// this is the truth; the simulated meter decides what it reports.

#include <cstdint>

#include "core/time.hpp"
#include "sim/model/city.hpp"
#include "sim/model/weather.hpp"

namespace omni::sim {

inline constexpr std::int64_t kIntervalSeconds = 900;
inline constexpr std::int64_t kIntervalsPerDay = 96;

constexpr std::int64_t interval_of(UtcTime t) {
  return t.seconds >= 0 ? t.seconds / kIntervalSeconds
                        : (t.seconds - kIntervalSeconds + 1) / kIntervalSeconds;
}
constexpr UtcTime interval_start(std::int64_t interval) { return {interval * kIntervalSeconds}; }

struct IntervalUsage {
  std::int64_t actual = 0;   // what flowed
  std::int64_t metered = 0;  // what the meter saw (less than actual under theft)
};

struct IntervalFacts;  // calendar and weather of one interval (consumption.cpp)

class ConsumptionModel {
 public:
  explicit ConsumptionModel(const City& city);

  IntervalUsage usage(const Meter& meter, std::int64_t interval) const;
  // Days (since 1970-01-01, Beijing calendar) on which an elderly resident living alone shows
  // no activity from `hour` on: the ground truth of the wellbeing alarm.
  bool elderly_incident(const User& user, std::int64_t day, int* from_hour = nullptr) const;
  // First day of a theft or spike label (ground truth of when it started).
  std::int64_t label_start_day(const User& user, Label label) const;

  const Weather& weather() const { return weather_; }
  const City& city() const { return city_; }

 private:
  const IntervalFacts& facts_of(std::int64_t interval) const;
  std::int64_t user_usage(const User& user, const Meter& meter, std::int64_t interval) const;
  std::int64_t master_usage(const Meter& meter, std::int64_t interval) const;

  const City& city_;
  Weather weather_;
  // Children of each master meter, as a CSR index into `children_`.
  std::vector<std::uint32_t> child_offset_;
  std::vector<std::uint32_t> children_;
};

}  // namespace omni::sim
