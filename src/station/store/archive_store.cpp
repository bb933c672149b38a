#include "station/store/archive_store.hpp"

#include <algorithm>
#include <map>

namespace omni::station {

const char* quality_name(Quality q) {
  switch (q) {
    case Quality::Measured:
      return "measured";
    case Quality::Estimated:
      return "estimated";
    case Quality::Edited:
      return "edited";
    case Quality::Suspect:
      return "suspect";
  }
  return "unknown";
}

using storage::Connection;

namespace {

bool is_baseline(Quality q) { return q == Quality::Measured || q == Quality::Edited; }

std::int64_t beijing_day(std::int64_t utc_seconds) {
  CivilTime c = TimeZone::shanghai().to_local(UtcTime{utc_seconds});
  return days_from_civil(c.year, c.month, c.day);
}

constexpr const char* kInsertDaily =
    "INSERT INTO reading_daily (meter_id, day, value, scale, unit, quality, received_at, "
    "export_seq, method) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
    "ON CONFLICT (meter_id, day) DO NOTHING";
// Only an estimate is ever overwritten by the VEE passes; the quality test makes that a fact.
constexpr const char* kUpdateEstimate =
    "UPDATE reading_daily SET value = $3, scale = $4, unit = $5, quality = $6, "
    "received_at = $7, export_seq = $8, method = $9 "
    "WHERE meter_id = $1 AND day = $2 AND quality = 1";

// A stored daily value as the VEE passes see it.
struct Known {
  std::int64_t value;
  Quality quality;
  int scale;
  std::string unit;
};
using Days = std::map<std::int64_t, Known>;  // day -> value of one meter

// The gaps on both sides of the baseline value of `day`: every day between it and the nearest
// baseline value at most vee.max_gap_days away (not before `installed_day`, same scale and unit)
// gets the interpolated value. A stored estimate that differs is rewritten (`updates`); a day
// without a row gets a new estimate (`inserts`) only within `create` (an empty range: none);
// anything else there (a suspect value) stays. Rows: the reading_daily insert's columns, the
// export number left 0. `days` is updated; `count` counts the rows written.
void estimate_around(const vee::Config& vee, std::int64_t id, Days& days,
                     std::int64_t installed_day, std::int64_t day,
                     std::pair<std::int64_t, std::int64_t> create, UtcTime now,
                     std::vector<storage::Params>& inserts, std::vector<storage::Params>& updates,
                     std::int64_t& count) {
  auto neighbour = [&](bool later) -> std::optional<std::int64_t> {
    for (std::int64_t d = 1; d <= vee.max_gap_days; ++d) {
      const std::int64_t at = later ? day + d : day - d;
      if (at < installed_day) return std::nullopt;
      auto h = days.find(at);
      if (h != days.end() && is_baseline(h->second.quality)) return at;
    }
    return std::nullopt;
  };
  for (bool later : {false, true}) {
    auto other = neighbour(later);
    if (!other) continue;
    const std::int64_t d0 = later ? day : *other, d1 = later ? *other : day;
    const Known k0 = days.at(d0), k1 = days.at(d1);
    if (k0.scale != k1.scale || k0.unit != k1.unit) continue;  // not one register
    for (const vee::Baseline& e : vee::interpolate(d0, k0.value, d1, k1.value)) {
      storage::Params row{id,
                          e.day,
                          e.value,
                          static_cast<std::int64_t>(k0.scale),
                          k0.unit,
                          static_cast<std::int64_t>(Quality::Estimated),
                          now.seconds,
                          std::int64_t{0},
                          kEstimateMethod};
      auto h = days.find(e.day);
      if (h == days.end()) {
        if (e.day < create.first || e.day > create.second) continue;
        days[e.day] = Known{e.value, Quality::Estimated, k0.scale, k0.unit};
        inserts.push_back(std::move(row));
        ++count;
      } else if (h->second.quality == Quality::Estimated && h->second.value != e.value) {
        h->second.value = e.value;
        updates.push_back(std::move(row));
        ++count;
      }
    }
  }
}

}  // namespace

Result<std::int64_t> take_reading_export_numbers(Connection& c, std::int64_t n) {
  auto next = c.query(
      "UPDATE export_state SET value = value + $1 WHERE name = 'next_reading' RETURNING value",
      {n});
  if (!next) return fail(next.error());
  if (next->empty()) return fail(ErrorCode::Internal, "export_state has no next_reading");
  auto end = next->at(0).get<std::int64_t>(0);
  if (!end) return fail(end.error());
  return *end - n;
}

Result<std::int64_t> ArchiveStore::touch_concentrator(const MeterAddress& address, UtcTime now) {
  std::int64_t id = 0;
  OMNI_TRY(db_.transaction([&](Connection& c) -> Status {
    auto rows = c.query(
        "INSERT INTO concentrator (address, first_seen, last_seen) VALUES ($1, $2, $2) "
        "ON CONFLICT (address) DO UPDATE SET last_seen = excluded.last_seen RETURNING id",
        {address.to_string(), now.seconds});
    if (!rows) return fail(rows.error());
    auto v = rows->at(0).get<std::int64_t>(0);
    if (!v) return fail(v.error());
    id = *v;
    return ok();
  }));
  return id;
}

Status ArchiveStore::upsert_meters(std::int64_t concentrator_id,
                                   const std::vector<ArchiveRow>& rows, UtcTime now) {
  std::vector<storage::Params> params;
  params.reserve(rows.size());
  for (const auto& r : rows) {
    params.push_back({r.address.to_string(), concentrator_id, static_cast<std::int64_t>(r.serial),
                      static_cast<std::int64_t>(r.protocol), now.seconds});
  }
  return db_.transaction([&](Connection& c) -> Status {
    auto n = c.execute_batch(
        "INSERT INTO meter (address, concentrator_id, serial, protocol, first_seen) "
        "VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (address) DO UPDATE SET concentrator_id = excluded.concentrator_id, "
        "serial = excluded.serial, protocol = excluded.protocol",
        params);
    if (!n) return fail(n.error());
    // Learn the ids of this concentrator's meters in one query: readings follow at once.
    auto ids =
        c.query("SELECT id, address FROM meter WHERE concentrator_id = $1", {concentrator_id});
    if (!ids) return fail(ids.error());
    std::lock_guard lock(ids_mutex_);
    for (const auto& row : ids->rows) {
      if (auto address = MeterAddress::from_digits(row.get<std::string>(1).value_or(""))) {
        ids_[*address] = row.get<std::int64_t>(0).value_or(0);
      }
    }
    return ok();
  });
}

Result<std::optional<std::int64_t>> ArchiveStore::meter_id(Connection& c,
                                                           const MeterAddress& address) {
  {
    std::lock_guard lock(ids_mutex_);
    if (auto it = ids_.find(address); it != ids_.end()) return it->second;
  }
  auto rows = c.query("SELECT id FROM meter WHERE address = $1", {address.to_string()});
  if (!rows) return fail(rows.error());
  if (rows->empty()) return std::optional<std::int64_t>{};
  auto id = rows->at(0).get<std::int64_t>(0);
  if (!id) return fail(id.error());
  std::lock_guard lock(ids_mutex_);
  ids_[address] = *id;
  return std::optional<std::int64_t>{*id};
}

// One batch (typically one concentrator's reply) in one transaction, set-based: the values
// already stored for these meters from the rules' look-back before the earliest day to the
// longest estimated gap after the latest, their points and vacancies are read in three queries;
// each new value is checked against its meter's earlier baseline values (including earlier
// days of the same batch); the new rows go in as pipelined batches.
Result<ArchiveStore::SaveResult> ArchiveStore::save_daily(const std::vector<DailyReading>& readings,
                                                          UtcTime now) {
  const std::int64_t look_back = vee_.look_back_days();
  const std::int64_t look_ahead = vee_.max_gap_days;
  SaveResult result;
  OMNI_TRY(db_.transaction([&](Connection& c) -> Status {
    struct Item {
      std::int64_t meter_id;
      const DailyReading* reading;
    };
    std::vector<Item> items;
    items.reserve(readings.size());
    std::int64_t lo_id = INT64_MAX, hi_id = INT64_MIN, lo_day = INT64_MAX, hi_day = INT64_MIN;
    for (const auto& r : readings) {
      auto id = meter_id(c, r.meter);
      if (!id) return fail(id.error());
      if (!*id) {
        ++result.unknown;
        continue;
      }
      items.push_back({**id, &r});
      lo_id = std::min(lo_id, **id), hi_id = std::max(hi_id, **id);
      lo_day = std::min(lo_day, r.day), hi_day = std::max(hi_day, r.day);
    }
    if (items.empty()) return ok();
    std::unordered_map<std::int64_t, Days> known;  // meter -> day -> row
    auto stored = c.query(
        "SELECT meter_id, day, value, quality, scale, unit FROM reading_daily "
        "WHERE meter_id >= $1 AND meter_id <= $2 AND day >= $3 AND day <= $4",
        {lo_id, hi_id, lo_day - look_back, hi_day + look_ahead});
    if (!stored) return fail(stored.error());
    for (const auto& row : stored->rows) {
      known[row.get<std::int64_t>(0).value_or(0)][row.get<std::int64_t>(1).value_or(0)] =
          Known{row.get<std::int64_t>(2).value_or(0),
                static_cast<Quality>(row.get<std::int64_t>(3).value_or(0)),
                static_cast<int>(row.get<std::int64_t>(4).value_or(0)),
                row.get<std::string>(5).value_or("")};
    }
    struct Point {
      vee::PointInfo info;
      std::int64_t installed_day = INT64_MIN;  // values before it belong to an earlier device
      std::vector<std::pair<std::int64_t, std::int64_t>> vacant;  // [from, to] day ranges
    };
    std::unordered_map<std::int64_t, Point> points;
    auto archived = c.query(
        "SELECT m.id, p.energy, p.customer, p.multiplier, p.installed FROM meter m "
        "JOIN point p ON p.address = m.address WHERE m.id >= $1 AND m.id <= $2",
        {lo_id, hi_id});
    if (!archived) return fail(archived.error());
    for (const auto& row : archived->rows) {
      Point& p = points[row.get<std::int64_t>(0).value_or(0)];
      p.info = {true, static_cast<int>(row.get<std::int64_t>(1).value_or(0)),
                static_cast<int>(row.get<std::int64_t>(2).value_or(0)),
                row.get<std::int64_t>(3).value_or(1)};
      p.installed_day = beijing_day(row.get<std::int64_t>(4).value_or(0));
    }
    auto vacancies = c.query(
        "SELECT m.id, v.from_day, v.to_day FROM meter_vacancy v "
        "JOIN meter m ON m.address = v.address WHERE m.id >= $1 AND m.id <= $2",
        {lo_id, hi_id});
    if (!vacancies) return fail(vacancies.error());
    for (const auto& row : vacancies->rows) {
      points[row.get<std::int64_t>(0).value_or(0)].vacant.emplace_back(
          row.get<std::int64_t>(1).value_or(0),
          row.is_null(2) ? INT64_MAX : row.get<std::int64_t>(2).value_or(0));
    }
    const Point no_point;
    auto point_of = [&](std::int64_t id) -> const Point& {
      auto it = points.find(id);
      return it == points.end() ? no_point : it->second;
    };

    std::sort(items.begin(), items.end(),
              [](const Item& a, const Item& b) { return a.reading->day < b.reading->day; });
    // Columns: meter, day, value, scale, unit, quality, received_at, export_seq (filled in
    // below), method.
    std::vector<storage::Params> rows, updates, reviews;
    std::vector<storage::Params> no_estimates;  // stays empty: the create range below is empty
    std::unordered_map<std::int64_t, std::vector<std::int64_t>> new_baseline;  // meter -> days
    std::vector<vee::Baseline> history;
    for (const Item& it : items) {
      const DailyReading& r = *it.reading;
      auto& days = known[it.meter_id];
      bool replaces_estimate = false;
      if (auto hit = days.find(r.day); hit != days.end()) {
        if (hit->second.quality != Quality::Estimated || r.quality == Quality::Estimated) {
          ++result.duplicates;  // stored before (or twice in this batch): the first value stands
          continue;
        }
        replaces_estimate = true;  // the real value always wins over an estimate
      }
      const Point& point = point_of(it.meter_id);
      history.clear();
      for (auto h = days.lower_bound(std::max(point.installed_day, r.day - look_back));
           h != days.end() && h->first < r.day; ++h) {
        if (is_baseline(h->second.quality)) history.push_back({h->first, h->second.value});
      }
      bool vacant = false;
      for (const auto& [from, to] : point.vacant) vacant |= from <= r.day && r.day <= to;
      Quality quality = r.quality;
      vee::Verdict verdict =
          vee::validate(vee_, point.info, history, r.day, r.value, r.scale, vacant);
      if (verdict.reason != vee::Reason::None) {
        quality = Quality::Suspect;
        ++result.suspect;
        reviews.push_back({it.meter_id, r.day, r.value, verdict.previous,
                           std::string(vee::reason_name(verdict.reason)), verdict.detail,
                           now.seconds});
      }
      days[r.day] = Known{r.value, quality, r.scale, r.unit};
      if (is_baseline(quality) && r.day >= point.installed_day) {
        new_baseline[it.meter_id].push_back(r.day);
      }
      storage::Params row{it.meter_id, r.day,
                          r.value,     static_cast<std::int64_t>(r.scale),
                          r.unit,      static_cast<std::int64_t>(quality),
                          now.seconds, std::int64_t{0},
                          nullptr};
      if (replaces_estimate) {
        ++result.replaced_estimates;
        updates.push_back(std::move(row));
      } else {
        rows.push_back(std::move(row));
      }
    }

    // A real value that replaced an estimate (or arrived inside a gap) changes the line the
    // estimates around it lie on: recompute the estimates already stored there. New estimates
    // are estimate_gaps' job, so the save path adds no rows but the readings it was given.
    for (const auto& [id, new_days] : new_baseline) {
      auto& days = known[id];
      for (std::int64_t day : new_days) {
        estimate_around(vee_, id, days, point_of(id).installed_day, day, {1, 0}, now, no_estimates,
                        updates, result.estimated);
      }
    }

    const auto total = static_cast<std::int64_t>(rows.size() + updates.size());
    if (total > 0) {
      // Export sequence numbers for the new and changed rows, taken last so that on PostgreSQL
      // the counter row stays locked (ordering concurrent writers, schema.cpp step 3) only for
      // the writes and the commit. A row the insert skips leaves a gap, which the exporter does
      // not mind.
      auto first = take_reading_export_numbers(c, total);
      if (!first) return fail(first.error());
      std::int64_t seq = *first;
      for (auto* list : {&rows, &updates}) {
        for (auto& row : *list) row[7] = storage::Value(seq++);
      }
      if (!rows.empty()) {
        auto n = c.execute_batch(kInsertDaily, rows);
        if (!n) return fail(n.error());
        result.inserted = *n;
        result.duplicates += static_cast<std::int64_t>(rows.size()) - *n;
      }
      if (!updates.empty()) {
        auto n = c.execute_batch(kUpdateEstimate, updates);
        if (!n) return fail(n.error());
      }
      result.inserted += result.replaced_estimates;
    }
    if (!reviews.empty()) {
      auto n = c.execute_batch(
          "INSERT INTO review_item (meter_id, day, value, previous, reason, detail, created_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
          reviews);
      if (!n) return fail(n.error());
    }
    return ok();
  }));
  return result;
}

Result<std::int64_t> ArchiveStore::estimate_gaps(std::int64_t from_day, std::int64_t to_day,
                                                 UtcTime now) {
  if (to_day < from_day) return std::int64_t{0};
  const std::int64_t gap = vee_.max_gap_days;
  auto bounds = db_.query("SELECT MIN(id), MAX(id) FROM meter");
  if (!bounds) return fail(bounds.error());
  if (bounds->empty() || bounds->at(0).is_null(0)) return std::int64_t{0};
  const std::int64_t first = bounds->at(0).get<std::int64_t>(0).value_or(0);
  const std::int64_t last = bounds->at(0).get<std::int64_t>(1).value_or(0);
  // A few thousand meters per transaction: short locks, bounded memory.
  constexpr std::int64_t kChunk = 2000;
  std::int64_t written = 0;
  for (std::int64_t lo = first; lo <= last; lo += kChunk) {
    const std::int64_t hi = lo + kChunk - 1;
    OMNI_TRY(db_.transaction([&](Connection& c) -> Status {
      auto stored = c.query(
          "SELECT meter_id, day, value, quality, scale, unit FROM reading_daily "
          "WHERE meter_id >= $1 AND meter_id <= $2 AND day >= $3 AND day <= $4",
          {lo, hi, from_day - gap, to_day + gap});
      if (!stored) return fail(stored.error());
      if (stored->empty()) return ok();
      std::map<std::int64_t, Days> known;  // meter -> day -> row, in meter order
      for (const auto& row : stored->rows) {
        known[row.get<std::int64_t>(0).value_or(0)][row.get<std::int64_t>(1).value_or(0)] =
            Known{row.get<std::int64_t>(2).value_or(0),
                  static_cast<Quality>(row.get<std::int64_t>(3).value_or(0)),
                  static_cast<int>(row.get<std::int64_t>(4).value_or(0)),
                  row.get<std::string>(5).value_or("")};
      }
      std::unordered_map<std::int64_t, std::int64_t> installed;
      auto archived = c.query(
          "SELECT m.id, p.installed FROM meter m JOIN point p ON p.address = m.address "
          "WHERE m.id >= $1 AND m.id <= $2",
          {lo, hi});
      if (!archived) return fail(archived.error());
      for (const auto& row : archived->rows) {
        installed[row.get<std::int64_t>(0).value_or(0)] =
            beijing_day(row.get<std::int64_t>(1).value_or(0));
      }
      std::vector<storage::Params> inserts, updates;
      std::int64_t count = 0;
      for (auto& [id, days] : known) {
        auto it = installed.find(id);
        const std::int64_t installed_day = it == installed.end() ? INT64_MIN : it->second;
        std::vector<std::int64_t> baseline;
        for (const auto& [day, k] : days) {
          if (is_baseline(k.quality) && day >= installed_day) baseline.push_back(day);
        }
        for (std::int64_t day : baseline) {
          estimate_around(vee_, id, days, installed_day, day, {from_day, to_day}, now, inserts,
                          updates, count);
        }
      }
      const auto total = static_cast<std::int64_t>(inserts.size() + updates.size());
      if (total == 0) return ok();
      auto seq = take_reading_export_numbers(c, total);
      if (!seq) return fail(seq.error());
      std::int64_t next = *seq;
      for (auto* list : {&inserts, &updates}) {
        for (auto& row : *list) row[7] = storage::Value(next++);
      }
      if (!inserts.empty()) {
        auto n = c.execute_batch(kInsertDaily, inserts);
        if (!n) return fail(n.error());
        written += *n;
      }
      if (!updates.empty()) {
        auto n = c.execute_batch(kUpdateEstimate, updates);
        if (!n) return fail(n.error());
        written += *n;
      }
      return ok();
    }));
  }
  return written;
}

Status ArchiveStore::set_vacancy(const MeterAddress& meter, std::int64_t from_day,
                                 std::optional<std::int64_t> to_day) {
  auto n = db_.execute(
      "INSERT INTO meter_vacancy (address, from_day, to_day) VALUES ($1, $2, $3) "
      "ON CONFLICT (address, from_day) DO UPDATE SET to_day = excluded.to_day",
      {meter.to_string(), from_day, to_day ? storage::Value(*to_day) : storage::Value()});
  if (!n) return fail(n.error());
  return ok();
}

Result<std::int64_t> ArchiveStore::supervise_daily(std::int64_t day, UtcTime now) {
  std::int64_t raised = 0;
  OMNI_TRY(db_.transaction([&](Connection& c) -> Status {
    auto n = c.execute(
        "INSERT INTO alarm (meter_id, kind, day, raised_at) "
        "SELECT m.id, 'missing_daily', $1, $2 FROM meter m "
        "WHERE m.first_seen <= $2 AND NOT EXISTS "
        "(SELECT 1 FROM reading_daily r WHERE r.meter_id = m.id AND r.day = $1 "
        "AND r.quality <> 1) "
        "ON CONFLICT (meter_id, kind, day) DO NOTHING",
        {day, now.seconds});
    if (!n) return fail(n.error());
    raised = *n;
    auto cleared = c.execute(
        "UPDATE alarm SET cleared_at = $1 WHERE kind = 'missing_daily' AND cleared_at IS NULL "
        "AND EXISTS (SELECT 1 FROM reading_daily r WHERE r.meter_id = alarm.meter_id "
        "AND r.day = alarm.day AND r.quality <> 1)",
        {now.seconds});
    if (!cleared) return fail(cleared.error());
    return ok();
  }));
  return raised;
}

Result<std::vector<ArchiveStore::DailySuccess>> ArchiveStore::daily_success(std::int64_t day) {
  auto rows = db_.query(
      "SELECT c.address, COUNT(m.id), COUNT(r.meter_id) FROM concentrator c "
      "JOIN meter m ON m.concentrator_id = c.id "
      "LEFT JOIN reading_daily r ON r.meter_id = m.id AND r.day = $1 AND r.quality IN (0, 2) "
      "GROUP BY c.address ORDER BY c.address",
      {day});
  if (!rows) return fail(rows.error());
  std::vector<DailySuccess> out;
  for (const auto& row : rows->rows) {
    out.push_back({row.get<std::string>(0).value_or(""), row.get<std::int64_t>(1).value_or(0),
                   row.get<std::int64_t>(2).value_or(0)});
  }
  return out;
}

Result<std::vector<ArchiveStore::StoredDaily>> ArchiveStore::meter_daily(const MeterAddress& meter,
                                                                         std::int64_t from,
                                                                         std::int64_t to) {
  auto id = db_.query("SELECT id FROM meter WHERE address = $1", {meter.to_string()});
  if (!id) return fail(id.error());
  if (id->empty()) return fail(ErrorCode::NotFound, "no meter " + meter.to_string());
  auto rows = db_.query(
      "SELECT day, value, scale, unit, quality FROM reading_daily "
      "WHERE meter_id = $1 AND day >= $2 AND day <= $3 ORDER BY day",
      {id->at(0).get<std::int64_t>(0).value_or(0), from, to});
  if (!rows) return fail(rows.error());
  std::vector<StoredDaily> out;
  for (const auto& r : rows->rows) {
    out.push_back({r.get<std::int64_t>(0).value_or(0), r.get<std::int64_t>(1).value_or(0),
                   static_cast<int>(r.get<std::int64_t>(2).value_or(0)),
                   r.get<std::string>(3).value_or(""),
                   static_cast<Quality>(r.get<std::int64_t>(4).value_or(0))});
  }
  return out;
}

Result<std::vector<ArchiveStore::OpenAlarm>> ArchiveStore::open_alarms(std::int64_t limit) {
  auto rows = db_.query(
      "SELECT m.address, a.kind, a.day, a.raised_at FROM alarm a JOIN meter m ON m.id = a.meter_id "
      "WHERE a.cleared_at IS NULL ORDER BY a.raised_at DESC, m.address LIMIT $1",
      {limit});
  if (!rows) return fail(rows.error());
  std::vector<OpenAlarm> out;
  for (const auto& r : rows->rows) {
    out.push_back({r.get<std::string>(0).value_or(""), r.get<std::string>(1).value_or(""),
                   r.get<std::int64_t>(2).value_or(0), r.get<std::int64_t>(3).value_or(0)});
  }
  return out;
}

Status ArchiveStore::record_event(const MeterAddress& address, std::string_view kind,
                                  std::string_view detail, UtcTime now) {
  auto n =
      db_.execute("INSERT INTO session_event (at, address, kind, detail) VALUES ($1, $2, $3, $4)",
                  {now.seconds, address.to_string(), kind, detail});
  if (!n) return fail(n.error());
  return ok();
}

}  // namespace omni::station
