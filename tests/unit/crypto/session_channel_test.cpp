// The record layer (src/crypto/session/channel.hpp): round trips both ways, the wire layout,
// sequence numbers, windows, re-keying and the end of the sequence space. Real keys from a real
// handshake; no mocks.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

#include "crypto/session/channel.hpp"
#include "protocol/dlt698/apdu.hpp"
#include "session_fixture.hpp"

namespace omni::crypto::session {
namespace {

namespace dlt = protocol::dlt698;
using testing::SessionWorld;

struct Pair {
  SecureChannel station;
  SecureChannel terminal;
};

Pair channels(SessionWorld& w, ChannelOptions options = {}) {
  auto keys = w.handshake();
  return {SecureChannel(ChannelRole::Client, keys.client, options),
          SecureChannel(ChannelRole::Server, keys.server, options)};
}

Bytes get_request(std::uint8_t piid) {
  dlt::GetRequest req;
  req.piid = piid;
  req.oad = dlt::Oad::from_u32(0x00100200);  // forward active energy, total and rates
  Bytes out;
  dlt::encode(req, out);
  return out;
}

TEST(SessionChannel, RoundTripsBothDirections) {
  SessionWorld w;
  auto [station, terminal] = channels(w);
  for (std::uint8_t i = 1; i <= 5; ++i) {
    const Bytes request = get_request(i);
    auto frame = station.wrap(request, w.now);
    ASSERT_TRUE(frame) << frame.error().to_string();
    auto in = terminal.unwrap(*frame, w.now + 1);
    ASSERT_TRUE(in) << in.error().to_string();
    EXPECT_EQ(in->apdu, request);
    EXPECT_EQ(in->sequence, i);
    EXPECT_EQ(in->sent_at, w.now);
    EXPECT_EQ(in->missing, 0u);
    ASSERT_TRUE(dlt::decode_get_request(in->apdu));

    const Bytes reply = Bytes(200 + i, static_cast<std::uint8_t>(0x85 + i));
    auto back = terminal.wrap(reply, w.now + 1);
    ASSERT_TRUE(back) << back.error().to_string();
    auto got = station.unwrap(*back, w.now + 2);
    ASSERT_TRUE(got) << got.error().to_string();
    EXPECT_EQ(got->apdu, reply);
    EXPECT_EQ(got->sequence, i);
  }
  EXPECT_EQ(station.counters().sent, 5u);
  EXPECT_EQ(station.counters().accepted, 5u);
  EXPECT_EQ(terminal.counters().accepted, 5u);
  EXPECT_EQ(terminal.counters().rejected(), 0u);
}

TEST(SessionChannel, EmptyAndLargeApdus) {
  SessionWorld w;
  auto [station, terminal] = channels(w);
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{16}, std::size_t{4000}}) {
    const Bytes apdu = random_bytes(size);
    auto in = terminal.unwrap(station.wrap(apdu, w.now).value(), w.now);
    ASSERT_TRUE(in) << size << ": " << in.error().to_string();
    EXPECT_EQ(in->apdu, apdu);
    auto out = station.unwrap(terminal.wrap(apdu, w.now).value(), w.now);
    ASSERT_TRUE(out) << size << ": " << out.error().to_string();
    EXPECT_EQ(out->apdu, apdu);
  }
}

TEST(SessionChannel, WireLayoutIsDlt698SecurityApdus) {
  SessionWorld w;
  auto [station, terminal] = channels(w);
  const Bytes request = get_request(1);
  const Bytes frame = station.wrap(request, w.now).value();
  auto req = dlt::decode_security_request(frame);
  ASSERT_TRUE(req) << req.error().to_string();
  EXPECT_EQ(req->data_choice, 1);      // cipher
  EXPECT_EQ(req->verify_choice, 0);    // SID_MAC
  EXPECT_EQ(req->sid_mac.sid.id, 1u);  // sequence
  EXPECT_EQ(req->sid_mac.sid.additional.size(), 7u);
  EXPECT_EQ(req->sid_mac.mac.size(), 16u);
  EXPECT_EQ(req->data.size(), request.size());
  EXPECT_FALSE(std::equal(request.begin(), request.end(), req->data.begin()));

  const Bytes response = terminal.wrap(request, w.now).value();
  auto rsp = dlt::decode_security_response(response);
  ASSERT_TRUE(rsp) << rsp.error().to_string();
  EXPECT_EQ(rsp->data_choice, 1);
  EXPECT_TRUE(rsp->has_mac);
  EXPECT_EQ(rsp->mac.size(), 16u);
  EXPECT_EQ(rsp->data.size(), 4 + 7 + request.size());
  EXPECT_EQ(rsp->data[3], 1);  // sequence 1, big-endian

  // The same APDU never gives the same ciphertext twice (new sequence -> new IV).
  const Bytes again = station.wrap(request, w.now).value();
  auto req2 = dlt::decode_security_request(again);
  ASSERT_TRUE(req2);
  EXPECT_FALSE(
      std::equal(req->data.begin(), req->data.end(), req2->data.begin(), req2->data.end()));
}

