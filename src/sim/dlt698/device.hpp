#pragma once
// What every simulated DL/T 698.45 server (a concentrator, an IoT meter) does the same way:
// LINK frames, decoding the station's frames, dispatching services, the reply frame, its clock,
// counting what it had to drop. Subclasses answer the objects, records, actions and proxy
// requests they have.
//
// Services the base answers itself: GET 40000200 (clock) and 40010200 (address), ACTION
// 4000 method 127 and SET-Normal 40000200 (set the clock). Unknown objects answer DAR 6; services
// nobody offers get an ERROR-Response (2, service not supported); a broadcast is acted on without a
// reply.
//
// A reply APDU longer than kMaxApdu goes out in link-layer fragments: the first at once, each
// next one when the station confirms the previous (C.D5 with a confirm-type fragment header).
//
// Secured sessions (docs/security.md, "Station-terminal sessions"), once enable_security() is
// called: a CONNECT-Request runs the ServerHandshake and is answered with its CONNECT-Response;
// the confirmation SECURITY-Request completes it (no reply); afterwards every request must be a
// SECURITY-Request the SecureChannel accepts, and every reply goes out wrapped. A plain request
// (in "required" mode always, otherwise once a session exists) is a Downgrade. A refused
// handshake gets the handshake's refusal CONNECT-Response; any other rejected frame is dropped
// without a reply. Both are counted in security_counters().
//
// Self-protection (SEC-10), once security is enabled:
//   - The crypto self-test (crypto/self_test.hpp) runs in enable_security() and on demand
//     (run_self_test()). While it is failing the device starts no session (a CONNECT-Request is
//     dropped and counted as "refused:self_test"), ends the one it had, logs an error and counts
//     an alarm in security_counters().
//   - Writes (every ACTION, every SET: the clock, the archive, parameters) are carried out only
//     for requests that arrived inside the authenticated session; a plain one gets DAR 3
//     (read/write denied) and is counted in unauthorised_writes. Reading an object the subclass
//     calls confidential() (a concentrator's archive and stored records) likewise needs the
//     session (unauthorised_reads). In "required" mode plain requests never get this far (they
//     are Downgrades); the check matters when required is false and is a second line anyway.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/meter_address.hpp"
#include "core/time.hpp"
#include "crypto/session/channel.hpp"
#include "crypto/session/handshake.hpp"
#include "crypto/session/identity.hpp"
#include "protocol/dlt698/apdu.hpp"
#include "protocol/dlt698/frame.hpp"

namespace omni::sim {

inline constexpr std::uint8_t kDarSuccess = 0;
inline constexpr std::uint8_t kDarRefused = 3;  // read/write denied (拒绝读写)
inline constexpr std::uint8_t kDarObjectMissing = 6;
inline constexpr std::uint8_t kDarTypeMismatch = 7;
inline constexpr std::uint8_t kDarOutOfRange = 8;
inline constexpr std::uint8_t kDarAddressAbnormal = 27;
inline constexpr std::uint8_t kDarTimeout = 33;

struct DeviceSecurity {
  crypto::session::LocalIdentity identity;  // this device's address and key
  // The stations it accepts (shared: many devices of one field use one registry).
  std::shared_ptr<const crypto::session::Registry> registry;
  bool required = true;  // false: plain requests are served until a session exists
  crypto::session::HandshakeOptions handshake;
  crypto::session::ChannelOptions channel;
  // Test hook: replaces crypto::self_test() for this device (inject a failure), when set.
  std::function<Status()> self_test{};
};

// What the device refused, by name ("forged", "replayed", … from the channel; "refused:<reason>"
// for handshakes), and how many sessions it completed.
struct DeviceSecurityCounters {
  std::uint64_t sessions = 0;
  std::uint64_t gaps = 0;
  std::map<std::string, std::uint64_t> rejected;
  // SEC-10: requests refused for want of a session, and self-test results. `alarms` counts the
  // events a station should raise (a failed self-test); last_alarm says what failed.
  std::uint64_t unauthorised_writes = 0;
  std::uint64_t unauthorised_reads = 0;
  // Authorised writes whose content was refused (SEC-10 input checks), by reason.
  std::map<std::string, std::uint64_t> refused_inputs;
  std::uint64_t self_tests = 0;
  std::uint64_t alarms = 0;
  std::string last_alarm;
  std::uint64_t total_rejected() const {
    std::uint64_t n = 0;
    for (const auto& [k, v] : rejected) n += v;
    return n;
  }
};

class Dlt698Device {
 public:
  // APDU bytes per frame before fragmenting (frames of about 2 KiB, as terminals negotiate).
  static constexpr std::size_t kMaxApdu = 2000;

  explicit Dlt698Device(MeterAddress address) : address_(address) {}
  virtual ~Dlt698Device() = default;

  // A LINK-Request frame (login, heartbeat, logout) at true time `now`.
  std::vector<std::uint8_t> link_frame(protocol::dlt698::LinkType type, UtcTime now,
                                       std::uint16_t heartbeat_s);
  // One frame from the station; the reply frames (none for a LINK-Response, a broadcast or a
  // damaged frame, which is counted).
  std::vector<std::vector<std::uint8_t>> handle(std::span<const std::uint8_t> frame, UtcTime now);

