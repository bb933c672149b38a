// rebuild_rollups(): every derived figure again from the raw readings and the archive.
//
// The readings are scanned once in key order (at, point), a page at a time, with the latest
// usable reading of every point in memory; each interval is derived by the same function ingest
// uses (derive_edge) and summed per point and bucket in memory. The sums are merged into the
// point blocks by the same code ingest uses (apply_point_deltas), whenever they grow large and
// at the end, which also books the region and supply rollups.
#include <fmt/format.h>

#include <limits>
#include <map>
#include <unordered_map>

#include "cloud/store/impl.hpp"

namespace omni::cloud {

using namespace detail;
using storage::Connection;
using storage::Params;

namespace {

constexpr std::int64_t kPage = 50'000;

struct Rebuilding {
  PointInfo* point = nullptr;
  PointState state;
};

struct AccKey {
  Grain grain;
  std::int64_t bucket;
  std::int64_t point;
  bool operator==(const AccKey&) const = default;
};
struct AccKeyHash {
  std::size_t operator()(const AccKey& k) const noexcept {
    return std::hash<std::int64_t>{}(k.point * 1'000'003 + k.bucket * 2 + static_cast<int>(k.grain));
  }
};
struct Acc {
  int yyyymm = 0;
  std::int64_t usage = 0, kgce = 0, intervals = 0;
};
constexpr std::size_t kMaxAcc = 500'000;

class Rebuild {
 public:
  Rebuild(Connection& c, const DataCentreOptions& o) : c_(c), options_(o) {}

  Status run() {
    OMNI_TRY(load_archive());
    OMNI_TRY(c_.execute_script(
        "DELETE FROM point_day_block; DELETE FROM point_month_block; DELETE FROM region_day; "
        "DELETE FROM region_month; DELETE FROM supply_day; DELETE FROM supply_month; "
        "DELETE FROM state_block; DELETE FROM region_points"));
    OMNI_TRY(scan());
    OMNI_TRY(flush_acc());
    OMNI_TRY(write_updates(true));
    std::map<std::int64_t, StateBlock> blocks;
    for (auto& [id, r] : points_) {
      if (r.state.any) blocks[block_of(id)].slots[slot_of(id)] = r.state;
      deltas_.point_count(*r.point, +1);
    }
    std::vector<storage::Value> flat;
    for (const auto& [block, b] : blocks) {
      flat.emplace_back(block);
      flat.emplace_back(encode_states(b));
    }
    if (!flat.empty()) {
      OMNI_TRY(insert_rows(c_, "INSERT INTO state_block (block, data) VALUES", "", 2, flat));
    }
    return deltas_.flush(c_);
  }

 private:
  Status load_archive() {
    auto rows = c_.query(std::string("SELECT ") + kSelectPointColumns + " FROM point");
    if (!rows) return fail(rows.error());
    for (const auto& row : rows->rows) {
      auto p = point_from_row(row);
      if (!p) return fail(p.error());
      Rebuilding& r = points_[(*p)->id];
      r.point = p->get();
      owned_.push_back(std::move(*p));
    }
    auto versions = c_.query(
        "SELECT point, from_at, device, address, multiplier, customer, industry, parent_code "
        "FROM point_version ORDER BY point, from_at");
    if (!versions) return fail(versions.error());
    for (const auto& row : versions->rows) {
      auto it = points_.find(col_i64(row, 0));
      if (it == points_.end()) continue;
      Version v;
      v.from_at = col_i64(row, 1);
      v.device = static_cast<int>(col_i64(row, 2, 1));
      if (auto a = MeterAddress::from_digits(row.get<std::string>(3).value_or(""))) v.address = *a;
      v.multiplier = col_i64(row, 4, 1);
      v.customer = static_cast<exchange::CustomerType>(col_i64(row, 5));
      std::string industry = row.get<std::string>(6).value_or(" ");
      v.industry = industry.empty() ? ' ' : industry[0];
      if (!row.is_null(7)) {
        if (auto code = exchange::BaseCode::parse(row.get<std::string>(7).value_or(""))) {
          v.parent = *code;
        }
      }
      it->second.point->versions.push_back(std::move(v));
    }
    for (auto& [id, r] : points_) {
      if (r.point->versions.empty()) {
        return fail(ErrorCode::Internal, fmt::format("point {} has no archive version", id));
      }
    }
    return ok();
  }

