#pragma once
// The exchange envelope (SEC-11): a batch SM4-encrypted under a per-batch key that is wrapped
// by SM2 to the cloud's encryption certificate, and SM2-signed by the station, so the payload
// stays protected end to end whatever sits between station and cloud (TLS-terminating proxy,
// drop folder, a copy on a USB stick). Acknowledgements are SM2-signed by the cloud the same way.
// docs/security.md, "Exchange envelope", is the specification; the layout in short:
//
//   OMXE|1|<station>|<sequence>|<created>|<records>|<body sm3>|<recipient cert serial>\n
//   W|<base64 GM/T 0009 DER: SM2 encryption of the 32-byte key block enc16 || mac16>\n
//   C|<base64 IV(16) || SM4-CTR ciphertext || HMAC-SM3 tag(16)>\n      (crypto::seal)
//   X|<base64 DER of the station's SM2 signature certificate>\n
//   S|<base64 DER SM2 signature, ID 1234567812345678, over every byte before "S|">\n
//
// The header repeats the batch's own header fields, so the cloud can log and de-duplicate by
// (station, sequence, digest) and open() checks that the decrypted batch says the same. The
// MAC's associated data is the header and W lines. The text is 7-bit ASCII, one envelope per
// body or file, sent as text/plain like a plain batch; "OMXE|" vs "OMX|" tells them apart.
//
//   auto env = *seal_envelope(batch_text, station_sign_key, station_sign_cert, cloud_enc_cert);
//   auto opened = open_envelope(env, recipients, policy, clock.now());
//   if (!opened) refuse(opened.error().error);   // .failure says which check failed
//
// Replay: an envelope sent again opens again (it is still a valid, signed batch); refusing a
// replay is the receiver's (station, sequence) idempotence, not the envelope's job.
//
// Thread safety: pure functions of their arguments (keys and certificates are immutable and
// shareable); the SignerPolicy callback must be safe to call from the opening thread.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "crypto/pki/inventory.hpp"
#include "crypto/pki/verify.hpp"
#include "crypto/pki/x509.hpp"
#include "crypto/sm2.hpp"
#include "exchange/batch.hpp"

