#include <gtest/gtest.h>

#include "core/holidays.hpp"
#include "core/time.hpp"

namespace omni {
namespace {

// Dates from the State Council notices listed in src/core/holidays.cpp.
TEST(Holidays, SpringFestival2026WithItsMakeUpSaturdays) {
  EXPECT_EQ(china_day_type(2026, 2, 14), DayType::MakeUpWorkday);  // Saturday worked
  EXPECT_EQ(china_day_type(2026, 2, 15), DayType::Holiday);        // Sunday, first day off
  EXPECT_EQ(china_day_type(2026, 2, 18), DayType::Holiday);        // Wednesday off
  EXPECT_EQ(china_day_type(2026, 2, 23), DayType::Holiday);        // Monday, last day off
  EXPECT_EQ(china_day_type(2026, 2, 24), DayType::Workday);
  EXPECT_EQ(china_day_type(2026, 2, 28), DayType::MakeUpWorkday);
  EXPECT_TRUE(is_china_working_day(2026, 2, 28));
  EXPECT_FALSE(is_china_working_day(2026, 2, 18));
}

TEST(Holidays, SpansAcrossMonthEnds2025) {
  EXPECT_EQ(china_day_type(2025, 1, 28), DayType::Holiday);
  EXPECT_EQ(china_day_type(2025, 2, 4), DayType::Holiday);
  EXPECT_EQ(china_day_type(2025, 2, 5), DayType::Workday);
  EXPECT_EQ(china_day_type(2025, 5, 31), DayType::Holiday);  // Dragon Boat, Saturday
  EXPECT_EQ(china_day_type(2025, 6, 2), DayType::Holiday);   // Monday off
  EXPECT_EQ(china_day_type(2025, 10, 8), DayType::Holiday);  // National Day + Mid-Autumn
  EXPECT_EQ(china_day_type(2025, 10, 11), DayType::MakeUpWorkday);
}

TEST(Holidays, EveryPublishedYearHasItsSevenHolidaysAndOrdinaryWeeks) {
  for (int year = 2024; year <= 2026; ++year) {
    ASSERT_TRUE(schedule_published(year));
    int off = 0, make_up = 0;
    for (std::int64_t d = days_from_civil(year, 1, 1); d < days_from_civil(year + 1, 1, 1); ++d) {
      int y, m, day;
      civil_from_days(d, y, m, day);
      DayType t = china_day_type(y, m, day);
      off += t == DayType::Holiday;
      make_up += t == DayType::MakeUpWorkday;
      if (t == DayType::MakeUpWorkday) {
        EXPECT_GE(iso_weekday(y, m, day), 6) << y << "-" << m << "-" << day;
      }
    }
    EXPECT_GE(off, 27) << year;  // 27–33 days off a year in these notices
    EXPECT_LE(off, 33) << year;
    EXPECT_GE(make_up, 5) << year;
  }
  EXPECT_EQ(china_day_type(2026, 11, 25), DayType::Workday);  // an ordinary Wednesday
  EXPECT_EQ(china_day_type(2026, 11, 28), DayType::Weekend);
}

TEST(Holidays, UnpublishedYearsFallBackToFixedDates) {
  EXPECT_FALSE(schedule_published(2030));
  EXPECT_EQ(china_day_type(2030, 10, 2), DayType::Holiday);
  EXPECT_EQ(china_day_type(2030, 1, 1), DayType::Holiday);
  EXPECT_EQ(china_day_type(2030, 3, 5), DayType::Workday);  // a Tuesday
  EXPECT_EQ(china_day_type(2030, 3, 9), DayType::Weekend);
}

}  // namespace
}  // namespace omni
