// CJ/T 188 messages: unit codes, 901F layouts from public frames, master requests against public
// frames, and round trips in both roles (master builds -> meter parses; meter builds -> master
// parses).

#include <gtest/gtest.h>

#include <vector>

#include "cjt188_golden.hpp"
#include "protocol/cjt188/messages.hpp"

namespace omni::protocol::cjt188 {
namespace {

using golden::hex;

Frame frame_of(std::string_view text) {
  auto f = decode_frame(hex(text));
  EXPECT_TRUE(f) << (f ? "" : f.error().to_string());
  return f ? *f : Frame{};
}

std::vector<std::uint8_t> wire(const Frame& f, int preamble = 0) {
  std::vector<std::uint8_t> out;
  EXPECT_TRUE(encode_frame(f, out, preamble));
  return out;
}

// Encode -> decode, as a serial line in between would.
Frame over_the_wire(const Frame& f) {
  auto back = decode_frame(wire(f, 2));
  EXPECT_TRUE(back) << (back ? "" : back.error().to_string());
  return back ? *back : Frame{};
}

MeterAddress addr(std::string_view digits) { return *MeterAddress::from_digits(digits); }

Quantity q(std::int64_t m, int scale, Unit u) { return Quantity(m, scale, u); }

const MeterIdentity kWaterMeter{MeterType(TypeCode::ColdWater), addr("78330011223344")};
const MeterIdentity kHeatMeter{MeterType(0x25), addr("00312718241912")};

// ---------------------------------------------------------------------------------------------
// Unit codes and value fields

TEST(Cjt188Units, TableMatchesTheStandardCodes) {
  EXPECT_EQ(unit_codes().size(), 16u);
  EXPECT_EQ(find_unit_code(0x2C)->unit, Unit::m3);
  EXPECT_EQ(find_unit_code(0x29)->unit, Unit::L);
  EXPECT_EQ(find_unit_code(0x05)->unit, Unit::kWh);
  EXPECT_EQ(find_unit_code(0x11)->unit, Unit::GJ);
  EXPECT_EQ(find_unit_code(0x35)->unit, Unit::m3_per_h);
  EXPECT_EQ(find_unit_code(0x32)->unit, Unit::L_per_h);
  EXPECT_EQ(find_unit_code(0x17)->unit, Unit::kW);
  EXPECT_EQ(find_unit_code(0x0A)->scale_shift, 2);
  EXPECT_EQ(find_unit_code(0x13)->scale_shift, 2);
  EXPECT_EQ(find_unit_code(0x36), nullptr);  // vendor "V" code of one firmware: not standard
  EXPECT_EQ(unit_code_for(Unit::GJ)->code, 0x11);
  EXPECT_EQ(unit_code_for(Unit::MWh)->code, 0x08);
  EXPECT_EQ(unit_code_for(Unit::degC), nullptr);
}

TEST(Cjt188Units, HundredfoldCodesStayExact) {
  // 12.34 in "GJ × 100" = 1234 GJ.
  std::array<std::uint8_t, 5> b = {0x34, 0x12, 0x00, 0x00, 0x13};
  auto r = decode_reading(b, 2);
  ASSERT_TRUE(r.value);
  EXPECT_EQ(r.value->unit(), Unit::GJ);
  EXPECT_EQ(r.value->scale(), 0);
  EXPECT_EQ(r.value->mantissa(), 1234);
  std::array<std::uint8_t, 5> out{};
  ASSERT_TRUE(encode_reading(r, 2, out));
  EXPECT_EQ(out, b);
  // And it converts exactly: 1234 GJ = 342777.78 kWh (rounded once).
  auto kwh = r.value->converted(Unit::kWh, 2, Rounding::HalfUp);
  ASSERT_TRUE(kwh);
  EXPECT_EQ(kwh->mantissa(), 34277778);
}

TEST(Cjt188Units, NonBcdIsNoValueAndEncodesBackAsFf) {
  std::array<std::uint8_t, 5> b = {0xFF, 0xFF, 0xFF, 0xFF, 0x2C};
  auto r = decode_reading(b, 2);
  EXPECT_FALSE(r.value);
  EXPECT_EQ(r.unit_code, 0x2C);
  std::array<std::uint8_t, 5> out{};
  ASSERT_TRUE(encode_reading(r, 2, out));
  EXPECT_EQ(out, b);
}

TEST(Cjt188Units, EncodeChecksUnitAndRange) {
  std::array<std::uint8_t, 5> out{};
  Reading wrong{q(100, 2, Unit::kWh), 0x2C};
  EXPECT_EQ(encode_reading(wrong, 2, out).error().code, ErrorCode::Unsupported);
  Reading big{q(100000000, 0, Unit::m3), 0x2C};
  EXPECT_EQ(encode_reading(big, 2, out).error().code, ErrorCode::OutOfRange);
  Reading negative{q(-1, 2, Unit::m3), 0x2C};
  EXPECT_EQ(encode_reading(negative, 2, out).error().code, ErrorCode::OutOfRange);
  // More decimals than the format: truncated toward zero, as registers are.
  Reading fine{q(12345, 3, Unit::m3), 0x2C};  // 12.345 -> 12.34
  ASSERT_TRUE(encode_reading(fine, 2, out));
  EXPECT_EQ(out, (std::array<std::uint8_t, 5>{0x34, 0x12, 0x00, 0x00, 0x2C}));
  EXPECT_EQ(make_reading(q(1, 0, Unit::degC)).error().code, ErrorCode::Unsupported);
  EXPECT_EQ(make_reading(q(1, 0, Unit::L))->unit_code, 0x29);
}

// ---------------------------------------------------------------------------------------------
// Master side: replies from public frames

TEST(Cjt188Messages, ParsesWaterReply) {
  auto data = parse_meter_data(frame_of(golden::kReadReply));
  ASSERT_TRUE(data) << data.error().to_string();
  auto& w = std::get<WaterGasData>(*data);
  EXPECT_EQ(w.current.value, q(55667700, 2, Unit::m3));
  EXPECT_EQ(w.settlement.value, q(55667700, 2, Unit::m3));
  ASSERT_TRUE(w.meter_time);
  EXPECT_EQ(*w.meter_time, *CivilTime::make(2015, 5, 11, 22, 1, 31));
  // ST 21 84: valve bits 01 = closed, battery bit clear; the rest is vendor-defined.
  EXPECT_EQ(w.status.valve, ValveState::Closed);
  EXPECT_FALSE(w.status.battery_low);
  EXPECT_EQ(w.status.raw, (std::array<std::uint8_t, 2>{0x21, 0x84}));
}

TEST(Cjt188Messages, ParsesReplyWithClockNotSet) {
  auto data = parse_meter_data(frame_of(golden::kReadReplyHighFirst));
  ASSERT_TRUE(data);
  auto& w = std::get<WaterGasData>(*data);
  EXPECT_EQ(w.current.value, q(200, 2, Unit::m3));
  EXPECT_FALSE(w.meter_time);  // all zero
  EXPECT_EQ(w.status.valve, ValveState::Open);
  EXPECT_EQ(w.status.raw[1], 0xFF);
}

TEST(Cjt188Messages, ParsesReplyWithMissingValues) {
  auto data = parse_meter_data(frame_of(golden::kReadReplyNoValues));
  ASSERT_TRUE(data);
  auto& w = std::get<WaterGasData>(*data);
  EXPECT_EQ(w.current.value, q(595900, 2, Unit::m3));
  EXPECT_FALSE(w.settlement.value);
  EXPECT_FALSE(w.meter_time);
}

TEST(Cjt188Messages, ParsesHeatReply) {
  auto data = parse_meter_data(frame_of(golden::kHeatReply));
  ASSERT_TRUE(data) << data.error().to_string();
  auto& h = std::get<HeatData>(*data);
  EXPECT_EQ(h.settlement_heat.value, q(27411, 2, Unit::kWh));
  EXPECT_EQ(h.current_heat.value, q(5442788, 2, Unit::kWh));
  EXPECT_EQ(h.power.value, q(0, 2, Unit::kW));
  EXPECT_EQ(h.flow_rate.value, q(0, 4, Unit::m3_per_h));
  EXPECT_EQ(h.flow_rate.value->scale(), 4);
  EXPECT_EQ(h.cumulative_flow.value, q(715608, 2, Unit::m3));
  EXPECT_EQ(h.supply_temperature, q(2679, 2, Unit::degC));
  EXPECT_EQ(h.return_temperature, q(2664, 2, Unit::degC));
  EXPECT_EQ(h.working_hours, q(74766, 0, Unit::Hour));
  ASSERT_TRUE(h.meter_time);
  EXPECT_EQ(*h.meter_time, *CivilTime::make(2025, 9, 3, 17, 52, 11));
  EXPECT_EQ(h.status.raw, (std::array<std::uint8_t, 2>{0x00, 0x05}));
}

TEST(Cjt188Messages, ParsesHeatReplyWithLowBattery) {
  auto data = parse_meter_data(frame_of(golden::kHeatReplyBatteryLow));
  ASSERT_TRUE(data);
  auto& h = std::get<HeatData>(*data);
  EXPECT_EQ(h.power.value, q(0, 2, Unit::W));
  EXPECT_EQ(h.cumulative_flow.value, q(19, 2, Unit::m3));
  EXPECT_EQ(h.supply_temperature, q(3076, 2, Unit::degC));
  EXPECT_EQ(h.working_hours, q(273, 0, Unit::Hour));
  EXPECT_EQ(*h.meter_time, *CivilTime::make(2007, 9, 12, 11, 41, 32));
  EXPECT_TRUE(h.status.battery_low);
  EXPECT_EQ(h.status.valve, ValveState::Open);
}

TEST(Cjt188Messages, MirroredStLayout) {
  // One firmware keeps valve in D7D6 and battery in D5.
  auto s = decode_status(0x60, 0x00, StLayout::Mirrored);
  EXPECT_EQ(s.valve, ValveState::Closed);
  EXPECT_TRUE(s.battery_low);
  auto standard = decode_status(0x60, 0x00);
  EXPECT_EQ(standard.valve, ValveState::Open);
  EXPECT_FALSE(standard.battery_low);
  EXPECT_EQ(decode_status(0x03, 0).valve, ValveState::Abnormal);
  EXPECT_EQ(decode_status(0x02, 0).valve, ValveState::Reserved);
}

TEST(Cjt188Messages, ParsesAddressReply) {
  auto r = parse_address(frame_of(golden::kReadAddressReply));
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->address.to_string(), "78330123456789");
  EXPECT_EQ(r->type.raw, 0x10);
  EXPECT_EQ(r->ser, 0xA7);
}

TEST(Cjt188Messages, ParsesValveAck) {
  auto ack = parse_write_ack(frame_of(golden::kValveReply));
  ASSERT_TRUE(ack) << ack.error().to_string();
  EXPECT_EQ(ack->di, kDiValveControl);
  EXPECT_EQ(ack->ser, 0x01);
  ASSERT_TRUE(ack->status);
  EXPECT_EQ(ack->status->valve, ValveState::Open);
}

TEST(Cjt188Messages, ReplyParsersRejectOtherFrames) {
  auto request = frame_of(golden::kReadRequest);
  EXPECT_EQ(parse_meter_data(request).error().code, ErrorCode::Unsupported);
  EXPECT_EQ(parse_address(frame_of(golden::kReadReply)).error().code, ErrorCode::Unsupported);
  EXPECT_EQ(parse_abnormal(frame_of(golden::kReadReply)).error().code, ErrorCode::Unsupported);
  EXPECT_EQ(parse_write_ack(frame_of(golden::kReadReply)).error().code, ErrorCode::Unsupported);
  EXPECT_EQ(parse_history(frame_of(golden::kReadReply)).error().code, ErrorCode::Unsupported);
  EXPECT_EQ(parse_request(frame_of(golden::kReadReply)).error().code, ErrorCode::Unsupported);
  // A 901F reply cut short.
  auto short_reply = frame_of(golden::kReadReply);
  short_reply.length = 10;
  EXPECT_EQ(parse_meter_data(short_reply).error().code, ErrorCode::Malformed);
  auto short_heat = frame_of(golden::kHeatReply);
  short_heat.length = 19;  // heat family insists on the heat layout
  EXPECT_EQ(parse_meter_data(short_heat).error().code, ErrorCode::Malformed);
}

// ---------------------------------------------------------------------------------------------
// Master side: requests against public frames

TEST(Cjt188Messages, ReadDataMatchesPublicFrame) {
  auto f = make_read_data(MeterType(TypeCode::ColdWater), addr("78330011223344"), kDiMeterData, 0);
  EXPECT_EQ(wire(f, 4), hex(golden::kReadRequest));
  auto heat =
      make_read_data(MeterType(TypeCode::HeatHeating), addr("00312718241912"), kDiMeterData, 0x12);
  EXPECT_EQ(wire(heat, 5), hex(golden::kHeatRequest));
}

TEST(Cjt188Messages, ReadAddressMatchesPublicFrames) {
  EXPECT_EQ(wire(make_read_address(MeterType(TypeCode::ColdWater), 0xA7)),
            hex(golden::kReadAddress));
  EXPECT_EQ(wire(make_read_address(MeterType(TypeCode::ColdWater), 0x01, DiOrder::HighFirst), 3),
            hex(golden::kReadAddressHighFirst));
}

TEST(Cjt188Messages, ValveControlMatchesPublicFrames) {
  auto open = make_valve_control(MeterType(TypeCode::ColdWater), addr("78331505900569"),
                                 ValveCommand::Open, 0x01, DiOrder::HighFirst);
  EXPECT_EQ(wire(open, 4), hex(golden::kValveOpen));
  auto close = make_valve_control(MeterType(TypeCode::ColdWater), addr("78331505900569"),
                                  ValveCommand::Close, 0x01, DiOrder::HighFirst);
  EXPECT_EQ(wire(close, 4), hex(golden::kValveClose));
  auto gas = make_valve_control(MeterType(TypeCode::Gas), addr("00000000000003"),
                                ValveCommand::Open, 0x01);
  EXPECT_EQ(wire(gas, 3), hex(golden::kGasValveOpen));
}

TEST(Cjt188Messages, WriteAddressAndMotorSyncMatchPublicFrames) {
  auto wa = make_write_address(MeterType(TypeCode::Gas), addr("00000000000003"),
                               addr("00000000000005"), 0xFF);
  ASSERT_TRUE(wa);
  EXPECT_EQ(wire(*wa, 3), hex(golden::kGasWriteAddress));
  // The public frame sends unit byte 00 (not in the unit table): kept raw, value in Unit::None.
  auto ms = make_write_motor_sync(MeterType(TypeCode::Gas), addr("00000000000003"),
                                  Reading{q(12345678, 2, Unit::None), 0x00}, 0xFF);
  ASSERT_TRUE(ms);
  EXPECT_EQ(wire(*ms, 3), hex(golden::kGasMotorSync));
}

TEST(Cjt188Messages, RequestBuildersRejectBadInput) {
  auto a = addr("78330011223344");
  EXPECT_EQ(make_write_settlement_day(MeterType(), a, 0, 1).error().code, ErrorCode::OutOfRange);
  EXPECT_EQ(make_write_settlement_day(MeterType(), a, 32, 1).error().code, ErrorCode::OutOfRange);
  EXPECT_EQ(make_write_address(MeterType(), a, addr("123456"), 1).error().code,
            ErrorCode::Malformed);
  CivilTime bad{2024, 2, 30, 0, 0, 0};
  EXPECT_EQ(make_write_time(MeterType(), a, bad, 1).error().code, ErrorCode::OutOfRange);
  PriceTable t;
  t.prices[0] = Fen{1000000};  // 10000.00 yuan does not fit XXXX.XX
  EXPECT_EQ(make_write_price_table(MeterType(), a, t, 1).error().code, ErrorCode::OutOfRange);
}

// ---------------------------------------------------------------------------------------------
// Device side: public requests parse into typed requests

TEST(Cjt188Device, ParsesPublicRequests) {
  auto read = parse_request(frame_of(golden::kReadRequest));
  ASSERT_TRUE(read);
  EXPECT_TRUE(std::holds_alternative<ReadRequest>(read->body));
  EXPECT_EQ(read->di, kDiMeterData);

  auto valve = parse_request(frame_of(golden::kValveClose));
  ASSERT_TRUE(valve);
  EXPECT_EQ(std::get<ValveRequest>(valve->body).command, 0x99);
  EXPECT_EQ(valve->di_order, DiOrder::HighFirst);

  auto address = parse_request(frame_of(golden::kReadAddress));
  ASSERT_TRUE(address);
  EXPECT_TRUE(std::holds_alternative<ReadAddressRequest>(address->body));

  auto wa = parse_request(frame_of(golden::kGasWriteAddress));
  ASSERT_TRUE(wa);
  EXPECT_EQ(std::get<WriteAddressRequest>(wa->body).new_address.to_string(), "00000000000005");

  auto ms = parse_request(frame_of(golden::kGasMotorSync));
  ASSERT_TRUE(ms);
  EXPECT_EQ(std::get<MotorSyncRequest>(ms->body).base.value, q(12345678, 2, Unit::None));
}

TEST(Cjt188Device, AddressedTo) {
  auto read = frame_of(golden::kReadRequest);
  EXPECT_TRUE(addressed_to(read, kWaterMeter));
  EXPECT_FALSE(addressed_to(read, MeterIdentity{kWaterMeter.type, addr("78330011223345")}));
  EXPECT_TRUE(addressed_to(frame_of(golden::kReadAddress), kWaterMeter));  // wildcard
  EXPECT_FALSE(addressed_to(read, MeterIdentity{MeterType(TypeCode::Gas), kWaterMeter.address}));
  // A 2018 heat meter (25H) answers a request typed 20H.
  EXPECT_TRUE(addressed_to(frame_of(golden::kHeatRequest), kHeatMeter));
}

TEST(Cjt188Device, RejectsMalformedWrites) {
  auto a = addr("78330011223344");
  Frame f = make_valve_control(MeterType(), a, ValveCommand::Open, 1);
  f.length = 0;  // valve command missing
  EXPECT_EQ(parse_request(f).error().code, ErrorCode::Malformed);
  auto t = make_write_time(MeterType(), a, *CivilTime::make(2024, 1, 2, 3, 4, 5), 1);
  ASSERT_TRUE(t);
  t->data[3] = 0x3A;  // day not BCD
  EXPECT_EQ(parse_request(*t).error().code, ErrorCode::OutOfRange);
  auto d = make_write_settlement_day(MeterType(), a, 15, 1);
  ASSERT_TRUE(d);
  d->data[0] = 0xF1;
  EXPECT_EQ(parse_request(*d).error().code, ErrorCode::OutOfRange);
  d->data[0] = 0x45;  // BCD, but no month has day 45
  EXPECT_EQ(parse_request(*d).error().code, ErrorCode::OutOfRange);
}

TEST(Cjt188Device, UnknownAndVendorRequestsAreRaw) {
  auto a = addr("78330011223344");
  Frame vendor = make_read_data(MeterType(), a, 0xA017, 1);
  vendor.control.function = 0x2A;  // vendor valve function on some meters
  auto r = parse_request(vendor);
  ASSERT_TRUE(r);
  EXPECT_TRUE(std::holds_alternative<OtherRequest>(r->body));
  Frame unknown_di = make_read_data(MeterType(), a, 0x4321, 1);
  unknown_di.control.function = 0x04;
  r = parse_request(over_the_wire(unknown_di));
  ASSERT_TRUE(r);
  EXPECT_TRUE(std::holds_alternative<OtherRequest>(r->body));
}

// ---------------------------------------------------------------------------------------------
// Round trips, both roles

TEST(Cjt188RoundTrip, ReadDataRequestAndWaterReply) {
  for (auto order : {DiOrder::LowFirst, DiOrder::HighFirst}) {
    Frame req = make_read_data(kWaterMeter.type, kWaterMeter.address, kDiMeterData, 9, order);
    auto parsed = parse_request(over_the_wire(req));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->ser, 9);
    EXPECT_EQ(parsed->di_order, order);

    WaterGasData w{Reading{q(12345678, 2, Unit::m3), 0x2C}, Reading{q(1200, 0, Unit::L), 0x29},
                   *CivilTime::make(2024, 2, 29, 23, 59, 58),
                   MeterStatus{ValveState::Closed, true, {0x00, 0x5A}}};
    auto reply = make_meter_data_reply(kWaterMeter, over_the_wire(req), w);
    ASSERT_TRUE(reply) << reply.error().to_string();
    auto got = over_the_wire(*reply);
    EXPECT_EQ(got.di_order, order);
    EXPECT_EQ(got.ser, 9);
    auto data = parse_meter_data(got);
    ASSERT_TRUE(data);
    auto back = std::get<WaterGasData>(*data);
    EXPECT_EQ(back.current, w.current);
    EXPECT_EQ(back.settlement, w.settlement);
    EXPECT_EQ(back.meter_time, w.meter_time);
    EXPECT_EQ(back.status.valve, ValveState::Closed);
    EXPECT_TRUE(back.status.battery_low);
    EXPECT_EQ(back.status.raw, (std::array<std::uint8_t, 2>{0x05, 0x5A}));
  }
}

