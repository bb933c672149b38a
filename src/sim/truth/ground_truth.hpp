#pragma once
// Ground truth of a simulated city, written as plain CSV files so that analytics (vacancy,
// elderly wellbeing, leaks, theft, loss, forecasts) can be scored against what really happened.
//
//   communities.csv  id, district code, district, kind, key user, name, latitude, longitude
//   buildings.csv    id, community, floors, district heating, heat metered
//   users.csv        id, building, industry, occupants, floor area, labels, theft/spike start
//   meters.csv       id, kind, protocol, method, fault, master, iot, owner, parent, address
//   weather.csv      hour start (UTC, ISO 8601), temperature in °C (0.1)
//   usage.csv        meter id, interval start (UTC epoch s), actual, metered (Wh or L) —
//                    per `step` intervals (1 = 15 minutes, 4 = hourly, 96 = daily)
//   incidents.csv    user id, Beijing date, hour from which the elderly resident was inactive
//
// Times are UTC inside the files (epoch seconds or ISO 8601 with Z); dates of incidents are
// Beijing calendar days, as the alarm would name them.

#include <cstdint>
#include <filesystem>

#include "core/result.hpp"
#include "sim/model/consumption.hpp"

namespace omni::sim {

struct TruthSpan {
  std::int64_t from_interval = 0;  // inclusive
  std::int64_t to_interval = 0;    // exclusive
  int step = 4;                    // intervals per usage row
};

// Writes every file above into `dir` (created if missing). Errors: Io naming the file.
Status write_ground_truth(const ConsumptionModel& model, const TruthSpan& span,
                          const std::filesystem::path& dir);

}  // namespace omni::sim
