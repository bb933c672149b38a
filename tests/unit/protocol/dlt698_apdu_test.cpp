// DL/T 698.45 APDUs in both roles: the master builds requests and parses replies, the
// terminal/meter parses requests and builds replies. Each test builds the struct one side would
// send, encodes it, decodes it as the other side, and checks the two agree (and that encoding
// the decoded struct gives the same bytes). Bad input at the end.

#include <gtest/gtest.h>

#include "protocol/dlt698/apdu.hpp"
#include "protocol/dlt698/objects.hpp"
#include "support/hex.hpp"

namespace omni::protocol::dlt698 {
namespace {

using omni::testing::hex;
using omni::testing::to_hex;

// encode -> decode -> equal -> encode again -> same bytes. Returns the bytes.
template <class T, class Decode>
std::vector<std::uint8_t> round_trip(const T& sent, Decode decode) {
  std::vector<std::uint8_t> wire;
  encode(sent, wire);
  auto got = decode(wire);
  EXPECT_TRUE(got.has_value()) << to_hex(wire) << ": " << (got ? "" : got.error().to_string());
  if (!got) return wire;
  EXPECT_TRUE(*got == sent) << to_hex(wire);
  std::vector<std::uint8_t> again;
  encode(*got, again);
  EXPECT_EQ(to_hex(again), to_hex(wire));
  // The generic decoder agrees.
  auto any = decode_apdu(wire);
  EXPECT_TRUE(any.has_value()) << to_hex(wire);
  if (any) {
    std::vector<std::uint8_t> via_variant;
    encode(*any, via_variant);
    EXPECT_EQ(via_variant, wire);
  }
  return wire;
}

// Encoded Data kept alive for the views that point into it.
struct Values {
  std::vector<std::uint8_t> energy, clock, u8, port;
  DataView energy_v, clock_v, u8_v;
  Values() {
    energy_v = make_data(energy, [](Writer& w) {
      w.data_array(5);
      for (std::int64_t v : {123456, 10000, 20000, 30000, 63456}) {
        EXPECT_TRUE(w.data_int(DataType::DoubleLongUnsigned, v).has_value());
      }
    });
    clock_v = make_data(clock, [](Writer& w) { w.data_date_time_s({2026, 10, 7, 15, 0, 0}); });
    u8_v = make_data(u8,
                     [](Writer& w) { EXPECT_TRUE(w.data_int(DataType::Unsigned, 7).has_value()); });
  }
};

const TimeTag kTag{{2026, 1, 2, 3, 4, 5}, {static_cast<std::uint8_t>(TiUnit::Minute), 5}};

TEST(Dlt698Apdu, LinkBothWays) {
  // Terminal builds, master parses.
  LinkRequest req{make_piid(1, false, true), LinkType::Heartbeat, 300,
                  DateTime::from_civil(*CivilTime::make(2026, 3, 1, 8, 0, 0), 250)};
  auto wire = round_trip(req, decode_link_request);
  EXPECT_EQ(wire[0], 0x01);
  // Master builds the response with its three times, terminal parses.
  LinkResponse rsp{piid_sequence(req.piid_acd), 0x80, req.request_time, req.request_time,
                   req.request_time};
  round_trip(rsp, decode_link_response);
  EXPECT_TRUE(piid_acd(req.piid_acd));
  EXPECT_FALSE(piid_high_priority(req.piid_acd));
}

TEST(Dlt698Apdu, ConnectAndReleaseBothWays) {
  auto pw = hex("31 32 33 34 35 36");
  ConnectRequest c;
  c.piid = 1;
  c.protocol_conformance.fill(0xFF);
  c.function_conformance[0] = 0xC0;
  c.send_max = c.receive_max = 2048;
  c.max_apdu = 4096;
  c.timeout_s = 7200;
  c.mechanism = {1, pw, {}};
  c.time_tag = kTag;
  round_trip(c, decode_connect_request);
  auto cipher = hex("01 02 03 04");
  auto sig = hex("AA BB");
  c.mechanism = {2, cipher, sig};
  round_trip(c, decode_connect_request);
  c.mechanism = {3, cipher, sig};
  round_trip(c, decode_connect_request);

  auto vendor = hex("54 45 53 54");  // "TEST"
  ConnectResponse r;
  r.piid_acd = 1;
  r.factory.vendor = vendor;
  auto padded = hex("54 45 53 54 20 20");
  r.factory.software_version = vendor;
  r.factory.software_date = padded;
  r.factory.hardware_version = vendor;
  r.factory.hardware_date = padded;
  auto ext = hex("20 20 20 20 20 20 20 20");
  r.factory.extension = ext;
  r.protocol_conformance.fill(0xFF);
  r.send_max = r.receive_max = 2048;
  r.max_apdu = 4096;
  r.timeout_s = 7200;
  r.result = 0;
  r.has_security_data = true;
  auto rn = hex("00 11 22 33");
  r.server_rn = rn;
  r.server_signature = sig;
  round_trip(r, decode_connect_response);

  round_trip(ReleaseRequest{3, kTag}, decode_release_request);
  round_trip(ReleaseResponse{3, 0, std::nullopt, std::nullopt}, decode_release_response);
  round_trip(ReleaseNotification{3, {2026, 1, 1, 0, 0, 0}, {2026, 1, 2, 0, 0, 0}, {}, {}},
             decode_release_notification);
}

TEST(Dlt698Apdu, GetRequestsAllChoices) {
  // Normal and Md5.
  GetRequest g;
  g.piid = 2;
  g.oad = Oad::from_u32(0x00100200);
  auto wire = round_trip(g, decode_get_request);
  EXPECT_EQ(to_hex(wire), "05 01 02 00 10 02 00 00");
  g.choice = GetChoice::Md5;
  round_trip(g, decode_get_request);
  // NormalList from typed OADs (the builder), then parsed by the device.
  const Oad oads[] = {Oad::from_u32(0x00100200), Oad::from_u32(0x20000200),
                      Oad::from_u32(0x20010200)};
  std::vector<std::uint8_t> list;
  encode_get_request_normal_list(4, oads, list, kTag);
  auto parsed = decode_get_request(list);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->choice, GetChoice::NormalList);
  ASSERT_EQ(parsed->oads.count, 3u);
  Reader items(parsed->oads.items);
  for (const Oad& o : oads) EXPECT_EQ(*items.read_oad(), o);
  EXPECT_EQ(parsed->time_tag, kTag);
  round_trip(*parsed, decode_get_request);
  // Record: daily freeze, last 2 records, all meters, two columns.
  std::vector<std::uint8_t> rcsd_bytes;
  Writer w(rcsd_bytes);
  const Csd cols[] = {{false, Oad::from_u32(0x20210200), {}},
                      {false, Oad::from_u32(0x00100201), {}}};
  w.rcsd(cols);
  auto rcsd = *Reader(rcsd_bytes).read_rcsd();
  GetRequest rec;
  rec.choice = GetChoice::Record;
  rec.piid = 5;
  rec.record.oad = Oad::from_u32(0x50040200);
  rec.record.rsd.selector = 10;
  rec.record.rsd.last_n = 2;
  rec.record.rsd.ms = {1, {}};
  rec.record.rcsd = rcsd;
  wire = round_trip(rec, decode_get_request);
  EXPECT_EQ(to_hex(wire), "05 03 05 50 04 02 00 0A 02 01 02 00 20 21 02 00 00 00 10 02 01 00");
  // RecordList of two GetRecords.
  std::vector<std::uint8_t> records;
  Writer rw(records);
  write_get_record(rw, rec.record);
  write_get_record(rw, rec.record);
  GetRequest rl;
  rl.choice = GetChoice::RecordList;
  rl.records = {2, records};
  round_trip(rl, decode_get_request);
  // Next.
  GetRequest next;
  next.choice = GetChoice::Next;
  next.last_block = 7;
  round_trip(next, decode_get_request);
}

TEST(Dlt698Apdu, GetResponsesAllChoices) {
  Values v;
  // Normal with data, then with a DAR (object undefined).
  GetResponse r;
  r.piid_acd = 2;
  r.result = {Oad::from_u32(0x00100200), {true, 0, v.energy_v}};
  round_trip(r, decode_get_response);
  r.result.result = {false, 6, {}};
  auto wire = round_trip(r, decode_get_response);
  EXPECT_EQ(to_hex(wire), "85 01 02 00 10 02 00 00 06 00 00");
  EXPECT_EQ(dar_name(6), "object does not exist");
  // NormalList.
  std::vector<std::uint8_t> results;
  Writer w(results);
  write_result_normal(w, {Oad::from_u32(0x00100200), {true, 0, v.energy_v}});
  write_result_normal(w, {Oad::from_u32(0x40000200), {true, 0, v.clock_v}});
  write_result_normal(w, {Oad::from_u32(0x20000200), {false, 4, {}}});
  GetResponse list;
  list.choice = GetChoice::NormalList;
  list.results = {3, results};
  round_trip(list, decode_get_response);
  // Record with rows, then with a DAR, and with FollowReport + TimeTag tails.
  std::vector<std::uint8_t> rcsd_bytes;
  Writer cw(rcsd_bytes);
  const Csd cols[] = {{false, Oad::from_u32(0x20210200), {}},
                      {false, Oad::from_u32(0x00100200), {}}};
  cw.rcsd(cols);
  std::vector<std::uint8_t> rows;
  Writer rw(rows);
  rw.data(v.clock_v);
  rw.data(v.energy_v);
  GetResponse rec;
  rec.choice = GetChoice::Record;
  rec.record = {Oad::from_u32(0x50040200), *Reader(rcsd_bytes).read_rcsd(), true, 0, {1, rows}};
  round_trip(rec, decode_get_response);
  std::vector<std::uint8_t> follow;
  Writer fw(follow);
  write_result_normal(fw, {Oad::from_u32(0x20000200), {true, 0, v.u8_v}});
  rec.follow_report = FollowReport{1, {1, follow}};
  rec.time_tag = kTag;
  round_trip(rec, decode_get_response);
  rec.record.has_rows = false;
  rec.record.dar = 9;
  rec.follow_report.reset();
  round_trip(rec, decode_get_response);
  // RecordList.
  std::vector<std::uint8_t> recs;
  Writer lw(recs);
  write_result_record(lw, rec.record);
  GetResponse rl;
  rl.choice = GetChoice::RecordList;
  rl.records = {1, recs};
  round_trip(rl, decode_get_response);
  // Next: a block of normal results, a block of records, a DAR.
  GetResponse next;
  next.choice = GetChoice::Next;
  next.last_frame = false;
  next.block = 3;
  next.next_choice = 1;
  next.results = {3, results};
  round_trip(next, decode_get_response);
  next.next_choice = 2;
  next.records = {1, recs};
  round_trip(next, decode_get_response);
  next.next_choice = 0;
  next.dar = 14;
  round_trip(next, decode_get_response);
  // Md5.
  auto md5 = hex("00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF");
  GetResponse m;
  m.choice = GetChoice::Md5;
  m.result.oad = Oad::from_u32(0x60000200);
  m.result.result.has_data = true;
  m.md5 = md5;
  round_trip(m, decode_get_response);
}

TEST(Dlt698Apdu, SetBothWays) {
  Values v;
  SetRequest s;
  s.piid = 1;
  s.item = {Oad::from_u32(0x40000200), v.clock_v, {}, 0};
  round_trip(s, decode_set_request);
  // NormalList and SetThenGetList.
  std::vector<std::uint8_t> items;
  Writer w(items);
  w.oad(Oad::from_u32(0x40000200));
  w.data(v.clock_v);
  w.oad(Oad::from_u32(0x40000300));
  w.data(v.u8_v);
  SetRequest list;
  list.choice = SetChoice::NormalList;
  list.items = {2, items};
  round_trip(list, decode_set_request);
  std::vector<std::uint8_t> tg;
  Writer tw(tg);
  tw.oad(Oad::from_u32(0x40000200));
  tw.data(v.clock_v);
  tw.oad(Oad::from_u32(0x40000200));
  tw.u8(3);
  SetRequest then_get;
  then_get.choice = SetChoice::ThenGetList;
  then_get.items = {1, tg};
  std::vector<std::uint8_t> then_get_wire;
  encode(then_get, then_get_wire);
  auto parsed = decode_set_request(then_get_wire);
  ASSERT_TRUE(parsed.has_value());
  Reader it(parsed->items.items);
  auto item = read_set_item(it, SetChoice::ThenGetList);
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(item->delay_s, 3);
  round_trip(then_get, decode_set_request);

  SetResponse r;
  r.item = {Oad::from_u32(0x40000200), 0, {}, {}};
  round_trip(r, decode_set_response);
  std::vector<std::uint8_t> res;
  Writer rw(res);
  rw.oad(Oad::from_u32(0x40000200));
  rw.u8(0);
  rw.oad(Oad::from_u32(0x40000200));
  write_get_result(rw, {true, 0, v.clock_v});
  SetResponse rtg;
  rtg.choice = SetChoice::ThenGetList;
  rtg.items = {1, res};
  round_trip(rtg, decode_set_response);
}

TEST(Dlt698Apdu, ActionBothWaysIncludingClockAdjust) {
  Values v;
  ActionRequest a;
  a.piid = 1;
  a.item = {Omd{0x4000, 127, 0}, v.clock_v, {}, 0};
  auto wire = round_trip(a, decode_action_request);
  EXPECT_EQ(to_hex(wire), "07 01 01 40 00 7F 00 1C 07 EA 0A 07 0F 00 00 00");
  std::vector<std::uint8_t> items;
  Writer w(items);
  w.omd({0x6000, 129, 0});
  w.data(v.u8_v);
  w.oad(Oad::from_u32(0x60000200));
  w.u8(1);
  ActionRequest tg;
  tg.choice = ActionChoice::ThenGetList;
  tg.items = {1, items};
  round_trip(tg, decode_action_request);

  ActionResponse r;
  r.item = {Omd{0x4000, 127, 0}, 0, false, {}, {}, {}};
  wire = round_trip(r, decode_action_response);
  EXPECT_EQ(to_hex(wire), "87 01 00 40 00 7F 00 00 00 00 00");
  r.item.has_data = true;
  r.item.data = v.u8_v;
  round_trip(r, decode_action_response);
  std::vector<std::uint8_t> res;
  Writer rw(res);
  rw.omd({0x6000, 129, 0});
  rw.u8(0);
  rw.optional(false);
  rw.omd({0x6000, 128, 0});
  rw.u8(3);
  rw.optional(true);
  rw.data(v.u8_v);
  ActionResponse list;
  list.choice = ActionChoice::NormalList;
  list.items = {2, res};
  round_trip(list, decode_action_response);
}

TEST(Dlt698Apdu, ReportBothWays) {
  Values v;
  std::vector<std::uint8_t> results;
  Writer w(results);
  write_result_normal(w, {Oad::from_u32(0x00100200), {true, 0, v.energy_v}});
  ReportNotification n;
  n.piid_acd = 4;
  n.results = {1, results};
  round_trip(n, decode_report_notification);
  auto frame1 = hex("68 17 00 43 05 01 00 20 03 25 01 00 A5 80 05 01 00 20 01 02 01 00 86 BB 16");
  std::vector<std::uint8_t> trans;
  Writer tw(trans);
  tw.octets(frame1);
  ReportNotification t;
  t.choice = ReportChoice::TransData;
  t.oad = Oad::from_u32(0xF2010201);
  t.results = {1, trans};
  round_trip(t, decode_report_notification);

  const Oad acked[] = {Oad::from_u32(0x00100200)};
  std::vector<std::uint8_t> ack;
  encode_report_response(ReportChoice::List, 4, acked, ack);
  auto rr = decode_report_response(ack);
  ASSERT_TRUE(rr.has_value());
  round_trip(*rr, decode_report_response);
  round_trip(ReportResponse{ReportChoice::TransData, 4, {}, std::nullopt}, decode_report_response);
}

TEST(Dlt698Apdu, ProxyBothWays) {
  Values v;
  // GetList to two meters behind a concentrator (builder), parsed by the concentrator.
  auto t1 = *Tsa::from_address(*MeterAddress::from_digits("000000000001"));
  auto t2 = *Tsa::from_address(*MeterAddress::from_digits("000000000002"));
  const Oad oads1[] = {Oad::from_u32(0x00100200), Oad::from_u32(0x20000200)};
  const Oad oads2[] = {Oad::from_u32(0x00100200)};
  const ProxyGetTarget targets[] = {{t1, 10, oads1}, {t2, 10, oads2}};
  std::vector<std::uint8_t> wire;
  encode_proxy_get_list(6, 60, targets, wire);
  auto p = decode_proxy_request(wire);
  ASSERT_TRUE(p.has_value()) << p.error().to_string();
  EXPECT_EQ(p->timeout_s, 60);
  ASSERT_EQ(p->targets.count, 2u);
  Reader tr(p->targets.items);
  auto first = read_proxy_request_target(tr, ProxyChoice::GetList);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->tsa, t1);
  EXPECT_EQ(first->items.count, 2u);
  round_trip(*p, decode_proxy_request);

