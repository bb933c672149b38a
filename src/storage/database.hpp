#pragma once
// One database interface, two back ends: SQLite (embedded, the default) and PostgreSQL
// (production). Components write their SQL once, with $1 … $n parameters, which both back ends
// accept, and read results through typed accessors that report a type mismatch as an error.
//
//   auto db = storage::open_database(options);                       //
//   Result<unique_ptr<Database>> auto st = (*db)->transaction([&](storage::Connection& c) -> Status
//   {
//     OMNI_TRY(c.execute("INSERT INTO meter(id, address) VALUES ($1, $2)", {7, "000000123456"}));
//     return ok();
//   });                                                               // committed, or rolled back
//   auto rows = (*db)->query("SELECT id, address FROM meter WHERE id = $1", {7});
//   std::int64_t id = *rows->at(0).get<std::int64_t>(0);
//
// Durability: a transaction that returned ok() is on disk (SQLite: WAL with synchronous=FULL;
// PostgreSQL: its own commit). Only then may a caller acknowledge data upstream.
//
// Error codes: Io (cannot open or connect, connection lost; the message names the file or the
// host and port), Duplicate (a unique or primary-key constraint), Malformed (SQL the server
// rejects, other constraint violations), Busy (no connection free within the pool timeout, or the
// database locked beyond busy_timeout), OutOfRange (a column index past the row, a value that
// does not fit the requested type), Unsupported (a newer schema than this program knows).
//
// Thread safety: a Database is shared by all threads. A Connection is used by one thread at a
// time: take it with acquire() (or use transaction()/query()), which hand each thread its own.

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.hpp"

namespace omni::config {
class Section;
}

namespace omni::storage {

enum class Backend { Sqlite, Postgres };
std::string_view backend_name(Backend b);

// Bytes stored as BLOB (SQLite) or BYTEA (PostgreSQL).
struct Blob {
  std::vector<std::uint8_t> bytes;
  bool operator==(const Blob&) const = default;
};

// A parameter or a column value. std::monostate is SQL NULL.
class Value {
 public:
  Value() = default;
  Value(std::nullptr_t) {}
  Value(std::int64_t v) : v_(v) {}
  Value(int v) : v_(static_cast<std::int64_t>(v)) {}
  Value(long long v) : v_(static_cast<std::int64_t>(v)) {}
  Value(bool v) : v_(static_cast<std::int64_t>(v ? 1 : 0)) {}
  Value(double v) : v_(v) {}
  Value(std::string v) : v_(std::move(v)) {}
  Value(std::string_view v) : v_(std::string(v)) {}
  Value(const char* v) : v_(std::string(v)) {}
  Value(Blob v) : v_(std::move(v)) {}

  bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
  const auto& variant() const { return v_; }
  bool operator==(const Value&) const = default;

 private:
  std::variant<std::monostate, std::int64_t, double, std::string, Blob> v_;
};

using Params = std::vector<Value>;

// One result row. Integer columns come back as int64 (PostgreSQL booleans as 0/1), floating
// columns as double, BLOB/BYTEA as Blob, everything else (TEXT, NUMERIC, timestamps) as text.
class Row {
 public:
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
  std::size_t size() const { return values_.size(); }
  bool is_null(std::size_t column) const;
  const Value& value(std::size_t column) const { return values_.at(column); }

  // T is std::int64_t, double, std::string or Blob. Errors: OutOfRange (no such column),
  // Malformed (NULL or another type in that column; int64 is widened to double on request).
  template <class T>
  Result<T> get(std::size_t column) const;

 private:
  std::vector<Value> values_;
};

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<Row> rows;

  bool empty() const { return rows.empty(); }
  std::size_t size() const { return rows.size(); }
  const Row& at(std::size_t i) const { return rows.at(i); }
};

