// The simulated DL/T 645 meter, spoken to with the real codec's master side, as a station
// would: every answer is checked against the consumption model it comes from.
#include "sim/meters/dlt645_meter.hpp"

#include <gtest/gtest.h>

#include <deque>

#include "protocol/dlt645/data_items.hpp"
#include "protocol/dlt645/messages.hpp"

namespace omni::sim {
namespace {

namespace d = protocol::dlt645;

UtcTime beijing(int y, int mo, int day, int h, int mi = 0, int s = 0) {
  return TimeZone::shanghai().from_local(*CivilTime::make(y, mo, day, h, mi, s));
}

class Dlt645MeterTest : public ::testing::Test {
 protected:
  Dlt645MeterTest()
      : city_(generate_city({77, 3000})),
        model_(city_),
        book_(model_, interval_of(beijing(2026, 10, 1, 0))),
        responder_(book_) {
    for (const Meter& m : city_.meters) {
      if (m.kind != EnergyKind::Electricity || m.master || m.fault != MeterFault::None) continue;
      if (m.protocol == MeterProtocol::Dlt645_2007 && !meter_ && city_.users[m.owner].labels == 0 &&
          city_.users[m.owner].industry == Industry::Residential) {
        meter_ = &m;
      }
      if (m.protocol == MeterProtocol::Dlt645_1997 && !old_) old_ = &m;
    }
  }

  // Sends a request frame through the wire codec and returns the parsed reply (or nothing).
  std::optional<d::Frame> ask(const Meter& m, const d::Frame& request, UtcTime now) {
    std::vector<std::uint8_t> wire;
    EXPECT_TRUE(d::encode_frame(request, wire, 4).has_value());
    auto decoded = d::decode_frame(wire);
    EXPECT_TRUE(decoded.has_value());
    auto reply = responder_.handle(m, state_, *decoded, now);
    if (!reply) return std::nullopt;
    wire.clear();
    EXPECT_TRUE(d::encode_frame(*reply, wire).has_value());
    auto back = d::decode_frame(wire);
    EXPECT_TRUE(back.has_value());
    return *back;
  }

  Quantity read_value(const Meter& m, std::uint32_t di, UtcTime now, std::size_t index = 0) {
    auto reply = ask(m, d::read_request(m.address, di), now);
    EXPECT_TRUE(reply.has_value());
    if (!reply) return {};
    kept_.push_back(*reply);
    auto parsed = d::parse_reply(kept_.back());
    EXPECT_TRUE(parsed.has_value());
    EXPECT_FALSE(parsed->error.has_value()) << std::hex << di;
    auto q = d::reply_quantity(*parsed, index);
    EXPECT_TRUE(q.has_value()) << std::hex << di;
    return q ? *q : Quantity{};
  }

  std::optional<d::ErrorWord> refusal(const Meter& m, const d::Frame& request, UtcTime now) {
    auto reply = ask(m, request, now);
    if (!reply) return std::nullopt;
    kept_.push_back(*reply);
    return d::parse_reply(kept_.back())->error;
  }

