// DL/T 698.45 link layer: CRC-16/X-25, the frame codec, the stream scanner and fragmentation.
// Frames from public sources name their source; the others are built here and checked by
// round trip.

#include <gtest/gtest.h>

#include <array>

#include "protocol/dlt698/crc.hpp"
#include "protocol/dlt698/frame.hpp"
#include "protocol/dlt698/scan.hpp"
#include "support/hex.hpp"

namespace omni::protocol::dlt698 {
namespace {

using omni::testing::hex;
using omni::testing::to_hex;

std::span<const std::uint8_t> text(const char* s) {
  return {reinterpret_cast<const std::uint8_t*>(s), std::char_traits<char>::length(s)};
}

MeterAddress addr(std::string_view digits) { return *MeterAddress::from_digits(digits); }

// --- CRC -----------------------------------------------------------------------------------------

TEST(Dlt698Crc, CheckValueOf123456789) {
  // CRC-16/X-25 catalogue check value (RFC 1662 FCS-16): 0x906E.
  EXPECT_EQ(fcs16(text("123456789")), 0x906E);
  static_assert(fcs16(std::span<const std::uint8_t>{}) == 0x0000);
}

TEST(Dlt698Crc, HeaderExampleFromDlt698Rs) {
  // Source: chitandahua/dlt698_rs, src/frame.rs test_frame_from_bytes: header bytes
  // 17 00 43 05 02 00 00 00 00 00 10 carry HCS 0x5E48 (sent 48 5E).
  EXPECT_EQ(fcs16(hex("17 00 43 05 02 00 00 00 00 00 10")), 0x5E48);
}

TEST(Dlt698Crc, RunningFormEqualsOneShot) {
  auto bytes = hex("17 00 43 05 02 00 00 00 00 00 10 48 5E 05 01 15 F1 01 02 00 00");
  std::uint16_t crc = kFcs16Init;
  crc = fcs16_update(crc, std::span(bytes).first(5));
  crc = fcs16_update(crc, std::span(bytes).subspan(5));
  EXPECT_EQ(fcs16_finish(crc), fcs16(bytes));
}

// --- Control and address fields ----------------------------------------------------------------

TEST(Dlt698Frame, ControlBitsRoundTrip) {
  for (int b = 0; b < 256; ++b) {
    auto c = Control::decode(static_cast<std::uint8_t>(b));
    EXPECT_EQ(c.encode(), b & ~0x10) << b;  // D4 is reserved and dropped
  }
  auto c = Control::decode(0xC3);
  EXPECT_TRUE(c.from_server);
  EXPECT_TRUE(c.client_initiated);
  EXPECT_FALSE(c.fragmented);
  EXPECT_FALSE(c.scrambled);
  EXPECT_EQ(c.function, 3);
  c = Control::decode(0x81);
  EXPECT_TRUE(c.from_server);
  EXPECT_FALSE(c.client_initiated);
  EXPECT_EQ(c.function, static_cast<std::uint8_t>(LinkFunction::LinkManagement));
}

TEST(Dlt698Frame, FragmentHeaderWord) {
  auto h = FragmentHeader::decode(0xC005);
  EXPECT_EQ(h.number, 5);
  EXPECT_EQ(h.type, FragmentType::Middle);
  EXPECT_EQ(h.encode(), 0xC005);
  EXPECT_EQ((FragmentHeader{4095, FragmentType::Last}.encode()), 0x4FFF);
  EXPECT_EQ((FragmentHeader{7, FragmentType::Confirm}.encode()), 0x8007);
}

// --- Decode
// ----------------------------------------------------------------------------------------

// Source: chitandahua/dlt698_rs, src/frame.rs (GET-Request-Normal F1010200, PIID 15).
constexpr const char* kGetF101 =
    "68 17 00 43 05 02 00 00 00 00 00 10 48 5E 05 01 15 F1 01 02 00 00 1A 00 16";

TEST(Dlt698Frame, DecodesPublicGetRequest) {
  auto bytes = hex(kGetF101);
  auto f = decode_frame(bytes);
  ASSERT_TRUE(f.has_value()) << f.error().to_string();
  EXPECT_EQ(f->control.encode(), 0x43);
  EXPECT_EQ(f->address_type, AddressType::Single);
  EXPECT_EQ(f->logical_address, 0);
  EXPECT_EQ(f->server_address.to_string(), "000000000002");
  EXPECT_EQ(f->client_address, 0x10);
  EXPECT_EQ(to_hex({f->apdu.begin(), f->apdu.end()}), "05 01 15 F1 01 02 00 00");
  // The APDU is a view into the caller's buffer, not a copy.
  EXPECT_EQ(f->apdu.data(), bytes.data() + 14);
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(encode_frame(*f, out).has_value());
  EXPECT_EQ(to_hex(out), to_hex(bytes));
}

TEST(Dlt698Frame, PreambleAcceptedOnDecodeAndWrittenOnEncode) {
  auto bytes = hex(std::string("FE FE FE FE ") + kGetF101);
  auto f = decode_frame(bytes);
  ASSERT_TRUE(f.has_value());
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(encode_frame(*f, out, 4).has_value());
  EXPECT_EQ(out, bytes);
}

TEST(Dlt698Frame, WildcardAndBroadcastAddresses) {
  // Source: wenyl/DLT698-API FrameParseServiceTest (PROXY request to the wildcard address AA…AA,
  // AF = 45: type wildcard, 6 bytes).
  auto bytes =
      hex("68 3A 00 43 45 AA AA AA AA AA AA 00 BF 1A 09 07 05 F2 01 02 01 06 02 08 01 00 00 0A 00 "
          "64 19 68 17 00 43 05 01 00 20 03 25 01 00 A5 80 05 01 00 20 01 02 01 00 86 BB 16 00 EB "
          "B1 16");
  auto f = decode_frame(bytes);
  ASSERT_TRUE(f.has_value()) << f.error().to_string();
  EXPECT_EQ(f->address_type, AddressType::Wildcard);
  EXPECT_TRUE(f->server_address.is_wildcard());
  // A broadcast with a one-byte SA (AF = C0), as used for broadcast clock setting.
  Frame b;
  b.address_type = AddressType::Broadcast;
  b.server_address = addr("AA");
  auto apdu = hex("07 01 00 40 00 7F 00 1C 07 E1 06 05 0A 18 0C 00");
  b.apdu = apdu;
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(encode_frame(b, out).has_value());
  EXPECT_EQ(out[4], 0xC0);
  auto back = decode_frame(out);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->address_type, AddressType::Broadcast);
  EXPECT_EQ(back->server_address.size(), 1u);
}

TEST(Dlt698Frame, LogicalAddressAndLongAddressRoundTrip) {
  Frame f;
  f.control = Control::decode(0xC3);
  f.logical_address = 2;
  f.server_address = addr("12345678901234567890123456789012");  // 16 bytes, the maximum
  f.client_address = 0xA0;
  auto apdu = hex("85 01 00 40 00 02 00 01 1C 07 EA 0A 07 0E 10 1A 00 00");
  f.apdu = apdu;
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(encode_frame(f, out).has_value());
  auto back = decode_frame(out);
  ASSERT_TRUE(back.has_value()) << back.error().to_string();
  EXPECT_EQ(back->logical_address, 2);
  EXPECT_EQ(back->server_address, f.server_address);
  EXPECT_EQ(back->client_address, 0xA0);
  EXPECT_TRUE(std::equal(back->apdu.begin(), back->apdu.end(), apdu.begin(), apdu.end()));
}

TEST(Dlt698Frame, ScrambledUserDataIsUndoneIntoScratch) {
  Frame f;
  f.control.scrambled = true;
  f.server_address = addr("000000000001");
  auto apdu = hex("05 01 01 40 00 02 00 00");
  f.apdu = apdu;
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(encode_frame(f, out).has_value());
  EXPECT_EQ(out[14], 0x05 + 0x33);  // the APDU is sent +33H
  std::array<std::uint8_t, 64> scratch{};
  auto back = decode_frame(out, scratch);
  ASSERT_TRUE(back.has_value()) << back.error().to_string();
  EXPECT_TRUE(back->control.scrambled);
  EXPECT_EQ(back->apdu.data(), scratch.data());
  EXPECT_TRUE(std::equal(back->apdu.begin(), back->apdu.end(), apdu.begin(), apdu.end()));
  // Without room to unscramble, the decoder says so instead of handing out scrambled bytes.
  auto no_room = decode_frame(out);
  ASSERT_FALSE(no_room.has_value());
  EXPECT_EQ(no_room.error().code, ErrorCode::OutOfRange);
}

// --- Bad input
// ---------------------------------------------------------------------------------------

ErrorCode decode_error(std::vector<std::uint8_t> bytes) {
  auto f = decode_frame(bytes);
  EXPECT_FALSE(f.has_value());
  return f ? ErrorCode::Internal : f.error().code;
}

TEST(Dlt698Frame, RejectsBadInput) {
  auto good = hex(kGetF101);
  // Truncated anywhere.
  for (std::size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(decode_frame(std::span(good).first(n)).has_value()) << n;
  }
  auto bad = good;
  bad[0] = 0x69;
  EXPECT_EQ(decode_error(bad), ErrorCode::Malformed);  // wrong start
  bad = good;
  bad.back() = 0x17;
  EXPECT_EQ(decode_error(bad), ErrorCode::Malformed);  // wrong end
  bad = good;
  bad[1] = 0x18;
  EXPECT_EQ(decode_error(bad), ErrorCode::Malformed);  // L disagrees with the size
  bad = good;
  bad[2] = 0x40;
  EXPECT_EQ(decode_error(bad), ErrorCode::Unsupported);  // length unit kilobytes
  bad = good;
  bad[12] ^= 1;
  EXPECT_EQ(decode_error(bad), ErrorCode::BadChecksum);  // HCS
  bad = good;
  bad[16] ^= 1;
  EXPECT_EQ(decode_error(bad), ErrorCode::BadChecksum);  // FCS (payload changed)
  bad = good;
  bad.push_back(0x00);
  EXPECT_EQ(decode_error(bad), ErrorCode::Malformed);  // trailing byte
  // SA length nibble larger than the frame.
  bad = hex("68 0A 00 43 0F 00 00 00 00 00 16");
  EXPECT_EQ(decode_error(bad), ErrorCode::Malformed);
}

TEST(Dlt698Frame, RejectsUnknownLinkFunction) {
  Frame f;
  f.control.function = 2;  // reserved
  f.server_address = addr("01");
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(encode_frame(f, out).has_value());
  EXPECT_EQ(decode_error(out), ErrorCode::Unsupported);
}

TEST(Dlt698Frame, RejectsNonBcdServerAddress) {
  // Build a valid frame around SA 0x1B (B is neither a digit nor the wildcard A).
  std::vector<std::uint8_t> f = {0x68, 0x0C, 0x00, 0x43, 0x00, 0x1B, 0x00};
  auto hcs = fcs16(std::span(f).subspan(1));
  f.push_back(hcs & 0xFF);
  f.push_back(hcs >> 8);
  f.push_back(0xEE);
  auto fcs = fcs16(std::span(f).subspan(1));
  f.push_back(fcs & 0xFF);
  f.push_back(fcs >> 8);
  f.push_back(0x16);
  EXPECT_EQ(decode_error(f), ErrorCode::Malformed);
}

TEST(Dlt698Frame, EncodeRejectsMissingAddressAndOversize) {
  Frame f;
  std::vector<std::uint8_t> out;
  EXPECT_FALSE(encode_frame(f, out).has_value());
  f.server_address = addr("01");
  std::vector<std::uint8_t> big(kMaxFrameLength, 0);
  f.apdu = big;
  auto r = encode_frame(f, out);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::OutOfRange);
}

