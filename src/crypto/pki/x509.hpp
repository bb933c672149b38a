#pragma once
// X.509 certificates, certificate requests and CRLs as OpenSSL 3.0 produces them, and the
// profiles of the Omnimeter PKI (docs/security.md, "Keys and certificates"):
//
//   root CA ──> issuing CA ──> end-entity certificates (CN = device/station id, O = organisation)
//
// one hierarchy per key family: ECDSA P-256 signed with SHA-256 (TLS), SM2 signed with SM3 and the
// distinguishing ID "1234567812345678" (exchange envelope, terminal handshake).
//
//   auto root_key = PrivateKey::generate(KeyAlgorithm::Sm2);
//   auto root = *make_root_ca(root_key, {"Beijing Water SM2 Root CA", "Beijing Water"}, 7300, now);
//   auto cert = *issue_end_entity(device_key.public_key(),
//                                 {.subject = {"elec-01", "Beijing Water"},
//                                  .role = Role::Station, .kind = CertKind::Sm2Sign},
//                                 issuing, issuing_key, now);
//
// The SM2 ID: OpenSSL 3.0 signs and checks X.509 with an EMPTY SM2 ID unless the ID is set on
// the signing context or on the certificate (X509_set0_distinguishing_id). Everything here signs
// with the ID, and every certificate or request parsed here gets the ID attached when its
// signature algorithm is SM2-with-SM3, so X509_verify and X509_verify_cert check it with the ID.
// (`openssl verify` sets it only on the leaf, `-vfyopt distid:1234567812345678`; docs/security.md.)
//
// Certificate, CertificateRequest and Crl are immutable after construction and may be shared
// between threads (shared ownership of the OpenSSL object).

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "crypto/pki/keys.hpp"

struct x509_st;
struct X509_req_st;
struct X509_crl_st;

namespace omni::crypto::pki {

// Who holds a certificate. The role sets the TLS extended key usage (see EndEntityProfile).
enum class Role : std::uint8_t { Station, Concentrator, Cloud, Operator };
std::string_view role_name(Role role);           // "station", "concentrator", "cloud", "operator"
Result<Role> parse_role(std::string_view name);  // Errors: Malformed

// What a certificate is for, which also fixes its key family:
//   Tls        ECDSA P-256 key, under the ECDSA issuing CA: mutual TLS
//   Sm2Sign    SM2 key, under the SM2 issuing CA: signatures (batches, acknowledgements, handshake)
//   Sm2Encrypt SM2 key, under the SM2 issuing CA: key wrapping (the cloud's encryption certificate
//              of the two-certificate practice of GM/T 0024)
enum class CertKind : std::uint8_t { Tls, Sm2Sign, Sm2Encrypt };
std::string_view cert_kind_name(CertKind kind);           // "tls", "sm2-sign", "sm2-enc"
Result<CertKind> parse_cert_kind(std::string_view name);  // Errors: Malformed
KeyAlgorithm key_algorithm_of(CertKind kind);

// RFC 5280 5.3.1 CRLReason (the subset that makes sense here; certificateHold is not offered:
// a revocation is final).
enum class RevocationReason : std::uint8_t {
  Unspecified = 0,
  KeyCompromise = 1,
  CaCompromise = 2,
  AffiliationChanged = 3,
  Superseded = 4,
  CessationOfOperation = 5,
  PrivilegeWithdrawn = 9,
};
// "unspecified", "key-compromise", "ca-compromise", "affiliation-changed", "superseded",
// "cessation-of-operation", "privilege-withdrawn".
std::string_view revocation_reason_name(RevocationReason reason);
// Accepts those names and the RFC spellings ("keyCompromise"), case-insensitively. Errors:
// Malformed (listing the accepted names).
Result<RevocationReason> parse_revocation_reason(std::string_view name);

// A distinguished name of this PKI: CN and O only. Each 1..64 bytes of UTF-8 without control
// characters (X.520 upper bounds).
struct Name {
  std::string common_name{};
  std::string organisation{};
};

class Certificate {
 public:
  // The first certificate of a PEM text. Errors: Malformed.
  static Result<Certificate> from_pem(std::string_view pem);
  // Every certificate of a PEM text, in order. Errors: Malformed (none, or a broken one).
  static Result<std::vector<Certificate>> all_from_pem(std::string_view pem);
  // Adopts a reference to an X509 (the caller's reference moves in).
  static Certificate adopt(x509_st* cert);

  std::string to_pem() const;
  std::string serial_hex() const;  // upper-case, as `openssl x509 -serial` prints it
  std::string subject() const;     // RFC 2253: "CN=elec-01,O=Beijing Water"
  std::string issuer() const;
  std::string common_name() const;
  std::string organisation() const;
  UtcTime not_before() const;
  UtcTime not_after() const;
  // Errors: Unsupported (a foreign certificate whose key is neither P-256 nor SM2).
  Result<PublicKey> public_key() const;
  bool is_ca() const;
  // True when the signature algorithm is SM2-with-SM3 (so it was checked with the ID).
  bool sm2_signed() const;
  // "DNS:cloud.example.cn", "IP:10.0.0.1", in certificate order.
  std::vector<std::string> subject_alt_names() const;

  x509_st* native() const { return cert_.get(); }

