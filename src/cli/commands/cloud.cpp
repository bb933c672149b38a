// `omnimeter cloud -c cloud.toml`: the city cloud platform. Receives the stations' exchange
// batches (API and drop folder), keeps the data centre with its rollups, and serves the
// statistics API and the city dashboard. Migrations are applied at start.
#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/database_setup.hpp"
#include "cloud/service/cloud_service.hpp"
#include "core/config.hpp"
#include "storage/database.hpp"

namespace omni::cli {
namespace {

int run_cloud(const std::string& config_path) {
  auto doc = config::Document::load(config_path);
  if (!doc) {
    fmt::print(stderr, "omnimeter cloud: {}\n", doc.error().detail);
    return kExitConfig;
  }
  cloud::CloudConfig config = cloud::cloud_config_from(doc->root(), OMNI_DEFAULT_WEB_ROOT);
  config.version = OMNI_VERSION;
  storage::DatabaseOptions db_options =
      storage::database_options_from(doc->root().section("database"), "cloud.db");
  if (auto st = doc->finish(); !st) {
    fmt::print(stderr, "omnimeter cloud: {}\n", st.error().detail);
    return kExitConfig;
  }
  auto db = storage::open_database(db_options);
  if (!db) {
    fmt::print(stderr, "omnimeter cloud: {}\n", db.error().to_string());
    return kExitFailure;
  }
  if (!migrate_role(**db, Role::Cloud, "omnimeter cloud")) return kExitFailure;
  cloud::CloudService service(config, **db);
  if (auto st = service.start(); !st) {
    fmt::print(stderr, "omnimeter cloud: {}\n", st.error().detail);
    return kExitFailure;
  }
  service.stop_on_signals();
  // The line tests and operators wait for; the port matters when port = 0.
  fmt::print("Omnimeter cloud on {}://{}:{}/\n", config.http.tls ? "https" : "http",
             config.http.bind_address, service.port());
  std::fflush(stdout);
  service.wait();
  return kExitOk;
}

}  // namespace

void add_cloud_command(CLI::App& app, const GlobalOptions&, CommandRun& run) {
  auto* cmd = app.add_subcommand(
      "cloud", "City cloud platform: exchange gateway, data centre, statistics, dashboard");
  auto config_path = std::make_shared<std::string>();
  cmd->add_option("-c,--config", *config_path, "cloud.toml")->required();
  cmd->callback([&run, config_path] { run = [config_path] { return run_cloud(*config_path); }; });
}

}  // namespace omni::cli
