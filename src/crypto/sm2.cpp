#include "crypto/sm2.hpp"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cstring>

#include "core/check.hpp"
#include "crypto/der.hpp"
#include "crypto/openssl_util.hpp"

namespace omni::crypto {

using detail::BnCtxPtr;
using detail::BnPtr;
using detail::MdCtxPtr;
using detail::PkeyCtxPtr;
using detail::PkeyPtr;
using detail::PointPtr;
using detail::SecureBnPtr;
using detail::ssl_fail;

namespace detail {

const EC_GROUP* sm2_group() {
  static EC_GROUP* group = EC_GROUP_new_by_curve_name(NID_sm2);
  OMNI_CHECK(group != nullptr);
  return group;
}

}  // namespace detail

namespace {

using detail::sm2_group;

std::shared_ptr<evp_pkey_st> share(EVP_PKEY* pkey) {
  return std::shared_ptr<evp_pkey_st>(pkey, EVP_PKEY_free);
}

// Builds an EVP_PKEY of type "SM2" from its parts (d may be null for a public key).
Result<PkeyPtr> build_pkey(const Sm2Point& pub, const BIGNUM* d) {
  std::unique_ptr<OSSL_PARAM_BLD, detail::Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>> bld(
      OSSL_PARAM_BLD_new());
  OMNI_CHECK(bld != nullptr);
  OMNI_CHECK(OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0));
  OMNI_CHECK(
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub.size()));
  if (d != nullptr) OMNI_CHECK(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d));
  std::unique_ptr<OSSL_PARAM, detail::Deleter<OSSL_PARAM, OSSL_PARAM_free>> params(
      OSSL_PARAM_BLD_to_param(bld.get()));
  OMNI_CHECK(params != nullptr);
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "SM2", nullptr));
  OMNI_CHECK(ctx != nullptr);
  OMNI_CHECK(EVP_PKEY_fromdata_init(ctx.get()) == 1);
  EVP_PKEY* pkey = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &pkey, d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                        params.get()) != 1) {
    return ssl_fail(ErrorCode::OutOfRange, "SM2 key rejected by OpenSSL");
  }
  return PkeyPtr(pkey);
}

Sm2Point point_of(const EVP_PKEY* pkey) {
  Sm2Point out{};
  std::size_t len = 0;
  OMNI_CHECK(EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, out.data(), out.size(),
                                             &len) == 1);
  OMNI_CHECK(len == out.size() && out[0] == 0x04);
  return out;
}

bool on_sm2_curve(const EVP_PKEY* pkey) {
  char name[32] = {};
  std::size_t len = 0;
  return EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name,
                                        &len) == 1 &&
         std::string_view(name, len) == "SM2";
}

Status check_id(std::string_view id) {
  if (id.size() > 8191) {
    return fail(ErrorCode::OutOfRange, "SM2 ID longer than 8191 bytes (ENTL is 16 bits)");
  }
  return ok();
}

// A digest-sign/verify context with the distinguishing ID set on its EVP_PKEY_CTX, the pattern
// OpenSSL documents for SM2 (EVP_PKEY_CTX_set1_id + EVP_MD_CTX_set_pkey_ctx). The MD context
// does not own the PKEY context, so both live here and the MD context is freed first.
struct SigContext {
  PkeyCtxPtr pctx;
  MdCtxPtr mctx;
};

SigContext sig_context(EVP_PKEY* pkey, std::string_view id) {
  SigContext c{PkeyCtxPtr(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr)),
               MdCtxPtr(EVP_MD_CTX_new())};
  OMNI_CHECK(c.pctx != nullptr && c.mctx != nullptr);
  OMNI_CHECK(EVP_PKEY_CTX_set1_id(c.pctx.get(), id.data(), id.size()) == 1);
  EVP_MD_CTX_set_pkey_ctx(c.mctx.get(), c.pctx.get());
  return c;
}

