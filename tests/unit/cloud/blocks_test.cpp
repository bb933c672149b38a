// The point-block blobs round-trip every value a slot can hold, and a damaged blob decodes to
// something (never reads past its end).
#include <gtest/gtest.h>

#include <limits>

#include "cloud/store/internal.hpp"

namespace omni::cloud::detail {
namespace {

TEST(PointBlocks, BucketSlotsRoundTrip) {
  BucketBlock b;
  b.slots[0] = {1, 2, 3};
  b.slots[7] = {-5'000'000, -614'500, -1};
  b.slots[127] = {std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min(), 1};
  auto blob = encode_buckets(b);
  EXPECT_LT(blob.bytes.size(), 64u) << "three slots, not 128 fixed ones";
  BucketBlock back = decode_buckets(blob);
  for (std::size_t i = 0; i < kBlockPoints; ++i) {
    EXPECT_EQ(back.slots[i].usage, b.slots[i].usage) << i;
    EXPECT_EQ(back.slots[i].kgce, b.slots[i].kgce) << i;
    EXPECT_EQ(back.slots[i].intervals, b.slots[i].intervals) << i;
  }
}

TEST(PointBlocks, StateSlotsRoundTrip) {
  StateBlock b;
  b.slots[3] = {true, 1'741'536'000, true, 1'741'449'600, 123'456'789'000};
  b.slots[4] = {true, 1'741'536'000, false, 0, 0};
  b.slots[100] = {true, -86'400, true, -86'400, -1};
  StateBlock back = decode_states(encode_states(b));
  for (std::size_t i = 0; i < kBlockPoints; ++i) EXPECT_EQ(back.slots[i], b.slots[i]) << i;
}

TEST(PointBlocks, DamagedBlobsStopAtTheirEnd) {
  BucketBlock b;
  for (std::size_t i = 0; i < kBlockPoints; ++i) b.slots[i] = {static_cast<std::int64_t>(i) << 40, 1, 1};
  auto blob = encode_buckets(b);
  blob.bytes.resize(blob.bytes.size() / 2);
  BucketBlock back = decode_buckets(blob);
  EXPECT_EQ(back.slots[1].usage, std::int64_t{1} << 40);
  EXPECT_TRUE(decode_buckets(storage::Blob{{0xff, 0xff}}).slots[0].empty());
  EXPECT_EQ(block_of(127), 0);
  EXPECT_EQ(block_of(128), 1);
  EXPECT_EQ(slot_of(130), 2u);
  EXPECT_EQ((block_key(5, 20157) - 5) >> kBlockBits, 20157);
}

}  // namespace
}  // namespace omni::cloud::detail
