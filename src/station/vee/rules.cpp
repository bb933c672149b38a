#include "station/vee/rules.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/quantity.hpp"

namespace omni::station::vee {
namespace {

std::int64_t pow10(int scale) {
  std::int64_t p = 1;
  for (int i = 0; i < scale; ++i) p *= 10;
  return p;
}

std::string decimal(std::int64_t mantissa, int scale) {
  return Quantity(mantissa, std::clamp(scale, 0, 9), Unit::None).to_decimal_string();
}

const RangeLimit* find_limit(const Config& config, const PointInfo& point) {
  if (!point.known) return nullptr;
  for (const auto& l : config.range) {
    if (l.energy_digit == point.energy_digit && l.customer == point.customer) return &l;
  }
  return nullptr;
}

}  // namespace

bool is_rollover(std::int64_t previous, std::int64_t value) {
  return previous > kRegisterModulus * 9 / 10 && value < kRegisterModulus / 10;
}

std::int64_t advance(std::int64_t previous, std::int64_t value) {
  if (value < previous && is_rollover(previous, value)) return value + kRegisterModulus - previous;
  return value - previous;
}

std::string_view reason_name(Reason r) {
  switch (r) {
    case Reason::None:
      return "";
    case Reason::RegisterFell:
      return "register_fell";
    case Reason::OverRange:
      return "over_range";
    case Reason::RateJump:
      return "rate_jump";
    case Reason::Stuck:
      return "stuck";
  }
  return "";
}

int Config::look_back_days() const {
  return std::max({7, stuck_days, rate_window_days, max_gap_days}) + 1;
}

std::optional<std::int64_t> median(std::vector<std::int64_t> values) {
  if (values.empty()) return std::nullopt;
  auto mid = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), mid, values.end());
  return *mid;
}

Verdict validate(const Config& config, const PointInfo& point, std::span<const Baseline> history,
                 std::int64_t day, std::int64_t value, int scale, bool vacant) {
  Verdict v;
  if (history.empty()) return v;  // a first value (or a new device's): nothing to compare with
  const Baseline& prev = history.back();
  v.previous = prev.value;
  const std::int64_t gap = day - prev.day;
  const std::int64_t used = advance(prev.value, value);
  if (used < 0) {
    v.reason = Reason::RegisterFell;
    v.detail = fmt::format("register fell from {} to {}", decimal(prev.value, scale),
                           decimal(value, scale));
    return v;
  }
  const std::int64_t unit = pow10(scale);
  if (const RangeLimit* limit = find_limit(config, point)) {
    // Compare totals over the gap, not a rounded per-day figure: integers, exactly.
    if (used * point.multiplier > limit->max_units_per_day * unit * gap) {
      v.reason = Reason::OverRange;
      v.detail = fmt::format("usage {} over {} day(s) (× multiplier {}) above the limit {} a day",
                             decimal(used, scale), gap, point.multiplier, limit->max_units_per_day);
      return v;
    }
  }
  // Rate: the daily usages between earlier baseline values within the window.
  std::vector<std::int64_t> daily;
  for (std::size_t i = 1; i < history.size(); ++i) {
    if (history[i].day < day - config.rate_window_days) continue;
    const std::int64_t d = history[i].day - history[i - 1].day;
    const std::int64_t u = advance(history[i - 1].value, history[i].value);
    if (d > 0 && u >= 0) daily.push_back(u / d);
  }
  if (static_cast<int>(daily.size()) >= config.rate_min_history) {
    const std::int64_t m = *median(daily);
    if (used > config.rate_factor * m * gap && used > config.rate_floor_units * unit * gap) {
      v.reason = Reason::RateJump;
      v.detail = fmt::format("usage {} over {} day(s) is more than {} × the recent median {} a day",
                             decimal(used, scale), gap, config.rate_factor, decimal(m, scale));
      return v;
    }
  }
  if (used == 0 && !vacant) {
    // How long has the register stood still? Walk back over equal values.
    std::int64_t since = prev.day;
    for (auto it = history.rbegin(); it != history.rend() && it->value == value; ++it) {
      since = it->day;
    }
    if (day - since >= config.stuck_days) {
      v.reason = Reason::Stuck;
      v.detail = fmt::format("register unchanged at {} since {} day(s)", decimal(value, scale),
                             day - since);
      return v;
    }
  }
  return v;
}

std::vector<Baseline> interpolate(std::int64_t day0, std::int64_t value0, std::int64_t day1,
                                  std::int64_t value1) {
  std::vector<Baseline> out;
  const std::int64_t gap = day1 - day0;
  const std::int64_t used = advance(value0, value1);
  if (gap < 2 || used < 0) return out;
  out.reserve(static_cast<std::size_t>(gap - 1));
  for (std::int64_t k = 1; k < gap; ++k) {
    // value0 + used·k/gap, half-up: (2·used·k + gap) / (2·gap). used < 10^8 and k < gap are
    // small, so the products fit easily in 64 bits.
    const std::int64_t step = (2 * used * k + gap) / (2 * gap);
    out.push_back({day0 + k, (value0 + step) % kRegisterModulus});
  }
  return out;
}

}  // namespace omni::station::vee
