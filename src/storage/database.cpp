#include "storage/database.hpp"

#include <fmt/format.h>

#include "core/config.hpp"
#include "storage/backends.hpp"

namespace omni::storage {

std::string_view backend_name(Backend b) { return b == Backend::Sqlite ? "sqlite" : "postgres"; }

bool Row::is_null(std::size_t column) const {
  return column >= values_.size() || values_[column].is_null();
}

namespace {

template <class T>
constexpr const char* wanted_name() {
  if constexpr (std::is_same_v<T, std::int64_t>) return "an integer";
  if constexpr (std::is_same_v<T, double>) return "a number";
  if constexpr (std::is_same_v<T, std::string>) return "text";
  return "a blob";
}

const char* held_name(const Value& v) {
  switch (v.variant().index()) {
    case 0:
      return "NULL";
    case 1:
      return "an integer";
    case 2:
      return "a number";
    case 3:
      return "text";
    default:
      return "a blob";
  }
}

}  // namespace

template <class T>
Result<T> Row::get(std::size_t column) const {
  if (column >= values_.size()) {
    return fail(ErrorCode::OutOfRange, fmt::format("column {} requested from a row of {} columns",
                                                   column, values_.size()));
  }
  const Value& v = values_[column];
  if (const T* p = std::get_if<T>(&v.variant())) return *p;
  if constexpr (std::is_same_v<T, double>) {
    if (const auto* i = std::get_if<std::int64_t>(&v.variant())) return static_cast<double>(*i);
  }
  return fail(ErrorCode::Malformed,
              fmt::format("column {} holds {}, not {}", column, held_name(v), wanted_name<T>()));
}

template Result<std::int64_t> Row::get<std::int64_t>(std::size_t) const;
template Result<double> Row::get<double>(std::size_t) const;
template Result<std::string> Row::get<std::string>(std::size_t) const;
template Result<Blob> Row::get<Blob>(std::size_t) const;

Status Database::transaction(const std::function<Status(Connection&)>& body) {
  auto conn = acquire(Access::Write);
  if (!conn) return fail(conn.error());
  OMNI_TRY((*conn)->begin());
  Status result;
  try {
    result = body(**conn);
  } catch (...) {
    (void)(*conn)->rollback();
    throw;
  }
  if (!result) {
    (void)(*conn)->rollback();
    return result;
  }
  if (auto st = (*conn)->commit(); !st) {
    (void)(*conn)->rollback();
    return st;
  }
  return ok();
}

Result<QueryResult> Database::query(std::string_view sql, std::initializer_list<Value> params) {
  return query(sql, std::span<const Value>(params.begin(), params.size()));
}

Result<QueryResult> Database::query(std::string_view sql, std::span<const Value> params) {
  auto conn = acquire(Access::Read);
  if (!conn) return fail(conn.error());
  return (*conn)->query(sql, params);
}

Result<std::int64_t> Database::execute(std::string_view sql, std::initializer_list<Value> params) {
  std::int64_t changed = 0;
  OMNI_TRY(transaction([&](Connection& c) -> Status {
    auto n = c.execute(sql, std::span<const Value>(params.begin(), params.size()));
    if (!n) return fail(n.error());
    changed = *n;
    return ok();
  }));
  return changed;
}

Result<std::unique_ptr<Database>> open_database(const DatabaseOptions& options) {
  if (options.pool_size < 1 || options.pool_size > 256) {
    return fail(ErrorCode::Config,
                fmt::format("pool_size must be between 1 and 256 (got {})", options.pool_size));
  }
  if (options.backend == Backend::Sqlite) return open_sqlite(options);
  if (options.pg_conninfo.empty()) {
    return fail(ErrorCode::Config, "backend \"postgres\" needs a conninfo");
  }
  return open_postgres(options);
}

DatabaseOptions database_options_from(const config::Section& s,
                                      const std::string& default_sqlite_path) {
  DatabaseOptions o;
  o.backend = s.get_choice("backend", "sqlite", {"sqlite", "postgres"}) == "postgres"
                  ? Backend::Postgres
                  : Backend::Sqlite;
  o.sqlite_path = s.get_path("path", default_sqlite_path).string();
  o.pg_conninfo = s.get_string("conninfo", "");
  o.pool_size = static_cast<int>(s.get_int("pool_size", 4, 1, 256));
  o.connect_timeout = s.get_duration("connect_timeout", std::chrono::seconds(5),
                                     std::chrono::milliseconds(100), std::chrono::minutes(5));
  o.busy_timeout = s.get_duration("busy_timeout", std::chrono::seconds(5),
                                  std::chrono::milliseconds(0), std::chrono::minutes(5));
  if (o.backend == Backend::Postgres && o.pg_conninfo.empty()) {
    s.reject("conninfo", "required when backend = \"postgres\"");
  }
  return o;
}

}  // namespace omni::storage
