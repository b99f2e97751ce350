#include "evc/ocpp/backoff.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace evc::ocpp {
namespace {

TEST(Backoff, CeilingDoublesFromTheFloorUpToTheCap) {
  XoshiroRng rng(1);
  Backoff b(rng, 1000, 60000);
  std::vector<uint32_t> ceilings;
  for (int i = 0; i < 10; ++i) {
    ceilings.push_back(b.CurrentCeilingMs());
    b.NextDelayMs();
  }
  EXPECT_EQ(
      (std::vector<uint32_t>{1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000, 60000}),
      ceilings);
}

TEST(Backoff, EveryDelayWithinFloorAndCeiling) {
  XoshiroRng rng(2);
  Backoff b(rng, 2000, 120000);
  for (int round = 0; round < 50; ++round) {
    b.Reset();
    for (int i = 0; i < 12; ++i) {
      const uint32_t ceiling = b.CurrentCeilingMs();
      const uint32_t d = b.NextDelayMs();
      ASSERT_GE(d, 2000u);
      ASSERT_LE(d, ceiling);
    }
  }
}

TEST(Backoff, FullJitterSpreadsAcrossTheRange) {
  // Many chargers at the same attempt must not pick the same moment: the draws cover the range.
  XoshiroRng rng(3);
  constexpr int kDraws = 4000;
  int buckets[4] = {};
  for (int i = 0; i < kDraws; ++i) {
    Backoff b(rng, 1000, 60000);
    for (int k = 0; k < 5; ++k)
      b.NextDelayMs();  // ceiling now 32000
    const uint32_t d = b.NextDelayMs();
    buckets[(d - 1000) * 4 / (32000 - 1000 + 1)]++;
  }
  for (int q = 0; q < 4; ++q) {
    EXPECT_GT(buckets[q], kDraws / 4 * 8 / 10) << "quarter " << q;
    EXPECT_LT(buckets[q], kDraws / 4 * 12 / 10) << "quarter " << q;
  }
}

TEST(Backoff, SameSeedSameSchedule) {
  XoshiroRng a(42), b(42);
  Backoff x(a, 1000, 60000), y(b, 1000, 60000);
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(x.NextDelayMs(), y.NextDelayMs());
}

TEST(Backoff, ResetStartsOverAndBoundsAreSane) {
  XoshiroRng rng(4);
  Backoff b(rng, 5000, 1000);  // max below min is raised to min
  EXPECT_EQ(5000u, b.max_ms());
  EXPECT_EQ(5000u, b.NextDelayMs());
  b.SetBounds(1000, 8000);
  for (int i = 0; i < 5; ++i)
    b.NextDelayMs();
  EXPECT_EQ(8000u, b.CurrentCeilingMs());
  b.Reset();
  EXPECT_EQ(1000u, b.CurrentCeilingMs());
}

}  // namespace
}  // namespace evc::ocpp
