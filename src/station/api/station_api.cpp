#include "station/api/station_api.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/quantity.hpp"

namespace omni::station {
namespace {

using Json = nlohmann::ordered_json;

std::optional<std::int64_t> parse_day(const std::string& text) {
  auto t = parse_date(text);
  if (!t) return std::nullopt;
  return days_from_civil(t->year, t->month, t->day);
}

std::string day_text(std::int64_t day) { return format_date(day); }

std::string decimal(std::int64_t mantissa, int scale) {
  return Quantity(mantissa, scale, Unit::None).to_decimal_string();
}

net::Response bad_request(const net::Request& r, std::string_view message) {
  return net::Response::error(400, "bad_request", message, r.request_id);
}

net::Response internal(const net::Request& r, const Error& e) {
  return net::Response::error(500, "internal", e.to_string(), r.request_id);
}

}  // namespace

std::string success_json(std::int64_t day,
                         const std::vector<ArchiveStore::DailySuccess>& concentrators) {
  Json out;
  out["day"] = day_text(day);
  Json list = Json::array();
  std::int64_t meters = 0, read = 0;
  for (const auto& row : concentrators) {
    list.push_back(
        {{"concentrator", row.concentrator}, {"meters", row.meters}, {"read", row.read}});
    meters += row.meters;
    read += row.read;
  }
  out["concentrators"] = list;
  out["all"] = {{"meters", meters},
                {"read", read},
                {"success_percent",
                 meters ? 100.0 * static_cast<double>(read) / static_cast<double>(meters) : 0.0}};
  // S-PERF-3's daily success thresholds per channel type.
  out["thresholds_percent"] = {{"dedicated_line", 99.5},
                               {"power_line_carrier", 99.0},
                               {"wired_network", 99.5},
                               {"fibre", 99.6},
                               {"wireless", 98.0}};
  return out.dump();
}

void add_station_routes(net::Router& router, ArchiveStore& store) {
  router.get("/api/v1/station/success", [&store](const net::Request& r) {
    auto it = r.query.find("day");
    auto day = it == r.query.end() ? std::nullopt : parse_day(it->second);
    if (!day) return bad_request(r, "day=YYYY-MM-DD is required");
    auto rows = store.daily_success(*day);
    if (!rows) return internal(r, rows.error());
    return net::Response::json_text(200, success_json(*day, *rows));
  });

  router.get("/api/v1/meters/{address}/daily", [&store](const net::Request& r) {
    auto address = MeterAddress::from_digits(r.params.at("address"));
    if (!address) return bad_request(r, "the meter address must be its digits");
    auto get_day = [&](const char* key) -> std::optional<std::int64_t> {
      auto it = r.query.find(key);
      return it == r.query.end() ? std::nullopt : parse_day(it->second);
    };
    auto from = get_day("from"), to = get_day("to");
    if (!from || !to || *to < *from || *to - *from > 3660) {
      return bad_request(r, "from and to (YYYY-MM-DD, at most ten years apart) are required");
    }
    auto rows = store.meter_daily(*address, *from, *to);
    if (!rows && rows.error().code == ErrorCode::NotFound) {
      return net::Response::error(404, "not_found", rows.error().detail, r.request_id);
    }
    if (!rows) return internal(r, rows.error());
    Json list = Json::array();
    for (const auto& v : *rows) {
      list.push_back({{"day", day_text(v.day)},
                      {"value", decimal(v.value, v.scale)},
                      {"unit", v.unit},
                      {"quality", quality_name(v.quality)}});
    }
    return net::Response::json_text(200,
                                    Json{{"meter", address->to_string()}, {"daily", list}}.dump());
  });

  router.get("/api/v1/alarms", [&store](const net::Request& r) {
    std::int64_t limit = 100;
    if (auto it = r.query.find("limit"); it != r.query.end()) {
      char* end = nullptr;
      limit = std::strtoll(it->second.c_str(), &end, 10);
      if (*end != '\0' || limit < 1 || limit > 10000)
        return bad_request(r, "limit must be 1..10000");
    }
    auto rows = store.open_alarms(limit);
    if (!rows) return internal(r, rows.error());
    Json list = Json::array();
    for (const auto& a : *rows) {
      list.push_back({{"meter", a.meter},
                      {"kind", a.kind},
                      {"day", day_text(a.day)},
                      {"raised_at", a.raised_at}});
    }
    return net::Response::json_text(200, Json{{"alarms", list}}.dump());
  });
}

}  // namespace omni::station
