#include "protocol/framing/scan.hpp"

namespace omni::protocol {
namespace {

// DL/T 645-2007 §4.1 (frame format): start 68H, 6 address bytes, 68H, control, length, data,
// CS = sum of everything from the first 68H to the last data byte, end 16H.
constexpr std::size_t kDlt645Header = 10;  // 68 A0..A5 68 C L

enum class Candidate { Valid, Incomplete, Invalid };

Candidate dlt645_candidate(std::span<const std::uint8_t> rest, std::size_t& size) {
  if (rest[0] != 0x68) return Candidate::Invalid;
  if (rest.size() < kDlt645Header) {
    // What we have may still be a header: the second 68 is the only check possible.
    return rest.size() > 7 && rest[7] != 0x68 ? Candidate::Invalid : Candidate::Incomplete;
  }
  if (rest[7] != 0x68) return Candidate::Invalid;
  size = kDlt645Header + rest[9] + 2;
  if (rest.size() < size) return Candidate::Incomplete;
  if (rest[size - 1] != 0x16 || rest[size - 2] != sum8(rest.first(size - 2))) {
    return Candidate::Invalid;
  }
  return Candidate::Valid;
}

}  // namespace

std::uint8_t sum8(std::span<const std::uint8_t> bytes) {
  unsigned s = 0;
  for (auto b : bytes) s += b;
  return static_cast<std::uint8_t>(s & 0xFF);
}

ScanResult scan_dlt645(std::span<const std::uint8_t> bytes) {
  std::size_t waiting = bytes.size();  // first incomplete candidate, if any
  for (std::size_t start = 0; start < bytes.size(); ++start) {
    std::size_t size = 0;
    switch (dlt645_candidate(bytes.subspan(start), size)) {
      case Candidate::Valid:
        // A complete frame after an incomplete candidate means that candidate was noise with
        // a bogus length (a real frame cannot start inside an unfinished one on a half-duplex
        // line): drop it rather than stall until its claimed length arrives.
        return {ScanStatus::Frame, start, size};
      case Candidate::Incomplete:
        if (waiting == bytes.size()) waiting = start;
        break;
      case Candidate::Invalid:
        break;
    }
  }
  if (waiting < bytes.size()) return {ScanStatus::NeedMore, waiting, 0};
  return {bytes.empty() ? ScanStatus::NeedMore : ScanStatus::Garbage, bytes.size(), 0};
}

}  // namespace omni::protocol
