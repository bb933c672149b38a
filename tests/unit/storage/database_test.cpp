// The storage suite, run against both back ends: SQLite files in a temporary folder and a real
// PostgreSQL 15 cluster started by the test harness (tests/support/pg_cluster.*).
#include "storage/database.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <climits>
#include <thread>

#include "core/config.hpp"
#include "storage/migrations.hpp"
#include "support/pg_cluster.hpp"
#include "support/temp_dir.hpp"

namespace omni::storage {
namespace {

using omni::testing::PgCluster;
using omni::testing::TempDir;

class DatabaseTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { db_ = open(); }

  DatabaseOptions options() {
    DatabaseOptions o;
    o.backend = GetParam();
    o.pool_size = 3;
    o.busy_timeout = std::chrono::milliseconds(2000);
    if (o.backend == Backend::Sqlite) {
      o.sqlite_path = (dir_ / "test.db").string();
    } else {
      if (!pg_ready_) {
        PgCluster::shared().recreate_database("omni_test");
        pg_ready_ = true;
      }
      o.pg_conninfo = PgCluster::shared().conninfo("omni_test");
    }
    return o;
  }

  std::unique_ptr<Database> open() {
    auto db = open_database(options());
    EXPECT_TRUE(db) << db.error().to_string();
    return db ? std::move(*db) : nullptr;
  }

  // A table with every column type, in SQL both back ends accept except for the blob type.
  void create_sample_table() {
    std::string blob_type = GetParam() == Backend::Sqlite ? "BLOB" : "BYTEA";
    ASSERT_TRUE(db_->transaction([&](Connection& c) {
      return c.execute_script(
          "CREATE TABLE sample (id BIGINT PRIMARY KEY, n BIGINT, x DOUBLE PRECISION, "
          "t TEXT, b " +
          blob_type + ")");
    }));
  }

  TempDir dir_{"omni-storage"};
  bool pg_ready_ = false;
  std::unique_ptr<Database> db_;
};

TEST_P(DatabaseTest, RoundTripsEveryValueType) {
  create_sample_table();
  Blob blob{{0x00, 0x68, 0xFF, 0x00, 0x16}};
  std::string text = "水表 \"quoted\" ' \\ 전기 \n end";
  ASSERT_TRUE(db_->execute("INSERT INTO sample(id, n, x, t, b) VALUES ($1, $2, $3, $4, $5)",
                           {1, std::int64_t{INT64_MAX}, 0.1, text, blob}));
  ASSERT_TRUE(db_->execute("INSERT INTO sample(id, n, x, t, b) VALUES ($1, $2, $3, $4, $5)",
                           {2, std::int64_t{INT64_MIN}, -1.5e300, "", Blob{}}));
  ASSERT_TRUE(db_->execute("INSERT INTO sample(id, n, x, t, b) VALUES ($1, $2, $3, $4, $5)",
                           {3, nullptr, nullptr, nullptr, nullptr}));

  auto rows = db_->query("SELECT id, n, x, t, b FROM sample ORDER BY id");
  ASSERT_TRUE(rows) << rows.error().to_string();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ(rows->columns, (std::vector<std::string>{"id", "n", "x", "t", "b"}));
  const Row& r1 = rows->at(0);
  EXPECT_EQ(*r1.get<std::int64_t>(1), INT64_MAX);
  EXPECT_EQ(*r1.get<double>(2), 0.1);
  EXPECT_EQ(*r1.get<std::string>(3), text);
  EXPECT_EQ(*r1.get<Blob>(4), blob);
  const Row& r2 = rows->at(1);
  EXPECT_EQ(*r2.get<std::int64_t>(1), INT64_MIN);
  EXPECT_EQ(*r2.get<double>(2), -1.5e300);
  EXPECT_EQ(*r2.get<std::string>(3), "");
  const Row& r3 = rows->at(2);
  for (std::size_t c = 1; c < 5; ++c) EXPECT_TRUE(r3.is_null(c)) << c;
}

TEST_P(DatabaseTest, TypedAccessReportsMismatchesAsErrors) {
  create_sample_table();
  ASSERT_TRUE(db_->execute("INSERT INTO sample(id, n, t) VALUES ($1, $2, $3)", {1, 5, "five"}));
  auto rows = db_->query("SELECT n, t, x FROM sample");
  ASSERT_TRUE(rows);
  const Row& r = rows->at(0);
  EXPECT_EQ(r.get<std::string>(0).error().code, ErrorCode::Malformed);
  EXPECT_EQ(r.get<std::int64_t>(1).error().code, ErrorCode::Malformed);
  EXPECT_EQ(r.get<std::int64_t>(2).error().code, ErrorCode::Malformed);  // NULL
  EXPECT_EQ(r.get<std::int64_t>(9).error().code, ErrorCode::OutOfRange);
  EXPECT_EQ(*r.get<double>(0), 5.0);  // integers widen to double on request
}

TEST_P(DatabaseTest, ParametersMayAppearOutOfOrderAndRepeat) {
  auto rows = db_->query("SELECT $2 || '-' || $1 || '-' || $2", {"a", "b"});
  ASSERT_TRUE(rows) << rows.error().to_string();
  EXPECT_EQ(*rows->at(0).get<std::string>(0), "b-a-b");
}

// Text and blobs are handed to the database without a copy (SQLite binds them by pointer): a
// statement reused with other values, from temporaries that are gone before the next call, and
// after a call that failed, must store exactly the values of each call.
TEST_P(DatabaseTest, ReusedStatementsStoreTheValuesOfEachCall) {
  create_sample_table();
  const std::string sql = "INSERT INTO sample(id, t, b) VALUES ($1, $2, $3)";
  auto long_text = [](int i) { return std::string(200 + i, static_cast<char>('a' + i % 26)); };
  for (int i = 0; i < 20; ++i) {
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(i), static_cast<std::uint8_t>(i));
    ASSERT_TRUE(db_->execute(sql, {i, long_text(i), Blob{bytes}}));
  }
  ASSERT_FALSE(db_->execute(sql, {99, "wrong count"}));
  ASSERT_TRUE(db_->execute(sql, {20, nullptr, nullptr}));
  std::vector<Params> rows;
  for (int i = 21; i < 300; ++i) rows.push_back({i, "row " + std::to_string(i), Blob{{1, 2, 3}}});
  ASSERT_TRUE(db_->transaction([&](Connection& c) -> Status {
    auto n = c.execute_batch(sql, rows);
    if (!n) return fail(n.error());
    return ok();
  }));
  rows.clear();  // the batch's strings are freed before anything reads them back

