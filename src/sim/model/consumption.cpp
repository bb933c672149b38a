#include "sim/model/consumption.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/holidays.hpp"
#include "sim/model/random.hpp"

namespace omni::sim {

// Local calendar facts of one interval.
struct IntervalCalendar {
  std::int64_t day;  // days since 1970-01-01, Beijing calendar
  int year, month, mday;
  double hour;  // 0.0 .. 23.75, start of the interval
  bool working_day;
};

// What every user's usage in one interval depends on, computed once per interval: the calendar
// (working day, hour) and the outdoor temperature. Summing a supply meter's hundreds of meters,
// or writing a whole city interval by interval, asks for the same interval over and over.
struct IntervalFacts {
  bool filled = false;
  std::uint64_t weather_seed = 0;  // the facts depend on the interval and the weather's seed only
  std::int64_t interval = 0;
  IntervalCalendar local;
  double temperature_c = 0;
};

namespace {

constexpr std::int64_t kBeijingOffset = 8 * 3600;  // UTC+08:00, no daylight saving since 1991

IntervalCalendar local_time(std::int64_t interval) {
  std::int64_t local = interval * kIntervalSeconds + kBeijingOffset;
  IntervalCalendar lt{};
  lt.day = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  lt.hour = static_cast<double>(local - lt.day * 86400) / 3600.0;
  civil_from_days(lt.day, lt.year, lt.month, lt.mday);
  lt.working_day = is_china_working_day(lt.year, lt.month, lt.mday);
  return lt;
}

// Share of a household's occupants awake and active at home, by hour.
constexpr double kWorkdayActivity[24] = {0.05, 0.04, 0.04, 0.04, 0.04, 0.08, 0.60, 0.80,
                                         0.30, 0.15, 0.15, 0.15, 0.20, 0.15, 0.15, 0.15,
                                         0.20, 0.50, 0.90, 1.00, 1.00, 0.95, 0.60, 0.20};
constexpr double kDayOffActivity[24] = {0.10, 0.05, 0.04, 0.04, 0.04, 0.04, 0.10, 0.40,
                                        0.55, 0.60, 0.60, 0.65, 0.80, 0.55, 0.50, 0.55,
                                        0.60, 0.80, 1.00, 1.00, 0.95, 0.90, 0.70, 0.30};
// An elderly resident living alone keeps the same routine every day: up at 05:00, a nap after
// lunch, in bed by 21:00. That regularity is what the wellbeing detector learns.
constexpr double kElderlyActivity[24] = {0.03, 0.03, 0.03, 0.03, 0.03, 0.40, 0.70, 0.75,
                                         0.60, 0.50, 0.55, 0.80, 0.70, 0.25, 0.45, 0.50,
                                         0.60, 0.85, 0.80, 0.60, 0.40, 0.08, 0.03, 0.03};
// Hourly shares of a day's household water and cooking gas (each sums to about 1).
constexpr double kWaterShare[24] = {0.005, 0.003, 0.003, 0.003, 0.005, 0.02, 0.09,  0.11,
                                    0.07,  0.04,  0.03,  0.035, 0.05,  0.03, 0.025, 0.025,
                                    0.03,  0.04,  0.06,  0.08,  0.09,  0.09, 0.06,  0.03};
constexpr double kCookingShare[24] = {0,    0,    0,    0,    0,    0.02, 0.10, 0.12,
                                      0.03, 0.01, 0.05, 0.15, 0.10, 0.02, 0.01, 0.01,
                                      0.02, 0.10, 0.16, 0.08, 0.02, 0,    0,    0};

// Line and pipe losses between a supply meter and the meters below it.
double loss_factor(EnergyKind k) {
  switch (k) {
    case EnergyKind::Electricity:
      return 1.025;
    case EnergyKind::Water:
      return 1.06;
    case EnergyKind::Gas:
      return 1.015;
    case EnergyKind::Heat:
      return 1.05;
  }
  return 1.0;
}

std::int64_t to_amount(double x) { return x <= 0 ? 0 : static_cast<std::int64_t>(std::llround(x)); }

// Opening-hour load of a business, in W per m², and its water in litres per 100 m² per interval.
struct BusinessLoad {
  double watts_per_m2;
  double water_per_100m2;
  double gas_per_100m2;
};

BusinessLoad business_load(Industry industry, const IntervalCalendar& t) {
  double h = t.hour;
  bool wd = t.working_day;
  switch (industry) {
    case Industry::Commerce: {
      bool open = h >= 10 && h < 22;
      return {open ? 60.0 : 8.0, open ? 6.0 : 0.3, 0.0};
    }
    case Industry::Hospitality: {
      bool meal = (h >= 11 && h < 14) || (h >= 17 && h < 22);
      return {meal ? 55.0 : 35.0, meal ? 12.0 : 5.0, meal ? 30.0 : 3.0};
    }
    case Industry::Health:
      return {h >= 8 && h < 18 ? 50.0 : 30.0, h >= 8 && h < 18 ? 8.0 : 3.0, 1.0};
    case Industry::Industry: {
      bool shift = wd && h >= 8 && h < 18;
      return {shift ? 80.0 : 15.0, shift ? 10.0 : 1.0, shift ? 4.0 : 0.0};
    }
    case Industry::Education: {
      bool vacation = (t.month == 7 && t.mday >= 10) || t.month == 8 ||
                      (t.month == 1 && t.mday >= 15) || (t.month == 2 && t.mday <= 20);
      bool open = wd && !vacation && h >= 7 && h < 17;
      return {open ? 30.0 : 5.0, open ? 7.0 : 0.2, 0.0};
    }
    case Industry::Transport:
      return {h >= 5 && h < 23 ? 40.0 : 15.0, h >= 5 && h < 23 ? 3.0 : 0.5, 0.0};
    case Industry::Government: {
      bool open = wd && h >= 8.5 && h < 17.5;
      return {open ? 35.0 : 6.0, open ? 3.0 : 0.1, 0.0};
    }
    case Industry::Residential:
      break;
  }
  return {0, 0, 0};
}

}  // namespace

// A direct-mapped cache of 64 days of intervals, per thread (about 400 KB): a concentrator's
// daily read walks each meter through the same day's 96 intervals, meter after meter, and
// recomputing the weather (five Gaussian draws) and the calendar for each was most of the
// field's time. 16 days were too few: meters whose registers advance over weeks at a time (the
// demo's history) evicted each other's days, and its water and gas fields fell behind. Slots are
// keyed by (weather seed, interval), so several models on one thread (the
// demo's four fields, tests building city after city) share it without mixing.
const IntervalFacts& ConsumptionModel::facts_of(std::int64_t interval) const {
  static constexpr std::int64_t kSlots = 64 * kIntervalsPerDay;
  thread_local std::vector<IntervalFacts> cache(static_cast<std::size_t>(kSlots));
  std::int64_t index = interval % kSlots;
  IntervalFacts& slot = cache[static_cast<std::size_t>(index < 0 ? index + kSlots : index)];
  if (!slot.filled || slot.weather_seed != weather_.seed() || slot.interval != interval) {
    slot.filled = true;
    slot.weather_seed = weather_.seed();
    slot.interval = interval;
    slot.local = local_time(interval);
    slot.temperature_c = weather_.temperature_c(interval_start(interval) + kIntervalSeconds / 2);
  }
  return slot;
}

ConsumptionModel::ConsumptionModel(const City& city)
    : city_(city), weather_(mix64(city.seed ^ 0x77)) {
  // Children of each master meter (CSR): counts, prefix sums, fill.
  child_offset_.assign(city.meters.size() + 1, 0);
  for (const auto& m : city.meters) {
    if (m.parent != kNoMeter) ++child_offset_[m.parent + 1];
  }
  for (std::size_t i = 1; i < child_offset_.size(); ++i) child_offset_[i] += child_offset_[i - 1];
  children_.resize(child_offset_.back());
  std::vector<std::uint32_t> fill(child_offset_.begin(), child_offset_.end() - 1);
  for (const auto& m : city.meters) {
    if (m.parent != kNoMeter) children_[fill[m.parent]++] = m.id;
  }
}

std::int64_t ConsumptionModel::label_start_day(const User& user, Label label) const {
  // Between 2025-01-01 and about two years later, fixed per user and label.
  std::uint64_t h = hash_keys(city_.seed, 0x4C4142454Cull, user.id, label);
  return days_from_civil(2025, 1, 1) + static_cast<std::int64_t>(h % 700);
}

bool ConsumptionModel::elderly_incident(const User& user, std::int64_t day, int* from_hour) const {
  if (!(user.labels & kElderlyAlone)) return false;
  std::uint64_t h = hash_keys(city_.seed, 0x494E4349ull, user.id, static_cast<std::uint64_t>(day));
  if (h % 150 != 0) return false;  // about two incidents a year
  if (from_hour) *from_hour = 8 + static_cast<int>((h >> 20) % 12);
  return true;
}

std::int64_t ConsumptionModel::user_usage(const User& user, const Meter& meter,
                                          std::int64_t interval) const {
  const IntervalFacts& facts = facts_of(interval);
  const IntervalCalendar& t = facts.local;
  int hour = static_cast<int>(t.hour);
  double noise = unit_double(hash_keys(city_.seed, meter.id, static_cast<std::uint64_t>(interval)));
  const Building& building = city_.buildings[user.building];
  double size = user.size;
  double temp = facts.temperature_c;
  bool season = building.district_heating && in_heating_season(t.month, t.mday);
  bool vacant = user.labels & kVacant;

  // Activity: the elderly routine, stopped by an incident (no activity for about a day).
  double activity = 0;
  if (user.industry == Industry::Residential && !vacant) {
    if (user.labels & kElderlyAlone) {
      int from = 0;
      bool today = elderly_incident(user, t.day, &from) && hour >= from;
      int prev_from = 0;
      bool yesterday = elderly_incident(user, t.day - 1, &prev_from) && hour < prev_from;
      activity = (today || yesterday) ? 0.0 : kElderlyActivity[hour];
    } else {
      activity = (t.working_day ? kWorkdayActivity : kDayOffActivity)[hour];
    }
  }

  double amount = 0;  // Wh or L in this interval
  if (user.industry != Industry::Residential) {
    BusinessLoad load = business_load(user.industry, t);
    double scale = 0.8 + 0.4 * noise;
    switch (meter.kind) {
      case EnergyKind::Electricity:
        amount = load.watts_per_m2 * size * 0.25 * scale;
        break;
      case EnergyKind::Water:
        amount = load.water_per_100m2 * size / 100.0 * scale;
        break;
      case EnergyKind::Gas:
        amount = load.gas_per_100m2 * size / 100.0 * scale;
        break;
      case EnergyKind::Heat:
        amount = season ? 1.8 * std::max(0.0, 20.0 - temp) * size * 0.25 : 0;
        break;
    }
  } else {
    double people = std::max<int>(user.occupants, 1);
    switch (meter.kind) {
      case EnergyKind::Electricity: {
        double standby = vacant ? 8.0 : 30.0 + 0.35 * size;
        double active = 180.0 * std::pow(people, 0.7) * activity * (0.4 + 1.2 * noise);
        double cooling =
            temp > 26.0 && !vacant ? (temp - 26.0) * 0.7 * size * (activity > 0.2 ? 1.0 : 0.3) : 0;
        double heating =
            !building.district_heating && in_heating_season(t.month, t.mday) && !vacant
                ? std::max(0.0, 18.0 - temp) * 0.25 * size * (activity > 0.1 ? 1.0 : 0.5)
                : 0;
        amount = (standby + active + cooling + heating) * 0.25;
        break;
      }
      case EnergyKind::Water: {
        double daily = vacant ? 0 : 110.0 * people * (activity > 0 || t.hour < 5 ? 1.0 : 0.1);
        amount = daily * kWaterShare[hour] / 4.0 * (0.3 + 1.4 * noise);
        break;
      }
      case EnergyKind::Gas: {
        double cooking =
            vacant ? 0
                   : 350.0 * std::sqrt(people) * kCookingShare[hour] / 4.0 * (0.3 + 1.4 * noise);
        double boiler = !building.district_heating && in_heating_season(t.month, t.mday) && !vacant
                            ? std::max(0.0, 18.0 - temp) * size * 0.03
                            : 0;
        amount = cooking + boiler;
        break;
      }
      case EnergyKind::Heat:
        // District heat follows the outdoor temperature; vacant homes are kept at a lower
        // temperature but still draw heat (the pipes run through them).
        amount = season ? 1.6 * std::max(0.0, (vacant ? 14.0 : 20.0) - temp) * size * 0.25 *
                              (0.9 + 0.2 * noise)
                        : 0;
        break;
    }
  }
  if ((user.labels & kSpike) && t.day >= label_start_day(user, kSpike) &&
      meter.kind == EnergyKind::Electricity) {
    amount *= 1.9;
  }
  if ((user.labels & kWaterLeak) && meter.kind == EnergyKind::Water) {
    amount += 2.0 + static_cast<double>(hash_keys(city_.seed, user.id, 0x4C45414Bull) %
                                        7);  // L per 15 min
  }
  if ((user.labels & kGasLeak) && meter.kind == EnergyKind::Gas) amount += 1.5;
  return to_amount(amount);
}

std::int64_t ConsumptionModel::master_usage(const Meter& meter, std::int64_t interval) const {
  double sum = 0;
  for (std::uint32_t i = child_offset_[meter.id]; i < child_offset_[meter.id + 1]; ++i) {
    sum += static_cast<double>(usage(city_.meters[children_[i]], interval).actual);
  }
  return to_amount(sum * loss_factor(meter.kind));
}

IntervalUsage ConsumptionModel::usage(const Meter& meter, std::int64_t interval) const {
  if (meter.master) {
    std::int64_t a = master_usage(meter, interval);
    return {a, a};
  }
  const User& user = city_.users[meter.owner];
  std::int64_t actual = user_usage(user, meter, interval);
  std::int64_t metered = actual;
  if ((user.labels & kTheft) && meter.kind == EnergyKind::Electricity &&
      facts_of(interval).local.day >= label_start_day(user, kTheft)) {
    metered = actual * 2 / 5;  // a bypass: the meter sees 40 %
  }
  return {actual, metered};
}

}  // namespace omni::sim
