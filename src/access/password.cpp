#include "access/password.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <memory>
#include <vector>

#include "core/check.hpp"
#include "crypto/bytes.hpp"

namespace omni::access {
namespace {

constexpr std::string_view kAlgorithm = "pbkdf2-sm3";
constexpr std::int64_t kMinIterations = 1'000;

struct KdfFree {
  void operator()(EVP_KDF* k) const { EVP_KDF_free(k); }
  void operator()(EVP_KDF_CTX* c) const { EVP_KDF_CTX_free(c); }
};

// PBKDF2-HMAC-SM3 through EVP_KDF (OpenSSL 3). Only an environment failure (SM3 or PBKDF2
// missing from the provider) can make it fail, and storing no hash is then the only safe answer.
crypto::Bytes pbkdf2_sm3(std::string_view password, crypto::ByteView salt, std::int64_t iterations,
                         std::size_t out_bytes) {
  static EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "PBKDF2", nullptr);
  OMNI_CHECK(kdf != nullptr);
  std::unique_ptr<EVP_KDF_CTX, KdfFree> ctx(EVP_KDF_CTX_new(kdf));
  OMNI_CHECK(ctx != nullptr);
  char digest[] = "SM3";
  auto iter = static_cast<std::uint64_t>(iterations);
  // pkcs5 = 1 turns OpenSSL's SP 800-132 lower-bound checks off (0 would turn them on); our
  // own bounds apply instead (hash_password and parse: >= 1,000 rounds, >= 8-byte salt).
  int pkcs5 = 1;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, const_cast<char*>(password.data()),
                                        password.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<std::uint8_t*>(salt.data()),
                                        salt.size()),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_ITER, &iter),
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_PKCS5, &pkcs5),
      OSSL_PARAM_construct_end()};
  crypto::Bytes out(out_bytes);
  OMNI_CHECK(EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) == 1);
  return out;
}

struct Parsed {
  std::int64_t iterations = 0;
  crypto::Bytes salt;
  crypto::Bytes hash;
};

Result<Parsed> parse(std::string_view stored) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t d = stored.find('$', start);
    parts.push_back(stored.substr(start, d - start));
    if (d == std::string_view::npos) break;
    start = d + 1;
  }
  if (parts.size() != 4 || parts[0] != kAlgorithm) {
    return fail(ErrorCode::Malformed, "not a pbkdf2-sm3 password hash");
  }
  Parsed p;
  auto [ptr, ec] =
      std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), p.iterations);
  if (ec != std::errc{} || ptr != parts[1].data() + parts[1].size() ||
      p.iterations < kMinIterations) {
    return fail(ErrorCode::Malformed, "bad iteration count in password hash");
  }
  auto salt = crypto::from_hex(parts[2]);
  auto hash = crypto::from_hex(parts[3]);
  if (!salt || !hash || salt->size() < 8 || hash->size() < 16) {
    return fail(ErrorCode::Malformed, "bad salt or hash in password hash");
  }
  p.salt = std::move(*salt);
  p.hash = std::move(*hash);
  return p;
}

// Code points of UTF-8 text; invalid bytes count as one character each (the policy only needs
// a length, and a password is not refused for odd bytes).
std::size_t code_points(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Result<std::string> hash_password(std::string_view password, const PasswordParams& params) {
  if (params.iterations < kMinIterations) {
    return fail(ErrorCode::OutOfRange, "password hash iterations below 1000");
  }
  if (params.salt_bytes < 8 || params.hash_bytes < 16) {
    return fail(ErrorCode::OutOfRange, "password salt below 8 bytes or hash below 16 bytes");
  }
  crypto::Bytes salt = crypto::random_bytes(params.salt_bytes);
  crypto::Bytes hash = pbkdf2_sm3(password, salt, params.iterations, params.hash_bytes);
  std::string out = std::string(kAlgorithm) + "$" + std::to_string(params.iterations) + "$" +
                    crypto::to_hex(salt) + "$" + crypto::to_hex(hash);
  crypto::wipe(hash);
  return out;
}

Status verify_password(std::string_view password, std::string_view stored) {
  auto p = parse(stored);
  if (!p) return fail(p.error());
  crypto::Bytes computed = pbkdf2_sm3(password, p->salt, p->iterations, p->hash.size());
  bool same = crypto::equal_constant_time(computed, p->hash);
  crypto::wipe(computed);
  if (!same) return fail(ErrorCode::Unauthorized, "password does not match");
  return ok();
}

bool needs_rehash(std::string_view stored, const PasswordParams& params) {
  auto p = parse(stored);
  if (!p) return true;
  return p->iterations < params.iterations || p->salt.size() < params.salt_bytes ||
         p->hash.size() < params.hash_bytes;
}

Status check_password_policy(std::string_view password, std::string_view user_name) {
  if (code_points(password) < 10) {
    return fail(ErrorCode::OutOfRange, "password shorter than 10 characters");
  }
  bool lower = false, upper = false, digit = false, other = false;
  for (char ch : password) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 'a' && c <= 'z') {
      lower = true;
    } else if (c >= 'A' && c <= 'Z') {
      upper = true;
    } else if (c >= '0' && c <= '9') {
      digit = true;
    } else {
      other = true;  // punctuation, space, and any non-ASCII character
    }
  }
  if (int{lower} + int{upper} + int{digit} + int{other} < 3) {
    return fail(ErrorCode::OutOfRange,
                "password needs three of: lower-case, upper-case, digit, other character");
  }
  if (code_points(user_name) >= 3 &&
      lower_ascii(password).find(lower_ascii(user_name)) != std::string::npos) {
    return fail(ErrorCode::OutOfRange, "password contains the user name");
  }
  return ok();
}

}  // namespace omni::access
