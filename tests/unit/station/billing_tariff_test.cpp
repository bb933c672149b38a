// Tariff plans and the pure bill arithmetic: loading (and its error messages), tier splits at the
// boundaries, pro-rated thresholds, time-of-use with tiers, rounding, and the month's usage from
// daily registers (wrap, fall, replacement, missing values). Expected amounts are worked by hand
// in the comments.
#include <gtest/gtest.h>

#include "station/billing/bill.hpp"
#include "station/billing/tariff.hpp"

namespace omni::station {
namespace {

Quantity kwh(std::int64_t hundredths) { return Quantity(hundredths, 2, Unit::kWh); }

TariffBook parse(std::string_view text, std::vector<config::Problem>* problems = nullptr) {
  auto doc = config::Document::parse(text, "tariffs.toml");
  EXPECT_TRUE(doc.has_value());
  TariffBook book = read_tariffs(doc->root());
  if (problems) *problems = doc->problems();
  return book;
}

TariffBook defaults() {
  auto book =
      load_tariff_file(std::string(OMNI_SOURCE_DIR) + "/packaging/etc/tariffs.toml.example");
  EXPECT_TRUE(book.has_value()) << book.error().to_string();
  return book.value_or(TariffBook{});
}

const TariffPlan& electricity(const TariffBook& book) {
  return *book.find(EnergyKind::Electricity, exchange::CustomerType::Residential);
}

std::vector<BillLine> price(const TariffBook& book, const Quantity& usage, const Quantity& before,
                            std::int64_t installed_day = 0) {
  const TariffPlan& plan = electricity(book);
  const TariffVersion& v = plan.versions.back();
  auto lines = price_month(plan, v, {usage}, before, effective_thresholds(v, 2026, installed_day));
  EXPECT_TRUE(lines.has_value()) << lines.error().to_string();
  return lines.value_or(std::vector<BillLine>{});
}

TEST(BillingTariff, DefaultsLoadWithThePublishedFigures) {
  TariffBook book = defaults();
  ASSERT_EQ(book.plans.size(), 3u);
  const TariffPlan& e = electricity(book);
  EXPECT_EQ(e.unit, Unit::kWh);
  ASSERT_EQ(e.versions.size(), 1u);
  EXPECT_EQ(e.versions[0].basis, TierBasis::Year);
  EXPECT_EQ(e.versions[0].thresholds[0].to_string(), "2880 kWh");
  EXPECT_EQ(e.versions[0].thresholds[1].to_string(), "4800 kWh");
  EXPECT_EQ(e.versions[0].tier_prices[0].ten_thousandths_yuan, 4883);
  EXPECT_EQ(e.versions[0].tier_prices[1].ten_thousandths_yuan, 5383);
  EXPECT_EQ(e.versions[0].tier_prices[2].ten_thousandths_yuan, 7883);
  const TariffPlan* w = book.find(EnergyKind::Water, exchange::CustomerType::Residential);
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->versions[0].thresholds[0].mantissa(), 180);
  EXPECT_EQ(w->versions[0].thresholds[1].mantissa(), 260);
  EXPECT_EQ(w->versions[0].tier_prices[2].ten_thousandths_yuan, 90000);
  const TariffPlan* g = book.find(EnergyKind::Gas, exchange::CustomerType::Residential);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->versions[0].thresholds[0].mantissa(), 350);
  EXPECT_EQ(g->versions[0].tier_prices[0].ten_thousandths_yuan, 26100);
  EXPECT_EQ(g->versions[0].tier_prices[2].ten_thousandths_yuan, 42300);
  EXPECT_EQ(book.find(EnergyKind::Heat, exchange::CustomerType::Residential), nullptr);
}

