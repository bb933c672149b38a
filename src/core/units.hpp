#pragma once
// Energy kinds and physical units, as one table each (add a row, not a function).
//
// Every unit belongs to a dimension and has an exact factor to that dimension's base unit, so
// conversions (kWh -> GJ for heat, L -> m³, kW -> MW) are exact rational arithmetic on integers:
// see Quantity::converted(). Heat energy (GJ, MJ) and electrical energy (kWh) share one
// dimension because they are the same physical quantity: 1 kWh = 3.6 MJ exactly.
//
// Temperatures (°C, K) convert affinely (K = °C + 273.15): Quantity::converted() supports that
// pair explicitly.

#include <array>
#include <cstdint>
#include <string_view>

#include "core/result.hpp"

namespace omni {

// The four energies of the standard (水, 电, 气, 热).
enum class EnergyKind : std::uint8_t { Water, Electricity, Gas, Heat };

inline constexpr std::array<EnergyKind, 4> kAllEnergyKinds = {
    EnergyKind::Water, EnergyKind::Electricity, EnergyKind::Gas, EnergyKind::Heat};

std::string_view energy_kind_name(EnergyKind k);     // "water"
std::string_view energy_kind_name_zh(EnergyKind k);  // "水"
// Accepts the English or the Chinese name. Errors: NotFound.
Result<EnergyKind> parse_energy_kind(std::string_view name);

enum class Dimension : std::uint8_t {
  None,
  ActiveEnergy,    // base J   (Wh, kWh, MWh, J, kJ, MJ, GJ)
  ReactiveEnergy,  // base varh
  Power,           // base W
  ReactivePower,   // base var
  ApparentPower,   // base VA
  Voltage,         // base V
  Current,         // base A
  Frequency,       // base Hz
  Volume,          // base L
  VolumeFlow,      // base L/h
  Temperature,     // °C and K: affine, see Quantity::converted()
  Pressure,        // base Pa
  Time,            // base s
  Ratio,           // %
  CoalEquivalent,  // base kgce (kilogram of standard coal equivalent, GB/T 2589)
};

enum class Unit : std::uint8_t {
  None,
  Wh,
  kWh,
  MWh,
  varh,
  kvarh,
  W,
  kW,
  MW,
  var,
  kvar,
  VA,
  kVA,
  V,
  A,
  Hz,
  J,
  kJ,
  MJ,
  GJ,
  L,
  m3,
  L_per_h,
  m3_per_h,
  degC,
  K,
  Percent,
  Second,
  Hour,
  kPa,
  MPa,
  kgce,
  tce,
};

struct UnitInfo {
  Unit unit;
  std::string_view symbol;        // "m³"
  std::string_view ascii_symbol;  // "m3": for files, URLs and configuration
  std::string_view name_zh;       // "立方米"
  Dimension dimension;
  // Exact factor to the dimension's base unit: value_in_base = value * numerator / denominator.
  std::int64_t numerator;
  std::int64_t denominator;
};

const UnitInfo& unit_info(Unit u);
std::string_view unit_symbol(Unit u);
std::string_view unit_name_zh(Unit u);
Dimension unit_dimension(Unit u);
// Accepts the symbol ("m³", "kWh") or its ASCII form ("m3"). Errors: NotFound.
Result<Unit> parse_unit(std::string_view symbol);

}  // namespace omni
