#include "sim/dlt698/device.hpp"

namespace omni::sim {
namespace {

namespace p = protocol::dlt698;

const TimeZone& beijing() { return TimeZone::shanghai(); }

void write_tail(p::Writer& w) {
  w.u8(0);  // FollowReport absent
  w.u8(0);  // TimeTag absent
}

}  // namespace

Dlt698Device::Bytes Dlt698Device::error_response(std::uint8_t piid, std::uint8_t error) {
  Bytes out;
  p::encode(p::ErrorResponse{piid, error}, out);
  return out;
}

std::vector<std::uint8_t> Dlt698Device::link_frame(p::LinkType type, UtcTime now,
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
  f.server_address = address_;
  f.apdu = apdu;
  Bytes out;
  (void)p::encode_frame(f, out);
  return out;
}

Dlt698Device::Bytes Dlt698Device::reply_frame(const p::Frame& request, const Bytes& apdu) {
  p::Frame f;
  f.control = {true, true, false, false, static_cast<std::uint8_t>(p::LinkFunction::UserData)};
  f.server_address = address_;
  f.client_address = request.client_address;
  std::vector<Bytes> frames;
  if (!p::encode_fragmented(f, apdu, kMaxApdu, frames) || frames.empty()) return {};
  pending_fragments_.assign(std::make_move_iterator(frames.begin() + 1),
                            std::make_move_iterator(frames.end()));
  awaiting_.reset();
  if (frames.size() > 1) {
    awaiting_ = frames.front();
    awaiting_number_ = 0;
  }
  return std::move(frames.front());
}

std::vector<std::vector<std::uint8_t>> Dlt698Device::handle(std::span<const std::uint8_t> bytes,
                                                            UtcTime now) {
  Bytes scratch(bytes.size());
  auto frame = p::decode_frame(bytes, scratch);
  if (frame && !frame->control.from_server && frame->control.fragmented &&
      frame->fragment.type == p::FragmentType::Confirm) {
    // Only the confirmation of the fragment in flight moves the transfer on: a repeated or
    // stale confirmation must not make a fragment be skipped.
    if (!awaiting_ || frame->fragment.number != awaiting_number_) return {};
    if (pending_fragments_.empty()) {
      awaiting_.reset();  // the last fragment is confirmed: the transfer is complete
      return {};
    }
    Bytes next = std::move(pending_fragments_.front());
    pending_fragments_.pop_front();
    awaiting_ = next;
    awaiting_number_ = static_cast<std::uint16_t>((awaiting_number_ + 1) & 0x0FFF);
    return {std::move(next)};
  }
  if (!frame || frame->control.from_server || frame->control.fragmented) {
    ++rejected_;  // damaged, not a station's frame, or a fragmented request: dropped
    return {};
  }
  // A new request ends any transfer the station abandoned (it timed out and asked again).
  pending_fragments_.clear();
  awaiting_.reset();
  bool for_me = frame->address_type != p::AddressType::Single || frame->server_address == address_;
  if (!for_me) return {};
  std::uint8_t piid = frame->apdu.size() > 2 ? frame->apdu[2] : 0;
  auto apdu = p::decode_apdu(frame->apdu);
  if (!apdu) {
    ++rejected_;
    return {reply_frame(*frame, error_response(piid, 1))};  // APDU undecodable
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
    reply = error_response(piid, 2);  // service not supported
  }
  if (frame->address_type == p::AddressType::Broadcast) return {};
  return {reply_frame(*frame, reply)};
}

bool Dlt698Device::write_object(p::Writer& w, const p::Oad& oad, UtcTime now) {
  switch (oad.value()) {
    case 0x40000200:  // date-time
      w.u8(1);
      w.data_date_time_s(p::DateTimeS::from_civil(beijing().to_local(clock(now))));
      return true;
    case 0x40010200:  // communication address
      w.u8(1);
      w.data_octets(p::DataType::OctetString, address_.bytes());
      return true;
    default:
      return false;
  }
}

void Dlt698Device::write_records(p::Writer& w, const p::GetRecord&, UtcTime) {
  w.u8(0);
  w.u8(kDarObjectMissing);
}

std::uint8_t Dlt698Device::act(const p::ActionItem& item, UtcTime now) {
  if (item.omd.oi != 0x4000 || item.omd.method != 127) return kDarObjectMissing;
  if (item.data.type != p::DataType::DateTimeS) return kDarTypeMismatch;
  p::Reader r(item.data.content());
  auto t = r.read_date_time_s();
  if (!t) return kDarTypeMismatch;
  auto civil = t->to_civil();
  if (!civil) return kDarOutOfRange;
  clock_offset_s_ = beijing().from_local(*civil).seconds - now.seconds;
  return kDarSuccess;
}

Dlt698Device::Bytes Dlt698Device::on_proxy(const p::ProxyRequest& proxy, UtcTime) {
  return error_response(proxy.piid, 2);
}

void Dlt698Device::write_normal(p::Writer& w, const p::Oad& oad, UtcTime now) {
  w.oad(oad);
  if (!write_object(w, oad, now)) {
    w.u8(0);
    w.u8(kDarObjectMissing);
  }
}

Dlt698Device::Bytes Dlt698Device::on_get(const p::GetRequest& get, UtcTime now) {
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
      w.oad(get.record.oad);
      w.rcsd(get.record.rcsd);
      write_records(w, get.record, now);
      break;
    default:
      return error_response(get.piid, 2);
  }
  write_tail(w);
  return out;
}

Dlt698Device::Bytes Dlt698Device::on_action(const p::ActionRequest& action, UtcTime now) {
  if (action.choice != p::ActionChoice::Normal) return error_response(action.piid, 2);
  Bytes out;
  p::Writer w(out);
  w.u8(0x87);
  w.u8(1);
  w.u8(action.piid);
  w.omd(action.item.omd);
  w.u8(act(action.item, now));
  w.u8(0);  // no return data
  write_tail(w);
  return out;
}

}  // namespace omni::sim
