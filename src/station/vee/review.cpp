#include "station/vee/review.hpp"

#include <fmt/format.h>

#include "core/time.hpp"
#include "station/store/archive_store.hpp"
#include "station/vee/rules.hpp"

namespace omni::station::vee {
namespace {

using storage::Connection;

constexpr const char* kItemColumns =
    "SELECT m.address, i.day, r.value, i.value, i.previous, r.scale, r.unit, r.quality, "
    "i.reason, i.detail, i.created_at, i.state, COALESCE(i.resolved_by, ''), "
    "COALESCE(i.resolved_at, 0), COALESCE(i.resolution, '') FROM review_item i "
    "JOIN meter m ON m.id = i.meter_id "
    "JOIN reading_daily r ON r.meter_id = i.meter_id AND r.day = i.day ";

ReviewItem item_from(const storage::Row& row) {
  auto i64 = [&](std::size_t c) { return row.get<std::int64_t>(c).value_or(0); };
  auto text = [&](std::size_t c) { return row.get<std::string>(c).value_or(""); };
  ReviewItem it;
  it.meter = text(0);
  it.day = i64(1);
  it.value = i64(2);
  it.received = i64(3);
  it.previous = i64(4);
  it.scale = static_cast<int>(i64(5));
  it.unit = text(6);
  it.quality = static_cast<int>(i64(7));
  it.reason = text(8);
  it.detail = text(9);
  it.created_at = i64(10);
  it.state = text(11);
  it.resolved_by = text(12);
  it.resolved_at = i64(13);
  it.resolution = text(14);
  return it;
}

Result<std::int64_t> find_meter(Connection& c, const MeterAddress& meter) {
  auto id = c.query("SELECT id FROM meter WHERE address = $1", {meter.to_string()});
  if (!id) return fail(id.error());
  if (id->empty()) return fail(ErrorCode::NotFound, "no meter " + meter.to_string());
  return id->at(0).get<std::int64_t>(0);
}

Status check(const Decision& d) {
  if (d.action == Action::Replace) {
    if (!d.value) return fail(ErrorCode::Malformed, "replace needs a value");
    if (*d.value < 0 || *d.value >= kRegisterModulus) {
      return fail(ErrorCode::Malformed, "the value is outside the register's range");
    }
  }
  if (d.action != Action::Accept && d.reason.empty()) {
    return fail(ErrorCode::Malformed, fmt::format("{} needs a reason", action_name(d.action)));
  }
  if (d.user.empty()) return fail(ErrorCode::Malformed, "no user");
  return ok();
}

const char* state_after(Action a) {
  switch (a) {
    case Action::Accept:
      return "accepted";
    case Action::Replace:
      return "replaced";
    case Action::Reject:
      return "rejected";
  }
  return "open";
}

}  // namespace

std::string_view action_name(Action a) {
  switch (a) {
    case Action::Accept:
      return "accept";
    case Action::Replace:
      return "replace";
    case Action::Reject:
      return "reject";
  }
  return "";
}

Result<Action> parse_action(std::string_view name) {
  for (Action a : {Action::Accept, Action::Replace, Action::Reject}) {
    if (action_name(a) == name) return a;
  }
  return fail(ErrorCode::Malformed, "action must be accept, replace or reject");
}

Result<std::vector<ReviewItem>> ReviewQueue::list(ReviewState state, std::int64_t limit) {
  if (limit < 1 || limit > 10000) return fail(ErrorCode::OutOfRange, "limit must be 1..10000");
  std::string sql = kItemColumns;
  sql += state == ReviewState::Open
             ? "WHERE i.state = 'open' ORDER BY i.created_at, m.address, i.day LIMIT $1"
             : "WHERE i.state <> 'open' ORDER BY i.resolved_at DESC, m.address, i.day LIMIT $1";
  auto rows = db_.query(sql, {limit});
  if (!rows) return fail(rows.error());
  std::vector<ReviewItem> out;
  out.reserve(rows->size());
  for (const auto& row : rows->rows) out.push_back(item_from(row));
  return out;
}

Result<ReviewItem> ReviewQueue::item(const MeterAddress& meter, std::int64_t day) {
  auto conn = db_.acquire(storage::Access::Read);
  if (!conn) return fail(conn.error());
  auto id = find_meter(**conn, meter);
  if (!id) return fail(id.error());
  auto rows = (*conn)->query(std::string(kItemColumns) + "WHERE i.meter_id = $1 AND i.day = $2",
                             {*id, day});
  if (!rows) return fail(rows.error());
  if (rows->empty()) {
    return fail(ErrorCode::NotFound, fmt::format("no review item for meter {} on {}",
                                                 meter.to_string(), format_date(day)));
  }
  return item_from(rows->at(0));
}

Result<ReviewItem> ReviewQueue::resolve(const MeterAddress& meter, std::int64_t day,
                                        const Decision& decision) {
  OMNI_TRY(check(decision));
  const UtcTime now = clock_.now();
  ReviewItem result;
  OMNI_TRY(db_.transaction([&](Connection& c) -> Status {
    auto id = find_meter(c, meter);
    if (!id) return fail(id.error());
    auto current =
        c.query(std::string(kItemColumns) + "WHERE i.meter_id = $1 AND i.day = $2", {*id, day});
    if (!current) return fail(current.error());
    if (current->empty()) {
      return fail(ErrorCode::NotFound, fmt::format("no review item for meter {} on {}",
                                                   meter.to_string(), format_date(day)));
    }
    const ReviewItem before = item_from(current->at(0));
    // Claim the item first: on PostgreSQL a concurrent decision waits on this row and then
    // finds it resolved, so two operators cannot both decide.
    auto claimed = c.execute(
        "UPDATE review_item SET state = $3, resolved_by = $4, resolved_at = $5, resolution = $6 "
        "WHERE meter_id = $1 AND day = $2 AND state = 'open'",
        {*id, day, state_after(decision.action), decision.user, now.seconds, decision.reason});
    if (!claimed) return fail(claimed.error());
    if (*claimed == 0) {
      return fail(ErrorCode::Duplicate,
                  fmt::format("the review item was already resolved ({} by {})", before.state,
                              before.resolved_by));
    }
    std::int64_t new_value = before.value;
    int new_quality = static_cast<int>(Quality::Edited);
    if (decision.action == Action::Replace) new_value = *decision.value;
    if (decision.action == Action::Reject) new_quality = static_cast<int>(Quality::Suspect);
    if (new_value != before.value || new_quality != before.quality) {
      auto seq = take_reading_export_numbers(c, 1);
      if (!seq) return fail(seq.error());
      auto n = c.execute(
          "UPDATE reading_daily SET value = $3, quality = $4, method = NULL, export_seq = $5 "
          "WHERE meter_id = $1 AND day = $2",
          {*id, day, new_value, static_cast<std::int64_t>(new_quality), *seq});
      if (!n) return fail(n.error());
    }
    auto revision = c.query(
        "SELECT COALESCE(MAX(revision), 0) + 1 FROM reading_edit WHERE meter_id = $1 AND day = $2",
        {*id, day});
    if (!revision) return fail(revision.error());
    auto inserted = c.execute(
        "INSERT INTO reading_edit (meter_id, day, revision, at, user_name, action, old_value, "
        "new_value, old_quality, new_quality, reason) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        {*id, day, revision->at(0).get<std::int64_t>(0).value_or(1), now.seconds, decision.user,
         action_name(decision.action), before.value, new_value,
         static_cast<std::int64_t>(before.quality), static_cast<std::int64_t>(new_quality),
         decision.reason});
    if (!inserted) return fail(inserted.error());
    if (audit_ != nullptr) {
      auto a = audit_->append(
          c, {.at = now,
              .user = decision.user,
              .source = decision.source,
              .event = "readings.edit",
              .object = fmt::format("meter:{} day:{}", meter.to_string(), format_date(day)),
              .success = true,
              .details = fmt::format("{} {}: {} -> {} ({})", action_name(decision.action),
                                     before.reason, before.value, new_value, decision.reason)});
      if (!a) return fail(a.error());
    }
    auto after =
        c.query(std::string(kItemColumns) + "WHERE i.meter_id = $1 AND i.day = $2", {*id, day});
    if (!after) return fail(after.error());
    if (after->empty()) return fail(ErrorCode::Internal, "the review item vanished");
    result = item_from(after->at(0));
    return ok();
  }));
  return result;
}

