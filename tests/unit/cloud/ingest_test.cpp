// Ingest rules of the data centre on both back ends: batch identity, idempotent readings,
// corrections, unknown codes, falling registers, suspect values, late readings, multipliers,
// units and standard coal, device replacement, month boundaries, reclassification, and two
// instances writing to one database.
#include <gtest/gtest.h>

#include "cloud_fixture.hpp"

namespace omni::cloud::testing {
namespace {

class IngestTest : public DataCentreTest {};

constexpr std::int64_t kKwh = 1'000'000;  // one reporting unit at kUsageScale
const std::int64_t D = day_of(2025, 3, 10);
const BaseCode P = code(3, 12, 21, 301);

Batch with_meter(const BaseCode& c = P, std::string_view address = "000000000001") {
  Batch b;
  b.meters = {meter(c, address)};
  return b;
}

std::int64_t point_day(DataCentreTest& t, std::int64_t day) {
  return point_usage(*t.dc_, P, day);
}
std::int64_t point_month(DataCentreTest& t, int month, bool intervals = false) {
  return point_usage(*t.dc_, P, month, Granularity::Month, intervals);
}

TEST_P(IngestTest, BatchesAreAcceptedOnceAndConflictsChangeNothing) {
  Batch b = with_meter();
  b.station = "st1";
  b.sequence = 1;
  b.readings = {reading(P, midnight(D), 10000), reading(P, midnight(D + 1), 11000)};
  auto first = dc_->ingest(b, "aaa", {1'800'000'000});
  ASSERT_TRUE(first.has_value()) << first.error().to_string();
  EXPECT_EQ(first->status, IngestStatus::Accepted);
  EXPECT_EQ(first->meters_new, 1);
  EXPECT_EQ(first->readings_new, 2);

  auto again = dc_->ingest(b, "aaa", {1'800'000'100});
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->status, IngestStatus::Duplicate);
  EXPECT_EQ(again->recorded_digest, "aaa");
  EXPECT_EQ(again->readings_new, 0);

  Batch other = b;
  other.readings[1] = reading(P, midnight(D + 1), 99999);
  auto conflict = dc_->ingest(other, "bbb", {1'800'000'200});
  ASSERT_TRUE(conflict.has_value());
  EXPECT_EQ(conflict->status, IngestStatus::Conflict);
  EXPECT_EQ(conflict->recorded_digest, "aaa");
  EXPECT_EQ(value("SELECT COUNT(*) FROM reading"), 2);
  EXPECT_EQ(value("SELECT mantissa FROM reading WHERE at = $1", {midnight(D + 1).seconds}), 11000);
  EXPECT_EQ(value("SELECT COUNT(*) FROM cloud_batch"), 1);
  EXPECT_EQ(value("SELECT received_at FROM cloud_batch"), 1'800'000'000);
  EXPECT_EQ(point_day(*this, D), 10 * kKwh);

  // The same readings under a new sequence number: accepted, and nothing changes.
  b.sequence = 2;
  auto resent = dc_->ingest(b, "ccc", {1'800'000'300});
  ASSERT_TRUE(resent.has_value());
  EXPECT_EQ(resent->status, IngestStatus::Accepted);
  EXPECT_EQ(resent->readings_new, 0);
  EXPECT_EQ(resent->readings_same, 2);
  EXPECT_EQ(resent->meters_new + resent->meters_changed, 0);
  EXPECT_EQ(point_day(*this, D), 10 * kKwh);
  EXPECT_EQ(point_month(*this, 202503, true), 1);
}

TEST_P(IngestTest, CorrectedValuesReplaceAndRederiveBothNeighbours) {
  Batch b = with_meter();
  b.readings = {reading(P, midnight(D), 10000), reading(P, midnight(D + 1), 11000),
                reading(P, midnight(D + 2), 12500)};
  send(b);
  EXPECT_EQ(point_day(*this, D), 10 * kKwh);
  EXPECT_EQ(point_day(*this, D + 1), 15 * kKwh);

  Batch fix;
  fix.readings = {reading(P, midnight(D + 1), 11200)};
  auto out = send(fix);
  EXPECT_EQ(out.readings_changed, 1);
  EXPECT_EQ(out.rederived_points, 1);
  EXPECT_EQ(point_day(*this, D), 12 * kKwh);
  EXPECT_EQ(point_day(*this, D + 1), 13 * kKwh);
  EXPECT_EQ(value("SELECT changes FROM reading WHERE at = $1", {midnight(D + 1).seconds}), 1);
  EXPECT_EQ(point_month(*this, 202503), 25 * kKwh);
  EXPECT_EQ(point_month(*this, 202503, true), 2);
  // Community, street, district and city rows, with and without the classification.
  for (std::int64_t region : {110105003012LL, 110105003LL, 110105LL, 0LL}) {
    EXPECT_EQ(value("SELECT usage FROM region_day WHERE day = $1 AND region = $2 AND "
                    "customer = 2 AND industry = '*' AND energy = 1",
                    {D, region}),
              12 * kKwh)
        << region;
  }
  EXPECT_EQ(value("SELECT points FROM region_day WHERE day = $1 AND region = 0 AND "
                  "customer = 0 AND industry = ' '",
                  {D + 1}),
            1);

  auto same = send(fix);
  EXPECT_EQ(same.readings_same, 1);
  EXPECT_EQ(same.readings_changed, 0);
  EXPECT_EQ(value("SELECT changes FROM reading WHERE at = $1", {midnight(D + 1).seconds}), 1);
}

TEST_P(IngestTest, UnknownCodesAreCountedNotStored) {
  Batch b;
  b.readings = {reading(P, midnight(D), 10000), reading(P, midnight(D + 1), 10100)};
  auto out = send(b);
  EXPECT_EQ(out.readings_unknown, 2);
  EXPECT_EQ(out.readings_new, 0);
  EXPECT_EQ(value("SELECT COUNT(*) FROM reading"), 0);
  EXPECT_EQ(value("SELECT COUNT(*) FROM point"), 0);
  EXPECT_EQ(value("SELECT readings_unknown FROM cloud_batch"), 2);
  // Once the archive knows the point, the same readings are taken.
  send(with_meter());
  auto later = send(b);
  EXPECT_EQ(later.readings_unknown, 0);
  EXPECT_EQ(later.readings_new, 2);
  EXPECT_EQ(point_day(*this, D), kKwh);
}

TEST_P(IngestTest, FallingRegistersAndSuspectValuesProduceNoUsage) {
  Batch b = with_meter();
  b.readings = {reading(P, midnight(D), 10000), reading(P, midnight(D + 1), 9000),
                reading(P, midnight(D + 2), 50000, Unit::kWh, Quality::Suspect),
                reading(P, midnight(D + 3), 9500)};
  auto out = send(b);
  EXPECT_EQ(out.readings_new, 4);
  EXPECT_EQ(out.went_backwards, 1);
  EXPECT_EQ(out.readings_suspect, 1);
  EXPECT_EQ(point_day(*this, D), -1);
  // The suspect value is skipped: the next interval runs from D+1 to D+3, booked on D+1.
  EXPECT_EQ(point_day(*this, D + 1), 5 * kKwh);
  EXPECT_EQ(point_month(*this, 202503, true), 1);
  EXPECT_EQ(value("SELECT prev_at FROM reading WHERE at = $1", {midnight(D + 3).seconds}),
            midnight(D + 1).seconds);
  EXPECT_EQ(value("SELECT flag FROM reading WHERE at = $1", {midnight(D + 1).seconds}), 2);
  EXPECT_EQ(value("SELECT quality FROM reading WHERE at = $1", {midnight(D + 2).seconds}), 3);
  // A register in a unit of another dimension is stored and treated as unusable too.
  Batch wrong;
  wrong.readings = {reading(P, midnight(D + 4), 9600, Unit::m3)};
  EXPECT_EQ(send(wrong).readings_suspect, 1);
  EXPECT_EQ(point_month(*this, 202503, true), 1);
  // Replacing the suspect value by a measured one puts it back in the chain.
  Batch fixed;
  fixed.readings = {reading(P, midnight(D + 2), 9200)};
  auto f = send(fixed);
  EXPECT_EQ(f.readings_changed, 1);
  EXPECT_EQ(point_day(*this, D + 1), 2 * kKwh);
  EXPECT_EQ(point_day(*this, D + 2), 3 * kKwh);
}

TEST_P(IngestTest, LateReadingsSplitIntervalsAndMoveCounts) {
  Batch b = with_meter();
  b.readings = {reading(P, midnight(D), 10000), reading(P, midnight(D + 2), 12000)};
  send(b);
  EXPECT_EQ(point_day(*this, D), 20 * kKwh) << "a gap is booked on the day it starts";
  auto points_on = [&](std::int64_t day) {
    return value("SELECT points FROM region_day WHERE day = $1 AND region = 110105003012 AND "
                 "customer = 2 AND industry = '*'",
                 {day});
  };
  EXPECT_EQ(points_on(D + 1), -1);  // no row

  Batch late;
  late.readings = {reading(P, midnight(D + 1), 10500)};
  auto out = send(late);
  EXPECT_EQ(out.readings_new, 1);
  EXPECT_EQ(out.rederived_points, 1);
  EXPECT_EQ(point_day(*this, D), 5 * kKwh);
  EXPECT_EQ(point_day(*this, D + 1), 15 * kKwh);
  EXPECT_EQ(points_on(D + 1), 1);
  EXPECT_EQ(point_month(*this, 202503, true), 2);

  // Earlier than everything stored: a new first interval.
  Batch earliest;
  earliest.readings = {reading(P, midnight(D - 1), 9000)};
  send(earliest);
  EXPECT_EQ(point_day(*this, D - 1), 10 * kKwh);
  EXPECT_EQ(point_month(*this, 202503), 30 * kKwh);
  // And an in-order reading after that still finds the chain end.
  Batch next;
  next.readings = {reading(P, midnight(D + 3), 12100)};
  send(next);
  EXPECT_EQ(point_day(*this, D + 2), kKwh);

  auto before = snapshot(*db_);
  ASSERT_TRUE(dc_->rebuild_rollups().has_value());
  EXPECT_TRUE(same_rows(before, snapshot(*db_)));
}

TEST_P(IngestTest, MultipliersUnitsAndStandardCoal) {
  MeterRecord ct = meter(P, "000000000001");
  ct.multiplier = 40;
  BaseCode heat = code(3, 12, 21, 302, EnergyKind::Heat);
  BaseCode heat_kwh = code(3, 12, 21, 303, EnergyKind::Heat);
  BaseCode water = code(3, 12, 21, 301, EnergyKind::Water);
  BaseCode gas = code(3, 12, 21, 301, EnergyKind::Gas);
  Batch b;
  b.meters = {ct, meter(heat, "00000000000002"), meter(heat_kwh, "00000000000003"),
              meter(water, "00000000000004"), meter(gas, "00000000000005")};
  b.readings = {reading(P, midnight(D), 10000),          reading(P, midnight(D + 1), 10050),
                reading(heat, midnight(D), 100, Unit::GJ), reading(heat, midnight(D + 1), 200, Unit::GJ),
                reading(heat_kwh, midnight(D), 10000, Unit::kWh),
                reading(heat_kwh, midnight(D + 1), 20000, Unit::kWh),
                reading(water, midnight(D), 100, Unit::m3), reading(water, midnight(D + 1), 200, Unit::m3),
                reading(gas, midnight(D), 100, Unit::m3),   reading(gas, midnight(D + 1), 200, Unit::m3)};
  send(b);
  auto usage = [&](int energy) {
    return value("SELECT usage FROM region_day WHERE region = 0 AND energy = $1 AND "
                 "customer = 2 AND industry = '*'",
                 {energy});
  };
  auto kgce = [&](int energy) {
    return value("SELECT kgce FROM region_day WHERE region = 0 AND energy = $1 AND "
                 "customer = 2 AND industry = '*'",
                 {energy});
  };
  EXPECT_EQ(usage(1), 20 * kKwh);     // 0.50 kWh × 40
  EXPECT_EQ(kgce(1), 2'458'000);      // 20 kWh × 0.1229 kgce/kWh
  EXPECT_EQ(usage(4), 1'360'000);     // 1.00 GJ + 100 kWh (0.36 GJ)
  EXPECT_EQ(kgce(4), 34'120'000 + 12'283'200);
  EXPECT_EQ(usage(2), kKwh);          // 1 m³ of water
  EXPECT_EQ(kgce(2), 85'700);         // 0.0857 kgce/t
  EXPECT_EQ(usage(3), kKwh);
  EXPECT_EQ(kgce(3), 1'214'300);      // 1.2143 kgce/m³
}

TEST_P(IngestTest, IntervalsAcrossADeviceReplacementYieldNothing) {
  Batch b;
  b.meters = {meter(P, "000000000001", midnight(D - 10))};
  b.readings = {reading(P, midnight(D), 50000), reading(P, midnight(D + 1), 51000)};
  send(b);
  // The new device's first values arrive before the archive knows of it: a falling register.
  Batch early;
  early.readings = {reading(P, midnight(D + 2), 100), reading(P, midnight(D + 3), 600)};
  auto out = send(early);
  EXPECT_EQ(out.went_backwards, 1);
  EXPECT_EQ(point_day(*this, D + 2), 5 * kKwh);
  // The replacement (installed 01:00 Beijing on D+1): the interval D+1 → D+2 spans it.
  Batch swap;
  swap.meters = {meter(P, "000000000099", midnight(D + 1) + 3600)};
  auto s = send(swap);
  EXPECT_EQ(s.meters_changed, 1);
  EXPECT_EQ(s.across_replacement, 1);
  EXPECT_EQ(value("SELECT flag FROM reading WHERE at = $1", {midnight(D + 2).seconds}), 3);
  EXPECT_EQ(point_day(*this, D + 1), -1);
  EXPECT_EQ(point_day(*this, D), 10 * kKwh);
  EXPECT_EQ(point_day(*this, D + 2), 5 * kKwh);
  EXPECT_EQ(value("SELECT COUNT(*) FROM point_version"), 2);
  // Resending the same archive record changes nothing.
  EXPECT_EQ(send(swap).meters_changed, 0);

  auto before = snapshot(*db_);
  ASSERT_TRUE(dc_->rebuild_rollups().has_value());
  EXPECT_TRUE(same_rows(before, snapshot(*db_)));
}

TEST_P(IngestTest, TheLastDayOfAMonthBelongsToThatMonth) {
  std::int64_t last = day_of(2025, 3, 31);
  Batch b = with_meter();
  b.readings = {reading(P, midnight(last), 10000), reading(P, midnight(last + 1), 10700),
                reading(P, midnight(last + 2), 10900)};
  send(b);
  EXPECT_EQ(point_month(*this, 202503), 7 * kKwh);
  EXPECT_EQ(point_month(*this, 202504), 2 * kKwh);
  EXPECT_EQ(value("SELECT usage FROM region_month WHERE month = 202504 AND region = 110105 AND "
                  "customer = 2 AND industry = '*'"),
            2 * kKwh);
}

TEST_P(IngestTest, SupplyMetersCollectTheirChildrenForLosses) {
  BaseCode supply = code(3, 12, 21, 0);
  BaseCode a = code(3, 12, 21, 301), c = code(3, 12, 21, 302);
  MeterRecord ma = meter(a, "000000000001"), mc = meter(c, "000000000002");
  ma.parent = supply;
  mc.parent = supply;
  Batch b;
  b.meters = {meter(supply, "000000000003"), ma, mc};
  b.readings = {reading(supply, midnight(D), 100000), reading(supply, midnight(D + 1), 103000),
                reading(a, midnight(D), 1000),        reading(a, midnight(D + 1), 2200),
                reading(c, midnight(D), 5000),        reading(c, midnight(D + 1), 6500)};
  send(b);
  EXPECT_EQ(value("SELECT usage FROM supply_day WHERE day = $1", {D}), 30 * kKwh);
  EXPECT_EQ(value("SELECT child_usage FROM supply_day WHERE day = $1", {D}), 27 * kKwh);
  EXPECT_EQ(value("SELECT children FROM supply_month WHERE month = 202503"), 2);
  UsageFilter f;
  f.from_day = D;
  f.to_day = D + 5;
  auto losses = dc_->losses(f, 10);
  ASSERT_TRUE(losses.has_value()) << losses.error().to_string();
  ASSERT_EQ(losses->size(), 1u);
  EXPECT_EQ((*losses)[0].supply, supply.to_string());
  EXPECT_EQ((*losses)[0].loss, 3 * kKwh);
  ASSERT_TRUE((*losses)[0].loss_ratio.has_value());
  EXPECT_DOUBLE_EQ(*(*losses)[0].loss_ratio, 0.1);
  EXPECT_EQ((*losses)[0].children, 2);
}

TEST_P(IngestTest, AReclassificationAppliesFromTheMonthItArrives) {
  std::int64_t mar = day_of(2025, 3, 30);
  Batch b = with_meter();
  b.readings = {reading(P, midnight(mar), 10000), reading(P, midnight(mar + 1), 11000),
                reading(P, midnight(mar + 2), 12000), reading(P, midnight(mar + 3), 13000)};
  send(b);
  MeterRecord shop = meter(P, "000000000001");
  shop.customer = CustomerType::NonResidential;
  shop.industry = 'F';
  Batch change;
  change.meters = {shop};
  auto out = send(change, midnight(day_of(2025, 4, 2)) + 3600);
  EXPECT_EQ(out.meters_changed, 1);
  auto industry_usage = [&](int month, std::string_view industry) {
    return value("SELECT usage FROM region_month WHERE month = $1 AND region = 0 AND "
                 "customer = $2 AND industry = $3",
                 {month, industry == " " ? 0 : 1, industry});
  };
  EXPECT_EQ(industry_usage(202503, " "), 20 * kKwh);  // March stays with households
  EXPECT_EQ(industry_usage(202504, "F"), 10 * kKwh);  // April's interval moves
  EXPECT_EQ(industry_usage(202504, " "), -1);
  EXPECT_EQ(value("SELECT points FROM region_points WHERE region = 0 AND customer = 1 AND "
                  "industry = '*' AND energy = 1"),
            1);
  EXPECT_EQ(value("SELECT COUNT(*) FROM region_points WHERE region = 0 AND customer = 0"), 0);
  auto before = snapshot(*db_);
  ASSERT_TRUE(dc_->rebuild_rollups().has_value());
  EXPECT_TRUE(same_rows(before, snapshot(*db_)));
}

TEST_P(IngestTest, TwoInstancesOnOneDatabaseStayConsistent) {
  DataCentre other(*db_);
  send(with_meter());
  Batch r1;
  r1.readings = {reading(P, midnight(D), 10000)};
  send(r1);
  Batch r2;
  r2.readings = {reading(P, midnight(D + 1), 11000)};
  send(r2, {1'800'000'000}, &other);  // the other instance knows nothing yet
  Batch r3;
  r3.readings = {reading(P, midnight(D + 2), 11500)};
  send(r3);  // the first instance's cached chain end (D) is stale: it must notice
  EXPECT_EQ(point_day(*this, D), 10 * kKwh);
  EXPECT_EQ(point_day(*this, D + 1), 5 * kKwh);
  auto before = snapshot(*db_);
  ASSERT_TRUE(dc_->rebuild_rollups().has_value());
  EXPECT_TRUE(same_rows(before, snapshot(*db_)));
}

INSTANTIATE_TEST_SUITE_P(Backends, IngestTest,
                         ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         backend_test_name);

}  // namespace
}  // namespace omni::cloud::testing
