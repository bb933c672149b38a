#include "station/store/archive_store.hpp"

#include <algorithm>
#include <map>

namespace omni::station {

using storage::Connection;

namespace {

// Registers have eight digits (999999.99) and wrap; a drop from the top of the range to near
// zero is a rollover, any other drop is suspect (a swapped meter, a misread, a fault).
constexpr std::int64_t kRegisterModulus = 100'000'000;

bool is_rollover(std::int64_t previous, std::int64_t value) {
  return previous > kRegisterModulus * 9 / 10 && value < kRegisterModulus / 10;
}

}  // namespace

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
    auto ids = c.query("SELECT id, address FROM meter WHERE concentrator_id = $1", {concentrator_id});
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
// already stored for these meters over the batch's days and the week before are read in one
// query; each new value is checked against its meter's latest earlier value (including earlier
// days of the same batch); the new rows go in as one pipelined batch.
Result<ArchiveStore::SaveResult> ArchiveStore::save_daily(const std::vector<DailyReading>& readings,
                                                          UtcTime now) {
  constexpr std::int64_t kLookBackDays = 7;
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
    // Stored values of these meters from a week before the earliest day on.
    auto stored = c.query(
        "SELECT meter_id, day, value FROM reading_daily "
        "WHERE meter_id >= $1 AND meter_id <= $2 AND day >= $3 AND day <= $4",
        {lo_id, hi_id, lo_day - kLookBackDays, hi_day});
    if (!stored) return fail(stored.error());
    std::unordered_map<std::int64_t, std::map<std::int64_t, std::int64_t>>
        known;  // meter -> day -> value
    for (const auto& row : stored->rows) {
      known[row.get<std::int64_t>(0).value_or(0)][row.get<std::int64_t>(1).value_or(0)] =
          row.get<std::int64_t>(2).value_or(0);
    }
    std::sort(items.begin(), items.end(),
              [](const Item& a, const Item& b) { return a.reading->day < b.reading->day; });
    std::vector<storage::Params> rows, reviews;
    for (const Item& it : items) {
      const DailyReading& r = *it.reading;
      auto& days = known[it.meter_id];
      if (days.count(r.day)) {
        ++result.duplicates;  // stored before (or twice in this batch): the first value stands
        continue;
      }
      Quality quality = r.quality;
      auto before = days.lower_bound(r.day);
      if (before != days.begin()) {
        std::int64_t previous = std::prev(before)->second;
        if (r.value < previous && !is_rollover(previous, r.value)) {
          quality = Quality::Suspect;
          ++result.suspect;
          reviews.push_back({it.meter_id, r.day, r.value, previous, now.seconds});
        }
      }
      days[r.day] = r.value;
      // The last column, the export sequence number, is filled in below.
      rows.push_back({it.meter_id, r.day, r.value, static_cast<std::int64_t>(r.scale), r.unit,
                      static_cast<std::int64_t>(quality), now.seconds, std::int64_t{0}});
    }
    if (!rows.empty()) {
      // Export sequence numbers for the new rows, taken last so that on PostgreSQL the counter
      // row stays locked (ordering concurrent writers, schema.cpp step 3) only for the insert
      // and the commit. A row the insert skips leaves a gap, which the exporter does not mind.
      auto next = c.query(
          "UPDATE export_state SET value = value + $1 WHERE name = 'next_reading' RETURNING value",
          {static_cast<std::int64_t>(rows.size())});
      if (!next) return fail(next.error());
      if (next->empty()) return fail(ErrorCode::Internal, "export_state has no next_reading");
      auto end = next->at(0).get<std::int64_t>(0);
      if (!end) return fail(end.error());
      std::int64_t seq = *end - static_cast<std::int64_t>(rows.size());
      for (auto& row : rows) row.back() = storage::Value(seq++);
      auto n = c.execute_batch(
          "INSERT INTO reading_daily (meter_id, day, value, scale, unit, quality, received_at, "
          "export_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
          "ON CONFLICT (meter_id, day) DO NOTHING",
          rows);
      if (!n) return fail(n.error());
      result.inserted = *n;
      result.duplicates += static_cast<std::int64_t>(rows.size()) - *n;
    }
    if (!reviews.empty()) {
      auto n = c.execute_batch(
          "INSERT INTO review_item (meter_id, day, value, previous, reason, created_at) "
          "VALUES ($1, $2, $3, $4, 'register went backwards', $5) ON CONFLICT DO NOTHING",
          reviews);
      if (!n) return fail(n.error());
    }
    return ok();
  }));
  return result;
}

Result<std::int64_t> ArchiveStore::supervise_daily(std::int64_t day, UtcTime now) {
  std::int64_t raised = 0;
  OMNI_TRY(db_.transaction([&](Connection& c) -> Status {
    auto n = c.execute(
        "INSERT INTO alarm (meter_id, kind, day, raised_at) "
        "SELECT m.id, 'missing_daily', $1, $2 FROM meter m "
        "WHERE m.first_seen <= $2 AND NOT EXISTS "
        "(SELECT 1 FROM reading_daily r WHERE r.meter_id = m.id AND r.day = $1) "
        "ON CONFLICT (meter_id, kind, day) DO NOTHING",
        {day, now.seconds});
    if (!n) return fail(n.error());
    raised = *n;
    auto cleared = c.execute(
        "UPDATE alarm SET cleared_at = $1 WHERE kind = 'missing_daily' AND cleared_at IS NULL "
        "AND EXISTS (SELECT 1 FROM reading_daily r WHERE r.meter_id = alarm.meter_id "
        "AND r.day = alarm.day)",
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
      "LEFT JOIN reading_daily r ON r.meter_id = m.id AND r.day = $1 AND r.quality <> 3 "
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