// --- Scanner
// -----------------------------------------------------------------------------------------

TEST(Dlt698Scan, FindsFrameAfterNoiseAndPreamble) {
  auto frame = hex(kGetF101);
  std::vector<std::uint8_t> stream = {0x00, 0x68, 0x11, 0xFE, 0xFE};
  std::size_t at = stream.size();
  stream.insert(stream.end(), frame.begin(), frame.end());
  auto r = scan_dlt698(stream);
  EXPECT_EQ(r.status, ScanStatus::Frame);
  EXPECT_EQ(r.skip, at);
  EXPECT_EQ(r.size, frame.size());
}

TEST(Dlt698Scan, NeedMoreForEveryPrefix) {
  auto frame = hex(kGetF101);
  for (std::size_t n = 1; n < frame.size(); ++n) {
    auto r = scan_dlt698(std::span(frame).first(n));
    EXPECT_EQ(r.status, ScanStatus::NeedMore) << n;
    EXPECT_EQ(r.skip, 0u) << n;
  }
  EXPECT_EQ(scan_dlt698({}).status, ScanStatus::NeedMore);
}

TEST(Dlt698Scan, GarbageIsDropped) {
  auto noise = hex("00 11 22 33 FE FE");
  auto r = scan_dlt698(noise);
  EXPECT_EQ(r.status, ScanStatus::Garbage);
  EXPECT_EQ(r.skip, noise.size());
}

