#include "crypto/pki/keys.hpp"

#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/check.hpp"
#include "crypto/openssl_util.hpp"
#include "crypto/pki/pki_util.hpp"

namespace omni::crypto::pki {

namespace fs = std::filesystem;
using detail::ssl_fail;

namespace {

std::shared_ptr<evp_pkey_st> share(EVP_PKEY* pkey) {
  return std::shared_ptr<evp_pkey_st>(pkey, EVP_PKEY_free);
}

// P-256 or SM2, or why not. OpenSSL 3.0 decodes a key on the SM2 curve as type "SM2".
Result<KeyAlgorithm> algorithm_of(const EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "SM2")) return KeyAlgorithm::Sm2;
  if (EVP_PKEY_is_a(pkey, "EC")) {
    char group[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       &len) == 1) {
      const std::string_view name(group, len);
      if (name == "prime256v1" || name == "P-256") return KeyAlgorithm::EcdsaP256;
      return fail(ErrorCode::Unsupported,
                  "EC key on curve " + std::string(name) + ": only P-256 and SM2 are used");
    }
  }
  return fail(ErrorCode::Unsupported,
              std::string("key type ") +
                  (EVP_PKEY_get0_type_name(pkey) ? EVP_PKEY_get0_type_name(pkey) : "unknown") +
                  ": only ECDSA P-256 and SM2 keys are used");
}

// OpenSSL's PEM password callback. Never prompting on a terminal matters: the default
// callback would, and a service started by systemd would hang.
struct PassArg {
  const Passphrase* passphrase;
  bool asked = false;
};

int pass_callback(char* buf, int size, int /*rwflag*/, void* u) {
  auto* arg = static_cast<PassArg*>(u);
  arg->asked = true;
  const std::string_view p = arg->passphrase->view();
  if (p.empty() || p.size() > static_cast<std::size_t>(size)) return 0;
  std::memcpy(buf, p.data(), p.size());
  return static_cast<int>(p.size());
}

const EVP_CIPHER* cipher_of(KeyCipher cipher) {
  static EVP_CIPHER* sm4 = EVP_CIPHER_fetch(nullptr, "SM4-CBC", nullptr);
  static EVP_CIPHER* aes = EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr);
  const EVP_CIPHER* c = cipher == KeyCipher::Sm4Cbc ? sm4 : aes;
  OMNI_CHECK(c != nullptr);
  return c;
}

Status errno_fail(const std::string& what, const fs::path& path) {
  return fail(errno == ENOENT ? ErrorCode::NotFound : ErrorCode::Io,
              what + " " + path.string() + ": " + std::strerror(errno));
}

