// Throughput of the SM primitives on one core, printed as a table.
//
//   crypto_bench [seconds per case]     (default 1.0)
//
// What the figures size (docs/security.md): a secured DL/T 698.45 APDU is about 128 bytes
// (seal = SM4-CTR + HMAC-SM3), a CONNECT handshake costs each side one key exchange plus SM2
// signatures, and exchange batches are bulk SM4 + one signature.
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "crypto/session/channel.hpp"
#include "crypto/session/handshake.hpp"
#include "crypto/session/identity.hpp"
#include "crypto/sm2.hpp"
#include "crypto/sm2_key_exchange.hpp"
#include "crypto/sm3.hpp"
#include "crypto/sm4.hpp"
#include "protocol/dlt698/apdu.hpp"

namespace {

using namespace omni;
using namespace omni::crypto;
using Clock = std::chrono::steady_clock;

volatile std::size_t g_sink = 0;  // keeps results alive

struct Case {
  std::string name;
  std::size_t bytes_per_op;  // 0 = report operations per second only
  std::function<std::size_t()> run_once;
};

// Operations per second: runs batches until `seconds` have passed.
double measure(const Case& c, double seconds) {
  std::int64_t done = 0;
  int batch = 1;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < deadline) {
    for (int i = 0; i < batch; ++i) g_sink = g_sink + c.run_once();
    done += batch;
    if (batch < 256) batch *= 2;
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  return static_cast<double>(done) / elapsed;
}

template <class T>
T must(Result<T> r, const char* what) {
  if (!r) {
    fmt::print(stderr, "{}: {}\n", what, r.error().to_string());
    std::exit(1);
  }
  return std::move(*r);
}

// One complete GB/T 32918.3 exchange, both roles in this process, with confirmation.
std::size_t full_key_exchange(const Sm2KeyPair& a, const Sm2KeyPair& b) {
  using Role = Sm2KeyExchange::Role;
  auto ia = must(Sm2KeyExchange::start(Role::Initiator, a, b.public_key(), 64), "start A");
  auto rb = must(Sm2KeyExchange::start(Role::Responder, b, a.public_key(), 64), "start B");
  if (!rb.receive(ia.ephemeral_point()) || !ia.receive(rb.ephemeral_point())) std::exit(1);
  const auto s_b = must(rb.confirmation(), "S_B");
  if (!ia.confirm(s_b)) std::exit(1);
  const auto s_a = must(ia.confirmation(), "S_A");
  if (!rb.confirm(s_a)) std::exit(1);
  return must(ia.key(), "key").size() + must(rb.key(), "key").size();
}

// The station <-> terminal session (src/crypto/session): a CA, a station and a terminal with
// registered certificates, and a GET-Response of about 128 bytes (24 energy values) as the
// typical secured APDU.
struct SessionBench {
  UtcTime now{1764028800};
  Sm2KeyPair ca = Sm2KeyPair::generate();
  session::LocalIdentity station{*MeterAddress::from_digits("000000000001"),
                                 Sm2KeyPair::generate()};
  session::LocalIdentity terminal{*MeterAddress::from_digits("202500000001"),
                                  Sm2KeyPair::generate()};
  session::Registry station_registry{ca.public_key()};
  session::Registry terminal_registry{ca.public_key()};
  Bytes apdu;

  SessionBench() {
    enroll(station_registry, terminal, 1);
    enroll(terminal_registry, station, 2);
    namespace dlt = protocol::dlt698;
    Bytes value;
    dlt::Writer w(value);
    w.data_array(24);
    for (std::uint32_t i = 0; i < 24; ++i) {
      w.tag(dlt::DataType::DoubleLongUnsigned);
      w.u32(123456 + i);
    }
    dlt::GetResponse rsp;
    rsp.piid_acd = 1;
    rsp.result.oad = dlt::Oad::from_u32(0x00100200);
    rsp.result.result.has_data = true;
    rsp.result.result.data = dlt::DataView{dlt::DataType::Array, value};
    dlt::encode(rsp, apdu);
  }