TEST(Dlt698Scan, BogusLengthDoesNotStallTheStream) {
  // A 68 whose "L" claims 16 KB: its header CRC does not match, so the scanner moves on at once
  // instead of asking for 16 KB more, and finds the real frame behind it.
  auto frame = hex(kGetF101);
  std::vector<std::uint8_t> stream = {0x68, 0xFF, 0x3F, 0x43, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  stream.insert(stream.end(), frame.begin(), frame.end());
  auto r = scan_dlt698(stream);
  EXPECT_EQ(r.status, ScanStatus::Frame);
  EXPECT_EQ(r.skip, 14u);
}

TEST(Dlt698Scan, CorruptedFrameIsSkippedForTheNextOne) {
  auto frame = hex(kGetF101);
  auto broken = frame;
  broken[18] ^= 0xFF;  // FCS fails
  std::vector<std::uint8_t> stream = broken;
  stream.insert(stream.end(), frame.begin(), frame.end());
  auto r = scan_dlt698(stream);
  EXPECT_EQ(r.status, ScanStatus::Frame);
  EXPECT_EQ(r.skip, broken.size());
}

TEST(Dlt698Scan, BackToBackFrames) {
  auto frame = hex(kGetF101);
  std::vector<std::uint8_t> stream = frame;
  stream.insert(stream.end(), frame.begin(), frame.end());
  auto r = scan_dlt698(stream);
  ASSERT_EQ(r.status, ScanStatus::Frame);
  EXPECT_EQ(r.skip, 0u);
  auto r2 = scan_dlt698(std::span(stream).subspan(r.size));
  EXPECT_EQ(r2.status, ScanStatus::Frame);
  EXPECT_EQ(r2.skip, 0u);
}

// --- Fragmentation
// -------------------------------------------------------------------------------------

TEST(Dlt698Fragment, SplitThenReassemble) {
  std::vector<std::uint8_t> apdu(1000);
  for (std::size_t i = 0; i < apdu.size(); ++i) apdu[i] = static_cast<std::uint8_t>(i * 7);
  Frame proto;
  proto.control = Control::decode(0xC3);
  proto.server_address = addr("000000000001");
  std::vector<std::vector<std::uint8_t>> frames;
  ASSERT_TRUE(encode_fragmented(proto, apdu, 300, frames).has_value());
  ASSERT_EQ(frames.size(), 4u);

  std::array<std::uint8_t, 2048> buffer{};
  Reassembler re(buffer);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    auto f = decode_frame(frames[i]);
    ASSERT_TRUE(f.has_value()) << f.error().to_string();
    EXPECT_TRUE(f->control.fragmented);
    EXPECT_EQ(f->fragment.number, i);
    auto state = re.feed(f->fragment, f->apdu);
    ASSERT_TRUE(state.has_value()) << state.error().to_string();
    EXPECT_EQ(*state,
              i + 1 == frames.size() ? Reassembler::State::Complete : Reassembler::State::NeedMore);
    EXPECT_EQ(re.last_number(), i);
  }
  EXPECT_TRUE(std::equal(re.apdu().begin(), re.apdu().end(), apdu.begin(), apdu.end()));
}