std::string mode_text(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// Writes everything, then fsync. Errors: Io.
Status write_all(int fd, std::string_view content, const fs::path& path) {
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_fail("cannot write", path);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return errno_fail("cannot fsync", path);
  return ok();
}

// The rename of a new file is durable only once its directory is synced too.
void sync_directory(const fs::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// Writes `content` to a fresh temporary file of `mode` next to `path`, then renames it over
// `path`, so readers see the old or the new file, never half of one.
Status write_atomically(const fs::path& path, std::string_view content, mode_t mode) {
  const fs::path tmp = path.string() + ".tmp-" + detail::random_token();
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return errno_fail("cannot create", tmp);
  Status written = write_all(fd, content, tmp);
  // The mode given to open() is reduced by the umask; set it exactly.
  if (written && ::fchmod(fd, mode) != 0) written = errno_fail("cannot chmod", tmp);
  ::close(fd);
  if (written && ::rename(tmp.c_str(), path.c_str()) != 0) {
    written = errno_fail("cannot rename " + tmp.string() + " to", path);
  }
  if (!written) {
    ::unlink(tmp.c_str());
    return written;
  }
  sync_directory(path.parent_path());
  return ok();
}

}  // namespace

std::string_view key_algorithm_name(KeyAlgorithm algorithm) {
  return algorithm == KeyAlgorithm::Sm2 ? "sm2" : "ecdsa-p256";
}

Passphrase& Passphrase::operator=(const Passphrase& other) {
  if (this != &other) {
    OPENSSL_cleanse(text_.data(), text_.size());
    text_ = other.text_;
  }
  return *this;
}

Passphrase::~Passphrase() { OPENSSL_cleanse(text_.data(), text_.size()); }

std::string_view key_cipher_name(KeyCipher cipher) {
  return cipher == KeyCipher::Sm4Cbc ? "sm4-cbc" : "aes-256-cbc";
}

Result<KeyCipher> parse_key_cipher(std::string_view name) {
  if (name == "sm4-cbc" || name == "sm4") return KeyCipher::Sm4Cbc;
  if (name == "aes-256-cbc" || name == "aes256") return KeyCipher::Aes256Cbc;
  return fail(ErrorCode::Malformed,
              "unknown key cipher \"" + std::string(name) + "\" (sm4-cbc or aes-256-cbc)");
}

// ---- PublicKey ----

Result<PublicKey> PublicKey::adopt(evp_pkey_st* pkey) {
  auto owned = share(pkey);
  auto alg = algorithm_of(owned.get());
  if (!alg) return fail(std::move(alg).error());
  return PublicKey(std::move(owned), *alg);
}

Result<PublicKey> PublicKey::from_pem(std::string_view pem) {
  auto bio = detail::memory_bio(pem);
  EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (pkey == nullptr) return ssl_fail(ErrorCode::Malformed, "not a PEM public key");
  return adopt(pkey);
}

std::string PublicKey::to_pem() const {
  auto bio = detail::memory_bio();
  OMNI_CHECK(PEM_write_bio_PUBKEY(bio.get(), pkey_.get()) == 1);
  return detail::bio_text(bio.get());
}

Result<Sm2PublicKey> PublicKey::to_sm2() const {
  if (algorithm_ != KeyAlgorithm::Sm2) {
    return fail(ErrorCode::Unsupported, "not an SM2 key");
  }
  Sm2Point point{};
  std::size_t len = 0;
  OMNI_CHECK(EVP_PKEY_get_octet_string_param(pkey_.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                             point.size(), &len) == 1);
  return Sm2PublicKey::from_point(ByteView(point.data(), len));
}

bool PublicKey::operator==(const PublicKey& other) const {
  return EVP_PKEY_eq(pkey_.get(), other.pkey_.get()) == 1;
}

// ---- PrivateKey ----

PrivateKey PrivateKey::generate(KeyAlgorithm algorithm) {
  EVP_PKEY* pkey = algorithm == KeyAlgorithm::Sm2
                       ? EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2")
                       : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  OMNI_CHECK(pkey != nullptr);
  auto owned = share(pkey);
  // The public half as its own object, so a PublicKey never carries the private scalar.
  auto bio = detail::memory_bio();
  OMNI_CHECK(PEM_write_bio_PUBKEY(bio.get(), pkey) == 1);
  auto pub = PublicKey::from_pem(detail::bio_text(bio.get()));
  OMNI_CHECK(pub.has_value());
  return PrivateKey(std::move(owned), std::move(*pub));
}

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem, const Passphrase& passphrase) {
  auto bio = detail::memory_bio(pem);
  PassArg arg{&passphrase};
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio.get(), nullptr, pass_callback, &arg);
  if (pkey == nullptr) {
    const bool encrypted = pem.find("ENCRYPTED") != std::string_view::npos;
    if (encrypted && passphrase.empty()) {
      detail::openssl_error();
      return fail(ErrorCode::Unauthorized, "the private key is encrypted: a passphrase is needed");
    }
    if (encrypted) {
      return ssl_fail(ErrorCode::Unauthorized,
                      "cannot decrypt the private key (wrong passphrase?)");
    }
    return ssl_fail(ErrorCode::Malformed, "not a PEM private key");
  }
  auto owned = share(pkey);
  auto alg = algorithm_of(pkey);
  if (!alg) return fail(std::move(alg).error());
  auto pub_bio = detail::memory_bio();
  OMNI_CHECK(PEM_write_bio_PUBKEY(pub_bio.get(), pkey) == 1);
  auto pub = PublicKey::from_pem(detail::bio_text(pub_bio.get()));
  if (!pub) return fail(std::move(pub).error());
  return PrivateKey(std::move(owned), std::move(*pub));
}

Result<std::string> PrivateKey::to_pem(const KeyProtection& protection) const {
  std::unique_ptr<PKCS8_PRIV_KEY_INFO,
                  detail::Deleter<PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free>>
      p8(EVP_PKEY2PKCS8(pkey_.get()));
  OMNI_CHECK(p8 != nullptr);
  auto bio = detail::memory_bio();
  if (protection.passphrase.empty()) {
    OMNI_CHECK(PEM_write_bio_PKCS8_PRIV_KEY_INFO(bio.get(), p8.get()) == 1);
    return detail::bio_text(bio.get());
  }
  if (protection.iterations < 1000) {
    return fail(ErrorCode::OutOfRange, "PBKDF2 iteration count below 1000");
  }
  // PEM_write_bio_PKCS8PrivateKey writes the same PBES2 structure but with OpenSSL's default
  // 2048 PBKDF2 rounds and an 8-byte salt; building the algorithm identifier here sets both.
  X509_ALGOR* pbe = PKCS5_pbe2_set_iv_ex(cipher_of(protection.cipher), protection.iterations,
                                         nullptr, 16, nullptr, NID_hmacWithSHA256, nullptr);
  if (pbe == nullptr) return ssl_fail(ErrorCode::Internal, "PBES2 parameters");
  const std::string_view pass = protection.passphrase.view();
  X509_SIG* sealed = PKCS8_set0_pbe_ex(pass.data(), static_cast<int>(pass.size()), p8.get(), pbe,
                                       nullptr, nullptr);
  if (sealed == nullptr) {
    X509_ALGOR_free(pbe);
    return ssl_fail(ErrorCode::Internal, "PKCS#8 encryption");
  }
  const int written = PEM_write_bio_PKCS8(bio.get(), sealed);
  X509_SIG_free(sealed);
  OMNI_CHECK(written == 1);
  return detail::bio_text(bio.get());
}

