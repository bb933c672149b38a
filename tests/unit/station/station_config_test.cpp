#include <gtest/gtest.h>

#include "station/export/upload_link.hpp"
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
  ExchangeConfig exchange = exchange_config_from(doc->root());
  EXPECT_TRUE(doc->finish().has_value()) << doc->finish().error().detail;
  EXPECT_FALSE(exchange.enabled);
  EXPECT_EQ(exchange.uploader.http.port, 8090);
  EXPECT_EQ(exchange.uploader.http.timeout, std::chrono::seconds(30));
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

TEST(StationConfig, ExchangeSettingsAreChecked) {
  auto doc = config::Document::parse(
      "[station.exchange]\nenabled = true\nstation_id = \"elec 01\"\ncloud_port = 0\n"
      "[station.exchange.tls]\ncert = \"c.pem\"\n",
      "station.toml");
  ASSERT_TRUE(doc.has_value());
  (void)exchange_config_from(doc->root());
  auto st = doc->finish();
  ASSERT_FALSE(st.has_value());
  const std::string& why = st.error().detail;
  EXPECT_NE(why.find("station.exchange.station_id"), std::string::npos) << why;
  EXPECT_NE(why.find("station.exchange.cloud_port"), std::string::npos) << why;
  EXPECT_NE(why.find("station.exchange.tls.ca"), std::string::npos) << why;
  EXPECT_NE(why.find("station.exchange.tls.key"), std::string::npos) << why;

  auto good = config::Document::parse(
      "[station.exchange]\nenabled = true\nstation_id = \"elec-01\"\ncloud_host = \"10.1.2.3\"\n"
      "interval = \"5s\"\n[station.exchange.tls]\nca = \"/pki/trust.pem\"\n",
      "station.toml");
  ASSERT_TRUE(good.has_value());
  ExchangeConfig c = exchange_config_from(good->root());
  ASSERT_TRUE(good->finish().has_value()) << good->finish().error().detail;
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.station_id, "elec-01");
  EXPECT_EQ(c.uploader.http.host, "10.1.2.3");
  EXPECT_EQ(c.interval, std::chrono::seconds(5));
  ASSERT_TRUE(c.uploader.http.tls.has_value());
  EXPECT_EQ(c.uploader.http.tls->ca_file, "/pki/trust.pem");
}

}  // namespace
}  // namespace omni::station
