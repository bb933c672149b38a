#include "core/bcd.hpp"

#include <fmt/format.h>

namespace omni {
namespace {

// The byte at significance position i (0 = least significant).
std::uint8_t byte_at(std::span<const std::uint8_t> bytes, std::size_t i, ByteOrder order) {
  return order == ByteOrder::LittleEndian ? bytes[i] : bytes[bytes.size() - 1 - i];
}
std::uint8_t& byte_at(std::span<std::uint8_t> bytes, std::size_t i, ByteOrder order) {
  return order == ByteOrder::LittleEndian ? bytes[i] : bytes[bytes.size() - 1 - i];
}

Error bad_nibble(std::size_t index, std::uint8_t b) {
  return {ErrorCode::OutOfRange,
          fmt::format("byte {} (0x{:02X}) is not BCD: nibble above 9", index, b)};
}

}  // namespace

Result<unsigned> from_bcd_byte(std::uint8_t b) {
  if ((b >> 4) > 9 || (b & 0x0F) > 9) return fail(bad_nibble(0, b));
  return static_cast<unsigned>((b >> 4) * 10 + (b & 0x0F));
}

bool is_valid_bcd(std::span<const std::uint8_t> bytes) {
  for (auto b : bytes) {
    if ((b >> 4) > 9 || (b & 0x0F) > 9) return false;
  }
  return true;
}

Result<std::uint64_t> bcd_decode(std::span<const std::uint8_t> bytes, ByteOrder order) {
  if (bytes.size() > 9) {
    return fail(ErrorCode::OutOfRange, fmt::format("{} BCD bytes exceed 18 digits", bytes.size()));
  }
  std::uint64_t value = 0;
  for (std::size_t i = bytes.size(); i-- > 0;) {
    std::uint8_t b = byte_at(bytes, i, order);
    if ((b >> 4) > 9 || (b & 0x0F) > 9) {
      return fail(bad_nibble(order == ByteOrder::LittleEndian ? i : bytes.size() - 1 - i, b));
    }
    value = value * 100 + static_cast<std::uint64_t>((b >> 4) * 10 + (b & 0x0F));
  }
  return value;
}

Status bcd_encode(std::uint64_t value, std::span<std::uint8_t> out, ByteOrder order) {
  std::uint64_t rest = value;
  for (std::size_t i = 0; i < out.size(); ++i) {
    byte_at(out, i, order) = to_bcd_byte(static_cast<unsigned>(rest % 100));
    rest /= 100;
  }
  if (rest != 0) {
    return fail(ErrorCode::OutOfRange,
                fmt::format("{} needs more than {} BCD digits", value, out.size() * 2));
  }
  return ok();
}

Result<std::int64_t> bcd_decode_signed(std::span<const std::uint8_t> bytes, ByteOrder order) {
  if (bytes.empty() || bytes.size() > 9) {
    return fail(ErrorCode::OutOfRange, fmt::format("{} BCD bytes", bytes.size()));
  }
  // Copy so the sign bit can be cleared; at most 9 bytes, on the stack.
  std::uint8_t copy[9];
  for (std::size_t i = 0; i < bytes.size(); ++i) copy[i] = bytes[i];
  std::span<std::uint8_t> view(copy, bytes.size());
  std::uint8_t& top = byte_at(view, bytes.size() - 1, order);
  bool negative = (top & 0x80) != 0;
  top &= 0x7F;
  auto magnitude = bcd_decode(view, order);
  if (!magnitude) return fail(magnitude.error());
  auto v = static_cast<std::int64_t>(*magnitude);
  return negative ? -v : v;
}

Status bcd_encode_signed(std::int64_t value, std::span<std::uint8_t> out, ByteOrder order) {
  if (out.empty()) return fail(ErrorCode::OutOfRange, "no room for a signed BCD value");
  std::uint64_t magnitude =
      value < 0 ? static_cast<std::uint64_t>(-(value + 1)) + 1 : static_cast<std::uint64_t>(value);
  OMNI_TRY(bcd_encode(magnitude, out, order));
  std::uint8_t& top = byte_at(out, out.size() - 1, order);
  if (top & 0x80) {
    return fail(
        ErrorCode::OutOfRange,
        fmt::format("{} does not fit {} signed BCD bytes (top digit above 7)", value, out.size()));
  }
  if (value < 0) top |= 0x80;
  return ok();
}

}  // namespace omni