 private:
  explicit Certificate(std::shared_ptr<x509_st> cert) : cert_(std::move(cert)) {}
  std::shared_ptr<x509_st> cert_;
};

// A PKCS#10 request: how a device that keeps its key to itself asks for a certificate.
class CertificateRequest {
 public:
  // Signs a request for `subject` with `key` (SHA-256, or SM3 with the SM2 ID).
  static Result<CertificateRequest> create(const PrivateKey& key, const Name& subject);
  // Parses and checks the request's self-signature. Errors: Malformed, BadChecksum (the
  // signature does not verify: altered, or an SM2 request signed with another ID),
  // Unsupported (a key that is neither P-256 nor SM2).
  static Result<CertificateRequest> from_pem(std::string_view pem);

  std::string to_pem() const;
  std::string subject() const;
  const PublicKey& public_key() const { return key_; }

 private:
  CertificateRequest(std::shared_ptr<X509_req_st> req, PublicKey key)
      : req_(std::move(req)), key_(std::move(key)) {}
  std::shared_ptr<X509_req_st> req_;
  PublicKey key_;
};

class Crl {
 public:
  // Errors: Malformed.
  static Result<Crl> from_pem(std::string_view pem);
  static Result<std::vector<Crl>> all_from_pem(std::string_view pem);

  std::string to_pem() const;
  std::string issuer() const;  // RFC 2253
  UtcTime this_update() const;
  UtcTime next_update() const;
  std::uint64_t number() const;  // the cRLNumber extension (0 when absent)
  // The reason, when `serial_hex` is listed (reason Unspecified when the entry has none).
  std::optional<RevocationReason> find(std::string_view serial_hex) const;
  std::size_t size() const;  // number of revoked entries

  X509_crl_st* native() const { return crl_.get(); }

 private:
  explicit Crl(std::shared_ptr<X509_crl_st> crl) : crl_(std::move(crl)) {}
  std::shared_ptr<X509_crl_st> crl_;
};

// ---- Issuing ----

// Certificates start 5 minutes before `now`: a device whose clock runs a little slow must still
// accept a certificate issued a moment ago.
inline constexpr std::int64_t kBackdateSeconds = 300;

// Self-signed root CA: basicConstraints critical CA:TRUE, keyUsage critical keyCertSign+cRLSign,
// subject key identifier; random 128-bit serial. Errors: OutOfRange (days outside 1..36500, a
// bad name).
Result<Certificate> make_root_ca(const PrivateKey& key, const Name& subject, int days, UtcTime now);
// Issuing CA under `root`: as the root plus pathLenConstraint 0 and the authority key
// identifier. The key families of `key` and `root_key` must match. Errors: OutOfRange (days,
// name, or a validity that would end after the root's), Unsupported (mixed key families).
Result<Certificate> make_issuing_ca(const PublicKey& key, const Name& subject, int days,
                                    const Certificate& root, const PrivateKey& root_key,
                                    UtcTime now);

struct EndEntityProfile {
  Name subject{};  // CN = the device / station id, O = the organisation
  Role role = Role::Station;
  CertKind kind = CertKind::Tls;
  std::vector<std::string> dns_names{};     // subjectAltName dNSName ("cloud.example.cn")
  std::vector<std::string> ip_addresses{};  // subjectAltName iPAddress (IPv4 or IPv6 text)
  int days = 365;
};

// End-entity certificate for `subject_key` (the key family must match profile.kind):
//   all:        basicConstraints critical CA:FALSE, subject and authority key identifiers,
//               subjectAltName when names are given, random 128-bit serial
//   Tls:        keyUsage critical digitalSignature; extendedKeyUsage serverAuth for Cloud,
//               clientAuth for the other roles, both when a client role is given DNS/IP names
//               (a station that also serves its console over HTTPS)
//   Sm2Sign:    keyUsage critical digitalSignature, nonRepudiation
//   Sm2Encrypt: keyUsage critical keyEncipherment, dataEncipherment
// Errors: OutOfRange (days outside 1..36500, a validity ending after the issuer's, a bad name),
// Malformed (a DNS name or IP address that is not one), Config (a Cloud TLS certificate without
// any DNS name or IP address: clients check the host name), Unsupported (key family does not
// match the kind or the issuer).
Result<Certificate> issue_end_entity(const PublicKey& subject_key, const EndEntityProfile& profile,
                                     const Certificate& issuer, const PrivateKey& issuer_key,
                                     UtcTime now);

struct RevokedEntry {
  std::string serial_hex{};
  UtcTime revoked_at{};
  RevocationReason reason = RevocationReason::Unspecified;
};

// A v2 CRL of `issuer`: thisUpdate = now, nextUpdate = now + next_update_days, cRLNumber =
// number, authority key identifier, one entry per revoked serial with its reason code (absent
// for Unspecified, RFC 5280 5.3.1). Errors: OutOfRange (next_update_days outside 1..366),
// Malformed (a bad serial), Unsupported (key does not match the issuer's family).
Result<Crl> make_crl(const Certificate& issuer, const PrivateKey& issuer_key,
                     std::span<const RevokedEntry> revoked, std::uint64_t number, UtcTime now,
                     int next_update_days);

// True when `key` is the private half of `cert`'s public key.
bool key_matches(const Certificate& cert, const PrivateKey& key);

}  // namespace omni::crypto::pki
