// Standard-coal conversion: GB/T 2589 defaults, exact rounding, validation.
#include "cloud/store/coal.hpp"

#include <gtest/gtest.h>

namespace omni::cloud {
namespace {

TEST(CoalCoefficients, DefaultsFollowGbT2589) {
  CoalCoefficients c;
  ASSERT_TRUE(c.validate().has_value());
  // 1 reporting unit (10^6 at six decimals) → kgce at six decimals.
  EXPECT_EQ(to_kgce(1'000'000, EnergyKind::Electricity, c), 122'900);
  EXPECT_EQ(to_kgce(1'000'000, EnergyKind::Gas, c), 1'214'300);
  EXPECT_EQ(to_kgce(1'000'000, EnergyKind::Heat, c), 34'120'000);
  EXPECT_EQ(to_kgce(1'000'000, EnergyKind::Water, c), 85'700);
  EXPECT_EQ(reporting_unit(EnergyKind::Heat), Unit::GJ);
  EXPECT_EQ(reporting_unit(EnergyKind::Gas), Unit::m3);
}

TEST(CoalCoefficients, RoundsHalfToEvenOnceAndIsConfigurable) {
  CoalCoefficients c;
  // 5 µkWh × 0.1229 = 0.6145 → 1; 4 µkWh → 0.4916 → 0.
  EXPECT_EQ(to_kgce(5, EnergyKind::Electricity, c), 1);
  EXPECT_EQ(to_kgce(4, EnergyKind::Electricity, c), 0);
  c.gas = {11, 10};  // 1.1 kgce/m³, the low end of the standard's range
  EXPECT_EQ(to_kgce(5, EnergyKind::Gas, c), 6);   // 5.5 → 6 (even)
  EXPECT_EQ(to_kgce(15, EnergyKind::Gas, c), 16);  // 16.5 → 16 (even)
  EXPECT_EQ(to_kgce(-10, EnergyKind::Gas, c), -11);
  c.heat.denominator = 0;
  EXPECT_EQ(c.validate().error().code, ErrorCode::Config);
}

}  // namespace
}  // namespace omni::cloud