// a || b || xG || yG of the SM2 curve, the fixed middle of every Z.
const std::array<std::uint8_t, 128>& curve_constants() {
  static const std::array<std::uint8_t, 128> constants = [] {
    std::array<std::uint8_t, 128> out{};
    BnCtxPtr ctx(BN_CTX_new());
    BnPtr p(BN_new()), a(BN_new()), b(BN_new()), x(BN_new()), y(BN_new());
    OMNI_CHECK(EC_GROUP_get_curve(sm2_group(), p.get(), a.get(), b.get(), ctx.get()) == 1);
    OMNI_CHECK(EC_POINT_get_affine_coordinates(sm2_group(), EC_GROUP_get0_generator(sm2_group()),
                                               x.get(), y.get(), ctx.get()) == 1);
    const BIGNUM* parts[] = {a.get(), b.get(), x.get(), y.get()};
    for (std::size_t i = 0; i < 4; ++i) {
      OMNI_CHECK(BN_bn2binpad(parts[i], out.data() + 32 * i, 32) == 32);
    }
    return out;
  }();
  return constants;
}

}  // namespace

// ---- keys ----

Result<Sm2PublicKey> Sm2PublicKey::from_point(ByteView point) {
  if (point.size() != kSm2PointSize || point[0] != 0x04) {
    return fail(ErrorCode::Malformed, "SM2 public key must be 65 bytes 04 || X || Y");
  }
  // EC_POINT_oct2point checks the equation of the curve; EVP_PKEY_fromdata alone might not.
  PointPtr p(EC_POINT_new(sm2_group()));
  OMNI_CHECK(p != nullptr);
  if (EC_POINT_oct2point(sm2_group(), p.get(), point.data(), point.size(), nullptr) != 1) {
    detail::openssl_error();
    return fail(ErrorCode::OutOfRange, "SM2 public key is not a point of the SM2 curve");
  }
  Sm2Point pub{};
  std::copy(point.begin(), point.end(), pub.begin());
  auto pkey = build_pkey(pub, nullptr);
  if (!pkey) return fail(std::move(pkey).error());
  return Sm2PublicKey(share(pkey->release()));
}

Result<Sm2PublicKey> Sm2PublicKey::from_pem(std::string_view pem) {
  std::unique_ptr<BIO, detail::Deleter<BIO, BIO_free_all>> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  OMNI_CHECK(bio != nullptr);
  PkeyPtr pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey) return ssl_fail(ErrorCode::Malformed, "not a PEM public key");
  if (!on_sm2_curve(pkey.get())) return fail(ErrorCode::Unsupported, "not an SM2 public key");
  // Normalise to key type "SM2" (a key may load as type "EC" on the SM2 curve).
  return from_point(point_of(pkey.get()));
}

Sm2Point Sm2PublicKey::to_point() const { return point_of(pkey_.get()); }

namespace {
std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);  // NOLINT(runtime/int): OpenSSL's type
  return std::string(data, static_cast<std::size_t>(len));
}
}  // namespace

std::string Sm2PublicKey::to_pem() const {
  std::unique_ptr<BIO, detail::Deleter<BIO, BIO_free_all>> bio(BIO_new(BIO_s_mem()));
  OMNI_CHECK(bio != nullptr && PEM_write_bio_PUBKEY(bio.get(), pkey_.get()) == 1);
  return bio_text(bio.get());
}

Sm2KeyPair::Sm2KeyPair(std::shared_ptr<evp_pkey_st> pkey)
    : pkey_(std::move(pkey)), public_(pkey_) {}

Sm2KeyPair Sm2KeyPair::generate() {
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2");
  OMNI_CHECK(pkey != nullptr);
  return Sm2KeyPair(share(pkey));
}

