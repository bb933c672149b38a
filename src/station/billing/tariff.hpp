#pragma once
// Tariff plans (S-PRICE-1): versioned, per energy and customer type, with tiered (阶梯)
// thresholds per year or per month and optional time-of-use (峰谷) periods.
//
// A plan is a list of versions; a version is in force from its Beijing effective date until the
// next version's. Bills are monthly, so the version that prices a month is the one in force on
// the month's first day: a version effective mid-month prices the bills from the next month on
// (the utilities publish changes from the 1st; docs/station.md, "Tariffs and bills").
//
// Prices are omni::Price (ten-thousandths of a yuan per unit, never a double). A version has one
// price per tier (`tier_prices`, thresholds.size() + 1 of them). With time-of-use periods, each
// period has its own price, which is its tier-1 price, and tier k adds tier_prices[k] −
// tier_prices[0] on top: the way Chinese utilities combine 峰谷 with 阶梯 (the tier surcharge is
// added to the period price).
//
// Thresholds are cumulative upper bounds per household and per basis period ("2880" and "4800"
// kWh a year make tiers 0–2880, 2880–4800 and above), in the plan's unit; usage exactly on a
// bound stays in the lower tier.
//
// Thread safety: value types, read-only after loading.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/money.hpp"
#include "core/quantity.hpp"
#include "core/result.hpp"
#include "core/units.hpp"
#include "exchange/records.hpp"

namespace omni::station {

enum class TierBasis : std::uint8_t { None, Month, Year };
std::string_view tier_basis_name(TierBasis b);  // "none", "month", "year"

// A time-of-use period: a price and the spans of the Beijing day it covers, in minutes from
// midnight, [start, end) with end ≤ 1440. Every minute of the day belongs to exactly one period
// (checked when loading).
struct TouPeriod {
  std::string name;  // "peak", "flat", "valley"
  Price price;
  std::vector<std::pair<int, int>> spans;
};

struct TariffVersion {
  int version = 1;
  std::int64_t effective_day = 0;  // Beijing day number from which it is in force
  TierBasis basis = TierBasis::None;
  std::vector<Quantity> thresholds;  // ascending, in the plan's unit; empty without tiers
  std::vector<Price> tier_prices;    // thresholds.size() + 1
  std::vector<TouPeriod> periods;    // empty: one price all day
  std::string source;                // the published source of the figures (for the record)

  std::size_t tier_count() const { return tier_prices.size(); }
  std::size_t period_count() const { return periods.empty() ? 1 : periods.size(); }
  // The price of a cell: the period's price (the tier-1 price without periods) plus the tier's
  // surcharge. REQUIRES: tier < tier_count(), period < period_count().
  Price price(std::size_t tier, std::size_t period) const;
  // A canonical text of every figure: equal texts price every bill the same. Used to notice a
  // version that was edited in place (a correction) as well as a new one.
  std::string digest_text() const;
};

struct TariffPlan {
  std::string id;  // "bj-residential-electricity": [A-Za-z0-9._-]{1,64}
  std::string name;
  EnergyKind energy = EnergyKind::Electricity;
  exchange::CustomerType customer = exchange::CustomerType::Residential;
  Unit unit = Unit::kWh;
  std::vector<TariffVersion> versions;  // ascending effective_day, distinct version numbers

  // The version in force on Beijing day `day`; nullptr before the first one.
  const TariffVersion* in_force(std::int64_t day) const;
};

struct TariffBook {
  std::vector<TariffPlan> plans;

  // The plan for an energy and customer type; nullptr when none is configured.
  const TariffPlan* find(EnergyKind energy, exchange::CustomerType customer) const;
};

// Reads every [[tariff]] table of `root` (the tariffs file, or station.toml's root):
//
//   [[tariff]]
//   id = "bj-residential-electricity"
//   energy = "electricity"            # electricity | water | gas | heat
//   customer = "residential"          # residential | non-residential
//   unit = "kWh"
//     [[tariff.version]]
//     version = 1
//     effective = "2012-07-01"        # Beijing date
//     basis = "year"                  # none | month | year
//     thresholds = ["2880", "4800"]   # decimal strings in the plan's unit
//     prices = ["0.4883", "0.5383", "0.7883"]   # yuan per unit, at most four decimals
//     source = "..."
//     periods = [{ name = "peak", price = "0.5583", hours = ["10:00-15:00", "18:00-21:00"] }, …]
//
// Problems are recorded on the document (file, line, dotted key, reason) and reported by its
// finish(); the returned book holds only the plans without problems. At most
// exchange::kMaxTiers tier × period cells per version (a C record carries one line per cell).
TariffBook read_tariffs(config::Section root);

// Loads a tariffs file on its own. Errors: NotFound, Io, Config (every problem, one per line,
// "tariffs.toml:12: tariff[0].version[1].prices[2]: …").
Result<TariffBook> load_tariff_file(const std::filesystem::path& file);

}  // namespace omni::station