  auto back = db_->query("SELECT id, t, b FROM sample ORDER BY id");
  ASSERT_TRUE(back) << back.error().to_string();
  ASSERT_EQ(back->size(), 300u);
  for (int i = 0; i < 20; ++i) {
    const Row& r = back->at(static_cast<std::size_t>(i));
    EXPECT_EQ(*r.get<std::string>(1), long_text(i)) << i;
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(i), static_cast<std::uint8_t>(i));
    if (i > 0) {  // 0 bytes: stored as NULL (SQLite) or empty (PostgreSQL)
      EXPECT_EQ(r.get<Blob>(2)->bytes, bytes) << i;
    }
  }
  EXPECT_TRUE(back->at(20).is_null(1));
  EXPECT_TRUE(back->at(20).is_null(2));
  for (int i = 21; i < 300; ++i) {
    const Row& r = back->at(static_cast<std::size_t>(i));
    EXPECT_EQ(*r.get<std::string>(1), "row " + std::to_string(i));
    EXPECT_EQ(r.get<Blob>(2)->bytes, (std::vector<std::uint8_t>{1, 2, 3}));
  }
}

TEST_P(DatabaseTest, WrongParameterCountIsAnError) {
  create_sample_table();
  auto r = db_->execute("INSERT INTO sample(id, n) VALUES ($1, $2)", {1});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Malformed);
}

TEST_P(DatabaseTest, BadSqlIsMalformedWithTheServerMessage) {
  auto r = db_->query("SELEKT 1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Malformed);
  EXPECT_NE(r.error().detail.find("SELEKT"), std::string::npos) << r.error().detail;
}

TEST_P(DatabaseTest, DuplicateKeyIsDuplicate) {
  create_sample_table();
  ASSERT_TRUE(db_->execute("INSERT INTO sample(id) VALUES ($1)", {1}));
  auto r = db_->execute("INSERT INTO sample(id) VALUES ($1)", {1});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Duplicate) << r.error().detail;
  // ON CONFLICT DO NOTHING, the idempotent ingest idiom, works on both and changes nothing.
  auto again = db_->execute("INSERT INTO sample(id) VALUES ($1) ON CONFLICT DO NOTHING", {1});
  ASSERT_TRUE(again) << again.error().to_string();
  EXPECT_EQ(*again, 0);
}