  // The concentrator's GetList reply.
  std::vector<std::uint8_t> reply;
  Writer w(reply);
  w.tsa(t1);
  w.length(1);
  write_result_normal(w, {Oad::from_u32(0x00100200), {true, 0, v.energy_v}});
  ProxyResponse pr;
  pr.piid_acd = 6;
  pr.targets = {1, reply};
  round_trip(pr, decode_proxy_response);

  // SetList / ActionList requests and replies.
  std::vector<std::uint8_t> set_targets;
  Writer sw(set_targets);
  sw.tsa(t1);
  sw.u16(10);
  sw.length(1);
  sw.oad(Oad::from_u32(0x40000200));
  sw.data(v.clock_v);
  ProxyRequest ps;
  ps.choice = ProxyChoice::SetList;
  ps.timeout_s = 30;
  ps.targets = {1, set_targets};
  round_trip(ps, decode_proxy_request);
  std::vector<std::uint8_t> act_targets;
  Writer aw(act_targets);
  aw.tsa(t1);
  aw.u16(10);
  aw.length(1);
  aw.omd({0x4000, 127, 0});
  aw.data(v.clock_v);
  ProxyRequest pa;
  pa.choice = ProxyChoice::ActionList;
  pa.timeout_s = 30;
  pa.targets = {1, act_targets};
  round_trip(pa, decode_proxy_request);
  std::vector<std::uint8_t> act_reply;
  Writer arw(act_reply);
  arw.tsa(t1);
  arw.length(1);
  arw.omd({0x4000, 127, 0});
  arw.u8(0);
  arw.optional(false);
  ProxyResponse par;
  par.choice = ProxyChoice::ActionList;
  par.targets = {1, act_reply};
  round_trip(par, decode_proxy_response);

