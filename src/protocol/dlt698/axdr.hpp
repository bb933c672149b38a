#pragma once
// A-XDR, the encoding of DL/T 698.45 APDUs: big-endian integers, a tag byte in front of every
// `Data` value, variable lengths as one byte below 128 or 81 nn / 82 nn nn (up to 83/84 are
// accepted on read). Inside typed fields (an OAD in a request, the CSDs of an RCSD) there is
// no tag.
//
// Reader is a cursor over a span: every read_* returns a Result and advances only on success,
// so a truncated or hostile input gives Malformed, never a read past the end. Nothing is
// allocated: variable-length values come back as spans into the input (DataView, Road's OAD
// list, Rcsd's CSD list, Ms's content), to be walked with another Reader when needed.
//
// Writer appends to a std::vector<uint8_t> (the encode side may allocate).
//
//   Reader r(apdu_bytes);
//   auto oad = r.read_oad();      // Result<Oad>
//   auto value = r.read_data();   // Result<DataView>: the whole value, walked and checked
//   if (value && value->type == DataType::Array) {
//     auto list = as_list(*value);  // count + a Reader over the items
//     for (std::size_t i = 0; i < list->count; ++i) use(*list->items.read_data());
//   }

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/meter_address.hpp"
#include "core/result.hpp"
#include "core/time.hpp"

namespace omni::protocol::dlt698 {

// Data tags (the CHOICE of `Data`).
enum class DataType : std::uint8_t {
  Null = 0,
  Array = 1,
  Structure = 2,
  Bool = 3,
  BitString = 4,
  DoubleLong = 5,          // int32
  DoubleLongUnsigned = 6,  // uint32
  OctetString = 9,
  VisibleString = 10,
  Utf8String = 12,
  Integer = 15,       // int8
  Long = 16,          // int16
  Unsigned = 17,      // uint8
  LongUnsigned = 18,  // uint16
  Long64 = 20,
  Long64Unsigned = 21,
  Enum = 22,
  Float32 = 23,
  Float64 = 24,
  DateTime = 25,
  Date = 26,
  Time = 27,
  DateTimeS = 28,
  Oi = 80,
  Oad = 81,
  Road = 82,
  Omd = 83,
  Ti = 84,
  Tsa = 85,
  Mac = 86,
  Rn = 87,
  Region = 88,
  ScalerUnit = 89,
  Rsd = 90,
  Csd = 91,
  Ms = 92,
  Sid = 93,
  SidMac = 94,
  Comdcb = 95,
  Rcsd = 96,
};

// "double-long-unsigned"; "unknown" for a byte that is not a tag.
std::string_view data_type_name(std::uint8_t tag);
bool is_integer_type(DataType t);

bool bytes_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

// --- Fixed-size values ---------------------------------------------------------------------------
// Date and time fields are the wire values; FFH / FFFFH mean "not specified" (a wildcard in
// selectors), which is why these are not CivilTime.

struct DateTime {  // 10 bytes: year(2) month day weekday(0 = Sunday) hour minute second ms(2)
  std::uint16_t year = 0;
  std::uint8_t month = 0, day = 0, weekday = 0, hour = 0, minute = 0, second = 0;
  std::uint16_t millisecond = 0;
  bool operator==(const DateTime&) const = default;
  // Errors: OutOfRange (a wildcard or impossible field).
  Result<CivilTime> to_civil() const;
  // Weekday computed (0 = Sunday), milliseconds 0.
  static DateTime from_civil(const CivilTime& t, std::uint16_t millisecond = 0);
};

struct DateTimeS {  // 7 bytes: year(2) month day hour minute second
  std::uint16_t year = 0;
  std::uint8_t month = 0, day = 0, hour = 0, minute = 0, second = 0;
  bool operator==(const DateTimeS&) const = default;
  Result<CivilTime> to_civil() const;
  static DateTimeS from_civil(const CivilTime& t);
};

struct Date {  // 5 bytes: year(2) month day weekday
  std::uint16_t year = 0;
  std::uint8_t month = 0, day = 0, weekday = 0;
  bool operator==(const Date&) const = default;
};

struct Time {  // 3 bytes
  std::uint8_t hour = 0, minute = 0, second = 0;
  bool operator==(const Time&) const = default;
};

// Object attribute descriptor: OI, attribute (bits 0..4 id, 5..7 feature), element index.
struct Oad {
  std::uint16_t oi = 0;
  std::uint8_t attribute = 0;
  std::uint8_t index = 0;

