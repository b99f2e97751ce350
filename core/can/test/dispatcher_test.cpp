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

// The Dispatcher folds each filter into a masked compare of its own; for every valid frame it
// must route exactly where IdFilter::Matches says, remote and standard frames included.
TEST(DispatcherTest, RoutesExactlyWhereTheFilterMatches) {
  const IdFilter filters[] = {
      kPowerFilter,
      kVehicleFilter,
      {0, 0, true},                       // every extended frame
      {0, 0, false},                      // every standard frame
      {0x123, 0x7FF, false},              // one standard id
      {0x123, 0x7F0, false},              // a standard block
      {0x18FF50E5u, 0x1FFFFFFFu, true},   // one extended id
      {0x00FF0000u, 0x00FF0000u, true},   // a PDU format
      {0xE0000000u, 0xE0000000u, true},   // match bits above 28: matches nothing
      {0xFFFFFFFFu, 0x1FFFFFFFu, true},   // bits above 28 in match only: not compared
      {0x40000000u, 0x40000000u, false},  // a standard filter that can match nothing
      {0x00000800u, 0x00000800u, false},  // bit 11 set: beyond any standard id
      {0x1FFFFFFFu, 0xFFFFFFFFu, true},   // mask above 28 with match 0 there: compared, ok
  };
  const uint32_t ids[] = {0,          0x123,      0x12F,       0x7FF,      0x800,
                          0x0283F001, 0x1826F456, 0x182756F4,  0x18FF50E5, 0x00FF0000,
                          0x1FFFFFFF, 0x1F000000, 0x10000000u, 0x0000F000};
  int routed = 0;
  for (const IdFilter& filter : filters) {
    for (uint32_t id : ids) {
      for (bool extended : {false, true}) {
        for (bool remote : {false, true}) {
          Frame f = Ext(id);
          f.extended = extended;
          f.remote = remote;
          if (!f.Valid()) {
            continue;  // counted as invalid before any route (tested below)
          }
          testing::FakeCanBus bus;
          Dispatcher d(bus);
          Recorder r;
          ASSERT_TRUE(d.AddRoute(Channel::kVehicle, filter, &r).ok());
          d.Dispatch(f, 0);
          const bool expected = filter.Matches(f);
          EXPECT_EQ(r.ids.size(), expected ? 1u : 0u)
              << std::hex << "filter " << filter.match << "/" << filter.mask << " ext "
              << filter.extended << " frame " << id << " ext " << extended << " rtr " << remote;
          EXPECT_EQ(d.counters().unmatched, expected ? 0u : 1u);
          routed += expected ? 1 : 0;
        }
      }
    }
  }
  EXPECT_GT(routed, 20);  // the table exercises both outcomes
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
