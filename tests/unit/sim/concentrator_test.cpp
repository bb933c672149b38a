// The concentrator's daily collection over its local bus: success rates against the channel,
// values against the registers, catching up after a gap, and the archive.
#include "sim/concentrator/concentrator.hpp"

#include <gtest/gtest.h>

namespace omni::sim {
namespace {

UtcTime beijing(int y, int mo, int d, int h, int mi = 0) {
  return TimeZone::shanghai().from_local(*CivilTime::make(y, mo, d, h, mi));
}
std::int64_t day_of(int y, int mo, int d) { return days_from_civil(y, mo, d); }

class ConcentratorTest : public ::testing::Test {
 protected:
  ConcentratorTest()
      : city_(generate_city({404, 800})),
        model_(city_),
        book_(model_, interval_of(beijing(2026, 11, 1, 0))) {}

  Concentrator make(ChannelParams params) {
    LocalBus bus(city_, book_, Channel(ChannelType::PowerLineCarrier, params, 404, 1));
    Concentrator c(1, *MeterAddress::from_digits("110100000001"), std::move(bus));
    std::vector<ArchiveEntry> archive;
    for (const Meter& m : city_.meters) {
      if (m.iot) continue;
      archive.push_back({static_cast<std::uint16_t>(archive.size() + 1), m.address,
                         archive_protocol(m.protocol), m.id});
    }
    c.set_archive(std::move(archive));
    return c;
  }

  // Share of (meter, day) pairs collected for the days in [first, last].
  double success(const Concentrator& c, std::int64_t first, std::int64_t last) {
    int got = 0, total = 0;
    for (const auto& e : c.archive()) {
      for (std::int64_t d = first; d <= last; ++d) {
        ++total;
        got += c.frozen(e.serial, d).has_value();
      }
    }
    return static_cast<double>(got) / total;
  }

  City city_;
  ConsumptionModel model_;
  RegisterBook book_;
};

TEST_F(ConcentratorTest, CollectsEveryDayOverCarrierAndValuesAreTheMidnightRegisters) {
  Concentrator c = make(default_channel_params(ChannelType::PowerLineCarrier));
  for (int d = 20; d <= 24; ++d) c.advance_to(beijing(2026, 11, d, 7));
  // S-PERF-3: daily success over carrier > 99 %.
  EXPECT_GT(success(c, day_of(2026, 11, 21), day_of(2026, 11, 24)), 0.99);
  int checked = 0;
  for (const auto& e : c.archive()) {
    const Meter& m = city_.meters[e.meter];
    if (m.kind != EnergyKind::Electricity || m.protocol != MeterProtocol::Dlt645_2007 ||
        m.fault != MeterFault::None)
      continue;
    auto v = c.frozen(e.serial, day_of(2026, 11, 23));
    if (!v) continue;
    EXPECT_EQ(*v, book_.at(m.id, interval_of(beijing(2026, 11, 23, 0))).total() / 10 % 100'000'000)
        << m.address.to_string();
    ++checked;
  }
  EXPECT_GT(checked, 50);
}

TEST_F(ConcentratorTest, RetriesLiftABadChannel) {
  ChannelParams bad;
  bad.failure = 0.30;
  bad.late = 0.0;
  bad.outage_per_hour = 0.0;
  Concentrator c = make(bad);
  for (int d = 20; d <= 24; ++d) c.advance_to(beijing(2026, 11, d, 7));
  // Seven hourly rounds: a meter is missed only if every round fails (0.3^7 ≈ 0.02 %), DL/T 645
  // meters get two more days of back-fill.
  EXPECT_GT(success(c, day_of(2026, 11, 21), day_of(2026, 11, 24)), 0.995);
  EXPECT_GT(c.counters().attempts, c.counters().replies * 13 / 10) << "failures were retried";
}

TEST_F(ConcentratorTest, AfterTwoDaysOffItBackFillsFromTheMetersFreezes) {
  Concentrator c = make(default_channel_params(ChannelType::DedicatedLine));
  c.advance_to(beijing(2026, 11, 20, 7));
  c.advance_to(beijing(2026, 11, 23, 7));  // off on the 21st and 22nd
  int electric = 0, recovered = 0;
  for (const auto& e : c.archive()) {
    if (e.protocol != ArchiveProtocol::Dlt645_2007) continue;
    ++electric;
    recovered += c.frozen(e.serial, day_of(2026, 11, 21)).has_value() &&
                 c.frozen(e.serial, day_of(2026, 11, 22)).has_value();
  }
  EXPECT_GT(recovered, electric * 98 / 100) << "DL/T 645-2007 meters keep 62 daily freezes";
}

TEST_F(ConcentratorTest, ArchiveChangesByConfigurationSerial) {
  Concentrator c = make(default_channel_params(ChannelType::Fibre));
  std::size_t n = c.archive().size();
  const ArchiveEntry first = c.archive().front();
  EXPECT_EQ(c.find(first.serial)->address, first.address);
  EXPECT_EQ(c.find(first.address)->serial, first.serial);
  EXPECT_TRUE(c.remove(first.serial));
  EXPECT_FALSE(c.remove(first.serial));
  EXPECT_EQ(c.archive().size(), n - 1);
  c.upsert(first);
  EXPECT_EQ(c.archive().size(), n);
  EXPECT_EQ(c.find(first.serial)->meter, first.meter);
}

}  // namespace
}  // namespace omni::sim
