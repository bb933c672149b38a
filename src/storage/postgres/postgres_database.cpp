// PostgreSQL back end over libpq: a fixed pool of connections, statements prepared once per
// connection, and batches sent in pipeline mode (one network round trip per chunk of rows instead
// of one per row).
#include <fmt/format.h>
#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "storage/backends.hpp"

namespace omni::storage {
namespace {

// Type OIDs from PostgreSQL's pg_type catalogue (stable since 7.x).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kOidOid = 26;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

// Rows per pipeline chunk: small enough that the server's replies fit the socket buffers
// while we are still sending (libpq warns a blocking pipeline can deadlock otherwise).
constexpr std::size_t kPipelineChunk = 256;

std::string trim_message(const char* m) {
  std::string s = m ? m : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

Error result_error(PGconn* conn, const PGresult* res, std::string_view what) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string msg = trim_message(res ? PQresultErrorMessage(res) : PQerrorMessage(conn));
  if (msg.empty()) msg = trim_message(PQerrorMessage(conn));
  std::string detail = fmt::format("postgres: {}: {}", what, msg);
  std::string_view s = state ? state : "";
  if (PQstatus(conn) != CONNECTION_OK || s.starts_with("08") || s.starts_with("57P")) {
    return {ErrorCode::Io, std::move(detail)};
  }
  if (s == "23505") return {ErrorCode::Duplicate, std::move(detail)};
  if (s == "40001" || s == "40P01" || s == "55P03") return {ErrorCode::Busy, std::move(detail)};
  if (s.starts_with("22")) return {ErrorCode::OutOfRange, std::move(detail)};
  return {ErrorCode::Malformed, std::move(detail)};
}

// Converts a text-format BYTEA ("\x0a1b…") to bytes.
Blob decode_bytea(std::string_view text) {
  Blob b;
  if (text.size() >= 2 && text[0] == '\\' && text[1] == 'x') {
    auto nibble = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return c - 'A' + 10;
    };
    b.bytes.reserve((text.size() - 2) / 2);
    for (std::size_t i = 2; i + 1 < text.size(); i += 2) {
      b.bytes.push_back(static_cast<std::uint8_t>(nibble(text[i]) * 16 + nibble(text[i + 1])));
    }
  }
  return b;
}

Value column(const PGresult* res, int row, int col) {
  if (PQgetisnull(res, row, col)) return Value();
  const char* v = PQgetvalue(res, row, col);
  std::string_view text(v, static_cast<std::size_t>(PQgetlength(res, row, col)));
  switch (PQftype(res, col)) {
    case kInt8Oid:
    case kInt4Oid:
    case kInt2Oid:
    case kOidOid: {
      std::int64_t n = 0;
      std::from_chars(text.data(), text.data() + text.size(), n);
      return Value(n);
    }
    case kNumericOid: {
      // SUM(bigint) and COUNT-like aggregates are NUMERIC in PostgreSQL but integers in SQLite;
      // an integral NUMERIC that fits comes back as int64 so the same code reads both. Other
      // NUMERIC values stay exact decimal text (for Quantity::parse), never a lossy double.
      std::int64_t n = 0;
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (ec == std::errc() && p == text.data() + text.size()) return Value(n);
      return Value(std::string(text));
    }
    case kBoolOid:
      return Value(static_cast<std::int64_t>(text == "t" ? 1 : 0));
    case kFloat4Oid:
    case kFloat8Oid:
      return Value(std::strtod(std::string(text).c_str(), nullptr));
    case kByteaOid:
      return Value(decode_bytea(text));
    default:
      return Value(std::string(text));
  }
}

// Parameters as libpq wants them: text for numbers and strings, binary for blobs.
struct PgParams {
  std::vector<std::string> text;
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;

  explicit PgParams(std::span<const Value> params) {
    text.resize(params.size());
    values.resize(params.size(), nullptr);
    lengths.resize(params.size(), 0);
    formats.resize(params.size(), 0);
    for (std::size_t i = 0; i < params.size(); ++i) {
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::int64_t>) {
              text[i] = std::to_string(v);
            } else if constexpr (std::is_same_v<T, double>) {
              text[i] = fmt::format("{}", v);  // shortest form that reads back exactly
            } else if constexpr (std::is_same_v<T, std::string>) {
              text[i] = v;
            } else if constexpr (std::is_same_v<T, Blob>) {
              text[i].assign(v.bytes.begin(), v.bytes.end());
              formats[i] = 1;
            }
            if constexpr (!std::is_same_v<T, std::monostate>) {
              values[i] = text[i].data();
              lengths[i] = static_cast<int>(text[i].size());
            }
          },
          params[i].variant());
    }
  }
};

