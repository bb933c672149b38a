// SEC-10 on the simulated concentrator, driven frame by frame through handle(): the crypto
// self-test and its alarm, writes and archive reads only inside the authenticated session, and
// the archive's input checks (all or nothing). Real frames, real keys, real handshakes.
#include <gtest/gtest.h>

#include <memory>

#include "crypto/session/channel.hpp"
#include "crypto/session/handshake.hpp"
#include "protocol/dlt698/objects.hpp"
#include "sim/concentrator/terminal.hpp"
#include "unit/crypto/session_fixture.hpp"

namespace omni::sim {
namespace {

namespace p = protocol::dlt698;
namespace cs = crypto::session;
using Bytes = std::vector<std::uint8_t>;

// One archive entry as the station writes it: {serial, {TSA, baud, protocol[, port]}}.
struct Entry {
  std::int64_t serial = 1;
  std::string address = "000000000101";
  std::int64_t protocol = 2;  // DL/T 645-2007
  std::optional<std::uint32_t> port;
};

class TerminalSecurityTest : public ::testing::Test {
 protected:
  TerminalSecurityTest()
      : city_(generate_city({505, 300})),
        model_(city_),
        book_(model_, interval_of(world_.now - 86400 * 30)),
        concentrator_(
            7, world_.terminal.address,
            LocalBus(city_, book_,
                     Channel(ChannelType::Fibre, ChannelParams{0, 50, 0.1, 0, 0, 1}, 505, 7))),
        terminal_(concentrator_) {}

  DeviceSecurity security(bool required) {
    DeviceSecurity s{world_.terminal,
                     std::make_shared<const cs::Registry>(world_.terminal_registry),
                     required,
                     {},
                     {}};
    s.self_test = [this]() -> Status {
      ++self_test_calls_;
      if (self_test_fails_)
        return fail(ErrorCode::BadChecksum, "crypto self-test: SM4 known answer");
      return ok();
    };
    return s;
  }

  Bytes frame(const Bytes& apdu) {
    p::Frame f;
    f.server_address = concentrator_.address();
    f.client_address = 0x10;
    f.apdu = apdu;
    Bytes out;
    EXPECT_TRUE(p::encode_frame(f, out).has_value());
    return out;
  }

  // Sends `apdu` in a frame; the reply APDU, or nullopt when the device did not answer.
  std::optional<Bytes> send(const Bytes& apdu) {
    auto out = terminal_.handle(frame(apdu), world_.now);
    if (out.empty()) return std::nullopt;
    EXPECT_EQ(out.size(), 1u);
    Bytes scratch(out[0].size());
    auto f = p::decode_frame(out[0], scratch);
    EXPECT_TRUE(f.has_value());
    if (!f) return std::nullopt;
    return Bytes(f->apdu.begin(), f->apdu.end());
  }

  // Runs the station's side of the handshake; true when a session was established.
  bool open_session() {
    auto client = cs::ClientHandshake::start(world_.station, world_.station_registry,
                                             world_.terminal.address, world_.now);
    if (!client) return false;
    auto response = send(client->connect_request());
    if (!response) return false;
    auto done = client->finish(*response, world_.now);
    if (!done) return false;
    EXPECT_FALSE(send(done->confirmation).has_value());  // the confirmation has no reply
    channel_ = std::make_unique<cs::SecureChannel>(cs::ChannelRole::Client, done->keys);
    return true;
  }

  // A request inside the session; the inner reply APDU, or nullopt for no (valid) reply.
  std::optional<Bytes> ask_secured(const Bytes& apdu) {
    auto wrapped = channel_->wrap(apdu, world_.now);
    EXPECT_TRUE(wrapped.has_value());
    if (!wrapped) return std::nullopt;
    auto reply = send(*wrapped);
    if (!reply) return std::nullopt;
    auto in = channel_->unwrap(*reply, world_.now);
    if (!in) return std::nullopt;
    return in->apdu;
  }

  // `data`: the whole Data value, tag included.
  static Bytes action(std::uint16_t oi, std::uint8_t method, p::DataType type, const Bytes& data) {
    p::ActionRequest a;
    a.piid = 5;
    a.item.omd = {oi, method, 0};
    a.item.data = p::DataView{type, data};
    Bytes apdu;
    p::encode(a, apdu);
    return apdu;
  }

