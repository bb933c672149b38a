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
#include "station/vee/rules.hpp"
#include "storage/database.hpp"

namespace omni::station {

// Suspect values are stored (never dropped) and listed in the review queue until someone
// decides; bills use measured, estimated and edited values only; reading success (S-PERF-3) and
// the missing-data alarm count measured and edited values only (an estimate is not a reading).
enum class Quality : std::uint8_t { Measured = 0, Estimated = 1, Edited = 2, Suspect = 3 };
// "measured", "estimated", "edited", "suspect" (the APIs' spelling); "unknown" for any other.
const char* quality_name(Quality q);

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

// reading_daily.method of an estimate made by linear interpolation (vee::interpolate).
inline constexpr const char* kEstimateMethod = "interpolated";

// Takes `n` export sequence numbers (export_state 'next_reading') inside the caller's
// transaction and returns the first; on PostgreSQL the counter row stays locked until commit.
// Whoever inserts or changes a daily value needs one per row (see save_daily).
Result<std::int64_t> take_reading_export_numbers(storage::Connection& c, std::int64_t n);

class ArchiveStore {
 public:
  // `vee`: the validation and estimation rules applied by save_daily.
  explicit ArchiveStore(storage::Database& db, vee::Config vee = {})
      : db_(db), vee_(std::move(vee)) {}

  // The concentrator's id, creating its row on first contact.
  Result<std::int64_t> touch_concentrator(const MeterAddress& address, UtcTime now);
  // Upserts the meters a concentrator reported in its archive.
  Status upsert_meters(std::int64_t concentrator_id, const std::vector<ArchiveRow>& rows,
                       UtcTime now);
  // Stores readings of meters already in the archive; readings of unknown meters are counted
  // and returned as `unknown` (not stored, not invented). Returns how many rows were new.
  //
  // Validation (vee/rules.hpp): each value is checked against the same device's earlier
  // measured or edited values since its point's installation day (register_fell, over_range,
  // rate_jump, stuck); a value that trips a rule is stored with Quality::Suspect and a
  // review_item naming the rule, never dropped.
  // Estimates (made by estimate_gaps): a real value for a day that holds an estimate replaces
  // it (counted in `inserted` and in `replaced_estimates`), and the stored estimates of the gap
  // it splits are recomputed (`estimated`). No estimate is created here: for values that arrive
  // in any order the save path stores exactly what it was given. Every changed row takes a new
  // export number, so the cloud hears of it.
  // Each new row gets the next export sequence number (reading_daily.export_seq), which is how
  // the exporter finds what it has not sent yet; anything else that inserts or changes a daily
  // value must take a new number from the same counter (export_state 'next_reading') in the
  // same transaction, or the cloud never hears of it.
  struct SaveResult {
    std::int64_t inserted = 0;
    std::int64_t duplicates = 0;
    std::int64_t unknown = 0;
    std::int64_t suspect = 0;             // stored with Quality::Suspect and queued for review
    std::int64_t estimated = 0;           // stored estimates recomputed
    std::int64_t replaced_estimates = 0;  // estimates a real value replaced
  };
  Result<SaveResult> save_daily(const std::vector<DailyReading>& readings, UtcTime now);
  // Estimation (VEE): every day in [from_day, to_day] without a value that lies in a gap of at
  // most vee.max_gap_days days between two measured or edited values of the same device (same
  // scale and unit, both on or after its point's installation day) is stored as
  // Quality::Estimated, method 'interpolated' (vee::interpolate's rounding); stored estimates
  // that no longer lie on the line are rewritten. Nothing is estimated after a meter's last
  // value (no extrapolation) nor across an installation (a replacement). Run it once the days
  // are settled (after the missing-data deadline, with supervise_daily), so that late real
  // values rarely replace estimates. Works in transactions of 2,000 meters; returns the rows
  // written. Errors: the database's.
  Result<std::int64_t> estimate_gaps(std::int64_t from_day, std::int64_t to_day, UtcTime now);

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

  // Collection planning (station_server.cpp, docs/station.md "Collection"): the oldest Beijing
  // day in [from_day, to_day] on which at least one meter of the concentrator has no stored
  // value (an estimate does not count as stored: a real value would replace it); nullopt when
  // every meter has a value on every day of the range, and also when the concentrator has no
  // meters stored (nothing is known to be missing). One query, served by the index
  // meter_concentrator and reading_daily's primary key. Errors: the database's.
  Result<std::optional<std::int64_t>> oldest_missing_day(std::int64_t concentrator_id,
                                                         std::int64_t from_day,
                                                         std::int64_t to_day);
  // An IoT meter that dials the station itself: its meter row (concentrator_id NULL, serial
  // NULL, `protocol` the DL/T 698.45 archive protocol enum), created on first contact; a meter
  // already in a concentrator's archive keeps its row. Returns its id. Errors: the database's.
  Result<std::int64_t> touch_direct_meter(const MeterAddress& address, std::uint8_t protocol,
                                          UtcTime now);

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

  // Records that the point of `meter` is vacant from `from_day` to `to_day` inclusive (nullopt:
  // until further notice): no 'stuck' check on those days. Recording the same from_day again
  // updates its end. The address need not be archived yet.
  Status set_vacancy(const MeterAddress& meter, std::int64_t from_day,
                     std::optional<std::int64_t> to_day);

  Status record_event(const MeterAddress& address, std::string_view kind, std::string_view detail,
                      UtcTime now);

 private:
  // Meter ids by address: archives change rarely, readings arrive by the million.
  Result<std::optional<std::int64_t>> meter_id(storage::Connection& c, const MeterAddress& address);

  storage::Database& db_;
  vee::Config vee_;
  std::mutex ids_mutex_;
  std::unordered_map<MeterAddress, std::int64_t> ids_;
};

}  // namespace omni::station
