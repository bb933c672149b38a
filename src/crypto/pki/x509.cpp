#include "crypto/pki/x509.hpp"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>

#include "core/check.hpp"
#include "crypto/bytes.hpp"
#include "crypto/pki/pki_util.hpp"

namespace omni::crypto::pki {

using detail::AsnIntPtr;
using detail::BioPtr;
using detail::CrlPtr;
using detail::ExtPtr;
using detail::NamePtr;
using detail::ReqPtr;
using detail::ssl_fail;
using detail::X509Ptr;

namespace {

constexpr int kMaxDays = 36500;

std::string lower(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '-' || c == '_') continue;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

Status check_name_part(std::string_view what, std::string_view value) {
  if (value.empty() || value.size() > 64) {
    return fail(ErrorCode::OutOfRange, std::string(what) + " must be 1 to 64 bytes long");
  }
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) {
      return fail(ErrorCode::OutOfRange, std::string(what) + " contains a control character");
    }
  }
  return ok();
}

Status check_days(int days) {
  if (days < 1 || days > kMaxDays) {
    return fail(ErrorCode::OutOfRange, "validity must be 1 to 36500 days");
  }
  return ok();
}

Result<NamePtr> build_name(const Name& name) {
  OMNI_TRY(check_name_part("the organisation (O)", name.organisation));
  OMNI_TRY(check_name_part("the common name (CN)", name.common_name));
  NamePtr out(X509_NAME_new());
  OMNI_CHECK(out != nullptr);
  auto add = [&](int nid, const std::string& v) {
    OMNI_CHECK(X509_NAME_add_entry_by_NID(out.get(), nid, MBSTRING_UTF8,
                                          reinterpret_cast<const unsigned char*>(v.data()),
                                          static_cast<int>(v.size()), -1, 0) == 1);
  };
  add(NID_organizationName, name.organisation);
  add(NID_commonName, name.common_name);
  return out;
}

std::string name_entry(const X509_NAME* name, int nid) {
  const int at = X509_NAME_get_index_by_NID(name, nid, -1);
  if (at < 0) return {};
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at));
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

// A fresh positive 128-bit serial (RFC 5280 4.1.2.2: unique per CA, at most 20 octets; CA/B
// Forum practice: at least 64 random bits so that nobody can predict the next one).
AsnIntPtr random_serial() {
  for (;;) {
    Bytes raw = random_bytes(16);
    crypto::detail::BnPtr bn(BN_bin2bn(raw.data(), static_cast<int>(raw.size()), nullptr));
    OMNI_CHECK(bn != nullptr);
    if (BN_is_zero(bn.get())) continue;
    AsnIntPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
    OMNI_CHECK(serial != nullptr);
    return serial;
  }
}

// A digest-sign context for `key`: SHA-256 for ECDSA, SM3 with the SM2 ID for SM2 (set on the
// PKEY context that EVP_DigestSignInit_ex hands back, before any data is hashed).
crypto::detail::MdCtxPtr sign_context(const PrivateKey& key) {
  crypto::detail::MdCtxPtr md(EVP_MD_CTX_new());
  OMNI_CHECK(md != nullptr);
  EVP_PKEY_CTX* pctx = nullptr;  // owned by md
  const bool sm2 = key.algorithm() == KeyAlgorithm::Sm2;
  OMNI_CHECK(EVP_DigestSignInit_ex(md.get(), &pctx, sm2 ? "SM3" : "SHA256", nullptr, nullptr,
                                   key.native(), nullptr) == 1);
  if (sm2) {
    OMNI_CHECK(EVP_PKEY_CTX_set1_id(pctx, kSm2DefaultId.data(),
                                    static_cast<int>(kSm2DefaultId.size())) == 1);
  }
  return md;
}

Status add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (ext == nullptr) {
    return ssl_fail(ErrorCode::Internal, std::string("extension ") + OBJ_nid2sn(nid) + "=" + value);
  }
  OMNI_CHECK(X509_add_ext(cert, ext.get(), -1) == 1);
  return ok();
}