TEST(Cjt188RoundTrip, HeatReplyFromPublicFrameRebuildsByteExact) {
  auto reply = frame_of(golden::kHeatReply);
  auto data = parse_meter_data(reply);
  ASSERT_TRUE(data);
  auto request = frame_of(golden::kHeatRequest);
  request.ser = reply.ser;
  auto rebuilt = make_heat_data_reply(kHeatMeter, request, std::get<HeatData>(*data));
  ASSERT_TRUE(rebuilt) << rebuilt.error().to_string();
  EXPECT_EQ(wire(*rebuilt), hex(golden::kHeatReply));
}

TEST(Cjt188RoundTrip, WaterReplyFromPublicFrameRebuildsByteExact) {
  auto reply = frame_of(golden::kReadReply);
  auto data = parse_meter_data(reply);
  ASSERT_TRUE(data);
  auto request = frame_of(golden::kReadRequest);
  auto rebuilt = make_meter_data_reply(kWaterMeter, request, std::get<WaterGasData>(*data));
  ASSERT_TRUE(rebuilt);
  EXPECT_EQ(wire(*rebuilt), hex(golden::kReadReply));
}

TEST(Cjt188RoundTrip, ReadAddress) {
  Frame req = make_read_address(MeterType(TypeCode::Wildcard), 0x33);
  auto parsed = parse_request(over_the_wire(req));
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(std::holds_alternative<ReadAddressRequest>(parsed->body));
  auto reply = over_the_wire(make_address_reply(kWaterMeter, req));
  auto r = parse_address(reply);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->address, kWaterMeter.address);
  EXPECT_EQ(r->type, kWaterMeter.type);
  EXPECT_EQ(r->ser, 0x33);
}

