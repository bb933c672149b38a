#pragma once
// Two-way authentication and session-key agreement between the station (DL/T 698.45 client)
// and a terminal (server), carried in the application-connection APDUs. docs/security.md,
// "Station-terminal sessions", has the message sequence; in short:
//
//   station (client, KE initiator A)                   terminal (server, KE responder B)
//   ClientHandshake::start -> CONNECT-Request,
//     mechanism [3] SignatureSecurity { M1, sig_A(M1) } ------>  ServerHandshake::respond
//                                                              checks registry, sig_A, time,
//                                                              nonce; KE B1-B8
//   ClientHandshake::finish  <------  CONNECT-Response, SecurityData { M2, sig_B(M1 || M2) }
//     checks sig_B, S_B (A9); KE A10
//   confirmation: SECURITY-Request { plain S_A, SID 0 } -----> ServerHandshake::confirm (B10)
//   SessionKeys (both sides)                                   SessionKeys
//
//   M1 = ver(1) || client address || server address || R_A(65) || N_A(16) || T_A(date_time_s)
//   M2 = ver(1) || server address || R_B(65) || N_B(16) || S_B(32) || T_B(date_time_s)
//   K  = GB/T 32918.3 shared key, 32 bytes; key block = SM3-KDF(K || N_A || N_B, 64 bytes)
//      = enc c->s | mac c->s | enc s->c | mac s->c (16 bytes each)
//
// Every refusal happens before a SessionKeys exists, so no data APDU can be accepted from a
// device that failed any step. Objects are single-use and not thread-safe.

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>

#include "core/meter_address.hpp"
#include "core/time.hpp"
#include "crypto/bytes.hpp"
#include "crypto/session/identity.hpp"
#include "crypto/sm2.hpp"
#include "crypto/sm2_key_exchange.hpp"
#include "crypto/sm4.hpp"

namespace omni::crypto::session {

inline constexpr std::uint8_t kHandshakeVersion = 1;
inline constexpr std::size_t kNonceSize = 16;
// ConnectMechanismInfo choice used: [3] SignatureSecurity (the symmetric choice [2] presumes
// pre-shared ESAM keys, which this design replaces with SM2 identities).
inline constexpr std::uint8_t kConnectMechanism = 3;

// This side: its address and its SM2 key pair (the one its certificate names).
struct LocalIdentity {
  MeterAddress address;
  Sm2KeyPair key;
};

// The result of a handshake, input of SecureChannel.
struct SessionKeys {
  SealKey client_to_server;                  // station -> terminal: SM4 enc key + HMAC-SM3 key
  SealKey server_to_client;                  // terminal -> station
  std::array<std::uint8_t, 8> session_id{};  // SM3(M1 || M2), first 8 bytes: for logs only
  MeterAddress client;
  MeterAddress server;
  UtcTime established;
};

struct HandshakeOptions {
  // How far T_A / T_B may differ from the receiver's clock, and how long a nonce is remembered.
  std::int64_t max_clock_skew_s = 300;
  // How long the server waits for the confirmation after sending its response.
  std::int64_t confirmation_timeout_s = 60;
  // Proposed in CONNECT (the server echoes them).
  std::uint16_t max_apdu = 2048;
  std::uint32_t session_timeout_s = 86400;  // DL/T 698.45 "session time threshold"
};

// Client nonces N_A seen within the skew window: a replayed CONNECT-Request is refused before
// any EC work. One per terminal, shared by its successive ServerHandshakes.
class NonceCache {
 public:
  explicit NonceCache(std::int64_t window_s = 300) : window_s_(window_s) {}
  // False when the nonce was seen inside the window (then it is not re-inserted).
  bool insert(ByteView nonce, UtcTime now);
  std::size_t size() const { return seen_.size(); }

 private:
  using Nonce = std::array<std::uint8_t, kNonceSize>;
  std::int64_t window_s_;
  std::deque<std::pair<UtcTime, Nonce>> order_;
  std::set<Nonce> seen_;
};

class ClientHandshake {
 public:
  // Checks the server's identity in the registry (refusals: UnknownDevice, Revoked,
  // NotYetValid, Expired, BadCertificate), starts the key exchange and builds the
  // CONNECT-Request. The registry must outlive the handshake.
  static Checked<ClientHandshake> start(const LocalIdentity& self, const Registry& registry,
                                        const MeterAddress& server, UtcTime now,
                                        const HandshakeOptions& options = {},
                                        std::uint8_t piid = 1);

  ClientHandshake(ClientHandshake&&) noexcept;
  ClientHandshake& operator=(ClientHandshake&&) noexcept;
  ~ClientHandshake();

  const Bytes& connect_request() const;

  struct Completed {
    SessionKeys keys;
    Bytes confirmation;  // the SECURITY-Request carrying S_A: send it before any data
  };
  // Checks the CONNECT-Response. Refusals: PeerRefused (non-zero result), Malformed, WrongPeer,
  // BadSignature (wrong server key, tampered M1 or M2), StaleRequest (T_B), ConfirmationFailed
  // (S_B), OutOfOrder (called twice).
  Checked<Completed> finish(ByteView connect_response, UtcTime now);

 private:
  struct State;
  explicit ClientHandshake(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

class ServerHandshake {
 public:
  // `nonces` may be null (then a replayed CONNECT-Request within the window costs one key
  // exchange before it fails at the confirmation). Registry and cache must outlive this.
  ServerHandshake(LocalIdentity self, const Registry& registry, HandshakeOptions options = {},
                  NonceCache* nonces = nullptr);
  ServerHandshake(ServerHandshake&&) noexcept;
  ServerHandshake& operator=(ServerHandshake&&) noexcept;
  ~ServerHandshake();

  // CONNECT-Request -> CONNECT-Response. Refusals: Malformed (not a CONNECT-Request, mechanism
  // other than [3], version), WrongPeer (addressed to another terminal), the registry's
  // (UnknownDevice, Revoked, NotYetValid, Expired, BadCertificate), BadSignature,
  // StaleRequest, ReplayedRequest, OutOfOrder. After a refusal, refusal_response() is the
  // CONNECT-Response to send (result 4 for signature errors, 5 for the version, 255 otherwise;
  // the detail stays in the local log).
  Checked<Bytes> respond(ByteView connect_request, UtcTime now);
  // The confirmation SECURITY-Request -> session keys. Refusals: Malformed,
  // ConfirmationFailed (S_A wrong), StaleRequest (later than confirmation_timeout_s),
  // OutOfOrder.
  Checked<SessionKeys> confirm(ByteView confirmation, UtcTime now);

  const Bytes& refusal_response() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace omni::crypto::session
