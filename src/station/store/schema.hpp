#pragma once
// The station's tables (migration set "station"): the concentrators and meters it has met, the
// daily readings it collected, and the session events of its links.

#include <span>

#include "storage/migrations.hpp"

namespace omni::station {

std::span<const storage::Migration> station_migrations();

}  // namespace omni::station
