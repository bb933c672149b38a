#include "crypto/session/wire.hpp"

#include <algorithm>
#include <string>

namespace omni::crypto::session::wire {

void write_address(Writer& w, const MeterAddress& a) {
  w.u8(static_cast<std::uint8_t>(a.size()));
  w.bytes(a.bytes());
}

Result<MeterAddress> read_address(Reader& r) {
  auto n = r.u8();
  if (!n) return fail(n.error());
  if (*n == 0 || *n > MeterAddress::kMaxBytes) {
    return fail(ErrorCode::Malformed, "address length " + std::to_string(*n));
  }
  auto bytes = r.take(*n);
  if (!bytes) return fail(bytes.error());
  return MeterAddress::from_wire(*bytes, ByteOrder::BigEndian);
}

Status read_exact(Reader& r, std::span<std::uint8_t> out) {
  auto bytes = r.take(out.size());
  if (!bytes) return fail(bytes.error());
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return ok();
}

Status expect_label(Reader& r, std::string_view label) {
  auto bytes = r.take(label.size());
  if (!bytes || !std::equal(bytes->begin(), bytes->end(), as_bytes(label).begin())) {
    return fail(ErrorCode::Malformed, "expected label " + std::string(label));
  }
  return ok();
}

Status finish(const Reader& r, std::string_view what) {
  if (!r.empty()) {
    return fail(ErrorCode::Malformed,
                std::to_string(r.remaining()) + " trailing bytes after " + std::string(what));
  }
  return ok();
}

void write_time(Writer& w, UtcTime t) {
  w.date_time_s(protocol::dlt698::DateTimeS::from_civil(TimeZone::utc().to_local(t)));
}

Result<UtcTime> read_time(Reader& r) {
  auto t = r.read_date_time_s();
  if (!t) return fail(t.error());
  auto civil = t->to_civil();
  if (!civil) return fail(ErrorCode::Malformed, "send time: " + civil.error().detail);
  return TimeZone::utc().from_local(*civil);
}

}  // namespace omni::crypto::session::wire
