#pragma once
// Pieces of `omnimeter demo` (demo.cpp) that are not its orchestration: the combined console
// API over the four stations and the /api/v1/info route (demo_console.cpp).
#include <string>
#include <vector>

#include "cloud/store/data_centre.hpp"
#include "core/clock.hpp"
#include "net/router.hpp"
#include "station/store/archive_store.hpp"
#include "storage/database.hpp"

namespace omni::cli::demo {

// What the combined console reads of one station. The store outlives the HTTP server.
struct StationView {
  std::string station_id;
  station::ArchiveStore* store = nullptr;
};

// GET /api/v1/station/success and GET /api/v1/alarms over every station, as one station's
// console API answers them (src/station/api/station_api.hpp).
void add_combined_station_routes(net::Router& router, std::vector<StationView> stations);

// What GET /api/v1/info reports; every pointer outlives the HTTP servers.
struct InfoSource {
  cloud::DataCentre* centre = nullptr;
  storage::Database* database = nullptr;
  const Clock* clock = nullptr;
  std::string installation_id;
  std::string started_at;  // ISO 8601 UTC
  bool simulator_running = false;
};
net::Handler info_route(const InfoSource& source, std::string role);

std::string iso_utc(UtcTime t);  // 2026-11-25T14:00:00Z

}  // namespace omni::cli::demo
