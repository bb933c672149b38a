#include "protocol/dlt698/objects.hpp"

#include <fmt/format.h>

namespace omni::protocol::dlt698 {

namespace {

using DT = DataType;

// Sources: /work/shared/notes/protocols.md §3.5 (two terminal codebases agree on these types);
// power factor is typed long (one configuration file says long-unsigned: the decoder accepts
// any integer type whose value fits, see decode_quantities).
constexpr ObjectInfo kObjects[] = {
    {0x0000, 2, "combined active energy", DT::DoubleLong, Shape::Array, -2, Unit::kWh},
    {0x0000, 4, "combined active energy (high precision)", DT::Long64, Shape::Array, -4, Unit::kWh},
    {0x0010, 2, "forward active energy", DT::DoubleLongUnsigned, Shape::Array, -2, Unit::kWh},
    {0x0010, 4, "forward active energy (high precision)", DT::Long64Unsigned, Shape::Array, -4,
     Unit::kWh},
    {0x0020, 2, "reverse active energy", DT::DoubleLongUnsigned, Shape::Array, -2, Unit::kWh},
    {0x0020, 4, "reverse active energy (high precision)", DT::Long64Unsigned, Shape::Array, -4,
     Unit::kWh},
    {0x0030, 2, "combined reactive energy 1", DT::DoubleLong, Shape::Array, -2, Unit::kvarh},
    {0x0040, 2, "combined reactive energy 2", DT::DoubleLong, Shape::Array, -2, Unit::kvarh},
    {0x1010, 2, "forward active maximum demand", DT::DoubleLongUnsigned, Shape::DemandArray, -4,
     Unit::kW},
    {0x2000, 2, "voltage", DT::LongUnsigned, Shape::Array, -1, Unit::V},
    {0x2001, 2, "current", DT::DoubleLong, Shape::Array, -3, Unit::A},
    {0x2004, 2, "active power", DT::DoubleLong, Shape::Array, -1, Unit::W},
    {0x2005, 2, "reactive power", DT::DoubleLong, Shape::Array, -1, Unit::var},
    {0x2006, 2, "apparent power", DT::DoubleLong, Shape::Array, -1, Unit::VA},
    {0x200A, 2, "power factor", DT::Long, Shape::Array, -3, Unit::None},
    {0x200F, 2, "grid frequency", DT::LongUnsigned, Shape::Single, -2, Unit::Hz},
    {0x4000, 2, "date-time", DT::DateTimeS, Shape::NotAQuantity, 0, Unit::None},
    {0x4001, 2, "communication address", DT::OctetString, Shape::NotAQuantity, 0, Unit::None},
    {0x4002, 2, "meter number", DT::OctetString, Shape::NotAQuantity, 0, Unit::None},
    {0x4003, 2, "customer number", DT::OctetString, Shape::NotAQuantity, 0, Unit::None},
};

constexpr std::string_view kDarNames[] = {
    "success",                           // 0
    "hardware failure",                  // 1
    "temporary failure",                 // 2
    "read/write denied",                 // 3
    "object undefined",                  // 4
    "interface class mismatch",          // 5
    "object does not exist",             // 6
    "type mismatch",                     // 7
    "out of range",                      // 8
    "data block unavailable",            // 9
    "fragmented transfer cancelled",     // 10
    "not in fragmented transfer",        // 11
    "block write cancelled",             // 12
    "no block-write state",              // 13
    "invalid block number",              // 14
    "password wrong / unauthorised",     // 15
    "baud rate cannot change",           // 16
    "too many annual zones",             // 17
    "too many daily periods",            // 18
    "too many tariffs",                  // 19
    "security authentication mismatch",  // 20
    "duplicate recharge",                // 21
    "ESAM verification failed",          // 22
    "security authentication failed",    // 23
    "customer number mismatch",          // 24
    "wrong recharge count",              // 25
    "purchase exceeds hoarding limit",   // 26
    "address abnormal",                  // 27
    "symmetric decryption error",        // 28
    "asymmetric decryption error",       // 29
    "signature error",                   // 30
    "meter suspended",                   // 31
    "invalid time tag",                  // 32
    "request timed out",                 // 33
    "ESAM P1P2 wrong",                   // 34
    "ESAM LC wrong",                     // 35
};

// One element of a row: the quantity of `v` (for DemandArray, of the structure's first item).
Result<std::optional<Quantity>> element_quantity(const ObjectInfo& row, const DataView& v) {
  if (row.shape == Shape::DemandArray && v.type == DataType::Structure) {
    auto list = as_list(v);
    if (!list) return fail(list.error());
    if (list->count < 1) return fail(ErrorCode::Malformed, "empty demand structure");
    auto first = list->items.read_data();
    if (!first) return fail(first.error());
    return to_quantity(*first, row.scaler, row.unit);
  }
  return to_quantity(v, row.scaler, row.unit);
}

}  // namespace

const ObjectInfo* find_object(const Oad& oad) {
  for (const auto& row : kObjects) {
    if (row.oi == oad.oi && row.attribute == oad.attribute_id()) return &row;
  }
  return nullptr;
}

std::span<const ObjectInfo> object_table() { return kObjects; }

Result<std::optional<Quantity>> to_quantity(const DataView& value, int scaler, Unit unit) {
  if (value.type == DataType::Null) return std::optional<Quantity>{};
  auto raw = value.as_int();
  if (!raw) return fail(raw.error());
  if (scaler <= 0) {
    if (-scaler > kMaxScale) return fail(ErrorCode::OutOfRange, "scaler below -18");
    return std::optional<Quantity>(Quantity(*raw, -scaler, unit));
  }
  if (scaler > 18) return fail(ErrorCode::OutOfRange, "scaler above 18");
  Int128 v = static_cast<Int128>(*raw) * pow10_i64(scaler);
  if (v > std::numeric_limits<std::int64_t>::max() ||
      v < std::numeric_limits<std::int64_t>::min()) {
    return fail(ErrorCode::OutOfRange, "scaled value does not fit int64");
  }
  return std::optional<Quantity>(Quantity(static_cast<std::int64_t>(v), 0, unit));
}

Result<std::size_t> decode_quantities(const Oad& oad, const DataView& value,
                                      std::span<std::optional<Quantity>> out) {
  const ObjectInfo* row = find_object(oad);
  if (row == nullptr) {
    return fail(ErrorCode::NotFound,
                fmt::format("OAD {:08X} not in the object table", oad.value()));
  }
  if (row->shape == Shape::NotAQuantity) {
    return fail(ErrorCode::Unsupported, fmt::format("{} is not a quantity", row->name));
  }
  bool whole_array = row->shape != Shape::Single && oad.index == 0;
  if (!whole_array) {
    if (out.empty()) return fail(ErrorCode::OutOfRange, "no room for the value");
    auto q = element_quantity(*row, value);
    if (!q) return fail(q.error());
    out[0] = *q;
    return std::size_t{1};
  }
  if (value.type != DataType::Array) {
    if (value.type == DataType::Null) return std::size_t{0};
    return fail(ErrorCode::Unsupported,
                fmt::format("{} should be an array, is {}", row->name,
                            data_type_name(static_cast<std::uint8_t>(value.type))));
  }
  auto list = as_list(value);
  if (!list) return fail(list.error());
  if (list->count > out.size()) {
    return fail(ErrorCode::OutOfRange,
                fmt::format("{} has {} values, room for {}", row->name, list->count, out.size()));
  }
  for (std::size_t i = 0; i < list->count; ++i) {
    auto item = list->items.read_data();
    if (!item) return fail(item.error());
    auto q = element_quantity(*row, *item);
    if (!q) return fail(q.error());
    out[i] = *q;
  }
  return list->count;
}

std::string_view dar_name(std::uint8_t dar) {
  if (dar < std::size(kDarNames)) return kDarNames[dar];
  if (dar == 255) return "other";
  return "unknown";
}

}  // namespace omni::protocol::dlt698