class PgConnection final : public Connection {
 public:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  ~PgConnection() override { PQfinish(conn_); }

  Backend backend() const override { return Backend::Postgres; }
  bool healthy() const { return PQstatus(conn_) == CONNECTION_OK; }
  void reset() {
    PQreset(conn_);
    prepared_.clear();  // a new session has no prepared statements
  }

  Status execute_script(std::string_view sql) override {
    std::string text(sql);
    PGresult* res = PQexec(conn_, text.c_str());
    auto status = PQresultStatus(res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
      auto e = result_error(conn_, res, "script");
      PQclear(res);
      return fail(std::move(e));
    }
    PQclear(res);
    return ok();
  }

  Result<QueryResult> query(std::string_view sql, std::span<const Value> params) override {
    auto res = run(sql, params);
    if (!res) return fail(res.error());
    QueryResult out;
    int ncol = PQnfields(*res);
    int nrow = PQntuples(*res);
    for (int c = 0; c < ncol; ++c) out.columns.emplace_back(PQfname(*res, c));
    out.rows.reserve(static_cast<std::size_t>(nrow));
    for (int r = 0; r < nrow; ++r) {
      std::vector<Value> values;
      values.reserve(static_cast<std::size_t>(ncol));
      for (int c = 0; c < ncol; ++c) values.push_back(column(*res, r, c));
      out.rows.emplace_back(std::move(values));
    }
    PQclear(*res);
    return out;
  }

  Result<std::int64_t> execute(std::string_view sql, std::span<const Value> params) override {
    auto res = run(sql, params);
    if (!res) return fail(res.error());
    std::int64_t n = affected(*res);
    PQclear(*res);
    return n;
  }

  Result<std::int64_t> execute_batch(std::string_view sql, std::span<const Params> rows) override {
    if (rows.empty()) return std::int64_t{0};
    auto name = prepare(sql, rows[0].size());
    if (!name) return fail(name.error());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].size() != rows[0].size()) {
        return fail(ErrorCode::Malformed,
                    fmt::format("batch row {} has {} parameters, row 0 has {}", i, rows[i].size(),
                                rows[0].size()));
      }
    }
    if (PQenterPipelineMode(conn_) != 1) {
      return fail(result_error(conn_, nullptr, "enter pipeline mode"));
    }
    std::int64_t changed = 0;
    std::optional<Error> first_error;
    for (std::size_t start = 0; start < rows.size() && !first_error; start += kPipelineChunk) {
      std::size_t end = std::min(rows.size(), start + kPipelineChunk);
      std::size_t sent = 0;
      for (std::size_t i = start; i < end; ++i, ++sent) {
        PgParams p(rows[i]);
        if (!PQsendQueryPrepared(conn_, name->c_str(), static_cast<int>(p.values.size()),
                                 p.values.data(), p.lengths.data(), p.formats.data(), 0)) {
          first_error = result_error(conn_, nullptr, fmt::format("send batch row {}", i));
          break;
        }
      }
      PQpipelineSync(conn_);
      // Every query sent gets one result and a null; then the sync point. After an error the
      // rest of the chunk comes back as PGRES_PIPELINE_ABORTED.
      for (std::size_t i = 0; i < sent; ++i) {
        PGresult* res = PQgetResult(conn_);
        auto status = PQresultStatus(res);
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
          changed += affected(res);
        } else if (!first_error) {
          first_error = result_error(conn_, res, fmt::format("batch row {}", start + i));
        }
        PQclear(res);
        while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
      }
      while (PGresult* res = PQgetResult(conn_)) {
        bool sync = PQresultStatus(res) == PGRES_PIPELINE_SYNC;
        PQclear(res);
        if (sync) break;
      }
    }
    PQexitPipelineMode(conn_);
    if (first_error) return fail(std::move(*first_error));
    return changed;
  }

  Status begin() override { return execute_script("BEGIN"); }
  Status commit() override { return execute_script("COMMIT"); }
  Status rollback() override {
    if (PQtransactionStatus(conn_) == PQTRANS_IDLE) return ok();
    return execute_script("ROLLBACK");
  }

 private:
  static std::int64_t affected(const PGresult* res) {
    const char* n = PQcmdTuples(const_cast<PGresult*>(res));
    return (n && *n) ? std::strtoll(n, nullptr, 10) : 0;
  }

  // Prepares once per connection; checks the parameter count here, because the server treats a
  // mismatch as a protocol violation rather than an SQL error.
  Result<std::string> prepare(std::string_view sql, std::size_t given) {
    std::string key(sql);
    auto it = prepared_.find(key);
    if (it == prepared_.end()) {
      std::string name = fmt::format("omni_{}", prepared_.size() + 1);
      PGresult* res = PQprepare(conn_, name.c_str(), key.c_str(), 0, nullptr);
      if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        auto e = result_error(conn_, res, "prepare");
        PQclear(res);
        return fail(std::move(e));
      }
      PQclear(res);
      PGresult* desc = PQdescribePrepared(conn_, name.c_str());
      int nparams = PQnparams(desc);
      PQclear(desc);
      it = prepared_.emplace(std::move(key), PreparedInfo{name, nparams}).first;
    }
    if (static_cast<std::size_t>(it->second.params) != given) {
      return fail(ErrorCode::Malformed,
                  fmt::format("statement takes {} parameters, {} given", it->second.params, given));
    }
    return it->second.name;
  }

  Result<PGresult*> run(std::string_view sql, std::span<const Value> params) {
    auto name = prepare(sql, params.size());
    if (!name) return fail(name.error());
    PgParams p(params);
    PGresult* res = PQexecPrepared(conn_, name->c_str(), static_cast<int>(p.values.size()),
                                   p.values.data(), p.lengths.data(), p.formats.data(), 0);
    auto status = PQresultStatus(res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      auto e = result_error(conn_, res, "execute");
      PQclear(res);
      return fail(std::move(e));
    }
    return res;
  }

  PGconn* conn_;
  struct PreparedInfo {
    std::string name;
    int params = 0;
  };
  std::unordered_map<std::string, PreparedInfo> prepared_;
};

