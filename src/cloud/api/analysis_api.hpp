#pragma once
// Comparison analysis of metering points (P-ANA-2, P-ANA-3), from the per-point day and month
// rollups. All GET, JSON; dates are inclusive Beijing dates YYYY-MM-DD; values are in each
// point's reporting unit (kWh, m³, m³, GJ), or in kgce with measure=coal; errors use the
// project's error schema; &format=csv|xlsx downloads the table.
//
//   /api/v1/analysis/points?codes=C1,C2,…&from&to[&granularity=day|month][&measure=usage|coal]
//       different users, one period (P-ANA-3): up to 20 base codes on one axis of days or months;
//       a bucket a point has no usage in is null for it.
//   /api/v1/analysis/periods?code=C&periods=F1..T1,F2..T2,…[&granularity=day|month][&measure]
//       one user, several periods (P-ANA-2): up to 6 ranges of the same point, aligned by
//       position (the first day or month of each range at 1, the second at 2, …), so October of
//       this year lies over October of last year.
//
// Thread safety: handlers only read; they may run concurrently.
#include "cloud/store/data_centre.hpp"
#include "net/router.hpp"

namespace omni::cloud {

void add_analysis_routes(net::Router& router, const DataCentre& centre);

}  // namespace omni::cloud
