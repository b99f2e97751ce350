#include "evc/posix/clock.hpp"

#include <time.h>

#include <gtest/gtest.h>

namespace evc::posix {
namespace {

TEST(PosixClockTest, MonotonicNeverGoesBackwards) {
  PosixClock clock;
  uint64_t last = clock.MonotonicMs();
  for (int i = 0; i < 10000; ++i) {
    const uint64_t now = clock.MonotonicMs();
    ASSERT_GE(now, last);
    last = now;
  }
}

TEST(PosixClockTest, MonotonicMatchesClockMonotonic) {
  PosixClock clock;
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const uint64_t before = static_cast<uint64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
  const uint64_t ms = clock.MonotonicMs();
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const uint64_t after = static_cast<uint64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
  EXPECT_GE(ms, before);
  EXPECT_LE(ms, after);
}

TEST(PosixClockTest, TrustedSystemTimeIsReportedAsUtc) {
  PosixClock clock(true);
  int64_t utc = 0;
  ASSERT_TRUE(clock.PlatformUtcMs(&utc));  // the test machine's clock is after 2020
  EXPECT_GE(utc, kEarliestValidUtcMs);
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  const int64_t after = static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
  EXPECT_LE(utc, after);
}

TEST(PosixClockTest, UntrustedSystemTimeIsUnknown) {
  PosixClock clock(false);
  int64_t utc = 12345;
  EXPECT_FALSE(clock.PlatformUtcMs(&utc));
  EXPECT_EQ(utc, 12345);
  EXPECT_FALSE(clock.trust_system_time());
}

TEST(PosixClockTest, WorksWithTimeKeeper) {
  PosixClock trusted(true);
  TimeKeeper keeper(trusted);
  int64_t utc = 0;
  ASSERT_TRUE(trusted.PlatformUtcMs(&utc));
  keeper.SetUtcMs(utc);
  EXPECT_TRUE(keeper.Known());
  EXPECT_GE(keeper.NowUtcMs(), utc);
}

}  // namespace
}  // namespace evc::posix