Result<std::unique_ptr<PgConnection>> connect(const DatabaseOptions& o) {
  // libpq's connect_timeout is in whole seconds with a minimum of 2.
  auto secs = std::max<long long>(2, (o.connect_timeout.count() + 999) / 1000);
  std::string conninfo =
      fmt::format("{} connect_timeout={} application_name=omnimeter", o.pg_conninfo, secs);
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = trim_message(PQerrorMessage(conn));
    PQfinish(conn);
    return fail(ErrorCode::Io, fmt::format("postgres: cannot connect: {}", msg));
  }
  // Server notices ("table does not exist, skipping") are not errors; libpq would print them
  // on stderr, interleaved with the structured log.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  auto c = std::make_unique<PgConnection>(conn);
  // Times are stored and compared in UTC; display conversion happens in the application.
  OMNI_TRY(c->execute_script("SET TIME ZONE 'UTC'"));
  return c;
}

class PgDatabase final : public Database {
 public:
  PgDatabase(DatabaseOptions o, std::vector<std::unique_ptr<PgConnection>> pool)
      : options_(std::move(o)), pool_(std::move(pool)) {
    for (auto& c : pool_) idle_.push_back(c.get());
  }

  Backend backend() const override { return Backend::Postgres; }
  std::string describe() const override { return "postgres:" + options_.pg_conninfo; }

  Result<PooledConnection> acquire(Access) override {
    std::unique_lock lock(mutex_);
    if (!freed_.wait_for(lock, options_.busy_timeout, [this] { return !idle_.empty(); })) {
      return fail(ErrorCode::Busy, fmt::format("postgres: all {} connections stayed busy for {} ms",
                                               pool_.size(), options_.busy_timeout.count()));
    }
    PgConnection* c = idle_.back();
    idle_.pop_back();
    lock.unlock();
    // A connection broken by a server restart is re-established before it is handed out.
    if (!c->healthy()) {
      c->reset();
      if (!c->healthy()) {
        give_back(c);
        return fail(ErrorCode::Io, "postgres: connection lost and could not be re-established");
      }
    }
    return PooledConnection(
        c, [this](Connection* back) { give_back(static_cast<PgConnection*>(back)); });
  }

 private:
  void give_back(PgConnection* c) {
    {
      std::lock_guard g(mutex_);
      idle_.push_back(c);
    }
    freed_.notify_one();
  }

  DatabaseOptions options_;
  std::vector<std::unique_ptr<PgConnection>> pool_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<PgConnection*> idle_;
};

}  // namespace

Result<std::unique_ptr<Database>> open_postgres(const DatabaseOptions& options) {
  std::vector<std::unique_ptr<PgConnection>> pool;
  for (int i = 0; i < options.pool_size; ++i) {
    auto c = connect(options);
    if (!c) return fail(c.error());
    pool.push_back(std::move(*c));
  }
  return std::unique_ptr<Database>(std::make_unique<PgDatabase>(options, std::move(pool)));
}

}  // namespace omni::storage
