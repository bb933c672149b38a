#include "crypto/pki/verify.hpp"

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "core/check.hpp"
#include "crypto/pki/pki_util.hpp"

namespace omni::crypto::pki {

namespace {

// sk_X509_free is a macro, so it cannot be a template argument of detail::Deleter.
struct FreeX509Stack {
  void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), FreeX509Stack>;

// The CRL signature check OpenSSL 3.0 cannot make for SM2 (see the header). Called by
// X509_verify_cert for every check; only this one error is ever turned into success, and only
// after the signature verified with the ID.
int verify_callback(int ok, X509_STORE_CTX* ctx) {
  if (ok != 0 || X509_STORE_CTX_get_error(ctx) != X509_V_ERR_CRL_SIGNATURE_FAILURE) return ok;
  X509_CRL* crl = X509_STORE_CTX_get0_current_crl(ctx);
  X509* issuer = X509_STORE_CTX_get0_current_issuer(ctx);
  if (issuer == nullptr) {
    // Without a separate CRL issuer the CRL is signed by the next certificate up the chain.
    const int depth = X509_STORE_CTX_get_error_depth(ctx);
    STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx);
    if (chain != nullptr && depth + 1 < sk_X509_num(chain))
      issuer = sk_X509_value(chain, depth + 1);
  }
  if (crl == nullptr || issuer == nullptr || X509_CRL_get_signature_nid(crl) != NID_SM2_with_SM3) {
    return 0;
  }
  unsigned char* tbs = nullptr;
  const int tbs_len = i2d_re_X509_CRL_tbs(crl, &tbs);
  if (tbs_len <= 0) return 0;
  const ASN1_BIT_STRING* sig = nullptr;
  const X509_ALGOR* alg = nullptr;
  X509_CRL_get0_signature(crl, &sig, &alg);
  const bool good =
      sig != nullptr &&
      detail::sm2_verify_with_id(X509_get0_pubkey(issuer), tbs, static_cast<std::size_t>(tbs_len),
                                 ASN1_STRING_get0_data(sig),
                                 static_cast<std::size_t>(ASN1_STRING_length(sig)));
  OPENSSL_free(tbs);
  if (!good) return 0;
  X509_STORE_CTX_set_error(ctx, X509_V_OK);
  return 1;
}

VerifyFailure classify(int error) {
  switch (error) {
    case X509_V_OK:
      return VerifyFailure::None;
    case X509_V_ERR_CERT_REVOKED:
      return VerifyFailure::Revoked;
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return VerifyFailure::Expired;
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return VerifyFailure::NotYetValid;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      return VerifyFailure::UnknownIssuer;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
      return VerifyFailure::BadSignature;
    case X509_V_ERR_UNABLE_TO_GET_CRL:
      return VerifyFailure::CrlMissing;
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID:
      return VerifyFailure::CrlNotCurrent;
    case X509_V_ERR_CRL_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
      return VerifyFailure::CrlBadSignature;
    case X509_V_ERR_INVALID_PURPOSE:
      return VerifyFailure::WrongPurpose;
    default:
      return VerifyFailure::Invalid;
  }
}

}  // namespace

std::string_view verify_failure_name(VerifyFailure failure) {
  switch (failure) {
    case VerifyFailure::None:
      return "ok";
    case VerifyFailure::Revoked:
      return "revoked";
    case VerifyFailure::Expired:
      return "expired";
    case VerifyFailure::NotYetValid:
      return "not_yet_valid";
    case VerifyFailure::UnknownIssuer:
      return "unknown_issuer";
    case VerifyFailure::BadSignature:
      return "bad_signature";
    case VerifyFailure::CrlMissing:
      return "crl_missing";
    case VerifyFailure::CrlNotCurrent:
      return "crl_not_current";
    case VerifyFailure::CrlBadSignature:
      return "crl_bad_signature";
    case VerifyFailure::WrongPurpose:
      return "wrong_purpose";
    case VerifyFailure::Invalid:
      return "invalid";
  }
  return "invalid";
}

