#pragma once
// The migration sets of every component, in the order they are applied. Each component that
// owns tables adds its set here (explicit registration: nothing registers itself).

#include <span>
#include <string_view>
#include <vector>

#include "access/schema.hpp"
#include "cloud/store/schema.hpp"
#include "station/store/schema.hpp"
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

}  // namespace omni::cli
