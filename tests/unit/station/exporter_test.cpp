// The station's exporter on both back ends: sequence numbers from 1, the same bytes until the
// cloud acknowledges, the records as stored, late values still sent, nothing lost or sent twice
// across many batches while readings keep arriving, readings of meters archived later sent
// once, coverage of finished days (again when late values arrive), and a restart that keeps
// the sequence.
#include "station/export/exporter.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "exchange/batch.hpp"
#include "station/store/archive_import.hpp"
#include "station/store/archive_store.hpp"
#include "station_db.hpp"

namespace omni::station {
namespace {

using testing::ArchiveFile;
using testing::code;

MeterAddress addr(std::string_view d) { return *MeterAddress::from_digits(d); }

// Beijing day numbers of the test's calendar.
const std::int64_t kDay = days_from_civil(2026, 11, 20);

UtcTime at(std::int64_t day, int hour = 0, int minute = 0) {
  return UtcTime{day * 86400 - 8 * 3600 + hour * 3600 + minute * 60};
}

std::string household(int room) { return fmt::format("1101000001{:02}", room - 100); }

class ExporterTest : public testing::StationDbTest {
 protected:
  void SetUp() override {
    StationDbTest::SetUp();
    if (HasFatalFailure()) return;
    store_ = std::make_unique<ArchiveStore>(*db_);
    auto c = store_->touch_concentrator(addr("110100000001"), {0});
    ASSERT_TRUE(c.has_value());
    concentrator_ = *c;
  }

  // A supply meter and households 101.. under it, all in one building.
  ArchiveFile archive(int households) {
    ArchiveFile f;
    std::string supply = code(1, 0, 0, EnergyKind::Electricity).to_string();
    f.add(ArchiveFile::electricity(0, "110100000100"));
    for (int i = 0; i < households; ++i) {
      f.add(ArchiveFile::electricity(static_cast<std::uint16_t>(101 + i), household(101 + i),
                                     supply));
    }
    return f;
  }

  void import(const ArchiveFile& f) {
    auto r = import_archive(*db_, f.text(), ImportMode::Apply, at(kDay - 30));
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    ASSERT_TRUE(r->problems.empty()) << r->problems[0].to_string();
  }

  // The meters as a concentrator reports them (the station's meter table).
  void wire(const std::vector<std::string>& addresses) {
    std::vector<ArchiveRow> rows;
    for (const auto& a : addresses) {
      rows.push_back({addr(a), static_cast<std::uint16_t>(rows.size() + 1), 2});
    }
    ASSERT_TRUE(store_->upsert_meters(concentrator_, rows, {0}).has_value());
  }

  void save(const std::string& address, std::int64_t day, std::int64_t value,
            Quality q = Quality::Measured) {
    auto r = store_->save_daily({{addr(address), day, value, 2, "kWh", q}}, at(day, 1));
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    ASSERT_EQ(r->inserted, 1);
  }

  static exchange::Batch parse(const PendingBatch& p) {
    auto b = exchange::read_batch(p.text);
    EXPECT_TRUE(b.has_value()) << b.error().to_string() << "\n" << p.text;
    if (!b) return {};
    EXPECT_EQ(b->sequence, p.sequence);
    return std::move(*b);
  }

  // Everything the exporter has to say now, acknowledged batch by batch.
  std::vector<exchange::Batch> drain(Exporter& e, UtcTime now) {
    std::vector<exchange::Batch> out;
    for (int i = 0; i < 1000; ++i) {
      auto next = e.next(now);
      EXPECT_TRUE(next.has_value()) << next.error().to_string();
      if (!next || !*next) break;
      out.push_back(parse(**next));
      EXPECT_TRUE(e.acknowledge((*next)->sequence, now).has_value());
    }
    return out;
  }

