#include <gtest/gtest.h>

#include "evc/common/heap.hpp"
#include "evc/testing/fake_heap_stats.hpp"
#include "evc/testing/fakes.hpp"

namespace evc {
namespace {

using testing::CapturingLogSink;
using testing::FakeClock;
using testing::FakeHeapStats;

constexpr size_t kThreshold = 32 * 1024;
constexpr uint32_t kInterval = 60000;

class HeapMonitorTest : public ::testing::Test {
 protected:
  size_t CountLines(const std::string& needle) const {
    size_t n = 0;
    for (const auto& l : sink.lines) {
      n += l.find(needle) != std::string::npos ? 1 : 0;
    }
    return n;
  }
  FakeClock clock;
  FakeHeapStats heap;
  CapturingLogSink sink;
  Logger log{&sink, LogLevel::kDebug};
  HeapMonitor monitor{heap, log, kThreshold, kInterval};
};

TEST_F(HeapMonitorTest, FirstPollReportsAtOnce) {
  heap.total = 300000;
  heap.SetFree(250000);
  ASSERT_TRUE(monitor.Poll(clock.MonotonicMs()));
  EXPECT_EQ(1u, monitor.reports());
  EXPECT_EQ(300000u, monitor.last().total_bytes);
  EXPECT_EQ(250000u, monitor.last().free_bytes);
  EXPECT_EQ(50000u, monitor.last().in_use_bytes);
  EXPECT_FALSE(monitor.last().warning);
  EXPECT_TRUE(sink.Contains("info heap: free 250000 B"));
}

TEST_F(HeapMonitorTest, ReportsOncePerInterval) {
  ASSERT_TRUE(monitor.Poll(clock.MonotonicMs()));
  for (int i = 0; i < 59; ++i) {
    clock.Advance(1000);
    EXPECT_FALSE(monitor.Poll(clock.MonotonicMs())) << "at +" << (i + 1) << " s";
  }
  clock.Advance(1000);
  EXPECT_TRUE(monitor.Poll(clock.MonotonicMs()));
  EXPECT_EQ(2u, monitor.reports());
  EXPECT_EQ(2, heap.reads);
  EXPECT_EQ(2u, CountLines("heap:"));
}

TEST_F(HeapMonitorTest, LatePollDoesNotBurst) {
  ASSERT_TRUE(monitor.Poll(clock.MonotonicMs()));
  clock.Advance(5 * kInterval);  // the loop was away for five intervals
  EXPECT_TRUE(monitor.Poll(clock.MonotonicMs()));
  EXPECT_FALSE(monitor.Poll(clock.MonotonicMs()));
  clock.Advance(kInterval - 1);
  EXPECT_FALSE(monitor.Poll(clock.MonotonicMs()));
  clock.Advance(1);
  EXPECT_TRUE(monitor.Poll(clock.MonotonicMs()));
  EXPECT_EQ(3u, monitor.reports());
}

TEST_F(HeapMonitorTest, WarnsBelowThreshold) {
  heap.SetFree(kThreshold - 1);
  ASSERT_TRUE(monitor.Poll(clock.MonotonicMs()));
  EXPECT_TRUE(monitor.last().warning);
  EXPECT_EQ(1u, monitor.warnings());
  EXPECT_TRUE(sink.Contains("warn heap: low heap"));
}

TEST_F(HeapMonitorTest, ExactlyAtThresholdIsNotAWarning) {
  heap.min_free = kThreshold;
  heap.SetFree(kThreshold);
  ASSERT_TRUE(monitor.Poll(clock.MonotonicMs()));
  EXPECT_FALSE(monitor.last().warning);
  EXPECT_EQ(0u, monitor.warnings());
}

TEST_F(HeapMonitorTest, WarnsOnceForADipBetweenPolls) {
  ASSERT_TRUE(monitor.Poll(clock.MonotonicMs()));
  EXPECT_FALSE(monitor.last().warning);
  // Free heap falls below the threshold and recovers before the next poll: only the
  // low-water mark shows it.
  heap.SetFree(kThreshold / 2);
  heap.SetFree(150 * 1024);
  clock.Advance(kInterval);
  ASSERT_TRUE(monitor.Poll(clock.MonotonicMs()));
  EXPECT_TRUE(monitor.last().warning);
  EXPECT_EQ(kThreshold / 2, monitor.last().min_free_bytes);
  // The same old dip is not warned about again.
  clock.Advance(kInterval);
  ASSERT_TRUE(monitor.Poll(clock.MonotonicMs()));
  EXPECT_FALSE(monitor.last().warning);
  // A deeper one is.
  heap.SetFree(kThreshold / 4);
  heap.SetFree(150 * 1024);
  clock.Advance(kInterval);
  ASSERT_TRUE(monitor.Poll(clock.MonotonicMs()));
  EXPECT_TRUE(monitor.last().warning);
  EXPECT_EQ(2u, monitor.warnings());
}

TEST_F(HeapMonitorTest, KeepsWarningWhileStillLow) {
  heap.SetFree(kThreshold - 100);
  ASSERT_TRUE(monitor.Poll(clock.MonotonicMs()));
  clock.Advance(kInterval);
  ASSERT_TRUE(monitor.Poll(clock.MonotonicMs()));
  EXPECT_TRUE(monitor.last().warning);
  EXPECT_EQ(2u, monitor.warnings());
}

TEST_F(HeapMonitorTest, MinFreeNeverAboveFree) {
  // A port that samples the two figures at different instants may report min > free.
  heap.free = 1000;
  heap.min_free = 5000;
  ASSERT_TRUE(monitor.Poll(clock.MonotonicMs()));
  EXPECT_EQ(1000u, monitor.last().min_free_bytes);
}

TEST_F(HeapMonitorTest, FreeAboveTotalGivesZeroInUse) {
  heap.total = 1000;
  heap.SetFree(2000);
  ASSERT_TRUE(monitor.Poll(clock.MonotonicMs()));
  EXPECT_EQ(0u, monitor.last().in_use_bytes);
}

}  // namespace
}  // namespace evc
