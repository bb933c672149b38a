// The simulated concentrator's DL/T 698.45 face, driven frame by frame with the real codec's
// client side, as the master station will drive it over TCP.
#include "sim/concentrator/terminal.hpp"

#include <gtest/gtest.h>

#include <deque>

#include "protocol/dlt645/frame.hpp"
#include "protocol/dlt645/messages.hpp"
#include "protocol/dlt698/objects.hpp"

namespace omni::sim {
namespace {

namespace p = protocol::dlt698;
using Bytes = std::vector<std::uint8_t>;

UtcTime beijing(int y, int mo, int d, int h, int mi = 0) {
  return TimeZone::shanghai().from_local(*CivilTime::make(y, mo, d, h, mi));
}

class TerminalTest : public ::testing::Test {
 protected:
  TerminalTest()
      : city_(generate_city({505, 300})),
        model_(city_),
        book_(model_, interval_of(beijing(2026, 11, 1, 0))),
        concentrator_(
            7, *MeterAddress::from_digits("110100000007"),
            LocalBus(city_, book_,
                     Channel(ChannelType::Fibre, ChannelParams{0, 50, 0.1, 0, 0, 1}, 505, 7))),
        terminal_(concentrator_) {
    std::vector<std::uint32_t> wired;
    for (const Meter& m : city_.meters) {
      if (!m.iot) wired.push_back(m.id);
    }
    concentrator_.wire(wired);
  }

  // A station request frame around `apdu` (C = 43: from the client, user data).
  Bytes request(const Bytes& apdu) {
    p::Frame f;
    f.server_address = concentrator_.address();
    f.client_address = 0x10;
    f.apdu = apdu;
    Bytes out;
    EXPECT_TRUE(p::encode_frame(f, out).has_value());
    return out;
  }

  // Sends `apdu`, returns the reply's APDU (kept alive in `replies_`); a fragmented reply is
  // confirmed fragment by fragment and reassembled, as the station does.
  std::span<const std::uint8_t> ask(const Bytes& apdu, UtcTime now) {
    auto out = terminal_.handle(request(apdu), now);
    EXPECT_EQ(out.size(), 1u);
    p::Reassembler reassembler(reassembly_);
    while (!out.empty()) {
      replies_.push_back(out[0]);
      scratch_.emplace_back(replies_.back().size());
      auto f = p::decode_frame(replies_.back(), scratch_.back());
      EXPECT_TRUE(f.has_value());
      if (!f) return {};
      EXPECT_TRUE(f->control.from_server);
      EXPECT_EQ(f->client_address, 0x10);
      if (!f->control.fragmented) return f->apdu;
      auto state = reassembler.feed(f->fragment, f->apdu);
      EXPECT_TRUE(state.has_value());
      if (!state) return {};
      if (*state == p::Reassembler::State::Complete) {
        replies_.emplace_back(reassembler.apdu().begin(), reassembler.apdu().end());
        ++fragmented_replies_;
        return replies_.back();
      }
      p::Frame confirm;
      confirm.server_address = concentrator_.address();
      confirm.client_address = 0x10;
      Bytes wire;
      EXPECT_TRUE(p::encode_fragment_confirm(confirm, reassembler.last_number(), wire).has_value());
      out = terminal_.handle(wire, now);
    }
    ADD_FAILURE() << "the fragments stopped before the last one";
    return {};
  }

  // ACTION 6000 method 127 adding every wired non-IoT meter of the city.
  Bytes add_archive() {
    Bytes data;
    p::Writer w(data);
    std::size_t n = 0;
    for (const Meter& m : city_.meters) n += !m.iot;
    w.data_array(n);
    std::uint16_t serial = 1;
    for (const Meter& m : city_.meters) {
      if (m.iot) continue;
      w.data_structure(2);
      (void)w.data_int(p::DataType::LongUnsigned, serial++);
      w.data_structure(3);
      w.tag(p::DataType::Tsa);
      w.tsa(*p::Tsa::from_address(m.address));
      (void)w.data_int(p::DataType::Enum, 3);  // 2400 bit/s
      (void)w.data_int(p::DataType::Enum, static_cast<std::int64_t>(archive_protocol(m.protocol)));
    }
    p::ActionRequest a;
    a.piid = 3;
    a.item.omd = {0x6000, 127, 0};
    a.item.data = p::DataView{p::DataType::Array, data};
    Bytes apdu;
    p::encode(a, apdu);
    return apdu;
  }

