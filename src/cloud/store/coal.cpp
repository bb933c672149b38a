// Sources checked for the defaults (with the search tool, public reference pages; the standard's
// own text was not retrievable, so the figures were cross-checked between reference tables):
//  - "各种能源与标准煤的参考折标系数" (huatuo6.cn/wenku, a reproduction of the GB/T 2589
//    appendix table): natural gas 12.1430 tce per 10^4 m³ = 1.2143 kgce/m³; heat 0.0341 tce per
//    10^6 kJ = 0.0341 kgce/MJ (34.12 kgce/GJ with the standard's four digits, 0.03412);
//    electricity there is the *equivalent* (等价值, by generation coal rate) 4.04 tce per
//    10^4 kWh, which is not what statistics of end use report; the calorific equivalent
//    (当量值) 0.1229 kgce/kWh is 3 600 kJ/kWh over 29 307.6 kJ/kgce.
//  - dajudeng.com table "水电汽折算标煤": natural gas 1.33 tce per 1000 m³, the top of the
//    1.1000–1.3300 kgce/m³ range the standard gives for gas of varying calorific value.
//  - Fresh water 0.0857 kgce/t (耗能工质 table): the reference table above lists fresh water
//    among the media but its row was not legible in the copy found, so the figure is the one
//    given in the brief, checked only for consistency (2.51 MJ/t ÷ 29.3076 MJ/kgce = 0.0857).
#include "cloud/store/coal.hpp"

#include <limits>

#include "core/quantity.hpp"

namespace omni::cloud {

Unit reporting_unit(EnergyKind kind) {
  switch (kind) {
    case EnergyKind::Electricity:
      return Unit::kWh;
    case EnergyKind::Water:
    case EnergyKind::Gas:
      return Unit::m3;
    case EnergyKind::Heat:
      return Unit::GJ;
  }
  return Unit::None;
}

const CoalRatio& CoalCoefficients::of(EnergyKind kind) const {
  switch (kind) {
    case EnergyKind::Electricity:
      return electricity;
    case EnergyKind::Water:
      return water;
    case EnergyKind::Gas:
      return gas;
    case EnergyKind::Heat:
      break;
  }
  return heat;
}

Status CoalCoefficients::validate() const {
  for (EnergyKind k : kAllEnergyKinds) {
    const CoalRatio& r = of(k);
    if (r.denominator <= 0 || r.numerator < 0) {
      return fail(ErrorCode::Config, "standard-coal coefficient of " +
                                         std::string(energy_kind_name(k)) +
                                         " must be a non-negative ratio with a positive "
                                         "denominator");
    }
  }
  return ok();
}

std::int64_t to_kgce(std::int64_t usage, EnergyKind kind, const CoalCoefficients& coal) {
  const CoalRatio& r = coal.of(kind);
  // Both figures carry six decimals, so the scales cancel: kgce = usage × n / d.
  static_assert(kUsageScale == kCoalScale);
  Int128 v = divide_rounded(static_cast<Int128>(usage) * r.numerator, r.denominator,
                            Rounding::HalfEven);
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  if (v > kMax) return kMax;
  if (v < -kMax) return -kMax;
  return static_cast<std::int64_t>(v);
}

}  // namespace omni::cloud
