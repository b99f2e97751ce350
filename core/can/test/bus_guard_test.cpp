#include "evc/can/bus_guard.hpp"

#include <gtest/gtest.h>

#include "evc/can/timing.hpp"
#include "evc/testing/fake_can_bus.hpp"

namespace evc::can {
namespace {

constexpr uint64_t kTick = 10;  // the control tick used by these tests

class BusGuardTest : public ::testing::Test {
 protected:
  // Polls every tick for `ms` milliseconds.
  void Run(uint64_t ms) {
    for (uint64_t end = now + ms; now < end;) {
      now += kTick;
      guard.Poll(now);
    }
  }
  // Polls until the guard has issued a recovery (or `limit` ms pass); returns the elapsed ms.
  uint64_t RunUntilRecoveryStarted(uint64_t limit) {
    const int before = bus.recoveries_started;
    const uint64_t start = now;
    while (bus.recoveries_started == before && now - start < limit) {
      now += kTick;
      guard.Poll(now);
    }
    return now - start;
  }

  testing::FakeCanBus bus;
  BusGuard guard{bus};
  uint64_t now = 0;
};

TEST_F(BusGuardTest, HealthyBusIsLeftAlone) {
  Run(5000);
  EXPECT_TRUE(guard.BusUp());
  EXPECT_FALSE(guard.Faulted());
  EXPECT_EQ(bus.recoveries_started, 0);
  EXPECT_EQ(bus.restarts, 0);
  EXPECT_EQ(guard.phase(), GuardPhase::kRunning);
}

TEST_F(BusGuardTest, BusOffBacksOffThenRecoversRestartsAndProvesStable) {
  Run(100);
  bus.GoBusOff();
  guard.Poll(now);
  EXPECT_EQ(guard.phase(), GuardPhase::kBackoff);
  EXPECT_FALSE(guard.BusUp());
  // No recovery before the back-off has passed.
  Run(timing::kBusOffBackoffInitialMs - kTick);
  EXPECT_EQ(bus.recoveries_started, 0);
  Run(kTick);
  EXPECT_EQ(bus.recoveries_started, 1);
  EXPECT_EQ(bus.state, BusState::kRecovering);
  EXPECT_EQ(guard.phase(), GuardPhase::kRecovering);

  bus.FinishRecovery();  // controller ends in STOPPED, like the legacy TWAI driver
  Run(kTick);
  EXPECT_EQ(bus.restarts, 1);
  EXPECT_EQ(bus.state, BusState::kErrorActive);
  EXPECT_EQ(guard.phase(), GuardPhase::kProbation);
  EXPECT_TRUE(guard.BusUp());

  Run(timing::kRecoveryStableMs);
  EXPECT_EQ(guard.phase(), GuardPhase::kRunning);
  EXPECT_EQ(guard.counters().incidents, 1u);
  EXPECT_EQ(guard.counters().recoveries_ok, 1u);
  EXPECT_EQ(guard.counters().failed_attempts, 0u);
  EXPECT_FALSE(guard.Faulted());
}

TEST_F(BusGuardTest, ControllerThatRestartsByItselfNeedsNoRestartCall) {
  bus.GoBusOff();
  RunUntilRecoveryStarted(10000);
  bus.state = BusState::kErrorActive;  // node API: running again after recovery
  Run(kTick);
  EXPECT_EQ(guard.phase(), GuardPhase::kProbation);
  EXPECT_EQ(bus.restarts, 0);
  Run(timing::kRecoveryStableMs);
  EXPECT_EQ(guard.counters().recoveries_ok, 1u);
}

TEST_F(BusGuardTest, RepeatedBusOffBacksOffExponentiallyAndLatches) {
  bus.GoBusOff();
  uint64_t previous_wait = 0;
  for (uint32_t i = 0; i < timing::kMaxConsecutiveRecoveryFailures; ++i) {
    const uint64_t waited = RunUntilRecoveryStarted(100000);
    ASSERT_EQ(bus.recoveries_started, static_cast<int>(i + 1));
    // The wait grows (until the cap) and matches the policy.
    EXPECT_GE(waited, BusGuard::BackoffMs(i));
    EXPECT_LT(waited, BusGuard::BackoffMs(i) + 2 * kTick);
    EXPECT_GE(waited, previous_wait);
    previous_wait = waited;
    bus.FinishRecovery();
    Run(kTick);  // restarted, on probation
    ASSERT_EQ(guard.phase(), GuardPhase::kProbation);
    bus.GoBusOff();  // and straight back to bus-off
    Run(kTick);
  }
  EXPECT_TRUE(guard.Faulted());
  EXPECT_EQ(guard.fault(), BusFault::kBusOffRepeated);
  EXPECT_EQ(guard.counters().faults_latched, 1u);
  EXPECT_EQ(guard.counters().incidents, 1u);  // one incident that never ended
  // Latched: the guard stops touching the controller.
  const int recoveries = bus.recoveries_started;
  Run(60000);
  EXPECT_EQ(bus.recoveries_started, recoveries);
  EXPECT_FALSE(guard.BusUp());
}

TEST_F(BusGuardTest, RecoveryThatNeverFinishesLatchesTimeout) {
  bus.GoBusOff();
  Run(60000);  // FinishRecovery never comes: the bus is held dominant
  EXPECT_TRUE(guard.Faulted());
  EXPECT_EQ(guard.fault(), BusFault::kRecoveryTimeout);
  EXPECT_EQ(guard.consecutive_failures(), timing::kMaxConsecutiveRecoveryFailures);
}

TEST_F(BusGuardTest, RefusedRecoveryLatches) {
  bus.recovery_refused = true;
  bus.GoBusOff();
  Run(60000);
  EXPECT_TRUE(guard.Faulted());
  EXPECT_EQ(guard.fault(), BusFault::kRecoveryRefused);
  EXPECT_EQ(bus.recoveries_started, static_cast<int>(timing::kMaxConsecutiveRecoveryFailures));
}

TEST_F(BusGuardTest, RefusedRestartLatches) {
  bus.restart_refused = true;
  bus.GoBusOff();
  for (int i = 0; i < 100 && !guard.Faulted(); ++i) {
    RunUntilRecoveryStarted(100000);
    bus.FinishRecovery();
    Run(kTick);
    // Restart refused: the controller stays stopped; the fake needs bus-off again to recover.
    if (bus.state == BusState::kStopped) {
      bus.state = BusState::kBusOff;
    }
  }
  EXPECT_TRUE(guard.Faulted());
  EXPECT_EQ(guard.fault(), BusFault::kRestartRefused);
}

TEST_F(BusGuardTest, StableRecoveryClearsTheFailureCount) {
  bus.GoBusOff();
  for (int i = 0; i < 2; ++i) {  // two failed attempts
    RunUntilRecoveryStarted(100000);
    bus.FinishRecovery();
    Run(kTick);
    bus.GoBusOff();
    Run(kTick);
  }
  EXPECT_EQ(guard.consecutive_failures(), 2u);
  RunUntilRecoveryStarted(100000);
  bus.FinishRecovery();
  Run(timing::kRecoveryStableMs + kTick);
  EXPECT_EQ(guard.consecutive_failures(), 0u);
  EXPECT_EQ(guard.phase(), GuardPhase::kRunning);
  EXPECT_EQ(guard.last_failure(), BusFault::kBusOffRepeated);  // history kept for diagnostics
  // A new incident starts again with the shortest back-off.
  bus.GoBusOff();
  EXPECT_LT(RunUntilRecoveryStarted(100000), BusGuard::BackoffMs(0) + 2 * kTick);
  EXPECT_EQ(guard.counters().incidents, 2u);
}

TEST_F(BusGuardTest, ResetClearsTheLatchAndStartsOver) {
  bus.recovery_refused = true;
  bus.GoBusOff();
  Run(60000);
  ASSERT_TRUE(guard.Faulted());
  bus.recovery_refused = false;
  guard.Reset();
  EXPECT_FALSE(guard.Faulted());
  EXPECT_EQ(guard.fault(), BusFault::kNone);
  RunUntilRecoveryStarted(100000);
  bus.FinishRecovery();
  Run(timing::kRecoveryStableMs + kTick);
  EXPECT_TRUE(guard.BusUp());
  EXPECT_EQ(guard.counters().recoveries_ok, 1u);
}

TEST_F(BusGuardTest, StoppedControllerIsRestarted) {
  bus.state = BusState::kStopped;
  Run(kTick);
  EXPECT_EQ(bus.restarts, 1);
  EXPECT_TRUE(guard.BusUp());
}

TEST(BusGuardBackoffTest, DoublesUpToTheCap) {
  EXPECT_EQ(BusGuard::BackoffMs(0), timing::kBusOffBackoffInitialMs);
  EXPECT_EQ(BusGuard::BackoffMs(1), 2 * timing::kBusOffBackoffInitialMs);
  EXPECT_EQ(BusGuard::BackoffMs(2), 4 * timing::kBusOffBackoffInitialMs);
  EXPECT_EQ(BusGuard::BackoffMs(40), timing::kBusOffBackoffMaxMs);
  for (uint32_t i = 1; i < 40; ++i) {
    EXPECT_GE(BusGuard::BackoffMs(i), BusGuard::BackoffMs(i - 1));
  }
}

TEST(BusGuardNamesTest, EveryValueHasAName) {
  EXPECT_STREQ(BusFaultName(BusFault::kBusOffRepeated), "bus-off-repeated");
  EXPECT_STREQ(GuardPhaseName(GuardPhase::kFaulted), "faulted");
  EXPECT_STREQ(BusStateName(BusState::kBusOff), "bus-off");
  EXPECT_STREQ(ChannelName(Channel::kVehicle), "vehicle");
}

}  // namespace
}  // namespace evc::can
