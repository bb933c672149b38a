// VEE rules as pure functions (station/vee/rules.hpp): each rule's reason and its boundary, the
// rollover, and the interpolation's rounding.
#include <gtest/gtest.h>

#include "station/vee/config.hpp"
#include "station/vee/rules.hpp"

namespace omni::station::vee {
namespace {

// Daily values at scale 2 (kWh × 100), one per day from day 100, each `step` above the last.
std::vector<Baseline> steady(std::int64_t start, std::int64_t step, int days,
                             std::int64_t first_day = 100) {
  std::vector<Baseline> out;
  for (int i = 0; i < days; ++i) out.push_back({first_day + i, start + step * i});
  return out;
}

const PointInfo kHousehold{.known = true, .energy_digit = 1, .customer = 0, .multiplier = 1};

TEST(VeeRules, AFirstValueHasNothingToCompareWith) {
  Config c;
  auto v = validate(c, kHousehold, {}, 100, 99'000'000, 2, false);
  EXPECT_EQ(v.reason, Reason::None);
  EXPECT_EQ(v.previous, 0);
}

TEST(VeeRules, AFallIsSuspectButARolloverIsNot) {
  Config c;
  std::vector<Baseline> h = {{100, 500000}};
  auto fell = validate(c, kHousehold, h, 101, 499999, 2, false);
  EXPECT_EQ(fell.reason, Reason::RegisterFell);
  EXPECT_EQ(reason_name(fell.reason), "register_fell");
  EXPECT_EQ(fell.previous, 500000);
  EXPECT_NE(fell.detail.find("5000.00"), std::string::npos) << fell.detail;
  // 999990.00 → 5.00 kWh: a wrap using 15 kWh.
  std::vector<Baseline> top = {{100, 99'999'000}};
  EXPECT_EQ(validate(c, kHousehold, top, 101, 500, 2, false).reason, Reason::None);
  EXPECT_EQ(advance(99'999'000, 500), 1'500);
  EXPECT_TRUE(is_rollover(99'999'000, 500));
  EXPECT_FALSE(is_rollover(50'000'000, 500)) << "from the middle of the range it is a fall";
}

TEST(VeeRules, RangeLimitIsPerEnergyAndCustomerAndInclusive) {
  Config c;
  std::vector<Baseline> h = {{100, 100000}};
  // 200.00 kWh in a day is the limit itself: allowed; 200.01 is over.
  EXPECT_EQ(validate(c, kHousehold, h, 101, 120000, 2, false).reason, Reason::None);
  auto over = validate(c, kHousehold, h, 101, 120001, 2, false);
  EXPECT_EQ(over.reason, Reason::OverRange);
  EXPECT_EQ(reason_name(over.reason), "over_range");
  // Over a three-day gap the limit is three days' worth.
  EXPECT_EQ(validate(c, kHousehold, h, 103, 160000, 2, false).reason, Reason::None);
  EXPECT_EQ(validate(c, kHousehold, h, 103, 160001, 2, false).reason, Reason::OverRange);
  // The multiplier (a current transformer) scales the register's usage.
  PointInfo ct = kHousehold;
  ct.multiplier = 40;
  EXPECT_EQ(validate(c, ct, h, 101, 100501, 2, false).reason, Reason::OverRange);
  // Non-residential electricity has no default limit; an unknown point is not range-checked.
  PointInfo shop = kHousehold;
  shop.customer = 1;
  EXPECT_EQ(validate(c, shop, h, 101, 900000, 2, false).reason, Reason::None);
  EXPECT_EQ(validate(c, PointInfo{}, h, 101, 900000, 2, false).reason, Reason::None);
  // Configurable: a tighter household limit.
  c.range = {{1, 0, 50}};
  EXPECT_EQ(validate(c, kHousehold, h, 101, 105001, 2, false).reason, Reason::OverRange);
  // Water at scale 3 (m³ × 1000): 5 m³ a day.
  PointInfo water{.known = true, .energy_digit = 2, .customer = 0, .multiplier = 1};
  Config d;
  std::vector<Baseline> w = {{100, 1000}};
  EXPECT_EQ(validate(d, water, w, 101, 6000, 3, false).reason, Reason::None);
  EXPECT_EQ(validate(d, water, w, 101, 6001, 3, false).reason, Reason::OverRange);
}

TEST(VeeRules, RateJumpAgainstTheRecentMedianWithAFloor) {
  Config c;
  c.range.clear();  // the rate rule alone
  // 10.00 kWh a day for a week; the next day uses 100.00 (10×: allowed), then 100.01 (over).
  auto h = steady(100000, 1000, 8);
  const std::int64_t last = h.back().value;
  EXPECT_EQ(validate(c, kHousehold, h, 108, last + 10000, 2, false).reason, Reason::None);
  auto jump = validate(c, kHousehold, h, 108, last + 10001, 2, false);
  EXPECT_EQ(jump.reason, Reason::RateJump);
  EXPECT_EQ(reason_name(jump.reason), "rate_jump");
  // A flat using 0.01 kWh a day that uses 5.00 the next: 500× the median, but not above the
  // floor of 5 units a day; 5.01 is.
  auto tiny = steady(100000, 1, 8);
  EXPECT_EQ(validate(c, kHousehold, tiny, 108, tiny.back().value + 500, 2, false).reason,
            Reason::None);
  EXPECT_EQ(validate(c, kHousehold, tiny, 108, tiny.back().value + 501, 2, false).reason,
            Reason::RateJump);
  // Too little history (two usages, three are needed): no rate check.
  auto short_h = steady(100000, 1000, 3, 105);
  EXPECT_EQ(validate(c, kHousehold, short_h, 108, short_h.back().value + 90000, 2, false).reason,
            Reason::None);
}

TEST(VeeRules, AStuckRegisterIsSuspectUnlessThePointIsVacant) {
  Config c;
  // The same value on days 100..106; on day 107 it has not moved for 7 days: stuck.
  auto h = steady(123456, 0, 7);
  auto six = validate(c, kHousehold, std::span(h).first(6), 106, 123456, 2, false);
  EXPECT_EQ(six.reason, Reason::None) << "6 days unchanged is below K = 7";
  auto stuck = validate(c, kHousehold, h, 107, 123456, 2, false);
  EXPECT_EQ(stuck.reason, Reason::Stuck);
  EXPECT_EQ(reason_name(stuck.reason), "stuck");
  EXPECT_EQ(validate(c, kHousehold, h, 107, 123456, 2, /*vacant=*/true).reason, Reason::None);
  // A value that moved within the run restarts it.
  h[3].value = 123400;
  for (int i = 0; i < 3; ++i) h[static_cast<std::size_t>(i)].value = 123300;
  EXPECT_EQ(validate(c, kHousehold, h, 107, 123456, 2, false).reason, Reason::None);
}

TEST(VeeRules, InterpolationRoundsHalfUpAndAddsUp) {
  // 1.00 → 1.10 over three days: 1.0333 → 1.03, 1.0667 → 1.07 (half-up; floor would give 1.06).
  auto e = interpolate(0, 100, 3, 110);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].day, 1);
  EXPECT_EQ(e[0].value, 103);
  EXPECT_EQ(e[1].day, 2);
  EXPECT_EQ(e[1].value, 107);
  // Exactly half: 1.00 → 1.01 over two days gives 1.005 → 1.01 (half-up).
  EXPECT_EQ(interpolate(0, 100, 2, 101).at(0).value, 101);
  // Non-decreasing and the usages add up to the advance.
  auto long_gap = interpolate(10, 5000, 17, 5023);
  ASSERT_EQ(long_gap.size(), 6u);
  std::int64_t prev = 5000, sum = 0;
  for (const auto& b : long_gap) {
    EXPECT_GE(b.value, prev);
    sum += b.value - prev;
    prev = b.value;
  }
  EXPECT_EQ(sum + (5023 - prev), 23);
  // Across a rollover the estimates wrap too.
  auto wrap = interpolate(0, 99'999'900, 2, 100);
  ASSERT_EQ(wrap.size(), 1u);
  EXPECT_EQ(wrap[0].value, 0);
  // Nothing to fill between neighbours, nor across a fall.
  EXPECT_TRUE(interpolate(0, 100, 1, 200).empty());
  EXPECT_TRUE(interpolate(0, 500, 3, 400).empty());
}

TEST(VeeRules, MedianAndLookBack) {
  EXPECT_FALSE(median({}).has_value());
  EXPECT_EQ(median({5, 1, 3}), 3);
  EXPECT_EQ(median({4, 1, 3, 2}), 3) << "upper median";
  Config c;
  EXPECT_EQ(c.look_back_days(), 8);
  c.stuck_days = 30;
  EXPECT_EQ(c.look_back_days(), 31);
}

TEST(VeeConfig, DefaultsAndStationToml) {
  auto empty = config::Document::empty();
  Config d = vee_config_from(empty.root().section("station"));
  EXPECT_EQ(d.rate_factor, 10);
  ASSERT_EQ(d.range.size(), 4u);
  EXPECT_EQ(d.range[0].max_units_per_day, 200);

  auto doc = config::Document::parse(R"(
[station.vee]
rate_factor = 8
stuck_days = 10
[[station.vee.range]]
energy = "electricity"
customer = "non-residential"
max_per_day = 5000
)",
                                     "station.toml");
  ASSERT_TRUE(doc.has_value()) << doc.error().to_string();
  Config c = vee_config_from(doc->root().section("station"));
  EXPECT_TRUE(doc->finish().has_value());
  EXPECT_EQ(c.rate_factor, 8);
  EXPECT_EQ(c.stuck_days, 10);
  EXPECT_EQ(c.look_back_days(), 11);
  ASSERT_EQ(c.range.size(), 1u) << "given rows replace the defaults";
  EXPECT_EQ(c.range[0].energy_digit, 1);
  EXPECT_EQ(c.range[0].customer, 1);
  EXPECT_EQ(c.range[0].max_units_per_day, 5000);

  auto bad = config::Document::parse(R"(
[station.vee]
rate_factor = 1
[[station.vee.range]]
energy = "steam"
max_per_day = 10
)",
                                     "station.toml");
  ASSERT_TRUE(bad.has_value());
  vee_config_from(bad->root().section("station"));
  auto st = bad->finish();
  ASSERT_FALSE(st.has_value());
  EXPECT_NE(st.error().detail.find("rate_factor"), std::string::npos) << st.error().detail;
  EXPECT_NE(st.error().detail.find("energy"), std::string::npos) << st.error().detail;
}

}  // namespace
}  // namespace omni::station::vee
