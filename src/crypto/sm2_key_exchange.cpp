#include "crypto/sm2_key_exchange.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>

#include <array>

#include "core/check.hpp"
#include "crypto/openssl_util.hpp"

namespace omni::crypto {

using detail::BnCtxPtr;
using detail::BnPtr;
using detail::PointPtr;
using detail::SecureBnPtr;
using detail::SecurePointPtr;
using detail::sm2_group;

Result<Bytes> sm2_kdf(ByteView z, std::size_t length) {
  if (length == 0 || length > 65536) {
    return fail(ErrorCode::OutOfRange, "SM2 KDF length must be 1..65536 bytes");
  }
  Bytes out;
  out.reserve(length + kSm3DigestSize);
  Sm3 h;
  for (std::uint32_t ct = 1; out.size() < length; ++ct) {
    const std::array<std::uint8_t, 4> counter = {
        static_cast<std::uint8_t>(ct >> 24), static_cast<std::uint8_t>(ct >> 16),
        static_cast<std::uint8_t>(ct >> 8), static_cast<std::uint8_t>(ct)};
    const Sm3Digest block = h.update(z).update(counter).finish();
    out.insert(out.end(), block.begin(), block.end());
  }
  if (out.size() > length) wipe(std::span<std::uint8_t>(out).subspan(length));
  out.resize(length);
  return out;
}

namespace {

constexpr int kW = 127;  // w = ceil(ceil(log2 n) / 2) - 1 for the 256-bit SM2 order

// x̄ = 2^w + (x mod 2^w) (GB/T 32918.3 6.1 A4/B3).
BnPtr x_bar(const BIGNUM* x) {
  BnPtr out(BN_dup(x));
  OMNI_CHECK(out != nullptr);
  if (BN_num_bits(out.get()) > kW) OMNI_CHECK(BN_mask_bits(out.get(), kW) == 1);
  OMNI_CHECK(BN_set_bit(out.get(), kW) == 1);
  return out;
}

struct Coordinates {
  std::array<std::uint8_t, 32> x{};
  std::array<std::uint8_t, 32> y{};
};

Coordinates coordinates_of(const Sm2Point& p) {
  Coordinates c;
  std::copy(p.begin() + 1, p.begin() + 33, c.x.begin());
  std::copy(p.begin() + 33, p.end(), c.y.begin());
  return c;
}

}  // namespace

struct Sm2KeyExchange::State {
  Role role = Role::Initiator;
  std::size_t key_length = 0;
  SecureBnPtr d;           // own static private key
  SecureBnPtr r;           // own ephemeral private key
  Sm2Point own_r{};        // R of this side
  Sm2Point peer_static{};  // P of the peer
  Sm3Digest z_a{};         // Z of the initiator
  Sm3Digest z_b{};         // Z of the responder
  bool received = false;
  bool confirmed = false;
  Bytes key;        // klen bytes, after receive()
  Sm3Digest s_b{};  // S_B = SM3(02 || yV || inner), after receive()
  Sm3Digest s_a{};  // S_A = SM3(03 || yV || inner), after receive()

  ~State() { wipe(key); }
};

Sm2KeyExchange::Sm2KeyExchange(std::unique_ptr<State> state) : state_(std::move(state)) {}
Sm2KeyExchange::Sm2KeyExchange(Sm2KeyExchange&&) noexcept = default;
Sm2KeyExchange& Sm2KeyExchange::operator=(Sm2KeyExchange&&) noexcept = default;
Sm2KeyExchange::~Sm2KeyExchange() = default;

Sm2KeyExchange::Role Sm2KeyExchange::role() const { return state_->role; }
Sm2Point Sm2KeyExchange::ephemeral_point() const { return state_->own_r; }

namespace {

Result<SecureBnPtr> scalar_in_range(ByteView bytes) {
  if (bytes.size() != kSm2ScalarSize) return fail(ErrorCode::Malformed, "scalar must be 32 bytes");
  SecureBnPtr s(BN_secure_new());
  OMNI_CHECK(s != nullptr);
  OMNI_CHECK(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), s.get()) != nullptr);
  if (BN_is_zero(s.get()) || BN_cmp(s.get(), EC_GROUP_get0_order(sm2_group())) >= 0) {
    return fail(ErrorCode::OutOfRange, "ephemeral scalar outside [1, n-1]");
  }
  return s;
}

SecureBnPtr random_scalar() {
  SecureBnPtr s(BN_secure_new());
  OMNI_CHECK(s != nullptr);
  do {
    OMNI_CHECK(BN_priv_rand_range(s.get(), EC_GROUP_get0_order(sm2_group())) == 1);
  } while (BN_is_zero(s.get()));
  return s;
}

