#include "station/api/vee_api.hpp"

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <variant>

#include "access/http/guard.hpp"
#include "core/quantity.hpp"
#include "core/time.hpp"
#include "station/store/archive_store.hpp"

namespace omni::station {
namespace {

using Json = nlohmann::ordered_json;

std::string decimal(std::int64_t mantissa, int scale) {
  return Quantity(mantissa, std::clamp(scale, 0, 9), Unit::None).to_decimal_string();
}

const char* quality_name(int q) { return station::quality_name(static_cast<Quality>(q)); }

net::Response bad_request(const net::Request& r, std::string_view message) {
  return net::Response::error(400, "bad_request", message, r.request_id);
}

// NotFound → 404, Duplicate → 409, Malformed/OutOfRange → 400, anything else 500.
net::Response error_response(const net::Request& r, const Error& e) {
  switch (e.code) {
    case ErrorCode::NotFound:
      return net::Response::error(404, "not_found", e.detail, r.request_id);
    case ErrorCode::Duplicate:
      return net::Response::error(409, "conflict", e.detail, r.request_id);
    case ErrorCode::Malformed:
    case ErrorCode::OutOfRange:
      return bad_request(r, e.detail);
    default:
      return net::Response::error(500, "internal", e.to_string(), r.request_id);
  }
}

std::optional<std::int64_t> parse_day(const std::string& text) {
  auto t = parse_date(text);
  if (!t) return std::nullopt;
  return days_from_civil(t->year, t->month, t->day);
}

Json item_json(const vee::ReviewItem& it) {
  Json j{{"meter", it.meter},
         {"day", format_date(it.day)},
         {"value", decimal(it.value, it.scale)},
         {"received", decimal(it.received, it.scale)},
         {"previous", decimal(it.previous, it.scale)},
         {"unit", it.unit},
         {"quality", quality_name(it.quality)},
         {"reason", it.reason},
         {"detail", it.detail},
         {"created_at", format_iso8601(UtcTime{it.created_at}, TimeZone::shanghai())},
         {"state", it.state}};
  if (it.state != "open") {
    j["resolved_by"] = it.resolved_by;
    j["resolved_at"] = format_iso8601(UtcTime{it.resolved_at}, TimeZone::shanghai());
    j["resolution"] = it.resolution;
  }
  return j;
}

// The user of a valid Bearer token, else "operator".
std::string user_of(access::AccessService* access, const net::Request& r) {
  if (access == nullptr || access::http::bearer_token(r).empty()) return "operator";
  auto who = access::http::authenticate_request(*access, r);
  if (auto* p = std::get_if<access::Principal>(&who)) return p->name;
  return "operator";
}

}  // namespace

void add_vee_routes(net::Router& router, vee::ReviewQueue& queue, access::AccessService* access) {
  router.get("/api/v1/review", [&queue](const net::Request& r) {
    vee::ReviewState state = vee::ReviewState::Open;
    if (auto it = r.query.find("state"); it != r.query.end()) {
      if (it->second == "resolved") {
        state = vee::ReviewState::Resolved;
      } else if (it->second != "open") {
        return bad_request(r, "state must be open or resolved");
      }
    }
    std::int64_t limit = 100;
    if (auto it = r.query.find("limit"); it != r.query.end()) {
      char* end = nullptr;
      limit = std::strtoll(it->second.c_str(), &end, 10);
      if (it->second.empty() || *end != '\0' || limit < 1 || limit > 10000) {
        return bad_request(r, "limit must be 1..10000");
      }
    }
    auto items = queue.list(state, limit);
    if (!items) return error_response(r, items.error());
    Json list = Json::array();
    for (const auto& it : *items) list.push_back(item_json(it));
    return net::Response::json_text(
        200, Json{{"state", state == vee::ReviewState::Open ? "open" : "resolved"}, {"items", list}}
                 .dump());
  });

  router.post(
      "/api/v1/review/{meter}/{day}",
      [&queue, access](const net::Request& r) {
        auto meter = MeterAddress::from_digits(r.params.at("meter"));
        if (!meter) return bad_request(r, "the meter address must be its digits");
        auto day = parse_day(r.params.at("day"));
        if (!day) return bad_request(r, "the day must be YYYY-MM-DD");
        Json body = Json::parse(r.body, nullptr, /*allow_exceptions=*/false);
        if (!body.is_object() || !body.contains("action") || !body["action"].is_string()) {
          return bad_request(
              r, "body must be {\"action\": \"accept|replace|reject\", \"value\"?, \"reason\"}");
        }
        auto action = vee::parse_action(body["action"].get<std::string>());
        if (!action) return bad_request(r, action.error().detail);
        vee::Decision d;
        d.action = *action;
        if (body.contains("reason")) {
          if (!body["reason"].is_string()) return bad_request(r, "reason must be a string");
          d.reason = body["reason"].get<std::string>();
        }
        if (d.reason.size() > 500) return bad_request(r, "reason is longer than 500 bytes");
        const bool has_value = body.contains("value") && !body["value"].is_null();
        if (has_value != (d.action == vee::Action::Replace)) {
          return bad_request(r, "value is required with replace and only with replace");
        }
        if (has_value) {
          if (!body["value"].is_string()) {
            return bad_request(r, "value must be a decimal string such as \"1234.56\"");
          }
          // The stored value's scale decides the mantissa: more decimals than the register
          // has would be a precision the meter never had.
          auto current = queue.item(*meter, *day);
          if (!current) return error_response(r, current.error());
          auto q = Quantity::parse(body["value"].get<std::string>(), Unit::None);
          if (!q || q->scale() > current->scale) {
            return bad_request(r, "value must be a decimal with at most the register's decimals");
          }
          auto at_scale = q->rescaled(current->scale, Rounding::Down);
          if (!at_scale) return bad_request(r, at_scale.error().detail);
          d.value = at_scale->mantissa();
        }
        d.user = user_of(access, r);
        d.source = r.peer.empty() ? "local" : r.peer;
        auto done = queue.resolve(*meter, *day, d);
        if (!done) return error_response(r, done.error());
        return net::Response::json_text(200, item_json(*done).dump());
      },
      {.max_body_bytes = 4096});

  router.get("/api/v1/meters/{address}/edits", [&queue](const net::Request& r) {
    auto meter = MeterAddress::from_digits(r.params.at("address"));
    if (!meter) return bad_request(r, "the meter address must be its digits");
    auto edits = queue.edits(*meter);
    if (!edits) return error_response(r, edits.error());
    Json list = Json::array();
    for (const auto& e : *edits) {
      list.push_back({{"day", format_date(e.day)},
                      {"revision", e.revision},
                      {"at", format_iso8601(UtcTime{e.at}, TimeZone::shanghai())},
                      {"user", e.user},
                      {"action", e.action},
                      {"old_value", decimal(e.old_value, e.scale)},
                      {"new_value", decimal(e.new_value, e.scale)},
                      {"old_quality", quality_name(e.old_quality)},
                      {"new_quality", quality_name(e.new_quality)},
                      {"unit", e.unit},
                      {"reason", e.reason}});
    }
    return net::Response::json_text(200,
                                    Json{{"meter", meter->to_string()}, {"edits", list}}.dump());
  });
}

}  // namespace omni::station