TEST_P(DatabaseTest, BatchInsertOfTenThousandRows) {
  create_sample_table();
  std::vector<Params> rows;
  for (int i = 0; i < 10'000; ++i) {
    rows.push_back({i, std::int64_t{i} * 1'000'000'007, i * 0.5, "m" + std::to_string(i)});
  }
  std::int64_t changed = 0;
  ASSERT_TRUE(db_->transaction([&](Connection& c) -> Status {
    auto n = c.execute_batch("INSERT INTO sample(id, n, x, t) VALUES ($1, $2, $3, $4)", rows);
    if (!n) return fail(n.error());
    changed = *n;
    return ok();
  }));
  EXPECT_EQ(changed, 10'000);
  auto sum = db_->query("SELECT COUNT(*), SUM(id), MAX(t) FROM sample WHERE n = id * 1000000007");
  ASSERT_TRUE(sum) << sum.error().to_string();
  EXPECT_EQ(*sum->at(0).get<std::int64_t>(0), 10'000);
  EXPECT_EQ(*sum->at(0).get<std::int64_t>(1), 49'995'000);
  EXPECT_EQ(*sum->at(0).get<std::string>(2), "m9999");
}

TEST_P(DatabaseTest, FailedBatchRollsBackEverything) {
  create_sample_table();
  ASSERT_TRUE(db_->execute("INSERT INTO sample(id) VALUES ($1)", {5000}));
  std::vector<Params> rows;
  for (int i = 0; i < 10'000; ++i) rows.push_back({i});  // row 5000 collides
  auto st = db_->transaction([&](Connection& c) -> Status {
    auto n = c.execute_batch("INSERT INTO sample(id) VALUES ($1)", rows);
    if (!n) return fail(n.error());
    return ok();
  });
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::Duplicate) << st.error().detail;
  EXPECT_NE(st.error().detail.find("5000"), std::string::npos) << st.error().detail;
  auto count = db_->query("SELECT COUNT(*) FROM sample");
  ASSERT_TRUE(count);
  EXPECT_EQ(*count->at(0).get<std::int64_t>(0), 1) << "nothing of the failed batch may remain";
  // The connection is usable afterwards.
  EXPECT_TRUE(db_->execute("INSERT INTO sample(id) VALUES ($1)", {1}));
}

TEST_P(DatabaseTest, TransactionRollsBackOnErrorAndOnException) {
  create_sample_table();
  auto st = db_->transaction([](Connection& c) -> Status {
    OMNI_TRY(c.execute("INSERT INTO sample(id) VALUES ($1)", {1}));
    return fail(ErrorCode::OutOfRange, "validation failed after the insert");
  });
  EXPECT_FALSE(st);
  EXPECT_THROW((void)db_->transaction([](Connection& c) -> Status {
    (void)c.execute("INSERT INTO sample(id) VALUES ($1)", {2});
    throw std::runtime_error("bug");
  }),
               std::runtime_error);
  auto count = db_->query("SELECT COUNT(*) FROM sample");
  ASSERT_TRUE(count);
  EXPECT_EQ(*count->at(0).get<std::int64_t>(0), 0);
  // Committed work stays.
  ASSERT_TRUE(db_->transaction([](Connection& c) -> Status {
    OMNI_TRY(c.execute("INSERT INTO sample(id) VALUES ($1)", {3}));
    return ok();
  }));
  EXPECT_EQ(*db_->query("SELECT COUNT(*) FROM sample")->at(0).get<std::int64_t>(0), 1);
}

TEST_P(DatabaseTest, ConcurrentReadersSeeOnlyCommittedDataWhileAWriterWorks) {
  create_sample_table();
  ASSERT_TRUE(db_->execute("INSERT INTO sample(id, n) VALUES ($1, $2)", {0, 0}));
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0};
  std::atomic<int> bad{0};
  // Invariant kept by every write transaction: SUM(n) = 0 (a +k row and a -k row together).
  auto reader = [&] {
    while (!stop) {
      auto r = db_->query("SELECT COALESCE(SUM(n), 0), COUNT(*) FROM sample");
      if (!r || *r->at(0).get<std::int64_t>(0) != 0 || *r->at(0).get<std::int64_t>(1) % 2 == 0) {
        ++bad;
      }
      ++reads;
    }
  };
  std::thread r1(reader);
  std::thread r2(reader);
  for (int k = 1; k <= 200; ++k) {
    ASSERT_TRUE(db_->transaction([&](Connection& c) -> Status {
      OMNI_TRY(c.execute("INSERT INTO sample(id, n) VALUES ($1, $2)", {2 * k - 1, k}));
      OMNI_TRY(c.execute("INSERT INTO sample(id, n) VALUES ($1, $2)", {2 * k, -k}));
      return ok();
    }));
  }
  while (reads < 50) std::this_thread::yield();
  stop = true;
  r1.join();
  r2.join();
  EXPECT_EQ(bad, 0) << "a reader saw a half-done transaction or failed";
  EXPECT_GE(reads, 50);
}

TEST_P(DatabaseTest, ExhaustedPoolAnswersBusy) {
  DatabaseOptions o = options();
  o.pool_size = 1;
  o.busy_timeout = std::chrono::milliseconds(200);
  auto db = open_database(o);
  ASSERT_TRUE(db) << db.error().to_string();
  auto held = (*db)->acquire(Access::Read);
  ASSERT_TRUE(held);
  auto held_writer = (*db)->acquire(Access::Write);  // SQLite's writer is separate from readers
  if (GetParam() == Backend::Sqlite) {
    ASSERT_TRUE(held_writer);
  }
  auto second = (*db)->acquire(Access::Read);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::Busy);
}

TEST_P(DatabaseTest, MigrationsApplyOnceAndReportStatus) {
  static constexpr Migration kSteps[] = {
      {1, "meters", "CREATE TABLE meter (id BIGINT PRIMARY KEY, address TEXT NOT NULL);"},
      {2, "readings",
       "CREATE TABLE reading (meter_id BIGINT NOT NULL REFERENCES meter(id), ts BIGINT NOT NULL,"
       " value BIGINT NOT NULL, PRIMARY KEY (meter_id, ts));"
       "CREATE INDEX reading_ts ON reading(ts);"},
  };
  auto first = migrate(*db_, "station", kSteps);
  ASSERT_TRUE(first) << first.error().to_string();
  EXPECT_EQ(*first, 2);
  auto again = migrate(*db_, "station", kSteps);
  ASSERT_TRUE(again) << again.error().to_string();
  EXPECT_EQ(*again, 0);
  ASSERT_TRUE(migrate(*db_, "core", core_migrations()));

  auto status = migration_status(*db_);
  ASSERT_TRUE(status) << status.error().to_string();
  ASSERT_EQ(status->size(), 3u);
  EXPECT_EQ((*status)[0].set, "core");
  EXPECT_EQ((*status)[1].set, "station");
  EXPECT_EQ((*status)[2].version, 2);
  EXPECT_EQ((*status)[2].name, "readings");
  EXPECT_EQ((*status)[2].applied_at.size(), 20u);  // 2025-03-01T00:00:00Z
  // The schema is really there.
  EXPECT_TRUE(db_->execute("INSERT INTO meter(id, address) VALUES ($1, $2)", {1, "000000123456"}));
  EXPECT_TRUE(db_->execute("INSERT INTO reading(meter_id, ts, value) VALUES ($1, $2, $3)",
                           {1, 1700000000, 12345}));
}

TEST_P(DatabaseTest, FailingMigrationLeavesNoTrace) {
  static constexpr Migration kSteps[] = {
      {1, "ok", "CREATE TABLE a (id BIGINT PRIMARY KEY);"},
      {2, "broken", "CREATE TABLE b (id BIGINT PRIMARY KEY); CREATE TABLE a (id BIGINT);"},
  };
  auto r = migrate(*db_, "x", kSteps);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("migration \"x\" 2 (broken)"), std::string::npos)
      << r.error().detail;
  auto status = migration_status(*db_, "x");
  ASSERT_TRUE(status);
  ASSERT_EQ(status->size(), 1u) << "step 2 must not be recorded";
  // Table b of the failed step was rolled back with it.
  auto b = db_->query("SELECT COUNT(*) FROM b");
  EXPECT_FALSE(b);
}

TEST_P(DatabaseTest, NewerSchemaThanTheCodeIsRefused) {
  static constexpr Migration kNew[] = {
      {1, "one", "CREATE TABLE one (id BIGINT);"},
      {2, "two", "CREATE TABLE two (id BIGINT);"},
  };
  ASSERT_TRUE(migrate(*db_, "cloud", kNew));
  auto old = migrate(*db_, "cloud", std::span<const Migration>(kNew, 1));
  ASSERT_FALSE(old);
  EXPECT_EQ(old.error().code, ErrorCode::Unsupported);
  EXPECT_NE(old.error().detail.find("version 2"), std::string::npos) << old.error().detail;
}

TEST_P(DatabaseTest, MisnumberedStepsAreRejected) {
  static constexpr Migration kBad[] = {{1, "a", "SELECT 1;"}, {3, "c", "SELECT 1;"}};
  auto r = migrate(*db_, "bad", kBad);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Malformed);
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseTest,
                         ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         [](const auto& param_info) {
                           return std::string(backend_name(param_info.param));
                         });

