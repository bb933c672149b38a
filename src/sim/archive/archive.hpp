#pragma once
// The utility's customer archive (营销系统档案) of the simulated city: for every meter, where it
// is (district / street / community / building / unit / room as an exchange::BaseCode), who it
// belongs to (customer type, GB/T 4754-2017 industry section, key user), which supply meter is
// above it and which concentrator reads it. In the field this file comes out of the utility's
// marketing system and is imported into the master station (`omnimeter station import`); the
// simulator is the field, so it writes it (`omnimeter sim archive -c sim.toml`).
//
// Everything here is a pure function of the city (and so of the seed): the same sim.toml gives
// the same bytes. A city generated with more meters is the same city with more communities, and
// every place assigned here depends only on what comes before it, so codes stay put as the city
// grows.
//
// Thread safety: pure functions over a const City.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/meter_address.hpp"
#include "core/time.hpp"
#include "core/units.hpp"
#include "exchange/records.hpp"
#include "sim/model/city.hpp"

namespace omni::sim {

// ---- Concentrators -------------------------------------------------------------------------

inline constexpr std::uint32_t kNoConcentrator = 0xFFFFFFFFu;

// IoT electricity meters (DL/T 698.45) dial the station themselves; every other meter is read
// through a concentrator (CJ/T 188 IoT meters too, until their TCP dialect is simulated).
bool dials_station(const Meter& m);

// Which concentrator reads which meter: communities are filled into concentrators in meter
// order, a new concentrator starting when the next community would not fit, and a community
// larger than one concentrator is split (a large estate has several transformer areas).
// sim::Field builds its concentrators with exactly this rule and the same sim.toml key
// (`meters_per_concentrator`); tests/unit/station/archive_field_test.cpp checks that a station
// learns the same assignment from the running field.
struct ConcentratorPlan {
  // Per concentrator (index = concentrator id), its meters in archive order: the configuration
  // serial (配置序号) of meters[i][k] is k + 1.
  std::vector<std::vector<std::uint32_t>> meters;
  // Per city meter: the concentrator id, or kNoConcentrator for meters that dial the station.
  std::vector<std::uint32_t> concentrator_of;
};
// With `only`, the field of one utility (FieldConfig::energy): only that energy's meters are
// planned (the others get kNoConcentrator), so its concentrators hold nothing else.
// REQUIRES: meters_per_concentrator >= 1.
ConcentratorPlan plan_concentrators(const City& city, std::uint32_t meters_per_concentrator,
                                    std::optional<EnergyKind> only = std::nullopt);

// The terminal address of concentrator `id`: 12 digits "1199" + id + 1. Beijing (11) and 99, which
// no meter address uses (electricity meters are "11" + district index 00..15 + serial, CJ/T 188
// meters start with their maker's code), so a terminal is never mistaken for a meter.
MeterAddress concentrator_address(std::uint32_t id);

// ---- Places --------------------------------------------------------------------------------

// A street (街道/乡镇) of a district: a run of 5 to 15 of the district's communities in the
// order they were generated (the last street of a district may be shorter until the city
// grows). Numbered 001, 002, … within the district, with a generated name unique within it.
struct Street {
  std::uint8_t district = 0;  // index into beijing_districts()
  std::uint16_t number = 0;   // 1..999
  std::uint16_t planned = 0;  // communities it takes before the next street starts (5..15)
  std::string name;           // 东华街道
  std::vector<std::uint32_t> communities;
};

struct Places {
  std::vector<Street> streets;
  std::vector<std::uint32_t> street_of;         // per community: index into `streets`
  std::vector<std::uint16_t> number_in_street;  // per community: 1..15
  std::vector<std::int64_t> built_day;          // per community: day number its meters went in
};
Places assign_places(const City& city);

// The base information code of a meter: county = the district's GB/T 2260 code; street and
// community from `places`; household meters get building (1-based within the community), unit
// and room from the building's floors (room = floor × 100 + door; residential buildings have
// two doors per floor and unit, others number the rooms along the floor and have no unit);
// a building's supply meter has room 0000, a community supply meter building 0000 and room
// 0000. Every meter is the first (sequence 01) of its energy in its room.
exchange::BaseCode base_code(const City& city, const Places& places, const Meter& meter);

// GB/T 4754-2017 section letter of a user's industry (' ' for households): industry → C,
// commerce → F, education → P, health → Q, transport → G, government → S, hospitality → H.
char industry_section(Industry industry);

// CJ/T 188 meter type (T field) of an energy: water 10H, heat 20H, gas 30H, electricity 40H.
std::uint8_t meter_type_of(EnergyKind kind);

// "dlt645-2007", "dlt645-1997", "cjt188-2004", "cjt188-2018", "dlt698".
std::string_view protocol_name(MeterProtocol p);

// ---- The CSV file --------------------------------------------------------------------------

// One field of RFC 4180 CSV: quoted (with inner quotes doubled) when it holds a comma, a quote,
// CR or LF; as is otherwise.
std::string csv_field(std::string_view text);

// The header row of the archive file, without the line end. Columns, in order:
//   base_code      26 digits (exchange::BaseCode)
//   address        device address, 12 (DL/T 645 / 698.45) or 14 (CJ/T 188) digits
//   energy         electricity | water | gas | heat
//   protocol       see protocol_name()
//   concentrator   terminal address of the concentrator that reads it; empty for IoT meters
//   parent_code    base code of the supply meter above it; empty for supply meters
//   customer_type  residential | non-residential (supply meters: non-residential)
//   industry       GB/T 4754-2017 section letter; empty for households; D (the utility's own
//                  supply) for supply meters
//   key_user       true | false (重点用户)
//   remote         true | false (read remotely; every simulated meter is)
//   meter_type     CJ/T 188 T field as 0xNN
//   multiplier     CT × PT ratio (1: simulated registers count primary energy)
//   installed      Beijing date YYYY-MM-DD the meter went in
//   removed        Beijing date it was dismantled; empty while in service
//   district, street, community   names (UTF-8)
//   latitude, longitude           the community's position, WGS-84 degrees, 6 decimals
std::string_view archive_csv_header();

struct ArchiveOptions {
  std::optional<EnergyKind> energy;              // one utility's archive; all energies when empty
  std::uint32_t meters_per_concentrator = 2000;  // as in sim.toml: must match the field
  // The concentrator column for a field of `energy` alone (FieldConfig::energy, one station per
  // utility) instead of the whole city's field; meaningful only with `energy`.
  bool utility_field = false;
};

// Writes the header and one row per meter (in meter order), CRLF line ends as RFC 4180 asks,
// in chunks of a few hundred kilobytes to `sink` (a million meters are ~250 MB of text).
void write_archive_csv(const City& city, const ArchiveOptions& options,
                       const std::function<void(std::string_view)>& sink);

}  // namespace omni::sim
