// The utility archive of the simulated city (`omnimeter sim archive`): deterministic, one row
// per meter, valid and unique base codes, parents that exist, streets of 5 to 15 communities,
// codes that stay put as the city grows, and the field's concentrator assignment.
#include "sim/archive/archive.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "sim/field/field.hpp"

namespace omni::sim {
namespace {

std::string archive_text(const City& city, ArchiveOptions options = {}) {
  std::string text;
  write_archive_csv(city, options, [&text](std::string_view chunk) { text += chunk; });
  return text;
}

// A small RFC 4180 reader for the test: rows of fields, CRLF line ends.
std::vector<std::vector<std::string>> parse_csv(std::string_view text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(std::move(field));
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.back().push_back(std::move(field));
      field.clear();
      rows.emplace_back();
      ++i;
    } else {
      field += c;
    }
  }
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

enum Col {
  kCode,
  kAddress,
  kEnergy,
  kProtocol,
  kConcentrator,
  kParent,
  kCustomer,
  kIndustry,
  kKeyUser,
  kRemote,
  kMeterType,
  kMultiplier,
  kInstalled,
  kRemoved,
  kDistrict,
  kStreet,
  kCommunity,
  kLatitude,
  kLongitude,
  kColumns
};

TEST(SimArchive, SameSeedSameBytesOtherSeedOtherBytes) {
  std::string a = archive_text(generate_city({5, 3000}));
  std::string b = archive_text(generate_city({5, 3000}));
  std::string c = archive_text(generate_city({6, 3000}));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_TRUE(a.starts_with(std::string(archive_csv_header()) + "\r\n"));
}

TEST(SimArchive, EveryMeterOnceWithValidUniqueCodesAndExistingParents) {
  City city = generate_city({11, 20000});
  auto rows = parse_csv(archive_text(city));
  ASSERT_EQ(rows.size(), city.meters.size() + 1);
  std::map<std::string, std::size_t> by_code;  // code -> row
  std::set<std::string> addresses;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& r = rows[i];
    ASSERT_EQ(r.size(), static_cast<std::size_t>(kColumns)) << "row " << i;
    const Meter& m = city.meters[i - 1];
    EXPECT_EQ(r[kAddress], m.address.to_string());
    EXPECT_TRUE(addresses.insert(r[kAddress]).second);
    auto code = exchange::BaseCode::parse(r[kCode]);
    ASSERT_TRUE(code.has_value()) << r[kCode] << ": " << code.error().to_string();
    EXPECT_EQ(code->to_string(), r[kCode]);
    EXPECT_TRUE(exchange::validate_base_code(*code).has_value()) << r[kCode];
    EXPECT_EQ(code->kind, m.kind);
    EXPECT_EQ(r[kEnergy], energy_kind_name(m.kind));
    EXPECT_EQ(code->is_supply(), m.master) << r[kCode];
    EXPECT_TRUE(by_code.emplace(r[kCode], i).second) << "duplicate code " << r[kCode];
    EXPECT_EQ(std::stoi(r[kMeterType], nullptr, 16), meter_type_of(m.kind));
    EXPECT_TRUE(exchange::meter_type_matches(meter_type_of(m.kind), m.kind));
    EXPECT_EQ(r[kRemote], "true");
    EXPECT_EQ(r[kMultiplier], "1");
    EXPECT_EQ(r[kRemoved], "");
    EXPECT_TRUE(parse_date(r[kInstalled]).has_value()) << r[kInstalled];
    EXPECT_TRUE(r[kStreet].ends_with("街道"));
    EXPECT_EQ(r[kDistrict], beijing_districts()[city.communities[m.community].district].name_zh);
    EXPECT_EQ(r[kCommunity], city.communities[m.community].name);
    // The code's county is the community's district.
    EXPECT_EQ(std::to_string(code->county),
              beijing_districts()[city.communities[m.community].district].code);
    if (m.master) {
      EXPECT_EQ(r[kParent], "");
      EXPECT_EQ(r[kCustomer], "non-residential");
      EXPECT_EQ(r[kIndustry], "D") << "supply meters are the utility's own (section D)";
      EXPECT_EQ(code->building == 0, m.kind != EnergyKind::Electricity)
          << "community supply meters have building 0000, building supply meters a building";
    } else {
      const User& u = city.users[m.owner];
      char section = industry_section(u.industry);
      EXPECT_EQ(r[kIndustry], section == ' ' ? "" : std::string(1, section));
      EXPECT_EQ(r[kCustomer],
                u.industry == Industry::Residential ? "residential" : "non-residential");
      if (u.industry == Industry::Residential) {
        EXPECT_EQ(r[kKeyUser], "false");
      }
    }
  }
  // Parents: a supply meter of the same energy, in the file, the one the city names.
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const Meter& m = city.meters[i - 1];
    if (m.parent == kNoMeter) continue;
    auto it = by_code.find(rows[i][kParent]);
    ASSERT_NE(it, by_code.end()) << "parent " << rows[i][kParent] << " is not in the archive";
    EXPECT_EQ(it->second, m.parent + 1);
    auto parent = exchange::BaseCode::parse(rows[i][kParent]);
    ASSERT_TRUE(parent.has_value());
    EXPECT_TRUE(parent->is_supply());
    EXPECT_EQ(parent->kind, m.kind);
  }
}