  std::unique_ptr<ArchiveStore> store_;
  std::int64_t concentrator_ = 0;
};

TEST_P(ExporterTest, SequencesStartAtOneAndTheBytesStayTheSameUntilAcknowledged) {
  import(archive(2));
  wire({"110100000100", household(101), household(102)});
  save(household(101), kDay, 1000);
  Exporter e(*db_, "station-1", 1000);
  auto first = e.next(at(kDay, 12));
  ASSERT_TRUE(first.has_value()) << first.error().to_string();
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->sequence, 1u);
  EXPECT_TRUE(exchange::validate_batch((*first)->text).empty());
  save(household(102), kDay, 2000);  // new data does not change a batch already built
  for (int i = 0; i < 3; ++i) {
    auto again = e.next(at(kDay, 13 + i));
    ASSERT_TRUE(again.has_value() && again->has_value());
    EXPECT_EQ((*again)->sequence, 1u);
    EXPECT_EQ((*again)->text, (*first)->text);
  }
  ASSERT_TRUE(e.acknowledge(1, at(kDay, 14)).has_value());
  EXPECT_TRUE(e.acknowledge(1, at(kDay, 15)).has_value()) << "acknowledging twice is harmless";
  auto unknown = e.acknowledge(7, at(kDay, 15));
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, ErrorCode::NotFound);
  auto second = e.next(at(kDay, 16));
  ASSERT_TRUE(second.has_value() && second->has_value());
  EXPECT_EQ((*second)->sequence, 2u);
  auto b = parse(**second);
  ASSERT_EQ(b.readings.size(), 1u);
  EXPECT_EQ(b.readings[0].value.mantissa(), 2000);
  ASSERT_TRUE(e.acknowledge(2, at(kDay, 16)).has_value());
  auto nothing = e.next(at(kDay, 17));
  ASSERT_TRUE(nothing.has_value());
  EXPECT_FALSE(nothing->has_value());
  auto stats = e.stats();
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->next_sequence, 3u);
  EXPECT_EQ(stats->pending_batches, 0);
  EXPECT_EQ(stats->acknowledged_batches, 2);
}

TEST_P(ExporterTest, RecordsCarryTheArchiveAndTheReadingsAsStored) {
  ArchiveFile f = archive(2);
  f.row(2)["key_user"] = "true";
  import(f);
  wire({"110100000100", household(101), household(102), "110100000999"});
  save(household(101), kDay, 123456);
  save(household(101), kDay + 1, 100, Quality::Measured);  // went backwards: stored as suspect
  save("110100000999", kDay, 5);                           // a meter the archive does not know
  Exporter e(*db_, "station-1", 1000);
  auto batches = drain(e, at(kDay + 1, 3));
  ASSERT_EQ(batches.size(), 1u);
  const exchange::Batch& b = batches[0];
  EXPECT_EQ(b.station, "station-1");
  EXPECT_EQ(b.created, at(kDay + 1, 3));
  ASSERT_EQ(b.regions.size(), 3u);
  std::map<std::string, exchange::RegionRecord> regions;
  for (const auto& r : b.regions) regions[r.code] = r;
  EXPECT_EQ(regions["110105"].name, "朝阳区");
  EXPECT_EQ(regions["110105"].level, exchange::RegionLevel::District);
  EXPECT_EQ(regions["110105001"].name, "东华街道");
  EXPECT_EQ(regions["110105001001"].name, "朝阳区望京家园");
  ASSERT_TRUE(regions["110105001001"].latitude.has_value());
  EXPECT_DOUBLE_EQ(*regions["110105001001"].latitude, 39.99);
  EXPECT_DOUBLE_EQ(*regions["110105001001"].longitude, 116.47);
  ASSERT_EQ(b.meters.size(), 3u);
  const exchange::MeterRecord* m102 = nullptr;
  for (const auto& m : b.meters) {
    if (m.address == addr(household(102))) m102 = &m;
  }
  ASSERT_NE(m102, nullptr);
  EXPECT_EQ(m102->code, code(1, 1, 102, EnergyKind::Electricity));
  ASSERT_TRUE(m102->parent.has_value());
  EXPECT_EQ(*m102->parent, code(1, 0, 0, EnergyKind::Electricity));
  EXPECT_EQ(m102->customer, exchange::CustomerType::Residential);
  EXPECT_EQ(m102->industry, ' ');
  EXPECT_TRUE(m102->key_user);
  EXPECT_TRUE(m102->remote);
  EXPECT_EQ(m102->meter_type, 0x40);
  EXPECT_EQ(m102->installed, at(days_from_civil(2020, 5, 1)));
  ASSERT_EQ(b.readings.size(), 2u) << "the unarchived meter's value is not sent";
  const auto& r0 = b.readings[0];
  EXPECT_EQ(r0.code, code(1, 1, 101, EnergyKind::Electricity));
  EXPECT_EQ(r0.at, at(kDay)) << "frozen at 00:00 Beijing = 16:00 UTC the day before";
  EXPECT_EQ(format_iso8601(r0.at, TimeZone::utc()), "2026-11-19T16:00:00Z");
  EXPECT_EQ(r0.value.mantissa(), 123456);
  EXPECT_EQ(r0.value.scale(), 2);
  EXPECT_EQ(r0.value.unit(), Unit::kWh);
  EXPECT_EQ(r0.meter_type, 0x40);
  EXPECT_EQ(r0.quality, exchange::Quality::Measured);
  EXPECT_EQ(b.readings[1].quality, exchange::Quality::Suspect);
  auto stats = e.stats();
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->unplaced, 1);
}

