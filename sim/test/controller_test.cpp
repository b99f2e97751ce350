// The charging controller (core/charging) driving the simulated hardware: InfyPower module model
// on one CAN bus, GB/T BMS + battery on the other, gun / contactor / E-stop I/O.
#include "evc/charging/controller.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "evc/charging/charger_stack.hpp"
#include "evc/safety/timing.hpp"
#include "evc/sim/sim_world.hpp"
#include "evc/testing/fakes.hpp"

namespace evc::charging {
namespace {

using safety::ErrorCode;

class ControllerTest : public ::testing::Test {
 protected:
  ControllerTest()
      : log_(&sink_),
        stack_(clock_, log_, world_.module_bus(), world_.vehicle_bus(), world_.io(),
               DefaultLevChargerConfig()) {
    EXPECT_TRUE(world_.Attach().ok());
    EXPECT_TRUE(stack_.Init().ok());
    world_.io().set_estop_handler(&stack_.emergency_stop());
  }

  void Tick() {
    clock_.Advance(safety::timing::kControlTickMs);
    world_.Step(clock_.now_ms);
    stack_.Poll();
  }
  // Runs until `done` or the time limit; returns whether `done` became true.
  bool RunUntil(const std::function<bool()>& done, uint64_t limit_ms) {
    for (uint64_t t = 0; t < limit_ms; t += safety::timing::kControlTickMs) {
      Tick();
      if (done())
        return true;
    }
    return false;
  }
  Controller& ctl() { return stack_.controller(); }
  bool Charging() {
    return ctl().phase() == ControlPhase::kCharging && ctl().ReadTelemetry().current_a > 0.5f;
  }
  void StartCharging() {
    world_.Plug(clock_.now_ms);
    ASSERT_TRUE(ctl().CablePlugged());
    ctl().SetOutputEnabled(true);
    ASSERT_TRUE(RunUntil([&] { return Charging(); }, 30000))
        << "phase " << ControlPhaseName(ctl().phase()) << " gbt "
        << vehicle::GbtPhaseName(stack_.gbt().phase());
  }

