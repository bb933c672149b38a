#include "core/time.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "core/clock.hpp"

namespace omni {
namespace {

UtcTime at(std::string_view iso) {
  auto t = parse_iso8601(iso);
  EXPECT_TRUE(t) << iso;
  return t ? *t : UtcTime{};
}

std::string sh(UtcTime t) { return format_iso8601(t, TimeZone::shanghai()); }

TEST(Civil, DaysRoundTripAndLeapYears) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
  for (std::int64_t d = -800'000; d <= 800'000; d += 37) {
    int y, m, day;
    civil_from_days(d, y, m, day);
    ASSERT_EQ(days_from_civil(y, m, day), d);
  }
  EXPECT_TRUE(is_leap_year(2024));
  EXPECT_TRUE(is_leap_year(2000));
  EXPECT_FALSE(is_leap_year(2100));
  EXPECT_EQ(days_in_month(2024, 2), 29);
  EXPECT_EQ(days_in_month(2100, 2), 28);
  EXPECT_EQ(iso_weekday(2025, 3, 3), 1);    // a Monday
  EXPECT_EQ(iso_weekday(1970, 1, 1), 4);    // a Thursday
  EXPECT_EQ(iso_weekday(2024, 12, 29), 7);  // a Sunday
  EXPECT_FALSE(CivilTime::make(2025, 2, 29));
  EXPECT_TRUE(CivilTime::make(2024, 2, 29));
  EXPECT_FALSE(CivilTime::make(2025, 13, 1));
  EXPECT_FALSE(CivilTime::make(2025, 1, 1, 24));
}

TEST(Shanghai, IsUtcPlusEightAndDaysStartAt1600UtcTheDayBefore) {
  auto t = at("2025-03-01T00:30:00Z");
  EXPECT_EQ(sh(t), "2025-03-01T08:30:00+08:00");
  EXPECT_EQ(format_iso8601(start_of_day(t, TimeZone::shanghai()), TimeZone::utc()),
            "2025-02-28T16:00:00Z");
  // 23:30 UTC on 28 Feb is already 1 March in Beijing.
  EXPECT_EQ(sh(start_of_day(at("2025-02-28T23:30:00Z"), TimeZone::shanghai())),
            "2025-03-01T00:00:00+08:00");
}

TEST(Shanghai, BucketsAcrossMonthAndYearEnds) {
  const auto& z = TimeZone::shanghai();
  auto nye = at("2024-12-31T23:59:59+08:00");
  EXPECT_EQ(sh(start_of_month(nye, z)), "2024-12-01T00:00:00+08:00");
  EXPECT_EQ(sh(bucket_end(nye, Period::Month, z)), "2025-01-01T00:00:00+08:00");
  EXPECT_EQ(sh(start_of_year(nye, z)), "2024-01-01T00:00:00+08:00");
  EXPECT_EQ(sh(bucket_end(nye, Period::Year, z)), "2025-01-01T00:00:00+08:00");
  EXPECT_EQ(sh(start_of_quarter(nye, z)), "2024-10-01T00:00:00+08:00");
  EXPECT_EQ(sh(bucket_end(nye, Period::Quarter, z)), "2025-01-01T00:00:00+08:00");
  // The week of 1 January 2025 (a Wednesday) starts on Monday 30 December 2024.
  EXPECT_EQ(sh(start_of_week(at("2025-01-01T12:00:00+08:00"), z)), "2024-12-30T00:00:00+08:00");
  EXPECT_EQ(sh(bucket_end(at("2025-01-01T12:00:00+08:00"), Period::Week, z)),
            "2025-01-06T00:00:00+08:00");
  // Leap day.
  auto leap = at("2024-02-29T10:00:00+08:00");
  EXPECT_EQ(sh(start_of_day(leap, z)), "2024-02-29T00:00:00+08:00");
  EXPECT_EQ(sh(bucket_end(leap, Period::Day, z)), "2024-03-01T00:00:00+08:00");
  EXPECT_EQ(sh(bucket_end(at("2024-02-10T00:00:00+08:00"), Period::Month, z)),
            "2024-03-01T00:00:00+08:00");
  EXPECT_EQ(sh(start_of_hour(at("2025-05-05T13:59:59+08:00"), z)), "2025-05-05T13:00:00+08:00");
  EXPECT_EQ(sh(add_months(at("2025-01-31T09:00:00+08:00"), 1, z)), "2025-02-28T09:00:00+08:00");
  EXPECT_EQ(sh(add_months(at("2024-01-31T09:00:00+08:00"), 1, z)), "2024-02-29T09:00:00+08:00");
  EXPECT_EQ(sh(add_months(at("2025-03-15T09:00:00+08:00"), -15, z)), "2023-12-15T09:00:00+08:00");
}

class DstZone : public ::testing::Test {
 protected:
  // US Eastern rules: DST from the 2nd Sunday of March 02:00 to the 1st Sunday of November 02:00.
  TimeZone ny_ = *TimeZone::from_posix("EST5EDT,M3.2.0,M11.1.0");
  std::string local(UtcTime t) { return format_iso8601(t, ny_); }
};

TEST_F(DstZone, OffsetsFollowTheRules) {
  EXPECT_EQ(ny_.offset_seconds_at(at("2025-01-15T12:00:00Z")), -5 * 3600);
  EXPECT_EQ(ny_.offset_seconds_at(at("2025-07-15T12:00:00Z")), -4 * 3600);
  // 2025-03-09 02:00 EST = 07:00Z is the switch.
  EXPECT_EQ(ny_.offset_seconds_at(at("2025-03-09T06:59:59Z")), -5 * 3600);
  EXPECT_EQ(ny_.offset_seconds_at(at("2025-03-09T07:00:00Z")), -4 * 3600);
  // 2025-11-02 02:00 EDT = 06:00Z is the switch back.
  EXPECT_EQ(ny_.offset_seconds_at(at("2025-11-02T05:59:59Z")), -4 * 3600);
  EXPECT_EQ(ny_.offset_seconds_at(at("2025-11-02T06:00:00Z")), -5 * 3600);
}

TEST_F(DstZone, SpringForwardDayHas23HoursAndFallBackDay25) {
  auto spring = at("2025-03-09T12:00:00-04:00");
  auto s0 = start_of_day(spring, ny_);
  auto s1 = bucket_end(spring, Period::Day, ny_);
  EXPECT_EQ(local(s0), "2025-03-09T00:00:00-05:00");
  EXPECT_EQ(local(s1), "2025-03-10T00:00:00-04:00");
  EXPECT_EQ(s1 - s0, 23 * 3600);
  auto fall = at("2025-11-02T12:00:00-05:00");
  auto f0 = start_of_day(fall, ny_);
  auto f1 = bucket_end(fall, Period::Day, ny_);
  EXPECT_EQ(f1 - f0, 25 * 3600);
  // Every hour bucket of the 25-hour day is one hour long and there are 25 of them.
  int hours = 0;
  for (UtcTime h = f0; h < f1; h = bucket_end(h, Period::Hour, ny_)) {
    EXPECT_EQ(start_of_hour(h, ny_), h);
    ++hours;
  }
  EXPECT_EQ(hours, 25);
  // The repeated 01:30 hour: both instants bucket into their own hour.
  auto first = at("2025-11-02T01:30:00-04:00");
  auto second = at("2025-11-02T01:30:00-05:00");
  EXPECT_EQ(second - first, 3600);
  EXPECT_EQ(local(start_of_hour(first, ny_)), "2025-11-02T01:00:00-04:00");
  EXPECT_EQ(local(start_of_hour(second, ny_)), "2025-11-02T01:00:00-05:00");
  // The month containing the change still starts at local midnight.
  EXPECT_EQ(local(bucket_end(fall, Period::Month, ny_)), "2025-12-01T00:00:00-05:00");
}

TEST_F(DstZone, LocalTimesInTheGapAndTheOverlap) {
  // 02:30 on 9 March 2025 does not exist: shifted forward by the hour to 03:30 EDT.
  EXPECT_EQ(local(ny_.from_local({2025, 3, 9, 2, 30, 0})), "2025-03-09T03:30:00-04:00");
  // 01:30 on 2 November 2025 exists twice: the earlier (EDT) instant.
  EXPECT_EQ(local(ny_.from_local({2025, 11, 2, 1, 30, 0})), "2025-11-02T01:30:00-04:00");
  // Ordinary times round-trip.
  auto t = at("2025-06-01T10:11:12-04:00");
  EXPECT_EQ(ny_.from_local(ny_.to_local(t)), t);
}

TEST(TimeZoneParse, PosixRulesAndErrors) {
  auto cet = TimeZone::from_posix("CET-1CEST,M3.5.0,M10.5.0/3");
  ASSERT_TRUE(cet);
  EXPECT_EQ(cet->offset_seconds_at(at("2025-01-01T00:00:00Z")), 3600);
  EXPECT_EQ(cet->offset_seconds_at(at("2025-07-01T00:00:00Z")), 7200);
  // Last Sunday of October 2025 is the 26th; 03:00 CEST = 01:00Z.
  EXPECT_EQ(cet->offset_seconds_at(at("2025-10-26T00:59:59Z")), 7200);
  EXPECT_EQ(cet->offset_seconds_at(at("2025-10-26T01:00:00Z")), 3600);
  auto cst = TimeZone::from_posix("CST-8");
  ASSERT_TRUE(cst);
  EXPECT_EQ(cst->offset_seconds_at(at("2025-07-01T00:00:00Z")), 8 * 3600);
  // Southern hemisphere (DST across the new year).
  auto syd = TimeZone::from_posix("AEST-10AEDT,M10.1.0,M4.1.0/3");
  ASSERT_TRUE(syd);
  EXPECT_EQ(syd->offset_seconds_at(at("2025-01-15T00:00:00Z")), 11 * 3600);
  EXPECT_EQ(syd->offset_seconds_at(at("2025-06-15T00:00:00Z")), 10 * 3600);
  for (const char* bad : {"", "X5", "EST", "EST5EDT,M13.1.0,M11.1.0", "EST5EDT,M3.2.0"}) {
    EXPECT_FALSE(TimeZone::from_posix(bad)) << bad;
  }
  EXPECT_EQ(TimeZone::from_posix("EST5EDT,J60,J300").error().code, ErrorCode::Unsupported);
}

TEST(Iso8601, RoundTripsAndRejects) {
  auto t = at("2025-03-01T08:00:00+08:00");
  EXPECT_EQ(t.seconds, 1740787200);
  EXPECT_EQ(format_iso8601(t, TimeZone::utc()), "2025-03-01T00:00:00Z");
  EXPECT_EQ(sh(t), "2025-03-01T08:00:00+08:00");
  EXPECT_EQ(at("2025-03-01T00:00:00.999Z"), at("2025-03-01T00:00:00Z"));
  EXPECT_EQ(at("1969-12-31T23:59:59Z").seconds, -1);
  for (const char* bad : {"2025-03-01T08:00:00", "2025-03-01", "2025-02-30T00:00:00Z",
                          "2025-03-01T08:00:00+8", "2025-03-01T25:00:00Z", "garbage"}) {
    auto r = parse_iso8601(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::Malformed);
  }
  EXPECT_EQ(*parse_period("month"), Period::Month);
  EXPECT_FALSE(parse_period("fortnight"));
}

TEST(Clock, FakeClockMovesOnlyWhenTold) {
  FakeClock clock(at("2025-03-01T00:00:00Z"));
  auto t0 = clock.now();
  clock.advance(90);
  EXPECT_EQ(clock.now() - t0, 90);
  clock.set(UtcTime{0});
  EXPECT_EQ(clock.now().seconds, 0);
  EXPECT_GT(SystemClock::instance().now().seconds, 1'700'000'000);
}

TEST(Time, DatesParseStrictlyAndFormatBack) {
  EXPECT_EQ(*parse_date("2026-11-20"), *CivilTime::make(2026, 11, 20));
  EXPECT_EQ(parse_date("2026-02-30").error().code, ErrorCode::OutOfRange);
  for (const char* bad : {"2026-1-20", "20261120", "2026-11-20T00:00", " 2026-11-20", "2026/11/20", ""}) {
    EXPECT_EQ(parse_date(bad).error().code, ErrorCode::Malformed) << bad;
  }
  EXPECT_EQ(format_date(days_from_civil(2026, 11, 20)), "2026-11-20");
  EXPECT_EQ(format_date(days_from_civil(1969, 12, 31)), "1969-12-31");
}

TEST(Clock, ScaledClockRunsAtItsSpeedFromItsStart) {
  ScaledClock clock(at("2026-11-20T00:00:00Z"), 3600);
  EXPECT_LT(clock.now() - at("2026-11-20T00:00:00Z"), 60) << "starts at its start";
  // The host steady clock moves at least 20 ms while we wait: at 3600x that is 72 s or more.
  auto steady0 = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - steady0 < std::chrono::milliseconds(20)) {
  }
  std::int64_t elapsed = clock.now() - at("2026-11-20T00:00:00Z");
  EXPECT_GE(elapsed, 72);
  std::int64_t real_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - steady0)
                             .count();
  EXPECT_LE(elapsed, (real_ms + 5) * 36 / 10 + 1) << "never ahead of speed x real time";
}

}  // namespace
}  // namespace omni
