// `omnimeter db migrate|status -c FILE`: the schema of the database a configuration names
// (station.toml or cloud.toml).
#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/database_setup.hpp"
#include "core/config.hpp"
#include "storage/migrations.hpp"

namespace omni::cli {
namespace {

struct DbArgs {
  std::string config_file;
};

// Loads FILE, reads its [database] section and opens the database; prints why not and sets the
// exit code otherwise. The file's role decides the schema: a [cloud] section makes it the
// cloud's database, anything else a station's.
std::unique_ptr<storage::Database> open_from_config(const std::string& file, int& exit_code,
                                                    Role& role) {
  auto doc = config::Document::load(file);
  if (!doc) {
    fmt::print(stderr, "omnimeter: {}\n", doc.error().detail);
    exit_code = kExitConfig;
    return nullptr;
  }
  role = doc->root().has("cloud") ? Role::Cloud : Role::Station;
  auto options = storage::database_options_from(doc->root().section("database"), "omnimeter.db");
  if (auto st = doc->finish("database"); !st) {
    fmt::print(stderr, "omnimeter: configuration errors:\n{}\n", st.error().detail);
    exit_code = kExitConfig;
    return nullptr;
  }
  auto db = storage::open_database(options);
  if (!db) {
    fmt::print(stderr, "omnimeter: {}\n", db.error().detail);
    exit_code = db.error().code == ErrorCode::Config ? kExitConfig : kExitFailure;
    return nullptr;
  }
  return std::move(*db);
}

int run_migrate(const DbArgs& args) {
  int code = kExitOk;
  Role role = Role::Station;
  auto db = open_from_config(args.config_file, code, role);
  if (!db) return code;
  for (const auto& set : migration_sets_for(role)) {
    auto applied = storage::migrate(*db, set.name, set.steps);
    if (!applied) {
      fmt::print(stderr, "omnimeter: {}\n", applied.error().detail);
      return kExitFailure;
    }
    fmt::print("{}: {} ({} applied, now at version {})\n", db->describe(), set.name, *applied,
               set.steps.size());
  }
  return kExitOk;
}

int run_status(const DbArgs& args) {
  int code = kExitOk;
  Role role = Role::Station;
  auto db = open_from_config(args.config_file, code, role);
  if (!db) return code;
  auto applied = storage::migration_status(*db);
  if (!applied) {
    fmt::print(stderr, "omnimeter: {}\n", applied.error().detail);
    return kExitFailure;
  }
  fmt::print("{}\n", db->describe());
  for (const auto& set : migration_sets_for(role)) {
    int at = 0;
    for (const auto& m : *applied) {
      if (m.set == set.name) at = m.version;
    }
    fmt::print("  {:<10} version {} of {}{}\n", set.name, at, set.steps.size(),
               static_cast<std::size_t>(at) < set.steps.size() ? "  (migrations pending)" : "");
  }
  for (const auto& m : *applied) {
    fmt::print("  applied {} {:>3} {:<24} {}\n", m.set, m.version, m.name, m.applied_at);
  }
  return kExitOk;
}

}  // namespace

void add_db_command(CLI::App& app, const GlobalOptions&, CommandRun& run) {
  auto* db = app.add_subcommand("db", "Database schema: apply and list migrations");
  db->require_subcommand(1);
  auto args = std::make_shared<DbArgs>();
  auto* migrate = db->add_subcommand("migrate", "Apply pending migrations to FILE's database");
  migrate->add_option("-c,--config", args->config_file, "Configuration file ([database] section)")
      ->required();
  migrate->callback([args, &run] { run = [args] { return run_migrate(*args); }; });
  auto* status = db->add_subcommand("status", "List applied and pending migrations");
  status->add_option("-c,--config", args->config_file, "Configuration file ([database] section)")
      ->required();
  status->callback([args, &run] { run = [args] { return run_status(*args); }; });
}

}  // namespace omni::cli