TEST_P(ExporterTest, ALateValueForAnOldDayIsStillSent) {
  import(archive(2));
  wire({"110100000100", household(101), household(102)});
  for (std::int64_t d = kDay; d < kDay + 5; ++d) save(household(101), d, 1000 + d - kDay);
  Exporter e(*db_, "s", 1000);
  auto first = drain(e, at(kDay + 5, 3));
  std::size_t readings = 0;
  for (const auto& b : first) readings += b.readings.size();
  EXPECT_EQ(readings, 5u);
  // After an outage the concentrator's frozen value of ten days ago reaches the station.
  save(household(102), kDay - 10, 777);
  auto late = drain(e, at(kDay + 5, 4));
  ASSERT_FALSE(late.empty());
  ASSERT_EQ(late[0].readings.size(), 1u);
  EXPECT_EQ(late[0].readings[0].at, at(kDay - 10));
  EXPECT_EQ(late[0].readings[0].value.mantissa(), 777);
  // The exporter has counted coverage from the first day with values on; a value for a day
  // before that makes the day's coverage due as well.
  bool counted = false;
  for (const auto& b : late) {
    EXPECT_TRUE(b.readings.size() == 0 || &b == &late[0]);
    for (const auto& v : b.coverage) {
      if (v.day == kDay - 10 && v.industry == ' ') {
        counted = true;
        EXPECT_EQ(v.installed, 2);
        EXPECT_EQ(v.online, 1);
      }
    }
  }
  EXPECT_TRUE(counted);
}

