#include "core/quantity.hpp"

#include <gtest/gtest.h>

#include <climits>

namespace omni {
namespace {

Quantity q(std::string_view s, Unit u = Unit::kWh) {
  auto r = Quantity::parse(s, u);
  EXPECT_TRUE(r) << s;
  return r ? *r : Quantity{};
}

TEST(Quantity, ParseAndPrintKeepTheMetersResolution) {
  auto a = q("-12.340");
  EXPECT_EQ(a.mantissa(), -12340);
  EXPECT_EQ(a.scale(), 3);
  EXPECT_EQ(a.to_string(), "-12.340 kWh");
  EXPECT_EQ(q("0.05", Unit::m3).to_string(), "0.05 m³");
  EXPECT_EQ(q("7", Unit::None).to_string(), "7");
  EXPECT_EQ(q("+.5").to_decimal_string(), "0.5");
  EXPECT_EQ(Quantity(INT64_MIN, 2, Unit::None).to_decimal_string(), "-92233720368547758.08");
  EXPECT_EQ(Quantity(5, 4, Unit::None).to_decimal_string(), "0.0005");
  for (const char* bad : {"", "-", ".", "1e5", "1,000", "12.3.4", "0x10", " 1"}) {
    auto r = Quantity::parse(bad, Unit::kWh);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::Malformed) << bad;
  }
  EXPECT_EQ(Quantity::parse("99999999999999999999", Unit::kWh).error().code, ErrorCode::OutOfRange);
  EXPECT_EQ(Quantity::parse("0.1234567890123456789", Unit::kWh).error().code,
            ErrorCode::OutOfRange);
  EXPECT_FALSE(Quantity::make(1, 19, Unit::kWh));
}

TEST(Quantity, AddAndSubtractExactlyAcrossScales) {
  auto sum = q("12345.67").add(q("0.005"));
  ASSERT_TRUE(sum);
  EXPECT_EQ(sum->to_string(), "12345.675 kWh");
  auto diff = q("1.1").sub(q("2.25"));
  ASSERT_TRUE(diff);
  EXPECT_EQ(diff->to_string(), "-1.15 kWh");
  // 0.1 + 0.2 is exactly 0.3 here, unlike in double.
  EXPECT_EQ(*q("0.1").add(q("0.2")), q("0.3"));
  // A million small interval readings sum exactly.
  Quantity total{0, 3, Unit::m3};
  for (int i = 0; i < 1'000'000; ++i) total = *total.add(Quantity{1, 3, Unit::m3});
  EXPECT_EQ(total.to_string(), "1000.000 m³");
}

TEST(Quantity, ArithmeticRefusesUnitMismatchAndOverflow) {
  auto mixed = q("1").add(q("1", Unit::m3));
  ASSERT_FALSE(mixed);
  EXPECT_EQ(mixed.error().code, ErrorCode::Unsupported);
  EXPECT_EQ(mixed.error().detail, "units differ: kWh and m³");
  auto big = Quantity(INT64_MAX, 0, Unit::kWh).add(Quantity(1, 0, Unit::kWh));
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ErrorCode::OutOfRange);
  EXPECT_FALSE(Quantity(INT64_MAX / 10 + 1, 0, Unit::kWh).rescaled(1, Rounding::Down));
  EXPECT_FALSE(Quantity(INT64_MAX / 2 + 1, 0, Unit::kWh).multiplied(2));
  EXPECT_EQ(q("1.5").compare_to(q("1", Unit::m3)).error().code, ErrorCode::Unsupported);
}

struct RoundCase {
  const char* in;
  Rounding mode;
  const char* out;
};

TEST(Quantity, EveryRoundingModeOnPositiveAndNegativeValues) {
  const RoundCase cases[] = {
      {"2.5", Rounding::HalfEven, "2"},   {"3.5", Rounding::HalfEven, "4"},
      {"-2.5", Rounding::HalfEven, "-2"}, {"-3.5", Rounding::HalfEven, "-4"},
      {"2.51", Rounding::HalfEven, "3"},  {"2.5", Rounding::HalfUp, "3"},
      {"-2.5", Rounding::HalfUp, "-3"},   {"2.49", Rounding::HalfUp, "2"},
      {"2.9", Rounding::Down, "2"},       {"-2.9", Rounding::Down, "-2"},
      {"2.1", Rounding::Up, "3"},         {"-2.1", Rounding::Up, "-3"},
      {"2.9", Rounding::Floor, "2"},      {"-2.1", Rounding::Floor, "-3"},
      {"2.1", Rounding::Ceiling, "3"},    {"-2.9", Rounding::Ceiling, "-2"},
      {"2.0", Rounding::Up, "2"},         {"-0.4", Rounding::HalfUp, "0"},
  };
  for (const auto& c : cases) {
    auto r = q(c.in, Unit::None).rescaled(0, c.mode);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->to_decimal_string(), c.out) << c.in << " mode " << static_cast<int>(c.mode);
  }
  // More decimals are exact.
  EXPECT_EQ(q("1.5").rescaled(4, Rounding::Down)->to_string(), "1.5000 kWh");
}