bool valid_dns_name(std::string_view name) {
  if (name.starts_with("*.")) name.remove_prefix(2);  // one wildcard label, leftmost only
  if (name.empty() || name.size() > 253) return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t end = std::min(name.find('.', start), name.size());
    const std::string_view label = name.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    }
    start = end + 1;
  }
  return true;
}

bool valid_ip(const std::string& text) {
  unsigned char buf[16];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

// Version 3, random serial, names, validity and key; extensions and signature come after.
Result<X509Ptr> skeleton(const PublicKey& key, const Name& subject, const X509_NAME* issuer_name,
                         UtcTime not_before, UtcTime not_after) {
  auto name = build_name(subject);
  if (!name) return fail(std::move(name).error());
  X509Ptr cert(X509_new());
  OMNI_CHECK(cert != nullptr);
  OMNI_CHECK(X509_set_version(cert.get(), X509_VERSION_3) == 1);
  auto serial = random_serial();
  OMNI_CHECK(X509_set_serialNumber(cert.get(), serial.get()) == 1);
  OMNI_CHECK(X509_set_subject_name(cert.get(), name->get()) == 1);
  OMNI_CHECK(X509_set_issuer_name(cert.get(), issuer_name ? issuer_name : name->get()) == 1);
  OMNI_CHECK(X509_set1_notBefore(cert.get(), detail::to_asn1_time(not_before).get()) == 1);
  OMNI_CHECK(X509_set1_notAfter(cert.get(), detail::to_asn1_time(not_after).get()) == 1);
  OMNI_CHECK(X509_set_pubkey(cert.get(), key.native()) == 1);
  return cert;
}

Result<Certificate> sign_certificate(X509Ptr cert, const PrivateKey& signer) {
  auto md = sign_context(signer);
  if (X509_sign_ctx(cert.get(), md.get()) <= 0) {
    return ssl_fail(ErrorCode::Internal, "signing the certificate");
  }
  return Certificate::adopt(cert.release());
}

Status same_family(KeyAlgorithm a, KeyAlgorithm b, std::string_view what) {
  if (a != b) {
    return fail(ErrorCode::Unsupported,
                std::string(what) + ": a " + std::string(key_algorithm_name(a)) +
                    " key cannot be certified by a " + std::string(key_algorithm_name(b)) +
                    " CA of this PKI (one hierarchy per key family)");
  }
  return ok();
}

template <class T>
using Reader = T* (*)(BIO*, T**, pem_password_cb*, void*);

// Every PEM block of one type in `pem`; stops cleanly at the end of the text.
template <class T>
Result<std::vector<T*>> read_all(std::string_view pem, Reader<T> reader, void (*free_fn)(T*),
                                 std::string_view what) {
  auto bio = detail::memory_bio(pem);
  std::vector<T*> out;
  for (;;) {
    T* item = reader(bio.get(), nullptr, nullptr, nullptr);
    if (item == nullptr) break;
    out.push_back(item);
  }
  const unsigned long err = ERR_peek_last_error();  // NOLINT(runtime/int): OpenSSL's type
  const bool clean_end =
      ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
  if (out.empty() || !clean_end) {
    for (T* item : out) free_fn(item);
    return ssl_fail(ErrorCode::Malformed, "not a PEM " + std::string(what));
  }
  ERR_clear_error();
  return out;
}

}  // namespace

// ---- names of enums ----

std::string_view role_name(Role role) {
  switch (role) {
    case Role::Station:
      return "station";
    case Role::Concentrator:
      return "concentrator";
    case Role::Cloud:
      return "cloud";
    case Role::Operator:
      return "operator";
  }
  return "station";
}

Result<Role> parse_role(std::string_view name) {
  for (Role r : {Role::Station, Role::Concentrator, Role::Cloud, Role::Operator}) {
    if (name == role_name(r)) return r;
  }
  return fail(ErrorCode::Malformed, "unknown role \"" + std::string(name) +
                                        "\" (station, concentrator, cloud or operator)");
}

