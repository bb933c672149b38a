#include "protocol/cjt188/scan.hpp"

namespace omni::protocol {

ScanResult scan_cjt188(std::span<const std::uint8_t> bytes) {
  // CJ/T 188 link layer: start 68H, type, 7 address bytes, control, length, data, CS = sum from
  // 68H through the last data byte, end 16H. There is no second 68H to check early, so a stray
  // 68H is only rejected once its would-be frame has arrived.
  constexpr std::size_t kHeader = 11;  // 68 T A0..A6 C L
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  // A stray 68H with a large length byte must not hold up a real frame that is already in the
  // buffer behind it: remember the first incomplete candidate and keep looking for a complete
  // one; only when none is found does the caller wait for more bytes.
  std::size_t incomplete = kNone;
  std::size_t start = 0;
  while (start < bytes.size()) {
    if (bytes[start] != 0x68) {
      ++start;  // wake-up FE bytes and noise before a frame
      continue;
    }
    std::span<const std::uint8_t> rest = bytes.subspan(start);
    std::size_t size = rest.size() < kHeader ? kHeader + 2 : kHeader + rest[10] + 2;
    if (rest.size() < size) {
      if (incomplete == kNone) incomplete = start;
      ++start;
      continue;
    }
    if (rest[size - 1] != 0x16 || rest[size - 2] != sum8(rest.first(size - 2))) {
      ++start;  // not a frame after all: resynchronise on the next 68H
      continue;
    }
    return {ScanStatus::Frame, start, size};
  }
  if (incomplete != kNone) return {ScanStatus::NeedMore, incomplete, 0};
  return {start == 0 ? ScanStatus::NeedMore : ScanStatus::Garbage, start, 0};
}

}  // namespace omni::protocol
