#include "protocol/dlt645/frame.hpp"

#include <fmt/format.h>

#include "protocol/framing/scan.hpp"

namespace omni::protocol::dlt645 {

Control Control::decode(std::uint8_t b) {
  return {(b & 0x80) != 0, (b & 0x40) != 0, (b & 0x20) != 0, static_cast<std::uint8_t>(b & 0x1F)};
}

std::uint8_t Control::encode() const {
  return static_cast<std::uint8_t>((from_meter ? 0x80 : 0) | (abnormal ? 0x40 : 0) |
                                   (more_follows ? 0x20 : 0) | (function & 0x1F));
}

Status Frame::append(std::span<const std::uint8_t> bytes) {
  if (length + bytes.size() > kMaxData) {
    return fail(ErrorCode::OutOfRange,
                fmt::format("DL/T 645 data field would be {} bytes (at most {})",
                            length + bytes.size(), kMaxData));
  }
  for (auto b : bytes) data[length++] = b;
  return ok();
}

Result<Frame> decode_frame(std::span<const std::uint8_t> bytes) {
  std::size_t start = 0;
  while (start < bytes.size() && bytes[start] == 0xFE) ++start;  // wake-up preamble
  auto f = bytes.subspan(start);
  if (f.size() < 12) {
    return fail_at(ErrorCode::Malformed, bytes.size(),
                   fmt::format("DL/T 645 frame of {} bytes (at least 12)", f.size()));
  }
  if (f[0] != 0x68) return fail_at(ErrorCode::Malformed, start, "DL/T 645 frame does not start 68");
  if (f[7] != 0x68) {
    return fail_at(ErrorCode::Malformed, start + 7, "DL/T 645 frame has no 68 after the address");
  }
  std::size_t length = f[9];
  if (f.size() != 12 + length) {
    return fail_at(ErrorCode::Malformed, start + 9,
                   fmt::format("DL/T 645 length byte says {} data bytes, the frame has {}", length,
                               static_cast<long>(f.size()) - 12));
  }
  if (f[f.size() - 1] != 0x16) {
    return fail_at(ErrorCode::Malformed, bytes.size() - 1, "DL/T 645 frame does not end 16");
  }
  std::uint8_t cs = sum8(f.first(f.size() - 2));
  if (cs != f[f.size() - 2]) {
    return fail_at(ErrorCode::BadChecksum, bytes.size() - 2,
                   fmt::format("DL/T 645 CS is {:02X}, the bytes sum to {:02X}", f[f.size() - 2], cs));
  }
  auto address = MeterAddress::from_wire(f.subspan(1, 6), ByteOrder::LittleEndian);
  if (!address) return fail_at(ErrorCode::Malformed, start + 1, "DL/T 645 " + address.error().detail);
  Frame frame;
  frame.address = *address;
  frame.control = Control::decode(f[8]);
  frame.length = static_cast<std::uint8_t>(length);
  for (std::size_t i = 0; i < length; ++i) {
    frame.data[i] = static_cast<std::uint8_t>(f[10 + i] - kDataOffset);
  }
  return frame;
}

Status encode_frame(const Frame& frame, std::vector<std::uint8_t>& out, int preamble) {
  if (frame.address.size() != 6) {
    return fail(ErrorCode::Malformed, fmt::format("DL/T 645 addresses have 6 bytes, not {}",
                                                  frame.address.size()));
  }
  out.insert(out.end(), static_cast<std::size_t>(preamble), 0xFE);
  std::size_t start = out.size();
  out.push_back(0x68);
  std::uint8_t addr[6];
  OMNI_TRY(frame.address.to_wire(addr, ByteOrder::LittleEndian));
  out.insert(out.end(), addr, addr + 6);
  out.push_back(0x68);
  out.push_back(frame.control.encode());
  out.push_back(frame.length);
  for (std::size_t i = 0; i < frame.length; ++i) {
    out.push_back(static_cast<std::uint8_t>(frame.data[i] + kDataOffset));
  }
  out.push_back(sum8(std::span<const std::uint8_t>(out).subspan(start)));
  out.push_back(0x16);
  return ok();
}

}  // namespace omni::protocol::dlt645
