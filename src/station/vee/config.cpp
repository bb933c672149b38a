#include "station/vee/config.hpp"

#include <string>

namespace omni::station::vee {

Config vee_config_from(const config::Section& station_section) {
  config::Section s = station_section.section("vee");
  Config c;
  c.rate_factor = s.get_int("rate_factor", c.rate_factor, 2, 1000);
  c.rate_floor_units = s.get_int("rate_floor", c.rate_floor_units, 0, 1'000'000);
  c.rate_min_history = static_cast<int>(s.get_int("rate_min_history", c.rate_min_history, 1, 31));
  c.rate_window_days = static_cast<int>(s.get_int("rate_window_days", c.rate_window_days, 2, 31));
  c.stuck_days = static_cast<int>(s.get_int("stuck_days", c.stuck_days, 2, 31));
  c.max_gap_days = static_cast<int>(s.get_int("max_gap_days", c.max_gap_days, 2, 31));
  auto rows = s.array_of_tables("range");
  if (!rows.empty()) c.range.clear();
  for (const auto& r : rows) {
    const std::string energy =
        r.get_choice("energy", "electricity", {"electricity", "water", "gas", "heat"});
    const std::string customer =
        r.get_choice("customer", "residential", {"residential", "non-residential"});
    RangeLimit limit;
    // The base code's energy digits (exchange::energy_digit): 1 electricity … 4 heat.
    limit.energy_digit = energy == "electricity" ? 1
                         : energy == "water"     ? 2
                         : energy == "gas"       ? 3
                                                 : 4;
    limit.customer = customer == "residential" ? 0 : 1;
    limit.max_units_per_day = r.get_int("max_per_day", 0, 1, 10'000'000);
    for (const auto& other : c.range) {
      if (other.energy_digit == limit.energy_digit && other.customer == limit.customer) {
        r.reject("energy", "a second limit for " + energy + " / " + customer);
      }
    }
    c.range.push_back(limit);
  }
  return c;
}

}  // namespace omni::station::vee