  static constexpr Oad from_u32(std::uint32_t v) {
    return {static_cast<std::uint16_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
            static_cast<std::uint8_t>(v)};
  }
  constexpr std::uint32_t value() const {
    return (std::uint32_t{oi} << 16) | (std::uint32_t{attribute} << 8) | index;
  }
  constexpr std::uint8_t attribute_id() const { return attribute & 0x1F; }
  constexpr std::uint8_t feature() const { return attribute >> 5; }
  bool operator==(const Oad&) const = default;
};

// Object method descriptor: OI, method id, operation mode (00).
struct Omd {
  std::uint16_t oi = 0;
  std::uint8_t method = 0;
  std::uint8_t mode = 0;
  bool operator==(const Omd&) const = default;
};

enum class TiUnit : std::uint8_t { Second = 0, Minute = 1, Hour = 2, Day = 3, Month = 4, Year = 5 };

struct Ti {  // time interval: unit enum + long-unsigned
  std::uint8_t unit = 0;
  std::uint16_t value = 0;
  bool operator==(const Ti&) const = default;
};

struct ScalerUnit {
  std::int8_t scaler = 0;
  std::uint8_t unit = 0;  // DL/T 698.45 unit enum (see objects.hpp)
  bool operator==(const ScalerUnit&) const = default;
};

// Serial port parameters: baud enum (0..10 = 300..115200, 255 adaptive), parity (0 none,
// 1 odd, 2 even), data bits (5..8), stop bits (1, 2), flow control (0 none, 1 hardware,
// 2 software).
struct Comdcb {
  std::uint8_t baud = 6;  // 9600
  std::uint8_t parity = 2;
  std::uint8_t data_bits = 8;
  std::uint8_t stop_bits = 1;
  std::uint8_t flow_control = 0;
  bool operator==(const Comdcb&) const = default;
};

// Target server address: the content of the octet-string is an AF-like byte (D7..D6 type,
// D5..D4 logical address, D3..D0 address length - 1) and the address in nameplate order.
struct Tsa {
  static constexpr std::size_t kMaxContent = 17;
  std::array<std::uint8_t, kMaxContent> bytes{};
  std::uint8_t size = 0;

  // Errors: Malformed (empty or over 16 bytes).
  static Result<Tsa> from_address(const MeterAddress& address, std::uint8_t logical = 0,
                                  std::uint8_t type = 0);
  // Errors: Malformed (empty, or the length nibble disagrees with the content).
  Result<MeterAddress> address() const;
  std::span<const std::uint8_t> content() const { return {bytes.data(), size}; }
  bool operator==(const Tsa& o) const { return bytes_equal(content(), o.content()); }
};

// --- Views over variable-length values (spans into the decoded bytes) ---------------------------

// One tagged Data value: `encoded` is the whole value, tag included.
struct DataView {
  DataType type = DataType::Null;
  std::span<const std::uint8_t> encoded;

  std::span<const std::uint8_t> content() const { return encoded.subspan(encoded.empty() ? 0 : 1); }
  bool operator==(const DataView& o) const { return bytes_equal(encoded, o.encoded); }

