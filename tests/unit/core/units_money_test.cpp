#include <gtest/gtest.h>

#include "core/money.hpp"
#include "core/units.hpp"

namespace omni {
namespace {

TEST(Units, EnergyKindsHaveEnglishAndChineseNames) {
  EXPECT_EQ(kAllEnergyKinds.size(), 4u);
  EXPECT_EQ(energy_kind_name(EnergyKind::Heat), "heat");
  EXPECT_EQ(energy_kind_name_zh(EnergyKind::Water), "水");
  for (auto k : kAllEnergyKinds) {
    EXPECT_EQ(*parse_energy_kind(energy_kind_name(k)), k);
    EXPECT_EQ(*parse_energy_kind(energy_kind_name_zh(k)), k);
  }
  EXPECT_EQ(parse_energy_kind("steam").error().code, ErrorCode::NotFound);
}

TEST(Units, SymbolsParseBothWaysAndShareDimensionsWhereTheyShould) {
  EXPECT_EQ(*parse_unit("m³"), Unit::m3);
  EXPECT_EQ(*parse_unit("m3"), Unit::m3);
  EXPECT_EQ(*parse_unit("m3/h"), Unit::m3_per_h);
  EXPECT_EQ(unit_symbol(Unit::degC), "°C");
  EXPECT_EQ(unit_name_zh(Unit::tce), "吨标准煤");
  EXPECT_EQ(unit_dimension(Unit::kWh), unit_dimension(Unit::GJ));
  EXPECT_NE(unit_dimension(Unit::kWh), unit_dimension(Unit::kvarh));
  EXPECT_FALSE(parse_unit("furlong"));
  EXPECT_FALSE(parse_unit(""));
}

TEST(Money, FenFormatsAndParsesYuan) {
  EXPECT_EQ(Fen{-1205}.to_yuan_string(), "-12.05");
  EXPECT_EQ(Fen{5}.to_yuan_string(), "0.05");
  EXPECT_EQ(Fen::parse_yuan("12.5")->value, 1250);
  EXPECT_EQ(Fen::parse_yuan("-0.01")->value, -1);
  EXPECT_EQ(Fen::parse_yuan("3")->value, 300);
  EXPECT_EQ(Fen::parse_yuan("1.005").error().code, ErrorCode::Malformed);
  EXPECT_FALSE(Fen::parse_yuan("12,50"));
  EXPECT_EQ((Fen{100} + Fen{250} - Fen{50}).value, 300);
}

TEST(Money, ChargesRoundOnceToFen) {
  // Beijing residential electricity, tier 1: 0.4883 yuan/kWh.
  auto tier1 = Price::parse("0.4883", Unit::kWh);
  ASSERT_TRUE(tier1);
  EXPECT_EQ(tier1->ten_thousandths_yuan, 4883);
  EXPECT_EQ(tier1->to_string(), "0.4883 yuan/kWh");
  // 240 kWh * 0.4883 = 117.192 yuan -> 117.19
  EXPECT_EQ(charge(*Quantity::parse("240.00", Unit::kWh), *tier1, Rounding::HalfUp)->value, 11719);
  // A half fen: 0.5 kWh * 0.0001 yuan... use 1.25 kWh * 0.5000 = 0.625 yuan -> tie at 62.5 fen.
  auto half = Price::parse("0.5", Unit::kWh);
  auto usage = *Quantity::parse("1.25", Unit::kWh);
  EXPECT_EQ(charge(usage, *half, Rounding::HalfUp)->value, 63);
  EXPECT_EQ(charge(usage, *half, Rounding::HalfEven)->value, 62);
  // Water priced per m³, register in L: converted exactly first (5.00 yuan/m³ * 1234 L).
  auto water = Price::parse("5.00", Unit::m3);
  EXPECT_EQ(charge(*Quantity::parse("1234", Unit::L), *water, Rounding::HalfUp)->value, 617);
  // Negative usage (a correction) gives a negative charge, rounded symmetrically.
  EXPECT_EQ(charge(*Quantity::parse("-240.00", Unit::kWh), *tier1, Rounding::HalfUp)->value,
            -11719);
  // Unit mismatch and overflow are errors.
  EXPECT_EQ(charge(usage, *water, Rounding::HalfUp).error().code, ErrorCode::Unsupported);
  EXPECT_EQ(charge(Quantity(INT64_MAX, 0, Unit::kWh), Price{INT64_MAX, Unit::kWh}, Rounding::HalfUp)
                .error()
                .code,
            ErrorCode::OutOfRange);
  EXPECT_EQ(Price::parse("0.48831", Unit::kWh).error().code, ErrorCode::OutOfRange);
}

}  // namespace
}  // namespace omni
