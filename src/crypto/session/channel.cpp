#include "crypto/session/channel.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "crypto/session/wire.hpp"
#include "crypto/sm4.hpp"
#include "protocol/dlt698/apdu.hpp"

namespace omni::crypto::session {

namespace dlt = protocol::dlt698;

namespace {

constexpr std::uint8_t kToServer = 0;  // direction byte: station -> terminal
constexpr std::uint8_t kToClient = 1;  // terminal -> station
constexpr std::uint8_t kRequestTag = static_cast<std::uint8_t>(dlt::ApduTag::SecurityRequest);
constexpr std::uint8_t kResponseTag = static_cast<std::uint8_t>(dlt::ApduTag::SecurityResponse);
constexpr std::uint8_t kCipher = 1;
constexpr std::size_t kHeaderSize = 4 + wire::kTimeSize;  // seq + send time, in the response
constexpr std::uint64_t kLastSequence = 0xFFFFFFFFu;

struct KindName {
  RejectKind kind;
  std::string_view name;
};
constexpr std::array<KindName, 7> kKindNames = {{
    {RejectKind::Malformed, "malformed"},
    {RejectKind::Downgrade, "downgrade"},
    {RejectKind::SessionExpired, "session_expired"},
    {RejectKind::Forged, "forged"},
    {RejectKind::Replayed, "replayed"},
    {RejectKind::Delayed, "delayed"},
    {RejectKind::SequenceExhausted, "sequence_exhausted"},
}};

void put_u32(std::uint8_t* out, std::uint32_t v) {
  out[0] = static_cast<std::uint8_t>(v >> 24);
  out[1] = static_cast<std::uint8_t>(v >> 16);
  out[2] = static_cast<std::uint8_t>(v >> 8);
  out[3] = static_cast<std::uint8_t>(v);
}

std::uint32_t get_u32(ByteView in) {
  return (std::uint32_t{in[0]} << 24) | (std::uint32_t{in[1]} << 16) | (std::uint32_t{in[2]} << 8) |
         std::uint32_t{in[3]};
}

// IV = dir || 0 0 0 || seq || 0 (8): unique per (key, seq) since each direction has its own key
// and a sequence number is used once; the low 8 bytes leave room for 2^64 counter blocks.
Sm4Block make_iv(std::uint8_t dir, std::uint32_t seq) {
  Sm4Block iv{};
  iv[0] = dir;
  put_u32(iv.data() + 4, seq);
  return iv;
}

// AD = APDU tag || dir || seq || T: binds the frame kind, direction, number and send time.
std::array<std::uint8_t, 6 + wire::kTimeSize> make_ad(std::uint8_t tag, std::uint8_t dir,
                                                      std::uint32_t seq, ByteView time) {
  std::array<std::uint8_t, 6 + wire::kTimeSize> ad{};
  ad[0] = tag;
  ad[1] = dir;
  put_u32(ad.data() + 2, seq);
  std::copy(time.begin(), time.end(), ad.begin() + 6);
  return ad;
}

// The fields of a received frame, before anything is trusted.
struct Parsed {
  std::uint32_t seq = 0;
  ByteView time;
  ByteView cipher;
  ByteView tag;
};

}  // namespace

std::string_view reject_kind_name(RejectKind kind) {
  for (const auto& k : kKindNames) {
    if (k.kind == kind) return k.name;
  }
  return "unknown";
}

std::string Rejection::to_string() const {
  return std::string(reject_kind_name(kind)) + ": " + detail;
}

SecureChannel::SecureChannel(ChannelRole role, SessionKeys keys, ChannelOptions options)
    : role_(role),
      keys_(std::move(keys)),
      options_(options),
      next_send_(std::max<std::uint32_t>(options.first_sequence, 1)),
      last_received_(std::max<std::uint32_t>(options.first_sequence, 1) - 1) {}

tl::unexpected<Rejection> SecureChannel::reject(RejectKind kind, std::string detail) {
  switch (kind) {
    case RejectKind::Malformed:
      ++counters_.malformed;
      break;
    case RejectKind::Downgrade:
      ++counters_.downgraded;
      break;
    case RejectKind::SessionExpired:
      ++counters_.expired;
      break;
    case RejectKind::Forged:
      ++counters_.forged;
      break;
    case RejectKind::Replayed:
      ++counters_.replayed;
      break;
    case RejectKind::Delayed:
      ++counters_.delayed;
      break;
    case RejectKind::SequenceExhausted:
      break;  // a local condition, not an attack
  }
  return tl::unexpected<Rejection>(Rejection{kind, std::move(detail)});
}

bool SecureChannel::needs_rekey(UtcTime now) const {
  const std::uint64_t apdus = counters_.sent + counters_.accepted;
  return apdus >= options_.rekey_after_apdus || now - keys_.established >= options_.rekey_after_s ||
         next_send_ > (kLastSequence >> 1) || last_received_ > (kLastSequence >> 1);
}

bool SecureChannel::expired(UtcTime now) const {
  const std::uint64_t apdus = counters_.sent + counters_.accepted;
  return apdus >= options_.rekey_after_apdus + options_.grace_apdus ||
         now - keys_.established >= options_.rekey_after_s + options_.grace_s;
}

tl::expected<Bytes, Rejection> SecureChannel::wrap(ByteView apdu, UtcTime now) {
  if (expired(now)) return reject(RejectKind::SessionExpired, "session past its re-key limit");
  if (next_send_ > kLastSequence) {
    // Wrapping to 0 would reuse IVs under the same key and look like replays to the peer.
    return reject(RejectKind::SequenceExhausted, "32-bit sequence space used up: re-key");
  }
  const auto seq = static_cast<std::uint32_t>(next_send_++);
  const bool client = role_ == ChannelRole::Client;
  const std::uint8_t dir = client ? kToServer : kToClient;
  const std::uint8_t tag = client ? kRequestTag : kResponseTag;
  const SealKey& key = client ? keys_.client_to_server : keys_.server_to_client;

  Bytes time;
  wire::Writer tw(time);
  wire::write_time(tw, now);
  const auto ad = make_ad(tag, dir, seq, time);
  const Bytes box = seal_with_iv(key, make_iv(dir, seq), ad, apdu);
  const ByteView all(box);
  const ByteView cipher = all.subspan(kSealIvSize, apdu.size());
  const ByteView mac = all.subspan(kSealIvSize + apdu.size(), kSealTagSize);

  Bytes out;
  out.reserve(apdu.size() + 48);
  if (client) {
    dlt::SecurityRequest req;
    req.data_choice = kCipher;
    req.data = cipher;
    req.verify_choice = 0;  // SID_MAC
    req.sid_mac.sid.id = seq;
    req.sid_mac.sid.additional = time;
    req.sid_mac.mac = mac;
    dlt::encode(req, out);
  } else {
    Bytes data(kHeaderSize);
    put_u32(data.data(), seq);
    std::copy(time.begin(), time.end(), data.begin() + 4);
    data.insert(data.end(), cipher.begin(), cipher.end());
    dlt::SecurityResponse rsp;
    rsp.data_choice = kCipher;
    rsp.data = data;
    rsp.has_mac = true;
    rsp.mac = mac;
    dlt::encode(rsp, out);
  }
  ++counters_.sent;
  return out;
}

tl::expected<Unwrapped, Rejection> SecureChannel::unwrap(ByteView frame, UtcTime now) {
  const bool client = role_ == ChannelRole::Client;
  const std::uint8_t expected_tag = client ? kResponseTag : kRequestTag;
  const std::uint8_t dir = client ? kToClient : kToServer;
  if (frame.empty()) return reject(RejectKind::Malformed, "empty frame");
  if (frame[0] != expected_tag) {
    if (frame[0] == kRequestTag || frame[0] == kResponseTag) {
      return reject(RejectKind::Forged, "SECURITY APDU of the wrong direction (reflected?)");
    }
    return reject(RejectKind::Downgrade, "plain " + std::string(dlt::apdu_name(frame[0])) +
                                             " where a ciphered APDU is required");
  }

  Parsed p;
  if (client) {
    auto rsp = dlt::decode_security_response(frame);
    if (!rsp) return reject(RejectKind::Malformed, rsp.error().to_string());
    if (rsp->data_choice != kCipher || !rsp->has_mac) {
      return reject(RejectKind::Downgrade, rsp->data_choice == 2
                                               ? "unauthenticated DAR in place of data"
                                               : "SECURITY-Response without cipher and MAC");
    }
    if (rsp->data.size() < kHeaderSize || rsp->mac.size() != kSealTagSize) {
      return reject(RejectKind::Malformed, "SECURITY-Response header or MAC size");
    }
    p = {get_u32(rsp->data), rsp->data.subspan(4, wire::kTimeSize), rsp->data.subspan(kHeaderSize),
         rsp->mac};
  } else {
    auto req = dlt::decode_security_request(frame);
    if (!req) return reject(RejectKind::Malformed, req.error().to_string());
    if (req->data_choice != kCipher || req->verify_choice != 0) {
      return reject(RejectKind::Downgrade, "SECURITY-Request without cipher and SID_MAC");
    }
    if (req->sid_mac.sid.additional.size() != wire::kTimeSize ||
        req->sid_mac.mac.size() != kSealTagSize) {
      return reject(RejectKind::Malformed, "SECURITY-Request SID or MAC size");
    }
    p = {req->sid_mac.sid.id, req->sid_mac.sid.additional, req->data, req->sid_mac.mac};
  }

  if (expired(now)) return reject(RejectKind::SessionExpired, "session past its re-key limit");

  // Authenticate before looking at sequence or time, so forged values never steer the state.
  const Sm4Block iv = make_iv(dir, p.seq);
  Bytes box;
  box.reserve(kSealOverhead + p.cipher.size());
  box.insert(box.end(), iv.begin(), iv.end());
  box.insert(box.end(), p.cipher.begin(), p.cipher.end());
  box.insert(box.end(), p.tag.begin(), p.tag.end());
  const SealKey& key = client ? keys_.server_to_client : keys_.client_to_server;
  auto plain = open(key, make_ad(expected_tag, dir, p.seq, p.time), box);
  if (!plain) return reject(RejectKind::Forged, "MAC does not verify");

  if (p.seq <= last_received_) {
    return reject(RejectKind::Replayed, "sequence " + std::to_string(p.seq) +
                                            " not above last accepted " +
                                            std::to_string(last_received_));
  }
  wire::Reader tr(p.time);
  auto sent = wire::read_time(tr);
  if (!sent) return reject(RejectKind::Malformed, "send time: " + sent.error().to_string());
  const std::int64_t age = now - *sent;
  if (age > options_.max_delay_s || -age > options_.max_delay_s) {
    return reject(RejectKind::Delayed, "sent " + std::to_string(age) + " s ago, window " +
                                           std::to_string(options_.max_delay_s) + " s");
  }

  Unwrapped out{std::move(*plain), p.seq, *sent, p.seq - last_received_ - 1};
  if (out.missing > 0) {
    ++counters_.gaps;
    counters_.missing += out.missing;
  }
  last_received_ = p.seq;
  ++counters_.accepted;
  return out;
}

}  // namespace omni::crypto::session
