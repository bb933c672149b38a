#pragma once
// The city data centre (ARC-5): the archive of regions and metering points, every reading the
// stations send, the usage derived from them and the rollups the dashboards read.
//
//   cloud::DataCentre dc(db);                      // db: SQLite or PostgreSQL
//   OMNI_TRY(dc.migrate());
//   auto out = dc.ingest(batch, digest, clock.now());   // one transaction per batch
//   if (out && out->status == cloud::IngestStatus::Accepted) acknowledge(batch.sequence);
//   auto series = dc.usage_series(filter, cloud::Granularity::Month);
//
// Layout (schema.cpp) and the two ingest paths, in order and out of order (ingest.cpp), are
// described where they are implemented. Ingest rules:
//  - A batch is identified by (station, sequence). The same digest again is a Duplicate and the
//    same (station, sequence) with another digest a Conflict; neither changes anything.
//  - Readings are idempotent on (point, time): the same value again changes nothing; another
//    value (or quality) for the same (point, time) replaces it, counts a change on the row and
//    re-derives the two intervals around it. Readings of base codes not in the archive are
//    counted (IngestOutcome::readings_unknown) and not stored.
//  - Usage is the difference between consecutive *usable* readings of a point (quality not
//    Suspect, unit convertible to the energy's reporting unit) times the point's multiplier.
//    The interval (a, b] belongs to the Beijing day and month of a: the usage between the daily
//    frozen values R(d) and R(d+1) (stamped 16:00 UTC of the day before) belongs to day d. A gap
//    of several days is booked on the day it starts (not spread: the split is unknown).
//  - No usage is produced by an interval whose register went back (counted, see
//    IngestOutcome::went_backwards; a register wrap is not guessed at in the cloud, the station
//    flags it) or that spans a device replacement (the point's device, from the MeterRecord's
//    address and installation time, differs at its two ends: two registers cannot be
//    subtracted; the usage of that interval is lost rather than invented).
//  - A point's classification (customer type, industry, supply parent) for an interval is the
//    archive version in force at the start of the Beijing month of the interval's start; a
//    changed classification takes effect from the start of the month it is received in. The
//    multiplier is the one in force at the interval's start; the device must be the same at
//    both ends. (ReadingRecord::meter_type is not used: the archive says what the point is.)
//  - Late and out-of-order readings, corrections and archive changes re-derive the affected
//    intervals and adjust the rollup buckets by the difference; rebuild_rollups() recomputes
//    everything from the raw readings and the archive and gives the same rows.
//
// Units: usage is an integer at kUsageScale (6) decimals of the energy's reporting unit (kWh,
// m³, m³, GJ), standard coal an integer at kCoalScale (6) decimals of kgce (see coal.hpp).
// Days are Beijing day numbers (days since 1970-01-01), months yyyymm.
//
// Thread safety: ingest() and rebuild_rollups() are serialised internally (they share caches);
// the queries are pure reads and may run concurrently with them and each other. Several
// instances may share one PostgreSQL database: ingest transactions serialise on a row lock and
// an instance drops its caches when another has written since (cloud_state.generation).
// The Database must outlive the DataCentre.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloud/store/coal.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "exchange/batch.hpp"
#include "storage/database.hpp"

