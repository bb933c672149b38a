// CJ/T 188 link frame and scanner: golden frames from public sources (see cjt188_golden.hpp),
// DI byte order, byte-exact re-encoding, bad input.

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "cjt188_golden.hpp"
#include "protocol/cjt188/data_ids.hpp"
#include "protocol/cjt188/frame.hpp"
#include "protocol/cjt188/scan.hpp"

namespace omni::protocol::cjt188 {
namespace {

using golden::hex;

std::vector<std::uint8_t> strip_preamble(std::vector<std::uint8_t> v) {
  std::size_t i = 0;
  while (i < v.size() && v[i] == 0xFE) ++i;
  return {v.begin() + static_cast<long>(i), v.end()};
}

// Every golden frame decodes and re-encodes to the same bytes (without the wake-up preamble).
TEST(Cjt188Frame, GoldenFramesReencodeByteExact) {
  for (auto text :
       {golden::kReadRequest, golden::kReadReply, golden::kReadReplyHighFirst,
        golden::kReadReplyNoValues, golden::kValveOpen, golden::kValveClose, golden::kValveReply,
        golden::kHeatRequest, golden::kHeatReply, golden::kHeatReplyBatteryLow,
        golden::kReadAddress, golden::kReadAddressReply, golden::kReadAddressHighFirst,
        golden::kGasValveOpen, golden::kGasWriteAddress, golden::kGasMotorSync}) {
    SCOPED_TRACE(text);
    auto bytes = hex(text);
    auto f = decode_frame(bytes);
    ASSERT_TRUE(f) << f.error().to_string();
    std::vector<std::uint8_t> out;
    ASSERT_TRUE(encode_frame(*f, out));
    EXPECT_EQ(out, strip_preamble(bytes));
  }
}

TEST(Cjt188Frame, DecodesReadRequestFields) {
  auto f = decode_frame(hex(golden::kReadRequest));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->type.raw, 0x10);
  EXPECT_EQ(f->type.family(), MeterFamily::Water);
  EXPECT_EQ(f->address.to_string(), "78330011223344");
  EXPECT_FALSE(f->control.from_meter);
  EXPECT_FALSE(f->control.abnormal);
  EXPECT_EQ(f->control.function, 0x01);
  EXPECT_TRUE(f->has_di);
  EXPECT_EQ(f->di, 0x901F);
  EXPECT_EQ(f->di_order, DiOrder::LowFirst);
  EXPECT_EQ(f->ser, 0x00);
  EXPECT_EQ(f->length, 0);
}

TEST(Cjt188Frame, RecognisesBothDiOrders) {
  auto low = decode_frame(hex(golden::kReadReply));
  auto high = decode_frame(hex(golden::kReadReplyHighFirst));
  ASSERT_TRUE(low && high);
  EXPECT_EQ(low->di, 0x901F);
  EXPECT_EQ(low->di_order, DiOrder::LowFirst);
  EXPECT_EQ(high->di, 0x901F);
  EXPECT_EQ(high->di_order, DiOrder::HighFirst);

  auto valve = decode_frame(hex(golden::kValveOpen));         // A0 17
  auto gas_valve = decode_frame(hex(golden::kGasValveOpen));  // 17 A0
  ASSERT_TRUE(valve && gas_valve);
  EXPECT_EQ(valve->di, 0xA017);
  EXPECT_EQ(valve->di_order, DiOrder::HighFirst);
  EXPECT_EQ(gas_valve->di, 0xA017);
  EXPECT_EQ(gas_valve->di_order, DiOrder::LowFirst);

  auto addr_low = decode_frame(hex(golden::kReadAddress));            // 0A 81
  auto addr_high = decode_frame(hex(golden::kReadAddressHighFirst));  // 81 0A
  ASSERT_TRUE(addr_low && addr_high);
  EXPECT_EQ(addr_low->di, 0x810A);
  EXPECT_EQ(addr_low->di_order, DiOrder::LowFirst);
  EXPECT_EQ(addr_high->di, 0x810A);
  EXPECT_EQ(addr_high->di_order, DiOrder::HighFirst);
}

TEST(Cjt188Frame, HeatReplyKeepsItsOwnTypeCode) {
  // Field capture: the request says 20H, the meter answers 25H (a 2018-style heat code).
  auto f = decode_frame(hex(golden::kHeatReply));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->type.raw, 0x25);
  EXPECT_EQ(f->type.family(), MeterFamily::Heat);
  EXPECT_EQ(f->address.to_string(), "00312718241912");
  EXPECT_EQ(f->control.encode(), 0x81);
  EXPECT_EQ(f->ser, 0x03);
  EXPECT_EQ(f->length, 43);
}