TEST(BillingTariff, LoadingErrorsNameLineAndField) {
  std::vector<config::Problem> problems;
  TariffBook book = parse(R"(
[[tariff]]
id = "e"
energy = "electricity"
unit = "kWh"
  [[tariff.version]]
  version = 1
  effective = "2026-01-01"
  basis = "year"
  thresholds = ["2880", "4800"]
  prices = ["0.4883", "0.53831", "0.7883"]
)",
                          &problems);
  EXPECT_TRUE(book.plans.empty());
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0].key, "tariff[0].version[0].prices");
  EXPECT_EQ(problems[0].line, 11);  // the prices line of the text above
  EXPECT_NE(problems[0].reason.find("element 2"), std::string::npos) << problems[0].reason;

  // Wrong number of prices, thresholds out of order, an unknown key, a bad date.
  parse(R"([[tariff]]
id = "e"
unit = "kWh"
  [[tariff.version]]
  version = 1
  effective = "2026-13-01"
  basis = "month"
  thresholds = ["400", "240"]
  prices = ["0.4883", "0.5383"]
  price = "0.1"
)",
        &problems);
  std::string all;
  for (const auto& p : problems) all += p.key + ": " + p.reason + "\n";
  EXPECT_NE(all.find("tariff[0].version[0].effective"), std::string::npos) << all;
  EXPECT_NE(all.find("tariff[0].version[0].thresholds: element 2"), std::string::npos) << all;
  EXPECT_NE(all.find("tariff[0].version[0].price"), std::string::npos) << all;

  auto missing = load_tariff_file("/nonexistent/tariffs.toml");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::NotFound);
}

TEST(BillingTariff, PeriodsMustCoverTheDayOnce) {
  std::vector<config::Problem> problems;
  TariffBook book = parse(R"([[tariff]]
id = "tou"
unit = "kWh"
  [[tariff.version]]
  version = 1
  effective = "2026-01-01"
  prices = ["0.40"]
  periods = [ { name = "peak", price = "0.50", hours = ["08:00-22:00"] },
              { name = "valley", price = "0.30", hours = ["00:00-08:00", "21:00-24:00"] } ]
)",
                          &problems);
  EXPECT_TRUE(book.plans.empty());
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems[0].reason.find("21:00 is already in period \"peak\""), std::string::npos)
      << problems[0].reason;

  book = parse(R"([[tariff]]
id = "tou"
unit = "kWh"
  [[tariff.version]]
  version = 1
  effective = "2026-01-01"
  prices = ["0.40"]
  periods = [ { name = "peak", price = "0.50", hours = ["08:00-22:00"] },
              { name = "valley", price = "0.30", hours = ["00:00-07:00", "22:00-24:00"] } ]
)",
               &problems);
  EXPECT_TRUE(book.plans.empty());
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems[0].reason.find("07:00 belongs to no period"), std::string::npos)
      << problems[0].reason;
}

TEST(BillingTariff, VersionInForceByEffectiveDate) {
  TariffBook book = parse(R"([[tariff]]
id = "e"
unit = "kWh"
  [[tariff.version]]
  version = 2
  effective = "2026-07-01"
  prices = ["0.50"]
  [[tariff.version]]
  version = 1
  effective = "2026-01-01"
  prices = ["0.40"]
)");
  ASSERT_EQ(book.plans.size(), 1u);
  const TariffPlan& p = book.plans[0];
  EXPECT_EQ(p.in_force(days_from_civil(2025, 12, 31)), nullptr);
  EXPECT_EQ(p.in_force(days_from_civil(2026, 6, 30))->version, 1);
  EXPECT_EQ(p.in_force(days_from_civil(2026, 7, 1))->version, 2);
}

