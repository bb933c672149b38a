#pragma once
// Internal: constructors of the two back ends, called by open_database().

#include <memory>

#include "storage/database.hpp"

namespace omni::storage {

Result<std::unique_ptr<Database>> open_sqlite(const DatabaseOptions& options);
Result<std::unique_ptr<Database>> open_postgres(const DatabaseOptions& options);

}  // namespace omni::storage
