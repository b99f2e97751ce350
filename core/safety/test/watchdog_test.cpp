#include "evc/safety/watchdog.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "evc/testing/fakes.hpp"

namespace evc::safety {
namespace {

using testing::FakeClock;

constexpr uint32_t kControl = timing::kWatchdogControlLoopMs;
constexpr uint32_t kNetwork = timing::kWatchdogNetworkLoopMs;

TEST(WatchdogTest, NamesAndDeadlinesComeFromTheTimingHeader) {
  EXPECT_STREQ(WatchdogTaskName(WatchdogTask::kControlLoop), "CONTROL_LOOP");
  EXPECT_STREQ(WatchdogTaskName(WatchdogTask::kNetworkLoop), "NETWORK_LOOP");
  EXPECT_STREQ(WatchdogTaskName(WatchdogTask::kCount), "UNKNOWN");
  EXPECT_EQ(WatchdogDeadlineMs(WatchdogTask::kControlLoop), kControl);
  EXPECT_EQ(WatchdogDeadlineMs(WatchdogTask::kNetworkLoop), kNetwork);
  // The checker must run several times within the shortest deadline to notice a miss in time.
  EXPECT_LT(timing::kWatchdogCheckPeriodMs * 2, kControl);
}

TEST(WatchdogTest, NothingArmedNeverMisses) {
  Watchdog wd;
  FakeClock clock;
  clock.Advance(kNetwork * 10);
  EXPECT_FALSE(wd.Check(clock.now_ms).missed);
  EXPECT_FALSE(wd.armed(WatchdogTask::kControlLoop));
}

TEST(WatchdogTest, OnTimeCheckInsNeverMiss) {
  Watchdog wd;
  FakeClock clock;
  wd.Arm(WatchdogTask::kControlLoop, clock.now_ms);
  wd.Arm(WatchdogTask::kNetworkLoop, clock.now_ms);
  uint64_t last_network = clock.now_ms;
  for (int i = 0; i < 500; ++i) {
    clock.Advance(timing::kControlTickMs);
    wd.CheckIn(WatchdogTask::kControlLoop, clock.now_ms);
    if (clock.now_ms - last_network >= kNetwork / 2) {
      wd.CheckIn(WatchdogTask::kNetworkLoop, clock.now_ms);
      last_network = clock.now_ms;
    }
    ASSERT_FALSE(wd.Check(clock.now_ms).missed) << "tick " << i;
  }
}

TEST(WatchdogTest, ExactlyTheDeadlineIsStillOnTime) {
  Watchdog wd;
  FakeClock clock;
  wd.Arm(WatchdogTask::kControlLoop, clock.now_ms);
  clock.Advance(kControl);
  EXPECT_FALSE(wd.Check(clock.now_ms).missed);
  clock.Advance(1);
  const WatchdogMiss miss = wd.Check(clock.now_ms);
  EXPECT_TRUE(miss.missed);
  EXPECT_EQ(miss.overdue_ms(), 1u);
}

TEST(WatchdogTest, ReportsTheSilentTaskAndByHowMuch) {
  Watchdog wd;
  FakeClock clock;
  wd.Arm(WatchdogTask::kControlLoop, clock.now_ms);
  wd.Arm(WatchdogTask::kNetworkLoop, clock.now_ms);
  const uint64_t control_last = clock.now_ms + 30;
  clock.Advance(30);
  wd.CheckIn(WatchdogTask::kControlLoop, clock.now_ms);
  // The control loop stalls; the network loop keeps going.
  for (int i = 0; i < 10; ++i) {
    clock.Advance(50);
    wd.CheckIn(WatchdogTask::kNetworkLoop, clock.now_ms);
  }
  const WatchdogMiss miss = wd.Check(clock.now_ms);
  ASSERT_TRUE(miss.missed);
  EXPECT_EQ(miss.task, WatchdogTask::kControlLoop);
  EXPECT_EQ(miss.silent_ms, clock.now_ms - control_last);
  EXPECT_EQ(miss.deadline_ms, kControl);
  EXPECT_EQ(miss.overdue_ms(), clock.now_ms - control_last - kControl);
}

TEST(WatchdogTest, TheTaskWhoseDeadlinePassedFirstIsReported) {
  Watchdog wd;
  FakeClock clock;
  wd.Arm(WatchdogTask::kNetworkLoop, clock.now_ms);
  wd.Arm(WatchdogTask::kControlLoop, clock.now_ms);
  // Both silent: the control loop's deadline passes first, then the network loop's.
  clock.Advance(kNetwork + 100);
  WatchdogMiss miss = wd.Check(clock.now_ms);
  ASSERT_TRUE(miss.missed);
  EXPECT_EQ(miss.task, WatchdogTask::kControlLoop);
  // Now the control loop has only just missed, the network loop is long overdue.
  wd.CheckIn(WatchdogTask::kControlLoop, clock.now_ms);
  clock.Advance(kControl + 1);
  miss = wd.Check(clock.now_ms);
  ASSERT_TRUE(miss.missed);
  EXPECT_EQ(miss.task, WatchdogTask::kNetworkLoop);
}

TEST(WatchdogTest, DisarmedTaskIsIgnoredAndItsCheckInsToo) {
  Watchdog wd;
  FakeClock clock;
  wd.Arm(WatchdogTask::kNetworkLoop, clock.now_ms);
  wd.Disarm(WatchdogTask::kNetworkLoop);
  EXPECT_FALSE(wd.armed(WatchdogTask::kNetworkLoop));
  clock.Advance(kNetwork * 3);
  wd.CheckIn(WatchdogTask::kNetworkLoop, clock.now_ms);  // no effect on an unarmed slot
  EXPECT_FALSE(wd.Check(clock.now_ms).missed);
  // A check-in before Arm() does not count either: arming sets its own stamp.
  wd.CheckIn(WatchdogTask::kControlLoop, clock.now_ms);
  EXPECT_FALSE(wd.armed(WatchdogTask::kControlLoop));
}

TEST(WatchdogTest, RestartAfterAMissStartsFromTheNewArming) {
  Watchdog wd;
  FakeClock clock;
  wd.Arm(WatchdogTask::kControlLoop, clock.now_ms);
  clock.Advance(kControl * 5);
  ASSERT_TRUE(wd.Check(clock.now_ms).missed);
  // What the restarted firmware does: arm again at its start. The stale stamp is gone.
  wd.Disarm(WatchdogTask::kControlLoop);
  clock.Advance(kControl * 5);
  wd.Arm(WatchdogTask::kControlLoop, clock.now_ms);
  EXPECT_FALSE(wd.Check(clock.now_ms).missed);
  clock.Advance(kControl);
  EXPECT_FALSE(wd.Check(clock.now_ms).missed);
  wd.CheckIn(WatchdogTask::kControlLoop, clock.now_ms);
  clock.Advance(kControl + 1);
  const WatchdogMiss miss = wd.Check(clock.now_ms);
  ASSERT_TRUE(miss.missed);
  EXPECT_EQ(miss.silent_ms, kControl + 1);
}

TEST(WatchdogTest, AnOlderCheckInNeverMovesTheStampBack) {
  Watchdog wd;
  FakeClock clock;
  wd.Arm(WatchdogTask::kControlLoop, clock.now_ms);
  clock.Advance(150);
  const uint64_t newer = clock.now_ms;
  wd.CheckIn(WatchdogTask::kControlLoop, newer);
  wd.CheckIn(WatchdogTask::kControlLoop, newer - 140);  // a late arrival with an early reading
  clock.Advance(kControl);
  EXPECT_FALSE(wd.Check(clock.now_ms).missed);
}

TEST(WatchdogTest, ACheckInNewerThanTheCheckersNowIsNotAWrap) {
  Watchdog wd;
  FakeClock clock;
  wd.Arm(WatchdogTask::kControlLoop, clock.now_ms);
  wd.CheckIn(WatchdogTask::kControlLoop, clock.now_ms + 5);  // task read the clock later
  EXPECT_FALSE(wd.Check(clock.now_ms).missed);
}

TEST(WatchdogTest, WorksAcrossThe32BitWrapOfTheMillisecondStamp) {
  Watchdog wd;
  FakeClock clock;
  clock.now_ms = (uint64_t{1} << 32) - 50;  // 49.7 days of uptime, 50 ms before the wrap
  wd.Arm(WatchdogTask::kControlLoop, clock.now_ms);
  clock.Advance(100);  // past the wrap of the low 32 bits
  wd.CheckIn(WatchdogTask::kControlLoop, clock.now_ms);
  clock.Advance(kControl);
  EXPECT_FALSE(wd.Check(clock.now_ms).missed);
  clock.Advance(1);
  const WatchdogMiss miss = wd.Check(clock.now_ms);
  ASSERT_TRUE(miss.missed);
  EXPECT_EQ(miss.silent_ms, kControl + 1);
}

TEST(WatchdogTest, InvalidTaskIsIgnored) {
  Watchdog wd;
  wd.Arm(WatchdogTask::kCount, 1000);
  wd.CheckIn(WatchdogTask::kCount, 1000);
  EXPECT_FALSE(wd.armed(WatchdogTask::kCount));
  EXPECT_FALSE(wd.Check(1000000).missed);
}

// Many threads check in concurrently (the stamps they use only go up) while a checker runs; the
// newest stamp must win and no check may see a miss while everyone is on time.
TEST(WatchdogTest, ConcurrentCheckInsKeepTheNewestStamp) {
  Watchdog wd;
  constexpr uint64_t kStart = 1000;
  wd.Arm(WatchdogTask::kControlLoop, kStart);
  wd.Arm(WatchdogTask::kNetworkLoop, kStart);
  constexpr int kThreads = 8;
  constexpr uint64_t kSteps = 20000;
  std::atomic<uint64_t> shared_now{kStart};  // a clock that every thread advances
  std::atomic<bool> stop{false};
  std::atomic<int> misses{0};
  std::thread checker([&] {
    while (!stop.load()) {
      if (wd.Check(shared_now.load()).missed) {
        misses.fetch_add(1);
      }
    }
  });
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&] {
      for (uint64_t i = 0; i < kSteps; ++i) {
        // Check in first, then move time on: whenever the checker reads time V, both slots
        // already hold V - 1 or newer, so it can never see a miss.
        const uint64_t now = shared_now.load();
        wd.CheckIn(WatchdogTask::kControlLoop, now);
        wd.CheckIn(WatchdogTask::kNetworkLoop, now);
        uint64_t expected = now;
        shared_now.compare_exchange_strong(expected, now + 1);
      }
    });
  }
  for (auto& w : workers) {
    w.join();
  }
  stop.store(true);
  checker.join();
  EXPECT_EQ(misses.load(), 0);
  const uint64_t end = shared_now.load();
  ASSERT_GT(end, kStart);
  // Both slots hold end - 1, the stamp of the last increment: the newest check-in won.
  EXPECT_FALSE(wd.Check(end - 1 + kControl).missed);
  const WatchdogMiss after = wd.Check(end + kControl);
  ASSERT_TRUE(after.missed);
  EXPECT_EQ(after.task, WatchdogTask::kControlLoop);
  EXPECT_EQ(after.silent_ms, kControl + 1);
}

}  // namespace
}  // namespace evc::safety
