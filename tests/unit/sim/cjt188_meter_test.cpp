// The simulated CJ/T 188 meters (water, gas, heat), spoken to with the real codec's master side.
#include "sim/meters/cjt188_meter.hpp"

#include <gtest/gtest.h>

#include <deque>

#include "protocol/cjt188/messages.hpp"

namespace omni::sim {
namespace {

namespace c = protocol::cjt188;

UtcTime beijing(int y, int mo, int d, int h, int mi = 0) {
  return TimeZone::shanghai().from_local(*CivilTime::make(y, mo, d, h, mi));
}

class Cjt188MeterTest : public ::testing::Test {
 protected:
  Cjt188MeterTest()
      : city_(generate_city({31, 6000})),
        model_(city_),
        book_(model_, interval_of(beijing(2026, 9, 1, 0))),
        responder_(book_) {}

  const Meter* find(EnergyKind kind) {
    for (const Meter& m : city_.meters) {
      if (m.kind == kind && !m.master && m.fault == MeterFault::None &&
          city_.users[m.owner].labels == 0) {
        return &m;
      }
    }
    return nullptr;
  }

  // Through the wire codec both ways; the reply frame is kept for the caller.
  const c::Frame* ask(const Meter& m, const c::Frame& request, UtcTime now, Cjt188MeterState& st) {
    std::vector<std::uint8_t> wire;
    EXPECT_TRUE(c::encode_frame(request, wire, 2).has_value());
    auto decoded = c::decode_frame(wire);
    EXPECT_TRUE(decoded.has_value());
    auto reply = responder_.handle(m, st, *decoded, now);
    if (!reply) return nullptr;
    wire.clear();
    EXPECT_TRUE(c::encode_frame(*reply, wire).has_value());
    auto back = c::decode_frame(wire);
    EXPECT_TRUE(back.has_value());
    kept_.push_back(*back);
    return &kept_.back();
  }

  City city_;
  ConsumptionModel model_;
  RegisterBook book_;
  Cjt188Responder responder_;
  std::deque<c::Frame> kept_;
};

TEST_F(Cjt188MeterTest, WaterMeterReportsTheModelsVolume) {
  const Meter* water = find(EnergyKind::Water);
  ASSERT_NE(water, nullptr);
  Cjt188MeterState st;
  UtcTime t = beijing(2026, 11, 24, 21);
  const c::Frame* reply = ask(
      *water, c::make_read_data(cjt188_type(*water), water->address, c::kDiMeterData, 7), t, st);
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->ser, 7);
  auto data = c::parse_meter_data(*reply);
  ASSERT_TRUE(data.has_value()) << data.error().to_string();
  const auto& w = std::get<c::WaterGasData>(*data);
  EXPECT_EQ(w.current.value->mantissa(), book_.at(water->id, interval_of(t)).total() / 10);
  EXPECT_EQ(w.current.value->unit(), Unit::m3);
  EXPECT_EQ(w.settlement.value->mantissa(),
            book_.at(water->id, interval_of(beijing(2026, 11, 1, 0))).total() / 10);
  EXPECT_EQ(*w.meter_time, TimeZone::shanghai().to_local(t));
  EXPECT_EQ(w.status.valve, c::ValveState::Open);
}

TEST_F(Cjt188MeterTest, ValveCloseStopsTheFlowAndOpenResumesWithoutAJump) {
  const Meter* water = find(EnergyKind::Water);
  Cjt188MeterState st;
  auto type = cjt188_type(*water);
  auto read = [&](UtcTime t) {
    const c::Frame* r =
        ask(*water, c::make_read_data(type, water->address, c::kDiMeterData, 1), t, st);
    return std::get<c::WaterGasData>(*c::parse_meter_data(*r)).current.value->mantissa();
  };
  UtcTime shut = beijing(2026, 11, 24, 6);
  const c::Frame* ack =
      ask(*water, c::make_valve_control(type, water->address, c::ValveCommand::Close, 2), shut, st);
  ASSERT_NE(ack, nullptr);
  auto parsed = c::parse_write_ack(*ack);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->status->valve, c::ValveState::Closed);
  std::int64_t at_shut = read(shut);
  EXPECT_EQ(read(beijing(2026, 11, 24, 20)), at_shut);
  UtcTime reopen = beijing(2026, 11, 24, 20);
  ASSERT_NE(ask(*water, c::make_valve_control(type, water->address, c::ValveCommand::Open, 3),
                reopen, st),
            nullptr);
  EXPECT_EQ(read(reopen), at_shut);
  EXPECT_GT(read(beijing(2026, 11, 25, 21)), at_shut);
}

