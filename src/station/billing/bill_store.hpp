#pragma once
// Bills at the master station (S-PRICE-1, remote write-off) and the balances prepaid meters
// report (local write-off), side by side.
//
// compute_month() bills every archived point for a month from the collected daily values
// (bill.hpp has the rules) with the plan version in force on the month's 1st, and stores a bill
// per point: flagged bills too (no amount, a reason), so that a month's list is complete. A
// bill that comes out the same as the current one (same figures, same plan version, same
// flag) is left alone; anything else adds a revision, keeps the old one, and numbers the new one
// for export (the exporter sends it as a C record; flagged bills are not sent).
//
// apply_tariffs() records the book's plan versions and, when one was added, edited or removed
// since the last call, recomputes every billed month from the month it takes effect in, oldest
// first (annual tiers carry the year-to-date usage forward). A back-dated change thus gives the
// affected bills new revisions, which the exporter sends.
//
// Thread safety: one BillStore per process at a time (the monthly run and a tariff change are
// not meant to overlap); reads may run concurrently from other threads. Every write is one
// committed transaction per month.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/money.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "station/billing/bill.hpp"
#include "station/billing/tariff.hpp"
#include "storage/database.hpp"

namespace omni::station {

struct StoredBillLine {
  int tier = 0;
  std::string period;  // "" without time-of-use
  Quantity usage;
  Price price;
  Fen amount;
};

struct StoredBill {
  std::string point;  // base code
  int month = 0;      // yyyymm
  int revision = 1;
  std::string plan;
  int plan_version = 0;
  BillFlag flag = BillFlag::Ok;
  std::string detail;
  Quantity usage;        // zero when flagged
  Quantity used_before;  // billed earlier in the tier period
  Fen amount;
  std::int64_t computed_at = 0;  // UTC seconds
  std::vector<StoredBillLine> lines;
};

struct BillRunSummary {
  std::int64_t points = 0;     // bills computed
  std::int64_t issued = 0;     // new revisions stored (first issue or changed)
  std::int64_t unchanged = 0;  // equal to the current revision
  std::int64_t flagged = 0;    // of the computed, flagged
  Fen amount;                  // sum of the computed bills
};

// A prepaid meter whose balance change does not match the station's bill.
struct BalanceMismatch {
  std::string point;
  int month = 0;
  std::string reason;  // "amount_differs", "no_balance_at_start", "no_balance_at_end", "no_bill"
  std::optional<Fen> station;  // the current bill's amount
  std::optional<Fen> meter;    // start balance − end balance + credits loaded in between
};

class BillStore {
 public:
  // `book` must outlive the store.
  BillStore(storage::Database& db, const TariffBook& book) : db_(db), book_(book) {}

  // Bills every point archived in `month` (yyyymm). Errors: Malformed (month), the database's.
  Result<BillRunSummary> compute_month(int month, UtcTime now);

  // See above. Returns the summary of the recomputation (all zero when nothing changed).
  Result<BillRunSummary> apply_tariffs(UtcTime now);

  // Current bills of a month, every point or one, ordered by point; with their lines.
  Result<std::vector<StoredBill>> bills(int month, std::optional<std::string> point = {});
  // Every revision of one point's bill, oldest first.
  Result<std::vector<StoredBill>> revisions(const std::string& point, int month);

  // Stores a balance a prepaid meter reported at `at` (idempotent on (point, at): a report
  // received twice is stored once). `credit` is money loaded since the meter's previous report.
  Status record_balance(const std::string& point, UtcTime at, Fen balance, Fen credit, UtcTime now);

  // Prepaid points of a month whose meter charge differs from the station's by more than
  // `tolerance` (or that cannot be compared). A point is prepaid when it reported a balance
  // within a day before the month's end. The balances used are the last ones reported at or
  // within a day before each of the month's bounds (00:00 Beijing of the 1st).
  Result<std::vector<BalanceMismatch>> mismatches(int month, Fen tolerance);

 private:
  Result<BillRunSummary> compute(storage::Connection& c, int month, UtcTime now);

  storage::Database& db_;
  const TariffBook& book_;
};

}  // namespace omni::station