std::string_view cert_kind_name(CertKind kind) {
  switch (kind) {
    case CertKind::Tls:
      return "tls";
    case CertKind::Sm2Sign:
      return "sm2-sign";
    case CertKind::Sm2Encrypt:
      return "sm2-enc";
  }
  return "tls";
}

Result<CertKind> parse_cert_kind(std::string_view name) {
  for (CertKind k : {CertKind::Tls, CertKind::Sm2Sign, CertKind::Sm2Encrypt}) {
    if (name == cert_kind_name(k)) return k;
  }
  return fail(ErrorCode::Malformed,
              "unknown certificate kind \"" + std::string(name) + "\" (tls, sm2-sign or sm2-enc)");
}

KeyAlgorithm key_algorithm_of(CertKind kind) {
  return kind == CertKind::Tls ? KeyAlgorithm::EcdsaP256 : KeyAlgorithm::Sm2;
}

namespace {
constexpr RevocationReason kReasons[] = {
    RevocationReason::Unspecified,        RevocationReason::KeyCompromise,
    RevocationReason::CaCompromise,       RevocationReason::AffiliationChanged,
    RevocationReason::Superseded,         RevocationReason::CessationOfOperation,
    RevocationReason::PrivilegeWithdrawn,
};
}  // namespace

std::string_view revocation_reason_name(RevocationReason reason) {
  switch (reason) {
    case RevocationReason::Unspecified:
      return "unspecified";
    case RevocationReason::KeyCompromise:
      return "key-compromise";
    case RevocationReason::CaCompromise:
      return "ca-compromise";
    case RevocationReason::AffiliationChanged:
      return "affiliation-changed";
    case RevocationReason::Superseded:
      return "superseded";
    case RevocationReason::CessationOfOperation:
      return "cessation-of-operation";
    case RevocationReason::PrivilegeWithdrawn:
      return "privilege-withdrawn";
  }
  return "unspecified";
}

Result<RevocationReason> parse_revocation_reason(std::string_view name) {
  const std::string wanted = lower(name);
  for (RevocationReason r : kReasons) {
    if (wanted == lower(revocation_reason_name(r))) return r;
  }
  std::string known;
  for (RevocationReason r : kReasons) {
    if (!known.empty()) known += ", ";
    known += revocation_reason_name(r);
  }
  return fail(ErrorCode::Malformed,
              "unknown revocation reason \"" + std::string(name) + "\" (" + known + ")");
}

// ---- Certificate ----

Certificate Certificate::adopt(x509_st* cert) {
  OMNI_CHECK(cert != nullptr);
  detail::set_sm2_id(cert);
  return Certificate(std::shared_ptr<x509_st>(cert, X509_free));
}

Result<Certificate> Certificate::from_pem(std::string_view pem) {
  auto bio = detail::memory_bio(pem);
  X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  if (cert == nullptr) return ssl_fail(ErrorCode::Malformed, "not a PEM certificate");
  return adopt(cert);
}

Result<std::vector<Certificate>> Certificate::all_from_pem(std::string_view pem) {
  auto raw = read_all<X509>(pem, PEM_read_bio_X509, X509_free, "certificate");
  if (!raw) return fail(std::move(raw).error());
  std::vector<Certificate> out;
  for (X509* x : *raw) out.push_back(adopt(x));
  return out;
}

std::string Certificate::to_pem() const {
  auto bio = detail::memory_bio();
  OMNI_CHECK(PEM_write_bio_X509(bio.get(), cert_.get()) == 1);
  return detail::bio_text(bio.get());
}

std::string Certificate::serial_hex() const {
  return detail::serial_hex(X509_get0_serialNumber(cert_.get()));
}

std::string Certificate::subject() const {
  return detail::name_text(X509_get_subject_name(cert_.get()));
}
std::string Certificate::issuer() const {
  return detail::name_text(X509_get_issuer_name(cert_.get()));
}
std::string Certificate::common_name() const {
  return name_entry(X509_get_subject_name(cert_.get()), NID_commonName);
}