  City city_;
  ConsumptionModel model_;
  RegisterBook book_;
  Dlt645Responder responder_;
  Dlt645MeterState state_;
  const Meter* meter_ = nullptr;
  const Meter* old_ = nullptr;
  std::deque<d::Frame> kept_;
  const d::Password good_{0x02, {0x00, 0x00, 0x00}};
  const d::OperatorCode op_{1, 2, 3, 4};
};

TEST_F(Dlt645MeterTest, EnergyIsTheModelsRegister) {
  ASSERT_NE(meter_, nullptr);
  UtcTime t = beijing(2026, 11, 24, 20, 15);
  Registers r = book_.at(meter_->id, interval_of(t));
  Quantity total = read_value(*meter_, 0x00010000, t);
  EXPECT_EQ(total.mantissa(), r.total() / 10);
  EXPECT_EQ(total.unit(), Unit::kWh);
  // The block is total + tariffs 1..4, and the tariffs add up.
  std::int64_t tariffs = 0;
  for (std::size_t i = 1; i <= 4; ++i) tariffs += read_value(*meter_, 0x0001FF00, t, i).mantissa();
  EXPECT_NEAR(static_cast<double>(tariffs), static_cast<double>(total.mantissa()), 4.0);
  // Later reads never go down.
  Quantity later = read_value(*meter_, 0x00010000, beijing(2026, 11, 25, 8));
  EXPECT_GT(later.mantissa(), total.mantissa());
  // First previous settlement day: 00:00 on 1 November.
  Quantity settled = read_value(*meter_, 0x00010001, t);
  EXPECT_EQ(settled.mantissa(),
            book_.at(meter_->id, interval_of(beijing(2026, 11, 1, 0))).total() / 10);
}

TEST_F(Dlt645MeterTest, InstantaneousValuesAndFrozenDays) {
  UtcTime t = beijing(2026, 11, 24, 20, 15);
  Quantity v = read_value(*meter_, 0x02010100, t);
  EXPECT_GE(v.mantissa(), 2140);
  EXPECT_LE(v.mantissa(), 2270);
  Quantity p = read_value(*meter_, 0x02030000, t);
  EXPECT_EQ(p.mantissa(),
            model_.usage(*meter_, interval_of(t) - 1).metered * 40);  // Wh/15 min -> 0.0001 kW
  Quantity frozen = read_value(*meter_, 0x05060101, t);               // yesterday 00:00, total
  EXPECT_EQ(frozen.mantissa(),
            book_.at(meter_->id, interval_of(beijing(2026, 11, 24, 0))).total() / 10);
}

TEST_F(Dlt645MeterTest, RefusesWhatARealMeterRefuses) {
  UtcTime t = beijing(2026, 11, 24, 12);
  EXPECT_EQ(refusal(*meter_, d::read_request(meter_->address, 0x12345678), t)->bits,
            d::ErrorWord::kNoData);
  const std::uint8_t noon[3] = {0x00, 0x00, 0x12};
  d::Password wrong{0x02, {0x11, 0x11, 0x11}};
  EXPECT_EQ(
      refusal(*meter_, *d::write_request(meter_->address, 0x04000102, wrong, op_, noon), t)->bits,
      d::ErrorWord::kBadPassword);
  // Another meter's address: silence, as on a shared bus.
  auto other = *MeterAddress::from_digits("999999999998");
  EXPECT_FALSE(ask(*meter_, d::read_request(other, 0x00010000), t).has_value());
  // Wildcard read address: the real address comes back.
  auto reply = ask(*meter_, d::read_address_request(), t);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->address, meter_->address);
}

TEST_F(Dlt645MeterTest, ClockFollowsBroadcastAndWrites) {
  UtcTime t = beijing(2026, 11, 24, 12, 0, 0);
  // Broadcast two minutes ahead: accepted; an hour ahead: ignored (over the five-minute limit).
  ASSERT_FALSE(
      ask(*meter_, *d::broadcast_time_request(*CivilTime::make(2026, 11, 24, 12, 2, 0)), t));
  EXPECT_EQ(responder_.meter_clock(*meter_, state_, t).seconds - t.seconds, 120);
  (void)ask(*meter_, *d::broadcast_time_request(*CivilTime::make(2026, 11, 24, 13, 2, 0)), t);
  EXPECT_EQ(responder_.meter_clock(*meter_, state_, t).seconds - t.seconds, 120);
  // A password-protected write of the time sets it exactly.
  const std::uint8_t noon[3] = {0x00, 0x00, 0x12};
  EXPECT_FALSE(
      refusal(*meter_, *d::write_request(meter_->address, 0x04000102, good_, op_, noon), t));
  EXPECT_EQ(responder_.meter_clock(*meter_, state_, t).seconds, t.seconds);
}

TEST_F(Dlt645MeterTest, RemoteTripStopsTheRegisterAndCloseResumesIt) {
  UtcTime trip_at = beijing(2026, 11, 24, 18);
  auto deadline = *CivilTime::make(2026, 11, 24, 18, 30);
  EXPECT_FALSE(refusal(
      *meter_,
      *d::remote_control_request(meter_->address, good_, op_, d::ControlAction::Trip, deadline),
      trip_at));
  EXPECT_TRUE(state_.relay_open);
  Quantity at_trip = read_value(*meter_, 0x00010000, trip_at);
  Quantity later = read_value(*meter_, 0x00010000, beijing(2026, 11, 24, 22));
  EXPECT_EQ(later.mantissa(), at_trip.mantissa()) << "nothing metered while cut off";
  EXPECT_EQ(read_value(*meter_, 0x02030000, beijing(2026, 11, 24, 22)).mantissa(), 0);

  UtcTime close_at = beijing(2026, 11, 24, 22);
  EXPECT_FALSE(refusal(
      *meter_,
      *d::remote_control_request(meter_->address, good_, op_, d::ControlAction::ClosePermitted,
                                 *CivilTime::make(2026, 11, 24, 23)),
      close_at));
  Quantity after = read_value(*meter_, 0x00010000, close_at);
  EXPECT_EQ(after.mantissa(), at_trip.mantissa()) << "no jump when power returns";
  EXPECT_GT(read_value(*meter_, 0x00010000, beijing(2026, 11, 25, 8)).mantissa(), after.mantissa());

  // A command whose deadline has passed is refused (it could be a replay).
  auto stale = *CivilTime::make(2026, 11, 24, 21);
  EXPECT_TRUE(refusal(
      *meter_,
      *d::remote_control_request(meter_->address, good_, op_, d::ControlAction::Trip, stale),
      close_at));
  EXPECT_FALSE(state_.relay_open);
}

TEST_F(Dlt645MeterTest, OldMetersSpeak1997Only) {
  ASSERT_NE(old_, nullptr);
  UtcTime t = beijing(2026, 11, 24, 12);
  auto reply = ask(*old_, d::read_request_1997(old_->address, 0x9010), t);
  ASSERT_TRUE(reply.has_value());
  kept_.push_back(*reply);
  auto parsed = d::parse_reply(kept_.back());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(d::reply_quantity(*parsed)->mantissa(),
            book_.at(old_->id, interval_of(t)).total() / 10);
  EXPECT_FALSE(ask(*old_, d::read_request(old_->address, 0x00010000), t).has_value());
}

}  // namespace
}  // namespace omni::sim