  const MeterAddress& address() const { return address_; }
  UtcTime clock(UtcTime now) const { return {now.seconds + clock_offset_s_}; }
  // A device's clock is as wrong as this until someone sets it (field terminals drift; the
  // station's clock service corrects them).
  void set_clock_offset(std::int64_t seconds) { clock_offset_s_ = seconds; }
  bool logged_in() const { return logged_in_; }
  std::uint64_t rejected_frames() const { return rejected_; }
  // The fragment waiting for the station's confirmation, to send again when none comes (a
  // fragment or its confirmation lost on the line).
  const std::optional<std::vector<std::uint8_t>>& unconfirmed() const { return awaiting_; }

  // Turns secured sessions on (see the top of this file). Call before the first frame.
  void enable_security(DeviceSecurity security);
  bool secured() const { return channel_ != nullptr; }
  const DeviceSecurityCounters& security_counters() const { return security_counters_; }
  // Runs the crypto self-test now (or the DeviceSecurity hook). On failure: alarm, log line,
  // the session (if any) is ended and none starts until a later run passes. Errors: the
  // self-test's error; Unsupported when security is not enabled.
  Status run_self_test();
  bool self_test_ok() const { return self_test_ok_; }

 protected:
  using Bytes = std::vector<std::uint8_t>;
  // Writes `01 Data` for an object this device has and returns true; false for unknown ones.
  virtual bool write_object(protocol::dlt698::Writer& w, const protocol::dlt698::Oad& oad,
                            UtcTime now);
  // Writes the rest of a ResultRecord after OAD and RCSD: `01 rows…` or `00 DAR`.
  virtual void write_records(protocol::dlt698::Writer& w, const protocol::dlt698::GetRecord& rec,
                             UtcTime now);
  // The DAR of one ACTION; the base sets the clock (4000/127). Called only for authorised
  // requests (see the top of this file).
  virtual std::uint8_t act(const protocol::dlt698::ActionItem& item, UtcTime now);
  // The DAR of one SET; the base sets the clock (40000200). Authorised requests only.
  virtual std::uint8_t set(const protocol::dlt698::SetItem& item, UtcTime now);
  // Whether reading `oad` needs the authenticated session once security is on (stored data
  // the device keeps confidential). The base has none.
  virtual bool confidential(const protocol::dlt698::Oad& oad) const;
  // The whole PROXY-Response APDU; the base refuses the service.
  virtual Bytes on_proxy(const protocol::dlt698::ProxyRequest& proxy, UtcTime now);

  static Bytes error_response(std::uint8_t piid, std::uint8_t error);
  // Counts a write refused for its content ("address", "duplicate", …) and returns `dar`.
  std::uint8_t refuse_input(const std::string& reason, std::uint8_t dar);

 private:
  // The reply to `request`: one frame, or the first fragment with the rest queued.
  Bytes reply_frame(const protocol::dlt698::Frame& request, const Bytes& apdu);
  // The reply APDU to a plain request APDU; empty for none (LINK-Response).
  Bytes dispatch(std::span<const std::uint8_t> apdu, UtcTime now);
  // The security layer in front of dispatch(): handshake, unwrap, wrap. nullopt: no reply.
  std::optional<Bytes> secured_dispatch(std::span<const std::uint8_t> apdu, UtcTime now);
  void count_rejection(const std::string& what);
  Bytes on_get(const protocol::dlt698::GetRequest& get, UtcTime now);
  Bytes on_action(const protocol::dlt698::ActionRequest& action, UtcTime now);
  Bytes on_set(const protocol::dlt698::SetRequest& set, UtcTime now);
  // False (and counted) when security is on and the request being served came in plain.
  bool write_allowed();
  bool read_allowed(const protocol::dlt698::Oad& oad);
  std::uint8_t set_clock(const protocol::dlt698::DataView& data, UtcTime now);
  void write_normal(protocol::dlt698::Writer& w, const protocol::dlt698::Oad& oad, UtcTime now);

  MeterAddress address_;
  std::int64_t clock_offset_s_ = 0;
  bool logged_in_ = false;
  std::uint8_t link_sequence_ = 0;
  std::uint64_t rejected_ = 0;
  std::deque<Bytes> pending_fragments_;
  std::optional<Bytes> awaiting_;  // the fragment sent and not yet confirmed
  std::uint16_t awaiting_number_ = 0;

  std::unique_ptr<DeviceSecurity> security_;
  crypto::session::NonceCache nonces_;
  std::unique_ptr<crypto::session::ServerHandshake> handshake_;  // awaiting the confirmation
  std::unique_ptr<crypto::session::SecureChannel> channel_;
  DeviceSecurityCounters security_counters_;
  bool self_test_ok_ = true;
  bool in_session_ = false;  // the request being dispatched came through the secure channel
};

}  // namespace omni::sim
