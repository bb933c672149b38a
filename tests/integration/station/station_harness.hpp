#pragma once
// Shared by the station's end-to-end tests: they watch the station's database while it runs.

#include <cstdint>
#include <string>

#include "storage/database.hpp"

namespace omni::testing {

// The single integer a query such as "SELECT COUNT(*) …" returns; -1 when the query fails.
inline std::int64_t count(storage::Database& db, const std::string& sql) {
  auto rows = db.query(sql);
  if (!rows || rows->empty()) return -1;
  return rows->at(0).get<std::int64_t>(0).value_or(-1);
}

}  // namespace omni::testing