TEST(Cjt188Frame, FamiliesByRange) {
  EXPECT_EQ(family_of(0x10), MeterFamily::Water);
  EXPECT_EQ(family_of(0x13), MeterFamily::Water);
  EXPECT_EQ(family_of(0x19), MeterFamily::Water);
  EXPECT_EQ(family_of(0x20), MeterFamily::Heat);
  EXPECT_EQ(family_of(0x27), MeterFamily::Heat);
  EXPECT_EQ(family_of(0x30), MeterFamily::Gas);
  EXPECT_EQ(family_of(0x40), MeterFamily::Other);
  EXPECT_EQ(family_of(0x49), MeterFamily::Other);
  EXPECT_EQ(family_of(0xAA), MeterFamily::Wildcard);
  EXPECT_EQ(family_of(0x1A), MeterFamily::Unknown);
  EXPECT_EQ(family_of(0x00), MeterFamily::Unknown);
  EXPECT_EQ(MeterType(TypeCode::Gas).family(), MeterFamily::Gas);
}

// The decoder can only tell the DI order apart because no identifier equals another one with its
// bytes swapped.
TEST(Cjt188Frame, NoIdentifierCollidesWithAByteSwappedOne) {
  for (const auto& row : data_ids()) {
    for (unsigned di = row.first; di <= row.last; ++di) {
      auto swapped = static_cast<std::uint16_t>((di >> 8) | ((di & 0xFF) << 8));
      if (swapped == di) continue;
      EXPECT_EQ(find_data_id(swapped), nullptr) << std::hex << di;
    }
  }
}

TEST(Cjt188Frame, UnknownDiIsKeptInWireOrder) {
  // 1234 is in no table and neither is 3412: the bytes stay as sent, read as low byte first.
  Frame f;
  f.address = *MeterAddress::from_digits("00000000000001");
  f.control = {false, false, 0x01};
  f.di = 0x1234;
  f.ser = 7;
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(encode_frame(f, out));
  EXPECT_EQ(out[11], 0x34);
  EXPECT_EQ(out[12], 0x12);
  auto back = decode_frame(out);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, f);
}

TEST(Cjt188Frame, EncodeHonoursDiOrderAndPreamble) {
  Frame f;
  f.type = MeterType(TypeCode::ColdWater);
  f.address = *MeterAddress::from_digits("78330011223344");
  f.control = {false, false, 0x01};
  f.di = kDiMeterData;
  f.di_order = DiOrder::LowFirst;
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(encode_frame(f, out, 4));
  EXPECT_EQ(out, hex(golden::kReadRequest));
  f.di_order = DiOrder::HighFirst;
  out.clear();
  ASSERT_TRUE(encode_frame(f, out));
  EXPECT_EQ(out[11], 0x90);
  EXPECT_EQ(out[12], 0x1F);
  auto back = decode_frame(out);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->di_order, DiOrder::HighFirst);
}

TEST(Cjt188Frame, AbnormalReplyWithAndWithoutDi) {
  Frame f;
  f.type = MeterType(TypeCode::ColdWater);
  f.address = *MeterAddress::from_digits("78330011223344");
  f.control = {true, true, 0x01};
  f.has_di = false;
  f.ser = 0x05;
  ASSERT_TRUE(f.append(std::array<std::uint8_t, 2>{0x03, 0x00}));
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(encode_frame(f, out));
  EXPECT_EQ(out[9], 0xC1);
  EXPECT_EQ(out[10], 0x03);  // L = SER + ST
  auto back = decode_frame(out);
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->has_di);
  EXPECT_EQ(*back, f);

  f.has_di = true;
  f.di = kDiMeterData;
  f.di_order = DiOrder::HighFirst;
  out.clear();
  ASSERT_TRUE(encode_frame(f, out));
  EXPECT_EQ(out[10], 0x05);  // L = DI + SER + ST
  back = decode_frame(out);
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->has_di);
  EXPECT_EQ(*back, f);
}

TEST(Cjt188Frame, RejectsBadChecksum) {
  auto r = decode_frame(hex(golden::kReadReplyBadCs));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::BadChecksum);
}

TEST(Cjt188Frame, RejectsTruncatedFrames) {
  auto bytes = hex(golden::kReadReply);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto r = decode_frame(std::span<const std::uint8_t>(bytes).first(n));
    ASSERT_FALSE(r) << n;
    EXPECT_EQ(r.error().code, ErrorCode::Malformed) << n;
  }
}

TEST(Cjt188Frame, RejectsWrongStartEndAndLength) {
  auto bytes = strip_preamble(hex(golden::kReadRequest));
  auto bad_start = bytes;
  bad_start[0] = 0x69;
  EXPECT_EQ(decode_frame(bad_start).error().code, ErrorCode::Malformed);
  auto bad_end = bytes;
  bad_end.back() = 0x17;
  EXPECT_EQ(decode_frame(bad_end).error().code, ErrorCode::Malformed);
  auto bad_len = bytes;
  bad_len[10] = 0x04;
  EXPECT_EQ(decode_frame(bad_len).error().code, ErrorCode::Malformed);
  auto trailing = bytes;
  trailing.push_back(0x00);
  EXPECT_EQ(decode_frame(trailing).error().code, ErrorCode::Malformed);
}

TEST(Cjt188Frame, RejectsNonBcdAddress) {
  auto bytes = strip_preamble(hex(golden::kReadRequest));
  bytes[2] = 0x4F;  // address byte A0 with nibble F
  bytes[bytes.size() - 2] = static_cast<std::uint8_t>(bytes[bytes.size() - 2] + 0x4F - 0x44);
  auto r = decode_frame(bytes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Malformed);
}

