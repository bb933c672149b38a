#pragma once
// CJ/T 188 link frame (household water, gas and heat meters; the 2004 and 2018 editions share it):
//
//   [FE…] 68 T A0 A1 A2 A3 A4 A5 A6 C L DI(2) SER D0…D(L-4) CS 16
//
// T:      meter type. 2004 names single codes (10H cold water, 20H heat, 30H gas, …); 2018 turns
//         them into families by range (10H–19H water, 20H–29H heat, 30H–39H gas, 40H–49H other).
//         AAH is the wildcard type of read-address broadcasts.
// A0..A6: the meter address, 14 BCD digits, least significant byte first (A5 A6 = manufacturer
//         code); all AA = wildcard (the single meter on the bus answers).
// C:      D7 direction (1 = from the meter), D6 abnormal reply, D5..D0 function.
// L:      bytes of DI + SER + data (no +33H offset, unlike DL/T 645).
// DI:     data identifier, written 901F. Meters in the field send it either low byte first
//         (`1F 90`) or high byte first (`90 1F`); the checksum cannot tell which. The decoder
//         matches both orders against the identifier table (data_ids.hpp) and records the order
//         the meter used in `di_order`; the encoder writes the frame's order, so a reply goes back
//         the way the request came.
// SER:    sequence number, echoed in the reply.
// CS:     the 8-bit sum from 68H to the last data byte.
//
// Abnormal replies (D6 set) carry SER + ST on some meters and DI + SER + ST on others: when the
// first two data bytes are not a known identifier (or L is 3) the frame has no DI (`has_di`
// false), SER is the first byte and the rest is data.
//
// Frame keeps the data in a fixed array: decoding allocates nothing. Both roles use it: a master
// station builds requests and decodes replies, a (simulated) meter decodes requests and builds
// replies.

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "core/meter_address.hpp"
#include "core/result.hpp"

namespace omni::protocol::cjt188 {

// The family a type code belongs to; the 901F reply layout depends on it.
enum class MeterFamily : std::uint8_t { Water, Heat, Gas, Other, Wildcard, Unknown };

// Type codes of the 2004 edition (still valid in 2018, as the first code of each range).
enum class TypeCode : std::uint8_t {
  ColdWater = 0x10,
  HotWater = 0x11,
  DrinkingWater = 0x12,
  ReclaimedWater = 0x13,
  HeatHeating = 0x20,
  HeatCooling = 0x21,
  Gas = 0x30,
  Electricity = 0x40,
  Wildcard = 0xAA,
};

// 10H–19H water, 20H–29H heat, 30H–39H gas, 40H–49H other, AAH wildcard, the rest unknown.
MeterFamily family_of(std::uint8_t type_code);

struct MeterType {
  std::uint8_t raw = static_cast<std::uint8_t>(TypeCode::ColdWater);

  constexpr MeterType() = default;
  constexpr explicit MeterType(std::uint8_t code) : raw(code) {}
  constexpr MeterType(TypeCode code) : raw(static_cast<std::uint8_t>(code)) {}  // NOLINT
  MeterFamily family() const { return family_of(raw); }
  bool operator==(const MeterType&) const = default;
};

// Function codes (D5..D0 of C). Codes 20H and above are vendor-defined and kept as numbers.
enum class Function : std::uint8_t {
  ReadData = 0x01,
  ReadAddress = 0x03,
  WriteData = 0x04,
  ReadKeyVersion = 0x09,
  WriteAddress = 0x15,
  WriteMotorSync = 0x16,
};

struct Control {
  bool from_meter = false;    // D7
  bool abnormal = false;      // D6: the meter could not do it; data is SER + ST
  std::uint8_t function = 0;  // D5..D0

  static Control decode(std::uint8_t byte);
  std::uint8_t encode() const;
  bool operator==(const Control&) const = default;
};

// Wire order of the two DI bytes.
enum class DiOrder : std::uint8_t {
  LowFirst,   // 901F sent `1F 90` (the default: the widely copied examples and most tools)
  HighFirst,  // 901F sent `90 1F` (seen in several meters and libraries)
};

inline constexpr std::size_t kAddressBytes = 7;
inline constexpr std::size_t kMaxData = 255;  // L is one byte; with DI + SER at most 252 remain

struct Frame {
  MeterType type;
  MeterAddress address;  // 7 bytes
  Control control;
  bool has_di = true;  // false only for abnormal replies that carry SER + ST alone
  std::uint16_t di = 0;
  DiOrder di_order = DiOrder::LowFirst;
  std::uint8_t ser = 0;
  std::array<std::uint8_t, kMaxData> data{};  // after DI and SER
  std::uint8_t length = 0;

  std::span<const std::uint8_t> payload() const { return {data.data(), length}; }
  // Room left for data: L counts DI and SER as well.
  std::size_t capacity() const { return kMaxData - (has_di ? 3u : 1u); }
  // Appends to the data field. Errors: OutOfRange past capacity().
  Status append(std::span<const std::uint8_t> bytes);
  Status append(std::uint8_t byte) { return append(std::span<const std::uint8_t>(&byte, 1)); }

  bool operator==(const Frame& o) const;
};

// Decodes exactly one frame; leading FE bytes are allowed, nothing may follow the 16H.
// Errors: Malformed (layout, length byte, L below 3 for a frame with DI, address digits),
// BadChecksum (CS).
Result<Frame> decode_frame(std::span<const std::uint8_t> bytes);

// Appends the wire bytes (with `preamble` FE bytes first; masters usually send 2 to 4, meters
// none or a few). Errors: Malformed (address not 7 bytes), OutOfRange (data over capacity()).
Status encode_frame(const Frame& frame, std::vector<std::uint8_t>& out, int preamble = 0);

// The two DI bytes in wire order.
std::array<std::uint8_t, 2> di_wire(std::uint16_t di, DiOrder order);

}  // namespace omni::protocol::cjt188
