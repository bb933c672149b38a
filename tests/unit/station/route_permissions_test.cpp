// Every route the station serves is named in its permission table (src/station/api/
// access_api.cpp), so that [station.access] required = true guards it with the right operation:
// a route added without a row would be refused to everyone (kUnmappedRoute), and this test says
// which one.
#include <gtest/gtest.h>

#include "access/permissions.hpp"
#include "net/router.hpp"
#include "station/api/access_api.hpp"
#include "station/api/billing_api.hpp"
#include "station/api/station_api.hpp"
#include "station/api/vee_api.hpp"
#include "station/billing/bill_store.hpp"
#include "station/billing/tariff.hpp"
#include "station/store/archive_store.hpp"
#include "station/store/schema.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "support/temp_dir.hpp"

namespace omni::station {
namespace {

TEST(StationRoutePermissions, EveryRouteNamesAKnownOperation) {
  omni::testing::TempDir dir;
  storage::DatabaseOptions options;
  options.sqlite_path = (dir / "station.db").string();
  auto db = storage::open_database(options);
  ASSERT_TRUE(db.has_value());
  ASSERT_TRUE(storage::migrate(**db, "station", station_migrations()).has_value());
  ArchiveStore store(**db);
  TariffBook book;
  BillStore bills(**db, book);
  net::Router router;
  add_station_routes(router, store);
  add_billing_routes(router, book, bills);
  vee::ReviewQueue review(**db, SystemClock::instance(), nullptr);
  add_vee_routes(router, review);
  ASSERT_GE(router.routes().size(), 9u);
  for (const auto& [method, pattern] : router.routes()) {
    const std::string operation = station_route_operation(method, pattern);
    EXPECT_NE(operation, kUnmappedRoute) << method << " " << pattern << " has no permission row";
    EXPECT_TRUE(access::find_operation(operation).has_value())
        << method << " " << pattern << " names an unknown operation " << operation;
  }
  EXPECT_EQ(station_route_operation("GET", "/api/v1/not-a-route"), kUnmappedRoute);
}

}  // namespace
}  // namespace omni::station