TEST(Cjt188Frame, RejectsNormalFrameWithoutDiAndSer) {
  // 68 10 A0..A6 01 02 1F 90 CS 16: L = 2 leaves no SER.
  std::vector<std::uint8_t> b = {0x68, 0x10, 0x44, 0x33, 0x22, 0x11, 0x00,
                                 0x33, 0x78, 0x01, 0x02, 0x1F, 0x90};
  unsigned s = 0;
  for (auto x : b) s += x;
  b.push_back(static_cast<std::uint8_t>(s));
  b.push_back(0x16);
  auto r = decode_frame(b);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Malformed);
}

TEST(Cjt188Frame, EncodeRejectsWrongAddressSizeAndOverflow) {
  Frame f;
  f.address = *MeterAddress::from_digits("000000123456");
  std::vector<std::uint8_t> out;
  EXPECT_EQ(encode_frame(f, out).error().code, ErrorCode::Malformed);
  f.address = *MeterAddress::from_digits("00000000123456");
  std::vector<std::uint8_t> big(253, 0);
  EXPECT_EQ(f.append(big).error().code, ErrorCode::OutOfRange);
  std::vector<std::uint8_t> fits(252, 0);
  ASSERT_TRUE(f.append(fits));
  ASSERT_TRUE(encode_frame(f, out));
  EXPECT_EQ(out[10], 0xFF);
  auto back = decode_frame(out);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, f);
}

// ---------------------------------------------------------------------------------------------
// Scanner

TEST(Cjt188Scan, FindsFrameAfterPreambleAndNoise) {
  std::vector<std::uint8_t> stream = {0x00, 0x12, 0x68, 0x99};  // noise with a stray 68
  auto frame = hex(golden::kReadReplyHighFirst);
  stream.insert(stream.end(), frame.begin(), frame.end());
  auto r = scan_cjt188(stream);
  ASSERT_EQ(r.status, ScanStatus::Frame);
  EXPECT_EQ(r.skip, 4u + 3u);  // noise + FE FE FE
  EXPECT_EQ(r.size, frame.size() - 3);
  EXPECT_TRUE(decode_frame(std::span<const std::uint8_t>(stream).subspan(r.skip, r.size)));
}

TEST(Cjt188Scan, NeedsMoreForPartialFrame) {
  auto frame = hex(golden::kHeatReply);
  for (std::size_t n = 1; n < frame.size(); ++n) {
    auto r = scan_cjt188(std::span<const std::uint8_t>(frame).first(n));
    EXPECT_EQ(r.status, ScanStatus::NeedMore) << n;
    EXPECT_EQ(r.skip, 0u) << n;
  }
  EXPECT_EQ(scan_cjt188(std::span<const std::uint8_t>()).status, ScanStatus::NeedMore);
}

TEST(Cjt188Scan, DropsGarbage) {
  std::vector<std::uint8_t> noise = {0x01, 0x02, 0xFE, 0xFE, 0x16};
  auto r = scan_cjt188(noise);
  EXPECT_EQ(r.status, ScanStatus::Garbage);
  EXPECT_EQ(r.skip, noise.size());
}

TEST(Cjt188Scan, ResyncsPastCorruptFrame) {
  auto bad = hex(golden::kReadReplyBadCs);
  auto good = hex(golden::kValveReply);
  std::vector<std::uint8_t> stream = bad;
  stream.insert(stream.end(), good.begin(), good.end());
  auto r = scan_cjt188(stream);
  ASSERT_EQ(r.status, ScanStatus::Frame);
  EXPECT_EQ(r.skip, bad.size() + 4);
  auto f = decode_frame(std::span<const std::uint8_t>(stream).subspan(r.skip, r.size));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->di, kDiValveControl);
}

TEST(Cjt188Scan, StrayStartWithHugeLengthDoesNotHideACompleteFrame) {
  // 68 … with L = FF would need 268 bytes; the real frame right behind it is returned now.
  std::vector<std::uint8_t> stream = {0x68, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x81, 0xFF};
  auto good = hex(golden::kReadRequest);
  stream.insert(stream.end(), good.begin(), good.end());
  auto r = scan_cjt188(stream);
  ASSERT_EQ(r.status, ScanStatus::Frame);
  EXPECT_EQ(r.skip, 11u + 4u);
}

TEST(Cjt188Scan, TwoFramesBackToBack) {
  auto a = hex(golden::kValveOpen);
  auto b = hex(golden::kValveReply);
  std::vector<std::uint8_t> stream = a;
  stream.insert(stream.end(), b.begin(), b.end());
  auto r1 = scan_cjt188(stream);
  ASSERT_EQ(r1.status, ScanStatus::Frame);
  auto rest = std::span<const std::uint8_t>(stream).subspan(r1.skip + r1.size);
  auto r2 = scan_cjt188(rest);
  ASSERT_EQ(r2.status, ScanStatus::Frame);
  EXPECT_EQ(r2.skip, 4u);
  EXPECT_EQ(r2.skip + r2.size, rest.size());
}

}  // namespace
}  // namespace omni::protocol::cjt188