TEST(Cjt188RoundTrip, WriteTime) {
  auto t = *CivilTime::make(2031, 12, 31, 8, 0, 59);
  auto req = make_write_time(kWaterMeter.type, kWaterMeter.address, t, 4);
  ASSERT_TRUE(req);
  auto parsed = parse_request(over_the_wire(*req));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(std::get<WriteTimeRequest>(parsed->body).time, t);
  EXPECT_EQ(parsed->di, kDiWriteTime);
  auto ack = parse_write_ack(over_the_wire(make_write_ack(kWaterMeter, *req)));
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->di, kDiWriteTime);
  EXPECT_EQ(ack->ser, 4);
  EXPECT_FALSE(ack->status);
}

TEST(Cjt188RoundTrip, ValveControl) {
  Frame req = make_valve_control(kWaterMeter.type, kWaterMeter.address, ValveCommand::Close, 5,
                                 DiOrder::HighFirst);
  auto parsed = parse_request(over_the_wire(req));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(std::get<ValveRequest>(parsed->body).command, 0x99);
  MeterStatus st{ValveState::Closed, false, {}};
  auto reply = over_the_wire(make_write_ack(kWaterMeter, req, st));
  EXPECT_EQ(reply.di_order, DiOrder::HighFirst);
  auto ack = parse_write_ack(reply);
  ASSERT_TRUE(ack);
  ASSERT_TRUE(ack->status);
  EXPECT_EQ(ack->status->valve, ValveState::Closed);
}

