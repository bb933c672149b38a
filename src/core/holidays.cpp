#include "core/holidays.hpp"

#include <algorithm>
#include <iterator>

#include "core/time.hpp"

namespace omni {
namespace {

struct Span {
  int year, month, first_day, last_day;  // days off (inclusive) within one month
};
struct Day {
  int year, month, day;
};

// 国务院办公厅关于2024年部分节假日安排的通知 (国办发明电〔2023〕7号, 2023-10-25),
// 关于2025年部分节假日安排的通知 (2024-11-12) and 关于2026年部分节假日安排的通知 (2025-11-04,
// Xinhua, https://politics.gmw.cn/2025-11/04/content_38391083.htm). Spans that cross a month end
// are split in two.
constexpr Span kDaysOff[] = {
    // 2024
    {2024, 1, 1, 1},    {2024, 2, 10, 17}, {2024, 4, 4, 6},   {2024, 5, 1, 5},
    {2024, 6, 10, 10},  {2024, 9, 15, 17}, {2024, 10, 1, 7},
    // 2025
    {2025, 1, 1, 1},    {2025, 1, 28, 31}, {2025, 2, 1, 4},   {2025, 4, 4, 6},
    {2025, 5, 1, 5},    {2025, 5, 31, 31}, {2025, 6, 1, 2},   {2025, 10, 1, 8},
    // 2026
    {2026, 1, 1, 3},    {2026, 2, 15, 23}, {2026, 4, 4, 6},   {2026, 5, 1, 5},
    {2026, 6, 19, 21},  {2026, 9, 25, 27}, {2026, 10, 1, 7},
};

constexpr Day kMakeUpWorkdays[] = {
    {2024, 2, 4},  {2024, 2, 18}, {2024, 4, 7},  {2024, 4, 28}, {2024, 5, 11},
    {2024, 9, 14}, {2024, 9, 29}, {2024, 10, 12},
    {2025, 1, 26}, {2025, 2, 8},  {2025, 4, 27}, {2025, 9, 28}, {2025, 10, 11},
    {2026, 1, 4},  {2026, 2, 14}, {2026, 2, 28}, {2026, 5, 9},  {2026, 9, 20}, {2026, 10, 10},
};

constexpr int kFirstPublished = 2024;
constexpr int kLastPublished = 2026;

bool listed_day_off(int y, int m, int d) {
  return std::any_of(std::begin(kDaysOff), std::end(kDaysOff), [&](const Span& s) {
    return s.year == y && s.month == m && d >= s.first_day && d <= s.last_day;
  });
}

bool listed_make_up(int y, int m, int d) {
  return std::any_of(std::begin(kMakeUpWorkdays), std::end(kMakeUpWorkdays),
                     [&](const Day& x) { return x.year == y && x.month == m && x.day == d; });
}

// Holidays whose Gregorian date never moves (the lunar ones cannot be guessed without the
// year's notice).
bool fixed_holiday(int m, int d) {
  return (m == 1 && d == 1) || (m == 5 && d == 1) || (m == 10 && d >= 1 && d <= 3);
}

}  // namespace

bool schedule_published(int year) { return year >= kFirstPublished && year <= kLastPublished; }

DayType china_day_type(int year, int month, int day) {
  bool weekend = iso_weekday(year, month, day) >= 6;
  if (schedule_published(year)) {
    if (listed_make_up(year, month, day)) return DayType::MakeUpWorkday;
    if (listed_day_off(year, month, day)) return DayType::Holiday;
  } else if (fixed_holiday(month, day)) {
    return DayType::Holiday;
  }
  return weekend ? DayType::Weekend : DayType::Workday;
}

bool is_china_working_day(int year, int month, int day) {
  DayType t = china_day_type(year, month, day);
  return t == DayType::Workday || t == DayType::MakeUpWorkday;
}

}  // namespace omni
