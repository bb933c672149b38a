#pragma once
// The migration set "access": users, sessions, the audit log and its chain head. Applied by the
// station and by the cloud to their own databases (src/cli/database_setup.hpp).

#include <span>

#include "storage/migrations.hpp"

namespace omni::access {

std::span<const storage::Migration> access_migrations();

}  // namespace omni::access