Sm2Point multiply_generator(const BIGNUM* k) {
  BnCtxPtr ctx(BN_CTX_secure_new());
  PointPtr p(EC_POINT_new(sm2_group()));
  OMNI_CHECK(ctx != nullptr && p != nullptr);
  OMNI_CHECK(EC_POINT_mul(sm2_group(), p.get(), k, nullptr, nullptr, ctx.get()) == 1);
  Sm2Point out{};
  OMNI_CHECK(EC_POINT_point2oct(sm2_group(), p.get(), POINT_CONVERSION_UNCOMPRESSED, out.data(),
                                out.size(), ctx.get()) == out.size());
  return out;
}

Result<PointPtr> decode_point(ByteView bytes, BN_CTX* ctx) {
  if (bytes.size() != kSm2PointSize || bytes[0] != 0x04) {
    return fail(ErrorCode::Malformed, "SM2 point must be 65 bytes 04 || x || y");
  }
  PointPtr p(EC_POINT_new(sm2_group()));
  OMNI_CHECK(p != nullptr);
  // oct2point rejects coordinates that are not on the curve (invalid-curve attacks).
  if (EC_POINT_oct2point(sm2_group(), p.get(), bytes.data(), bytes.size(), ctx) != 1) {
    detail::openssl_error();
    return fail(ErrorCode::OutOfRange, "SM2 point is not on the curve");
  }
  return p;
}

}  // namespace

Result<Sm2KeyExchange> Sm2KeyExchange::start(Role role, const Sm2KeyPair& self,
                                             const Sm2PublicKey& peer, std::size_t key_length,
                                             std::string_view self_id, std::string_view peer_id) {
  SecureBnPtr r = random_scalar();
  Secret<kSm2ScalarSize> r_bytes;
  OMNI_CHECK(BN_bn2binpad(r.get(), r_bytes.value.data(), 32) == 32);
  return start_with_ephemeral(role, self, peer, key_length, r_bytes.view(), self_id, peer_id);
}

Result<Sm2KeyExchange> Sm2KeyExchange::start_with_ephemeral(Role role, const Sm2KeyPair& self,
                                                            const Sm2PublicKey& peer,
                                                            std::size_t key_length, ByteView r,
                                                            std::string_view self_id,
                                                            std::string_view peer_id) {
  if (key_length == 0 || key_length > 65536) {
    return fail(ErrorCode::OutOfRange, "SM2 key exchange: key length must be 1..65536 bytes");
  }
  auto z_self = sm2_z(self.public_key(), self_id);
  if (!z_self) return fail(std::move(z_self).error());
  auto z_peer = sm2_z(peer, peer_id);
  if (!z_peer) return fail(std::move(z_peer).error());
  auto r_bn = scalar_in_range(r);
  if (!r_bn) return fail(std::move(r_bn).error());

  auto state = std::make_unique<State>();
  state->role = role;
  state->key_length = key_length;
  const Secret<kSm2ScalarSize> d = self.private_scalar();
  state->d.reset(BN_secure_new());
  OMNI_CHECK(state->d && BN_bin2bn(d.value.data(), 32, state->d.get()) != nullptr);
  state->r = std::move(*r_bn);
  BN_set_flags(state->d.get(), BN_FLG_CONSTTIME);
  BN_set_flags(state->r.get(), BN_FLG_CONSTTIME);
  state->own_r = multiply_generator(state->r.get());
  state->peer_static = peer.to_point();
  const bool initiator = role == Role::Initiator;
  state->z_a = initiator ? *z_self : *z_peer;
  state->z_b = initiator ? *z_peer : *z_self;
  return Sm2KeyExchange(std::move(state));
}

