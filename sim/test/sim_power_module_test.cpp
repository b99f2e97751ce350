#include "evc/sim/sim_power_module.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "evc/can/bus_guard.hpp"
#include "evc/can/dispatcher.hpp"
#include "evc/can/timing.hpp"
#include "evc/power/infy_module.hpp"

namespace evc::sim {
namespace {

namespace t = power::timing;
using power::HealthState;
using power::Target;

constexpr uint8_t kModule = 0x01;
constexpr power::infy::Address kAddr{power::infy::kDefaultControllerAddress, kModule,
                                     power::infy::kDeviceSingleModule};
constexpr uint64_t kTick = 10;

SimPowerModuleParams Params() {
  SimPowerModuleParams p;
  p.address = kModule;
  return p;
}

// The firmware's driver and the model, talking over the simulated bus, in virtual time.
class DriverAndModelTest : public ::testing::Test {
 protected:
  DriverAndModelTest()
      : model(bus, Params()), dispatcher(bus), driver(bus, kAddr, now), guard(bus) {
    EXPECT_TRUE(model.Attach().ok());
    EXPECT_TRUE(
        dispatcher.AddRoute(can::Channel::kPowerModule, power::infy::ReplyFilter(kAddr), &driver)
            .ok());
  }
  void Tick() {
    now += kTick;
    guard.Poll(now);
    driver.Poll(now);
    bus.Step(now);
    model.Step(now);
    dispatcher.Pump(now);
  }
  void Run(uint64_t ms) {
    for (uint64_t end = now + ms; now < end;) {
      Tick();
    }
  }
  template <typename Pred>
  uint64_t RunUntil(Pred pred, uint64_t limit_ms) {
    const uint64_t start = now;
    while (!pred() && now - start < limit_ms) {
      Tick();
    }
    return now - start;
  }

