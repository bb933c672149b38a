// The station's schema and store on both back ends: migrations apply, meters are upserted,
// daily readings are stored once, readings of unknown meters are refused and counted.
#include "station/store/archive_store.hpp"

#include <gtest/gtest.h>

#include "station/store/schema.hpp"
#include "storage/migrations.hpp"
#include "support/pg_cluster.hpp"
#include "support/temp_dir.hpp"

namespace omni::station {
namespace {

using storage::Backend;

class ArchiveStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    storage::DatabaseOptions o;
    o.backend = GetParam();
    if (o.backend == Backend::Sqlite) {
      o.sqlite_path = (dir_ / "station.db").string();
    } else {
      omni::testing::PgCluster::shared().recreate_database("station_test");
      o.pg_conninfo = omni::testing::PgCluster::shared().conninfo("station_test");
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
    return rows ? rows->at(0).get<std::int64_t>(0).value_or(-1) : -1;
  }

  omni::testing::TempDir dir_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<ArchiveStore> store_;
};

MeterAddress addr(std::string_view d) { return *MeterAddress::from_digits(d); }

TEST_P(ArchiveStoreTest, ConcentratorsAndMetersAreUpserted) {
  auto c1 = store_->touch_concentrator(addr("110100000001"), {1000});
  auto again = store_->touch_concentrator(addr("110100000001"), {2000});
  auto c2 = store_->touch_concentrator(addr("110100000002"), {2000});
  ASSERT_TRUE(c1 && again && c2);
  EXPECT_EQ(*c1, *again);
  EXPECT_NE(*c1, *c2);
  EXPECT_EQ(count("SELECT last_seen FROM concentrator WHERE address = '110100000001'"), 2000);

  std::vector<ArchiveRow> rows = {{addr("110000000001"), 1, 2}, {addr("78330000000002"), 2, 4}};
  ASSERT_TRUE(store_->upsert_meters(*c1, rows, {1000}).has_value());
  // The second meter moves to the other concentrator (re-wiring): updated, not duplicated.
  ASSERT_TRUE(store_->upsert_meters(*c2, {rows[1]}, {3000}).has_value());
  EXPECT_EQ(count("SELECT COUNT(*) FROM meter"), 2);
  EXPECT_EQ(count("SELECT concentrator_id FROM meter WHERE address = '78330000000002'"), *c2);
}

TEST_P(ArchiveStoreTest, DailyReadingsAreStoredOnce) {
  auto c = store_->touch_concentrator(addr("110100000001"), {1000});
  ASSERT_TRUE(store_->upsert_meters(*c, {{addr("110000000001"), 1, 2}}, {1000}).has_value());
  std::vector<DailyReading> readings = {
      {addr("110000000001"), 20777, 123456, 2, "kWh", Quality::Measured},
      {addr("110000000001"), 20778, 123789, 2, "kWh", Quality::Measured},
      {addr("119999999999"), 20778, 5, 2, "kWh", Quality::Measured},  // not in the archive
  };
  auto first = store_->save_daily(readings, {5000});
  ASSERT_TRUE(first.has_value()) << first.error().to_string();
  EXPECT_EQ(first->inserted, 2);
  EXPECT_EQ(first->unknown, 1);
  auto second = store_->save_daily(readings, {6000});
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->inserted, 0);
  EXPECT_EQ(second->duplicates, 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM reading_daily"), 2);
  EXPECT_EQ(count("SELECT value FROM reading_daily WHERE day = 20778"), 123789);
  EXPECT_EQ(count("SELECT received_at FROM reading_daily WHERE day = 20778"), 5000)
      << "the first collection's value stands";
  ASSERT_TRUE(store_->record_event(addr("110100000001"), "login", "", {7000}).has_value());
  EXPECT_EQ(count("SELECT COUNT(*) FROM session_event"), 1);
}

TEST_P(ArchiveStoreTest, RegistersGoingBackwardsAreSuspectButRolloversAreNot) {
  auto c = store_->touch_concentrator(addr("110100000001"), {1000});
  ASSERT_TRUE(
      store_
          ->upsert_meters(*c, {{addr("110000000001"), 1, 2}, {addr("110000000002"), 2, 2}}, {1000})
          .has_value());
  std::vector<DailyReading> readings = {
      {addr("110000000001"), 100, 500000, 2, "kWh", Quality::Measured},
      {addr("110000000001"), 101, 499000, 2, "kWh", Quality::Measured},  // backwards
      {addr("110000000002"), 100, 99'999'000, 2, "kWh", Quality::Measured},
      {addr("110000000002"), 101, 1'200, 2, "kWh", Quality::Measured},  // wrapped at 999999.99
  };
  auto saved = store_->save_daily(readings, {2000});
  ASSERT_TRUE(saved.has_value()) << saved.error().to_string();
  EXPECT_EQ(saved->inserted, 4);
  EXPECT_EQ(saved->suspect, 1);
  EXPECT_EQ(count("SELECT quality FROM reading_daily WHERE day = 101 AND value = 499000"), 3);
  EXPECT_EQ(count("SELECT quality FROM reading_daily WHERE day = 101 AND value = 1200"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM review_item"), 1);
  EXPECT_EQ(count("SELECT previous FROM review_item"), 500000);
  // A suspect value does not count as a successful read.
  auto success = store_->daily_success(101);
  ASSERT_TRUE(success.has_value());
  ASSERT_EQ(success->size(), 1u);
  EXPECT_EQ((*success)[0].meters, 2);
  EXPECT_EQ((*success)[0].read, 1);
}

TEST_P(ArchiveStoreTest, MissingDailyValuesRaiseAlarmsThatClearWhenTheyArrive) {
  auto c = store_->touch_concentrator(addr("110100000001"), {1000});
  ASSERT_TRUE(
      store_
          ->upsert_meters(*c, {{addr("110000000001"), 1, 2}, {addr("110000000002"), 2, 2}}, {1000})
          .has_value());
  ASSERT_TRUE(
      store_->save_daily({{addr("110000000001"), 200, 10, 2, "kWh", Quality::Measured}}, {2000}));
  auto raised = store_->supervise_daily(200, {3000});
  ASSERT_TRUE(raised.has_value()) << raised.error().to_string();
  EXPECT_EQ(*raised, 1);
  EXPECT_EQ(*store_->supervise_daily(200, {3100}), 0) << "raised once";
  EXPECT_EQ(count("SELECT COUNT(*) FROM alarm WHERE cleared_at IS NULL"), 1);
  // The value arrives late (the concentrator kept it): the alarm clears.
  ASSERT_TRUE(
      store_->save_daily({{addr("110000000002"), 200, 20, 2, "kWh", Quality::Measured}}, {4000}));
  ASSERT_TRUE(store_->supervise_daily(200, {5000}).has_value());
  EXPECT_EQ(count("SELECT COUNT(*) FROM alarm WHERE cleared_at IS NULL"), 0);
  EXPECT_EQ(count("SELECT cleared_at FROM alarm"), 5000);
}

INSTANTIATE_TEST_SUITE_P(Backends, ArchiveStoreTest,
                         ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         [](const auto& param_info) {
                           return std::string(storage::backend_name(param_info.param));
                         });

}  // namespace
}  // namespace omni::station
