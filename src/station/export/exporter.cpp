#include "station/export/exporter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "exchange/batch.hpp"
#include "exchange/records.hpp"
#include "station/store/archive_store.hpp"

namespace omni::station {

using exchange::BaseCode;
using storage::Connection;

namespace {

// A day is finished at 06:30 the next morning (the concentrators retry until 06:05).
constexpr std::int64_t kSettleSeconds = 6 * 3600 + 30 * 60;
// Coverage is counted for at most this many days per batch: each day is a grouped scan of the
// archive, and a station that starts exporting after a year must not stall for minutes.
constexpr std::size_t kMaxCoverageDays = 31;
// Below every Beijing day number: a backfill that has sent no day yet.
constexpr std::int64_t kBeforeAnyDay = -(std::int64_t{1} << 40);
// Rounds of one next() call that only skip readings nobody can place.
constexpr int kMaxRounds = 100'000;

bool valid_station(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

UtcTime day_start(std::int64_t day) {
  CivilTime c;
  civil_from_days(day, c.year, c.month, c.day);
  return TimeZone::shanghai().from_local(c);
}

std::int64_t beijing_day(UtcTime t) {
  CivilTime c = TimeZone::shanghai().to_local(t);
  return days_from_civil(c.year, c.month, c.day);
}

exchange::Quality quality_of(std::int64_t stored) {
  switch (stored) {
    case static_cast<std::int64_t>(Quality::Measured):
      return exchange::Quality::Measured;
    case static_cast<std::int64_t>(Quality::Estimated):
      return exchange::Quality::Estimated;
    case static_cast<std::int64_t>(Quality::Edited):
      return exchange::Quality::Edited;
    default:
      return exchange::Quality::Suspect;
  }
}

// What a register of each energy is measured in (the format checks the unit's dimension).
Dimension register_dimension(EnergyKind kind) {
  return kind == EnergyKind::Water || kind == EnergyKind::Gas ? Dimension::Volume
                                                              : Dimension::ActiveEnergy;
}

std::int64_t int_at(const storage::Row& r, std::size_t c) {
  return r.get<std::int64_t>(c).value_or(0);
}
std::string text_at(const storage::Row& r, std::size_t c) {
  return r.get<std::string>(c).value_or("");
}

using State = std::map<std::string, std::int64_t>;

Result<State> read_state(const Result<storage::QueryResult>& rows) {
  if (!rows) return fail(rows.error());
  State s;
  for (const auto& r : rows->rows) s[text_at(r, 0)] = int_at(r, 1);
  for (const char* name :
       {"next_batch", "next_change", "next_reading", "reading_cursor", "point_cursor",
        "region_cursor", "coverage_day", "unplaced", "unexportable"}) {
    if (!s.count(name)) {
      return fail(ErrorCode::Internal,
                  fmt::format("export_state has no '{}' (station schema step 3 missing?)", name));
    }
  }
  return s;
}

constexpr std::string_view kStateSql = "SELECT name, value FROM export_state";

// A stored reading as an E record; nullopt when the format cannot carry it (an unknown unit, one
// of another dimension than the energy's, a scale beyond 18).
std::optional<exchange::ReadingRecord> reading_record(const BaseCode& code, std::int64_t day,
                                                      std::int64_t value, std::int64_t scale,
                                                      std::string_view unit_text,
                                                      std::int64_t quality,
                                                      std::int64_t meter_type) {
  auto unit = parse_unit(unit_text);
  if (!unit || unit_dimension(*unit) != register_dimension(code.kind)) return std::nullopt;
  if (scale < 0 || scale > kMaxScale) return std::nullopt;
  exchange::ReadingRecord r;
  r.code = code;
  r.at = day_start(day);
  r.value = Quantity(value, static_cast<int>(scale), *unit);
  r.meter_type = static_cast<std::uint8_t>(meter_type);
  r.quality = quality_of(quality);
  return r;
}

}  // namespace

// Coverage counted outside the write transaction (a grouped scan of the archive per day must not
// hold up the readings being stored), and the state it was counted against.
struct Exporter::Coverage {
  bool counted = false;
  std::int64_t coverage_day = -1;  // the cursor when counted
  std::int64_t next_change = 0;    // the archive's change counter when counted
  std::int64_t seq_hi = 0;         // readings numbered below this were visible to the count
  std::int64_t new_through = -1;   // the cursor after these records
  std::vector<std::int64_t> days;  // days counted, recounted ones included
  std::vector<exchange::CoverageRecord> records;
};

Exporter::Exporter(storage::Database& db, std::string station_id, std::size_t max_records_per_batch)
    : db_(db),
      station_(std::move(station_id)),
      max_records_(std::max<std::size_t>(1, max_records_per_batch)) {}

Result<Exporter::Coverage> Exporter::count_coverage(UtcTime now, std::size_t room) {
  Coverage cov;
  // The state first: every reading numbered below next_reading is committed, so the counts
  // below include it (schema.cpp step 3).
  auto state = read_state(db_.query(kStateSql));
  if (!state) return fail(state.error());
  cov.coverage_day = (*state)["coverage_day"];
  cov.next_change = (*state)["next_change"];
  cov.seq_hi = (*state)["next_reading"];
  cov.new_through = cov.coverage_day;
  // Without an archive there is nothing to count coverage of: wait for one rather than send
  // empty days (a station often collects before the utility's archive is imported).
  auto any = db_.query("SELECT COUNT(*) FROM (SELECT 1 FROM point LIMIT 1) AS t");
  if (!any) return fail(any.error());
  if (int_at(any->at(0), 0) == 0) return cov;
  std::int64_t last_finished = beijing_day(now - kSettleSeconds) - 1;
  std::int64_t first = cov.coverage_day + 1;
  if (cov.coverage_day < 0) {
    // Never counted: from the first day anything was collected (one scan, once).
    auto min = db_.query("SELECT MIN(day) FROM reading_daily");
    if (!min) return fail(min.error());
    if (min->empty() || min->at(0).is_null(0)) return cov;
    first = int_at(min->at(0), 0);
  }
  std::vector<std::pair<std::int64_t, bool>> days;  // day, is new
  auto dirty =
      db_.query("SELECT day FROM export_coverage_dirty WHERE day <= $1 ORDER BY day LIMIT $2",
                {cov.coverage_day, static_cast<std::int64_t>(kMaxCoverageDays)});
  if (!dirty) return fail(dirty.error());
  for (const auto& r : dirty->rows) days.emplace_back(int_at(r, 0), false);
  for (std::int64_t d = first; d <= last_finished && days.size() < 2 * kMaxCoverageDays; ++d) {
    days.emplace_back(d, true);
  }
  cov.counted = true;
  // Online: a remote point with a measured or edited value that day; estimates and suspect
  // values do not count, as in the station's daily success.
  for (auto [day, is_new] : days) {
    auto rows = db_.query(
        "SELECT p.energy, p.industry, COUNT(*), "
        "SUM(CASE WHEN p.remote <> 0 AND EXISTS (SELECT 1 FROM meter m "
        "JOIN reading_daily r ON r.meter_id = m.id WHERE m.address = p.address AND r.day = $1 "
        "AND r.quality IN (0, 2)) THEN 1 ELSE 0 END) "
        "FROM point p WHERE p.installed < $2 AND (p.removed IS NULL OR p.removed >= $3) "
        "GROUP BY p.energy, p.industry ORDER BY p.energy, p.industry",
        {day, day_start(day + 1).seconds, day_start(day).seconds});
    if (!rows) return fail(rows.error());
    std::vector<exchange::CoverageRecord> records;
    for (const auto& r : rows->rows) {
      auto kind = exchange::energy_from_digit(static_cast<char>('0' + int_at(r, 0)));
      if (!kind) continue;
      std::string industry = text_at(r, 1);
      records.push_back(
          {day, *kind, industry.empty() ? ' ' : industry[0], int_at(r, 2), int_at(r, 3)});
    }
    // A day's records travel together; the first day goes even into a small batch.
    if (!cov.days.empty() && cov.records.size() + records.size() > room) break;
    cov.records.insert(cov.records.end(), records.begin(), records.end());
    cov.days.push_back(day);
    if (is_new) cov.new_through = day;
  }
  return cov;
}

Result<bool> Exporter::build_once(UtcTime now, std::optional<PendingBatch>& out) {
  const std::size_t room = max_records_;
  // Read phase: is everything else small enough that coverage would fit? Then count it now.
  auto before = read_state(db_.query(kStateSql));
  if (!before) return fail(before.error());
  auto pending = [&](std::string_view sql, std::int64_t cursor) -> Result<std::size_t> {
    auto rows = db_.query(sql, {cursor, static_cast<std::int64_t>(room)});
    if (!rows) return fail(rows.error());
    return static_cast<std::size_t>(int_at(rows->at(0), 0));
  };
  auto regions =
      pending("SELECT COUNT(*) FROM (SELECT 1 FROM region WHERE change_seq > $1 LIMIT $2) AS t",
              (*before)["region_cursor"]);
  auto points =
      pending("SELECT COUNT(*) FROM (SELECT 1 FROM point WHERE change_seq > $1 LIMIT $2) AS t",
              (*before)["point_cursor"]);
  auto readings = pending(
      "SELECT COUNT(*) FROM (SELECT 1 FROM reading_daily WHERE export_seq > $1 LIMIT $2) AS t",
      (*before)["reading_cursor"]);
  auto backfill =
      db_.query("SELECT COUNT(*) FROM (SELECT 1 FROM point WHERE backfill <> 0 LIMIT 1) AS t");
  if (!regions) return fail(regions.error());
  if (!points) return fail(points.error());
  if (!readings) return fail(readings.error());
  if (!backfill) return fail(backfill.error());
  std::size_t others = *regions + *points + *readings;
  Coverage cov;
  if (others < room && int_at(backfill->at(0), 0) == 0) {
    auto counted = count_coverage(now, room - others);
    if (!counted) return fail(counted.error());
    cov = std::move(*counted);
  }

  // Write phase: one transaction that takes what is new, writes the batch into the outbox and
  // moves the cursors.
  bool progressed = false;
  std::optional<PendingBatch> built;
  auto done = db_.transaction([&](Connection& c) -> Status {
    // The archive lock (import_archive takes it too): the archive cannot change under us.
    auto locked = c.execute("UPDATE export_state SET value = value WHERE name = 'next_change'");
    if (!locked) return fail(locked.error());
    auto st = read_state(c.query(kStateSql));
    if (!st) return fail(st.error());
    State state = *st;
    State changed;
    exchange::Batch batch;
    batch.station = station_;
    batch.created = now;
    std::size_t left = room;
    bool full = false;
    struct Sent {
      std::int64_t day, seq;
    };
    std::vector<Sent> sent;  // readings in this batch, for the coverage bookkeeping

    // Points imported since the last batch: their earlier readings are the ones the reading
    // cursor has already passed (and skipped as unplaced).
    auto marked = c.execute(
        "UPDATE point SET backfill_to = $1, backfill_day = $2 "
        "WHERE backfill <> 0 AND backfill_to IS NULL",
        {state["reading_cursor"], kBeforeAnyDay});
    if (!marked) return fail(marked.error());
    progressed |= *marked > 0;

    // R: regions.
    auto rrows = c.query(
        "SELECT code, level, name, latitude_e6, longitude_e6, change_seq FROM region "
        "WHERE change_seq > $1 ORDER BY change_seq LIMIT $2",
        {state["region_cursor"], static_cast<std::int64_t>(left)});
    if (!rrows) return fail(rrows.error());
    for (const auto& r : rrows->rows) {
      exchange::RegionRecord region;
      region.code = text_at(r, 0);
      region.level = static_cast<exchange::RegionLevel>(int_at(r, 1));
      region.name = text_at(r, 2);
      if (!r.is_null(3) && !r.is_null(4)) {
        region.latitude = static_cast<double>(int_at(r, 3)) / 1e6;
        region.longitude = static_cast<double>(int_at(r, 4)) / 1e6;
      }
      batch.regions.push_back(std::move(region));
      changed["region_cursor"] = int_at(r, 5);
    }
    left -= rrows->size();
    full = left == 0;

    // B: metering points.
    if (!full) {
      auto prows = c.query(
          "SELECT code, address, parent_code, customer, industry, key_user, remote, meter_type, "
          "multiplier, installed, removed, change_seq FROM point "
          "WHERE change_seq > $1 ORDER BY change_seq LIMIT $2",
          {state["point_cursor"], static_cast<std::int64_t>(left)});
      if (!prows) return fail(prows.error());
      for (const auto& r : prows->rows) {
        auto code = BaseCode::parse(text_at(r, 0));
        auto address = MeterAddress::from_digits(text_at(r, 1));
        if (!code || !address) {
          return fail(ErrorCode::Internal,
                      fmt::format("point {} is stored damaged", text_at(r, 0)));
        }
        exchange::MeterRecord m;
        m.code = *code;
        m.address = *address;
        if (!r.is_null(2)) {
          auto parent = BaseCode::parse(text_at(r, 2));
          if (parent) m.parent = *parent;
        }
        m.customer = static_cast<exchange::CustomerType>(int_at(r, 3));
        std::string industry = text_at(r, 4);
        m.industry = industry.empty() ? ' ' : industry[0];
        m.key_user = int_at(r, 5) != 0;
        m.remote = int_at(r, 6) != 0;
        m.meter_type = static_cast<std::uint8_t>(int_at(r, 7));
        m.multiplier = static_cast<int>(int_at(r, 8));
        m.installed = UtcTime{int_at(r, 9)};
        if (!r.is_null(10)) m.removed = UtcTime{int_at(r, 10)};
        batch.meters.push_back(m);
        changed["point_cursor"] = int_at(r, 11);
      }
      left -= prows->size();
      full = left == 0;
    }

    // E, first the readings of newly archived points that the cursor passed before, point by
    // point and day by day (the primary key's order), in one set-based query.
    std::int64_t unexportable = 0;
    // One stored reading row (export_seq, day, value, scale, unit, quality, point code, meter
    // type) into the batch. Rows come ordered by point, so the code is parsed once per point.
    std::string last_code_text;
    BaseCode last_code;
    auto add_reading = [&](const auto& r) -> Status {
      std::string code_text = text_at(r, 6);
      if (code_text != last_code_text) {
        auto code = BaseCode::parse(code_text);
        if (!code) return fail(ErrorCode::Internal, "a point's code is stored damaged");
        last_code = *code;
        last_code_text = std::move(code_text);
      }
      auto record = reading_record(last_code, int_at(r, 1), int_at(r, 2), int_at(r, 3),
                                   text_at(r, 4), int_at(r, 5), int_at(r, 7));
      if (record) {
        batch.readings.push_back(*record);
        sent.push_back({int_at(r, 1), int_at(r, 0)});
      } else {
        ++unexportable;
      }
      return ok();
    };
    if (!full) {
      std::size_t limit = left;
      auto rows = c.query(
          "SELECT r.export_seq, r.day, r.value, r.scale, r.unit, r.quality, p.code, "
          "p.meter_type FROM point p JOIN meter m ON m.address = p.address "
          "JOIN reading_daily r ON r.meter_id = m.id "
          "WHERE p.backfill <> 0 AND r.export_seq <= p.backfill_to AND r.day > p.backfill_day "
          "ORDER BY p.code, r.day LIMIT $1",
          {static_cast<std::int64_t>(limit)});
      if (!rows) return fail(rows.error());
      for (const auto& r : rows->rows) {
        OMNI_TRY(add_reading(r));
      }
      left -= rows->size();
      Result<std::int64_t> done_points = std::int64_t{0};
      if (rows->size() < limit) {
        // Every earlier reading of every such point is out.
        done_points = c.execute(
            "UPDATE point SET backfill = 0, backfill_to = NULL, backfill_day = NULL "
            "WHERE backfill <> 0");
      } else {
        // The points before the last one are done; the last one goes on after its last day.
        const std::string last_point = text_at(rows->rows.back(), 6);
        done_points = c.execute(
            "UPDATE point SET backfill = 0, backfill_to = NULL, backfill_day = NULL "
            "WHERE backfill <> 0 AND code < $1",
            {last_point});
        if (!done_points) return fail(done_points.error());
        auto a = c.execute("UPDATE point SET backfill_day = $1 WHERE code = $2",
                           {int_at(rows->rows.back(), 1), last_point});
        if (!a) return fail(a.error());
        full = true;
      }
      if (!done_points) return fail(done_points.error());
      progressed |= !rows->empty() || *done_points > 0;
    }

    // E: readings in the order they were stored.
    std::int64_t unplaced = 0;
    if (!full) {
      auto rows = c.query(
          "SELECT r.export_seq, r.day, r.value, r.scale, r.unit, r.quality, p.code, "
          "p.meter_type FROM reading_daily r JOIN meter m ON m.id = r.meter_id "
          "LEFT JOIN point p ON p.address = m.address "
          "WHERE r.export_seq > $1 ORDER BY r.export_seq LIMIT $2",
          {state["reading_cursor"], static_cast<std::int64_t>(left)});
      if (!rows) return fail(rows.error());
      for (const auto& r : rows->rows) {
        changed["reading_cursor"] = int_at(r, 0);
        if (r.is_null(6)) {
          ++unplaced;
          continue;
        }
        OMNI_TRY(add_reading(r));
      }
      left -= rows->size();
      full = left == 0;
    }
    if (unplaced) changed["unplaced"] = state["unplaced"] + unplaced;
    if (unexportable) changed["unexportable"] = state["unexportable"] + unexportable;

    // V: coverage, if it was counted against this very archive and cursor, and fits.
    std::set<std::int64_t> counted_days;
    if (!full && cov.counted && cov.coverage_day == state["coverage_day"] &&
        cov.next_change == state["next_change"] && !cov.days.empty() &&
        (cov.records.size() <= left || batch.record_count() == 0)) {
      batch.coverage = cov.records;
      counted_days.insert(cov.days.begin(), cov.days.end());
      std::vector<storage::Params> days;
      for (std::int64_t d : cov.days) days.push_back({d});
      auto del = c.execute_batch("DELETE FROM export_coverage_dirty WHERE day = $1", days);
      if (!del) return fail(del.error());
      if (cov.new_through > state["coverage_day"]) changed["coverage_day"] = cov.new_through;
      progressed = true;
    }
    // A reading the coverage of its day has not counted makes that day due again.
    std::set<std::int64_t> dirty;
    for (const Sent& s : sent) {
      if (counted_days.count(s.day)) {
        if (s.seq >= cov.seq_hi) dirty.insert(s.day);
      } else if (s.day <= state["coverage_day"]) {
        dirty.insert(s.day);
      }
    }
    std::vector<storage::Params> dirty_rows;
    for (std::int64_t d : dirty) dirty_rows.push_back({d});
    auto ins = c.execute_batch(
        "INSERT INTO export_coverage_dirty (day) VALUES ($1) ON CONFLICT (day) DO NOTHING",
        dirty_rows);
    if (!ins) return fail(ins.error());

    // C: bills issued or recomputed since the last batch (station schema step 4), in the order
    // they were numbered, after everything above so the cloud knows the point first. A flagged
    // bill has no amount to send and is passed over; a recomputed bill travels again and
    // replaces the earlier one at the cloud (docs/exchange-format.md, C records).
    if (!full && state.count("bill_cursor") && batch.record_count() < room) {
      auto brows = c.query(
          "SELECT export_seq, point, month, flag, usage_mantissa, usage_scale, unit, amount_fen, "
          "revision FROM bill WHERE export_seq > $1 ORDER BY export_seq LIMIT $2",
          {state["bill_cursor"], static_cast<std::int64_t>(room - batch.record_count())});
      if (!brows) return fail(brows.error());
      for (const auto& r : brows->rows) {
        changed["bill_cursor"] = int_at(r, 0);
        if (text_at(r, 3) != "ok") continue;
        auto code = BaseCode::parse(text_at(r, 1));
        auto unit = parse_unit(text_at(r, 6));
        if (!code || !unit || unit_dimension(*unit) != register_dimension(code->kind)) {
          ++unexportable;
          continue;
        }
        exchange::CostRecord cost;
        cost.code = *code;
        cost.period = static_cast<int>(int_at(r, 2));
        const int scale = static_cast<int>(int_at(r, 5));
        cost.usage = Quantity(int_at(r, 4), scale, *unit);
        cost.amount = Fen{int_at(r, 7)};
        auto lines = c.query(
            "SELECT usage_mantissa, usage_scale, price_e4, amount_fen FROM bill_line "
            "WHERE point = $1 AND month = $2 AND revision = $3 ORDER BY line",
            {text_at(r, 1), int_at(r, 2), int_at(r, 8)});
        if (!lines) return fail(lines.error());
        for (const auto& l : lines->rows) {
          cost.tiers.push_back({Quantity(int_at(l, 0), static_cast<int>(int_at(l, 1)), *unit),
                                Price{int_at(l, 2), *unit}, Fen{int_at(l, 3)}});
        }
        batch.costs.push_back(std::move(cost));
      }
      if (unexportable) changed["unexportable"] = state["unexportable"] + unexportable;
    }

    if (batch.record_count() > 0) {
      batch.sequence = static_cast<std::uint64_t>(state["next_batch"]);
      changed["next_batch"] = state["next_batch"] + 1;
      PendingBatch p{batch.sequence, exchange::write_batch(batch)};
      auto n = c.execute(
          "INSERT INTO export_outbox (sequence, created, records, body) VALUES ($1, $2, $3, $4)",
          {static_cast<std::int64_t>(p.sequence), now.seconds,
           static_cast<std::int64_t>(batch.record_count()), p.text});
      if (!n) return fail(n.error());
      built = std::move(p);
      progressed = true;
    }
    if (changed.count("reading_cursor") || changed.count("unplaced") ||
        changed.count("bill_cursor")) {
      progressed = true;
    }
    std::vector<storage::Params> updates;
    for (const auto& [name, value] : changed) updates.push_back({value, name});
    auto u = c.execute_batch("UPDATE export_state SET value = $1 WHERE name = $2", updates);
    if (!u) return fail(u.error());
    return ok();
  });
  if (!done) return fail(done.error());
  out = std::move(built);
  return progressed;
}

Result<std::optional<PendingBatch>> Exporter::next(UtcTime now) {
  if (!valid_station(station_)) {
    return fail(ErrorCode::Config,
                fmt::format("station id '{}' is not 1 to 64 of A-Z a-z 0-9 . _ -", station_));
  }
  auto waiting = db_.query(
      "SELECT sequence, body FROM export_outbox WHERE acknowledged_at IS NULL "
      "ORDER BY sequence LIMIT 1");
  if (!waiting) return fail(waiting.error());
  if (!waiting->empty()) {
    return std::optional<PendingBatch>{PendingBatch{
        static_cast<std::uint64_t>(int_at(waiting->at(0), 0)), text_at(waiting->at(0), 1)}};
  }
  for (int round = 0; round < kMaxRounds; ++round) {
    std::optional<PendingBatch> batch;
    auto progressed = build_once(now, batch);
    if (!progressed) return fail(progressed.error());
    if (batch) return batch;
    if (!*progressed) break;
  }
  return std::optional<PendingBatch>{};
}

Status Exporter::acknowledge(std::uint64_t sequence, UtcTime now) {
  auto seq = static_cast<std::int64_t>(sequence);
  auto n = db_.execute(
      "UPDATE export_outbox SET acknowledged_at = $2 WHERE sequence = $1 AND acknowledged_at IS "
      "NULL",
      {seq, now.seconds});
  if (!n) return fail(n.error());
  if (*n > 0) return ok();
  auto known = db_.query("SELECT 1 FROM export_outbox WHERE sequence = $1", {seq});
  if (!known) return fail(known.error());
  if (known->empty()) {
    return fail(ErrorCode::NotFound, fmt::format("no exported batch with sequence {}", sequence));
  }
  return ok();  // acknowledged before
}

Result<std::int64_t> Exporter::prune(UtcTime before) {
  return db_.execute(
      "DELETE FROM export_outbox WHERE acknowledged_at IS NOT NULL AND acknowledged_at < $1",
      {before.seconds});
}

Result<ExportStats> Exporter::stats() {
  auto state = read_state(db_.query(kStateSql));
  if (!state) return fail(state.error());
  auto counts = db_.query("SELECT COUNT(*), COUNT(acknowledged_at) FROM export_outbox");
  if (!counts) return fail(counts.error());
  ExportStats s;
  s.unplaced = (*state)["unplaced"];
  s.unexportable = (*state)["unexportable"];
  s.acknowledged_batches = int_at(counts->at(0), 1);
  s.pending_batches = int_at(counts->at(0), 0) - s.acknowledged_batches;
  s.next_sequence = static_cast<std::uint64_t>((*state)["next_batch"]);
  return s;
}

}  // namespace omni::station