TEST(BillingTariff, TierSplitAtTheBoundaries) {
  TariffBook book = defaults();
  // 2580 before + 300 = 2880 exactly: all in tier 1. 300 × 0.4883 = 146.49 yuan = 14649 fen.
  auto lines = price(book, kwh(30000), kwh(258000));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].tier, 0);
  EXPECT_EQ(lines[0].amount.value, 14649);

  // 2880 before + 0.01: tier 2. 0.01 × 0.5383 = 0.005383 yuan = 0.5383 fen -> 1 fen (half-up).
  lines = price(book, kwh(1), kwh(288000));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].tier, 1);
  EXPECT_EQ(lines[0].price.ten_thousandths_yuan, 5383);
  EXPECT_EQ(lines[0].amount.value, 1);

  // 2800 before + 300: tier 1 80 kWh × 0.4883 = 39.064 -> 3906 fen;
  // tier 2 220 kWh × 0.5383 = 118.426 -> 11843 fen; total 15749 fen.
  lines = price(book, kwh(30000), kwh(280000));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].usage.to_string(), "80.00 kWh");
  EXPECT_EQ(lines[0].amount.value, 3906);
  EXPECT_EQ(lines[1].usage.to_string(), "220.00 kWh");
  EXPECT_EQ(lines[1].amount.value, 11843);
  EXPECT_EQ(total_of(lines).value, 15749);

  // 2000 before + 3000 crosses both: 880 × 0.4883 = 429.704 -> 42970; 1920 × 0.5383 =
  // 1033.536 -> 103354; 200 × 0.7883 = 157.66 -> 15766; total 162090 fen.
  lines = price(book, kwh(300000), kwh(200000));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].amount.value, 42970);
  EXPECT_EQ(lines[1].amount.value, 103354);
  EXPECT_EQ(lines[2].usage.to_string(), "200.00 kWh");
  EXPECT_EQ(lines[2].amount.value, 15766);
  EXPECT_EQ(total_of(lines).value, 162090);
}

TEST(BillingTariff, RoundsEachLineHalfUp) {
  TariffBook book = defaults();
  // 150 kWh × 0.4883 = 73.245 yuan = 7324.5 fen: half-up gives 7325 (half-even would give 7324).
  auto lines = price(book, kwh(15000), kwh(0));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].amount.value, 7325);
  // 0.50 kWh × 0.4883 = 0.24415 yuan = 24.415 fen -> 24.
  lines = price(book, kwh(50), kwh(0));
  EXPECT_EQ(lines[0].amount.value, 24);
}

TEST(BillingTariff, MidYearStartProRatesAnnualThresholds) {
  TariffBook book = defaults();
  const TariffVersion& e = electricity(book).versions[0];
  // Installed 2026-07-15: July..December = 6 months; 2880 × 6/12 = 1440, 4800 × 6/12 = 2400.
  auto t = effective_thresholds(e, 2026, days_from_civil(2026, 7, 15));
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].mantissa(), 1440);
  EXPECT_EQ(t[1].mantissa(), 2400);
  // The next year is a full year again.
  EXPECT_EQ(effective_thresholds(e, 2027, days_from_civil(2026, 7, 15))[0].mantissa(), 2880);
  // Gas from August: 5 months; 350 × 5/12 = 145.83 -> 146 (half-up), 500 × 5/12 = 208.33 -> 208.
  const TariffVersion& g =
      book.find(EnergyKind::Gas, exchange::CustomerType::Residential)->versions[0];
  t = effective_thresholds(g, 2026, days_from_civil(2026, 8, 3));
  EXPECT_EQ(t[0].mantissa(), 146);
  EXPECT_EQ(t[1].mantissa(), 208);
  // A July starter with 1400 kWh before and 100 in the month: 40 in tier 1, 60 in tier 2.
  // 40 × 0.4883 = 19.532 -> 1953; 60 × 0.5383 = 32.298 -> 3230; total 5183 fen.
  auto lines = price(book, kwh(10000), kwh(140000), days_from_civil(2026, 7, 15));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].usage.to_string(), "40.00 kWh");
  EXPECT_EQ(total_of(lines).value, 5183);
}