TEST_P(ExporterTest, NothingIsLostOrSentTwiceAcrossManyBatchesWhileReadingsArrive) {
  constexpr int kHouseholds = 40, kStrangers = 5, kDays = 30;
  import(archive(kHouseholds));
  std::vector<std::string> addresses = {"110100000100"};
  for (int i = 0; i < kHouseholds; ++i) addresses.push_back(household(101 + i));
  for (int i = 0; i < kStrangers; ++i) addresses.push_back(fmt::format("1101000009{:02}", i));
  wire(addresses);

  // Another writer (its own connection to the database, like another station process) stores
  // a day of values at a time, the last twenty days first and the first ten late, while the
  // exporter builds batches of 37 records and the cloud acknowledges them.
  auto writer_db = storage::open_database(options());
  ASSERT_TRUE(writer_db.has_value());
  std::atomic<bool> written{false};
  std::thread writer([&] {
    ArchiveStore store(**writer_db);
    std::vector<std::int64_t> days;
    for (int d = 10; d < kDays; ++d) days.push_back(kDay + d);
    for (int d = 0; d < 10; ++d) days.push_back(kDay + d);
    for (std::int64_t day : days) {
      std::vector<DailyReading> batch;
      for (std::size_t i = 0; i < addresses.size(); ++i) {
        batch.push_back({addr(addresses[i]), day,
                         1000 * static_cast<std::int64_t>(i) + (day - kDay), 2, "kWh",
                         Quality::Measured});
      }
      // Half a day now, half in a second transaction: batches and transactions interleave.
      std::vector<DailyReading> a(batch.begin(), batch.begin() + 20),
          b(batch.begin() + 20, batch.end());
      EXPECT_TRUE(store.save_daily(a, at(day, 1)).has_value());
      EXPECT_TRUE(store.save_daily(b, at(day, 1)).has_value());
    }
    written = true;
  });
  Exporter e(*db_, "s", 37);
  // The clock stays before any day is finished: this test is about readings.
  UtcTime now = at(kDay - 2);
  std::multiset<std::pair<std::string, std::int64_t>> seen;
  std::uint64_t expected_sequence = 1;
  bool writer_done = false;
  for (int round = 0; round < 10000; ++round) {
    if (!writer_done && written) writer_done = true;
    bool was_done = writer_done;
    auto next = e.next(now);
    ASSERT_TRUE(next.has_value()) << next.error().to_string();
    if (!*next) {
      if (was_done) break;  // the writer had finished before this empty answer
      std::this_thread::yield();
      continue;
    }
    EXPECT_EQ((*next)->sequence, expected_sequence++);
    auto b = parse(**next);
    EXPECT_LE(b.record_count(), 37u);
    for (const auto& r : b.readings) seen.insert({r.code.to_string(), r.at.seconds});
    ASSERT_TRUE(e.acknowledge((*next)->sequence, now).has_value());
  }
  writer.join();
  std::size_t placed = static_cast<std::size_t>(kHouseholds + 1) * kDays;
  EXPECT_EQ(seen.size(), placed);
  std::set<std::pair<std::string, std::int64_t>> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size()) << "a reading was sent twice";
  // Exactly the stored values of archived meters.
  auto stored = db_->query(
      "SELECT p.code, r.day FROM reading_daily r JOIN meter m ON m.id = r.meter_id "
      "JOIN point p ON p.address = m.address");
  ASSERT_TRUE(stored.has_value());
  std::set<std::pair<std::string, std::int64_t>> expected;
  for (const auto& row : stored->rows) {
    expected.insert(
        {row.get<std::string>(0).value(), at(row.get<std::int64_t>(1).value()).seconds});
  }
  EXPECT_EQ(unique, expected);
  auto stats = e.stats();
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->unplaced, kStrangers * kDays);
}

TEST_P(ExporterTest, ReadingsCollectedBeforeTheImportAreSentOnceAfterIt) {
  wire({"110100000100", household(101), household(102)});
  for (std::int64_t d = kDay; d < kDay + 3; ++d) {
    save(household(101), d, 100 + d - kDay);
    save(household(102), d, 200 + d - kDay);
  }
  Exporter e(*db_, "s", 4);
  auto before = drain(e, at(kDay + 3, 3));
  EXPECT_TRUE(before.empty()) << "no archive: nothing can be placed";
  EXPECT_EQ(e.stats()->unplaced, 6);

  import(archive(2));
  save(household(101), kDay + 3, 103);  // and one more after the import
  auto after = drain(e, at(kDay + 3, 4));
  std::multiset<std::pair<std::string, std::int64_t>> readings;
  std::set<std::string> known;  // points the cloud has heard of
  for (const auto& b : after) {
    EXPECT_LE(b.record_count(), 4u);
    for (const auto& m : b.meters) known.insert(m.code.to_string());
    for (const auto& r : b.readings) {
      readings.insert({r.code.to_string(), r.value.mantissa()});
      EXPECT_TRUE(known.count(r.code.to_string())) << "points go before their readings";
    }
  }
  EXPECT_EQ(known.size(), 3u);
  // Coverage waited for the archive: the finished days are counted with it, each once.
  std::multiset<std::int64_t> covered;
  for (const auto& b : after) {
    for (const auto& v : b.coverage) {
      if (v.industry == ' ') covered.insert(v.day);
    }
  }
  EXPECT_EQ(covered, (std::multiset<std::int64_t>{kDay, kDay + 1}));
  ASSERT_EQ(readings.size(), 7u);
  std::string c101 = code(1, 1, 101, EnergyKind::Electricity).to_string();
  std::string c102 = code(1, 1, 102, EnergyKind::Electricity).to_string();
  for (std::int64_t v : {100, 101, 102, 103}) EXPECT_EQ(readings.count({c101, v}), 1u) << v;
  for (std::int64_t v : {200, 201, 202}) EXPECT_EQ(readings.count({c102, v}), 1u) << v;
  EXPECT_EQ(count("SELECT COUNT(*) FROM point WHERE backfill <> 0"), 0);

  // Later values go out once, by the ordinary way.
  save(household(102), kDay + 3, 203);
  auto later = drain(e, at(kDay + 3, 5));
  ASSERT_EQ(later.size(), 1u);
  ASSERT_EQ(later[0].readings.size(), 1u);
  EXPECT_EQ(later[0].readings[0].value.mantissa(), 203);
}

