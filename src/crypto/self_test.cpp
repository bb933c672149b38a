#include "crypto/self_test.hpp"

#include <algorithm>
#include <string>

#include "crypto/sm2.hpp"
#include "crypto/sm3.hpp"
#include "crypto/sm4.hpp"

namespace omni::crypto {
namespace {

Bytes hex_of(std::string_view text) {
  auto b = from_hex(text);
  return b ? std::move(*b) : Bytes{};  // the constants below are valid hex
}

Bytes text_bytes(std::string_view text) {
  ByteView v = as_bytes(text);
  return {v.begin(), v.end()};
}

Error named(std::string_view what, const Error& cause) {
  return {cause.code, "crypto self-test: " + std::string(what) + ": " + cause.to_string()};
}

}  // namespace

const KnownAnswers& standard_known_answers() {
  static const KnownAnswers k{
      hex_of("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
      hex_of("0123456789abcdeffedcba9876543210"),
      hex_of("0123456789abcdeffedcba9876543210"),
      hex_of("681edf34d206965e86b3e94f536e4246"),
      hex_of("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"),
      text_bytes("Hi There"),
      hex_of("c0ba18c68b90c88bc07de794bfc7d2c8d19ec31ed8773bc2b390c9604e0be11e"),
      hex_of("3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8"),
      hex_of("0409f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020"
             "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13"),
  };
  return k;
}

Status check_known_answer(std::string_view what, ByteView actual, ByteView expected) {
  if (equal_constant_time(actual, expected)) return ok();
  return fail(ErrorCode::BadChecksum, "crypto self-test: " + std::string(what) + " known answer");
}

Status self_test(const KnownAnswers& k) {
  OMNI_TRY(check_known_answer("SM3", sm3(as_bytes("abc")), k.sm3_abc));

  auto key = Sm4Key::from_bytes(k.sm4_key);
  if (!key) return fail(named("SM4 key", key.error()));
  if (k.sm4_plain.size() != kSm4BlockSize) {
    return fail(ErrorCode::OutOfRange, "crypto self-test: SM4 vector is not one block");
  }
  Sm4Block plain{};
  std::copy(k.sm4_plain.begin(), k.sm4_plain.end(), plain.begin());
  Sm4BlockCipher cipher(*key);
  Sm4Block encrypted = cipher.encrypt(plain);
  OMNI_TRY(check_known_answer("SM4 encryption", encrypted, k.sm4_cipher));
  OMNI_TRY(check_known_answer("SM4 decryption", cipher.decrypt(encrypted), plain));

  OMNI_TRY(check_known_answer("HMAC-SM3", hmac_sm3(k.hmac_key, k.hmac_message), k.hmac_tag));

  auto pair = Sm2KeyPair::from_private_scalar(k.sm2_private_scalar);
  if (!pair) return fail(named("SM2 key", pair.error()));
  OMNI_TRY(check_known_answer("SM2 public key", pair->public_key().to_point(), k.sm2_public_point));
  const Bytes message = text_bytes("omnimeter self-test");
  auto signature = sm2_sign(*pair, message);
  if (!signature) return fail(named("SM2 sign", signature.error()));
  if (auto v = sm2_verify(pair->public_key(), message, *signature); !v) {
    return fail(named("SM2 verify", v.error()));
  }
  Bytes altered = message;
  altered.back() ^= 1;
  if (sm2_verify(pair->public_key(), altered, *signature)) {
    return fail(ErrorCode::BadChecksum, "crypto self-test: SM2 accepted an altered message");
  }
  return ok();
}

}  // namespace omni::crypto