  void enroll(session::Registry& registry, const session::LocalIdentity& who,
              std::uint64_t serial) {
    auto cert =
        must(session::issue_certificate(
                 ca, {serial, who.address, who.key.public_key().to_point(), now - 1, now + 86400}),
             "certificate");
    if (!registry.register_device(cert)) std::exit(1);
  }

  // CONNECT-Request -> CONNECT-Response -> confirmation, both roles, real messages.
  session::SessionKeys handshake_pair(session::SessionKeys* server_keys = nullptr) {
    auto client = session::ClientHandshake::start(station, station_registry, terminal.address, now);
    if (!client) std::exit(1);
    session::ServerHandshake server(terminal, terminal_registry);
    auto response = server.respond(client->connect_request(), now);
    if (!response) std::exit(1);
    auto done = client->finish(*response, now);
    if (!done) std::exit(1);
    auto keys = server.confirm(done->confirmation, now);
    if (!keys) std::exit(1);
    if (server_keys != nullptr) *server_keys = *keys;
    return done->keys;
  }
};

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;

  const Bytes mib = random_bytes(1 << 20);
  const Bytes apdu = random_bytes(128);
  const Bytes header = random_bytes(12);
  const Bytes block16k = random_bytes(16 << 10);
  const Sm4Key sm4_key = Sm4Key::generate();
  const SealKey seal_key = SealKey::generate();
  Sm4Block iv{};
  random_bytes(iv);
  const Bytes mac_key = random_bytes(16);
  const Bytes sealed_apdu = seal(seal_key, header, apdu);
  const Bytes sealed_16k = seal(seal_key, header, block16k);

  const Sm2KeyPair a = Sm2KeyPair::generate();
  const Sm2KeyPair b = Sm2KeyPair::generate();
  const Bytes digest_sized = random_bytes(32);
  const Bytes signature = must(sm2_sign(a, apdu), "sign");
  const Bytes sm2_box = must(sm2_encrypt(a.public_key(), digest_sized), "encrypt");

  SessionBench sb;
  session::SessionKeys server_keys = sb.handshake_pair();
  const session::SessionKeys client_keys = sb.handshake_pair(&server_keys);
  session::ChannelOptions no_rekey;
  no_rekey.rekey_after_apdus = std::uint64_t{1} << 62;
  session::SecureChannel station_channel(session::ChannelRole::Client, client_keys, no_rekey);
  session::SecureChannel terminal_channel(session::ChannelRole::Server, server_keys, no_rekey);
  const std::string apdu_size = fmt::format("{} B", sb.apdu.size());
  const std::string plain_case = "plaintext APDU decode, " + apdu_size;
  const std::string secured_case = "secured APDU wrap+unwrap+decode, " + apdu_size;
  const auto decode_inner = [](ByteView bytes) {
    return protocol::dlt698::decode_apdu(bytes).has_value() ? bytes.size() : 0;
  };

