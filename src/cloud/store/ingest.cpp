// Ingest of one batch: archive records, then readings grouped per point, then every write of the
// batch in bulk, all in one transaction.
//
// Each point's readings of the batch are handled together, on one of two paths:
//  - in order (every reading later than the point's latest stored reading, no archive change
//    reaching back): the new intervals start at the point's chain end, known from its state, so
//    no reading is read;
//  - otherwise (late, out of order, corrected, or an archive change): the chain is walked back
//    from its end through prev_at (one primary-key probe per reading newer than the earliest
//    change) to the anchor before it; the segment is re-derived in memory, and the old
//    intervals are subtracted from their buckets while the new ones are added.
// Nothing is written until every point is done, so every read sees the state before the batch.
// Then the point day/month blocks touched are read once and written once, and the region and
// supply deltas (which need each point bucket's interval count before and after, for the
// contributing-point counts) are summed in memory and each row is written once.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <span>

#include "cloud/store/impl.hpp"

namespace omni::cloud {

using namespace detail;
using storage::Connection;
using storage::Params;
using storage::Value;

namespace {

struct Work {
  PointInfo* point = nullptr;
  std::optional<std::vector<Version>> old_versions;  // the archive before this batch changed it
  std::optional<std::int64_t> rederive_from;  // intervals ending at or after need re-deriving
  std::size_t begin = 0, end = 0;             // its readings in BatchIngest::incoming_
};

using LocalBucket = PointBucketDelta;

LocalBucket& local_bucket(std::vector<LocalBucket>& v, Grain g, std::int64_t b, int yyyymm) {
  for (auto& x : v) {
    if (x.grain == g && x.bucket == b) return x;
  }
  LocalBucket x;
  x.grain = g;
  x.bucket = b;
  x.yyyymm = yyyymm;
  v.push_back(x);
  return v.back();
}

// Books an interval starting at `start` into its day and month (sign +1 new, −1 old).
void book(std::vector<LocalBucket>& v, std::int64_t start, std::int64_t usage, std::int64_t kgce,
          bool is_new) {
  std::int64_t day = beijing_day(start);
  int month = month_of_day(day);
  // One at a time: a second local_bucket() call may grow the vector under a held reference.
  for (auto [g, bucket] : {std::pair{Grain::Day, day}, std::pair{Grain::Month, std::int64_t{month}}}) {
    LocalBucket& b = local_bucket(v, g, bucket, month);
    if (is_new) {
      b.new_usage += usage, b.new_kgce += kgce, ++b.new_intervals;
    } else {
      b.old_usage += usage, b.old_kgce += kgce, ++b.old_intervals;
    }
  }
}

std::string region_parent(const std::string& code) {
  switch (code.size()) {
    case 16:
      return code.substr(0, 12);
    case 12:
      return code.substr(0, 9);
    case 9:
      return code.substr(0, 6);
    default:
      return {};
  }
}

Value optional_code(const std::optional<exchange::BaseCode>& c) {
  return c ? Value(c->to_string()) : Value();
}

Value e6(const std::optional<double>& deg) {
  if (!deg || !std::isfinite(*deg)) return Value();
  return Value(static_cast<std::int64_t>(std::llround(*deg * 1e6)));
}


class BatchIngest {
 public:
  BatchIngest(DataCentre::Impl& impl, Connection& c, const DataCentreOptions& options,
              UtcTime now, IngestOutcome& out)
      : impl_(impl), c_(c), options_(options), now_(now), out_(out) {}

  Status regions(const std::vector<exchange::RegionRecord>& records);
  Status meters(const std::vector<exchange::MeterRecord>& records, const std::string& station);
  Status readings(const std::vector<exchange::ReadingRecord>& records);
  Status costs(const std::vector<exchange::CostRecord>& records);
  Status coverage(const std::vector<exchange::CoverageRecord>& records,
                  const std::string& station);
  Status process_points();
  Status flush();

