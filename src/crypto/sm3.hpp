#pragma once
// SM3 hash (GB/T 32905-2016) and HMAC-SM3 (RFC 2104 construction with SM3) on OpenSSL 3.0.
//
//   Sm3Digest d = sm3(as_bytes("abc"));                // one shot
//   Sm3 h; h.update(part1); h.update(part2); d = h.finish();
//   Sm3Digest tag = hmac_sm3(key, message);
//
// Hashing cannot fail on any input; an OpenSSL failure here (out of memory, SM3 missing from the
// provider) is an environment bug and aborts through OMNI_CHECK instead of returning an error
// every caller would have to ignore. Objects are movable, not copyable, and not thread-safe.

#include <array>
#include <cstdint>
#include <memory>

#include "crypto/bytes.hpp"

// OpenSSL types, declared so that this header does not pull in <openssl/evp.h>.
struct evp_md_ctx_st;
struct evp_mac_ctx_st;

namespace omni::crypto {

inline constexpr std::size_t kSm3DigestSize = 32;
inline constexpr std::size_t kSm3BlockSize = 64;
using Sm3Digest = std::array<std::uint8_t, kSm3DigestSize>;

// Incremental SM3. After finish() the object is reset and can hash a new message.
class Sm3 {
 public:
  Sm3();
  ~Sm3();
  Sm3(Sm3&&) noexcept;
  Sm3& operator=(Sm3&&) noexcept;

  Sm3& update(ByteView data);
  Sm3Digest finish();

 private:
  struct Free {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, Free> ctx_;
};

Sm3Digest sm3(ByteView data);

// Incremental HMAC-SM3 under `key` (any length; keys longer than 64 bytes are hashed first, as
// RFC 2104 says). The key is held only inside OpenSSL's context, which clears it when freed.
// After finish() the object is reset to the same key and can authenticate a new message.
class HmacSm3 {
 public:
  explicit HmacSm3(ByteView key);
  ~HmacSm3();
  HmacSm3(HmacSm3&&) noexcept;
  HmacSm3& operator=(HmacSm3&&) noexcept;

  HmacSm3& update(ByteView data);
  Sm3Digest finish();

 private:
  struct Free {
    void operator()(evp_mac_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_mac_ctx_st, Free> ctx_;  // keeps the key; finish() re-inits with it
};

Sm3Digest hmac_sm3(ByteView key, ByteView data);

}  // namespace omni::crypto
