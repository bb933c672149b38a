#pragma once
// A migrated access database on SQLite (a file in a temporary folder) or PostgreSQL (a fresh
// database in the throw-away test cluster), for tests parameterised on the back end.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "access/schema.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "support/pg_cluster.hpp"
#include "support/temp_dir.hpp"

namespace omni::access::testing {

class AccessDbTest : public ::testing::TestWithParam<storage::Backend> {
 protected:
  void SetUp() override {
    auto db = storage::open_database(options());
    ASSERT_TRUE(db.has_value()) << db.error().to_string();
    db_ = std::move(*db);
    auto applied = storage::migrate(*db_, "access", access_migrations());
    ASSERT_TRUE(applied.has_value()) << applied.error().to_string();
  }

  // Options for this test's database; a second Database opened with them sees the same data.
  storage::DatabaseOptions options() {
    storage::DatabaseOptions o;
    o.backend = GetParam();
    if (o.backend == storage::Backend::Sqlite) {
      o.sqlite_path = (dir_ / "access.db").string();
    } else {
      if (!pg_created_) {
        omni::testing::PgCluster::shared().recreate_database("access_test");
        pg_created_ = true;
      }
      o.pg_conninfo = omni::testing::PgCluster::shared().conninfo("access_test");
    }
    return o;
  }

  std::int64_t count(std::string_view sql) {
    auto rows = db_->query(sql);
    if (!rows || rows->empty()) return -1;
    return rows->at(0).get<std::int64_t>(0).value_or(-1);
  }

  omni::testing::TempDir dir_;
  std::unique_ptr<storage::Database> db_;
  bool pg_created_ = false;
};

inline std::string backend_label(const ::testing::TestParamInfo<storage::Backend>& info) {
  return std::string(storage::backend_name(info.param));
}

}  // namespace omni::access::testing
