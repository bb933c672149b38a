#pragma once
// The DL/T 645 data-identifier catalogue as a table: one row per item (or family of items that
// share a layout), with its value format, size, implied decimals, sign rule and unit. Adding an
// item means adding a row and a test vector, not writing a function.
//
// 2007 identifiers are four bytes DI3 DI2 DI1 DI0, written here as one number (0x00010000 =
// forward active energy, total, current) and sent DI0 first. A row may stand for a range of DI1
// (tariffs 1..4) and DI0 (settlement day or freeze index): energy item 0x00010203 is "forward
// active energy, tariff 2, third previous settlement day".
// 1997 identifiers are two bytes (0x9010) and have their own table.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/quantity.hpp"
#include "core/time.hpp"

namespace omni::protocol::dlt645 {

enum class ValueFormat : std::uint8_t {
  Unsigned,   // BCD, `decimals` implied decimals
  Signed,     // BCD, the top bit of the most significant byte is the sign (DL/T 645-2007 §A)
  DemandTime, // XX.XXXX demand (3 bytes, signed) followed by its time YYMMDDhhmm (5 bytes)
  DateTime,   // YYMMDDhhmm (5 bytes, sent mm hh DD MM YY)
  Date,       // YYMMDDWW (4 bytes, sent WW DD MM YY; WW 0 = Sunday)
  Time,       // hhmmss (3 bytes, sent ss mm hh)
  Digits,     // BCD digits kept as text (addresses, meter numbers)
  Bits,       // a status word, kept raw
};

struct DataItem {
  std::uint32_t di;       // the first identifier of the row (DI1 = di1_first, DI0 = di0_first)
  std::uint8_t di1_last;  // DI1 may run from di1_first to this (tariffs); = DI1 of `di` if fixed
  std::uint8_t di0_last;  // DI0 may run from DI0 of `di` to this (settlement day, freeze index)
  std::string_view name;
  ValueFormat format;
  std::uint8_t bytes;     // bytes of one value
  std::uint8_t decimals;  // implied decimals of one value
  std::uint8_t count;     // values in the item (a block of total + 4 tariffs has 5)
  Unit unit;
};

// The row describing `di`, or nullptr when the catalogue does not know it.
const DataItem* find_item(std::uint32_t di);
const DataItem* find_item_1997(std::uint16_t di);
std::span<const DataItem> catalogue();
std::span<const DataItem> catalogue_1997();

// Value `index` (0-based, < item.count) of a reply's data (the bytes after the DI) as a
// Quantity in the item's unit. Errors: Malformed (too few bytes), OutOfRange (not BCD: some
// meters send FF FF for an absent phase, which is "no value", not a broken frame),
// Unsupported (a format that is not a number: dates, digits, bits).
Result<Quantity> decode_quantity(const DataItem& item, std::span<const std::uint8_t> data,
                                 std::size_t index = 0);
// The inverse, for the device side: writes one value (item.bytes) at `out`.
// Errors: Unsupported (unit or format), OutOfRange (does not fit).
Status encode_quantity(const DataItem& item, const Quantity& value, std::span<std::uint8_t> out);

// DateTime / Date / Time formats and the time of a DemandTime value, as meter-local civil time.
// Errors: Malformed (too few bytes), OutOfRange (not BCD, impossible date).
Result<CivilTime> decode_civil_time(const DataItem& item, std::span<const std::uint8_t> data,
                                    std::size_t index = 0);
Status encode_civil_time(const DataItem& item, const CivilTime& t, std::span<std::uint8_t> out);

// Digits format: "000000123456" (most significant digit first, as printed on the meter).
Result<std::string> decode_digits(const DataItem& item, std::span<const std::uint8_t> data);

}  // namespace omni::protocol::dlt645