Result<Sm2KeyPair> PrivateKey::to_sm2() const {
  if (algorithm() != KeyAlgorithm::Sm2) return fail(ErrorCode::Unsupported, "not an SM2 key");
  auto pem = to_pem({});
  OMNI_CHECK(pem.has_value());
  auto pair = Sm2KeyPair::from_pem(*pem);
  OPENSSL_cleanse(pem->data(), pem->size());
  return pair;
}

// ---- Files ----

Status check_private_file(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return errno_fail("cannot stat", path);
  if (!S_ISREG(st.st_mode)) {
    return fail(ErrorCode::Config, path.string() + " is not a regular file");
  }
  if (st.st_uid != ::geteuid()) {
    return fail(ErrorCode::Config, path.string() + " is owned by uid " + std::to_string(st.st_uid) +
                                       ", not by this process's user " +
                                       std::to_string(::geteuid()));
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return fail(ErrorCode::Config, path.string() + " is accessible by group or others (mode " +
                                       mode_text(st.st_mode) + "); run: chmod 600 " +
                                       path.string());
  }
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  struct stat dst {};
  if (::stat(dir.c_str(), &dst) != 0) return errno_fail("cannot stat", dir);
  if ((dst.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (dst.st_mode & S_ISVTX) == 0) {
    return fail(ErrorCode::Config, "the directory " + dir.string() +
                                       " of a private file is writable by group or others "
                                       "(mode " +
                                       mode_text(dst.st_mode) + "); run: chmod 700 " +
                                       dir.string());
  }
  return ok();
}

Status write_private_file(const fs::path& path, std::string_view content) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    return fail(ErrorCode::Duplicate, path.string() + " exists already");
  }
  return write_atomically(path, content, 0600);
}

Status write_public_file(const fs::path& path, std::string_view content) {
  return write_atomically(path, content, 0644);
}

Status make_private_directory(const fs::path& path) {
  fs::path at;
  for (const auto& part : path) {
    at /= part;
    struct stat st {};
    if (::stat(at.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        return fail(ErrorCode::Io, at.string() + " exists and is not a directory");
      }
      continue;
    }
    if (::mkdir(at.c_str(), 0700) != 0 && errno != EEXIST) {
      return errno_fail("cannot create directory", at);
    }
  }
  return ok();
}

Result<std::string> read_small_file(const fs::path& path) {
  constexpr std::uintmax_t kLimit = 1u << 20;
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) {
    return fail(ec == std::errc::no_such_file_or_directory ? ErrorCode::NotFound : ErrorCode::Io,
                "cannot read " + path.string() + ": " + ec.message());
  }
  if (size > kLimit) {
    return fail(ErrorCode::OutOfRange, path.string() + " is larger than 1 MiB");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::Io, "cannot open " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail(ErrorCode::Io, "cannot read " + path.string());
  return std::move(text).str();
}

Result<Passphrase> read_passphrase_file(const fs::path& path) {
  OMNI_TRY(check_private_file(path));
  auto text = read_small_file(path);
  if (!text) return fail(std::move(text).error());
  std::string line = text->substr(0, text->find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  OPENSSL_cleanse(text->data(), text->size());
  if (line.size() < 8) {
    OPENSSL_cleanse(line.data(), line.size());
    return fail(ErrorCode::OutOfRange,
                "the passphrase in " + path.string() + " is shorter than 8 characters");
  }
  return Passphrase(std::move(line));
}

Status write_private_key_file(const fs::path& path, const PrivateKey& key,
                              const KeyProtection& protection) {
  auto pem = key.to_pem(protection);
  if (!pem) return fail(std::move(pem).error());
  Status written = write_private_file(path, *pem);
  OPENSSL_cleanse(pem->data(), pem->size());
  return written;
}

Result<PrivateKey> load_private_key_file(const fs::path& path, const Passphrase& passphrase) {
  OMNI_TRY(check_private_file(path));
  auto pem = read_small_file(path);
  if (!pem) return fail(std::move(pem).error());
  auto key = PrivateKey::from_pem(*pem, passphrase);
  OPENSSL_cleanse(pem->data(), pem->size());
  if (!key) {
    Error e = std::move(key).error();
    e.detail = path.string() + ": " + e.detail;
    return fail(std::move(e));
  }
  return key;
}

}  // namespace omni::crypto::pki