std::string Certificate::organisation() const {
  return name_entry(X509_get_subject_name(cert_.get()), NID_organizationName);
}

UtcTime Certificate::not_before() const {
  auto t = detail::from_asn1_time(X509_get0_notBefore(cert_.get()));
  return t ? *t : UtcTime{};
}

UtcTime Certificate::not_after() const {
  auto t = detail::from_asn1_time(X509_get0_notAfter(cert_.get()));
  return t ? *t : UtcTime{};
}

Result<PublicKey> Certificate::public_key() const {
  EVP_PKEY* key = X509_get_pubkey(cert_.get());
  if (key == nullptr) return ssl_fail(ErrorCode::Unsupported, "unreadable certificate key");
  return PublicKey::adopt(key);
}

bool Certificate::is_ca() const { return X509_check_ca(cert_.get()) != 0; }

bool Certificate::sm2_signed() const {
  return X509_get_signature_nid(cert_.get()) == NID_SM2_with_SM3;
}

std::vector<std::string> Certificate::subject_alt_names() const {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert_.get(), NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    int type = 0;
    const auto* value = static_cast<const ASN1_STRING*>(GENERAL_NAME_get0_value(gn, &type));
    const unsigned char* data = ASN1_STRING_get0_data(value);
    const int len = ASN1_STRING_length(value);
    if (type == GEN_DNS) {
      out.push_back(
          "DNS:" + std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(len)));
    } else if (type == GEN_IPADD && (len == 4 || len == 16)) {
      char text[INET6_ADDRSTRLEN] = {};
      inet_ntop(len == 4 ? AF_INET : AF_INET6, data, text, sizeof text);
      out.push_back(std::string("IP:") + text);
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

// ---- CertificateRequest ----

Result<CertificateRequest> CertificateRequest::create(const PrivateKey& key, const Name& subject) {
  auto name = build_name(subject);
  if (!name) return fail(std::move(name).error());
  ReqPtr req(X509_REQ_new());
  OMNI_CHECK(req != nullptr);
  OMNI_CHECK(X509_REQ_set_version(req.get(), 0) == 1);  // PKCS#10 v1 is the value 0
  OMNI_CHECK(X509_REQ_set_subject_name(req.get(), name->get()) == 1);
  OMNI_CHECK(X509_REQ_set_pubkey(req.get(), key.native()) == 1);
  auto md = sign_context(key);
  if (X509_REQ_sign_ctx(req.get(), md.get()) <= 0) {
    return ssl_fail(ErrorCode::Internal, "signing the certificate request");
  }
  detail::set_sm2_id(req.get());
  return CertificateRequest(std::shared_ptr<X509_req_st>(req.release(), X509_REQ_free),
                            key.public_key());
}

Result<CertificateRequest> CertificateRequest::from_pem(std::string_view pem) {
  auto bio = detail::memory_bio(pem);
  ReqPtr req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (req == nullptr) return ssl_fail(ErrorCode::Malformed, "not a PEM certificate request");
  EVP_PKEY* raw = X509_REQ_get_pubkey(req.get());
  if (raw == nullptr) return ssl_fail(ErrorCode::Malformed, "certificate request without a key");
  auto key = PublicKey::adopt(raw);
  if (!key) return fail(std::move(key).error());
  detail::set_sm2_id(req.get());
  if (X509_REQ_verify(req.get(), key->native()) != 1) {
    return ssl_fail(ErrorCode::BadChecksum, "the certificate request's signature does not verify");
  }
  return CertificateRequest(std::shared_ptr<X509_req_st>(req.release(), X509_REQ_free),
                            std::move(*key));
}

std::string CertificateRequest::to_pem() const {
  auto bio = detail::memory_bio();
  OMNI_CHECK(PEM_write_bio_X509_REQ(bio.get(), req_.get()) == 1);
  return detail::bio_text(bio.get());
}

std::string CertificateRequest::subject() const {
  return detail::name_text(X509_REQ_get_subject_name(req_.get()));
}

// ---- Crl ----

Result<Crl> Crl::from_pem(std::string_view pem) {
  auto bio = detail::memory_bio(pem);
  X509_CRL* crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr);
  if (crl == nullptr) return ssl_fail(ErrorCode::Malformed, "not a PEM CRL");
  return Crl(std::shared_ptr<X509_crl_st>(crl, X509_CRL_free));
}

