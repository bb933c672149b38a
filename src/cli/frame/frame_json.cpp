#include "cli/frame/frame_json.hpp"

#include <fmt/format.h>

#include <array>

namespace omni::cli::frame {

std::span<const ProtocolCodec* const> codecs() {
  static const std::array<const ProtocolCodec*, 3> all = {&dlt645_codec(), &cjt188_codec(),
                                                          &dlt698_codec()};
  return all;
}

const ProtocolCodec* find_codec(std::string_view name) {
  for (const auto* c : codecs()) {
    if (c->name == name) return c;
  }
  return nullptr;
}

const ProtocolCodec* detect(Bytes bytes) {
  std::size_t start = 0;
  while (start < bytes.size() && bytes[start] == 0xFE) ++start;
  Bytes frame = bytes.subspan(start);
  const ProtocolCodec* resembles = nullptr;
  for (const auto* c : codecs()) {
    std::size_t size = c->claimed_size(frame);
    if (size == 0) continue;
    if (c->describe(frame.first(std::min(size, frame.size())))) return c;
    if (resembles == nullptr) resembles = c;
  }
  return resembles;
}

std::string hex_string(Bytes bytes) {
  std::string s;
  s.reserve(bytes.size() * 3);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i) s += ' ';
    s += fmt::format("{:02X}", bytes[i]);
  }
  return s;
}

Result<std::vector<std::uint8_t>> parse_hex(std::string_view text) {
  std::vector<std::uint8_t> out;
  int high = -1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == ':' || c == '-') {
      continue;
    }
    if ((c == 'x' || c == 'X') && high == 0 && i > 0 && text[i - 1] == '0') {
      high = -1;  // a "0x" prefix
      continue;
    }
    int v = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (v < 0) {
      return fail_at(ErrorCode::Malformed, i, fmt::format("'{}' is not a hex digit", c));
    }
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  if (high >= 0) return fail(ErrorCode::Malformed, "odd number of hex digits");
  return out;
}

Result<std::uint32_t> hex_number(const Json& object, std::string_view key, std::uint32_t max) {
  auto it = object.find(key);
  if (it == object.end()) return fail(ErrorCode::Malformed, fmt::format("\"{}\" is missing", key));
  std::uint64_t v = 0;
  if (it->is_number_unsigned()) {
    v = it->get<std::uint64_t>();
  } else if (it->is_string()) {
    std::string s = it->get<std::string>();
    if (s.starts_with("0x") || s.starts_with("0X")) s = s.substr(2);
    if (s.empty() || s.size() > 16 ||
        s.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
      return fail(ErrorCode::Malformed, fmt::format("\"{}\": \"{}\" is not hex", key, s));
    }
    v = std::stoull(s, nullptr, 16);
  } else {
    return fail(ErrorCode::Malformed, fmt::format("\"{}\" must be a hex string", key));
  }
  if (v > max) {
    return fail(ErrorCode::OutOfRange, fmt::format("\"{}\" is over {:X}", key, max));
  }
  return static_cast<std::uint32_t>(v);
}

}  // namespace omni::cli::frame