TEST(Cjt188RoundTrip, PriceTable) {
  PriceTable t{{Fen{350}, Fen{465}, Fen{990}}, {180, 300}, 25};
  auto req = make_write_price_table(kWaterMeter.type, kWaterMeter.address, t, 6);
  ASSERT_TRUE(req);
  auto parsed = parse_request(over_the_wire(*req));
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  EXPECT_EQ(std::get<WritePriceTableRequest>(parsed->body).table, t);
  // Read back (8102): the reply has no start day.
  Frame read = make_read_data(kWaterMeter.type, kWaterMeter.address, kDiPriceTable, 7);
  auto reply = make_price_table_reply(kWaterMeter, read, t);
  ASSERT_TRUE(reply);
  auto back = parse_price_table(over_the_wire(*reply));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->prices, t.prices);
  EXPECT_EQ(back->step_volume, t.step_volume);
}

TEST(Cjt188RoundTrip, SettlementDay) {
  auto req = make_write_settlement_day(kWaterMeter.type, kWaterMeter.address, 28, 8);
  ASSERT_TRUE(req);
  auto parsed = parse_request(over_the_wire(*req));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(std::get<WriteDayRequest>(parsed->body).day, 28);
  Frame read = make_read_data(kWaterMeter.type, kWaterMeter.address, kDiSettlementDay, 9);
  auto reply = make_day_reply(kWaterMeter, read, 28);
  ASSERT_TRUE(reply);
  auto day = parse_day(over_the_wire(*reply));
  ASSERT_TRUE(day);
  EXPECT_EQ(*day, 28);
}

