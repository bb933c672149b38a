// The attack suite at the session level: every attack of issue 6 is run against a real
// handshake and real record protection, in both directions, with retransmission of what did
// not arrive. The pass criterion is the issue's: every attack detected and refused, zero
// forged APDUs accepted, zero genuine APDUs lost. The table is printed in the test output.
// (The same attacks over TCP between the station and the simulated concentrator belong to the
// integration suite; this one checks the logic those processes call.)
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "crypto/session/channel.hpp"
#include "protocol/dlt698/apdu.hpp"
#include "session_fixture.hpp"

namespace omni::crypto::session {
namespace {

namespace dlt = protocol::dlt698;
using testing::address;
using testing::SessionWorld;

constexpr int kMessages = 60;

struct Row {
  std::string attack;
  std::string direction;
  int injected = 0;
  int detected = 0;
  int forged_accepted = 0;
  int genuine_sent = 0;
  int genuine_lost = 0;
  std::map<std::string, int> kinds;  // what the receiver reported

  std::string kinds_text() const {
    std::string out;
    for (const auto& [k, n] : kinds) out += (out.empty() ? "" : ", ") + k + " " + std::to_string(n);
    return out;
  }
};

std::vector<Row>& table() {
  static std::vector<Row> rows;
  return rows;
}

// One direction of an association: sender and receiver channels, the receiver's view of what
// arrived, and the clock.
struct Link {
  SecureChannel& sender;
  SecureChannel& receiver;
  UtcTime now;
  Row row;
  std::set<Bytes> genuine;    // every genuine payload sent
  std::set<Bytes> delivered;  // genuine payloads accepted (each once)

  // Delivers a frame; `injected` frames come from the attacker and must be refused.
  void deliver(const Bytes& frame, bool injected, UtcTime at) {
    if (injected) ++row.injected;
    auto in = receiver.unwrap(frame, at);
    if (!in) {
      ++row.kinds[std::string(reject_kind_name(in.error().kind))];
      if (injected) ++row.detected;
      return;
    }
    if (in->missing > 0) row.kinds["gap (missing)"] += static_cast<int>(in->missing);
    if (!genuine.contains(in->apdu) || delivered.contains(in->apdu)) {
      ++row.forged_accepted;  // an unknown payload, or a genuine one a second time
      return;
    }
    delivered.insert(in->apdu);
  }
  void deliver(const Bytes& frame, bool injected) { deliver(frame, injected, now); }

  Bytes payload(int i) const {
    std::string text = row.direction + " reading #" + std::to_string(i) + " 0010 0200 ";
    text.resize(96, '.');
    return Bytes(text.begin(), text.end());
  }

