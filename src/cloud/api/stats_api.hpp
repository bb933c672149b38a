#pragma once
// The cloud's statistics API (P-STAT, P-ANA, P-IND, P-REG) over the data centre's rollups; the
// dashboard is its first client. Contract (all GET, JSON; dates are inclusive Beijing dates
// YYYY-MM-DD; `energy` is electricity|water|gas|heat, or coal for all energies in kgce;
// quantities are JSON numbers in the reported `unit`; errors use the project's error schema):
//
//   /api/v1/info                       role, version, first and last day with usage
//   /api/v1/stats/overview?from&to[&region]
//   /api/v1/stats/series?energy&granularity=day|week|month|year&from&to[&region][&industry][&customer]
//   /api/v1/stats/regions?level=district|street|community&energy&from&to[&parent][&limit]
//   /api/v1/stats/industries?energy&from&to[&region]
//   /api/v1/stats/losses?energy&from&to[&region][&limit][&sort=loss|loss_pct]
//   /api/v1/stats/coverage?month=YYYY-MM[&region]
//   /api/v1/regions, /api/v1/regions/{code}   a region with its children
//
// Tables (regions, industries, losses, coverage) also answer &format=csv|xlsx. docs/cloud.md
// has the field-by-field description.
//
// Thread safety: handlers only read; they may run concurrently.

#include <string>

#include "cloud/store/data_centre.hpp"
#include "net/router.hpp"

namespace omni::cloud {

// Every route above but /api/v1/info.
void add_stats_routes(net::Router& router, const DataCentre& centre);
// /api/v1/info of a cloud process (the demo answers it itself, with its other components).
void add_info_route(net::Router& router, const DataCentre& centre, std::string version);

}  // namespace omni::cloud