Result<std::vector<Crl>> Crl::all_from_pem(std::string_view pem) {
  auto raw = read_all<X509_CRL>(pem, PEM_read_bio_X509_CRL, X509_CRL_free, "CRL");
  if (!raw) return fail(std::move(raw).error());
  std::vector<Crl> out;
  for (X509_CRL* c : *raw) out.push_back(Crl(std::shared_ptr<X509_crl_st>(c, X509_CRL_free)));
  return out;
}

std::string Crl::to_pem() const {
  auto bio = detail::memory_bio();
  OMNI_CHECK(PEM_write_bio_X509_CRL(bio.get(), crl_.get()) == 1);
  return detail::bio_text(bio.get());
}

std::string Crl::issuer() const { return detail::name_text(X509_CRL_get_issuer(crl_.get())); }

UtcTime Crl::this_update() const {
  auto t = detail::from_asn1_time(X509_CRL_get0_lastUpdate(crl_.get()));
  return t ? *t : UtcTime{};
}

UtcTime Crl::next_update() const {
  auto t = detail::from_asn1_time(X509_CRL_get0_nextUpdate(crl_.get()));
  return t ? *t : UtcTime{};
}

std::uint64_t Crl::number() const {
  auto* n = static_cast<ASN1_INTEGER*>(
      X509_CRL_get_ext_d2i(crl_.get(), NID_crl_number, nullptr, nullptr));
  if (n == nullptr) return 0;
  std::uint64_t out = 0;
  if (ASN1_INTEGER_get_uint64(&out, n) != 1) out = 0;
  ASN1_INTEGER_free(n);
  return out;
}

std::optional<RevocationReason> Crl::find(std::string_view serial_hex) const {
  auto serial = detail::parse_serial_hex(serial_hex);
  if (!serial) return std::nullopt;
  X509_REVOKED* entry = nullptr;
  if (X509_CRL_get0_by_serial(crl_.get(), &entry, serial->get()) != 1) return std::nullopt;
  auto* code = static_cast<ASN1_ENUMERATED*>(
      X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, nullptr, nullptr));
  if (code == nullptr) return RevocationReason::Unspecified;
  const long value = ASN1_ENUMERATED_get(code);  // NOLINT(runtime/int): OpenSSL's type
  ASN1_ENUMERATED_free(code);
  for (RevocationReason r : kReasons) {
    if (static_cast<long>(r) == value) return r;  // NOLINT(runtime/int)
  }
  return RevocationReason::Unspecified;
}

std::size_t Crl::size() const {
  const STACK_OF(X509_REVOKED)* entries = X509_CRL_get_REVOKED(crl_.get());
  return entries ? static_cast<std::size_t>(sk_X509_REVOKED_num(entries)) : 0;
}

// ---- Issuing ----

