#pragma once
// The synthetic city: districts, communities, buildings, households, business users and their
// meters, generated deterministically from a seed and a target number of meters (50 to
// 1,000,000). Plain arrays of small structs: a million meters take tens of megabytes.
//
// Structure, top down:
//   District (the 16 districts of Beijing with their GB/T 2260 codes)
//     Community (residential community, commercial complex, enterprise park or rural village)
//       Building (floors, units, district heating or not)
//         Household / business user (occupants or industry, ground-truth labels)
//           Meters: electricity, water, gas, and heat where the building has household heat
//           metering; plus supply (master) meters per building and community, so that the sum of
//           the meters below can be compared with the meter above (line loss, leaks, theft).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/meter_address.hpp"
#include "core/units.hpp"

namespace omni::sim {

struct District {
  std::string_view code;     // GB/T 2260 administrative division code
  std::string_view name_zh;  // 东城区
  std::string_view name_en;  // Dongcheng
  double residents_10k;      // 2020 census, ten-thousands: weights the community placement
  double latitude, longitude;
  bool urban;  // the six central districts (城六区)
};
std::span<const District> beijing_districts();

enum class CommunityKind : std::uint8_t {
  Residential,
  CommercialComplex,
  EnterprisePark,
  RuralVillage
};
enum class Industry : std::uint8_t {
  Residential,  // households
  Industry,
  Commerce,
  Education,
  Health,
  Transport,
  Government,
  Hospitality,
};
std::string_view industry_name(Industry i);  // "commerce"

struct Community {
  std::uint32_t id;
  std::uint8_t district;  // index into beijing_districts()
  CommunityKind kind;
  bool key_user;     // designated for close monitoring (重点用户)
  std::string name;  // 朝阳区 … 家园
  double latitude, longitude;
  std::uint32_t first_building, building_count;
};

struct Building {
  std::uint32_t id;
  std::uint32_t community;
  std::uint8_t floors;
  bool district_heating;  // heated by the city network
  bool heat_metered;      // households have their own heat meters (else billed by area)
  std::uint32_t first_user, user_count;
};

// Ground truth a detector should find; a user may carry several.
enum Label : std::uint16_t {
  kVacant = 1 << 0,        // nobody lives there: standby load only
  kElderlyAlone = 1 << 1,  // one elderly resident with a regular routine
  kWaterLeak = 1 << 2,     // continuous small flow
  kGasLeak = 1 << 3,
  kTheft = 1 << 4,  // electricity bypassed: the meter sees part of the load
  kSpike = 1 << 5,  // sudden sustained rise (new appliance, business change)
};

struct User {
  std::uint32_t id;
  std::uint32_t building;
  Industry industry;       // Residential for households
  std::uint8_t occupants;  // households: 1..5; businesses: 0
  std::uint16_t labels;    // Label bits
  std::uint16_t size;      // floor area in m² (heat billing, business load scale)
};

enum class MeterProtocol : std::uint8_t {
  Dlt645_2007,
  Dlt645_1997,
  Cjt188_2004,
  Cjt188_2018,
  Dlt698
};
enum class ReadingMethod : std::uint8_t { Direct, Pulse, Camera };
// Faults injected into a meter (ground truth for data-quality checks).
enum class MeterFault : std::uint8_t {
  None,
  StuckRegister,
  Rollover,
  ReverseStep,
  BatteryLow,
  ValveClosed,
  ClockDrift
};

struct Meter {
  std::uint32_t id;
  EnergyKind kind;
  MeterProtocol protocol;
  ReadingMethod method;
  MeterFault fault;
  bool master;           // a supply meter above a building or community
  bool iot;              // connects straight to the station, no concentrator
  std::uint32_t owner;   // user id, or building id (master of a building) / community id
  std::uint32_t parent;  // the master meter above it, or kNoMeter
  MeterAddress address;  // 12 digits (DL/T 645 / 698) or 14 digits (CJ/T 188)
  std::uint32_t community;
};
inline constexpr std::uint32_t kNoMeter = 0xFFFFFFFFu;

struct CitySpec {
  std::uint64_t seed = 1;
  std::uint32_t meters = 1000;  // target; the city stops at the first community that reaches it
};

struct City {
  std::uint64_t seed = 0;
  std::vector<Community> communities;
  std::vector<Building> buildings;
  std::vector<User> users;
  std::vector<Meter> meters;

  std::size_t count(EnergyKind kind) const;
};

City generate_city(const CitySpec& spec);

}  // namespace omni::sim
