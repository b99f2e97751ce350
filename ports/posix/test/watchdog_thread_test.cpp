#include "evc/posix/watchdog_thread.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>

#include "evc/posix/clock.hpp"
#include "evc/posix/log_sink.hpp"
#include "evc/safety/error_code.hpp"
#include "evc/safety/fail_safe.hpp"
#include "evc/testing/fakes.hpp"

namespace evc::posix {
namespace {

using safety::FailSafe;
using safety::Watchdog;
using safety::WatchdogTask;
namespace timing = safety::timing;

// Upper bound for anything the tests wait for in real time; they finish long before it.
constexpr auto kRealTimeBound = std::chrono::seconds(10);
// How many checks the watchdog thread must have made while nothing went wrong.
constexpr uint64_t kQuietChecks = 8;

// A clock the test moves by hand and another thread may read (FakeClock is single-threaded).
class SteppedClock final : public Clock {
 public:
  explicit SteppedClock(uint64_t start) : now_(start) {}
  uint64_t MonotonicMs() const override { return now_.load(); }
  void Advance(uint64_t ms) { now_.fetch_add(ms); }

 private:
  std::atomic<uint64_t> now_;
};

void PrintContactorOpen(void*) {
  fprintf(stderr, "[marker] contactor-open\n");
}

class WatchdogThreadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    FailSafe::ResetForTesting();
  }
  void TearDown() override { FailSafe::ResetForTesting(); }

  testing::CapturingLogSink sink_;
  Logger log_{&sink_};
};

TEST_F(WatchdogThreadTest, StartStopAndRestart) {
  Watchdog wd;
  SteppedClock clock(1000);
  WatchdogThread thread(wd, clock, log_, /*period_ms=*/0);
  EXPECT_EQ(thread.period_ms(), timing::kWatchdogCheckPeriodMs);
  EXPECT_FALSE(thread.running());
  ASSERT_TRUE(thread.Start().ok());
  EXPECT_TRUE(thread.running());
  EXPECT_EQ(thread.Start().code(), Errc::kFailedPrecondition);
  thread.Stop();
  EXPECT_FALSE(thread.running());
  thread.Stop();  // idempotent
  ASSERT_TRUE(thread.Start().ok());
  EXPECT_TRUE(thread.running());
  // The destructor stops and joins.
}

// The loops keep checking in (time only moves together with a check-in, so scheduling delays of
// this test cannot look like a stall): many checks, no fail-safe, no abort.
TEST_F(WatchdogThreadTest, CheckInsKeepComingNoAbort) {
  Watchdog wd;
  SteppedClock clock(1000);
  wd.Arm(WatchdogTask::kControlLoop, clock.MonotonicMs());
  wd.Arm(WatchdogTask::kNetworkLoop, clock.MonotonicMs());
  ASSERT_TRUE(FailSafe::Register("contactor-open", PrintContactorOpen, nullptr).ok());
  WatchdogThread thread(wd, clock, log_, timing::kWatchdogCheckPeriodMs);
  ASSERT_TRUE(thread.Start().ok());
  const auto give_up = std::chrono::steady_clock::now() + kRealTimeBound;
  while (thread.checks() < kQuietChecks && std::chrono::steady_clock::now() < give_up) {
    wd.CheckIn(WatchdogTask::kControlLoop, clock.MonotonicMs());
    wd.CheckIn(WatchdogTask::kNetworkLoop, clock.MonotonicMs());
    clock.Advance(timing::kControlTickMs);
    std::this_thread::sleep_for(std::chrono::milliseconds(timing::kControlTickMs));
  }
  thread.Stop();
  EXPECT_GE(thread.checks(), kQuietChecks);
  EXPECT_FALSE(FailSafe::triggered());
}

// The control loop stops checking in on the real monotonic clock: the fail-safe action runs,
// then the log line names the task and the overdue time, then the process aborts.
TEST_F(WatchdogThreadTest, StalledControlLoopRunsTheFailSafeThenAborts) {
  EXPECT_EXIT(
      {
        PosixClock clock;
        StderrLogSink sink;
        Logger log(&sink);
        Watchdog wd;
        ASSERT_TRUE(FailSafe::Register("contactor-open", PrintContactorOpen, nullptr).ok());
        InstallAbortHook();
        wd.Arm(WatchdogTask::kControlLoop, clock.MonotonicMs());
        wd.Arm(WatchdogTask::kNetworkLoop, clock.MonotonicMs());
        WatchdogThread thread(wd, clock, log);
        ASSERT_TRUE(thread.Start().ok());
        // The network loop stays alive; the control loop is stuck (never checks in again).
        const auto give_up = std::chrono::steady_clock::now() + kRealTimeBound;
        while (std::chrono::steady_clock::now() < give_up) {
          wd.CheckIn(WatchdogTask::kNetworkLoop, clock.MonotonicMs());
          std::this_thread::sleep_for(std::chrono::milliseconds(timing::kControlTickMs));
        }
        fprintf(stderr, "[marker] no abort\n");
        thread.Stop();
        exit(0);
      },
      ::testing::KilledBySignal(SIGABRT),
      "\\[marker\\] contactor-open\n"
      ".*error watchdog: CONTROL_LOOP missed its deadline: silent [0-9]+ ms, deadline " +
          std::to_string(timing::kWatchdogControlLoopMs) +
          " ms, overdue [0-9]+ ms\n"
          "evc: fatal: " +
          safety::Describe(safety::ErrorCode::kWatchdog).name + " \\(" +
          safety::Describe(safety::ErrorCode::kWatchdog).vendor_error_code +
          "\\) at posix::WatchdogThread\n");
}

// A loop that was never armed is not watched: nothing happens however long it stays silent.
TEST_F(WatchdogThreadTest, UnarmedTasksAreNotWatched) {
  Watchdog wd;
  SteppedClock clock(1000);
  WatchdogThread thread(wd, clock, log_, timing::kWatchdogCheckPeriodMs);
  ASSERT_TRUE(thread.Start().ok());
  const auto give_up = std::chrono::steady_clock::now() + kRealTimeBound;
  while (thread.checks() < kQuietChecks && std::chrono::steady_clock::now() < give_up) {
    clock.Advance(timing::kWatchdogNetworkLoopMs);
    std::this_thread::sleep_for(std::chrono::milliseconds(timing::kControlTickMs));
  }
  thread.Stop();
  EXPECT_GE(thread.checks(), kQuietChecks);
  EXPECT_FALSE(FailSafe::triggered());
}

}  // namespace
}  // namespace evc::posix
