#include "station/api/billing_api.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "net/table_export.hpp"

namespace omni::station {
namespace {

using Json = nlohmann::ordered_json;

std::string yuan_per_unit(const Price& p) {
  return Quantity(p.ten_thousandths_yuan, 4, Unit::None).to_decimal_string();
}

std::string month_text(int month) { return fmt::format("{:04}-{:02}", month / 100, month % 100); }

std::optional<std::string> param(const net::Request& r, const char* name) {
  auto it = r.query.find(name);
  if (it == r.query.end()) return std::nullopt;
  return it->second;
}

net::Response bad_request(const net::Request& r, std::string_view message) {
  return net::Response::error(400, "bad_request", message, r.request_id);
}

net::Response internal(const net::Request& r, const Error& e) {
  return net::Response::error(500, "internal", e.to_string(), r.request_id);
}

Result<int> month_param(const net::Request& r) {
  auto text = param(r, "month");
  if (!text) return fail(ErrorCode::Malformed, "month=YYYY-MM is required");
  return parse_month(*text);
}

std::string_view energy_name(EnergyKind k) {
  switch (k) {
    case EnergyKind::Water:
      return "water";
    case EnergyKind::Gas:
      return "gas";
    case EnergyKind::Heat:
      return "heat";
    case EnergyKind::Electricity:
      break;
  }
  return "electricity";
}

std::string span_text(std::pair<int, int> s) {
  return fmt::format("{:02}:{:02}-{:02}:{:02}", s.first / 60, s.first % 60, s.second / 60,
                     s.second % 60);
}

}  // namespace

void add_billing_routes(net::Router& router, const TariffBook& book, BillStore& bills) {
  router.get("/api/v1/tariffs", [&book](const net::Request& r) {
    net::Table table{"tariffs",
                     {"plan", "energy", "customer", "unit", "version", "effective", "basis",
                      "thresholds", "prices"},
                     {}};
    Json plans = Json::array();
    for (const auto& p : book.plans) {
      Json versions = Json::array();
      for (const auto& v : p.versions) {
        Json thresholds = Json::array();
        std::string thresholds_text, prices_text;
        for (const auto& t : v.thresholds) {
          thresholds.push_back(t.to_decimal_string());
          thresholds_text += (thresholds_text.empty() ? "" : " / ") + t.to_decimal_string();
        }
        Json prices = Json::array();
        for (const auto& price : v.tier_prices) {
          prices.push_back(yuan_per_unit(price));
          prices_text += (prices_text.empty() ? "" : " / ") + yuan_per_unit(price);
        }
        Json periods = Json::array();
        for (const auto& period : v.periods) {
          Json hours = Json::array();
          for (auto s : period.spans) hours.push_back(span_text(s));
          periods.push_back(
              {{"name", period.name}, {"price", yuan_per_unit(period.price)}, {"hours", hours}});
        }
        versions.push_back({{"version", v.version},
                            {"effective", format_date(v.effective_day)},
                            {"basis", tier_basis_name(v.basis)},
                            {"thresholds", thresholds},
                            {"prices", prices},
                            {"periods", periods},
                            {"source", v.source}});
        table.rows.push_back(
            {p.id, std::string(energy_name(p.energy)),
             std::string(p.customer == exchange::CustomerType::Residential ? "residential"
                                                                           : "non-residential"),
             std::string(unit_info(p.unit).ascii_symbol), std::int64_t{v.version},
             format_date(v.effective_day), std::string(tier_basis_name(v.basis)), thresholds_text,
             prices_text});
      }
      plans.push_back(
          {{"id", p.id},
           {"name", p.name},
           {"energy", energy_name(p.energy)},
           {"customer",
            p.customer == exchange::CustomerType::Residential ? "residential" : "non-residential"},
           {"unit", unit_info(p.unit).ascii_symbol},
           {"versions", versions}});
    }
    if (auto file = net::table_response(table, r)) return std::move(*file);
    return net::Response::json_text(200, Json{{"plans", plans}}.dump());
  });

  router.get("/api/v1/bills", [&bills](const net::Request& r) {
    auto month = month_param(r);
    if (!month) return bad_request(r, month.error().detail);
    auto list = bills.bills(*month, param(r, "point"));
    if (!list) return internal(r, list.error());
    net::Table table{fmt::format("bills-{}", month_text(*month)),
                     {"point", "month", "revision", "plan", "plan_version", "flag", "usage", "unit",
                      "used_before", "amount_yuan", "detail"},
                     {}};
    Json out = Json::array();
    for (const auto& b : *list) {
      Json lines = Json::array();
      for (const auto& l : b.lines) {
        lines.push_back({{"tier", l.tier + 1},
                         {"period", l.period},
                         {"usage", l.usage.to_decimal_string()},
                         {"price", yuan_per_unit(l.price)},
                         {"amount", l.amount.to_yuan_string()},
                         {"amount_fen", l.amount.value}});
      }
      const std::string unit(unit_info(b.usage.unit()).ascii_symbol);
      out.push_back({{"point", b.point},
                     {"month", month_text(b.month)},
                     {"revision", b.revision},
                     {"plan", b.plan},
                     {"plan_version", b.plan_version},
                     {"flag", bill_flag_name(b.flag)},
                     {"detail", b.detail},
                     {"usage", b.usage.to_decimal_string()},
                     {"unit", unit},
                     {"used_before", b.used_before.to_decimal_string()},
                     {"amount", b.amount.to_yuan_string()},
                     {"amount_fen", b.amount.value},
                     {"computed_at", format_iso8601(UtcTime{b.computed_at}, TimeZone::shanghai())},
                     {"lines", lines}});
      table.rows.push_back({b.point, month_text(b.month), std::int64_t{b.revision}, b.plan,
                            std::int64_t{b.plan_version}, std::string(bill_flag_name(b.flag)),
                            b.usage.to_decimal_string(), unit, b.used_before.to_decimal_string(),
                            b.amount.to_yuan_string(), b.detail});
    }
    if (auto file = net::table_response(table, r)) return std::move(*file);
    return net::Response::json_text(200,
                                    Json{{"month", month_text(*month)}, {"bills", out}}.dump());
  });

  router.get("/api/v1/bills/mismatches", [&bills](const net::Request& r) {
    auto month = month_param(r);
    if (!month) return bad_request(r, month.error().detail);
    std::int64_t tolerance = 0;
    if (auto t = param(r, "tolerance_fen")) {
      auto q = Quantity::parse(*t, Unit::None);
      if (!q || q->scale() != 0 || q->mantissa() < 0) {
        return bad_request(r, "tolerance_fen must be a whole number of fen, 0 or more");
      }
      tolerance = q->mantissa();
    }
    auto list = bills.mismatches(*month, Fen{tolerance});
    if (!list) return internal(r, list.error());
    net::Table table{fmt::format("mismatches-{}", month_text(*month)),
                     {"point", "month", "reason", "station_yuan", "meter_yuan"},
                     {}};
    Json out = Json::array();
    for (const auto& m : *list) {
      Json item = {{"point", m.point}, {"month", month_text(m.month)}, {"reason", m.reason}};
      item["station"] = m.station ? Json(m.station->to_yuan_string()) : Json(nullptr);
      item["meter"] = m.meter ? Json(m.meter->to_yuan_string()) : Json(nullptr);
      if (m.station && m.meter) item["difference_fen"] = m.meter->value - m.station->value;
      out.push_back(std::move(item));
      table.rows.push_back({m.point, month_text(m.month), m.reason,
                            m.station ? m.station->to_yuan_string() : std::string(),
                            m.meter ? m.meter->to_yuan_string() : std::string()});
    }
    if (auto file = net::table_response(table, r)) return std::move(*file);
    return net::Response::json_text(
        200, Json{{"month", month_text(*month)}, {"tolerance_fen", tolerance}, {"mismatches", out}}
                 .dump());
  });
}

}  // namespace omni::station
