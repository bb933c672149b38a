// The CONNECT handshake (src/crypto/session/handshake.hpp): SM2 signatures over the transcript,
// GB/T 32918.3 key exchange with S_A / S_B, session keys. Real keys, no mocks.
#include <gtest/gtest.h>

#include <algorithm>

#include "crypto/session/handshake.hpp"
#include "protocol/dlt698/apdu.hpp"
#include "session_fixture.hpp"

namespace omni::crypto::session {
namespace {

namespace dlt = protocol::dlt698;
using testing::address;
using testing::SessionWorld;

bool same_key(const SealKey& a, const SealKey& b) {
  return equal_constant_time(a.enc().bytes(), b.enc().bytes()) &&
         equal_constant_time(a.mac().bytes(), b.mac().bytes());
}

// Offset of S_B inside M2: version, address (length + bytes), R_B, N_B.
std::size_t s_b_offset(const MeterAddress& server) {
  return 1 + 1 + server.size() + kSm2PointSize + kNonceSize;
}

// Re-encodes a CONNECT-Request / Response after `edit` changed a copy of its fields.
template <class Edit>
Bytes edit_request(const Bytes& request, Edit edit) {
  auto req = dlt::decode_connect_request(request);
  EXPECT_TRUE(req);
  Bytes first(req->mechanism.first.begin(), req->mechanism.first.end());
  Bytes second(req->mechanism.second.begin(), req->mechanism.second.end());
  edit(*req, first, second);
  req->mechanism.first = first;
  req->mechanism.second = second;
  Bytes out;
  dlt::encode(*req, out);
  return out;
}

template <class Edit>
Bytes edit_response(const Bytes& response, Edit edit) {
  auto rsp = dlt::decode_connect_response(response);
  EXPECT_TRUE(rsp);
  Bytes rn(rsp->server_rn.begin(), rsp->server_rn.end());
  Bytes sig(rsp->server_signature.begin(), rsp->server_signature.end());
  edit(*rsp, rn, sig);
  rsp->server_rn = rn;
  rsp->server_signature = sig;
  Bytes out;
  dlt::encode(*rsp, out);
  return out;
}

TEST(SessionHandshake, BothSidesDeriveTheSameDirectionalKeys) {
  SessionWorld w;
  const auto keys = w.handshake();
  EXPECT_TRUE(same_key(keys.client.client_to_server, keys.server.client_to_server));
  EXPECT_TRUE(same_key(keys.client.server_to_client, keys.server.server_to_client));
  // The two directions use different keys, and enc differs from mac.
  EXPECT_FALSE(same_key(keys.client.client_to_server, keys.client.server_to_client));
  EXPECT_FALSE(equal_constant_time(keys.client.client_to_server.enc().bytes(),
                                   keys.client.client_to_server.mac().bytes()));
  EXPECT_EQ(keys.client.session_id, keys.server.session_id);
  EXPECT_EQ(keys.client.client, w.station.address);
  EXPECT_EQ(keys.server.client, w.station.address);
  EXPECT_EQ(keys.client.server, w.terminal.address);
  EXPECT_EQ(keys.server.established, w.now);
}

TEST(SessionHandshake, EveryHandshakeGivesFreshKeys) {
  SessionWorld w;
  const auto a = w.handshake();
  const auto b = w.handshake();
  EXPECT_FALSE(same_key(a.client.client_to_server, b.client.client_to_server));
  EXPECT_NE(a.client.session_id, b.client.session_id);
}

TEST(SessionHandshake, MessagesAreDlt698ConnectApdus) {
  SessionWorld w;
  auto client =
      ClientHandshake::start(w.station, w.station_registry, w.terminal.address, w.now, {}, 0x05);
  ASSERT_TRUE(client) << client.error().to_string();
  auto req = dlt::decode_connect_request(client->connect_request());
  ASSERT_TRUE(req) << req.error().to_string();
  EXPECT_EQ(req->piid, 0x05);
  EXPECT_EQ(req->mechanism.choice, kConnectMechanism);
  EXPECT_EQ(req->mechanism.first[0], kHandshakeVersion);
  EXPECT_GT(req->mechanism.second.size(), 60u);  // a DER SM2 signature

  ServerHandshake server(w.terminal, w.terminal_registry);
  auto response = server.respond(client->connect_request(), w.now);
  ASSERT_TRUE(response) << response.error().to_string();
  auto rsp = dlt::decode_connect_response(*response);
  ASSERT_TRUE(rsp) << rsp.error().to_string();
  EXPECT_EQ(rsp->result, 0);
  EXPECT_EQ(rsp->piid_acd, 0x05);
  EXPECT_TRUE(rsp->has_security_data);

  auto done = client->finish(*response, w.now);
  ASSERT_TRUE(done) << done.error().to_string();
  auto confirm = dlt::decode_security_request(done->confirmation);
  ASSERT_TRUE(confirm) << confirm.error().to_string();
  EXPECT_EQ(confirm->data_choice, 0);
  EXPECT_EQ(confirm->verify_choice, 3);
  EXPECT_EQ(confirm->sid_mac.sid.id, 0u);
  EXPECT_EQ(confirm->data.size(), kSm3DigestSize);
}

// ---- The station refuses before sending anything ----

TEST(SessionHandshake, StationRefusesUnknownRevokedAndExpiredTerminals) {
  SessionWorld w;
  EXPECT_EQ(ClientHandshake::start(w.station, w.station_registry, address("202599999999"), w.now)
                .error()
                .reason,
            RefusalReason::UnknownDevice);
  EXPECT_EQ(
      ClientHandshake::start(w.station, w.station_registry, w.terminal.address, w.now + 366 * 86400)
          .error()
          .reason,
      RefusalReason::Expired);
  ASSERT_TRUE(w.station_registry.revoke(w.terminal.address));
  EXPECT_EQ(ClientHandshake::start(w.station, w.station_registry, w.terminal.address, w.now)
                .error()
                .reason,
            RefusalReason::Revoked);
}

// ---- The terminal refuses, and answers with a refusing CONNECT-Response ----

struct ServerRefusal {
  Refusal refusal;
  std::uint8_t result = 0;
};

ServerRefusal server_refuses(SessionWorld& w, const Bytes& request, UtcTime at) {
  ServerHandshake server(w.terminal, w.terminal_registry);
  auto response = server.respond(request, at);
  EXPECT_FALSE(response);
  if (response) return {};
  auto rsp = dlt::decode_connect_response(server.refusal_response());
  EXPECT_TRUE(rsp);
  EXPECT_FALSE(rsp->has_security_data);
  // Nothing else is accepted on this handshake.
  EXPECT_EQ(server.confirm(request, at).error().reason, RefusalReason::OutOfOrder);
  return {response.error(), rsp->result};
}

Bytes request_from(SessionWorld& w, const LocalIdentity& station, UtcTime at) {
  // The station side trusts the terminal; `station` may be an impostor of w.station.
  return ClientHandshake::start(station, w.station_registry, w.terminal.address, at)
      .value()
      .connect_request();
}

TEST(SessionHandshake, TerminalRefusesUnknownStation) {
  SessionWorld w;
  const LocalIdentity stranger{address("000000000099"), Sm2KeyPair::generate()};
  const auto r = server_refuses(w, request_from(w, stranger, w.now), w.now);
  EXPECT_EQ(r.refusal.reason, RefusalReason::UnknownDevice);
  EXPECT_EQ(r.result, 255);
}

TEST(SessionHandshake, TerminalRefusesRevokedStation) {
  SessionWorld w;
  ASSERT_TRUE(w.terminal_registry.revoke(w.station.address));
  EXPECT_EQ(server_refuses(w, request_from(w, w.station, w.now), w.now).refusal.reason,
            RefusalReason::Revoked);
}

TEST(SessionHandshake, TerminalRefusesExpiredStationCertificate) {
  SessionWorld w;
  Registry registry(w.ca.public_key());
  ASSERT_TRUE(registry.register_device(w.certify(w.station, w.now - 1000, w.now - 1)));
  w.terminal_registry = std::move(registry);
  EXPECT_EQ(server_refuses(w, request_from(w, w.station, w.now), w.now).refusal.reason,
            RefusalReason::Expired);
}

TEST(SessionHandshake, TerminalRefusesStationWithWrongKey) {
  SessionWorld w;
  // Knows the station's address, not its private key.
  const LocalIdentity impostor{w.station.address, Sm2KeyPair::generate()};
  const auto r = server_refuses(w, request_from(w, impostor, w.now), w.now);
  EXPECT_EQ(r.refusal.reason, RefusalReason::BadSignature);
  EXPECT_EQ(r.result, 4);
}

TEST(SessionHandshake, TerminalRefusesTamperedTranscript) {
  SessionWorld w;
  const Bytes genuine = request_from(w, w.station, w.now);
  // Swap in the attacker's ephemeral point: the station's signature over M1 breaks.
  const Bytes tampered = edit_request(genuine, [](dlt::ConnectRequest&, Bytes& m1, Bytes&) {
    m1[1 + 1 + 6 + 1 + 6 + 10] ^= 0x01;  // a byte inside R_A
  });
  EXPECT_EQ(server_refuses(w, tampered, w.now).refusal.reason, RefusalReason::BadSignature);
  const Bytes resigned = edit_request(
      genuine, [](dlt::ConnectRequest&, Bytes&, Bytes& sig) { sig[sig.size() - 1] ^= 0x01; });
  EXPECT_EQ(server_refuses(w, resigned, w.now).refusal.reason, RefusalReason::BadSignature);
}

TEST(SessionHandshake, TerminalRefusesDowngradeWrongPeerStaleAndVersion) {
  SessionWorld w;
  const Bytes genuine = request_from(w, w.station, w.now);
  const Bytes null_security =
      edit_request(genuine, [](dlt::ConnectRequest& r, Bytes&, Bytes&) { r.mechanism.choice = 0; });
  EXPECT_EQ(server_refuses(w, null_security, w.now).refusal.reason, RefusalReason::Malformed);

  const Bytes version =
      edit_request(genuine, [](dlt::ConnectRequest&, Bytes& m1, Bytes&) { m1[0] = 9; });
  const auto v = server_refuses(w, version, w.now);
  EXPECT_EQ(v.refusal.reason, RefusalReason::Malformed);
  EXPECT_EQ(v.result, 5);

  // A CONNECT meant for another terminal, correctly signed, replayed here.
  const LocalIdentity other{address("202500000002"), Sm2KeyPair::generate()};
  w.enroll(w.station_registry, other);
  const Bytes elsewhere =
      ClientHandshake::start(w.station, w.station_registry, other.address, w.now)
          .value()
          .connect_request();
  EXPECT_EQ(server_refuses(w, elsewhere, w.now).refusal.reason, RefusalReason::WrongPeer);

  // Sent 301 s before it arrives (allowed skew 300 s).
  EXPECT_EQ(server_refuses(w, request_from(w, w.station, w.now - 301), w.now).refusal.reason,
            RefusalReason::StaleRequest);
  EXPECT_EQ(server_refuses(w, Bytes{0x02, 0x00}, w.now).refusal.reason, RefusalReason::Malformed);
}

TEST(SessionHandshake, ReplayedConnectIsRefusedByNonceCacheOrAtConfirmation) {
  SessionWorld w;
  auto client =
      ClientHandshake::start(w.station, w.station_registry, w.terminal.address, w.now).value();
  NonceCache nonces;
  ServerHandshake first(w.terminal, w.terminal_registry, {}, &nonces);
  const auto response = first.respond(client.connect_request(), w.now).value();
  const auto done = client.finish(response, w.now).value();
  ASSERT_TRUE(first.confirm(done.confirmation, w.now));

  // With the cache: refused at once, no key exchange is run for it.
  ServerHandshake second(w.terminal, w.terminal_registry, {}, &nonces);
  EXPECT_EQ(second.respond(client.connect_request(), w.now + 5).error().reason,
            RefusalReason::ReplayedRequest);
  // The cache forgets N_A after the window, when the time stamp is stale anyway.
  const auto req = dlt::decode_connect_request(client.connect_request()).value();
  const ByteView n_a = req.mechanism.first.subspan(1 + 1 + 6 + 1 + 6 + kSm2PointSize, kNonceSize);
  EXPECT_FALSE(nonces.insert(n_a, w.now + 300));
  EXPECT_TRUE(nonces.insert(n_a, w.now + 1000));

  // Without the cache: the terminal answers, but the replayer cannot produce S_A, and the old
  // confirmation does not fit the new ephemeral key of the terminal.
  ServerHandshake third(w.terminal, w.terminal_registry);
  ASSERT_TRUE(third.respond(client.connect_request(), w.now + 5));
  EXPECT_EQ(third.confirm(done.confirmation, w.now + 5).error().reason,
            RefusalReason::ConfirmationFailed);
}

// ---- The station refuses the terminal's answer ----

TEST(SessionHandshake, StationRefusesTerminalWithWrongKey) {
  SessionWorld w;
  auto client =
      ClientHandshake::start(w.station, w.station_registry, w.terminal.address, w.now).value();
  // An impostor at the terminal's address, with its own key; it even accepts the station.
  const LocalIdentity impostor{w.terminal.address, Sm2KeyPair::generate()};
  ServerHandshake fake(impostor, w.terminal_registry);
  const auto response = fake.respond(client.connect_request(), w.now).value();
  auto done = client.finish(response, w.now);
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().reason, RefusalReason::BadSignature);
  EXPECT_EQ(client.finish(response, w.now).error().reason, RefusalReason::OutOfOrder);
}

TEST(SessionHandshake, StationRefusesTamperedResponse) {
  SessionWorld w;
  auto client =
      ClientHandshake::start(w.station, w.station_registry, w.terminal.address, w.now).value();
  ServerHandshake server(w.terminal, w.terminal_registry);
  const auto response = server.respond(client.connect_request(), w.now).value();
  const Bytes tampered = edit_response(response, [](dlt::ConnectResponse&, Bytes& m2, Bytes&) {
    m2[20] ^= 0x80;  // inside R_B
  });
  EXPECT_EQ(client.finish(tampered, w.now).error().reason, RefusalReason::BadSignature);
}

TEST(SessionHandshake, StationRefusesWrongConfirmationValue) {
  SessionWorld w;
  auto client =
      ClientHandshake::start(w.station, w.station_registry, w.terminal.address, w.now).value();
  ServerHandshake server(w.terminal, w.terminal_registry);
  const auto response = server.respond(client.connect_request(), w.now).value();
  const Bytes m1 =
      Bytes(dlt::decode_connect_request(client.connect_request())->mechanism.first.begin(),
            dlt::decode_connect_request(client.connect_request())->mechanism.first.end());
  // A terminal with the right key but a wrong S_B (a broken or malicious device): the signature
  // is valid, the key confirmation is not.
  const Bytes bad_sb = edit_response(response, [&](dlt::ConnectResponse&, Bytes& m2, Bytes& sig) {
    m2[s_b_offset(w.terminal.address)] ^= 0x01;
    Bytes signed_data(std::string_view("OMNI-698-HS2").begin(),
                      std::string_view("OMNI-698-HS2").end());
    signed_data.insert(signed_data.end(), m1.begin(), m1.end());
    signed_data.insert(signed_data.end(), m2.begin(), m2.end());
    sig = sm2_sign(w.terminal.key, signed_data).value();
  });
  EXPECT_EQ(client.finish(bad_sb, w.now).error().reason, RefusalReason::ConfirmationFailed);
}

TEST(SessionHandshake, StationReportsRefusalAndWrongPeer) {
  SessionWorld w;
  auto client =
      ClientHandshake::start(w.station, w.station_registry, w.terminal.address, w.now).value();
  ServerHandshake server(w.terminal, w.terminal_registry);
  ASSERT_TRUE(w.terminal_registry.revoke(w.station.address));
  ASSERT_FALSE(server.respond(client.connect_request(), w.now));
  EXPECT_EQ(client.finish(server.refusal_response(), w.now).error().reason,
            RefusalReason::PeerRefused);
}

TEST(SessionHandshake, StationRefusesTruncatedOrGarbledResponses) {
  SessionWorld w;
  Bytes genuine;
  {
    auto probe =
        ClientHandshake::start(w.station, w.station_registry, w.terminal.address, w.now).value();
    ServerHandshake server(w.terminal, w.terminal_registry);
    genuine = server.respond(probe.connect_request(), w.now).value();
  }
  // (the last two bytes are the optional FollowReport / TimeTag markers, which may be absent)
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{40}, genuine.size() - 3}) {
    auto client =
        ClientHandshake::start(w.station, w.station_registry, w.terminal.address, w.now).value();
    EXPECT_EQ(client.finish(ByteView(genuine).first(n), w.now).error().reason,
              RefusalReason::Malformed)
        << n;
  }
  // A well-formed response from another handshake: signature over a different M1.
  auto client =
      ClientHandshake::start(w.station, w.station_registry, w.terminal.address, w.now).value();
  EXPECT_EQ(client.finish(genuine, w.now).error().reason, RefusalReason::BadSignature);
}

