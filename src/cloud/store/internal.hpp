#pragma once
// Internal to src/cloud/store: the in-memory model shared by ingest and rebuild, and the one
// derivation function both use (so that incremental and rebuilt rollups cannot disagree).
//
// Thread safety: value types and pure functions; the caches in DataCentre::Impl are guarded by
// DataCentre's write mutex.

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cloud/store/coal.hpp"
#include "cloud/store/data_centre.hpp"
#include "core/meter_address.hpp"
#include "exchange/records.hpp"
#include "storage/database.hpp"

namespace omni::cloud::detail {

// ---- Calendar (Beijing, fixed UTC+08:00: China has no DST since 1991).

inline constexpr std::int64_t kBeijingOffset = 8 * 3600;

inline std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
inline std::int64_t beijing_day(std::int64_t utc_seconds) {
  return floor_div(utc_seconds + kBeijingOffset, 86400);
}
// UTC seconds of 00:00 Beijing time of a day number.
inline std::int64_t day_start_utc(std::int64_t day) { return day * 86400 - kBeijingOffset; }
int month_of_day(std::int64_t day);            // yyyymm
std::int64_t first_day_of_month(int yyyymm);   // day number
int add_months_yyyymm(int yyyymm, int months);

// ---- Stored codes. Energies are stored as the base code's energy digit (1 electricity,
// 2 water, 3 gas, 4 heat), a number fixed by the exchange format, not by an enum's order.
int energy_code(EnergyKind k);
std::optional<EnergyKind> energy_from_code(std::int64_t code);
inline constexpr int kAllCustomers = 2;     // customer column of the "all" rollup rows
inline constexpr char kAllIndustries = '*';  // industry column of the "all" rollup rows

// ---- Archive.

struct BaseCodeHash {
  std::size_t operator()(const exchange::BaseCode& c) const noexcept;
};

// A version of a point's archive data, in force from `from_at` (UTC seconds) until the next.
struct Version {
  std::int64_t from_at = 0;
  int device = 1;  // 1, 2, 3 …: a new number whenever the device (address) is replaced
  MeterAddress address;
  std::int64_t multiplier = 1;
  exchange::CustomerType customer = exchange::CustomerType::Residential;
  char industry = ' ';
  std::optional<exchange::BaseCode> parent;

  bool operator==(const Version&) const = default;
};

// The latest reading state of a point (a slot of a state_block row).
struct PointState {
  bool any = false;          // a reading of any quality exists
  std::int64_t last_at = 0;  // the latest reading of any quality
  bool has_usable = false;
  std::int64_t usable_at = 0;   // the latest usable reading (the chain's end)
  std::int64_t usable_reg = 0;  // its register, kUsageScale of the reporting unit
  bool operator==(const PointState&) const = default;
};

// ---- Point blocks. Per-point state and per-point day/month rollups are stored 128 points
// (consecutive ids) to a row: a batch of 10,000 points of one day then writes ~80 rows per
// table instead of 10,000, which is what lets ingest keep up with a plain append. A row's blob
// is a bitmap of the points present and their fields as varints (encode_* in internal.cpp).
inline constexpr std::int64_t kBlockPoints = 128;
inline std::int64_t block_of(std::int64_t point) { return floor_div(point, kBlockPoints); }
inline std::size_t slot_of(std::int64_t point) {
  return static_cast<std::size_t>(point - block_of(point) * kBlockPoints);
}
// Row key of a block's bucket, bucket-major: the blocks of a batch's day (or month) are one
// contiguous run of keys, so the batch appends (or updates) adjacent rows.
inline constexpr int kBlockBits = 24;
inline std::int64_t block_key(std::int64_t block, std::int64_t bucket) {
  return bucket * (std::int64_t{1} << kBlockBits) + block;
}

struct StateBlock {
  std::array<PointState, kBlockPoints> slots{};
};
storage::Blob encode_states(const StateBlock& b);
StateBlock decode_states(const storage::Blob& blob);  // short or empty blobs read as empty slots

struct BucketSlot {
  std::int64_t usage = 0, kgce = 0, intervals = 0;
  bool empty() const { return usage == 0 && kgce == 0 && intervals == 0; }
};
struct BucketBlock {
  std::array<BucketSlot, kBlockPoints> slots{};
};
storage::Blob encode_buckets(const BucketBlock& b);
BucketBlock decode_buckets(const storage::Blob& blob);

struct PointInfo {
  std::int64_t id = 0;
  // The batch being ingested and this point's work item in it (no map lookup per reading).
  std::uint64_t work_epoch = 0;
  std::size_t work_index = 0;
  exchange::BaseCode code;
  exchange::MeterRecord record;  // the current archive row
  std::string station;
  std::vector<Version> versions;  // ascending from_at, never empty

