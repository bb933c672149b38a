#include "sim/dlt698/device.hpp"

#include <fmt/format.h>

#include "core/log.hpp"
#include "crypto/self_test.hpp"

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
  bool broadcast = frame->address_type == p::AddressType::Broadcast;
  if (security_) {
    auto reply = secured_dispatch(frame->apdu, now);
    if (!reply || broadcast) return {};
    return {reply_frame(*frame, *reply)};
  }
  Bytes reply = dispatch(frame->apdu, now);
  if (reply.empty() || broadcast) return {};
  return {reply_frame(*frame, reply)};
}

Dlt698Device::Bytes Dlt698Device::dispatch(std::span<const std::uint8_t> bytes, UtcTime now) {
  std::uint8_t piid = bytes.size() > 2 ? bytes[2] : 0;
  auto apdu = p::decode_apdu(bytes);
  if (!apdu) {
    ++rejected_;
    return error_response(piid, 1);  // APDU undecodable
  }
  if (const auto* link = std::get_if<p::LinkResponse>(&*apdu)) {
    logged_in_ = (link->result & 0x07) == 0;
    return {};
  }
  if (const auto* get = std::get_if<p::GetRequest>(&*apdu)) return on_get(*get, now);
  if (const auto* action = std::get_if<p::ActionRequest>(&*apdu)) return on_action(*action, now);
  if (const auto* set = std::get_if<p::SetRequest>(&*apdu)) return on_set(*set, now);
  if (const auto* proxy = std::get_if<p::ProxyRequest>(&*apdu)) return on_proxy(*proxy, now);
  return error_response(piid, 2);  // service not supported
}

void Dlt698Device::enable_security(DeviceSecurity security) {
  nonces_ = crypto::session::NonceCache(security.handshake.max_clock_skew_s);
  security_ = std::make_unique<DeviceSecurity>(std::move(security));
  (void)run_self_test();  // a failure is kept in the state and the alarm, not returned
}

Status Dlt698Device::run_self_test() {
  if (!security_) return fail(ErrorCode::Unsupported, "security is not enabled");
  ++security_counters_.self_tests;
  Status st = security_->self_test ? security_->self_test() : crypto::self_test();
  self_test_ok_ = st.has_value();
  if (!st) {
    ++security_counters_.alarms;
    security_counters_.last_alarm = st.error().detail;
    // A device whose cryptography is broken must not go on protecting data with it.
    handshake_.reset();
    channel_.reset();
    log::get("sim")->error("device {}: security self-test failed, sessions refused: {}",
                           address_.to_string(), st.error().to_string());
  }
  return st;
}

bool Dlt698Device::write_allowed() {
  if (!security_ || in_session_) return true;
  ++security_counters_.unauthorised_writes;
  return false;
}

bool Dlt698Device::read_allowed(const p::Oad& oad) {
  if (!security_ || in_session_ || !confidential(oad)) return true;
  ++security_counters_.unauthorised_reads;
  return false;
}

bool Dlt698Device::confidential(const p::Oad&) const { return false; }

std::uint8_t Dlt698Device::refuse_input(const std::string& reason, std::uint8_t dar) {
  ++security_counters_.refused_inputs[reason];
  return dar;
}

void Dlt698Device::count_rejection(const std::string& what) { ++security_counters_.rejected[what]; }

std::optional<Dlt698Device::Bytes> Dlt698Device::secured_dispatch(
    std::span<const std::uint8_t> apdu, UtcTime now) {
  namespace cs = crypto::session;
  // Time stamps and windows are judged by the device's own clock, as a terminal would.
  UtcTime t = clock(now);
  std::uint8_t tag = apdu.empty() ? 0 : apdu[0];
  if (tag == 0x81) {  // LINK-Response: link management, outside the security layer
    (void)dispatch(apdu, now);
    return std::nullopt;
  }
  if (tag == 0x02 && !self_test_ok_) {
    count_rejection("refused:self_test");  // the alarm was raised when the self-test failed
    return std::nullopt;
  }
  if (tag == 0x02) {  // CONNECT-Request: a new session (or a re-key of the current one)
    handshake_ = std::make_unique<cs::ServerHandshake>(security_->identity, *security_->registry,
                                                       security_->handshake, &nonces_);
    auto response = handshake_->respond(apdu, t);
    if (response) return std::move(*response);
    count_rejection(fmt::format("refused:{}", cs::refusal_reason_name(response.error().reason)));
    Bytes refusal = handshake_->refusal_response();  // the station learns the result code only
    handshake_.reset();
    return refusal;
  }
  if (tag == 0x10 && handshake_) {
    auto keys = handshake_->confirm(apdu, t);
    if (keys) {
      channel_ =
          std::make_unique<cs::SecureChannel>(cs::ChannelRole::Server, *keys, security_->channel);
      handshake_.reset();
      ++security_counters_.sessions;
      return std::nullopt;
    }
    // Not a confirmation at all while a session runs: a data frame, for the channel below.
    if (keys.error().reason != cs::RefusalReason::Malformed || !channel_) {
      count_rejection(fmt::format("refused:{}", cs::refusal_reason_name(keys.error().reason)));
      handshake_.reset();
      return std::nullopt;
    }
  }
  if (!channel_) {
    if (tag == 0x10 || security_->required) {
      // Data before any session: nothing can be authenticated yet.
      count_rejection(tag == 0x10 ? "no_session" : "downgrade");
      return std::nullopt;
    }
    Bytes reply = dispatch(apdu, now);
    if (reply.empty()) return std::nullopt;
    return reply;
  }
  auto in = channel_->unwrap(apdu, t);
  if (!in) {
    count_rejection(std::string(cs::reject_kind_name(in.error().kind)));
    return std::nullopt;
  }
  if (in->missing > 0) ++security_counters_.gaps;
  in_session_ = true;
  Bytes reply = dispatch(in->apdu, now);
  in_session_ = false;
  if (reply.empty()) return std::nullopt;
  auto out = channel_->wrap(reply, t);
  if (!out) {
    count_rejection(std::string(cs::reject_kind_name(out.error().kind)));
    return std::nullopt;
  }
  return std::move(*out);
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
  return set_clock(item.data, now);
}

std::uint8_t Dlt698Device::set(const p::SetItem& item, UtcTime now) {
  if (item.oad.value() != 0x40000200) return kDarObjectMissing;
  return set_clock(item.data, now);
}

std::uint8_t Dlt698Device::set_clock(const p::DataView& data, UtcTime now) {
  if (data.type != p::DataType::DateTimeS) return kDarTypeMismatch;
  p::Reader r(data.content());
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
  if (!read_allowed(oad)) {
    w.u8(0);
    w.u8(kDarRefused);
  } else if (!write_object(w, oad, now)) {
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
      if (read_allowed(get.record.oad)) {
        write_records(w, get.record, now);
      } else {
        w.u8(0);
        w.u8(kDarRefused);
      }
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
  w.u8(write_allowed() ? act(action.item, now) : kDarRefused);
  w.u8(0);  // no return data
  write_tail(w);
  return out;
}

Dlt698Device::Bytes Dlt698Device::on_set(const p::SetRequest& request, UtcTime now) {
  if (request.choice != p::SetChoice::Normal) return error_response(request.piid, 2);
  p::SetResponse r;
  r.choice = p::SetChoice::Normal;
  r.piid_acd = request.piid;
  r.item.oad = request.item.oad;
  r.item.dar = write_allowed() ? set(request.item, now) : kDarRefused;
  Bytes out;
  p::encode(r, out);
  return out;
}

}  // namespace omni::sim
