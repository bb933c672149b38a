#include "exchange/records.hpp"

#include <fmt/format.h>

#include "protocol/cjt188/frame.hpp"

namespace omni::exchange {
namespace {

// Digit positions of the base code (docs/exchange-format.md, "Base information code").
constexpr std::size_t kCodeDigits = 26;
constexpr std::size_t kEnergyAt = 22;
constexpr std::size_t kSequenceAt = 23;
constexpr std::size_t kCheckAt = 25;

// ISO/IEC 7064 MOD 11,10 as a transition table: the state P is 1..10 (10 at the start); a digit
// a moves it to 2·S mod 11 with S = (P + a) mod 10, and 0 read as 10. The table keeps the
// divisions off the ingest path, where every reading carries a code.
struct Mod1110Table {
  std::uint8_t next[11][10] = {};
  constexpr Mod1110Table() {
    for (int p = 1; p <= 10; ++p) {
      for (int a = 0; a < 10; ++a) {
        int s = (p + a) % 10;
        if (s == 0) s = 10;
        next[p][a] = static_cast<std::uint8_t>(s * 2 % 11);
      }
    }
  }
};
constexpr Mod1110Table kMod1110;

// The check digit c completes the string when (P + c) mod 10 = 1.
char check_digit_of_state(int p) { return static_cast<char>('0' + (11 - p) % 10); }

constexpr std::uint64_t kPow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000};

std::uint32_t digits_value(std::string_view s, std::size_t from, std::size_t n) {
  std::uint32_t v = 0;
  for (std::size_t i = from; i < from + n; ++i) v = v * 10 + static_cast<std::uint32_t>(s[i] - '0');
  return v;
}

void put_digits(char* out, std::uint64_t value, std::size_t n) {
  for (std::size_t i = n; i-- > 0;) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

struct IndustryRow {
  char section;
  std::string_view name_zh;
};
// GB/T 4754-2017 国民经济行业分类, the 20 sections (门类).
constexpr IndustryRow kIndustries[] = {
    {'A', "农、林、牧、渔业"},
    {'B', "采矿业"},
    {'C', "制造业"},
    {'D', "电力、热力、燃气及水生产和供应业"},
    {'E', "建筑业"},
    {'F', "批发和零售业"},
    {'G', "交通运输、仓储和邮政业"},
    {'H', "住宿和餐饮业"},
    {'I', "信息传输、软件和信息技术服务业"},
    {'J', "金融业"},
    {'K', "房地产业"},
    {'L', "租赁和商务服务业"},
    {'M', "科学研究和技术服务业"},
    {'N', "水利、环境和公共设施管理业"},
    {'O', "居民服务、修理和其他服务业"},
    {'P', "教育"},
    {'Q', "卫生和社会工作"},
    {'R', "文化、体育和娱乐业"},
    {'S', "公共管理、社会保障和社会组织"},
    {'T', "国际组织"},
};

struct MeterTypeRow {
  std::uint8_t code;
  std::string_view name_zh;
};
// CJ/T 188-2004 table of meter types (T), plus 22H from the 2018 edition.
constexpr MeterTypeRow kMeterTypes[] = {
    {0x10, "冷水水表"},
    {0x11, "生活热水水表"},
    {0x12, "直饮水水表"},
    {0x13, "中水水表"},
    {0x20, "热量表（计热量）"},
    {0x21, "热量表（计冷量）"},
    {0x22, "热量表（计热量和冷量）"},
    {0x30, "燃气表"},
    {0x40, "电度表"},
};

struct LevelRow {
  RegionLevel level;
  std::string_view name;
  std::string_view name_zh;
  std::size_t digits;
};
constexpr LevelRow kLevels[] = {
    {RegionLevel::City, "city", "市", 4},
    {RegionLevel::District, "district", "区", 6},
    {RegionLevel::Street, "street", "街道/乡镇", 9},
    {RegionLevel::Community, "community", "社区/村", 12},
    {RegionLevel::Building, "building", "楼栋", 16},
};

constexpr bool levels_in_enum_order() {
  for (std::size_t i = 0; i < std::size(kLevels); ++i) {
    if (static_cast<std::size_t>(kLevels[i].level) != i) return false;
  }
  return true;
}
static_assert(levels_in_enum_order(), "kLevels must list every RegionLevel in enum order");

const LevelRow& level_row(RegionLevel level) { return kLevels[static_cast<std::size_t>(level)]; }

}  // namespace

char check_digit_mod11_10(std::string_view digits) {
  int p = 10;
  for (char c : digits) {
    // Non-digits are a caller error; they are folded in as their value mod 10 rather than read
    // out of the table's bounds.
    int a = (c >= '0' && c <= '9') ? c - '0' : static_cast<unsigned char>(c) % 10;
    p = kMod1110.next[p][a];
  }
  return check_digit_of_state(p);
}

char energy_digit(EnergyKind kind) {
  switch (kind) {
    case EnergyKind::Electricity:
      return '1';
    case EnergyKind::Water:
      return '2';
    case EnergyKind::Gas:
      return '3';
    case EnergyKind::Heat:
      return '4';
  }
  return '0';
}

Result<EnergyKind> energy_from_digit(char digit) {
  switch (digit) {
    case '1':
      return EnergyKind::Electricity;
    case '2':
      return EnergyKind::Water;
    case '3':
      return EnergyKind::Gas;
    case '4':
      return EnergyKind::Heat;
    default:
      return fail(ErrorCode::Malformed,
                  fmt::format("energy digit '{}' is not 1 (electricity), 2 (water), 3 (gas) or "
                              "4 (heat)",
                              digit));
  }
}

std::string BaseCode::to_string() const {
  if (!validate_base_code(*this)) {
    // Fields outside their ranges are written at their full width, so the text is not 26
    // digits and parse() rejects it: a bad code never turns into another valid one.
    std::string out = fmt::format("{:06}{:03}{:03}{:04}{:02}{:04}{}{:02}", county, street,
                                  community, building, unit, room, energy_digit(kind), sequence);
    out.push_back(check_digit_mod11_10(out));
    return out;
  }
  // The fast path: every reading line of a batch carries a code.
  char d[kCodeDigits];
  put_digits(d, county, 6);
  put_digits(d + 6, street, 3);
  put_digits(d + 9, community, 3);
  put_digits(d + 12, building, 4);
  put_digits(d + 16, unit, 2);
  put_digits(d + 18, room, 4);
  d[kEnergyAt] = energy_digit(kind);
  put_digits(d + kSequenceAt, sequence, 2);
  d[kCheckAt] = check_digit_mod11_10(std::string_view(d, kCheckAt));
  return std::string(d, kCodeDigits);
}

Result<BaseCode> BaseCode::parse(std::string_view s) {
  if (s.size() != kCodeDigits) {
    return fail_at(ErrorCode::Malformed, std::min(s.size(), kCodeDigits),
                   fmt::format("a base code has 26 digits, not {}", s.size()));
  }
  int p = 10;
  for (std::size_t i = 0; i < kCodeDigits; ++i) {
    if (s[i] < '0' || s[i] > '9') {
      return fail_at(ErrorCode::Malformed, i,
                     fmt::format("character {} of the base code is not a digit", i + 1));
    }
    if (i < kCheckAt) p = kMod1110.next[p][s[i] - '0'];
  }
  // The check digit first: when it fails, the other fields are probably damaged too, and
  // "corrupt" is the more useful diagnosis.
  char expected = check_digit_of_state(p);
  if (s[kCheckAt] != expected) {
    return fail_at(
        ErrorCode::BadChecksum, kCheckAt,
        fmt::format("check digit is {}, the other 25 digits give {}", s[kCheckAt], expected));
  }
  if (s[0] == '0' || s[0] == '9') {
    return fail_at(ErrorCode::Malformed, 0, "the county code (GB/T 2260) starts with 1..8");
  }
  auto kind = energy_from_digit(s[kEnergyAt]);
  if (!kind) {
    Error e = kind.error();
    e.offset = static_cast<std::int64_t>(kEnergyAt);
    return fail(std::move(e));
  }
  BaseCode c;
  c.county = digits_value(s, 0, 6);
  c.street = static_cast<std::uint16_t>(digits_value(s, 6, 3));
  c.community = static_cast<std::uint16_t>(digits_value(s, 9, 3));
  c.building = static_cast<std::uint16_t>(digits_value(s, 12, 4));
  c.unit = static_cast<std::uint8_t>(digits_value(s, 16, 2));
  c.room = static_cast<std::uint16_t>(digits_value(s, 18, 4));
  c.kind = *kind;
  c.sequence = static_cast<std::uint8_t>(digits_value(s, kSequenceAt, 2));
  if (c.sequence == 0) {
    return fail_at(ErrorCode::Malformed, kSequenceAt, "meter sequence 00 (sequences are 01..99)");
  }
  if (c.building == 0 && c.unit != 0) {
    return fail_at(ErrorCode::Malformed, 16,
                   "a community supply meter (building 0000) has unit 00");
  }
  if (c.building == 0 && c.room != 0) {
    return fail_at(ErrorCode::Malformed, 18,
                   "a community supply meter (building 0000) has room 0000");
  }
  return c;
}

Status validate_base_code(const BaseCode& c) {
  auto bad = [](std::string_view field, std::uint64_t value, std::string_view range) {
    return fail(ErrorCode::OutOfRange,
                fmt::format("base code {} {} is outside {}", field, value, range));
  };
  if (c.county < 100000 || c.county > 899999) return bad("county", c.county, "100000..899999");
  if (c.street > 999) return bad("street", c.street, "0..999");
  if (c.community > 999) return bad("community", c.community, "0..999");
  if (c.building > 9999) return bad("building", c.building, "0..9999");
  if (c.unit > 99) return bad("unit", c.unit, "0..99");
  if (c.room > 9999) return bad("room", c.room, "0..9999");
  if (c.sequence < 1 || c.sequence > 99) return bad("sequence", c.sequence, "1..99");
  if (energy_digit(c.kind) == '0') {
    return bad("energy", static_cast<std::uint64_t>(c.kind), "the four energies");
  }
  if (c.building == 0 && (c.unit != 0 || c.room != 0)) {
    return fail(ErrorCode::OutOfRange,
                "a community supply meter (building 0) has unit 0 and room 0");
  }
  return ok();
}

std::uint64_t BaseCode::community_region() const {
  return static_cast<std::uint64_t>(county) * kPow10[6] +
         static_cast<std::uint64_t>(street) * kPow10[3] + community;
}

std::size_t region_code_digits(RegionLevel level) { return level_row(level).digits; }
std::string_view region_level_name(RegionLevel level) { return level_row(level).name; }
std::string_view region_level_name_zh(RegionLevel level) { return level_row(level).name_zh; }

Result<RegionLevel> parse_region_level(std::string_view name) {
  for (const auto& row : kLevels) {
    if (row.name == name) return row.level;
  }
  return fail(ErrorCode::Malformed,
              fmt::format("\"{}\" is not a region level (city, district, street, community, "
                          "building)",
                          name));
}

std::string region_code(const BaseCode& code, RegionLevel level) {
  char digits[16];
  put_digits(digits, code.county, 6);
  put_digits(digits + 6, code.street, 3);
  put_digits(digits + 9, code.community, 3);
  put_digits(digits + 12, code.building, 4);
  return std::string(digits, region_code_digits(level));
}

bool is_industry_section(char section) { return section >= 'A' && section <= 'T'; }

std::string_view industry_name_zh(char section) {
  if (section == ' ') return "居民";
  if (!is_industry_section(section)) return {};
  return kIndustries[section - 'A'].name_zh;
}

bool meter_type_matches(std::uint8_t meter_type, EnergyKind kind) {
  using protocol::cjt188::MeterFamily;
  switch (protocol::cjt188::family_of(meter_type)) {
    case MeterFamily::Water:
      return kind == EnergyKind::Water;
    case MeterFamily::Heat:
      return kind == EnergyKind::Heat;
    case MeterFamily::Gas:
      return kind == EnergyKind::Gas;
    case MeterFamily::Other:  // 40H 电度表 and the rest of its range
      return kind == EnergyKind::Electricity;
    default:
      return false;
  }
}

std::string_view meter_type_name_zh(std::uint8_t meter_type) {
  for (const auto& row : kMeterTypes) {
    if (row.code == meter_type) return row.name_zh;
  }
  return {};
}

}  // namespace omni::exchange