Status Sm2KeyExchange::receive(ByteView peer_ephemeral) {
  State& s = *state_;
  if (s.received) return fail(ErrorCode::Internal, "SM2 key exchange: receive() called twice");
  BnCtxPtr ctx(BN_CTX_secure_new());
  OMNI_CHECK(ctx != nullptr);
  auto peer_r = decode_point(peer_ephemeral, ctx.get());
  if (!peer_r) return fail(std::move(peer_r).error());
  auto peer_p = decode_point(s.peer_static, ctx.get());
  OMNI_CHECK(peer_p.has_value());  // came from a validated Sm2PublicKey

  const BIGNUM* n = EC_GROUP_get0_order(sm2_group());
  BnPtr own_x(BN_bin2bn(s.own_r.data() + 1, 32, nullptr));
  BnPtr peer_x(BN_bin2bn(peer_ephemeral.data() + 1, 32, nullptr));
  OMNI_CHECK(own_x != nullptr && peer_x != nullptr);
  const BnPtr own_bar = x_bar(own_x.get());
  const BnPtr peer_bar = x_bar(peer_x.get());

  // t = (d + x̄_own · r) mod n (A5 / B4).
  SecureBnPtr t(BN_secure_new());
  SecureBnPtr product(BN_secure_new());
  OMNI_CHECK(t != nullptr && product != nullptr);
  OMNI_CHECK(BN_mod_mul(product.get(), own_bar.get(), s.r.get(), n, ctx.get()) == 1);
  OMNI_CHECK(BN_mod_add(t.get(), s.d.get(), product.get(), n, ctx.get()) == 1);
  BN_set_flags(t.get(), BN_FLG_CONSTTIME);

  // V = [h·t](P_peer + [x̄_peer] R_peer), h = 1 on the SM2 curve (A7 / B6). The secret scalar
  // goes last, through OpenSSL's single-point ladder (EC_POINT_mul with one point).
  PointPtr sum(EC_POINT_new(sm2_group()));
  SecurePointPtr v(EC_POINT_new(sm2_group()));
  OMNI_CHECK(sum != nullptr && v != nullptr);
  OMNI_CHECK(
      EC_POINT_mul(sm2_group(), sum.get(), nullptr, peer_r->get(), peer_bar.get(), ctx.get()) == 1);
  OMNI_CHECK(EC_POINT_add(sm2_group(), sum.get(), sum.get(), peer_p->get(), ctx.get()) == 1);
  OMNI_CHECK(EC_POINT_mul(sm2_group(), v.get(), nullptr, sum.get(), t.get(), ctx.get()) == 1);
  if (EC_POINT_is_at_infinity(sm2_group(), v.get())) {
    return fail(ErrorCode::OutOfRange, "SM2 key exchange: shared point is at infinity");
  }
  Secret<kSm2PointSize> v_bytes;
  OMNI_CHECK(EC_POINT_point2oct(sm2_group(), v.get(), POINT_CONVERSION_UNCOMPRESSED,
                                v_bytes.value.data(), v_bytes.value.size(),
                                ctx.get()) == kSm2PointSize);
  const ByteView xv = v_bytes.view().subspan(1, 32);
  const ByteView yv = v_bytes.view().subspan(33, 32);

  // K = KDF(xV || yV || Z_A || Z_B, klen) (A8 / B7).
  Secret<128> kdf_input;
  std::copy(xv.begin(), xv.end(), kdf_input.value.begin());
  std::copy(yv.begin(), yv.end(), kdf_input.value.begin() + 32);
  std::copy(s.z_a.begin(), s.z_a.end(), kdf_input.value.begin() + 64);
  std::copy(s.z_b.begin(), s.z_b.end(), kdf_input.value.begin() + 96);
  auto key = sm2_kdf(kdf_input.view(), s.key_length);
  OMNI_CHECK(key.has_value());  // length checked in start
  s.key = std::move(*key);

  // inner = SM3(xV || Z_A || Z_B || x1 || y1 || x2 || y2), (x1, y1) = R_A, (x2, y2) = R_B.
  Sm2Point peer_point{};
  std::copy(peer_ephemeral.begin(), peer_ephemeral.end(), peer_point.begin());
  const bool initiator = s.role == Role::Initiator;
  const Coordinates ra = coordinates_of(initiator ? s.own_r : peer_point);
  const Coordinates rb = coordinates_of(initiator ? peer_point : s.own_r);
  Sm3 h;
  const Sm3Digest inner = h.update(xv)
                              .update(s.z_a)
                              .update(s.z_b)
                              .update(ra.x)
                              .update(ra.y)
                              .update(rb.x)
                              .update(rb.y)
                              .finish();
  const std::array<std::uint8_t, 1> two = {0x02}, three = {0x03};
  s.s_b = h.update(two).update(yv).update(inner).finish();
  s.s_a = h.update(three).update(yv).update(inner).finish();
  s.received = true;
  return ok();
}

Result<Sm3Digest> Sm2KeyExchange::confirmation() const {
  const State& s = *state_;
  if (!s.received)
    return fail(ErrorCode::Internal, "SM2 key exchange: confirmation before receive");
  if (s.role == Role::Responder) return s.s_b;
  // A10 comes after A9: the initiator vouches for the key only once S_B has checked out.
  if (!s.confirmed) return fail(ErrorCode::Internal, "SM2 key exchange: S_A before S_B is checked");
  return s.s_a;
}

Status Sm2KeyExchange::confirm(ByteView peer_confirmation) {
  State& s = *state_;
  if (!s.received) return fail(ErrorCode::Internal, "SM2 key exchange: confirm before receive");
  const Sm3Digest& expected = s.role == Role::Initiator ? s.s_b : s.s_a;
  if (!equal_constant_time(expected, peer_confirmation)) {
    return fail(ErrorCode::BadChecksum, s.role == Role::Initiator
                                            ? "SM2 key exchange: S_B does not match (A9)"
                                            : "SM2 key exchange: S_A does not match (B10)");
  }
  s.confirmed = true;
  return ok();
}

Result<Bytes> Sm2KeyExchange::key() const {
  if (!state_->confirmed) {
    return fail(ErrorCode::Unauthorized, "SM2 key exchange: key not confirmed by the peer");
  }
  return state_->key;
}

Result<Bytes> Sm2KeyExchange::key_unconfirmed() const {
  if (!state_->received) return fail(ErrorCode::Internal, "SM2 key exchange: no peer point yet");
  return state_->key;
}

}  // namespace omni::crypto
