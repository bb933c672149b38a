#pragma once
// CJ/T 188 unit codes and the "value + unit" fields that carry them.
//
// Registers are sent as 4 BCD bytes (least significant first) followed by one unit-code byte.
// Two codes mean "× 100" (MWh × 100, GJ × 100): they become a Quantity in MWh / GJ with two fewer
// decimals, so the value stays exact (12.34 in "GJ × 100" is 1234 GJ).
//
// A value whose bytes are not BCD (meters send FF FF FF FF for "no value") decodes to an empty
// optional, not an error: one missing register must not throw away the rest of a reply.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "core/quantity.hpp"
#include "core/result.hpp"
#include "core/units.hpp"

namespace omni::protocol::cjt188 {

struct UnitCode {
  std::uint8_t code;
  Unit unit;
  int scale_shift;  // decimals to remove: 2 for the "× 100" codes, else 0
  std::string_view name;
};

// Codes 01 J … 35 m³/h. nullptr for a code outside the table.
const UnitCode* find_unit_code(std::uint8_t code);
// The plain (scale_shift 0) code of a unit, or nullptr when CJ/T 188 has none (°C, h, …).
const UnitCode* unit_code_for(Unit unit);
std::span<const UnitCode> unit_codes();

// One "XXXXXX.XX + unit" (or "XXXX.XXXX + unit") field.
struct Reading {
  std::optional<Quantity> value;  // empty when the meter sent non-BCD bytes
  std::uint8_t unit_code = 0x2C;  // as sent; an unknown code gives a value in Unit::None

  bool operator==(const Reading&) const = default;
};

// `bytes` is 5 long: 4 BCD bytes then the unit code. `decimals` is the format's implied
// decimals (2 for XXXXXX.XX, 4 for XXXX.XXXX). Never fails: see above.
Reading decode_reading(std::span<const std::uint8_t, 5> bytes, int decimals);
// The inverse; an empty value is written as FF FF FF FF. A value with more decimals than the
// format is truncated toward zero (as meter registers are). Errors: Unsupported (the value's
// unit does not match the unit code), OutOfRange (does not fit in 8 digits).
Status encode_reading(const Reading& reading, int decimals, std::span<std::uint8_t, 5> out);
// A Reading in `unit` using that unit's plain code. Errors: Unsupported (no code for it).
Result<Reading> make_reading(const Quantity& value);

// Plain BCD fields without unit code (temperatures XXXX.XX °C, working hours XXXXXX h).
std::optional<Quantity> decode_bcd_quantity(std::span<const std::uint8_t> bytes, int decimals,
                                            Unit unit);
// Empty -> FF bytes. Errors: OutOfRange (does not fit), Unsupported (unit differs).
Status encode_bcd_quantity(const std::optional<Quantity>& value, int decimals, Unit unit,
                           std::span<std::uint8_t> out);

}  // namespace omni::protocol::cjt188