// ---- The terminal refuses the confirmation ----

TEST(SessionHandshake, TerminalRefusesTamperedLateOrMissingConfirmation) {
  SessionWorld w;
  for (int variant = 0; variant < 3; ++variant) {
    auto client =
        ClientHandshake::start(w.station, w.station_registry, w.terminal.address, w.now).value();
    ServerHandshake server(w.terminal, w.terminal_registry);
    const auto response = server.respond(client.connect_request(), w.now).value();
    Bytes confirmation = client.finish(response, w.now).value().confirmation;
    if (variant == 0) {
      confirmation[4] ^= 0x01;  // inside S_A
      EXPECT_EQ(server.confirm(confirmation, w.now).error().reason,
                RefusalReason::ConfirmationFailed);
    } else if (variant == 1) {
      EXPECT_EQ(server.confirm(confirmation, w.now + 61).error().reason,
                RefusalReason::StaleRequest);
    } else {
      // Data sent in place of the confirmation is not accepted.
      const Bytes get = {0x05, 0x01, 0x01, 0x00, 0x10, 0x02, 0x00, 0x00};
      EXPECT_EQ(server.confirm(get, w.now).error().reason, RefusalReason::Malformed);
    }
    // One attempt only.
    EXPECT_EQ(server.confirm(confirmation, w.now).error().reason, RefusalReason::OutOfOrder);
  }
}

TEST(SessionHandshake, ConfirmBeforeRespondIsOutOfOrder) {
  SessionWorld w;
  ServerHandshake server(w.terminal, w.terminal_registry);
  EXPECT_EQ(server.confirm(Bytes{0x10}, w.now).error().reason, RefusalReason::OutOfOrder);
}

}  // namespace
}  // namespace omni::crypto::session
