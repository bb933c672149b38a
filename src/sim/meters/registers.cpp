#include "sim/meters/registers.hpp"

#include "sim/model/random.hpp"

namespace omni::sim {

Tariff tariff_at(std::int64_t interval) {
  std::int64_t local = interval * kIntervalSeconds + 8 * 3600;
  std::int64_t day = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  int minute = static_cast<int>((local - day * 86400) / 60);
  int y, m, d;
  civil_from_days(day, y, m, d);
  int h = minute / 60;
  if (h >= 23 || h < 7) return Tariff::Valley;
  bool summer = m == 7 || m == 8;
  if (summer && ((h >= 11 && h < 13) || h == 16)) return Tariff::Sharp;
  if ((h >= 10 && h < 15) || (h >= 18 && h < 21)) return Tariff::Peak;
  return Tariff::Flat;
}

RegisterBook::RegisterBook(const ConsumptionModel& model, std::int64_t origin_interval)
    : model_(model), origin_(origin_interval) {
  const auto& meters = model.city().meters;
  tracks_.reserve(meters.size());
  for (const auto& m : meters) {
    Track t;
    t.cursor = {origin_, initial(m.id)};
    t.midnights.fill({-1, {}});
    tracks_.push_back(t);
  }
}

Registers RegisterBook::initial(std::uint32_t meter) const {
  // Meters in service for a few years: up to 20,000 kWh, 2,000 m³ of water, 3,000 m³ of gas,
  // 50,000 kWh of heat; split over the tariffs roughly as usage is.
  const Meter& m = model_.city().meters[meter];
  std::uint64_t h = hash_keys(model_.city().seed, 0x494E4954ull, meter);
  std::int64_t cap = m.kind == EnergyKind::Electricity ? 20'000'000  // Wh
                     : m.kind == EnergyKind::Water     ? 2'000'000   // L
                     : m.kind == EnergyKind::Gas       ? 3'000'000   // L
                                                       : 50'000'000;       // Wh
  if (m.master) cap *= 100;
  std::int64_t total = static_cast<std::int64_t>(h % static_cast<std::uint64_t>(cap));
  Registers r;
  r.by_tariff = {total / 20, total * 7 / 20, total * 6 / 20, 0};
  r.by_tariff[3] = total - r.by_tariff[0] - r.by_tariff[1] - r.by_tariff[2];
  return r;
}

RegisterBook::Cursor RegisterBook::restart_point(const Track& t, std::uint32_t meter,
                                                 std::int64_t interval) const {
  Cursor best{origin_, initial(meter)};
  for (const Cursor& c : t.midnights) {
    if (c.interval >= 0 && c.interval <= interval && c.interval > best.interval) best = c;
  }
  return best;
}

Registers RegisterBook::at(std::uint32_t meter, std::int64_t interval) {
  Track& t = tracks_[meter];
  if (interval < t.cursor.interval) t.cursor = restart_point(t, meter, interval);
  Cursor& c = t.cursor;
  const Meter& m = model_.city().meters[meter];
  bool tou = m.kind == EnergyKind::Electricity;
  for (; c.interval < interval; ++c.interval) {
    // Intervals are UTC-aligned; Beijing midnight is interval 64 of the UTC day.
    if ((c.interval + 32) % kIntervalsPerDay == 0) {
      t.midnights[static_cast<std::size_t>((c.interval / kIntervalsPerDay) % kMidnights)] = c;
    }
    std::int64_t used = model_.usage(m, c.interval).metered;
    c.registers.by_tariff[tou ? static_cast<int>(tariff_at(c.interval)) : 2] += used;
  }
  return c.registers;
}

}  // namespace omni::sim