 private:
  Work& work_for(PointInfo* p);
  Status create_point(const exchange::MeterRecord& m, const std::string& station);
  Status update_point(PointInfo& p, const exchange::MeterRecord& m, const std::string& station);
  Status write_versions(const PointInfo& p);
  Status process(Work& w);
  void in_order(Work& w, PointState& s, std::span<const ReadingRow> incoming,
                std::vector<LocalBucket>& buckets);
  Status out_of_order(Work& w, PointState& s, std::span<const ReadingRow> incoming,
                      std::vector<LocalBucket>& buckets);
  Result<std::optional<ReadingRow>> probe(std::int64_t point, std::int64_t at);
  void count_edge(const ReadingRow& now, const ReadingRow* before);

  DataCentre::Impl& impl_;
  Connection& c_;
  const DataCentreOptions& options_;
  UtcTime now_;
  IngestOutcome& out_;
  const std::uint64_t epoch_ = ++impl_.epoch;

  std::vector<Work> work_;
  std::vector<std::pair<std::size_t, ReadingRow>> incoming_;  // (work index, reading)
  std::vector<ReadingRow> sorted_;  // incoming_'s readings by point and time: Work::begin/end
  std::vector<LocalBucket> local_;  // the buckets of the point being processed
  std::deque<PointInfo> old_views_;  // points as they were before this batch's archive changes