Result<Sm2KeyPair> Sm2KeyPair::from_private_scalar(ByteView d_bytes) {
  if (d_bytes.size() != kSm2ScalarSize) {
    return fail(ErrorCode::Malformed, "SM2 private key must be 32 bytes");
  }
  SecureBnPtr d(BN_secure_new());
  OMNI_CHECK(d != nullptr);
  OMNI_CHECK(BN_bin2bn(d_bytes.data(), static_cast<int>(d_bytes.size()), d.get()) != nullptr);
  // GB/T 32918.1 6.1: d in [1, n-2] (n-1 is excluded because signing divides by 1 + d).
  BnPtr limit(BN_dup(EC_GROUP_get0_order(sm2_group())));
  OMNI_CHECK(limit != nullptr && BN_sub_word(limit.get(), 2) == 1);
  if (BN_is_zero(d.get()) || BN_cmp(d.get(), limit.get()) > 0) {
    return fail(ErrorCode::OutOfRange, "SM2 private key outside [1, n-2]");
  }
  BnCtxPtr ctx(BN_CTX_secure_new());
  PointPtr q(EC_POINT_new(sm2_group()));
  OMNI_CHECK(ctx != nullptr && q != nullptr);
  OMNI_CHECK(EC_POINT_mul(sm2_group(), q.get(), d.get(), nullptr, nullptr, ctx.get()) == 1);
  Sm2Point pub{};
  OMNI_CHECK(EC_POINT_point2oct(sm2_group(), q.get(), POINT_CONVERSION_UNCOMPRESSED, pub.data(),
                                pub.size(), ctx.get()) == pub.size());
  auto pkey = build_pkey(pub, d.get());
  if (!pkey) return fail(std::move(pkey).error());
  return Sm2KeyPair(share(pkey->release()));
}

Result<Sm2KeyPair> Sm2KeyPair::from_pem(std::string_view pem) {
  std::unique_ptr<BIO, detail::Deleter<BIO, BIO_free_all>> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  OMNI_CHECK(bio != nullptr);
  // An empty passphrase callback result: encrypted PEMs fail instead of prompting on a TTY.
  auto no_passphrase = [](char*, int, int, void*) -> int { return 0; };
  PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!pkey) return ssl_fail(ErrorCode::Malformed, "not an unencrypted PEM private key");
  if (!on_sm2_curve(pkey.get())) return fail(ErrorCode::Unsupported, "not an SM2 private key");
  // Rebuild from the scalar: normalises the key type to "SM2" and re-checks the range.
  const Secret<kSm2ScalarSize> d = Sm2KeyPair(share(pkey.release())).private_scalar();
  return from_private_scalar(d.view());
}

std::string Sm2KeyPair::to_pem() const {
  // A secure-memory BIO clears its buffer when freed; the returned string is the caller's.
  std::unique_ptr<BIO, detail::Deleter<BIO, BIO_free_all>> bio(BIO_new(BIO_s_secmem()));
  OMNI_CHECK(bio != nullptr);
  OMNI_CHECK(
      PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1);
  return bio_text(bio.get());
}

Secret<kSm2ScalarSize> Sm2KeyPair::private_scalar() const {
  BIGNUM* raw = nullptr;
  OMNI_CHECK(EVP_PKEY_get_bn_param(pkey_.get(), OSSL_PKEY_PARAM_PRIV_KEY, &raw) == 1);
  SecureBnPtr d(raw);
  Secret<kSm2ScalarSize> out;
  OMNI_CHECK(BN_bn2binpad(d.get(), out.value.data(), static_cast<int>(out.value.size())) == 32);
  return out;
}

// ---- Z, sign, verify ----

Result<Sm3Digest> sm2_z(const Sm2PublicKey& key, std::string_view id) {
  OMNI_TRY(check_id(id));
  const std::size_t bits = id.size() * 8;
  const std::array<std::uint8_t, 2> entl = {static_cast<std::uint8_t>(bits >> 8),
                                            static_cast<std::uint8_t>(bits)};
  const Sm2Point pub = key.to_point();
  Sm3 h;
  h.update(entl).update(as_bytes(id)).update(curve_constants());
  h.update(ByteView(pub).subspan(1));
  return h.finish();
}

Result<Bytes> sm2_sign(const Sm2KeyPair& key, ByteView message, std::string_view id) {
  OMNI_TRY(check_id(id));
  SigContext c = sig_context(key.native(), id);
  OMNI_CHECK(EVP_DigestSignInit(c.mctx.get(), nullptr, detail::sm3_md(), nullptr, key.native()) ==
             1);
  std::size_t len = 0;
  OMNI_CHECK(EVP_DigestSign(c.mctx.get(), nullptr, &len, message.data(), message.size()) == 1);
  Bytes sig(len);
  OMNI_CHECK(EVP_DigestSign(c.mctx.get(), sig.data(), &len, message.data(), message.size()) == 1);
  sig.resize(len);
  return sig;
}

