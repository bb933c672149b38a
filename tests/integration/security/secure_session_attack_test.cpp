// The attack suite of issue 6 over real TCP: the station and a simulated concentrator run a
// secured DL/T 698.45 session through a man-in-the-middle that replays, inserts, deletes,
// delays, flips bits and downgrades frames; impostor, expired, revoked and unregistered devices
// try to log in. Every attack must be detected (its counter moves) and refused, no forged
// reading may be stored, and every genuine daily value must be stored in the end (the station
// asks again for whatever was lost). The table is printed at the end.
#include <fmt/format.h>

#include <random>

#include "secure_world.hpp"

namespace omni::testing {
namespace {

struct Outcome {
  std::string attack;
  bool detected = false;
  bool refused = false;
  std::size_t forged_accepted = 0;
  std::size_t genuine_lost = 0;
};

std::uint64_t rejections(std::string_view kind) {
  return station::StationCounters::security_rejection(kind).value();
}
std::uint64_t refusals(std::string_view reason) {
  return station::StationCounters::security_refusal(reason).value();
}

// Stored values that differ from the concentrator's, or that it never had; and values it has
// that were not stored.
void compare(const SecureWorld::Values& truth, const SecureWorld::Values& stored, Outcome& o) {
  o.forged_accepted = 0;
  o.genuine_lost = 0;
  for (const auto& [key, value] : stored) {
    auto it = truth.find(key);
    if (it == truth.end() || it->second != value) ++o.forged_accepted;
  }
  for (const auto& [key, value] : truth) {
    auto it = stored.find(key);
    if (it == stored.end()) ++o.genuine_lost;
  }
}

bool is_secured_reply(const Bytes& frame) {
  auto apdu = apdu_of(frame);
  return apdu && !apdu->empty() && (*apdu)[0] == 0x90;
}
bool is_secured_request(const Bytes& frame) {
  auto apdu = apdu_of(frame);
  return apdu && !apdu->empty() && (*apdu)[0] == 0x10;
}

// A plain GET-Response with daily records for every meter of the truth, each 1000 units too
// high: what an attacker would like the station to store.
Bytes forged_plain_records(const SecureWorld::Values& truth, std::uint8_t piid) {
  Bytes out;
  p::Writer w(out);
  w.u8(0x85);
  w.u8(0x03);
  w.u8(piid);
  w.oad(p::Oad::from_u32(0x60120300));
  w.length(3);
  w.u8(0);
  w.oad(p::Oad::from_u32(0x202A0200));
  w.u8(0);
  w.oad(p::Oad::from_u32(0x60400200));
  w.u8(1);
  const p::Oad related[] = {p::Oad::from_u32(0x00100200), p::Oad::from_u32(0x25000200)};
  w.road(p::Oad::from_u32(0x50040200), related);
  w.u8(1);
  w.length(truth.size());
  for (const auto& [key, value] : truth) {
    w.tag(p::DataType::Tsa);
    w.tsa(*p::Tsa::from_address(addr(key.first)));
    CivilTime midnight;
    civil_from_days(key.second, midnight.year, midnight.month, midnight.day);
    w.data_date_time_s(p::DateTimeS::from_civil(midnight));
    w.data_array(2);
    w.data_array(5);
    (void)w.data_int(p::DataType::DoubleLongUnsigned, value + 1000);
    for (int t = 0; t < 4; ++t) w.data_null();
    (void)w.data_int(p::DataType::DoubleLongUnsigned, value + 1000);
  }
  w.u8(0);
  w.u8(0);
  return out;
}

// A man-in-the-middle attack on the secured exchange: the hook sees every frame; `detected`
// reads the counter that must move.
struct LineAttack {
  std::string name;
  std::function<MitmProxy::Hook(SecureWorld&)> hook;
  std::function<std::uint64_t(SecureWorld&)> counter;
  // The session_event kind the station stores for it ("": the device detects it, not the
  // station, which only sees its request time out).
  std::string event = "security";
};

Outcome run_line_attack(const LineAttack& attack) {
  Outcome o{attack.name};
  SecureWorld w;
  w.start_station();
  MitmProxy& proxy = w.start_proxy();
  std::uint64_t before = attack.counter(w);
  proxy.set_hook(attack.hook(w));
  w.connect_concentrator();
  auto truth = w.truth();
  EXPECT_FALSE(truth.empty());
  bool settled = wait_until(
      [&] { return attack.counter(w) > before && w.stored().size() >= truth.size(); }, 20s);
  EXPECT_TRUE(settled) << attack.name;
  std::this_thread::sleep_for(300ms);  // one more collection round: late forgeries would land
  o.detected = attack.counter(w) > before;
  if (!attack.event.empty()) {
    std::int64_t events =
        w.count(fmt::format("SELECT COUNT(*) FROM session_event WHERE kind = '{}'", attack.event));
    EXPECT_GT(events, 0) << attack.name << ": no " << attack.event << " event stored";
    o.detected = o.detected && events > 0;
  }
  compare(truth, w.stored(), o);
  // Refused: the frame changed nothing (no forged value) and the session carried on.
  o.refused = o.forged_accepted == 0 && w.counters().secure_sessions.value() > 0;
  return o;
}

// A device trying to log in with a bad identity, next to the genuine concentrator.
Outcome run_login_attack(const std::string& name, std::string_view reason,
                         const std::function<cs::LocalIdentity(SecureWorld&)> setup) {
  Outcome o{name};
  SecureWorld w;
  cs::LocalIdentity attacker = setup(w);
  w.start_station();
  std::uint64_t before = refusals(reason);
  w.connect_concentrator();
  sim::Dlt698Device device(attacker.address);
  device.enable_security({attacker, w.device_registry, true, {}, {}});
  DeviceRunner& runner = w.connect(device, w.station_port());
  auto truth = w.truth();
  bool settled = wait_until(
      [&] {
        return refusals(reason) > before && runner.closed() && w.stored().size() >= truth.size();
      },
      20s);
  EXPECT_TRUE(settled) << name;
  o.detected = refusals(reason) > before;
  std::string where = fmt::format("address = '{}'", attacker.address.to_string());
  o.refused =
      runner.closed() &&
      w.count("SELECT COUNT(*) FROM session_event WHERE kind = 'secured' AND " + where) == 0 &&
      w.count("SELECT COUNT(*) FROM session_event WHERE kind = 'security_refused' AND " + where) >
          0;
  compare(truth, w.stored(), o);
  return o;
}

TEST(SecureSessionAttack, EveryAttackIsDetectedAndRefusedWithoutLosingGenuineReadings) {
  // The third secured reply is the first daily-record reply (after the clock and the archive).
  constexpr int kTarget = 3;
  auto nth_reply = [](std::function<std::vector<Bytes>(SecureWorld&, const Bytes&)> act) {
    return [act](SecureWorld& w) -> MitmProxy::Hook {
      auto n = std::make_shared<int>(0);
      return [&w, n, act](Dir dir, const Bytes& frame) -> std::vector<Bytes> {
        if (dir != Dir::ToStation || !is_secured_reply(frame)) return {frame};
        if (++*n != kTarget) return {frame};
        return act(w, frame);
      };
    };
  };
  auto flip = [](const Bytes& frame, std::uint64_t seed) {
    Bytes apdu = *apdu_of(frame);
    std::mt19937_64 rng(seed);
    apdu[apdu.size() / 2 + rng() % (apdu.size() / 4)] ^=
        static_cast<std::uint8_t>(1u << (rng() % 8));
    return reframe(frame, apdu);
  };
  const std::vector<LineAttack> line = {
      {"replayed frame",
       [](SecureWorld&) -> MitmProxy::Hook {
         auto n = std::make_shared<int>(0);
         auto first = std::make_shared<Bytes>();
         return [n, first](Dir dir, const Bytes& frame) -> std::vector<Bytes> {
           if (dir != Dir::ToStation || !is_secured_reply(frame)) return {frame};
           ++*n;
           if (*n == 1) *first = frame;
           if (*n == kTarget) return {frame, *first};  // an old reply again, after a new one
           return {frame};
         };
       },
       [](SecureWorld&) { return rejections("replayed"); }},
      {"inserted forged frame",
       nth_reply([](SecureWorld&, const Bytes& frame) -> std::vector<Bytes> {
         Bytes apdu = *apdu_of(frame);
         std::mt19937_64 rng(7);
         for (std::size_t i = apdu.size() / 2; i < apdu.size() - 20; ++i) {
           apdu[i] = static_cast<std::uint8_t>(rng());
         }
         return {reframe(frame, apdu), frame};
       }),
       [](SecureWorld&) { return rejections("forged"); }},
      {"deleted frame",
       nth_reply([](SecureWorld&, const Bytes&) -> std::vector<Bytes> { return {}; }),
       [](SecureWorld& w) { return w.counters().security_gaps.value(); }, "security_gap"},
      {"delayed beyond the window",
       nth_reply([](SecureWorld& w, const Bytes& frame) -> std::vector<Bytes> {
         w.clock.advance(SecureWorld::kMaxDelay + 30);  // the simulated clock ages the frame
         return {frame};
       }),
       [](SecureWorld&) { return rejections("delayed"); }},
      {"bit-flipped reply",
       nth_reply([flip](SecureWorld&, const Bytes& frame) -> std::vector<Bytes> {
         return {flip(frame, 11)};
       }),
       [](SecureWorld&) { return rejections("forged"); }},
      {"bit-flipped request",
       [flip](SecureWorld&) -> MitmProxy::Hook {
         auto n = std::make_shared<int>(0);
         return [n, flip](Dir dir, const Bytes& frame) -> std::vector<Bytes> {
           if (dir != Dir::ToDevice || !is_secured_request(frame)) return {frame};
           // The first SECURITY-Request is the key confirmation; the fourth is the first
           // daily-record request.
           if (++*n != kTarget + 1) return {frame};
           return {flip(frame, 5)};
         };
       },
       [](SecureWorld& w) -> std::uint64_t {
         auto c = w.terminal_counters();
         return c.rejected.count("forged") ? c.rejected.at("forged") : 0;
       },
       ""},
      {"downgrade to plaintext",
       nth_reply([](SecureWorld& w, const Bytes& frame) -> std::vector<Bytes> {
         std::vector<Bytes> out;
         // Every PIID the station could be waiting on: none may be accepted in clear.
         for (std::uint8_t piid = 1; piid <= 63; ++piid) {
           out.push_back(reframe(frame, forged_plain_records(w.truth(), piid)));
         }
         return out;
       }),
       [](SecureWorld&) { return rejections("downgrade"); }},
  };
  std::vector<Outcome> table;
  for (const auto& attack : line) table.push_back(run_line_attack(attack));

  table.push_back(run_login_attack("impostor (wrong key)", "bad_signature", [](SecureWorld& w) {
    cs::LocalIdentity real{addr("110100000091"), Sm2KeyPair::generate()};
    w.enroll(*w.station_registry, real);
    return cs::LocalIdentity{real.address, Sm2KeyPair::generate()};
  }));
  table.push_back(run_login_attack("expired certificate", "expired", [](SecureWorld& w) {
    cs::LocalIdentity who{addr("110100000092"), Sm2KeyPair::generate()};
    auto cert = w.certify(who.address, who.key.public_key(), w.clock.now() - 400 * 86400,
                          w.clock.now() - 86400);
    EXPECT_TRUE(w.station_registry->register_device(cert).has_value());
    return who;
  }));
  table.push_back(run_login_attack("revoked certificate", "revoked", [](SecureWorld& w) {
    cs::LocalIdentity who{addr("110100000093"), Sm2KeyPair::generate()};
    w.enroll(*w.station_registry, who);
    EXPECT_TRUE(w.station_registry->revoke(who.address).has_value());
    return who;
  }));
  table.push_back(run_login_attack("unregistered device", "unknown_device", [](SecureWorld&) {
    return cs::LocalIdentity{addr("110100000094"), Sm2KeyPair::generate()};
  }));

  std::string printed = fmt::format("\n{:<28} {:>9} {:>8} {:>16} {:>13}\n", "attack", "detected",
                                    "refused", "accepted forged", "genuine lost");
  for (const Outcome& o : table) {
    printed +=
        fmt::format("{:<28} {:>9} {:>8} {:>16} {:>13}\n", o.attack, o.detected ? "yes" : "NO",
                    o.refused ? "yes" : "NO", o.forged_accepted, o.genuine_lost);
    EXPECT_TRUE(o.detected) << o.attack;
    EXPECT_TRUE(o.refused) << o.attack;
    EXPECT_EQ(o.forged_accepted, 0u) << o.attack;
    EXPECT_EQ(o.genuine_lost, 0u) << o.attack;
  }
  std::printf("%s\n", printed.c_str());
}

// Without the security layer the same downgrade frames are taken at face value: proof that the
// suite's forgeries are real readings the station would store, so "zero accepted" means
// something.
TEST(SecureSessionAttack, PlainSessionsAcceptTheForgedRecords) {
  SecureWorld w;
  w.start_station(false);
  MitmProxy& proxy = w.start_proxy();
  proxy.set_hook([&w](Dir dir, const Bytes& frame) -> std::vector<Bytes> {
    auto apdu = apdu_of(frame);
    if (dir != Dir::ToStation || !apdu || apdu->size() < 3 || (*apdu)[0] != 0x85 ||
        (*apdu)[1] != 0x03) {
      return {frame};
    }
    return {reframe(frame, forged_plain_records(w.truth(), (*apdu)[2]))};
  });
  w.connect_concentrator(false);
  auto truth = w.truth();
  ASSERT_TRUE(wait_until([&] { return w.stored().size() >= truth.size(); }, 20s));
  Outcome o;
  compare(truth, w.stored(), o);
  EXPECT_EQ(o.forged_accepted, truth.size());
}

// A device that does not answer the handshake (a plain, old terminal) is closed before any
// data is accepted when security is required.
TEST(SecureSessionAttack, PlainDeviceIsClosedWhenSecurityIsRequired) {
  SecureWorld w;
  w.start_station();
  std::uint64_t before = refusals("no_handshake");
  DeviceRunner& runner = w.connect_concentrator(false);
  ASSERT_TRUE(wait_until([&] { return runner.closed(); }, 20s));
  EXPECT_GT(refusals("no_handshake"), before);
  EXPECT_EQ(w.stored().size(), 0u);
  EXPECT_EQ(w.count("SELECT COUNT(*) FROM meter"), 0);
}

}  // namespace
}  // namespace omni::testing
