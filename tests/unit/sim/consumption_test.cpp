#include <gtest/gtest.h>

#include "core/time.hpp"
#include "sim/model/consumption.hpp"
#include "sim/model/weather.hpp"

namespace omni::sim {
namespace {

std::int64_t interval_at(int y, int mo, int d, int h, int mi = 0) {
  // Beijing local time -> interval number.
  std::int64_t local = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
  return interval_of(UtcTime{local - 8 * 3600});
}

// Sum of a meter's metered usage over [from, to) intervals.
std::int64_t total(const ConsumptionModel& m, const Meter& meter, std::int64_t from, std::int64_t to) {
  std::int64_t sum = 0;
  for (std::int64_t k = from; k < to; ++k) sum += m.usage(meter, k).metered;
  return sum;
}

class ConsumptionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    city_ = new City(generate_city({2026, 20000}));
    model_ = new ConsumptionModel(*city_);
  }
  static void TearDownTestSuite() {
    delete model_;
    delete city_;
  }
  // The first user meter of `kind` whose user matches `pred`.
  template <class Pred>
  static const Meter* find(EnergyKind kind, Pred pred) {
    for (const Meter& m : city_->meters) {
      if (!m.master && m.kind == kind && pred(city_->users[m.owner])) return &m;
    }
    return nullptr;
  }
  static City* city_;
  static ConsumptionModel* model_;
};
City* ConsumptionTest::city_ = nullptr;
ConsumptionModel* ConsumptionTest::model_ = nullptr;

TEST(Weather, BeijingSeasonsAndDays) {
  Weather w(5);
  double january = 0, july = 0;
  for (int d = 1; d <= 28; ++d) {
    january += w.daily_mean_c(days_from_civil(2026, 1, d)) / 28;
    july += w.daily_mean_c(days_from_civil(2026, 7, d)) / 28;
  }
  EXPECT_LT(january, 2.0);
  EXPECT_GT(july, 22.0);
  // Afternoon warmer than before dawn (UTC 07:00 = 15:00 Beijing, UTC 19:00 = 03:00).
  std::int64_t day = days_from_civil(2026, 4, 10) * 86400;
  EXPECT_GT(w.temperature_c({day + 7 * 3600}), w.temperature_c({day + 19 * 3600}));
  EXPECT_EQ(Weather(5).temperature_c({day}), w.temperature_c({day})) << "deterministic";
  EXPECT_TRUE(in_heating_season(11, 15));
  EXPECT_FALSE(in_heating_season(3, 16));
}

TEST_F(ConsumptionTest, DeterministicAndNeverNegative) {
  ConsumptionModel again(*city_);
  std::int64_t k = interval_at(2026, 11, 25, 19);
  for (std::size_t i = 0; i < city_->meters.size(); i += 97) {
    const Meter& m = city_->meters[i];
    auto a = model_->usage(m, k);
    EXPECT_EQ(a.actual, again.usage(m, k).actual);
    EXPECT_GE(a.metered, 0);
    EXPECT_LE(a.metered, a.actual);
  }
}

TEST_F(ConsumptionTest, HouseholdsUseMoreInTheEveningThanAtNight) {
  std::int64_t evening = 0, night = 0;
  int n = 0;
  for (const Meter& m : city_->meters) {
    if (m.master || m.kind != EnergyKind::Electricity) continue;
    const User& u = city_->users[m.owner];
    if (u.industry != Industry::Residential || u.labels != 0) continue;
    evening += total(*model_, m, interval_at(2026, 11, 24, 19), interval_at(2026, 11, 24, 21));
    night += total(*model_, m, interval_at(2026, 11, 24, 2), interval_at(2026, 11, 24, 4));
    if (++n == 300) break;
  }
  EXPECT_GT(evening, night * 2);
}

TEST_F(ConsumptionTest, HolidayDaytimeLooksLikeASunday) {
  // 2026-10-07 (Wednesday, National Day holiday) against 2026-10-14 (an ordinary Wednesday).
  std::int64_t holiday = 0, workday = 0;
  int n = 0;
  for (const Meter& m : city_->meters) {
    if (m.master || m.kind != EnergyKind::Electricity) continue;
    const User& u = city_->users[m.owner];
    if (u.industry != Industry::Residential || u.labels != 0) continue;
    holiday += total(*model_, m, interval_at(2026, 10, 7, 10), interval_at(2026, 10, 7, 16));
    workday += total(*model_, m, interval_at(2026, 10, 14, 10), interval_at(2026, 10, 14, 16));
    if (++n == 300) break;
  }
  EXPECT_GT(holiday, workday * 13 / 10);
}