  Status scan() {
    std::int64_t after_at = std::numeric_limits<std::int64_t>::min(), after_point = 0;
    for (;;) {
      auto rows = c_.query(std::string("SELECT point, ") + kSelectReadingColumns +
                               " FROM reading WHERE (at, point) > ($1, $2) ORDER BY at, point "
                               "LIMIT $3",
                           {after_at, after_point, kPage});
      if (!rows) return fail(rows.error());
      for (const auto& row : rows->rows) {
        std::int64_t id = col_i64(row, 0);
        ReadingRow stored = reading_from_row(row, 1);
        after_at = stored.at, after_point = id;
        auto it = points_.find(id);
        if (it == points_.end()) continue;  // no archive row: nothing to derive it with
        reading(it->first, it->second, stored);
      }
      OMNI_TRY(write_updates(false));
      if (acc_.size() > kMaxAcc) OMNI_TRY(flush_acc());
      if (static_cast<std::int64_t>(rows->size()) < kPage) return ok();
    }
  }

  void reading(std::int64_t id, Rebuilding& r, const ReadingRow& stored) {
    PointInfo& p = *r.point;
    PointState& s = r.state;
    ReadingRow row = stored;
    row.prev_at.reset();
    row.usage = row.kgce = 0;
    row.flag = EdgeFlag::None;
    auto reg = usable_register(row, p.energy());
    if (reg) {
      if (s.has_usable) {
        Edge e = derive_edge(p, s.usable_at, s.usable_reg, row.at, *reg, options_.coal);
        row.prev_at = s.usable_at;
        row.flag = e.flag;
        row.usage = e.usage;
        row.kgce = e.kgce;
        if (e.flag == EdgeFlag::Valid) {
          std::int64_t day = beijing_day(s.usable_at);
          int month = month_of_day(day);
          for (auto [g, bucket] : {std::pair{Grain::Day, day}, std::pair{Grain::Month, std::int64_t{month}}}) {
            Acc& a = acc_[AccKey{g, bucket, id}];
            a.yyyymm = month;
            a.usage += e.usage;
            a.kgce += e.kgce;
            ++a.intervals;
          }
        }
      }
      s.has_usable = true;
      s.usable_at = row.at;
      s.usable_reg = *reg;
    }
    s.any = true;
    s.last_at = row.at;
    if (!row.same_derived(stored)) updates_.push_back(reading_insert_params(id, row));
  }

  Status flush_acc() {
    std::vector<PointBucketDelta> deltas;
    deltas.reserve(acc_.size());
    for (const auto& [k, a] : acc_) {
      PointBucketDelta d;
      d.grain = k.grain;
      d.bucket = k.bucket;
      d.yyyymm = a.yyyymm;
      d.point = d.old_view = points_.at(k.point).point;
      d.new_usage = a.usage;
      d.new_kgce = a.kgce;
      d.new_intervals = a.intervals;
      deltas.push_back(d);
    }
    acc_.clear();
    return apply_point_deltas(c_, deltas, deltas_);
  }

  Status write_updates(bool all) {
    if (updates_.empty() || (!all && updates_.size() < static_cast<std::size_t>(kPage))) {
      return ok();
    }
    auto n = c_.execute_batch(kUpdateReading, updates_);
    if (!n) return fail(n.error());
    updates_.clear();
    return ok();
  }

  Connection& c_;
  const DataCentreOptions& options_;
  std::vector<std::unique_ptr<PointInfo>> owned_;
  std::unordered_map<std::int64_t, Rebuilding> points_;
  std::vector<Params> updates_;
  std::unordered_map<AccKey, Acc, AccKeyHash> acc_;
  RollupDeltas deltas_;
};

}  // namespace

Status DataCentre::rebuild_rollups() {
  OMNI_TRY(options_.coal.validate());
  std::lock_guard lock(write_mutex_);
  impl_->clear();
  auto conn = db_.acquire(storage::Access::Write);
  if (!conn) return fail(conn.error());
  Connection& c = **conn;
  OMNI_TRY(c.begin());
  auto gen = c.query("UPDATE cloud_state SET generation = generation + 1 WHERE id = 1 "
                     "RETURNING generation");
  Status st = gen ? ok() : Status(fail(gen.error()));
  if (st) st = Rebuild(c, options_).run();
  if (st) st = c.commit();
  if (!st) {
    (void)c.rollback();
    return st;
  }
  impl_->generation = gen->empty() ? -1 : col_i64(gen->at(0), 0);
  return ok();
}

}  // namespace omni::cloud