  // The caller's retransmission: what did not arrive is wrapped again (new sequence number).
  void retransmit_if_missing(const Bytes& apdu) {
    if (delivered.contains(apdu)) return;
    deliver(sender.wrap(apdu, now).value(), false);
  }
};

using Attack = std::function<void(Link&, int, const Bytes& apdu, const Bytes& frame)>;

Row run(const std::string& name, bool station_sends, const Attack& attack) {
  SessionWorld w;
  auto keys = w.handshake();
  SecureChannel station(ChannelRole::Client, keys.client);
  SecureChannel terminal(ChannelRole::Server, keys.server);
  Link link{
      station_sends ? station : terminal, station_sends ? terminal : station, w.now, {}, {}, {}};
  link.row.attack = name;
  link.row.direction = station_sends ? "station->terminal" : "terminal->station";
  for (int i = 0; i < kMessages; ++i) {
    const Bytes apdu = link.payload(i);
    link.genuine.insert(apdu);
    ++link.row.genuine_sent;
    const Bytes frame = link.sender.wrap(apdu, link.now).value();
    attack(link, i, apdu, frame);
    link.retransmit_if_missing(apdu);
    link.now = link.now + 1;
  }
  link.row.genuine_lost = static_cast<int>(link.genuine.size() - link.delivered.size());
  table().push_back(link.row);
  return link.row;
}

// Helpers building attacker frames.

// A well-formed SECURITY APDU of the right direction with the next sequence number and a fresh
// send time, but random ciphertext and MAC: what someone without the keys can produce.
Bytes forged_frame(const Link& link, std::mt19937& rng) {
  Bytes cipher(96), mac(16), time;
  for (auto& b : cipher) b = static_cast<std::uint8_t>(rng());
  for (auto& b : mac) b = static_cast<std::uint8_t>(rng());
  dlt::Writer tw(time);
  tw.date_time_s(dlt::DateTimeS::from_civil(TimeZone::utc().to_local(link.now)));
  const std::uint32_t seq = link.receiver.last_received_sequence() + 1;
  Bytes out;
  if (link.receiver.role() == ChannelRole::Server) {
    dlt::SecurityRequest req;
    req.data_choice = 1;
    req.data = cipher;
    req.verify_choice = 0;
    req.sid_mac.sid.id = seq;
    req.sid_mac.sid.additional = time;
    req.sid_mac.mac = mac;
    dlt::encode(req, out);
  } else {
    Bytes data = {static_cast<std::uint8_t>(seq >> 24), static_cast<std::uint8_t>(seq >> 16),
                  static_cast<std::uint8_t>(seq >> 8), static_cast<std::uint8_t>(seq)};
    data.insert(data.end(), time.begin(), time.end());
    data.insert(data.end(), cipher.begin(), cipher.end());
    dlt::SecurityResponse rsp;
    rsp.data_choice = 1;
    rsp.data = data;
    rsp.has_mac = true;
    rsp.mac = mac;
    dlt::encode(rsp, out);
  }
  return out;
}

// The inner APDU sent in the clear, and inside a plain SECURITY APDU.
std::vector<Bytes> downgraded_frames(const Link& link, const Bytes& apdu) {
  std::vector<Bytes> out(2);
  dlt::GetRequest get;
  get.oad = dlt::Oad::from_u32(0x00100200);
  dlt::encode(get, out[0]);
  if (link.receiver.role() == ChannelRole::Server) {
    dlt::SecurityRequest req;
    req.data_choice = 0;
    req.data = apdu;
    req.verify_choice = 1;  // RN
    const Bytes rn(16, 0x5A);
    req.rn = rn;
    dlt::encode(req, out[1]);
  } else {
    dlt::SecurityResponse rsp;
    rsp.data_choice = 0;
    rsp.data = apdu;
    dlt::encode(rsp, out[1]);
  }
  return out;
}

void expect_clean(const Row& row) {
  EXPECT_EQ(row.detected, row.injected) << row.attack << " " << row.direction;
  EXPECT_EQ(row.forged_accepted, 0) << row.attack << " " << row.direction;
  EXPECT_EQ(row.genuine_lost, 0) << row.attack << " " << row.direction;
}

class SessionAttack : public ::testing::TestWithParam<bool> {};

TEST_P(SessionAttack, ReplayIsRefused) {
  std::vector<Bytes> seen;
  const Row row = run("replay", GetParam(), [&](Link& l, int i, const Bytes&, const Bytes& f) {
    l.deliver(f, false);
    seen.push_back(f);
    l.deliver(f, true);                                                  // immediately
    if (i >= 3) l.deliver(seen[static_cast<std::size_t>(i) - 3], true);  // later
  });
  expect_clean(row);
  EXPECT_EQ(row.kinds.at("replayed"), row.injected);
}

TEST_P(SessionAttack, InsertedForgedFramesAreRefused) {
  std::mt19937 rng(6);
  const Row row = run("insert", GetParam(), [&](Link& l, int, const Bytes&, const Bytes& f) {
    l.deliver(forged_frame(l, rng), true);
    l.deliver(f, false);
  });
  expect_clean(row);
  EXPECT_EQ(row.kinds.at("forged"), row.injected);
}

TEST_P(SessionAttack, DeletedFramesShowAsGapsAndAreRetransmitted) {
  int deleted = 0;
  const Row row = run("delete", GetParam(), [&](Link& l, int i, const Bytes&, const Bytes& f) {
    if (i % 5 == 2) {
      ++deleted;  // dropped on the way; the receiver sees the gap at the next frame
      return;
    }
    l.deliver(f, false);
  });
  EXPECT_EQ(row.forged_accepted, 0);
  EXPECT_EQ(row.genuine_lost, 0);
  EXPECT_EQ(row.kinds.at("gap (missing)"), deleted);
  table().back().injected = table().back().detected = deleted;
}

TEST_P(SessionAttack, DelayedFramesAreRefusedAndRetransmitted) {
  const Row row =
      run("delay > 60 s", GetParam(), [&](Link& l, int i, const Bytes&, const Bytes& f) {
        if (i % 5 == 1) {
          l.now = l.now + 61;  // held back by the attacker, then released
          l.deliver(f, true);
          return;
        }
        l.deliver(f, false);
      });
  expect_clean(row);
  EXPECT_EQ(row.kinds.at("delayed"), row.injected);
}

TEST_P(SessionAttack, BitFlipsAnywhereAreRefused) {
  std::mt19937 rng(32918);
  const Row row = run("bit flip", GetParam(), [&](Link& l, int, const Bytes&, const Bytes& f) {
    for (int k = 0; k < 4; ++k) {
      Bytes flipped = f;
      const std::size_t bit = rng() % (flipped.size() * 8);
      flipped[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      l.deliver(flipped, true);
    }
    l.deliver(f, false);
  });
  expect_clean(row);
}

TEST_P(SessionAttack, FramesUnderAnotherKeyAreRefused) {
  SessionWorld other;
  auto foreign = other.handshake();  // a real session between other devices
  SecureChannel attacker_client(ChannelRole::Client, foreign.client);
  SecureChannel attacker_server(ChannelRole::Server, foreign.server);
  const Row row = run("wrong key", GetParam(), [&](Link& l, int i, const Bytes&, const Bytes& f) {
    SecureChannel& attacker =
        l.receiver.role() == ChannelRole::Server ? attacker_client : attacker_server;
    const std::string text = "forged reading #" + std::to_string(i);
    l.deliver(attacker.wrap(Bytes(text.begin(), text.end()), l.now).value(), true);
    l.deliver(f, false);
  });
  expect_clean(row);
  EXPECT_EQ(row.kinds.at("forged"), row.injected);
}

TEST_P(SessionAttack, DowngradeToPlaintextIsRefused) {
  const Row row =
      run("downgrade", GetParam(), [&](Link& l, int, const Bytes& apdu, const Bytes& f) {
        for (const Bytes& plain : downgraded_frames(l, apdu)) l.deliver(plain, true);
        l.deliver(f, false);
      });
  expect_clean(row);
  EXPECT_EQ(row.kinds.at("downgrade"), row.injected);
}

TEST_P(SessionAttack, ReflectedFramesAreRefused) {
  const Row row =
      run("reflection", GetParam(), [&](Link& l, int, const Bytes& apdu, const Bytes& f) {
        // The receiver's own outbound frame sent back to it.
        l.deliver(l.receiver.wrap(apdu, l.now).value(), true);
        l.deliver(f, false);
      });
  expect_clean(row);
}

INSTANTIATE_TEST_SUITE_P(SessionBothDirections, SessionAttack, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return p.param ? "StationToTerminal" : "TerminalToStation";
                         });

// Login attacks: no session keys exist for the attacker, so nothing it sends can be accepted.
TEST(SessionAttackLogin, UnregisteredRevokedExpiredAndImpostorDevicesAreRefused) {
  struct Case {
    std::string attack;
    std::function<Refusal(SessionWorld&)> attempt;
    RefusalReason expected;
  };
  auto terminal_side = [](SessionWorld& w, const LocalIdentity& station) {
    auto client =
        ClientHandshake::start(station, w.station_registry, w.terminal.address, w.now).value();
    ServerHandshake server(w.terminal, w.terminal_registry);
    auto rsp = server.respond(client.connect_request(), w.now);
    return rsp ? Refusal{RefusalReason::OutOfOrder, "accepted"} : rsp.error();
  };
  const std::vector<Case> cases = {
      {"unregistered station",
       [&](SessionWorld& w) {
         return terminal_side(w, {address("000000000077"), Sm2KeyPair::generate()});
       },
       RefusalReason::UnknownDevice},
      {"revoked station",
       [&](SessionWorld& w) {
         (void)w.terminal_registry.revoke(w.station.address);
         return terminal_side(w, w.station);
       },
       RefusalReason::Revoked},
      {"impostor station (wrong key)",
       [&](SessionWorld& w) {
         return terminal_side(w, {w.station.address, Sm2KeyPair::generate()});
       },
       RefusalReason::BadSignature},
      {"unregistered terminal",
       [&](SessionWorld& w) {
         return ClientHandshake::start(w.station, w.station_registry, address("202577777777"),
                                       w.now)
             .error();
       },
       RefusalReason::UnknownDevice},
      {"expired terminal certificate",
       [&](SessionWorld& w) {
         return ClientHandshake::start(w.station, w.station_registry, w.terminal.address,
                                       w.now + 400 * 86400)
             .error();
       },
       RefusalReason::Expired},
      {"impostor terminal (wrong key)",
       [&](SessionWorld& w) {
         auto client =
             ClientHandshake::start(w.station, w.station_registry, w.terminal.address, w.now)
                 .value();
         ServerHandshake fake({w.terminal.address, Sm2KeyPair::generate()}, w.terminal_registry);
         auto done = client.finish(fake.respond(client.connect_request(), w.now).value(), w.now);
         return done ? Refusal{RefusalReason::OutOfOrder, "accepted"} : done.error();
       },
       RefusalReason::BadSignature},
  };
  for (const Case& c : cases) {
    SessionWorld w;
    const Refusal r = c.attempt(w);
    EXPECT_EQ(r.reason, c.expected) << c.attack << ": " << r.to_string();
    Row row;
    row.attack = c.attack;
    row.direction = "login";
    row.injected = 1;
    row.detected = r.reason == c.expected ? 1 : 0;
    row.kinds[std::string(refusal_reason_name(r.reason))] = 1;
    table().push_back(row);
  }
}

// Prints the table once all tests have run (whatever the filter or order), and checks the
// totals again.
class PrintTable : public ::testing::Environment {
 public:
  void TearDown() override {
    if (table().empty()) return;
    std::printf("\n%-30s %-18s %8s %8s %8s %8s %6s  %s\n", "attack", "direction", "injected",
                "detected", "forged", "genuine", "lost", "receiver reported");
    std::printf("%-30s %-18s %8s %8s %8s %8s %6s\n", "", "", "", "", "accepted", "sent", "");
    int forged = 0, lost = 0, undetected = 0;
    for (const Row& r : table()) {
      std::printf("%-30s %-18s %8d %8d %8d %8d %6d  %s\n", r.attack.c_str(), r.direction.c_str(),
                  r.injected, r.detected, r.forged_accepted, r.genuine_sent, r.genuine_lost,
                  r.kinds_text().c_str());
      forged += r.forged_accepted;
      lost += r.genuine_lost;
      undetected += r.injected - r.detected;
    }
    std::printf(
        "total: %zu rows, %d attacks undetected, %d forged APDUs accepted, %d genuine "
        "APDUs lost\n\n",
        table().size(), undetected, forged, lost);
    EXPECT_EQ(forged, 0);
    EXPECT_EQ(lost, 0);
    EXPECT_EQ(undetected, 0);
  }
};

[[maybe_unused]] ::testing::Environment* const kPrintTable =
    ::testing::AddGlobalTestEnvironment(new PrintTable);

}  // namespace
}  // namespace omni::crypto::session
