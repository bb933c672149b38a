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

#include "net/router.hpp"
#include "station/store/archive_store.hpp"

namespace omni::station {

void add_station_routes(net::Router& router, ArchiveStore& store);

}  // namespace omni::station