TEST(SimArchive, IndustrySectionsFollowGbT4754) {
  EXPECT_EQ(industry_section(Industry::Residential), ' ');
  EXPECT_EQ(industry_section(Industry::Industry), 'C');
  EXPECT_EQ(industry_section(Industry::Commerce), 'F');
  EXPECT_EQ(industry_section(Industry::Education), 'P');
  EXPECT_EQ(industry_section(Industry::Health), 'Q');
  EXPECT_EQ(industry_section(Industry::Transport), 'G');
  EXPECT_EQ(industry_section(Industry::Government), 'S');
  EXPECT_EQ(industry_section(Industry::Hospitality), 'H');
  EXPECT_EQ(meter_type_of(EnergyKind::Water), 0x10);
  EXPECT_EQ(meter_type_of(EnergyKind::Heat), 0x20);
  EXPECT_EQ(meter_type_of(EnergyKind::Gas), 0x30);
  EXPECT_EQ(meter_type_of(EnergyKind::Electricity), 0x40);
}

TEST(SimArchive, StreetsHoldFiveToFifteenCommunitiesWithUniqueNames) {
  City city = generate_city({3, 200000});
  Places places = assign_places(city);
  std::map<std::uint8_t, std::vector<const Street*>> by_district;
  for (const Street& s : places.streets) by_district[s.district].push_back(&s);
  std::size_t communities = 0;
  for (const auto& [district, streets] : by_district) {
    std::set<std::string> names;
    for (std::size_t k = 0; k < streets.size(); ++k) {
      const Street& s = *streets[k];
      EXPECT_EQ(s.number, k + 1) << "streets are numbered 001.. within the district";
      EXPECT_TRUE(names.insert(s.name).second) << "duplicate street name " << s.name;
      EXPECT_TRUE(s.name.ends_with("街道"));
      EXPECT_GE(s.planned, 5);
      EXPECT_LE(s.planned, 15);
      if (k + 1 < streets.size()) {
        EXPECT_EQ(s.communities.size(), s.planned) << "only the last street may be short";
      } else {
        EXPECT_LE(s.communities.size(), s.planned);
      }
      for (std::size_t j = 0; j < s.communities.size(); ++j) {
        std::uint32_t c = s.communities[j];
        EXPECT_EQ(city.communities[c].district, district);
        EXPECT_EQ(places.number_in_street[c], j + 1);
        EXPECT_EQ(&places.streets[places.street_of[c]], &s);
      }
      communities += s.communities.size();
    }
  }
  EXPECT_EQ(communities, city.communities.size());
}

