#include "sim/model/weather.hpp"

#include <cmath>

#include "sim/model/random.hpp"

namespace omni::sim {
namespace {

constexpr double kTwoPi = 6.283185307179586;
constexpr double kAnnualMean = 12.5;       // °C
constexpr double kAnnualAmplitude = 15.5;  // °C: Jan ≈ −3, Jul ≈ 28
constexpr int kColdestDayOfYear = 19;      // around 20 January (大寒)
constexpr int kBeijingOffset = 8 * 3600;

// Day of year (0-based) of a day count, without calendar arithmetic beyond what is needed.
int day_of_year(std::int64_t day) {
  int y, m, d;
  civil_from_days(day, y, m, d);
  return static_cast<int>(day - days_from_civil(y, 1, 1));
}

double gaussian(std::uint64_t bits_a, std::uint64_t bits_b) {
  double u1 = 1.0 - unit_double(bits_a);
  double u2 = unit_double(bits_b);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
}

}  // namespace

double Weather::anomaly_c(std::int64_t day) const {
  // A weighted sum of the last five days' draws: anomalies persist for several days, the way
  // cold waves and warm spells do, and the variance stays about 2.5 °C.
  static constexpr double kWeights[5] = {0.55, 0.45, 0.35, 0.25, 0.15};
  double a = 0;
  for (int k = 0; k < 5; ++k) {
    std::uint64_t key = hash_keys(seed_, 0x5745415448ull /* "WEATH" */, day - k);
    a += kWeights[k] * gaussian(key, mix64(key));
  }
  return a * 2.8;
}

double Weather::daily_mean_c(std::int64_t day) const {
  double phase = kTwoPi * (day_of_year(day) - kColdestDayOfYear) / 365.25;
  return kAnnualMean - kAnnualAmplitude * std::cos(phase) + anomaly_c(day);
}

double Weather::temperature_c(UtcTime t) const {
  std::int64_t local = t.seconds + kBeijingOffset;
  std::int64_t day = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  double hour = static_cast<double>(local - day * 86400) / 3600.0;
  int doy = day_of_year(day);
  // Diurnal range: about 12 °C in April, 7 °C in July (humid), 9 °C in winter.
  double range = 9.5 + 2.5 * std::cos(kTwoPi * (doy - 105) / 365.25 * 2.0);
  double diurnal = -0.5 * range * std::cos(kTwoPi * (hour - 3.0) / 24.0);
  return daily_mean_c(day) + diurnal;
}

bool in_heating_season(int month, int day) {
  return (month == 11 && day >= 15) || month == 12 || month == 1 || month == 2 ||
         (month == 3 && day <= 15);
}

}  // namespace omni::sim
