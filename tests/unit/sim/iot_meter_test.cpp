#include <gtest/gtest.h>

#include <deque>

#include "protocol/dlt698/objects.hpp"
#include "sim/meters/iot_meter.hpp"

namespace omni::sim {
namespace {

namespace p = protocol::dlt698;
using Bytes = std::vector<std::uint8_t>;

TEST(IotMeter698, AnswersEnergyAndInstantaneousValuesFromTheModel) {
  City city = generate_city({88, 4000});
  ConsumptionModel model(city);
  UtcTime now = TimeZone::shanghai().from_local(*CivilTime::make(2026, 11, 25, 19, 40));
  RegisterBook book(model, interval_of(now) - 30 * kIntervalsPerDay);
  const Meter* iot = nullptr;
  for (const Meter& m : city.meters) {
    if (m.iot && m.protocol == MeterProtocol::Dlt698) iot = &m;
  }
  ASSERT_NE(iot, nullptr) << "2 % of user meters are IoT meters";
  IotMeter698 meter(*iot, book);

  const std::uint32_t oads[] = {0x00100200, 0x20000201, 0x20040200, 0x40010200};
  std::vector<p::Oad> list;
  for (auto o : oads) list.push_back(p::Oad::from_u32(o));
  Bytes apdu;
  p::encode_get_request_normal_list(4, list, apdu);
  p::Frame f;
  f.server_address = iot->address;
  f.apdu = apdu;
  Bytes wire;
  ASSERT_TRUE(p::encode_frame(f, wire).has_value());
  auto replies = meter.handle(wire, now);
  ASSERT_EQ(replies.size(), 1u);
  Bytes scratch(replies[0].size());
  auto reply = p::decode_frame(replies[0], scratch);
  ASSERT_TRUE(reply.has_value());
  auto get = p::decode_get_response(reply->apdu);
  ASSERT_TRUE(get.has_value());
  ASSERT_EQ(get->results.count, 4u);
  p::Reader r(get->results.items);

  auto energy = p::read_result_normal(r);
  std::array<std::optional<Quantity>, 8> q;
  ASSERT_EQ(*p::decode_quantities(energy->oad, energy->result.data, q), 5u);
  Registers regs = book.at(iot->id, interval_of(now));
  EXPECT_EQ(q[0]->mantissa(), regs.total() / 10);
  EXPECT_EQ(q[0]->unit(), Unit::kWh);
  EXPECT_EQ(q[1]->mantissa(), regs.by_tariff[0] / 10);

  auto voltage = p::read_result_normal(r);  // element 1 only: phase A
  EXPECT_EQ(voltage->result.data.type, p::DataType::LongUnsigned);
  EXPECT_GE(*voltage->result.data.as_int(), 2140);

  auto power = p::read_result_normal(r);
  ASSERT_EQ(*p::decode_quantities(power->oad, power->result.data, q), 4u);
  EXPECT_EQ(q[0]->mantissa(), model.usage(*iot, interval_of(now) - 1).metered * 40) << "0.1 W";
  EXPECT_FALSE(q[2].has_value()) << "phase B absent";

  auto address = p::read_result_normal(r);
  EXPECT_TRUE(std::ranges::equal(*address->result.data.as_bytes(), iot->address.bytes()));
}

}  // namespace
}  // namespace omni::sim
