#pragma once
// Internal to src/crypto/session: the few encodings the handshake and the record layer share,
// on top of the DL/T 698.45 A-XDR Reader/Writer (big-endian integers, A-XDR lengths).

#include <cstdint>
#include <span>
#include <string_view>

#include "core/meter_address.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "crypto/bytes.hpp"
#include "protocol/dlt698/axdr.hpp"

namespace omni::crypto::session::wire {

using protocol::dlt698::Reader;
using protocol::dlt698::Writer;

// Address as length byte + nameplate-order bytes (1..16).
void write_address(Writer& w, const MeterAddress& a);
Result<MeterAddress> read_address(Reader& r);

// Fixed-size field: exactly out.size() bytes.
Status read_exact(Reader& r, std::span<std::uint8_t> out);
// A literal label (domain separation); Malformed when different.
Status expect_label(Reader& r, std::string_view label);
// Malformed when bytes are left.
Status finish(const Reader& r, std::string_view what);

// Send times travel as DL/T 698.45 date_time_s (7 bytes) in UTC, not local time: both ends
// compare them with their own UTC clock, so no zone has to be agreed.
void write_time(Writer& w, UtcTime t);
Result<UtcTime> read_time(Reader& r);
inline constexpr std::size_t kTimeSize = 7;

}  // namespace omni::crypto::session::wire