  testing::FakeClock clock_;
  testing::CapturingLogSink sink_;
  Logger log_;
  sim::SimWorld world_;
  ChargerStack stack_;
};

TEST_F(ControllerTest, FullSessionToBatteryFull) {
  world_.bms().SetSoc(97.0);
  StartCharging();
  EXPECT_TRUE(world_.io().GunLocked());
  EXPECT_TRUE(world_.io().ContactorFeedbackClosed());
  EXPECT_TRUE(ctl().EvRequestsEnergy());
  EXPECT_GT(ctl().ReadTelemetry().soc_percent, 96.0f);
  // The module's reported capability travels with the telemetry (the meter's range check).
  EXPECT_FLOAT_EQ(120.0f, ctl().ReadTelemetry().max_voltage_v);
  EXPECT_FLOAT_EQ(100.0f, ctl().ReadTelemetry().max_current_a);

  // The vehicle ends the session when full (BST); the controller winds down by itself.
  ASSERT_TRUE(RunUntil([&] { return ctl().phase() == ControlPhase::kIdle; }, 30 * 60 * 1000));
  EXPECT_EQ(ChargerHardware::EndCause::kVehicleFinished, ctl().TakeEndCause());
  EXPECT_EQ(ChargerHardware::EndCause::kNone, ctl().TakeEndCause());  // reported once
  EXPECT_FALSE(world_.io().ContactorCommandedClosed());
  EXPECT_FALSE(world_.io().GunLocked());
  EXPECT_EQ(ErrorCode::kNone, ctl().Fault());
  EXPECT_GT(world_.bms().soc(), 97.0);
  EXPECT_FALSE(world_.module().output_active());
}

TEST_F(ControllerTest, OcppStopWindsDownInOrder) {
  StartCharging();
  ctl().SetOutputEnabled(false);
  Tick();
  EXPECT_FALSE(world_.module().commanded_on() && stack_.module().target().on);
  ASSERT_TRUE(RunUntil([&] { return ctl().phase() == ControlPhase::kIdle; }, 20000));
  EXPECT_FALSE(world_.io().ContactorFeedbackClosed());
  EXPECT_FALSE(world_.io().GunLocked());
  EXPECT_EQ(ChargerHardware::EndCause::kNone, ctl().TakeEndCause());  // we stopped it
  EXPECT_EQ(ErrorCode::kNone, ctl().Fault());
}

TEST_F(ControllerTest, EmergencyStopOpensContactorAtOnceAndLatches) {
  StartCharging();
  const uint64_t pressed_at = clock_.now_ms;
  world_.io().PressEmergencyStop();  // the ISR runs inside this call
  EXPECT_FALSE(world_.io().ContactorCommandedClosed());
  EXPECT_EQ(pressed_at, world_.io().last_open_ms());  // same instant: before the next tick
  Tick();
  EXPECT_FALSE(stack_.module().target().on);  // module OFF in the next tick
  EXPECT_EQ(ErrorCode::kEmergencyStop, ctl().Fault());
  EXPECT_EQ(ChargerHardware::EndCause::kFault, ctl().TakeEndCause());
  RunUntil([] { return false; }, 2000);
  EXPECT_EQ(ErrorCode::kEmergencyStop, ctl().Fault());  // latched
  EXPECT_FALSE(ctl().ResetFault());                     // still pressed
  world_.io().ReleaseEmergencyStop();
  Tick();
  EXPECT_EQ(ErrorCode::kEmergencyStop, ctl().Fault());  // released is not reset
  EXPECT_TRUE(ctl().ResetFault());
  Tick();
  EXPECT_EQ(ErrorCode::kNone, ctl().Fault());
}

TEST_F(ControllerTest, BmsSilenceStopsWithinTheSafetyTimeout) {
  StartCharging();
  const uint64_t silent_at = clock_.now_ms;
  world_.bms().Silence(60000, clock_.now_ms);
  ASSERT_TRUE(RunUntil([&] { return !world_.io().ContactorFeedbackClosed(); }, 5000));
  // Valid data within 1 s (kBmsAliveMs), plus the CAN timeout of the message.
  EXPECT_LE(clock_.now_ms - silent_at, 2 * safety::timing::kBmsAliveMs);
  RunUntil([&] { return ctl().phase() == ControlPhase::kIdle; }, 10000);
  EXPECT_EQ(ErrorCode::kBmsTimeout, ctl().Fault());
  EXPECT_EQ(ChargerHardware::EndCause::kFault, ctl().TakeEndCause());
}

TEST_F(ControllerTest, ModuleFaultStopsAndIsReported) {
  StartCharging();
  world_.module().SetFault(sim::SimModuleFault::kOverTemperature, true);
  ASSERT_TRUE(RunUntil([&] { return !world_.io().ContactorCommandedClosed(); }, 5000));
  EXPECT_EQ(ErrorCode::kModuleThermalFault, ctl().Fault());
}

TEST_F(ControllerTest, CanBusOffDuringChargingStopsSafely) {
  StartCharging();
  world_.module_bus().ForceBusOff();
  world_.module_bus().SetRecoveryStuck(true);  // it never comes back
  const uint64_t off_at = clock_.now_ms;
  ASSERT_TRUE(RunUntil([&] { return !world_.io().ContactorCommandedClosed(); }, 10000));
  // The module cannot be commanded while its bus is off: the contactor opens in the first tick.
  EXPECT_LE(clock_.now_ms - off_at, safety::timing::kControlTickMs);
  EXPECT_EQ(ErrorCode::kCanBusRecovering, ctl().Fault());
  ASSERT_TRUE(RunUntil([&] { return ctl().Fault() == ErrorCode::kCanBusOff; }, 60000))
      << safety::Describe(ctl().Fault()).name;
  EXPECT_EQ(ChargerHardware::EndCause::kFault, ctl().TakeEndCause());
}

TEST_F(ControllerTest, CanBusOffThatRecoversDoesNotLatch) {
  StartCharging();
  world_.module_bus().ForceBusOff();
  Tick();
  EXPECT_FALSE(world_.io().ContactorCommandedClosed());
  RunUntil([] { return false; }, 10000);
  EXPECT_TRUE(stack_.module_guard().BusUp());
  EXPECT_EQ(ErrorCode::kNone, ctl().Fault());  // recovered: nothing latched, charger usable
}

TEST_F(ControllerTest, WeldedContactorIsDetectedAtStop) {
  StartCharging();
  world_.io().WeldContactor();
  ctl().SetOutputEnabled(false);
  ASSERT_TRUE(RunUntil([&] { return ctl().Fault() == ErrorCode::kContactorWelded; }, 10000));
  EXPECT_TRUE(world_.io().GunLocked());  // never release the gun on live contacts
  EXPECT_FALSE(ctl().ResetFault());      // critical: service only
}

TEST_F(ControllerTest, GunThatDoesNotLockNeverEnergises) {
  world_.io().SetLockFault(true);
  world_.Plug(clock_.now_ms);
  ctl().SetOutputEnabled(true);
  RunUntil([] { return false; }, 5000);
  EXPECT_FALSE(world_.io().ContactorCommandedClosed());
  EXPECT_EQ(ErrorCode::kGunLockFailure, ctl().Fault());
}

TEST_F(ControllerTest, GunPulledUnderLoadOpensTheContactorInTheSameTick) {
  StartCharging();
  world_.Unplug();  // yanked out (a broken lock), and the OCPP side reacts to the unplug
  ctl().SetOutputEnabled(false);
  Tick();
  EXPECT_FALSE(world_.io().ContactorCommandedClosed());
  EXPECT_EQ(ErrorCode::kGunLockFailure, ctl().Fault());
}

TEST_F(ControllerTest, UnlockRefusedWhileContactorClosed) {
  StartCharging();
  EXPECT_FALSE(ctl().UnlockConnector());
  EXPECT_TRUE(world_.io().GunLocked());
}

}  // namespace
}  // namespace evc::charging
