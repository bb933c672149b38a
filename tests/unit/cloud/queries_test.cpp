// The statistics queries over a small city with exactly known daily usage:
//   e1 electricity, community 110105003012, household: 8 kWh/day in 2024, 10 kWh/day in 2025
//   e2 electricity, community 110105003013, shop (industry F), read by hand: 20 kWh/day
//   e3 electricity, community 110108001001, household: 5 kWh/day
//   w1 water, community 110105003012, household: 1 m³/day
// Daily frozen values from 2024-01-01 to 2025-04-01.
#include <gtest/gtest.h>

#include "cloud_fixture.hpp"

namespace omni::cloud::testing {
namespace {

constexpr std::int64_t kUnit = 1'000'000;
const std::int64_t kJan1 = day_of(2025, 1, 1);

class QueryTest : public DataCentreTest {
 public:
  void SetUp() override {
    DataCentreTest::SetUp();
    if (HasFatalFailure()) return;
    BaseCode e1 = code(3, 12, 21, 301), e2 = code(3, 13, 5, 101), w1 = code(3, 12, 21, 301,
                                                                           EnergyKind::Water);
    BaseCode e3 = e1;
    e3.county = 110108, e3.street = 1, e3.community = 1;
    Batch b;
    b.regions = {{"110105", exchange::RegionLevel::District, "朝阳区", 39.92, 116.44},
                 {"110105003", exchange::RegionLevel::Street, "望京街道", {}, {}},
                 {"110105003012", exchange::RegionLevel::Community, "花家地社区", {}, {}},
                 {"110105003013", exchange::RegionLevel::Community, "南湖社区", {}, {}},
                 {"110108001001", exchange::RegionLevel::Community, "万柳社区", {}, {}}};
    MeterRecord shop = meter(e2, "000000000002");
    shop.customer = CustomerType::NonResidential;
    shop.industry = 'F';
    shop.remote = false;
    shop.key_user = true;
    b.meters = {meter(e1, "000000000001"), shop, meter(e3, "000000000003"),
                meter(w1, "00000000000004")};
    std::int64_t r1 = 0, r2 = 0, r3 = 0, rw = 0;
    for (std::int64_t d = day_of(2024, 1, 1); d <= day_of(2025, 4, 1); ++d) {
      b.readings.push_back(reading(e1, midnight(d), r1));
      b.readings.push_back(reading(e2, midnight(d), r2));
      b.readings.push_back(reading(e3, midnight(d), r3));
      b.readings.push_back(reading(w1, midnight(d), rw, Unit::m3));
      r1 += d < kJan1 ? 800 : 1000;
      r2 += 2000;
      r3 += 500;
      rw += 100;
    }
    b.coverage = {{kJan1, EnergyKind::Electricity, ' ', 100, 95},
                  {kJan1 + 1, EnergyKind::Electricity, ' ', 100, 97}};
    auto out = send(b);
    ASSERT_EQ(out.readings_new, static_cast<std::int64_t>(b.readings.size()));
  }

  UsageFilter filter(std::int64_t from, std::int64_t to,
                     std::optional<EnergyKind> e = EnergyKind::Electricity) {
    UsageFilter f;
    f.from_day = from;
    f.to_day = to;
    f.energy = e;
    return f;
  }
};

TEST_P(QueryTest, SeriesByDayWeekMonthAndYear) {
  auto days = dc_->usage_series(filter(kJan1, kJan1 + 2), Granularity::Day);
  ASSERT_TRUE(days.has_value()) << days.error().to_string();
  ASSERT_EQ(days->size(), 3u);
  EXPECT_EQ((*days)[0].label, "2025-01-01");
  EXPECT_EQ((*days)[0].usage, 35 * kUnit);
  EXPECT_EQ((*days)[0].kgce, 35 * 122'900);
  EXPECT_EQ((*days)[0].points, 3);

  auto months = dc_->usage_series(filter(kJan1, day_of(2025, 3, 31)), Granularity::Month);
  ASSERT_TRUE(months.has_value());
  ASSERT_EQ(months->size(), 3u);
  EXPECT_EQ((*months)[1].label, "2025-02");
  EXPECT_EQ((*months)[1].start_day, day_of(2025, 2, 1));
  EXPECT_EQ((*months)[0].usage, 31 * 35 * kUnit);
  EXPECT_EQ((*months)[1].usage, 28 * 35 * kUnit);
  EXPECT_EQ((*months)[2].usage, 31 * 35 * kUnit);
  EXPECT_EQ((*months)[2].points, 3);

  // Partial months at both ends come from the day rollup, clipped to the range.
  auto partial = dc_->usage_series(filter(day_of(2025, 1, 15), day_of(2025, 2, 10)),
                                   Granularity::Month);
  ASSERT_TRUE(partial.has_value());
  ASSERT_EQ(partial->size(), 2u);
  EXPECT_EQ((*partial)[0].start_day, day_of(2025, 1, 15));
  EXPECT_EQ((*partial)[0].usage, 17 * 35 * kUnit);
  EXPECT_EQ((*partial)[1].usage, 10 * 35 * kUnit);

  auto weeks = dc_->usage_series(filter(day_of(2025, 1, 6), day_of(2025, 1, 19)),
                                 Granularity::Week);
  ASSERT_TRUE(weeks.has_value());
  ASSERT_EQ(weeks->size(), 2u);
  EXPECT_EQ((*weeks)[0].label, "2025-W02");
  EXPECT_EQ((*weeks)[1].label, "2025-W03");
  EXPECT_EQ((*weeks)[1].usage, 7 * 35 * kUnit);

  auto years = dc_->usage_series(filter(day_of(2024, 1, 1), day_of(2025, 3, 31)),
                                 Granularity::Year);
  ASSERT_TRUE(years.has_value());
  ASSERT_EQ(years->size(), 2u);
  EXPECT_EQ((*years)[0].label, "2024");
  EXPECT_EQ((*years)[0].usage, 33 * 366 * kUnit);
  EXPECT_EQ((*years)[1].usage, 35 * 90 * kUnit);

  // All energies: standard coal only.
  auto all = dc_->usage_series(filter(kJan1, kJan1, std::nullopt), Granularity::Day);
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].usage, 0);
  EXPECT_EQ((*all)[0].kgce, 35 * 122'900 + 85'700);
  EXPECT_EQ((*all)[0].points, 4);

