// DT-3: data exchange succeeds for at least 99.9 % of packets. Measured here over more than
// 10,000 packets through a proxy that drops, truncates, cuts, duplicates, delays (reorders) and
// loses the answers of some of them: every record must arrive exactly once (100 % after
// retries, 0 duplicates), and the first-attempt success is printed.
//
// The path is the production one: the station's archive imported from the simulated city's CSV,
// daily values stored by the station's ArchiveStore, batches built by the station's Exporter
// and sent by exchange::Uploader; on the other side the cloud's receiver route and DataCentre.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "cloud/store/data_centre.hpp"
#include "cloud/service/gateway.hpp"
#include "cloud/store/schema.hpp"
#include "core/clock.hpp"
#include "exchange/receiver.hpp"
#include "exchange/uploader.hpp"
#include "net/http_server.hpp"
#include "sim/archive/archive.hpp"
#include "sim/model/city.hpp"
#include "station/export/exporter.hpp"
#include "station/store/archive_import.hpp"
#include "station/store/archive_store.hpp"
#include "station/store/schema.hpp"
#include "storage/migrations.hpp"
#include "support/faulty_proxy.hpp"
#include "support/temp_dir.hpp"

namespace omni {
namespace {

constexpr std::int64_t kFirstDay = 20'400;  // 2025-11-08
constexpr int kDays = 180;
constexpr UtcTime kNow{1'790'000'000};

std::unique_ptr<storage::Database> open_db(const std::filesystem::path& file) {
  storage::DatabaseOptions o;
  o.sqlite_path = file.string();
  auto db = storage::open_database(o);
  EXPECT_TRUE(db) << db.error().to_string();
  return std::move(*db);
}

std::string unit_of(EnergyKind k) {
  return k == EnergyKind::Electricity ? "kWh" : k == EnergyKind::Heat ? "GJ" : "m3";
}

// The station's database: the city's archive imported, its concentrators' meter lists, and
// kDays daily values per meter, rising by a per-meter step. Returns the readings stored.
std::int64_t fill_station(storage::Database& db, const sim::City& city) {
  EXPECT_TRUE(storage::migrate(db, "core", storage::core_migrations()));
  EXPECT_TRUE(storage::migrate(db, "station", station::station_migrations()));
  std::string csv;
  sim::write_archive_csv(city, {}, [&](std::string_view chunk) { csv += chunk; });
  auto report = station::import_archive(db, csv, station::ImportMode::Apply, kNow);
  EXPECT_TRUE(report && report->problems.empty());
  station::ArchiveStore store(db);
  sim::ConcentratorPlan plan = sim::plan_concentrators(city, 2000);
  for (std::uint32_t c = 0; c < plan.meters.size(); ++c) {
    auto id = store.touch_concentrator(sim::concentrator_address(c), kNow);
    EXPECT_TRUE(id);
    std::vector<station::ArchiveRow> rows;
    for (std::uint32_t m : plan.meters[c]) {
      rows.push_back({city.meters[m].address, static_cast<std::uint16_t>(rows.size() + 1), 1});
    }
    EXPECT_TRUE(store.upsert_meters(*id, rows, kNow));
  }
  std::int64_t stored = 0;
  for (int d = 0; d < kDays; ++d) {
    std::vector<station::DailyReading> day;
    for (std::uint32_t c = 0; c < plan.meters.size(); ++c) {
      for (std::uint32_t m : plan.meters[c]) {
        const sim::Meter& meter = city.meters[m];
        station::DailyReading r;
        r.meter = meter.address;
        r.day = kFirstDay + d;
        r.value = 100'000 + static_cast<std::int64_t>(d) * (1 + meter.id % 7) * 100;
        r.scale = 2;
        r.unit = unit_of(meter.kind);
        day.push_back(r);
      }
    }
    auto saved = store.save_daily(day, kNow);
    EXPECT_TRUE(saved) << saved.error().to_string();
    stored += saved->inserted;
  }
  return stored;
}

std::int64_t count(storage::Database& db, const std::string& sql) {
  auto rows = db.query(sql);
  EXPECT_TRUE(rows) << rows.error().to_string();
  return *rows->at(0).get<std::int64_t>(0);
}

TEST(ExchangeDelivery, EveryRecordArrivesExactlyOnceThroughADamagingNetwork) {
  // On tmpfs when there is one: this test is about the network, not the disk's fsync latency.
  const bool shm = std::filesystem::is_directory("/dev/shm");
  if (shm) setenv("TMPDIR", "/dev/shm", 1);
  omni::testing::TempDir dir("omni-dt3");
  if (shm) unsetenv("TMPDIR");

  sim::City city = sim::generate_city({.seed = 11, .meters = 600});
  auto station_db = open_db(dir / "station.db");
  const std::int64_t readings = fill_station(*station_db, city);
  ASSERT_GT(readings, 50'000);

  auto cloud_db = open_db(dir / "cloud.db");
  ASSERT_TRUE(storage::migrate(*cloud_db, "core", storage::core_migrations()));
  cloud::DataCentre centre(*cloud_db);
  ASSERT_TRUE(centre.migrate());
  metrics::Registry registry;
  exchange::ReceiverCounters received(registry);
  net::Router router;
  FakeClock cloud_clock(kNow);
  exchange::add_batch_route(router, cloud::batch_sink(centre, cloud_clock), received);
  net::HttpServer server({}, std::move(router));
  ASSERT_TRUE(server.start());

  // About 1.3 % of packets damaged, of every kind.
  testing::FaultRates rates{.drop = 3000,
                            .truncate = 2000,
                            .cut = 2000,
                            .lose_reply = 2000,
                            .duplicate = 2000,
                            .delay = 2000,
                            .delay_by = std::chrono::milliseconds(300)};
  testing::FaultyProxy proxy(server.port(), rates, 2026);

  station::Exporter exporter(*station_db, "elec-01", 10);
  exchange::UploaderOptions options;
  options.http.port = proxy.port();
  options.http.timeout = std::chrono::milliseconds(3000);
  options.min_backoff = std::chrono::milliseconds(2);
  options.max_backoff = std::chrono::milliseconds(20);
  exchange::Uploader uploader(
      options,
      [&](UtcTime now) -> Result<std::optional<exchange::OutgoingBatch>> {
        auto b = exporter.next(now);
        if (!b) return fail(b.error());
        if (!*b) return std::optional<exchange::OutgoingBatch>();
        return std::optional<exchange::OutgoingBatch>({(*b)->sequence, std::move((*b)->text)});
      },
      [&](std::uint64_t seq, UtcTime now) { return exporter.acknowledge(seq, now); },
      [] { return kNow; }, registry);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(8);
  for (;;) {
    auto sent = uploader.drain();
    if (sent) break;  // nothing left to send
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << sent.error().to_string();
    std::this_thread::sleep_for(uploader.backoff());
  }
  proxy.stop();  // delayed packets arrive before the counts are taken
  server.stop();

  auto stats = exporter.stats();
  ASSERT_TRUE(stats);
  const auto batches = static_cast<std::int64_t>(stats->next_sequence - 1);
  const auto& c = uploader.counters();
  const double first =
      static_cast<double>(c.first_attempt.value()) / static_cast<double>(c.delivered.value());
  std::printf("DT-3: %llu packets through the proxy (",
              static_cast<unsigned long long>(proxy.packets()));
  for (const auto& [what, n] : proxy.counts())
    std::printf(" %s %llu", what.c_str(), static_cast<unsigned long long>(n));
  std::printf(
      " ); %lld batches, %llu POSTs, delivered %llu (100.000 %%), first-attempt success %.3f %%,"
      " cloud saw %llu duplicates and %llu refusals\n",
      static_cast<long long>(batches), static_cast<unsigned long long>(c.attempts.value()),
      static_cast<unsigned long long>(c.delivered.value()), 100.0 * first,
      static_cast<unsigned long long>(received.duplicate.value()),
      static_cast<unsigned long long>(received.refused.value()));

  EXPECT_GT(proxy.packets(), 10'000u);
  EXPECT_EQ(stats->pending_batches, 0);
  EXPECT_EQ(static_cast<std::int64_t>(c.delivered.value()), batches);
  EXPECT_EQ(static_cast<std::int64_t>(received.accepted.value()), batches);
  EXPECT_EQ(received.conflict.value(), 0u);
  // Damage really happened and was survived.
  EXPECT_GT(received.duplicate.value(), 0u);
  EXPECT_GT(received.refused.value(), 0u);
  EXPECT_GE(first, 0.95);
  // Every reading exactly once: the cloud holds as many as the station stored (its key is
  // (point, time), so a reading stored twice would have to be a changed value, counted apart).
  EXPECT_EQ(count(*cloud_db, "SELECT COUNT(*) FROM reading"), readings);
  EXPECT_EQ(count(*cloud_db, "SELECT COUNT(*) FROM reading WHERE changes > 0"), 0);
  EXPECT_EQ(count(*cloud_db, "SELECT COUNT(*) FROM cloud_batch"), batches);
}

}  // namespace
}  // namespace omni
