#pragma once
// The record layer of a station <-> terminal association: every APDU after the handshake
// travels as SM4-CTR ciphertext with an HMAC-SM3 tag (seal_with_iv, encrypt-then-MAC) inside a
// DL/T 698.45 SECURITY-Request (station -> terminal) or SECURITY-Response (terminal -> station),
// with a per-direction 32-bit sequence number and the send time under the MAC.
//
//   SecureChannel station(ChannelRole::Client, keys);      // keys from ClientHandshake
//   SecureChannel terminal(ChannelRole::Server, keys);     // keys from ServerHandshake
//   Bytes frame = *station.wrap(get_request, now);
//   auto in = terminal.unwrap(frame, now);                 // Unwrapped or a typed Rejection
//
// Wire layout (docs/security.md, "Station-terminal sessions"):
//   request : 10 | 01 (cipher) C | 00 SID_MAC { SID { seq u32, additional = T (7) }, MAC tag }
//   response: 90 | 01 (cipher) (seq u32 || T (7) || C) | 01 00 MAC tag
//   T   = send time, date_time_s in UTC
//   IV  = dir || 00 00 00 || seq u32 || 00 * 8           (dir 0 = to terminal, 1 = to station)
//   AD  = APDU tag || dir || seq u32 || T                (what the MAC covers besides IV and C)
//   tag = HMAC-SM3(K_mac[dir], u64(len AD) || AD || IV || C), 16 bytes; C = SM4-CTR(K_enc[dir])
//
// What unwrap() refuses, in the order it checks (a rejected frame never changes the state):
//   Malformed          not decodable as the expected SECURITY APDU
//   Downgrade          a plain APDU, a plain SECURITY APDU, or one without MAC / with a DAR
//   SessionExpired     the session passed its re-key limit plus the grace margin
//   Forged             the tag does not verify: inserted, forged, altered (bit flip), a frame
//                      of another session or key, or our own frame reflected back
//   Replayed           authentic, but its sequence number is not above the last accepted
//   Delayed            authentic and new, but sent more than max_delay_s before now (or that
//                      far in the future)
// A sequence number more than one above the last accepted is accepted and reported in
// Unwrapped::missing (frames deleted or lost in between); the caller re-requests the data.
//
// Not thread-safe: one object per association and role.

#include <cstdint>
#include <string>
#include <string_view>
#include <tl/expected.hpp>

#include "core/time.hpp"
#include "crypto/bytes.hpp"
#include "crypto/session/handshake.hpp"

namespace omni::crypto::session {

enum class ChannelRole : std::uint8_t {
  Client,  // station: wraps SECURITY-Request, unwraps SECURITY-Response
  Server,  // terminal: wraps SECURITY-Response, unwraps SECURITY-Request
};

enum class RejectKind : std::uint8_t {
  Malformed,
  Downgrade,
  SessionExpired,
  Forged,
  Replayed,
  Delayed,
  SequenceExhausted,  // wrap(): the 32-bit sequence space is used up (re-key first)
};

std::string_view reject_kind_name(RejectKind kind);  // "replayed", …

struct Rejection {
  RejectKind kind = RejectKind::Malformed;
  std::string detail;
  std::string to_string() const;
};

struct ChannelOptions {
  // Send time window: frames older (or newer) than this are Delayed. DL/T 698.45 TimeTag
  // semantics with a fixed allowed delay.
  std::int64_t max_delay_s = 60;
  // Soft limits: needs_rekey() turns true; the caller runs a new handshake.
  std::uint64_t rekey_after_apdus = std::uint64_t{1} << 20;  // sent + accepted, both directions
  std::int64_t rekey_after_s = 24 * 3600;
  // Hard limits = soft + grace: wrap/unwrap refuse with SessionExpired, so a caller that ignores
  // needs_rekey() cannot keep a key forever, while in-flight exchanges still complete.
  std::uint64_t grace_apdus = 256;
  std::int64_t grace_s = 300;
  // First sequence number of each direction (both ends must agree). Always 1 in service; other
  // values exist so tests can reach the end of the 32-bit space.
  std::uint32_t first_sequence = 1;
};

// Per-kind counts (metrics export them later).
struct ChannelCounters {
  std::uint64_t sent = 0;
  std::uint64_t accepted = 0;
  std::uint64_t malformed = 0;
  std::uint64_t downgraded = 0;
  std::uint64_t expired = 0;
  std::uint64_t forged = 0;
  std::uint64_t replayed = 0;
  std::uint64_t delayed = 0;
  std::uint64_t gaps = 0;     // accepted frames that revealed a gap
  std::uint64_t missing = 0;  // sequence numbers skipped in total
  std::uint64_t rejected() const {
    return malformed + downgraded + expired + forged + replayed + delayed;
  }
};

struct Unwrapped {
  Bytes apdu;  // the inner APDU, for the DL/T 698.45 decoders
  std::uint32_t sequence = 0;
  UtcTime sent_at;
  std::uint32_t missing = 0;  // sequence numbers skipped just before this frame
};

class SecureChannel {
 public:
  SecureChannel(ChannelRole role, SessionKeys keys, ChannelOptions options = {});

  // Errors: SessionExpired (past the hard limit), SequenceExhausted.
  tl::expected<Bytes, Rejection> wrap(ByteView apdu, UtcTime now);
  tl::expected<Unwrapped, Rejection> unwrap(ByteView frame, UtcTime now);

  // True once a soft limit is reached or half the sequence space is used: start a handshake.
  bool needs_rekey(UtcTime now) const;
  bool expired(UtcTime now) const;

  ChannelRole role() const { return role_; }
  const SessionKeys& keys() const { return keys_; }
  const ChannelCounters& counters() const { return counters_; }
  std::uint64_t next_send_sequence() const { return next_send_; }
  std::uint32_t last_received_sequence() const { return last_received_; }

 private:
  tl::unexpected<Rejection> reject(RejectKind kind, std::string detail);

  ChannelRole role_;
  SessionKeys keys_;
  ChannelOptions options_;
  std::uint64_t next_send_;      // u64 so that exhaustion is visible as > 0xFFFFFFFF
  std::uint32_t last_received_;  // 0 .. first_sequence - 1 before the first frame
  ChannelCounters counters_;
};

}  // namespace omni::crypto::session
