#pragma once
// The security audit log (SEC-2): one row per operation and security event — time (UTC), user,
// source address, event type, object, success or failure, details — hash-chained so that an
// edited, deleted, inserted or reordered row is detected.
//
//   AuditLog audit(db, clock);
//   OMNI_TRY(audit.append({.user = "zhangsan", .source = "10.0.0.7:51234", .event = "login",
//                          .success = false, .details = "bad password"}));
//   auto report = audit.verify();        // report->intact, report->first_bad_id
//
// Chain: row n stores hash_n = SM3(hash_{n-1} || canonical(row n)), hash_0 = 32 zero bytes, where
// canonical() is a version tag and every field (id, time, user, source, event, object, success,
// details) as a 4-byte big-endian length and its bytes, so no two rows serialise alike. Ids are
// 1, 2, 3 … with no gaps, given by the chain head (table audit_head: last id and hash), which is
// also what catches a truncated tail. Appending takes the head's row lock first (an UPDATE) and
// writes row and head in one transaction, so two writers — two threads, or two processes such
// as a running station and `omnimeter ctl` — serialise instead of forking the chain.
//
// Limits: someone with write access to the database who recomputes every hash after an edit is
// not detected by the chain alone; export the head hash off the machine (the cloud, a printed
// report) to anchor it (docs/access.md).
//
// Details must already be masked (privacy.hpp): the audit log is itself a log.
//
// Thread safety: safe from any thread (each call borrows its own connection).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "storage/database.hpp"

namespace omni::access {

struct AuditEvent {
  UtcTime at{};          // zero: the clock's now() at append
  std::string user{};    // user name, "-" for none (an unknown name at login is kept as given)
  std::string source{};  // "ip:port", "local" for the command line
  std::string event{};   // "login", "logout", "user.add", "audit.verify", an operation name …
  std::string object{};  // what it acted on ("user:lisi", "meter:000000123456"), may be empty
  bool success = true;
  std::string details{};
};

struct AuditRecord {
  std::int64_t id = 0;
  AuditEvent event;
  std::string hash{};  // hex SM3 of this row's link
};

struct AuditFilter {
  std::optional<UtcTime> from{};  // inclusive
  std::optional<UtcTime> to{};    // exclusive
  std::string user{};             // exact; empty = any
  std::string event{};            // exact; empty = any
  int limit = 1000;               // newest first
};

struct AuditVerification {
  bool intact = true;
  std::int64_t rows_checked = 0;
  std::int64_t first_bad_id = 0;  // the first row whose link does not hold; 0 when intact
  std::string reason{};           // "hash mismatch", "row missing", "row beyond head", …
};

class AuditLog {
 public:
  AuditLog(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Appends in its own transaction. Returns the new row's id.
  // Errors: those of the database (Io, Busy); nothing is written then.
  Result<std::int64_t> append(AuditEvent event);
  // Appends inside the caller's transaction on `conn`, so that the audited change and its record
  // commit or roll back together.
  Result<std::int64_t> append(storage::Connection& conn, AuditEvent event);

  Result<std::vector<AuditRecord>> search(const AuditFilter& filter);

  // Walks the whole chain in id order (pages of 1,000 rows) and checks every link and the head.
  // A broken chain is a value (intact = false), not an error; errors are database errors.
  Result<AuditVerification> verify();

 private:
  storage::Database& db_;
  const Clock& clock_;
};

// The link hash of one row (hex), exposed for tests and for external verifiers.
std::string audit_link_hash(std::string_view previous_hex, std::int64_t id, const AuditEvent& e);

}  // namespace omni::access
