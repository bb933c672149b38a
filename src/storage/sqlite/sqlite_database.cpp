// SQLite back end: WAL journal with synchronous=FULL, so a committed transaction survives a crash
// or power loss; one writer connection (SQLite allows one writer at a time, and queueing in our
// process is fairer and cheaper than spinning on SQLITE_BUSY) and a pool of readers that keep
// reading committed data while a write is under way.
#include <fmt/format.h>
#include <sqlite3.h>

#include <charconv>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "storage/backends.hpp"

namespace omni::storage {
namespace {

Error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  const char* msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string detail = fmt::format("sqlite: {}: {}", what, msg);
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return {ErrorCode::Duplicate, std::move(detail)};
      }
      return {ErrorCode::Malformed, std::move(detail)};
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return {ErrorCode::Busy, std::move(detail)};
    case SQLITE_ERROR:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
    case SQLITE_TOOBIG:
      return {ErrorCode::Malformed, std::move(detail)};
    default:
      return {ErrorCode::Io, std::move(detail)};
  }
}

// "$7" -> 7; 0 when the name is not of that form.
int dollar_number(const char* name) {
  if (name == nullptr || name[0] != '$') return 0;
  int n = 0;
  std::string_view digits(name + 1);
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  return (ec == std::errc() && p == digits.data() + digits.size()) ? n : 0;
}

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override {
    for (auto& [sql, st] : cache_) sqlite3_finalize(st.stmt);
    sqlite3_close_v2(db_);
  }

  Backend backend() const override { return Backend::Sqlite; }

  Status execute_script(std::string_view sql) override {
    std::string text(sql);
    char* err = nullptr;
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      auto e = sqlite_error(db_, rc, "script");
      e.detail = fmt::format("sqlite: script: {}", msg);
      return fail(std::move(e));
    }
    return ok();
  }

  Result<QueryResult> query(std::string_view sql, std::span<const Value> params) override {
    auto st = prepare(sql);
    if (!st) return fail(st.error());
    OMNI_TRY(bind(**st, params));
    return run(**st, /*collect=*/true);
  }

  Result<std::int64_t> execute(std::string_view sql, std::span<const Value> params) override {
    auto st = prepare(sql);
    if (!st) return fail(st.error());
    OMNI_TRY(bind(**st, params));
    auto r = run(**st, /*collect=*/false);
    if (!r) return fail(r.error());
    return static_cast<std::int64_t>(sqlite3_changes64(db_));
  }

  Result<std::int64_t> execute_batch(std::string_view sql, std::span<const Params> rows) override {
    auto st = prepare(sql);
    if (!st) return fail(st.error());
    std::int64_t changed = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      OMNI_TRY(bind(**st, rows[i]));
      auto r = run(**st, false);
      if (!r) {
        auto e = r.error();
        e.detail = fmt::format("{} (batch row {})", e.detail, i);
        return fail(std::move(e));
      }
      changed += sqlite3_changes64(db_);
    }
    return changed;
  }

  Status begin() override { return execute_script("BEGIN IMMEDIATE"); }
  Status commit() override { return execute_script("COMMIT"); }
  Status rollback() override {
    if (sqlite3_get_autocommit(db_)) return ok();  // nothing open (e.g. COMMIT already failed)
    return execute_script("ROLLBACK");
  }

 private:
  struct Prepared {
    sqlite3_stmt* stmt = nullptr;
    // SQLite index of parameter $k at position k-1 (SQLite numbers "$n" names in order of first
    // appearance, which need not be numeric order).
    std::vector<int> slot;
    bool borrowed = false;  // text or blob bound by pointer (SQLITE_STATIC) since the last clear
  };

  Result<Prepared*> prepare(std::string_view sql) {
    // Looked up by view: a batch of multi-row inserts repeats a statement of kilobytes, which
    // should not be copied to find it.
    if (auto it = cache_.find(sql); it != cache_.end()) return &it->second;
    std::string key(sql);
    Prepared p;
    int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                                SQLITE_PREPARE_PERSISTENT, &p.stmt, nullptr);
    if (rc != SQLITE_OK) return fail(sqlite_error(db_, rc, "prepare"));
    int count = sqlite3_bind_parameter_count(p.stmt);
    p.slot.assign(static_cast<std::size_t>(count), 0);
    for (int i = 1; i <= count; ++i) {
      const char* name = sqlite3_bind_parameter_name(p.stmt, i);
      int n = name == nullptr ? i : dollar_number(name);  // "?" counts positionally
      if (n < 1 || n > count) {
        sqlite3_finalize(p.stmt);
        return fail(ErrorCode::Malformed,
                    fmt::format("sqlite: parameter \"{}\" is not of the form $1 … ${}",
                                name ? name : "?", count));
      }
      p.slot[static_cast<std::size_t>(n - 1)] = i;
    }
    return &cache_.emplace(std::move(key), std::move(p)).first->second;
  }

  // Text and blobs are bound without a copy (SQLITE_STATIC): the caller's values outlive the
  // statement's execution, and run() clears such bindings before it returns, so no statement
  // in the cache keeps a pointer into memory that is gone.
  Status bind(Prepared& p, std::span<const Value> params) {
    sqlite3_reset(p.stmt);
    if (p.borrowed) {
      sqlite3_clear_bindings(p.stmt);
      p.borrowed = false;
    }
    if (params.size() != p.slot.size()) {
      return fail(ErrorCode::Malformed, fmt::format("statement takes {} parameters, {} given",
                                                    p.slot.size(), params.size()));
    }
    for (std::size_t k = 0; k < params.size(); ++k) {
      int i = p.slot[k];
      int rc = std::visit(
          [&](const auto& v) -> int {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
              return sqlite3_bind_null(p.stmt, i);
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
              return sqlite3_bind_int64(p.stmt, i, v);
            } else if constexpr (std::is_same_v<T, double>) {
              return sqlite3_bind_double(p.stmt, i, v);
            } else if constexpr (std::is_same_v<T, std::string>) {
              p.borrowed = true;
              return sqlite3_bind_text64(p.stmt, i, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
            } else {
              p.borrowed = true;
              return sqlite3_bind_blob64(p.stmt, i, v.bytes.data(), v.bytes.size(), SQLITE_STATIC);
            }
          },
          params[k].variant());
      if (rc != SQLITE_OK) {
        auto e = sqlite_error(db_, rc, fmt::format("bind ${}", k + 1));
        release(p);
        return fail(std::move(e));
      }
    }
    return ok();
  }

  Result<QueryResult> run(Prepared& p, bool collect) {
    QueryResult out;
    int ncol = sqlite3_column_count(p.stmt);
    if (collect) {
      for (int c = 0; c < ncol; ++c) out.columns.emplace_back(sqlite3_column_name(p.stmt, c));
    }
    for (;;) {
      int rc = sqlite3_step(p.stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        auto e = sqlite_error(db_, sqlite3_extended_errcode(db_), "step");
        release(p);
        return fail(std::move(e));
      }
      if (!collect) continue;
      std::vector<Value> values;
      values.reserve(static_cast<std::size_t>(ncol));
      for (int c = 0; c < ncol; ++c) values.push_back(column(p.stmt, c));
      out.rows.emplace_back(std::move(values));
    }
    release(p);
    return out;
  }

  // Ends an execution: the statement is reset and forgets values bound by pointer.
  static void release(Prepared& p) {
    sqlite3_reset(p.stmt);
    if (p.borrowed) {
      sqlite3_clear_bindings(p.stmt);
      p.borrowed = false;
    }
  }

  static Value column(sqlite3_stmt* st, int c) {
    switch (sqlite3_column_type(st, c)) {
      case SQLITE_INTEGER:
        return Value(static_cast<std::int64_t>(sqlite3_column_int64(st, c)));
      case SQLITE_FLOAT:
        return Value(sqlite3_column_double(st, c));
      case SQLITE_TEXT: {
        auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, c));
        return Value(std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(st, c))));
      }
      case SQLITE_BLOB: {
        auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(st, c));
        auto n = static_cast<std::size_t>(sqlite3_column_bytes(st, c));
        return Value(Blob{std::vector<std::uint8_t>(data, data + n)});
      }
      default:
        return Value();
    }
  }

  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };

  sqlite3* db_;
  std::unordered_map<std::string, Prepared, TextHash, std::equal_to<>> cache_;
};

