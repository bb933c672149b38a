#pragma once
// CRC-16/X-25 (the PPP FCS16 of RFC 1662), the check sequence of DL/T 698.45 link frames: HCS
// covers L..CA, FCS covers L..the end of the user data. Reflected polynomial 0x8408, init 0xFFFF,
// final XOR 0xFFFF; the result is sent low byte first. Check value of "123456789" is 0x906E.
//
// Table-driven, eight bytes per step ("slicing-by-8"; the tables are built at compile time):
// a station checks every byte of every frame twice (scanner and decoder), so this is the
// hottest loop of the link layer.
//
// The residue property saves a second pass: feeding a block followed by its own FCS (low byte
// first) leaves the register at kFcs16Good whatever the block was. Once the HCS has matched,
// the FCS register can therefore start from kFcs16Good at the first user-data byte instead of
// re-reading the header (see decode_frame and scan_dlt698).

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace omni::protocol::dlt698 {

namespace detail {

using Fcs16Tables = std::array<std::array<std::uint16_t, 256>, 8>;

constexpr Fcs16Tables make_fcs16_tables() {
  Fcs16Tables t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t v = i;
    for (int bit = 0; bit < 8; ++bit) v = (v & 1U) != 0 ? (v >> 1) ^ 0x8408U : v >> 1;
    t[0][i] = static_cast<std::uint16_t>(v);
  }
  for (std::size_t k = 1; k < 8; ++k) {
    for (std::size_t i = 0; i < 256; ++i) {
      t[k][i] = static_cast<std::uint16_t>((t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFFU]);
    }
  }
  return t;
}

inline constexpr Fcs16Tables kFcs16Tables = make_fcs16_tables();

}  // namespace detail

// Running form, for callers that feed the bytes in pieces: start with kFcs16Init, finish with
// fcs16_finish.
inline constexpr std::uint16_t kFcs16Init = 0xFFFF;
// Register value after a block and its correct FCS (RFC 1662 "good final FCS value").
inline constexpr std::uint16_t kFcs16Good = 0xF0B8;

constexpr std::uint16_t fcs16_update(std::uint16_t crc, std::span<const std::uint8_t> bytes) {
  const auto& t = detail::kFcs16Tables;
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    const std::uint8_t* b = bytes.data() + i;
    crc = static_cast<std::uint16_t>(t[7][(b[0] ^ crc) & 0xFFU] ^
                                     t[6][(b[1] ^ (crc >> 8)) & 0xFFU] ^ t[5][b[2]] ^ t[4][b[3]] ^
                                     t[3][b[4]] ^ t[2][b[5]] ^ t[1][b[6]] ^ t[0][b[7]]);
  }
  for (; i < bytes.size(); ++i) {
    crc = static_cast<std::uint16_t>((crc >> 8) ^ t[0][(crc ^ bytes[i]) & 0xFFU]);
  }
  return crc;
}

constexpr std::uint16_t fcs16_finish(std::uint16_t crc) {
  return static_cast<std::uint16_t>(crc ^ 0xFFFFU);
}

// CRC-16/X-25 of `bytes`, as the value to send (low byte first).
constexpr std::uint16_t fcs16(std::span<const std::uint8_t> bytes) {
  return fcs16_finish(fcs16_update(kFcs16Init, bytes));
}

}  // namespace omni::protocol::dlt698