TEST(Quantity, ConvertsExactlyWithinADimension) {
  // 1 kWh = 3.6 MJ = 0.0036 GJ exactly.
  EXPECT_EQ(q("1").converted(Unit::MJ, 1, Rounding::Down)->to_string(), "3.6 MJ");
  EXPECT_EQ(q("12345.67").converted(Unit::GJ, 6, Rounding::HalfEven)->to_string(), "44.444412 GJ");
  EXPECT_EQ(q("1", Unit::GJ).converted(Unit::kWh, 3, Rounding::HalfEven)->to_string(),
            "277.778 kWh");
  EXPECT_EQ(q("1.234", Unit::m3).converted(Unit::L, 0, Rounding::Down)->to_string(), "1234 L");
  EXPECT_EQ(q("500", Unit::L).converted(Unit::m3, 3, Rounding::Down)->to_string(), "0.500 m³");
  EXPECT_EQ(q("2.5", Unit::MW).converted(Unit::kW, 0, Rounding::Down)->to_string(), "2500 kW");
  EXPECT_EQ(q("1.5", Unit::tce).converted(Unit::kgce, 0, Rounding::Down)->to_string(), "1500 kgce");
  // Temperatures are affine.
  EXPECT_EQ(q("20.5", Unit::degC).converted(Unit::K, 2, Rounding::HalfEven)->to_string(),
            "293.65 K");
  EXPECT_EQ(q("0", Unit::K).converted(Unit::degC, 2, Rounding::HalfEven)->to_string(),
            "-273.15 °C");
  // Across dimensions: refused.
  auto bad = q("1").converted(Unit::m3, 3, Rounding::Down);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::Unsupported);
  EXPECT_EQ(bad.error().detail, "cannot convert kWh to m³");
  // A huge register at a fine scale overflows cleanly.
  EXPECT_EQ(Quantity(INT64_MAX, 0, Unit::GJ).converted(Unit::Wh, 0, Rounding::Down).error().code,
            ErrorCode::OutOfRange);
}

TEST(Quantity, ComparesExactlyAcrossScales) {
  EXPECT_EQ(q("1.5"), q("1.50"));
  EXPECT_LT(q("1.49"), q("1.5"));
  EXPECT_GT(q("-1"), q("-1.001"));
  EXPECT_FALSE(q("1") == q("1", Unit::m3));
  EXPECT_EQ(*Quantity(INT64_MAX, 0, Unit::kWh).compare_to(Quantity(INT64_MAX, 18, Unit::kWh)), 1);
}

TEST(Quantity, MultipliesByIntegersAndRatios) {
  // A CT ratio of 200 on a 0.01 kWh register.
  EXPECT_EQ(q("1.23").multiplied(200)->to_string(), "246.00 kWh");
  // A dimensionless coefficient, rounded once.
  auto r = q("100.00").multiplied(q("0.1229", Unit::None), 2, Rounding::HalfUp);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->to_string(), "12.29 kWh");
  EXPECT_EQ(q("1").multiplied(q("2", Unit::m3), 0, Rounding::Down).error().code,
            ErrorCode::Unsupported);
  // 18 + 18 decimals collapse to 2 with one rounding.
  auto tiny = Quantity(5, 18, Unit::kWh).multiplied(Quantity(1, 18, Unit::None), 2, Rounding::Up);
  ASSERT_TRUE(tiny);
  EXPECT_EQ(tiny->to_string(), "0.01 kWh");
}

TEST(Quantity, DivideRoundedHandlesSignsAndTies) {
  EXPECT_EQ(static_cast<long long>(divide_rounded(7, 2, Rounding::HalfEven)), 4);
  EXPECT_EQ(static_cast<long long>(divide_rounded(5, 2, Rounding::HalfEven)), 2);
  EXPECT_EQ(static_cast<long long>(divide_rounded(-7, 2, Rounding::Floor)), -4);
  EXPECT_EQ(static_cast<long long>(divide_rounded(-7, 2, Rounding::Ceiling)), -3);
  EXPECT_EQ(static_cast<long long>(divide_rounded(6, 3, Rounding::Up)), 2);
}

}  // namespace
}  // namespace omni
