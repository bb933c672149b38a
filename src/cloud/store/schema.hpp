#pragma once
// The data centre's tables (migration set "cloud"). The layout, and why it is shaped for the
// way readings arrive, is described in schema.cpp.

#include <span>

#include "storage/migrations.hpp"

namespace omni::cloud {

std::span<const storage::Migration> cloud_migrations();

}  // namespace omni::cloud
