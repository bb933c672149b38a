#include "protocol/dlt698/scan.hpp"

#include "protocol/dlt698/crc.hpp"
#include "protocol/dlt698/frame.hpp"

namespace omni::protocol {

namespace {

enum class Check { Frame, NeedMore, NotAFrame };

// Checks a candidate frame starting with 68 at rest[0]; `size` is set on Frame.
Check check_candidate(std::span<const std::uint8_t> rest, std::size_t& size) {
  if (rest.size() < 5) return Check::NeedMore;  // 68 L L C AF
  std::uint16_t l_field = static_cast<std::uint16_t>(rest[1] | (rest[2] << 8));
  if ((l_field & 0xC000) != 0) return Check::NotAFrame;  // kilobyte unit / reserved bit
  std::size_t length = l_field & 0x3FFF;
  std::size_t header = dlt698::header_size((rest[4] & 0x0F) + 1U);
  if (length + 2 < header + 3) return Check::NotAFrame;  // L shorter than header + FCS + 16
  if (rest.size() < header) return Check::NeedMore;
  std::uint16_t hcs = dlt698::fcs16(rest.subspan(1, header - 3));
  if (hcs != static_cast<std::uint16_t>(rest[header - 2] | (rest[header - 1] << 8))) {
    return Check::NotAFrame;
  }
  std::size_t total = length + 2;
  if (rest.size() < total) return Check::NeedMore;
  if (rest[total - 1] != 0x16) return Check::NotAFrame;
  // HCS matched: the FCS register stands at kFcs16Good after the header (see crc.hpp).
  std::uint16_t fcs = dlt698::fcs16_finish(
      dlt698::fcs16_update(dlt698::kFcs16Good, rest.subspan(header, total - header - 3)));
  if (fcs != static_cast<std::uint16_t>(rest[total - 3] | (rest[total - 2] << 8))) {
    return Check::NotAFrame;
  }
  size = total;
  return Check::Frame;
}

}  // namespace

ScanResult scan_dlt698(std::span<const std::uint8_t> bytes) {
  std::size_t start = 0;
  while (start < bytes.size()) {
    if (bytes[start] != 0x68) {
      ++start;  // wake-up FE bytes and noise
      continue;
    }
    std::size_t size = 0;
    switch (check_candidate(bytes.subspan(start), size)) {
      case Check::Frame:
        return {ScanStatus::Frame, start, size};
      case Check::NeedMore:
        return {ScanStatus::NeedMore, start, 0};
      case Check::NotAFrame:
        ++start;  // a 68 inside noise or a corrupted frame: resynchronise on the next one
        break;
    }
  }
  return {start == 0 ? ScanStatus::NeedMore : ScanStatus::Garbage, start, 0};
}

}  // namespace omni::protocol
