#include "crypto/pki/pki_util.hpp"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include <cctype>
#include <ctime>

#include "core/check.hpp"
#include "crypto/bytes.hpp"
#include "crypto/sm2.hpp"

namespace omni::crypto::pki::detail {

BioPtr memory_bio(std::string_view text) {
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  OMNI_CHECK(bio != nullptr);
  return bio;
}

BioPtr memory_bio() {
  BioPtr bio(BIO_new(BIO_s_mem()));
  OMNI_CHECK(bio != nullptr);
  return bio;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  // BIO_get_mem_data is a macro with a C-style cast; this is the call it stands for.
  const long len = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data);  // NOLINT(runtime/int)
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

std::string name_text(const X509_NAME* name) {
  auto bio = memory_bio();
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  return bio_text(bio.get());
}

std::string random_token() { return to_hex(random_bytes(8)); }

Result<UtcTime> from_asn1_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    return fail(ErrorCode::Malformed, "unparsable ASN.1 time");
  }
  const std::int64_t days = days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return UtcTime{days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec};
}

AsnTimePtr to_asn1_time(UtcTime t) {
  // ASN1_TIME_set picks UTCTime before 2050 and GeneralizedTime after, as RFC 5280 4.1.2.5 asks.
  AsnTimePtr out(ASN1_TIME_set(nullptr, static_cast<std::time_t>(t.seconds)));
  OMNI_CHECK(out != nullptr);
  return out;
}

std::string serial_hex(const ASN1_INTEGER* serial) {
  crypto::detail::BnPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
  OMNI_CHECK(bn != nullptr);
  char* hex = BN_bn2hex(bn.get());
  OMNI_CHECK(hex != nullptr);
  std::string out(hex);
  OPENSSL_free(hex);
  return out;
}

Result<AsnIntPtr> parse_serial_hex(std::string_view text) {
  if (text.starts_with("0x") || text.starts_with("0X")) text.remove_prefix(2);
  std::string digits;
  for (char c : text) {
    if (c == ':') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return fail(ErrorCode::Malformed,
                  "a serial number is hexadecimal digits, got \"" + std::string(text) + "\"");
    }
    digits.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  if (digits.empty() || digits.size() > 40) {
    return fail(ErrorCode::Malformed, "a serial number has 1 to 40 hexadecimal digits");
  }
  BIGNUM* raw = nullptr;
  if (BN_hex2bn(&raw, digits.c_str()) == 0) {
    return fail(ErrorCode::Malformed, "bad serial number \"" + std::string(text) + "\"");
  }
  crypto::detail::BnPtr bn(raw);
  AsnIntPtr out(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  OMNI_CHECK(out != nullptr);
  return out;
}

namespace {

ASN1_OCTET_STRING* sm2_id_octets() {
  ASN1_OCTET_STRING* id = ASN1_OCTET_STRING_new();
  OMNI_CHECK(id != nullptr);
  OMNI_CHECK(ASN1_OCTET_STRING_set(id, reinterpret_cast<const unsigned char*>(kSm2DefaultId.data()),
                                   static_cast<int>(kSm2DefaultId.size())) == 1);
  return id;
}

}  // namespace

void set_sm2_id(X509* cert) {
  if (X509_get_signature_nid(cert) == NID_SM2_with_SM3) {
    X509_set0_distinguishing_id(cert, sm2_id_octets());
  }
}

void set_sm2_id(X509_REQ* req) {
  if (X509_REQ_get_signature_nid(req) == NID_SM2_with_SM3) {
    X509_REQ_set0_distinguishing_id(req, sm2_id_octets());
  }
}

bool sm2_verify_with_id(EVP_PKEY* key, const unsigned char* tbs, std::size_t tbs_len,
                        const unsigned char* sig, std::size_t sig_len) {
  if (key == nullptr || !EVP_PKEY_is_a(key, "SM2")) return false;
  crypto::detail::MdCtxPtr md(EVP_MD_CTX_new());
  OMNI_CHECK(md != nullptr);
  EVP_PKEY_CTX* pctx = nullptr;  // owned by md
  if (EVP_DigestVerifyInit_ex(md.get(), &pctx, "SM3", nullptr, nullptr, key, nullptr) != 1 ||
      EVP_PKEY_CTX_set1_id(pctx, kSm2DefaultId.data(), static_cast<int>(kSm2DefaultId.size())) !=
          1) {
    openssl_error();
    return false;
  }
  const bool good = EVP_DigestVerify(md.get(), sig, sig_len, tbs, tbs_len) == 1;
  if (!good) openssl_error();
  return good;
}

}  // namespace omni::crypto::pki::detail