Status sm2_verify(const Sm2PublicKey& key, ByteView message, ByteView der_signature,
                  std::string_view id) {
  OMNI_TRY(check_id(id));
  // Strict DER first, so a garbled signature is Malformed and not "did not verify".
  auto raw = sm2_signature_der_to_raw(der_signature);
  if (!raw) return fail(std::move(raw).error());
  SigContext c = sig_context(key.native(), id);
  OMNI_CHECK(EVP_DigestVerifyInit(c.mctx.get(), nullptr, detail::sm3_md(), nullptr, key.native()) ==
             1);
  const int r = EVP_DigestVerify(c.mctx.get(), der_signature.data(), der_signature.size(),
                                 message.data(), message.size());
  if (r != 1) {
    detail::openssl_error();
    return fail(ErrorCode::BadChecksum, "SM2 signature does not verify");
  }
  return ok();
}

Result<Sm2RawSignature> sm2_signature_der_to_raw(ByteView der) {
  detail::DerReader outer(der);
  auto seq = outer.element(detail::kDerSequence);
  if (!seq) return fail(std::move(seq).error());
  if (!outer.at_end()) return fail(ErrorCode::Malformed, "SM2 signature: bytes after the DER");
  detail::DerReader inner(*seq);
  auto r = inner.unsigned32();
  if (!r) return fail(std::move(r).error());
  auto s = inner.unsigned32();
  if (!s) return fail(std::move(s).error());
  if (!inner.at_end()) return fail(ErrorCode::Malformed, "SM2 signature: extra DER elements");
  const std::array<std::uint8_t, 32> zero{};
  if (*r == zero || *s == zero) return fail(ErrorCode::OutOfRange, "SM2 signature: r or s is 0");
  Sm2RawSignature out{};
  std::copy(r->begin(), r->end(), out.begin());
  std::copy(s->begin(), s->end(), out.begin() + 32);
  return out;
}

Result<Bytes> sm2_signature_raw_to_der(ByteView raw) {
  if (raw.size() != kSm2RawSignatureSize) {
    return fail(ErrorCode::Malformed, "raw SM2 signature must be 64 bytes r || s");
  }
  const std::array<std::uint8_t, 32> zero{};
  if (std::equal(zero.begin(), zero.end(), raw.begin()) ||
      std::equal(zero.begin(), zero.end(), raw.begin() + 32)) {
    return fail(ErrorCode::OutOfRange, "SM2 signature: r or s is 0");
  }
  Bytes body;
  detail::der_append_unsigned(body, raw.first(32));
  detail::der_append_unsigned(body, raw.subspan(32));
  Bytes out;
  detail::der_append(out, detail::kDerSequence, body);
  return out;
}

// ---- encryption ----

Result<Bytes> sm2_encrypt(const Sm2PublicKey& key, ByteView plaintext) {
  if (plaintext.empty()) return fail(ErrorCode::OutOfRange, "SM2: empty plaintext");
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.native(), nullptr));
  OMNI_CHECK(ctx != nullptr && EVP_PKEY_encrypt_init(ctx.get()) == 1);
  std::size_t len = 0;
  OMNI_CHECK(EVP_PKEY_encrypt(ctx.get(), nullptr, &len, plaintext.data(), plaintext.size()) == 1);
  Bytes out(len);
  OMNI_CHECK(EVP_PKEY_encrypt(ctx.get(), out.data(), &len, plaintext.data(), plaintext.size()) ==
             1);
  out.resize(len);
  return out;
}

Result<Bytes> sm2_decrypt(const Sm2KeyPair& key, ByteView der_ciphertext) {
  auto raw = sm2_ciphertext_der_to_c1c3c2(der_ciphertext);  // strict layout check
  if (!raw) return fail(std::move(raw).error());
  if (raw->size() == kSm2PointSize + kSm3DigestSize) {
    return fail(ErrorCode::Malformed, "SM2 ciphertext: empty C2");
  }
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.native(), nullptr));
  OMNI_CHECK(ctx != nullptr && EVP_PKEY_decrypt_init(ctx.get()) == 1);
  std::size_t len = 0;
  if (EVP_PKEY_decrypt(ctx.get(), nullptr, &len, der_ciphertext.data(), der_ciphertext.size()) !=
      1) {
    return ssl_fail(ErrorCode::Malformed, "SM2 ciphertext rejected");
  }
  Bytes out(len);
  if (EVP_PKEY_decrypt(ctx.get(), out.data(), &len, der_ciphertext.data(), der_ciphertext.size()) !=
      1) {
    wipe(out);
    detail::openssl_error();
    return fail(ErrorCode::BadChecksum, "SM2 decryption failed (C3 mismatch or bad C1)");
  }
  out.resize(len);
  return out;
}

