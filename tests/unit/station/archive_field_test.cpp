// The archive names the concentrator that really reads each meter: a running field (sim::Field)
// and a station (StationServer) talk DL/T 698.45 over loopback TCP in this process, the station
// learns each concentrator's meter list (GET 60000200) into its meter table, and that must be
// what `omnimeter sim archive` writes for the same configuration. IoT meters, which the archive
// gives no concentrator, log in to the station themselves.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "sim/archive/archive.hpp"
#include "sim/field/field.hpp"
#include "station/sessions/station_server.hpp"
#include "station/store/archive_store.hpp"
#include "station/store/csv_reader.hpp"
#include "station/store/schema.hpp"
#include "storage/migrations.hpp"
#include "support/temp_dir.hpp"

namespace omni::station {
namespace {

TEST(ArchiveField, ConcentratorsInTheArchiveAreTheOnesThatReadTheMeters) {
  omni::testing::TempDir dir;
  storage::DatabaseOptions o;
  o.sqlite_path = (dir / "station.db").string();
  auto db = storage::open_database(o);
  ASSERT_TRUE(db.has_value());
  ASSERT_TRUE(storage::migrate(**db, "station", station_migrations()).has_value());
  ArchiveStore store(**db);
  StationConfig sc;
  sc.listen_host = "127.0.0.1";
  sc.port = 0;
  sc.set_clocks = false;
  StationServer server(sc, store, SystemClock::instance());
  ASSERT_TRUE(server.listen().has_value());

  sim::FieldConfig fc;
  fc.seed = 31;
  fc.meters = 2500;
  fc.meters_per_concentrator = 400;  // several concentrators, communities split across some
  fc.start = SystemClock::instance().now();
  fc.station_port = server.port();
  sim::Field field(fc);

  // The archive for the same configuration: address -> concentrator ("" for IoT meters).
  sim::City city = sim::generate_city({fc.seed, fc.meters});
  sim::ArchiveOptions ao;
  ao.meters_per_concentrator = fc.meters_per_concentrator;
  std::string text;
  sim::write_archive_csv(city, ao, [&text](std::string_view c) { text += c; });
  std::map<std::string, std::string> archived;
  std::size_t read_by_concentrators = 0;
  std::set<std::string> concentrators;
  CsvReader reader(text);
  ASSERT_TRUE(reader.next().has_value());  // header
  while (auto rec = reader.next()) {
    if (!*rec) break;
    const auto& f = (*rec)->fields;
    archived[f.at(1)] = f.at(4);
    if (!f.at(4).empty()) {
      ++read_by_concentrators;
      concentrators.insert(f.at(4));
    }
  }
  ASSERT_EQ(archived.size(), city.meters.size());
  ASSERT_GT(concentrators.size(), 3u);

  std::thread station_thread([&] { server.run(); });
  std::thread field_thread([&] { (void)field.run(); });
  auto count = [&](const char* sql) {
    auto rows = (*db)->query(sql);
    return rows && !rows->empty() ? rows->at(0).get<std::int64_t>(0).value_or(-1) : -1;
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (count("SELECT COUNT(*) FROM meter WHERE concentrator_id IS NOT NULL") <
             static_cast<std::int64_t>(read_by_concentrators) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // IoT meters log in on their own (their addresses land in the station's link table).
  std::size_t direct = archived.size() - read_by_concentrators;
  while (count("SELECT COUNT(*) FROM concentrator") <
             static_cast<std::int64_t>(concentrators.size() + direct) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  field.stop();
  server.stop();
  field_thread.join();
  station_thread.join();

  EXPECT_EQ(field.concentrator_count(), concentrators.size());
  auto learned = (*db)->query(
      "SELECT m.address, c.address FROM meter m JOIN concentrator c ON c.id = m.concentrator_id");
  ASSERT_TRUE(learned.has_value());
  ASSERT_EQ(learned->size(), read_by_concentrators) << "the station learned every meter";
  for (const auto& row : learned->rows) {
    std::string meter = row.get<std::string>(0).value();
    auto it = archived.find(meter);
    ASSERT_NE(it, archived.end()) << meter << " is not in the archive";
    EXPECT_EQ(it->second, row.get<std::string>(1).value()) << "meter " << meter;
  }
  auto links = (*db)->query("SELECT address FROM concentrator");
  ASSERT_TRUE(links.has_value());
  std::set<std::string> logged_in;
  for (const auto& row : links->rows) logged_in.insert(row.get<std::string>(0).value());
  for (const auto& [meter, concentrator] : archived) {
    if (concentrator.empty()) {
      EXPECT_TRUE(logged_in.count(meter)) << "IoT meter " << meter << " never logged in";
    } else {
      EXPECT_TRUE(logged_in.count(concentrator)) << concentrator << " never logged in";
    }
  }
}

}  // namespace
}  // namespace omni::station