  // Staged writes.
  std::vector<std::pair<std::int64_t, ReadingRow>> inserts_;  // (point, row)
  std::vector<Params> updates_;
  std::vector<std::int64_t> dirty_blocks_;  // state blocks
  std::vector<PointBucketDelta> buckets_, month_buckets_;
  RollupDeltas deltas_;
};

Work& BatchIngest::work_for(PointInfo* p) {
  if (p->work_epoch != epoch_) {
    p->work_epoch = epoch_;
    p->work_index = work_.size();
    work_.push_back(Work{p, {}, {}, 0, 0});
  }
  return work_[p->work_index];
}

Status BatchIngest::regions(const std::vector<exchange::RegionRecord>& records) {
  std::vector<Params> rows;
  for (const auto& r : records) {
    std::string parent = region_parent(r.code);
    rows.push_back({r.code, static_cast<std::int64_t>(r.code.size()), r.name,
                    parent.empty() ? Value() : Value(parent), e6(r.latitude), e6(r.longitude),
                    now_.seconds});
  }
  if (rows.empty()) return ok();
  auto n = c_.execute_batch(
      "INSERT INTO region (code, level, name, parent, lat_e6, lon_e6, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (code) DO UPDATE SET "
      "level = excluded.level, name = excluded.name, parent = excluded.parent, "
      "lat_e6 = excluded.lat_e6, lon_e6 = excluded.lon_e6, updated_at = excluded.updated_at",
      rows);
  if (!n) return fail(n.error());
  out_.regions += static_cast<std::int64_t>(records.size());
  return ok();
}

Status BatchIngest::meters(const std::vector<exchange::MeterRecord>& records,
                           const std::string& station) {
  for (const auto& m : records) {
    auto p = impl_.find(c_, m.code);
    if (!p) return fail(p.error());
    if (*p == nullptr) {
      OMNI_TRY(create_point(m, station));
    } else {
      OMNI_TRY(update_point(**p, m, station));
    }
  }
  return ok();
}

Status BatchIngest::create_point(const exchange::MeterRecord& m, const std::string& station) {
  const auto community = static_cast<std::int64_t>(m.code.community_region());
  auto rows = c_.query(
      "INSERT INTO point (code, energy, community, building, address, parent_code, customer, "
      "industry, key_user, remote, meter_type, multiplier, installed, removed, station, "
      "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, "
      "$16) RETURNING id",
      {m.code.to_string(), energy_code(m.code.kind), community,
       community * 10000 + m.code.building, m.address.to_string(), optional_code(m.parent),
       static_cast<int>(m.customer), std::string(1, m.industry), m.key_user, m.remote,
       static_cast<int>(m.meter_type), static_cast<std::int64_t>(m.multiplier),
       m.installed.seconds, m.removed ? Value(m.removed->seconds) : Value(), station,
       now_.seconds});
  if (!rows) return fail(rows.error());
  auto p = std::make_unique<PointInfo>();
  p->id = col_i64(rows->at(0), 0);
  p->code = m.code;
  p->record = m;
  p->station = station;
  p->versions.push_back(Version{m.installed.seconds, 1, m.address, m.multiplier, m.customer,
                                m.industry, m.parent});
  OMNI_TRY(write_versions(*p));
  deltas_.point_count(*p, +1);
  impl_.unknown.erase(m.code);
  impl_.add(std::move(p));
  ++out_.meters_new;
  return ok();
}

Status BatchIngest::write_versions(const PointInfo& p) {
  OMNI_TRY(c_.execute("DELETE FROM point_version WHERE point = $1", {p.id}));
  std::vector<Params> rows;
  for (const auto& v : p.versions) {
    rows.push_back({p.id, v.from_at, v.device, v.address.to_string(), v.multiplier,
                    static_cast<int>(v.customer), std::string(1, v.industry),
                    optional_code(v.parent)});
  }
  auto n = c_.execute_batch(
      "INSERT INTO point_version (point, from_at, device, address, multiplier, customer, "
      "industry, parent_code) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      rows);
  if (!n) return fail(n.error());
  return ok();
}

// An archive change is versioned so that old intervals keep the data they were derived with:
//  - a new device address with a later installation time starts a new device (intervals across
//    it yield nothing; later ones use its multiplier);
//  - any other change (classification, multiplier, an address corrected without a later
//    installation) applies from the start of the Beijing month it is received in, the period
//    statistics are published by; the intervals from there on are re-derived.
Status BatchIngest::update_point(PointInfo& p, const exchange::MeterRecord& m,
                                 const std::string& station) {
  const auto& r = p.record;
  bool same = r.address == m.address && r.parent == m.parent && r.customer == m.customer &&
              r.industry == m.industry && r.key_user == m.key_user && r.remote == m.remote &&
              r.meter_type == m.meter_type && r.multiplier == m.multiplier &&
              r.installed == m.installed && r.removed == m.removed && p.station == station;
  if (same) return ok();
  Work& w = work_for(&p);
  if (!w.old_versions) w.old_versions = p.versions;
  deltas_.point_count(p, -1);

  const Version latest = p.versions.back();
  bool device_changed = !(m.address == latest.address);
  bool versioned_changed = device_changed || m.customer != latest.customer ||
                           m.industry != latest.industry || m.parent != latest.parent ||
                           m.multiplier != latest.multiplier;
  auto rederive = [&](std::int64_t from) {
    w.rederive_from = w.rederive_from ? std::min(*w.rederive_from, from) : from;
  };
  if (device_changed && m.installed.seconds > latest.from_at) {
    p.versions.push_back(Version{m.installed.seconds, latest.device + 1, m.address, m.multiplier,
                                 m.customer, m.industry, m.parent});
    rederive(m.installed.seconds);
  } else if (versioned_changed) {
    std::int64_t month_start = day_start_utc(first_day_of_month(month_of_day(beijing_day(now_.seconds))));
    Version v = latest;
    v.address = m.address;
    v.multiplier = m.multiplier;
    v.customer = m.customer;
    v.industry = m.industry;
    v.parent = m.parent;
    if (month_start > latest.from_at) {
      v.from_at = month_start;
      p.versions.push_back(v);
      rederive(month_start);
    } else {
      // The latest version began this month: amend it. The first version also classifies
      // everything before it, so amending it re-derives the whole history.
      p.versions.back() = v;
      rederive(p.versions.size() == 1 ? std::numeric_limits<std::int64_t>::min() : v.from_at);
    }
  }
  p.record = m;
  p.station = station;
  const auto community = static_cast<std::int64_t>(m.code.community_region());
  auto n = c_.execute(
      "UPDATE point SET address = $2, parent_code = $3, customer = $4, industry = $5, "
      "key_user = $6, remote = $7, meter_type = $8, multiplier = $9, installed = $10, "
      "removed = $11, station = $12, updated_at = $13, community = $14 WHERE id = $1",
      {p.id, m.address.to_string(), optional_code(m.parent), static_cast<int>(m.customer),
       std::string(1, m.industry), m.key_user, m.remote, static_cast<int>(m.meter_type),
       static_cast<std::int64_t>(m.multiplier), m.installed.seconds,
       m.removed ? Value(m.removed->seconds) : Value(), station, now_.seconds, community});
  if (!n) return fail(n.error());
  if (!(p.versions == *w.old_versions)) OMNI_TRY(write_versions(p));
  deltas_.point_count(p, +1);
  ++out_.meters_changed;
  return ok();
}

Status BatchIngest::readings(const std::vector<exchange::ReadingRecord>& records) {
  // Consecutive readings usually belong to different points, and each lookup misses the CPU
  // cache twice (the index slot, then the point): the slots of the readings kAhead on and the
  // points of those kHalf on are prefetched, so that the misses overlap. A code the index does
  // not have (not cached yet, or unknown) takes the general path.
  constexpr std::size_t kAhead = 16, kHalf = 8;
  const std::size_t n = records.size();
  std::vector<std::size_t> hashes(n);
  for (std::size_t i = 0; i < n; ++i) hashes[i] = PointIndex::hash(records[i].code);
  std::vector<PointInfo*> found(n, nullptr);
  auto resolve = [&](std::size_t j) {
    found[j] = impl_.index.find(records[j].code, hashes[j]);
    if (found[j] != nullptr) __builtin_prefetch(&found[j]->work_epoch);
  };
  for (std::size_t j = 0; j < std::min(n, kAhead); ++j) impl_.index.prefetch(hashes[j]);
  for (std::size_t j = 0; j < std::min(n, kHalf); ++j) resolve(j);
  for (std::size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) impl_.index.prefetch(hashes[i + kAhead]);
    if (i + kHalf < n) resolve(i + kHalf);
    const auto& r = records[i];
    PointInfo* point = found[i];
    if (point == nullptr) {
      auto p = impl_.find(c_, r.code);
      if (!p) return fail(p.error());
      point = *p;
    }
    if (point == nullptr) {
      ++out_.readings_unknown;
      continue;
    }
    ReadingRow row;
    row.at = r.at.seconds;
    row.mantissa = r.value.mantissa();
    row.scale = r.value.scale();
    row.unit = r.value.unit();
    row.quality = static_cast<int>(r.quality);
    work_for(point);
    incoming_.emplace_back(point->work_index, row);
  }
  return ok();
}

Status BatchIngest::costs(const std::vector<exchange::CostRecord>& records) {
  std::vector<Params> rows;
  for (const auto& r : records) {
    auto p = impl_.find(c_, r.code);
    if (!p) return fail(p.error());
    if (*p == nullptr) continue;
    rows.push_back({(*p)->id, r.period, r.usage.mantissa(), r.usage.scale(),
                    std::string(unit_info(r.usage.unit()).ascii_symbol), r.amount.value,
                    static_cast<std::int64_t>(r.tiers.size())});
  }
  if (rows.empty()) return ok();
  auto n = c_.execute_batch(
      "INSERT INTO cost (point, period, usage_mantissa, usage_scale, unit, amount_fen, tiers) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (point, period) DO UPDATE SET "
      "usage_mantissa = excluded.usage_mantissa, usage_scale = excluded.usage_scale, "
      "unit = excluded.unit, amount_fen = excluded.amount_fen, tiers = excluded.tiers",
      rows);
  if (!n) return fail(n.error());
  out_.costs += static_cast<std::int64_t>(rows.size());
  return ok();
}

Status BatchIngest::coverage(const std::vector<exchange::CoverageRecord>& records,
                             const std::string& station) {
  std::vector<Params> rows;
  for (const auto& r : records) {
    rows.push_back({station, r.day, energy_code(r.kind), std::string(1, r.industry), r.installed,
                    r.online});
  }
  if (rows.empty()) return ok();
  auto n = c_.execute_batch(
      "INSERT INTO coverage_report (station, day, energy, industry, installed, online) "
      "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (station, day, energy, industry) DO UPDATE "
      "SET installed = excluded.installed, online = excluded.online",
      rows);
  if (!n) return fail(n.error());
  out_.coverage += static_cast<std::int64_t>(rows.size());
  return ok();
}

Status BatchIngest::process_points() {
  // Point order, then time: a point's readings are one run, and the rows of one time go to the
  // reading table in key order.
  // The ids are copied out once: a comparison that reached them through the work items and
  // their points cost a cache miss each. A batch in point order is not sorted again.
  std::vector<std::int64_t> id_of(work_.size());
  for (std::size_t i = 0; i < work_.size(); ++i) id_of[i] = work_[i].point->id;
  auto point_time = [&](const auto& a, const auto& b) {
    std::int64_t ia = id_of[a.first], ib = id_of[b.first];
    return ia != ib ? ia < ib : a.second.at < b.second.at;
  };
  if (!std::is_sorted(incoming_.begin(), incoming_.end(), point_time)) {
    std::stable_sort(incoming_.begin(), incoming_.end(), point_time);
  }
  sorted_.reserve(incoming_.size());
  for (const auto& [index, row] : incoming_) sorted_.push_back(row);
  for (std::size_t i = 0; i < incoming_.size();) {
    std::size_t j = i;
    while (j < incoming_.size() && incoming_[j].first == incoming_[i].first) ++j;
    work_[incoming_[i].first].begin = i;
    work_[incoming_[i].first].end = j;
    i = j;
  }
  std::vector<std::size_t> order(work_.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return id_of[a] < id_of[b]; });
  for (std::size_t i : order) OMNI_TRY(process(work_[i]));
  return ok();
}

Status BatchIngest::process(Work& w) {
  PointInfo& p = *w.point;
  std::span<const ReadingRow> rows(sorted_.data() + w.begin, w.end - w.begin);
  if (rows.empty() && !w.rederive_from) return ok();
  auto state = impl_.state(c_, p.id);
  if (!state) return fail(state.error());
  PointState& s = **state;
  bool repeated_time = std::adjacent_find(rows.begin(), rows.end(),
                                          [](const ReadingRow& a, const ReadingRow& b) {
                                            return a.at == b.at;
                                          }) != rows.end();
  bool rederive = w.rederive_from && s.has_usable && s.usable_at >= *w.rederive_from;
  if (!rederive && rows.empty()) return ok();
  bool later = rows.empty() || !s.any || rows.front().at > s.last_at;
  std::vector<LocalBucket>& buckets = local_;
  buckets.clear();
  const PointInfo* old_view = &p;
  if (w.old_versions) {
    old_views_.push_back(p);
    old_views_.back().versions = *w.old_versions;
    old_view = &old_views_.back();
  }
  if (!rederive && later && !repeated_time) {
    in_order(w, s, rows, buckets);
  } else {
    OMNI_TRY(out_of_order(w, s, rows, buckets));
  }
  for (LocalBucket& b : buckets) {
    b.point = &p;
    b.old_view = old_view;
    (b.grain == Grain::Day ? buckets_ : month_buckets_).push_back(b);
  }
  const std::int64_t block = block_of(p.id);
  if (dirty_blocks_.empty() || dirty_blocks_.back() != block) dirty_blocks_.push_back(block);
  return ok();
}

void BatchIngest::count_edge(const ReadingRow& now, const ReadingRow* before) {
  if (now.flag != EdgeFlag::Backwards && now.flag != EdgeFlag::Replaced) return;
  if (before != nullptr && before->flag == now.flag && before->prev_at == now.prev_at) return;
  if (now.flag == EdgeFlag::Backwards) {
    ++out_.went_backwards;
  } else {
    ++out_.across_replacement;
  }
}

void BatchIngest::in_order(Work& w, PointState& s, std::span<const ReadingRow> incoming,
                           std::vector<LocalBucket>& buckets) {
  PointInfo& p = *w.point;
  for (const ReadingRow& in : incoming) {
    ReadingRow row = in;
    auto reg = usable_register(row, p.energy());
    if (!reg) {
      ++out_.readings_suspect;
    } else {
      if (s.has_usable) {
        Edge e = derive_edge(p, s.usable_at, s.usable_reg, row.at, *reg, options_.coal);
        row.prev_at = s.usable_at;
        row.flag = e.flag;
        row.usage = e.usage;
        row.kgce = e.kgce;
        if (e.flag == EdgeFlag::Valid) book(buckets, s.usable_at, e.usage, e.kgce, true);
        count_edge(row, nullptr);
      }
      s.has_usable = true;
      s.usable_at = row.at;
      s.usable_reg = *reg;
    }
    s.any = true;
    s.last_at = row.at;
    ++out_.readings_new;
    inserts_.emplace_back(p.id, row);
  }
}

Result<std::optional<ReadingRow>> BatchIngest::probe(std::int64_t point, std::int64_t at) {
  auto rows = c_.query(std::string("SELECT ") + kSelectReadingColumns +
                           " FROM reading WHERE at = $1 AND point = $2",
                       {at, point});
  if (!rows) return fail(rows.error());
  if (rows->empty()) return std::optional<ReadingRow>{};
  return std::optional<ReadingRow>{reading_from_row(rows->at(0), 0)};
}

Status BatchIngest::out_of_order(Work& w, PointState& s, std::span<const ReadingRow> incoming,
                                 std::vector<LocalBucket>& buckets) {
  PointInfo& p = *w.point;
  std::int64_t x = std::numeric_limits<std::int64_t>::max();
  if (!incoming.empty()) x = incoming.front().at;
  if (w.rederive_from) x = std::min(x, *w.rederive_from);
  ++out_.rederived_points;

  // 1. The chain from its end back to the anchor, the latest usable reading before x.
  std::map<std::int64_t, ReadingRow> stored;
  std::optional<std::pair<std::int64_t, std::int64_t>> anchor;  // (at, register)
  if (s.has_usable && s.usable_at < x) {
    anchor = {s.usable_at, s.usable_reg};
  } else if (s.has_usable) {
    std::int64_t at = s.usable_at;
    for (;;) {
      auto row = probe(p.id, at);
      if (!row) return fail(row.error());
      if (!*row) {
        return fail(ErrorCode::Internal,
                    fmt::format("point {}: the reading at {} its chain links to is missing; "
                                "run rebuild_rollups",
                                p.code.to_string(), at));
      }
      if ((*row)->at < x) {
        auto reg = usable_register(**row, p.energy());
        if (reg) anchor = {(*row)->at, *reg};
        break;
      }
      std::optional<std::int64_t> prev = (*row)->prev_at;
      stored.emplace((*row)->at, std::move(**row));
      if (!prev) break;
      if (*prev >= at) {
        return fail(ErrorCode::Internal,
                    fmt::format("point {}: the chain does not go back in time at {}; run "
                                "rebuild_rollups",
                                p.code.to_string(), at));
      }
      at = *prev;
    }
  }
  // 2. Stored readings (of any quality) at the batch's times.
  for (const ReadingRow& in : incoming) {
    if (!s.any || in.at > s.last_at || stored.count(in.at)) continue;
    auto row = probe(p.id, in.at);
    if (!row) return fail(row.error());
    if (*row) stored.emplace(in.at, std::move(**row));
  }
  // 3. Apply the batch: new times are inserted, other values replace, equal ones are no-ops.
  std::map<std::int64_t, ReadingRow> rows = stored;
  for (const ReadingRow& in : incoming) {
    auto it = rows.find(in.at);
    if (it == rows.end()) {
      rows.emplace(in.at, in);
      ++out_.readings_new;
      if (!usable_register(in, p.energy())) ++out_.readings_suspect;
    } else if (it->second.same_value(in)) {
      ++out_.readings_same;
    } else {
      ReadingRow& r = it->second;
      r.mantissa = in.mantissa, r.scale = in.scale, r.unit = in.unit, r.quality = in.quality;
      ++r.changes;
      ++out_.readings_changed;
      if (!usable_register(in, p.energy())) ++out_.readings_suspect;
    }
  }
  // 4. Re-derive the segment from the anchor.
  std::optional<std::pair<std::int64_t, std::int64_t>> prev = anchor;
  for (auto& [at, row] : rows) {
    auto reg = usable_register(row, p.energy());
    row.prev_at.reset();
    row.usage = row.kgce = 0;
    row.flag = EdgeFlag::None;
    if (!reg) continue;
    if (prev) {
      Edge e = derive_edge(p, prev->first, prev->second, at, *reg, options_.coal);
      row.prev_at = prev->first;
      row.flag = e.flag;
      row.usage = e.usage;
      row.kgce = e.kgce;
    }
    prev = {at, *reg};
  }
  // 5. Old intervals out, new ones in; rows written where anything differs.
  for (const auto& [at, row] : stored) {
    if (row.flag == EdgeFlag::Valid) book(buckets, *row.prev_at, row.usage, row.kgce, false);
  }
  for (const auto& [at, row] : rows) {
    if (row.flag == EdgeFlag::Valid) book(buckets, *row.prev_at, row.usage, row.kgce, true);
    auto old = stored.find(at);
    const ReadingRow* before = old == stored.end() ? nullptr : &old->second;
    count_edge(row, before);
    if (before == nullptr) {
      inserts_.emplace_back(p.id, row);
    } else if (!(before->same_value(row) && before->same_derived(row) &&
                 before->changes == row.changes)) {
      Params params = reading_insert_params(p.id, row);
      updates_.push_back(std::move(params));
    }
  }
  // 6. The new state.
  for (const ReadingRow& in : incoming) {
    s.last_at = s.any ? std::max(s.last_at, in.at) : in.at;
    s.any = true;
  }
  s.has_usable = prev.has_value();
  if (prev) s.usable_at = prev->first, s.usable_reg = prev->second;
  return ok();
}

Status BatchIngest::flush() {
  std::sort(inserts_.begin(), inserts_.end(), [](const auto& a, const auto& b) {
    return a.second.at != b.second.at ? a.second.at < b.second.at : a.first < b.first;
  });
  std::vector<Value> flat;
  flat.reserve(inserts_.size() * 11);
  for (const auto& [point, row] : inserts_) append_reading_values(flat, point, row);
  if (!flat.empty()) {
    OMNI_TRY(insert_rows(c_,
                         "INSERT INTO reading (at, point, mantissa, scale, unit, quality, changes, "
                         "prev_at, usage, kgce, flag) VALUES",
                         "", 11, flat));
  }
  if (!updates_.empty()) {
    auto n = c_.execute_batch(kUpdateReading, updates_);
    if (!n) return fail(n.error());
  }
  std::sort(dirty_blocks_.begin(), dirty_blocks_.end());
  dirty_blocks_.erase(std::unique(dirty_blocks_.begin(), dirty_blocks_.end()), dirty_blocks_.end());
  std::vector<Value> states;
  for (std::int64_t block : dirty_blocks_) {
    states.emplace_back(block);
    states.emplace_back(encode_states(*impl_.states.at(block)));
  }
  if (!states.empty()) {
    OMNI_TRY(insert_rows(c_, "INSERT INTO state_block (block, data) VALUES",
                         " ON CONFLICT (block) DO UPDATE SET data = excluded.data", 2, states));
  }
  // Days then months, each already in key order when the batch was in order.
  buckets_.insert(buckets_.end(), month_buckets_.begin(), month_buckets_.end());
  OMNI_TRY(apply_point_deltas(c_, buckets_, deltas_));
  return deltas_.flush(c_);
}

// Rolls back unless committed: the transaction of a batch that failed half-way leaves nothing.
class TransactionGuard {
 public:
  explicit TransactionGuard(Connection& c) : c_(c) {}
  ~TransactionGuard() {
    if (open_) (void)c_.rollback();
  }
  Status begin() {
    OMNI_TRY(c_.begin());
    open_ = true;
    return ok();
  }
  Status commit() {
    auto st = c_.commit();
    if (st) open_ = false;
    return st;
  }
  void rollback() {
    if (open_) (void)c_.rollback();
    open_ = false;
  }

