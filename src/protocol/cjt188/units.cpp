#include "protocol/cjt188/units.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/bcd.hpp"

namespace omni::protocol::cjt188 {
namespace {

// CJ/T 188-2004 unit table, as a water-meter firmware header and a heat-meter test tool list it
// (the two agree code for code).
constexpr UnitCode kUnitCodes[] = {
    {0x01, Unit::J, 0, "J"},         {0x02, Unit::Wh, 0, "Wh"},
    {0x05, Unit::kWh, 0, "kWh"},     {0x08, Unit::MWh, 0, "MWh"},
    {0x0A, Unit::MWh, 2, "MWh×100"}, {0x0B, Unit::kJ, 0, "kJ"},
    {0x0E, Unit::MJ, 0, "MJ"},       {0x11, Unit::GJ, 0, "GJ"},
    {0x13, Unit::GJ, 2, "GJ×100"},   {0x14, Unit::W, 0, "W"},
    {0x17, Unit::kW, 0, "kW"},       {0x1A, Unit::MW, 0, "MW"},
    {0x29, Unit::L, 0, "L"},         {0x2C, Unit::m3, 0, "m³"},
    {0x32, Unit::L_per_h, 0, "L/h"}, {0x35, Unit::m3_per_h, 0, "m³/h"},
};

// Value fields are at most 4 bytes = 8 digits.
constexpr std::int64_t kMaxDigits8 = 99'999'999;

// The mantissa `value` has to be sent with at `scale` decimals, truncated toward zero.
Result<std::int64_t> mantissa_at(const Quantity& value, int scale, std::size_t bytes) {
  std::int64_t m = 0;
  if (scale >= 0) {
    auto r = value.rescaled(scale, Rounding::Down);
    if (!r) return fail(r.error());
    m = r->mantissa();
  } else {
    // "× 100" units with fewer decimals than the shift: the register counts hundreds.
    auto r = value.rescaled(0, Rounding::Down);
    if (!r) return fail(r.error());
    m = r->mantissa() / pow10_i64(-scale);
  }
  std::int64_t max = bytes >= 4 ? kMaxDigits8 : pow10_i64(static_cast<int>(2 * bytes)) - 1;
  if (m < 0 || m > max) {
    return fail(ErrorCode::OutOfRange, fmt::format("CJ/T 188 value {} does not fit in {} BCD bytes",
                                                   value.to_string(), bytes));
  }
  return m;
}

}  // namespace

const UnitCode* find_unit_code(std::uint8_t code) {
  for (const auto& u : kUnitCodes) {
    if (u.code == code) return &u;
  }
  return nullptr;
}

const UnitCode* unit_code_for(Unit unit) {
  for (const auto& u : kUnitCodes) {
    if (u.unit == unit && u.scale_shift == 0) return &u;
  }
  return nullptr;
}

std::span<const UnitCode> unit_codes() { return kUnitCodes; }

Reading decode_reading(std::span<const std::uint8_t, 5> bytes, int decimals) {
  Reading r;
  r.unit_code = bytes[4];
  auto digits = bcd_decode(bytes.first(4), ByteOrder::LittleEndian);
  if (!digits) return r;
  const UnitCode* u = find_unit_code(r.unit_code);
  Unit unit = u != nullptr ? u->unit : Unit::None;
  int scale = decimals - (u != nullptr ? u->scale_shift : 0);
  auto m = static_cast<std::int64_t>(*digits);
  if (scale < 0) {
    m *= pow10_i64(-scale);
    scale = 0;
  }
  r.value = Quantity(m, scale, unit);
  return r;
}

Status encode_reading(const Reading& reading, int decimals, std::span<std::uint8_t, 5> out) {
  out[4] = reading.unit_code;
  if (!reading.value) {
    std::fill_n(out.begin(), 4, std::uint8_t{0xFF});
    return ok();
  }
  const UnitCode* u = find_unit_code(reading.unit_code);
  Unit unit = u != nullptr ? u->unit : Unit::None;
  if (reading.value->unit() != unit) {
    return fail(ErrorCode::Unsupported,
                fmt::format("CJ/T 188 unit code {:02X} cannot carry a value in {}",
                            reading.unit_code, unit_symbol(reading.value->unit())));
  }
  int scale = decimals - (u != nullptr ? u->scale_shift : 0);
  auto m = mantissa_at(*reading.value, scale, 4);
  if (!m) return fail(m.error());
  return bcd_encode(static_cast<std::uint64_t>(*m), out.first(4), ByteOrder::LittleEndian);
}

Result<Reading> make_reading(const Quantity& value) {
  const UnitCode* u = unit_code_for(value.unit());
  if (u == nullptr) {
    return fail(ErrorCode::Unsupported,
                fmt::format("CJ/T 188 has no unit code for {}", unit_symbol(value.unit())));
  }
  return Reading{value, u->code};
}

std::optional<Quantity> decode_bcd_quantity(std::span<const std::uint8_t> bytes, int decimals,
                                            Unit unit) {
  auto digits = bcd_decode(bytes, ByteOrder::LittleEndian);
  if (!digits) return std::nullopt;
  return Quantity(static_cast<std::int64_t>(*digits), decimals, unit);
}

Status encode_bcd_quantity(const std::optional<Quantity>& value, int decimals, Unit unit,
                           std::span<std::uint8_t> out) {
  if (!value) {
    std::fill(out.begin(), out.end(), std::uint8_t{0xFF});
    return ok();
  }
  if (value->unit() != unit) {
    return fail(ErrorCode::Unsupported, fmt::format("CJ/T 188 field in {} given a value in {}",
                                                    unit_symbol(unit), unit_symbol(value->unit())));
  }
  auto m = mantissa_at(*value, decimals, out.size());
  if (!m) return fail(m.error());
  return bcd_encode(static_cast<std::uint64_t>(*m), out, ByteOrder::LittleEndian);
}

}  // namespace omni::protocol::cjt188
