#pragma once
// The records that travel from a master station (or the gateway of a directly connected
// concentrator) to the city cloud: the three code families of DT-4 plus the region table and
// coverage counts the cloud needs to turn them into statistics. Specified, with examples, in
// docs/exchange-format.md; the text form is in batch.hpp.
//
// Base information code (基础信息编码), 26 digits, hierarchical so that a prefix is a region:
//
//   110105 003 012  0021 02 0301  1  01  8
//   │      │   │    │    │  │     │  │   └ check digit, ISO/IEC 7064 MOD 11,10 over the 25 before
//   │      │   │    │    │  │     │  └ meter sequence within the room and energy (01..99)
//   │      │   │    │    │  │     └ energy kind: 1 electricity, 2 water, 3 gas, 4 heat
//   │      │   │    │    │  └ room (0000: a supply meter of the building or community)
//   │      │   │    │    └ unit (单元) of the building (00: no unit)
//   │      │   │    └ building within the community (0000: a community supply meter)
//   │      │   └ community / village committee (居委会/村委会), 3 digits
//   │      └ street / town (街道/乡镇), 3 digits
//   └ county-level division, GB/T 2260 (110105 朝阳区)
//
// The first 12 digits are the statistical division code (统计用区划代码: county 6 + town 3 +
// village 3), so regions in the cloud line up with official statistics.
//
// Thread safety: value types.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/meter_address.hpp"
#include "core/money.hpp"
#include "core/quantity.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "core/units.hpp"

namespace omni::exchange {

inline constexpr int kFormatVersion = 1;

struct BaseCode {
  std::uint32_t county = 0;      // 6 digits, GB/T 2260
  std::uint16_t street = 0;      // 0..999
  std::uint16_t community = 0;   // 0..999
  std::uint16_t building = 0;    // 0..9999; 0 = community supply meter
  std::uint8_t unit = 0;         // 0..99
  std::uint16_t room = 0;        // 0..9999; 0 = supply meter of the building or community
  EnergyKind kind = EnergyKind::Electricity;
  std::uint8_t sequence = 1;     // 1..99

  // 26 digits with the check digit.
  std::string to_string() const;
  // Errors: Malformed (length, non-digit, energy digit not 1..4, sequence 00) with the offset
  // of the bad character; Corrupt (check digit does not match).
  static Result<BaseCode> parse(std::string_view digits);

  // The 12-digit region prefix (county, street, community) as a number, and the prefix length in
  // digits of each region level: county 6, street 9, community 12, building 16.
  std::uint64_t community_region() const;
  bool is_supply() const { return room == 0; }