  // GetRecord through the proxy.
  std::vector<std::uint8_t> rcsd_bytes;
  Writer cw(rcsd_bytes);
  const Csd cols[] = {{false, Oad::from_u32(0x00100200), {}}};
  cw.rcsd(cols);
  ProxyRequest pg;
  pg.choice = ProxyChoice::GetRecord;
  pg.timeout_s = 30;
  pg.tsa = t2;
  pg.record.oad = Oad::from_u32(0x50040200);
  pg.record.rsd.selector = 9;
  pg.record.rsd.last_n = 1;
  pg.record.rcsd = *Reader(rcsd_bytes).read_rcsd();
  round_trip(pg, decode_proxy_request);
  std::vector<std::uint8_t> rows;
  Writer rw(rows);
  rw.data(v.energy_v);
  ProxyResponse pgr;
  pgr.choice = ProxyChoice::GetRecord;
  pgr.tsa = t2;
  pgr.record = {Oad::from_u32(0x50040200), pg.record.rcsd, true, 0, {1, rows}};
  round_trip(pgr, decode_proxy_response);

  // TransCommand forwarding a DL/T 645 read and a CJ/T 188 read, and the replies.
  auto dlt645 = hex("FE FE FE FE 68 25 04 03 02 01 00 68 11 04 33 33 34 33 E1 16");
  ProxyRequest tc;
  tc.choice = ProxyChoice::TransCommand;
  tc.piid = 7;
  tc.port = Oad::from_u32(0xF2010201);
  tc.comdcb = {3, 2, 8, 1, 0};  // 2400 8E1, the DL/T 645 default
  tc.frame_timeout_s = 10;
  tc.byte_timeout_ms = 100;
  tc.command = dlt645;
  round_trip(tc, decode_proxy_request);
  auto cjt188 = hex("68 10 01 00 00 00 00 00 00 01 03 90 1F 00 6C 16");
  tc.port = Oad::from_u32(0xF2090201);
  tc.command = cjt188;
  round_trip(tc, decode_proxy_request);
  ProxyResponse tcr;
  tcr.choice = ProxyChoice::TransCommand;
  tcr.port = Oad::from_u32(0xF2010201);
  tcr.has_reply = true;
  auto reply645 = hex("68 25 04 03 02 01 00 68 91 08 33 33 34 33 75 39 45 33 8B 16");
  tcr.reply = reply645;
  round_trip(tcr, decode_proxy_response);
  tcr.has_reply = false;
  tcr.dar = 33;  // request timed out
  round_trip(tcr, decode_proxy_response);
  EXPECT_EQ(dar_name(33), "request timed out");
}