TEST_P(ExporterTest, CoverageOfFinishedDaysIsSentAndSentAgainWhenLateValuesArrive) {
  ArchiveFile f = archive(3);    // supply meter, households 101, 102, 103
  f.row(2)["remote"] = "false";  // 102 is read by hand
  auto removed = ArchiveFile::electricity(104, household(104),
                                          code(1, 0, 0, EnergyKind::Electricity).to_string());
  removed["removed"] = "2025-01-01";  // dismantled long before: not installed any more
  f.add(removed);
  import(f);
  wire({"110100000100", household(101), household(102), household(103), household(104)});
  save("110100000100", kDay, 50);
  save(household(101), kDay, 10);
  save(household(102), kDay, 20);
  Exporter e(*db_, "s", 1000);

  auto coverage_of = [](const std::vector<exchange::Batch>& batches) {
    std::vector<exchange::CoverageRecord> out;
    for (const auto& b : batches) out.insert(out.end(), b.coverage.begin(), b.coverage.end());
    return out;
  };
  // 06:29 the next morning the day is not finished yet.
  auto early = drain(e, at(kDay + 1, 6, 29));
  EXPECT_TRUE(coverage_of(early).empty());
  auto finished = coverage_of(drain(e, at(kDay + 1, 6, 30)));
  ASSERT_EQ(finished.size(), 2u);
  std::sort(finished.begin(), finished.end(),
            [](const auto& a, const auto& b) { return a.industry < b.industry; });
  // Households: 101, 102, 103 installed (104 removed); online: 101 (102 is not remote, 103 has
  // no value). Supply meter (section D): installed 1, online 1.
  EXPECT_EQ(finished[0].day, kDay);
  EXPECT_EQ(finished[0].kind, EnergyKind::Electricity);
  EXPECT_EQ(finished[0].industry, ' ');
  EXPECT_EQ(finished[0].installed, 3);
  EXPECT_EQ(finished[0].online, 1);
  EXPECT_EQ(finished[1].industry, 'D');
  EXPECT_EQ(finished[1].installed, 1);
  EXPECT_EQ(finished[1].online, 1);
  EXPECT_TRUE(coverage_of(drain(e, at(kDay + 1, 12))).empty()) << "sent once";

  // 103's value for that day arrives late: sent, and the day's coverage again, recounted.
  save(household(103), kDay, 30);
  auto late = drain(e, at(kDay + 1, 13));
  std::size_t readings = 0;
  for (const auto& b : late) readings += b.readings.size();
  EXPECT_EQ(readings, 1u);
  auto again = coverage_of(late);
  ASSERT_FALSE(again.empty());
  auto households =
      std::find_if(again.begin(), again.end(), [](const auto& v) { return v.industry == ' '; });
  ASSERT_NE(households, again.end());
  EXPECT_EQ(households->day, kDay);
  EXPECT_EQ(households->online, 2);
  EXPECT_TRUE(coverage_of(drain(e, at(kDay + 1, 14))).empty());
}