TEST(BillingTariff, TimeOfUseWithTiers) {
  TariffBook book = parse(R"([[tariff]]
id = "tou"
unit = "kWh"
  [[tariff.version]]
  version = 1
  effective = "2026-01-01"
  basis = "month"
  thresholds = ["100"]
  prices = ["0.4000", "0.4500"]
  periods = [ { name = "peak", price = "0.5000", hours = ["08:00-22:00"] },
              { name = "valley", price = "0.3000", hours = ["00:00-08:00", "22:00-24:00"] } ]
)");
  ASSERT_EQ(book.plans.size(), 1u);
  const TariffPlan& plan = book.plans[0];
  const TariffVersion& v = plan.versions[0];
  // Peak 90, valley 60 (150 in all); monthly tier 1 up to 100, tier 2 adds 0.05.
  // Tier 1 (100) shared 90:60 -> peak 60, valley 40; tier 2 (50) -> peak 30, valley 20.
  // 60 × 0.50 = 30.00 -> 3000; 40 × 0.30 = 12.00 -> 1200; 30 × 0.55 = 16.50 -> 1650;
  // 20 × 0.35 = 7.00 -> 700. Total 6550 = 90 × 0.5 + 60 × 0.3 + 50 × 0.05 = 65.50 yuan.
  auto lines = price_month(plan, v, {kwh(9000), kwh(6000)}, kwh(99999), v.thresholds);
  ASSERT_TRUE(lines.has_value()) << lines.error().to_string();
  ASSERT_EQ(lines->size(), 4u);
  EXPECT_EQ((*lines)[0].period, 0);
  EXPECT_EQ((*lines)[0].usage.to_string(), "60.00 kWh");
  EXPECT_EQ((*lines)[0].amount.value, 3000);
  EXPECT_EQ((*lines)[1].amount.value, 1200);
  EXPECT_EQ((*lines)[2].price.ten_thousandths_yuan, 5500);
  EXPECT_EQ((*lines)[2].amount.value, 1650);
  EXPECT_EQ((*lines)[3].price.ten_thousandths_yuan, 3500);
  EXPECT_EQ((*lines)[3].amount.value, 700);
  EXPECT_EQ(total_of(*lines).value, 6550);

  // Uneven shares still add up: peak 0.02, valley 0.01, all tier 1: 0.03 split 2:1 exactly.
  lines = price_month(plan, v, {kwh(2), kwh(1)}, kwh(0), v.thresholds);
  ASSERT_TRUE(lines.has_value());
  std::int64_t sum = 0;
  for (const auto& l : *lines) sum += l.usage.mantissa();
  EXPECT_EQ(sum, 3);
  // One period usage for a two-period plan is refused.
  EXPECT_FALSE(price_month(plan, v, {kwh(1)}, kwh(0), v.thresholds).has_value());
}

TEST(BillingTariff, MonthlyTiersIgnoreEarlierMonths) {
  TariffBook book = parse(R"([[tariff]]
id = "m"
unit = "kWh"
  [[tariff.version]]
  version = 1
  effective = "2026-01-01"
  basis = "month"
  thresholds = ["240"]
  prices = ["0.4883", "0.5383"]
)");
  const TariffPlan& plan = book.plans[0];
  // 250 kWh with 5000 "before": still 240 in tier 1 (10 in tier 2): 240 × 0.4883 = 117.192 ->
  // 11719; 10 × 0.5383 = 5.383 -> 538.
  auto lines =
      price_month(plan, plan.versions[0], {kwh(25000)}, kwh(500000), plan.versions[0].thresholds);
  ASSERT_TRUE(lines.has_value());
  ASSERT_EQ(lines->size(), 2u);
  EXPECT_EQ((*lines)[0].amount.value, 11719);
  EXPECT_EQ((*lines)[1].amount.value, 538);
}

// Daily values for a November: day 1 of November to day 1 of December.
const std::int64_t kNov = days_from_civil(2026, 11, 1);
const std::int64_t kDec = days_from_civil(2026, 12, 1);

TEST(BillingUsage, RegisterDifferenceTimesMultiplier) {
  std::vector<DailyValue> v = {{kNov, 100000}, {kNov + 10, 110000}, {kDec, 130025}};
  MonthUsage u = month_usage(v, kNov, kDec, 40, 0, std::nullopt);
  ASSERT_EQ(u.flag, BillFlag::Ok) << u.detail;
  // (1300.25 − 1000.00) × 40 = 12010.00 kWh.
  EXPECT_EQ(u.usage.to_string(), "12010.00 kWh");
}