// A connection to the database. Prepared statements are cached per connection by SQL text, so
// repeating a statement costs one execution, not one parse.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual Backend backend() const = 0;

  // Several statements separated by ';', without parameters (migrations, schema set-up).
  virtual Status execute_script(std::string_view sql) = 0;
  // One statement; returns the rows it produced (possibly none).
  virtual Result<QueryResult> query(std::string_view sql, std::span<const Value> params) = 0;
  // One statement; returns the number of rows it changed.
  virtual Result<std::int64_t> execute(std::string_view sql, std::span<const Value> params) = 0;
  // The same statement once per parameter row, prepared once; returns the rows changed in total.
  // Call it inside a transaction: a failure part-way leaves the rows before it in the
  // transaction, which the caller's rollback undoes. PostgreSQL pipelines the rows.
  virtual Result<std::int64_t> execute_batch(std::string_view sql,
                                             std::span<const Params> rows) = 0;

  virtual Status begin() = 0;  // SQLite: BEGIN IMMEDIATE (takes the write lock at once)
  virtual Status commit() = 0;
  virtual Status rollback() = 0;

  Result<QueryResult> query(std::string_view sql, std::initializer_list<Value> params = {}) {
    return query(sql, std::span<const Value>(params.begin(), params.size()));
  }
  Result<std::int64_t> execute(std::string_view sql, std::initializer_list<Value> params = {}) {
    return execute(sql, std::span<const Value>(params.begin(), params.size()));
  }
};

class Database;

// A connection borrowed from a Database; returned to it on destruction.
class PooledConnection {
 public:
  PooledConnection(Connection* conn, std::function<void(Connection*)> release)
      : conn_(conn), release_(std::move(release)) {}
  PooledConnection(PooledConnection&& o) noexcept
      : conn_(std::exchange(o.conn_, nullptr)), release_(std::move(o.release_)) {}
  PooledConnection& operator=(PooledConnection&&) = delete;
  PooledConnection(const PooledConnection&) = delete;
  ~PooledConnection() {
    if (conn_ != nullptr) release_(conn_);
  }
  Connection& operator*() const { return *conn_; }
  Connection* operator->() const { return conn_; }

 private:
  Connection* conn_;
  std::function<void(Connection*)> release_;
};

enum class Access { Read, Write };

class Database {
 public:
  virtual ~Database() = default;
  virtual Backend backend() const = 0;
  // "sqlite:/var/lib/omnimeter/station.db" or "postgres:host=… port=… dbname=…" (no password).
  virtual std::string describe() const = 0;

  // Borrows a connection. SQLite has one writer connection (writes are serialised, as SQLite
  // requires) and several readers that see committed data while a write is under way;
  // PostgreSQL has one pool for both. Errors: Busy when none frees up within the timeout.
  virtual Result<PooledConnection> acquire(Access access) = 0;

  // Runs `body` in a transaction on a write connection: commit when it returns ok(), roll back
  // when it returns an error or throws (the exception is rethrown after the rollback).
  Status transaction(const std::function<Status(Connection&)>& body);
  // A single read on a read connection.
  Result<QueryResult> query(std::string_view sql, std::initializer_list<Value> params = {});
  Result<QueryResult> query(std::string_view sql, std::span<const Value> params);
  // A single statement in its own transaction on the write connection.
  Result<std::int64_t> execute(std::string_view sql, std::initializer_list<Value> params = {});
};

struct DatabaseOptions {
  Backend backend = Backend::Sqlite;
  // SQLite: the database file (created if missing, with its folder); ":memory:" for a private
  // in-memory database (tests), which has no separate readers.
  std::string sqlite_path = "omnimeter.db";
  // PostgreSQL: a libpq connection string ("host=127.0.0.1 port=5432 dbname=omni user=omni").
  // Passwords belong in ~/.pgpass or PGPASSFILE, not in the configuration file.
  std::string pg_conninfo;
  int pool_size = 4;  // PostgreSQL connections, or SQLite reader connections
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds busy_timeout{5000};  // waiting for a lock or a free connection
};

// Errors: Io (cannot open/connect; the detail names the file or host:port), Config (options).
Result<std::unique_ptr<Database>> open_database(const DatabaseOptions& options);

// Reads the [database] section: backend ("sqlite" | "postgres"), path, conninfo, pool_size,
// connect_timeout, busy_timeout. Problems are recorded in the section's Document.
DatabaseOptions database_options_from(const config::Section& section,
                                      const std::string& default_sqlite_path);

}  // namespace omni::storage
