#pragma once
// Power-on and on-demand self-test of the cryptographic functions (SEC-10: "security functions
// self-checked with alarms"; the known-answer tests GM/T 0028 asks of a cryptographic module).
//
//   if (auto st = crypto::self_test(); !st) refuse_sessions(st.error().detail);
//
// What runs: SM3 of "abc" (GB/T 32905-2016 A.1), SM4 encryption of the GB/T 32907-2016 A.1
// block under its key, decryption back, HMAC-SM3 (GM/T 0042-2015 D.3, "Hi There"), and an SM2
// signature with the GB/T 32918.5 example key that must verify and must not verify once the
// message is changed (signatures are randomised, so there is no fixed answer to compare).
//
// The expected values are data (KnownAnswers), so a test can hand in a wrong one and see that it
// is reported: a self-test that cannot fail is no test. Errors: BadChecksum whose detail names
// the function that failed ("crypto self-test: SM4 known answer"), or the wrapped error of a
// step that could not run. Stateless and thread-safe; about a millisecond (one SM2 sign+verify).

#include <string_view>

#include "crypto/bytes.hpp"

namespace omni::crypto {

struct KnownAnswers {
  Bytes sm3_abc;             // SM3("abc")
  Bytes sm4_key;             // 16 bytes
  Bytes sm4_plain;           // one block
  Bytes sm4_cipher;          // SM4(key, plain)
  Bytes hmac_key;            //
  Bytes hmac_message;        //
  Bytes hmac_tag;            // HMAC-SM3(key, message)
  Bytes sm2_private_scalar;  // 32 bytes
  Bytes sm2_public_point;    // 04 || X || Y of that scalar
};

// The published vectors named at the top of this file.
const KnownAnswers& standard_known_answers();

// One comparison: ok when `actual` equals `expected` (constant time), else BadChecksum naming
// `what`. Separate so that the failure path is testable with any vector.
Status check_known_answer(std::string_view what, ByteView actual, ByteView expected);

// Runs every test above against `answers`; stops at the first failure.
Status self_test(const KnownAnswers& answers = standard_known_answers());

}  // namespace omni::crypto
