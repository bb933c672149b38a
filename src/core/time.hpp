#pragma once
// Time inside omnimeter is UTC seconds since the Unix epoch (UtcTime). Local time appears only at
// the edges: meter clocks (DL/T 645 and CJ/T 188 send local civil time), calendar buckets
// (a "day" of usage is a local day), and display. The zone is always explicit.
//
// Asia/Shanghai is a fixed UTC+08:00: China has not observed daylight saving time since 1991,
// so no tz database is needed for it (libstdc++ 12 has none anyway). For tests and any other
// zone, TimeZone::from_posix() reads POSIX TZ rules ("EST5EDT,M3.2.0,M11.1.0"), so calendar code
// is proven on 23- and 25-hour days too.
//
// All functions are pure and thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace omni {

struct UtcTime {
  std::int64_t seconds = 0;

  auto operator<=>(const UtcTime&) const = default;
  UtcTime operator+(std::int64_t s) const { return {seconds + s}; }
  UtcTime operator-(std::int64_t s) const { return {seconds - s}; }
  std::int64_t operator-(UtcTime o) const { return seconds - o.seconds; }
};

struct CivilTime {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  int hour = 0;
  int minute = 0;
  int second = 0;

  // Errors: OutOfRange naming the field (month 13, 30 February, hour 24, …).
  static Result<CivilTime> make(int year, int month, int day, int hour = 0, int minute = 0,
                                int second = 0);
  auto operator<=>(const CivilTime&) const = default;
};

bool is_leap_year(int year);
int days_in_month(int year, int month);
// Days since 1970-01-01 of a proleptic Gregorian date, and back.
std::int64_t days_from_civil(int year, int month, int day);
void civil_from_days(std::int64_t days, int& year, int& month, int& day);
// ISO weekday: Monday = 1 … Sunday = 7.
int iso_weekday(int year, int month, int day);

class TimeZone {
 public:
  static const TimeZone& utc();
  // Fixed UTC+08:00 (no DST since 1991).
  static const TimeZone& shanghai();
  static TimeZone fixed(int offset_seconds, std::string name);
  // POSIX TZ rules: "CST-8", "CET-1CEST,M3.5.0,M10.5.0/3", "EST5EDT,M3.2.0,M11.1.0".
  // Transition rules in the Mm.w.d[/time] form. Errors: Malformed, Unsupported (Jn / n forms).
  static Result<TimeZone> from_posix(std::string_view tz);

  const std::string& name() const { return name_; }
  // Offset from UTC in effect at `t` (east positive: Shanghai = +28800).
  int offset_seconds_at(UtcTime t) const;
  CivilTime to_local(UtcTime t) const;
  // A local time that does not exist (skipped by a spring-forward) is moved forward by the gap;
  // one that exists twice (fall-back) is the earlier instant.
  UtcTime from_local(const CivilTime& local) const;

 private:
  struct Rule {
    int month = 0, week = 0, weekday = 0;  // Mm.w.d; week 5 = last
    int time = 7200;                       // seconds after local midnight
  };
  std::int64_t transition_local(int year, const Rule& r) const;  // local seconds since epoch

  std::string name_;
  int std_offset_ = 0;  // east positive
  int dst_offset_ = 0;
  bool has_dst_ = false;
  Rule start_{}, end_{};
};

enum class Period { Hour, Day, Week, Month, Quarter, Year };
std::string_view period_name(Period p);  // "hour", "day", …
Result<Period> parse_period(std::string_view name);

// The start of the local calendar bucket containing `t` (weeks start on Monday).
UtcTime bucket_start(UtcTime t, Period p, const TimeZone& zone);
// The start of the next bucket (= the end of this one). A local day may last 23 or 25 hours.
UtcTime bucket_end(UtcTime t, Period p, const TimeZone& zone);

inline UtcTime start_of_hour(UtcTime t, const TimeZone& z) {
  return bucket_start(t, Period::Hour, z);
}
inline UtcTime start_of_day(UtcTime t, const TimeZone& z) {
  return bucket_start(t, Period::Day, z);
}
inline UtcTime start_of_week(UtcTime t, const TimeZone& z) {
  return bucket_start(t, Period::Week, z);
}
inline UtcTime start_of_month(UtcTime t, const TimeZone& z) {
  return bucket_start(t, Period::Month, z);
}
inline UtcTime start_of_quarter(UtcTime t, const TimeZone& z) {
  return bucket_start(t, Period::Quarter, z);
}
inline UtcTime start_of_year(UtcTime t, const TimeZone& z) {
  return bucket_start(t, Period::Year, z);
}

// Calendar arithmetic in a zone: same local wall time n days / months later (day of month
// clamped: 31 January + 1 month = 28 or 29 February).
UtcTime add_days(UtcTime t, int days, const TimeZone& zone);
UtcTime add_months(UtcTime t, int months, const TimeZone& zone);

// "2025-03-01T08:00:00+08:00" ("Z" for UTC).
std::string format_iso8601(UtcTime t, const TimeZone& zone);
// Requires an explicit offset ("Z" or ±hh:mm); fractional seconds are truncated.
// Errors: Malformed.
Result<UtcTime> parse_iso8601(std::string_view text);

// A calendar date written "YYYY-MM-DD" (configuration, command lines, query parameters).
// Errors: Malformed (another shape), OutOfRange (no such day).
Result<CivilTime> parse_date(std::string_view text);
// "2026-11-20" for a day number (days since 1970-01-01).
std::string format_date(std::int64_t days);

}  // namespace omni
