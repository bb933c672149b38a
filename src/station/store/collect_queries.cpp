// ArchiveStore's queries for planning collection (declared in archive_store.hpp): kept apart
// from the save path so that the collector's questions and the writes stay easy to read alone.
#include <algorithm>
#include <map>

#include "station/store/archive_store.hpp"

namespace omni::station {

using storage::Connection;

// One round trip: the concentrator's meter count (tag 0) and, per day of the range, how many of
// its meters have a value (tag 1). The join walks the concentrator's meters (meter_concentrator)
// and looks each one's days up by reading_daily's primary key, so the cost is meters × days of
// index probes, not a scan of the readings.
Result<std::optional<std::int64_t>> ArchiveStore::oldest_missing_day(std::int64_t concentrator_id,
                                                                     std::int64_t from_day,
                                                                     std::int64_t to_day) {
  if (to_day < from_day) return std::optional<std::int64_t>{};
  auto rows = db_.query(
      "SELECT 0, 0, COUNT(*) FROM meter WHERE concentrator_id = $1 "
      "UNION ALL "
      "SELECT 1, r.day, COUNT(*) FROM meter m JOIN reading_daily r ON r.meter_id = m.id "
      "WHERE m.concentrator_id = $1 AND r.day >= $2 AND r.day <= $3 AND r.quality <> 1 "
      "GROUP BY r.day",
      {concentrator_id, from_day, to_day});
  if (!rows) return fail(rows.error());
  std::int64_t meters = 0;
  std::map<std::int64_t, std::int64_t> stored;  // day -> meters with a value
  for (const auto& row : rows->rows) {
    auto tag = row.get<std::int64_t>(0);
    auto day = row.get<std::int64_t>(1);
    auto n = row.get<std::int64_t>(2);
    if (!tag || !day || !n) return fail(ErrorCode::Internal, "oldest_missing_day: bad row");
    if (*tag == 0) {
      meters = *n;
    } else {
      stored[*day] = *n;
    }
  }
  if (meters == 0) return std::optional<std::int64_t>{};
  for (std::int64_t d = from_day; d <= to_day; ++d) {
    auto it = stored.find(d);
    if (it == stored.end() || it->second < meters) return std::optional<std::int64_t>{d};
  }
  return std::optional<std::int64_t>{};
}

Result<std::int64_t> ArchiveStore::touch_direct_meter(const MeterAddress& address,
                                                      std::uint8_t protocol, UtcTime now) {
  std::int64_t id = 0;
  OMNI_TRY(db_.transaction([&](Connection& c) -> Status {
    auto n = c.execute(
        "INSERT INTO meter (address, concentrator_id, serial, protocol, first_seen) "
        "VALUES ($1, NULL, NULL, $2, $3) ON CONFLICT (address) DO NOTHING",
        {address.to_string(), static_cast<std::int64_t>(protocol), now.seconds});
    if (!n) return fail(n.error());
    auto found = meter_id(c, address);
    if (!found) return fail(found.error());
    if (!*found) return fail(ErrorCode::Internal, "meter row vanished after insert");
    id = **found;
    return ok();
  }));
  return id;
}

}  // namespace omni::station
