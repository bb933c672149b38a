// How fast the station stores validated daily readings (the ingest path of a collection), on
// SQLite and PostgreSQL.
//
//   station_bench [meters]      (default 100000)
//
// Each day's values of all meters are saved the way a collection saves them: in batches of
// 2,000 (one concentrator's reply), each batch one transaction with the archive lookup, the
// monotonic check against the previous day and the idempotent insert. Target (issue 5):
// >= 50,000 readings/s end to end.
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>

#include "station/store/archive_store.hpp"
#include "station/store/schema.hpp"
#include "storage/migrations.hpp"
#include "support/pg_cluster.hpp"
#include "support/temp_dir.hpp"

using namespace omni;
using namespace omni::station;

namespace {

double run(storage::Database& db, std::uint32_t meters, int days) {
  if (auto m = storage::migrate(db, "station", station_migrations()); !m) {
    fmt::print(stderr, "migrate: {}\n", m.error().to_string());
    std::exit(1);
  }
  ArchiveStore store(db);
  constexpr std::uint32_t kBatch = 2000;
  std::vector<MeterAddress> addresses;
  for (std::uint32_t i = 0; i < meters; ++i) {
    addresses.push_back(*MeterAddress::from_digits(fmt::format("11{:010}", i)));
  }
  for (std::uint32_t c = 0; c * kBatch < meters; ++c) {
    auto id =
        store.touch_concentrator(*MeterAddress::from_digits(fmt::format("1101{:08}", c)), {0});
    std::vector<ArchiveRow> rows;
    for (std::uint32_t i = c * kBatch; i < std::min(meters, (c + 1) * kBatch); ++i) {
      rows.push_back({addresses[i], static_cast<std::uint16_t>(i - c * kBatch + 1), 2});
    }
    (void)store.upsert_meters(*id, rows, {0});
  }
  auto start = std::chrono::steady_clock::now();
  std::int64_t stored = 0;
  for (int d = 0; d < days; ++d) {
    for (std::uint32_t c = 0; c * kBatch < meters; ++c) {
      std::vector<DailyReading> batch;
      for (std::uint32_t i = c * kBatch; i < std::min(meters, (c + 1) * kBatch); ++i) {
        batch.push_back(
            {addresses[i], 20000 + d, 100000 + d * 1000 + i % 97, 2, "kWh", Quality::Measured});
      }
      auto saved = store.save_daily(batch, {0});
      if (!saved) {
        fmt::print(stderr, "save: {}\n", saved.error().to_string());
        std::exit(1);
      }
      stored += saved->inserted;
    }
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(stored) / s;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint32_t meters = argc > 1 ? static_cast<std::uint32_t>(std::atoi(argv[1])) : 100'000;
  const int days = 2;
  omni::testing::TempDir dir;
  storage::DatabaseOptions sqlite;
  sqlite.sqlite_path = (dir / "station.db").string();
  auto db = storage::open_database(sqlite);
  if (!db) return 1;
  double sqlite_rate = run(**db, meters, days);
  fmt::print("{:<52} {:>12.0f} readings/s  (target >= 50000)\n", "SQLite (WAL, synchronous=FULL)",
             sqlite_rate);

  auto& pg = omni::testing::PgCluster::shared();
  pg.recreate_database("station_bench");
  storage::DatabaseOptions postgres;
  postgres.backend = storage::Backend::Postgres;
  postgres.pg_conninfo = pg.conninfo("station_bench");
  auto pdb = storage::open_database(postgres);
  if (!pdb) return 1;
  double pg_rate = run(**pdb, meters, days);
  fmt::print("{:<52} {:>12.0f} readings/s  (target >= 50000)\n",
             "PostgreSQL 15 (throw-away cluster, fsync off)", pg_rate);
  return 0;
}
