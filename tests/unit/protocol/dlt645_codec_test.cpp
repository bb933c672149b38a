// DL/T 645: every function built by one role and understood by the other; damaged frames;
// the data-identifier catalogue.

#include <gtest/gtest.h>

#include <deque>

#include "protocol/dlt645/data_items.hpp"
#include "protocol/dlt645/frame.hpp"
#include "protocol/dlt645/messages.hpp"
#include "support/hex.hpp"

namespace omni::protocol::dlt645 {
namespace {

using omni::testing::hex;
using Bytes = std::vector<std::uint8_t>;

MeterAddress addr(std::string_view digits) { return *MeterAddress::from_digits(digits); }
const MeterAddress kMeter = addr("201900001234");
const Password kPassword{0x02, {0x11, 0x22, 0x33}};
const OperatorCode kOperator{0x01, 0x02, 0x03, 0x04};

// Parsed messages point into their frame: frames that crossed the wire are kept here for the
// test's lifetime.
std::deque<Frame> received;

// Encodes, decodes and checks the frame survives unchanged.
const Frame& over_the_wire(const Frame& sent) {
  Bytes wire;
  EXPECT_TRUE(encode_frame(sent, wire, 4).has_value());
  auto back = decode_frame(wire);
  EXPECT_TRUE(back.has_value()) << (back ? "" : back.error().to_string());
  if (!back) return received.emplace_back();
  EXPECT_EQ(back->address, sent.address);
  EXPECT_EQ(back->control, sent.control);
  EXPECT_TRUE(std::ranges::equal(back->payload(), sent.payload()));
  return received.emplace_back(*back);
}

Request as_meter(const Frame& sent) {
  auto r = parse_request(over_the_wire(sent));
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().to_string());
  return r ? *r : Request{};
}

TEST(Dlt645RoundTrip, ReadAndFollowUp) {
  Request r = as_meter(read_request(kMeter, 0x0001FF00));
  EXPECT_EQ(r.function, 0x11);
  EXPECT_EQ(r.di, 0x0001FF00u);
  EXPECT_TRUE(r.value.empty());

  const std::uint8_t params[] = {0x01, 0x30, 0x12, 0x25, 0x11, 0x26};  // count + start time
  r = as_meter(*read_request(kMeter, 0x06010001, params));
  EXPECT_TRUE(std::ranges::equal(r.value, params));

  r = as_meter(read_follow_up_request(kMeter, 0x06010001, 3));
  EXPECT_EQ(r.function, 0x12);
  EXPECT_EQ(r.seq, 3);

  const std::uint8_t value[] = {0x10, 0x20, 0x30, 0x40};
  auto reply = parse_reply(over_the_wire(*read_follow_up_reply(kMeter, 0x06010001, value, 3, true)));
  ASSERT_TRUE(reply.has_value());
  EXPECT_TRUE(reply->more_follows);
  EXPECT_EQ(reply->seq, 3);
  EXPECT_EQ(reply->di, 0x06010001u);
  EXPECT_TRUE(std::ranges::equal(reply->data, value));

  reply = parse_reply(over_the_wire(*read_reply(kMeter, 0x0001FF00, value, true)));
  EXPECT_TRUE(reply->more_follows);
  EXPECT_FALSE(reply->seq.has_value());
}

TEST(Dlt645RoundTrip, ReadAddress) {
  Request r = as_meter(read_address_request());
  EXPECT_EQ(r.function, 0x13);
  auto reply = parse_reply(over_the_wire(read_address_reply(kMeter)));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->address, kMeter);
  auto text = MeterAddress::from_wire(reply->data, ByteOrder::LittleEndian);
  EXPECT_EQ(*text, kMeter);
}

TEST(Dlt645RoundTrip, WriteData) {
  const std::uint8_t value[] = {0x00, 0x30, 0x08};  // 08:30:00, time 04000102
  Request r = as_meter(*write_request(kMeter, 0x04000102, kPassword, kOperator, value));
  EXPECT_EQ(r.function, 0x14);
  EXPECT_EQ(r.di, 0x04000102u);
  EXPECT_EQ(r.password, kPassword);
  EXPECT_EQ(r.op, kOperator);
  EXPECT_TRUE(std::ranges::equal(r.value, value));
  auto ack = parse_reply(over_the_wire(*ack_reply(kMeter, 0x14)));
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->function, 0x14);
  EXPECT_TRUE(ack->data.empty());
  EXPECT_FALSE(ack->error.has_value());
}

