#include "evc/power/infy_module.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "evc/can/dispatcher.hpp"
#include "evc/can/timing.hpp"
#include "evc/testing/fake_can_bus.hpp"

namespace evc::power {
namespace {

namespace t = timing;
using infy::Command;

constexpr uint8_t kModule = 0x01;
constexpr infy::Address kAddr{infy::kDefaultControllerAddress, kModule, infy::kDeviceSingleModule};
constexpr uint64_t kTick = 10;

// Answers the driver's requests the way the protocol describes, from settable state. Replies
// are built with the codec's byte helpers and id encoder.
struct ScriptedModule {
  bool answer_status = true;
  bool answer_output = true;
  bool answer_capability = true;
  bool answer_after_diode = true;
  bool on = false;
  float voltage_v = 0;
  float current_a = 0;
  infy::StatusFlags status;
  uint16_t max_v = 100, min_v = 40, max_tenth_a = 500, power_10w = 300;  // 100 V, 50 A, 3 kW
  std::vector<can::Frame> seen;

  can::Frame Reply(Command c, const uint8_t* d) const {
    infy::IdFields id;
    id.device = infy::kDeviceSingleModule;
    id.command = static_cast<uint8_t>(c);
    id.destination = infy::kDefaultControllerAddress;
    id.source = kModule;
    return can::Frame::Extended(infy::EncodeId(id), d, 8);
  }

  // Consumes everything the driver sent since last time and queues the answers.
  void Serve(testing::FakeCanBus& bus) {
    for (const can::Frame& f : bus.sent) {
      seen.push_back(f);
      const infy::IdFields id = infy::DecodeId(f.id);
      uint8_t d[8] = {};
      switch (static_cast<Command>(id.command)) {
        case Command::kSetOnOff:
          on = f.data[0] == 0x00;
          break;
        case Command::kSetVoltageCurrent:
          voltage_v = static_cast<float>(infy::GetU32(f.data)) / 1000.0f;
          current_a = static_cast<float>(infy::GetU32(f.data + 4)) / 1000.0f;
          break;
        case Command::kReadStatus:
          if (answer_status) {
            infy::StatusFlags s = status;
            s.dc_side_off = !on;
            infy::EncodeStatusBytes(s, &d[5], &d[6], &d[7]);
            bus.Inject(Reply(Command::kReadStatus, d));
          }
          break;
        case Command::kReadOutput:
          if (answer_output) {
            infy::PutF32(d, on ? voltage_v : 0.0f);
            infy::PutF32(d + 4, on ? current_a : 0.0f);
            bus.Inject(Reply(Command::kReadOutput, d));
          }
          break;
        case Command::kReadCapability:
          if (answer_capability) {
            infy::PutU16(d, max_v);
            infy::PutU16(d + 2, min_v);
            infy::PutU16(d + 4, max_tenth_a);
            infy::PutU16(d + 6, power_10w);
            bus.Inject(Reply(Command::kReadCapability, d));
          }
          break;
        case Command::kReadAfterDiode:
          if (answer_after_diode) {
            infy::PutU16(d, 600);  // 60.0 V battery
            infy::PutU16(d + 2, 500);
            bus.Inject(Reply(Command::kReadAfterDiode, d));
          }
          break;
        default:
          break;
      }
    }
    bus.sent.clear();
  }
  void Silence() { answer_status = answer_output = answer_capability = answer_after_diode = false; }
  void Speak() { answer_status = answer_output = answer_capability = answer_after_diode = true; }