// ---------------------------------------------------------------------------------------------
// Back-end specific behaviour

TEST(Sqlite, AcknowledgedWritesSurviveReopening) {
  TempDir dir("omni-sqlite");
  DatabaseOptions o;
  o.sqlite_path = (dir / "durable.db").string();
  {
    auto db = open_database(o);
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->execute("CREATE TABLE r (id INTEGER PRIMARY KEY, v TEXT)"));
    ASSERT_TRUE((*db)->execute("INSERT INTO r(id, v) VALUES ($1, $2)", {1, "acknowledged"}));
    auto mode = (*db)->query("PRAGMA journal_mode");
    ASSERT_TRUE(mode);
    EXPECT_EQ(*mode->at(0).get<std::string>(0), "wal");
    auto sync = (*db)->query("PRAGMA synchronous");
    EXPECT_EQ(*sync->at(0).get<std::int64_t>(0), 2) << "FULL";
  }
  auto db = open_database(o);
  ASSERT_TRUE(db);
  auto rows = (*db)->query("SELECT v FROM r WHERE id = $1", {1});
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(*rows->at(0).get<std::string>(0), "acknowledged");
}

TEST(Sqlite, UnopenableFileIsAnIoErrorNamingThePath) {
  DatabaseOptions o;
  o.sqlite_path = "/proc/omni-cannot-create/x.db";
  auto db = open_database(o);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, ErrorCode::Io);
  EXPECT_NE(db.error().detail.find("/proc/omni-cannot-create"), std::string::npos)
      << db.error().detail;
}