TEST(Cjt188RoundTrip, WriteAddress) {
  auto req = make_write_address(kWaterMeter.type, kWaterMeter.address, addr("78339999999999"), 10);
  ASSERT_TRUE(req);
  auto parsed = parse_request(over_the_wire(*req));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(std::get<WriteAddressRequest>(parsed->body).new_address, addr("78339999999999"));
  auto ack = parse_write_ack(over_the_wire(make_write_ack(kWaterMeter, *req)));
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->function, 0x15);
  EXPECT_EQ(ack->di, kDiWriteAddress);
}

TEST(Cjt188RoundTrip, MotorSync) {
  Reading base{q(12050, 2, Unit::m3), 0x2C};
  auto req = make_write_motor_sync(kWaterMeter.type, kWaterMeter.address, base, 11);
  ASSERT_TRUE(req);
  auto parsed = parse_request(over_the_wire(*req));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(std::get<MotorSyncRequest>(parsed->body).base, base);
  auto ack = parse_write_ack(over_the_wire(make_write_ack(kWaterMeter, *req)));
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->function, 0x16);
}

TEST(Cjt188RoundTrip, History) {
  Frame req = make_read_data(kWaterMeter.type, kWaterMeter.address, kDiHistoryFirst + 11, 12);
  auto reply = make_history_reply(kWaterMeter, req, Reading{q(98765, 2, Unit::m3), 0x2C});
  ASSERT_TRUE(reply);
  auto h = parse_history(over_the_wire(*reply));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->months_back, 12);
  EXPECT_EQ(h->value.value, q(98765, 2, Unit::m3));
}

