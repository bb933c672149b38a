#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "sim/meters/registers.hpp"
#include "sim/truth/ground_truth.hpp"
#include "support/temp_dir.hpp"

namespace omni::sim {
namespace {

std::vector<std::vector<std::string>> read_csv(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream s(line);
    std::string cell;
    while (std::getline(s, cell, ',')) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    rows.push_back(cells);
  }
  return rows;
}

TEST(GroundTruth, FilesDescribeTheCityAndItsTrueUsage) {
  City city = generate_city({123, 400});
  ConsumptionModel model(city);
  std::int64_t from = interval_of(TimeZone::shanghai().from_local(*CivilTime::make(2026, 11, 1)));
  TruthSpan span{from, from + 7 * kIntervalsPerDay, kIntervalsPerDay};
  omni::testing::TempDir dir;
  ASSERT_TRUE(write_ground_truth(model, span, dir.path()).has_value());

  auto meters = read_csv(dir.path() / "meters.csv");
  ASSERT_EQ(meters.size(), city.meters.size() + 1);
  EXPECT_EQ(meters[0][0], "id");
  EXPECT_EQ(meters[1][9], city.meters[0].address.to_string());

  auto users = read_csv(dir.path() / "users.csv");
  EXPECT_EQ(users.size(), city.users.size() + 1);

  // Daily rows: 7 per meter, and their metered sum is what the register advanced by.
  auto usage = read_csv(dir.path() / "usage.csv");
  ASSERT_EQ(usage.size(), city.meters.size() * 7 + 1);
  RegisterBook book(model, from);
  std::uint32_t meter = 5;
  std::int64_t sum = 0;
  for (const auto& row : usage) {
    if (row[0] == std::to_string(meter)) sum += std::stoll(row[3]);
  }
  EXPECT_EQ(sum, book.at(meter, span.to_interval).total() - book.initial(meter).total());

  auto weather = read_csv(dir.path() / "weather.csv");
  EXPECT_EQ(weather.size(), 7u * 24 + 1);
  EXPECT_EQ(weather[1][0], "2026-10-31T16:00:00Z") << "midnight in Beijing is 16:00 UTC";

  auto communities = read_csv(dir.path() / "communities.csv");
  EXPECT_EQ(communities[1][1].substr(0, 2), "11") << "Beijing division codes";
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "incidents.csv"));
}

TEST(GroundTruth, UnwritableFolderIsAnIoError) {
  City city = generate_city({1, 60});
  ConsumptionModel model(city);
  auto st = write_ground_truth(model, {0, 4, 4}, "/proc/omnimeter-cannot-write-here");
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ErrorCode::Io);
}

}  // namespace
}  // namespace omni::sim