namespace omni::exchange {

inline constexpr std::string_view kEnvelopeMagic = "OMXE";
inline constexpr int kEnvelopeVersion = 1;
inline constexpr std::string_view kAckMagic = "OMXA";
inline constexpr int kAckVersion = 1;
// The largest envelope open_envelope reads: a kMaxBatchBytes batch in base64 plus the fixed
// fields (a certificate, a signature, a wrapped key) with room to spare.
inline constexpr std::size_t kMaxEnvelopeBytes = (kMaxBatchBytes + 64) / 3 * 4 + 64 * 1024;

// True when `text` starts like an envelope ("OMXE|"), for a receiver that accepts both forms.
bool is_envelope(std::string_view text);

// ---- Sealing (station) ----

// Seals one batch text (its first line must be a batch header: OMX|1|station|seq|…) for the
// holder of `cloud_enc_cert`'s private key. Draws a fresh 32-byte key block (SM4 key, HMAC-SM3
// key) and a fresh IV from OpenSSL's CSPRNG for every call, so sealing the same batch twice
// gives two unrelated envelopes.
// Errors: Malformed (no batch header line, or a header field the envelope cannot carry),
// OutOfRange (batch over kMaxBatchBytes), Config (station_sign_cert does not hold
// station_sign_key's public key, or its CN is not the batch's station), Unsupported (a
// certificate whose key is not SM2).
Result<std::string> seal_envelope(std::string_view batch_text,
                                  const crypto::Sm2KeyPair& station_sign_key,
                                  const crypto::pki::Certificate& station_sign_cert,
                                  const crypto::pki::Certificate& cloud_enc_cert);

// ---- Opening (cloud) ----

// Which check refused an envelope or acknowledgement, in the order open_envelope runs them.
enum class EnvelopeFailure : std::uint8_t {
  Truncated,         // ends inside a line or before the X line
  Malformed,         // not this layout: bad field, bad base64, extra lines, bad certificate
  UnknownVersion,    // a magic we know with a version we do not
  TooLarge,          // over kMaxEnvelopeBytes
  WrongRecipient,    // sealed to a certificate we hold no key for, or the key does not unwrap it
  BadMac,            // header, wrapped key or ciphertext changed after sealing
  MissingSignature,  // no S line, or an empty one
  BadSignature,      // the signature does not verify with the carried (or pinned) certificate
  UntrustedSigner,   // the certificate does not chain to the trust store at `now` (or expired)
  RevokedSigner,     // the certificate is on its issuer's CRL
  NotAStation,       // chains, but the policy says it is not a station's signature certificate
  StationMismatch,   // the certificate's CN is not the station the header names
  BatchMismatch,     // the decrypted batch's header differs from the envelope's header
};
// "truncated", "malformed", "unknown_version", "too_large", "wrong_recipient", "bad_mac",
// "missing_signature", "bad_signature", "untrusted_signer", "revoked_signer", "not_a_station",
// "station_mismatch", "batch_mismatch".
std::string_view envelope_failure_name(EnvelopeFailure failure);

// `error.code` is what the receiver maps to an HTTP status: Malformed (truncated, malformed,
// batch mismatch), Unsupported (unknown version), OutOfRange (too large), BadChecksum (bad MAC:
// damaged on the way, the sender's copy is intact, a resend may pass), Unauthorized (every
// signature, signer and recipient failure: a person has to look). `error.detail` starts with
// the failure's name.
struct EnvelopeError {
  EnvelopeFailure failure = EnvelopeFailure::Malformed;
  Error error{};
};
template <class T>
using EnvelopeResult = tl::expected<T, EnvelopeError>;

// One decryption key of the cloud: an SM2 encryption certificate and its private key. The
// cloud passes every key still in use (a rotated-out key keeps opening envelopes sealed before
// the stations picked up the new certificate); the header's serial picks one.
struct Recipient {
  crypto::pki::Certificate enc_cert;
  crypto::Sm2KeyPair enc_key;
};

// Who may sign batches. The SM2 certificates of this PKI do not say which role holds them
// (x509.hpp), so whether a chained certificate is a station's signature certificate is the
// cloud's answer: its PKI index (stations_in_index) or its registry of stations.
struct SignerPolicy {
  crypto::pki::TrustStore trust{};
  std::function<bool(const crypto::pki::Certificate&)> is_station{};  // required
};

// A SignerPolicy::is_station that accepts exactly the certificates `entries` lists with role
// Station and kind Sm2Sign, by serial (revocation is the CRL's job, not this list's).
std::function<bool(const crypto::pki::Certificate&)> stations_in_index(
    const std::vector<crypto::pki::IndexEntry>& entries);

struct OpenedBatch {
  std::string text;            // the batch exactly as the station wrote it
  std::string station;         // from the header, equal to the signer's CN
  std::uint64_t sequence = 0;  // from the header
  std::string digest;          // the batch body's SM3 (hex) the header names; not yet checked:
                               // read_batch / receive_batch verify it against the body
  std::string signer_subject;  // RFC 2253 subject of the station's signature certificate
  std::string signer_serial;   // its serial (audit trail)
};

// Checks, in this order: layout and size; recipient (serial, then SM2 unwrap); MAC (constant
// time, before anything is decrypted); signature with the carried certificate; the
// certificate's chain and CRL at `now` (VerifyPurpose::Any); policy.is_station; CN equals the
// header's station; then decrypts and checks that the batch header repeats the envelope's.
EnvelopeResult<OpenedBatch> open_envelope(std::string_view envelope,
                                          std::span<const Recipient> recipients,
                                          const SignerPolicy& policy, UtcTime now);

// ---- Signed acknowledgements (cloud -> station) ----
//
//   OMXA|1|<serial of the cloud's SM2 signature certificate>\n
//   <acknowledgement JSON, one line>\n
//   S|<base64 DER SM2 signature over every byte before "S|">\n

// Errors: Malformed (ack_json empty or containing a line break), Config (cloud_sign_cert does
// not hold cloud_sign_key's public key), Unsupported (not an SM2 certificate).
Result<std::string> sign_ack(std::string_view ack_json, const crypto::Sm2KeyPair& cloud_sign_key,
                             const crypto::pki::Certificate& cloud_sign_cert);

// Checks a signed acknowledgement against the cloud's signature certificate the station was
// configured with (and validated at start-up with pki::verify_certificate); returns the JSON.
// Failures: Truncated, Malformed, UnknownVersion, TooLarge (over 64 KiB), MissingSignature,
// UntrustedSigner (the ack names another certificate serial), BadSignature.
EnvelopeResult<std::string> verify_ack(std::string_view signed_ack,
                                       const crypto::pki::Certificate& cloud_sign_cert);

}  // namespace omni::exchange
