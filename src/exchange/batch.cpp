#include "exchange/batch.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "crypto/sm3.hpp"

// The text form is specified in docs/exchange-format.md; the field numbers in error messages are
// the ones of its tables (field 1 is the record kind).

namespace omni::exchange {
namespace {

constexpr std::string_view kMagic = "OMX";
constexpr std::size_t kHeaderFields = 7;
constexpr std::size_t kMaxStationChars = 64;
constexpr std::size_t kCostFixedFields = 7;
constexpr std::size_t kMaxFields = kCostFixedFields + 3 * kMaxTiers;
constexpr std::int64_t kSecondsPerDay = 86400;

// ---------------------------------------------------------------------------------------------
// UTF-8

// The length of the well-formed UTF-8 sequence starting at s[i] (RFC 3629: no overlong forms,
// no surrogates, nothing above U+10FFFF), or 0 when there is none.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = at(i);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (at(i + 1) < lo || at(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (at(i + k) < 0x80 || at(i + k) > 0xBF) return 0;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Writing

void put_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void put_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void put_two(char* p, int v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void put_date(std::string& out, std::int64_t days) {
  int y = 0, m = 0, d = 0;
  civil_from_days(days, y, m, d);
  if (y < 0 || y > 9999) {
    // Outside what the format can say: written as it is, so that the reader rejects it.
    out += fmt::format("{}-{:02}-{:02}", y, m, d);
    return;
  }
  char buf[10];
  put_two(buf, y / 100);
  put_two(buf + 2, y % 100);
  buf[4] = '-';
  put_two(buf + 5, m);
  buf[7] = '-';
  put_two(buf + 8, d);
  out.append(buf, sizeof buf);
}

// RFC 3339 in UTC, whole seconds: "2026-11-24T16:00:00Z".
void put_time(std::string& out, UtcTime t) {
  std::int64_t days = floor_div(t.seconds, kSecondsPerDay);
  auto sod = static_cast<int>(t.seconds - days * kSecondsPerDay);
  put_date(out, days);
  char buf[10];
  buf[0] = 'T';
  put_two(buf + 1, sod / 3600);
  buf[3] = ':';
  put_two(buf + 4, sod / 60 % 60);
  buf[6] = ':';
  put_two(buf + 7, sod % 60);
  buf[9] = 'Z';
  out.append(buf, sizeof buf);
}

void put_fixed(std::string& out, std::int64_t mantissa, int scale) {
  out += Quantity(mantissa, scale, Unit::None).to_decimal_string();
}

void put_quantity(std::string& out, const Quantity& q) { put_fixed(out, q.mantissa(), q.scale()); }

// Two hex digits, upper case, as CJ/T 188 writes type codes ("40").
void put_meter_type(std::string& out, std::uint8_t t) {
  constexpr char kHex[] = "0123456789ABCDEF";
  out.push_back(kHex[t >> 4]);
  out.push_back(kHex[t & 0xF]);
}

void put_coordinate(std::string& out, const std::optional<double>& v) {
  if (!v) return;
  // The shortest fixed-point text that reads back as the same double: no exponent, ever.
  char buf[400];
  auto r = std::to_chars(buf, buf + sizeof buf, *v, std::chars_format::fixed);
  out.append(buf, r.ptr);
}

// Free text: backslash escapes for the separator, the escape character and control characters;
// UTF-8 passes through; bytes that are not UTF-8 become U+FFFD (a name is display text, and a
// batch must always read back).
void put_text(std::string& out, std::string_view s) {
  constexpr char kHex[] = "0123456789abcdef";
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      std::size_t n = utf8_length(s, i);
      if (n == 0) {
        out += "\xEF\xBF\xBD";
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '|':
        out += "\\|";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += "\\x";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
}

void put_industry(std::string& out, char industry) {
  if (industry != ' ') out.push_back(industry);
}

void write_region(std::string& out, const RegionRecord& r) {
  out += "R|";
  out += r.code;
  out += '|';
  out += region_level_name(r.level);
  out += '|';
  put_text(out, r.name);
  out += '|';
  put_coordinate(out, r.latitude);
  out += '|';
  put_coordinate(out, r.longitude);
  out += '\n';
}

void write_meter(std::string& out, const MeterRecord& m) {
  out += "B|";
  out += m.code.to_string();
  out += '|';
  out += m.address.to_string();
  out += '|';
  if (m.parent) out += m.parent->to_string();
  out += '|';
  out += m.customer == CustomerType::Residential ? 'R' : 'N';
  out += '|';
  put_industry(out, m.industry);
  out += '|';
  out += m.key_user ? '1' : '0';
  out += '|';
  out += m.remote ? '1' : '0';
  out += '|';
  put_meter_type(out, m.meter_type);
  out += '|';
  put_int(out, m.multiplier);
  out += '|';
  put_time(out, m.installed);
  out += '|';
  if (m.removed) put_time(out, *m.removed);
  out += '\n';
}

void write_reading(std::string& out, const ReadingRecord& r) {
  out += "E|";
  out += r.code.to_string();
  out += '|';
  put_time(out, r.at);
  out += '|';
  put_quantity(out, r.value);
  out += '|';
  out += unit_info(r.value.unit()).ascii_symbol;
  out += '|';
  put_meter_type(out, r.meter_type);
  out += '|';
  out += static_cast<char>('0' + static_cast<int>(r.quality));
  out += '\n';
}

void write_cost(std::string& out, const CostRecord& c) {
  out += "C|";
  out += c.code.to_string();
  out += '|';
  put_int(out, c.period);
  out += '|';
  put_quantity(out, c.usage);
  out += '|';
  out += unit_info(c.usage.unit()).ascii_symbol;
  out += '|';
  put_fixed(out, c.amount.value, 2);
  out += '|';
  put_uint(out, c.tiers.size());
  for (const auto& t : c.tiers) {
    out += '|';
    put_quantity(out, t.usage);
    out += '|';
    put_fixed(out, t.price.ten_thousandths_yuan, 4);
    out += '|';
    put_fixed(out, t.amount.value, 2);
  }
  out += '\n';
}

void write_coverage(std::string& out, const CoverageRecord& v) {
  out += "V|";
  put_date(out, v.day);
  out += '|';
  out += energy_digit(v.kind);
  out += '|';
  put_industry(out, v.industry);
  out += '|';
  put_int(out, v.installed);
  out += '|';
  put_int(out, v.online);
  out += '\n';
}

// ---------------------------------------------------------------------------------------------
// Reading: field grammars. Each returns the value or an Error whose detail says what is wrong
// with the field (the caller adds the line, record kind and field) and whose offset, when set,
// is a byte within the field.

tl::unexpected<Error> bad(std::string what, std::int64_t offset = -1) {
  Error e{ErrorCode::Malformed, std::move(what)};
  e.offset = offset;
  return tl::unexpected<Error>(std::move(e));
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Shown in messages: the field, cut short when it is long, and never a raw control byte.
std::string shown(std::string_view f) {
  std::string out;
  for (std::size_t i = 0; i < f.size() && out.size() < 40; ++i) {
    auto c = static_cast<unsigned char>(f[i]);
    if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  if (out.size() >= 40) out += "…";
  return "\"" + out + "\"";
}

// A decimal integer without sign or leading zeros, at most `max`.
Result<std::uint64_t> parse_uint(std::string_view f, std::uint64_t max) {
  if (f.empty()) return bad("is empty");
  if (f.size() > 1 && f[0] == '0') return bad(fmt::format("{} has a leading zero", shown(f)));
  std::uint64_t v = 0;
  auto r = std::from_chars(f.data(), f.data() + f.size(), v);
  if (r.ec == std::errc::result_out_of_range) {
    return bad(fmt::format("{} is larger than {}", shown(f), max));
  }
  if (r.ec != std::errc() || r.ptr != f.data() + f.size() || !is_digit(f[0])) {
    return bad(fmt::format("{} is not a whole number", shown(f)));
  }
  if (v > max) return bad(fmt::format("{} is larger than {}", shown(f), max));
  return v;
}

// A plain decimal: "0" or digits without a leading zero, then optionally '.' and 1..18 digits.
// No sign (registers, usage and money in this format are never negative), no exponent.
Result<Quantity> parse_decimal(std::string_view f, Unit unit) {
  if (f.empty()) return bad("is empty");
  std::size_t i = 0;
  std::uint64_t m = 0;
  bool overflow = false;
  auto take = [&](char c) {
    auto d = static_cast<std::uint64_t>(c - '0');
    if (m > (std::numeric_limits<std::uint64_t>::max() - d) / 10) overflow = true;
    m = m * 10 + d;
  };
  while (i < f.size() && is_digit(f[i])) take(f[i++]);
  std::size_t int_digits = i;
  int scale = 0;
  if (int_digits == 0) {
    return bad(
        fmt::format("{} is not a plain decimal (digits, optionally '.' and digits)", shown(f)));
  }
  if (int_digits > 1 && f[0] == '0') return bad(fmt::format("{} has a leading zero", shown(f)));
  if (i < f.size() && f[i] == '.') {
    ++i;
    while (i < f.size() && is_digit(f[i])) {
      take(f[i++]);
      ++scale;
    }
    if (scale == 0) return bad(fmt::format("{} has no digits after the point", shown(f)));
  }
  if (i != f.size()) {
    return bad(
        fmt::format("{} is not a plain decimal (digits, optionally '.' and digits)", shown(f)),
        static_cast<std::int64_t>(i));
  }
  if (scale > kMaxScale) {
    return bad(fmt::format("{} has more than {} decimals", shown(f), kMaxScale));
  }
  if (overflow || m > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return bad(fmt::format("{} does not fit 64 bits", shown(f)));
  }
  return Quantity(static_cast<std::int64_t>(m), scale, unit);
}

// Money: yuan with exactly two decimals ("98.66").
Result<Fen> parse_money(std::string_view f) {
  auto q = parse_decimal(f, Unit::None);
  if (!q) return fail(q.error());
  if (q->scale() != 2) {
    return bad(fmt::format("{}: money is yuan with exactly two decimals (\"12.30\")", shown(f)));
  }
  return Fen{q->mantissa()};
}

// A unit price: yuan with exactly four decimals ("0.4883").
Result<Price> parse_price(std::string_view f, Unit per_unit) {
  auto q = parse_decimal(f, Unit::None);
  if (!q) return fail(q.error());
  if (q->scale() != 4) {
    return bad(
        fmt::format("{}: a price is yuan with exactly four decimals (\"0.4883\")", shown(f)));
  }
  return Price{q->mantissa(), per_unit};
}

bool two_digits(std::string_view f, std::size_t at, int& out) {
  if (!is_digit(f[at]) || !is_digit(f[at + 1])) return false;
  out = (f[at] - '0') * 10 + (f[at + 1] - '0');
  return true;
}

// "YYYY-MM-DD" into a day number (days since 1970-01-01 of that calendar date).
Result<std::int64_t> parse_day(std::string_view f) {
  int c = 0, yy = 0, m = 0, d = 0;
  if (f.size() != 10 || f[4] != '-' || f[7] != '-' || !two_digits(f, 0, c) ||
      !two_digits(f, 2, yy) || !two_digits(f, 5, m) || !two_digits(f, 8, d)) {
    return bad(fmt::format("{} is not a date written YYYY-MM-DD", shown(f)));
  }
  int y = c * 100 + yy;
  if (y == 0 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) {
    return bad(fmt::format("{} is not a calendar day", shown(f)));
  }
  return days_from_civil(y, m, d);
}

// RFC 3339 in UTC with whole seconds, exactly "YYYY-MM-DDTHH:MM:SSZ".
Result<UtcTime> parse_time(std::string_view f) {
  if (f.size() != 20 || f[10] != 'T' || f[13] != ':' || f[16] != ':' || f[19] != 'Z') {
    return bad(fmt::format("{} is not a UTC time written YYYY-MM-DDTHH:MM:SSZ", shown(f)));
  }
  auto day = parse_day(f.substr(0, 10));
  if (!day) return fail(day.error());
  int h = 0, mi = 0, s = 0;
  if (!two_digits(f, 11, h) || !two_digits(f, 14, mi) || !two_digits(f, 17, s) || h > 23 ||
      mi > 59 || s > 59) {
    return bad(fmt::format("{} is not a time of day (00:00:00..23:59:59)", shown(f)), 11);
  }
  return UtcTime{*day * kSecondsPerDay + h * 3600 + mi * 60 + s};
}

Result<BaseCode> parse_code(std::string_view f) {
  auto c = BaseCode::parse(f);
  if (!c) {
    // A check digit that does not match is still a bad field of this line: the batch is
    // Malformed (the digest already proved the transfer), and the message says why.
    Error e = c.error();
    e.code = ErrorCode::Malformed;
    e.detail = fmt::format("{}: {}", shown(f), e.detail);
    return fail(std::move(e));
  }
  return c;
}

Result<std::optional<BaseCode>> parse_optional_code(std::string_view f) {
  if (f.empty()) return std::optional<BaseCode>{};
  auto c = parse_code(f);
  if (!c) return fail(c.error());
  return std::optional<BaseCode>(*c);
}

Result<bool> parse_flag(std::string_view f) {
  if (f == "1") return true;
  if (f == "0") return false;
  return bad(fmt::format("{} is not 0 or 1", shown(f)));
}

// Empty for households, else a GB/T 4754-2017 section letter.
Result<char> parse_industry(std::string_view f) {
  if (f.empty()) return ' ';
  if (f.size() == 1 && is_industry_section(f[0])) return f[0];
  return bad(fmt::format("{} is not a GB/T 4754-2017 section letter A..T (empty for households)",
                         shown(f)));
}

Result<std::uint8_t> parse_meter_type(std::string_view f) {
  auto hex = [](char c) -> int {
    if (is_digit(c)) return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (f.size() != 2 || hex(f[0]) < 0 || hex(f[1]) < 0) {
    return bad(fmt::format("{} is not a CJ/T 188 meter type: two upper-case hex digits (\"10\")",
                           shown(f)));
  }
  return static_cast<std::uint8_t>(hex(f[0]) * 16 + hex(f[1]));
}

Result<Quality> parse_quality(std::string_view f) {
  if (f.size() == 1 && f[0] >= '0' && f[0] <= '3') return static_cast<Quality>(f[0] - '0');
  return bad(
      fmt::format("{} is not a quality: 0 measured, 1 estimated, 2 edited, 3 suspect", shown(f)));
}

// The dimension a register of the energy is measured in.
Dimension dimension_of(EnergyKind kind) {
  return kind == EnergyKind::Water || kind == EnergyKind::Gas ? Dimension::Volume
                                                              : Dimension::ActiveEnergy;
}

// Backslash-escaped UTF-8 text (put_text is the inverse).
Result<std::string> parse_text(std::string_view f) {
  std::string out;
  out.reserve(f.size());
  auto hex = [](char c) -> int {
    if (is_digit(c)) return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::size_t i = 0;
  while (i < f.size()) {
    auto c = static_cast<unsigned char>(f[i]);
    auto at = static_cast<std::int64_t>(i);
    if (c == '\\') {
      if (i + 1 == f.size()) return bad("ends with a lone backslash", at);
      char e = f[i + 1];
      switch (e) {
        case '\\':
        case '|':
          out.push_back(e);
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'x': {
          int h1 = i + 2 < f.size() ? hex(f[i + 2]) : -1;
          int h2 = i + 3 < f.size() ? hex(f[i + 3]) : -1;
          if (h1 < 0 || h2 < 0) return bad("\\x is not followed by two hex digits", at);
          int v = h1 * 16 + h2;
          if (v >= 0x20 && v != 0x7F) {
            return bad(fmt::format("\\x{:02x} is not a control character (only those are "
                                   "written \\xHH)",
                                   v),
                       at);
          }
          out.push_back(static_cast<char>(v));
          i += 4;
          continue;
        }
        default:
          return bad(fmt::format("unknown escape \\{} (\\\\ \\| \\n \\r \\t \\xHH)",
                                 shown(f.substr(i + 1, 1))),
                     at);
      }
      i += 2;
      continue;
    }
    if (c < 0x20 || c == 0x7F) {
      return bad(fmt::format("raw control character 0x{:02x} (write it escaped)", c), at);
    }
    std::size_t n = utf8_length(f, i);
    if (n == 0) return bad(fmt::format("byte {} is not UTF-8", i + 1), at);
    out.append(f.substr(i, n));
    i += n;
  }
  if (out.empty()) return bad("is empty");
  if (out.size() > kMaxNameBytes) {
    return bad(fmt::format("is {} bytes, more than {}", out.size(), kMaxNameBytes));
  }
  return out;
}

// An optional decimal degree: "-?digits[.digits]" within ±limit.
Result<std::optional<double>> parse_coordinate(std::string_view f, double limit) {
  if (f.empty()) return std::optional<double>{};
  std::size_t i = f[0] == '-' ? 1 : 0;
  std::size_t int_start = i;
  while (i < f.size() && is_digit(f[i])) ++i;
  bool shape = i > int_start;
  if (shape && i < f.size() && f[i] == '.') {
    std::size_t frac = ++i;
    while (i < f.size() && is_digit(f[i])) ++i;
    shape = i > frac;
  }
  double v = 0;
  if (!shape || i != f.size() ||
      std::from_chars(f.data(), f.data() + f.size(), v, std::chars_format::fixed).ec !=
          std::errc()) {
    return bad(fmt::format("{} is not a decimal number of degrees", shown(f)));
  }
  if (!(std::fabs(v) <= limit)) {
    return bad(fmt::format("{} is outside ±{} degrees", shown(f), limit));
  }
  return std::optional<double>(v);
}

// ---------------------------------------------------------------------------------------------
// Reading: records

std::string_view kind_name(char kind) {
  switch (kind) {
    case 'R':
      return "region";
    case 'B':
      return "metering point";
    case 'E':
      return "reading";
    case 'C':
      return "monthly cost";
    case 'V':
      return "coverage";
    default:
      return "record";
  }
}

// Field names, as in the tables of docs/exchange-format.md (index 0 is the kind letter).
constexpr std::string_view kRegionFields[] = {"kind", "code",     "level",
                                              "name", "latitude", "longitude"};
constexpr std::string_view kMeterFields[] = {"kind",       "code",       "address",   "parent",
                                             "customer",   "industry",   "key_user",  "remote",
                                             "meter_type", "multiplier", "installed", "removed"};
constexpr std::string_view kReadingFields[] = {"kind", "code",       "at",     "value",
                                               "unit", "meter_type", "quality"};
constexpr std::string_view kCostFields[] = {"kind", "code",   "period", "usage",
                                            "unit", "amount", "tiers"};
constexpr std::string_view kCoverageFields[] = {"kind",     "day",       "energy",
                                                "industry", "installed", "online"};

std::string field_name(char kind, std::size_t index) {
  auto pick = [&](auto& names) -> std::string {
    return index < std::size(names) ? std::string(names[index]) : std::string("extra");
  };
  switch (kind) {
    case 'R':
      return pick(kRegionFields);
    case 'B':
      return pick(kMeterFields);
    case 'E':
      return pick(kReadingFields);
    case 'V':
      return pick(kCoverageFields);
    case 'C': {
      if (index < kCostFixedFields) return pick(kCostFields);
      std::size_t k = index - kCostFixedFields;
      constexpr std::string_view kTier[] = {"usage", "price", "amount"};
      return fmt::format("tier {} {}", k / 3 + 1, kTier[k % 3]);
    }
    default:
      return "field";
  }
}

// One record line at a time, into a Batch. Keeps a one-entry cache of the last unit symbol:
// the readings of a batch nearly always share a handful of units.
class RecordParser {
 public:
  explicit RecordParser(std::string_view text) : base_(text.data()) {}

  // Errors: Malformed; detail "<K> field <n> (<name>): …", offset the byte in the whole text.
  Status parse(std::string_view line, Batch& out) {
    if (!split(line)) {
      return whole_line(fmt::format("has more than {} fields", kMaxFields));
    }
    if (f_[0].size() != 1) {
      return whole_line(fmt::format("unknown record kind {} (R, B, E, C or V)", shown(f_[0])));
    }
    kind_ = f_[0][0];
    switch (kind_) {
      case 'R':
        return region(out);
      case 'B':
        return meter(out);
      case 'E':
        return reading(out);
      case 'C':
        return cost(out);
      case 'V':
        return coverage(out);
      default:
        return whole_line(fmt::format("unknown record kind {} (R, B, E, C or V)", shown(f_[0])));
    }
  }

 private:
  // Splits at '|' that are not escaped; false when there are more than kMaxFields fields.
  bool split(std::string_view line) {
    line_ = line;
    n_ = 0;
    std::size_t start = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      if (c == '\\') {
        ++i;
      } else if (c == '|') {
        if (n_ + 1 >= kMaxFields) return false;
        f_[n_++] = line.substr(start, i - start);
        start = i + 1;
      }
    }
    f_[n_++] = line.substr(std::min(start, line.size()));
    return true;
  }

  tl::unexpected<Error> whole_line(std::string what) const {
    Error e{ErrorCode::Malformed, std::move(what)};
    e.offset = line_.data() - base_;
    return tl::unexpected<Error>(std::move(e));
  }

  tl::unexpected<Error> field_error(std::size_t index, const Error& inner) const {
    Error e{ErrorCode::Malformed, fmt::format("{} field {} ({}): {}", kind_, index + 1,
                                              field_name(kind_, index), inner.detail)};
    e.offset = (f_[index].data() - base_) + std::max<std::int64_t>(inner.offset, 0);
    return tl::unexpected<Error>(std::move(e));
  }

  tl::unexpected<Error> field_error(std::size_t index, std::string what) const {
    return field_error(index, Error{ErrorCode::Malformed, std::move(what)});
  }

  Status expect_fields(std::size_t n) const {
    if (n_ == n) return ok();
    return whole_line(
        fmt::format("{} {} record has {} fields, expected {}", kind_, kind_name(kind_), n_, n));
  }

  Result<Unit> unit(std::size_t index, EnergyKind kind) {
    std::string_view f = f_[index];
    if (f.empty() || f != last_unit_text_) {
      auto u = parse_unit(f);
      if (!u || unit_info(*u).ascii_symbol != f) {
        return field_error(index,
                           fmt::format("{} is not a unit symbol (kWh, GJ, m3, …)", shown(f)));
      }
      last_unit_text_ = f;
      last_unit_ = *u;
    }
    if (unit_dimension(last_unit_) != dimension_of(kind)) {
      return field_error(
          index,
          fmt::format(
              "{} does not measure {} (expected {})", shown(f), energy_kind_name(kind),
              dimension_of(kind) == Dimension::Volume ? "a volume: m3, L" : "energy: kWh, GJ, MJ"));
    }
    return last_unit_;
  }

  Status region(Batch& out) {
    OMNI_TRY(expect_fields(std::size(kRegionFields)));
    RegionRecord r;
    auto level = parse_region_level(f_[2]);
    if (!level) return field_error(2, level.error());
    r.level = *level;
    std::string_view code = f_[1];
    std::size_t digits = region_code_digits(r.level);
    bool all_digits = std::all_of(code.begin(), code.end(), is_digit);
    if (!all_digits || code.size() != digits) {
      return field_error(1, fmt::format("{} is not a {}-digit {} code", shown(code), digits,
                                        region_level_name(r.level)));
    }
    if (code[0] == '0' || code[0] == '9') {
      return field_error(
          1, fmt::format("{} does not start with a GB/T 2260 province (1..8)", shown(code)));
    }
    r.code = std::string(code);
    auto name = parse_text(f_[3]);
    if (!name) return field_error(3, name.error());
    r.name = std::move(*name);
    auto lat = parse_coordinate(f_[4], 90);
    if (!lat) return field_error(4, lat.error());
    auto lon = parse_coordinate(f_[5], 180);
    if (!lon) return field_error(5, lon.error());
    if (lat->has_value() != lon->has_value()) {
      return field_error(lat->has_value() ? 5 : 4,
                         "latitude and longitude are given together or not at all");
    }
    r.latitude = *lat;
    r.longitude = *lon;
    out.regions.push_back(std::move(r));
    return ok();
  }

  Status meter(Batch& out) {
    OMNI_TRY(expect_fields(std::size(kMeterFields)));
    MeterRecord m;
    auto code = parse_code(f_[1]);
    if (!code) return field_error(1, code.error());
    m.code = *code;
    auto address = MeterAddress::from_digits(f_[2]);
    if (!address || address->is_wildcard() || address->is_broadcast()) {
      return field_error(2, fmt::format("{} is not a meter address (an even number of digits, "
                                        "2..32, no wildcard or broadcast)",
                                        shown(f_[2])));
    }
    m.address = *address;
    auto parent = parse_optional_code(f_[3]);
    if (!parent) return field_error(3, parent.error());
    if (*parent) {
      const BaseCode& p = **parent;
      if (p == m.code) return field_error(3, "a metering point is not its own parent");
      if (!p.is_supply()) {
        return field_error(3, "the parent must be a supply meter (room 0000)");
      }
      if (p.kind != m.code.kind) {
        return field_error(3, "the parent measures another energy");
      }
    }
    m.parent = *parent;
    if (f_[4] == "R") {
      m.customer = CustomerType::Residential;
    } else if (f_[4] == "N") {
      m.customer = CustomerType::NonResidential;
    } else {
      return field_error(
          4, fmt::format("{} is not R (residential) or N (non-residential)", shown(f_[4])));
    }
    auto industry = parse_industry(f_[5]);
    if (!industry) return field_error(5, industry.error());
    m.industry = *industry;
    if (m.customer == CustomerType::Residential && m.industry != ' ') {
      return field_error(5, "residential metering points have no industry (leave it empty)");
    }
    if (m.customer == CustomerType::NonResidential && m.industry == ' ') {
      return field_error(5, "non-residential metering points name their GB/T 4754 section");
    }
    auto key = parse_flag(f_[6]);
    if (!key) return field_error(6, key.error());
    m.key_user = *key;
    auto remote = parse_flag(f_[7]);
    if (!remote) return field_error(7, remote.error());
    m.remote = *remote;
    auto type = parse_meter_type(f_[8]);
    if (!type) return field_error(8, type.error());
    if (!meter_type_matches(*type, m.code.kind)) {
      return field_error(
          8, fmt::format("{} is not a meter type of {} (code energy digit {})", shown(f_[8]),
                         energy_kind_name(m.code.kind), energy_digit(m.code.kind)));
    }
    m.meter_type = *type;
    auto mult = parse_uint(f_[9], 1'000'000);
    if (!mult) return field_error(9, mult.error());
    if (*mult == 0) return field_error(9, "is 0 (at least 1)");
    if (*mult != 1 && m.code.kind != EnergyKind::Electricity) {
      return field_error(9, "only electricity meters have a CT × PT multiplier (else 1)");
    }
    m.multiplier = static_cast<int>(*mult);
    auto installed = parse_time(f_[10]);
    if (!installed) return field_error(10, installed.error());
    m.installed = *installed;
    if (!f_[11].empty()) {
      auto removed = parse_time(f_[11]);
      if (!removed) return field_error(11, removed.error());
      if (*removed < m.installed) return field_error(11, "is before the installation");
      m.removed = *removed;
    }
    out.meters.push_back(m);
    return ok();
  }

  Status reading(Batch& out) {
    OMNI_TRY(expect_fields(std::size(kReadingFields)));
    ReadingRecord r;
    auto code = parse_code(f_[1]);
    if (!code) return field_error(1, code.error());
    r.code = *code;
    auto at = parse_time(f_[2]);
    if (!at) return field_error(2, at.error());
    r.at = *at;
    auto u = unit(4, r.code.kind);
    if (!u) return fail(u.error());
    auto value = parse_decimal(f_[3], *u);
    if (!value) return field_error(3, value.error());
    r.value = *value;
    auto type = parse_meter_type(f_[5]);
    if (!type) return field_error(5, type.error());
    if (!meter_type_matches(*type, r.code.kind)) {
      return field_error(
          5, fmt::format("{} is not a meter type of {} (code energy digit {})", shown(f_[5]),
                         energy_kind_name(r.code.kind), energy_digit(r.code.kind)));
    }
    r.meter_type = *type;
    auto quality = parse_quality(f_[6]);
    if (!quality) return field_error(6, quality.error());
    r.quality = *quality;
    out.readings.push_back(r);
    return ok();
  }

  Status cost(Batch& out) {
    if (n_ < kCostFixedFields) {
      return whole_line(fmt::format("C monthly cost record has {} fields, expected at least {}", n_,
                                    kCostFixedFields));
    }
    CostRecord c;
    auto code = parse_code(f_[1]);
    if (!code) return field_error(1, code.error());
    c.code = *code;
    auto period = parse_uint(f_[2], 999999);
    int month = period ? static_cast<int>(*period % 100) : 0;
    if (!period || f_[2].size() != 6 || month < 1 || month > 12 || *period < 197001) {
      return field_error(2, fmt::format("{} is not a month written yyyymm", shown(f_[2])));
    }
    c.period = static_cast<int>(*period);
    auto u = unit(4, c.code.kind);
    if (!u) return fail(u.error());
    auto usage = parse_decimal(f_[3], *u);
    if (!usage) return field_error(3, usage.error());
    c.usage = *usage;
    auto amount = parse_money(f_[5]);
    if (!amount) return field_error(5, amount.error());
    c.amount = *amount;
    auto tiers = parse_uint(f_[6], kMaxTiers);
    if (!tiers) return field_error(6, tiers.error());
    OMNI_TRY(expect_fields(kCostFixedFields + 3 * *tiers));
    Quantity usage_sum(0, 0, *u);
    Fen amount_sum{0};
    for (std::size_t t = 0; t < *tiers; ++t) {
      std::size_t at = kCostFixedFields + 3 * t;
      CostTier tier;
      auto tu = parse_decimal(f_[at], *u);
      if (!tu) return field_error(at, tu.error());
      tier.usage = *tu;
      auto price = parse_price(f_[at + 1], *u);
      if (!price) return field_error(at + 1, price.error());
      tier.price = *price;
      auto ta = parse_money(f_[at + 2]);
      if (!ta) return field_error(at + 2, ta.error());
      tier.amount = *ta;
      auto sum = usage_sum.add(tier.usage);
      if (!sum) return field_error(at, sum.error());
      usage_sum = *sum;
      if (tier.amount.value > std::numeric_limits<std::int64_t>::max() - amount_sum.value) {
        return field_error(at + 2, "the tiers' amounts do not fit 64 bits");
      }
      amount_sum += tier.amount;
      c.tiers.push_back(tier);
    }
    if (!c.tiers.empty()) {
      auto same = usage_sum.compare_to(c.usage);
      if (!same || *same != 0) {
        return field_error(3, fmt::format("{} is not the sum of the tiers' usage ({})",
                                          shown(f_[3]), usage_sum.to_decimal_string()));
      }
      if (amount_sum != c.amount) {
        return field_error(5, fmt::format("{} is not the sum of the tiers' amounts ({})",
                                          shown(f_[5]), amount_sum.to_yuan_string()));
      }
    }
    out.costs.push_back(std::move(c));
    return ok();
  }

  Status coverage(Batch& out) {
    OMNI_TRY(expect_fields(std::size(kCoverageFields)));
    CoverageRecord v;
    auto day = parse_day(f_[1]);
    if (!day) return field_error(1, day.error());
    v.day = *day;
    if (f_[2].size() != 1) {
      return field_error(2, fmt::format("{} is not an energy digit: 1 electricity, 2 water, "
                                        "3 gas, 4 heat",
                                        shown(f_[2])));
    }
    auto kind = energy_from_digit(f_[2][0]);
    if (!kind) return field_error(2, kind.error());
    v.kind = *kind;
    auto industry = parse_industry(f_[3]);
    if (!industry) return field_error(3, industry.error());
    v.industry = *industry;
    constexpr std::uint64_t kMaxCount = 1'000'000'000'000;
    auto installed = parse_uint(f_[4], kMaxCount);
    if (!installed) return field_error(4, installed.error());
    auto online = parse_uint(f_[5], kMaxCount);
    if (!online) return field_error(5, online.error());
    if (*online > *installed) {
      return field_error(5, fmt::format("{} online meters of {} installed", *online, *installed));
    }
    v.installed = static_cast<std::int64_t>(*installed);
    v.online = static_cast<std::int64_t>(*online);
    out.coverage.push_back(v);
    return ok();
  }

  const char* base_;
  std::string_view line_;
  std::array<std::string_view, kMaxFields> f_{};
  std::size_t n_ = 0;
  char kind_ = 0;
  std::string_view last_unit_text_;
  Unit last_unit_ = Unit::None;
};

// ---------------------------------------------------------------------------------------------
// Reading: the whole text

struct Header {
  std::string station;
  std::uint64_t sequence = 0;
  UtcTime created;
  std::uint64_t count = 0;
  std::string_view digest;
};

constexpr std::string_view kHeaderNames[] = {"magic",   "version", "station", "sequence",
                                             "created", "count",   "digest"};

tl::unexpected<Error> header_error(std::size_t index, std::string what,
                                   ErrorCode code = ErrorCode::Malformed) {
  return fail(code, fmt::format("header field {} ({}): {}", index + 1, kHeaderNames[index], what));
}

bool is_station_char(char c) {
  return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '.' || c == '_' ||
         c == '-';
}

Result<Header> parse_header(std::string_view h) {
  if (h.substr(0, 3) == "\xEF\xBB\xBF") {
    return fail(ErrorCode::Malformed,
                "starts with a UTF-8 byte order mark; a batch starts with \"OMX|\"");
  }
  if (!h.empty() && h.back() == '\r') {
    return fail(ErrorCode::Malformed,
                "ends with CR: CRLF line endings are not allowed, lines end with LF only (was the "
                "file converted by a text-mode transfer?)");
  }
  std::array<std::string_view, kHeaderFields> f{};
  std::size_t n = 0, start = 0;
  for (std::size_t i = 0; i <= h.size(); ++i) {
    if (i == h.size() || h[i] == '|') {
      if (n < kHeaderFields) f[n] = h.substr(start, i - start);
      ++n;
      start = i + 1;
    }
  }
  if (f[0] != kMagic) {
    return fail(ErrorCode::Malformed, "not an exchange batch: the first line starts with \"OMX|\"");
  }
  if (n < 2) return header_error(1, "is missing");
  auto version = parse_uint(f[1], std::numeric_limits<std::uint32_t>::max());
  if (!version || *version == 0) {
    return header_error(1, fmt::format("{} is not a format version", shown(f[1])));
  }
  if (*version > static_cast<std::uint64_t>(kFormatVersion)) {
    return header_error(1,
                        fmt::format("format version {} is newer than this reader (version {})",
                                    *version, kFormatVersion),
                        ErrorCode::Unsupported);
  }
  if (n != kHeaderFields) {
    return fail(ErrorCode::Malformed, fmt::format("the header has {} fields, expected {} "
                                                  "(OMX|1|station|sequence|created|count|digest)",
                                                  n, kHeaderFields));
  }
  Header out;
  if (f[2].empty() || f[2].size() > kMaxStationChars ||
      !std::all_of(f[2].begin(), f[2].end(), is_station_char)) {
    return header_error(2,
                        fmt::format("{} is not a station id ([A-Za-z0-9._-], 1..64)", shown(f[2])));
  }
  out.station = std::string(f[2]);
  auto seq = parse_uint(f[3], std::numeric_limits<std::uint64_t>::max());
  if (!seq || *seq == 0) {
    return header_error(3, seq ? std::string("is 0 (sequences start at 1)") : seq.error().detail);
  }
  out.sequence = *seq;
  auto created = parse_time(f[4]);
  if (!created) return header_error(4, created.error().detail);
  out.created = *created;
  auto count = parse_uint(f[5], kMaxBatchBytes);
  if (!count) return header_error(5, count.error().detail);
  out.count = *count;
  bool hex = f[6].size() == 2 * crypto::kSm3DigestSize &&
             std::all_of(f[6].begin(), f[6].end(),
                         [](char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); });
  if (!hex) {
    return header_error(
        6, fmt::format("{} is not an SM3 digest (64 lower-case hex digits)", shown(f[6])));
  }
  out.digest = f[6];
  return out;
}

// Reads `text` into `out`, passing each problem to `report(line, error)`; stops when report
// returns false. Order: size, header, digest, records, count: a damaged transfer is named as
// such before any of its records is looked at.
template <class Report>
void read_text(std::string_view text, Batch& out, Report&& report) {
  if (text.size() > kMaxBatchBytes) {
    if (!report(0, Error{ErrorCode::OutOfRange,
                         fmt::format("the batch is {} bytes, more than the limit of {} (64 MiB)",
                                     text.size(), kMaxBatchBytes)})) {
      return;
    }
  }
  std::size_t nl = text.find('\n');
  if (nl == std::string_view::npos) {
    report(1, Error{ErrorCode::Malformed, text.empty()
                                              ? "the batch is empty"
                                              : "the header line has no newline (truncated?)"});
    return;
  }
  std::string_view body = text.substr(nl + 1);
  auto header = parse_header(text.substr(0, nl));
  if (!header) {
    bool fatal = header.error().code == ErrorCode::Unsupported ||
                 text.substr(0, kMagic.size() + 1) != "OMX|";
    if (!report(1, header.error()) || fatal) return;
  } else {
    out.station = header->station;
    out.sequence = header->sequence;
    out.created = header->created;
    std::string computed = body_digest(body);
    if (computed != header->digest) {
      std::string hint;
      if (body.find("\r\n") != std::string_view::npos) {
        hint = "; the body has CRLF line endings (converted by a text-mode transfer?)";
      }
      if (!report(0, Error{ErrorCode::BadChecksum,
                           fmt::format("the body's SM3 digest {} does not match the header's {}: "
                                       "the batch was truncated or altered{}",
                                       computed, header->digest, hint)})) {
        return;
      }
    }
  }

  RecordParser parser(text);
  std::size_t line_no = 1;
  std::uint64_t records = 0;
  std::size_t pos = nl + 1;
  while (pos < text.size()) {
    ++line_no;
    const char* start = text.data() + pos;
    const void* found = std::memchr(start, '\n', text.size() - pos);
    std::size_t end = found
                          ? static_cast<std::size_t>(static_cast<const char*>(found) - text.data())
                          : text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++records;
    auto line_error = [&](std::string what) {
      Error e{ErrorCode::Malformed, std::move(what)};
      e.offset = line.data() - text.data();
      return report(line_no, std::move(e));
    };
    if (!found) {
      if (!line_error("the last line has no newline (truncated?)")) return;
      continue;
    }
    if (line.empty()) {
      if (!line_error("empty line")) return;
      continue;
    }
    if (line.size() > kMaxLineBytes) {
      if (!line_error(
              fmt::format("the line is {} bytes, more than {}", line.size(), kMaxLineBytes))) {
        return;
      }
      continue;
    }
    if (line.back() == '\r') {
      if (!line_error("ends with CR: CRLF line endings are not allowed, lines end with LF only")) {
        return;
      }
      continue;
    }
    if (auto st = parser.parse(line, out); !st) {
      if (!report(line_no, std::move(st).error())) return;
    }
  }
  if (header && records != header->count) {
    report(0, Error{ErrorCode::BadChecksum,
                    fmt::format("the header counts {} records, the body has {}", header->count,
                                records)});
  }
}

}  // namespace

std::string body_digest(std::string_view body) {
  auto d = crypto::sm3(crypto::as_bytes(body));
  return crypto::to_hex(d);
}

std::string write_batch(const Batch& batch) {
  std::string body;
  // About 70 bytes a reading line; regions and meters are longer but rarer.
  body.reserve(batch.readings.size() * 72 + batch.meters.size() * 120 + batch.regions.size() * 80 +
               batch.costs.size() * 120 + batch.coverage.size() * 40);
  for (const auto& r : batch.regions) write_region(body, r);
  for (const auto& m : batch.meters) write_meter(body, m);
  for (const auto& r : batch.readings) write_reading(body, r);
  for (const auto& c : batch.costs) write_cost(body, c);
  for (const auto& v : batch.coverage) write_coverage(body, v);

  std::string out;
  out.reserve(body.size() + 160);
  out += kMagic;
  out += '|';
  put_int(out, kFormatVersion);
  out += '|';
  out += batch.station;
  out += '|';
  put_uint(out, batch.sequence);
  out += '|';
  put_time(out, batch.created);
  out += '|';
  put_uint(out, batch.record_count());
  out += '|';
  out += body_digest(body);
  out += '\n';
  out += body;
  return out;
}

Result<Batch> read_batch(std::string_view text) {
  Batch batch;
  std::optional<Error> first;
  read_text(text, batch, [&](std::size_t line, Error e) {
    if (line > 0) e.detail = fmt::format("line {}: {}", line, e.detail);
    first = std::move(e);
    return false;
  });
  if (first) return fail(std::move(*first));
  return batch;
}

std::vector<Problem> validate_batch(std::string_view text) {
  std::vector<Problem> problems;
  Batch scratch;
  read_text(text, scratch, [&](std::size_t line, Error e) {
    problems.push_back({line, std::move(e.detail)});
    return true;
  });
  return problems;
}

}  // namespace omni::exchange