TEST(SimArchive, CodesStayPutAsTheCityGrows) {
  City small = generate_city({8, 5000});
  City large = generate_city({8, 40000});
  Places ps = assign_places(small), pl = assign_places(large);
  // The last community of the small city was cut short; everything before it is the same city.
  std::size_t compared = 0;
  for (const Meter& m : small.meters) {
    if (m.community + 1 >= small.communities.size()) break;
    ASSERT_EQ(m.address, large.meters[m.id].address);
    EXPECT_EQ(base_code(small, ps, m), base_code(large, pl, large.meters[m.id]));
    ++compared;
  }
  EXPECT_GT(compared, 1000u);
}

TEST(SimArchive, EnergyFilterKeepsOneUtilitysMeters) {
  City city = generate_city({4, 3000});
  ArchiveOptions options;
  options.energy = EnergyKind::Water;
  auto rows = parse_csv(archive_text(city, options));
  ASSERT_EQ(rows.size(), city.count(EnergyKind::Water) + 1);
  for (std::size_t i = 1; i < rows.size(); ++i) EXPECT_EQ(rows[i][kEnergy], "water");
}

TEST(SimArchive, ConcentratorsFillByCommunityUpToTheirCapacity) {
  City city = generate_city({2, 20000});
  const std::uint32_t capacity = 700;
  ConcentratorPlan plan = plan_concentrators(city, capacity);
  std::size_t assigned = 0;
  for (std::uint32_t c = 0; c < plan.meters.size(); ++c) {
    ASSERT_FALSE(plan.meters[c].empty());
    EXPECT_LE(plan.meters[c].size(), capacity);
    for (std::uint32_t m : plan.meters[c]) EXPECT_EQ(plan.concentrator_of[m], c);
    assigned += plan.meters[c].size();
    // A community is split only when it is larger than a concentrator.
    if (c + 1 < plan.meters.size()) {
      std::uint32_t last = plan.meters[c].back(), next = plan.meters[c + 1].front();
      if (city.meters[last].community == city.meters[next].community) {
        std::size_t size = 0;
        for (const Meter& m : city.meters) {
          size += m.community == city.meters[last].community && !dials_station(m);
        }
        EXPECT_GT(size, capacity);
      }
    }
  }
  std::size_t direct = 0;
  for (const Meter& m : city.meters) {
    if (dials_station(m)) {
      ++direct;
      EXPECT_EQ(plan.concentrator_of[m.id], kNoConcentrator);
    }
  }
  EXPECT_GT(direct, 0u);
  EXPECT_EQ(assigned + direct, city.meters.size());
  EXPECT_EQ(concentrator_address(0).to_string(), "119900000001");
  // No concentrator shares its address with a meter, however many concentrators a city of this
  // size could have (terminal n and 西城's electricity meter n once had the same address).
  std::set<std::string> meter_addresses;
  for (const Meter& m : city.meters) meter_addresses.insert(m.address.to_string());
  for (std::uint32_t id = 0; id < city.meters.size(); ++id) {
    EXPECT_EQ(meter_addresses.count(concentrator_address(id).to_string()), 0u) << id;
  }

  // The field builds as many concentrators from the same configuration (the station-side test
  // archive_field_test.cpp checks the assignment itself over DL/T 698.45).
  FieldConfig config;
  config.seed = 2;
  config.meters = 20000;
  config.meters_per_concentrator = capacity;
  Field field(config);
  EXPECT_EQ(field.concentrator_count(), plan.meters.size());
  EXPECT_EQ(field.meter_count(), city.meters.size());
}

TEST(SimArchive, CsvFieldsAreQuotedOnlyWhenNeeded) {
  EXPECT_EQ(csv_field("望京街道"), "望京街道");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_field(""), "");
}

}  // namespace
}  // namespace omni::sim
