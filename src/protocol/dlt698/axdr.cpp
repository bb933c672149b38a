#include "protocol/dlt698/axdr.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

namespace omni::protocol::dlt698 {

namespace {

// Size of the content of each fixed-size type; kVariable for the others, kNotAType for bytes
// that are not tags.
constexpr std::int8_t kVariable = -1;
constexpr std::int8_t kNotAType = -2;

struct TypeInfo {
  DataType type;
  std::string_view name;
  std::int8_t size;
};

constexpr TypeInfo kTypes[] = {
    {DataType::Null, "null", 0},
    {DataType::Array, "array", kVariable},
    {DataType::Structure, "structure", kVariable},
    {DataType::Bool, "bool", 1},
    {DataType::BitString, "bit-string", kVariable},
    {DataType::DoubleLong, "double-long", 4},
    {DataType::DoubleLongUnsigned, "double-long-unsigned", 4},
    {DataType::OctetString, "octet-string", kVariable},
    {DataType::VisibleString, "visible-string", kVariable},
    {DataType::Utf8String, "UTF8-string", kVariable},
    {DataType::Integer, "integer", 1},
    {DataType::Long, "long", 2},
    {DataType::Unsigned, "unsigned", 1},
    {DataType::LongUnsigned, "long-unsigned", 2},
    {DataType::Long64, "long64", 8},
    {DataType::Long64Unsigned, "long64-unsigned", 8},
    {DataType::Enum, "enum", 1},
    {DataType::Float32, "float32", 4},
    {DataType::Float64, "float64", 8},
    {DataType::DateTime, "date_time", 10},
    {DataType::Date, "date", 5},
    {DataType::Time, "time", 3},
    {DataType::DateTimeS, "date_time_s", 7},
    {DataType::Oi, "OI", 2},
    {DataType::Oad, "OAD", 4},
    {DataType::Road, "ROAD", kVariable},
    {DataType::Omd, "OMD", 4},
    {DataType::Ti, "TI", 3},
    {DataType::Tsa, "TSA", kVariable},
    {DataType::Mac, "MAC", kVariable},
    {DataType::Rn, "RN", kVariable},
    {DataType::Region, "Region", kVariable},
    {DataType::ScalerUnit, "Scaler_Unit", 2},
    {DataType::Rsd, "RSD", kVariable},
    {DataType::Csd, "CSD", kVariable},
    {DataType::Ms, "MS", kVariable},
    {DataType::Sid, "SID", kVariable},
    {DataType::SidMac, "SID_MAC", kVariable},
    {DataType::Comdcb, "COMDCB", 5},
    {DataType::Rcsd, "RCSD", kVariable},
};

struct TypeIndex {
  std::array<std::int8_t, 256> size{};
  std::array<std::uint8_t, 256> row{};
};

constexpr TypeIndex make_type_index() {
  TypeIndex index{};
  for (auto& s : index.size) s = kNotAType;
  for (std::size_t i = 0; i < std::size(kTypes); ++i) {
    auto tag = static_cast<std::uint8_t>(kTypes[i].type);
    index.size[tag] = kTypes[i].size;
    index.row[tag] = static_cast<std::uint8_t>(i);
  }
  return index;
}

constexpr TypeIndex kTypeIndex = make_type_index();

template <class T>
Status discard(const Result<T>& v) {
  if (!v) return fail(v.error());
  return ok();
}

tl::unexpected<Error> truncated(std::size_t want, std::size_t have) {
  return fail(ErrorCode::Malformed,
              fmt::format("A-XDR value needs {} more bytes, {} left", want, have));
}

}  // namespace

std::string_view data_type_name(std::uint8_t tag) {
  if (kTypeIndex.size[tag] == kNotAType) return "unknown";
  return kTypes[kTypeIndex.row[tag]].name;
}

bool is_integer_type(DataType t) {
  switch (t) {
    case DataType::DoubleLong:
    case DataType::DoubleLongUnsigned:
    case DataType::Integer:
    case DataType::Long:
    case DataType::Unsigned:
    case DataType::LongUnsigned:
    case DataType::Long64:
    case DataType::Long64Unsigned:
    case DataType::Enum:
      return true;
    default:
      return false;
  }
}

bool bytes_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// --- Dates ---------------------------------------------------------------------------------------

Result<CivilTime> DateTime::to_civil() const {
  return CivilTime::make(year, month, day, hour, minute, second);
}

DateTime DateTime::from_civil(const CivilTime& t, std::uint16_t millisecond) {
  // iso_weekday: 1 = Monday … 7 = Sunday; DL/T 698.45 counts 0 = Sunday.
  auto weekday = static_cast<std::uint8_t>(iso_weekday(t.year, t.month, t.day) % 7);
  return {static_cast<std::uint16_t>(t.year),  static_cast<std::uint8_t>(t.month),
          static_cast<std::uint8_t>(t.day),    weekday,
          static_cast<std::uint8_t>(t.hour),   static_cast<std::uint8_t>(t.minute),
          static_cast<std::uint8_t>(t.second), millisecond};
}

Result<CivilTime> DateTimeS::to_civil() const {
  return CivilTime::make(year, month, day, hour, minute, second);
}

DateTimeS DateTimeS::from_civil(const CivilTime& t) {
  return {static_cast<std::uint16_t>(t.year),  static_cast<std::uint8_t>(t.month),
          static_cast<std::uint8_t>(t.day),    static_cast<std::uint8_t>(t.hour),
          static_cast<std::uint8_t>(t.minute), static_cast<std::uint8_t>(t.second)};
}

// --- TSA -----------------------------------------------------------------------------------------

Result<Tsa> Tsa::from_address(const MeterAddress& address, std::uint8_t logical,
                              std::uint8_t type) {
  if (address.size() == 0 || address.size() > 16) {
    return fail(ErrorCode::Malformed, "TSA address must have 1..16 bytes");
  }
  Tsa t;
  t.bytes[0] = static_cast<std::uint8_t>(((type & 0x03U) << 6) | ((logical & 0x03U) << 4) |
                                         ((address.size() - 1) & 0x0F));
  std::copy(address.bytes().begin(), address.bytes().end(), t.bytes.begin() + 1);
  t.size = static_cast<std::uint8_t>(address.size() + 1);
  return t;
}

Result<MeterAddress> Tsa::address() const {
  if (size < 2) return fail(ErrorCode::Malformed, "TSA without an address");
  std::size_t len = (bytes[0] & 0x0FU) + 1;
  if (len != size - 1U) {
    return fail(ErrorCode::Malformed,
                fmt::format("TSA says {} address bytes, carries {}", len, size - 1));
  }
  return MeterAddress::from_wire(content().subspan(1), ByteOrder::BigEndian);
}

// --- Views ---------------------------------------------------------------------------------------

Oad Road::at(std::size_t i) const {
  auto b = related.subspan(i * 4, 4);
  return {static_cast<std::uint16_t>((b[0] << 8) | b[1]), b[2], b[3]};
}

bool Rsd::operator==(const Rsd& o) const {
  if (selector != o.selector) return false;
  switch (selector) {
    case 1:
      return oad == o.oad && value == o.value;
    case 2:
      return oad == o.oad && from == o.from && to == o.to && interval == o.interval;
    case 3:
      return selector3_count == o.selector3_count && bytes_equal(selector3, o.selector3);
    case 4:
    case 5:
      return start == o.start && ms == o.ms;
    case 6:
    case 7:
    case 8:
      return start == o.start && end == o.end && ti == o.ti && ms == o.ms;
    case 9:
      return last_n == o.last_n;
    case 10:
      return last_n == o.last_n && ms == o.ms;
    default:
      return true;
  }
}

Result<std::int64_t> DataView::as_int() const {
  // Straight from the bytes: this runs once per register of every reply.
  auto c = content();
  std::int8_t size = kTypeIndex.size[static_cast<std::uint8_t>(type)];
  if (!is_integer_type(type)) {
    return fail(
        ErrorCode::Unsupported,
        fmt::format("{} is not an integer", data_type_name(static_cast<std::uint8_t>(type))));
  }
  if (c.size() < static_cast<std::size_t>(size)) return truncated(size, c.size());
  std::uint64_t raw = 0;
  for (std::int8_t i = 0; i < size; ++i) raw = (raw << 8) | c[static_cast<std::size_t>(i)];
  switch (type) {
    case DataType::Integer:
      return static_cast<std::int8_t>(raw);
    case DataType::Long:
      return static_cast<std::int16_t>(raw);
    case DataType::DoubleLong:
      return static_cast<std::int32_t>(raw);
    case DataType::Long64:
      return static_cast<std::int64_t>(raw);
    case DataType::Long64Unsigned:
      if (raw > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return fail(ErrorCode::OutOfRange, "long64-unsigned value above INT64_MAX");
      }
      return static_cast<std::int64_t>(raw);
    default:  // the unsigned types and enum
      return static_cast<std::int64_t>(raw);
  }
}

Result<bool> DataView::as_bool() const {
  if (type != DataType::Bool) return fail(ErrorCode::Unsupported, "Data is not a bool");
  Reader r(content());
  return r.read_bool();
}

Result<std::span<const std::uint8_t>> DataView::as_bytes() const {
  switch (type) {
    case DataType::OctetString:
    case DataType::VisibleString:
    case DataType::Utf8String:
    case DataType::Mac:
    case DataType::Rn: {
      Reader r(content());
      return r.octets();
    }
    default:
      return fail(ErrorCode::Unsupported, "Data is not a string");
  }
}

Result<double> DataView::as_double() const {
  Reader r(content());
  if (type == DataType::Float32) {
    auto v = r.u32();
    if (!v) return fail(v.error());
    return static_cast<double>(std::bit_cast<float>(*v));
  }
  if (type == DataType::Float64) {
    auto v = r.u64();
    if (!v) return fail(v.error());
    return std::bit_cast<double>(*v);
  }
  return fail(ErrorCode::Unsupported, "Data is not a float");
}

Result<DataList> as_list(const DataView& v) {
  if (v.type != DataType::Array && v.type != DataType::Structure) {
    return fail(ErrorCode::Unsupported, "Data is not an array or structure");
  }
  Reader r(v.content());
  auto n = r.length();
  if (!n) return fail(n.error());
  return DataList{*n, Reader(r.rest())};
}

// --- Reader: primitives
// ----------------------------------------------------------------------------

Result<std::uint8_t> Reader::u8() {
  if (remaining() < 1) return truncated(1, 0);
  return bytes_[pos_++];
}

Result<std::uint16_t> Reader::u16() {
  if (remaining() < 2) return truncated(2, remaining());
  auto v = static_cast<std::uint16_t>((bytes_[pos_] << 8) | bytes_[pos_ + 1]);
  pos_ += 2;
  return v;
}

Result<std::uint32_t> Reader::u32() {
  if (remaining() < 4) return truncated(4, remaining());
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | bytes_[pos_ + static_cast<std::size_t>(i)];
  pos_ += 4;
  return v;
}

Result<std::uint64_t> Reader::u64() {
  if (remaining() < 8) return truncated(8, remaining());
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | bytes_[pos_ + static_cast<std::size_t>(i)];
  pos_ += 8;
  return v;
}

Result<std::span<const std::uint8_t>> Reader::take(std::size_t n) {
  if (remaining() < n) return truncated(n, remaining());
  auto s = bytes_.subspan(pos_, n);
  pos_ += n;
  return s;
}

std::optional<std::uint8_t> Reader::peek() const {
  if (empty()) return std::nullopt;
  return bytes_[pos_];
}

Result<std::size_t> Reader::length() {
  std::size_t start = pos_;
  auto first = u8();
  if (!first) return fail(first.error());
  if (*first < 0x80) return std::size_t{*first};
  std::size_t n = *first & 0x7FU;
  if (n == 0 || n > 4) {
    pos_ = start;
    return fail(ErrorCode::Malformed, fmt::format("A-XDR length byte {:02X}", *first));
  }
  if (remaining() < n) {
    pos_ = start;
    return truncated(n, remaining());
  }
  std::size_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = (v << 8) | bytes_[pos_++];
  return v;
}

Result<std::span<const std::uint8_t>> Reader::octets() {
  std::size_t start = pos_;
  auto n = length();
  if (!n) return fail(n.error());
  auto s = take(*n);
  if (!s) pos_ = start;
  return s;
}

Status Reader::expect(DataType t) {
  auto b = u8();
  if (!b) return fail(b.error());
  if (*b != static_cast<std::uint8_t>(t)) {
    --pos_;
    return fail(ErrorCode::Malformed,
                fmt::format("expected {}, found tag {:02X} ({})",
                            data_type_name(static_cast<std::uint8_t>(t)), *b, data_type_name(*b)));
  }
  return ok();
}

Result<bool> Reader::optional() {
  auto b = u8();
  if (!b) return fail(b.error());
  if (*b > 1) {
    --pos_;
    return fail(ErrorCode::Malformed, fmt::format("OPTIONAL marker {:02X}", *b));
  }
  return *b == 1;
}

// --- Reader: typed values
// --------------------------------------------------------------------------- Each typed read works
// on a copy and commits the position only when the whole value is there, so a failed read leaves
// the cursor where it was.

#define OMNI_AXDR_GET(var, expr)              \
  auto var##_r = (expr);                      \
  if (!var##_r) return fail(var##_r.error()); \
  auto var = *var##_r

Result<bool> Reader::read_bool() {
  OMNI_AXDR_GET(b, u8());
  return b != 0;
}

Result<BitString> Reader::read_bit_string() {
  Reader r = *this;
  OMNI_AXDR_GET(bits, r.length());
  OMNI_AXDR_GET(bytes, r.take((bits + 7) / 8));
  *this = r;
  return BitString{bits, bytes};
}

Result<DateTime> Reader::read_date_time() {
  OMNI_AXDR_GET(b, take(10));
  return DateTime{
      static_cast<std::uint16_t>((b[0] << 8) | b[1]), b[2], b[3], b[4], b[5], b[6], b[7],
      static_cast<std::uint16_t>((b[8] << 8) | b[9])};
}

Result<DateTimeS> Reader::read_date_time_s() {
  OMNI_AXDR_GET(b, take(7));
  return DateTimeS{static_cast<std::uint16_t>((b[0] << 8) | b[1]), b[2], b[3], b[4], b[5], b[6]};
}

Result<Date> Reader::read_date() {
  OMNI_AXDR_GET(b, take(5));
  return Date{static_cast<std::uint16_t>((b[0] << 8) | b[1]), b[2], b[3], b[4]};
}

Result<Time> Reader::read_time() {
  OMNI_AXDR_GET(b, take(3));
  return Time{b[0], b[1], b[2]};
}

Result<Oad> Reader::read_oad() {
  OMNI_AXDR_GET(v, u32());
  return Oad::from_u32(v);
}

Result<Road> Reader::read_road() {
  Reader r = *this;
  OMNI_AXDR_GET(oad, r.read_oad());
  OMNI_AXDR_GET(n, r.length());
  if (n > r.remaining() / 4) return truncated(n * 4, r.remaining());
  OMNI_AXDR_GET(related, r.take(n * 4));
  *this = r;
  return Road{oad, related};
}

Result<Omd> Reader::read_omd() {
  OMNI_AXDR_GET(b, take(4));
  return Omd{static_cast<std::uint16_t>((b[0] << 8) | b[1]), b[2], b[3]};
}

Result<Ti> Reader::read_ti() {
  OMNI_AXDR_GET(b, take(3));
  return Ti{b[0], static_cast<std::uint16_t>((b[1] << 8) | b[2])};
}

Result<Tsa> Reader::read_tsa() {
  Reader r = *this;
  OMNI_AXDR_GET(content, r.octets());
  if (content.size() > Tsa::kMaxContent) {
    return fail(ErrorCode::Malformed, fmt::format("TSA of {} bytes (at most 17)", content.size()));
  }
  Tsa t;
  std::copy(content.begin(), content.end(), t.bytes.begin());
  t.size = static_cast<std::uint8_t>(content.size());
  *this = r;
  return t;
}

Result<ScalerUnit> Reader::read_scaler_unit() {
  OMNI_AXDR_GET(b, take(2));
  return ScalerUnit{static_cast<std::int8_t>(b[0]), b[1]};
}

Result<Comdcb> Reader::read_comdcb() {
  OMNI_AXDR_GET(b, take(5));
  return Comdcb{b[0], b[1], b[2], b[3], b[4]};
}

Result<Csd> Reader::read_csd() {
  Reader r = *this;
  OMNI_AXDR_GET(choice, r.u8());
  Csd c;
  if (choice == 0) {
    OMNI_AXDR_GET(oad, r.read_oad());
    c.oad = oad;
  } else if (choice == 1) {
    OMNI_AXDR_GET(road, r.read_road());
    c.is_road = true;
    c.road = road;
  } else {
    return fail(ErrorCode::Malformed, fmt::format("CSD choice {}", choice));
  }
  *this = r;
  return c;
}

Result<Rcsd> Reader::read_rcsd() {
  Reader r = *this;
  OMNI_AXDR_GET(n, r.length());
  std::size_t start = r.position();
  for (std::size_t i = 0; i < n; ++i) {
    OMNI_AXDR_GET(csd, r.read_csd());
    (void)csd;
  }
  Rcsd out{n, r.since(start)};
  *this = r;
  return out;
}

Result<Ms> Reader::read_ms() {
  Reader r = *this;
  OMNI_AXDR_GET(choice, r.u8());
  std::size_t start = r.position();
  switch (choice) {
    case 0:
    case 1:
      break;
    case 2: {  // SEQUENCE OF unsigned
      OMNI_AXDR_GET(n, r.length());
      OMNI_AXDR_GET(items, r.take(n));
      (void)items;
      break;
    }
    case 3: {  // SEQUENCE OF TSA
      OMNI_AXDR_GET(n, r.length());
      for (std::size_t i = 0; i < n; ++i) {
        OMNI_AXDR_GET(tsa, r.read_tsa());
        (void)tsa;
      }
      break;
    }
    case 4: {  // SEQUENCE OF long-unsigned
      OMNI_AXDR_GET(n, r.length());
      if (n > r.remaining() / 2) return truncated(n * 2, r.remaining());
      OMNI_AXDR_GET(items, r.take(n * 2));
      (void)items;
      break;
    }
    case 5:
    case 6:
    case 7: {  // SEQUENCE OF Region
      OMNI_AXDR_GET(n, r.length());
      for (std::size_t i = 0; i < n; ++i) {
        OMNI_AXDR_GET(region, r.read_region());
        (void)region;
      }
      break;
    }
    default:
      return fail(ErrorCode::Malformed, fmt::format("MS choice {}", choice));
  }
  Ms ms{choice, r.since(start)};
  *this = r;
  return ms;
}

Result<Region> Reader::read_region() {
  Reader r = *this;
  OMNI_AXDR_GET(unit, r.u8());
  OMNI_AXDR_GET(start, r.read_data());
  OMNI_AXDR_GET(end, r.read_data());
  *this = r;
  return Region{unit, start, end};
}

Result<Rsd> Reader::read_rsd() {
  Reader r = *this;
  OMNI_AXDR_GET(selector, r.u8());
  Rsd rsd;
  rsd.selector = selector;
  switch (selector) {
    case 0:
      break;
    case 1: {
      OMNI_AXDR_GET(oad, r.read_oad());
      OMNI_AXDR_GET(value, r.read_data());
      rsd.oad = oad;
      rsd.value = value;
      break;
    }
    case 2: {
      OMNI_AXDR_GET(oad, r.read_oad());
      OMNI_AXDR_GET(from, r.read_data());
      OMNI_AXDR_GET(to, r.read_data());
      OMNI_AXDR_GET(interval, r.read_data());
      rsd.oad = oad;
      rsd.from = from;
      rsd.to = to;
      rsd.interval = interval;
      break;
    }
    case 3: {
      OMNI_AXDR_GET(n, r.length());
      std::size_t start = r.position();
      for (std::size_t i = 0; i < n; ++i) {
        OMNI_AXDR_GET(oad, r.read_oad());
        (void)oad;
        for (int k = 0; k < 3; ++k) {
          OMNI_AXDR_GET(d, r.read_data());
          (void)d;
        }
      }
      rsd.selector3_count = n;
      rsd.selector3 = r.since(start);
      break;
    }
    case 4:
    case 5: {
      OMNI_AXDR_GET(t, r.read_date_time_s());
      OMNI_AXDR_GET(ms, r.read_ms());
      rsd.start = t;
      rsd.ms = ms;
      break;
    }
    case 6:
    case 7:
    case 8: {
      OMNI_AXDR_GET(from, r.read_date_time_s());
      OMNI_AXDR_GET(to, r.read_date_time_s());
      OMNI_AXDR_GET(ti, r.read_ti());
      OMNI_AXDR_GET(ms, r.read_ms());
      rsd.start = from;
      rsd.end = to;
      rsd.ti = ti;
      rsd.ms = ms;
      break;
    }
    case 9: {
      OMNI_AXDR_GET(n, r.u8());
      rsd.last_n = n;
      break;
    }
    case 10: {
      OMNI_AXDR_GET(n, r.u8());
      OMNI_AXDR_GET(ms, r.read_ms());
      rsd.last_n = n;
      rsd.ms = ms;
      break;
    }
    default:
      return fail(ErrorCode::Unsupported, fmt::format("RSD selector {}", selector));
  }
  *this = r;
  return rsd;
}

Result<Sid> Reader::read_sid() {
  Reader r = *this;
  OMNI_AXDR_GET(id, r.u32());
  OMNI_AXDR_GET(extra, r.octets());
  *this = r;
  return Sid{id, extra};
}

Result<SidMac> Reader::read_sid_mac() {
  Reader r = *this;
  OMNI_AXDR_GET(sid, r.read_sid());
  OMNI_AXDR_GET(mac, r.octets());
  *this = r;
  return SidMac{sid, mac};
}

// --- Reader: Data
// -------------------------------------------------------------------------------------

Status Reader::skip_value(DataType t) {
  auto tag = static_cast<std::uint8_t>(t);
  std::int8_t size = kTypeIndex.size[tag];
  if (size == kNotAType) {
    return fail(ErrorCode::Unsupported, fmt::format("unknown A-XDR data tag {:02X}", tag));
  }
  if (size >= 0) {
    if (remaining() < static_cast<std::size_t>(size)) return truncated(size, remaining());
    pos_ += static_cast<std::size_t>(size);
    return ok();
  }
  // Variable-size types may contain further Data: bound the recursion (hostile input could
  // otherwise nest until the stack runs out).
  if (depth_ >= kMaxDepth) return fail(ErrorCode::Malformed, "A-XDR data nested too deeply");
  ++depth_;
  Status s = skip_variable(t);
  --depth_;
  return s;
}

Status Reader::skip_variable(DataType t) {
  switch (t) {
    case DataType::Array:
    case DataType::Structure: {
      auto n = length();
      if (!n) return fail(n.error());
      // Every item takes at least one byte: a count beyond what is left is a lie.
      if (*n > remaining()) return truncated(*n, remaining());
      for (std::size_t i = 0; i < *n; ++i) {
        if (pos_ >= bytes_.size()) return truncated(1, 0);
        std::uint8_t item = bytes_[pos_++];
        // Fast path for the common case, arrays of fixed-size values (registers, phases).
        std::int8_t item_size = kTypeIndex.size[item];
        if (item_size >= 0) {
          if (remaining() < static_cast<std::size_t>(item_size)) {
            return truncated(item_size, remaining());
          }
          pos_ += static_cast<std::size_t>(item_size);
          continue;
        }
        OMNI_TRY(skip_value(static_cast<DataType>(item)));
      }
      return ok();
    }
    case DataType::BitString:
      return discard(read_bit_string());
    case DataType::OctetString:
    case DataType::VisibleString:
    case DataType::Utf8String:
    case DataType::Mac:
    case DataType::Rn:
      return discard(octets());
    case DataType::Tsa:
      return discard(read_tsa());
    case DataType::Road:
      return discard(read_road());
    case DataType::Region:
      return discard(read_region());
    case DataType::Rsd:
      return discard(read_rsd());
    case DataType::Csd:
      return discard(read_csd());
    case DataType::Ms:
      return discard(read_ms());
    case DataType::Sid:
      return discard(read_sid());
    case DataType::SidMac:
      return discard(read_sid_mac());
    case DataType::Rcsd:
      return discard(read_rcsd());
    default:
      return fail(ErrorCode::Internal, "A-XDR type table and skip_value disagree");
  }
}

Result<DataView> Reader::read_data() {
  std::size_t start = pos_;
  auto tag = u8();
  if (!tag) return fail(tag.error());
  if (auto s = skip_value(static_cast<DataType>(*tag)); !s) {
    pos_ = start;
    return fail(s.error());
  }
  return DataView{static_cast<DataType>(*tag), since(start)};
}

#undef OMNI_AXDR_GET

// --- Writer
// ---------------------------------------------------------------------------------------------

void Writer::u16(std::uint16_t v) {
  out_.push_back(static_cast<std::uint8_t>(v >> 8));
  out_.push_back(static_cast<std::uint8_t>(v));
}

void Writer::u32(std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out_.push_back(static_cast<std::uint8_t>(v >> s));
}

void Writer::u64(std::uint64_t v) {
  for (int s = 56; s >= 0; s -= 8) out_.push_back(static_cast<std::uint8_t>(v >> s));
}

void Writer::length(std::size_t n) {
  if (n < 0x80) {
    u8(static_cast<std::uint8_t>(n));
  } else if (n <= 0xFF) {
    u8(0x81);
    u8(static_cast<std::uint8_t>(n));
  } else if (n <= 0xFFFF) {
    u8(0x82);
    u16(static_cast<std::uint16_t>(n));
  } else {
    u8(0x84);
    u32(static_cast<std::uint32_t>(n));
  }
}

void Writer::date_time(const DateTime& t) {
  u16(t.year);
  for (std::uint8_t b : {t.month, t.day, t.weekday, t.hour, t.minute, t.second}) u8(b);
  u16(t.millisecond);
}

void Writer::date_time_s(const DateTimeS& t) {
  u16(t.year);
  for (std::uint8_t b : {t.month, t.day, t.hour, t.minute, t.second}) u8(b);
}

void Writer::date(const Date& d) {
  u16(d.year);
  u8(d.month);
  u8(d.day);
  u8(d.weekday);
}

void Writer::time(const Time& t) {
  u8(t.hour);
  u8(t.minute);
  u8(t.second);
}

void Writer::road(const Road& r) {
  oad(r.oad);
  length(r.size());
  bytes(r.related.first(r.size() * 4));
}

void Writer::road(const Oad& main, std::span<const Oad> related) {
  oad(main);
  length(related.size());
  for (const Oad& o : related) oad(o);
}

void Writer::omd(const Omd& o) {
  u16(o.oi);
  u8(o.method);
  u8(o.mode);
}

void Writer::ti(const Ti& t) {
  u8(t.unit);
  u16(t.value);
}

void Writer::scaler_unit(const ScalerUnit& s) {
  u8(static_cast<std::uint8_t>(s.scaler));
  u8(s.unit);
}

void Writer::comdcb(const Comdcb& c) {
  for (std::uint8_t b : {c.baud, c.parity, c.data_bits, c.stop_bits, c.flow_control}) u8(b);
}

void Writer::csd(const Csd& c) {
  u8(c.is_road ? 1 : 0);
  if (c.is_road) {
    road(c.road);
  } else {
    oad(c.oad);
  }
}

void Writer::rcsd(std::span<const Csd> columns) {
  length(columns.size());
  for (const Csd& c : columns) csd(c);
}

void Writer::region(const Region& r) {
  u8(r.unit);
  data(r.start);
  data(r.end);
}

void Writer::rsd(const Rsd& r) {
  u8(r.selector);
  switch (r.selector) {
    case 1:
      oad(r.oad);
      data(r.value);
      break;
    case 2:
      oad(r.oad);
      data(r.from);
      data(r.to);
      data(r.interval);
      break;
    case 3:
      length(r.selector3_count);
      bytes(r.selector3);
      break;
    case 4:
    case 5:
      date_time_s(r.start);
      ms(r.ms);
      break;
    case 6:
    case 7:
    case 8:
      date_time_s(r.start);
      date_time_s(r.end);
      ti(r.ti);
      ms(r.ms);
      break;
    case 9:
      u8(r.last_n);
      break;
    case 10:
      u8(r.last_n);
      ms(r.ms);
      break;
    default:
      break;
  }
}

void Writer::sid(const Sid& s) {
  u32(s.id);
  octets(s.additional);
}

void Writer::sid_mac(const SidMac& s) {
  sid(s.sid);
  octets(s.mac);
}

Status Writer::data_int(DataType t, std::int64_t v) {
  auto check = [&](std::int64_t lo, std::int64_t hi) -> Status {
    if (v < lo || v > hi) {
      return fail(ErrorCode::OutOfRange, fmt::format("{} does not fit {}", v,
                                                     data_type_name(static_cast<std::uint8_t>(t))));
    }
    return ok();
  };
  switch (t) {
    case DataType::Integer:
      OMNI_TRY(check(-128, 127));
      tag(t);
      u8(static_cast<std::uint8_t>(v));
      break;
    case DataType::Unsigned:
    case DataType::Enum:
      OMNI_TRY(check(0, 255));
      tag(t);
      u8(static_cast<std::uint8_t>(v));
      break;
    case DataType::Long:
      OMNI_TRY(check(-32768, 32767));
      tag(t);
      u16(static_cast<std::uint16_t>(v));
      break;
    case DataType::LongUnsigned:
      OMNI_TRY(check(0, 65535));
      tag(t);
      u16(static_cast<std::uint16_t>(v));
      break;
    case DataType::DoubleLong:
      OMNI_TRY(check(std::numeric_limits<std::int32_t>::min(),
                     std::numeric_limits<std::int32_t>::max()));
      tag(t);
      u32(static_cast<std::uint32_t>(v));
      break;
    case DataType::DoubleLongUnsigned:
      OMNI_TRY(check(0, std::numeric_limits<std::uint32_t>::max()));
      tag(t);
      u32(static_cast<std::uint32_t>(v));
      break;
    case DataType::Long64:
      tag(t);
      u64(static_cast<std::uint64_t>(v));
      break;
    case DataType::Long64Unsigned:
      OMNI_TRY(check(0, std::numeric_limits<std::int64_t>::max()));
      tag(t);
      u64(static_cast<std::uint64_t>(v));
      break;
    default:
      return fail(
          ErrorCode::Unsupported,
          fmt::format("{} is not an integer type", data_type_name(static_cast<std::uint8_t>(t))));
  }
  return ok();
}

void Writer::data_float32(float v) {
  tag(DataType::Float32);
  u32(std::bit_cast<std::uint32_t>(v));
}

void Writer::data_float64(double v) {
  tag(DataType::Float64);
  u64(std::bit_cast<std::uint64_t>(v));
}

void Writer::data_string(DataType t, std::string_view s) {
  tag(t);
  length(s.size());
  out_.insert(out_.end(), s.begin(), s.end());
}

}  // namespace omni::protocol::dlt698
