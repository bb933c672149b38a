#pragma once
// SM2 public-key cryptography (GB/T 32918.1/.2/.4/.5) on OpenSSL 3.0: keys, signatures with the
// distinguishing ID always set, and public-key encryption with conversions between the
// ciphertext layouts in use.
//
//   Sm2KeyPair me = Sm2KeyPair::generate();
//   Bytes sig = *sm2_sign(me, msg);                       // DER, ID "1234567812345678"
//   Status ok = sm2_verify(me.public_key(), msg, sig);    // BadChecksum if it does not verify
//   Bytes box = *sm2_encrypt(peer, key_block);            // GM/T 0009 DER (C1, C3, C2)
//
// The ID: OpenSSL 1.1.1-3.x hash an EMPTY ID into Z unless told otherwise, while GM/T 0009 and
// GB/T 35276 (and sm-crypto, GmSSL, Tongsuo, BouncyCastle) default to "1234567812345678".
// Every function here takes the ID explicitly with that default, so no signature made or
// checked by this project ever uses OpenSSL's empty default (docs/security.md, "Primitives").
//
// Keys are immutable after construction and may be shared between threads; they hold OpenSSL
// EVP_PKEY objects by shared ownership, so copies are cheap.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "crypto/bytes.hpp"
#include "crypto/sm3.hpp"

struct evp_pkey_st;

namespace omni::crypto {

inline constexpr std::string_view kSm2DefaultId = "1234567812345678";
inline constexpr std::size_t kSm2ScalarSize = 32;
inline constexpr std::size_t kSm2PointSize = 65;  // 04 || X || Y (uncompressed, GB/T 32918.1 4.2.9)
inline constexpr std::size_t kSm2RawSignatureSize = 64;  // r || s, 32 bytes each
using Sm2Point = std::array<std::uint8_t, kSm2PointSize>;
using Sm2RawSignature = std::array<std::uint8_t, kSm2RawSignatureSize>;

class Sm2PublicKey {
 public:
  // From the uncompressed point 04 || X || Y. Errors: Malformed (not 65 bytes, or no 04
  // prefix), OutOfRange (not a point of the SM2 curve).
  static Result<Sm2PublicKey> from_point(ByteView point);
  // From a "-----BEGIN PUBLIC KEY-----" (SubjectPublicKeyInfo) PEM. Errors: Malformed (not a
  // PEM public key), Unsupported (a key on another curve or of another type).
  static Result<Sm2PublicKey> from_pem(std::string_view pem);

  Sm2Point to_point() const;
  std::string to_pem() const;

  // The OpenSSL key, for code in src/crypto (never null, never modified).
  evp_pkey_st* native() const { return pkey_.get(); }

 private:
  explicit Sm2PublicKey(std::shared_ptr<evp_pkey_st> pkey) : pkey_(std::move(pkey)) {}
  std::shared_ptr<evp_pkey_st> pkey_;
  friend class Sm2KeyPair;
};

class Sm2KeyPair {
 public:
  static Sm2KeyPair generate();
  // From a private key PEM: PKCS#8 "PRIVATE KEY" or SEC1 "EC PRIVATE KEY", unencrypted.
  // Errors: Malformed (not a PEM private key), Unsupported (not on the SM2 curve).
  static Result<Sm2KeyPair> from_pem(std::string_view pem);
  // From the 32-byte big-endian private scalar d (the public key is computed as d·G).
  // Errors: Malformed (not 32 bytes), OutOfRange (d not in [1, n-2], GB/T 32918.1 6.1).
  static Result<Sm2KeyPair> from_private_scalar(ByteView d);

  // Unencrypted PKCS#8 PEM: whoever stores it must protect it (file mode 0600, or SM4 under a
  // key-encryption key).
  std::string to_pem() const;
  // The private scalar d, 32 bytes big-endian, wiped when the returned object dies.
  Secret<kSm2ScalarSize> private_scalar() const;
  const Sm2PublicKey& public_key() const { return public_; }

  evp_pkey_st* native() const { return pkey_.get(); }

 private:
  explicit Sm2KeyPair(std::shared_ptr<evp_pkey_st> pkey);
  std::shared_ptr<evp_pkey_st> pkey_;
  Sm2PublicKey public_;
};

// Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA) (GB/T 32918.2 5.5), the user hash that
// signatures and the key exchange bind to. Errors: OutOfRange (ID longer than 8191 bytes: ENTL is
// a 16-bit count of bits).
Result<Sm3Digest> sm2_z(const Sm2PublicKey& key, std::string_view id = kSm2DefaultId);

// SM2 signature over SM3(Z || message), DER-encoded SEQUENCE { r INTEGER, s INTEGER } as in
// GM/T 0009 and X.509. Errors: OutOfRange (ID too long).
Result<Bytes> sm2_sign(const Sm2KeyPair& key, ByteView message,
                       std::string_view id = kSm2DefaultId);
// Errors: Malformed (not a strict DER signature), BadChecksum (does not verify: wrong key,
// message, ID or signature), OutOfRange (ID too long).
Status sm2_verify(const Sm2PublicKey& key, ByteView message, ByteView der_signature,
                  std::string_view id = kSm2DefaultId);

// DER <-> raw r || s (64 bytes, each big-endian and left-padded; the form of sm-crypto's
// `der: false`, PKCS#11 and most HSM APIs). Errors: Malformed (bad DER, trailing bytes, an
// integer longer than 32 bytes or not positive; a raw form that is not 64 bytes), OutOfRange
// (r or s zero).
Result<Sm2RawSignature> sm2_signature_der_to_raw(ByteView der);
Result<Bytes> sm2_signature_raw_to_der(ByteView raw);

// SM2 public-key encryption (GB/T 32918.4) with SM3. The ciphertext is the GM/T 0009 DER
// SEQUENCE { x INTEGER, y INTEGER, C3 OCTET STRING (32), C2 OCTET STRING }, which is what
// OpenSSL reads and writes. Errors: OutOfRange (empty plaintext: nothing to encrypt).
Result<Bytes> sm2_encrypt(const Sm2PublicKey& key, ByteView plaintext);
// Errors: Malformed (not a DER SM2 ciphertext), BadChecksum (C3 does not match: wrong key or
// changed ciphertext; also a C1 that is not on the curve, and a ciphertext whose KDF stream is
// all zeros, which GB/T 32918.4 B4 says to refuse; some JavaScript libraries emit those for 1 in
// 256^len messages because they skip the encryptor's re-draw).
Result<Bytes> sm2_decrypt(const Sm2KeyPair& key, ByteView der_ciphertext);

// Raw byte layouts of the same ciphertext. C1 is always 65 bytes 04 || x1 || y1, C3 32 bytes,
// C2 as long as the plaintext:
//   C1C3C2: GB/T 32918.4-2016 order (and sm-crypto cipherMode 1, without its 04 prefix)
//   C1C2C3: the order of GM/T 0003-2012 (and sm-crypto cipherMode 0, without its 04 prefix)
// Layout functions check lengths and the 04 prefix only; decryption checks the point.
// Errors: Malformed.
Result<Bytes> sm2_ciphertext_der_to_c1c3c2(ByteView der);
Result<Bytes> sm2_ciphertext_c1c3c2_to_der(ByteView c1c3c2);
Result<Bytes> sm2_ciphertext_c1c3c2_to_c1c2c3(ByteView c1c3c2);
Result<Bytes> sm2_ciphertext_c1c2c3_to_c1c3c2(ByteView c1c2c3);

}  // namespace omni::crypto