Result<std::unique_ptr<SqliteConnection>> open_connection(const DatabaseOptions& o, bool reader) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(o.sqlite_path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    auto e = sqlite_error(db, rc, fmt::format("cannot open \"{}\"", o.sqlite_path));
    e.code = ErrorCode::Io;
    sqlite3_close_v2(db);
    return fail(std::move(e));
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(o.busy_timeout.count()));
  auto conn = std::make_unique<SqliteConnection>(db);
  // Every connection gets the same settings; WAL is a property of the file but synchronous,
  // foreign_keys and query_only are per connection.
  std::string pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;";
  if (reader) pragmas += " PRAGMA query_only=ON;";
  if (auto st = conn->execute_script(pragmas); !st) {
    auto e = st.error();
    e.detail = fmt::format("{} (opening \"{}\")", e.detail, o.sqlite_path);
    return fail(std::move(e));
  }
  return conn;
}

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(DatabaseOptions o, std::unique_ptr<SqliteConnection> writer,
                 std::vector<std::unique_ptr<SqliteConnection>> readers)
      : options_(std::move(o)), writer_(std::move(writer)), readers_(std::move(readers)) {
    for (auto& r : readers_) idle_.push_back(r.get());
  }

  Backend backend() const override { return Backend::Sqlite; }
  std::string describe() const override { return "sqlite:" + options_.sqlite_path; }

  Result<PooledConnection> acquire(Access access) override {
    if (access == Access::Write || readers_.empty()) {
      if (!writer_mutex_.try_lock_for(options_.busy_timeout)) {
        return fail(ErrorCode::Busy,
                    fmt::format("sqlite: the writer of {} stayed busy for {} ms",
                                options_.sqlite_path, options_.busy_timeout.count()));
      }
      return PooledConnection(writer_.get(), [this](Connection*) { writer_mutex_.unlock(); });
    }
    std::unique_lock lock(mutex_);
    if (!freed_.wait_for(lock, options_.busy_timeout, [this] { return !idle_.empty(); })) {
      return fail(ErrorCode::Busy,
                  fmt::format("sqlite: no reader of {} free within {} ms", options_.sqlite_path,
                              options_.busy_timeout.count()));
    }
    Connection* c = idle_.back();
    idle_.pop_back();
    return PooledConnection(c, [this](Connection* back) {
      {
        std::lock_guard g(mutex_);
        idle_.push_back(back);
      }
      freed_.notify_one();
    });
  }

 private:
  DatabaseOptions options_;
  std::unique_ptr<SqliteConnection> writer_;
  std::timed_mutex writer_mutex_;
  std::vector<std::unique_ptr<SqliteConnection>> readers_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<Connection*> idle_;
};

}  // namespace

