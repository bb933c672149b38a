#include "core/meter_address.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace omni {
namespace {

bool valid_nibble(unsigned n) { return n <= 9 || n == 0xA; }

}  // namespace

Result<MeterAddress> MeterAddress::from_digits(std::string_view digits) {
  if (digits.empty() || digits.size() % 2 != 0 || digits.size() > 2 * kMaxBytes) {
    return fail(ErrorCode::Malformed,
                fmt::format("address \"{}\": needs an even number of digits, 2 to {}", digits,
                            2 * kMaxBytes));
  }
  MeterAddress a;
  a.size_ = static_cast<std::uint8_t>(digits.size() / 2);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    char c = digits[i];
    unsigned n = 0;
    if (c >= '0' && c <= '9') {
      n = static_cast<unsigned>(c - '0');
    } else if (c == 'A' || c == 'a') {
      n = 0xA;
    } else {
      return fail(ErrorCode::Malformed,
                  fmt::format("address \"{}\": '{}' is not a digit", digits, c));
    }
    a.bytes_[i / 2] = static_cast<std::uint8_t>(a.bytes_[i / 2] | (i % 2 == 0 ? n << 4 : n));
  }
  return a;
}

Result<MeterAddress> MeterAddress::from_wire(std::span<const std::uint8_t> bytes, ByteOrder order) {
  if (bytes.empty() || bytes.size() > kMaxBytes) {
    return fail(ErrorCode::Malformed, fmt::format("address of {} bytes", bytes.size()));
  }
  MeterAddress a;
  a.size_ = static_cast<std::uint8_t>(bytes.size());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    std::uint8_t b = order == ByteOrder::BigEndian ? bytes[i] : bytes[bytes.size() - 1 - i];
    if (!valid_nibble(b >> 4) || !valid_nibble(b & 0x0F)) {
      return fail(ErrorCode::Malformed,
                  fmt::format("address byte 0x{:02X} is neither BCD nor a wildcard", b));
    }
    a.bytes_[i] = b;
  }
  return a;
}

Status MeterAddress::to_wire(std::span<std::uint8_t> out, ByteOrder order) const {
  if (out.size() != size_) {
    return fail(ErrorCode::OutOfRange,
                fmt::format("address has {} bytes, {} requested", size_, out.size()));
  }
  for (std::size_t i = 0; i < size_; ++i) {
    out[order == ByteOrder::BigEndian ? i : size_ - 1 - i] = bytes_[i];
  }
  return ok();
}

std::string MeterAddress::to_string() const {
  std::string s;
  s.reserve(size_ * 2u);
  for (std::size_t i = 0; i < size_; ++i) {
    for (unsigned n :
         {static_cast<unsigned>(bytes_[i] >> 4), static_cast<unsigned>(bytes_[i] & 0x0F)}) {
      s += n <= 9 ? static_cast<char>('0' + n) : 'A';
    }
  }
  return s;
}

bool MeterAddress::is_wildcard() const {
  for (std::size_t i = 0; i < size_; ++i) {
    if ((bytes_[i] >> 4) == 0xA || (bytes_[i] & 0x0F) == 0xA) return true;
  }
  return false;
}

bool MeterAddress::is_broadcast() const {
  if (size_ == 0) return false;
  return std::all_of(bytes_.begin(), bytes_.begin() + size_, [](auto b) { return b == 0x99; });
}

std::strong_ordering MeterAddress::operator<=>(const MeterAddress& o) const {
  if (auto c = size_ <=> o.size_; c != 0) return c;
  for (std::size_t i = 0; i < size_; ++i) {
    if (auto c = bytes_[i] <=> o.bytes_[i]; c != 0) return c;
  }
  return std::strong_ordering::equal;
}

}  // namespace omni

std::size_t std::hash<omni::MeterAddress>::operator()(const omni::MeterAddress& a) const noexcept {
  std::size_t h = 1469598103934665603ULL;  // FNV-1a
  for (auto b : a.bytes()) {
    h ^= b;
    h *= 1099511628211ULL;
  }
  return h ^ a.size();
}
