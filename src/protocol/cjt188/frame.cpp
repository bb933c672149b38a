#include "protocol/cjt188/frame.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "protocol/cjt188/data_ids.hpp"
#include "protocol/framing/scan.hpp"

namespace omni::protocol::cjt188 {
namespace {

constexpr std::size_t kHeader = 11;  // 68 T A0..A6 C L
constexpr std::size_t kMinFrame = kHeader + 2;

struct FamilyRange {
  std::uint8_t first;
  std::uint8_t last;
  MeterFamily family;
};

// CJ/T 188-2018 groups type codes by their high digit; the 2004 codes are the first of each.
constexpr FamilyRange kFamilies[] = {
    {0x10, 0x19, MeterFamily::Water},    {0x20, 0x29, MeterFamily::Heat},
    {0x30, 0x39, MeterFamily::Gas},      {0x40, 0x49, MeterFamily::Other},
    {0xAA, 0xAA, MeterFamily::Wildcard},
};

std::uint16_t swap_bytes(std::uint16_t v) {
  return static_cast<std::uint16_t>((v >> 8) | (v << 8));
}

}  // namespace

MeterFamily family_of(std::uint8_t type_code) {
  for (const auto& r : kFamilies) {
    if (type_code >= r.first && type_code <= r.last) return r.family;
  }
  return MeterFamily::Unknown;
}

Control Control::decode(std::uint8_t b) {
  return {(b & 0x80) != 0, (b & 0x40) != 0, static_cast<std::uint8_t>(b & 0x3F)};
}

std::uint8_t Control::encode() const {
  return static_cast<std::uint8_t>((from_meter ? 0x80 : 0) | (abnormal ? 0x40 : 0) |
                                   (function & 0x3F));
}

Status Frame::append(std::span<const std::uint8_t> bytes) {
  if (length + bytes.size() > capacity()) {
    return fail(ErrorCode::OutOfRange,
                fmt::format("CJ/T 188 data field would be {} bytes (at most {})",
                            length + bytes.size(), capacity()));
  }
  std::copy(bytes.begin(), bytes.end(), data.begin() + length);
  length = static_cast<std::uint8_t>(length + bytes.size());
  return ok();
}

bool Frame::operator==(const Frame& o) const {
  if (type != o.type || address != o.address || control != o.control || has_di != o.has_di ||
      ser != o.ser || length != o.length) {
    return false;
  }
  if (has_di && (di != o.di || di_order != o.di_order)) return false;
  return std::equal(data.begin(), data.begin() + length, o.data.begin());
}

std::array<std::uint8_t, 2> di_wire(std::uint16_t di, DiOrder order) {
  auto lo = static_cast<std::uint8_t>(di & 0xFF);
  auto hi = static_cast<std::uint8_t>(di >> 8);
  if (order == DiOrder::LowFirst) return {lo, hi};
  return {hi, lo};
}

Result<Frame> decode_frame(std::span<const std::uint8_t> bytes) {
  std::size_t start = 0;
  while (start < bytes.size() && bytes[start] == 0xFE) ++start;  // wake-up preamble
  auto f = bytes.subspan(start);
  if (f.size() < kMinFrame) {
    return fail_at(ErrorCode::Malformed, bytes.size(),
                   fmt::format("CJ/T 188 frame of {} bytes (at least {})", f.size(), kMinFrame));
  }
  if (f[0] != 0x68) {
    return fail_at(ErrorCode::Malformed, start, "CJ/T 188 frame does not start with 68");
  }
  std::size_t length = f[10];
  if (f.size() != kMinFrame + length) {
    return fail_at(ErrorCode::Malformed, start + 10,
                   fmt::format("CJ/T 188 length byte says {} bytes, the frame has {}", length,
                               static_cast<long>(f.size() - kMinFrame)));
  }
  if (f.back() != 0x16) {
    return fail_at(ErrorCode::Malformed, bytes.size() - 1, "CJ/T 188 frame does not end with 16");
  }
  std::uint8_t cs = sum8(f.first(f.size() - 2));
  if (cs != f[f.size() - 2]) {
    return fail_at(
        ErrorCode::BadChecksum, bytes.size() - 2,
        fmt::format("CJ/T 188 CS is {:02X}, the bytes sum to {:02X}", f[f.size() - 2], cs));
  }
  auto address = MeterAddress::from_wire(f.subspan(2, kAddressBytes), ByteOrder::LittleEndian);
  if (!address) {
    return fail_at(ErrorCode::Malformed, start + 2, "CJ/T 188 " + address.error().detail);
  }

  Frame frame;
  frame.type = MeterType(f[1]);
  frame.address = *address;
  frame.control = Control::decode(f[9]);
  auto body = f.subspan(kHeader, length);

  // DI in either order: whichever reading the catalogue knows. Unknown identifiers are kept in
  // wire order as if low byte first, which re-encodes to the same bytes.
  std::uint16_t low_first = 0;
  const DataId* known = nullptr;
  DiOrder order = DiOrder::LowFirst;
  if (body.size() >= 2) {
    low_first = static_cast<std::uint16_t>(body[0] | (body[1] << 8));
    known = find_data_id(low_first);
    if (known == nullptr && find_data_id(swap_bytes(low_first)) != nullptr) {
      known = find_data_id(swap_bytes(low_first));
      order = DiOrder::HighFirst;
    }
  }
  // An abnormal reply is SER + ST on some meters, DI + SER + ST on others.
  if (frame.control.abnormal && (body.size() <= 3 || known == nullptr)) {
    if (body.empty()) return fail(ErrorCode::Malformed, "CJ/T 188 abnormal reply without SER");
    frame.has_di = false;
    frame.ser = body[0];
    body = body.subspan(1);
  } else {
    if (body.size() < 3) {
      return fail(ErrorCode::Malformed,
                  fmt::format("CJ/T 188 length {} leaves no room for DI and SER", body.size()));
    }
    frame.di = order == DiOrder::LowFirst ? low_first : swap_bytes(low_first);
    frame.di_order = order;
    frame.ser = body[2];
    body = body.subspan(3);
  }
  std::copy(body.begin(), body.end(), frame.data.begin());
  frame.length = static_cast<std::uint8_t>(body.size());
  return frame;
}

Status encode_frame(const Frame& frame, std::vector<std::uint8_t>& out, int preamble) {
  if (frame.address.size() != kAddressBytes) {
    return fail(ErrorCode::Malformed,
                fmt::format("CJ/T 188 addresses have 7 bytes, not {}", frame.address.size()));
  }
  if (frame.length > frame.capacity()) {
    return fail(ErrorCode::OutOfRange, fmt::format("CJ/T 188 data of {} bytes (at most {})",
                                                   frame.length, frame.capacity()));
  }
  out.insert(out.end(), static_cast<std::size_t>(std::max(preamble, 0)), 0xFE);
  std::size_t start = out.size();
  out.push_back(0x68);
  out.push_back(frame.type.raw);
  std::uint8_t addr[kAddressBytes];
  OMNI_TRY(frame.address.to_wire(addr, ByteOrder::LittleEndian));
  out.insert(out.end(), addr, addr + kAddressBytes);
  out.push_back(frame.control.encode());
  out.push_back(static_cast<std::uint8_t>(frame.length + (frame.has_di ? 3 : 1)));
  if (frame.has_di) {
    auto di = di_wire(frame.di, frame.di_order);
    out.insert(out.end(), di.begin(), di.end());
  }
  out.push_back(frame.ser);
  out.insert(out.end(), frame.data.begin(), frame.data.begin() + frame.length);
  out.push_back(sum8(std::span<const std::uint8_t>(out).subspan(start)));
  out.push_back(0x16);
  return ok();
}

}  // namespace omni::protocol::cjt188
