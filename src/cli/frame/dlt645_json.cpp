// DL/T 645 frames <-> JSON for the frame tool.
#include <fmt/format.h>

#include "cli/frame/frame_json.hpp"
#include "protocol/dlt645/data_items.hpp"
#include "protocol/dlt645/frame.hpp"
#include "protocol/dlt645/messages.hpp"

namespace omni::cli::frame {
namespace {

namespace d = protocol::dlt645;

struct FunctionName {
  std::uint8_t code;
  const char* name;
};

// 2007 codes first; 03 is "security authentication" in 2007 and "re-read" in 1997.
constexpr FunctionName kFunctions[] = {
    {0x03, "security_auth"},
    {0x08, "broadcast_time"},
    {0x11, "read_data"},
    {0x12, "read_follow_up"},
    {0x13, "read_address"},
    {0x14, "write_data"},
    {0x15, "write_address"},
    {0x16, "freeze"},
    {0x17, "change_baud"},
    {0x18, "change_password"},
    {0x19, "clear_demand"},
    {0x1A, "clear_meter"},
    {0x1B, "clear_events"},
    {0x1C, "remote_control"},
    {0x1D, "multi_function_output"},
    {0x01, "read_1997"},
    {0x02, "read_follow_up_1997"},
    {0x04, "write_1997"},
    {0x0A, "write_address_1997"},
    {0x0C, "change_baud_1997"},
    {0x0F, "change_password_1997"},
    {0x10, "clear_demand_1997"},
};

const char* function_name(std::uint8_t code) {
  for (const auto& f : kFunctions) {
    if (f.code == code) return f.name;
  }
  return nullptr;
}

bool is_1997(std::uint8_t code) {
  return code == 0x01 || code == 0x02 || code == 0x04 || code == 0x0A || code == 0x0C ||
         code == 0x0F || code == 0x10;
}

std::string civil_string(const CivilTime& t) {
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", t.year, t.month, t.day, t.hour,
                     t.minute, t.second);
}

// The values of a catalogued item, each as a number with its unit, a time or digits; a value
// that is not BCD (an absent phase sent as FF) is shown as such, not as a broken frame.
Json item_values(const d::DataItem& item, Bytes data) {
  Json values = Json::array();
  for (std::size_t i = 0; i < item.count; ++i) {
    Json v;
    if (auto q = d::decode_quantity(item, data, i)) {
      v["value"] = q->to_decimal_string();
      v["unit"] = std::string(unit_symbol(q->unit()));
    } else if (q.error().code != ErrorCode::Unsupported) {
      v["error"] = q.error().to_string();
    }
    if (auto t = d::decode_civil_time(item, data, i)) v["time"] = civil_string(*t);
    if (item.format == d::ValueFormat::Digits) {
      if (auto digits = d::decode_digits(item, data)) v["digits"] = *digits;
    }
    if (item.format == d::ValueFormat::Bits && data.size() >= (i + 1) * item.bytes) {
      v["bits"] = hex_string(data.subspan(i * item.bytes, item.bytes));
    }
    values.push_back(std::move(v));
  }
  return values;
}

void describe_reply(const d::Frame& frame, Json& out) {
  auto reply = d::parse_reply(frame);
  if (!reply) {
    out["problem"] = reply.error().to_string();
    return;
  }
  if (reply->error) {
    out["error_word"] = {{"bits", fmt::format("{:02X}", reply->error->bits)},
                         {"names", reply->error->names()}};
    return;
  }
  std::uint8_t f = reply->function;
  bool read = f == 0x11 || f == 0x12 || f == 0x01 || f == 0x02;
  if (f == 0x13) out["meter_address"] = reply->address.to_string();
  if (!read) return;
  bool v1997 = is_1997(f);
  out["di"] = fmt::format("{:0{}X}", reply->di, v1997 ? 4 : 8);
  if (reply->seq) out["seq"] = *reply->seq;
  const d::DataItem* item =
      v1997 ? d::find_item_1997(static_cast<std::uint16_t>(reply->di)) : d::find_item(reply->di);
  if (item == nullptr) {
    out["item"] = nullptr;
    out["value_hex"] = hex_string(reply->data);
    return;
  }
  out["item"] = std::string(item->name);
  out["values"] = item_values(*item, reply->data);
}

void describe_request(const d::Frame& frame, Json& out) {
  auto req = d::parse_request(frame);
  if (!req) {
    out["problem"] = req.error().to_string();
    return;
  }
  switch (req->function) {
    case 0x11:
    case 0x12:
    case 0x14:
    case 0x18:
    case 0x1B:
    case 0x01:
    case 0x02:
      out["di"] = fmt::format("{:0{}X}", req->di, is_1997(req->function) ? 4 : 8);
      if (const auto* item = is_1997(req->function)
                                 ? d::find_item_1997(static_cast<std::uint16_t>(req->di))
                                 : d::find_item(req->di)) {
        out["item"] = std::string(item->name);
      }
      break;
    default:
      break;
  }
  if (req->function == 0x12) out["seq"] = req->seq;
  if (req->function == 0x08 || req->function == 0x1C) out["time"] = civil_string(req->time);
  if (req->function == 0x1C) {
    const char* action = d::control_action_name(req->action);
    out["action"] = action ? action : fmt::format("{:02X}", req->action);
  }
  if (req->function == 0x17) {
    if (auto bps = d::baud_from_code(req->baud)) out["baud"] = *bps;
  }
}

Result<Json> describe(Bytes bytes) {
  auto frame = d::decode_frame(bytes);
  if (!frame) return fail(frame.error());
  std::size_t preamble = 0;
  while (preamble < bytes.size() && bytes[preamble] == 0xFE) ++preamble;
  const auto& c = frame->control;
  const char* name = function_name(c.function);
  Json out;
  out["protocol"] = "dlt645";
  out["edition"] = is_1997(c.function) ? "1997" : "2007";
  out["preamble"] = preamble;
  out["address"] = frame->address.to_string();
  out["control"] = {{"byte", fmt::format("{:02X}", c.encode())},
                    {"direction", c.from_meter ? "reply" : "request"},
                    {"abnormal", c.abnormal},
                    {"more_follows", c.more_follows},
                    {"function", name ? name : fmt::format("{:02X}", c.function)}};
  out["data"] = hex_string(frame->payload());
  out["checksum"] = {{"value", fmt::format("{:02X}", bytes[bytes.size() - 2])}, {"status", "ok"}};
  if (c.from_meter) {
    describe_reply(*frame, out);
  } else {
    describe_request(*frame, out);
  }
  return out;
}

Result<std::uint8_t> function_code(const Json& control) {
  auto it = control.find("function");
  if (it == control.end() || !it->is_string()) {
    return fail(ErrorCode::Malformed, "\"control.function\" must be a name or a hex code");
  }
  std::string s = it->get<std::string>();
  for (const auto& f : kFunctions) {
    if (s == f.name) return f.code;
  }
  auto code = hex_number(control, "function", 0x1F);
  if (!code) {
    return fail(ErrorCode::Malformed,
                fmt::format("\"control.function\": unknown function \"{}\"", s));
  }
  return static_cast<std::uint8_t>(*code);
}

// The data field: "data" as hex (already minus 33H, as `describe` prints it), or built from
// "di" and optional "values" (numbers in the item's unit).
Status build_data(const Json& j, bool v1997, d::Frame& frame) {
  if (auto it = j.find("data"); it != j.end()) {
    if (!it->is_string()) return fail(ErrorCode::Malformed, "\"data\" must be a hex string");
    auto bytes = parse_hex(it->get<std::string>());
    if (!bytes) return fail(ErrorCode::Malformed, "\"data\": " + bytes.error().detail);
    return frame.append(*bytes);
  }
  if (!j.contains("di")) return ok();
  auto di = hex_number(j, "di", v1997 ? 0xFFFF : 0xFFFFFFFF);
  if (!di) return fail(di.error());
  std::uint8_t id[4] = {static_cast<std::uint8_t>(*di), static_cast<std::uint8_t>(*di >> 8),
                        static_cast<std::uint8_t>(*di >> 16), static_cast<std::uint8_t>(*di >> 24)};
  OMNI_TRY(frame.append(std::span<const std::uint8_t>(id, v1997 ? 2 : 4)));
  auto values = j.find("values");
  if (values == j.end()) return ok();
  const d::DataItem* item =
      v1997 ? d::find_item_1997(static_cast<std::uint16_t>(*di)) : d::find_item(*di);
  if (item == nullptr) {
    return fail(ErrorCode::Unsupported,
                fmt::format("\"di\": {:X} is not catalogued; give \"data\" instead", *di));
  }
  for (const auto& v : *values) {
    if (!v.contains("value"))
      return fail(ErrorCode::Malformed, "each of \"values\" needs \"value\"");
    auto q = Quantity::parse(v["value"].get<std::string>(), item->unit);
    if (!q) return fail(ErrorCode::Malformed, "\"values\": " + q.error().detail);
    std::uint8_t encoded[8] = {};
    OMNI_TRY(d::encode_quantity(*item, *q, encoded));
    OMNI_TRY(frame.append(std::span<const std::uint8_t>(encoded, item->bytes)));
  }
  return ok();
}

Status build(const Json& j, std::vector<std::uint8_t>& out) {
  if (!j.contains("address") || !j["address"].is_string()) {
    return fail(ErrorCode::Malformed, "\"address\" (12 digits) is missing");
  }
  auto address = MeterAddress::from_digits(j["address"].get<std::string>());
  if (!address) return fail(ErrorCode::Malformed, "\"address\": " + address.error().detail);
  Json control = j.value("control", Json::object());
  d::Frame frame;
  frame.address = *address;
  auto code = function_code(control);
  if (!code) return fail(code.error());
  frame.control.function = *code;
  frame.control.from_meter = control.value("direction", "request") == "reply";
  frame.control.abnormal = control.value("abnormal", false);
  frame.control.more_follows = control.value("more_follows", false);
  OMNI_TRY(build_data(j, is_1997(*code), frame));
  int preamble = j.value("preamble", 0);
  if (preamble < 0 || preamble > 16) return fail(ErrorCode::OutOfRange, "\"preamble\": 0..16");
  return d::encode_frame(frame, out, preamble);
}

std::size_t claimed_size(Bytes b) {
  if (b.size() < 10 || b[0] != 0x68 || b[7] != 0x68) return 0;
  return 12 + std::size_t{b[9]};
}

}  // namespace

const ProtocolCodec& dlt645_codec() {
  static const ProtocolCodec codec{"dlt645", protocol::scan_dlt645, claimed_size, describe, build};
  return codec;
}

}  // namespace omni::cli::frame