TEST(Dlt645RoundTrip, WriteAddressFreezeBaudPassword) {
  Request r = as_meter(write_address_request(addr("000000009876")));
  EXPECT_EQ(r.function, 0x15);
  EXPECT_EQ(*MeterAddress::from_wire(r.value, ByteOrder::LittleEndian), addr("000000009876"));

  r = as_meter(freeze_request(kMeter, {0, 0, FreezeTime::kEvery, FreezeTime::kEvery}));
  EXPECT_EQ(r.function, 0x16);
  EXPECT_EQ(r.freeze, (FreezeTime{0, 0, 99, 99}));  // every day at 00:00

  r = as_meter(change_baud_request(kMeter, *baud_code(9600)));
  EXPECT_EQ(r.function, 0x17);
  EXPECT_EQ(*baud_from_code(r.baud), 9600u);
  EXPECT_FALSE(baud_code(1234).has_value());
  EXPECT_FALSE(baud_from_code(0x06).has_value());  // two rates at once

  Password fresh{0x04, {0x99, 0x88, 0x77}};
  r = as_meter(change_password_request(kMeter, 0x04000C04, kPassword, fresh));
  EXPECT_EQ(r.function, 0x18);
  EXPECT_EQ(r.di, 0x04000C04u);
  EXPECT_EQ(r.password, kPassword);
  EXPECT_EQ(r.new_password, fresh);
}

TEST(Dlt645RoundTrip, ClearCommands) {
  Request r = as_meter(clear_demand_request(kMeter, kPassword, kOperator));
  EXPECT_EQ(r.function, 0x19);
  EXPECT_EQ(r.op, kOperator);
  r = as_meter(clear_meter_request(kMeter, kPassword, kOperator));
  EXPECT_EQ(r.function, 0x1A);
  EXPECT_EQ(r.password, kPassword);
  r = as_meter(clear_events_request(kMeter, kPassword, kOperator, 0xFFFFFFFF));
  EXPECT_EQ(r.function, 0x1B);
  EXPECT_EQ(r.di, 0xFFFFFFFFu);
}

TEST(Dlt645RoundTrip, RemoteControlAndBroadcastTime) {
  auto deadline = *CivilTime::make(2026, 11, 25, 23, 59, 59);
  Request r = as_meter(
      *remote_control_request(kMeter, kPassword, kOperator, ControlAction::Trip, deadline));
  EXPECT_EQ(r.function, 0x1C);
  EXPECT_EQ(r.action, 0x1A);
  EXPECT_STREQ(control_action_name(r.action), "trip");
  EXPECT_EQ(control_action_name(0x55), nullptr);
  EXPECT_EQ(r.time, deadline);
  EXPECT_FALSE(remote_control_request(kMeter, kPassword, kOperator, ControlAction::Trip,
                                      *CivilTime::make(2100, 1, 1))
                   .has_value());

  auto now = *CivilTime::make(2026, 2, 28, 8, 0, 5);
  r = as_meter(*broadcast_time_request(now));
  EXPECT_EQ(r.function, 0x08);
  EXPECT_TRUE(r.address.is_broadcast());
  EXPECT_EQ(r.time, now);
}

TEST(Dlt645RoundTrip, AbnormalRepliesForEveryErrorBit) {
  for (int bit = 0; bit < 8; ++bit) {
    ErrorWord w{static_cast<std::uint8_t>(1u << bit)};
    auto reply = parse_reply(over_the_wire(error_reply(kMeter, 0x14, w)));
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->error, w);
    EXPECT_EQ(reply->function, 0x14);
  }
  EXPECT_EQ((ErrorWord{0x06}).names(), "no_data|bad_password");
  EXPECT_EQ((ErrorWord{0x04}).code(), ErrorCode::Unauthorized);
  EXPECT_EQ((ErrorWord{0x40}).code(), ErrorCode::OutOfRange);
  EXPECT_EQ((ErrorWord{0x80}).names(), "reserved");
  EXPECT_EQ((ErrorWord{0x00}).names(), "none");
}

TEST(Dlt645Addressing, WildcardAndBroadcast) {
  EXPECT_TRUE(addressed_to(kMeter, kMeter));
  EXPECT_FALSE(addressed_to(addr("201900001235"), kMeter));
  EXPECT_TRUE(addressed_to(broadcast_address(), kMeter));
  EXPECT_TRUE(addressed_to(wildcard_address(), kMeter));
  // Shortened address: the high bytes AA, the low bytes must match.
  EXPECT_TRUE(addressed_to(addr("AAAAAA001234"), kMeter));
  EXPECT_FALSE(addressed_to(addr("AAAAAA001299"), kMeter));
}

// --- Damaged frames --------------------------------------------------------------------------

const std::string kGood = "68 25 04 03 02 01 00 68 11 04 33 33 34 33 E1 16";

