#pragma once
// A meter or terminal address: BCD digits as printed on the nameplate.
//   DL/T 645:   6 bytes = 12 digits, sent least significant byte first; AA bytes are wildcards
//               and 99…99 is the broadcast address.
//   CJ/T 188:   7 bytes = 14 digits, least significant byte first.
//   DL/T 698.45 server address: 1..16 bytes.
// Stored without heap allocation, most significant byte first (nameplate order).

#include <algorithm>
#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "core/bcd.hpp"
#include "core/result.hpp"

namespace omni {

class MeterAddress {
 public:
  static constexpr std::size_t kMaxBytes = 16;

  MeterAddress() = default;
  // "000000123456" (even number of digits, 2..32; 'A'/'a' nibbles allowed for DL/T 645
  // wildcards). Errors: Malformed.
  static Result<MeterAddress> from_digits(std::string_view digits);
  // Wire bytes in the protocol's order. Errors: Malformed (empty or over 16 bytes; a nibble
  // that is neither a digit nor the wildcard A).
  static Result<MeterAddress> from_wire(std::span<const std::uint8_t> bytes, ByteOrder order);
  // Writes size() bytes in the given order. Errors: OutOfRange when `out` is not size() long.
  Status to_wire(std::span<std::uint8_t> out, ByteOrder order) const;

  std::size_t size() const { return size_; }
  // Nameplate order, most significant byte first.
  std::span<const std::uint8_t> bytes() const { return {bytes_.data(), size_}; }
  // Digits, most significant first: "000000123456"; wildcard nibbles as 'A'.
  std::string to_string() const;
  bool is_wildcard() const;   // any A nibble
  bool is_broadcast() const;  // all 99

  bool operator==(const MeterAddress& o) const {
    return size_ == o.size_ && std::equal(bytes_.begin(), bytes_.begin() + size_, o.bytes_.begin());
  }
  std::strong_ordering operator<=>(const MeterAddress& o) const;

 private:
  std::array<std::uint8_t, kMaxBytes> bytes_{};
  std::uint8_t size_ = 0;
};

}  // namespace omni

template <>
struct std::hash<omni::MeterAddress> {
  std::size_t operator()(const omni::MeterAddress& a) const noexcept;
};
