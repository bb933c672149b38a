#include "station/store/archive_store.hpp"

namespace omni::station {

using storage::Connection;

Result<std::int64_t> ArchiveStore::touch_concentrator(const MeterAddress& address, UtcTime now) {
  std::int64_t id = 0;
  OMNI_TRY(db_.transaction([&](Connection& c) -> Status {
    auto rows = c.query(
        "INSERT INTO concentrator (address, first_seen, last_seen) VALUES ($1, $2, $2) "
        "ON CONFLICT (address) DO UPDATE SET last_seen = excluded.last_seen RETURNING id",
        {address.to_string(), now.seconds});
    if (!rows) return fail(rows.error());
    auto v = rows->at(0).get<std::int64_t>(0);
    if (!v) return fail(v.error());
    id = *v;
    return ok();
  }));
  return id;
}

Status ArchiveStore::upsert_meters(std::int64_t concentrator_id,
                                   const std::vector<ArchiveRow>& rows, UtcTime now) {
  std::vector<storage::Params> params;
  params.reserve(rows.size());
  for (const auto& r : rows) {
    params.push_back({r.address.to_string(), concentrator_id, static_cast<std::int64_t>(r.serial),
                      static_cast<std::int64_t>(r.protocol), now.seconds});
  }
  return db_.transaction([&](Connection& c) -> Status {
    auto n = c.execute_batch(
        "INSERT INTO meter (address, concentrator_id, serial, protocol, first_seen) "
        "VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (address) DO UPDATE SET concentrator_id = excluded.concentrator_id, "
        "serial = excluded.serial, protocol = excluded.protocol",
        params);
    if (!n) return fail(n.error());
    return ok();
  });
}

Result<ArchiveStore::SaveResult> ArchiveStore::save_daily(const std::vector<DailyReading>& readings,
                                                          UtcTime now) {
  SaveResult result;
  OMNI_TRY(db_.transaction([&](Connection& c) -> Status {
    for (const auto& r : readings) {
      auto id = c.query("SELECT id FROM meter WHERE address = $1", {r.meter.to_string()});
      if (!id) return fail(id.error());
      if (id->empty()) {
        ++result.unknown;
        continue;
      }
      auto meter_id = id->at(0).get<std::int64_t>(0);
      if (!meter_id) return fail(meter_id.error());
      auto n = c.execute(
          "INSERT INTO reading_daily (meter_id, day, value, scale, unit, quality, received_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (meter_id, day) DO NOTHING",
          {*meter_id, r.day, r.value, r.scale, r.unit, static_cast<std::int64_t>(r.quality),
           now.seconds});
      if (!n) return fail(n.error());
      if (*n > 0) {
        ++result.inserted;
      } else {
        ++result.duplicates;
      }
    }
    return ok();
  }));
  return result;
}

Status ArchiveStore::record_event(const MeterAddress& address, std::string_view kind,
                                  std::string_view detail, UtcTime now) {
  auto n =
      db_.execute("INSERT INTO session_event (at, address, kind, detail) VALUES ($1, $2, $3, $4)",
                  {now.seconds, address.to_string(), kind, detail});
  if (!n) return fail(n.error());
  return ok();
}

}  // namespace omni::station
