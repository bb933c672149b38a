#pragma once
// Finding CJ/T 188 frames in a byte stream (M-Bus or RS-485 line, a concentrator's transparent
// forward). Same contract as scan_dlt645 in protocol/framing/scan.hpp:
//
//   auto r = scan_cjt188(buffer);
//   Frame    -> decode_frame(buffer.subspan(r.skip, r.size)); consume r.skip + r.size
//   NeedMore -> consume r.skip, read more
//   Garbage  -> consume r.skip
//
// Pure: no allocation, no state between calls. Each candidate 68H costs at most one pass over
// one frame (268 bytes), so a scan is linear in the input.

#include <cstdint>
#include <span>

#include "protocol/framing/scan.hpp"

namespace omni::protocol {

// [FE…] 68 T A0..A6 C L DATA CS 16. Frame means the checksum and end byte are right.
ScanResult scan_cjt188(std::span<const std::uint8_t> bytes);

}  // namespace omni::protocol