ErrorCode error_of(const Bytes& bytes) {
  auto f = decode_frame(bytes);
  EXPECT_FALSE(f.has_value());
  return f ? ErrorCode::Internal : f.error().code;
}

std::int64_t offset_of(const Bytes& bytes) {
  auto f = decode_frame(bytes);
  return f ? -2 : f.error().offset;
}

TEST(Dlt645BadInput, EachDamageHasItsError) {
  Bytes good = hex(kGood);
  ASSERT_TRUE(decode_frame(good).has_value());

  Bytes b = good;
  b[0] = 0x69;
  EXPECT_EQ(error_of(b), ErrorCode::Malformed);  // bad start
  EXPECT_EQ(offset_of(b), 0);
  b = good;
  b[7] = 0x00;
  EXPECT_EQ(error_of(b), ErrorCode::Malformed);  // second start byte
  b = good;
  b.back() = 0x17;
  EXPECT_EQ(error_of(b), ErrorCode::Malformed);  // wrong end byte
  EXPECT_EQ(offset_of(b), 15);
  b = good;
  b[14] ^= 0x01;
  EXPECT_EQ(error_of(b), ErrorCode::BadChecksum);
  EXPECT_EQ(offset_of(b), 14);
  b.insert(b.begin(), {0xFE, 0xFE});
  EXPECT_EQ(offset_of(b), 16) << "offsets count the preamble";
  b = good;
  b[9] = 0x05;
  EXPECT_EQ(error_of(b), ErrorCode::Malformed);  // length disagrees with the frame
  EXPECT_EQ(offset_of(b), 9);
  b = good;
  b.push_back(0x00);
  EXPECT_EQ(error_of(b), ErrorCode::Malformed);  // trailing byte
  for (std::size_t n = 0; n < good.size(); ++n) {  // every truncation
    EXPECT_FALSE(decode_frame(std::span(good).first(n)).has_value()) << n;
  }
  b = good;
  b[1] = 0x3C;  // address digit C: not BCD, not a wildcard
  b[14] = static_cast<std::uint8_t>(b[14] + 0x3C - 0x25);
  EXPECT_EQ(error_of(b), ErrorCode::Malformed);
  Bytes only_preamble(8, 0xFE);
  EXPECT_EQ(error_of(only_preamble), ErrorCode::Malformed);
}

TEST(Dlt645BadInput, MessagesTooShortForTheirFunction) {
  Frame f;
  f.address = kMeter;
  f.control = {false, false, false, 0x14};  // write with 3 bytes
  ASSERT_TRUE(f.append(std::vector<std::uint8_t>{1, 2, 3}).has_value());
  EXPECT_EQ(parse_request(f).error().code, ErrorCode::Malformed);
  f.control.function = 0x1E;  // not a DL/T 645 function
  EXPECT_EQ(parse_request(f).error().code, ErrorCode::Unsupported);
  f.control = {true, false, false, 0x11};  // read reply without a whole DI
  EXPECT_EQ(parse_reply(f).error().code, ErrorCode::Malformed);
  f.control = {true, true, false, 0x11};
  f.length = 0;  // abnormal reply without its error word
  EXPECT_EQ(parse_reply(f).error().code, ErrorCode::Malformed);
  EXPECT_EQ(parse_request(f).error().code, ErrorCode::Malformed);  // a reply is not a request
  Frame req = read_request(kMeter, 0x00010000);
  EXPECT_EQ(parse_reply(req).error().code, ErrorCode::Malformed);  // nor the other way round

  // Broadcast time with 30 February.
  Frame t;
  t.address = broadcast_address();
  t.control.function = 0x08;
  ASSERT_TRUE(t.append(std::vector<std::uint8_t>{0x00, 0x00, 0x12, 0x30, 0x02, 0x26}).has_value());
  EXPECT_EQ(parse_request(t).error().code, ErrorCode::Malformed);
}

TEST(Dlt645BadInput, DataFieldLimit) {
  Bytes big(252, 0x00);
  EXPECT_FALSE(read_reply(kMeter, 0x00010000, big).has_value());  // 4 + 252 > 255
  Bytes fits(251, 0x00);
  auto f = read_reply(kMeter, 0x00010000, fits);
  ASSERT_TRUE(f.has_value());
  Bytes wire;
  ASSERT_TRUE(encode_frame(*f, wire).has_value());
  EXPECT_EQ(wire.size(), 12u + 255u);
  EXPECT_TRUE(decode_frame(wire).has_value());
}

// --- Catalogue --------------------------------------------------------------------------------