  auto operator<=>(const BaseCode&) const = default;
};

// ISO/IEC 7064 MOD 11,10 check digit of a string of decimal digits.
char check_digit_mod11_10(std::string_view digits);

// Region levels of the hierarchy the cloud reports on.
enum class RegionLevel : std::uint8_t { City, District, Street, Community, Building };

// 'R': a named region. `code` is the prefix: 6 digits (district), 9 (street), 12 (community),
// 16 (building, community code + 4-digit building number).
struct RegionRecord {
  std::string code;
  RegionLevel level = RegionLevel::District;
  std::string name;             // 朝阳区, 望京街道, … (UTF-8)
  std::optional<double> latitude, longitude;  // WGS-84, for the map; absent when unknown
};

enum class CustomerType : std::uint8_t { Residential, NonResidential };

// Industry: the GB/T 4754-2017 section letter ('A'..'T'); ' ' for households.
// 'B': one metering point as the utility's archive knows it.
struct MeterRecord {
  BaseCode code;
  MeterAddress address;              // the device address on the wire (12 or 14 digits)
  std::optional<BaseCode> parent;    // the supply meter above it (loss = parent − Σ children)
  CustomerType customer = CustomerType::Residential;
  char industry = ' ';
  bool key_user = false;             // 重点用户 (P-STAT-5)
  bool remote = true;                // read remotely (P-STAT-7 coverage), else read by hand
  std::uint8_t meter_type = 0x40;    // CJ/T 188 T field: 10H cold water … 20H heat, 30H gas, 40H electricity
  int multiplier = 1;                // CT × PT ratio for electricity, else 1
  UtcTime installed;
  std::optional<UtcTime> removed;    // replaced or dismantled: the code is never reused (SEC-3)
};

enum class Quality : std::uint8_t { Measured = 0, Estimated = 1, Edited = 2, Suspect = 3 };

// 'E': a register value of one metering point at one time (a daily frozen value is stamped at
// 00:00 Beijing time of the day it was frozen, i.e. 16:00 UTC of the previous day).
struct ReadingRecord {
  BaseCode code;
  UtcTime at;
  Quantity value;                    // the register, not a difference; unit kWh, m3, GJ, …
  std::uint8_t meter_type = 0x40;
  Quality quality = Quality::Measured;
};

// 'C': a month's bill of one metering point (monthly energy cost code).
struct CostTier {
  Quantity usage;
  Price price;
  Fen amount;
};
struct CostRecord {
  BaseCode code;
  int period = 0;                    // yyyymm, Beijing calendar
  Quantity usage;
  std::vector<CostTier> tiers;       // tiered tariffs (阶梯): usage and amount per tier
  Fen amount;                        // total, equals the sum of the tiers' amounts
};

// 'V': coverage counts of one Beijing day (P-STAT-7), per energy and industry.
struct CoverageRecord {
  std::int64_t day = 0;              // Beijing day number
  EnergyKind kind = EnergyKind::Electricity;
  char industry = ' ';
  std::int64_t installed = 0;        // all installed meters
  std::int64_t online = 0;           // remote meters read on that day
};

// ---------------------------------------------------------------------------------------------
// Helpers around the codes (added with the implementation; docs/exchange-format.md has the
// tables). All are pure functions of their arguments.

// The energy digit of the base code: 1 electricity, 2 water, 3 gas, 4 heat (not the order of
// omni::EnergyKind, hence the explicit mapping).
char energy_digit(EnergyKind kind);
// Errors: Malformed (not '1'..'4').
Result<EnergyKind> energy_from_digit(char digit);

// The ranges of BaseCode's fields (county's first digit 1..8 as in GB/T 2260, sequence 1..99,
// building 0 only with unit 0 and room 0). parse() never returns a code that fails this.
// Errors: OutOfRange naming the field.
Status validate_base_code(const BaseCode& code);

// Region codes are prefixes of the base code: city 4 digits (GB/T 2260 province + prefecture,
// "1101" for Beijing's districts), district 6, street 9, community 12, building 16.
std::size_t region_code_digits(RegionLevel level);
std::string_view region_level_name(RegionLevel level);     // "district"
std::string_view region_level_name_zh(RegionLevel level);  // "区"
// Accepts the English name. Errors: Malformed.
Result<RegionLevel> parse_region_level(std::string_view name);
// The code of the region at `level` that contains the metering point `code`.
std::string region_code(const BaseCode& code, RegionLevel level);

// GB/T 4754-2017 sections: 'A'..'T'. ' ' (households) is not a section.
bool is_industry_section(char section);
// "制造业" for 'C'; "居民" for ' '; "" for anything else.
std::string_view industry_name_zh(char section);

// Whether a CJ/T 188 meter type code belongs to the energy: 10H–19H water, 20H–29H heat,
// 30H–39H gas (the CJ/T 188-2018 families) and 40H–49H electricity (40H 电度表 in CJ/T 188-2004;
// 2018 leaves 40H–49H to other meters, and this format gives them to electricity).
bool meter_type_matches(std::uint8_t meter_type, EnergyKind kind);
// "冷水水表" for 10H, …; "" for codes without a name in CJ/T 188-2004/2018.
std::string_view meter_type_name_zh(std::uint8_t meter_type);

}  // namespace omni::exchange
