// `omnimeter station -c station.toml`: the master station of one utility. Concentrators and
// IoT meters dial in over TCP and speak DL/T 698.45; readings go to the database named in
// [database] (SQLite by default, PostgreSQL by configuration). Migrations are applied at start.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>

#include "cli/commands.hpp"
#include "cli/database_setup.hpp"
#include "core/config.hpp"
#include "core/log.hpp"
#include "station/sessions/station_server.hpp"
#include "storage/database.hpp"

namespace omni::cli {
namespace {

int run_station(const std::string& config_path) {
  auto doc = config::Document::load(config_path);
  if (!doc) {
    fmt::print(stderr, "omnimeter station: {}\n", doc.error().detail);
    return kExitConfig;
  }
  station::StationConfig config = station::station_config_from(doc->root());
  storage::DatabaseOptions db_options =
      storage::database_options_from(doc->root().section("database"), "station.db");
  if (auto st = doc->finish(); !st) {
    fmt::print(stderr, "omnimeter station: {}\n", st.error().detail);
    return kExitConfig;
  }
  auto db = storage::open_database(db_options);
  if (!db) {
    fmt::print(stderr, "omnimeter station: {}\n", db.error().to_string());
    return kExitFailure;
  }
  for (const auto& set : migration_sets()) {
    if (auto applied = storage::migrate(**db, set.name, set.steps); !applied) {
      fmt::print(stderr, "omnimeter station: migration {}: {}\n", set.name,
                 applied.error().to_string());
      return kExitFailure;
    }
  }
  station::ArchiveStore store(**db);
  station::StationServer server(config, store);
  if (auto st = server.listen(); !st) {
    fmt::print(stderr, "omnimeter station: {}\n", st.error().detail);
    return kExitFailure;
  }
  // The line tests and operators wait for; the port matters when port = 0.
  fmt::print("Omnimeter station listening on port {}\n", server.port());
  std::fflush(stdout);
  server.run();
  const auto& c = server.counters();
  log::get("station")->info("stopped: {} logins, {} readings stored, {} timeouts", c.logins,
                            c.readings_stored, c.timeouts);
  return kExitOk;
}

}  // namespace

void add_station_command(CLI::App& app, const GlobalOptions&, CommandRun& run) {
  auto* cmd =
      app.add_subcommand("station", "Master station: concentrator sessions, reading, storage");
  auto config_path = std::make_shared<std::string>();
  cmd->add_option("-c,--config", *config_path, "station.toml")->required();
  cmd->callback([&run, config_path] { run = [config_path] { return run_station(*config_path); }; });
}

}  // namespace omni::cli
