#pragma once
// Monthly bills, the pure part: a month's usage from daily frozen registers, the tier split with
// the year-to-date usage, and the priced lines. No I/O; bill_store.hpp stores what this computes.
//
// Rules (docs/station.md, "Tariffs and bills"):
//   - Usage of month M = register at 00:00 of the 1st of M+1 − register at 00:00 of the 1st of M
//     (the daily frozen values of those days), × the point's multiplier. A point installed during
//     M starts from its first value on or after the installation day. Suspect values are not
//     used. A register that wraps (from above 90 % of 10^8 to below 10 %, the archive store's
//     rule) counts the wrap; any other fall, a change of unit or scale, a replacement or removal
//     during the month, a suspect value or a missing end value flags the bill: no usage is
//     guessed across them.
//   - The tier split takes the usage already billed in the basis period (the year for annual
//     tiers, nothing for monthly ones). Usage exactly on a threshold stays in the lower tier.
//   - Annual thresholds of a household that starts mid-year are pro-rated by whole months:
//     threshold × n / 12 with n the months from the installation month to December inclusive,
//     rounded half-up to the threshold's decimals (2880 kWh from July: 1440).
//   - With time-of-use periods, each tier's usage is shared among the periods in proportion to
//     the periods' usage (largest remainder at the register's resolution, ties to the earlier
//     period), so the lines' usages add up exactly to the month's usage.
//   - Every line is usage × price rounded half-up to the fen (四舍五入), once; the bill is the sum
//     of its lines.
//
// Thread safety: pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/money.hpp"
#include "core/quantity.hpp"
#include "core/result.hpp"
#include "station/billing/tariff.hpp"

namespace omni::station {

// Why a bill could not be computed; Ok means it was.
enum class BillFlag : std::uint8_t {
  Ok = 0,
  MissingStart,    // no usable value at the start of the month (or since installation)
  MissingEnd,      // no usable value on the 1st of the next month
  RegisterFell,    // a fall that is not a wrap
  UnitChanged,     // unit or decimals changed within the month (another device)
  Replaced,        // the point was removed (replaced or dismantled) during the month
  SuspectReading,  // a value of the month waits in the review queue
  NoTariff,        // no plan for the point's energy and customer type, or none in force
  NoTouRegisters,  // a time-of-use plan, but only the total register is collected
  NotInstalled,    // the point was not installed in that month
};
std::string_view bill_flag_name(BillFlag f);  // "ok", "missing_start", …

// One daily frozen value as stored (reading_daily): quality 3 is suspect.
struct DailyValue {
  std::int64_t day = 0;  // Beijing day number
  std::int64_t value = 0;
  int scale = 2;
  Unit unit = Unit::kWh;
  int quality = 0;
};

struct MonthUsage {
  BillFlag flag = BillFlag::Ok;
  std::string detail;  // human reason for a flag, with the day
  Quantity usage;      // the register's unit and scale, × multiplier
  std::optional<std::int64_t> start_day;
};

// The usage of the month starting on Beijing day `month_first` (ending before `next_first`) from
// the point's daily values (any order, any days; those outside [month_first, next_first] are
// ignored). `installed_day` / `removed_day` are the point's archive dates.
MonthUsage month_usage(const std::vector<DailyValue>& values, std::int64_t month_first,
                       std::int64_t next_first, std::int64_t multiplier, std::int64_t installed_day,
                       std::optional<std::int64_t> removed_day);

// The thresholds that apply in a year to a household installed on `installed_day` (see the
// pro-rating rule above; monthly thresholds are never pro-rated).
std::vector<Quantity> effective_thresholds(const TariffVersion& v, int year,
                                           std::int64_t installed_day);

struct BillLine {
  int tier = 0;     // 0-based
  int period = -1;  // index into the version's periods, -1 without time-of-use
  Quantity usage;
  Price price;
  Fen amount;
};

// Splits and prices a month's usage. `period_usage` has one quantity per time-of-use period
// (or exactly one, the total, without periods), all in one unit; `used_before` is the usage
// already billed in the basis period (ignored for monthly and untiered versions). Lines with no
// usage are left out. Errors: Unsupported (usage not convertible into the plan's unit),
// OutOfRange (arithmetic overflow), Malformed (wrong number of period usages, negative usage).
Result<std::vector<BillLine>> price_month(const TariffPlan& plan, const TariffVersion& v,
                                          const std::vector<Quantity>& period_usage,
                                          const Quantity& used_before,
                                          const std::vector<Quantity>& thresholds);

Fen total_of(const std::vector<BillLine>& lines);

// The Beijing day numbers of the 1st of a month and of the next month; month is yyyymm.
// Errors: Malformed (not a month from 197001 to 999912).
struct MonthDays {
  std::int64_t first = 0;
  std::int64_t next = 0;
  int year = 0;
  int month = 0;
};
Result<MonthDays> month_days(int yyyymm);
// "2026-11" -> 202611. Errors: Malformed.
Result<int> parse_month(std::string_view text);

}  // namespace omni::station
