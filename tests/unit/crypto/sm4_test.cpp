// SM4 modes and the SM4-CTR + HMAC-SM3 seal/open construction.

#include "crypto/sm4.hpp"

#include <gtest/gtest.h>

#include <string_view>

#include "crypto/sm3.hpp"
#include "support/hex.hpp"

namespace omni::crypto {
namespace {

using omni::testing::hex;

Sm4Key key_of(const char* hex_text) { return *Sm4Key::from_bytes(hex(hex_text)); }
Sm4Block block_of(const char* hex_text) {
  const Bytes b = hex(hex_text);
  Sm4Block out{};
  std::copy(b.begin(), b.end(), out.begin());
  return out;
}
Bytes bytes_of(const Sm4Block& b) { return Bytes(b.begin(), b.end()); }

constexpr const char* kStdKey = "0123456789abcdeffedcba9876543210";

// GB/T 32907-2016 (SM4), Appendix A, example 1: key = plaintext = 0123...3210.
TEST(Sm4, StandardExampleOneBlock) {
  Sm4BlockCipher cipher(key_of(kStdKey));
  const auto c = cipher.encrypt(block_of(kStdKey));
  EXPECT_EQ(bytes_of(c), hex("681edf34d206965e86b3e94f536e4246"));
  EXPECT_EQ(bytes_of(cipher.decrypt(c)), hex(kStdKey));
}

// GB/T 32907-2016, Appendix A, example 2: the same block encrypted 1,000,000 times under the same
// key. Fast enough here (one EVP context reused, ~0.1 s), so the full count is used.
TEST(Sm4, StandardExampleMillionIterations) {
  Sm4BlockCipher cipher(key_of(kStdKey));
  Sm4Block b = block_of(kStdKey);
  for (int i = 0; i < 1'000'000; ++i) b = cipher.encrypt(b);
  EXPECT_EQ(bytes_of(b), hex("595298c7c6fd271f0402f804c33d3f66"));
}

TEST(Sm4Key, SizeIsCheckedAndMovedFromIsWiped) {
  EXPECT_EQ(Sm4Key::from_bytes(hex("0011")).error().code, ErrorCode::OutOfRange);
  Sm4Key a = key_of(kStdKey);
  Sm4Key b = std::move(a);
  EXPECT_EQ(Bytes(b.bytes().begin(), b.bytes().end()), hex(kStdKey));
  // The moved-from key is zeroed; reading it is allowed (it stays a valid object).
  EXPECT_EQ(Bytes(a.bytes().begin(), a.bytes().end()),
            Bytes(16, 0));  // NOLINT(bugprone-use-after-move)
  const auto g1 = Sm4Key::generate();
  const auto g2 = Sm4Key::generate();
  EXPECT_FALSE(equal_constant_time(g1.bytes(), g2.bytes()));
}

// SM4-CBC vectors of draft-ribose-cfrg-sm4 (IETF draft "The SM4 Blockcipher Algorithm And Its
// Modes Of Operations", appendix examples; also in OpenSSL's evpciph_sm4.txt). The draft
// encrypts without padding; our CBC always pads, and CBC output is prefix-stable, so the
// ciphertext must start with the published bytes and carry one extra (padding) block.
TEST(Sm4Cbc, DraftRiboseVectorsAsPrefix) {
  const auto key = key_of(kStdKey);
  const auto iv = block_of(kStdKey);
  const Bytes pt = hex("0123456789abcdeffedcba9876543210 0123456789abcdeffedcba9876543210");
  const Bytes expected = hex("2677f46b09c122cc975533105bd4a22a f6125f7275ce552c3a2bbcf533de8a3b");
  const Bytes ct = sm4_cbc_encrypt(key, iv, pt);
  ASSERT_EQ(ct.size(), 48u);
  EXPECT_EQ(Bytes(ct.begin(), ct.begin() + 32), expected);
  EXPECT_EQ(*sm4_cbc_decrypt(key, iv, ct), pt);
}

TEST(Sm4Cbc, PaddingForEveryLengthRoundTrips) {
  const auto key = Sm4Key::generate();
  Sm4Block iv{};
  random_bytes(iv);
  for (std::size_t len = 0; len <= 48; ++len) {
    const Bytes pt = random_bytes(len);
    const Bytes ct = sm4_cbc_encrypt(key, iv, pt);
    ASSERT_EQ(ct.size(), (len / 16 + 1) * 16) << len;
    ASSERT_EQ(*sm4_cbc_decrypt(key, iv, ct), pt) << len;
  }
}

TEST(Sm4Cbc, BadLengthAndBadPaddingAreMalformed) {
  const auto key = key_of(kStdKey);
  const auto iv = block_of(kStdKey);
  EXPECT_EQ(sm4_cbc_decrypt(key, iv, {}).error().code, ErrorCode::Malformed);
  EXPECT_EQ(sm4_cbc_decrypt(key, iv, Bytes(15, 0)).error().code, ErrorCode::Malformed);
  // The raw draft vector has no padding: its last plaintext byte 0x10 is a valid pad of 16 only
  // if all 16 bytes were 0x10, which they are not.
  EXPECT_EQ(sm4_cbc_decrypt(key, iv, hex("2677f46b09c122cc975533105bd4a22a")).error().code,
            ErrorCode::Malformed);
}

// SM4-CTR vector of draft-ribose-cfrg-sm4 (same source as above): a 64-byte message, the
// counter block incremented as a 128-bit big-endian number.
TEST(Sm4Ctr, DraftRiboseVector) {
  const Bytes pt =
      hex("aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd"
          "eeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa");
  const Bytes expected =
      hex("c2b4759e78ac3cf43d0852f4e8d5f9fd7256e8a5fcb65a350ee00630912e4449"
          "2a0b17e1b85b060d0fba612d8a95831638b361fd5ffacd942f081485a83ca35d");
  const Bytes ct = sm4_ctr(key_of(kStdKey), block_of(kStdKey), pt);
  EXPECT_EQ(ct, expected);
  EXPECT_EQ(sm4_ctr(key_of(kStdKey), block_of(kStdKey), ct), pt);
  EXPECT_TRUE(sm4_ctr(key_of(kStdKey), block_of(kStdKey), {}).empty());
}

TEST(Sm4Ctr, CounterCarriesAcrossAllBytes) {
  // Counter ff..ff wraps to 00..00: block 2's keystream is E(0), which ECB gives directly.
  const auto key = key_of(kStdKey);
  Sm4Block iv{};
  iv.fill(0xff);
  const Bytes ct = sm4_ctr(key, iv, Bytes(32, 0));
  Sm4BlockCipher ecb(key);
  EXPECT_EQ(Bytes(ct.begin() + 16, ct.end()), bytes_of(ecb.encrypt(Sm4Block{})));
  EXPECT_EQ(Bytes(ct.begin(), ct.begin() + 16), bytes_of(ecb.encrypt(iv)));
}

// ---- seal / open ----

TEST(Seal, RoundTripWithAndWithoutAssociatedData) {
  const auto key = SealKey::generate();
  for (std::size_t len : {0u, 1u, 15u, 16u, 17u, 128u, 1000u}) {
    const Bytes pt = random_bytes(len);
    const Bytes ad = random_bytes(len % 7);
    const Bytes box = seal(key, ad, pt);
    ASSERT_EQ(box.size(), len + kSealOverhead);
    auto back = open(key, ad, box);
    ASSERT_TRUE(back) << back.error().to_string();
    EXPECT_EQ(*back, pt);
  }
}

TEST(Seal, FreshIvEveryTime) {
  const auto key = SealKey::generate();
  const Bytes a = seal(key, {}, as_bytes("same"));
  const Bytes b = seal(key, {}, as_bytes("same"));
  EXPECT_NE(Bytes(a.begin(), a.begin() + 16), Bytes(b.begin(), b.begin() + 16));
  EXPECT_NE(a, b);
}

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

TEST(Seal, KnownAnswerFromItsDefinition) {
  // Recomputes the construction from the primitives (each checked against vectors above), so
  // the box layout and the MAC input are pinned, not only self-consistent.
  const Bytes block = hex("0123456789abcdeffedcba9876543210 00112233445566778899aabbccddeeff");
  const auto key = *SealKey::from_bytes(block);
  const auto iv = block_of("000102030405060708090a0b0c0d0e0f");
  const Bytes ad = hex("68 10 aa");
  const Bytes pt = text("meter 000000000001: 12345.67 kWh");

  const Bytes ct = sm4_ctr(key.enc(), iv, pt);
  Bytes mac_input = hex("00 00 00 00 00 00 00 03");  // u64be(len(ad))
  mac_input.insert(mac_input.end(), ad.begin(), ad.end());
  mac_input.insert(mac_input.end(), iv.begin(), iv.end());
  mac_input.insert(mac_input.end(), ct.begin(), ct.end());
  const auto full_tag = hmac_sm3(hex("00112233445566778899aabbccddeeff"), mac_input);
  Bytes expected(iv.begin(), iv.end());
  expected.insert(expected.end(), ct.begin(), ct.end());
  expected.insert(expected.end(), full_tag.begin(), full_tag.begin() + kSealTagSize);

  EXPECT_EQ(seal_with_iv(key, iv, ad, pt), expected);
}

TEST(Seal, EveryBitFlipIsRejected) {
  const auto key = SealKey::generate();
  const Bytes ad = text("header");
  const Bytes box = seal(key, ad, text("a secured APDU of some length"));
  ASSERT_TRUE(open(key, ad, box));
  for (std::size_t bit = 0; bit < box.size() * 8; ++bit) {
    Bytes bad = box;
    bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    auto r = open(key, ad, bad);
    ASSERT_FALSE(r) << "bit " << bit;
    ASSERT_EQ(r.error().code, ErrorCode::BadChecksum) << "bit " << bit;
  }
  for (std::size_t bit = 0; bit < ad.size() * 8; ++bit) {
    Bytes bad_ad = ad;
    bad_ad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    ASSERT_EQ(open(key, bad_ad, box).error().code, ErrorCode::BadChecksum) << "ad bit " << bit;
  }
}

TEST(Seal, WrongKeyTruncationAndMovedBoundariesFail) {
  const auto key = SealKey::generate();
  const Bytes box = seal(key, text("ab"), text("payload"));
  EXPECT_EQ(open(SealKey::generate(), text("ab"), box).error().code, ErrorCode::BadChecksum);
  EXPECT_EQ(open(key, text("a"), box).error().code, ErrorCode::BadChecksum);
  EXPECT_EQ(open(key, {}, box).error().code, ErrorCode::BadChecksum);
  EXPECT_EQ(open(key, text("ab"), ByteView(box).first(box.size() - 1)).error().code,
            ErrorCode::BadChecksum);
  EXPECT_EQ(open(key, text("ab"), ByteView(box).first(kSealOverhead - 1)).error().code,
            ErrorCode::Malformed);
  EXPECT_EQ(SealKey::from_bytes(Bytes(31, 0)).error().code, ErrorCode::OutOfRange);
}

}  // namespace
}  // namespace omni::crypto