TEST(Dlt645Catalogue, RowsCoverTariffsAndSettlementDays) {
  const DataItem* item = find_item(0x00010203);  // forward active, tariff 2, 3rd settlement day
  ASSERT_NE(item, nullptr);
  EXPECT_EQ(item->unit, Unit::kWh);
  EXPECT_EQ(item->decimals, 2);
  EXPECT_EQ(find_item(0x00010500), nullptr);  // tariff 5 is not catalogued
  EXPECT_EQ(find_item(0x0001000D), nullptr);  // there are 12 settlement days
  EXPECT_EQ(find_item(0x12345678), nullptr);
  EXPECT_EQ(find_item(0x0001FF00)->count, 5);
  EXPECT_EQ(find_item(0x02020300)->unit, Unit::A);
  EXPECT_EQ(find_item(0x05060101)->count, 5);
  ASSERT_NE(find_item_1997(0x9012), nullptr);
  EXPECT_EQ(find_item_1997(0x9015), nullptr);
  for (const auto& row : catalogue()) {
    EXPECT_EQ(find_item(row.di), &row) << row.name;  // no row hides another
  }
}

TEST(Dlt645Catalogue, SignedValuesBlocksAndMissingPhases) {
  // Combined active energy -12.34 kWh: sign in the top bit of the most significant byte.
  const Bytes negative = {0x34, 0x12, 0x00, 0x80};
  EXPECT_EQ(decode_quantity(*find_item(0x00000000), negative)->to_string(), "-12.34 kWh");
  std::uint8_t out[4];
  ASSERT_TRUE(encode_quantity(*find_item(0x00000000), *Quantity::parse("-12.34", Unit::kWh), out)
                  .has_value());
  EXPECT_TRUE(std::ranges::equal(out, negative));
  // Forward energy cannot be negative.
  EXPECT_FALSE(
      encode_quantity(*find_item(0x00010000), *Quantity::parse("-1", Unit::kWh), out).has_value());
  // Wrong unit for the item.
  EXPECT_EQ(encode_quantity(*find_item(0x00010000), *Quantity::parse("1", Unit::V), out)
                .error()
                .code,
            ErrorCode::Unsupported);

  // Voltage block from a single-phase meter: B and C absent as FF FF.
  const Bytes block = {0x56, 0x22, 0xFF, 0xFF, 0xFF, 0xFF};
  const DataItem& voltages = *find_item(0x0201FF00);
  EXPECT_EQ(decode_quantity(voltages, block, 0)->to_string(), "225.6 V");
  EXPECT_EQ(decode_quantity(voltages, block, 1).error().code, ErrorCode::OutOfRange);
  EXPECT_EQ(decode_quantity(voltages, block, 3).error().code, ErrorCode::OutOfRange);  // 3 values
  EXPECT_EQ(decode_quantity(voltages, std::span(block).first(3), 1).error().code,
            ErrorCode::Malformed);  // too short
}

TEST(Dlt645Catalogue, DemandWithTimeDatesAndDigits) {
  // 12.3456 kW at 2026-11-24 13:45.
  const Bytes demand = {0x56, 0x34, 0x12, 0x45, 0x13, 0x24, 0x11, 0x26};
  const DataItem& item = *find_item(0x01010000);
  EXPECT_EQ(decode_quantity(item, demand)->to_string(), "12.3456 kW");
  EXPECT_EQ(*decode_civil_time(item, demand), *CivilTime::make(2026, 11, 24, 13, 45));

  const DataItem& time = *find_item(0x04000102);
  std::uint8_t t[3];
  ASSERT_TRUE(encode_civil_time(time, *CivilTime::make(2000, 1, 1, 23, 5, 9), t).has_value());
  EXPECT_EQ(t[0], 0x09);
  EXPECT_EQ(t[2], 0x23);
  EXPECT_EQ(decode_civil_time(time, t)->hour, 23);

  const DataItem& date = *find_item(0x04000101);
  std::uint8_t d[4];
  ASSERT_TRUE(encode_civil_time(date, *CivilTime::make(2026, 11, 22), d).has_value());
  EXPECT_EQ(d[0], 0x00);  // 2026-11-22 is a Sunday
  const Bytes bad_date = {0x01, 0x31, 0x02, 0x26};  // 31 February
  EXPECT_EQ(decode_civil_time(date, bad_date).error().code, ErrorCode::OutOfRange);

  const Bytes number = {0x34, 0x12, 0x00, 0x00, 0x19, 0x20};
  EXPECT_EQ(*decode_digits(*find_item(0x04000402), number), "201900001234");
  EXPECT_EQ(decode_quantity(*find_item(0x04000402), number).error().code, ErrorCode::Unsupported);
}

}  // namespace
}  // namespace omni::protocol::dlt645
