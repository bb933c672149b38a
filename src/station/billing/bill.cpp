#include "station/billing/bill.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

namespace omni::station {
namespace {

// The archive store's rollover rule (archive_store.cpp): registers have eight digits and wrap; a
// drop from the top of the range to near zero is a wrap, anything else a fall.
constexpr std::int64_t kRegisterModulus = 100'000'000;

bool is_rollover(std::int64_t previous, std::int64_t value) {
  return previous > kRegisterModulus * 9 / 10 && value < kRegisterModulus / 10;
}

constexpr int kSuspect = 3;

// Into the plan's unit at `scale` decimals (more decimals are exact; a unit change rounds once).
Result<std::int64_t> mantissa_at(const Quantity& q, Unit unit, int scale) {
  auto in_unit =
      q.unit() == unit ? Result<Quantity>(q) : q.converted(unit, scale, Rounding::HalfEven);
  if (!in_unit) return fail(in_unit.error());
  auto r = in_unit->rescaled(scale, Rounding::HalfEven);
  if (!r) return fail(r.error());
  return r->mantissa();
}

}  // namespace

std::string_view bill_flag_name(BillFlag f) {
  switch (f) {
    case BillFlag::Ok:
      return "ok";
    case BillFlag::MissingStart:
      return "missing_start";
    case BillFlag::MissingEnd:
      return "missing_end";
    case BillFlag::RegisterFell:
      return "register_fell";
    case BillFlag::UnitChanged:
      return "unit_changed";
    case BillFlag::Replaced:
      return "replaced";
    case BillFlag::SuspectReading:
      return "suspect_reading";
    case BillFlag::NoTariff:
      return "no_tariff";
    case BillFlag::NoTouRegisters:
      return "no_tou_registers";
    case BillFlag::NotInstalled:
      return "not_installed";
  }
  return "unknown";
}

MonthUsage month_usage(const std::vector<DailyValue>& values, std::int64_t month_first,
                       std::int64_t next_first, std::int64_t multiplier, std::int64_t installed_day,
                       std::optional<std::int64_t> removed_day) {
  MonthUsage out;
  auto flag = [&](BillFlag f, std::string detail) {
    out.flag = f;
    out.detail = std::move(detail);
    return out;
  };
  if (installed_day >= next_first || (removed_day && *removed_day < month_first)) {
    return flag(BillFlag::NotInstalled, "the point was not installed in this month");
  }
  if (removed_day && *removed_day < next_first) {
    return flag(BillFlag::Replaced,
                fmt::format("the point was removed on {}", format_date(*removed_day)));
  }
  const std::int64_t from = std::max(month_first, installed_day);
  std::vector<DailyValue> in;
  for (const auto& v : values) {
    if (v.day >= from && v.day <= next_first) in.push_back(v);
  }
  std::sort(in.begin(), in.end(),
            [](const DailyValue& a, const DailyValue& b) { return a.day < b.day; });
  for (const auto& v : in) {
    if (v.quality == kSuspect) {
      return flag(BillFlag::SuspectReading,
                  fmt::format("the value of {} waits in the review queue", format_date(v.day)));
    }
  }
  // A full month starts on its 1st; a point installed during the month at its first value.
  if (in.empty() || in.front().day == next_first ||
      (installed_day <= month_first && in.front().day != month_first)) {
    return flag(BillFlag::MissingStart, fmt::format("no value for {}", format_date(from)));
  }
  if (in.back().day != next_first) {
    return flag(BillFlag::MissingEnd, fmt::format("no value for {}", format_date(next_first)));
  }
  std::int64_t total = 0;
  for (std::size_t i = 1; i < in.size(); ++i) {
    const DailyValue& a = in[i - 1];
    const DailyValue& b = in[i];
    if (a.unit != b.unit || a.scale != b.scale) {
      return flag(BillFlag::UnitChanged,
                  fmt::format("unit or decimals change on {}", format_date(b.day)));
    }
    if (b.value >= a.value) {
      total += b.value - a.value;
    } else if (is_rollover(a.value, b.value)) {
      total += b.value + kRegisterModulus - a.value;
    } else {
      return flag(BillFlag::RegisterFell, fmt::format("the register falls from {} to {} on {}",
                                                      a.value, b.value, format_date(b.day)));
    }
  }
  out.start_day = in.front().day;
  out.usage = Quantity(total * multiplier, in.front().scale, in.front().unit);
  return out;
}

std::vector<Quantity> effective_thresholds(const TariffVersion& v, int year,
                                           std::int64_t installed_day) {
  if (v.basis != TierBasis::Year || installed_day <= days_from_civil(year, 1, 1)) {
    return v.thresholds;
  }
  int y = 0, m = 0, d = 0;
  civil_from_days(installed_day, y, m, d);
  if (y != year) return v.thresholds;  // installed later: no bill of this year uses them
  const int months = 13 - m;
  std::vector<Quantity> out;
  for (const auto& t : v.thresholds) {
    Int128 share = divide_rounded(static_cast<Int128>(t.mantissa()) * months, 12, Rounding::HalfUp);
    out.emplace_back(static_cast<std::int64_t>(share), t.scale(), t.unit());
  }
  return out;
}

Result<std::vector<BillLine>> price_month(const TariffPlan& plan, const TariffVersion& v,
                                          const std::vector<Quantity>& period_usage,
                                          const Quantity& used_before,
                                          const std::vector<Quantity>& thresholds) {
  if (period_usage.size() != v.period_count()) {
    return fail(ErrorCode::Malformed, fmt::format("{} period usages for a version with {} periods",
                                                  period_usage.size(), v.period_count()));
  }
  // One scale for every figure: the finest of them (the exact comparisons need it).
  int scale = used_before.scale();
  for (const auto& q : period_usage) scale = std::max(scale, q.scale());
  for (const auto& q : thresholds) scale = std::max(scale, q.scale());
  std::vector<std::int64_t> pu;
  for (const auto& q : period_usage) {
    auto m = mantissa_at(q, plan.unit, scale);
    if (!m) return fail(m.error());
    if (*m < 0) return fail(ErrorCode::Malformed, "a usage is negative");
    pu.push_back(*m);
  }
  std::int64_t before = 0;
  const bool tiered = v.basis != TierBasis::None && !thresholds.empty();
  if (tiered && v.basis == TierBasis::Year) {
    auto m = mantissa_at(used_before, plan.unit, scale);
    if (!m) return fail(m.error());
    before = std::max<std::int64_t>(0, *m);
  }
  const std::int64_t used = std::accumulate(pu.begin(), pu.end(), std::int64_t{0});

  // The tiers' shares of this month: the part of (before, before + used] in each tier.
  std::vector<std::int64_t> parts(tiered ? thresholds.size() + 1 : 1, 0);
  if (!tiered) {
    parts[0] = used;
  } else {
    std::int64_t lo = 0;
    for (std::size_t k = 0; k < parts.size(); ++k) {
      std::int64_t hi = INT64_MAX;
      if (k < thresholds.size()) {
        auto t = mantissa_at(thresholds[k], plan.unit, scale);
        if (!t) return fail(t.error());
        hi = *t;
      }
      std::int64_t a = std::max(before, lo);
      std::int64_t b = std::min(before + used, hi);
      parts[k] = std::max<std::int64_t>(0, b - a);
      lo = hi;
    }
  }

  std::vector<BillLine> lines;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    if (parts[k] == 0) continue;
    // Share the tier among the periods: floor first, then the units left over to the largest
    // remainders (ties to the earlier period), so the shares add up to the tier exactly.
    std::vector<std::int64_t> share(pu.size(), 0);
    if (pu.size() == 1) {
      share[0] = parts[k];
    } else {
      std::vector<std::pair<Int128, std::size_t>> rest;
      std::int64_t given = 0;
      for (std::size_t p = 0; p < pu.size(); ++p) {
        Int128 num = static_cast<Int128>(parts[k]) * pu[p];
        share[p] = static_cast<std::int64_t>(num / used);
        rest.emplace_back(num % used, p);
        given += share[p];
      }
      std::stable_sort(rest.begin(), rest.end(),
                       [](const auto& a, const auto& b) { return a.first > b.first; });
      for (std::size_t i = 0; given < parts[k]; ++i, ++given) ++share[rest[i].second];
    }
    for (std::size_t p = 0; p < share.size(); ++p) {
      if (share[p] == 0) continue;
      BillLine line;
      line.tier = static_cast<int>(k);
      line.period = v.periods.empty() ? -1 : static_cast<int>(p);
      line.usage = Quantity(share[p], scale, plan.unit);
      line.price = v.price(k, p);
      auto amount = charge(line.usage, line.price, Rounding::HalfUp);
      if (!amount) return fail(amount.error());
      line.amount = *amount;
      lines.push_back(line);
    }
  }
  return lines;
}

