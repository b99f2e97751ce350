#include "evc/posix/heap_stats.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#include "evc/testing/fakes.hpp"

namespace evc::posix {
namespace {

constexpr size_t kBlock = 4 * 1024 * 1024;

// Allocates and touches a block the compiler cannot drop.
void* Allocate(size_t bytes) {
  void* volatile p = malloc(bytes);
  if (p != nullptr) {
    memset(p, 0x5a, bytes);
  }
  return p;
}

TEST(MallocHeapStats, InUseFollowsAllocations) {
  const size_t before = AllocatorInUseBytes();
  void* p = Allocate(kBlock);
  ASSERT_NE(nullptr, p);
  const size_t during = AllocatorInUseBytes();
  free(p);
  const size_t after = AllocatorInUseBytes();
  EXPECT_GE(during, before + kBlock);
  EXPECT_LT(after, during - kBlock / 2);
}

TEST(MallocHeapStats, FreeIsBudgetMinusInUseAndMinimumRemembersTheDip) {
  const size_t budget = AllocatorInUseBytes() + 2 * kBlock;
  MallocHeapStats stats(budget);
  EXPECT_EQ(budget, stats.TotalBytes());
  const size_t free_before = stats.FreeBytes();
  EXPECT_LE(free_before, budget);
  EXPECT_GT(free_before, kBlock);

  void* p = Allocate(kBlock);
  ASSERT_NE(nullptr, p);
  const size_t free_during = stats.FreeBytes();
  EXPECT_LE(free_during, free_before - kBlock);
  EXPECT_GE(stats.InUseBytes(), kBlock);
  free(p);

  const size_t free_after = stats.FreeBytes();
  EXPECT_GT(free_after, free_during + kBlock / 2);
  EXPECT_LE(stats.MinFreeBytes(), free_during);
  EXPECT_LE(stats.MinFreeBytes(), stats.FreeBytes());
}

TEST(MallocHeapStats, OverBudgetReadsZeroFree) {
  MallocHeapStats stats(1);  // any process uses more than one byte
  EXPECT_EQ(0u, stats.FreeBytes());
  EXPECT_EQ(0u, stats.MinFreeBytes());
  EXPECT_EQ(1u, stats.InUseBytes());
}

TEST(MallocHeapStats, DrivesTheMonitorWarning) {
  // A budget just above what is in use now: allocating a block pushes free below the threshold.
  const size_t budget = AllocatorInUseBytes() + kHeapWarnBelowBytes + kBlock;
  MallocHeapStats stats(budget);
  testing::CapturingLogSink sink;
  Logger log(&sink);
  HeapMonitor monitor(stats, log);
  ASSERT_TRUE(monitor.Poll(0));
  EXPECT_FALSE(monitor.last().warning);
  void* p = Allocate(kBlock);
  ASSERT_NE(nullptr, p);
  ASSERT_TRUE(monitor.Poll(kHeapReportIntervalMs));
  free(p);
  EXPECT_TRUE(monitor.last().warning);
  EXPECT_TRUE(sink.Contains("low heap"));
}

}  // namespace
}  // namespace evc::posix
