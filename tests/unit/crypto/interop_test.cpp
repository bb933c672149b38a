// Interoperability with two independent JavaScript implementations, sm-crypto 0.5.8 and
// sm-crypto-v2 1.15.1 (tests/node/package.json, pinned), in both directions: what we make they
// accept, and what they make we accept. Ciphertext layouts are converted explicitly, because
// OpenSSL speaks GM/T 0009 DER while both libraries print raw C1C3C2 / C1C2C3 without C1's 04.
//
// The scripts need tests/node/node_modules: scripts/install-deps.sh runs `npm ci` there. A missing
// install FAILS these tests (never skips them): a silent skip would hide a broken cross-check.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/sm2.hpp"
#include "crypto/sm2_key_exchange.hpp"
#include "crypto/sm3.hpp"
#include "crypto/sm4.hpp"
#include "support/process.hpp"

namespace omni::crypto {
namespace {

namespace fs = std::filesystem;

const std::string kNodeDir = std::string(OMNI_SOURCE_DIR) + "/tests/node";

std::string find_node() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir) / "node";
    if (!dir.empty() && access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

Bytes unhex(const std::string& text) {
  auto b = from_hex(text);
  EXPECT_TRUE(b) << "not hex from node: '" << text << "'";
  return b ? *b : Bytes{};
}

template <std::size_t N>
Bytes vec(const std::array<std::uint8_t, N>& a) {
  return Bytes(a.begin(), a.end());
}

class Interop : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    node_ = find_node();
    ASSERT_FALSE(node_.empty()) << "node is not on PATH: run scripts/install-deps.sh";
    for (const char* lib : {"sm-crypto", "sm-crypto-v2"}) {
      ASSERT_TRUE(fs::exists(kNodeDir + "/node_modules/" + lib + "/package.json"))
          << kNodeDir << "/node_modules/" << lib
          << " is missing: run scripts/install-deps.sh (it runs `npm ci` in tests/node)";
    }
  }

  // Runs a script; returns trimmed stdout. `expected_exit` 0 = success, 1 = a "no" answer.
  std::string node(const std::string& script, std::vector<std::string> args,
                   int expected_exit = 0) {
    std::vector<std::string> argv = {node_, kNodeDir + "/" + script};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = omni::testing::run_process(argv, std::chrono::seconds(30));
    EXPECT_FALSE(r.timed_out) << script;
    EXPECT_EQ(r.exit_code, expected_exit) << script << " stderr: " << r.err << " stdout: " << r.out;
    return trim(r.out);
  }

  const std::string& lib() const { return GetParam(); }

 private:
  std::string node_;
};

std::string hex_of(ByteView b) { return to_hex(b); }

// ---- SM3 / HMAC-SM3 / SM4-CBC: the same bytes out of both sides ----

TEST_P(Interop, Sm3AndHmacAgree) {
  for (std::size_t len : {0u, 3u, 64u, 200u}) {
    const Bytes msg = random_bytes(len);
    EXPECT_EQ(node("sm_symmetric.mjs", {lib(), "sm3", hex_of(msg)}), hex_of(sm3(msg))) << len;
    const Bytes key = random_bytes(len % 2 ? 16 : 100);  // short and longer-than-block keys
    EXPECT_EQ(node("sm_symmetric.mjs", {lib(), "hmac", hex_of(key), hex_of(msg)}),
              hex_of(hmac_sm3(key, msg)))
        << len;
  }
}

TEST_P(Interop, Sm4CbcAgrees) {
  const Sm4Key key = Sm4Key::generate();
  Sm4Block iv{};
  random_bytes(iv);
  for (std::size_t len : {0u, 5u, 16u, 33u}) {
    const Bytes pt = random_bytes(len);
    EXPECT_EQ(
        node("sm_symmetric.mjs", {lib(), "sm4-cbc", hex_of(key.bytes()), hex_of(iv), hex_of(pt)}),
        hex_of(sm4_cbc_encrypt(key, iv, pt)))
        << len;
  }
}