Fen total_of(const std::vector<BillLine>& lines) {
  Fen sum;
  for (const auto& l : lines) sum += l.amount;
  return sum;
}

Result<MonthDays> month_days(int yyyymm) {
  int year = yyyymm / 100;
  int month = yyyymm % 100;
  if (year < 1970 || year > 9999 || month < 1 || month > 12) {
    return fail(ErrorCode::Malformed, fmt::format("{} is not a month yyyymm", yyyymm));
  }
  MonthDays d;
  d.year = year;
  d.month = month;
  d.first = days_from_civil(year, month, 1);
  d.next = month == 12 ? days_from_civil(year + 1, 1, 1) : days_from_civil(year, month + 1, 1);
  return d;
}

Result<int> parse_month(std::string_view text) {
  if (text.size() != 7 || text[4] != '-') {
    return fail(ErrorCode::Malformed, fmt::format("\"{}\" is not a month YYYY-MM", text));
  }
  int value = 0;
  for (std::size_t i = 0; i < 7; ++i) {
    if (i == 4) continue;
    if (text[i] < '0' || text[i] > '9') {
      return fail(ErrorCode::Malformed, fmt::format("\"{}\" is not a month YYYY-MM", text));
    }
    value = value * 10 + (text[i] - '0');
  }
  auto days = month_days(value);
  if (!days) return fail(ErrorCode::Malformed, fmt::format("\"{}\" is not a month YYYY-MM", text));
  return value;
}

}  // namespace omni::station
