#include "evc/can/dispatcher.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "evc/testing/fake_can_bus.hpp"

namespace evc::can {
namespace {

class Recorder final : public FrameHandler {
 public:
  void OnFrame(const Frame& f, uint64_t now_ms) override {
    ids.push_back(f.id);
    last_ms = now_ms;
  }
  std::vector<uint32_t> ids;
  uint64_t last_ms = 0;
};

Frame Ext(uint32_t id) {
  const uint8_t d[8] = {};
  return Frame::Extended(id, d, 8);
}

// Infy-style replies address the controller (0xF0) in bits 15..8; GB/T-style frames address the
// charger (0x56) in bits 15..8 as well, so the destination byte separates the two channels.
constexpr IdFilter kPowerFilter{0x0000F000u, 0x0000FF00u, true};
constexpr IdFilter kVehicleFilter{0x00005600u, 0x0000FF00u, true};

TEST(DispatcherTest, RoutesEachFrameToTheMatchingChannelOnce) {
  testing::FakeCanBus bus;
  Dispatcher d(bus);
  Recorder power, vehicle;
  ASSERT_TRUE(d.AddRoute(Channel::kPowerModule, kPowerFilter, &power).ok());
  ASSERT_TRUE(d.AddRoute(Channel::kVehicle, kVehicleFilter, &vehicle).ok());
  bus.Inject(Ext(0x0283F001));
  bus.Inject(Ext(0x1826F456));  // dst 0xF4: no route
  bus.Inject(Ext(0x182756F4));
  bus.Inject(Ext(0x0284F001));
  EXPECT_EQ(d.Pump(1234), 4u);
  EXPECT_EQ(power.ids, (std::vector<uint32_t>{0x0283F001, 0x0284F001}));
  EXPECT_EQ(vehicle.ids, (std::vector<uint32_t>{0x182756F4}));
  EXPECT_EQ(vehicle.last_ms, 1234u);
  EXPECT_EQ(d.counters().routed, 3u);
  EXPECT_EQ(d.counters().unmatched, 1u);
  EXPECT_EQ(d.routed(Channel::kPowerModule), 2u);
  EXPECT_EQ(d.routed(Channel::kVehicle), 1u);
}

TEST(DispatcherTest, FirstMatchingRouteWins) {
  testing::FakeCanBus bus;
  Dispatcher d(bus);
  Recorder a, b;
  ASSERT_TRUE(d.AddRoute(Channel::kPowerModule, kPowerFilter, &a).ok());
  ASSERT_TRUE(d.AddRoute(Channel::kVehicle, IdFilter{0, 0, true}, &b).ok());  // catch-all
  d.Dispatch(Ext(0x0283F001), 0);
  d.Dispatch(Ext(0x0283F101), 0);
  EXPECT_EQ(a.ids.size(), 1u);
  EXPECT_EQ(b.ids.size(), 1u);
}

TEST(DispatcherTest, FormatMustAgree) {
  testing::FakeCanBus bus;
  Dispatcher d(bus);
  Recorder a;
  ASSERT_TRUE(d.AddRoute(Channel::kPowerModule, IdFilter{0, 0, true}, &a).ok());
  Frame std_frame;
  std_frame.id = 0x123;
  std_frame.dlc = 0;
  d.Dispatch(std_frame, 0);
  EXPECT_TRUE(a.ids.empty());
  EXPECT_EQ(d.counters().unmatched, 1u);
}

TEST(DispatcherTest, InvalidFramesAreCountedNotRouted) {
  testing::FakeCanBus bus;
  Dispatcher d(bus);
  Recorder a;
  ASSERT_TRUE(d.AddRoute(Channel::kPowerModule, IdFilter{0, 0, true}, &a).ok());
  Frame bad = Ext(0x0283F001);
  bad.dlc = 9;
  d.Dispatch(bad, 0);
  bad = Ext(0x0283F001);
  bad.id = 0x20000000;  // beyond 29 bits
  d.Dispatch(bad, 0);
  EXPECT_TRUE(a.ids.empty());
  EXPECT_EQ(d.counters().invalid, 2u);
}

TEST(DispatcherTest, TableIsBoundedAndRejectsNullHandler) {
  testing::FakeCanBus bus;
  Dispatcher d(bus);
  Recorder a;
  EXPECT_EQ(d.AddRoute(Channel::kPowerModule, kPowerFilter, nullptr).code(),
            Errc::kInvalidArgument);
  for (size_t i = 0; i < kMaxRoutes; ++i) {
    ASSERT_TRUE(d.AddRoute(Channel::kPowerModule, kPowerFilter, &a).ok());
  }
  EXPECT_EQ(d.AddRoute(Channel::kPowerModule, kPowerFilter, &a).code(), Errc::kResourceExhausted);
  EXPECT_EQ(d.route_count(), kMaxRoutes);
}

TEST(DispatcherTest, PumpTakesAtMostTheBudget) {
  testing::FakeCanBus bus;
  Dispatcher d(bus);
  Recorder a;
  ASSERT_TRUE(d.AddRoute(Channel::kPowerModule, IdFilter{0, 0, true}, &a).ok());
  for (size_t i = 0; i < kMaxFramesPerPump + 5; ++i) {
    bus.Inject(Ext(static_cast<uint32_t>(i)));
  }
  EXPECT_EQ(d.Pump(0, 3), 3u);
  EXPECT_EQ(d.Pump(0, 1000), kMaxFramesPerPump);
  EXPECT_EQ(d.Pump(0), 2u);
  EXPECT_EQ(d.Pump(0), 0u);
  ASSERT_EQ(a.ids.size(), kMaxFramesPerPump + 5);
  for (size_t i = 0; i < a.ids.size(); ++i) {
    EXPECT_EQ(a.ids[i], i);
  }
}

}  // namespace
}  // namespace evc::can
