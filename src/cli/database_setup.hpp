#pragma once
// The migration sets of every component, in the order they are applied. Each component that
// owns tables adds its set here (explicit registration: nothing registers itself).

#include <fmt/format.h>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "access/schema.hpp"
#include "cloud/store/schema.hpp"
#include "core/config.hpp"
#include "station/store/schema.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"

namespace omni::cli {

struct MigrationSet {
  std::string_view name;
  std::span<const storage::Migration> steps;
};

// A station's database holds no cloud tables and the cloud's no station tables (both have a
// `region` table, for instance). Both hold the access tables (users, sessions, audit chain).
enum class Role { Station, Cloud };
inline std::vector<MigrationSet> migration_sets_for(Role role) {
  if (role == Role::Station) {
    return {{"core", storage::core_migrations()},
            {"access", access::access_migrations()},
            {"station", station::station_migrations()}};
  }
  return {{"core", storage::core_migrations()},
          {"access", access::access_migrations()},
          {"cloud", cloud::cloud_migrations()}};
}

// Applies every migration set of the role. On a failure prints "<who>: migration <set>: <error>"
// and returns false (nothing after the failed step is applied).
inline bool migrate_role(storage::Database& db, Role role, std::string_view who) {
  for (const auto& set : migration_sets_for(role)) {
    if (auto applied = storage::migrate(db, set.name, set.steps); !applied) {
      fmt::print(stderr, "{}: migration {}: {}\n", who, set.name, applied.error().to_string());
      return false;
    }
  }
  return true;
}

// The [database] options of a role's file, for the subcommands that read nothing else (only
// problems in [database] concern them). On a bad file prints "<who>: <problem>" and returns
// nullopt (exit kExitConfig).
inline std::optional<storage::DatabaseOptions> database_options_only(const std::string& config_path,
                                                                     const char* default_sqlite,
                                                                     std::string_view who) {
  auto doc = config::Document::load(config_path);
  if (!doc) {
    fmt::print(stderr, "{}: {}\n", who, doc.error().detail);
    return std::nullopt;
  }
  storage::DatabaseOptions options =
      storage::database_options_from(doc->root().section("database"), default_sqlite);
  if (auto st = doc->finish("database"); !st) {
    fmt::print(stderr, "{}: {}\n", who, st.error().detail);
    return std::nullopt;
  }
  return options;
}

}  // namespace omni::cli