Result<Bytes> sm2_ciphertext_der_to_c1c3c2(ByteView der) {
  detail::DerReader outer(der);
  auto seq = outer.element(detail::kDerSequence);
  if (!seq) return fail(std::move(seq).error());
  if (!outer.at_end()) return fail(ErrorCode::Malformed, "SM2 ciphertext: bytes after the DER");
  detail::DerReader inner(*seq);
  auto x = inner.unsigned32();
  if (!x) return fail(std::move(x).error());
  auto y = inner.unsigned32();
  if (!y) return fail(std::move(y).error());
  auto c3 = inner.element(detail::kDerOctetString);
  if (!c3) return fail(std::move(c3).error());
  auto c2 = inner.element(detail::kDerOctetString);
  if (!c2) return fail(std::move(c2).error());
  if (!inner.at_end()) return fail(ErrorCode::Malformed, "SM2 ciphertext: extra DER elements");
  if (c3->size() != kSm3DigestSize) {
    return fail(ErrorCode::Malformed, "SM2 ciphertext: C3 is not 32 bytes");
  }
  Bytes out;
  out.reserve(kSm2PointSize + kSm3DigestSize + c2->size());
  out.push_back(0x04);
  out.insert(out.end(), x->begin(), x->end());
  out.insert(out.end(), y->begin(), y->end());
  out.insert(out.end(), c3->begin(), c3->end());
  out.insert(out.end(), c2->begin(), c2->end());
  return out;
}

namespace {
Status check_raw_layout(ByteView raw) {
  if (raw.size() < kSm2PointSize + kSm3DigestSize) {
    return fail(ErrorCode::Malformed, "SM2 ciphertext shorter than C1 + C3");
  }
  if (raw[0] != 0x04) {
    return fail(ErrorCode::Malformed, "SM2 ciphertext: C1 must start with 04 (uncompressed)");
  }
  return ok();
}
}  // namespace

Result<Bytes> sm2_ciphertext_c1c3c2_to_der(ByteView raw) {
  OMNI_TRY(check_raw_layout(raw));
  Bytes body;
  detail::der_append_unsigned(body, raw.subspan(1, 32));
  detail::der_append_unsigned(body, raw.subspan(33, 32));
  detail::der_append(body, detail::kDerOctetString, raw.subspan(kSm2PointSize, kSm3DigestSize));
  detail::der_append(body, detail::kDerOctetString, raw.subspan(kSm2PointSize + kSm3DigestSize));
  Bytes out;
  detail::der_append(out, detail::kDerSequence, body);
  return out;
}

Result<Bytes> sm2_ciphertext_c1c3c2_to_c1c2c3(ByteView raw) {
  OMNI_TRY(check_raw_layout(raw));
  Bytes out(raw.begin(), raw.begin() + kSm2PointSize);
  const ByteView c3 = raw.subspan(kSm2PointSize, kSm3DigestSize);
  const ByteView c2 = raw.subspan(kSm2PointSize + kSm3DigestSize);
  out.insert(out.end(), c2.begin(), c2.end());
  out.insert(out.end(), c3.begin(), c3.end());
  return out;
}

Result<Bytes> sm2_ciphertext_c1c2c3_to_c1c3c2(ByteView raw) {
  OMNI_TRY(check_raw_layout(raw));
  Bytes out(raw.begin(), raw.begin() + kSm2PointSize);
  const ByteView c3 = raw.last(kSm3DigestSize);
  const ByteView c2 = raw.subspan(kSm2PointSize, raw.size() - kSm2PointSize - kSm3DigestSize);
  out.insert(out.end(), c3.begin(), c3.end());
  out.insert(out.end(), c2.begin(), c2.end());
  return out;
}

}  // namespace omni::crypto