  // Frames of one command seen so far.
  int Count(Command c) const {
    int n = 0;
    for (const can::Frame& f : seen) {
      n += infy::DecodeId(f.id).command == static_cast<uint8_t>(c) ? 1 : 0;
    }
    return n;
  }
  int CountOnOff(bool want_on) const {
    int n = 0;
    for (const can::Frame& f : seen) {
      if (infy::DecodeId(f.id).command == static_cast<uint8_t>(Command::kSetOnOff) &&
          (f.data[0] == 0x00) == want_on) {
        ++n;
      }
    }
    return n;
  }
};

class InfyModuleTest : public ::testing::Test {
 protected:
  InfyModuleTest() : dispatcher(bus), module(bus, kAddr, now) {
    EXPECT_TRUE(
        dispatcher.AddRoute(can::Channel::kPowerModule, infy::ReplyFilter(kAddr), &module).ok());
  }
  void Tick() {
    now += kTick;
    module.Poll(now);
    sim.Serve(bus);
    dispatcher.Pump(now);
  }
  void Run(uint64_t ms) {
    for (uint64_t end = now + ms; now < end;) {
      Tick();
    }
  }
  Target On(float v, float a) { return Target{true, v, a}; }

  uint64_t now = 1000;
  testing::FakeCanBus bus;
  can::Dispatcher dispatcher;
  InfyModule module;
  ScriptedModule sim;
};

TEST_F(InfyModuleTest, StartsBySayingOffAndPollingEverything) {
  Tick();
  EXPECT_GE(sim.CountOnOff(false), 1);
  EXPECT_EQ(sim.CountOnOff(true), 0);
  EXPECT_EQ(sim.Count(Command::kReadStatus), 1);
  EXPECT_EQ(sim.Count(Command::kReadOutput), 1);
  EXPECT_EQ(sim.Count(Command::kReadAfterDiode), 1);
  EXPECT_EQ(sim.Count(Command::kReadCapability), 1);
  Run(100);
  const ModuleHealth h = module.Health(now);
  EXPECT_EQ(h.state, HealthState::kOk);
  EXPECT_TRUE(h.capability_known);
  EXPECT_FLOAT_EQ(h.capability.max_voltage_v, 100.0f);
  EXPECT_FLOAT_EQ(h.capability.max_current_a, 50.0f);
  EXPECT_TRUE(h.off_confirmed);
  EXPECT_FALSE(h.output_on);
}

TEST_F(InfyModuleTest, PollsAtTheNamedPeriod) {
  Run(100);
  const int before = sim.Count(Command::kReadOutput);
  Run(10 * t::kInfyPollPeriodMs);
  const int polls = sim.Count(Command::kReadOutput) - before;
  EXPECT_GE(polls, 9);
  EXPECT_LE(polls, 11);
  // Capability is asked once while known, not every second.
  EXPECT_EQ(sim.Count(Command::kReadCapability), 1);
}

TEST_F(InfyModuleTest, RefusesOnUntilCapabilityIsKnown) {
  sim.answer_capability = false;
  Run(100);
  EXPECT_EQ(module.SetTarget(On(60, 10), now).code(), Errc::kFailedPrecondition);
  // The capability request is retried until answered.
  Run(3 * t::kInfyCapabilityRetryMs);
  EXPECT_GE(sim.Count(Command::kReadCapability), 3);
  sim.answer_capability = true;
  Run(t::kInfyCapabilityRetryMs + kTick);
  EXPECT_TRUE(module.SetTarget(On(60, 10), now).ok());
  EXPECT_EQ(module.counters().refused_targets, 1u);
}

TEST_F(InfyModuleTest, OnSendsSetpointThenOnAndReachesTheModule) {
  Run(100);
  sim.seen.clear();
  ASSERT_TRUE(module.SetTarget(On(58.5f, 12.5f), now).ok());
  // Sent in the call itself, set-point before ON.
  ASSERT_GE(bus.sent.size(), 2u);
  EXPECT_EQ(infy::DecodeId(bus.sent[0].id).command, 0x1C);
  EXPECT_EQ(infy::GetU32(bus.sent[0].data), 58500u);
  EXPECT_EQ(infy::GetU32(bus.sent[0].data + 4), 12500u);
  EXPECT_EQ(infy::DecodeId(bus.sent[1].id).command, 0x1A);
  EXPECT_EQ(bus.sent[1].data[0], 0x00);
  Run(2 * t::kInfyPollPeriodMs);
  EXPECT_TRUE(sim.on);
  const ModuleTelemetry tel = module.Telemetry(now);
  EXPECT_TRUE(tel.valid);
  EXPECT_FLOAT_EQ(tel.voltage_v, 58.5f);
  EXPECT_FLOAT_EQ(tel.current_a, 12.5f);
  EXPECT_TRUE(tel.after_diode_valid);
  EXPECT_TRUE(module.Health(now).output_on);
}

TEST_F(InfyModuleTest, OutOfCapabilityIsRefusedAndKeepsThePreviousTarget) {
  Run(100);
  ASSERT_TRUE(module.SetTarget(On(60, 10), now).ok());
  EXPECT_EQ(module.SetTarget(On(101, 10), now).code(), Errc::kOutOfRange);
  EXPECT_EQ(module.SetTarget(On(39, 10), now).code(), Errc::kOutOfRange);
  EXPECT_EQ(module.SetTarget(On(60, 50.5f), now).code(), Errc::kOutOfRange);
  EXPECT_EQ(module.SetTarget(On(NAN, 1), now).code(), Errc::kInvalidArgument);
  EXPECT_EQ(module.SetTarget(On(60, -1), now).code(), Errc::kInvalidArgument);
  EXPECT_EQ(module.counters().refused_targets, 5u);
  EXPECT_TRUE(module.target().on);
  EXPECT_FLOAT_EQ(module.target().voltage_v, 60.0f);
  EXPECT_FLOAT_EQ(module.target().current_a, 10.0f);
}

TEST_F(InfyModuleTest, KeepAliveRepeatsSetpointsWellInsideTheModuleTimeout) {
  Run(100);
  ASSERT_TRUE(module.SetTarget(On(60, 10), now).ok());
  sim.Serve(bus);
  sim.seen.clear();
  Run(t::kInfyModuleCommTimeoutMs);
  const int ons = sim.CountOnOff(true);
  const int setpoints = sim.Count(Command::kSetVoltageCurrent);
  const int expected = static_cast<int>(t::kInfyModuleCommTimeoutMs / t::kInfySetpointRefreshMs);
  EXPECT_GE(ons, expected - 1);
  EXPECT_LE(ons, expected + 1);
  EXPECT_EQ(setpoints, ons);
  EXPECT_EQ(sim.CountOnOff(false), 0);
}

TEST_F(InfyModuleTest, StopSendsOffAtOnceAndRepeatsUntilConfirmed) {
  Run(100);
  ASSERT_TRUE(module.SetTarget(On(60, 10), now).ok());
  Run(2000);
  ASSERT_TRUE(sim.on);
  sim.Serve(bus);
  sim.seen.clear();
  module.Stop(now);
  ASSERT_EQ(bus.sent.size(), 1u);  // OFF in the call, before any Poll
  EXPECT_EQ(infy::DecodeId(bus.sent[0].id).command, 0x1A);
  EXPECT_EQ(bus.sent[0].data[0], 0x01);
  // The module ignores OFF for a while (e.g. the frames are lost): OFF keeps coming quickly.
  sim.answer_status = false;
  bus.sent.clear();
  const int offs_before = module.counters().off_commands;
  Run(1000);
  const int fast_offs = static_cast<int>(module.counters().off_commands) - offs_before;
  EXPECT_GE(fast_offs, static_cast<int>(1000 / t::kInfyOffRepeatMs) - 1);
  EXPECT_FALSE(module.Health(now).off_confirmed);
  // Status shows DC off: the repeat slows to the keep-alive period.
  sim.answer_status = true;
  Run(t::kInfyPollPeriodMs + kTick);
  EXPECT_TRUE(module.Health(now).off_confirmed);
  const uint32_t confirmed_offs = module.counters().off_commands;
  Run(5000);
  const uint32_t slow_offs = module.counters().off_commands - confirmed_offs;
  EXPECT_LE(slow_offs, 5000 / t::kInfySetpointRefreshMs + 1);
  EXPECT_GE(slow_offs, 5000 / t::kInfySetpointRefreshMs - 1);
  EXPECT_FALSE(sim.on);
  EXPECT_EQ(sim.CountOnOff(true), 0);
}

TEST_F(InfyModuleTest, EveryStopSendsOffEvenWhenAlreadyOff) {
  Run(2000);
  sim.Serve(bus);
  const uint32_t before = module.counters().off_commands;
  module.Stop(now);
  module.Stop(now);
  EXPECT_EQ(module.counters().off_commands, before + 2);
}

TEST_F(InfyModuleTest, SilenceMeansOfflineAndDropsTheOnTarget) {
  Run(100);
  ASSERT_TRUE(module.SetTarget(On(60, 10), now).ok());
  Run(2000);
  sim.Silence();
  const uint64_t silent_from = now;
  while (module.Health(now).state != HealthState::kOffline && now - silent_from < 20000) {
    Tick();
  }
  const uint64_t took = now - silent_from;
  EXPECT_GE(took + t::kInfyPollPeriodMs, t::kInfyOfflineTimeoutMs);
  EXPECT_LE(took, t::kInfyOfflineTimeoutMs);
  EXPECT_FALSE(module.Telemetry(now).valid);
  Tick();
  EXPECT_FALSE(module.target().on);
  EXPECT_EQ(module.counters().offline_events, 1u);
  EXPECT_EQ(module.SetTarget(On(60, 10), now).code(), Errc::kUnavailable);
  // OFF goes out while offline.
  sim.seen.clear();
  Run(1000);
  EXPECT_GE(sim.CountOnOff(false), 1);
  EXPECT_EQ(sim.CountOnOff(true), 0);
  // Back online: health recovers, but the module stays off until started again.
  sim.Speak();
  Run(2 * t::kInfyPollPeriodMs);
  EXPECT_NE(module.Health(now).state, HealthState::kOffline);
  EXPECT_FALSE(module.target().on);
  EXPECT_FALSE(sim.on);
  EXPECT_TRUE(module.SetTarget(On(60, 10), now).ok());
}

TEST_F(InfyModuleTest, NeverHeardModuleGoesOfflineAfterTheTimeout) {
  sim.Silence();
  Run(t::kInfyOfflineTimeoutMs - 2 * kTick);
  EXPECT_EQ(module.Health(now).state, HealthState::kStarting);
  Run(4 * kTick);
  EXPECT_EQ(module.Health(now).state, HealthState::kOffline);
}

TEST_F(InfyModuleTest, TelemetryGoesStaleWhenOutputReadsStop) {
  Run(100);
  ASSERT_TRUE(module.SetTarget(On(60, 10), now).ok());
  Run(1500);
  ASSERT_TRUE(module.Telemetry(now).valid);
  sim.answer_output = false;  // status still answered: online, but no fresh V/I
  const uint64_t from = module.Telemetry(now).at_ms;
  while (module.Telemetry(now).valid && now - from < 10000) {
    Tick();
  }
  EXPECT_EQ(now - from, t::kInfyTelemetryStaleMs);
  EXPECT_EQ(module.Health(now).state, HealthState::kStale);
  EXPECT_TRUE(module.Online(now));
  // The last values are still reported, marked invalid.
  EXPECT_FLOAT_EQ(module.Telemetry(now).voltage_v, 60.0f);
}

TEST_F(InfyModuleTest, FaultFlagsSurfaceByFamilyAndBlockStart) {
  Run(100);
  sim.status.over_temperature = true;
  Run(t::kInfyPollPeriodMs + kTick);
  ModuleHealth h = module.Health(now);
  EXPECT_EQ(h.state, HealthState::kFault);
  EXPECT_TRUE(h.faults.thermal);
  EXPECT_FALSE(h.faults.input);
  EXPECT_TRUE(h.flags.over_temperature);
  EXPECT_EQ(module.SetTarget(On(60, 10), now).code(), Errc::kFailedPrecondition);
  sim.status = infy::StatusFlags{};
  sim.status.input_under_voltage = true;
  sim.status.fan_fault = false;
  Run(t::kInfyPollPeriodMs + kTick);
  h = module.Health(now);
  EXPECT_TRUE(h.faults.input);
  EXPECT_FALSE(h.faults.thermal);
  sim.status = infy::StatusFlags{};
  Run(t::kInfyPollPeriodMs + kTick);
  EXPECT_EQ(module.Health(now).state, HealthState::kOk);
  EXPECT_TRUE(module.SetTarget(On(60, 10), now).ok());
}

TEST_F(InfyModuleTest, FaultWhileOnStopsTheModuleAtOnce) {
  Run(100);
  ASSERT_TRUE(module.SetTarget(On(60, 10), now).ok());
  Run(1500);
  ASSERT_TRUE(sim.on);
  sim.status.output_over_voltage = true;
  const uint64_t fault_at = now;
  while (module.counters().fault_stops == 0 && now - fault_at < 5000) {
    Tick();
  }
  EXPECT_EQ(module.counters().fault_stops, 1u);
  EXPECT_FALSE(module.target().on);
  sim.Serve(bus);  // the OFF was sent from OnFrame, in the same tick as the status reply
  EXPECT_FALSE(sim.on);
  EXPECT_TRUE(module.Health(now).faults.output);
  EXPECT_LE(now - fault_at, t::kInfyPollPeriodMs + kTick);
  // No ON is sent again by the keep-alive.
  sim.seen.clear();
  Run(3000);
  EXPECT_EQ(sim.CountOnOff(true), 0);
}

TEST_F(InfyModuleTest, GarbageIsCountedAndDoesNotKeepTheModuleOnline) {
  sim.Silence();
  uint8_t d[8] = {};
  infy::IdFields id;
  id.device = infy::kDeviceSingleModule;
  id.command = static_cast<uint8_t>(Command::kReadOutput);
  id.destination = infy::kDefaultControllerAddress;
  id.source = kModule;
  for (uint64_t elapsed = 0; elapsed < t::kInfyOfflineTimeoutMs + 500; elapsed += 100) {
    // Truncated output replies, NaN readings, wrong-source replies.
    can::Frame f = can::Frame::Extended(infy::EncodeId(id), d, 5);
    bus.Inject(f);
    infy::PutF32(d, NAN);
    bus.Inject(can::Frame::Extended(infy::EncodeId(id), d, 8));
    infy::IdFields other = id;
    other.source = kModule + 1;
    bus.Inject(can::Frame::Extended(infy::EncodeId(other), d, 8));
    Run(100);
  }
  EXPECT_EQ(module.Health(now).state, HealthState::kOffline);
  const infy::DecodeStats& s = module.decode_stats();
  EXPECT_GT(s.Count(infy::DecodeError::kWrongLength), 30u);
  EXPECT_GT(s.Count(infy::DecodeError::kOutOfRange), 30u);
  EXPECT_GT(s.Count(infy::DecodeError::kWrongAddress), 30u);
  EXPECT_EQ(s.ok, 0u);
  EXPECT_EQ(module.counters().rx_valid, 0u);
}

TEST_F(InfyModuleTest, RefusedSendsAreCountedAndRetried) {
  Run(100);
  bus.tx_full = true;
  module.Stop(now);  // OFF cannot go out
  const uint32_t offs = module.counters().off_commands;
  Run(50);
  EXPECT_GT(module.counters().tx_failures, 0u);
  EXPECT_EQ(module.counters().off_commands, offs);
  bus.tx_full = false;
  Tick();
  EXPECT_EQ(module.counters().off_commands, offs + 1);

  // Bus-off: same, via kUnavailable.
  bus.GoBusOff();
  const uint32_t failures = module.counters().tx_failures;
  module.Stop(now);
  Run(50);
  EXPECT_GT(module.counters().tx_failures, failures);
  bus.state = can::BusState::kErrorActive;
  const uint32_t offs2 = module.counters().off_commands;
  Tick();
  EXPECT_EQ(module.counters().off_commands, offs2 + 1);
}

}  // namespace
}  // namespace evc::power