TEST(Cjt188RoundTrip, AbnormalReplies) {
  Frame req = make_valve_control(kWaterMeter.type, kWaterMeter.address, ValveCommand::Open, 13);
  MeterStatus st{ValveState::Abnormal, true, {0x00, 0x01}};
  for (bool echo : {false, true}) {
    auto reply = over_the_wire(make_abnormal_reply(kWaterMeter, req, st, echo));
    EXPECT_EQ(reply.control.encode(), 0xC4);
    auto a = parse_abnormal(reply);
    ASSERT_TRUE(a) << a.error().to_string();
    EXPECT_EQ(a->failure, Failure::WriteData);
    EXPECT_EQ(failure_name(a->failure), "write data failed");
    EXPECT_EQ(a->has_di, echo);
    EXPECT_EQ(a->di, echo ? kDiValveControl : 0);
    EXPECT_EQ(a->ser, 13);
    EXPECT_EQ(a->status.valve, ValveState::Abnormal);
    EXPECT_TRUE(a->status.battery_low);
    // A normal-reply parser refuses it.
    EXPECT_EQ(parse_write_ack(reply).error().code, ErrorCode::Unsupported);
  }
  Frame read = make_read_data(kWaterMeter.type, kWaterMeter.address, kDiMeterData, 14);
  auto a = parse_abnormal(over_the_wire(make_abnormal_reply(kWaterMeter, read, {})));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->failure, Failure::ReadData);
  Frame wa = *make_write_address(kWaterMeter.type, kWaterMeter.address, kWaterMeter.address, 1);
  a = parse_abnormal(over_the_wire(make_abnormal_reply(kWaterMeter, wa, {})));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->failure, Failure::WriteAddress);
  EXPECT_EQ(over_the_wire(make_abnormal_reply(kWaterMeter, wa, {})).control.encode(), 0xD5);
}

