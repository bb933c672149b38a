#pragma once
// Internal: the writer-side state of a DataCentre (caches of points and their latest readings)
// and the per-batch staging of writes. Guarded by DataCentre::write_mutex_.

#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cloud/store/internal.hpp"

namespace omni::cloud {

struct DataCentre::Impl {
  // cloud_state.generation the caches reflect; -1: unknown (caches empty).
  std::int64_t generation = -1;
  std::unordered_map<exchange::BaseCode, std::unique_ptr<detail::PointInfo>, detail::BaseCodeHash>
      points;
  detail::PointIndex index;  // the same points, for the per-reading lookups of ingest
  std::unordered_set<exchange::BaseCode, detail::BaseCodeHash> unknown;
  std::unordered_map<std::int64_t, std::unique_ptr<detail::StateBlock>> states;  // by block
  std::uint64_t epoch = 0;  // batches ingested by this instance (PointInfo::work_epoch)
  bool tuned = false;       // the SQLite writer's pragmas are set

  void clear() {
    index.clear();
    points.clear();
    unknown.clear();
    states.clear();
    generation = -1;
  }

  // The point of `code` from the cache or the database; nullptr when the archive has none.
  Result<detail::PointInfo*> find(storage::Connection& c, const exchange::BaseCode& code);
  // Caches a point (its code not cached yet) and returns it.
  detail::PointInfo* add(std::unique_ptr<detail::PointInfo> p);
  // The state of a point, its block read once per cache lifetime.
  Result<detail::PointState*> state(storage::Connection& c, std::int64_t point);
};

namespace detail {

// Loads the archive row and versions of a point from a `point` row selected with
// kSelectPointColumns. Errors: Malformed (a stored code that does not parse).
extern const char* const kSelectPointColumns;
Result<std::unique_ptr<PointInfo>> point_from_row(const storage::Row& row);
Result<std::vector<Version>> load_versions(storage::Connection& c, std::int64_t point);
extern const char* const kUpsertStateBlock;

}  // namespace detail
}  // namespace omni::cloud
