#include "crypto/sm4.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <climits>
#include <optional>
#include <string>

#include "core/check.hpp"
#include "crypto/openssl_util.hpp"
#include "crypto/sm3.hpp"

namespace omni::crypto {

using detail::CipherCtxPtr;
using detail::sm4_cipher;

// ---- Sm4Key ----

Result<Sm4Key> Sm4Key::from_bytes(ByteView bytes) {
  if (bytes.size() != kSm4KeySize) {
    return fail(ErrorCode::OutOfRange,
                "SM4 key must be 16 bytes, got " + std::to_string(bytes.size()));
  }
  Sm4Key key;
  std::copy(bytes.begin(), bytes.end(), key.bytes_.begin());
  return key;
}

Sm4Key Sm4Key::generate() {
  Sm4Key key;
  random_bytes(key.bytes_);
  return key;
}

Sm4Key::Sm4Key(Sm4Key&& other) noexcept : bytes_(other.bytes_) { wipe(other.bytes_); }

Sm4Key& Sm4Key::operator=(Sm4Key&& other) noexcept {
  if (this != &other) {
    bytes_ = other.bytes_;
    wipe(other.bytes_);
  }
  return *this;
}

Sm4Key::~Sm4Key() { wipe(bytes_); }

// ---- shared cipher plumbing ----

namespace {

CipherCtxPtr new_ctx(const char* cipher, const Sm4Key& key, const std::uint8_t* iv, bool encrypt,
                     bool padding) {
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  OMNI_CHECK(ctx != nullptr);
  OMNI_CHECK(EVP_CipherInit_ex2(ctx.get(), sm4_cipher(cipher), key.bytes().data(), iv,
                                encrypt ? 1 : 0, nullptr) == 1);
  OMNI_CHECK(EVP_CIPHER_CTX_set_padding(ctx.get(), padding ? 1 : 0) == 1);
  return ctx;
}

// Runs `in` through an initialised context into `out` (sized by the caller for the worst case)
// and returns the bytes written, or nullopt when finalisation fails (bad padding on decrypt).
std::optional<std::size_t> run(EVP_CIPHER_CTX* ctx, ByteView in, std::uint8_t* out) {
  std::size_t written = 0;
  std::size_t done = 0;
  while (done < in.size()) {  // EVP lengths are int: feed huge inputs in chunks
    const int chunk = static_cast<int>(std::min<std::size_t>(in.size() - done, INT_MAX / 2));
    int n = 0;
    OMNI_CHECK(EVP_CipherUpdate(ctx, out + written, &n, in.data() + done, chunk) == 1);
    written += static_cast<std::size_t>(n);
    done += static_cast<std::size_t>(chunk);
  }
  int n = 0;
  if (EVP_CipherFinal_ex(ctx, out + written, &n) != 1) return std::nullopt;
  return written + static_cast<std::size_t>(n);
}

}  // namespace

// ---- Sm4BlockCipher ----

void Sm4BlockCipher::Free::operator()(evp_cipher_ctx_st* ctx) const { EVP_CIPHER_CTX_free(ctx); }

Sm4BlockCipher::Sm4BlockCipher(const Sm4Key& key)
    : enc_(new_ctx("SM4-ECB", key, nullptr, true, false).release()),
      dec_(new_ctx("SM4-ECB", key, nullptr, false, false).release()) {}
Sm4BlockCipher::~Sm4BlockCipher() = default;
Sm4BlockCipher::Sm4BlockCipher(Sm4BlockCipher&&) noexcept = default;
Sm4BlockCipher& Sm4BlockCipher::operator=(Sm4BlockCipher&&) noexcept = default;

namespace {
Sm4Block one_block(EVP_CIPHER_CTX* ctx, const Sm4Block& in) {
  // ECB without padding keeps no state between blocks, so one Update per block is enough.
  Sm4Block out{};
  int n = 0;
  OMNI_CHECK(EVP_CipherUpdate(ctx, out.data(), &n, in.data(), static_cast<int>(in.size())) == 1 &&
             n == static_cast<int>(out.size()));
  return out;
}
}  // namespace

Sm4Block Sm4BlockCipher::encrypt(const Sm4Block& block) { return one_block(enc_.get(), block); }
Sm4Block Sm4BlockCipher::decrypt(const Sm4Block& block) { return one_block(dec_.get(), block); }

// ---- CBC and CTR ----

Bytes sm4_cbc_encrypt(const Sm4Key& key, const Sm4Block& iv, ByteView plaintext) {
  auto ctx = new_ctx("SM4-CBC", key, iv.data(), true, true);
  Bytes out(plaintext.size() + kSm4BlockSize);
  const auto n = run(ctx.get(), plaintext, out.data());
  OMNI_CHECK(n.has_value());  // encryption with padding cannot fail on any input
  out.resize(*n);
  return out;
}

Result<Bytes> sm4_cbc_decrypt(const Sm4Key& key, const Sm4Block& iv, ByteView ciphertext) {
  if (ciphertext.empty() || ciphertext.size() % kSm4BlockSize != 0) {
    return fail(ErrorCode::Malformed, "SM4-CBC ciphertext length " +
                                          std::to_string(ciphertext.size()) +
                                          " is not a positive multiple of 16");
  }
  auto ctx = new_ctx("SM4-CBC", key, iv.data(), false, true);
  Bytes out(ciphertext.size() + kSm4BlockSize);
  const auto n = run(ctx.get(), ciphertext, out.data());
  if (!n) {
    wipe(out);
    detail::openssl_error();  // clear the queue; the reason is always "bad decrypt"
    return fail(ErrorCode::Malformed, "SM4-CBC: bad PKCS#7 padding");
  }
  out.resize(*n);
  return out;
}

Bytes sm4_ctr(const Sm4Key& key, const Sm4Block& iv, ByteView data) {
  auto ctx = new_ctx("SM4-CTR", key, iv.data(), true, false);
  Bytes out(data.size());
  const auto n = run(ctx.get(), data, out.data());
  OMNI_CHECK(n.has_value() && *n == data.size());
  return out;
}

// ---- seal / open ----

Result<SealKey> SealKey::from_bytes(ByteView key_block) {
  if (key_block.size() != 2 * kSm4KeySize) {
    return fail(ErrorCode::OutOfRange,
                "seal key block must be 32 bytes, got " + std::to_string(key_block.size()));
  }
  auto enc = Sm4Key::from_bytes(key_block.first(kSm4KeySize));
  auto mac = Sm4Key::from_bytes(key_block.subspan(kSm4KeySize));
  return SealKey(std::move(*enc), std::move(*mac));
}

SealKey SealKey::generate() { return SealKey(Sm4Key::generate(), Sm4Key::generate()); }

namespace {

Sm3Digest seal_tag(const SealKey& key, ByteView ad, ByteView iv, ByteView ciphertext) {
  std::array<std::uint8_t, 8> ad_len{};
  for (std::size_t i = 0; i < 8; ++i) {
    ad_len[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(ad.size()) >> (56 - 8 * i));
  }
  HmacSm3 mac(key.mac().bytes());
  mac.update(ad_len).update(ad).update(iv).update(ciphertext);
  return mac.finish();
}

}  // namespace

Bytes seal_with_iv(const SealKey& key, const Sm4Block& iv, ByteView ad, ByteView plaintext) {
  Bytes box(kSealIvSize + plaintext.size() + kSealTagSize);
  std::copy(iv.begin(), iv.end(), box.begin());
  auto ctx = new_ctx("SM4-CTR", key.enc(), iv.data(), true, false);
  const auto n = run(ctx.get(), plaintext, box.data() + kSealIvSize);
  OMNI_CHECK(n.has_value() && *n == plaintext.size());
  const ByteView ciphertext(box.data() + kSealIvSize, plaintext.size());
  const auto tag = seal_tag(key, ad, iv, ciphertext);
  std::copy_n(tag.begin(), kSealTagSize, box.end() - kSealTagSize);
  return box;
}

Bytes seal(const SealKey& key, ByteView ad, ByteView plaintext) {
  Sm4Block iv{};
  random_bytes(iv);
  return seal_with_iv(key, iv, ad, plaintext);
}

Result<Bytes> open(const SealKey& key, ByteView ad, ByteView box) {
  if (box.size() < kSealOverhead) {
    return fail(ErrorCode::Malformed,
                "sealed box of " + std::to_string(box.size()) + " bytes is shorter than IV + tag");
  }
  const ByteView iv = box.first(kSealIvSize);
  const ByteView ciphertext = box.subspan(kSealIvSize, box.size() - kSealOverhead);
  const ByteView tag = box.last(kSealTagSize);
  const auto expected = seal_tag(key, ad, iv, ciphertext);
  if (!equal_constant_time(ByteView(expected).first(kSealTagSize), tag)) {
    return fail(ErrorCode::BadChecksum, "sealed box: authentication tag mismatch");
  }
  auto ctx = new_ctx("SM4-CTR", key.enc(), iv.data(), false, false);
  Bytes plaintext(ciphertext.size());
  const auto n = run(ctx.get(), ciphertext, plaintext.data());
  OMNI_CHECK(n.has_value() && *n == ciphertext.size());
  return plaintext;
}

}  // namespace omni::crypto
