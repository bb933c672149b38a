#include <gtest/gtest.h>

#include "sim/field/field.hpp"

namespace omni::sim {
namespace {

TEST(FieldConfig, TheShippedExampleIsValid) {
  auto doc =
      config::Document::load(std::string(OMNI_SOURCE_DIR) + "/packaging/etc/sim.toml.example");
  ASSERT_TRUE(doc.has_value()) << doc.error().detail;
  FieldConfig c = field_config_from(doc->root(), UtcTime{1'800'000'000});
  EXPECT_TRUE(doc->finish().has_value()) << doc->finish().error().detail;
  EXPECT_EQ(c.meters, 2000u);
  EXPECT_EQ(c.heartbeat_s, 300);
  EXPECT_EQ(c.start.seconds, 1'800'000'000) << "\"now\"";
  EXPECT_DOUBLE_EQ(c.channels[1].failure, 0.018);
}

TEST(FieldConfig, ConcentratorsHoldWholeCommunitiesUpToTheirCapacity) {
  auto doc = config::Document::parse(
      "[sim]\nmeters = 5000\nmeters_per_concentrator = 600\nstart = \"2026-11-01\"\n", "sim.toml");
  ASSERT_TRUE(doc.has_value());
  FieldConfig c = field_config_from(doc->root(), UtcTime{0});
  ASSERT_TRUE(doc->finish().has_value());
  EXPECT_EQ(c.start, TimeZone::shanghai().from_local(*CivilTime::make(2026, 11, 1)));
  Field field(c);
  EXPECT_GE(field.concentrator_count(), 5000u / 600);
  EXPECT_LE(field.concentrator_count(), 5000u / 600 * 3) << "not one per community";
}

}  // namespace
}  // namespace omni::sim