  // Month rows and day rows agree.
  std::int64_t by_day = 0;
  auto feb = dc_->usage_series(filter(day_of(2025, 2, 1), day_of(2025, 2, 28)), Granularity::Day);
  ASSERT_TRUE(feb.has_value());
  for (const auto& r : *feb) by_day += r.usage;
  EXPECT_EQ(by_day, (*months)[1].usage);
}

TEST_P(QueryTest, FiltersComparisonsCountsAndCoverage) {
  UsageFilter f = filter(kJan1, kJan1);
  f.region = "110105003012";
  EXPECT_EQ((*dc_->usage_series(f, Granularity::Day))[0].usage, 10 * kUnit);
  f.region = "110108";
  EXPECT_EQ((*dc_->usage_series(f, Granularity::Day))[0].usage, 5 * kUnit);
  f.region = "";
  f.customer = CustomerType::NonResidential;
  EXPECT_EQ((*dc_->usage_series(f, Granularity::Day))[0].usage, 20 * kUnit);
  f.customer.reset();
  f.industry = ' ';
  EXPECT_EQ((*dc_->usage_series(f, Granularity::Day))[0].usage, 15 * kUnit);

  auto c = dc_->compare(filter(0, 0), Granularity::Month, day_of(2025, 3, 15));
  ASSERT_TRUE(c.has_value()) << c.error().to_string();
  EXPECT_EQ(c->current, 35 * 31 * kUnit);
  EXPECT_EQ(c->previous, 35 * 28 * kUnit);
  EXPECT_EQ(c->last_year, 33 * 31 * kUnit);
  EXPECT_EQ(c->previous_start, day_of(2025, 2, 1));
  ASSERT_TRUE(c->mom && c->yoy);
  EXPECT_DOUBLE_EQ(*c->mom, 3.0 / 28.0);
  EXPECT_DOUBLE_EQ(*c->yoy, 2.0 / 33.0);
  auto y = dc_->compare(filter(0, 0), Granularity::Year, day_of(2025, 2, 1));
  ASSERT_TRUE(y.has_value());
  EXPECT_EQ(y->previous, 33 * 366 * kUnit);
  EXPECT_FALSE(y->last_year == 0);

  auto base = dc_->user_base("");
  ASSERT_TRUE(base.has_value()) << base.error().to_string();
  ASSERT_EQ(base->size(), 2u);  // water, electricity
  const UserBaseRow& el = (*base)[0].energy == EnergyKind::Electricity ? (*base)[0] : (*base)[1];
  EXPECT_EQ(el.residential, 2);
  EXPECT_EQ(el.non_residential, 1);
  EXPECT_EQ(el.remote_residential, 2);
  EXPECT_EQ(el.remote_non_residential, 0);
  auto local = dc_->user_base("110105003012");
  ASSERT_TRUE(local.has_value());
  EXPECT_EQ(local->size(), 2u);

  auto cov = dc_->coverage("");
  ASSERT_TRUE(cov.has_value());
  bool found_f = false;
  for (const auto& r : *cov) {
    if (r.energy == EnergyKind::Electricity && r.industry == 'F') {
      found_f = true;
      EXPECT_EQ(r.remote, 0);
      EXPECT_EQ(r.all, 1);
    }
    if (r.energy == EnergyKind::Electricity && r.industry == ' ') {
      EXPECT_DOUBLE_EQ(r.ratio, 1.0);
    }
  }
  EXPECT_TRUE(found_f);
  auto reported = dc_->reported_coverage(202501);
  ASSERT_TRUE(reported.has_value());
  ASSERT_EQ(reported->size(), 1u);
  // The month's figure is the latest day's (2 January), counts of meters, not meter-days.
  EXPECT_EQ((*reported)[0].remote, 97);
  EXPECT_EQ((*reported)[0].all, 100);
  EXPECT_DOUBLE_EQ((*reported)[0].ratio, 0.97);
}

TEST_P(QueryTest, RankingsIndustriesSharesAndBadInput) {
  auto jan = filter(kJan1, day_of(2025, 1, 31));
  auto top = dc_->rank_regions(jan, 12, RankBy::Usage, 100);
  ASSERT_TRUE(top.has_value()) << top.error().to_string();
  ASSERT_EQ(top->size(), 3u);
  EXPECT_EQ((*top)[0].region, "110105003013");
  EXPECT_EQ((*top)[0].name, "南湖社区");
  EXPECT_EQ((*top)[0].usage, 20 * 31 * kUnit);
  EXPECT_EQ((*top)[2].region, "110108001001");
  auto inside = jan;
  inside.region = "110105";
  auto two = dc_->rank_regions(inside, 12, RankBy::Kgce, 1);
  ASSERT_TRUE(two.has_value());
  ASSERT_EQ(two->size(), 1u);
  EXPECT_EQ((*two)[0].region, "110105003013");
  auto districts = dc_->rank_regions(filter(kJan1, kJan1, std::nullopt), 6, RankBy::Kgce, 10);
  ASSERT_TRUE(districts.has_value());
  ASSERT_EQ(districts->size(), 2u);
  EXPECT_EQ((*districts)[0].kgce, 30 * 122'900 + 85'700);

  auto ind = dc_->industry_totals(jan);
  ASSERT_TRUE(ind.has_value());
  ASSERT_EQ(ind->size(), 2u);
  EXPECT_EQ((*ind)[0].industry, 'F');
  EXPECT_DOUBLE_EQ((*ind)[0].share, 20.0 / 35.0);
  EXPECT_EQ((*ind)[1].usage, 15 * 31 * kUnit);

  auto shares = dc_->energy_shares(filter(kJan1, kJan1, std::nullopt));
  ASSERT_TRUE(shares.has_value());
  ASSERT_EQ(shares->size(), 2u);
  double total = 0;
  for (const auto& s : *shares) total += s.share;
  EXPECT_DOUBLE_EQ(total, 1.0);

  UsageFilter bad = jan;
  bad.region = "1101";
  EXPECT_EQ(dc_->usage_series(bad, Granularity::Day).error().code, ErrorCode::Malformed);
  bad = jan;
  std::swap(bad.from_day, bad.to_day);
  EXPECT_EQ(dc_->usage_series(bad, Granularity::Day).error().code, ErrorCode::Malformed);
  EXPECT_EQ(dc_->rank_regions(filter(kJan1, kJan1, std::nullopt), 12, RankBy::Usage, 5)
                .error()
                .code,
            ErrorCode::Malformed);
  EXPECT_EQ(dc_->losses(jan, 10)->size(), 0u) << "no supply meters here";
}

TEST_P(QueryTest, RegionsAndDataDays) {
  auto city = dc_->region("");
  ASSERT_TRUE(city.has_value()) << city.error().to_string();
  ASSERT_EQ(city->children.size(), 1u);
  EXPECT_EQ(city->children[0].code, "110105");
  EXPECT_EQ(city->children[0].level, exchange::RegionLevel::District);
  auto district = dc_->region("110105");
  ASSERT_TRUE(district.has_value());
  EXPECT_EQ(district->name, "朝阳区");
  ASSERT_TRUE(district->latitude.has_value());
  EXPECT_NEAR(*district->latitude, 39.92, 1e-9);
  EXPECT_FALSE(district->parent.has_value());
  ASSERT_EQ(district->children.size(), 1u);
  EXPECT_EQ(district->children[0].name, "望京街道");
  auto street = dc_->region("110105003");
  ASSERT_TRUE(street.has_value());
  EXPECT_EQ(street->parent, "110105");
  EXPECT_EQ(street->children.size(), 2u);
  EXPECT_EQ(dc_->region("110106").error().code, ErrorCode::NotFound);
  auto days = dc_->data_days();
  ASSERT_TRUE(days.has_value());
  EXPECT_EQ(days->first, day_of(2024, 1, 1));
  EXPECT_EQ(days->last, day_of(2025, 3, 31));
}

INSTANTIATE_TEST_SUITE_P(Backends, QueryTest,
                         ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         backend_test_name);

}  // namespace
}  // namespace omni::cloud::testing
