// SM3 and HMAC-SM3 against published vectors.

#include "crypto/sm3.hpp"

#include <gtest/gtest.h>

#include <string>

#include "support/hex.hpp"

namespace omni::crypto {
namespace {

using omni::testing::hex;

Bytes digest_bytes(const Sm3Digest& d) { return Bytes(d.begin(), d.end()); }

// GB/T 32905-2016 (SM3), Appendix A, example 1: the 3-byte message "abc".
TEST(Sm3, StandardExampleAbc) {
  EXPECT_EQ(digest_bytes(sm3(as_bytes("abc"))),
            hex("66c7f0f4 62eeedd9 d1f2d46b dc10e4e2 4167c487 5cf2f7a2 297da02b 8f4ba8e0"));
}

// GB/T 32905-2016, Appendix A, example 2: "abcd" repeated 16 times (64 bytes, two blocks after
// padding).
TEST(Sm3, StandardExampleAbcdTimes16) {
  std::string msg;
  for (int i = 0; i < 16; ++i) msg += "abcd";
  EXPECT_EQ(digest_bytes(sm3(as_bytes(msg))),
            hex("debe9ff9 2275b8a1 38604889 c18e5a4d 6fdb70e5 387e5765 293dcba3 9c0c5732"));
}

TEST(Sm3, IncrementalEqualsOneShotForEverySplit) {
  std::string msg;
  for (int i = 0; i < 16; ++i) msg += "abcd";
  const auto whole = sm3(as_bytes(msg));
  const ByteView all = as_bytes(msg);
  for (std::size_t cut = 0; cut <= all.size(); ++cut) {
    Sm3 h;
    h.update(all.first(cut)).update(all.subspan(cut));
    ASSERT_EQ(h.finish(), whole) << "split at " << cut;
  }
}

TEST(Sm3, FinishResetsForTheNextMessage) {
  Sm3 h;
  h.update(as_bytes("garbage"));
  (void)h.finish();
  h.update(as_bytes("abc"));
  EXPECT_EQ(h.finish(), sm3(as_bytes("abc")));
}

TEST(Sm3, EmptyMessage) {
  // SM3("") as printed by `openssl dgst -sm3 </dev/null` and by sm-crypto; a fixed value guards
  // against an accidental change of the empty-input path.
  EXPECT_EQ(digest_bytes(sm3({})),
            hex("1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"));
}

// HMAC-SM3 vectors of GM/T 0042-2015 Appendix D.3, as carried in OpenSSL's test data
// (openssl/openssl test/recipes/30-test_evp_data/evpmac_sm3.txt).
struct HmacVector {
  const char* key_hex;
  std::string message;
  const char* mac_hex;
};

TEST(HmacSm3, GmT0042Vectors) {
  const HmacVector vectors[] = {
      {"0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
       "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
       "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "ca05e144ed05d1857840d1f318a4a8669e559fc8391f414485bfdf7bb408963a"},
      {"0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425",
       std::string(50, '\xcd'), "220bf579ded555393f0159f66c99877822a3ecf610d1552154b41d44b94db3ae"},
      {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There",
       "c0ba18c68b90c88bc07de794bfc7d2c8d19ec31ed8773bc2b390c9604e0be11e"},
  };
  for (const auto& v : vectors) {
    const Bytes key = hex(v.key_hex);
    EXPECT_EQ(digest_bytes(hmac_sm3(key, as_bytes(v.message))), hex(v.mac_hex)) << v.key_hex;
  }
  // Fourth vector: the key is the text "Jefe Jeferson Jr".
  EXPECT_EQ(digest_bytes(
                hmac_sm3(as_bytes("Jefe Jeferson Jr"), as_bytes("what do ya want for nothing?"))),
            hex("ce791a34c59adef472997a249600f3f244d59e875be04055ba2ae12fc845e78c"));
}

TEST(HmacSm3, IncrementalAndReusable) {
  const Bytes key = hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
  HmacSm3 mac(key);
  mac.update(as_bytes("Hi ")).update(as_bytes("There"));
  const auto first = mac.finish();
  EXPECT_EQ(first, hmac_sm3(key, as_bytes("Hi There")));
  mac.update(as_bytes("Hi There"));  // same key after finish()
  EXPECT_EQ(mac.finish(), first);
}

TEST(HmacSm3, LongKeyIsHashedFirst) {
  // RFC 2104: a key longer than the block (64 bytes) is replaced by its hash.
  const Bytes long_key(100, 0x42);
  const auto hashed = sm3(long_key);
  EXPECT_EQ(hmac_sm3(long_key, as_bytes("m")), hmac_sm3(hashed, as_bytes("m")));
  EXPECT_NE(hmac_sm3(long_key, as_bytes("m")),
            hmac_sm3(ByteView(long_key).first(64), as_bytes("m")));
}

TEST(Bytes, HexRoundTripAndErrors) {
  const Bytes b = {0x00, 0x1a, 0xff};
  EXPECT_EQ(to_hex(b), "001aff");
  EXPECT_EQ(*from_hex("001AFF"), b);
  EXPECT_EQ(from_hex("abc").error().code, ErrorCode::Malformed);
  EXPECT_EQ(from_hex("zz").error().code, ErrorCode::Malformed);
  EXPECT_TRUE(equal_constant_time(b, b));
  EXPECT_FALSE(equal_constant_time(b, ByteView(b).first(2)));
}

}  // namespace
}  // namespace omni::crypto
