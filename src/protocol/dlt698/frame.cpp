#include "protocol/dlt698/frame.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "protocol/dlt698/crc.hpp"

namespace omni::protocol::dlt698 {

namespace {

constexpr std::uint8_t kStart = 0x68;
constexpr std::uint8_t kEnd = 0x16;
constexpr std::uint16_t kLengthMask = 0x3FFF;
constexpr std::uint16_t kLengthInKilobytes = 0x4000;

std::uint16_t le16(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] | (b[at + 1] << 8));
}

void put_le16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v & 0xFF));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}

}  // namespace

Control Control::decode(std::uint8_t b) {
  return {(b & 0x80) != 0, (b & 0x40) != 0, (b & 0x20) != 0, (b & 0x08) != 0,
          static_cast<std::uint8_t>(b & 0x07)};
}

std::uint8_t Control::encode() const {
  return static_cast<std::uint8_t>((from_server ? 0x80 : 0) | (client_initiated ? 0x40 : 0) |
                                   (fragmented ? 0x20 : 0) | (scrambled ? 0x08 : 0) |
                                   (function & 0x07));
}

FragmentHeader FragmentHeader::decode(std::uint16_t word) {
  return {static_cast<std::uint16_t>(word & 0x0FFF), static_cast<FragmentType>(word >> 14)};
}

std::uint16_t FragmentHeader::encode() const {
  return static_cast<std::uint16_t>((number & 0x0FFF) | (static_cast<unsigned>(type) << 14));
}

Result<Frame> decode_frame(std::span<const std::uint8_t> bytes, std::span<std::uint8_t> scratch) {
  std::size_t start = 0;
  while (start < bytes.size() && bytes[start] == 0xFE) ++start;  // wake-up preamble
  auto f = bytes.subspan(start);
  // Smallest frame: 68 L L C AF SA CA HCS HCS FCS FCS 16 with a 1-byte SA and no user data.
  if (f.size() < 12) {
    return fail_at(ErrorCode::Malformed, bytes.size(),
                   fmt::format("DL/T 698 frame of {} bytes (at least 12)", f.size()));
  }
  if (f[0] != kStart) {
    return fail_at(ErrorCode::Malformed, start, "DL/T 698 frame does not start with 68");
  }
  std::uint16_t l_field = le16(f, 1);
  if ((l_field & kLengthInKilobytes) != 0) {
    return fail_at(ErrorCode::Unsupported, start + 2, "DL/T 698 length in kilobytes (L bit 14)");
  }
  std::size_t length = l_field & kLengthMask;
  if (f.size() != length + 2) {
    return fail_at(ErrorCode::Malformed, start + 1,
                   fmt::format("DL/T 698 L says {} bytes, the frame has {}", length + 2, f.size()));
  }
  if (f.back() != kEnd) {
    return fail_at(ErrorCode::Malformed, bytes.size() - 1, "DL/T 698 frame does not end with 16");
  }
  std::size_t sa_len = (f[4] & 0x0F) + 1U;
  std::size_t header = header_size(sa_len);
  if (header + 3 > f.size()) {
    return fail_at(ErrorCode::Malformed, start + 1, "DL/T 698 L too small for the address field");
  }
  std::uint16_t hcs = fcs16(f.subspan(1, header - 3));
  if (hcs != le16(f, header - 2)) {
    return fail_at(
        ErrorCode::BadChecksum, start + header - 2,
        fmt::format("DL/T 698 HCS is {:04X}, computed {:04X}", le16(f, header - 2), hcs));
  }
  // The HCS matched, so the FCS register stands at kFcs16Good after the HCS bytes: continue
  // from there over the user data instead of re-reading the header.
  std::uint16_t fcs =
      fcs16_finish(fcs16_update(kFcs16Good, f.subspan(header, f.size() - header - 3)));
  if (fcs != le16(f, f.size() - 3)) {
    return fail_at(
        ErrorCode::BadChecksum, start + f.size() - 3,
        fmt::format("DL/T 698 FCS is {:04X}, computed {:04X}", le16(f, f.size() - 3), fcs));
  }
  Frame frame;
  frame.control = Control::decode(f[3]);
  if (frame.control.function != static_cast<std::uint8_t>(LinkFunction::LinkManagement) &&
      frame.control.function != static_cast<std::uint8_t>(LinkFunction::UserData)) {
    return fail(
        ErrorCode::Unsupported,
        fmt::format("DL/T 698 link function {} (1 and 3 are defined)", frame.control.function));
  }
  frame.address_type = static_cast<AddressType>(f[4] >> 6);
  frame.logical_address = static_cast<std::uint8_t>((f[4] >> 4) & 0x03);
  auto address = MeterAddress::from_wire(f.subspan(5, sa_len), ByteOrder::LittleEndian);
  if (!address) {
    return fail_at(ErrorCode::Malformed, start + 5, "DL/T 698 SA: " + address.error().detail);
  }
  frame.server_address = *address;
  frame.client_address = f[5 + sa_len];
  std::span<const std::uint8_t> user = f.subspan(header, f.size() - header - 3);
  if (frame.control.scrambled) {
    if (scratch.size() < user.size()) {
      return fail(ErrorCode::OutOfRange,
                  fmt::format("DL/T 698 scrambled user data of {} bytes, scratch holds {}",
                              user.size(), scratch.size()));
    }
    for (std::size_t i = 0; i < user.size(); ++i) {
      scratch[i] = static_cast<std::uint8_t>(user[i] - kScrambleOffset);
    }
    user = scratch.first(user.size());
  }
  if (frame.control.fragmented) {
    if (user.size() < 2) return fail(ErrorCode::Malformed, "DL/T 698 fragment without header");
    frame.fragment = FragmentHeader::decode(le16(user, 0));
    user = user.subspan(2);
  }
  frame.apdu = user;
  return frame;
}