TEST(Dlt698Fragment, TypesFirstMiddleLast) {
  std::vector<std::uint8_t> apdu(10, 0xAB);
  Frame proto;
  proto.server_address = addr("01");
  std::vector<std::vector<std::uint8_t>> frames;
  ASSERT_TRUE(encode_fragmented(proto, apdu, 4, frames).has_value());
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(decode_frame(frames[0])->fragment.type, FragmentType::First);
  EXPECT_EQ(decode_frame(frames[1])->fragment.type, FragmentType::Middle);
  EXPECT_EQ(decode_frame(frames[2])->fragment.type, FragmentType::Last);
  // Small APDUs are not fragmented at all.
  frames.clear();
  ASSERT_TRUE(encode_fragmented(proto, apdu, 10, frames).has_value());
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_FALSE(decode_frame(frames[0])->control.fragmented);
  EXPECT_FALSE(encode_fragmented(proto, apdu, 0, frames).has_value());
}

TEST(Dlt698Fragment, ConfirmFrameCarriesTheNumber) {
  Frame proto;
  proto.control = Control::decode(0x43);
  proto.server_address = addr("000000000001");
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(encode_fragment_confirm(proto, 3, out).has_value());
  auto f = decode_frame(out);
  ASSERT_TRUE(f.has_value());
  EXPECT_TRUE(f->control.fragmented);
  EXPECT_EQ(f->fragment.number, 3);
  EXPECT_EQ(f->fragment.type, FragmentType::Confirm);
  EXPECT_TRUE(f->apdu.empty());
}

