#pragma once
// Byte vocabulary shared by the SM2/SM3/SM4 wrappers: owned buffers, read-only views, random bytes
// from OpenSSL's DRBG and wiping of secrets.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace omni::crypto {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// The bytes of a text, for hashing or signing strings ("abc", an ID) without copies.
inline ByteView as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// Fills `out` from OpenSSL's CSPRNG (RAND_bytes). Aborts (OMNI_CHECK) if the generator cannot be
// seeded: continuing with predictable IVs or keys would be worse than stopping.
void random_bytes(std::span<std::uint8_t> out);
Bytes random_bytes(std::size_t n);

// Overwrites memory in a way the compiler may not elide (OPENSSL_cleanse): residual-information
// rule of GB/T 22239 for keys and plaintext secrets.
void wipe(std::span<std::uint8_t> bytes);

// A fixed-size secret (private scalar, derived key) that wipes itself when destroyed. Copies are
// allowed and each copy wipes itself too.
template <std::size_t N>
struct Secret {
  std::array<std::uint8_t, N> value{};

  Secret() = default;
  Secret(const Secret&) = default;
  Secret& operator=(const Secret&) = default;
  ~Secret() { wipe(value); }
  ByteView view() const { return value; }
};

// Constant-time equality (CRYPTO_memcmp); false when the sizes differ (sizes are not secret).
bool equal_constant_time(ByteView a, ByteView b);

// Lower-case hex, no separators ("0a1b"), and its inverse (Malformed on odd length or non-hex).
std::string to_hex(ByteView bytes);
Result<Bytes> from_hex(std::string_view text);

}  // namespace omni::crypto
