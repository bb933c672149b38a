#pragma once
// DL/T 645 link frame (the 2007 edition, and the 1997 edition it grew from):
//
//   [FE…] 68 A0 A1 A2 A3 A4 A5 68 C L D0…D(L-1) CS 16
//
// A0..A5: the meter address, 12 BCD digits, least significant byte first; AA bytes are
//         wildcards, 99…99 is broadcast.
// C:      D7 direction (1 = from the meter), D6 abnormal reply, D5 follow-up frames,
//         D4..D0 function.
// L:      data length (the 2007 edition allows reads up to 200 and writes up to 50 bytes; the
//         codec accepts up to 255, the field's range, and leaves policy to the caller).
// Data:   every byte is sent with 33H added and received with 33H subtracted.
// CS:     the 8-bit sum of all bytes from the first 68H to the last data byte.
//
// Frame holds the decoded (minus-33H) data in a fixed array: decoding allocates nothing.
// Both roles use this: a master station builds requests and decodes replies, a (simulated)
// meter decodes requests and builds replies.

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "core/meter_address.hpp"
#include "core/result.hpp"

namespace omni::protocol::dlt645 {

// Function codes of the control byte (D4..D0).
enum class Function : std::uint8_t {
  // DL/T 645-2007
  SecurityAuth = 0x03,
  BroadcastTime = 0x08,
  ReadData = 0x11,
  ReadFollowUp = 0x12,
  ReadAddress = 0x13,
  WriteData = 0x14,
  WriteAddress = 0x15,
  Freeze = 0x16,
  ChangeBaud = 0x17,
  ChangePassword = 0x18,
  ClearDemand = 0x19,
  ClearMeter = 0x1A,
  ClearEvents = 0x1B,
  RemoteControl = 0x1C,
  MultiFunctionOutput = 0x1D,
  // DL/T 645-1997 (read-only support is what older meters need)
  Read1997 = 0x01,
  ReadFollowUp1997 = 0x02,
  ReRead1997 = 0x03,
  Write1997 = 0x04,
  WriteAddress1997 = 0x0A,
  ChangeBaud1997 = 0x0C,
  ChangePassword1997 = 0x0F,
  ClearDemand1997 = 0x10,
};

struct Control {
  bool from_meter = false;    // D7
  bool abnormal = false;      // D6: the meter could not do it; data is the error word
  bool more_follows = false;  // D5: read the rest with a follow-up request
  std::uint8_t function = 0;  // D4..D0

  static Control decode(std::uint8_t byte);
  std::uint8_t encode() const;
  bool operator==(const Control&) const = default;
};

inline constexpr std::size_t kMaxData = 255;
inline constexpr std::uint8_t kDataOffset = 0x33;

struct Frame {
  MeterAddress address;  // 6 bytes
  Control control;
  std::array<std::uint8_t, kMaxData> data{};  // minus 33H
  std::uint8_t length = 0;

  std::span<const std::uint8_t> payload() const { return {data.data(), length}; }
  // Appends to the data field. Errors: OutOfRange past 255 bytes.
  Status append(std::span<const std::uint8_t> bytes);
};

// Decodes exactly one frame; leading FE bytes are allowed, nothing may follow the 16H.
// Errors: Malformed (layout, length, address digits), BadChecksum (CS).
Result<Frame> decode_frame(std::span<const std::uint8_t> bytes);

// Appends the wire bytes (with `preamble` FE bytes first; a master sends 4 to wake the meter up,
// a meter usually none). Errors: Malformed (address not 6 bytes).
Status encode_frame(const Frame& frame, std::vector<std::uint8_t>& out, int preamble = 0);

}  // namespace omni::protocol::dlt645
