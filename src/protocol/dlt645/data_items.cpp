#include "protocol/dlt645/data_items.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/bcd.hpp"
#include "core/meter_address.hpp"

namespace omni::protocol::dlt645 {
namespace {

using F = ValueFormat;

// DL/T 645-2007 appendix A (data identifiers), the subset a master station reads. DI0 ranges:
// 00..0C = current and the 1st..12th previous settlement day; 01..3E = 1st..62nd previous
// daily freeze.
constexpr DataItem kItems2007[] = {
    // Energy, total and tariffs 1..4, current and 12 settlement days (XXXXXX.XX).
    {0x00000000, 0x04, 0x0C, "combined active energy", F::Signed, 4, 2, 1, Unit::kWh},
    {0x0000FF00, 0xFF, 0x0C, "combined active energy block", F::Signed, 4, 2, 5, Unit::kWh},
    {0x00010000, 0x04, 0x0C, "forward active energy", F::Unsigned, 4, 2, 1, Unit::kWh},
    {0x0001FF00, 0xFF, 0x0C, "forward active energy block", F::Unsigned, 4, 2, 5, Unit::kWh},
    {0x00020000, 0x04, 0x0C, "reverse active energy", F::Unsigned, 4, 2, 1, Unit::kWh},
    {0x0002FF00, 0xFF, 0x0C, "reverse active energy block", F::Unsigned, 4, 2, 5, Unit::kWh},
    {0x00030000, 0x04, 0x0C, "combined reactive energy 1", F::Signed, 4, 2, 1, Unit::kvarh},
    {0x00040000, 0x04, 0x0C, "combined reactive energy 2", F::Signed, 4, 2, 1, Unit::kvarh},
    {0x00050000, 0x04, 0x0C, "quadrant I reactive energy", F::Unsigned, 4, 2, 1, Unit::kvarh},
    {0x00060000, 0x04, 0x0C, "quadrant II reactive energy", F::Unsigned, 4, 2, 1, Unit::kvarh},
    {0x00070000, 0x04, 0x0C, "quadrant III reactive energy", F::Unsigned, 4, 2, 1, Unit::kvarh},
    {0x00080000, 0x04, 0x0C, "quadrant IV reactive energy", F::Unsigned, 4, 2, 1, Unit::kvarh},
    // Maximum demand with its time (XX.XXXX kW + YYMMDDhhmm).
    {0x01010000, 0x04, 0x0C, "forward active maximum demand", F::DemandTime, 8, 4, 1, Unit::kW},
    {0x01020000, 0x04, 0x0C, "reverse active maximum demand", F::DemandTime, 8, 4, 1, Unit::kW},
    // Instantaneous values; phases A, B, C in DI1 = 01..03, blocks in DI1 = FF.
    {0x02010100, 0x03, 0x00, "phase voltage", F::Unsigned, 2, 1, 1, Unit::V},
    {0x0201FF00, 0xFF, 0x00, "phase voltage block", F::Unsigned, 2, 1, 3, Unit::V},
    {0x02020100, 0x03, 0x00, "phase current", F::Signed, 3, 3, 1, Unit::A},
    {0x0202FF00, 0xFF, 0x00, "phase current block", F::Signed, 3, 3, 3, Unit::A},
    {0x02030000, 0x03, 0x00, "active power", F::Signed, 3, 4, 1, Unit::kW},
    {0x0203FF00, 0xFF, 0x00, "active power block", F::Signed, 3, 4, 4, Unit::kW},
    {0x02040000, 0x03, 0x00, "reactive power", F::Signed, 3, 4, 1, Unit::kvar},
    {0x02050000, 0x03, 0x00, "apparent power", F::Signed, 3, 4, 1, Unit::kVA},
    {0x02060000, 0x03, 0x00, "power factor", F::Signed, 2, 3, 1, Unit::None},
    {0x02800001, 0x00, 0x01, "neutral current", F::Signed, 3, 3, 1, Unit::A},
    {0x02800002, 0x00, 0x02, "grid frequency", F::Unsigned, 2, 2, 1, Unit::Hz},
    // Counters of events.
    {0x03110000, 0x00, 0x00, "power-down count", F::Unsigned, 3, 0, 1, Unit::None},
    // Parameters.
    {0x04000101, 0x01, 0x01, "date and weekday", F::Date, 4, 0, 1, Unit::None},
    {0x04000102, 0x01, 0x02, "time", F::Time, 3, 0, 1, Unit::None},
    {0x04000401, 0x04, 0x01, "communication address", F::Digits, 6, 0, 1, Unit::None},
    {0x04000402, 0x04, 0x02, "meter number", F::Digits, 6, 0, 1, Unit::None},
    {0x04000409, 0x04, 0x09, "active pulse constant", F::Unsigned, 3, 0, 1, Unit::None},
    {0x04000501, 0x05, 0x07, "running status word", F::Bits, 2, 0, 1, Unit::None},
    // Frozen data: timed, hourly and daily freezes (DI0 = n-th previous freeze).
    {0x05000001, 0x00, 0x3C, "timed freeze time", F::DateTime, 5, 0, 1, Unit::None},
    {0x05040001, 0x00, 0xFE, "hourly freeze time", F::DateTime, 5, 0, 1, Unit::None},
    {0x05060001, 0x00, 0x3E, "daily freeze time", F::DateTime, 5, 0, 1, Unit::None},
    {0x05060101, 0x01, 0x3E, "daily freeze forward active energy block", F::Unsigned, 4, 2, 5,
     Unit::kWh},
    {0x05060201, 0x02, 0x3E, "daily freeze reverse active energy block", F::Unsigned, 4, 2, 5,
     Unit::kWh},
};

// DL/T 645-1997: two-byte identifiers.
constexpr DataItem kItems1997[] = {
    {0x9010, 0x90, 0x10, "forward active energy, total", F::Unsigned, 4, 2, 1, Unit::kWh},
    {0x9011, 0x90, 0x14, "forward active energy, tariff", F::Unsigned, 4, 2, 1, Unit::kWh},
    {0x901F, 0x90, 0x1F, "forward active energy block", F::Unsigned, 4, 2, 5, Unit::kWh},
    {0x9020, 0x90, 0x20, "reverse active energy, total", F::Unsigned, 4, 2, 1, Unit::kWh},
    {0x902F, 0x90, 0x2F, "reverse active energy block", F::Unsigned, 4, 2, 5, Unit::kWh},
    {0xB611, 0xB6, 0x13, "phase voltage", F::Unsigned, 2, 0, 1, Unit::V},
    {0xB621, 0xB6, 0x23, "phase current", F::Unsigned, 2, 2, 1, Unit::A},
    {0xB630, 0xB6, 0x33, "active power", F::Unsigned, 3, 4, 1, Unit::kW},
    {0xC010, 0xC0, 0x10, "date and weekday", F::Date, 4, 0, 1, Unit::None},
    {0xC011, 0xC0, 0x11, "time", F::Time, 3, 0, 1, Unit::None},
    {0xC032, 0xC0, 0x32, "meter number", F::Digits, 6, 0, 1, Unit::None},
};

std::uint8_t byte_of(std::uint32_t v, int n) { return static_cast<std::uint8_t>(v >> (8 * n)); }

bool matches_2007(const DataItem& it, std::uint32_t di) {
  if ((di & 0xFFFF0000u) != (it.di & 0xFFFF0000u)) return false;
  std::uint8_t d1 = byte_of(di, 1), d0 = byte_of(di, 0);
  return d1 >= byte_of(it.di, 1) && d1 <= it.di1_last && d0 >= byte_of(it.di, 0) &&
         d0 <= it.di0_last;
}

Result<std::span<const std::uint8_t>> value_bytes(const DataItem& item,
                                                  std::span<const std::uint8_t> data,
                                                  std::size_t index) {
  if (index >= item.count) {
    return fail(ErrorCode::OutOfRange,
                fmt::format("{} has {} values, not {}", item.name, item.count, index + 1));
  }
  std::size_t offset = index * item.bytes;
  if (data.size() < offset + item.bytes) {
    return fail(ErrorCode::Malformed, fmt::format("{}: {} bytes, value {} needs {}", item.name,
                                                  data.size(), index + 1, offset + item.bytes));
  }
  return data.subspan(offset, item.bytes);
}

}  // namespace

std::span<const DataItem> catalogue() { return kItems2007; }
std::span<const DataItem> catalogue_1997() { return kItems1997; }

const DataItem* find_item(std::uint32_t di) {
  for (const auto& it : kItems2007) {
    if (matches_2007(it, di)) return &it;
  }
  return nullptr;
}

const DataItem* find_item_1997(std::uint16_t di) {
  // 1997 rows: di is the first identifier; (di1_last, di0_last) is the last one.
  for (const auto& it : kItems1997) {
    std::uint16_t last = static_cast<std::uint16_t>((it.di1_last << 8) | it.di0_last);
    if (di >= it.di && di <= last) return &it;
  }
  return nullptr;
}

Result<Quantity> decode_quantity(const DataItem& item, std::span<const std::uint8_t> data,
                                 std::size_t index) {
  auto bytes = value_bytes(item, data, index);
  if (!bytes) return fail(bytes.error());
  switch (item.format) {
    case F::Unsigned: {
      auto v = bcd_decode(*bytes, ByteOrder::LittleEndian);
      if (!v) return fail(ErrorCode::OutOfRange, fmt::format("{}: {}", item.name, v.error().detail));
      return Quantity(static_cast<std::int64_t>(*v), item.decimals, item.unit);
    }
    case F::Signed: {
      auto v = bcd_decode_signed(*bytes, ByteOrder::LittleEndian);
      if (!v) return fail(ErrorCode::OutOfRange, fmt::format("{}: {}", item.name, v.error().detail));
      return Quantity(*v, item.decimals, item.unit);
    }
    case F::DemandTime: {
      auto v = bcd_decode_signed(bytes->first(3), ByteOrder::LittleEndian);
      if (!v) return fail(ErrorCode::OutOfRange, fmt::format("{}: {}", item.name, v.error().detail));
      return Quantity(*v, item.decimals, item.unit);
    }
    default:
      return fail(ErrorCode::Unsupported, fmt::format("{} is not a number", item.name));
  }
}

Status encode_quantity(const DataItem& item, const Quantity& value, std::span<std::uint8_t> out) {
  if (value.unit() != item.unit) {
    return fail(ErrorCode::Unsupported, fmt::format("{} is in {}, not {}", item.name,
                                                    unit_symbol(item.unit), unit_symbol(value.unit())));
  }
  std::size_t width = item.format == F::DemandTime ? 3 : item.bytes;
  if (out.size() < width) return fail(ErrorCode::OutOfRange, "no room for the value");
  auto scaled = value.rescaled(item.decimals, Rounding::HalfEven);
  if (!scaled) return fail(scaled.error());
  switch (item.format) {
    case F::Unsigned:
      if (scaled->mantissa() < 0) {
        return fail(ErrorCode::OutOfRange, fmt::format("{} cannot be negative", item.name));
      }
      return bcd_encode(static_cast<std::uint64_t>(scaled->mantissa()), out.first(width),
                        ByteOrder::LittleEndian);
    case F::Signed:
    case F::DemandTime:
      return bcd_encode_signed(scaled->mantissa(), out.first(width), ByteOrder::LittleEndian);
    default:
      return fail(ErrorCode::Unsupported, fmt::format("{} is not a number", item.name));
  }
}

Result<CivilTime> decode_civil_time(const DataItem& item, std::span<const std::uint8_t> data,
                                    std::size_t index) {
  auto bytes = value_bytes(item, data, index);
  if (!bytes) return fail(bytes.error());
  std::span<const std::uint8_t> b = *bytes;
  unsigned f[6] = {0, 0, 0, 0, 0, 0};  // wire order, least significant field first
  std::size_t fields = 0;
  std::size_t skip = 0;
  switch (item.format) {
    case F::DateTime: fields = 5; break;
    case F::DemandTime: fields = 5; skip = 3; break;
    case F::Date: fields = 4; break;
    case F::Time: fields = 3; break;
    default: return fail(ErrorCode::Unsupported, fmt::format("{} is not a time", item.name));
  }
  for (std::size_t i = 0; i < fields; ++i) {
    auto v = from_bcd_byte(b[skip + i]);
    if (!v) return fail(ErrorCode::OutOfRange, fmt::format("{}: byte {:02X} is not BCD", item.name,
                                                           b[skip + i]));
    f[i] = *v;
  }
  Result<CivilTime> t = fail(ErrorCode::Internal, "");
  // DL/T 645 years are two digits; meters in service are all from 2000 on.
  switch (item.format) {
    case F::DateTime:
    case F::DemandTime:  // mm hh DD MM YY
      t = CivilTime::make(2000 + static_cast<int>(f[4]), static_cast<int>(f[3]),
                          static_cast<int>(f[2]), static_cast<int>(f[1]), static_cast<int>(f[0]), 0);
      break;
    case F::Date:  // WW DD MM YY
      t = CivilTime::make(2000 + static_cast<int>(f[3]), static_cast<int>(f[2]),
                          static_cast<int>(f[1]));
      break;
    default:  // ss mm hh: a time of day, dated 2000-01-01
      t = CivilTime::make(2000, 1, 1, static_cast<int>(f[2]), static_cast<int>(f[1]),
                          static_cast<int>(f[0]));
  }
  if (!t) return fail(ErrorCode::OutOfRange, fmt::format("{}: {}", item.name, t.error().detail));
  return t;
}

Status encode_civil_time(const DataItem& item, const CivilTime& t, std::span<std::uint8_t> out) {
  auto bcd = [](int v) { return to_bcd_byte(static_cast<unsigned>(v % 100)); };
  switch (item.format) {
    case F::DateTime:
      if (out.size() < 5) break;
      out[0] = bcd(t.minute), out[1] = bcd(t.hour), out[2] = bcd(t.day), out[3] = bcd(t.month),
      out[4] = bcd(t.year);
      return ok();
    case F::Date:
      if (out.size() < 4) break;
      out[0] = bcd(iso_weekday(t.year, t.month, t.day) % 7);  // 0 = Sunday
      out[1] = bcd(t.day), out[2] = bcd(t.month), out[3] = bcd(t.year);
      return ok();
    case F::Time:
      if (out.size() < 3) break;
      out[0] = bcd(t.second), out[1] = bcd(t.minute), out[2] = bcd(t.hour);
      return ok();
    default:
      return fail(ErrorCode::Unsupported, fmt::format("{} is not a time", item.name));
  }
  return fail(ErrorCode::OutOfRange, "no room for the time");
}

Result<std::string> decode_digits(const DataItem& item, std::span<const std::uint8_t> data) {
  auto bytes = value_bytes(item, data, 0);
  if (!bytes) return fail(bytes.error());
  auto a = MeterAddress::from_wire(*bytes, ByteOrder::LittleEndian);
  if (!a) return fail(ErrorCode::OutOfRange, fmt::format("{}: {}", item.name, a.error().detail));
  return a->to_string();
}

}  // namespace omni::protocol::dlt645
