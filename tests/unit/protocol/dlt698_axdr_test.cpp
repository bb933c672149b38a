// A-XDR reader and writer: every type of DL/T 698.45 §3.4 (notes), written, read back and
// compared; lengths; the generic Data walk; bad input.

#include <gtest/gtest.h>

#include <cmath>

#include "protocol/dlt698/axdr.hpp"
#include "support/hex.hpp"

namespace omni::protocol::dlt698 {
namespace {

using omni::testing::hex;
using omni::testing::to_hex;

template <class Fn>
std::vector<std::uint8_t> written(Fn&& fn) {
  std::vector<std::uint8_t> out;
  Writer w(out);
  fn(w);
  return out;
}

TEST(Dlt698Axdr, LengthForms) {
  for (std::size_t n : {0u, 1u, 127u, 128u, 255u, 256u, 65535u, 65536u}) {
    auto bytes = written([&](Writer& w) { w.length(n); });
    Reader r(bytes);
    auto back = r.length();
    ASSERT_TRUE(back.has_value()) << n;
    EXPECT_EQ(*back, n);
    EXPECT_TRUE(r.empty());
  }
  EXPECT_EQ(to_hex(written([](Writer& w) { w.length(200); })), "81 C8");
  EXPECT_EQ(to_hex(written([](Writer& w) { w.length(300); })), "82 01 2C");
  // 80 (indefinite) and 85+ are not A-XDR lengths; truncated long forms fail.
  for (auto bad : {hex("80"), hex("85 00 00 00 00 01"), hex("82 01"), hex("")}) {
    Reader r(bad);
    EXPECT_FALSE(r.length().has_value()) << to_hex(bad);
    EXPECT_EQ(r.position(), 0u);
  }
}

TEST(Dlt698Axdr, IntegersAtEveryWidth) {
  struct Case {
    DataType type;
    std::int64_t value;
    const char* wire;
  };
  const Case cases[] = {
      {DataType::Integer, -2, "0F FE"},
      {DataType::Long, -300, "10 FE D4"},
      {DataType::Unsigned, 200, "11 C8"},
      {DataType::LongUnsigned, 2241, "12 08 C1"},
      {DataType::DoubleLong, -123456, "05 FF FE 1D C0"},
      {DataType::DoubleLongUnsigned, 123456, "06 00 01 E2 40"},
      {DataType::Long64, -1, "14 FF FF FF FF FF FF FF FF"},
      {DataType::Long64Unsigned, 12345678, "15 00 00 00 00 00 BC 61 4E"},
      {DataType::Enum, 3, "16 03"},
  };
  for (const auto& c : cases) {
    std::vector<std::uint8_t> out;
    Writer w(out);
    ASSERT_TRUE(w.data_int(c.type, c.value).has_value());
    EXPECT_EQ(to_hex(out), c.wire);
    Reader r(out);
    auto v = r.read_data();
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->type, c.type);
    EXPECT_EQ(*v->as_int(), c.value);
    EXPECT_TRUE(is_integer_type(c.type));
  }
  std::vector<std::uint8_t> out;
  Writer w(out);
  EXPECT_EQ(w.data_int(DataType::Unsigned, 256).error().code, ErrorCode::OutOfRange);
  EXPECT_EQ(w.data_int(DataType::Long, 40000).error().code, ErrorCode::OutOfRange);
  EXPECT_EQ(w.data_int(DataType::DoubleLongUnsigned, -1).error().code, ErrorCode::OutOfRange);
  EXPECT_EQ(w.data_int(DataType::OctetString, 1).error().code, ErrorCode::Unsupported);
  EXPECT_TRUE(out.empty());
  // long64-unsigned above INT64_MAX is representable on the wire but not as int64.
  auto big = hex("15 FF FF FF FF FF FF FF FF");
  EXPECT_EQ(Reader(big).read_data()->as_int().error().code, ErrorCode::OutOfRange);
}

TEST(Dlt698Axdr, NullBoolFloatsStrings) {
  auto bytes = written([](Writer& w) {
    w.data_null();
    w.data_bool(true);
    w.data_float32(1.5f);
    w.data_float64(-2.25);
    w.data_octets(DataType::OctetString, hex("01 02 03"));
    w.data_string(DataType::VisibleString, "abc");
    w.data_string(DataType::Utf8String, "电");
  });
  Reader r(bytes);
  EXPECT_EQ(r.read_data()->type, DataType::Null);
  EXPECT_TRUE(*r.read_data()->as_bool());
  EXPECT_EQ(*r.read_data()->as_double(), 1.5);
  EXPECT_EQ(*r.read_data()->as_double(), -2.25);
  auto octets = *r.read_data()->as_bytes();
  EXPECT_EQ(to_hex({octets.begin(), octets.end()}), "01 02 03");
  auto vis = r.read_data();
  auto vis_bytes = *vis->as_bytes();
  EXPECT_EQ(std::string(vis_bytes.begin(), vis_bytes.end()), "abc");
  auto utf = r.read_data();
  EXPECT_EQ(utf->type, DataType::Utf8String);
  EXPECT_EQ(utf->as_bytes()->size(), 3u);
  EXPECT_TRUE(r.empty());
  // Accessors refuse other types.
  auto null_bytes = hex("00");
  auto null_view = *Reader(null_bytes).read_data();
  EXPECT_EQ(null_view.as_int().error().code, ErrorCode::Unsupported);
  EXPECT_EQ(null_view.as_bool().error().code, ErrorCode::Unsupported);
  EXPECT_EQ(null_view.as_bytes().error().code, ErrorCode::Unsupported);
  EXPECT_EQ(null_view.as_double().error().code, ErrorCode::Unsupported);
}

TEST(Dlt698Axdr, LongOctetStringUses82Length) {
  std::vector<std::uint8_t> payload(300, 0x5A);
  auto bytes = written([&](Writer& w) { w.data_octets(DataType::OctetString, payload); });
  EXPECT_EQ(bytes[1], 0x82);
  auto v = Reader(bytes).read_data();
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->as_bytes()->size(), 300u);
}