  static Bytes add_archive(const std::vector<Entry>& entries) {
    Bytes data;
    p::Writer w(data);
    w.data_array(entries.size());
    for (const Entry& e : entries) {
      w.data_structure(2);
      (void)w.data_int(p::DataType::LongUnsigned, e.serial);
      w.data_structure(e.port ? 4 : 3);
      w.tag(p::DataType::Tsa);
      w.tsa(*p::Tsa::from_address(*MeterAddress::from_digits(e.address)));
      (void)w.data_int(p::DataType::Enum, 3);  // 2400 bit/s
      (void)w.data_int(p::DataType::Enum, e.protocol);
      if (e.port) {
        w.tag(p::DataType::Oad);
        w.oad(p::Oad::from_u32(*e.port));
      }
    }
    return action(0x6000, 127, p::DataType::Array, data);
  }

  static Bytes clock_data(int hour) {
    Bytes when;
    p::Writer w(when);
    w.data_date_time_s(p::DateTimeS::from_civil(*CivilTime::make(2025, 11, 25, hour, 0)));
    return when;
  }

  static Bytes get(std::uint32_t oad) {
    p::GetRequest g;
    g.piid = 1;
    g.oad = p::Oad::from_u32(oad);
    Bytes apdu;
    p::encode(g, apdu);
    return apdu;
  }

  // GET-Record 60120300, the last record of all meters, one column (the meter address).
  static Bytes get_records() {
    Bytes apdu;
    p::Writer w(apdu);
    w.u8(0x05);
    w.u8(0x03);
    w.u8(2);
    w.oad(p::Oad::from_u32(0x60120300));
    p::Rsd rsd;
    rsd.selector = 10;
    rsd.last_n = 1;
    rsd.ms.choice = 1;
    w.rsd(rsd);
    w.length(1);
    w.u8(0);
    w.oad(p::Oad::from_u32(0x202A0200));
    w.u8(0);  // no time tag
    return apdu;
  }

  static Bytes set_clock(int hour) {
    p::SetRequest s;
    s.piid = 4;
    s.item.oad = p::Oad::from_u32(0x40000200);
    Bytes when = clock_data(hour);
    s.item.data = p::DataView{p::DataType::DateTimeS, when};
    Bytes apdu;
    p::encode(s, apdu);
    return apdu;
  }

  // The DAR of an ACTION-Response (255 when the reply is not one).
  static int action_dar(const std::optional<Bytes>& reply) {
    if (!reply) return -1;
    auto r = p::decode_action_response(*reply);
    return r ? r->item.dar : 255;
  }

  std::uint8_t add(const std::vector<Entry>& entries) {
    return static_cast<std::uint8_t>(action_dar(send(add_archive(entries))));
  }

