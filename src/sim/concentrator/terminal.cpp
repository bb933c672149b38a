#include "sim/concentrator/terminal.hpp"

#include <unordered_map>
#include <unordered_set>

#include "protocol/cjt188/frame.hpp"
#include "protocol/dlt645/frame.hpp"
#include "protocol/dlt698/objects.hpp"

namespace omni::sim {
namespace {

namespace p = protocol::dlt698;

constexpr std::uint32_t kOadArchive = 0x60000200;
constexpr std::uint32_t kOadRecords = 0x60120300;
constexpr std::uint32_t kOadMeterAddress = 0x202A0200;
constexpr std::uint32_t kOadCollectionStart = 0x60400200;
constexpr std::uint32_t kOadDailyFreeze = 0x50040200;
constexpr std::uint32_t kOadForwardEnergy = 0x00100200;
constexpr std::uint32_t kOadCumulativeFlow = 0x25000200;

std::int64_t beijing_day(UtcTime t) {
  std::int64_t local = t.seconds + 8 * 3600;
  return local >= 0 ? local / 86400 : (local - 86399) / 86400;
}

p::Tsa tsa_of(const MeterAddress& a) { return *p::Tsa::from_address(a); }

}  // namespace

std::int64_t Terminal698::user_type(const ArchiveEntry& e) const {
  if (e.meter == kNoMeter) return 0;
  switch (c_.bus().city().meters[e.meter].kind) {
    case EnergyKind::Electricity: return 0;
    case EnergyKind::Water: return 1;
    case EnergyKind::Gas: return 2;
    case EnergyKind::Heat: return 3;
  }
  return 0;
}

bool Terminal698::write_object(p::Writer& w, const p::Oad& oad, UtcTime now) {
  if (oad.value() != kOadArchive) return Dlt698Device::write_object(w, oad, now);
  // structure {serial, structure {TSA, protocol, user type}} per entry: the part a station
  // needs. The user type carries the energy kind (0 electricity, 1 water, 2 gas, 3 heat), the
  // simulator's use of that field.
  w.u8(1);
  w.data_array(c_.archive().size());
  for (const auto& e : c_.archive()) {
    w.data_structure(2);
    (void)w.data_int(p::DataType::LongUnsigned, e.serial);
    w.data_structure(3);
    w.tag(p::DataType::Tsa);
    w.tsa(tsa_of(e.address));
    (void)w.data_int(p::DataType::Enum, static_cast<std::int64_t>(e.protocol));
    (void)w.data_int(p::DataType::Unsigned, user_type(e));
  }
  return true;
}

void Terminal698::write_records(p::Writer& w, const p::GetRecord& rec, UtcTime now) {
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

std::optional<ArchiveEntry> Terminal698::parse_entry(p::DataView data, std::uint8_t& dar) {
  auto fail_with = [&](const char* reason, std::uint8_t code) {
    dar = refuse_input(reason, code);
    return std::nullopt;
  };
  // structure {serial, basic {TSA, baud, protocol, port OAD (optional), …}}
  auto fields = p::as_list(data);
  if (!fields || fields->count < 2) return fail_with("malformed", kDarTypeMismatch);
  auto serial = fields->items.read_data();
  auto basic = fields->items.read_data();
  if (!serial || !basic) return fail_with("malformed", kDarTypeMismatch);
  auto basic_fields = p::as_list(*basic);
  if (!basic_fields || basic_fields->count < 3) return fail_with("malformed", kDarTypeMismatch);
  auto tsa_data = basic_fields->items.read_data();
  auto baud = basic_fields->items.read_data();
  auto protocol = basic_fields->items.read_data();
  auto number = serial->as_int();
  if (!tsa_data || !baud || !protocol || !number || tsa_data->type != p::DataType::Tsa) {
    return fail_with("malformed", kDarTypeMismatch);
  }
  if (*number < 1 || *number > 65535) return fail_with("serial", kDarOutOfRange);
  p::Reader tr(tsa_data->content());
  auto tsa = tr.read_tsa();
  if (!tsa) return fail_with("malformed", kDarTypeMismatch);
  // A meter address is 6 BCD bytes (DL/T 645, DL/T 698.45) or 7 (CJ/T 188); wildcards and the
  // broadcast address would make the concentrator read every meter as this one.
  auto address = tsa->address();
  if (!address || (address->size() != 6 && address->size() != 7) || address->is_wildcard() ||
      address->is_broadcast()) {
    return fail_with("address", kDarAddressAbnormal);
  }
  auto kind = protocol->as_int();
  if (!kind || *kind < 1 || *kind > 4) return fail_with("protocol", kDarOutOfRange);
  if (basic_fields->count >= 4) {
    auto port = basic_fields->items.read_data();
    if (!port || port->type != p::DataType::Oad) return fail_with("malformed", kDarTypeMismatch);
    p::Reader pr(port->content());
    auto oad = pr.read_oad();
    if (!oad) return fail_with("malformed", kDarTypeMismatch);
    // The ports this concentrator has: RS-485 (F201) and carrier / micro-power wireless (F209).
    if (oad->oi != 0xF201 && oad->oi != 0xF209) return fail_with("port", kDarOutOfRange);
  }
  ArchiveEntry e;
  e.serial = static_cast<std::uint16_t>(*number);
  e.address = *address;
  e.protocol = static_cast<ArchiveProtocol>(*kind);
  e.meter = c_.wired_meter(*address).value_or(kNoMeter);
  return e;
}

std::uint8_t Terminal698::add_entries(const p::ActionItem& item) {
  // All or nothing: every entry is checked, and the archive as it would be afterwards, before
  // anything is stored, so a refused batch leaves the archive exactly as it was and the station
  // can correct and resend the whole batch.
  auto list = p::as_list(item.data);
  if (!list) return refuse_input("malformed", kDarTypeMismatch);
  std::vector<ArchiveEntry> batch;
  batch.reserve(list->count);
  std::unordered_map<std::uint16_t, MeterAddress> after;  // serial -> address, once applied
  for (const auto& e : c_.archive()) after.emplace(e.serial, e.address);
  std::unordered_set<std::uint16_t> seen;
  for (std::size_t i = 0; i < list->count; ++i) {
    auto data = list->items.read_data();
    if (!data) return refuse_input("malformed", kDarTypeMismatch);
    std::uint8_t dar = kDarSuccess;
    auto e = parse_entry(*data, dar);
    if (!e) return dar;
    if (!seen.insert(e->serial).second) return refuse_input("duplicate", kDarOutOfRange);
    after[e->serial] = e->address;
    batch.push_back(*e);
  }
  if (after.size() > capacity_) return refuse_input("capacity", kDarOutOfRange);
  // One meter under two serials would be read twice and its data filed twice.
  std::unordered_set<MeterAddress> addresses;
  for (const auto& [serial, address] : after) {
    if (!addresses.insert(address).second) return refuse_input("duplicate", kDarOutOfRange);
  }
  for (const ArchiveEntry& e : batch) c_.upsert(e);
  return kDarSuccess;
}

std::uint8_t Terminal698::archive_action(const p::ActionItem& item) {
  switch (item.omd.method) {
    case 127:  // add or update: array of structure {serial, basic {TSA, baud, protocol, …}}
      return add_entries(item);
    case 128: {  // delete by serial
      auto serial = item.data.as_int();
      if (!serial) return refuse_input("malformed", kDarTypeMismatch);
      if (*serial < 1 || *serial > 65535) return refuse_input("serial", kDarOutOfRange);
      return c_.remove(static_cast<std::uint16_t>(*serial)) ? kDarSuccess : kDarObjectMissing;
    }
    case 129:  // clear
      c_.set_archive({});
      return kDarSuccess;
    default:
      return kDarObjectMissing;
  }
}

bool Terminal698::confidential(const p::Oad& oad) const {
  return oad.oi == 0x6000 || oad.oi == 0x6012;  // the archive and the collected records
}

std::uint8_t Terminal698::act(const p::ActionItem& item, UtcTime now) {
  if (item.omd.oi == 0x6000) return archive_action(item);
  return Dlt698Device::act(item, now);
}

Terminal698::Bytes Terminal698::on_proxy(const p::ProxyRequest& proxy, UtcTime now) {
  if (proxy.choice != p::ProxyChoice::TransCommand) return error_response(proxy.piid, 2);
  Bytes out;
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
