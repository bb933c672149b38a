#pragma once
// Internal to src/crypto: the few strict DER pieces SM2 needs (SEQUENCE, positive INTEGER,
// OCTET STRING), written out because OpenSSL 3.0 does not export its SM2 ciphertext codec.
// Strict means: definite minimal lengths, minimal integers, no trailing bytes; anything else is
// Malformed, so one ciphertext or signature has exactly one accepted encoding.

#include <array>
#include <cstdint>

#include "crypto/bytes.hpp"

namespace omni::crypto::detail {

inline constexpr std::uint8_t kDerInteger = 0x02;
inline constexpr std::uint8_t kDerOctetString = 0x04;
inline constexpr std::uint8_t kDerSequence = 0x30;

class DerReader {
 public:
  explicit DerReader(ByteView in) : in_(in) {}
  // The content of the next element, which must have tag `tag`. Errors: Malformed.
  Result<ByteView> element(std::uint8_t tag);
  // A positive INTEGER of at most 32 significant bytes, left-padded to 32. Errors: Malformed.
  Result<std::array<std::uint8_t, 32>> unsigned32();
  bool at_end() const { return pos_ == in_.size(); }
  std::size_t offset() const { return pos_; }

 private:
  ByteView in_;
  std::size_t pos_ = 0;
};

// Appends tag, minimal length and content.
void der_append(Bytes& out, std::uint8_t tag, ByteView content);
// Appends a 32-byte big-endian unsigned number as a minimal positive INTEGER.
void der_append_unsigned(Bytes& out, ByteView big_endian);

}  // namespace omni::crypto::detail