  cs::testing::SessionWorld world_;
  City city_;
  ConsumptionModel model_;
  RegisterBook book_;
  Concentrator concentrator_;
  Terminal698 terminal_;
  std::unique_ptr<cs::SecureChannel> channel_;
  bool self_test_fails_ = false;
  int self_test_calls_ = 0;
};

TEST_F(TerminalSecurityTest, SelfTestRunsWhenSecurityIsEnabledAndOnDemand) {
  terminal_.enable_security(security(true));
  EXPECT_EQ(self_test_calls_, 1);
  EXPECT_TRUE(terminal_.self_test_ok());
  EXPECT_TRUE(terminal_.run_self_test().has_value());
  EXPECT_EQ(self_test_calls_, 2);
  EXPECT_EQ(terminal_.security_counters().self_tests, 2u);
  EXPECT_EQ(terminal_.security_counters().alarms, 0u);
  EXPECT_TRUE(open_session());
  EXPECT_EQ(terminal_.security_counters().sessions, 1u);
}

TEST_F(TerminalSecurityTest, TheRealSelfTestPasses) {
  DeviceSecurity s = security(true);
  s.self_test = nullptr;  // crypto::self_test() itself
  terminal_.enable_security(std::move(s));
  EXPECT_TRUE(terminal_.self_test_ok());
  EXPECT_EQ(terminal_.security_counters().alarms, 0u);
  EXPECT_TRUE(open_session());
}

TEST_F(TerminalSecurityTest, AFailedSelfTestAlarmsAndRefusesSessions) {
  self_test_fails_ = true;
  terminal_.enable_security(security(true));
  EXPECT_FALSE(terminal_.self_test_ok());
  const auto& c = terminal_.security_counters();
  EXPECT_EQ(c.alarms, 1u);
  EXPECT_NE(c.last_alarm.find("SM4"), std::string::npos) << c.last_alarm;
  EXPECT_FALSE(open_session());
  EXPECT_EQ(c.sessions, 0u);
  EXPECT_EQ(c.rejected.at("refused:self_test"), 1u);

  // Repaired: the next run clears the state and sessions start again.
  self_test_fails_ = false;
  EXPECT_TRUE(terminal_.run_self_test().has_value());
  EXPECT_TRUE(open_session());
  EXPECT_TRUE(ask_secured(get(0x40000200)).has_value());

  // Failing again while a session runs ends it: nothing more is served.
  self_test_fails_ = true;
  EXPECT_FALSE(terminal_.run_self_test().has_value());
  EXPECT_EQ(c.alarms, 2u);
  EXPECT_FALSE(ask_secured(get(0x40000200)).has_value());
}

TEST_F(TerminalSecurityTest, PlainWritesAndArchiveReadsAreRefusedOutsideTheSession) {
  terminal_.enable_security(security(/*required=*/false));
  const auto& c = terminal_.security_counters();

  EXPECT_EQ(add({{1, "000000000101", 2, {}}}), kDarRefused);
  EXPECT_TRUE(concentrator_.archive().empty());
  EXPECT_EQ(action_dar(send(action(0x4000, 127, p::DataType::DateTimeS, clock_data(10)))),
            kDarRefused);
  EXPECT_EQ(action_dar(send(action(0x6000, 129, p::DataType::Null, {0x00}))), kDarRefused);
  auto set = send(set_clock(10));
  ASSERT_TRUE(set.has_value());
  auto sr = p::decode_set_response(*set);
  ASSERT_TRUE(sr.has_value());
  EXPECT_EQ(sr->item.dar, kDarRefused);
  EXPECT_EQ(terminal_.clock(world_.now).seconds, world_.now.seconds);  // not moved
  EXPECT_EQ(c.unauthorised_writes, 4u);

  auto archive = send(get(0x60000200));
  ASSERT_TRUE(archive.has_value());
  auto ar = p::decode_get_response(*archive);
  ASSERT_TRUE(ar.has_value());
  EXPECT_FALSE(ar->result.result.has_data);
  EXPECT_EQ(ar->result.result.dar, kDarRefused);
  auto records = send(get_records());
  ASSERT_TRUE(records.has_value());
  auto rr = p::decode_get_response(*records);
  ASSERT_TRUE(rr.has_value());
  ASSERT_EQ(rr->choice, p::GetChoice::Record);
  EXPECT_FALSE(rr->record.has_rows);
  EXPECT_EQ(rr->record.dar, kDarRefused);
  EXPECT_EQ(c.unauthorised_reads, 2u);
  // What is not stored data is still served in plain (the clock).
  auto clock = send(get(0x40000200));
  ASSERT_TRUE(clock.has_value());
  EXPECT_TRUE(p::decode_get_response(*clock)->result.result.has_data);

  // Inside the session the same requests are carried out.
  ASSERT_TRUE(open_session());
  EXPECT_EQ(action_dar(ask_secured(add_archive({{1, "000000000101", 2, {}}}))), kDarSuccess);
  EXPECT_EQ(concentrator_.archive().size(), 1u);
  auto secured_archive = ask_secured(get(0x60000200));
  ASSERT_TRUE(secured_archive.has_value());
  EXPECT_TRUE(p::decode_get_response(*secured_archive)->result.result.has_data);
  auto secured_set = ask_secured(set_clock(10));
  ASSERT_TRUE(secured_set.has_value());
  EXPECT_EQ(p::decode_set_response(*secured_set)->item.dar, kDarSuccess);
  EXPECT_EQ(terminal_.clock(world_.now).seconds - world_.now.seconds, 2 * 3600);  // 08:00 -> 10:00
  EXPECT_EQ(c.unauthorised_writes, 4u);
  EXPECT_EQ(c.unauthorised_reads, 2u);
}

TEST_F(TerminalSecurityTest, InRequiredModeAPlainWriteIsADowngradeAndChangesNothing) {
  terminal_.enable_security(security(true));
  EXPECT_FALSE(send(add_archive({{1, "000000000101", 2, {}}})).has_value());
  EXPECT_TRUE(concentrator_.archive().empty());
  EXPECT_EQ(terminal_.security_counters().rejected.at("downgrade"), 1u);
}

TEST_F(TerminalSecurityTest, WithoutSecurityEverythingIsServedAsBefore) {
  EXPECT_EQ(add({{1, "000000000101", 2, {}}}), kDarSuccess);
  auto set = send(set_clock(11));
  ASSERT_TRUE(set.has_value());
  EXPECT_EQ(p::decode_set_response(*set)->item.dar, kDarSuccess);
  EXPECT_EQ(terminal_.security_counters().unauthorised_writes, 0u);
}

TEST_F(TerminalSecurityTest, ArchiveEntriesAreCheckedAndABadBatchStoresNothing) {
  const auto& refused = terminal_.security_counters().refused_inputs;
  // A good entry first, then a bad one: the whole batch is refused (all or nothing).
  EXPECT_EQ(add({{1, "000000000101", 2, {}}, {2, "00000102", 2, {}}}), kDarAddressAbnormal);
  EXPECT_TRUE(concentrator_.archive().empty());
  EXPECT_EQ(add({{1, "999999999999", 2, {}}}), kDarAddressAbnormal);  // broadcast
  EXPECT_EQ(add({{1, "AAAAAAAAAAAA", 2, {}}}), kDarAddressAbnormal);  // wildcard
  EXPECT_EQ(refused.at("address"), 3u);

  EXPECT_EQ(add({{1, "000000000101", 0, {}}}), kDarOutOfRange);  // protocol "unknown"
  EXPECT_EQ(add({{1, "000000000101", 9, {}}}), kDarOutOfRange);
  EXPECT_EQ(refused.at("protocol"), 2u);
  EXPECT_EQ(add({{1, "000000000101", 2, 0xF2020201}}), kDarOutOfRange);  // infrared: none here
  EXPECT_EQ(refused.at("port"), 1u);
  EXPECT_EQ(add({{0, "000000000101", 2, {}}}), kDarOutOfRange);
  EXPECT_EQ(refused.at("serial"), 1u);
  EXPECT_EQ(add({{1, "000000000101", 2, {}}, {1, "000000000102", 2, {}}}), kDarOutOfRange);
  EXPECT_EQ(refused.at("duplicate"), 1u);
  EXPECT_TRUE(concentrator_.archive().empty());

  // Good entries, with and without a port, are stored.
  EXPECT_EQ(add({{1, "000000000101", 2, 0xF2010201}, {2, "00000000000102", 4, 0xF2090201}}),
            kDarSuccess);
  EXPECT_EQ(concentrator_.archive().size(), 2u);
  // The same meter under a second serial is refused; re-sending serial 1 as it is is fine.
  EXPECT_EQ(add({{3, "000000000101", 2, {}}}), kDarOutOfRange);
  EXPECT_EQ(refused.at("duplicate"), 2u);
  EXPECT_EQ(add({{1, "000000000101", 2, {}}}), kDarSuccess);
  // Moving meter 101 to serial 3 while serial 1 takes another meter is consistent.
  EXPECT_EQ(add({{1, "000000000103", 2, {}}, {3, "000000000101", 2, {}}}), kDarSuccess);
  EXPECT_EQ(concentrator_.archive().size(), 3u);

  // A serial outside the 16-bit range must not delete serial (65537 mod 65536) = 1.
  EXPECT_EQ(action_dar(send(action(0x6000, 128, p::DataType::DoubleLongUnsigned,
                                   {0x06, 0x00, 0x01, 0x00, 0x01}))),
            kDarOutOfRange);
  EXPECT_NE(concentrator_.find(std::uint16_t{1}), nullptr);
}

TEST_F(TerminalSecurityTest, MoreEntriesThanTheCapacityAreRefused) {
  terminal_.set_archive_capacity(3);
  EXPECT_EQ(add({{1, "000000000101", 2, {}},
                 {2, "000000000102", 2, {}},
                 {3, "000000000103", 2, {}},
                 {4, "000000000104", 2, {}}}),
            kDarOutOfRange);
  EXPECT_TRUE(concentrator_.archive().empty());
  EXPECT_EQ(
      add({{1, "000000000101", 2, {}}, {2, "000000000102", 2, {}}, {3, "000000000103", 2, {}}}),
      kDarSuccess);
  EXPECT_EQ(add({{4, "000000000104", 2, {}}}), kDarOutOfRange);
  EXPECT_EQ(add({{3, "000000000105", 2, {}}}), kDarSuccess);  // a replacement: still 3
  EXPECT_EQ(concentrator_.archive().size(), 3u);
  EXPECT_EQ(terminal_.security_counters().refused_inputs.at("capacity"), 2u);
}

}  // namespace
}  // namespace omni::sim