namespace omni::cloud {

struct DataCentreOptions {
  CoalCoefficients coal;
};

enum class IngestStatus {
  Accepted,   // stored (possibly with unknown or suspect readings counted below)
  Duplicate,  // (station, sequence) known with this digest: nothing changed, acknowledge again
  Conflict,   // (station, sequence) known with another digest: nothing changed, do not acknowledge
};
std::string_view ingest_status_name(IngestStatus s);

struct IngestOutcome {
  IngestStatus status = IngestStatus::Accepted;
  std::string recorded_digest;      // Duplicate/Conflict: the digest on record
  std::int64_t regions = 0;         // region records applied
  std::int64_t meters_new = 0;      // metering points created
  std::int64_t meters_changed = 0;  // existing points whose archive data changed
  std::int64_t readings_new = 0;      // (point, time) stored for the first time
  std::int64_t readings_same = 0;     // already stored with this value: nothing changed
  std::int64_t readings_changed = 0;  // replaced another value for the same (point, time)
  std::int64_t readings_unknown = 0;  // base code not in the archive: not stored
  std::int64_t readings_suspect = 0;  // stored but unusable: quality Suspect or a foreign unit
  std::int64_t went_backwards = 0;      // intervals newly found with a falling register
  std::int64_t across_replacement = 0;  // intervals newly found spanning a device change
  std::int64_t rederived_points = 0;    // points whose stored intervals were re-derived
  std::int64_t costs = 0;               // monthly cost records stored (of known points)
  std::int64_t coverage = 0;            // coverage records stored
};

// ---- Query types (queries.cpp). Every query reads rollups only, never raw readings.

enum class Granularity { Day, Week, Month, Year };

// Region: "" (the city) or a 6-, 9- or 12-digit region code (district, street, community).
struct UsageFilter {
  std::string region;
  std::optional<EnergyKind> energy;  // none: all energies, compared in kgce only
  std::optional<exchange::CustomerType> customer;
  std::optional<char> industry;      // GB/T 4754 section letter, ' ' for households
  std::int64_t from_day = 0;         // Beijing day numbers, inclusive
  std::int64_t to_day = 0;
};

struct SeriesRow {
  std::int64_t start_day = 0;  // first day of the bucket (clipped to the filter's range)
  std::string label;           // "2025-03-01", "2025-W09", "2025-03", "2025"
  std::int64_t usage = 0;      // kUsageScale; 0 when the filter has no energy
  std::int64_t kgce = 0;       // kCoalScale
  // Contributing metering points: exact for a day bucket and for a month bucket read from the
  // month rollup; for a week, a year or a partial month, the largest count of its days/months.
  std::int64_t points = 0;
};

struct Comparison {
  std::int64_t current = 0, previous = 0, last_year = 0;  // usage, or kgce without energy
  std::int64_t current_start = 0, previous_start = 0, last_year_start = 0;  // Beijing days
  std::optional<double> mom;  // (current − previous) / previous; none when previous is 0
  std::optional<double> yoy;  // (current − last year) / last year
};

struct UserBaseRow {
  EnergyKind energy = EnergyKind::Electricity;
  std::int64_t residential = 0, non_residential = 0;                // active points
  std::int64_t remote_residential = 0, remote_non_residential = 0;  // of which read remotely
};

struct CoverageRow {
  EnergyKind energy = EnergyKind::Electricity;
  char industry = ' ';
  std::int64_t remote = 0;  // remote points (archive) or online meters (station reports)
  std::int64_t all = 0;     // all active points, or installed meters reported
  double ratio = 0;         // remote / all, 0 when all is 0
};

enum class RankBy { Usage, Kgce };
struct RankingRow {
  std::string region;  // code
  std::string name;    // from the region records; empty when unknown
  std::int64_t usage = 0, kgce = 0, points = 0;
  std::optional<double> latitude, longitude;  // WGS-84 from the region records, for the map
};

struct LossRow {
  std::string supply;  // base code of the supply (master) meter
  std::string name;    // the building's region name, else the community's; empty when unknown
  EnergyKind energy = EnergyKind::Electricity;
  std::int64_t supply_usage = 0;    // the supply meter's own usage, kUsageScale
  std::int64_t children_usage = 0;  // Σ usage of the points under it
  std::int64_t loss = 0;            // supply − children
  std::optional<double> loss_ratio;  // loss / supply usage; none when the supply usage is 0
  std::int64_t children = 0;  // contributing children (largest count of a day/month)
};

// Losses ranked by the amount lost, or by the share of the supply meter's usage.
enum class LossOrder { Loss, Ratio };

struct IndustryRow {
  char industry = ' ';
  std::int64_t usage = 0, kgce = 0;
  double share = 0;  // of the total of the rows (by usage with an energy, else by kgce)
};

struct EnergyShareRow {
  EnergyKind energy = EnergyKind::Electricity;
  std::int64_t usage = 0, kgce = 0;
  double share = 0;  // of total kgce
};

struct RegionChild {
  std::string code;
  std::string name;
  exchange::RegionLevel level = exchange::RegionLevel::District;
};

// A region record with the regions directly under it (from the stations' 'R' records).
struct RegionInfo {
  std::string code;  // "" for the city
  std::string name;  // empty for the city
  exchange::RegionLevel level = exchange::RegionLevel::City;
  std::optional<std::string> parent;  // the code one level up; none for districts and the city
  std::optional<double> latitude, longitude;
  std::vector<RegionChild> children;  // ordered by code
};

// One metering point's usage in one day or month.
struct PointUsageRow {
  std::int64_t bucket = 0;  // Beijing day number, or yyyymm
  std::int64_t usage = 0, kgce = 0;
  std::int64_t intervals = 0;  // intervals with usage that start in the bucket
};

// The first and last Beijing day with usage in the city rollup; none while there is none.
struct DataDays {
  std::optional<std::int64_t> first, last;
};

class DataCentre {
 public:
  explicit DataCentre(storage::Database& db, DataCentreOptions options = {});
  ~DataCentre();
  DataCentre(const DataCentre&) = delete;
  DataCentre& operator=(const DataCentre&) = delete;