TEST(Dlt698Fragment, ReassemblerRejectsOutOfOrderAndOverflow) {
  std::array<std::uint8_t, 8> buffer{};
  Reassembler re(buffer);
  auto piece = hex("01 02 03");
  EXPECT_FALSE(re.feed({1, FragmentType::Middle}, piece).has_value());  // no first
  ASSERT_TRUE(re.feed({0, FragmentType::First}, piece).has_value());
  EXPECT_FALSE(re.feed({2, FragmentType::Last}, piece).has_value());  // skipped 1
  ASSERT_TRUE(re.feed({0, FragmentType::First}, piece).has_value());
  ASSERT_TRUE(re.feed({1, FragmentType::Middle}, piece).has_value());
  auto over = re.feed({2, FragmentType::Last}, piece);  // 9 bytes > 8
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error().code, ErrorCode::OutOfRange);
  EXPECT_FALSE(re.feed({0, FragmentType::Confirm}, {}).has_value());
  // Numbers wrap from 4095 to 0.
  std::vector<std::uint8_t> big(64);
  Reassembler wrap(big);
  ASSERT_TRUE(wrap.feed({4095, FragmentType::First}, piece).has_value());
  auto done = wrap.feed({0, FragmentType::Last}, piece);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(*done, Reassembler::State::Complete);
  EXPECT_EQ(wrap.apdu().size(), 6u);
}

}  // namespace
}  // namespace omni::protocol::dlt698

namespace omni::protocol::dlt698 {
namespace {

// Bit-at-a-time reference for the table-driven CRC.
std::uint16_t reference_fcs16(std::span<const std::uint8_t> bytes) {
  std::uint16_t crc = 0xFFFF;
  for (std::uint8_t b : bytes) {
    crc ^= b;
    for (int i = 0; i < 8; ++i) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x8408 : crc >> 1;
  }
  return static_cast<std::uint16_t>(crc ^ 0xFFFF);
}

TEST(Dlt698Crc, SlicedTablesMatchBitwiseReferenceAtEveryLength) {
  std::vector<std::uint8_t> bytes(70);
  std::uint32_t x = 12345;
  for (auto& b : bytes) {
    x = x * 1103515245 + 12345;
    b = static_cast<std::uint8_t>(x >> 16);
  }
  for (std::size_t n = 0; n <= bytes.size(); ++n) {
    auto s = std::span<const std::uint8_t>(bytes).first(n);
    EXPECT_EQ(fcs16(s), reference_fcs16(s)) << n;
  }
}

TEST(Dlt698Crc, ResidueAfterBlockAndItsFcs) {
  // RFC 1662: a block followed by its FCS (low byte first) leaves the register at 0xF0B8.
  auto block = omni::testing::hex("17 00 43 05 02 00 00 00 00 00 10");
  std::uint16_t fcs = fcs16(block);
  block.push_back(static_cast<std::uint8_t>(fcs & 0xFF));
  block.push_back(static_cast<std::uint8_t>(fcs >> 8));
  EXPECT_EQ(fcs16_update(kFcs16Init, block), kFcs16Good);
}

}  // namespace
}  // namespace omni::protocol::dlt698
