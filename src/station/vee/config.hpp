#pragma once
// The VEE rules' settings from station.toml (a [station.vee] section; every key optional):
//
//   [station.vee]
//   rate_factor = 10          # usage above N × the recent median daily usage is suspect …
//   rate_floor = 5            # … and above this many whole units a day
//   rate_min_history = 3      # daily usages needed before the rate check applies
//   rate_window_days = 7
//   stuck_days = 7            # an unmoved register over K days is suspect 'stuck'
//   max_gap_days = 7          # the longest gap estimation fills
//
//   [[station.vee.range]]     # when given, these rows replace the default limits entirely
//   energy = "electricity"    # electricity | water | gas | heat
//   customer = "residential"  # residential | non-residential
//   max_per_day = 200         # whole units of the register (kWh, m³, GJ)
//
// Problems go to the section's Document (file, line, key, reason), as every section does.

#include "core/config.hpp"
#include "station/vee/rules.hpp"

namespace omni::station::vee {

Config vee_config_from(const config::Section& station_section);

}  // namespace omni::station::vee