  // Applies the "cloud" migration set. Errors: as storage::migrate.
  Status migrate();

  // Stores one batch in one transaction (see the rules above). `digest` is the batch's body
  // digest (exchange::body_digest), `now` the receipt time. Errors: Config (bad coefficients),
  // Io/Busy from the database (nothing stored; retry).
  Result<IngestOutcome> ingest(const exchange::Batch& batch, std::string_view digest, UtcTime now);

  // Recomputes every derived interval and rollup from the raw readings and the archive, in one
  // transaction, repairing the stored intervals when they differ. Errors: Io/Busy.
  Status rebuild_rollups();

  // ---- Queries (pure reads of the rollups). Errors: Malformed (a region code that is not
  // 0/6/9/12 digits, an empty or reversed range), Io/Busy from the database.

  // Usage per bucket of the range, oldest first; buckets without usage are omitted.
  Result<std::vector<SeriesRow>> usage_series(const UsageFilter& filter,
                                              Granularity granularity) const;
  // The period (day, week, month or year) containing `day` against the period before and the
  // same period a year before (filter range ignored).
  Result<Comparison> compare(const UsageFilter& filter, Granularity period,
                             std::int64_t day) const;
  // Active metering points per energy, residential and not, with the remote ones.
  Result<std::vector<UserBaseRow>> user_base(std::string_view region) const;
  // Remote points / all active points per energy and industry (archive).
  Result<std::vector<CoverageRow>> coverage(std::string_view region) const;
  // Online / installed meters per energy and industry on each station's latest reported day
  // of a month, summed over the stations, as they report them (P-STAT-7).
  Result<std::vector<CoverageRow>> reported_coverage(int yyyymm) const;
  // Regions of one level (6, 9 or 12 digits) inside `filter.region` (which may be "" or a
  // shorter code), ranked by usage (needs an energy) or kgce, top `limit`.
  Result<std::vector<RankingRow>> rank_regions(const UsageFilter& filter, int level_digits,
                                               RankBy by, int limit) const;
  // Supply meters whose children reported usage in the range, ranked by loss (largest first);
  // `filter.region` restricts to supply meters inside it, `filter.energy` to one energy.
  Result<std::vector<LossRow>> losses(const UsageFilter& filter, int limit,
                                      LossOrder order = LossOrder::Loss) const;
  // Usage per industry over the range and its share of the total.
  Result<std::vector<IndustryRow>> industry_totals(const UsageFilter& filter) const;
  // kgce per energy over the range and its share (filter.energy ignored).
  Result<std::vector<EnergyShareRow>> energy_shares(const UsageFilter& filter) const;
  // One metering point's usage per day (from..to are day numbers) or per month (yyyymm), from
  // the point rollups; buckets without intervals are omitted. Errors: NotFound (no such point),
  // Malformed (not a base code).
  Result<std::vector<PointUsageRow>> point_usage(std::string_view code, Granularity granularity,
                                                 std::int64_t from, std::int64_t to) const;
  // A region and its children; "" is the city (its children are the districts).
  // Errors: NotFound (no record of that code), Malformed.
  Result<RegionInfo> region(std::string_view code) const;
  Result<DataDays> data_days() const;

  const DataCentreOptions& options() const { return options_; }

  struct Impl;  // internal (impl.hpp): the writer-side caches

 private:
  storage::Database& db_;
  DataCentreOptions options_;
  std::mutex write_mutex_;
  std::unique_ptr<Impl> impl_;  // caches of the writer side, guarded by write_mutex_
};

}  // namespace omni::cloud