  City city_;
  ConsumptionModel model_;
  RegisterBook book_;
  Concentrator concentrator_;
  Terminal698 terminal_;
  std::deque<Bytes> replies_, scratch_;
  Bytes reassembly_ = Bytes(1 << 20);
  int fragmented_replies_ = 0;
};

TEST_F(TerminalTest, LoginFrameAndTheStationsAnswer) {
  UtcTime now = beijing(2026, 11, 25, 9, 30);
  Bytes login = terminal_.link_frame(p::LinkType::Login, now, 300);
  Bytes scratch(login.size());
  auto f = p::decode_frame(login, scratch);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->control.encode(), 0x81);
  EXPECT_EQ(f->server_address, concentrator_.address());
  auto link = p::decode_link_request(f->apdu);
  ASSERT_TRUE(link.has_value());
  EXPECT_EQ(link->type, p::LinkType::Login);
  EXPECT_EQ(link->heartbeat_s, 300);
  EXPECT_EQ(*link->request_time.to_civil(), *CivilTime::make(2026, 11, 25, 9, 30));
  EXPECT_FALSE(terminal_.logged_in());

  p::LinkResponse answer;
  answer.result = 0x80;
  answer.request_time = link->request_time;
  Bytes apdu;
  p::encode(answer, apdu);
  p::Frame rf;
  rf.control = {false, false, false, false, 1};
  rf.server_address = concentrator_.address();
  rf.apdu = apdu;
  Bytes wire;
  ASSERT_TRUE(p::encode_frame(rf, wire).has_value());
  EXPECT_TRUE(terminal_.handle(wire, now).empty());
  EXPECT_TRUE(terminal_.logged_in());
}

TEST_F(TerminalTest, ClockGetAndSet) {
  UtcTime now = beijing(2026, 11, 25, 9, 30);
  p::GetRequest get;
  get.piid = 1;
  get.oad = p::Oad::from_u32(0x40000200);
  Bytes apdu;
  p::encode(get, apdu);
  auto r = p::decode_get_response(ask(apdu, now));
  ASSERT_TRUE(r.has_value());
  p::Reader t(r->result.result.data.content());
  EXPECT_EQ(*t.read_date_time_s()->to_civil(), *CivilTime::make(2026, 11, 25, 9, 30));

  // ACTION 4000 method 127: the clock jumps to 10:00.
  Bytes when;
  p::Writer w(when);
  w.data_date_time_s(p::DateTimeS::from_civil(*CivilTime::make(2026, 11, 25, 10, 0)));
  p::ActionRequest set;
  set.piid = 2;
  set.item.omd = {0x4000, 127, 0};
  set.item.data = p::DataView{p::DataType::DateTimeS, when};
  apdu.clear();
  p::encode(set, apdu);
  auto ar = p::decode_action_response(ask(apdu, now));
  ASSERT_TRUE(ar.has_value());
  EXPECT_EQ(ar->item.dar, 0);
  EXPECT_EQ(terminal_.clock(now).seconds - now.seconds, 30 * 60);

  get.oad = p::Oad::from_u32(0x12340200);  // no such object
  apdu.clear();
  p::encode(get, apdu);
  auto missing = p::decode_get_response(ask(apdu, now));
  ASSERT_TRUE(missing.has_value());
  EXPECT_FALSE(missing->result.result.has_data);
  EXPECT_EQ(missing->result.result.dar, 6);
}

TEST_F(TerminalTest, ArchiveDownloadThenCollectedRecords) {
  UtcTime now = beijing(2026, 11, 20, 9);
  auto ar = p::decode_action_response(ask(add_archive(), now));
  ASSERT_TRUE(ar.has_value());
  EXPECT_EQ(ar->item.dar, 0);
  std::size_t archived = concentrator_.archive().size();
  ASSERT_GT(archived, 100u);

  for (int d = 21; d <= 23; ++d) concentrator_.advance_to(beijing(2026, 11, d, 7));

  // GET-Record 60120300, last 2 records of all meters, columns: address, collection start,
  // daily freeze of forward energy / cumulative flow.
  Bytes apdu;
  p::Writer w(apdu);
  w.u8(0x05);
  w.u8(0x03);
  w.u8(9);
  w.oad(p::Oad::from_u32(0x60120300));
  p::Rsd rsd;
  rsd.selector = 10;
  rsd.last_n = 2;
  rsd.ms.choice = 1;
  w.rsd(rsd);
  w.length(3);
  w.u8(0);
  w.oad(p::Oad::from_u32(0x202A0200));
  w.u8(0);
  w.oad(p::Oad::from_u32(0x60400200));
  w.u8(1);
  const p::Oad related[] = {p::Oad::from_u32(0x00100200), p::Oad::from_u32(0x25000200)};
  w.road(p::Oad::from_u32(0x50040200), related);
  w.u8(0);  // no time tag
  auto rr = p::decode_get_response(ask(apdu, beijing(2026, 11, 23, 9)));
  ASSERT_TRUE(rr.has_value()) << rr.error().to_string();
  ASSERT_EQ(rr->choice, p::GetChoice::Record);
  ASSERT_TRUE(rr->record.has_rows);
  EXPECT_GT(rr->record.rows.count, archived * 2 * 95 / 100) << "two days for nearly every meter";
  EXPECT_EQ(fragmented_replies_, 1) << "this many rows do not fit one frame";

  // Every row's value is what the concentrator froze for that meter and day.
  p::Reader rows(rr->record.rows.items);
  std::size_t checked = 0;
  for (std::size_t i = 0; i < rr->record.rows.count; ++i) {
    auto tsa_data = rows.read_data();
    auto start = rows.read_data();
    auto freeze = rows.read_data();
    ASSERT_TRUE(tsa_data && start && freeze);
    p::Reader tr(tsa_data->content());
    auto address = tr.read_tsa()->address();
    const ArchiveEntry* e = concentrator_.find(*address);
    ASSERT_NE(e, nullptr);
    p::Reader sr(start->content());
    auto day_start = sr.read_date_time_s()->to_civil();
    std::int64_t day = days_from_civil(day_start->year, day_start->month, day_start->day);
    auto cols = p::as_list(*freeze);
    auto energy = cols->items.read_data();
    auto flow = cols->items.read_data();
    const p::DataView& value = energy->type == p::DataType::Array ? *energy : *flow;
    std::int64_t got = 0;
    if (value.type == p::DataType::Array) {
      got = *p::as_list(value)->items.read_data()->as_int();
    } else {
      got = *value.as_int();
    }
    EXPECT_EQ(got, *concentrator_.frozen(e->serial, day));
    ++checked;
  }
  EXPECT_EQ(checked, rr->record.rows.count);
}

TEST_F(TerminalTest, TransparentForwardingReachesTheMeter) {
  UtcTime now = beijing(2026, 11, 25, 11);
  const Meter* meter = nullptr;
  for (const Meter& m : city_.meters) {
    if (!m.iot && m.kind == EnergyKind::Electricity && m.protocol == MeterProtocol::Dlt645_2007)
      meter = &m;
  }
  ASSERT_NE(meter, nullptr);
  Bytes inner;
  ASSERT_TRUE(protocol::dlt645::encode_frame(
      protocol::dlt645::read_request(meter->address, 0x00010000), inner, 4));
  p::ProxyRequest proxy;
  proxy.choice = p::ProxyChoice::TransCommand;
  proxy.piid = 5;
  proxy.port = p::Oad::from_u32(0xF2010201);
  proxy.comdcb = {3, 2, 8, 1, 0};
  proxy.frame_timeout_s = 30;
  proxy.byte_timeout_ms = 100;
  proxy.command = inner;
  Bytes apdu;
  p::encode(proxy, apdu);
  auto pr = p::decode_proxy_response(ask(apdu, now));
  ASSERT_TRUE(pr.has_value()) << pr.error().to_string();
  ASSERT_TRUE(pr->has_reply);
  auto f645 = protocol::dlt645::decode_frame(pr->reply);
  ASSERT_TRUE(f645.has_value());
  auto reply = protocol::dlt645::parse_reply(*f645);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(protocol::dlt645::reply_quantity(*reply)->mantissa(),
            book_.at(meter->id, interval_of(now)).total() / 10 % 100'000'000);

  // A meter that is not on this bus: the request times out (DAR 33).
  inner.clear();
  ASSERT_TRUE(protocol::dlt645::encode_frame(
      protocol::dlt645::read_request(*MeterAddress::from_digits("119900000001"), 0x00010000),
      inner));
  proxy.command = inner;
  apdu.clear();
  p::encode(proxy, apdu);
  auto none = p::decode_proxy_response(ask(apdu, now));
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_reply);
  EXPECT_EQ(none->dar, 33);
}

TEST_F(TerminalTest, DamagedOrForeignFramesAreDropped) {
  UtcTime now = beijing(2026, 11, 25, 11);
  p::GetRequest get;
  get.oad = p::Oad::from_u32(0x40000200);
  Bytes apdu;
  p::encode(get, apdu);
  Bytes wire = request(apdu);
  wire[wire.size() - 3] ^= 0xFF;  // FCS
  EXPECT_TRUE(terminal_.handle(wire, now).empty());
  EXPECT_EQ(terminal_.rejected_frames(), 1u);
  // For another concentrator: silence.
  p::Frame other;
  other.server_address = *MeterAddress::from_digits("110100000099");
  other.apdu = apdu;
  wire.clear();
  ASSERT_TRUE(p::encode_frame(other, wire).has_value());
  EXPECT_TRUE(terminal_.handle(wire, now).empty());
  // A service the terminal does not offer: ERROR-Response.
  p::ReleaseRequest release;
  apdu.clear();
  p::encode(release, apdu);
  auto err = p::decode_error_response(ask(apdu, now));
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->error, 2);
}

}  // namespace
}  // namespace omni::sim