TEST_P(ExporterTest, ARestartKeepsTheSequenceAndThePendingBatch) {
  import(archive(1));
  wire({"110100000100", household(101)});
  save(household(101), kDay, 1);
  std::string pending;
  {
    Exporter e(*db_, "s", 1000);
    auto b = e.next(at(kDay, 12));
    ASSERT_TRUE(b.has_value() && b->has_value());
    EXPECT_EQ((*b)->sequence, 1u);
    pending = (*b)->text;
  }
  // The station restarts: a new connection, a new exporter.
  store_.reset();
  db_.reset();
  auto reopened = storage::open_database(options());
  ASSERT_TRUE(reopened.has_value());
  db_ = std::move(*reopened);
  store_ = std::make_unique<ArchiveStore>(*db_);
  Exporter e(*db_, "s", 1000);
  auto again = e.next(at(kDay, 13));
  ASSERT_TRUE(again.has_value() && again->has_value());
  EXPECT_EQ((*again)->sequence, 1u);
  EXPECT_EQ((*again)->text, pending);
  ASSERT_TRUE(e.acknowledge(1, at(kDay, 13)).has_value());
  // Pruning acknowledged batches does not free their numbers.
  auto pruned = e.prune(at(kDay, 14));
  ASSERT_TRUE(pruned.has_value());
  EXPECT_EQ(*pruned, 1);
  save(household(101), kDay + 1, 2);
  auto next = e.next(at(kDay + 1, 12));
  ASSERT_TRUE(next.has_value() && next->has_value());
  EXPECT_EQ((*next)->sequence, 2u);
}

TEST_P(ExporterTest, ReadingsStoredBeforeTheExportSchemaAreNumberedAndSent) {
  // A station database of steps 1 and 2 with readings in it, then step 3.
  db_.reset();
  store_.reset();
  storage::DatabaseOptions o = options();
  if (o.backend == storage::Backend::Sqlite) {
    o.sqlite_path = (dir_ / "old.db").string();
  } else {
    omni::testing::PgCluster::shared().recreate_database("station_export_old");
    o.pg_conninfo = omni::testing::PgCluster::shared().conninfo("station_export_old");
  }
  auto old = storage::open_database(o);
  ASSERT_TRUE(old.has_value());
  db_ = std::move(*old);
  ASSERT_TRUE(storage::migrate(*db_, "station", station_migrations().first(2)).has_value());
  ASSERT_TRUE(db_->transaction([](storage::Connection& c) -> Status {
                   OMNI_TRY(
                       c.execute("INSERT INTO meter (id, address, protocol, first_seen) VALUES "
                                 "(1, '110100000101', 2, 0), (2, '110100000102', 2, 0)"));
                   for (int d = 0; d < 3; ++d) {
                     for (int m = 1; m <= 2; ++m) {
                       OMNI_TRY(c.execute(
                           "INSERT INTO reading_daily (meter_id, day, value, scale, unit, "
                           "quality, received_at) VALUES ($1, $2, $3, 2, 'kWh', 0, 0)",
                           {m, kDay + d, 100 * m + d}));
                     }
                   }
                   return ok();
                 })
                  .has_value());
  ASSERT_TRUE(storage::migrate(*db_, "station", station_migrations()).has_value());
  EXPECT_EQ(count("SELECT COUNT(DISTINCT export_seq) FROM reading_daily"), 6);
  EXPECT_EQ(count("SELECT MIN(export_seq) FROM reading_daily"), 1);
  EXPECT_EQ(count("SELECT value FROM export_state WHERE name = 'next_reading'"), 7);
  store_ = std::make_unique<ArchiveStore>(*db_);
  import(archive(2));
  Exporter e(*db_, "s", 1000);
  std::size_t readings = 0;
  for (const auto& b : drain(e, at(kDay + 1, 3))) readings += b.readings.size();
  EXPECT_EQ(readings, 6u);
}

TEST_P(ExporterTest, AStationIdTheFormatRefusesIsAConfigurationError) {
  Exporter e(*db_, "station one", 10);
  auto r = e.next(at(kDay));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::Config);
}

INSTANTIATE_TEST_SUITE_P(Backends, ExporterTest,
                         ::testing::Values(storage::Backend::Sqlite, storage::Backend::Postgres),
                         testing::backend_label);

}  // namespace
}  // namespace omni::station
