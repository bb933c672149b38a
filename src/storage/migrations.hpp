#pragma once
// Versioned schema migrations, applied at start-up.
//
// Each component owns a migration *set* (a name and numbered steps); migrate() applies the steps
// a database lacks, in order, each in its own transaction together with its record in
// schema_migrations, so a failed step leaves neither half a schema nor a false record.
//
//   static constexpr Migration kStation[] = {
//     {1, "archive", "CREATE TABLE meter (...);"},
//     {2, "readings", "CREATE TABLE reading (...);",
//         /*postgres=*/"CREATE TABLE reading (...) PARTITION BY ...;"},
//   };
//   OMNI_TRY(migrate(db, "station", kStation));
//
// Steps are written once in SQL both back ends accept; a step may carry a PostgreSQL variant
// where the dialects differ (BIGSERIAL vs INTEGER PRIMARY KEY, BYTEA vs BLOB). Steps are never
// edited after release: a change is a new step.
//
// Errors: Unsupported when the database has a step newer than the code knows (an older binary
// must not run against a newer schema), Malformed when the step list is not 1, 2, 3 …, and
// whatever the failing step's SQL produced (with the set, version and name in the detail).

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/database.hpp"

namespace omni::storage {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;             // for both back ends, or SQLite when `postgres_sql` is given
  std::string_view postgres_sql{};  // PostgreSQL variant, when the dialects differ
};

struct AppliedMigration {
  std::string set;
  int version = 0;
  std::string name;
  std::string applied_at;  // ISO 8601 UTC, as stored
};

// Applies pending steps; returns how many were applied (0 when up to date).
Result<int> migrate(Database& db, std::string_view set, std::span<const Migration> steps);

// Applied steps of every set (or of one set), in order.
Result<std::vector<AppliedMigration>> migration_status(Database& db, std::string_view set = {});

// The project-wide set "core": the omni_meta key/value table (installation id, created_at).
std::span<const Migration> core_migrations();

}  // namespace omni::storage
