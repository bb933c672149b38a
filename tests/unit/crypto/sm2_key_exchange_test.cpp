// SM2 key exchange (GB/T 32918.3) with key confirmation, both roles.

#include "crypto/sm2_key_exchange.hpp"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "support/hex.hpp"

namespace omni::crypto {
namespace {

using omni::testing::hex;
using Role = Sm2KeyExchange::Role;

template <std::size_t N>
Bytes vec(const std::array<std::uint8_t, N>& a) {
  return Bytes(a.begin(), a.end());
}

// Worked key-exchange example on the RECOMMENDED curve from GB/T 32918.5-2017 (= GM/T
// 0003.5-2012), both IDs "1234567812345678", klen = 128 bits. (The example in GB/T 32918.3
// itself uses a different, illustrative 256-bit curve and the IDs ALICE123@YAHOO.COM /
// BILL456@YAHOO.COM; OpenSSL's named SM2 group cannot express that curve, so part 5's example is
// the one tested here.) The same values appear in other open-source SM2 test suites.
struct Example {
  const char* d_a = "81EB26E941BB5AF16DF116495F90695272AE2CD63D6C4AE1678418BE48230029";
  const char* p_a =
      "04 160E12897DF4EDB61DD812FEB96748FBD3CCF4FFE26AA6F6DB9540AF49C94232"
      "   4A7DAD08BB9A459531694BEB20AA489D6649975E1BFCF8C4741B78B4B223007F";
  const char* r_a = "D4DE15474DB74D06491C440D305E012400990F3E390C7E87153C12DB2EA60BB3";
  const char* big_r_a =
      "04 64CED1BDBC99D590049B434D0FD73428CF608A5DB8FE5CE07F15026940BAE40E"
      "   376629C7AB21E7DB260922499DDB118F07CE8EAAE3E7720AFEF6A5CC062070C0";
  const char* d_b = "785129917D45A9EA5437A59356B82338EAADDA6CEB199088F14AE10DEFA229B5";
  const char* p_b =
      "04 6AE848C57C53C7B1B5FA99EB2286AF078BA64C64591B8B566F7357D576F16DFB"
      "   EE489D771621A27B36C5C7992062E9CD09A9264386F3FBEA54DFF69305621C4D";
  const char* r_b = "7E07124814B309489125EAED101113164EBF0F3458C5BD88335C1F9D596243D6";
  const char* big_r_b =
      "04 ACC27688A6F7B706098BC91FF3AD1BFF7DC2802CDB14CCCCDB0A90471F9BD707"
      "   2FEDAC0494B2FFC4D6853876C79B8F301C6573AD0AA50F39FC87181E1A1B46FE";
  const char* z_a = "3B85A57179E11E7E513AA622991F2CA74D1807A0BD4D4B38F90987A17AC245B1";
  const char* z_b = "79C988D63229D97EF19FE02CA1056E01E6A7411ED24694AA8F834F4A4AB022F7";
  const char* key = "6C89347354DE2484C60B4AB1FDE4C6E5";
  const char* s_b = "D3A0FE15DEE185CEAE907A6B595CC32A266ED7B3367E9983A896DC32FA20F8EB";
  const char* s_a = "18C7894B3816DF16CF07B05C5EC0BEF5D655D58F779CC1B400A4F3884644DB88";
};

TEST(Sm2KeyExchange, StandardExampleBothRoles) {
  const Example ex;
  const auto ka = *Sm2KeyPair::from_private_scalar(hex(ex.d_a));
  const auto kb = *Sm2KeyPair::from_private_scalar(hex(ex.d_b));
  ASSERT_EQ(vec(ka.public_key().to_point()), hex(ex.p_a));
  ASSERT_EQ(vec(kb.public_key().to_point()), hex(ex.p_b));
  EXPECT_EQ(vec(*sm2_z(ka.public_key())), hex(ex.z_a));
  EXPECT_EQ(vec(*sm2_z(kb.public_key())), hex(ex.z_b));

  auto a =
      Sm2KeyExchange::start_with_ephemeral(Role::Initiator, ka, kb.public_key(), 16, hex(ex.r_a));
  auto b =
      Sm2KeyExchange::start_with_ephemeral(Role::Responder, kb, ka.public_key(), 16, hex(ex.r_b));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(vec(a->ephemeral_point()), hex(ex.big_r_a));
  EXPECT_EQ(vec(b->ephemeral_point()), hex(ex.big_r_b));

  // B receives R_A, answers R_B and S_B.
  ASSERT_TRUE(b->receive(hex(ex.big_r_a)));
  auto s_b = b->confirmation();
  ASSERT_TRUE(s_b);
  EXPECT_EQ(vec(*s_b), hex(ex.s_b));
  // A receives them, checks S_B, answers S_A.
  ASSERT_TRUE(a->receive(hex(ex.big_r_b)));
  EXPECT_FALSE(a->confirmation());  // S_A only after S_B is checked (A9 before A10)
  ASSERT_TRUE(a->confirm(vec(*s_b)));
  auto s_a = a->confirmation();
  ASSERT_TRUE(s_a);
  EXPECT_EQ(vec(*s_a), hex(ex.s_a));
  EXPECT_EQ(*a->key(), hex(ex.key));
  // B checks S_A; only now does it release the key.
  EXPECT_EQ(b->key().error().code, ErrorCode::Unauthorized);
  ASSERT_TRUE(b->confirm(vec(*s_a)));
  EXPECT_EQ(*b->key(), hex(ex.key));
}

struct Pair {
  Sm2KeyPair a = Sm2KeyPair::generate();
  Sm2KeyPair b = Sm2KeyPair::generate();
};

TEST(Sm2KeyExchange, RandomKeysAgreeForSeveralLengths) {
  for (std::size_t len : {1u, 16u, 32u, 33u, 64u, 100u}) {
    Pair p;
    auto a = *Sm2KeyExchange::start(Role::Initiator, p.a, p.b.public_key(), len, "station-01",
                                    "concentrator-7");
    auto b = *Sm2KeyExchange::start(Role::Responder, p.b, p.a.public_key(), len, "concentrator-7",
                                    "station-01");
    ASSERT_TRUE(b.receive(a.ephemeral_point()));
    ASSERT_TRUE(a.receive(b.ephemeral_point()));
    ASSERT_TRUE(a.confirm(*b.confirmation()));
    ASSERT_TRUE(b.confirm(*a.confirmation()));
    EXPECT_EQ(a.key()->size(), len);
    EXPECT_EQ(*a.key(), *b.key());
  }
}

TEST(Sm2KeyExchange, TamperedConfirmationFails) {
  Pair p;
  auto a = *Sm2KeyExchange::start(Role::Initiator, p.a, p.b.public_key(), 16);
  auto b = *Sm2KeyExchange::start(Role::Responder, p.b, p.a.public_key(), 16);
  ASSERT_TRUE(b.receive(a.ephemeral_point()));
  ASSERT_TRUE(a.receive(b.ephemeral_point()));
  Bytes s_b = vec(*b.confirmation());
  s_b[5] ^= 0x40;
  EXPECT_EQ(a.confirm(s_b).error().code, ErrorCode::BadChecksum);
  EXPECT_FALSE(a.confirmation());
  EXPECT_EQ(a.key().error().code, ErrorCode::Unauthorized);
  // The responder rejects a tampered S_A, and a truncated one.
  s_b[5] ^= 0x40;
  ASSERT_TRUE(a.confirm(s_b));
  Bytes s_a = vec(*a.confirmation());
  s_a[31] ^= 1;
  EXPECT_EQ(b.confirm(s_a).error().code, ErrorCode::BadChecksum);
  EXPECT_EQ(b.confirm(ByteView(s_a).first(31)).error().code, ErrorCode::BadChecksum);
  EXPECT_EQ(b.key().error().code, ErrorCode::Unauthorized);
}

TEST(Sm2KeyExchange, WrongIdentityOrKeyIsCaughtByConfirmation) {
  Pair p;
  const auto mallory = Sm2KeyPair::generate();
  // B believes it talks to A, but the initiator holds Mallory's key: keys differ, S_B fails.
  auto m = *Sm2KeyExchange::start(Role::Initiator, mallory, p.b.public_key(), 16);
  auto b = *Sm2KeyExchange::start(Role::Responder, p.b, p.a.public_key(), 16);
  ASSERT_TRUE(b.receive(m.ephemeral_point()));
  ASSERT_TRUE(m.receive(b.ephemeral_point()));
  EXPECT_EQ(m.confirm(*b.confirmation()).error().code, ErrorCode::BadChecksum);
  EXPECT_NE(*m.key_unconfirmed(), *b.key_unconfirmed());
  // Same keys, different ID on one side: Z differs, so does everything after.
  auto a2 = *Sm2KeyExchange::start(Role::Initiator, p.a, p.b.public_key(), 16, "A", "B");
  auto b2 = *Sm2KeyExchange::start(Role::Responder, p.b, p.a.public_key(), 16, "B", "not A");
  ASSERT_TRUE(b2.receive(a2.ephemeral_point()));
  ASSERT_TRUE(a2.receive(b2.ephemeral_point()));
  EXPECT_EQ(a2.confirm(*b2.confirmation()).error().code, ErrorCode::BadChecksum);
}

TEST(Sm2KeyExchange, BadPointsAndMisuse) {
  Pair p;
  auto a = *Sm2KeyExchange::start(Role::Initiator, p.a, p.b.public_key(), 16);
  EXPECT_EQ(a.confirmation().error().code, ErrorCode::Internal);
  EXPECT_EQ(a.confirm(Bytes(32, 0)).error().code, ErrorCode::Internal);
  EXPECT_EQ(a.key_unconfirmed().error().code, ErrorCode::Internal);
  EXPECT_EQ(a.receive(Bytes(64, 1)).error().code, ErrorCode::Malformed);
  Sm2Point off = p.b.public_key().to_point();
  off[64] ^= 1;
  EXPECT_EQ(a.receive(off).error().code, ErrorCode::OutOfRange);
  ASSERT_TRUE(a.receive(p.b.public_key().to_point()));
  EXPECT_EQ(a.receive(p.b.public_key().to_point()).error().code, ErrorCode::Internal);
  EXPECT_EQ(Sm2KeyExchange::start(Role::Initiator, p.a, p.b.public_key(), 0).error().code,
            ErrorCode::OutOfRange);
  EXPECT_EQ(
      Sm2KeyExchange::start_with_ephemeral(Role::Initiator, p.a, p.b.public_key(), 16, Bytes(32, 0))
          .error()
          .code,
      ErrorCode::OutOfRange);
}

TEST(Sm2Kdf, CounterFromOneAndTruncation) {
  // KDF(Z, 40) = SM3(Z || 00000001) || first 8 bytes of SM3(Z || 00000002).
  const Bytes z = hex("0102030405");
  Bytes first = z, second = z;
  first.insert(first.end(), {0, 0, 0, 1});
  second.insert(second.end(), {0, 0, 0, 2});
  Bytes expected = vec(sm3(first));
  const auto s2 = sm3(second);
  expected.insert(expected.end(), s2.begin(), s2.begin() + 8);
  EXPECT_EQ(*sm2_kdf(z, 40), expected);
  EXPECT_EQ(sm2_kdf(z, 0).error().code, ErrorCode::OutOfRange);
}

// Second implementation: the SM2 KDF is ANSI X9.63's KDF with SM3, which OpenSSL 3.0 offers
// as EVP_KDF "X963KDF" (used here only as a cross-check; the code keeps its own 20 lines).
TEST(Sm2Kdf, MatchesOpenSslX963Kdf) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "X963KDF", nullptr);
  ASSERT_NE(kdf, nullptr);
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  ASSERT_NE(ctx, nullptr);
  for (std::size_t len : {1u, 16u, 32u, 33u, 64u, 100u}) {
    Bytes z = random_bytes(128);
    char digest[] = "SM3";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, z.data(), z.size()), OSSL_PARAM_END};
    Bytes expected(len);
    ASSERT_EQ(EVP_KDF_derive(ctx, expected.data(), expected.size(), params), 1);
    EXPECT_EQ(*sm2_kdf(z, len), expected) << len;
  }
  EVP_KDF_CTX_free(ctx);
  EVP_KDF_free(kdf);
}

}  // namespace
}  // namespace omni::crypto
