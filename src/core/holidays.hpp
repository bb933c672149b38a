#pragma once
// The working-day calendar of mainland China: statutory holidays and the make-up working days
// (调休上班) the State Council announces each year. Consumption follows it (a make-up Saturday
// looks like a Tuesday, a holiday Wednesday like a Sunday), so the simulator, the forecasts and
// the statistics all ask here instead of looking at the weekday alone.
//
// Years with a published schedule are listed in holidays.cpp with the notice they come from.
// For other years only the weekend rule and the fixed-date holidays (1 January, 1 May, 1–3
// October) apply, and `schedule_published` says so, so a caller can flag the approximation.

namespace omni {

enum class DayType {
  Workday,        // Monday–Friday with no holiday
  Weekend,        // Saturday or Sunday that is not a make-up working day
  Holiday,        // statutory holiday or a day off of its bridge (放假调休)
  MakeUpWorkday,  // a Saturday or Sunday worked instead (调休上班)
};

DayType china_day_type(int year, int month, int day);
// Workday or MakeUpWorkday.
bool is_china_working_day(int year, int month, int day);
bool schedule_published(int year);

}  // namespace omni
