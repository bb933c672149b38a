#pragma once
// The review queue and editing (VEE "E"): an operator decides about each suspect daily value the
// archive store queued (review_item, station schema steps 2 and 5).
//
//   vee::ReviewQueue queue(db, clock, &audit);   // audit may be null
//   auto items = queue.list(vee::ReviewState::Open, 100);
//   auto done = queue.resolve(meter, day, {.action = vee::Action::Replace, .value = 1234567,
//                                          .reason = "misread, photo checked", .user = "lisi"});
//
// Decisions:
//   accept   the value was right after all: Suspect → Edited (value unchanged), by whom, why;
//   replace  the operator's value (a mantissa at the stored value's scale) replaces it: Edited;
//   reject   the value stays as it was received, Suspect for good, and the item is closed: bills
//            and reading success skip suspect values, so a rejected value is excluded from usage
//            (the month's bill is flagged suspect_reading until someone replaces the value).
// Each decision is one transaction: the reading (with a new export number when it changed, so
// the cloud hears of it), the review item (state, resolved_by, resolved_at, resolution), one row
// of the edit history (reading_edit: who, when, old and new value and quality, reason) and, when
// an AuditLog is given, one audit row (event "readings.edit", object "meter:ADDR day:YYYY-MM-DD")
// — all commit or none.
//
// Errors: NotFound (no such meter, or no review item for that meter and day), Duplicate (the item
// was already resolved), Malformed (replace without a value, a negative value, a value at or
// above the register's range; replace or reject without a reason), and the database's (Io,
// Busy).
//
// Thread safety: safe from any thread (each call borrows its own connection); `db`, `clock` and
// `audit` must outlive the queue.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access/audit.hpp"
#include "core/clock.hpp"
#include "core/meter_address.hpp"
#include "core/result.hpp"
#include "storage/database.hpp"

namespace omni::station::vee {

enum class ReviewState { Open, Resolved };
enum class Action { Accept, Replace, Reject };
std::string_view action_name(Action a);  // "accept", "replace", "reject"
// Errors: Malformed naming the accepted names.
Result<Action> parse_action(std::string_view name);

struct ReviewItem {
  std::string meter;  // address digits
  std::int64_t day = 0;
  std::int64_t value = 0;     // the reading's current value (mantissa)
  std::int64_t received = 0;  // the value as queued (mantissa)
  std::int64_t previous = 0;  // the baseline it was compared with
  int scale = 0;
  std::string unit;
  int quality = 0;     // station::Quality of the reading now
  std::string reason;  // register_fell, over_range, rate_jump, stuck
  std::string detail;
  std::int64_t created_at = 0;  // UTC seconds
  std::string state;            // open, accepted, replaced, rejected
  std::string resolved_by;      // empty while open
  std::int64_t resolved_at = 0;
  std::string resolution;  // the operator's reason
};

struct Decision {
  Action action = Action::Accept;
  std::optional<std::int64_t> value{};  // Replace: mantissa at the stored value's scale
  std::string reason{};
  std::string user = "operator";
  std::string source = "local";  // for the audit row: "ip:port" or "local"
};

struct EditRecord {
  std::int64_t day = 0;
  int revision = 0;  // 1, 2, … per (meter, day)
  std::int64_t at = 0;
  std::string user;
  std::string action;
  std::int64_t old_value = 0;
  std::int64_t new_value = 0;
  int old_quality = 0;
  int new_quality = 0;
  int scale = 0;
  std::string unit;
  std::string reason;
};

class ReviewQueue {
 public:
  ReviewQueue(storage::Database& db, const Clock& clock, access::AuditLog* audit)
      : db_(db), clock_(clock), audit_(audit) {}

  // Open items oldest first; resolved items most recently resolved first. limit 1..10000.
  Result<std::vector<ReviewItem>> list(ReviewState state, std::int64_t limit);
  // One item, whatever its state. Errors: NotFound (no such meter or item).
  Result<ReviewItem> item(const MeterAddress& meter, std::int64_t day);
  // The item after the decision.
  Result<ReviewItem> resolve(const MeterAddress& meter, std::int64_t day, const Decision& decision);
  // A meter's edit history, by day then revision. Errors: NotFound (no such meter).
  Result<std::vector<EditRecord>> edits(const MeterAddress& meter);

 private:
  storage::Database& db_;
  const Clock& clock_;
  access::AuditLog* audit_;
};

}  // namespace omni::station::vee
