#include "crypto/session/handshake.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "crypto/session/wire.hpp"
#include "crypto/sm3.hpp"
#include "protocol/dlt698/apdu.hpp"

namespace omni::crypto::session {

namespace dlt = protocol::dlt698;

namespace {

using Nonce = std::array<std::uint8_t, kNonceSize>;

// Domain-separation labels for the two signatures: a signature over M1 can never be presented
// as one over M1 || M2, nor as any other signature the same key makes.
constexpr std::string_view kLabelM1 = "OMNI-698-HS1";
constexpr std::string_view kLabelM2 = "OMNI-698-HS2";
constexpr std::size_t kSharedKeySize = 32;
constexpr std::size_t kKeyBlockSize = 64;

// CONNECT-Response result codes (DL/T 698.45 ConnectResult).
constexpr std::uint8_t kConnectAllowed = 0;
constexpr std::uint8_t kConnectSignatureError = 4;
constexpr std::uint8_t kConnectVersionError = 5;
constexpr std::uint8_t kConnectOtherError = 255;

// FactoryVersion of the simulated terminal, fixed-size visible strings.
constexpr std::array<std::uint8_t, 4> kVendor = {'O', 'M', 'N', 'I'};
constexpr std::array<std::uint8_t, 4> kSoftwareVersion = {'S', 'S', '0', '1'};

Bytes labelled(std::string_view label, ByteView a, ByteView b = {}) {
  Bytes out;
  out.reserve(label.size() + a.size() + b.size());
  out.insert(out.end(), label.begin(), label.end());
  out.insert(out.end(), a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

bool within(UtcTime a, UtcTime b, std::int64_t limit_s) {
  const std::int64_t d = a - b;
  return d <= limit_s && -d <= limit_s;
}

struct M1 {
  MeterAddress client;
  MeterAddress server;
  Sm2Point r_a{};
  Nonce n_a{};
  UtcTime t_a;
};

struct M2 {
  MeterAddress server;
  Sm2Point r_b{};
  Nonce n_b{};
  Sm3Digest s_b{};
  UtcTime t_b;
};

Bytes encode_m1(const M1& m) {
  Bytes out;
  wire::Writer w(out);
  w.u8(kHandshakeVersion);
  wire::write_address(w, m.client);
  wire::write_address(w, m.server);
  w.bytes(m.r_a);
  w.bytes(m.n_a);
  wire::write_time(w, m.t_a);
  return out;
}

Status check_version(wire::Reader& r) {
  auto v = r.u8();
  if (!v) return fail(v.error());
  if (*v != kHandshakeVersion) {
    return fail(ErrorCode::Unsupported, "handshake version " + std::to_string(*v));
  }
  return ok();
}

Result<M1> decode_m1(ByteView bytes) {
  wire::Reader r(bytes);
  M1 m;
  OMNI_TRY(check_version(r));
  auto client = wire::read_address(r);
  if (!client) return fail(client.error());
  auto server = wire::read_address(r);
  if (!server) return fail(server.error());
  m.client = *client;
  m.server = *server;
  OMNI_TRY(wire::read_exact(r, m.r_a));
  OMNI_TRY(wire::read_exact(r, m.n_a));
  auto t = wire::read_time(r);
  if (!t) return fail(t.error());
  m.t_a = *t;
  OMNI_TRY(wire::finish(r, "M1"));
  return m;
}

Bytes encode_m2(const M2& m) {
  Bytes out;
  wire::Writer w(out);
  w.u8(kHandshakeVersion);
  wire::write_address(w, m.server);
  w.bytes(m.r_b);
  w.bytes(m.n_b);
  w.bytes(m.s_b);
  wire::write_time(w, m.t_b);
  return out;
}

Result<M2> decode_m2(ByteView bytes) {
  wire::Reader r(bytes);
  M2 m;
  OMNI_TRY(check_version(r));
  auto server = wire::read_address(r);
  if (!server) return fail(server.error());
  m.server = *server;
  OMNI_TRY(wire::read_exact(r, m.r_b));
  OMNI_TRY(wire::read_exact(r, m.n_b));
  OMNI_TRY(wire::read_exact(r, m.s_b));
  auto t = wire::read_time(r);
  if (!t) return fail(t.error());
  m.t_b = *t;
  OMNI_TRY(wire::finish(r, "M2"));
  return m;
}

// Key block = SM3-KDF(K || N_A || N_B): the nonces make the session keys fresh even if an
// ephemeral key were ever reused, and tie them to this exchange's transcript.
SessionKeys derive_keys(ByteView shared, const Nonce& n_a, const Nonce& n_b, ByteView m1,
                        ByteView m2, const MeterAddress& client, const MeterAddress& server,
                        UtcTime now) {
  Bytes z = labelled("", shared, n_a);
  z.insert(z.end(), n_b.begin(), n_b.end());
  Bytes block = *sm2_kdf(z, kKeyBlockSize);  // 64 bytes is always in range
  wipe(z);
  const ByteView all(block);
  SessionKeys keys{*SealKey::from_bytes(all.subspan(0, 32)),
                   *SealKey::from_bytes(all.subspan(32, 32)),
                   {},
                   client,
                   server,
                   now};
  wipe(block);
  Sm3 h;
  const Sm3Digest id = h.update(m1).update(m2).finish();
  std::copy_n(id.begin(), keys.session_id.size(), keys.session_id.begin());
  return keys;
}

std::uint8_t connect_result_for(RefusalReason reason) {
  switch (reason) {
    case RefusalReason::BadSignature:
    case RefusalReason::ConfirmationFailed:
      return kConnectSignatureError;
    default:
      return kConnectOtherError;
  }
}

}  // namespace

// ---- NonceCache ----

bool NonceCache::insert(ByteView nonce, UtcTime now) {
  while (!order_.empty() && now - order_.front().first > window_s_) {
    seen_.erase(order_.front().second);
    order_.pop_front();
  }
  Nonce n{};
  std::copy_n(nonce.begin(), std::min(nonce.size(), n.size()), n.begin());
  if (!seen_.insert(n).second) return false;
  order_.emplace_back(now, n);
  return true;
}

// ---- ClientHandshake ----

struct ClientHandshake::State {
  State(LocalIdentity s, Sm2PublicKey key, HandshakeOptions o, Sm2KeyExchange exchange)
      : self(std::move(s)), server_key(std::move(key)), options(o), ke(std::move(exchange)) {}

  LocalIdentity self;
  MeterAddress server;
  Sm2PublicKey server_key;
  HandshakeOptions options;
  Sm2KeyExchange ke;
  Nonce n_a{};
  Bytes m1;
  Bytes request;
  bool finished = false;
};

ClientHandshake::ClientHandshake(std::unique_ptr<State> state) : state_(std::move(state)) {}
ClientHandshake::ClientHandshake(ClientHandshake&&) noexcept = default;
ClientHandshake& ClientHandshake::operator=(ClientHandshake&&) noexcept = default;
ClientHandshake::~ClientHandshake() = default;

const Bytes& ClientHandshake::connect_request() const { return state_->request; }

Checked<ClientHandshake> ClientHandshake::start(const LocalIdentity& self, const Registry& registry,
                                                const MeterAddress& server, UtcTime now,
                                                const HandshakeOptions& options,
                                                std::uint8_t piid) {
  auto peer = registry.check_login(server, now);
  if (!peer) return tl::unexpected<Refusal>(std::move(peer).error());
  auto ke = Sm2KeyExchange::start(Sm2KeyExchange::Role::Initiator, self.key, (*peer)->public_key,
                                  kSharedKeySize);
  if (!ke) return refuse(RefusalReason::Malformed, ke.error().to_string());

  auto state = std::make_unique<State>(self, (*peer)->public_key, options, std::move(*ke));
  state->server = server;
  random_bytes(state->n_a);
  state->m1 = encode_m1({self.address, server, state->ke.ephemeral_point(), state->n_a, now});
  auto sig = sm2_sign(self.key, labelled(kLabelM1, state->m1));
  if (!sig) return refuse(RefusalReason::Malformed, sig.error().to_string());

  dlt::ConnectRequest req;
  req.piid = piid;
  req.send_max = req.receive_max = req.max_apdu = options.max_apdu;
  req.receive_window = 1;
  req.timeout_s = options.session_timeout_s;
  req.mechanism = {kConnectMechanism, state->m1, *sig};
  dlt::encode(req, state->request);
  return ClientHandshake(std::move(state));
}

Checked<ClientHandshake::Completed> ClientHandshake::finish(ByteView connect_response,
                                                            UtcTime now) {
  State& s = *state_;
  if (s.finished) return refuse(RefusalReason::OutOfOrder, "handshake already finished");
  s.finished = true;  // one attempt: a failed handshake starts over with a new exchange

  auto rsp = dlt::decode_connect_response(connect_response);
  if (!rsp) return refuse(RefusalReason::Malformed, rsp.error().to_string());
  if (rsp->result != kConnectAllowed) {
    return refuse(RefusalReason::PeerRefused,
                  "terminal refused CONNECT with result " + std::to_string(rsp->result));
  }
  if (!rsp->has_security_data) {
    return refuse(RefusalReason::Malformed, "CONNECT-Response without SecurityData");
  }
  auto m2 = decode_m2(rsp->server_rn);
  if (!m2) return refuse(RefusalReason::Malformed, "M2: " + m2.error().to_string());
  if (m2->server != s.server) {
    return refuse(RefusalReason::WrongPeer, "response names " + m2->server.to_string() +
                                                ", expected " + s.server.to_string());
  }
  if (!sm2_verify(s.server_key, labelled(kLabelM2, s.m1, rsp->server_rn), rsp->server_signature)) {
    return refuse(RefusalReason::BadSignature,
                  "terminal signature over M1 || M2 does not verify with the registered key");
  }
  if (!within(m2->t_b, now, s.options.max_clock_skew_s)) {
    return refuse(RefusalReason::StaleRequest, "terminal time stamp outside the allowed skew");
  }
  if (auto r = s.ke.receive(m2->r_b); !r) {
    return refuse(RefusalReason::Malformed, "R_B: " + r.error().to_string());
  }
  if (auto c = s.ke.confirm(m2->s_b); !c) {
    return refuse(RefusalReason::ConfirmationFailed, "S_B does not match (GB/T 32918.3 A9)");
  }
  auto s_a = s.ke.confirmation();
  auto key = s.ke.key();
  if (!s_a || !key) return refuse(RefusalReason::OutOfOrder, "key exchange state");

  Completed done{
      derive_keys(*key, s.n_a, m2->n_b, s.m1, rsp->server_rn, s.self.address, s.server, now), {}};
  wipe(*key);
  dlt::SecurityRequest confirm;
  confirm.data_choice = 0;  // S_A is a hash, not a secret
  confirm.data = *s_a;
  confirm.verify_choice = 3;  // SID with id 0: sequence 0 is reserved for the handshake
  dlt::encode(confirm, done.confirmation);
  return done;
}

// ---- ServerHandshake ----

struct ServerHandshake::State {
  enum class Phase { Waiting, Responded, Done, Failed };

  State(LocalIdentity s, const Registry& reg, HandshakeOptions o, NonceCache* cache)
      : self(std::move(s)), registry(&reg), options(o), nonces(cache) {}

  LocalIdentity self;
  const Registry* registry;
  HandshakeOptions options;
  NonceCache* nonces;
  Phase phase = Phase::Waiting;
  std::optional<Sm2KeyExchange> ke;
  MeterAddress client;
  Nonce n_a{}, n_b{};
  Bytes m1, m2;
  UtcTime responded_at;
  Bytes refusal;
  std::uint8_t piid = 0;

  tl::unexpected<Refusal> refuse_with(RefusalReason reason, std::string detail,
                                      std::uint8_t result = 0) {
    phase = Phase::Failed;
    dlt::ConnectResponse rsp;
    rsp.piid_acd = piid;
    rsp.factory.vendor = kVendor;
    rsp.factory.software_version = kSoftwareVersion;
    rsp.result = result != 0 ? result : connect_result_for(reason);
    refusal.clear();
    dlt::encode(rsp, refusal);
    return refuse(reason, std::move(detail));
  }

  Checked<Bytes> respond(ByteView bytes, UtcTime now);
  Checked<SessionKeys> confirm(ByteView bytes, UtcTime now);
};

ServerHandshake::ServerHandshake(LocalIdentity self, const Registry& registry,
                                 HandshakeOptions options, NonceCache* nonces)
    : state_(std::make_unique<State>(std::move(self), registry, options, nonces)) {}
ServerHandshake::ServerHandshake(ServerHandshake&&) noexcept = default;
ServerHandshake& ServerHandshake::operator=(ServerHandshake&&) noexcept = default;
ServerHandshake::~ServerHandshake() = default;

const Bytes& ServerHandshake::refusal_response() const { return state_->refusal; }

Checked<Bytes> ServerHandshake::respond(ByteView connect_request, UtcTime now) {
  return state_->respond(connect_request, now);
}

Checked<SessionKeys> ServerHandshake::confirm(ByteView confirmation, UtcTime now) {
  return state_->confirm(confirmation, now);
}

Checked<Bytes> ServerHandshake::State::respond(ByteView bytes, UtcTime now) {
  if (phase != Phase::Waiting) return refuse(RefusalReason::OutOfOrder, "CONNECT already seen");
  auto req = dlt::decode_connect_request(bytes);
  if (!req) return refuse_with(RefusalReason::Malformed, req.error().to_string());
  piid = req->piid;
  if (req->mechanism.choice != kConnectMechanism) {
    // NullSecurity / password / symmetric would be a downgrade of the authentication.
    return refuse_with(RefusalReason::Malformed,
                       "ConnectMechanismInfo " + std::to_string(req->mechanism.choice) +
                           " refused: only [3] SignatureSecurity is accepted");
  }
  auto hello = decode_m1(req->mechanism.first);
  if (!hello) {
    return refuse_with(RefusalReason::Malformed, "M1: " + hello.error().to_string(),
                       hello.error().code == ErrorCode::Unsupported ? kConnectVersionError : 0);
  }
  if (hello->server != self.address) {
    return refuse_with(RefusalReason::WrongPeer, "CONNECT for " + hello->server.to_string() +
                                                     " reached " + self.address.to_string());
  }
  // Identity and signature first: an unauthenticated peer gets no EC work done for it.
  auto peer = registry->check_login(hello->client, now);
  if (!peer) return refuse_with(peer.error().reason, peer.error().detail);
  if (!sm2_verify((*peer)->public_key, labelled(kLabelM1, req->mechanism.first),
                  req->mechanism.second)) {
    return refuse_with(RefusalReason::BadSignature,
                       "station signature over M1 does not verify with the registered key");
  }
  if (!within(hello->t_a, now, options.max_clock_skew_s)) {
    return refuse_with(RefusalReason::StaleRequest,
                       "station time stamp outside the allowed skew of " +
                           std::to_string(options.max_clock_skew_s) + " s");
  }
  if (nonces != nullptr && !nonces->insert(hello->n_a, now)) {
    return refuse_with(RefusalReason::ReplayedRequest, "station nonce N_A seen before");
  }

  auto exchange = Sm2KeyExchange::start(Sm2KeyExchange::Role::Responder, self.key,
                                        (*peer)->public_key, kSharedKeySize);
  if (!exchange) return refuse_with(RefusalReason::Malformed, exchange.error().to_string());
  ke.emplace(std::move(*exchange));
  if (auto r = ke->receive(hello->r_a); !r) {
    return refuse_with(RefusalReason::Malformed, "R_A: " + r.error().to_string());
  }
  auto s_b = ke->confirmation();
  if (!s_b) return refuse_with(RefusalReason::OutOfOrder, s_b.error().to_string());

  client = hello->client;
  n_a = hello->n_a;
  random_bytes(n_b);
  m1.assign(req->mechanism.first.begin(), req->mechanism.first.end());
  m2 = encode_m2({self.address, ke->ephemeral_point(), n_b, *s_b, now});
  auto sig = sm2_sign(self.key, labelled(kLabelM2, m1, m2));
  if (!sig) return refuse_with(RefusalReason::Malformed, sig.error().to_string());

  dlt::ConnectResponse rsp;
  rsp.piid_acd = req->piid;
  rsp.factory.vendor = kVendor;
  rsp.factory.software_version = kSoftwareVersion;
  rsp.version = req->version;
  rsp.protocol_conformance = req->protocol_conformance;
  rsp.function_conformance = req->function_conformance;
  rsp.send_max = rsp.receive_max = rsp.max_apdu = std::min(req->max_apdu, options.max_apdu);
  rsp.receive_window = req->receive_window;
  rsp.timeout_s = std::min(req->timeout_s, options.session_timeout_s);
  rsp.result = kConnectAllowed;
  rsp.has_security_data = true;
  rsp.server_rn = m2;
  rsp.server_signature = *sig;
  Bytes out;
  dlt::encode(rsp, out);
  phase = Phase::Responded;
  responded_at = now;
  return out;
}

Checked<SessionKeys> ServerHandshake::State::confirm(ByteView bytes, UtcTime now) {
  if (phase != Phase::Responded) {
    return refuse(RefusalReason::OutOfOrder, "no CONNECT-Response awaiting confirmation");
  }
  phase = Phase::Failed;  // until proven otherwise: one attempt only
  auto req = dlt::decode_security_request(bytes);
  if (!req) return refuse(RefusalReason::Malformed, req.error().to_string());
  if (req->data_choice != 0 || req->verify_choice != 3 || req->sid_mac.sid.id != 0 ||
      req->data.size() != kSm3DigestSize) {
    return refuse(RefusalReason::Malformed, "not a key-confirmation SECURITY-Request");
  }
  if (now - responded_at > options.confirmation_timeout_s || now < responded_at) {
    return refuse(RefusalReason::StaleRequest, "confirmation arrived too late");
  }
  if (auto c = ke->confirm(req->data); !c) {
    return refuse(RefusalReason::ConfirmationFailed, "S_A does not match (GB/T 32918.3 B10)");
  }
  auto key = ke->key();
  if (!key) return refuse(RefusalReason::OutOfOrder, key.error().to_string());
  SessionKeys keys = derive_keys(*key, n_a, n_b, m1, m2, client, self.address, now);
  wipe(*key);
  ke.reset();
  phase = Phase::Done;
  return keys;
}

}  // namespace omni::crypto::session
