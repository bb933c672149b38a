#include "access/audit.hpp"

#include <array>
#include <limits>

#include "crypto/bytes.hpp"
#include "crypto/sm3.hpp"

namespace omni::access {
namespace {

constexpr std::string_view kChainVersion = "omni-audit-v1";

void field(crypto::Sm3& h, std::string_view value) {
  auto n = static_cast<std::uint32_t>(value.size());
  std::array<std::uint8_t, 4> len{static_cast<std::uint8_t>(n >> 24),
                                  static_cast<std::uint8_t>(n >> 16),
                                  static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
  h.update(len);
  h.update(crypto::as_bytes(value));
}

Result<AuditRecord> record_from(const storage::Row& row) {
  AuditRecord r;
  auto id = row.get<std::int64_t>(0);
  auto at = row.get<std::int64_t>(1);
  auto user = row.get<std::string>(2);
  auto source = row.get<std::string>(3);
  auto event = row.get<std::string>(4);
  auto object = row.get<std::string>(5);
  auto success = row.get<std::int64_t>(6);
  auto details = row.get<std::string>(7);
  auto hash = row.get<std::string>(8);
  if (!id || !at || !user || !source || !event || !object || !success || !details || !hash) {
    return fail(ErrorCode::Malformed, "audit_log row with a missing or mistyped column");
  }
  r.id = *id;
  r.event = AuditEvent{UtcTime{*at}, *user, *source, *event, *object, *success != 0, *details};
  r.hash = *hash;
  return r;
}

constexpr const char* kColumns = "id, at, user_name, source, event, object, success, details, hash";

}  // namespace

std::string audit_link_hash(std::string_view previous_hex, std::int64_t id, const AuditEvent& e) {
  crypto::Bytes previous(crypto::kSm3DigestSize, 0);
  if (!previous_hex.empty()) {
    // A stored hash that is not hex cannot be the real previous link; hashing its text keeps
    // the result deterministic and makes the next link fail to verify as it should.
    auto bytes = crypto::from_hex(previous_hex);
    previous = bytes ? *bytes : crypto::Bytes(previous_hex.begin(), previous_hex.end());
  }
  crypto::Sm3 h;
  h.update(previous);
  field(h, kChainVersion);
  field(h, std::to_string(id));
  field(h, std::to_string(e.at.seconds));
  field(h, e.user);
  field(h, e.source);
  field(h, e.event);
  field(h, e.object);
  field(h, e.success ? "1" : "0");
  field(h, e.details);
  return crypto::to_hex(h.finish());
}

Result<std::int64_t> AuditLog::append(AuditEvent event) {
  std::int64_t id = 0;
  OMNI_TRY(db_.transaction([&](storage::Connection& c) -> Status {
    auto r = append(c, event);
    if (!r) return fail(r.error());
    id = *r;
    return ok();
  }));
  return id;
}

Result<std::int64_t> AuditLog::append(storage::Connection& c, AuditEvent event) {
  if (event.at.seconds == 0) event.at = clock_.now();
  // The UPDATE takes the head's row lock (PostgreSQL) before the head is read; SQLite holds the
  // database write lock from BEGIN IMMEDIATE. Either way the read below sees the latest head.
  auto bumped = c.execute("UPDATE audit_head SET seq = seq + 1 WHERE id = 1");
  if (!bumped) return fail(bumped.error());
  if (*bumped != 1) return fail(ErrorCode::Internal, "audit_head row missing");
  auto head = c.query("SELECT seq, hash FROM audit_head WHERE id = 1");
  if (!head) return fail(head.error());
  if (head->empty()) return fail(ErrorCode::Internal, "audit_head row missing");
  auto seq = head->at(0).get<std::int64_t>(0);
  auto previous = head->at(0).get<std::string>(1);
  if (!seq || !previous) return fail(ErrorCode::Internal, "audit_head row mistyped");
  std::string hash = audit_link_hash(*previous, *seq, event);
  auto inserted = c.execute(
      "INSERT INTO audit_log (id, at, user_name, source, event, object, success, details, hash)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      {*seq, event.at.seconds, event.user, event.source, event.event, event.object,
       event.success ? 1 : 0, event.details, hash});
  if (!inserted) return fail(inserted.error());
  auto head_set = c.execute("UPDATE audit_head SET hash = $1 WHERE id = 1", {hash});
  if (!head_set) return fail(head_set.error());
  return *seq;
}

Result<std::vector<AuditRecord>> AuditLog::search(const AuditFilter& filter) {
  // One statement whatever the filter (unset bounds are the extremes), built in one go:
  // appending to a Params trips a false maybe-uninitialized warning in GCC 12.
  std::string sql = std::string("SELECT ") + kColumns +
                    " FROM audit_log WHERE at >= $1 AND at < $2 AND ($3 = '' OR user_name = $3)"
                    " AND ($4 = '' OR event = $4) ORDER BY id DESC LIMIT $5";
  storage::Params params{
      filter.from ? filter.from->seconds : std::numeric_limits<std::int64_t>::min(),
      filter.to ? filter.to->seconds : std::numeric_limits<std::int64_t>::max(), filter.user,
      filter.event, static_cast<std::int64_t>(filter.limit > 0 ? filter.limit : 1000)};
  auto rows = db_.query(sql, params);
  if (!rows) return fail(rows.error());
  std::vector<AuditRecord> out;
  out.reserve(rows->size());
  for (const auto& row : rows->rows) {
    auto r = record_from(row);
    if (!r) return fail(r.error());
    out.push_back(std::move(*r));
  }
  return out;
}

Result<AuditVerification> AuditLog::verify() {
  AuditVerification v;
  auto broken = [&v](std::int64_t id, std::string reason) {
    v.intact = false;
    v.first_bad_id = id;
    v.reason = std::move(reason);
    return v;
  };
  // Head first: rows appended while we walk are beyond it and are not judged.
  auto head = db_.query("SELECT seq, hash FROM audit_head WHERE id = 1");
  if (!head) return fail(head.error());
  if (head->empty()) return broken(1, "audit_head row missing");
  auto head_seq = head->at(0).get<std::int64_t>(0);
  auto head_hash = head->at(0).get<std::string>(1);
  if (!head_seq || !head_hash) return broken(1, "audit_head row mistyped");

  std::string previous;
  std::int64_t expected = 1;
  constexpr std::int64_t kPage = 1000;
  for (;;) {
    auto rows = db_.query(std::string("SELECT ") + kColumns +
                              " FROM audit_log WHERE id >= $1 AND id <= $2 ORDER BY id LIMIT $3",
                          {expected, *head_seq, kPage});
    if (!rows) return fail(rows.error());
    for (const auto& row : rows->rows) {
      auto r = record_from(row);
      if (!r) return broken(expected, "row unreadable: " + r.error().detail);
      if (r->id != expected) return broken(expected, "row missing");
      if (audit_link_hash(previous, r->id, r->event) != r->hash) {
        return broken(r->id, "hash mismatch");
      }
      previous = r->hash;
      ++expected;
      ++v.rows_checked;
    }
    if (static_cast<std::int64_t>(rows->size()) < kPage) break;
  }
  if (expected <= *head_seq) return broken(expected, "row missing");
  if (previous != *head_hash) return broken(*head_seq, "head hash does not match the last row");
  // Rows below id 1 could only have been inserted by hand.
  auto stray = db_.query("SELECT MIN(id) FROM audit_log WHERE id < 1 OR id > $1", {*head_seq});
  if (!stray) return fail(stray.error());
  if (!stray->empty() && !stray->at(0).is_null(0)) {
    auto id = stray->at(0).get<std::int64_t>(0);
    // Rows above the head may be appends that committed after we read it; look again.
    auto now_head = db_.query("SELECT seq FROM audit_head WHERE id = 1");
    std::int64_t latest = *head_seq;
    if (now_head && !now_head->empty())
      latest = now_head->at(0).get<std::int64_t>(0).value_or(latest);
    if (id && (*id < 1 || *id > latest)) return broken(*id, "row beyond the chain head");
  }
  return v;
}

}  // namespace omni::access
