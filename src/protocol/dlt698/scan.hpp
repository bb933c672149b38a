#pragma once
// Finding DL/T 698.45 frames in a byte stream (TCP from a concentrator, a serial line, a
// transparent forward). Same contract as scan_dlt645 (protocol/framing/scan.hpp): the next
// complete frame whose HCS and FCS are right, or how many leading bytes to drop, or "read more".
//
// A candidate 68 is checked in two steps: once the header is in, its HCS must match (so a
// bogus L never makes the caller wait for kilobytes that will not come); once L bytes are in,
// the 16 and the FCS must match. Work per candidate start is bounded by the header size until
// the HCS has matched, so a stream of noise costs O(n). Pure: no allocation, no state.

#include <cstdint>
#include <span>

#include "protocol/framing/scan.hpp"

namespace omni::protocol {

ScanResult scan_dlt698(std::span<const std::uint8_t> bytes);

}  // namespace omni::protocol