TEST(Dlt698Axdr, BitString) {
  auto bytes = hex("04 08 80");  // 8 bits, 1000 0000 (wenyl/DLT698-API report frame, 3309 0206)
  auto v = Reader(bytes).read_data();
  ASSERT_TRUE(v.has_value());
  Reader r(v->content());
  auto b = r.read_bit_string();
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->bits, 8u);
  EXPECT_EQ(b->bytes[0], 0x80);
  auto back = written([&](Writer& w) {
    w.tag(DataType::BitString);
    w.bit_string(*b);
  });
  EXPECT_EQ(back, bytes);
  auto odd = hex("04 0C AB C0");  // 12 bits take 2 bytes
  EXPECT_TRUE(Reader(odd).read_data().has_value());
  auto short_bits = hex("04 10 AB");
  EXPECT_FALSE(Reader(short_bits).read_data().has_value());
}

TEST(Dlt698Axdr, DatesAndTimes) {
  DateTime dt{2025, 4, 3, 4, 15, 20, 5, 0};
  DateTimeS dts{2026, 10, 7, 15, 0, 0};
  Date d{2024, 2, 29, 4};
  Time t{23, 59, 58};
  auto bytes = written([&](Writer& w) {
    w.data_date_time(dt);
    w.data_date_time_s(dts);
    w.tag(DataType::Date);
    w.date(d);
    w.tag(DataType::Time);
    w.time(t);
  });
  EXPECT_EQ(to_hex(bytes).substr(0, 32), "19 07 E9 04 03 04 0F 14 05 00 00");
  Reader r(bytes);
  Reader c1(r.read_data()->content());
  EXPECT_EQ(*c1.read_date_time(), dt);
  Reader c2(r.read_data()->content());
  EXPECT_EQ(*c2.read_date_time_s(), dts);
  Reader c3(r.read_data()->content());
  EXPECT_EQ(*c3.read_date(), d);
  Reader c4(r.read_data()->content());
  EXPECT_EQ(*c4.read_time(), t);
  // Civil time both ways; weekday 0 = Sunday.
  auto civil = dts.to_civil();
  ASSERT_TRUE(civil.has_value());
  EXPECT_EQ(DateTimeS::from_civil(*civil), dts);
  EXPECT_EQ(DateTime::from_civil(*CivilTime::make(2016, 9, 11, 10, 21, 40)).weekday, 0);
  EXPECT_EQ(DateTime::from_civil(*CivilTime::make(2025, 4, 3)).weekday, 4);
  // FFFF year = not specified: no civil time.
  EXPECT_FALSE((DateTimeS{0xFFFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}.to_civil().has_value()));
}

