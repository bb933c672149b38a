#pragma once
// Certificate path validation (RFC 5280 6) with OpenSSL's X509_verify_cert, CRL checking and the
// SM2 distinguishing ID, for both key families of the PKI.
//
//   pki::TrustStore trust = *pki::load_trust_store("trust.pem", "crl.pem");
//   auto v = pki::verify_certificate(peer_cert, trust, clock.now());
//   if (!v.ok()) log("refused: {} ({})", verify_failure_name(v.failure), v.detail);
//
// SM2 chains: certificates parsed by Certificate carry the ID, so X509_verify_cert checks their
// SM2 signatures with it. OpenSSL 3.0 has no way to give a CRL an ID (X509_CRL_verify always
// hashes the empty ID), so an SM2-signed CRL fails its signature check inside X509_verify_cert;
// the verify callback here then checks that CRL's signature itself, with the ID, against the
// CRL issuer's key, and clears the error only when it verifies.
//
// Pure function of its inputs and `now` (no clock, no I/O); thread-safe.

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "crypto/pki/x509.hpp"

namespace omni::crypto::pki {

struct TrustStore {
  std::vector<Certificate> anchors{};  // root CAs: trusted as they are
  std::vector<Certificate>
      intermediates{};  // issuing CAs: trusted only when they chain to an anchor
  std::vector<Crl> crls{};
  // With check_crl, the leaf's issuer must have a CRL that is current at `now` and the leaf
  // must not be on it (X509_V_FLAG_CRL_CHECK; issuing CAs are not CRL-checked: replacing a
  // compromised issuing CA means a new hierarchy, docs/security.md).
  bool check_crl = true;
};

// A PEM bundle of CA certificates (self-issued ones become anchors, the others intermediates)
// and, unless `crl_pem` is empty, a PEM file of CRLs. Errors: NotFound, Io, Malformed.
Result<TrustStore> load_trust_store(const std::filesystem::path& ca_bundle_pem,
                                    const std::filesystem::path& crl_pem);

enum class VerifyFailure : std::uint8_t {
  None,
  Revoked,          // on its issuer's CRL
  Expired,          // the leaf or a CA is past notAfter
  NotYetValid,      // before notBefore
  UnknownIssuer,    // does not chain to an anchor (a foreign CA, a self-signed certificate)
  BadSignature,     // a signature in the chain does not verify (altered, or wrong SM2 ID)
  CrlMissing,       // check_crl and no CRL of the issuer
  CrlNotCurrent,    // the CRL is past its nextUpdate (or not yet valid): regenerate it
  CrlBadSignature,  // the CRL's signature does not verify
  WrongPurpose,     // the extended key usage does not allow the asked purpose
  Invalid,          // anything else X509_verify_cert refuses (extensions, path length, …)
};
// "ok", "revoked", "expired", "not_yet_valid", "unknown_issuer", "bad_signature", "crl_missing",
// "crl_not_current", "crl_bad_signature", "wrong_purpose", "invalid".
std::string_view verify_failure_name(VerifyFailure failure);

enum class VerifyPurpose : std::uint8_t { Any, TlsClient, TlsServer };

struct Verification {
  VerifyFailure failure = VerifyFailure::None;
  std::string detail{};              // OpenSSL's reason, the depth and subject it concerns
  std::vector<std::string> chain{};  // subjects from the leaf to the anchor, when verified
  bool ok() const { return failure == VerifyFailure::None; }
};

// Validates `leaf` at `now` against `trust`; `presented` are extra untrusted certificates sent
// with it (a peer's chain). Strict RFC 5280 checks (X509_V_FLAG_X509_STRICT).
Verification verify_certificate(const Certificate& leaf, const TrustStore& trust, UtcTime now,
                                std::span<const Certificate> presented = {},
                                VerifyPurpose purpose = VerifyPurpose::Any);

}  // namespace omni::crypto::pki
