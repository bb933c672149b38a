#pragma once
// Shared set-up of the session tests: a station CA, a station and a terminal with SM2 keys and
// certificates, and the two registries (the station's list of terminals, the terminal's list of
// stations it accepts). Real keys and real crypto; no mocks.

#include <gtest/gtest.h>

#include <string_view>

#include "core/meter_address.hpp"
#include "core/time.hpp"
#include "crypto/session/channel.hpp"
#include "crypto/session/handshake.hpp"
#include "crypto/session/identity.hpp"

namespace omni::crypto::session::testing {

inline MeterAddress address(std::string_view digits) { return *MeterAddress::from_digits(digits); }

struct SessionWorld {
  // 2025-11-25T00:00:00Z
  UtcTime now{1764028800};
  Sm2KeyPair ca = Sm2KeyPair::generate();
  LocalIdentity station{address("000000000001"), Sm2KeyPair::generate()};
  LocalIdentity terminal{address("202500000001"), Sm2KeyPair::generate()};
  Registry station_registry{ca.public_key()};   // the terminals the station may talk to
  Registry terminal_registry{ca.public_key()};  // the stations a terminal accepts
  std::uint64_t next_serial = 1;

  SessionWorld() {
    enroll(station_registry, terminal);
    enroll(terminal_registry, station);
  }

  Certificate certify(const LocalIdentity& who, UtcTime not_before, UtcTime not_after) {
    auto cert = issue_certificate(
        ca, {next_serial++, who.address, who.key.public_key().to_point(), not_before, not_after});
    EXPECT_TRUE(cert.has_value());
    return *cert;
  }

  // A one-year certificate starting a day ago, registered.
  void enroll(Registry& registry, const LocalIdentity& who) {
    ASSERT_TRUE(registry.register_device(certify(who, now - 86400, now + 365 * 86400)));
  }

  struct Keys {
    SessionKeys client;
    SessionKeys server;
  };

  // A complete handshake; fails the test on any refusal.
  Keys handshake(UtcTime at) {
    auto client = ClientHandshake::start(station, station_registry, terminal.address, at);
    EXPECT_TRUE(client.has_value()) << client.error().to_string();
    ServerHandshake server(terminal, terminal_registry);
    auto response = server.respond(client.value().connect_request(), at);
    EXPECT_TRUE(response.has_value()) << response.error().to_string();
    auto done = client->finish(response.value(), at);
    EXPECT_TRUE(done.has_value()) << done.error().to_string();
    auto server_keys = server.confirm(done.value().confirmation, at);
    EXPECT_TRUE(server_keys.has_value()) << server_keys.error().to_string();
    return {done.value().keys, server_keys.value()};  // value() throws: gtest reports it
  }
  Keys handshake() { return handshake(now); }
};

}  // namespace omni::crypto::session::testing