TEST(Dlt698Axdr, OadOmdOiTiScalerComdcb) {
  Oad oad = Oad::from_u32(0x00100201);
  EXPECT_EQ(oad.oi, 0x0010);
  EXPECT_EQ(oad.attribute_id(), 2);
  EXPECT_EQ(oad.feature(), 0);
  EXPECT_EQ(oad.index, 1);
  EXPECT_EQ(oad.value(), 0x00100201u);
  EXPECT_EQ(Oad::from_u32(0x40004500).feature(), 2);
  Omd omd{0x4000, 127, 0};
  Ti ti{static_cast<std::uint8_t>(TiUnit::Minute), 15};
  ScalerUnit su{-2, 32};
  Comdcb dcb{10, 2, 8, 1, 0};
  auto bytes = written([&](Writer& w) {
    w.data_oad(oad);
    w.tag(DataType::Omd);
    w.omd(omd);
    w.tag(DataType::Oi);
    w.u16(0x2000);
    w.tag(DataType::Ti);
    w.ti(ti);
    w.tag(DataType::ScalerUnit);
    w.scaler_unit(su);
    w.tag(DataType::Comdcb);
    w.comdcb(dcb);
  });
  // COMDCB 115200 8E1, as in chitandahua/dlt698_rs src/apdu/data_unit/com.rs.
  EXPECT_EQ(to_hex(bytes),
            "51 00 10 02 01 53 40 00 7F 00 50 20 00 54 01 00 0F 59 FE 20 5F 0A 02 08 01 00");
  Reader r(bytes);
  EXPECT_EQ(*Reader(r.read_data()->content()).read_oad(), oad);
  EXPECT_EQ(*Reader(r.read_data()->content()).read_omd(), omd);
  EXPECT_EQ(*Reader(r.read_data()->content()).u16(), 0x2000);
  EXPECT_EQ(*Reader(r.read_data()->content()).read_ti(), ti);
  EXPECT_EQ(*Reader(r.read_data()->content()).read_scaler_unit(), su);
  EXPECT_EQ(*Reader(r.read_data()->content()).read_comdcb(), dcb);
  EXPECT_TRUE(r.empty());
}