  EnergyKind energy() const { return code.kind; }
  bool active() const { return !record.removed.has_value(); }
  // The version in force at `t` (the first one before it exists).
  const Version& version_at(std::int64_t t) const;
  // The classification of intervals starting in Beijing month `yyyymm`.
  const Version& class_of_month(int yyyymm) const;
};

// An open-addressing index of the cached points by code, beside the map that owns them
// (DataCentre::Impl::points). A lookup touches one slot, which holds the code, instead of a
// bucket, a node and the node's key; ingest prefetches the slots of the readings ahead of the
// one it resolves so that their cache misses overlap. Not thread-safe (the writer's caches).
class PointIndex {
 public:
  static std::size_t hash(const exchange::BaseCode& c) { return BaseCodeHash{}(c); }
  // Starts loading the slot of `hash` into the cache; no effect on an empty index.
  void prefetch(std::size_t hash) const;
  // The point of `c` (whose hash is `hash`), or nullptr.
  PointInfo* find(const exchange::BaseCode& c, std::size_t hash) const;
  // Adds a point whose code is not in the index yet; `p` must outlive its entry.
  void insert(PointInfo* p);
  void clear();
  std::size_t size() const { return size_; }

 private:
  struct Slot {
    exchange::BaseCode code;
    PointInfo* point = nullptr;  // nullptr: free
  };
  std::vector<Slot> slots_;  // a power of two, at most half full
  std::size_t size_ = 0;
};

// ---- Readings and derivation.

enum class EdgeFlag : int { None = 0, Valid = 1, Backwards = 2, Replaced = 3, Overflow = 4 };

struct ReadingRow {
  std::int64_t at = 0;
  std::int64_t mantissa = 0;
  int scale = 0;
  Unit unit = Unit::None;
  int quality = 0;
  std::int64_t changes = 0;
  // The interval closed by this reading: (prev_at, at]; none for an unusable or first reading.
  std::optional<std::int64_t> prev_at;
  std::int64_t usage = 0, kgce = 0;  // 0 unless flag is Valid
  EdgeFlag flag = EdgeFlag::None;

  bool same_value(const ReadingRow& o) const {
    return mantissa == o.mantissa && scale == o.scale && unit == o.unit && quality == o.quality;
  }
  bool same_derived(const ReadingRow& o) const {
    return prev_at == o.prev_at && usage == o.usage && kgce == o.kgce && flag == o.flag;
  }
};

// The register of a reading in the reporting unit of `kind` at kUsageScale, or none when the
// reading is not usable (Suspect quality, another dimension, out of range).
std::optional<std::int64_t> usable_register(const ReadingRow& r, EnergyKind kind);

struct Edge {
  EdgeFlag flag = EdgeFlag::None;
  std::int64_t usage = 0, kgce = 0;
};
// The interval between two consecutive usable readings of `point`.
Edge derive_edge(const PointInfo& point, std::int64_t prev_at, std::int64_t prev_reg,
                 std::int64_t at, std::int64_t reg, const CoalCoefficients& coal);

// ---- Rollup deltas, aggregated per batch and written once per bucket.

enum class Grain : int { Day = 0, Month = 1 };

struct RegionKey {
  Grain grain;
  std::int64_t bucket;  // day number or yyyymm
  std::int64_t region;  // community (12 digits) before expansion, any level after
  int level;            // 0, 6, 9, 12
  int energy;           // stored energy code
  int customer;         // 0, 1, or kAllCustomers
  char industry;        // letter, ' ', or kAllIndustries
  bool operator==(const RegionKey&) const = default;
};
struct RegionKeyHash {
  std::size_t operator()(const RegionKey& k) const noexcept;
};
struct RegionDelta {
  std::int64_t usage = 0, kgce = 0, points = 0;
};

struct SupplyKey {
  Grain grain;
  std::int64_t bucket;
  exchange::BaseCode code;
  bool operator==(const SupplyKey&) const = default;
};
struct SupplyKeyHash {
  std::size_t operator()(const SupplyKey& k) const noexcept;
};
struct SupplyDelta {
  std::int64_t usage = 0, intervals = 0, child_usage = 0, children = 0;
};

struct CountKey {
  std::int64_t region;
  int level;
  int energy, customer;
  char industry;
  bool operator==(const CountKey&) const = default;
};
struct CountKeyHash {
  std::size_t operator()(const CountKey& k) const noexcept;
};
struct CountDelta {
  std::int64_t points = 0, remote = 0, key_users = 0;
};

// Aggregated rollup changes of one batch (or of a rebuild), written by flush().
class RollupDeltas {
 public:
  // A point bucket (day or month of `point`) changed by `usage`/`kgce`, and its interval
  // count went from `before` to `after`: books the region rows of the point's class for that
  // month and the supply rows (own and parent's).
  void point_bucket(const PointInfo& point, Grain grain, std::int64_t bucket, int yyyymm,
                    std::int64_t usage, std::int64_t kgce, std::int64_t before,
                    std::int64_t after);
  // The archive counts of a point: +1 or −1 of its current classification.
  void point_count(const PointInfo& point, int sign);