TEST(Dlt698Apdu, SecurityContainers) {
  auto inner = hex("05 01 01 40 01 02 00 00");
  auto rn = hex("11 22 33 44 55 66 77 88 99 00 AA BB CC DD EE FF");
  auto mac = hex("12 34 56 78");
  auto extra = hex("12 34 56 78 90 12");
  SecurityRequest s;
  s.data = inner;
  s.verify_choice = 1;  // plain + RN
  s.rn = rn;
  auto wire = round_trip(s, decode_security_request);
  // As HslCommunication's DLT698 demo builds it: 10 00 08 <GET 40010200> 01 10 <16-byte RN>.
  EXPECT_EQ(to_hex(wire).substr(0, 44), "10 00 08 05 01 01 40 01 02 00 00 01 10 11 22");
  s.verify_choice = 0;  // plain + SID_MAC
  s.sid_mac = {{0x85010203, extra}, mac};
  wire = round_trip(s, decode_security_request);
  // The SID_MAC example of several public 698 meter firmwares' comments.
  EXPECT_EQ(to_hex(wire),
            "10 00 08 05 01 01 40 01 02 00 00 00 85 01 02 03 06 12 34 56 78 90 12 04 12 34 56 78");
  s.data_choice = 1;  // cipher + SID
  s.verify_choice = 3;
  round_trip(s, decode_security_request);
  s.verify_choice = 2;  // RN_MAC
  round_trip(s, decode_security_request);

  auto reply = hex("85 01 01 40 01 02 00 01 09 06 00 00 00 00 00 01 00 00");
  SecurityResponse r;
  r.data = reply;
  r.has_mac = true;
  r.mac = mac;
  round_trip(r, decode_security_response);
  r.data_choice = 2;
  r.dar = 22;
  r.has_mac = false;
  r.mac = {};
  round_trip(r, decode_security_response);
  // A response that stops after the data (no OPTIONAL byte) is accepted.
  auto bare = hex("90 00 02 AA BB");
  auto b = decode_security_response(bare);
  ASSERT_TRUE(b.has_value());
  EXPECT_FALSE(b->has_mac);
}

