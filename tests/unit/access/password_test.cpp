// Password hashing (PBKDF2-HMAC-SM3, self-describing string) and the complexity policy.
#include "access/password.hpp"

#include <gtest/gtest.h>

#include "crypto/bytes.hpp"

namespace omni::access {
namespace {

constexpr PasswordParams kFast{.iterations = 1000, .salt_bytes = 16, .hash_bytes = 32};
constexpr PasswordParams with_iterations(std::int64_t n) {
  PasswordParams p;
  p.iterations = n;
  return p;
}

TEST(Password, HashVerifiesAndWrongPasswordDoesNot) {
  auto h = hash_password("Correct-Horse-9", kFast);
  ASSERT_TRUE(h.has_value()) << h.error().to_string();
  EXPECT_TRUE(h->starts_with("pbkdf2-sm3$1000$"));
  EXPECT_TRUE(verify_password("Correct-Horse-9", *h).has_value());
  auto bad = verify_password("Correct-Horse-8", *h);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::Unauthorized);
}

TEST(Password, SaltMakesEveryHashDifferent) {
  auto a = hash_password("Same-Password-1", kFast);
  auto b = hash_password("Same-Password-1", kFast);
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
}

// A fixed vector computed independently with the OpenSSL command line:
//   openssl kdf -keylen 32 -kdfopt digest:SM3 -kdfopt pass:password
//     -kdfopt hexsalt:73616c7473616c7473616c74 -kdfopt iter:1000 PBKDF2   (one line)
// so the stored format is checked against a known PBKDF2-HMAC-SM3 output, not only itself.
TEST(Password, MatchesOpensslCommandLineVector) {
  std::string stored =
      "pbkdf2-sm3$1000$73616c7473616c7473616c74$"
      "cad77cb4b52a6547ebd8df0a960f806f539c710facad1381ac5dd44198026e60";
  EXPECT_TRUE(verify_password("password", stored).has_value());
  EXPECT_FALSE(verify_password("passwore", stored).has_value());
}

TEST(Password, MalformedStoredHashIsAnErrorNotAMatch) {
  for (std::string bad : {"", "plain", "pbkdf2-sm3$10$00112233445566778899$aabb",
                          "pbkdf2-sha1$1000$0011223344556677$00112233445566778899aabbccddeeff",
                          "pbkdf2-sm3$x$0011223344556677$00112233445566778899aabbccddeeff",
                          "pbkdf2-sm3$1000$zz11223344556677$00112233445566778899aabbccddeeff"}) {
    auto r = verify_password("anything", bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::Malformed) << bad;
  }
}

TEST(Password, WeakParametersAreRefused) {
  auto r = hash_password("Correct-Horse-9", with_iterations(999));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::OutOfRange);
}

TEST(Password, NeedsRehashWhenCostRises) {
  auto h = hash_password("Correct-Horse-9", kFast);
  ASSERT_TRUE(h);
  EXPECT_FALSE(needs_rehash(*h, kFast));
  EXPECT_TRUE(needs_rehash(*h, with_iterations(2000)));
  EXPECT_TRUE(needs_rehash(*h));  // the default is far above 1,000
  EXPECT_TRUE(needs_rehash("garbage", kFast));
}

TEST(PasswordPolicy, AcceptsAGoodPassword) {
  EXPECT_TRUE(check_password_policy("Tianjin-2026", "lisi").has_value());
  EXPECT_TRUE(check_password_policy("tianjin 2026!", "lisi").has_value());  // lower, digit, other
  EXPECT_TRUE(
      check_password_policy("密码很长很长很长Ab1", "lisi").has_value());  // non-ASCII = other
}

TEST(PasswordPolicy, RefusesShortFewClassesAndUserName) {
  auto short_pw = check_password_policy("Ab1-short", "lisi");  // 9 characters
  ASSERT_FALSE(short_pw.has_value());
  EXPECT_NE(short_pw.error().detail.find("10"), std::string::npos);
  auto classes = check_password_policy("abcdefghij12", "lisi");  // two classes
  ASSERT_FALSE(classes.has_value());
  EXPECT_NE(classes.error().detail.find("three"), std::string::npos);
  auto name = check_password_policy("X-ZhangSan-2026", "zhangsan");
  ASSERT_FALSE(name.has_value());
  EXPECT_NE(name.error().detail.find("user name"), std::string::npos);
  EXPECT_EQ(name.error().code, ErrorCode::OutOfRange);
  // Ten code points, not ten bytes: nine Chinese characters are 27 bytes but too short.
  EXPECT_FALSE(check_password_policy("密码密码密码密A1", "lisi").has_value());
  EXPECT_TRUE(check_password_policy("密码密码密码密码A1", "lisi").has_value());
}

}  // namespace
}  // namespace omni::access