 private:
  // A customer point's share of its community's rollup row.
  void region_bucket(const PointInfo& point, const Version& cls, Grain grain, std::int64_t bucket,
                     std::int64_t usage, std::int64_t kgce, std::int64_t opened);

 public:

  bool empty() const { return regions_.empty() && supply_.empty() && counts_.empty(); }
  // Upserts (adding) every changed row, and deletes rows that dropped to nothing.
  Status flush(storage::Connection& c);

 private:
  std::unordered_map<RegionKey, RegionDelta, RegionKeyHash> regions_;  // community level
  RegionKey last_key_{};
  RegionDelta* last_region_ = nullptr;  // regions_[last_key_]: node pointers are stable
  std::unordered_map<SupplyKey, SupplyDelta, SupplyKeyHash> supply_;
  SupplyKey last_supply_key_{};
  SupplyDelta* last_supply_ = nullptr;
  std::unordered_map<CountKey, CountDelta, CountKeyHash> counts_;  // community level
};

// The change of one point's day or month bucket: intervals re-derived away (old, booked
// under `old_view`'s classification) and derived anew (new, under `point`'s).
struct PointBucketDelta {
  Grain grain = Grain::Day;
  std::int64_t bucket = 0;  // day number or yyyymm
  int yyyymm = 0;
  const PointInfo* point = nullptr;
  const PointInfo* old_view = nullptr;
  std::int64_t old_usage = 0, old_kgce = 0, old_intervals = 0;
  std::int64_t new_usage = 0, new_kgce = 0, new_intervals = 0;
};

// Applies point bucket changes to point_day_block / point_month_block (reading each touched
// block once, writing it once, deleting it when it empties) and books the region and supply
// consequences, which need each bucket's interval count before and after. Sorts `deltas`.
Status apply_point_deltas(storage::Connection& c, std::vector<PointBucketDelta>& deltas,
                          RollupDeltas& rollups);

// INSERT of many rows, up to 64 a statement. `head` is "INSERT INTO t (a, b) VALUES", `tail`
// "" or an ON CONFLICT clause; `flat` holds rows × columns values, row after row (moved from).
Status insert_rows(storage::Connection& c, std::string_view head, std::string_view tail,
                   std::size_t columns, std::vector<storage::Value>& flat);

// Row decoding helpers: a NULL or mistyped column becomes the fallback.
inline std::int64_t col_i64(const storage::Row& r, std::size_t c, std::int64_t fallback = 0) {
  return r.get<std::int64_t>(c).value_or(fallback);
}
inline std::optional<std::int64_t> col_opt(const storage::Row& r, std::size_t c) {
  if (r.is_null(c)) return std::nullopt;
  auto v = r.get<std::int64_t>(c);
  if (!v) return std::nullopt;
  return *v;
}

// SQL fragments shared by ingest and rebuild.
storage::Params reading_insert_params(std::int64_t point, const ReadingRow& r);
// The same 11 values appended to a flat parameter array (insert_rows).
void append_reading_values(std::vector<storage::Value>& flat, std::int64_t point,
                           const ReadingRow& r);
extern const char* const kInsertReading;
extern const char* const kUpdateReading;
extern const char* const kSelectReadingColumns;  // "at, mantissa, … flag"
ReadingRow reading_from_row(const storage::Row& row, std::size_t first_column);

}  // namespace omni::cloud::detail
