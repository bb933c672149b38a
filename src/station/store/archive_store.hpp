#pragma once
// What the station writes about its field: concentrators and meters as it meets them, daily
// readings (idempotent: a value collected twice is stored once), session events. Every write
// is a transaction that is committed before it returns, so what the station acknowledges or
// counts is durable (docs/architecture.md, "Acknowledge only what is durable").

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/meter_address.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"

namespace omni::station {

// Suspect values are stored (never dropped) and listed in the review queue until someone
// decides; statistics and bills use measured, estimated and edited values only.
enum class Quality : std::uint8_t { Measured = 0, Estimated = 1, Edited = 2, Suspect = 3 };

struct ArchiveRow {
  MeterAddress address;
  std::uint16_t serial = 0;
  std::uint8_t protocol = 0;  // DL/T 698.45 archive protocol enum
};

struct DailyReading {
  MeterAddress meter;
  std::int64_t day = 0;    // Beijing day number
  std::int64_t value = 0;  // register mantissa
  int scale = 2;           // decimals
  std::string unit;        // "kWh", "m³"
  Quality quality = Quality::Measured;
};

class ArchiveStore {
 public:
  explicit ArchiveStore(storage::Database& db) : db_(db) {}

  // The concentrator's id, creating its row on first contact.
  Result<std::int64_t> touch_concentrator(const MeterAddress& address, UtcTime now);
  // Upserts the meters a concentrator reported in its archive.
  Status upsert_meters(std::int64_t concentrator_id, const std::vector<ArchiveRow>& rows,
                       UtcTime now);
  // Stores readings of meters already in the archive; readings of unknown meters are counted
  // and returned as `unknown` (not stored, not invented). Returns how many rows were new.
  // Each new row gets the next export sequence number (reading_daily.export_seq), which is how
  // the exporter finds what it has not sent yet; anything else that inserts or changes a daily
  // value must take a new number from the same counter (export_state 'next_reading') in the
  // same transaction, or the cloud never hears of it.
  struct SaveResult {
    std::int64_t inserted = 0;
    std::int64_t duplicates = 0;
    std::int64_t unknown = 0;
    std::int64_t suspect = 0;  // stored with Quality::Suspect and queued for review
  };
  Result<SaveResult> save_daily(const std::vector<DailyReading>& readings, UtcTime now);
  // S-READ-1: a missing-data alarm for every archived meter without a daily value for `day`
  // (raised once), and clears the open ones whose value has arrived since. Returns the number
  // of alarms newly raised.
  Result<std::int64_t> supervise_daily(std::int64_t day, UtcTime now);

  // S-PERF-3 daily reading success of one day, per concentrator.
  struct DailySuccess {
    std::string concentrator;
    std::int64_t meters = 0;
    std::int64_t read = 0;
  };
  Result<std::vector<DailySuccess>> daily_success(std::int64_t day);

  // Daily values of one meter for days [from, to], oldest first. Errors: NotFound (no such
  // meter).
  struct StoredDaily {
    std::int64_t day;
    std::int64_t value;
    int scale;
    std::string unit;
    Quality quality;
  };
  Result<std::vector<StoredDaily>> meter_daily(const MeterAddress& meter, std::int64_t from,
                                               std::int64_t to);
  struct OpenAlarm {
    std::string meter;
    std::string kind;
    std::int64_t day;
    std::int64_t raised_at;
  };
  Result<std::vector<OpenAlarm>> open_alarms(std::int64_t limit);

  Status record_event(const MeterAddress& address, std::string_view kind, std::string_view detail,
                      UtcTime now);

 private:
  // Meter ids by address: archives change rarely, readings arrive by the million.
  Result<std::optional<std::int64_t>> meter_id(storage::Connection& c, const MeterAddress& address);

  storage::Database& db_;
  std::mutex ids_mutex_;
  std::unordered_map<MeterAddress, std::int64_t> ids_;
};

}  // namespace omni::station