TEST(Cjt188RoundTrip, AbnormalReplyWithoutStIsMalformed) {
  Frame f;
  f.type = kWaterMeter.type;
  f.address = kWaterMeter.address;
  f.control = {true, true, 0x01};
  f.has_di = false;
  f.ser = 1;
  EXPECT_EQ(parse_abnormal(over_the_wire(f)).error().code, ErrorCode::Malformed);
}

TEST(Cjt188RoundTrip, TimeFieldEdges) {
  std::array<std::uint8_t, 7> zero{};
  EXPECT_FALSE(decode_time(zero));
  std::array<std::uint8_t, 7> not_bcd = {0x00, 0x00, 0x00, 0x32, 0x01, 0x24, 0x20};  // 32 Jan
  EXPECT_FALSE(decode_time(not_bcd));
  std::array<std::uint8_t, 7> out{};
  ASSERT_TRUE(encode_time(std::nullopt, out));
  EXPECT_EQ(out, zero);
  ASSERT_TRUE(encode_time(*CivilTime::make(2015, 5, 11, 22, 1, 31), out));
  EXPECT_EQ(out, (std::array<std::uint8_t, 7>{0x31, 0x01, 0x22, 0x11, 0x05, 0x15, 0x20}));
}

}  // namespace
}  // namespace omni::protocol::cjt188
