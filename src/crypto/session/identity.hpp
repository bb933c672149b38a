#pragma once
// Device identities for station <-> terminal sessions (docs/security.md, "Station-terminal
// sessions"): a certificate-like record binding a DL/T 698.45 address to an SM2 public key for a
// validity period, signed by the station CA key, and the Registry that decides who may log in.
//
//   Sm2KeyPair ca = ...;                                   // offline station CA key
//   Certificate cert = *issue_certificate(ca, {.serial = 7, .subject = addr,
//                                              .public_key = device.public_key().to_point(),
//                                              .not_before = t0, .not_after = t0 + 365 * 86400});
//   Registry registry(ca.public_key());
//   registry.register_device(cert);                        // checks the CA signature
//   auto who = registry.check_login(addr, now);            // Refusal: unknown, revoked, expired…
//
// This is not X.509: a handshake only needs "this key belongs to this address until then, says
// the CA", and a fixed binary record keeps the parser small. The X.509 PKI of `omnimeter ctl pki`
// can issue these records next to its certificates.
//
// Registry is not thread-safe: the station owns one and serialises access to it.

#include <cstdint>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <unordered_map>
#include <unordered_set>

#include "core/meter_address.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "crypto/bytes.hpp"
#include "crypto/sm2.hpp"

namespace omni::crypto::session {

// Why a handshake or a login was refused. Shared by the registry and both handshake roles so a
// caller logs and counts one vocabulary.
enum class RefusalReason : std::uint8_t {
  UnknownDevice,       // the address is not registered
  Revoked,             // registered, then revoked
  NotYetValid,         // certificate validity starts later
  Expired,             // certificate validity ended
  BadCertificate,      // the CA signature over the record does not verify
  BadSignature,        // a handshake signature does not verify: wrong key or tampered message
  ConfirmationFailed,  // S_A / S_B of the key exchange do not match: tampered or wrong key
  StaleRequest,        // the handshake time stamp is outside the allowed clock skew
  ReplayedRequest,     // the client nonce was seen before inside the window
  WrongPeer,           // the message names another address than the one we talk to
  Malformed,           // not a well-formed handshake message (or wrong mechanism / version)
  PeerRefused,         // the server answered CONNECT with a non-zero result
  OutOfOrder,          // a step called twice or before the previous one
};

std::string_view refusal_reason_name(RefusalReason reason);  // "unknown_device", …

struct Refusal {
  RefusalReason reason = RefusalReason::Malformed;
  std::string detail;
  std::string to_string() const;
};

template <class T>
using Checked = tl::expected<T, Refusal>;

inline tl::unexpected<Refusal> refuse(RefusalReason reason, std::string detail) {
  return tl::unexpected<Refusal>(Refusal{reason, std::move(detail)});
}

// ---- Certificate-like record ----

struct Certificate {
  std::uint64_t serial = 0;
  MeterAddress subject;
  Sm2Point public_key{};
  UtcTime not_before;
  UtcTime not_after;
  Bytes issuer_signature;  // SM2 (DER, ID 1234567812345678) by the CA over to_be_signed()

  // "OMNI-DEVCERT-1" || serial u64 || len u8 || subject || public key (65) || not_before i64 ||
  // not_after i64, integers big-endian. The label keeps a CA signature on this record from being
  // usable as a signature on anything else the CA key signs.
  Bytes to_be_signed() const;
  // to_be_signed() || A-XDR length || issuer_signature.
  Bytes encode() const;
  // Errors: Malformed (wrong label, truncated, trailing bytes, bad address).
  static Result<Certificate> decode(ByteView bytes);
  bool operator==(const Certificate&) const = default;
};

struct CertificateRequest {
  std::uint64_t serial = 0;
  MeterAddress subject;
  Sm2Point public_key{};
  UtcTime not_before;
  UtcTime not_after;
};

// Signs a record with the CA key. Errors: OutOfRange (not_after before not_before, empty
// subject), and those of sm2_sign.
Result<Certificate> issue_certificate(const Sm2KeyPair& ca, const CertificateRequest& request);

// CA signature and validity at `now`. Refusals: BadCertificate, NotYetValid, Expired.
Checked<void> verify_certificate(const Certificate& cert, const Sm2PublicKey& ca, UtcTime now);

// ---- Identities and registry ----

enum class DeviceStatus : std::uint8_t { Registered, Revoked };

struct DeviceIdentity {
  MeterAddress address;
  Sm2PublicKey public_key;
  DeviceStatus status = DeviceStatus::Registered;
  Certificate certificate;
};

class Registry {
 public:
  explicit Registry(Sm2PublicKey ca_key) : ca_key_(std::move(ca_key)) {}

  // Adds or replaces (key rotation) the identity of cert.subject. The CA signature is checked
  // now; validity is checked at each login, so a certificate may be registered before it
  // starts. Errors: Unauthorized (CA signature does not verify, or the serial was revoked),
  // OutOfRange (the public key is not an SM2 point).
  Status register_device(const Certificate& cert);
  // Marks the device revoked and remembers the serial, so the same record cannot be registered
  // again. Errors: NotFound.
  Status revoke(const MeterAddress& address);
  // nullptr when unknown. Revoked devices are found (their status says so).
  const DeviceIdentity* find(const MeterAddress& address) const;
  std::size_t size() const { return devices_.size(); }
  // Every identity, revoked ones included (what save_registry writes).
  const std::unordered_map<MeterAddress, DeviceIdentity>& devices() const { return devices_; }
  const Sm2PublicKey& ca_key() const { return ca_key_; }

  // The gate every handshake passes: registered, not revoked, CA signature valid (again: the
  // registry could have been loaded from disk), inside the validity period.
  // Refusals: UnknownDevice, Revoked, BadCertificate, NotYetValid, Expired.
  Checked<const DeviceIdentity*> check_login(const MeterAddress& address, UtcTime now) const;

 private:
  Sm2PublicKey ca_key_;
  std::unordered_map<MeterAddress, DeviceIdentity> devices_;
  std::unordered_set<std::uint64_t> revoked_serials_;
};

}  // namespace omni::crypto::session