TEST(Dlt698Axdr, TsaCarriesAnAddressInNameplateOrder) {
  // Source: chitandahua/dlt698_rs src/apdu/data_unit/data.rs: TSA 55 07 05 00 00 00 00 00 01.
  auto bytes = hex("55 07 05 00 00 00 00 00 01");
  auto v = Reader(bytes).read_data();
  ASSERT_TRUE(v.has_value());
  auto tsa = Reader(v->content()).read_tsa();
  ASSERT_TRUE(tsa.has_value());
  EXPECT_EQ(tsa->address()->to_string(), "000000000001");
  auto made = Tsa::from_address(*MeterAddress::from_digits("000000000001"));
  ASSERT_TRUE(made.has_value());
  EXPECT_EQ(*made, *tsa);
  EXPECT_EQ(written([&](Writer& w) {
              w.tag(DataType::Tsa);
              w.tsa(*made);
            }),
            bytes);
  // Length nibble disagreeing with the content.
  auto wrong = hex("04 07 00 00 01");
  EXPECT_FALSE(Reader(wrong).read_tsa()->address().has_value());
  auto too_long = hex("12 0F 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
  EXPECT_FALSE(Reader(too_long).read_tsa().has_value());
}

TEST(Dlt698Axdr, RoadCsdRcsd) {
  // Source: chitandahua/dlt698_rs src/apdu/data_unit/descriptor/selector.rs (CSD tests).
  auto road_csd = hex("01 50 02 02 00 03 20 21 02 00 00 10 02 00 00 20 02 00");
  Reader r(road_csd);
  auto csd = r.read_csd();
  ASSERT_TRUE(csd.has_value());
  ASSERT_TRUE(csd->is_road);
  EXPECT_EQ(csd->road.oad.value(), 0x50020200u);
  ASSERT_EQ(csd->road.size(), 3u);
  EXPECT_EQ(csd->road.at(0).value(), 0x20210200u);
  EXPECT_EQ(csd->road.at(2).value(), 0x00200200u);
  EXPECT_EQ(written([&](Writer& w) { w.csd(*csd); }), road_csd);
  const Oad related[] = {Oad::from_u32(0x20210200), Oad::from_u32(0x00100200),
                         Oad::from_u32(0x00200200)};
  EXPECT_EQ(written([&](Writer& w) {
              w.u8(1);
              w.road(Oad::from_u32(0x50020200), related);
            }),
            road_csd);

  Csd plain{false, Oad::from_u32(0x50020200), {}};
  const Csd columns[] = {plain, *csd};
  auto rcsd_bytes = written([&](Writer& w) { w.rcsd(columns); });
  auto rcsd = Reader(rcsd_bytes).read_rcsd();
  ASSERT_TRUE(rcsd.has_value());
  EXPECT_EQ(rcsd->count, 2u);
  Reader cols(rcsd->csds);
  EXPECT_EQ(*cols.read_csd(), plain);
  EXPECT_EQ(*cols.read_csd(), *csd);
  EXPECT_EQ(written([&](Writer& w) { w.rcsd(*rcsd); }), rcsd_bytes);
  auto bad = hex("02 50 02 02 00");
  EXPECT_FALSE(Reader(bad).read_csd().has_value());
}

TEST(Dlt698Axdr, MeterSetsAllChoices) {
  const char* cases[] = {
      "00",                                                              // no meter
      "01",                                                              // all meters
      "02 02 01 05",                                                     // user types 1 and 5
      "03 02 07 05 00 00 00 00 00 01 07 05 00 00 00 00 00 02",           // two TSAs
      "04 02 00 01 00 02",                                               // serials 1 and 2
      "05 01 00 11 01 11 05",                                            // user types [1, 5)
      "06 01 02 55 07 05 00 00 00 00 00 01 55 07 05 00 00 00 00 00 09",  // TSA range
      "07 01 03 12 00 01 12 00 64",                                      // serials (1, 100)
  };
  for (const char* c : cases) {
    auto bytes = hex(c);
    Reader r(bytes);
    auto ms = r.read_ms();
    ASSERT_TRUE(ms.has_value()) << c << ": " << ms.error().to_string();
    EXPECT_TRUE(r.empty()) << c;
    EXPECT_EQ(written([&](Writer& w) { w.ms(*ms); }), bytes) << c;
    // The same as tagged Data.
    std::vector<std::uint8_t> tagged = {static_cast<std::uint8_t>(DataType::Ms)};
    tagged.insert(tagged.end(), bytes.begin(), bytes.end());
    EXPECT_TRUE(Reader(tagged).read_data().has_value()) << c;
  }
  auto bad = hex("08");
  EXPECT_FALSE(Reader(bad).read_ms().has_value());
  auto truncated = hex("03 02 07 05 00 00 00 00 00 01");
  EXPECT_FALSE(Reader(truncated).read_ms().has_value());
}

TEST(Dlt698Axdr, RecordSelectorsZeroToTen) {
  const char* cases[] = {
      "00",
      // 1: freeze time = 2026-10-05 00:00:00 (same layout as the GET-Record golden frame).
      "01 20 21 02 00 1C 07 EA 0A 05 00 00 00",
      // 2: [start, end) with a null interval.
      "02 20 21 02 00 1C 07 EA 0A 03 00 00 00 1C 07 EA 0A 06 00 00 00 00",
      // 3: two selector-2 blocks.
      "03 02 20 21 02 00 06 00 00 00 01 06 00 00 00 04 00 20 21 02 00 06 00 00 00 05 06 00 00 "
      "00 09 00",
      // 4 and 5 from chitandahua/dlt698_rs selector.rs (selector 5 test) and its twin.
      "04 07 E7 05 01 00 00 00 01",
      "05 07 E7 05 01 00 00 00 01",
      "06 07 E7 03 03 00 00 00 07 E7 03 03 17 3B 3B 01 00 0F 01",
      // 7 from chitandahua/dlt698_rs selector.rs (selector 7 test).
      "07 07 E7 03 03 00 00 00 07 E7 03 03 17 3B 3B 00 00 00 01",
      "08 07 E7 03 03 00 00 00 07 E7 03 04 00 00 00 02 00 01 03 01 07 05 00 00 00 00 00 01",
      "09 01",
      "0A 05 01",
  };
  for (const char* c : cases) {
    auto bytes = hex(c);
    Reader r(bytes);
    auto rsd = r.read_rsd();
    ASSERT_TRUE(rsd.has_value()) << c << ": " << rsd.error().to_string();
    EXPECT_TRUE(r.empty()) << c;
    auto back = written([&](Writer& w) { w.rsd(*rsd); });
    EXPECT_EQ(to_hex(back), to_hex(bytes)) << c;
    EXPECT_EQ(*Reader(back).read_rsd(), *rsd);
  }
  auto s7 = hex(cases[7]);
  auto rsd7 = *Reader(s7).read_rsd();
  EXPECT_EQ(rsd7.start, (DateTimeS{2023, 3, 3, 0, 0, 0}));
  EXPECT_EQ(rsd7.end, (DateTimeS{2023, 3, 3, 23, 59, 59}));
  EXPECT_EQ(rsd7.ms.choice, static_cast<std::uint8_t>(MsChoice::All));
  auto s10 = hex(cases[10]);
  EXPECT_EQ(Reader(s10).read_rsd()->last_n, 5);
  auto unknown = hex("0B 00");
  EXPECT_EQ(Reader(unknown).read_rsd().error().code, ErrorCode::Unsupported);
}

TEST(Dlt698Axdr, RegionSidSidMacMacRn) {
  auto bytes = written([](Writer& w) {
    w.tag(DataType::Region);
    w.u8(2);
    EXPECT_TRUE(w.data_int(DataType::LongUnsigned, 1).has_value());
    EXPECT_TRUE(w.data_int(DataType::LongUnsigned, 100).has_value());
    w.tag(DataType::Sid);
    w.sid(Sid{0x85010203, hex("12 34 56 78 90 12")});
  });
  // SID_MAC as in the public security-request example (HslCommunication / Dlt698 comments):
  // 85 01 02 03 + 06 123456789012 + 04 12345678.
  auto mac_part =
      hex("5E 85 01 02 03 06 12 34 56 78 90 12 04 12 34 56 78 56 04 AA BB CC DD "
          "57 10 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F");
  bytes.insert(bytes.end(), mac_part.begin(), mac_part.end());
  Reader r(bytes);
  auto region = r.read_data();
  ASSERT_TRUE(region.has_value());
  auto reg = Reader(region->content()).read_region();
  ASSERT_TRUE(reg.has_value());
  EXPECT_EQ(reg->unit, 2);
  EXPECT_EQ(*reg->end.as_int(), 100);
  auto sid = Reader(r.read_data()->content()).read_sid();
  ASSERT_TRUE(sid.has_value());
  EXPECT_EQ(sid->id, 0x85010203u);
  auto sm = Reader(r.read_data()->content()).read_sid_mac();
  ASSERT_TRUE(sm.has_value());
  EXPECT_EQ(to_hex({sm->mac.begin(), sm->mac.end()}), "12 34 56 78");
  auto mac = r.read_data();
  EXPECT_EQ(mac->type, DataType::Mac);
  EXPECT_EQ(mac->as_bytes()->size(), 4u);
  auto rn = r.read_data();
  EXPECT_EQ(rn->type, DataType::Rn);
  EXPECT_EQ(rn->as_bytes()->size(), 16u);
  EXPECT_TRUE(r.empty());
}

TEST(Dlt698Axdr, NestedDataWalk) {
  // Source: chitandahua/dlt698_rs src/apdu/data_unit/data.rs test_data_combine_to_axdr.
  auto bytes = hex(
      "01055507050000000000011c07e703040000001c07e703041502031c07e70303173b0001031c07e703040000"
      "00010506000007d006000001f4060000019006000001f40600000258010506000007d006000001f40600000190"
      "06000001f40600000258");
  Reader r(bytes);
  auto v = r.read_data();
  ASSERT_TRUE(v.has_value()) << v.error().to_string();
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(v->encoded.size(), bytes.size());
  auto list = as_list(*v);
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ(list->count, 5u);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(list->items.read_data().has_value());
  auto frozen = list->items.read_data();
  auto inner = as_list(*frozen);
  ASSERT_EQ(inner->count, 3u);
  inner->items.read_data();
  inner->items.read_data();
  auto energies = as_list(*inner->items.read_data());
  ASSERT_EQ(energies->count, 5u);
  energies->items.read_data();
  energies->items.read_data();
  energies->items.read_data();
  EXPECT_EQ(*energies->items.read_data()->as_int(), 0x1F4);
}

TEST(Dlt698Axdr, DataWalkRejectsBadInput) {
  // Unknown tag.
  auto unknown = hex("07 00");
  EXPECT_EQ(Reader(unknown).read_data().error().code, ErrorCode::Unsupported);
  // Array that claims more items than there are bytes.
  auto liar = hex("01 05 11 01");
  EXPECT_EQ(Reader(liar).read_data().error().code, ErrorCode::Malformed);
  // Truncated in every position: never succeeds, never reads past the end.
  auto good = hex("01 02 02 02 11 01 06 00 00 00 02 0A 03 61 62 63");
  for (std::size_t n = 0; n < good.size(); ++n) {
    Reader r(std::span<const std::uint8_t>(good).first(n));
    EXPECT_FALSE(r.read_data().has_value()) << n;
    EXPECT_EQ(r.position(), 0u) << n;
  }
  EXPECT_TRUE(Reader(good).read_data().has_value());
  // Nesting deeper than kMaxDepth.
  std::vector<std::uint8_t> deep;
  for (int i = 0; i < Reader::kMaxDepth + 2; ++i) {
    deep.push_back(0x01);
    deep.push_back(0x01);
  }
  deep.push_back(0x00);
  EXPECT_EQ(Reader(deep).read_data().error().code, ErrorCode::Malformed);
  // Region holds Data, which may be a Region…: the same limit applies (found by fuzzing: 58 58 58
  // … used to recurse until the stack ran out).
  std::vector<std::uint8_t> regions(5000, 0x58);
  EXPECT_EQ(Reader(regions).read_data().error().code, ErrorCode::Malformed);
  // RSD selector 1 inside an array inside an RSD value…
  std::vector<std::uint8_t> mixed;
  for (int i = 0; i < 40; ++i) {
    for (int b : {0x5A, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01})
      mixed.push_back(static_cast<std::uint8_t>(b));
  }
  EXPECT_EQ(Reader(mixed).read_data().error().code, ErrorCode::Malformed);
  // Legal nesting just below the limit still decodes.
  std::vector<std::uint8_t> ok_depth;
  for (int i = 0; i < Reader::kMaxDepth; ++i) {
    ok_depth.push_back(0x01);
    ok_depth.push_back(0x01);
  }
  ok_depth.push_back(0x00);
  ok_depth.erase(ok_depth.end() - 3, ok_depth.end() - 1);  // innermost array → null
  EXPECT_TRUE(Reader(ok_depth).read_data().has_value());
}

TEST(Dlt698Axdr, TypeNamesAndOptional) {
  EXPECT_EQ(data_type_name(6), "double-long-unsigned");
  EXPECT_EQ(data_type_name(0x5A), "RSD");
  EXPECT_EQ(data_type_name(0x5C), "MS");
  EXPECT_EQ(data_type_name(7), "unknown");
  auto opt = hex("00 01 02");
  Reader r(opt);
  EXPECT_FALSE(*r.optional());
  EXPECT_TRUE(*r.optional());
  EXPECT_FALSE(r.optional().has_value());
  auto tag = hex("11");
  Reader t(tag);
  EXPECT_FALSE(t.expect(DataType::Bool).has_value());
  EXPECT_TRUE(t.expect(DataType::Unsigned).has_value());
}

TEST(Dlt698Axdr, MakeDataHelper) {
  std::vector<std::uint8_t> storage;
  DataView v = make_data(storage, [](Writer& w) {
    w.data_date_time_s(DateTimeS{2017, 6, 5, 10, 24, 12});
  });
  EXPECT_EQ(v.type, DataType::DateTimeS);
  EXPECT_EQ(to_hex({v.encoded.begin(), v.encoded.end()}), "1C 07 E1 06 05 0A 18 0C");
}

}  // namespace
}  // namespace omni::protocol::dlt698