TEST(Sqlite, ReadersCannotWrite) {
  TempDir dir("omni-sqlite");
  DatabaseOptions o;
  o.sqlite_path = (dir / "ro.db").string();
  auto db = open_database(o);
  ASSERT_TRUE(db);
  ASSERT_TRUE((*db)->execute("CREATE TABLE r (id INTEGER)"));
  auto reader = (*db)->acquire(Access::Read);
  ASSERT_TRUE(reader);
  EXPECT_FALSE((*reader)->execute("INSERT INTO r(id) VALUES ($1)", {1}));
}

TEST(Postgres, UnreachableServerFailsFastWithHostAndPort) {
  DatabaseOptions o;
  o.backend = Backend::Postgres;
  o.pg_conninfo = "host=127.0.0.1 port=1 dbname=x user=x";  // nothing listens on port 1
  o.connect_timeout = std::chrono::seconds(2);
  auto start = std::chrono::steady_clock::now();
  auto db = open_database(o);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, ErrorCode::Io);
  EXPECT_NE(db.error().detail.find("127.0.0.1"), std::string::npos) << db.error().detail;
  EXPECT_NE(db.error().detail.find("port 1"), std::string::npos) << db.error().detail;
  EXPECT_LT(took, std::chrono::seconds(10)) << "must not hang";
}

TEST(Postgres, MissingConninfoIsAConfigError) {
  DatabaseOptions o;
  o.backend = Backend::Postgres;
  auto db = open_database(o);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, ErrorCode::Config);
}

TEST(DatabaseConfig, ReadsTheDatabaseSection) {
  auto doc = config::Document::parse(
      "[database]\nbackend = \"postgres\"\nconninfo = \"host=db\"\npool_size = 9\n"
      "busy_timeout = \"250ms\"\n",
      "cloud.toml", "/etc/omnimeter");
  ASSERT_TRUE(doc);
  auto o = database_options_from(doc->root().section("database"), "/var/lib/omnimeter/x.db");
  EXPECT_TRUE(doc->finish()) << doc->finish().error().detail;
  EXPECT_EQ(o.backend, Backend::Postgres);
  EXPECT_EQ(o.pg_conninfo, "host=db");
  EXPECT_EQ(o.pool_size, 9);
  EXPECT_EQ(o.busy_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(o.sqlite_path, "/var/lib/omnimeter/x.db");
}

TEST(DatabaseConfig, PostgresWithoutConninfoIsReported) {
  auto doc = config::Document::parse("[database]\nbackend = \"postgres\"\n", "cloud.toml");
  ASSERT_TRUE(doc);
  (void)database_options_from(doc->root().section("database"), "x.db");
  auto st = doc->finish();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().detail.find("database.conninfo: required when backend = \"postgres\""),
            std::string::npos)
      << st.error().detail;
}

}  // namespace
}  // namespace omni::storage
