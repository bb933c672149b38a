#include "crypto/sm3.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "core/check.hpp"
#include "crypto/openssl_util.hpp"

namespace omni::crypto {

using detail::sm3_md;

void Sm3::Free::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

Sm3::Sm3() : ctx_(EVP_MD_CTX_new()) {
  OMNI_CHECK(ctx_ != nullptr);
  OMNI_CHECK(EVP_DigestInit_ex2(ctx_.get(), sm3_md(), nullptr) == 1);
}
Sm3::~Sm3() = default;
Sm3::Sm3(Sm3&&) noexcept = default;
Sm3& Sm3::operator=(Sm3&&) noexcept = default;

Sm3& Sm3::update(ByteView data) {
  OMNI_CHECK(EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) == 1);
  return *this;
}

Sm3Digest Sm3::finish() {
  Sm3Digest out{};
  unsigned int n = 0;
  OMNI_CHECK(EVP_DigestFinal_ex(ctx_.get(), out.data(), &n) == 1 && n == out.size());
  OMNI_CHECK(EVP_DigestInit_ex2(ctx_.get(), sm3_md(), nullptr) == 1);
  return out;
}

Sm3Digest sm3(ByteView data) {
  Sm3Digest out{};
  unsigned int n = 0;
  OMNI_CHECK(EVP_Digest(data.data(), data.size(), out.data(), &n, sm3_md(), nullptr) == 1 &&
             n == out.size());
  return out;
}

void HmacSm3::Free::operator()(evp_mac_ctx_st* ctx) const { EVP_MAC_CTX_free(ctx); }

HmacSm3::HmacSm3(ByteView key) : ctx_(EVP_MAC_CTX_new(detail::hmac_mac())) {
  OMNI_CHECK(ctx_ != nullptr);
  char digest[] = "SM3";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_END};
  // HMAC accepts an empty key; OpenSSL wants a non-null pointer for it.
  static const std::uint8_t kEmpty = 0;
  OMNI_CHECK(EVP_MAC_init(ctx_.get(), key.empty() ? &kEmpty : key.data(), key.size(), params) == 1);
}
HmacSm3::~HmacSm3() = default;
HmacSm3::HmacSm3(HmacSm3&&) noexcept = default;
HmacSm3& HmacSm3::operator=(HmacSm3&&) noexcept = default;

HmacSm3& HmacSm3::update(ByteView data) {
  OMNI_CHECK(EVP_MAC_update(ctx_.get(), data.data(), data.size()) == 1);
  return *this;
}

Sm3Digest HmacSm3::finish() {
  Sm3Digest out{};
  std::size_t n = 0;
  OMNI_CHECK(EVP_MAC_final(ctx_.get(), out.data(), &n, out.size()) == 1 && n == out.size());
  // A null key re-initialises HMAC with the key it already holds (OpenSSL 3.0 HMAC provider).
  OMNI_CHECK(EVP_MAC_init(ctx_.get(), nullptr, 0, nullptr) == 1);
  return out;
}

Sm3Digest hmac_sm3(ByteView key, ByteView data) {
  // One shot without the keyed template copy HmacSm3 keeps for reuse.
  detail::MacCtxPtr ctx(EVP_MAC_CTX_new(detail::hmac_mac()));
  OMNI_CHECK(ctx != nullptr);
  char digest[] = "SM3";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_END};
  static const std::uint8_t kEmpty = 0;
  OMNI_CHECK(EVP_MAC_init(ctx.get(), key.empty() ? &kEmpty : key.data(), key.size(), params) == 1);
  OMNI_CHECK(EVP_MAC_update(ctx.get(), data.data(), data.size()) == 1);
  Sm3Digest out{};
  std::size_t n = 0;
  OMNI_CHECK(EVP_MAC_final(ctx.get(), out.data(), &n, out.size()) == 1 && n == out.size());
  return out;
}

}  // namespace omni::crypto
