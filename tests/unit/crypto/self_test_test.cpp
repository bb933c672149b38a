// The crypto self-test (SEC-10): passes on the published vectors, and reports by name any
// vector that does not match, so an alarm says what broke.
#include "crypto/self_test.hpp"

#include <gtest/gtest.h>

namespace omni::crypto {
namespace {

TEST(CryptoSelfTest, PassesOnThePublishedVectors) {
  auto st = self_test();
  EXPECT_TRUE(st.has_value()) << st.error().to_string();
}

TEST(CryptoSelfTest, CheckKnownAnswerComparesBytes) {
  const Bytes a{1, 2, 3};
  EXPECT_TRUE(check_known_answer("x", a, a).has_value());
  const Bytes b{1, 2, 4};
  auto st = check_known_answer("SM9", a, b);
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ErrorCode::BadChecksum);
  EXPECT_NE(st.error().detail.find("SM9"), std::string::npos);
  EXPECT_FALSE(check_known_answer("short", a, Bytes{1, 2}).has_value());
}

// Each vector, spoilt by one bit, makes the self-test fail naming that function.
TEST(CryptoSelfTest, AWrongExpectedValueIsReportedByName) {
  struct Case {
    Bytes KnownAnswers::*field;
    const char* name;
  };
  const Case cases[] = {
      {&KnownAnswers::sm3_abc, "SM3"},
      {&KnownAnswers::sm4_cipher, "SM4 encryption"},
      {&KnownAnswers::hmac_tag, "HMAC-SM3"},
      {&KnownAnswers::sm2_public_point, "SM2 public key"},
  };
  for (const Case& c : cases) {
    KnownAnswers k = standard_known_answers();
    (k.*c.field)[5] ^= 0x01;
    auto st = self_test(k);
    ASSERT_FALSE(st.has_value()) << c.name;
    EXPECT_EQ(st.error().code, ErrorCode::BadChecksum) << c.name;
    EXPECT_NE(st.error().detail.find(c.name), std::string::npos) << st.error().detail;
  }
}

TEST(CryptoSelfTest, ABadKeyIsReportedNotCrashed) {
  KnownAnswers k = standard_known_answers();
  k.sm4_key.pop_back();
  auto st = self_test(k);
  ASSERT_FALSE(st.has_value());
  EXPECT_NE(st.error().detail.find("SM4 key"), std::string::npos);
  k = standard_known_answers();
  k.sm2_private_scalar.assign(32, 0);  // d = 0 is not a key
  st = self_test(k);
  ASSERT_FALSE(st.has_value());
  EXPECT_NE(st.error().detail.find("SM2 key"), std::string::npos);
}

}  // namespace
}  // namespace omni::crypto
