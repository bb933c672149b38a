// The demo's combined console API on its main port: the four stations' success rates and open
// alarms as one station console would show them (the console page reads the same routes a single
// station serves, src/station/api/station_api.hpp), and /api/v1/info for the landing page.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cli/commands/demo_parts.hpp"
#include "station/api/station_api.hpp"

namespace omni::cli::demo {
namespace {

net::Response internal_error(const Error& e, const net::Request& r) {
  return net::Response::error(500, "internal", e.to_string(), r.request_id);
}

// GET /api/v1/station/success?day=YYYY-MM-DD over every station; concentrators are prefixed with
// the station id so that the four fields' concentrators stay apart.
net::Response combined_success(const std::vector<StationView>& stations, const net::Request& r) {
  std::optional<std::int64_t> day;
  if (auto it = r.query.find("day"); it != r.query.end()) {
    if (auto c = parse_date(it->second)) day = days_from_civil(c->year, c->month, c->day);
  }
  if (!day) {
    return net::Response::error(400, "bad_request", "day=YYYY-MM-DD is required", r.request_id);
  }
  std::vector<station::ArchiveStore::DailySuccess> all;
  for (const auto& s : stations) {
    auto rows = s.store->daily_success(*day);
    if (!rows) return internal_error(rows.error(), r);
    for (auto& row : *rows) {
      row.concentrator = s.station_id + " " + row.concentrator;
      all.push_back(std::move(row));
    }
  }
  return net::Response::json_text(200, station::success_json(*day, all));
}

// GET /api/v1/alarms?limit=N: the newest open alarms of every station.
net::Response combined_alarms(const std::vector<StationView>& stations, const net::Request& r) {
  std::int64_t limit = 100;
  if (auto it = r.query.find("limit"); it != r.query.end()) {
    char* end = nullptr;
    limit = std::strtoll(it->second.c_str(), &end, 10);
    if (it->second.empty() || *end != '\0' || limit < 1 || limit > 10000) {
      return net::Response::error(400, "bad_request", "limit must be 1..10000", r.request_id);
    }
  }
  std::vector<station::ArchiveStore::OpenAlarm> all;
  for (const auto& s : stations) {
    auto rows = s.store->open_alarms(limit);
    if (!rows) return internal_error(rows.error(), r);
    all.insert(all.end(), rows->begin(), rows->end());
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const auto& a, const auto& b) { return a.raised_at > b.raised_at; });
  if (all.size() > static_cast<std::size_t>(limit)) all.resize(static_cast<std::size_t>(limit));
  nlohmann::json list = nlohmann::json::array();
  for (const auto& a : all) {
    list.push_back({{"meter", a.meter},
                    {"kind", a.kind},
                    {"day", format_date(a.day)},
                    {"raised_at", a.raised_at}});
  }
  return net::Response::json_text(200, nlohmann::json{{"alarms", list}}.dump());
}

}  // namespace

std::string iso_utc(UtcTime t) {
  std::time_t tt = static_cast<std::time_t>(t.seconds);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void add_combined_station_routes(net::Router& router, std::vector<StationView> stations) {
  auto shared = std::make_shared<const std::vector<StationView>>(std::move(stations));
  router.get("/api/v1/station/success",
             [shared](const net::Request& r) { return combined_success(*shared, r); });
  router.get("/api/v1/alarms",
             [shared](const net::Request& r) { return combined_alarms(*shared, r); });
}

net::Handler info_route(const InfoSource& source, std::string role) {
  return [&source, role = std::move(role)](const net::Request&) {
    // The dashboard picks its default period from the data's first and last day.
    auto days = source.centre->data_days();
    auto day = [&days](bool first) -> nlohmann::json {
      if (!days) return nullptr;
      const auto& d = first ? days->first : days->last;
      return d ? nlohmann::json(format_date(*d)) : nlohmann::json(nullptr);
    };
    nlohmann::json info = {
        {"name", "omnimeter"},
        {"version", OMNI_VERSION},
        {"installation_id", source.installation_id},
        {"started_at", source.started_at},
        {"database", source.database->describe()},
        {"role", role},
        {"simulated_time", iso_utc(source.clock->now())},
        {"components",
         {{{"name", "storage"}, {"state", "ready"}},
          {{"name", "web"}, {"state", "ready"}},
          {{"name", "station"}, {"state", "running"}},
          {{"name", "cloud"}, {"state", "running"}},
          {{"name", "simulator"}, {"state", source.simulator_running ? "running" : "off"}}}},
        {"data", {{"first_day", day(true)}, {"last_day", day(false)}}},
    };
    return net::Response::json_text(200, info.dump());
  };
}

}  // namespace omni::cli::demo
