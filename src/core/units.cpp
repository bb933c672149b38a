#include "core/units.hpp"

#include <fmt/format.h>

namespace omni {
namespace {

struct EnergyRow {
  EnergyKind kind;
  std::string_view name;
  std::string_view name_zh;
};
constexpr EnergyRow kEnergies[] = {
    {EnergyKind::Water, "water", "水"},
    {EnergyKind::Electricity, "electricity", "电"},
    {EnergyKind::Gas, "gas", "气"},
    {EnergyKind::Heat, "heat", "热"},
};

// One row per unit, in the order of the enum (checked below). Factors are to the base unit of
// the dimension: J, varh, W, var, VA, V, A, Hz, L, L/h, Pa, s, %, kgce.
constexpr UnitInfo kUnits[] = {
    {Unit::None, "", "", "", Dimension::None, 1, 1},
    {Unit::Wh, "Wh", "Wh", "瓦时", Dimension::ActiveEnergy, 3'600, 1},
    {Unit::kWh, "kWh", "kWh", "千瓦时", Dimension::ActiveEnergy, 3'600'000, 1},
    {Unit::MWh, "MWh", "MWh", "兆瓦时", Dimension::ActiveEnergy, 3'600'000'000, 1},
    {Unit::varh, "varh", "varh", "乏时", Dimension::ReactiveEnergy, 1, 1},
    {Unit::kvarh, "kvarh", "kvarh", "千乏时", Dimension::ReactiveEnergy, 1'000, 1},
    {Unit::W, "W", "W", "瓦", Dimension::Power, 1, 1},
    {Unit::kW, "kW", "kW", "千瓦", Dimension::Power, 1'000, 1},
    {Unit::MW, "MW", "MW", "兆瓦", Dimension::Power, 1'000'000, 1},
    {Unit::var, "var", "var", "乏", Dimension::ReactivePower, 1, 1},
    {Unit::kvar, "kvar", "kvar", "千乏", Dimension::ReactivePower, 1'000, 1},
    {Unit::VA, "VA", "VA", "伏安", Dimension::ApparentPower, 1, 1},
    {Unit::kVA, "kVA", "kVA", "千伏安", Dimension::ApparentPower, 1'000, 1},
    {Unit::V, "V", "V", "伏", Dimension::Voltage, 1, 1},
    {Unit::A, "A", "A", "安", Dimension::Current, 1, 1},
    {Unit::Hz, "Hz", "Hz", "赫兹", Dimension::Frequency, 1, 1},
    {Unit::J, "J", "J", "焦耳", Dimension::ActiveEnergy, 1, 1},
    {Unit::kJ, "kJ", "kJ", "千焦", Dimension::ActiveEnergy, 1'000, 1},
    {Unit::MJ, "MJ", "MJ", "兆焦", Dimension::ActiveEnergy, 1'000'000, 1},
    {Unit::GJ, "GJ", "GJ", "吉焦", Dimension::ActiveEnergy, 1'000'000'000, 1},
    {Unit::L, "L", "L", "升", Dimension::Volume, 1, 1},
    {Unit::m3, "m³", "m3", "立方米", Dimension::Volume, 1'000, 1},
    {Unit::L_per_h, "L/h", "L/h", "升每小时", Dimension::VolumeFlow, 1, 1},
    {Unit::m3_per_h, "m³/h", "m3/h", "立方米每小时", Dimension::VolumeFlow, 1'000, 1},
    {Unit::degC, "°C", "degC", "摄氏度", Dimension::Temperature, 1, 1},
    {Unit::K, "K", "K", "开尔文", Dimension::Temperature, 1, 1},
    {Unit::Percent, "%", "%", "百分比", Dimension::Ratio, 1, 1},
    {Unit::Second, "s", "s", "秒", Dimension::Time, 1, 1},
    {Unit::Hour, "h", "h", "小时", Dimension::Time, 3'600, 1},
    {Unit::kPa, "kPa", "kPa", "千帕", Dimension::Pressure, 1'000, 1},
    {Unit::MPa, "MPa", "MPa", "兆帕", Dimension::Pressure, 1'000'000, 1},
    {Unit::kgce, "kgce", "kgce", "千克标准煤", Dimension::CoalEquivalent, 1, 1},
    {Unit::tce, "tce", "tce", "吨标准煤", Dimension::CoalEquivalent, 1'000, 1},
};

constexpr bool table_in_enum_order() {
  for (std::size_t i = 0; i < std::size(kUnits); ++i) {
    if (static_cast<std::size_t>(kUnits[i].unit) != i) return false;
  }
  return static_cast<std::size_t>(Unit::tce) + 1 == std::size(kUnits);
}
static_assert(table_in_enum_order(), "kUnits must list every Unit in enum order");

}  // namespace

std::string_view energy_kind_name(EnergyKind k) {
  return kEnergies[static_cast<std::size_t>(k)].name;
}

std::string_view energy_kind_name_zh(EnergyKind k) {
  return kEnergies[static_cast<std::size_t>(k)].name_zh;
}

Result<EnergyKind> parse_energy_kind(std::string_view name) {
  for (const auto& row : kEnergies) {
    if (name == row.name || name == row.name_zh) return row.kind;
  }
  return fail(ErrorCode::NotFound,
              fmt::format("\"{}\" is not an energy kind (water, electricity, gas, heat)", name));
}

const UnitInfo& unit_info(Unit u) { return kUnits[static_cast<std::size_t>(u)]; }
std::string_view unit_symbol(Unit u) { return unit_info(u).symbol; }
std::string_view unit_name_zh(Unit u) { return unit_info(u).name_zh; }
Dimension unit_dimension(Unit u) { return unit_info(u).dimension; }

Result<Unit> parse_unit(std::string_view symbol) {
  for (const auto& row : kUnits) {
    if (row.unit != Unit::None && (symbol == row.symbol || symbol == row.ascii_symbol)) {
      return row.unit;
    }
  }
  return fail(ErrorCode::NotFound, fmt::format("\"{}\" is not a known unit", symbol));
}

}  // namespace omni
