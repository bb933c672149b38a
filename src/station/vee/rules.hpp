#pragma once
// Validation and estimation of daily register values (VEE), as pure functions: the archive store
// (station/store/archive_store.cpp) gathers a meter's recent values and its metering point from
// the database and asks these functions what to do with each value it stores.
//
// Registers are integer mantissas at the reading's scale (123456 at scale 2 = 1234.56 kWh) of an
// eight-digit register that wraps at 999999.99 (kRegisterModulus). A day is a Beijing calendar
// day number. "Usage" of a pair of values is the register's advance, with a rollover counted.
//
// Rules, in the order they are applied (the first that trips names the reason):
//   register_fell  the value is below the latest earlier one and the drop is not a rollover;
//   over_range     the day's usage × the point's multiplier is above the limit for the point's
//                  energy and customer type (e.g. a household's electricity above 200 kWh/day);
//   rate_jump      the day's usage is more than `rate_factor` × the median of the meter's recent
//                  daily usages and above the floor `rate_floor_units` (so that a flat using 0.01
//                  kWh a day does not trip it when it uses 0.5);
//   stuck          the register has not moved for `stuck_days` days or more while the point is
//                  not known to be vacant.
// A value over a gap of n days is checked against n days' worth of limit. Only values of the same
// device since its installation are a baseline (the caller filters: see Baseline); that is the
// meter-replacement rule: a new device's first value has no predecessor, so it never makes a
// spike or a fall, and a device re-installed at a point starts a new series at its installation.
//
// Thread safety: functions of their arguments only.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace omni::station::vee {

// Eight-digit registers (999999.99) wrap to zero.
inline constexpr std::int64_t kRegisterModulus = 100'000'000;

// A drop from the top tenth of the range to the bottom tenth is a wrap, not a fault.
bool is_rollover(std::int64_t previous, std::int64_t value);
// The register's advance from `previous` to `value`, counting a rollover; negative for a fall.
std::int64_t advance(std::int64_t previous, std::int64_t value);

enum class Reason : std::uint8_t { None, RegisterFell, OverRange, RateJump, Stuck };
// "register_fell", "over_range", "rate_jump", "stuck" ("" for None): the review queue's reason.
std::string_view reason_name(Reason r);

// Daily usage limit of one (energy, customer type), in whole units of the register (kWh, m³, GJ).
struct RangeLimit {
  int energy_digit = 1;  // the base code's energy digit: 1 electricity, 2 water, 3 gas, 4 heat
  int customer = 0;      // exchange::CustomerType: 0 residential, 1 non-residential
  std::int64_t max_units_per_day = 0;
};

struct Config {
  // Defaults for households (a Beijing flat): electricity 200 kWh/day, water 5 m³/day, gas
  // 30 m³/day, heat 5 GJ/day. Non-residential points have no default limit (their sizes vary
  // too much); a utility configures them. A (energy, customer) without a row is not checked.
  std::vector<RangeLimit> range = {{1, 0, 200}, {2, 0, 5}, {3, 0, 30}, {4, 0, 5}};
  std::int64_t rate_factor = 10;      // N: usage above N × the recent median is suspect
  std::int64_t rate_floor_units = 5;  // … and above this many whole units per day
  int rate_min_history = 3;           // daily usages needed before the rate check applies
  int rate_window_days = 7;           // the median is over usages of this many days before
  int stuck_days = 7;                 // K: an unmoved register over K days is suspect 'stuck'
  int max_gap_days = 7;               // the longest gap (days between two values) estimation fills

  // How far before a batch's earliest day the store must read to apply these rules.
  int look_back_days() const;
};

// What the archive knows of a meter's metering point (nothing when it was never imported).
struct PointInfo {
  bool known = false;
  int energy_digit = 0;
  int customer = 0;
  std::int64_t multiplier = 1;
};

// One earlier value usable as a baseline: same device, on or after its installation day, not
// suspect (suspect values are what the queue is for: comparing against them would cascade).
struct Baseline {
  std::int64_t day = 0;
  std::int64_t value = 0;
};

struct Verdict {
  Reason reason = Reason::None;
  std::string detail;         // human text for the review queue ("usage 250.00 > 200 …")
  std::int64_t previous = 0;  // the latest baseline value (0 when there is none)
};

// Checks `value` (mantissa at `scale`) of `day` against `history` (baseline values of days
// before `day`, oldest first). `vacant`: the point is known vacant on `day` (no stuck check).
Verdict validate(const Config& config, const PointInfo& point, std::span<const Baseline> history,
                 std::int64_t day, std::int64_t value, int scale, bool vacant);

// Linear interpolation of the register between (day0, value0) and (day1, value1), day0 < day1,
// for every day strictly between, counting a rollover. Rounding: each estimate is
// value0 + advance × k / gap rounded half-up to the register's resolution (integer arithmetic),
// reduced modulo kRegisterModulus; the estimates are non-decreasing and the daily usages they
// imply add up exactly to the advance. Empty when the gap is 1 or when value1 fell below value0
// without a rollover (a fall is for the review queue, not to be smoothed over).
std::vector<Baseline> interpolate(std::int64_t day0, std::int64_t value0, std::int64_t day1,
                                  std::int64_t value1);

// The median of `values` (upper median for an even count); nullopt when empty.
std::optional<std::int64_t> median(std::vector<std::int64_t> values);

}  // namespace omni::station::vee