Result<std::vector<EditRecord>> ReviewQueue::edits(const MeterAddress& meter) {
  auto conn = db_.acquire(storage::Access::Read);
  if (!conn) return fail(conn.error());
  auto id = find_meter(**conn, meter);
  if (!id) return fail(id.error());
  auto rows = (*conn)->query(
      "SELECT e.day, e.revision, e.at, e.user_name, e.action, e.old_value, e.new_value, "
      "e.old_quality, e.new_quality, COALESCE(r.scale, 0), COALESCE(r.unit, ''), e.reason "
      "FROM reading_edit e LEFT JOIN reading_daily r ON r.meter_id = e.meter_id AND r.day = e.day "
      "WHERE e.meter_id = $1 ORDER BY e.day, e.revision",
      {*id});
  if (!rows) return fail(rows.error());
  std::vector<EditRecord> out;
  for (const auto& row : rows->rows) {
    auto i64 = [&](std::size_t c) { return row.get<std::int64_t>(c).value_or(0); };
    auto text = [&](std::size_t c) { return row.get<std::string>(c).value_or(""); };
    out.push_back({i64(0), static_cast<int>(i64(1)), i64(2), text(3), text(4), i64(5), i64(6),
                   static_cast<int>(i64(7)), static_cast<int>(i64(8)), static_cast<int>(i64(9)),
                   text(10), text(11)});
  }
  return out;
}

}  // namespace omni::station::vee
