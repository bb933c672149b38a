#include "sim/concentrator/terminal.hpp"

#include "protocol/cjt188/frame.hpp"
#include "protocol/dlt645/frame.hpp"
#include "protocol/dlt698/objects.hpp"

namespace omni::sim {
namespace {

namespace p = protocol::dlt698;

constexpr std::uint8_t kDarSuccess = 0;
constexpr std::uint8_t kDarTypeMismatch = 7;
constexpr std::uint8_t kDarOutOfRange = 8;
constexpr std::uint8_t kDarObjectMissing = 6;
constexpr std::uint8_t kDarTimeout = 33;

constexpr std::uint32_t kOadClock = 0x40000200;
constexpr std::uint32_t kOadAddress = 0x40010200;
constexpr std::uint32_t kOadArchive = 0x60000200;
constexpr std::uint32_t kOadRecords = 0x60120300;
constexpr std::uint32_t kOadMeterAddress = 0x202A0200;
constexpr std::uint32_t kOadCollectionStart = 0x60400200;
constexpr std::uint32_t kOadDailyFreeze = 0x50040200;
constexpr std::uint32_t kOadForwardEnergy = 0x00100200;
constexpr std::uint32_t kOadCumulativeFlow = 0x25000200;

const TimeZone& beijing() { return TimeZone::shanghai(); }

std::int64_t beijing_day(UtcTime t) {
  std::int64_t local = t.seconds + 8 * 3600;
  return local >= 0 ? local / 86400 : (local - 86399) / 86400;
}

p::Tsa tsa_of(const MeterAddress& a) { return *p::Tsa::from_address(a); }

void write_tail(p::Writer& w) {
  w.u8(0);  // FollowReport absent
  w.u8(0);  // TimeTag absent
}

}  // namespace

std::vector<std::uint8_t> Terminal698::link_frame(p::LinkType type, UtcTime now,
                                                  std::uint16_t heartbeat_s) {
  p::LinkRequest link;
  link.piid_acd = p::make_piid(link_sequence_++ & 0x3F);
  link.type = type;
  link.heartbeat_s = heartbeat_s;
  link.request_time = p::DateTime::from_civil(beijing().to_local(clock(now)));
  Bytes apdu;
  p::encode(link, apdu);
  p::Frame f;
  f.control = {true, false, false, false,
               static_cast<std::uint8_t>(p::LinkFunction::LinkManagement)};
  f.server_address = c_.address();
  f.apdu = apdu;
  Bytes out;
  (void)p::encode_frame(f, out);
  return out;
}

Terminal698::Bytes Terminal698::reply_frame(const p::Frame& request, const Bytes& apdu) const {
  p::Frame f;
  f.control = {true, true, false, false, static_cast<std::uint8_t>(p::LinkFunction::UserData)};
  f.server_address = c_.address();
  f.client_address = request.client_address;
  f.apdu = apdu;
  Bytes out;
  (void)p::encode_frame(f, out);
  return out;
}

std::vector<std::vector<std::uint8_t>> Terminal698::handle(std::span<const std::uint8_t> bytes,
                                                           UtcTime now) {
  Bytes scratch(bytes.size());
  auto frame = p::decode_frame(bytes, scratch);
  if (!frame || frame->control.from_server || frame->control.fragmented) {
    ++rejected_;  // damaged, or not a station's frame: a terminal drops it
    return {};
  }
  bool for_me =
      frame->address_type != p::AddressType::Single || frame->server_address == c_.address();
  if (!for_me) return {};
  auto apdu = p::decode_apdu(frame->apdu);
  if (!apdu) {
    ++rejected_;
    p::ErrorResponse err{frame->apdu.size() > 2 ? frame->apdu[2] : std::uint8_t{0}, 1};
    Bytes out;
    p::encode(err, out);
    return {reply_frame(*frame, out)};
  }
  if (const auto* link = std::get_if<p::LinkResponse>(&*apdu)) {
    logged_in_ = (link->result & 0x07) == 0;
    return {};
  }
  Bytes reply;
  if (const auto* get = std::get_if<p::GetRequest>(&*apdu)) {
    reply = on_get(*get, now);
  } else if (const auto* action = std::get_if<p::ActionRequest>(&*apdu)) {
    reply = on_action(*action, now);
  } else if (const auto* proxy = std::get_if<p::ProxyRequest>(&*apdu)) {
    reply = on_proxy(*proxy, now);
  } else {
    std::uint8_t piid = frame->apdu.size() > 2 ? frame->apdu[2] : 0;
    p::encode(p::ErrorResponse{piid, 2}, reply);  // service not supported
  }
  if (frame->address_type == p::AddressType::Broadcast) return {};  // broadcasts get no reply
  return {reply_frame(*frame, reply)};
}

void Terminal698::write_normal(p::Writer& w, const p::Oad& oad, UtcTime now) {
  w.oad(oad);
  switch (oad.value()) {
    case kOadClock: {
      w.u8(1);
      w.data_date_time_s(p::DateTimeS::from_civil(beijing().to_local(clock(now))));
      return;
    }
    case kOadAddress: {
      w.u8(1);
      w.data_octets(p::DataType::OctetString, c_.address().bytes());
      return;
    }
    case kOadArchive: {
      // structure {serial, structure {TSA, protocol}} per entry: the part a station checks.
      w.u8(1);
      w.data_array(c_.archive().size());
      for (const auto& e : c_.archive()) {
        w.data_structure(2);
        (void)w.data_int(p::DataType::LongUnsigned, e.serial);
        w.data_structure(2);
        w.tag(p::DataType::Tsa);
        w.tsa(tsa_of(e.address));
        (void)w.data_int(p::DataType::Enum, static_cast<std::int64_t>(e.protocol));
      }
      return;
    }
    default:
      w.u8(0);
      w.u8(kDarObjectMissing);
  }
}

void Terminal698::write_records(p::Writer& w, const p::GetRecord& rec, UtcTime now) {
  w.oad(rec.oad);
  w.rcsd(rec.rcsd);
  if (rec.oad.value() != kOadRecords || rec.rsd.selector != 10) {
    w.u8(0);
    w.u8(rec.oad.value() != kOadRecords ? kDarObjectMissing : kDarOutOfRange);
    return;
  }
  // The meters asked for: all (MS 1) or a TSA list (MS 3).
  std::vector<const ArchiveEntry*> meters;
  if (rec.rsd.ms.choice == static_cast<std::uint8_t>(p::MsChoice::All)) {
    for (const auto& e : c_.archive()) meters.push_back(&e);
  } else if (rec.rsd.ms.choice == static_cast<std::uint8_t>(p::MsChoice::Addresses)) {
    p::Reader r(rec.rsd.ms.content);
    auto n = r.length();
    for (std::size_t i = 0; n && i < *n; ++i) {
      auto tsa = r.read_tsa();
      if (!tsa) break;
      auto address = tsa->address();
      if (!address) continue;
      if (const auto* e = c_.find(*address)) meters.push_back(e);
    }
  } else {
    w.u8(0);
    w.u8(kDarOutOfRange);
    return;
  }
  std::vector<p::Csd> columns;
  p::Reader cr(rec.rcsd.csds);
  for (std::size_t i = 0; i < rec.rcsd.count; ++i) {
    auto csd = cr.read_csd();
    if (!csd) break;
    columns.push_back(*csd);
  }
  // Rows: the last n days each meter has, oldest first.
  std::int64_t today = beijing_day(clock(now));
  struct Row {
    const ArchiveEntry* e;
    std::int64_t day;
    std::int64_t value;
  };
  std::vector<Row> rows;
  for (const auto* e : meters) {
    for (std::int64_t d = today - rec.rsd.last_n + 1; d <= today; ++d) {
      if (auto v = c_.frozen(e->serial, d)) rows.push_back({e, d, *v});
    }
  }
  w.u8(1);
  w.length(rows.size());
  for (const Row& row : rows) {
    bool electric = row.e->protocol == ArchiveProtocol::Dlt645_2007 ||
                    row.e->protocol == ArchiveProtocol::Dlt645_1997 ||
                    row.e->protocol == ArchiveProtocol::Dlt698;
    for (const p::Csd& col : columns) {
      std::uint32_t oad = col.is_road ? col.road.oad.value() : col.oad.value();
      if (!col.is_road && oad == kOadMeterAddress) {
        w.tag(p::DataType::Tsa);
        w.tsa(tsa_of(row.e->address));
      } else if (!col.is_road && oad == kOadCollectionStart) {
        CivilTime midnight;
        civil_from_days(row.day, midnight.year, midnight.month, midnight.day);
        w.data_date_time_s(p::DateTimeS::from_civil(midnight));
      } else if (col.is_road && oad == kOadDailyFreeze) {
        w.data_array(col.road.size());
        for (std::size_t i = 0; i < col.road.size(); ++i) {
          std::uint32_t related = col.road.at(i).value();
          if (related == kOadForwardEnergy && electric) {
            w.data_array(5);  // total, then tariffs 1..4 (not kept by the daily task)
            (void)w.data_int(p::DataType::DoubleLongUnsigned, row.value);
            for (int t = 0; t < 4; ++t) w.data_null();
          } else if (related == kOadCumulativeFlow && !electric) {
            (void)w.data_int(p::DataType::DoubleLongUnsigned, row.value);
          } else {
            w.data_null();
          }
        }
      } else {
        w.data_null();
      }
    }
  }
}

Terminal698::Bytes Terminal698::on_get(const p::GetRequest& get, UtcTime now) {
  Bytes out;
  p::Writer w(out);
  w.u8(0x85);
  w.u8(static_cast<std::uint8_t>(get.choice));
  w.u8(get.piid);
  switch (get.choice) {
    case p::GetChoice::Normal:
      write_normal(w, get.oad, now);
      break;
    case p::GetChoice::NormalList: {
      w.length(get.oads.count);
      p::Reader r(get.oads.items);
      for (std::size_t i = 0; i < get.oads.count; ++i) {
        auto oad = r.read_oad();
        if (!oad) break;
        write_normal(w, *oad, now);
      }
      break;
    }
    case p::GetChoice::Record:
      write_records(w, get.record, now);
      break;
    default:
      out.clear();
      p::encode(p::ErrorResponse{get.piid, 2}, out);
      return out;
  }
  write_tail(w);
  return out;
}

std::uint8_t Terminal698::archive_action(const p::ActionItem& item) {
  switch (item.omd.method) {
    case 127: {  // add or update: array of structure {serial, basic {TSA, baud, protocol, …}}
      auto list = p::as_list(item.data);
      if (!list) return kDarTypeMismatch;
      for (std::size_t i = 0; i < list->count; ++i) {
        auto entry = list->items.read_data();
        if (!entry) return kDarTypeMismatch;
        auto fields = p::as_list(*entry);
        if (!fields || fields->count < 2) return kDarTypeMismatch;
        auto serial = fields->items.read_data();
        auto basic = fields->items.read_data();
        if (!serial || !basic) return kDarTypeMismatch;
        auto basic_fields = p::as_list(*basic);
        if (!basic_fields || basic_fields->count < 3) return kDarTypeMismatch;
        auto tsa_data = basic_fields->items.read_data();
        auto baud = basic_fields->items.read_data();
        auto protocol = basic_fields->items.read_data();
        auto number = serial->as_int();
        if (!tsa_data || !baud || !protocol || !number || tsa_data->type != p::DataType::Tsa) {
          return kDarTypeMismatch;
        }
        p::Reader tr(tsa_data->content());
        auto tsa = tr.read_tsa();
        if (!tsa) return kDarTypeMismatch;
        auto address = tsa->address();
        auto kind = protocol->as_int();
        if (!address || !kind || *kind < 0 || *kind > 4 || *number < 1 || *number > 65535) {
          return kDarOutOfRange;
        }
        ArchiveEntry e;
        e.serial = static_cast<std::uint16_t>(*number);
        e.address = *address;
        e.protocol = static_cast<ArchiveProtocol>(*kind);
        e.meter = c_.wired_meter(*address).value_or(kNoMeter);
        c_.upsert(e);
      }
      return kDarSuccess;
    }
    case 128: {  // delete by serial
      auto serial = item.data.as_int();
      if (!serial) return kDarTypeMismatch;
      return c_.remove(static_cast<std::uint16_t>(*serial)) ? kDarSuccess : kDarObjectMissing;
    }
    case 129:  // clear
      c_.set_archive({});
      return kDarSuccess;
    default:
      return kDarObjectMissing;
  }
}

Terminal698::Bytes Terminal698::on_action(const p::ActionRequest& action, UtcTime now) {
  Bytes out;
  if (action.choice != p::ActionChoice::Normal) {
    p::encode(p::ErrorResponse{action.piid, 2}, out);
    return out;
  }
  std::uint8_t dar = kDarObjectMissing;
  const p::ActionItem& item = action.item;
  if (item.omd.oi == 0x4000 && item.omd.method == 127) {
    dar = kDarTypeMismatch;
    if (item.data.type == p::DataType::DateTimeS) {
      p::Reader r(item.data.content());
      auto t = r.read_date_time_s();
      if (t) {
        if (auto civil = t->to_civil()) {
          clock_offset_s_ = beijing().from_local(*civil).seconds - now.seconds;
          dar = kDarSuccess;
        }
      }
    }
  } else if (item.omd.oi == 0x6000) {
    dar = archive_action(item);
  }
  p::Writer w(out);
  w.u8(0x87);
  w.u8(1);
  w.u8(action.piid);
  w.omd(item.omd);
  w.u8(dar);
  w.u8(0);  // no return data
  write_tail(w);
  return out;
}

Terminal698::Bytes Terminal698::on_proxy(const p::ProxyRequest& proxy, UtcTime now) {
  Bytes out;
  if (proxy.choice != p::ProxyChoice::TransCommand) {
    p::encode(p::ErrorResponse{proxy.piid, 2}, out);
    return out;
  }
  // Which meter the forwarded frame is for: its own address field says.
  std::optional<MeterAddress> target;
  if (auto f645 = protocol::dlt645::decode_frame(proxy.command)) {
    target = f645->address;
  } else if (auto f188 = protocol::cjt188::decode_frame(proxy.command)) {
    target = f188->address;
  }
  p::ProxyResponse r;
  r.choice = p::ProxyChoice::TransCommand;
  r.piid_acd = proxy.piid;
  r.port = proxy.port;
  std::optional<std::uint32_t> meter = target ? c_.wired_meter(*target) : std::nullopt;
  Exchange ex;
  if (meter) ex = c_.bus().exchange(*meter, proxy.command, now, ++proxy_attempts_);
  if (ex.reply) {
    r.has_reply = true;
    r.reply = *ex.reply;
  } else {
    r.dar = kDarTimeout;  // no meter answered within the frame timeout
  }
  p::encode(r, out);
  return out;
}

}  // namespace omni::sim
