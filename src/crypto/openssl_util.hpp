#pragma once
// Internal to src/crypto: OpenSSL ownership helpers and cached algorithm handles. Not part of the
// public API (callers include sm2.hpp, sm3.hpp, sm4.hpp).

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <memory>
#include <string>

#include "core/result.hpp"

namespace omni::crypto::detail {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};

using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, Deleter<EVP_MAC_CTX, EVP_MAC_CTX_free>>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, Deleter<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using SecureBnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_clear_free>>;
using BnCtxPtr = std::unique_ptr<BN_CTX, Deleter<BN_CTX, BN_CTX_free>>;
using PointPtr = std::unique_ptr<EC_POINT, Deleter<EC_POINT, EC_POINT_free>>;
using SecurePointPtr = std::unique_ptr<EC_POINT, Deleter<EC_POINT, EC_POINT_clear_free>>;
using GroupPtr = std::unique_ptr<EC_GROUP, Deleter<EC_GROUP, EC_GROUP_free>>;

// Algorithms fetched once per process (an implicit fetch on every init costs a provider lookup).
// Fetching is thread-safe through C++ static initialisation; the handles are read-only after.
const EVP_MD* sm3_md();
const EVP_CIPHER* sm4_cipher(const char* name);  // "SM4-ECB", "SM4-CBC", "SM4-CTR"
EVP_MAC* hmac_mac();
// The SM2 curve (GB/T 32918.5 recommended parameters), shared and immutable.
const EC_GROUP* sm2_group();

// The newest OpenSSL error queue entry as text, and the queue cleared; for Error details.
std::string openssl_error();
// fail(code, what + ": " + openssl_error()).
tl::unexpected<Error> ssl_fail(ErrorCode code, const std::string& what);

}  // namespace omni::crypto::detail
