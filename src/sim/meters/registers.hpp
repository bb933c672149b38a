#pragma once
// Cumulative registers of the simulated meters: what each meter's counter shows at the start of
// an interval, split by time-of-use tariff for electricity.
//
// A register is the meter's initial reading plus the metered usage of every interval since the
// simulation's origin. Summing from the origin at each read would cost a year of intervals per
// read, so each meter keeps the last point it reached and moves forward from there (reads come
// in time order in the field), plus the registers at the last few midnights it passed: a read
// further back (a concentrator back-filling daily freezes) restarts from the nearest of those,
// and only then from the origin. About 250 bytes a meter.

#include <array>
#include <cstdint>
#include <vector>

#include "sim/model/consumption.hpp"

namespace omni::sim {

// Time-of-use periods of DL/T 645 tariffs 1..4: sharp (尖), peak (峰), flat (平), valley (谷).
enum class Tariff : std::uint8_t { Sharp = 0, Peak = 1, Flat = 2, Valley = 3 };
// Beijing's commercial time-of-use periods: valley 23:00–07:00; peak 10:00–15:00 and
// 18:00–21:00, of which 11:00–13:00 and 16:00–17:00 are sharp in July and August; flat the rest.
Tariff tariff_at(std::int64_t interval);

struct Registers {
  std::array<std::int64_t, 4> by_tariff{};  // smallest unit (Wh or L), metered
  std::int64_t total() const { return by_tariff[0] + by_tariff[1] + by_tariff[2] + by_tariff[3]; }
};

class RegisterBook {
 public:
  RegisterBook(const ConsumptionModel& model, std::int64_t origin_interval);

  // Registers at the start of `interval` (usage of [origin, interval) on top of the initial
  // reading). Intervals before the origin give the initial reading.
  Registers at(std::uint32_t meter, std::int64_t interval);
  // The reading the meter had when the simulation started (fixed per meter and seed).
  Registers initial(std::uint32_t meter) const;

  const ConsumptionModel& model() const { return model_; }
  std::int64_t origin() const { return origin_; }
  static constexpr std::size_t bytes_per_meter();

 private:
  struct Cursor {
    std::int64_t interval;
    Registers registers;
  };
  static constexpr int kMidnights = 4;
  struct Track {
    Cursor cursor;
    std::array<Cursor, kMidnights> midnights;  // ring, by day number
  };
  Cursor restart_point(const Track& t, std::uint32_t meter, std::int64_t interval) const;

  const ConsumptionModel& model_;
  std::int64_t origin_;
  std::vector<Track> tracks_;
};

constexpr std::size_t RegisterBook::bytes_per_meter() { return sizeof(Track); }

}  // namespace omni::sim
