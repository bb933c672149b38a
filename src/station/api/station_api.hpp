#pragma once
// The station's HTTP API (JSON), served by net::HttpServer beside /healthz, /readyz and
// /metrics (the station's counters are Prometheus counters):
//
//   GET /api/v1/station/success?day=YYYY-MM-DD   daily reading success per concentrator and in
//                                                all, with the S-PERF-3 thresholds
//   GET /api/v1/meters/{address}/daily?from=YYYY-MM-DD&to=YYYY-MM-DD
//                                                a meter's daily values with unit and quality
//   GET /api/v1/alarms?limit=N                   open alarms, newest first
//
// Days are Beijing calendar dates; bad parameters get 400 with the error schema.

#include <cstdint>
#include <string>
#include <vector>

#include "net/router.hpp"
#include "station/store/archive_store.hpp"

namespace omni::station {

void add_station_routes(net::Router& router, ArchiveStore& store);

// The body of GET /api/v1/station/success: the day, each concentrator's meters and reads, the
// total with its success rate, and the S-PERF-3 thresholds (the demo's console over several
// stations answers with the same).
std::string success_json(std::int64_t day,
                         const std::vector<ArchiveStore::DailySuccess>& concentrators);

}  // namespace omni::station
