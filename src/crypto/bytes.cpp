#include "crypto/bytes.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>

#include "core/check.hpp"
#include "crypto/openssl_util.hpp"

namespace omni::crypto {

void random_bytes(std::span<std::uint8_t> out) {
  // RAND_bytes takes an int; split very large requests rather than truncate them.
  std::size_t done = 0;
  while (done < out.size()) {
    const std::size_t chunk = std::min<std::size_t>(out.size() - done, INT_MAX);
    OMNI_CHECK(RAND_bytes(out.data() + done, static_cast<int>(chunk)) == 1);
    done += chunk;
  }
}

Bytes random_bytes(std::size_t n) {
  Bytes out(n);
  random_bytes(out);
  return out;
}

void wipe(std::span<std::uint8_t> bytes) {
  if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size());
}

bool equal_constant_time(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string to_hex(ByteView bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
  }
  return s;
}

Result<Bytes> from_hex(std::string_view text) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (text.size() % 2 != 0) return fail(ErrorCode::Malformed, "odd number of hex digits");
  Bytes out(text.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = nibble(text[2 * i]);
    const int lo = nibble(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return fail_at(ErrorCode::Malformed, 2 * i, "not a hex digit");
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

namespace detail {

const EVP_MD* sm3_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SM3", nullptr);
  OMNI_CHECK(md != nullptr);
  return md;
}

const EVP_CIPHER* sm4_cipher(const char* name) {
  static EVP_CIPHER* ecb = EVP_CIPHER_fetch(nullptr, "SM4-ECB", nullptr);
  static EVP_CIPHER* cbc = EVP_CIPHER_fetch(nullptr, "SM4-CBC", nullptr);
  static EVP_CIPHER* ctr = EVP_CIPHER_fetch(nullptr, "SM4-CTR", nullptr);
  const std::string_view n(name);
  EVP_CIPHER* c = n == "SM4-ECB" ? ecb : n == "SM4-CBC" ? cbc : n == "SM4-CTR" ? ctr : nullptr;
  OMNI_CHECK(c != nullptr);
  return c;
}

EVP_MAC* hmac_mac() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  OMNI_CHECK(mac != nullptr);
  return mac;
}

std::string openssl_error() {
  const unsigned long code = ERR_get_error();  // NOLINT(runtime/int): OpenSSL's type
  ERR_clear_error();
  if (code == 0) return "no OpenSSL error recorded";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

tl::unexpected<Error> ssl_fail(ErrorCode code, const std::string& what) {
  return fail(code, what + ": " + openssl_error());
}

}  // namespace detail
}  // namespace omni::crypto