TEST(BillingUsage, WrapCountsAndFallFlags) {
  std::vector<DailyValue> wrap = {{kNov, 99'999'000}, {kNov + 5, 500}, {kDec, 1500}};
  MonthUsage u = month_usage(wrap, kNov, kDec, 1, 0, std::nullopt);
  ASSERT_EQ(u.flag, BillFlag::Ok);
  // 99999990.00 -> 1000000.00 wraps: 1000 + 500 + 1000 = 2500 hundredths = 25.00 kWh.
  EXPECT_EQ(u.usage.mantissa(), 2500);

  std::vector<DailyValue> fell = {{kNov, 500000}, {kNov + 5, 20}, {kDec, 1500}};
  EXPECT_EQ(month_usage(fell, kNov, kDec, 1, 0, std::nullopt).flag, BillFlag::RegisterFell);

  std::vector<DailyValue> other = {{kNov, 500000}, {kNov + 5, 500100, 3}, {kDec, 501500, 3}};
  EXPECT_EQ(month_usage(other, kNov, kDec, 1, 0, std::nullopt).flag, BillFlag::UnitChanged);

  std::vector<DailyValue> suspect = {
      {kNov, 500000}, {kNov + 5, 20, 2, Unit::kWh, 3}, {kDec, 501500}};
  EXPECT_EQ(month_usage(suspect, kNov, kDec, 1, 0, std::nullopt).flag, BillFlag::SuspectReading);
}

TEST(BillingUsage, ReplacementAndMissingValuesFlag) {
  std::vector<DailyValue> v = {{kNov, 100000}, {kDec, 130000}};
  EXPECT_EQ(month_usage(v, kNov, kDec, 1, 0, kNov + 12).flag, BillFlag::Replaced);
  EXPECT_EQ(month_usage(v, kNov, kDec, 1, 0, kNov - 1).flag, BillFlag::NotInstalled);
  EXPECT_EQ(month_usage(v, kNov, kDec, 1, kDec, std::nullopt).flag, BillFlag::NotInstalled);
  std::vector<DailyValue> no_end = {{kNov, 100000}, {kDec - 1, 130000}};
  EXPECT_EQ(month_usage(no_end, kNov, kDec, 1, 0, std::nullopt).flag, BillFlag::MissingEnd);
  std::vector<DailyValue> no_start = {{kNov + 1, 100000}, {kDec, 130000}};
  EXPECT_EQ(month_usage(no_start, kNov, kDec, 1, 0, std::nullopt).flag, BillFlag::MissingStart);
  // Installed on the 10th: from its first value (the 11th), no value needed on the 1st; values
  // before the installation (another customer's) are not used.
  std::vector<DailyValue> late = {{kNov + 1, 5}, {kNov + 10, 100000}, {kDec, 130000}};
  MonthUsage u = month_usage(late, kNov, kDec, 1, kNov + 9, std::nullopt);
  ASSERT_EQ(u.flag, BillFlag::Ok);
  EXPECT_EQ(*u.start_day, kNov + 10);
  EXPECT_EQ(u.usage.mantissa(), 30000);
  // Only the end value since the installation: the start is unknown.
  std::vector<DailyValue> end_only = {{kDec, 130000}};
  EXPECT_EQ(month_usage(end_only, kNov, kDec, 1, kNov + 9, std::nullopt).flag,
            BillFlag::MissingStart);
}

TEST(BillingUsage, MonthParsing) {
  EXPECT_EQ(*parse_month("2026-11"), 202611);
  EXPECT_FALSE(parse_month("2026-13").has_value());
  EXPECT_FALSE(parse_month("202611").has_value());
  auto d = month_days(202612);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->next, days_from_civil(2027, 1, 1));
}

}  // namespace
}  // namespace omni::station