// ---- SM2 signatures, ID 1234567812345678 on both sides ----

TEST_P(Interop, OursSignTheyVerify) {
  const auto kp = Sm2KeyPair::generate();
  const std::string pub = hex_of(kp.public_key().to_point());
  const Bytes msg = random_bytes(50);
  const Bytes sig = *sm2_sign(kp, msg);
  EXPECT_EQ(
      node("sm2_verify.mjs", {lib(), pub, hex_of(msg), hex_of(sig), std::string(kSm2DefaultId)}),
      "valid");
  // Control: they do say "invalid" for another message, and for our signature under another ID.
  EXPECT_EQ(node("sm2_verify.mjs",
                 {lib(), pub, hex_of(as_bytes("x")), hex_of(sig), std::string(kSm2DefaultId)}, 1),
            "invalid");
  const Bytes sig_other = *sm2_sign(kp, msg, "station-01");
  EXPECT_EQ(node("sm2_verify.mjs", {lib(), pub, hex_of(msg), hex_of(sig_other), "station-01"}),
            "valid");
  EXPECT_EQ(node("sm2_verify.mjs",
                 {lib(), pub, hex_of(msg), hex_of(sig_other), std::string(kSm2DefaultId)}, 1),
            "invalid");
}

TEST_P(Interop, TheySignWeVerify) {
  const auto kp = Sm2KeyPair::generate();
  const Bytes msg = random_bytes(77);
  for (int i = 0; i < 3; ++i) {  // several signatures: r and s of varying DER lengths
    const Bytes sig = unhex(node("sm2_sign.mjs", {lib(), hex_of(kp.private_scalar().view()),
                                                  hex_of(msg), std::string(kSm2DefaultId)}));
    EXPECT_TRUE(sm2_verify(kp.public_key(), msg, sig)) << hex_of(sig);
    // OpenSSL's own default (empty ID) would reject it: the trap this project avoids.
    EXPECT_FALSE(sm2_verify(kp.public_key(), msg, sig, ""));
  }
}

// ---- SM2 encryption: DER (ours) <-> raw C1C3C2 / C1C2C3 without the 04 (theirs) ----

Bytes strip04(const Bytes& raw) { return Bytes(raw.begin() + 1, raw.end()); }
Bytes add04(const Bytes& raw) {
  Bytes out(raw.size() + 1, 0x04);
  std::copy(raw.begin(), raw.end(), out.begin() + 1);
  return out;
}

TEST_P(Interop, OursEncryptTheyDecrypt) {
  const auto kp = Sm2KeyPair::generate();
  const std::string priv = hex_of(kp.private_scalar().view());
  for (std::size_t len : {1u, 32u, 100u}) {
    const Bytes pt = random_bytes(len);
    const Bytes der = *sm2_encrypt(kp.public_key(), pt);
    const Bytes c1c3c2 = *sm2_ciphertext_der_to_c1c3c2(der);
    EXPECT_EQ(node("sm2_decrypt.mjs", {lib(), priv, hex_of(strip04(c1c3c2)), "1"}), hex_of(pt));
    const Bytes c1c2c3 = *sm2_ciphertext_c1c3c2_to_c1c2c3(c1c3c2);
    EXPECT_EQ(node("sm2_decrypt.mjs", {lib(), priv, hex_of(strip04(c1c2c3)), "0"}), hex_of(pt));
  }
}

