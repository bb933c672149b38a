#pragma once
// SM4 block cipher (GB/T 32907-2016) on OpenSSL 3.0: single blocks (ECB), CBC with PKCS#7
// padding, CTR, and `seal`/`open`, an authenticated encryption built from SM4-CTR and HMAC-SM3
// (encrypt-then-MAC), because OpenSSL 3.0 has no SM4-GCM/CCM (docs/security.md, "Primitives").
//
//   SealKey key = SealKey::generate();                     // or from a 32-byte key block
//   Bytes box = seal(key, header, plaintext);             // IV || ciphertext || tag
//   Result<Bytes> back = open(key, header, box);          // BadChecksum if anything changed
//
// Errors are values for anything that depends on input (wrong key size, bad padding, a forged
// box). OpenSSL failures that no input can cause (out of memory) abort through OMNI_CHECK.
// Key objects may be shared read-only between threads; Sm4BlockCipher is not thread-safe.

#include <array>
#include <cstdint>
#include <memory>
#include <utility>

#include "crypto/bytes.hpp"

struct evp_cipher_ctx_st;

namespace omni::crypto {

inline constexpr std::size_t kSm4KeySize = 16;
inline constexpr std::size_t kSm4BlockSize = 16;
using Sm4Block = std::array<std::uint8_t, kSm4BlockSize>;

// A 16-byte SM4 key. Every copy wipes its bytes when destroyed or moved from (GB/T 22239
// residual information); copy only when a second owner really needs one.
class Sm4Key {
 public:
  // Errors: OutOfRange when `bytes` is not 16 bytes long.
  static Result<Sm4Key> from_bytes(ByteView bytes);
  static Sm4Key generate();  // from OpenSSL's CSPRNG

  Sm4Key(const Sm4Key& other) = default;
  Sm4Key& operator=(const Sm4Key& other) = default;
  Sm4Key(Sm4Key&& other) noexcept;
  Sm4Key& operator=(Sm4Key&& other) noexcept;
  ~Sm4Key();

  ByteView bytes() const { return bytes_; }

 private:
  Sm4Key() = default;
  std::array<std::uint8_t, kSm4KeySize> bytes_{};
};

// Raw SM4 on single blocks (ECB), for standard vectors and for building other modes; never use
// it to encrypt data directly (identical blocks give identical ciphertext).
class Sm4BlockCipher {
 public:
  explicit Sm4BlockCipher(const Sm4Key& key);
  ~Sm4BlockCipher();
  Sm4BlockCipher(Sm4BlockCipher&&) noexcept;
  Sm4BlockCipher& operator=(Sm4BlockCipher&&) noexcept;

  Sm4Block encrypt(const Sm4Block& block);
  Sm4Block decrypt(const Sm4Block& block);

 private:
  struct Free {
    void operator()(evp_cipher_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_cipher_ctx_st, Free> enc_;
  std::unique_ptr<evp_cipher_ctx_st, Free> dec_;
};

// SM4-CBC with PKCS#7 padding: the output is 1..16 bytes longer than the input. CBC alone is
// malleable and, with padding errors visible, a padding oracle: use it only for data that is
// authenticated separately, or use seal().
Bytes sm4_cbc_encrypt(const Sm4Key& key, const Sm4Block& iv, ByteView plaintext);
// Errors: Malformed (length not a positive multiple of 16, or bad padding).
Result<Bytes> sm4_cbc_decrypt(const Sm4Key& key, const Sm4Block& iv, ByteView ciphertext);

// SM4-CTR: the IV is the initial 128-bit counter block, incremented as one big-endian number
// (OpenSSL and draft-ribose-cfrg-sm4). Encryption and decryption are the same operation. Never
// reuse (key, iv) for two messages.
Bytes sm4_ctr(const Sm4Key& key, const Sm4Block& iv, ByteView data);

// ---- Authenticated encryption: SM4-CTR + HMAC-SM3, encrypt-then-MAC ----
//
// Box layout: IV (16) || ciphertext (= plaintext length) || tag (16).
// tag = first 16 bytes of HMAC-SM3(mac_key, u64be(len(ad)) || ad || IV || ciphertext).
// The length prefix keeps (ad, ciphertext) splits unambiguous; the IV is inside the MAC so it
// cannot be swapped.
inline constexpr std::size_t kSealIvSize = 16;
inline constexpr std::size_t kSealTagSize = 16;
inline constexpr std::size_t kSealOverhead = kSealIvSize + kSealTagSize;

// Two independent keys: SM4 for confidentiality, a 16-byte HMAC-SM3 key for integrity. Using
// one key for both would tie the two primitives together; a key block from a KDF gives both.
class SealKey {
 public:
  SealKey(Sm4Key enc, Sm4Key mac) : enc_(std::move(enc)), mac_(std::move(mac)) {}
  // A 32-byte key block: enc key (16) then MAC key (16). Errors: OutOfRange on another size.
  static Result<SealKey> from_bytes(ByteView key_block);
  static SealKey generate();

  const Sm4Key& enc() const { return enc_; }
  const Sm4Key& mac() const { return mac_; }

 private:
  Sm4Key enc_;
  Sm4Key mac_;  // HMAC key; Sm4Key is used only for its 16-byte wiping storage
};

// Encrypts under a fresh random IV. Cannot fail.
Bytes seal(const SealKey& key, ByteView ad, ByteView plaintext);
// Same with a caller-chosen IV, for protocols that derive it from a sequence number (the
// record layer: direction || seq64 || 0...). The caller must never repeat an IV under one key.
Bytes seal_with_iv(const SealKey& key, const Sm4Block& iv, ByteView ad, ByteView plaintext);
// Checks the tag (CRYPTO_memcmp, constant time) before decrypting anything.
// Errors: Malformed (shorter than IV + tag), BadChecksum (tag mismatch: wrong key, changed box,
// changed associated data).
Result<Bytes> open(const SealKey& key, ByteView ad, ByteView box);

}  // namespace omni::crypto