Status encode_frame(const Frame& frame, std::vector<std::uint8_t>& out, int preamble) {
  std::size_t sa_len = frame.server_address.size();
  if (sa_len == 0) return fail(ErrorCode::Malformed, "DL/T 698 frame without server address");
  std::size_t user_len = frame.apdu.size() + (frame.control.fragmented ? 2 : 0);
  std::size_t length = header_size(sa_len) - 1 + user_len + 2;  // L .. FCS
  if (length > kMaxFrameLength) {
    return fail(ErrorCode::OutOfRange,
                fmt::format("DL/T 698 frame of {} bytes exceeds L's {}", length, kMaxFrameLength));
  }
  out.reserve(out.size() + static_cast<std::size_t>(preamble) + length + 2);
  out.insert(out.end(), static_cast<std::size_t>(preamble), 0xFE);
  std::size_t start = out.size();
  out.push_back(kStart);
  put_le16(out, static_cast<std::uint16_t>(length));
  out.push_back(frame.control.encode());
  out.push_back(static_cast<std::uint8_t>((static_cast<unsigned>(frame.address_type) << 6) |
                                          ((frame.logical_address & 0x03U) << 4) |
                                          ((sa_len - 1) & 0x0F)));
  std::size_t sa_at = out.size();
  out.resize(out.size() + sa_len);
  OMNI_TRY(
      frame.server_address.to_wire(std::span(out).subspan(sa_at, sa_len), ByteOrder::LittleEndian));
  out.push_back(frame.client_address);
  put_le16(out, fcs16(std::span<const std::uint8_t>(out).subspan(start + 1)));
  std::size_t user_at = out.size();
  if (frame.control.fragmented) put_le16(out, frame.fragment.encode());
  out.insert(out.end(), frame.apdu.begin(), frame.apdu.end());
  if (frame.control.scrambled) {
    for (std::size_t i = user_at; i < out.size(); ++i) {
      out[i] = static_cast<std::uint8_t>(out[i] + kScrambleOffset);
    }
  }
  put_le16(out, fcs16(std::span<const std::uint8_t>(out).subspan(start + 1)));
  out.push_back(kEnd);
  return ok();
}

// --- Fragmentation -----------------------------------------------------------------------------

void Reassembler::reset() {
  size_ = 0;
  active_ = false;
}

Result<Reassembler::State> Reassembler::feed(const FragmentHeader& header,
                                             std::span<const std::uint8_t> piece) {
  if (header.type == FragmentType::Confirm) {
    return fail(ErrorCode::Malformed, "DL/T 698 confirm fragment carries no APDU data");
  }
  if (header.type == FragmentType::First) {
    size_ = 0;
    active_ = true;
  } else {
    std::uint16_t expected = static_cast<std::uint16_t>((last_number_ + 1) & 0x0FFF);
    if (!active_ || header.number != expected) {
      bool was_active = active_;
      reset();
      return fail(ErrorCode::Malformed,
                  was_active ? fmt::format("DL/T 698 fragment {} out of sequence (expected {})",
                                           header.number, expected)
                             : std::string("DL/T 698 fragment without a first fragment"));
    }
  }
  if (size_ + piece.size() > buffer_.size()) {
    reset();
    return fail(ErrorCode::OutOfRange,
                fmt::format("DL/T 698 reassembled APDU exceeds {} bytes", buffer_.size()));
  }
  std::copy(piece.begin(), piece.end(), buffer_.begin() + static_cast<std::ptrdiff_t>(size_));
  size_ += piece.size();
  last_number_ = header.number;
  if (header.type == FragmentType::Last) {
    active_ = false;
    return State::Complete;
  }
  return State::NeedMore;
}

Status encode_fragmented(const Frame& prototype, std::span<const std::uint8_t> apdu,
                         std::size_t max_piece, std::vector<std::vector<std::uint8_t>>& frames) {
  if (max_piece == 0) return fail(ErrorCode::OutOfRange, "DL/T 698 fragment size 0");
  Frame f = prototype;
  if (apdu.size() <= max_piece) {
    f.control.fragmented = false;
    f.apdu = apdu;
    frames.emplace_back();
    return encode_frame(f, frames.back());
  }
  std::size_t count = (apdu.size() + max_piece - 1) / max_piece;
  if (count > 4096) {
    return fail(ErrorCode::OutOfRange, fmt::format("DL/T 698 APDU needs {} fragments", count));
  }
  f.control.fragmented = true;
  for (std::size_t i = 0; i < count; ++i) {
    f.fragment.number = static_cast<std::uint16_t>(i);
    f.fragment.type = i == 0           ? FragmentType::First
                      : i + 1 == count ? FragmentType::Last
                                       : FragmentType::Middle;
    f.apdu = apdu.subspan(i * max_piece, std::min(max_piece, apdu.size() - i * max_piece));
    frames.emplace_back();
    OMNI_TRY(encode_frame(f, frames.back()));
  }
  return ok();
}

Status encode_fragment_confirm(const Frame& prototype, std::uint16_t number,
                               std::vector<std::uint8_t>& out) {
  Frame f = prototype;
  f.control.fragmented = true;
  f.fragment = {number, FragmentType::Confirm};
  f.apdu = {};
  return encode_frame(f, out);
}

}  // namespace omni::protocol::dlt698
