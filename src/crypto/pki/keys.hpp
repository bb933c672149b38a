#pragma once
// Key pairs for the X.509 PKI of `omnimeter ctl pki` (docs/security.md, "Keys and certificates"),
// their PEM form at rest (optionally encrypted PKCS#8) and the file-permission rule every process
// that holds a private key applies at start-up.
//
//   auto key = pki::PrivateKey::generate(pki::KeyAlgorithm::EcdsaP256);
//   OMNI_TRY(pki::write_private_key_file(path, key, {.passphrase = pass}));   // 0600, PBES2
//   auto again = pki::load_private_key_file(path, pass);   // refuses a 0644 file
//
// Two key families, because stock OpenSSL 3.0 cannot do TLS with SM2 certificates:
//   EcdsaP256: TLS certificates (station <-> cloud mutual TLS, consoles).
//   Sm2:       signature and encryption certificates for the exchange envelope and the
//              station <-> terminal handshake (the ID "1234567812345678" is set wherever an SM2
//              signature is made or checked; see crypto/sm2.hpp).
//
// Key objects are immutable after construction and may be shared between threads (shared
// ownership of the OpenSSL EVP_PKEY). The file functions are thread-compatible: callers
// serialise writes to the same path.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "crypto/sm2.hpp"

struct evp_pkey_st;

namespace omni::crypto::pki {

enum class KeyAlgorithm : std::uint8_t { EcdsaP256, Sm2 };

// "ecdsa-p256", "sm2".
std::string_view key_algorithm_name(KeyAlgorithm algorithm);

// A passphrase held in memory only as long as needed and wiped on destruction (GB/T 22239
// residual information). Empty means "no encryption".
class Passphrase {
 public:
  Passphrase() = default;
  explicit Passphrase(std::string text) : text_(std::move(text)) {}
  Passphrase(const Passphrase& other) : text_(other.text_) {}
  Passphrase& operator=(const Passphrase& other);
  ~Passphrase();

  bool empty() const { return text_.empty(); }
  std::string_view view() const { return text_; }

 private:
  std::string text_;
};

// How a private key is written: unencrypted PKCS#8 when the passphrase is empty, otherwise
// PKCS#8 PBES2 with PBKDF2-HMAC-SHA256 (`iterations` rounds, random 16-byte salt) and the
// cipher below. OpenSSL's own default of 2048 rounds is too cheap to guess against.
enum class KeyCipher : std::uint8_t { Sm4Cbc, Aes256Cbc };
std::string_view key_cipher_name(KeyCipher cipher);  // "sm4-cbc", "aes-256-cbc"
// Errors: Malformed (another name).
Result<KeyCipher> parse_key_cipher(std::string_view name);

struct KeyProtection {
  Passphrase passphrase{};
  KeyCipher cipher = KeyCipher::Sm4Cbc;
  int iterations = 600'000;  // OWASP 2023 figure for PBKDF2-HMAC-SHA256
};

class PublicKey {
 public:
  // From a SubjectPublicKeyInfo PEM. Errors: Malformed, Unsupported (not P-256 or SM2).
  static Result<PublicKey> from_pem(std::string_view pem);
  // Adopts an EVP_PKEY reference (the caller's reference moves in). Errors: Unsupported.
  static Result<PublicKey> adopt(evp_pkey_st* pkey);

  KeyAlgorithm algorithm() const { return algorithm_; }
  std::string to_pem() const;
  // SM2 keys only, as the primitive type of crypto/sm2.hpp. Errors: Unsupported.
  Result<Sm2PublicKey> to_sm2() const;
  // True when both hold the same public point.
  bool operator==(const PublicKey& other) const;

  evp_pkey_st* native() const { return pkey_.get(); }

 private:
  PublicKey(std::shared_ptr<evp_pkey_st> pkey, KeyAlgorithm algorithm)
      : pkey_(std::move(pkey)), algorithm_(algorithm) {}
  std::shared_ptr<evp_pkey_st> pkey_;
  KeyAlgorithm algorithm_ = KeyAlgorithm::EcdsaP256;
  friend class PrivateKey;
};

class PrivateKey {
 public:
  // A fresh key from OpenSSL's DRBG (aborts only if the DRBG cannot be seeded).
  static PrivateKey generate(KeyAlgorithm algorithm);
  // PKCS#8 PEM, encrypted ("ENCRYPTED PRIVATE KEY", needs the passphrase) or not, or SEC1
  // "EC PRIVATE KEY". Errors: Unauthorized (encrypted and the passphrase is missing or wrong),
  // Malformed (not a PEM private key), Unsupported (not P-256 or SM2).
  static Result<PrivateKey> from_pem(std::string_view pem, const Passphrase& passphrase = {});

  KeyAlgorithm algorithm() const { return public_.algorithm(); }
  const PublicKey& public_key() const { return public_; }
  // PKCS#8 PEM protected as `protection` says. Errors: OutOfRange (iterations < 1000).
  Result<std::string> to_pem(const KeyProtection& protection) const;
  // SM2 keys only: the same key for sm2_sign / sm2_decrypt. Errors: Unsupported.
  Result<Sm2KeyPair> to_sm2() const;

  evp_pkey_st* native() const { return pkey_.get(); }

 private:
  PrivateKey(std::shared_ptr<evp_pkey_st> pkey, PublicKey pub)
      : pkey_(std::move(pkey)), public_(std::move(pub)) {}
  std::shared_ptr<evp_pkey_st> pkey_;
  PublicKey public_;
};

// ---- Files ----

// The start-up rule for key material (keys and passphrase files): the path must be a regular
// file (symbolic links are followed), owned by the effective user, with no permission bit for
// group or others, in a directory that group and others cannot write to (unless sticky), so
// nobody else can read it or swap it. Errors: NotFound (no such file), Config (any other
// breach; the detail names the file, its mode and the chmod that fixes it), Io (stat failed).
Status check_private_file(const std::filesystem::path& path);

// Creates `path` with mode 0600 (O_EXCL: never follows or reuses an existing file) and writes
// `content`, then fsyncs. Errors: Duplicate (the file exists), Io.
Status write_private_file(const std::filesystem::path& path, std::string_view content);
// Writes a world-readable file (certificates, CRLs, the index) atomically: a temporary file in
// the same directory, fsync, rename. Errors: Io.
Status write_public_file(const std::filesystem::path& path, std::string_view content);
// Creates a directory (and missing parents) with mode 0700. Errors: Io.
Status make_private_directory(const std::filesystem::path& path);
// The whole file. Errors: NotFound, Io, OutOfRange (over 1 MiB: not a key or certificate).
Result<std::string> read_small_file(const std::filesystem::path& path);

// check_private_file, then the first line of the file (without CR/LF). Errors: those of
// check_private_file, OutOfRange (empty, or shorter than 8 characters).
Result<Passphrase> read_passphrase_file(const std::filesystem::path& path);

// write_private_file(path, key.to_pem(protection)).
Status write_private_key_file(const std::filesystem::path& path, const PrivateKey& key,
                              const KeyProtection& protection);
// check_private_file, then PrivateKey::from_pem. Errors: those two.
Result<PrivateKey> load_private_key_file(const std::filesystem::path& path,
                                         const Passphrase& passphrase = {});

}  // namespace omni::crypto::pki