 private:
  Connection& c_;
  bool open_ = false;
};

}  // namespace

namespace {

Result<IngestOutcome> ingest_batch(DataCentre::Impl& impl, storage::Database& db,
                                   const DataCentreOptions& options, const exchange::Batch& batch,
                                   std::string_view digest, UtcTime now) {
  auto conn = db.acquire(storage::Access::Write);
  if (!conn) return fail(conn.error());
  Connection& c = **conn;
  if (!impl.tuned && c.backend() == storage::Backend::Sqlite) {
    // Per-connection settings of the SQLite writer, once: 64 MiB of page cache (a city's point
    // blocks and the open rollup pages stay in memory; SQLite's default is 2 MiB), and a
    // checkpoint every 8000 WAL pages instead of 1000, so pages rewritten by consecutive batches
    // (blocks, month rows, interior pages) are copied into the database once, not every few
    // batches. Durability is unchanged: every commit is still synced (synchronous=FULL).
    OMNI_TRY(c.execute_script("PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 8000"));
    impl.tuned = true;
  }
  TransactionGuard tx(c);
  OMNI_TRY(tx.begin());
  // Any failure below may leave the caches ahead of the database: drop them.
  auto failed = [&](Error e) -> Result<IngestOutcome> {
    tx.rollback();
    impl.clear();
    return fail(std::move(e));
  };

  // The row lock serialises ingest across instances; the generation tells whether another
  // instance wrote since this one's caches were filled.
  auto gen = c.query("UPDATE cloud_state SET generation = generation + 1 WHERE id = 1 "
                     "RETURNING generation");
  if (!gen) return failed(gen.error());
  if (gen->empty()) return failed({ErrorCode::Internal, "cloud_state has no row: not migrated?"});
  std::int64_t generation = col_i64(gen->at(0), 0);
  if (impl.generation != generation - 1) impl.clear();

  IngestOutcome out;
  auto logged = c.query("SELECT digest FROM cloud_batch WHERE station = $1 AND sequence = $2",
                        {batch.station, static_cast<std::int64_t>(batch.sequence)});
  if (!logged) return failed(logged.error());
  if (!logged->empty()) {
    out.recorded_digest = logged->at(0).get<std::string>(0).value_or("");
    out.status = out.recorded_digest == digest ? IngestStatus::Duplicate : IngestStatus::Conflict;
    tx.rollback();
    // The generation bump is rolled back; the caches (possibly just emptied) match the database.
    impl.generation = generation - 1;
    return out;
  }

  BatchIngest in(impl, c, options, now, out);
  Status st = in.regions(batch.regions);
  if (st) st = in.meters(batch.meters, batch.station);
  if (st) st = in.costs(batch.costs);
  if (st) st = in.coverage(batch.coverage, batch.station);
  if (st) st = in.readings(batch.readings);
  if (st) st = in.process_points();
  if (st) st = in.flush();
  if (!st) return failed(st.error());
  auto n = c.execute(
      "INSERT INTO cloud_batch (station, sequence, digest, created_at, received_at, records, "
      "readings, readings_new, readings_changed, readings_unknown, readings_suspect) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
      {batch.station, static_cast<std::int64_t>(batch.sequence), std::string(digest),
       batch.created.seconds, now.seconds, static_cast<std::int64_t>(batch.record_count()),
       static_cast<std::int64_t>(batch.readings.size()), out.readings_new, out.readings_changed,
       out.readings_unknown, out.readings_suspect});
  if (!n) return failed(n.error());
  if (auto committed = tx.commit(); !committed) return failed(committed.error());
  impl.generation = generation;
  return out;
}

}  // namespace

Result<IngestOutcome> DataCentre::ingest(const exchange::Batch& batch, std::string_view digest,
                                         UtcTime now) {
  OMNI_TRY(options_.coal.validate());
  std::lock_guard lock(write_mutex_);
  try {
    return ingest_batch(*impl_, db_, options_, batch, digest, now);
  } catch (...) {
    impl_->clear();  // the transaction was rolled back; the caches may be ahead of it
    throw;
  }
}

}  // namespace omni::cloud