Result<TrustStore> load_trust_store(const std::filesystem::path& ca_bundle_pem,
                                    const std::filesystem::path& crl_pem) {
  TrustStore out;
  auto bundle = read_small_file(ca_bundle_pem);
  if (!bundle) return fail(std::move(bundle).error());
  auto certs = Certificate::all_from_pem(*bundle);
  if (!certs)
    return fail(ErrorCode::Malformed, ca_bundle_pem.string() + ": " + certs.error().detail);
  for (auto& c : *certs) {
    // Self-issued (subject = issuer, own key identifiers) means a root.
    if (X509_check_issued(c.native(), c.native()) == X509_V_OK) {
      out.anchors.push_back(std::move(c));
    } else {
      out.intermediates.push_back(std::move(c));
    }
  }
  if (!crl_pem.empty()) {
    auto text = read_small_file(crl_pem);
    if (!text) return fail(std::move(text).error());
    auto crls = Crl::all_from_pem(*text);
    if (!crls) return fail(ErrorCode::Malformed, crl_pem.string() + ": " + crls.error().detail);
    out.crls = std::move(*crls);
  }
  return out;
}

Verification verify_certificate(const Certificate& leaf, const TrustStore& trust, UtcTime now,
                                std::span<const Certificate> presented, VerifyPurpose purpose) {
  detail::StorePtr store(X509_STORE_new());
  OMNI_CHECK(store != nullptr);
  for (const auto& a : trust.anchors) OMNI_CHECK(X509_STORE_add_cert(store.get(), a.native()) == 1);
  for (const auto& c : trust.crls) OMNI_CHECK(X509_STORE_add_crl(store.get(), c.native()) == 1);
  X509_STORE_set_verify_cb(store.get(), verify_callback);
  unsigned long flags = X509_V_FLAG_X509_STRICT;  // NOLINT(runtime/int): OpenSSL's type
  if (trust.check_crl) flags |= X509_V_FLAG_CRL_CHECK;
  OMNI_CHECK(X509_STORE_set_flags(store.get(), flags) == 1);

  X509StackPtr untrusted(sk_X509_new_null());
  OMNI_CHECK(untrusted != nullptr);
  for (const auto& c : trust.intermediates)
    OMNI_CHECK(sk_X509_push(untrusted.get(), c.native()) > 0);
  for (const auto& c : presented) OMNI_CHECK(sk_X509_push(untrusted.get(), c.native()) > 0);

  detail::StoreCtxPtr ctx(X509_STORE_CTX_new());
  OMNI_CHECK(ctx != nullptr);
  OMNI_CHECK(X509_STORE_CTX_init(ctx.get(), store.get(), leaf.native(), untrusted.get()) == 1);
  X509_STORE_CTX_set_time(ctx.get(), 0, static_cast<std::time_t>(now.seconds));
  if (purpose != VerifyPurpose::Any) {
    OMNI_CHECK(X509_STORE_CTX_set_purpose(ctx.get(), purpose == VerifyPurpose::TlsClient
                                                         ? X509_PURPOSE_SSL_CLIENT
                                                         : X509_PURPOSE_SSL_SERVER) == 1);
  }

  Verification out;
  const int verified = X509_verify_cert(ctx.get());
  const int error = X509_STORE_CTX_get_error(ctx.get());
  detail::openssl_error();  // the queue may hold entries from failed checks; not ours to keep
  if (verified == 1 && error == X509_V_OK) {
    STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get());
    for (int i = 0; chain != nullptr && i < sk_X509_num(chain); ++i) {
      out.chain.push_back(detail::name_text(X509_get_subject_name(sk_X509_value(chain, i))));
    }
    return out;
  }
  out.failure = classify(error);
  if (out.failure == VerifyFailure::None) out.failure = VerifyFailure::Invalid;
  const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
  X509* at = X509_STORE_CTX_get_current_cert(ctx.get());
  out.detail =
      std::string(X509_verify_cert_error_string(error)) + " at depth " + std::to_string(depth);
  if (at != nullptr) out.detail += " (" + detail::name_text(X509_get_subject_name(at)) + ")";
  if (out.failure == VerifyFailure::Revoked) {
    for (const auto& crl : trust.crls) {
      if (auto reason = crl.find(leaf.serial_hex()); reason && crl.issuer() == leaf.issuer()) {
        out.detail += ", reason " + std::string(revocation_reason_name(*reason));
        break;
      }
    }
  }
  return out;
}

}  // namespace omni::crypto::pki
