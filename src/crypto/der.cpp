#include "crypto/der.hpp"

#include <algorithm>
#include <string>

namespace omni::crypto::detail {

Result<ByteView> DerReader::element(std::uint8_t tag) {
  const std::size_t start = pos_;
  if (in_.size() - pos_ < 2) return fail_at(ErrorCode::Malformed, start, "DER: truncated header");
  if (in_[pos_] != tag) {
    return fail_at(ErrorCode::Malformed, start, "DER: expected tag " + std::to_string(tag));
  }
  ++pos_;
  std::size_t len = in_[pos_++];
  if (len & 0x80) {
    const std::size_t n = len & 0x7f;
    // 0x80 is the BER indefinite form; more than 4 length bytes is far beyond any SM2 object.
    if (n == 0 || n > 4) return fail_at(ErrorCode::Malformed, start, "DER: bad length form");
    if (in_.size() - pos_ < n) return fail_at(ErrorCode::Malformed, start, "DER: truncated length");
    if (in_[pos_] == 0) return fail_at(ErrorCode::Malformed, start, "DER: non-minimal length");
    len = 0;
    for (std::size_t i = 0; i < n; ++i) len = len << 8 | in_[pos_++];
    if (len < 0x80) return fail_at(ErrorCode::Malformed, start, "DER: non-minimal length");
  }
  if (in_.size() - pos_ < len)
    return fail_at(ErrorCode::Malformed, start, "DER: truncated content");
  const ByteView content = in_.subspan(pos_, len);
  pos_ += len;
  return content;
}

Result<std::array<std::uint8_t, 32>> DerReader::unsigned32() {
  const std::size_t start = pos_;
  auto content = element(kDerInteger);
  if (!content) return fail(std::move(content).error());
  ByteView v = *content;
  if (v.empty()) return fail_at(ErrorCode::Malformed, start, "DER: empty INTEGER");
  if (v[0] & 0x80) return fail_at(ErrorCode::Malformed, start, "DER: negative INTEGER");
  if (v[0] == 0 && v.size() > 1) {
    if (!(v[1] & 0x80)) return fail_at(ErrorCode::Malformed, start, "DER: non-minimal INTEGER");
    v = v.subspan(1);
  }
  if (v.size() > 32) return fail_at(ErrorCode::Malformed, start, "DER: INTEGER above 256 bits");
  std::array<std::uint8_t, 32> out{};
  std::copy(v.begin(), v.end(), out.end() - static_cast<std::ptrdiff_t>(v.size()));
  return out;
}

void der_append(Bytes& out, std::uint8_t tag, ByteView content) {
  out.push_back(tag);
  const std::size_t len = content.size();
  if (len < 0x80) {
    out.push_back(static_cast<std::uint8_t>(len));
  } else {
    std::size_t n = 0;
    for (std::size_t l = len; l != 0; l >>= 8) ++n;
    out.push_back(static_cast<std::uint8_t>(0x80 | n));
    for (std::size_t i = n; i-- > 0;) out.push_back(static_cast<std::uint8_t>(len >> (8 * i)));
  }
  out.insert(out.end(), content.begin(), content.end());
}

void der_append_unsigned(Bytes& out, ByteView big_endian) {
  std::size_t skip = 0;
  while (skip + 1 < big_endian.size() && big_endian[skip] == 0) ++skip;
  Bytes value;
  if (big_endian.empty() || (big_endian[skip] & 0x80)) value.push_back(0);
  value.insert(value.end(), big_endian.begin() + static_cast<std::ptrdiff_t>(skip),
               big_endian.end());
  der_append(out, kDerInteger, value);
}

}  // namespace omni::crypto::detail
