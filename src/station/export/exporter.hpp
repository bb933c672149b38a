#pragma once
// The station's exporter: packs what the cloud has not heard of yet into exchange batches
// (src/exchange/batch.hpp) and keeps each one, byte for byte, in an outbox until the cloud
// acknowledges it (issue 7, "Station side"). The uploader (exchange::Uploader) calls next() and
// acknowledge(); a batch that was not acknowledged is offered again, the same bytes, after any
// failure or restart, so the cloud's (station, sequence) idempotence makes a resend harmless.
//
// What a batch carries, in this order, up to `max_records_per_batch` records:
//   R  regions (district, street, community) imported or renamed since the last batch;
//   B  metering points imported or changed since the last batch (archive_import.hpp);
//   E  daily values: for Beijing day d the register frozen at 00:00 of d, stamped at that
//      instant in UTC (16:00 of d − 1), with the unit and scale as stored and the quality
//      mapped one to one (measured, estimated, edited, suspect);
//   V  coverage per finished day, energy and industry: installed points and remote points read
//      that day (a value other than suspect). A day is finished at 06:30 the next morning, after
//      the concentrators' last retry (docs/station.md), like the missing-data alarm.
//   C  monthly bills (src/station/billing/bill_store.hpp) in the order they were issued: a bill
//      recomputed after a back-dated tariff change is sent again as its new revision, which
//      the cloud keeps in place of the earlier one (it upserts on point and month). Flagged
//      bills have no amount and are not sent.
// A kind is sent only when the kinds before it have been sent in full, so the cloud always knows
// a point before its readings and a day's readings before its coverage (which therefore waits
// while a backlog of readings drains). Coverage is counted only once an archive is imported.
//
// Readings are found through reading_daily.export_seq (schema.cpp step 3): a cursor over a
// sequence that every inserting transaction takes from a locked counter, so a row committed
// late, or a value for an old day collected after an outage, is still ahead of the cursor.
// Readings of meters that are not in the imported archive cannot be placed and are counted
// (stats().unplaced), not sent; when such a meter is imported later, its earlier readings are
// sent once (backfill). A late value for a day whose coverage was already sent makes the exporter
// send that day's coverage again, counted anew, once the readings have caught up.
//
// Sequence numbers start at 1 and never repeat, across restarts (they live in the database).
//
// Thread safety: one Exporter per station, used from one thread at a time. It may run while
// the station stores readings (any thread, any process on the same database) and while an
// import runs: the export_state lock row orders it against imports.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"

namespace omni::station {

struct PendingBatch {
  std::uint64_t sequence = 0;
  std::string text;  // exchange batch text (exchange::read_batch reads it)
};

struct ExportStats {
  std::int64_t unplaced = 0;              // readings skipped: their meter is not in the archive
  std::int64_t unexportable = 0;          // readings skipped: unit or scale the format refuses
  std::int64_t pending_batches = 0;       // built, not yet acknowledged
  std::int64_t acknowledged_batches = 0;  // still in the outbox (see prune())
  std::uint64_t next_sequence = 1;
};

class Exporter {
 public:
  // `station_id` as the batch header carries it ([A-Za-z0-9._-]{1,64}); `max_records_per_batch`
  // ≥ 1. One day's coverage records (at most 4 energies × 21 industries) travel together, so a
  // batch holding only coverage may exceed a maximum smaller than that.
  Exporter(storage::Database& db, std::string station_id, std::size_t max_records_per_batch);

  // The oldest batch not yet acknowledged — the very same bytes every time until it is
  // acknowledged — or a new one built from what has not been exported yet; nullopt when there
  // is nothing to send. A new batch is in the outbox (committed) before it is returned.
  // Errors: Config (a station id the format refuses), and the database's (Io, Busy, …).
  Result<std::optional<PendingBatch>> next(UtcTime now);

  // Records the cloud's acknowledgement. Acknowledging twice is harmless. Errors: NotFound (no
  // batch with that sequence), the database's.
  Status acknowledge(std::uint64_t sequence, UtcTime now);

  // Deletes acknowledged batches acknowledged before `before` (the outbox otherwise keeps every
  // batch). Returns how many went.
  Result<std::int64_t> prune(UtcTime before);

  Result<ExportStats> stats();

 private:
  struct Coverage;
  Result<bool> build_once(UtcTime now, std::optional<PendingBatch>& out);
  Result<Coverage> count_coverage(UtcTime now, std::size_t room);

  storage::Database& db_;
  std::string station_;
  std::size_t max_records_;
};

}  // namespace omni::station
