#include "core/time.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>

namespace omni {
namespace {

constexpr std::int64_t kDay = 86'400;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

std::int64_t local_seconds(const CivilTime& c) {
  return days_from_civil(c.year, c.month, c.day) * kDay + c.hour * 3600 + c.minute * 60 + c.second;
}

CivilTime civil_from_local_seconds(std::int64_t s) {
  CivilTime c;
  std::int64_t days = floor_div(s, kDay);
  std::int64_t rest = s - days * kDay;
  civil_from_days(days, c.year, c.month, c.day);
  c.hour = static_cast<int>(rest / 3600);
  c.minute = static_cast<int>(rest % 3600 / 60);
  c.second = static_cast<int>(rest % 60);
  return c;
}

// A tiny cursor over a POSIX TZ string.
struct Cursor {
  std::string_view s;
  bool eat(char c) {
    if (!s.empty() && s.front() == c) {
      s.remove_prefix(1);
      return true;
    }
    return false;
  }
  bool number(int& out) {
    std::size_t n = 0;
    while (n < s.size() && std::isdigit(static_cast<unsigned char>(s[n]))) ++n;
    if (n == 0) return false;
    std::from_chars(s.data(), s.data() + n, out);
    s.remove_prefix(n);
    return true;
  }
  // A zone abbreviation: letters, or anything in <...>.
  bool name(std::string& out) {
    if (eat('<')) {
      auto close = s.find('>');
      if (close == std::string_view::npos) return false;
      out = std::string(s.substr(0, close));
      s.remove_prefix(close + 1);
      return true;
    }
    std::size_t n = 0;
    while (n < s.size() && std::isalpha(static_cast<unsigned char>(s[n]))) ++n;
    if (n < 3) return false;
    out = std::string(s.substr(0, n));
    s.remove_prefix(n);
    return true;
  }
  // [+-]hh[:mm[:ss]] as seconds.
  bool hms(int& out) {
    int sign = 1;
    if (eat('-')) {
      sign = -1;
    } else {
      eat('+');
    }
    int h = 0, m = 0, sec = 0;
    if (!number(h)) return false;
    if (eat(':')) {
      if (!number(m)) return false;
      if (eat(':') && !number(sec)) return false;
    }
    out = sign * (h * 3600 + m * 60 + sec);
    return true;
  }
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Civil calendar (proleptic Gregorian, era-based day counting)

bool is_leap_year(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap_year(y) ? 29 : kDays[m - 1];
}

std::int64_t days_from_civil(int year, int month, int day) {
  // Years counted from March so the leap day is the last day of the "year"; 400-year eras of
  // 146097 days.
  std::int64_t y = year - (month <= 2 ? 1 : 0);
  std::int64_t era = floor_div(y, 400);
  std::int64_t yoe = y - era * 400;                                             // [0, 399]
  std::int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;  // [0, 365]
  std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                     // [0, 146096]
  return era * 146097 + doe - 719468;
}

void civil_from_days(std::int64_t days, int& year, int& month, int& day) {
  std::int64_t z = days + 719468;
  std::int64_t era = floor_div(z, 146097);
  std::int64_t doe = z - era * 146097;
  std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  std::int64_t mp = (5 * doy + 2) / 153;
  day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  year = static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
}

int iso_weekday(int year, int month, int day) {
  // 1970-01-01 was a Thursday (ISO 4).
  std::int64_t d = days_from_civil(year, month, day);
  return static_cast<int>(floor_div(d + 3, 7) * -7 + d + 3) + 1;
}

Result<CivilTime> CivilTime::make(int year, int month, int day, int hour, int minute, int second) {
  if (year < 1 || year > 9999) return fail(ErrorCode::OutOfRange, fmt::format("year {}", year));
  if (month < 1 || month > 12) return fail(ErrorCode::OutOfRange, fmt::format("month {}", month));
  if (day < 1 || day > days_in_month(year, month)) {
    return fail(ErrorCode::OutOfRange, fmt::format("day {} of {:04}-{:02}", day, year, month));
  }
  if (hour < 0 || hour > 23) return fail(ErrorCode::OutOfRange, fmt::format("hour {}", hour));
  if (minute < 0 || minute > 59) {
    return fail(ErrorCode::OutOfRange, fmt::format("minute {}", minute));
  }
  if (second < 0 || second > 59) {
    return fail(ErrorCode::OutOfRange, fmt::format("second {}", second));
  }
  return CivilTime{year, month, day, hour, minute, second};
}

// ---------------------------------------------------------------------------------------------
// Time zones

const TimeZone& TimeZone::utc() {
  static const TimeZone zone = fixed(0, "UTC");
  return zone;
}

const TimeZone& TimeZone::shanghai() {
  static const TimeZone zone = fixed(8 * 3600, "Asia/Shanghai");
  return zone;
}

TimeZone TimeZone::fixed(int offset_seconds, std::string name) {
  TimeZone z;
  z.name_ = std::move(name);
  z.std_offset_ = z.dst_offset_ = offset_seconds;
  return z;
}

Result<TimeZone> TimeZone::from_posix(std::string_view tz) {
  auto bad = [&](std::string_view why) {
    return fail(ErrorCode::Malformed, fmt::format("TZ \"{}\": {}", tz, why));
  };
  Cursor c{tz};
  TimeZone z;
  z.name_ = std::string(tz);
  std::string std_name, dst_name;
  int posix_offset = 0;
  if (!c.name(std_name)) return bad("expected a zone name of 3+ letters");
  if (!c.hms(posix_offset)) return bad("expected an offset after the name");
  z.std_offset_ = -posix_offset;  // POSIX offsets are west-positive
  z.dst_offset_ = z.std_offset_;
  if (c.s.empty()) return z;
  if (!c.name(dst_name)) return bad("expected a daylight-saving zone name");
  z.has_dst_ = true;
  z.dst_offset_ = z.std_offset_ + 3600;
  if (!c.s.empty() && c.s.front() != ',') {
    int dst_posix = 0;
    if (!c.hms(dst_posix)) return bad("bad daylight-saving offset");
    z.dst_offset_ = -dst_posix;
  }
  for (Rule* r : {&z.start_, &z.end_}) {
    if (!c.eat(',')) return bad("expected ,Mm.w.d rules for daylight saving");
    if (!c.eat('M')) {
      return fail(ErrorCode::Unsupported,
                  fmt::format("TZ \"{}\": only Mm.w.d transition rules are supported", tz));
    }
    if (!c.number(r->month) || !c.eat('.') || !c.number(r->week) || !c.eat('.') ||
        !c.number(r->weekday)) {
      return bad("bad Mm.w.d rule");
    }
    if (r->month < 1 || r->month > 12 || r->week < 1 || r->week > 5 || r->weekday > 6) {
      return bad("Mm.w.d rule out of range");
    }
    if (c.eat('/') && !c.hms(r->time)) return bad("bad rule time");
  }
  if (!c.s.empty()) return bad("unexpected text at the end");
  return z;
}

std::int64_t TimeZone::transition_local(int year, const Rule& r) const {
  int first_wd = iso_weekday(year, r.month, 1) % 7;  // 0 = Sunday, as in POSIX
  int day = 1 + (r.weekday - first_wd + 7) % 7 + (r.week - 1) * 7;
  while (day > days_in_month(year, r.month)) day -= 7;  // week 5 = the last one
  return days_from_civil(year, r.month, day) * kDay + r.time;
}

int TimeZone::offset_seconds_at(UtcTime t) const {
  if (!has_dst_) return std_offset_;
  int year = civil_from_local_seconds(t.seconds + std_offset_).year;
  // Start rule times are in standard time, end rule times in daylight time (POSIX).
  std::int64_t start = transition_local(year, start_) - std_offset_;
  std::int64_t end = transition_local(year, end_) - dst_offset_;
  bool dst = start < end ? (t.seconds >= start && t.seconds < end)
                         : (t.seconds < end || t.seconds >= start);  // southern hemisphere
  return dst ? dst_offset_ : std_offset_;
}

CivilTime TimeZone::to_local(UtcTime t) const {
  return civil_from_local_seconds(t.seconds + offset_seconds_at(t));
}

UtcTime TimeZone::from_local(const CivilTime& local) const {
  std::int64_t l = local_seconds(local);
  UtcTime as_std{l - std_offset_};
  UtcTime as_dst{l - dst_offset_};
  bool std_ok = offset_seconds_at(as_std) == std_offset_;
  bool dst_ok = offset_seconds_at(as_dst) == dst_offset_;
  if (std_ok && dst_ok) return std::min(as_std, as_dst);  // exists twice: the earlier
  if (std_ok) return as_std;
  if (dst_ok) return as_dst;
  return std::max(as_std, as_dst);  // in a gap: forward by the gap's length
}

// ---------------------------------------------------------------------------------------------
// Calendar buckets

std::string_view period_name(Period p) {
  switch (p) {
    case Period::Hour:
      return "hour";
    case Period::Day:
      return "day";
    case Period::Week:
      return "week";
    case Period::Month:
      return "month";
    case Period::Quarter:
      return "quarter";
    case Period::Year:
      return "year";
  }
  return "day";
}

Result<Period> parse_period(std::string_view name) {
  for (Period p :
       {Period::Hour, Period::Day, Period::Week, Period::Month, Period::Quarter, Period::Year}) {
    if (period_name(p) == name) return p;
  }
  return fail(ErrorCode::NotFound,
              fmt::format("\"{}\" is not a period (hour, day, week, month, quarter, year)", name));
}

namespace {

// Local midnight at the start of the given civil date.
UtcTime midnight(int year, int month, int day, const TimeZone& zone) {
  return zone.from_local(CivilTime{year, month, day, 0, 0, 0});
}

}  // namespace

UtcTime bucket_start(UtcTime t, Period p, const TimeZone& zone) {
  CivilTime c = zone.to_local(t);
  switch (p) {
    case Period::Hour:
      // Subtracting local minutes and seconds is right even in a repeated (fall-back) hour.
      return t - (c.minute * 60 + c.second);
    case Period::Day:
      return midnight(c.year, c.month, c.day, zone);
    case Period::Week: {
      std::int64_t days =
          days_from_civil(c.year, c.month, c.day) - (iso_weekday(c.year, c.month, c.day) - 1);
      int y, m, d;
      civil_from_days(days, y, m, d);
      return midnight(y, m, d, zone);
    }
    case Period::Month:
      return midnight(c.year, c.month, 1, zone);
    case Period::Quarter:
      return midnight(c.year, (c.month - 1) / 3 * 3 + 1, 1, zone);
    case Period::Year:
      return midnight(c.year, 1, 1, zone);
  }
  return t;
}

UtcTime bucket_end(UtcTime t, Period p, const TimeZone& zone) {
  UtcTime start = bucket_start(t, p, zone);
  CivilTime c = zone.to_local(start);
  switch (p) {
    case Period::Hour:
      return start + 3600;  // local hours are whole UTC hours in every zone used
    case Period::Day:
      return add_days(start, 1, zone);
    case Period::Week:
      return add_days(start, 7, zone);
    case Period::Month:
      return midnight(c.month == 12 ? c.year + 1 : c.year, c.month % 12 + 1, 1, zone);
    case Period::Quarter: {
      int m = c.month + 3;
      return midnight(m > 12 ? c.year + 1 : c.year, m > 12 ? m - 12 : m, 1, zone);
    }
    case Period::Year:
      return midnight(c.year + 1, 1, 1, zone);
  }
  return start;
}

UtcTime add_days(UtcTime t, int days, const TimeZone& zone) {
  CivilTime c = zone.to_local(t);
  int y, m, d;
  civil_from_days(days_from_civil(c.year, c.month, c.day) + days, y, m, d);
  return zone.from_local(CivilTime{y, m, d, c.hour, c.minute, c.second});
}

UtcTime add_months(UtcTime t, int months, const TimeZone& zone) {
  CivilTime c = zone.to_local(t);
  int index = c.year * 12 + (c.month - 1) + months;
  int y = static_cast<int>(floor_div(index, 12));
  int m = index - y * 12 + 1;
  int d = std::min(c.day, days_in_month(y, m));
  return zone.from_local(CivilTime{y, m, d, c.hour, c.minute, c.second});
}

// ---------------------------------------------------------------------------------------------
// ISO 8601

std::string format_iso8601(UtcTime t, const TimeZone& zone) {
  int off = zone.offset_seconds_at(t);
  CivilTime c = civil_from_local_seconds(t.seconds + off);
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", c.year, c.month, c.day,
                                c.hour, c.minute, c.second);
  if (off == 0 && &zone == &TimeZone::utc()) return out + "Z";
  int a = off < 0 ? -off : off;
  return out + fmt::format("{}{:02}:{:02}", off < 0 ? '-' : '+', a / 3600, a % 3600 / 60);
}

Result<UtcTime> parse_iso8601(std::string_view text) {
  auto bad = [&] {
    return fail(ErrorCode::Malformed, fmt::format("\"{}\" is not an ISO 8601 time with an offset "
                                                  "(2025-03-01T08:00:00+08:00)",
                                                  text));
  };
  auto num = [&](std::size_t pos, std::size_t len, int& out) {
    if (pos + len > text.size()) return false;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
    }
    std::from_chars(text.data() + pos, text.data() + pos + len, out);
    return true;
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (text.size() < 20 || !num(0, 4, y) || text[4] != '-' || !num(5, 2, mo) || text[7] != '-' ||
      !num(8, 2, d) || (text[10] != 'T' && text[10] != ' ') || !num(11, 2, h) || text[13] != ':' ||
      !num(14, 2, mi) || text[16] != ':' || !num(17, 2, s)) {
    return bad();
  }
  auto civil = CivilTime::make(y, mo, d, h, mi, s);
  if (!civil) return bad();
  std::size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) ++pos;
  }
  int offset = 0;
  std::string_view zone = text.substr(pos);
  if (zone == "Z") {
    offset = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    int oh, om;
    if (!num(pos + 1, 2, oh) || !num(pos + 4, 2, om) || oh > 23 || om > 59) return bad();
    offset = (oh * 3600 + om * 60) * (zone[0] == '-' ? -1 : 1);
  } else {
    return bad();
  }
  return UtcTime{local_seconds(*civil) - offset};
}

Result<CivilTime> parse_date(std::string_view text) {
  auto digits = [&](std::size_t from, std::size_t n, int& out) {
    out = 0;
    for (std::size_t i = from; i < from + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      out = out * 10 + (text[i] - '0');
    }
    return true;
  };
  int y = 0, m = 0, d = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !digits(0, 4, y) ||
      !digits(5, 2, m) || !digits(8, 2, d)) {
    return fail(ErrorCode::Malformed, "\"" + std::string(text) + "\" is not a date YYYY-MM-DD");
  }
  return CivilTime::make(y, m, d);
}

std::string format_date(std::int64_t days) {
  int y, m, d;
  civil_from_days(days, y, m, d);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

}  // namespace omni
