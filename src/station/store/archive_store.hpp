#pragma once
// What the station writes about its field: concentrators and meters as it meets them, daily
// readings (idempotent: a value collected twice is stored once), session events. Every write
// is a transaction that is committed before it returns, so what the station acknowledges or
// counts is durable (docs/architecture.md, "Acknowledge only what is durable").

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/meter_address.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"

namespace omni::station {

enum class Quality : std::uint8_t { Measured = 0, Estimated = 1, Edited = 2 };

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
  struct SaveResult {
    std::int64_t inserted = 0;
    std::int64_t duplicates = 0;
    std::int64_t unknown = 0;
  };
  Result<SaveResult> save_daily(const std::vector<DailyReading>& readings, UtcTime now);
  Status record_event(const MeterAddress& address, std::string_view kind, std::string_view detail,
                      UtcTime now);

 private:
  storage::Database& db_;
};

}  // namespace omni::station