TEST_F(ConsumptionTest, VacantHomesOnlyStandBy) {
  const Meter* vacant = find(EnergyKind::Electricity, [](const User& u) { return (u.labels & kVacant) != 0; });
  const Meter* lived = find(EnergyKind::Electricity, [](const User& u) {
    return u.industry == Industry::Residential && u.labels == 0 && u.occupants >= 2;
  });
  ASSERT_NE(vacant, nullptr);
  ASSERT_NE(lived, nullptr);
  std::int64_t from = interval_at(2026, 11, 1, 0), to = interval_at(2026, 11, 8, 0);
  EXPECT_LT(total(*model_, *vacant, from, to) * 4, total(*model_, *lived, from, to));
  const Meter* vacant_water =
      find(EnergyKind::Water, [](const User& u) { return u.labels == kVacant; });
  ASSERT_NE(vacant_water, nullptr);
  EXPECT_EQ(total(*model_, *vacant_water, from, to), 0);
}

TEST_F(ConsumptionTest, LeaksFlowAtNight) {
  const Meter* leak = find(EnergyKind::Water, [](const User& u) { return (u.labels & kWaterLeak) != 0; });
  ASSERT_NE(leak, nullptr);
  for (int h = 2; h < 4; ++h) {
    EXPECT_GE(model_->usage(*leak, interval_at(2026, 11, 24, h)).metered, 2) << "hour " << h;
  }
}

TEST_F(ConsumptionTest, HeatOnlyInTheHeatingSeason) {
  const Meter* heat = find(EnergyKind::Heat, [](const User& u) { return (u.labels & kVacant) == 0; });
  ASSERT_NE(heat, nullptr);
  EXPECT_EQ(total(*model_, *heat, interval_at(2026, 7, 1, 0), interval_at(2026, 7, 8, 0)), 0);
  EXPECT_GT(total(*model_, *heat, interval_at(2026, 1, 10, 0), interval_at(2026, 1, 11, 0)), 0);
}

TEST_F(ConsumptionTest, SupplyMetersSeeTheirMetersPlusLosses) {
  for (const Meter& master : city_->meters) {
    if (!master.master || master.kind != EnergyKind::Electricity) continue;
    std::int64_t k = interval_at(2026, 11, 24, 20);
    std::int64_t below = 0;
    for (const Meter& m : city_->meters) {
      if (m.parent == master.id) below += model_->usage(m, k).actual;
    }
    std::int64_t above = model_->usage(master, k).actual;
    EXPECT_GE(above, below);
    EXPECT_LE(above, below * 11 / 10 + 1);
    break;
  }
}

TEST_F(ConsumptionTest, TheftHidesPartOfTheLoadFromItsStartDay) {
  const Meter* m = find(EnergyKind::Electricity, [](const User& u) { return (u.labels & kTheft) != 0; });
  ASSERT_NE(m, nullptr);
  const User& u = city_->users[m->owner];
  std::int64_t start = model_->label_start_day(u, kTheft);
  std::int64_t after = (start + 3) * kIntervalsPerDay - 32 + 19 * 4;  // 19:00 Beijing, 3 days on
  std::int64_t actual = 0, metered = 0;
  for (std::int64_t k = after; k < after + 8; ++k) {
    auto x = model_->usage(*m, k);
    actual += x.actual;
    metered += x.metered;
  }
  EXPECT_LT(metered, actual);
  std::int64_t before = (start - 3) * kIntervalsPerDay;
  EXPECT_EQ(model_->usage(*m, before).metered, model_->usage(*m, before).actual);
}

TEST_F(ConsumptionTest, ElderlyIncidentStopsActivity) {
  for (const User& u : city_->users) {
    if (!(u.labels & kElderlyAlone)) continue;
    const Meter* water = nullptr;
    for (const Meter& m : city_->meters) {
      if (!m.master && m.owner == u.id && m.kind == EnergyKind::Water) water = &m;
    }
    ASSERT_NE(water, nullptr);
    if (u.labels & kWaterLeak) continue;
    for (std::int64_t day = days_from_civil(2025, 1, 1); day < days_from_civil(2027, 1, 1); ++day) {
      int from = 0;
      if (!model_->elderly_incident(u, day, &from)) continue;
      // From the incident hour to the end of the day: no water at all.
      std::int64_t k0 = day * kIntervalsPerDay - 32 + from * 4;  // Beijing hour -> UTC interval
      std::int64_t k1 = (day + 1) * kIntervalsPerDay - 32;
      EXPECT_EQ(total(*model_, *water, k0, k1), 0) << "user " << u.id << " day " << day;
      return;
    }
  }
  GTEST_FAIL() << "no elderly resident had an incident in two years";
}

}  // namespace
}  // namespace omni::sim
