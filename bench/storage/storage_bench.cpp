// Batched-insert throughput of both storage back ends, in rows per second.
//
//   storage_bench [rows]        (default 200000)
//
// Rows are readings (meter_id, ts, value, quality), inserted with execute_batch() in transactions
// of 100, 1,000 and 10,000 rows. SQLite writes a file with synchronous=FULL (every commit is
// durable); PostgreSQL runs in a throw-away cluster started here (fsync off, as in the tests, so
// the figure is the client path, not the disk).
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>

#include "storage/database.hpp"
#include "support/pg_cluster.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace omni;
using namespace omni::storage;

double run(Database& db, int total, int batch) {
  auto created = db.transaction([](Connection& c) {
    return c.execute_script(
        "DROP TABLE IF EXISTS reading; CREATE TABLE reading (meter_id BIGINT NOT NULL, ts BIGINT "
        "NOT NULL, value BIGINT NOT NULL, quality INTEGER NOT NULL, PRIMARY KEY (meter_id, ts))");
  });
  if (!created) {
    fmt::print(stderr, "create failed: {}\n", created.error().to_string());
    std::exit(1);
  }
  std::vector<Params> rows;
  auto start = std::chrono::steady_clock::now();
  for (int done = 0; done < total; done += batch) {
    rows.clear();
    for (int i = done; i < done + batch && i < total; ++i) {
      rows.push_back({i % 5000, 1'700'000'000 + (i / 5000) * 900, std::int64_t{i} * 37, 0});
    }
    auto st = db.transaction([&](Connection& c) -> Status {
      auto n = c.execute_batch(
          "INSERT INTO reading(meter_id, ts, value, quality) VALUES ($1, $2, $3, $4)", rows);
      if (!n) return fail(n.error());
      return ok();
    });
    if (!st) {
      fmt::print(stderr, "insert failed: {}\n", st.error().to_string());
      std::exit(1);
    }
  }
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  return total / took.count();
}

}  // namespace

int main(int argc, char** argv) {
  int total = argc > 1 ? std::atoi(argv[1]) : 200'000;
  omni::testing::TempDir dir("omni-bench");
  DatabaseOptions sqlite;
  sqlite.sqlite_path = (dir / "bench.db").string();
  DatabaseOptions pg;
  pg.backend = Backend::Postgres;
  pg.pg_conninfo = omni::testing::PgCluster::shared().conninfo("omni_bench");

  fmt::print("storage_bench: batched inserts of {} readings (meter_id, ts, value, quality)\n",
             total);
  fmt::print("{:<10} {:>8} {:>14}\n", "backend", "batch", "rows/s");
  for (const auto* o : {&sqlite, &pg}) {
    auto db = open_database(*o);
    if (!db) {
      fmt::print(stderr, "open failed: {}\n", db.error().to_string());
      return 1;
    }
    for (int batch : {100, 1'000, 10'000}) {
      double rate = run(**db, total, batch);
      fmt::print("{:<10} {:>8} {:>14.0f}\n", backend_name(o->backend), batch, rate);
    }
  }
  return 0;
}
