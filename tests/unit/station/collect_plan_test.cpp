// What the collector asks the store before reading a concentrator (the oldest day one of its
// meters lacks) and the meter rows of IoT meters that dial in themselves, on both back ends.
#include <gtest/gtest.h>

#include "station/store/archive_store.hpp"
#include "station/store/schema.hpp"
#include "storage/migrations.hpp"
#include "support/pg_cluster.hpp"
#include "support/temp_dir.hpp"

namespace omni::station {
namespace {

using storage::Backend;

class CollectPlanTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    storage::DatabaseOptions o;
    o.backend = GetParam();
    if (o.backend == Backend::Sqlite) {
      o.sqlite_path = (dir_ / "station.db").string();
    } else {
      omni::testing::PgCluster::shared().recreate_database("station_collect_test");
      o.pg_conninfo = omni::testing::PgCluster::shared().conninfo("station_collect_test");
    }
    auto db = storage::open_database(o);
    ASSERT_TRUE(db.has_value()) << db.error().to_string();
    db_ = std::move(*db);
    auto applied = storage::migrate(*db_, "station", station_migrations());
    ASSERT_TRUE(applied.has_value()) << applied.error().to_string();
    store_ = std::make_unique<ArchiveStore>(*db_);
  }

  std::int64_t count(std::string_view sql) {
    auto rows = db_->query(sql);
    return rows && !rows->empty() ? rows->at(0).get<std::int64_t>(0).value_or(-1) : -1;
  }

  // A value that grows by 1 kWh a day, so that validation finds nothing suspect.
  void store(const MeterAddress& m, std::int64_t day) {
    auto saved = store_->save_daily({{m, day, 100'000 + day * 100, 2, "kWh"}}, {1000});
    ASSERT_TRUE(saved.has_value()) << saved.error().to_string();
    ASSERT_EQ(saved->inserted, 1);
  }

  std::optional<std::int64_t> oldest(std::int64_t concentrator, std::int64_t from,
                                     std::int64_t to) {
    auto r = store_->oldest_missing_day(concentrator, from, to);
    EXPECT_TRUE(r.has_value()) << r.error().to_string();
    return r ? *r : std::optional<std::int64_t>{-999};
  }

  omni::testing::TempDir dir_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<ArchiveStore> store_;
};

MeterAddress addr(std::string_view d) { return *MeterAddress::from_digits(d); }

TEST_P(CollectPlanTest, OldestDayAMeterOfTheConcentratorLacks) {
  auto c1 = store_->touch_concentrator(addr("110100000001"), {1000});
  auto c2 = store_->touch_concentrator(addr("110100000002"), {1000});
  auto empty = store_->touch_concentrator(addr("110100000003"), {1000});
  ASSERT_TRUE(c1 && c2 && empty);
  const MeterAddress a = addr("110000000001"), b = addr("110000000002"), c = addr("110000000003");
  ASSERT_TRUE(store_->upsert_meters(*c1, {{a, 1, 2}, {b, 2, 2}, {c, 3, 2}}, {1000}).has_value());
  // Another concentrator's meter without any value must not make c1's days look incomplete.
  ASSERT_TRUE(store_->upsert_meters(*c2, {{addr("110000000009"), 1, 2}}, {1000}).has_value());

  EXPECT_EQ(oldest(*c1, 100, 102), 100) << "nothing stored: the whole range is missing";
  for (std::int64_t d : {100, 101, 102}) {
    store(a, d);
    store(c, d);
  }
  store(b, 100);
  store(b, 102);
  EXPECT_EQ(oldest(*c1, 100, 102), 101) << "b lacks day 101";
  EXPECT_EQ(oldest(*c1, 102, 102), std::nullopt) << "a range that starts after the gap";
  store(b, 101);
  EXPECT_EQ(oldest(*c1, 100, 102), std::nullopt) << "complete";
  EXPECT_EQ(oldest(*c1, 100, 103), 103) << "a day nobody has is missing";
  EXPECT_EQ(oldest(*c2, 100, 102), 100);
  EXPECT_EQ(oldest(*empty, 100, 102), std::nullopt) << "no meters: nothing known to be missing";
  EXPECT_EQ(oldest(*c1, 102, 101), std::nullopt) << "an empty range";

  // An estimate is not a stored reading: the day is still to be read (a real value replaces it).
  ASSERT_TRUE(db_->execute("INSERT INTO reading_daily (meter_id, day, value, scale, unit, "
                           "quality, received_at, export_seq, method) SELECT id, 103, 1, 2, "
                           "'kWh', 1, 1000, 999999, 'interpolated' FROM meter WHERE address = "
                           "'110000000001'")
                  .has_value());
  store(b, 103);
  store(c, 103);
  EXPECT_EQ(oldest(*c1, 100, 103), 103);
}

TEST_P(CollectPlanTest, IotMeterGetsARowWithoutConcentrator) {
  const MeterAddress iot = addr("110000000077");
  auto id = store_->touch_direct_meter(iot, 3, {5000});
  ASSERT_TRUE(id.has_value()) << id.error().to_string();
  auto again = store_->touch_direct_meter(iot, 3, {6000});
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*id, *again);
  EXPECT_EQ(count("SELECT COUNT(*) FROM meter WHERE address = '110000000077' AND "
                  "concentrator_id IS NULL AND protocol = 3 AND first_seen = 5000"),
            1);
  // Its value is stored like a concentrator's reading, not refused as an unknown meter.
  auto saved = store_->save_daily({{iot, 200, 123456, 2, "kWh"}}, {7000});
  ASSERT_TRUE(saved.has_value()) << saved.error().to_string();
  EXPECT_EQ(saved->inserted, 1);
  EXPECT_EQ(saved->unknown, 0);

  // A meter a concentrator already archives keeps its concentrator.
  auto c = store_->touch_concentrator(addr("110100000001"), {1000});
  ASSERT_TRUE(c.has_value());
  const MeterAddress wired = addr("110000000005");
  ASSERT_TRUE(store_->upsert_meters(*c, {{wired, 1, 3}}, {1000}).has_value());
  ASSERT_TRUE(store_->touch_direct_meter(wired, 3, {8000}).has_value());
  EXPECT_EQ(count("SELECT COUNT(*) FROM meter WHERE address = '110000000005' AND "
                  "concentrator_id IS NOT NULL"),
            1);
}

// The planning query runs for every concentrator on every collection: SQLite must find the
// concentrator's meters by the index of schema step 6, not by scanning the meter table.
TEST_P(CollectPlanTest, PlanningQueryUsesTheConcentratorIndex) {
  if (GetParam() != Backend::Sqlite) GTEST_SKIP() << "query plan text is SQLite's";
  auto plan = db_->query(
      "EXPLAIN QUERY PLAN SELECT 1, r.day, COUNT(*) FROM meter m JOIN reading_daily r ON "
      "r.meter_id = m.id WHERE m.concentrator_id = 1 AND r.day >= 1 AND r.day <= 3 AND "
      "r.quality <> 1 GROUP BY r.day");
  ASSERT_TRUE(plan.has_value()) << plan.error().to_string();
  std::string text;
  for (const auto& row : plan->rows) text += row.get<std::string>(3).value_or("") + "\n";
  EXPECT_NE(text.find("meter_concentrator"), std::string::npos) << text;
}

INSTANTIATE_TEST_SUITE_P(Backends, CollectPlanTest,
                         ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         [](const auto& param_info) {
                           return std::string(storage::backend_name(param_info.param));
                         });

}  // namespace
}  // namespace omni::station
