#pragma once
// The station's tariff and bill API (JSON; every table also as ?format=csv or xlsx):
//
//   GET /api/v1/tariffs                          the configured plans with every version:
//                                                effective date, basis, thresholds, prices
//                                                (yuan per unit, four decimals), periods
//   GET /api/v1/bills?month=YYYY-MM[&point=CODE] the month's current bills: usage, the usage
//                                                billed before in the tier period, amount (yuan,
//                                                two decimals, and fen), plan and version,
//                                                revision, flag and reason, lines
//   GET /api/v1/bills/mismatches?month=YYYY-MM[&tolerance_fen=N]
//                                                prepaid meters whose balance change differs
//                                                from the bill by more than N fen (default 0)
//
// Bad parameters get 400 with the error schema; database failures 500.
//
// Thread safety: the handlers only read; `book` and `bills` must outlive the router, and the
// BillStore's read functions are safe to call from the server's threads.

#include "net/router.hpp"
#include "station/billing/bill_store.hpp"
#include "station/billing/tariff.hpp"

namespace omni::station {

void add_billing_routes(net::Router& router, const TariffBook& book, BillStore& bills);

}  // namespace omni::station
