#include <gtest/gtest.h>

#include "station/sessions/station_server.hpp"
#include "storage/database.hpp"

namespace omni::station {
namespace {

TEST(StationConfig, TheShippedExampleIsValid) {
  auto doc = config::Document::load(std::string(OMNI_SOURCE_DIR) + "/packaging/etc/station.toml.example");
  ASSERT_TRUE(doc.has_value()) << doc.error().detail;
  StationConfig c = station_config_from(doc->root());
  // The sections other readers own are read as they would be.
  auto http = doc->root().section("station").section("http");
  (void)http.get_bool("enabled", true);
  (void)http.get_string("listen", "");
  (void)http.get_int("port", 0, 0, 65535);
  (void)storage::database_options_from(doc->root().section("database"), "station.db");
  EXPECT_TRUE(doc->finish().has_value()) << doc->finish().error().detail;
  EXPECT_EQ(c.port, 5100);
  EXPECT_EQ(c.request_timeout, std::chrono::seconds(30));
  EXPECT_EQ(c.history_days, 3);
  EXPECT_FALSE(c.simulated_start.has_value());
}

TEST(StationConfig, BadValuesAreReported) {
  auto doc = config::Document::parse(
      "[station]\nport = 70000\nhistory_days = 0\nsimulated_start = \"someday\"\n", "station.toml");
  ASSERT_TRUE(doc.has_value());
  (void)station_config_from(doc->root());
  auto st = doc->finish();
  ASSERT_FALSE(st.has_value());
  EXPECT_NE(st.error().detail.find("station.port"), std::string::npos) << st.error().detail;
  EXPECT_NE(st.error().detail.find("station.history_days"), std::string::npos);
  EXPECT_NE(st.error().detail.find("station.simulated_start"), std::string::npos);
}

}  // namespace
}  // namespace omni::station
