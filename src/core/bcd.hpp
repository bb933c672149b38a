#pragma once
// Binary-coded decimal, as every meter protocol here sends numbers: two decimal digits per byte,
// high nibble the tens. DL/T 645 and CJ/T 188 send multi-byte values least significant byte
// first; DL/T 698.45 date-times are binary, but its BCD fields are most significant first.
//
// No heap allocation: these run once per field of every decoded frame.

#include <cstdint>
#include <span>

#include "core/result.hpp"

namespace omni {

enum class ByteOrder {
  LittleEndian,  // least significant byte first (DL/T 645, CJ/T 188)
  BigEndian,     // most significant byte first
};

// Up to 9 bytes (18 digits). Errors: OutOfRange (a nibble above 9, naming byte and nibble;
// more than 9 bytes).
Result<std::uint64_t> bcd_decode(std::span<const std::uint8_t> bytes, ByteOrder order);
// Fills all of `out` (leading zeros). Errors: OutOfRange (value needs more digits than
// 2 * out.size()).
Status bcd_encode(std::uint64_t value, std::span<std::uint8_t> out, ByteOrder order);

// Signed BCD as DL/T 645-2007 sends power, current and power factor: the most significant bit of
// the most significant byte is the sign (1 = negative) and the remaining 7 bits of that byte hold
// its two digits (so the top digit is at most 7). Errors as above.
Result<std::int64_t> bcd_decode_signed(std::span<const std::uint8_t> bytes, ByteOrder order);
Status bcd_encode_signed(std::int64_t value, std::span<std::uint8_t> out, ByteOrder order);

// 0..99 -> 0x00..0x99. REQUIRES: two_digits <= 99.
constexpr std::uint8_t to_bcd_byte(unsigned two_digits) {
  return static_cast<std::uint8_t>(((two_digits / 10) << 4) | (two_digits % 10));
}
// Errors: OutOfRange when a nibble is above 9.
Result<unsigned> from_bcd_byte(std::uint8_t b);
bool is_valid_bcd(std::span<const std::uint8_t> bytes);

}  // namespace omni
