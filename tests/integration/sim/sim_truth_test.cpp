#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace omni::testing {
namespace {

std::size_t lines(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::size_t n = 0;
  std::string line;
  while (std::getline(in, line)) ++n;
  return n;
}

TEST(SimTruth, WritesTheSameCityTwice) {
  TempDir a, b;
  for (const auto* dir : {&a, &b}) {
    auto r =
        run_process({omnimeter_binary(), "sim", "truth", "--seed", "5", "--meters", "300", "--from",
                     "2026-11-20", "--days", "2", "--step", "hour", "--out", dir->path().string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  for (const char* file :
       {"meters.csv", "users.csv", "usage.csv", "weather.csv", "incidents.csv"}) {
    std::ifstream fa(a / file), fb(b / file);
    std::string sa((std::istreambuf_iterator<char>(fa)), {}),
        sb((std::istreambuf_iterator<char>(fb)), {});
    EXPECT_FALSE(sa.empty()) << file;
    EXPECT_EQ(sa, sb) << file << " differs between two runs with the same seed";
  }
  std::size_t meters = lines(a / "meters.csv") - 1;
  EXPECT_GE(meters, 300u);
  EXPECT_EQ(lines(a / "usage.csv") - 1, meters * 48) << "two days of hourly rows per meter";
}

TEST(SimTruth, BadArgumentsAreUsageErrors) {
  TempDir dir;
  auto r = run_process(
      {omnimeter_binary(), "sim", "truth", "--from", "2026-13-01", "--out", dir.path().string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = run_process(
      {omnimeter_binary(), "sim", "truth", "--meters", "10", "--out", dir.path().string()});
  EXPECT_EQ(r.exit_code, 2) << "below 50 meters";
  r = run_process({omnimeter_binary(), "sim", "truth", "--out", "/proc/nope/truth"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
}

}  // namespace
}  // namespace omni::testing