TEST(SessionChannel, GapIsReportedAndTheFrameAccepted) {
  SessionWorld w;
  auto [station, terminal] = channels(w);
  const Bytes f1 = station.wrap(get_request(1), w.now).value();
  (void)station.wrap(get_request(2), w.now).value();  // lost
  (void)station.wrap(get_request(3), w.now).value();  // lost
  const Bytes f4 = station.wrap(get_request(4), w.now).value();
  ASSERT_TRUE(terminal.unwrap(f1, w.now));
  auto in = terminal.unwrap(f4, w.now);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->missing, 2u);
  EXPECT_EQ(terminal.counters().gaps, 1u);
  EXPECT_EQ(terminal.counters().missing, 2u);
  EXPECT_EQ(terminal.last_received_sequence(), 4u);
}

TEST(SessionChannel, DelayWindowIsConfigurable) {
  SessionWorld w;
  ChannelOptions options;
  options.max_delay_s = 5;
  auto [station, terminal] = channels(w, options);
  EXPECT_TRUE(terminal.unwrap(station.wrap(get_request(1), w.now).value(), w.now + 5));
  auto late = terminal.unwrap(station.wrap(get_request(2), w.now).value(), w.now + 6);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().kind, RejectKind::Delayed);
  // From the future beyond the window as well (a clock moved by an attacker).
  auto early = terminal.unwrap(station.wrap(get_request(3), w.now + 20).value(), w.now);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().kind, RejectKind::Delayed);
  EXPECT_EQ(terminal.counters().delayed, 2u);
}

TEST(SessionChannel, RekeyAfterApduCountWithGrace) {
  SessionWorld w;
  ChannelOptions options;
  options.rekey_after_apdus = 4;
  options.grace_apdus = 2;
  auto [station, terminal] = channels(w, options);
  for (int i = 0; i < 4; ++i) {
    EXPECT_FALSE(station.needs_rekey(w.now)) << i;
    ASSERT_TRUE(station.wrap(get_request(1), w.now));
  }
  EXPECT_TRUE(station.needs_rekey(w.now));
  EXPECT_FALSE(station.expired(w.now));
  ASSERT_TRUE(station.wrap(get_request(1), w.now));  // grace: in-flight work completes
  ASSERT_TRUE(station.wrap(get_request(1), w.now));
  auto refused = station.wrap(get_request(1), w.now);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, RejectKind::SessionExpired);
  EXPECT_EQ(station.counters().expired, 1u);

  // A new handshake gives a fresh channel.
  auto [fresh_station, fresh_terminal] = channels(w, options);
  EXPECT_TRUE(fresh_terminal.unwrap(fresh_station.wrap(get_request(1), w.now).value(), w.now));
}

TEST(SessionChannel, RekeyAfterTimeWithGrace) {
  SessionWorld w;
  ChannelOptions options;
  options.rekey_after_s = 3600;
  options.grace_s = 60;
  auto [station, terminal] = channels(w, options);
  EXPECT_FALSE(station.needs_rekey(w.now + 3599));
  EXPECT_TRUE(station.needs_rekey(w.now + 3600));
  const UtcTime late = w.now + 3600 + 30;
  auto in = terminal.unwrap(station.wrap(get_request(1), late).value(), late);
  EXPECT_TRUE(in);
  const UtcTime too_late = w.now + 3600 + 60;
  EXPECT_EQ(station.wrap(get_request(1), too_late).error().kind, RejectKind::SessionExpired);
  // The receiver enforces the same limit on its side.
  ChannelOptions sender_options = options;
  sender_options.rekey_after_s = 100000;
  auto keys = w.handshake();
  SecureChannel lax(ChannelRole::Client, keys.client, sender_options);
  SecureChannel strict(ChannelRole::Server, keys.server, options);
  EXPECT_EQ(strict.unwrap(lax.wrap(get_request(1), too_late).value(), too_late).error().kind,
            RejectKind::SessionExpired);
}

