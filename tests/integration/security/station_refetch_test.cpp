// Reading unchanged records again (every collection round re-reads at least today's) must not
// stall: the reply's later fragments repeat the previous round's byte for byte, and the
// station's duplicate-frame filter used to drop them as echoes until the request timed out.
// Run plain and secured (where the same records travel as fragmented SECURITY-Responses).
#include "secure_world.hpp"

namespace omni::testing {
namespace {

class StationRefetch : public ::testing::TestWithParam<bool> {};

TEST_P(StationRefetch, UnchangedFragmentedRecordsAreReadAgainWithoutTimeouts) {
  const bool secured = GetParam();
  SecureWorld w(100);  // ~300 daily rows: the reply is several fragments
  w.start_station(secured);
  std::uint64_t timeouts = w.counters().timeouts.value();
  std::uint64_t duplicates = w.counters().readings_duplicate.value();
  std::uint64_t dropped = w.counters().duplicate_frames.value();
  w.connect_concentrator(secured);
  auto truth = w.truth();
  ASSERT_GT(truth.size(), 200u);
  // Rounds after the first re-read today's record of every meter (about 100 rows, still several
  // fragments), so three times the first round's rows come back as duplicates after some nine.
  bool rounds = wait_until(
      [&] { return w.counters().readings_duplicate.value() - duplicates >= 3 * truth.size(); },
      15s);
  EXPECT_TRUE(rounds) << "re-reads stalled";
  EXPECT_EQ(w.counters().timeouts.value() - timeouts, 0u);
  EXPECT_EQ(w.counters().duplicate_frames.value() - dropped, 0u);
  EXPECT_EQ(w.stored(), truth);
}

INSTANTIATE_TEST_SUITE_P(PlainAndSecured, StationRefetch, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return p.param ? "Secured" : "Plain";
                         });

}  // namespace
}  // namespace omni::testing