  const std::vector<Case> cases = {
      {"SM3, 1 MiB", mib.size(), [&] { return std::size_t{sm3(mib)[0]}; }},
      {"SM3, 128 B", apdu.size(), [&] { return std::size_t{sm3(apdu)[0]}; }},
      {"HMAC-SM3, 128 B", apdu.size(), [&] { return std::size_t{hmac_sm3(mac_key, apdu)[0]}; }},
      {"SM4-CTR, 1 MiB", mib.size(), [&] { return sm4_ctr(sm4_key, iv, mib).size(); }},
      {"SM4-CBC encrypt, 1 MiB", mib.size(),
       [&] { return sm4_cbc_encrypt(sm4_key, iv, mib).size(); }},
      {"seal (CTR+HMAC), 128 B APDU", apdu.size(),
       [&] { return seal(seal_key, header, apdu).size(); }},
      {"open (CTR+HMAC), 128 B APDU", apdu.size(),
       [&] { return must(open(seal_key, header, sealed_apdu), "open").size(); }},
      {"seal (CTR+HMAC), 16 KiB", block16k.size(),
       [&] { return seal(seal_key, header, block16k).size(); }},
      {"open (CTR+HMAC), 16 KiB", block16k.size(),
       [&] { return must(open(seal_key, header, sealed_16k), "open").size(); }},
      {"SM2 sign (ID set), 128 B", 0, [&] { return must(sm2_sign(a, apdu), "sign").size(); }},
      {"SM2 verify (ID set), 128 B", 0,
       [&] { return sm2_verify(a.public_key(), apdu, signature).has_value() ? 1u : 0u; }},
      {"SM2 encrypt, 32 B", 0,
       [&] { return must(sm2_encrypt(a.public_key(), digest_sized), "enc").size(); }},
      {"SM2 decrypt, 32 B", 0, [&] { return must(sm2_decrypt(a, sm2_box), "dec").size(); }},
      {"SM2 key pair generation", 0,
       [&] { return std::size_t{Sm2KeyPair::generate().public_key().to_point()[1]}; }},
      {"SM2 key exchange, both roles + S_A/S_B", 0, [&] { return full_key_exchange(a, b); }},
      {"session handshake, both sides (CONNECT)", 0,
       [&] { return std::size_t{sb.handshake_pair().session_id[0]}; }},
      {plain_case, sb.apdu.size(), [&] { return decode_inner(sb.apdu); }},
      {secured_case, sb.apdu.size(),
       [&] {
         const Bytes frame = *terminal_channel.wrap(sb.apdu, sb.now);
         return decode_inner(station_channel.unwrap(frame, sb.now)->apdu);
       }},
      {"secured APDU wrap only, " + apdu_size, sb.apdu.size(),
       [&] { return terminal_channel.wrap(sb.apdu, sb.now)->size(); }},
  };

  fmt::print("{:<42} {:>14} {:>12} {:>12}\n", "case (one core)", "ops/s", "µs/op", "MB/s");
  std::vector<double> rates;
  for (const Case& c : cases) {
    const double ops = measure(c, seconds);
    rates.push_back(ops);
    const std::string mbs =
        c.bytes_per_op ? fmt::format("{:.1f}", ops * static_cast<double>(c.bytes_per_op) / 1e6)
                       : std::string("-");
    fmt::print("{:<42} {:>14.0f} {:>12.2f} {:>12}\n", c.name, ops, 1e6 / ops, mbs);
  }
  // One side of the recommended CONNECT handshake (docs/security.md): its half of the key
  // exchange, one signature and one verification.
  const auto rate = [&](const std::string& name) {
    for (std::size_t i = 0; i < cases.size(); ++i) {
      if (cases[i].name == name) return rates[i];
    }
    return 0.0;
  };
  const double side_us = 0.5e6 / rate("SM2 key exchange, both roles + S_A/S_B") +
                         1e6 / rate("SM2 sign (ID set), 128 B") +
                         1e6 / rate("SM2 verify (ID set), 128 B");
  fmt::print(
      "\nhandshake, one side (KE/2 + sign + verify): {:.0f} µs -> {:.0f} per second per core\n",
      side_us, 1e6 / side_us);
  const double hs = rate("session handshake, both sides (CONNECT)");
  const double plain = rate(plain_case);
  const double secured = rate(secured_case);
  fmt::print("session handshakes (both sides on this core): {:.0f}/s -> about {:.0f}/s per side\n",
             hs, 2 * hs);
  fmt::print(
      "secured APDU path {:.1f} MB/s vs plaintext decode {:.1f} MB/s ({:.1f} µs extra "
      "per {}-byte APDU)\n",
      secured * static_cast<double>(sb.apdu.size()) / 1e6,
      plain * static_cast<double>(sb.apdu.size()) / 1e6, 1e6 / secured - 1e6 / plain,
      sb.apdu.size());
  return 0;
}