// Sequence numbers are 32 bits and never wrap inside a session: the sender stops at
// 0xFFFFFFFF (a wrapped number would reuse IVs and look like a replay), asks for a re-key from
// half the space on, and the receiver refuses anything not above the last accepted number.
TEST(SessionChannel, SequenceSpaceEndsInsteadOfWrapping) {
  SessionWorld w;
  ChannelOptions options;
  options.first_sequence = 0xFFFFFFFEu;
  auto [station, terminal] = channels(w, options);
  EXPECT_TRUE(station.needs_rekey(w.now));  // past half of the space
  const Bytes a = station.wrap(get_request(1), w.now).value();
  const Bytes b = station.wrap(get_request(2), w.now).value();
  auto exhausted = station.wrap(get_request(3), w.now);
  ASSERT_FALSE(exhausted);
  EXPECT_EQ(exhausted.error().kind, RejectKind::SequenceExhausted);
  EXPECT_EQ(station.counters().rejected(), 0u);  // a local condition, not an attack

  EXPECT_EQ(terminal.unwrap(a, w.now).value().sequence, 0xFFFFFFFEu);
  EXPECT_EQ(terminal.unwrap(b, w.now).value().sequence, 0xFFFFFFFFu);
  EXPECT_EQ(terminal.unwrap(a, w.now).error().kind, RejectKind::Replayed);
  EXPECT_EQ(terminal.unwrap(b, w.now).error().kind, RejectKind::Replayed);

  // A sender that did wrap to 1 (first_sequence 1 under the same keys) is refused as replay.
  auto keys = w.handshake();
  SecureChannel old_end(ChannelRole::Server, keys.server, options);
  SecureChannel wrapped(ChannelRole::Client, keys.client);  // starts at 1
  ASSERT_TRUE(old_end.unwrap(
      SecureChannel(ChannelRole::Client, keys.client, options).wrap(get_request(1), w.now).value(),
      w.now));
  EXPECT_EQ(old_end.unwrap(wrapped.wrap(get_request(1), w.now).value(), w.now).error().kind,
            RejectKind::Replayed);
}

// Hostile input: truncations and random mutations of genuine frames, and random bytes behind
// both SECURITY tags, are all refused without touching the channel state.
TEST(SessionChannel, DamagedAndRandomInputIsNeverAccepted) {
  SessionWorld w;
  auto [station, terminal] = channels(w);
  const Bytes request = station.wrap(get_request(1), w.now).value();
  const Bytes response = terminal.wrap(get_request(2), w.now).value();
  std::mt19937 rng(698);
  for (int round = 0; round < 3000; ++round) {
    for (bool to_terminal : {true, false}) {
      SecureChannel& receiver = to_terminal ? terminal : station;
      Bytes frame = to_terminal ? request : response;
      switch (round % 3) {
        case 0:
          frame.resize(rng() % frame.size());
          break;
        case 1:
          for (int k = 0; k < 1 + static_cast<int>(rng() % 8); ++k) {
            frame[rng() % frame.size()] = static_cast<std::uint8_t>(rng());
          }
          if (frame == (to_terminal ? request : response)) frame.push_back(0);
          break;
        default:
          frame.resize(1 + rng() % 80);
          for (auto& b : frame) b = static_cast<std::uint8_t>(rng());
          frame[0] = to_terminal ? 0x10 : 0x90;
          break;
      }
      EXPECT_FALSE(receiver.unwrap(frame, w.now)) << "round " << round;
    }
  }
  EXPECT_EQ(terminal.counters().accepted, 0u);
  EXPECT_EQ(station.counters().accepted, 0u);
  EXPECT_EQ(terminal.last_received_sequence(), 0u);
  // The genuine frames still go through afterwards.
  EXPECT_TRUE(terminal.unwrap(request, w.now));
  EXPECT_TRUE(station.unwrap(response, w.now));
}

TEST(SessionChannel, RejectionNamesAreStable) {
  EXPECT_EQ(reject_kind_name(RejectKind::Replayed), "replayed");
  EXPECT_EQ(reject_kind_name(RejectKind::Forged), "forged");
  EXPECT_EQ(reject_kind_name(RejectKind::Downgrade), "downgrade");
  EXPECT_EQ((Rejection{RejectKind::Delayed, "x"}).to_string(), "delayed: x");
}

}  // namespace
}  // namespace omni::crypto::session