TEST_F(Cjt188MeterTest, HeatMeterInTheHeatingSeason) {
  const Meter* heat = find(EnergyKind::Heat);
  ASSERT_NE(heat, nullptr);
  Cjt188MeterState st;
  UtcTime t = beijing(2026, 12, 10, 3);
  const c::Frame* reply =
      ask(*heat, c::make_read_data(cjt188_type(*heat), heat->address, c::kDiMeterData, 9), t, st);
  ASSERT_NE(reply, nullptr);
  auto data = c::parse_meter_data(*reply);
  ASSERT_TRUE(data.has_value()) << data.error().to_string();
  const auto& h = std::get<c::HeatData>(*data);
  EXPECT_EQ(h.current_heat.value->unit(), Unit::kWh);
  EXPECT_GT(h.current_heat.value->mantissa(), h.settlement_heat.value->mantissa());
  EXPECT_GT(h.power.value->mantissa(), 0) << "a December night draws heat";
  EXPECT_GT(h.supply_temperature->mantissa(), h.return_temperature->mantissa());
}

TEST_F(Cjt188MeterTest, SubstationHeatMetersCountMegawattHours) {
  for (const Meter& m : city_.meters) {
    if (m.kind != EnergyKind::Heat || !m.master) continue;
    Cjt188MeterState st;
    UtcTime t = beijing(2027, 1, 15, 3);
    const c::Frame* reply = ask(m, c::make_read_data(cjt188_type(m), m.address, c::kDiMeterData, 1), t, st);
    ASSERT_NE(reply, nullptr);
    ASSERT_FALSE(reply->control.abnormal);
    auto data = c::parse_meter_data(*reply);
    ASSERT_TRUE(data.has_value());
    const auto& h = std::get<c::HeatData>(*data);
    EXPECT_EQ(h.current_heat.value->unit(), Unit::MWh);
    EXPECT_EQ(h.current_heat.value->mantissa(), book_.at(m.id, interval_of(t)).total() / 10'000 % 100'000'000);
    return;
  }
  GTEST_FAIL() << "no substation heat meter in the city";
}

TEST_F(Cjt188MeterTest, AddressHistoryTimeAndRefusals) {
  const Meter* gas = find(EnergyKind::Gas);
  ASSERT_NE(gas, nullptr);
  Cjt188MeterState st;
  UtcTime t = beijing(2026, 11, 24, 12);
  auto type = cjt188_type(*gas);
  const c::Frame* addr = ask(*gas, c::make_read_address(type, 4), t, st);
  ASSERT_NE(addr, nullptr);
  EXPECT_EQ(c::parse_address(*addr)->address, gas->address);

  const c::Frame* hist =
      ask(*gas, c::make_read_data(type, gas->address, c::kDiHistoryFirst + 1, 5), t, st);
  ASSERT_NE(hist, nullptr);
  EXPECT_EQ(c::parse_history(*hist)->value.value->mantissa(),
            book_.at(gas->id, interval_of(beijing(2026, 10, 1, 0))).total() / 10);

  auto later = *CivilTime::make(2026, 11, 24, 12, 10);
  ASSERT_NE(ask(*gas, *c::make_write_time(type, gas->address, later, 6), t, st), nullptr);
  EXPECT_EQ(st.clock_offset_s, 600);

  const c::Frame* refused = ask(
      *gas,
      *c::make_write_address(type, gas->address, *MeterAddress::from_digits("33000000000001"), 8),
      t, st);
  ASSERT_NE(refused, nullptr);
  EXPECT_TRUE(refused->control.abnormal) << "write address is factory-locked in service";

  // Another meter's address: no answer.
  EXPECT_EQ(
      ask(*gas,
          c::make_read_data(type, *MeterAddress::from_digits("33009999999999"), c::kDiMeterData, 1),
          t, st),
      nullptr);
}

}  // namespace
}  // namespace omni::sim
