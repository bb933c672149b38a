#include <gtest/gtest.h>

#include <set>

#include "sim/model/city.hpp"

namespace omni::sim {
namespace {

TEST(City, SameSeedSameCityOtherSeedOtherCity) {
  City a = generate_city({42, 3000});
  City b = generate_city({42, 3000});
  City c = generate_city({43, 3000});
  ASSERT_EQ(a.meters.size(), b.meters.size());
  for (std::size_t i = 0; i < a.meters.size(); ++i) {
    ASSERT_EQ(a.meters[i].address, b.meters[i].address);
    ASSERT_EQ(a.meters[i].protocol, b.meters[i].protocol);
  }
  ASSERT_EQ(a.communities.size(), b.communities.size());
  EXPECT_EQ(a.communities[0].name, b.communities[0].name);
  bool differs = a.communities.size() != c.communities.size() ||
                 a.communities[0].name != c.communities[0].name || a.users.size() != c.users.size();
  EXPECT_TRUE(differs);
}

TEST(City, SizesFromFiftyMetersUp) {
  for (std::uint32_t target : {50u, 1000u, 20000u}) {
    City city = generate_city({7, target});
    EXPECT_GE(city.meters.size(), target);
    EXPECT_LE(city.meters.size(), target + 8) << "stops right after the target";
    EXPECT_GT(city.count(EnergyKind::Electricity), 0u);
    EXPECT_GT(city.count(EnergyKind::Water), 0u);
  }
}

TEST(City, StructureIsConsistent) {
  City city = generate_city({9, 20000});
  std::set<std::string> addresses;
  for (const Meter& m : city.meters) {
    EXPECT_TRUE(addresses.insert(m.address.to_string()).second) << "duplicate " << m.address.to_string();
    EXPECT_EQ(m.address.size(), m.kind == EnergyKind::Electricity ? 6u : 7u);
    if (m.master) {
      EXPECT_EQ(m.parent, kNoMeter);
      continue;
    }
    ASSERT_LT(m.owner, city.users.size());
    ASSERT_NE(m.parent, kNoMeter) << "every user meter hangs under a supply meter";
    const Meter& parent = city.meters[m.parent];
    EXPECT_TRUE(parent.master);
    EXPECT_EQ(parent.kind, m.kind);
    EXPECT_EQ(parent.community, m.community);
  }
  for (const User& u : city.users) {
    const Building& b = city.buildings[u.building];
    EXPECT_GE(u.id, b.first_user);
    EXPECT_LT(u.id, b.first_user + b.user_count);
    if (u.labels & kVacant) {
      EXPECT_EQ(u.occupants, 0);
    }
  }
  std::set<std::string_view> districts;
  for (const auto& c : city.communities) districts.insert(beijing_districts()[c.district].code);
  EXPECT_GE(districts.size(), 8u) << "a 20,000-meter city spreads over many districts";
}

TEST(City, LabelAndProtocolMixIsRealistic) {
  City city = generate_city({11, 60000});
  std::size_t households = 0, vacant = 0, elderly = 0, cjt188_2018 = 0, cjt188 = 0, dlt645_1997 = 0;
  for (const User& u : city.users) {
    if (u.industry != Industry::Residential) continue;
    ++households;
    vacant += (u.labels & kVacant) != 0;
    elderly += (u.labels & kElderlyAlone) != 0;
  }
  for (const Meter& m : city.meters) {
    cjt188 += m.protocol == MeterProtocol::Cjt188_2004 || m.protocol == MeterProtocol::Cjt188_2018;
    cjt188_2018 += m.protocol == MeterProtocol::Cjt188_2018;
    dlt645_1997 += m.protocol == MeterProtocol::Dlt645_1997;
  }
  double v = static_cast<double>(vacant) / static_cast<double>(households);
  EXPECT_NEAR(v, 0.06, 0.015);
  EXPECT_GT(elderly, 0u);
  EXPECT_NEAR(static_cast<double>(cjt188_2018) / static_cast<double>(cjt188), 0.45, 0.05)
      << "both CJ/T 188 dialects are mixed in one city";
  EXPECT_GT(dlt645_1997, 0u);
}

}  // namespace
}  // namespace omni::sim