TEST(Dlt698Apdu, ErrorResponse) {
  auto wire = round_trip(ErrorResponse{5, 2}, decode_error_response);
  EXPECT_EQ(to_hex(wire), "EE 05 02");
}

// --- Bad input
// ----------------------------------------------------------------------------------------

TEST(Dlt698Apdu, TruncatedApdusNeverDecode) {
  Values v;
  GetResponse r;
  r.result = {Oad::from_u32(0x00100200), {true, 0, v.energy_v}};
  std::vector<std::uint8_t> wire;
  encode(r, wire);
  wire.resize(wire.size() - 2);  // drop the two tails: still valid (tails are optional)
  ASSERT_TRUE(decode_get_response(wire).has_value());
  for (std::size_t n = 0; n + 1 < wire.size(); ++n) {
    EXPECT_FALSE(decode_get_response(std::span(wire).first(n)).has_value()) << n;
    EXPECT_FALSE(decode_apdu(std::span(wire).first(n)).has_value()) << n;
  }
}

TEST(Dlt698Apdu, RejectsWrongTagChoiceAndStrayBytes) {
  auto get = hex("05 01 02 00 10 02 00 00");
  EXPECT_EQ(decode_get_response(get).error().code, ErrorCode::Malformed);  // wrong tag
  auto bad_choice = hex("05 07 02 00 10 02 00 00");
  EXPECT_EQ(decode_get_request(bad_choice).error().code, ErrorCode::Unsupported);
  auto stray = hex("05 01 02 00 10 02 00 00 FF");
  EXPECT_EQ(decode_get_request(stray).error().code, ErrorCode::Malformed);
  auto bad_time_tag = hex("05 01 02 00 10 02 00 02");
  EXPECT_FALSE(decode_get_request(bad_time_tag).has_value());
  auto bad_result = hex("85 01 02 00 10 02 00 02 00 00 00");
  EXPECT_FALSE(decode_get_response(bad_result).has_value());
  auto bad_link = hex("01 00 03 00 B4 07 E9 04 03 04 0F 14 05 00 00");
  EXPECT_FALSE(decode_link_request(bad_link).has_value());
  auto unknown = hex("04 01 02");
  EXPECT_EQ(decode_apdu(unknown).error().code, ErrorCode::Unsupported);
  EXPECT_FALSE(decode_apdu({}).has_value());
  // Unknown data tag inside a result.
  auto unknown_type = hex("85 01 02 00 10 02 00 01 07 00 00 00");
  EXPECT_EQ(decode_get_response(unknown_type).error().code, ErrorCode::Unsupported);
  // A list count larger than the bytes that follow.
  auto liar = hex("05 02 02 FF 00 10 02 00 00");
  EXPECT_FALSE(decode_get_request(liar).has_value());
  EXPECT_EQ(apdu_name(0x85), "GET-Response");
  EXPECT_EQ(apdu_name(0x04), "unknown");
}

TEST(Dlt698Apdu, UnknownObjectsDecodeAsRawData) {
  // An OI the station's table does not know still decodes; only the Quantity step says NotFound.
  auto wire = hex("85 01 00 F0 F0 02 00 01 09 03 01 02 03 00 00");
  auto r = decode_get_response(wire);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->result.result.data.type, DataType::OctetString);
  std::array<std::optional<Quantity>, 1> q;
  EXPECT_EQ(decode_quantities(r->result.oad, r->result.result.data, q).error().code,
            ErrorCode::NotFound);
}

}  // namespace
}  // namespace omni::protocol::dlt698
