#include "storage/migrations.hpp"

#include <fmt/format.h>

#include <ctime>

namespace omni::storage {
namespace {

constexpr std::string_view kCreateLedger =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " set_name TEXT NOT NULL,"
    " version INTEGER NOT NULL,"
    " name TEXT NOT NULL,"
    " applied_at TEXT NOT NULL,"
    " PRIMARY KEY (set_name, version))";

std::string utc_now_iso() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

constexpr Migration kCore[] = {
    {1, "omni_meta", "CREATE TABLE omni_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"},
};

}  // namespace

std::span<const Migration> core_migrations() { return kCore; }

Result<int> migrate(Database& db, std::string_view set, std::span<const Migration> steps) {
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].version != static_cast<int>(i) + 1) {
      return fail(ErrorCode::Malformed,
                  fmt::format("migration set \"{}\": step {} has version {}, expected {}", set, i,
                              steps[i].version, i + 1));
    }
  }
  OMNI_TRY(db.transaction([](Connection& c) { return c.execute_script(kCreateLedger); }));

  int applied = 0;
  for (const auto& step : steps) {
    bool done = false;
    // The check and the step share one transaction, so two processes migrating at once cannot
    // both apply a step: the second blocks on the write lock, then sees the record.
    OMNI_TRY(db.transaction([&](Connection& c) -> Status {
      auto latest = c.query(
          "SELECT COALESCE(MAX(version), 0) FROM schema_migrations "
          "WHERE set_name = $1",
          {std::string(set)});
      if (!latest) return fail(latest.error());
      auto newest = latest->at(0).get<std::int64_t>(0);
      if (!newest) return fail(newest.error());
      if (*newest > static_cast<std::int64_t>(steps.size())) {
        return fail(ErrorCode::Unsupported,
                    fmt::format("database {} has migration \"{}\" version {}, but this program "
                                "knows only up to {}: use a newer omnimeter",
                                db.describe(), set, *newest, steps.size()));
      }
      if (*newest >= step.version) {
        done = true;
        return ok();
      }
      std::string_view sql = (c.backend() == Backend::Postgres && !step.postgres_sql.empty())
                                 ? step.postgres_sql
                                 : step.sql;
      if (auto st = c.execute_script(sql); !st) {
        auto e = st.error();
        e.detail =
            fmt::format("migration \"{}\" {} ({}): {}", set, step.version, step.name, e.detail);
        return fail(std::move(e));
      }
      auto rec = c.execute(
          "INSERT INTO schema_migrations(set_name, version, name, applied_at) "
          "VALUES ($1, $2, $3, $4)",
          {std::string(set), step.version, std::string(step.name), utc_now_iso()});
      if (!rec) return fail(rec.error());
      return ok();
    }));
    if (!done) ++applied;
  }
  // A database newer than the code is refused even when the code's steps are all applied.
  auto latest =
      db.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE set_name = $1",
               {std::string(set)});
  if (!latest) return fail(latest.error());
  if (*latest->at(0).get<std::int64_t>(0) > static_cast<std::int64_t>(steps.size())) {
    return fail(ErrorCode::Unsupported,
                fmt::format("database {} has migration \"{}\" version {}, but this program knows "
                            "only up to {}: use a newer omnimeter",
                            db.describe(), set, *latest->at(0).get<std::int64_t>(0), steps.size()));
  }
  return applied;
}

Result<std::vector<AppliedMigration>> migration_status(Database& db, std::string_view set) {
  auto exists = db.query(db.backend() == Backend::Sqlite
                             ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND "
                               "name = 'schema_migrations'"
                             : "SELECT COUNT(*) FROM information_schema.tables WHERE "
                               "table_schema = current_schema() AND "
                               "table_name = 'schema_migrations'");
  if (!exists) return fail(exists.error());
  std::vector<AppliedMigration> out;
  if (*exists->at(0).get<std::int64_t>(0) == 0) return out;
  auto rows = set.empty() ? db.query(
                                "SELECT set_name, version, name, applied_at FROM schema_migrations "
                                "ORDER BY set_name, version")
                          : db.query(
                                "SELECT set_name, version, name, applied_at FROM schema_migrations "
                                "WHERE set_name = $1 ORDER BY version",
                                {std::string(set)});
  if (!rows) return fail(rows.error());
  for (const auto& r : rows->rows) {
    out.push_back({*r.get<std::string>(0), static_cast<int>(*r.get<std::int64_t>(1)),
                   *r.get<std::string>(2), *r.get<std::string>(3)});
  }
  return out;
}

}  // namespace omni::storage