  // Any integer type (integer..long64, enum, unsigned…; long64-unsigned above INT64_MAX is
  // OutOfRange), as int64. Errors: Unsupported (not an integer type).
  Result<std::int64_t> as_int() const;
  Result<bool> as_bool() const;
  // octet-string, visible-string, UTF8-string, MAC, RN: the bytes.
  Result<std::span<const std::uint8_t>> as_bytes() const;
  Result<double> as_double() const;  // float32/float64
};

// Array or structure items, walked in order.
class Reader;

// A ROAD: a main OAD and the OADs related to it (4 bytes each, kept as raw bytes).
struct Road {
  Oad oad;
  std::span<const std::uint8_t> related;  // 4 × count bytes
  std::size_t size() const { return related.size() / 4; }
  Oad at(std::size_t i) const;
  bool operator==(const Road& o) const { return oad == o.oad && bytes_equal(related, o.related); }
};

// Column selection descriptor: CHOICE [0] OAD | [1] ROAD.
struct Csd {
  bool is_road = false;
  Oad oad;    // when !is_road
  Road road;  // when is_road
  bool operator==(const Csd& o) const {
    return is_road == o.is_road && (is_road ? road == o.road : oad == o.oad);
  }
};

// Record column selection: SEQUENCE OF CSD, kept as the count and the encoded CSDs.
struct Rcsd {
  std::size_t count = 0;
  std::span<const std::uint8_t> csds;
  bool operator==(const Rcsd& o) const { return count == o.count && bytes_equal(csds, o.csds); }
};

// Meter set: the choice and its encoded content (none for 0 "no meter" and 1 "all meters").
enum class MsChoice : std::uint8_t {
  None = 0,
  All = 1,
  UserTypes = 2,
  Addresses = 3,
  Serials = 4,
  UserTypeRegions = 5,
  AddressRegions = 6,
  SerialRegions = 7,
};
struct Ms {
  std::uint8_t choice = 1;
  std::span<const std::uint8_t> content;
  bool operator==(const Ms& o) const {
    return choice == o.choice && bytes_equal(content, o.content);
  }
};

struct Region {  // unit enum (0 [a,b), 1 (a,b], 2 [a,b], 3 (a,b)) + two Data
  std::uint8_t unit = 0;
  DataView start, end;
  bool operator==(const Region&) const = default;
};

struct Sid {  // security identifier: u32 + octet-string of additional data
  std::uint32_t id = 0;
  std::span<const std::uint8_t> additional;
  bool operator==(const Sid& o) const {
    return id == o.id && bytes_equal(additional, o.additional);
  }
};

struct SidMac {
  Sid sid;
  std::span<const std::uint8_t> mac;
  bool operator==(const SidMac& o) const { return sid == o.sid && bytes_equal(mac, o.mac); }
};

struct BitString {
  std::size_t bits = 0;
  std::span<const std::uint8_t> bytes;  // ceil(bits / 8)
  bool operator==(const BitString& o) const {
    return bits == o.bits && bytes_equal(bytes, o.bytes);
  }
};

// Record selection descriptor, selectors 0..10. Which fields mean something depends on
// `selector`:
//   1: oad, value                      2: oad, from, to, interval (Data each)
//   3: selector3 = encoded SEQUENCE OF Selector2 (count + bytes)
//   4, 5: start (collection start / store time), ms
//   6, 7, 8: start, end, ti, ms        9: last_n ("the n-th last record")
//   10: last_n ("the last n records"), ms
struct Rsd {
  std::uint8_t selector = 0;
  Oad oad;
  DataView value, from, to, interval;
  std::size_t selector3_count = 0;
  std::span<const std::uint8_t> selector3;
  DateTimeS start, end;
  Ti ti;
  Ms ms;
  std::uint8_t last_n = 0;
  bool operator==(const Rsd& o) const;
};

// --- Reader
// ---------------------------------------------------------------------------------------

class Reader {
 public:
  static constexpr int kMaxDepth = 16;  // nesting of arrays/structures accepted

  Reader() = default;
  explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  std::size_t position() const { return pos_; }
  std::size_t remaining() const { return bytes_.size() - pos_; }
  bool empty() const { return pos_ >= bytes_.size(); }
  std::span<const std::uint8_t> rest() const { return bytes_.subspan(pos_); }
  // The bytes consumed since `from` (a position()).
  std::span<const std::uint8_t> since(std::size_t from) const {
    return bytes_.subspan(from, pos_ - from);
  }

  // Raw big-endian integers. Errors (all reads): Malformed when the input is too short.
  Result<std::uint8_t> u8();
  Result<std::uint16_t> u16();
  Result<std::uint32_t> u32();
  Result<std::uint64_t> u64();
  Result<std::span<const std::uint8_t>> take(std::size_t n);
  std::optional<std::uint8_t> peek() const;
  // A-XDR length: 0..127, or 81 nn, 82 nnnn, 83 nnnnnn, 84 nnnnnnnn. Errors: Malformed
  // (other forms, or truncated).
  Result<std::size_t> length();
  // length + bytes (octet-, visible-, UTF8-string, MAC, RN).
  Result<std::span<const std::uint8_t>> octets();
  // Consumes a tag byte equal to `t`. Errors: Malformed (other tag).
  Status expect(DataType t);
  // OPTIONAL marker: 00 absent, 01 present. Errors: Malformed (other values).
  Result<bool> optional();

  // Untagged typed values.
  Result<bool> read_bool();
  Result<BitString> read_bit_string();
  Result<DateTime> read_date_time();
  Result<DateTimeS> read_date_time_s();
  Result<Date> read_date();
  Result<Time> read_time();
  Result<Oad> read_oad();
  Result<Road> read_road();
  Result<Omd> read_omd();
  Result<Ti> read_ti();
  Result<Tsa> read_tsa();
  Result<ScalerUnit> read_scaler_unit();
  Result<Comdcb> read_comdcb();
  Result<Csd> read_csd();
  Result<Rcsd> read_rcsd();
  Result<Ms> read_ms();
  Result<Region> read_region();
  Result<Rsd> read_rsd();
  Result<Sid> read_sid();
  Result<SidMac> read_sid_mac();

