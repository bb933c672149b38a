#pragma once
// SM2 key exchange (GB/T 32918.3-2016, section 6) with the key-confirmation steps, both roles,
// on OpenSSL EC_POINT/BIGNUM arithmetic: OpenSSL 3.0 has no provider operation for it
// (EVP_PKEY_derive on an SM2 key fails), so the protocol steps are written out here.
//
//   initiator A                                   responder B
//   a = start(Initiator, kA, PB, 16)              b = start(Responder, kB, PA, 16)
//   send a.ephemeral_point()          -- R_A -->  b.receive(R_A)
//                                   <-- R_B, S_B  send b.ephemeral_point(), *b.confirmation()
//   a.receive(R_B); a.confirm(S_B)
//   send *a.confirmation()            -- S_A -->  b.confirm(S_A)
//   a.key()                                       b.key()
//
// Z_A / Z_B are computed with the distinguishing IDs, "1234567812345678" unless given. The
// optional confirmation (B8, A9, A10, B10) is what turns the exchange into an authenticated
// one: key() returns the key only once the peer's confirmation value has been checked.
// key_unconfirmed() exists for peers that skip those optional steps (it is what the interop
// test with sm-crypto-v2 uses); protocols of this project always confirm.
//
// Not thread-safe; one object per handshake, discarded afterwards (it wipes its secrets).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "crypto/sm2.hpp"

namespace omni::crypto {

// The SM2 key derivation function (GB/T 32918.3 5.4.3): SM3(Z || ct) for a 32-bit big-endian
// counter ct = 1, 2, ..., concatenated and cut to `length` bytes (= ANSI X9.63 KDF with SM3).
// Errors: OutOfRange (length 0 or above 64 KiB, far beyond any key block).
Result<Bytes> sm2_kdf(ByteView z, std::size_t length);

class Sm2KeyExchange {
 public:
  enum class Role : std::uint8_t { Initiator, Responder };  // user A / user B of the standard

  // Draws the ephemeral r in [1, n-1] and computes R = r·G (A1-A2 / B1-B2). `key_length` is
  // the klen of the standard in bytes. Errors: OutOfRange (key length, ID length).
  static Result<Sm2KeyExchange> start(Role role, const Sm2KeyPair& self, const Sm2PublicKey& peer,
                                      std::size_t key_length,
                                      std::string_view self_id = kSm2DefaultId,
                                      std::string_view peer_id = kSm2DefaultId);
  // Same with a given ephemeral scalar, for the standard's worked example only: a reused r
  // reveals the private key. Errors: also OutOfRange (r not in [1, n-1]), Malformed (not 32 B).
  static Result<Sm2KeyExchange> start_with_ephemeral(Role role, const Sm2KeyPair& self,
                                                     const Sm2PublicKey& peer,
                                                     std::size_t key_length, ByteView r,
                                                     std::string_view self_id = kSm2DefaultId,
                                                     std::string_view peer_id = kSm2DefaultId);

  Sm2KeyExchange(Sm2KeyExchange&&) noexcept;
  Sm2KeyExchange& operator=(Sm2KeyExchange&&) noexcept;
  ~Sm2KeyExchange();

  Role role() const;
  // This side's ephemeral point R (04 || x || y), to send to the peer.
  Sm2Point ephemeral_point() const;

  // Takes the peer's ephemeral point and computes the shared point and key (A4-A8 / B3-B7).
  // Errors: Malformed (not 65 bytes 04 || x || y), OutOfRange (not on the curve, or the shared
  // point is the point at infinity), Internal (called twice).
  Status receive(ByteView peer_ephemeral);

  // This side's confirmation value: S_B for the responder (B8, available after receive()), S_A
  // for the initiator (A10, available only after confirm() has checked S_B, as in A9 -> A10).
  // Errors: Internal (called out of order).
  Result<Sm3Digest> confirmation() const;

  // Checks the peer's confirmation value in constant time: S_B at the initiator (A9), S_A at
  // the responder (B10). Errors: BadChecksum (mismatch: wrong keys, IDs, points or a tampered
  // value), Internal (called before receive()).
  Status confirm(ByteView peer_confirmation);

  // The agreed key (key_length bytes) once confirm() has succeeded. Errors: Unauthorized (not
  // confirmed yet). The caller owns the copy and should wipe() it when done.
  Result<Bytes> key() const;
  // The key after receive() without any confirmation (for peers that omit the optional steps).
  // Errors: Internal (called before receive()).
  Result<Bytes> key_unconfirmed() const;

 private:
  struct State;
  explicit Sm2KeyExchange(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace omni::crypto
