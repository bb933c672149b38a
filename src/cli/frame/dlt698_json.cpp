// DL/T 698.45 frames <-> JSON for the frame tool. Decoding shows the link header, the APDU's
// service and, for the services a field engineer reads most (LINK, GET, SET, ACTION, REPORT),
// the OADs with their values; any Data is shown generically by type. Encoding takes the link
// header and the APDU as hex, so decode -> encode gives the same bytes.
#include <fmt/format.h>

#include "cli/frame/frame_json.hpp"
#include "protocol/dlt698/apdu.hpp"
#include "protocol/dlt698/frame.hpp"
#include "protocol/dlt698/objects.hpp"
#include "protocol/dlt698/scan.hpp"

namespace omni::cli::frame {
namespace {

namespace p = protocol::dlt698;
using p::DataType;

std::string oad_hex(const p::Oad& o) { return fmt::format("{:08X}", o.value()); }

std::string civil_string(const CivilTime& t) {
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", t.year, t.month, t.day, t.hour,
                     t.minute, t.second);
}

// Any Data value as JSON: numbers, strings, hex for octets, ISO times, nested lists.
Json data_json(const p::DataView& v, int depth = 0) {
  if (depth > p::Reader::kMaxDepth) return "…";
  p::Reader r(v.content());
  switch (v.type) {
    case DataType::Null:
      return nullptr;
    case DataType::Array:
    case DataType::Structure: {
      Json list = Json::array();
      auto items = p::as_list(v);
      if (!items) return {{"error", items.error().to_string()}};
      for (std::size_t i = 0; i < items->count; ++i) {
        auto item = items->items.read_data();
        if (!item) return {{"error", item.error().to_string()}};
        list.push_back(data_json(*item, depth + 1));
      }
      return list;
    }
    case DataType::Bool:
      if (auto b = v.as_bool()) return *b;
      break;
    case DataType::VisibleString:
    case DataType::Utf8String:
      if (auto b = v.as_bytes()) return std::string(b->begin(), b->end());
      break;
    case DataType::OctetString:
    case DataType::Mac:
    case DataType::Rn:
      if (auto b = v.as_bytes()) return hex_string(*b);
      break;
    case DataType::DateTimeS:
      if (auto t = r.read_date_time_s(); t) {
        if (auto c = t->to_civil()) return civil_string(*c);
      }
      break;
    case DataType::DateTime:
      if (auto t = r.read_date_time(); t) {
        if (auto c = t->to_civil()) return civil_string(*c);
      }
      break;
    case DataType::Oad:
      if (auto o = r.read_oad()) return oad_hex(*o);
      break;
    default:
      if (p::is_integer_type(v.type)) {
        if (auto i = v.as_int()) return *i;
      }
      break;
  }
  return {{"type", std::string(p::data_type_name(static_cast<std::uint8_t>(v.type)))},
          {"hex", hex_string(v.content())}};
}

// One OAD's result: the object's name, the data generically, and quantities when the OI table
// knows the object.
Json result_json(const p::Oad& oad, const p::GetResult& result) {
  Json j;
  j["oad"] = oad_hex(oad);
  if (const auto* info = p::find_object(oad)) j["object"] = std::string(info->name);
  if (!result.has_data) {
    j["dar"] = result.dar;
    j["dar_name"] = std::string(p::dar_name(result.dar));
    return j;
  }
  j["data"] = data_json(result.data);
  std::array<std::optional<Quantity>, 32> q;
  if (auto n = p::decode_quantities(oad, result.data, q)) {
    Json values = Json::array();
    for (std::size_t i = 0; i < *n; ++i) {
      if (q[i]) {
        values.push_back({{"value", q[i]->to_decimal_string()},
                          {"unit", std::string(unit_symbol(q[i]->unit()))}});
      } else {
        values.push_back(nullptr);
      }
    }
    j["values"] = values;
  }
  return j;
}

Json oad_list(const p::Seq& seq) {
  Json list = Json::array();
  p::Reader r(seq.items);
  for (std::size_t i = 0; i < seq.count; ++i) {
    auto o = r.read_oad();
    if (!o) break;
    list.push_back(oad_hex(*o));
  }
  return list;
}

void describe_service(const p::Apdu& apdu, Json& out) {
  if (const auto* a = std::get_if<p::LinkRequest>(&apdu)) {
    static constexpr const char* kTypes[] = {"login", "heartbeat", "logout"};
    auto t = static_cast<unsigned>(a->type);
    out["link"] = {{"type", t < 3 ? kTypes[t] : "unknown"}, {"heartbeat_s", a->heartbeat_s}};
    if (auto c = a->request_time.to_civil()) out["link"]["time"] = civil_string(*c);
  } else if (const auto* lr = std::get_if<p::LinkResponse>(&apdu)) {
    out["link"] = {{"result", lr->result & 0x07}, {"clock_trusted", (lr->result & 0x80) != 0}};
  } else if (const auto* g = std::get_if<p::GetRequest>(&apdu)) {
    out["piid"] = g->piid;
    out["get"] = {{"choice", static_cast<int>(g->choice)}};
    if (g->choice == p::GetChoice::Normal) out["get"]["oad"] = oad_hex(g->oad);
    if (g->choice == p::GetChoice::NormalList) out["get"]["oads"] = oad_list(g->oads);
    if (g->choice == p::GetChoice::Record) out["get"]["oad"] = oad_hex(g->record.oad);
  } else if (const auto* gr = std::get_if<p::GetResponse>(&apdu)) {
    out["piid"] = gr->piid_acd;
    out["get"] = {{"choice", static_cast<int>(gr->choice)}};
    if (gr->choice == p::GetChoice::Normal) {
      out["get"]["results"] = Json::array({result_json(gr->result.oad, gr->result.result)});
    } else if (gr->choice == p::GetChoice::NormalList) {
      Json results = Json::array();
      p::Reader r(gr->results.items);
      for (std::size_t i = 0; i < gr->results.count; ++i) {
        auto item = p::read_result_normal(r);
        if (!item) break;
        results.push_back(result_json(item->oad, item->result));
      }
      out["get"]["results"] = results;
    } else if (gr->choice == p::GetChoice::Record) {
      out["get"]["oad"] = oad_hex(gr->record.oad);
      out["get"]["rows"] = gr->record.has_rows ? gr->record.rows.count : 0;
    }
  } else if (const auto* s = std::get_if<p::SetResponse>(&apdu)) {
    out["piid"] = s->piid_acd;
  } else if (const auto* err = std::get_if<p::ErrorResponse>(&apdu)) {
    out["piid"] = err->piid_acd;
  }
}

Result<Json> describe(Bytes bytes) {
  std::vector<std::uint8_t> scratch(bytes.size());
  auto frame = p::decode_frame(bytes, scratch);
  if (!frame) return fail(frame.error());
  std::size_t preamble = 0;
  while (preamble < bytes.size() && bytes[preamble] == 0xFE) ++preamble;
  static constexpr const char* kAddressTypes[] = {"single", "wildcard", "group", "broadcast"};
  const auto& c = frame->control;
  Json out;
  out["protocol"] = "dlt698";
  out["preamble"] = preamble;
  out["control"] = {{"byte", fmt::format("{:02X}", c.encode())},
                    {"direction", c.from_server ? "from_server" : "from_client"},
                    {"client_initiated", c.client_initiated},
                    {"fragmented", c.fragmented},
                    {"scrambled", c.scrambled},
                    {"function", c.function == 1   ? "link_management"
                                 : c.function == 3 ? "user_data"
                                                   : "other"}};
  out["address"] = {{"type", kAddressTypes[static_cast<int>(frame->address_type) & 3]},
                    {"logical", frame->logical_address},
                    {"server", frame->server_address.to_string()},
                    {"client", frame->client_address}};
  if (c.fragmented) {
    out["fragment"] = {{"number", frame->fragment.number},
                       {"type", static_cast<int>(frame->fragment.type)}};
  }
  out["apdu"] = hex_string(frame->apdu);
  out["checksum"] = {{"hcs", "ok"}, {"fcs", "ok"}};
  if (!c.fragmented && !frame->apdu.empty()) {
    out["service"] = std::string(p::apdu_name(frame->apdu[0]));
    if (auto apdu = p::decode_apdu(frame->apdu)) {
      describe_service(*apdu, out);
    } else {
      out["problem"] = apdu.error().to_string();
    }
  }
  return out;
}

Status build(const Json& j, std::vector<std::uint8_t>& out) {
  Json address = j.value("address", Json::object());
  if (!address.contains("server") || !address["server"].is_string()) {
    return fail(ErrorCode::Malformed, "\"address.server\" (server address digits) is missing");
  }
  auto sa = MeterAddress::from_digits(address["server"].get<std::string>());
  if (!sa) return fail(ErrorCode::Malformed, "\"address.server\": " + sa.error().detail);
  p::Frame f;
  f.server_address = *sa;
  std::string type = address.value("type", "single");
  f.address_type = type == "wildcard"    ? p::AddressType::Wildcard
                   : type == "group"     ? p::AddressType::Group
                   : type == "broadcast" ? p::AddressType::Broadcast
                                         : p::AddressType::Single;
  f.logical_address = static_cast<std::uint8_t>(address.value("logical", 0) & 3);
  f.client_address = static_cast<std::uint8_t>(address.value("client", 0));
  Json control = j.value("control", Json::object());
  f.control.from_server = control.value("direction", "from_client") == "from_server";
  f.control.client_initiated = control.value("client_initiated", true);
  f.control.scrambled = control.value("scrambled", false);
  f.control.fragmented = control.value("fragmented", false);
  f.control.function = control.value("function", "user_data") == "link_management" ? 1 : 3;
  if (f.control.fragmented) {
    Json frag = j.value("fragment", Json::object());
    f.fragment.number = static_cast<std::uint16_t>(frag.value("number", 0) & 0x0FFF);
    f.fragment.type = static_cast<p::FragmentType>(frag.value("type", 0) & 3);
  }
  if (!j.contains("apdu") || !j["apdu"].is_string()) {
    return fail(ErrorCode::Malformed, "\"apdu\" (hex) is missing");
  }
  auto apdu = parse_hex(j["apdu"].get<std::string>());
  if (!apdu) return fail(ErrorCode::Malformed, "\"apdu\": " + apdu.error().detail);
  f.apdu = *apdu;
  int preamble = j.value("preamble", 0);
  if (preamble < 0 || preamble > 16) return fail(ErrorCode::OutOfRange, "\"preamble\": 0..16");
  return p::encode_frame(f, out, preamble);
}

std::size_t claimed_size(Bytes b) {
  if (b.size() < 3 || b[0] != 0x68) return 0;
  std::size_t length = static_cast<std::size_t>(b[1] | (b[2] & 0x3F) << 8);
  return length + 2;  // L counts everything but the 68 and the 16
}

}  // namespace

const ProtocolCodec& dlt698_codec() {
  static const ProtocolCodec codec{"dlt698", protocol::scan_dlt698, claimed_size, describe, build};
  return codec;
}

}  // namespace omni::cli::frame
