// The rollups maintained at ingest equal the ones rebuilt from the raw readings, row for row,
// after a random mix of in-order, late, duplicated and corrected readings, suspect values,
// falling registers, a device replacement and a reclassification; and the per-point daily
// usage equals an independent computation from the final readings.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "cloud_fixture.hpp"

namespace omni::cloud::testing {
namespace {

class RebuildTest : public DataCentreTest {};

struct Sim {
  BaseCode code;
  int multiplier = 1;
  bool archive_changes = false;  // excluded from the independent check
};

TEST_P(RebuildTest, IncrementalRollupsEqualARebuildAfterARandomMix) {
  std::mt19937_64 rng(20250310);
  auto chance = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
  const std::int64_t d0 = day_of(2025, 3, 20);
  const int days = 30;

  std::vector<Sim> points;
  Batch archive;
  for (std::uint16_t community : {12, 13}) {
    BaseCode supply = code(3, community, 21, 0);
    points.push_back({supply});
    archive.meters.push_back(meter(supply, fmt::format("{:012}", 900 + community)));
    for (std::uint16_t room = 301; room <= 308; ++room) {
      BaseCode c = code(3, community, 21, room);
      MeterRecord m = meter(c, fmt::format("{:012}", community * 1000 + room));
      m.parent = supply;
      if (room == 305) m.multiplier = 30;
      if (room == 306) {
        m.customer = CustomerType::NonResidential;
        m.industry = 'H';
      }
      points.push_back({c, m.multiplier});
      archive.meters.push_back(m);
    }
  }
  for (std::uint16_t room = 401; room <= 404; ++room) {
    BaseCode c = code(4, 7, 2, room, EnergyKind::Water);
    points.push_back({c});
    archive.meters.push_back(meter(c, fmt::format("{:014}", room)));
  }
  send(archive, midnight(d0 - 1));

  // The true registers: every point read at 00:00 each day, some also at 12:00.
  struct Sent {
    std::int64_t hundredths;
    Quality quality;
  };
  std::map<std::pair<std::size_t, std::int64_t>, Sent> final_value;  // (point, at)
  std::vector<std::vector<ReadingRecord>> pending(days + 8);
  auto deliver = [&](int batch, std::size_t point, UtcTime at, std::int64_t v, Quality q) {
    pending[static_cast<std::size_t>(batch)].push_back(
        reading(points[point].code, at, v, points[point].code.kind == EnergyKind::Water
                                               ? Unit::m3
                                               : Unit::kWh,
                q));
  };
  for (std::size_t i = 0; i < points.size(); ++i) {
    std::int64_t reg = 100000 + static_cast<std::int64_t>(i) * 1000;
    for (int d = 0; d < days; ++d) {
      for (int half = 0; half < (i % 3 == 0 ? 2 : 1); ++half) {
        UtcTime at = midnight(d0 + d) + half * 43200;
        reg += static_cast<std::int64_t>(rng() % 2000);
        std::int64_t v = reg;
        Quality q = Quality::Measured;
        if (chance(0.03)) v = reg - 5000;               // a misread lower value
        if (chance(0.03)) q = Quality::Suspect;         // flagged by the station
        int batch = d;
        if (chance(0.12)) batch += 1 + static_cast<int>(rng() % 6);  // late
        deliver(batch, i, at, v, q);
        if (chance(0.05)) {  // the station sends it again later
          deliver(std::min(days + 7, batch + 1 + static_cast<int>(rng() % 3)), i, at, v, q);
        }
        if (chance(0.06)) {  // first a wrong value, corrected later
          pending[static_cast<std::size_t>(batch)].back().value = Quantity{
              v + 777, 2, pending[static_cast<std::size_t>(batch)].back().value.unit()};
          deliver(std::min(days + 7, batch + 1 + static_cast<int>(rng() % 4)), i, at, v, q);
        }
      }
    }
  }
  // Replay in batch order, remembering the last value sent for each (point, time).
  int compared = 0;
  for (std::size_t b = 0; b < pending.size(); ++b) {
    Batch batch;
    batch.readings = pending[b];
    std::shuffle(batch.readings.begin(), batch.readings.end(), rng);
    UtcTime now = midnight(d0 + static_cast<std::int64_t>(b)) + 7200;
    if (b == 12) {  // point 3's meter is replaced at 06:00 of day 10
      MeterRecord m = archive.meters[3];
      m.address = *MeterAddress::from_digits("000000777777");
      m.installed = midnight(d0 + 10) + 6 * 3600;
      batch.meters.push_back(m);
      points[3].archive_changes = true;
    }
    if (b == 17) {  // point 12 becomes a shop (in April: from 1 April)
      MeterRecord m = archive.meters[12];
      m.customer = CustomerType::NonResidential;
      m.industry = 'F';
      batch.meters.push_back(m);
      points[12].archive_changes = true;
    }
    send(batch, now);
    for (const auto& r : batch.readings) {
      for (std::size_t i = 0; i < points.size(); ++i) {
        if (points[i].code == r.code) final_value[{i, r.at.seconds}] = {r.value.mantissa(), r.quality};
      }
    }
    if (b % 7 == 6 || b + 1 == pending.size()) {
      auto incremental = snapshot(*db_);
      auto rebuilt = dc_->rebuild_rollups();
      ASSERT_TRUE(rebuilt.has_value()) << rebuilt.error().to_string();
      ASSERT_TRUE(same_rows(incremental, snapshot(*db_))) << "after batch " << b;
      ++compared;
    }
  }
  EXPECT_GE(compared, 5);
  EXPECT_GT(value("SELECT COUNT(*) FROM reading WHERE flag = 2"), 0) << "falling registers seen";
  EXPECT_GT(value("SELECT COUNT(*) FROM reading WHERE changes > 0"), 0) << "corrections seen";
  EXPECT_EQ(value("SELECT COUNT(*) FROM reading WHERE flag = 3"), 1) << "one replacement";
  EXPECT_GT(value("SELECT COUNT(*) FROM region_month WHERE industry = 'F' AND month = 202504"), 0);

  // Independent check: usage per point and day straight from the final readings.
  std::map<std::pair<std::int64_t, std::string>, std::int64_t> expected;  // (day, code)
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (points[i].archive_changes) continue;
    std::optional<std::pair<std::int64_t, std::int64_t>> prev;
    for (const auto& [key, sent] : final_value) {
      if (key.first != i || sent.quality == Quality::Suspect) continue;
      if (prev && sent.hundredths >= prev->second) {
        std::int64_t day = (prev->first + 8 * 3600) / 86400;
        expected[{day, points[i].code.to_string()}] +=
            (sent.hundredths - prev->second) * 10'000 * points[i].multiplier;
      }
      prev = {key.second, sent.hundredths};
    }
  }
  std::size_t checked = 0, rows_with_usage = 0, nonzero = 0;
  for (const auto& [key, usage] : expected) nonzero += usage > 0 ? 1 : 0;
  for (const auto& s : points) {
    if (s.archive_changes) continue;
    auto rows = dc_->point_usage(s.code.to_string(), Granularity::Day, d0 - 1, d0 + days + 1);
    ASSERT_TRUE(rows.has_value()) << rows.error().to_string();
    for (const auto& row : *rows) {
      auto it = expected.find({row.bucket, s.code.to_string()});
      ASSERT_NE(it, expected.end()) << row.bucket << " " << s.code.to_string();
      EXPECT_EQ(row.usage, it->second) << row.bucket << " " << s.code.to_string();
      ++checked;
      if (row.usage > 0) ++rows_with_usage;
    }
  }
  EXPECT_GT(checked, 500u);
  EXPECT_EQ(rows_with_usage, nonzero) << "every day with usage has its row";
}

INSTANTIATE_TEST_SUITE_P(Backends, RebuildTest,
                         ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         backend_test_name);

}  // namespace
}  // namespace omni::cloud::testing
