// One field per utility (`omnimeter demo`): FieldConfig::energy keeps a field to one energy's
// meters, and the archive's concentrator column planned the same way names its concentrators.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/archive/archive.hpp"
#include "sim/field/field.hpp"

namespace omni::sim {
namespace {

constexpr EnergyKind kEnergies[] = {EnergyKind::Electricity, EnergyKind::Water, EnergyKind::Gas,
                                    EnergyKind::Heat};

TEST(SimUtilityField, PlansHoldOnlyTheirEnergyAndTogetherCoverTheCity) {
  City city = generate_city({7, 6000});
  const std::uint32_t capacity = 300;
  std::vector<int> planned(city.meters.size(), 0);
  for (EnergyKind e : kEnergies) {
    ConcentratorPlan plan = plan_concentrators(city, capacity, e);
    ASSERT_FALSE(plan.meters.empty()) << energy_kind_name(e);
    for (std::uint32_t c = 0; c < plan.meters.size(); ++c) {
      EXPECT_LE(plan.meters[c].size(), capacity);
      for (std::uint32_t m : plan.meters[c]) {
        EXPECT_EQ(city.meters[m].kind, e);
        EXPECT_EQ(plan.concentrator_of[m], c);
        ++planned[m];
      }
    }
    FieldConfig config;
    config.seed = 7;
    config.meters = 6000;
    config.meters_per_concentrator = capacity;
    config.energy = e;
    Field field(config);
    EXPECT_EQ(field.concentrator_count(), plan.meters.size()) << energy_kind_name(e);
    EXPECT_EQ(field.meter_count(), city.count(e));
  }
  for (const Meter& m : city.meters) EXPECT_EQ(planned[m.id], dials_station(m) ? 0 : 1);
}

TEST(SimUtilityField, ArchiveNamesTheUtilityFieldsConcentrators) {
  City city = generate_city({7, 3000});
  ArchiveOptions options;
  options.energy = EnergyKind::Gas;
  options.utility_field = true;
  options.meters_per_concentrator = 200;
  std::string text;
  write_archive_csv(city, options, [&text](std::string_view chunk) { text += chunk; });
  ConcentratorPlan plan = plan_concentrators(city, 200, EnergyKind::Gas);
  // Rows are in meter order; the fifth column is the concentrator's terminal address.
  std::size_t row_start = text.find("\r\n") + 2, rows = 0;
  for (const Meter& m : city.meters) {
    if (m.kind != EnergyKind::Gas) continue;
    std::size_t end = text.find("\r\n", row_start);
    ASSERT_NE(end, std::string::npos);
    std::string row = text.substr(row_start, end - row_start);
    row_start = end + 2;
    std::size_t at = 0;
    for (int comma = 0; comma < 4; ++comma) at = row.find(',', at) + 1;
    std::string concentrator = row.substr(at, row.find(',', at) - at);
    std::string expected = plan.concentrator_of[m.id] == kNoConcentrator
                               ? std::string()
                               : concentrator_address(plan.concentrator_of[m.id]).to_string();
    EXPECT_EQ(concentrator, expected) << m.id;
    ++rows;
  }
  EXPECT_EQ(rows, city.count(EnergyKind::Gas));
  // Without utility_field the column is the whole city's field, as before.
  ConcentratorPlan mixed = plan_concentrators(city, 200);
  EXPECT_LT(plan.meters.size(), mixed.meters.size());
}

}  // namespace
}  // namespace omni::sim
