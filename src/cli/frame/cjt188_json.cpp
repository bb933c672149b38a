// CJ/T 188 frames <-> JSON for the frame tool.
#include <fmt/format.h>

#include "cli/frame/frame_json.hpp"
#include "protocol/cjt188/data_ids.hpp"
#include "protocol/cjt188/frame.hpp"
#include "protocol/cjt188/messages.hpp"
#include "protocol/cjt188/scan.hpp"

namespace omni::cli::frame {
namespace {

namespace c = protocol::cjt188;

struct FunctionName {
  std::uint8_t code;
  const char* name;
};
constexpr FunctionName kFunctions[] = {
    {0x01, "read_data"},        {0x03, "read_address"},  {0x04, "write_data"},
    {0x09, "read_key_version"}, {0x15, "write_address"}, {0x16, "write_motor_sync"},
};

const char* function_name(std::uint8_t code) {
  for (const auto& f : kFunctions) {
    if (f.code == code) return f.name;
  }
  return nullptr;
}

const char* family_name(c::MeterFamily f) {
  switch (f) {
    case c::MeterFamily::Water:
      return "water";
    case c::MeterFamily::Heat:
      return "heat";
    case c::MeterFamily::Gas:
      return "gas";
    case c::MeterFamily::Other:
      return "other";
    case c::MeterFamily::Wildcard:
      return "wildcard";
    case c::MeterFamily::Unknown:
      break;
  }
  return "unknown";
}

const char* valve_name(c::ValveState v) {
  switch (v) {
    case c::ValveState::Open:
      return "open";
    case c::ValveState::Closed:
      return "closed";
    case c::ValveState::Abnormal:
      return "abnormal";
    case c::ValveState::Reserved:
      break;
  }
  return "reserved";
}

std::string civil_string(const CivilTime& t) {
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", t.year, t.month, t.day, t.hour,
                     t.minute, t.second);
}

Json quantity(const std::optional<Quantity>& q) {
  if (!q) return nullptr;  // the meter sent non-BCD bytes: no value
  return {{"value", q->to_decimal_string()}, {"unit", std::string(unit_symbol(q->unit()))}};
}

Json reading(const c::Reading& r) {
  Json j = quantity(r.value);
  if (j.is_null()) j = Json::object();
  j["unit_code"] = fmt::format("{:02X}", r.unit_code);
  return j;
}

Json status(const c::MeterStatus& s) {
  return {
      {"valve", valve_name(s.valve)}, {"battery_low", s.battery_low}, {"raw", hex_string(s.raw)}};
}

Json time_or_null(const std::optional<CivilTime>& t) {
  return t ? Json(civil_string(*t)) : Json(nullptr);
}

void describe_meter_data(const c::MeterData& data, Json& out) {
  if (const auto* w = std::get_if<c::WaterGasData>(&data)) {
    out["current"] = reading(w->current);
    out["settlement"] = reading(w->settlement);
    out["meter_time"] = time_or_null(w->meter_time);
    out["status"] = status(w->status);
    return;
  }
  const auto& h = std::get<c::HeatData>(data);
  out["settlement_heat"] = reading(h.settlement_heat);
  out["current_heat"] = reading(h.current_heat);
  out["power"] = reading(h.power);
  out["flow_rate"] = reading(h.flow_rate);
  out["cumulative_flow"] = reading(h.cumulative_flow);
  out["supply_temperature"] = quantity(h.supply_temperature);
  out["return_temperature"] = quantity(h.return_temperature);
  out["working_hours"] = quantity(h.working_hours);
  out["meter_time"] = time_or_null(h.meter_time);
  out["status"] = status(h.status);
}

void describe_reply(const c::Frame& f, Json& out) {
  if (f.control.abnormal) {
    if (auto a = c::parse_abnormal(f)) {
      out["failure"] = std::string(c::failure_name(a->failure));
      out["status"] = status(a->status);
    } else {
      out["problem"] = a.error().to_string();
    }
    return;
  }
  const c::DataId* id = f.has_di ? c::find_data_id(f.di) : nullptr;
  if (id == nullptr) return;
  switch (id->kind) {
    case c::DataKind::MeterData:
      if (auto d = c::parse_meter_data(f)) {
        describe_meter_data(*d, out);
      } else {
        out["problem"] = d.error().to_string();
      }
      break;
    case c::DataKind::History:
      if (auto h = c::parse_history(f)) out["value"] = reading(h->value);
      break;
    case c::DataKind::Address:
      if (auto a = c::parse_address(f)) out["meter_address"] = a->address.to_string();
      break;
    case c::DataKind::SettlementDay:
    case c::DataKind::ReadingDay:
      if (auto d = c::parse_day(f)) out["day"] = *d;
      break;
    default:
      break;
  }
}

void describe_request(const c::Frame& f, Json& out) {
  auto r = c::parse_request(f);
  if (!r) {
    out["problem"] = r.error().to_string();
    return;
  }
  if (const auto* t = std::get_if<c::WriteTimeRequest>(&r->body))
    out["time"] = civil_string(t->time);
  if (const auto* v = std::get_if<c::ValveRequest>(&r->body)) {
    out["valve_command"] = fmt::format("{:02X}", static_cast<unsigned>(v->command));
  }
  if (const auto* a = std::get_if<c::WriteAddressRequest>(&r->body)) {
    out["new_address"] = a->new_address.to_string();
  }
}

Result<Json> describe(Bytes bytes) {
  auto frame = c::decode_frame(bytes);
  if (!frame) return fail(frame.error());
  std::size_t preamble = 0;
  while (preamble < bytes.size() && bytes[preamble] == 0xFE) ++preamble;
  const auto& ctl = frame->control;
  const char* name = function_name(ctl.function);
  Json out;
  out["protocol"] = "cjt188";
  out["preamble"] = preamble;
  out["type"] = {{"code", fmt::format("{:02X}", frame->type.raw)},
                 {"family", family_name(frame->type.family())}};
  out["address"] = frame->address.to_string();
  out["control"] = {{"byte", fmt::format("{:02X}", ctl.encode())},
                    {"direction", ctl.from_meter ? "reply" : "request"},
                    {"abnormal", ctl.abnormal},
                    {"function", name ? name : fmt::format("{:02X}", ctl.function)}};
  if (frame->has_di) {
    out["di"] = fmt::format("{:04X}", frame->di);
    out["di_order"] = frame->di_order == c::DiOrder::LowFirst ? "low_first" : "high_first";
    if (const auto* id = c::find_data_id(frame->di)) out["item"] = std::string(id->name);
  }
  out["ser"] = frame->ser;
  out["data"] = hex_string(frame->payload());
  out["checksum"] = {{"value", fmt::format("{:02X}", bytes[bytes.size() - 2])}, {"status", "ok"}};
  if (ctl.from_meter) {
    describe_reply(*frame, out);
  } else {
    describe_request(*frame, out);
  }
  return out;
}

Result<std::uint8_t> function_code(const Json& control) {
  std::string s = control.value("function", "");
  for (const auto& f : kFunctions) {
    if (s == f.name) return f.code;
  }
  auto code = hex_number(control, "function", 0x3F);
  if (!code) {
    return fail(ErrorCode::Malformed,
                fmt::format("\"control.function\": unknown function \"{}\"", s));
  }
  return static_cast<std::uint8_t>(*code);
}

Status build(const Json& j, std::vector<std::uint8_t>& out) {
  if (!j.contains("address") || !j["address"].is_string()) {
    return fail(ErrorCode::Malformed, "\"address\" (14 digits) is missing");
  }
  auto address = MeterAddress::from_digits(j["address"].get<std::string>());
  if (!address) return fail(ErrorCode::Malformed, "\"address\": " + address.error().detail);
  c::Frame frame;
  frame.address = *address;
  Json type = j.value("type", Json::object());
  auto type_code = type.is_object() ? hex_number(type, "code", 0xFF) : hex_number(j, "type", 0xFF);
  if (!type_code) return fail(type_code.error());
  frame.type = c::MeterType(static_cast<std::uint8_t>(*type_code));
  Json control = j.value("control", Json::object());
  auto code = function_code(control);
  if (!code) return fail(code.error());
  frame.control.function = *code;
  frame.control.from_meter = control.value("direction", "request") == "reply";
  frame.control.abnormal = control.value("abnormal", false);
  frame.has_di = j.contains("di");
  if (frame.has_di) {
    auto di = hex_number(j, "di", 0xFFFF);
    if (!di) return fail(di.error());
    frame.di = static_cast<std::uint16_t>(*di);
    frame.di_order = j.value("di_order", "low_first") == "high_first" ? c::DiOrder::HighFirst
                                                                      : c::DiOrder::LowFirst;
  }
  int ser = j.value("ser", 0);
  if (ser < 0 || ser > 255) return fail(ErrorCode::OutOfRange, "\"ser\": 0..255");
  frame.ser = static_cast<std::uint8_t>(ser);
  if (auto it = j.find("data"); it != j.end()) {
    if (!it->is_string()) return fail(ErrorCode::Malformed, "\"data\" must be a hex string");
    auto bytes = parse_hex(it->get<std::string>());
    if (!bytes) return fail(ErrorCode::Malformed, "\"data\": " + bytes.error().detail);
    OMNI_TRY(frame.append(*bytes));
  }
  int preamble = j.value("preamble", 0);
  if (preamble < 0 || preamble > 16) return fail(ErrorCode::OutOfRange, "\"preamble\": 0..16");
  return c::encode_frame(frame, out, preamble);
}

std::size_t claimed_size(Bytes b) {
  // 68 T A0..A6 C L DATA CS 16 (detection tries the decoders, so a DL/T 645 frame, whose
  // byte 7 is its second 68, is not mistaken for this).
  if (b.size() < 11 || b[0] != 0x68) return 0;
  return 13 + std::size_t{b[10]};
}

}  // namespace

const ProtocolCodec& cjt188_codec() {
  static const ProtocolCodec codec{"cjt188", protocol::scan_cjt188, claimed_size, describe, build};
  return codec;
}

}  // namespace omni::cli::frame
