#pragma once
// Standard-coal (标准煤) conversion of the four energies (P-STAT-3), in integer arithmetic.
//
// A coefficient is a rational number of kilograms of coal equivalent (kgce) per reporting unit
// of the energy: kWh for electricity, m³ for water and gas, GJ for heat (see
// reporting_unit()). Rationals, not doubles, so that a kgce figure recomputed anywhere (at
// ingest, by rebuild_rollups(), by another instance) is the same integer.
//
// Defaults follow GB/T 2589-2020 《综合能耗计算通则》 (General rules for calculation of the
// comprehensive energy consumption); the sources checked are cited in coal.cpp. A city that
// measures the calorific value of its own gas supply sets `gas` from it (the standard gives a
// range of 1.1000–1.3300 kgce/m³ for natural gas; 1.2143 is the value for 38 931 kJ/m³).
//
// Changing the coefficients changes the kgce of new usage only: run
// DataCentre::rebuild_rollups() to restate history.
//
// Thread safety: value types and pure functions.

#include <cstdint>

#include "core/result.hpp"
#include "core/units.hpp"

namespace omni::cloud {

// Decimals of every stored usage and kgce figure: usage is an integer number of
// 10^-6 reporting units (mWh, mL, kJ), kgce an integer number of 10^-6 kgce (mg of coal
// equivalent). Heat registers in kWh (0.01 kWh = 36 kJ) convert exactly at this scale.
inline constexpr int kUsageScale = 6;
inline constexpr int kCoalScale = 6;

// The unit usage of an energy is reported in: kWh, m³ (water), m³ (gas), GJ.
Unit reporting_unit(EnergyKind kind);

struct CoalRatio {
  std::int64_t numerator = 0;    // kgce …
  std::int64_t denominator = 1;  // … per this many reporting units; > 0
};

struct CoalCoefficients {
  // Electricity, calorific equivalent (当量值) 0.1229 kgce/kWh (3 600 kJ / 29 307.6 kJ).
  CoalRatio electricity{1229, 10000};
  // Fresh water (新水), an energy-carrying medium (耗能工质): 0.0857 kgce/t; 1 m³ = 1 t.
  CoalRatio water{857, 10000};
  // Natural gas: 1.2143 kgce/m³ (38 931 kJ/m³).
  CoalRatio gas{12143, 10000};
  // Heat: 0.03412 kgce/MJ = 34.12 kgce/GJ.
  CoalRatio heat{3412, 100};

  const CoalRatio& of(EnergyKind kind) const;
  // Errors: Config when a denominator is not positive or a numerator is negative.
  Status validate() const;
};

// kgce (scale kCoalScale) of `usage` (scale kUsageScale, reporting unit of `kind`), rounded
// half to even once. REQUIRES: coefficients validated. Saturates at the int64 range (a usage
// that large is already rejected at derivation).
std::int64_t to_kgce(std::int64_t usage, EnergyKind kind, const CoalCoefficients& coal);

}  // namespace omni::cloud