  // One tagged Data value of any type, walked to its end (nesting of arrays, structures and the
  // types that contain Data — Region, RSD, MS — up to kMaxDepth). Errors: Malformed (truncated,
  // too deep), Unsupported (unknown tag).
  Result<DataView> read_data();
  // Skips the content of a Data value of a known type (the tag already read). Unlike the
  // read_* functions it may leave the cursor inside the value on failure (read_data restores it).
  Status skip_value(DataType t);

 private:
  Status skip_variable(DataType t);

  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
  // Current nesting; copies of the reader (used to read a value tentatively) inherit it, so the
  // limit holds across read_region → read_data → skip_value chains too.
  int depth_ = 0;
};

// Items of an array or structure DataView.
struct DataList {
  std::size_t count = 0;
  Reader items;  // count × Data
};
// Errors: Unsupported (not an array/structure), Malformed.
Result<DataList> as_list(const DataView& v);

// --- Writer
// ---------------------------------------------------------------------------------------

class Writer {
 public:
  explicit Writer(std::vector<std::uint8_t>& out) : out_(out) {}
  std::vector<std::uint8_t>& out() { return out_; }

  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v);
  void u32(std::uint32_t v);
  void u64(std::uint64_t v);
  void bytes(std::span<const std::uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void length(std::size_t n);
  void octets(std::span<const std::uint8_t> b) {
    length(b.size());
    bytes(b);
  }
  void tag(DataType t) { u8(static_cast<std::uint8_t>(t)); }
  void optional(bool present) { u8(present ? 1 : 0); }

  // Untagged typed values.
  void bit_string(const BitString& b) {
    length(b.bits);
    bytes(b.bytes);
  }
  void date_time(const DateTime& t);
  void date_time_s(const DateTimeS& t);
  void date(const Date& d);
  void time(const Time& t);
  void oad(const Oad& o) { u32(o.value()); }
  void road(const Road& r);
  void road(const Oad& main, std::span<const Oad> related);
  void omd(const Omd& o);
  void ti(const Ti& t);
  void tsa(const Tsa& t) { octets(t.content()); }
  void scaler_unit(const ScalerUnit& s);
  void comdcb(const Comdcb& c);
  void csd(const Csd& c);
  void rcsd(const Rcsd& r) {
    length(r.count);
    bytes(r.csds);
  }
  void rcsd(std::span<const Csd> columns);
  void ms(const Ms& m) {
    u8(m.choice);
    bytes(m.content);
  }
  void region(const Region& r);
  void rsd(const Rsd& r);
  void sid(const Sid& s);
  void sid_mac(const SidMac& s);

  // Tagged Data.
  void data(const DataView& v) { bytes(v.encoded); }
  void data_null() { tag(DataType::Null); }
  void data_array(std::size_t n) {
    tag(DataType::Array);
    length(n);
  }
  void data_structure(std::size_t n) {
    tag(DataType::Structure);
    length(n);
  }
  void data_bool(bool b) {
    tag(DataType::Bool);
    u8(b ? 1 : 0);
  }
  // Any integer type at its width. Errors: OutOfRange (does not fit), Unsupported (not an
  // integer type).
  Status data_int(DataType t, std::int64_t v);
  void data_u64(std::uint64_t v) {
    tag(DataType::Long64Unsigned);
    u64(v);
  }
  void data_float32(float v);
  void data_float64(double v);
  void data_octets(DataType t, std::span<const std::uint8_t> b) {
    tag(t);
    octets(b);
  }
  void data_string(DataType t, std::string_view s);
  void data_date_time(const DateTime& t) {
    tag(DataType::DateTime);
    date_time(t);
  }
  void data_date_time_s(const DateTimeS& t) {
    tag(DataType::DateTimeS);
    date_time_s(t);
  }
  void data_oad(const Oad& o) {
    tag(DataType::Oad);
    oad(o);
  }

 private:
  std::vector<std::uint8_t>& out_;
};

// Encodes one tagged Data value into `out` and returns a view of it (a convenience for
// building requests: the view points into `out`, so keep `out` alive and unchanged).
template <class Fn>
DataView make_data(std::vector<std::uint8_t>& out, Fn&& write) {
  out.clear();
  Writer w(out);
  write(w);
  return DataView{out.empty() ? DataType::Null : static_cast<DataType>(out[0]), out};
}

}  // namespace omni::protocol::dlt698
