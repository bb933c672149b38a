#include <gtest/gtest.h>

#include <array>
#include <random>
#include <unordered_set>
#include <vector>

#include "core/bcd.hpp"
#include "core/meter_address.hpp"

namespace omni {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(Bcd, DecodesBothByteOrders) {
  // DL/T 645 sends 12345.67 kWh (XXXXXX.XX) as 67 45 23 01, least significant byte first.
  Bytes le = {0x67, 0x45, 0x23, 0x01};
  EXPECT_EQ(*bcd_decode(le, ByteOrder::LittleEndian), 1234567u);
  Bytes be = {0x01, 0x23, 0x45, 0x67};
  EXPECT_EQ(*bcd_decode(be, ByteOrder::BigEndian), 1234567u);
  EXPECT_EQ(*bcd_decode(Bytes{}, ByteOrder::BigEndian), 0u);
  Bytes max(9, 0x99);
  EXPECT_EQ(*bcd_decode(max, ByteOrder::LittleEndian), 999'999'999'999'999'999u);
}

TEST(Bcd, RejectsInvalidNibblesNamingTheByte) {
  Bytes bad = {0x12, 0xA0, 0x34};
  auto r = bcd_decode(bad, ByteOrder::LittleEndian);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::OutOfRange);
  EXPECT_EQ(r.error().detail, "byte 1 (0xA0) is not BCD: nibble above 9");
  EXPECT_FALSE(bcd_decode(Bytes{0x0F}, ByteOrder::BigEndian));
  EXPECT_FALSE(is_valid_bcd(Bytes{0x09, 0x1A}));
  EXPECT_TRUE(is_valid_bcd(Bytes{0x09, 0x99}));
  EXPECT_FALSE(from_bcd_byte(0xF1));
  EXPECT_EQ(*from_bcd_byte(0x42), 42u);
  EXPECT_EQ(to_bcd_byte(42), 0x42);
  EXPECT_FALSE(bcd_decode(Bytes(10, 0x11), ByteOrder::BigEndian)) << "more than 18 digits";
}

TEST(Bcd, EncodeFillsTheSpanAndRefusesOverflow) {
  std::array<std::uint8_t, 4> out{};
  ASSERT_TRUE(bcd_encode(1234567, out, ByteOrder::LittleEndian));
  EXPECT_EQ(out, (std::array<std::uint8_t, 4>{0x67, 0x45, 0x23, 0x01}));
  ASSERT_TRUE(bcd_encode(7, out, ByteOrder::BigEndian));
  EXPECT_EQ(out, (std::array<std::uint8_t, 4>{0x00, 0x00, 0x00, 0x07}));
  auto r = bcd_encode(100'000'000, out, ByteOrder::BigEndian);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::OutOfRange);
}

TEST(Bcd, RoundTripsSeededValuesOfEveryLength) {
  std::mt19937_64 rng(20251124);
  for (std::size_t len = 1; len <= 9; ++len) {
    std::uint64_t limit = 1;
    for (std::size_t i = 0; i < len; ++i) limit *= 100;
    for (int i = 0; i < 2000; ++i) {
      std::uint64_t v = rng() % limit;
      for (auto order : {ByteOrder::LittleEndian, ByteOrder::BigEndian}) {
        std::vector<std::uint8_t> buf(len);
        ASSERT_TRUE(bcd_encode(v, buf, order));
        ASSERT_TRUE(is_valid_bcd(buf));
        ASSERT_EQ(*bcd_decode(buf, order), v);
      }
    }
  }
}

TEST(Bcd, SignedValuesUseTheTopBit) {
  // DL/T 645-2007 active power XX.XXXX kW, -1.2345 kW is 45 23 81 (sign bit on the top byte).
  Bytes neg = {0x45, 0x23, 0x81};
  EXPECT_EQ(*bcd_decode_signed(neg, ByteOrder::LittleEndian), -12345);
  std::array<std::uint8_t, 3> out{};
  ASSERT_TRUE(bcd_encode_signed(-12345, out, ByteOrder::LittleEndian));
  EXPECT_EQ(out, (std::array<std::uint8_t, 3>{0x45, 0x23, 0x81}));
  ASSERT_TRUE(bcd_encode_signed(799999, out, ByteOrder::LittleEndian));
  EXPECT_EQ(*bcd_decode_signed(out, ByteOrder::LittleEndian), 799999);
  EXPECT_FALSE(bcd_encode_signed(800000, out, ByteOrder::LittleEndian)) << "top digit above 7";
  for (std::int64_t v : {0LL, 1LL, -1LL, 123LL, -654321LL}) {
    ASSERT_TRUE(bcd_encode_signed(v, out, ByteOrder::BigEndian));
    EXPECT_EQ(*bcd_decode_signed(out, ByteOrder::BigEndian), v);
  }
}

TEST(MeterAddress, DigitsAndWireOrders) {
  auto a = MeterAddress::from_digits("000000123456");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->size(), 6u);
  EXPECT_EQ(a->to_string(), "000000123456");
  std::array<std::uint8_t, 6> wire{};
  ASSERT_TRUE(a->to_wire(wire, ByteOrder::LittleEndian));
  EXPECT_EQ(wire, (std::array<std::uint8_t, 6>{0x56, 0x34, 0x12, 0x00, 0x00, 0x00}));
  auto back = MeterAddress::from_wire(wire, ByteOrder::LittleEndian);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, *a);
  EXPECT_FALSE(a->to_wire(std::span<std::uint8_t>(wire.data(), 5), ByteOrder::LittleEndian));
  // CJ/T 188: 7 bytes, 14 digits.
  auto water = MeterAddress::from_digits("11223344556677");
  ASSERT_TRUE(water);
  EXPECT_EQ(water->size(), 7u);
}

TEST(MeterAddress, WildcardBroadcastAndErrors) {
  auto any = MeterAddress::from_digits("AAAAAAAAAAAA");
  ASSERT_TRUE(any);
  EXPECT_TRUE(any->is_wildcard());
  EXPECT_FALSE(any->is_broadcast());
  EXPECT_EQ(any->to_string(), "AAAAAAAAAAAA");
  auto all = MeterAddress::from_digits("999999999999");
  EXPECT_TRUE(all->is_broadcast());
  EXPECT_FALSE(all->is_wildcard());
  EXPECT_TRUE(MeterAddress::from_digits("AAAAAAAA1234")->is_wildcard());
  for (const char* bad : {"", "123", "12345G", "123456789012345678901234567890123456"}) {
    EXPECT_FALSE(MeterAddress::from_digits(bad)) << bad;
  }
  std::array<std::uint8_t, 2> not_bcd = {0x12, 0xFB};
  EXPECT_FALSE(MeterAddress::from_wire(not_bcd, ByteOrder::BigEndian));
}

TEST(MeterAddress, OrderingAndHashing) {
  auto a = *MeterAddress::from_digits("000000000001");
  auto b = *MeterAddress::from_digits("000000000002");
  auto c = *MeterAddress::from_digits("0000000000000002");
  EXPECT_LT(a, b);
  EXPECT_NE(b, c) << "same digits value, different length";
  std::unordered_set<MeterAddress> set{a, b, c, a};
  EXPECT_EQ(set.size(), 3u);
}

}  // namespace
}  // namespace omni