  uint64_t now = 0;
  SimCanBus bus;
  SimPowerModule model;
  can::Dispatcher dispatcher;
  power::InfyModule driver;
  can::BusGuard guard;
};

TEST_F(DriverAndModelTest, DriverLearnsTheModelsCapabilityAndSeesItOff) {
  Run(500);
  const power::ModuleHealth h = driver.Health(now);
  EXPECT_EQ(h.state, HealthState::kOk);
  ASSERT_TRUE(h.capability_known);
  EXPECT_FLOAT_EQ(h.capability.max_voltage_v, Params().max_voltage_v);
  EXPECT_FLOAT_EQ(h.capability.min_voltage_v, Params().min_voltage_v);
  EXPECT_FLOAT_EQ(h.capability.max_current_a, Params().max_current_a);
  EXPECT_FLOAT_EQ(h.capability.rated_power_w, Params().rated_power_w);
  EXPECT_FALSE(h.output_on);
  EXPECT_TRUE(h.off_confirmed);
  EXPECT_GE(model.stats().off_commands, 1u);
  EXPECT_EQ(model.stats().on_commands, 0u);
  EXPECT_EQ(driver.decode_stats().TotalErrors(), 0u);
}

TEST_F(DriverAndModelTest, SwitchOnRampsToTheCurrentLimitIntoABattery) {
  model.SetBattery(52.0f, 0.05f);
  Run(500);
  ASSERT_TRUE(driver.SetTarget(Target{true, 58.0f, 20.0f}, now).ok());
  const uint64_t on_at = now;
  // Constant current: the battery would take (58 - 52) / 0.05 = 120 A; the limit is 20 A.
  const uint64_t took = RunUntil([&] { return model.output_current_a() >= 20.0f - 1e-3f; }, 10000);
  EXPECT_NEAR(model.output_current_a(), 20.0f, 1e-3f);
  // The current limit ramps at the model's rate: no faster than 20 A / ramp.
  EXPECT_GE(took, static_cast<uint64_t>(20.0f / kSimModuleCurrentRampAPerS * 1000.0f) - kTick);
  Run(2 * t::kInfyPollPeriodMs);
  const power::ModuleTelemetry tel = driver.Telemetry(now);
  ASSERT_TRUE(tel.valid);
  EXPECT_NEAR(tel.current_a, 20.0f, 1e-3f);
  EXPECT_NEAR(tel.voltage_v, 52.0f + 20.0f * 0.05f, 1e-3f);
  EXPECT_TRUE(tel.after_diode_valid);
  EXPECT_TRUE(driver.Health(now).output_on);
  EXPECT_EQ(driver.Health(now).state, HealthState::kOk);
  EXPECT_GT(now, on_at);
}

TEST_F(DriverAndModelTest, ConstantVoltageWhenTheBatteryTakesLessThanTheLimit) {
  model.SetBattery(56.0f, 0.1f);
  Run(500);
  ASSERT_TRUE(driver.SetTarget(Target{true, 57.0f, 50.0f}, now).ok());
  Run(5000);
  EXPECT_NEAR(model.output_voltage_v(), 57.0f, 1e-3f);
  EXPECT_NEAR(model.output_current_a(), 10.0f, 1e-2f);
  EXPECT_NEAR(driver.Telemetry(now).current_a, 10.0f, 1e-2f);
}

TEST_F(DriverAndModelTest, OpenCircuitVoltageRampsAtTheNamedRate) {
  Run(500);
  ASSERT_TRUE(driver.SetTarget(Target{true, 60.0f, 5.0f}, now).ok());
  const uint64_t start = now;
  Run(400);
  const float elapsed_s = static_cast<float>(now - start) / 1000.0f;
  EXPECT_LE(model.output_voltage_v(), kSimModuleVoltageRampVPerS * elapsed_s + 1e-3f);
  EXPECT_GT(model.output_voltage_v(), 0.0f);
  Run(3000);
  EXPECT_NEAR(model.output_voltage_v(), 60.0f, 1e-3f);
  EXPECT_FLOAT_EQ(model.output_current_a(), 0.0f);
}

TEST_F(DriverAndModelTest, RequestBeyondTheModelsCapabilityIsRefused) {
  Run(500);
  EXPECT_EQ(driver.SetTarget(Target{true, Params().max_voltage_v + 1, 10}, now).code(),
            Errc::kOutOfRange);
  EXPECT_EQ(driver.SetTarget(Target{true, 60, Params().max_current_a + 1}, now).code(),
            Errc::kOutOfRange);
  Run(1000);
  EXPECT_EQ(model.stats().on_commands, 0u);
}

TEST_F(DriverAndModelTest, StopSendsOffAndTheOutputFalls) {
  model.SetBattery(52.0f, 0.05f);
  Run(500);
  ASSERT_TRUE(driver.SetTarget(Target{true, 58.0f, 20.0f}, now).ok());
  Run(3000);
  ASSERT_TRUE(model.output_active());
  const uint32_t offs = model.stats().off_commands;
  driver.Stop(now);
  Tick();  // the OFF crosses the wire in this step
  EXPECT_EQ(model.stats().off_commands, offs + 1);
  EXPECT_FALSE(model.commanded_on());
  EXPECT_FALSE(model.output_active());
  EXPECT_FLOAT_EQ(model.output_current_a(), 0.0f);
  Run(t::kInfyPollPeriodMs + 2 * kTick);
  EXPECT_TRUE(driver.Health(now).off_confirmed);
  EXPECT_FALSE(driver.Health(now).output_on);
  EXPECT_NEAR(driver.Telemetry(now).current_a, 0.0f, 1e-6f);
}

TEST_F(DriverAndModelTest, OverTemperatureShowsAsThermalFaultAndStopsTheModule) {
  model.SetBattery(52.0f, 0.05f);
  Run(500);
  ASSERT_TRUE(driver.SetTarget(Target{true, 58.0f, 20.0f}, now).ok());
  Run(2000);
  model.SetFault(SimModuleFault::kOverTemperature, true);
  RunUntil([&] { return driver.Health(now).state == HealthState::kFault; },
           2 * t::kInfyPollPeriodMs);
  const power::ModuleHealth h = driver.Health(now);
  EXPECT_EQ(h.state, HealthState::kFault);
  EXPECT_TRUE(h.faults.thermal);
  EXPECT_FALSE(h.faults.output);
  EXPECT_TRUE(h.flags.over_temperature);
  Run(2 * kTick);
  EXPECT_EQ(driver.counters().fault_stops, 1u);
  EXPECT_FALSE(model.commanded_on());  // OFF reached it
  // Cleared: healthy again, but it stays off until started.
  model.SetFault(SimModuleFault::kOverTemperature, false);
  Run(2 * t::kInfyPollPeriodMs);
  EXPECT_EQ(driver.Health(now).state, HealthState::kOk);
  EXPECT_FALSE(model.output_active());
}

TEST_F(DriverAndModelTest, EachInjectedFaultMapsToItsFamily) {
  struct Case {
    SimModuleFault fault;
    bool power::infy::FaultFamilies::*family;
  };
  const Case cases[] = {
      {SimModuleFault::kOverTemperature, &power::infy::FaultFamilies::thermal},
      {SimModuleFault::kFanFault, &power::infy::FaultFamilies::thermal},
      {SimModuleFault::kOutputOverVoltage, &power::infy::FaultFamilies::output},
      {SimModuleFault::kOutputShort, &power::infy::FaultFamilies::output},
      {SimModuleFault::kInputFault, &power::infy::FaultFamilies::input},
  };
  Run(500);
  for (const Case& c : cases) {
    SCOPED_TRACE(SimModuleFaultName(c.fault));
    model.SetFault(c.fault, true);
    Run(t::kInfyPollPeriodMs + 3 * kTick);
    const power::ModuleHealth h = driver.Health(now);
    EXPECT_EQ(h.state, HealthState::kFault);
    EXPECT_TRUE(h.faults.*c.family);
    model.ClearFaults();
    Run(t::kInfyPollPeriodMs + 3 * kTick);
    EXPECT_EQ(driver.Health(now).state, HealthState::kOk);
  }
}

TEST_F(DriverAndModelTest, FanFaultDeratesPowerAtOnceAndTheDriverStopsOnTheNextStatus) {
  model.SetBattery(60.0f, 0.01f);
  Run(500);
  ASSERT_TRUE(driver.SetTarget(Target{true, 65.0f, 100.0f}, now).ok());
  Run(6000);
  EXPECT_NEAR(model.output_voltage_v() * model.output_current_a(), Params().rated_power_w, 1.0f);
  model.SetFault(SimModuleFault::kFanFault, true);
  Tick();  // the model derates in its next step, before any status poll
  EXPECT_NEAR(model.output_voltage_v() * model.output_current_a(),
              Params().rated_power_w * kSimModuleFanDerate, 1.0f);
  EXPECT_TRUE(model.output_active());
  Run(t::kInfyPollPeriodMs + 3 * kTick);
  EXPECT_TRUE(driver.Health(now).faults.thermal);
  EXPECT_TRUE(driver.Health(now).flags.power_limited);
  EXPECT_EQ(driver.counters().fault_stops, 1u);
  EXPECT_FALSE(model.output_active());
}

TEST_F(DriverAndModelTest, SilenceMeansOfflineAndTheModuleTimesOutByItself) {
  model.SetBattery(52.0f, 0.05f);
  Run(500);
  ASSERT_TRUE(driver.SetTarget(Target{true, 58.0f, 20.0f}, now).ok());
  Run(2000);
  ASSERT_TRUE(model.output_active());
  model.SetFault(SimModuleFault::kCommSilence, true);
  const uint64_t silent_at = now;
  const uint64_t took =
      RunUntil([&] { return driver.Health(now).state == HealthState::kOffline; }, 20000);
  EXPECT_LE(took, t::kInfyOfflineTimeoutMs);
  EXPECT_FALSE(driver.Telemetry(now).valid);
  Tick();
  EXPECT_FALSE(driver.target().on);
  // The driver's OFF cannot reach a silent module; the module's own 10 s timeout is the last
  // line (the charger's contactor is the first, elsewhere).
  RunUntil([&] { return !model.output_active(); }, 20000);
  EXPECT_FALSE(model.output_active());
  EXPECT_GE(now - silent_at, t::kInfyModuleCommTimeoutMs - t::kInfyPollPeriodMs);
  EXPECT_EQ(model.stats().comm_timeouts, 1u);
  // Talking again: online, still off.
  model.SetFault(SimModuleFault::kCommSilence, false);
  Run(2 * t::kInfyPollPeriodMs);
  EXPECT_NE(driver.Health(now).state, HealthState::kOffline);
  EXPECT_FALSE(model.output_active());
}

TEST_F(DriverAndModelTest, BusOffDuringChargingIsRecoveredWithoutLosingTheModule) {
  model.SetBattery(52.0f, 0.05f);
  Run(500);
  ASSERT_TRUE(driver.SetTarget(Target{true, 58.0f, 20.0f}, now).ok());
  Run(2000);
  bus.ForceBusOff();
  const uint32_t failures = driver.counters().tx_failures;
  const uint64_t took = RunUntil([&] { return guard.BusUp(); }, 5000);
  EXPECT_TRUE(guard.BusUp());
  EXPECT_LT(took, t::kInfyOfflineTimeoutMs);
  Run(2 * t::kInfyPollPeriodMs);
  EXPECT_GE(driver.counters().tx_failures, failures);
  EXPECT_TRUE(driver.Telemetry(now).valid);
  EXPECT_EQ(driver.Health(now).state, HealthState::kOk);
  EXPECT_TRUE(model.output_active());
  EXPECT_EQ(guard.counters().incidents, 1u);
}

TEST_F(DriverAndModelTest, BadReadPayloadIsAnsweredWithAnErrorTheDriverCounts) {
  Run(500);
  can::Frame bad = power::infy::Codec(kAddr).ReadRequest(power::infy::Command::kReadStatus);
  bad.data[3] = 0x55;
  ASSERT_TRUE(bus.Send(bad).ok());
  Run(3 * kTick);
  EXPECT_EQ(model.stats().error_replies, 1u);
  EXPECT_EQ(driver.decode_stats().Count(power::infy::DecodeError::kDeviceError), 1u);
}

TEST(SimModuleFaultNamesTest, ParseRoundTrips) {
  for (size_t i = 0; i < static_cast<size_t>(SimModuleFault::kCount); ++i) {
    const auto f = static_cast<SimModuleFault>(i);
    SimModuleFault parsed = SimModuleFault::kCount;
    ASSERT_TRUE(ParseSimModuleFault(SimModuleFaultName(f), &parsed));
    EXPECT_EQ(parsed, f);
  }
  SimModuleFault out;
  EXPECT_FALSE(ParseSimModuleFault("meltdown", &out));
  EXPECT_FALSE(ParseSimModuleFault("", &out));
}

}  // namespace
}  // namespace evc::sim
