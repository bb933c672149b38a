#pragma once
// Finding frames in a byte stream (a serial line, a TCP connection, a concentrator's transparent
// forward). The scanner is separate from the decoders: it only says where the next complete,
// checksum-valid frame is, so a decoder always sees exactly one frame, and line noise, wake-up
// bytes (FE) and half-received frames are handled in one place.
//
//   auto r = scan_dlt645(buffer);
//   switch (r.status) {
//     case ScanStatus::Frame:    decode(buffer.subspan(r.skip, r.size)); consume(r.skip + r.size);
//     case ScanStatus::NeedMore: read more bytes (keep the buffer);       consume(r.skip);
//     case ScanStatus::Garbage:  consume(r.skip);  // count it: a noisy line or an attack
//   }
//
// Pure: no allocation, no state between calls.

#include <cstddef>
#include <cstdint>
#include <span>

namespace omni::protocol {

enum class ScanStatus {
  Frame,     // a whole frame starts at `skip` and is `size` bytes long (checksum verified)
  NeedMore,  // the bytes from `skip` on may become a frame: read more and scan again
  Garbage,   // the first `skip` bytes cannot start a valid frame: drop them
};

struct ScanResult {
  ScanStatus status = ScanStatus::NeedMore;
  std::size_t skip = 0;  // bytes before the frame (wake-up FE bytes, noise) to drop
  std::size_t size = 0;  // frame length, with status Frame
};

// 8-bit arithmetic sum, as DL/T 645 and CJ/T 188 use for CS.
std::uint8_t sum8(std::span<const std::uint8_t> bytes);

// DL/T 645 (1997 and 2007): 68 A0..A5 68 C L DATA CS 16.
ScanResult scan_dlt645(std::span<const std::uint8_t> bytes);

}  // namespace omni::protocol