Result<std::unique_ptr<Database>> open_sqlite(const DatabaseOptions& options) {
  // SQLite's memory statistics take a global mutex on every allocation and nothing here reads
  // them: switched off for the process. sqlite3_config() only works before SQLite initialises
  // (it returns SQLITE_MISUSE after, leaving the default), hence once, before the first open.
  static const int configured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)configured;
  bool in_memory = options.sqlite_path == ":memory:";
  if (!in_memory) {
    auto dir = std::filesystem::path(options.sqlite_path).parent_path();
    std::error_code ec;
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    if (ec) {
      return fail(ErrorCode::Io, fmt::format("sqlite: cannot create folder \"{}\": {}",
                                             dir.string(), ec.message()));
    }
  }
  auto writer = open_connection(options, /*reader=*/false);
  if (!writer) return fail(writer.error());
  std::vector<std::unique_ptr<SqliteConnection>> readers;
  // A private in-memory database is invisible to other connections: everything uses the writer.
  for (int i = 0; !in_memory && i < options.pool_size; ++i) {
    auto r = open_connection(options, /*reader=*/true);
    if (!r) return fail(r.error());
    readers.push_back(std::move(*r));
  }
  return std::unique_ptr<Database>(
      std::make_unique<SqliteDatabase>(options, std::move(*writer), std::move(readers)));
}

}  // namespace omni::storage
