#include "evc/sim/sim_can_bus.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "evc/can/bus_guard.hpp"
#include "evc/can/timing.hpp"

namespace evc::sim {
namespace {

class RecordingNode final : public SimCanNode {
 public:
  void OnBusFrame(const can::Frame& f, uint64_t) override { ids.push_back(f.id); }
  std::vector<uint32_t> ids;
};

can::Frame Ext(uint32_t id) {
  const uint8_t d[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  return can::Frame::Extended(id, d, 8);
}

TEST(SimCanBusTest, ControllerFramesReachEveryModelAfterAStep) {
  SimCanBus bus;
  RecordingNode a, b;
  ASSERT_TRUE(bus.Attach(&a).ok());
  ASSERT_TRUE(bus.Attach(&b).ok());
  ASSERT_TRUE(bus.Send(Ext(0x100)).ok());
  EXPECT_TRUE(a.ids.empty());  // still on the wire
  bus.Step(10);
  EXPECT_EQ(a.ids, std::vector<uint32_t>{0x100});
  EXPECT_EQ(b.ids, std::vector<uint32_t>{0x100});
  can::Frame f;
  EXPECT_FALSE(bus.Receive(&f));  // never echoed to the sender
  EXPECT_EQ(bus.Counters().tx_frames, 1u);
}

TEST(SimCanBusTest, ModelFramesReachTheControllerAndOtherModelsButNotTheSender) {
  SimCanBus bus;
  RecordingNode a, b;
  ASSERT_TRUE(bus.Attach(&a).ok());
  ASSERT_TRUE(bus.Attach(&b).ok());
  ASSERT_TRUE(bus.Transmit(&a, Ext(0x200)));
  bus.Step(10);
  EXPECT_TRUE(a.ids.empty());
  EXPECT_EQ(b.ids, std::vector<uint32_t>{0x200});
  can::Frame f;
  ASSERT_TRUE(bus.Receive(&f));
  EXPECT_EQ(f.id, 0x200u);
  EXPECT_EQ(f.data[7], 8);
  EXPECT_EQ(bus.Counters().rx_frames, 1u);
}

TEST(SimCanBusTest, WireQueueIsBounded) {
  SimCanBus bus;
  for (size_t i = 0; i < kSimWireQueueCapacity; ++i) {
    ASSERT_TRUE(bus.Send(Ext(static_cast<uint32_t>(i))).ok());
  }
  EXPECT_EQ(bus.Send(Ext(0x999)).code(), Errc::kResourceExhausted);
  RecordingNode a;
  EXPECT_FALSE(bus.Transmit(&a, Ext(0x998)));
  EXPECT_EQ(bus.Counters().tx_errors, 1u);
  EXPECT_EQ(bus.stats().wire_drops, 1u);
}

TEST(SimCanBusTest, StepCarriesABoundedNumberOfFramesInOrder) {
  SimCanBus bus;
  RecordingNode a;
  ASSERT_TRUE(bus.Attach(&a).ok());
  const size_t n = kSimFramesPerStep + 7;
  for (size_t i = 0; i < n; ++i) {
    ASSERT_TRUE(bus.Send(Ext(static_cast<uint32_t>(i))).ok());
  }
  bus.Step(10);
  EXPECT_EQ(a.ids.size(), kSimFramesPerStep);
  bus.Step(20);
  ASSERT_EQ(a.ids.size(), n);
  for (size_t i = 0; i < n; ++i) {
    EXPECT_EQ(a.ids[i], i);
  }
}

TEST(SimCanBusTest, UndrainedControllerOverflowsItsRingAndCountsIt) {
  SimCanBus bus;
  RecordingNode a;
  ASSERT_TRUE(bus.Attach(&a).ok());
  uint64_t now = 0;
  const size_t total = kSimControllerRxCapacity + 10;
  for (size_t i = 0; i < total; ++i) {
    ASSERT_TRUE(bus.Transmit(&a, Ext(static_cast<uint32_t>(i))));
    if (bus.wire_queue_size() == kSimWireQueueCapacity) {
      bus.Step(now += 10);
    }
  }
  bus.Step(now += 10);
  bus.Step(now += 10);
  const can::BusCounters c = bus.Counters();
  EXPECT_EQ(c.rx_frames, kSimControllerRxCapacity);
  EXPECT_EQ(c.rx_overflow, 10u);
  // The oldest frames were kept.
  can::Frame f;
  ASSERT_TRUE(bus.Receive(&f));
  EXPECT_EQ(f.id, 0u);
}

TEST(SimCanBusTest, InvalidFramesAreRefused) {
  SimCanBus bus;
  can::Frame bad = Ext(0x100);
  bad.dlc = 12;
  EXPECT_EQ(bus.Send(bad).code(), Errc::kInvalidArgument);
  RecordingNode a;
  EXPECT_FALSE(bus.Transmit(&a, bad));
}

TEST(SimCanBusTest, BusOffStopsTrafficUntilRecoveredAndRestarted) {
  SimCanBus bus;
  RecordingNode a;
  ASSERT_TRUE(bus.Attach(&a).ok());
  ASSERT_TRUE(bus.Send(Ext(0x1)).ok());
  bus.ForceBusOff();
  EXPECT_EQ(bus.State(), can::BusState::kBusOff);
  EXPECT_EQ(bus.Send(Ext(0x2)).code(), Errc::kUnavailable);
  ASSERT_TRUE(bus.Transmit(&a, Ext(0x3)));
  bus.Step(10);
  EXPECT_TRUE(a.ids.empty());  // the queued controller frame was lost with the bus-off
  can::Frame f;
  EXPECT_FALSE(bus.Receive(&f));  // a bus-off controller hears nothing
  EXPECT_EQ(bus.stats().bus_off_drops, 1u);
  EXPECT_EQ(bus.Counters().bus_off_count, 1u);

  EXPECT_EQ(bus.Restart().code(), Errc::kFailedPrecondition);
  ASSERT_TRUE(bus.StartRecovery().ok());
  EXPECT_EQ(bus.StartRecovery().code(), Errc::kFailedPrecondition);
  bus.Step(10 + kSimRecoveryMs - 1);
  EXPECT_EQ(bus.State(), can::BusState::kRecovering);
  bus.Step(10 + kSimRecoveryMs);
  EXPECT_EQ(bus.State(), can::BusState::kStopped);
  EXPECT_EQ(bus.Send(Ext(0x4)).code(), Errc::kUnavailable);
  ASSERT_TRUE(bus.Restart().ok());
  ASSERT_TRUE(bus.Send(Ext(0x5)).ok());
  bus.Step(100);
  EXPECT_EQ(a.ids, std::vector<uint32_t>{0x5});
  EXPECT_EQ(bus.stats().recoveries, 1u);
}

TEST(SimCanBusTest, StuckRecoveryNeverFinishes) {
  SimCanBus bus;
  bus.SetRecoveryStuck(true);
  bus.ForceBusOff();
  ASSERT_TRUE(bus.StartRecovery().ok());
  for (uint64_t t = 0; t < 10000; t += 10) {
    bus.Step(t);
  }
  EXPECT_EQ(bus.State(), can::BusState::kRecovering);
}

TEST(SimCanBusTest, ForeignFramesReachEveryone) {
  SimCanBus bus;
  RecordingNode a, b;
  ASSERT_TRUE(bus.Attach(&a).ok());
  ASSERT_TRUE(bus.Attach(&b).ok());
  can::Frame garbage;
  garbage.id = 0x7FF;
  garbage.dlc = 3;
  ASSERT_TRUE(bus.InjectFromForeignNode(garbage));
  bus.Step(10);
  EXPECT_EQ(a.ids.size(), 1u);
  EXPECT_EQ(b.ids.size(), 1u);
  can::Frame f;
  ASSERT_TRUE(bus.Receive(&f));
  EXPECT_FALSE(f.extended);
  EXPECT_EQ(f.dlc, 3);
}

TEST(SimCanBusTest, AttachIsBounded) {
  SimCanBus bus;
  RecordingNode nodes[kMaxSimNodes + 1];
  for (size_t i = 0; i < kMaxSimNodes; ++i) {
    ASSERT_TRUE(bus.Attach(&nodes[i]).ok());
  }
  EXPECT_EQ(bus.Attach(&nodes[kMaxSimNodes]).code(), Errc::kResourceExhausted);
  EXPECT_EQ(bus.Attach(nullptr).code(), Errc::kInvalidArgument);
}

// The recovery policy against the simulated controller.
TEST(SimCanBusTest, BusGuardRecoversASimulatedBusOff) {
  SimCanBus bus;
  can::BusGuard guard(bus);
  uint64_t now = 0;
  auto tick = [&] {
    now += 10;
    bus.Step(now);
    guard.Poll(now);
  };
  for (int i = 0; i < 10; ++i) {
    tick();
  }
  bus.ForceBusOff();
  const uint64_t off_at = now;
  while (!guard.BusUp() && now - off_at < 10000) {
    tick();
  }
  EXPECT_TRUE(guard.BusUp());
  // Back-off, then the recovery time, then the restart on the next tick.
  EXPECT_LE(now - off_at, can::timing::kBusOffBackoffInitialMs + kSimRecoveryMs + 30);
  EXPECT_TRUE(bus.Send(Ext(0x10)).ok());
}

TEST(SimCanBusTest, BusGuardLatchesWhenTheBusIsHeldDominant) {
  SimCanBus bus;
  can::BusGuard guard(bus);
  bus.SetRecoveryStuck(true);
  bus.ForceBusOff();
  for (uint64_t now = 10; now < 60000 && !guard.Faulted(); now += 10) {
    bus.Step(now);
    guard.Poll(now);
  }
  EXPECT_TRUE(guard.Faulted());
  EXPECT_EQ(guard.fault(), can::BusFault::kRecoveryTimeout);
}

}  // namespace
}  // namespace evc::sim
