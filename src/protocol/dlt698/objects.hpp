#pragma once
// The object identifiers a master station reads, as a table (add a row, not a function), the
// DAR result codes, and the conversion of attribute values to omni::Quantity.
//
// Each row gives the type of one element of the attribute, whether the attribute is an array
// of such elements (total + tariffs, phases A/B/C, …), the scaler (value = raw × 10^scaler)
// and the unit. A GET-Response of 00100200 is an array of 5 double-long-unsigned with scaler
// −2, so decode_quantities() gives five kWh values with 2 decimals.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "core/quantity.hpp"
#include "protocol/dlt698/axdr.hpp"

namespace omni::protocol::dlt698 {

enum class Shape : std::uint8_t {
  Single,        // one value
  Array,         // array of values (tariffs or phases)
  DemandArray,   // array of structure {value, date_time_s}: the value is the quantity
  NotAQuantity,  // dates, addresses, tables: no Quantity conversion
};

struct ObjectInfo {
  std::uint16_t oi;
  std::uint8_t attribute;  // attribute id (bits 0..4 of the OAD attribute byte)
  std::string_view name;
  DataType type;  // type of one element
  Shape shape;
  std::int8_t scaler;
  Unit unit;
};

// Row for the OAD's OI and attribute id, or nullptr.
const ObjectInfo* find_object(const Oad& oad);
std::span<const ObjectInfo> object_table();

// One integer Data value as a Quantity: raw × 10^scaler. null gives nullopt (a meter sends
// null for a phase it does not have). Errors: Unsupported (not an integer), OutOfRange.
Result<std::optional<Quantity>> to_quantity(const DataView& value, int scaler, Unit unit);

// The value of attribute `oad` as quantities, written to `out` (one per element; the single
// element when oad.index != 0). Returns how many were written. Allocation-free.
// Errors: NotFound (OI/attribute not in the table), Unsupported (not a quantity, or the Data
// has another type than the table says), OutOfRange (more elements than `out` holds).
Result<std::size_t> decode_quantities(const Oad& oad, const DataView& value,
                                      std::span<std::optional<Quantity>> out);

// DAR: "success", "object undefined", …; "unknown" for codes not in the table.
std::string_view dar_name(std::uint8_t dar);

}  // namespace omni::protocol::dlt698