TEST_P(Interop, TheyEncryptWeDecrypt) {
  const auto kp = Sm2KeyPair::generate();
  const std::string pub = hex_of(kp.public_key().to_point());
  // At least 16 bytes: neither library re-draws k when the KDF stream is all zeros (GB/T
  // 32918.4 A5), and OpenSSL then refuses the ciphertext; at 1 byte that is 1 try in 256
  // (sm2_test.cpp, ZeroKeystreamCiphertextIsRefused). At 16 bytes the odds are 2^-128.
  for (std::size_t len : {16u, 33u, 100u}) {
    const Bytes pt = random_bytes(len);
    const Bytes mode1 = add04(unhex(node("sm2_encrypt.mjs", {lib(), pub, hex_of(pt), "1"})));
    auto der1 = sm2_ciphertext_c1c3c2_to_der(mode1);
    ASSERT_TRUE(der1);
    auto back1 = sm2_decrypt(kp, *der1);
    ASSERT_TRUE(back1) << back1.error().to_string();
    EXPECT_EQ(*back1, pt);

    const Bytes mode0 = add04(unhex(node("sm2_encrypt.mjs", {lib(), pub, hex_of(pt), "0"})));
    auto der0 = sm2_ciphertext_c1c3c2_to_der(*sm2_ciphertext_c1c2c3_to_c1c3c2(mode0));
    ASSERT_TRUE(der0);
    auto back0 = sm2_decrypt(kp, *der0);
    ASSERT_TRUE(back0) << back0.error().to_string();
    EXPECT_EQ(*back0, pt);
  }
}

INSTANTIATE_TEST_SUITE_P(Libraries, Interop, ::testing::Values("sm-crypto", "sm-crypto-v2"),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

// ---- GB/T 32918.3 key exchange against sm-crypto-v2 (sm-crypto has none) ----

class KeyExchangeInterop : public Interop {};

struct KeyExchangeCase {
  const char* our_id;
  const char* their_id;
  std::size_t length;
};

TEST_P(KeyExchangeInterop, WeInitiateTheyRespond) {
  for (const KeyExchangeCase c : {KeyExchangeCase{"1234567812345678", "1234567812345678", 16},
                                  KeyExchangeCase{"station-01", "concentrator-7", 64}}) {
    const auto ours = Sm2KeyPair::generate();
    const auto theirs = Sm2KeyPair::generate();
    auto a = *Sm2KeyExchange::start(Sm2KeyExchange::Role::Initiator, ours, theirs.public_key(),
                                    c.length, c.our_id, c.their_id);
    const std::string out = node(
        "sm2_key_exchange.mjs",
        {"responder", hex_of(theirs.private_scalar().view()), hex_of(ours.public_key().to_point()),
         hex_of(a.ephemeral_point()), std::to_string(c.length), c.their_id, c.our_id});
    const auto space = out.find(' ');
    ASSERT_NE(space, std::string::npos) << out;
    ASSERT_TRUE(a.receive(unhex(out.substr(0, space))));
    EXPECT_EQ(hex_of(*a.key_unconfirmed()), out.substr(space + 1)) << c.our_id;
  }
}

TEST_P(KeyExchangeInterop, TheyInitiateWeRespond) {
  for (const KeyExchangeCase c : {KeyExchangeCase{"1234567812345678", "1234567812345678", 16},
                                  KeyExchangeCase{"concentrator-7", "station-01", 48}}) {
    const auto ours = Sm2KeyPair::generate();
    const auto theirs = Sm2KeyPair::generate();
    auto b = *Sm2KeyExchange::start(Sm2KeyExchange::Role::Responder, ours, theirs.public_key(),
                                    c.length, c.our_id, c.their_id);
    const std::string out = node(
        "sm2_key_exchange.mjs",
        {"initiator", hex_of(theirs.private_scalar().view()), hex_of(ours.public_key().to_point()),
         hex_of(b.ephemeral_point()), std::to_string(c.length), c.their_id, c.our_id});
    const auto space = out.find(' ');
    ASSERT_NE(space, std::string::npos) << out;
    ASSERT_TRUE(b.receive(unhex(out.substr(0, space))));
    EXPECT_EQ(hex_of(*b.key_unconfirmed()), out.substr(space + 1)) << c.our_id;
  }
}

INSTANTIATE_TEST_SUITE_P(Libraries, KeyExchangeInterop, ::testing::Values("sm-crypto-v2"),
                         [](const auto&) { return std::string("sm_crypto_v2"); });

}  // namespace
}  // namespace omni::crypto
