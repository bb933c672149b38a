#pragma once
// The migration sets of every component, in the order they are applied. Each component that
// owns tables adds its set here (explicit registration: nothing registers itself).

#include <span>
#include <string_view>
#include <vector>

#include "station/store/schema.hpp"
#include "storage/migrations.hpp"

namespace omni::cli {

struct MigrationSet {
  std::string_view name;
  std::span<const storage::Migration> steps;
};

inline std::vector<MigrationSet> migration_sets() {
  return {
      {"core", storage::core_migrations()},
      {"station", station::station_migrations()},
  };
}

}  // namespace omni::cli
