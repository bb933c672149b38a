// The open-addressing index of cached points finds every point inserted, across its growth and
// with the collisions a half-full table has, and nothing else.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "cloud/store/internal.hpp"

namespace omni::cloud::detail {
namespace {

exchange::BaseCode code_of(std::uint32_t i) {
  exchange::BaseCode c;
  c.county = 110101 + i / 100'000;
  c.street = static_cast<std::uint16_t>(i / 10'000 % 10 + 1);
  c.community = static_cast<std::uint16_t>(i / 1'000 % 10 + 1);
  c.building = static_cast<std::uint16_t>(i / 50 % 20 + 1);
  c.room = static_cast<std::uint16_t>(i % 50);
  c.kind = i % 2 ? EnergyKind::Water : EnergyKind::Electricity;
  return c;
}

TEST(PointIndex, FindsEveryInsertedPointAndNothingElse) {
  PointIndex index;
  EXPECT_EQ(index.find(code_of(1), PointIndex::hash(code_of(1))), nullptr) << "empty";
  index.prefetch(PointIndex::hash(code_of(1)));  // harmless on an empty index

  std::vector<std::unique_ptr<PointInfo>> points;
  for (std::uint32_t i = 0; i < 5'000; ++i) {
    auto p = std::make_unique<PointInfo>();
    p->id = i;
    p->code = code_of(i * 2);  // odd codes are never inserted
    index.insert(p.get());
    points.push_back(std::move(p));
    if (i == 511 || i == 4'999) {  // just after a growth, and at the end
      for (std::uint32_t j = 0; j <= i; ++j) {
        const auto c = code_of(j * 2);
        ASSERT_EQ(index.find(c, PointIndex::hash(c)), points[j].get()) << j;
      }
    }
  }
  EXPECT_EQ(index.size(), 5'000u);
  for (std::uint32_t j = 0; j < 5'000; ++j) {
    const auto c = code_of(j * 2 + 1);
    EXPECT_EQ(index.find(c, PointIndex::hash(c)), nullptr) << j;
  }
  index.clear();
  EXPECT_EQ(index.size(), 0u);
  EXPECT_EQ(index.find(code_of(0), PointIndex::hash(code_of(0))), nullptr);
}

}  // namespace
}  // namespace omni::cloud::detail