Result<Certificate> make_root_ca(const PrivateKey& key, const Name& subject, int days,
                                 UtcTime now) {
  OMNI_TRY(check_days(days));
  auto cert = skeleton(key.public_key(), subject, nullptr, now - kBackdateSeconds,
                       now + std::int64_t{days} * 86400);
  if (!cert) return fail(std::move(cert).error());
  X509* x = cert->get();
  OMNI_TRY(add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE"));
  OMNI_TRY(add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign"));
  OMNI_TRY(add_ext(x, x, NID_subject_key_identifier, "hash"));
  return sign_certificate(std::move(*cert), key);
}

Result<Certificate> make_issuing_ca(const PublicKey& key, const Name& subject, int days,
                                    const Certificate& root, const PrivateKey& root_key,
                                    UtcTime now) {
  OMNI_TRY(check_days(days));
  OMNI_TRY(same_family(key.algorithm(), root_key.algorithm(), "issuing CA"));
  const UtcTime not_after = now + std::int64_t{days} * 86400;
  if (not_after > root.not_after()) {
    return fail(ErrorCode::OutOfRange, "the issuing CA would outlive its root (the root expires " +
                                           format_iso8601(root.not_after(), TimeZone::utc()) + ")");
  }
  auto cert = skeleton(key, subject, X509_get_subject_name(root.native()), now - kBackdateSeconds,
                       not_after);
  if (!cert) return fail(std::move(cert).error());
  X509* x = cert->get();
  OMNI_TRY(add_ext(x, root.native(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
  OMNI_TRY(add_ext(x, root.native(), NID_key_usage, "critical,keyCertSign,cRLSign"));
  OMNI_TRY(add_ext(x, root.native(), NID_subject_key_identifier, "hash"));
  OMNI_TRY(add_ext(x, root.native(), NID_authority_key_identifier, "keyid:always"));
  return sign_certificate(std::move(*cert), root_key);
}

Result<Certificate> issue_end_entity(const PublicKey& subject_key, const EndEntityProfile& profile,
                                     const Certificate& issuer, const PrivateKey& issuer_key,
                                     UtcTime now) {
  OMNI_TRY(check_days(profile.days));
  OMNI_TRY(same_family(subject_key.algorithm(), key_algorithm_of(profile.kind),
                       std::string(cert_kind_name(profile.kind)) + " certificate"));
  OMNI_TRY(same_family(subject_key.algorithm(), issuer_key.algorithm(), "end-entity certificate"));
  std::string san;
  for (const auto& dns : profile.dns_names) {
    if (!valid_dns_name(dns)) {
      return fail(ErrorCode::Malformed, "\"" + dns + "\" is not a DNS name");
    }
    san += (san.empty() ? "DNS:" : ",DNS:") + dns;
  }
  for (const auto& ip : profile.ip_addresses) {
    if (!valid_ip(ip)) return fail(ErrorCode::Malformed, "\"" + ip + "\" is not an IP address");
    san += (san.empty() ? "IP:" : ",IP:") + ip;
  }
  const bool tls = profile.kind == CertKind::Tls;
  if (tls && profile.role == Role::Cloud && san.empty()) {
    return fail(ErrorCode::Config,
                "a cloud TLS certificate needs at least one DNS name or IP address (clients "
                "check that the server's certificate names the host they dialled)");
  }
  const UtcTime not_after = now + std::int64_t{profile.days} * 86400;
  if (not_after > issuer.not_after()) {
    return fail(ErrorCode::OutOfRange,
                "the certificate would outlive its issuing CA (which expires " +
                    format_iso8601(issuer.not_after(), TimeZone::utc()) + "); use fewer days");
  }
  auto cert = skeleton(subject_key, profile.subject, X509_get_subject_name(issuer.native()),
                       now - kBackdateSeconds, not_after);
  if (!cert) return fail(std::move(cert).error());
  X509* x = cert->get();
  X509* iss = issuer.native();
  OMNI_TRY(add_ext(x, iss, NID_basic_constraints, "critical,CA:FALSE"));
  switch (profile.kind) {
    case CertKind::Tls: {
      OMNI_TRY(add_ext(x, iss, NID_key_usage, "critical,digitalSignature"));
      std::string eku;
      if (profile.role == Role::Cloud) {
        eku = "serverAuth";
      } else {
        eku = san.empty() ? "clientAuth" : "clientAuth,serverAuth";
      }
      OMNI_TRY(add_ext(x, iss, NID_ext_key_usage, eku));
      break;
    }
    case CertKind::Sm2Sign:
      OMNI_TRY(add_ext(x, iss, NID_key_usage, "critical,digitalSignature,nonRepudiation"));
      break;
    case CertKind::Sm2Encrypt:
      OMNI_TRY(add_ext(x, iss, NID_key_usage, "critical,keyEncipherment,dataEncipherment"));
      break;
  }
  if (!san.empty()) OMNI_TRY(add_ext(x, iss, NID_subject_alt_name, san));
  OMNI_TRY(add_ext(x, iss, NID_subject_key_identifier, "hash"));
  OMNI_TRY(add_ext(x, iss, NID_authority_key_identifier, "keyid:always"));
  return sign_certificate(std::move(*cert), issuer_key);
}

Result<Crl> make_crl(const Certificate& issuer, const PrivateKey& issuer_key,
                     std::span<const RevokedEntry> revoked, std::uint64_t number, UtcTime now,
                     int next_update_days) {
  if (next_update_days < 1 || next_update_days > 366) {
    return fail(ErrorCode::OutOfRange, "the CRL's next update must be 1 to 366 days ahead");
  }
  if (!key_matches(issuer, issuer_key)) {
    return fail(ErrorCode::Unsupported, "the key does not belong to the CRL issuer");
  }
  CrlPtr crl(X509_CRL_new());
  OMNI_CHECK(crl != nullptr);
  OMNI_CHECK(X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) == 1);
  OMNI_CHECK(X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer.native())) == 1);
  OMNI_CHECK(X509_CRL_set1_lastUpdate(crl.get(), detail::to_asn1_time(now).get()) == 1);
  OMNI_CHECK(X509_CRL_set1_nextUpdate(
                 crl.get(),
                 detail::to_asn1_time(now + std::int64_t{next_update_days} * 86400).get()) == 1);
  for (const auto& r : revoked) {
    auto serial = detail::parse_serial_hex(r.serial_hex);
    if (!serial) return fail(std::move(serial).error());
    X509_REVOKED* entry = X509_REVOKED_new();
    OMNI_CHECK(entry != nullptr);
    OMNI_CHECK(X509_REVOKED_set_serialNumber(entry, serial->get()) == 1);
    OMNI_CHECK(X509_REVOKED_set_revocationDate(entry, detail::to_asn1_time(r.revoked_at).get()) ==
               1);
    if (r.reason != RevocationReason::Unspecified) {
      ASN1_ENUMERATED* code = ASN1_ENUMERATED_new();
      OMNI_CHECK(code != nullptr);
      OMNI_CHECK(ASN1_ENUMERATED_set(code, static_cast<long>(r.reason)) == 1);  // NOLINT
      OMNI_CHECK(X509_REVOKED_add1_ext_i2d(entry, NID_crl_reason, code, 0, 0) == 1);
      ASN1_ENUMERATED_free(code);
    }
    OMNI_CHECK(X509_CRL_add0_revoked(crl.get(), entry) == 1);
  }
  OMNI_CHECK(X509_CRL_sort(crl.get()) == 1);
  AsnIntPtr crl_number(ASN1_INTEGER_new());
  OMNI_CHECK(crl_number != nullptr && ASN1_INTEGER_set_uint64(crl_number.get(), number) == 1);
  OMNI_CHECK(X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, crl_number.get(), 0, 0) == 1);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer.native(), nullptr, nullptr, crl.get(), 0);
  ExtPtr akid(X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"));
  if (akid == nullptr) return ssl_fail(ErrorCode::Internal, "CRL authority key identifier");
  OMNI_CHECK(X509_CRL_add_ext(crl.get(), akid.get(), -1) == 1);
  auto md = sign_context(issuer_key);
  if (X509_CRL_sign_ctx(crl.get(), md.get()) <= 0) {
    return ssl_fail(ErrorCode::Internal, "signing the CRL");
  }
  // Through PEM so that the object is exactly what a reader of the file gets.
  auto bio = detail::memory_bio();
  OMNI_CHECK(PEM_write_bio_X509_CRL(bio.get(), crl.get()) == 1);
  return Crl::from_pem(detail::bio_text(bio.get()));
}

bool key_matches(const Certificate& cert, const PrivateKey& key) {
  const bool match = X509_check_private_key(cert.native(), key.native()) == 1;
  if (!match) detail::openssl_error();
  return match;
}

}  // namespace omni::crypto::pki
