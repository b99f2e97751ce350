#include "evc/safety/supervisor.hpp"

#include <gtest/gtest.h>

#include "evc/safety/timing.hpp"
#include "evc/testing/fakes.hpp"

namespace evc::safety {
namespace {

class SupervisorTest : public ::testing::Test {
 protected:
  SupervisorTest() : log_(&sink_), sup_(clock_, log_, Limits{}, estop_) {}

  // A healthy charging snapshot: every interlock holds.
  static Inputs Charging() {
    Inputs in;
    in.gun_connected = in.gun_locked = in.bms_alive = in.battery_in_range = true;
    in.module_healthy = in.telemetry_fresh = in.measurements_valid = true;
    in.contactor_commanded_closed = in.contactor_feedback_closed = true;
    in.ocpp_permits = true;
    in.output_voltage_v = 66.0f;
    in.output_current_a = 20.0f;
    in.temperature_c = 40.0f;
    return in;
  }
  Decision Tick(const Inputs& in, bool estop = false, uint64_t ms = timing::kControlTickMs) {
    clock_.Advance(ms);
    return sup_.Evaluate(in, estop);
  }

  testing::FakeClock clock_;
  testing::CapturingLogSink sink_;
  Logger log_;
  EmergencyStopLatch estop_;
  Supervisor sup_;
};

TEST_F(SupervisorTest, PermitsWhenEveryInterlockHolds) {
  const Decision d = Tick(Charging());
  EXPECT_TRUE(d.permit);
  EXPECT_EQ(ErrorCode::kNone, d.fault);
}

TEST_F(SupervisorTest, EachMissingInterlockWithholdsPermit) {
  bool Inputs::*flags[] = {
      &Inputs::gun_connected,    &Inputs::gun_locked,         &Inputs::bms_alive,
      &Inputs::battery_in_range, &Inputs::module_healthy,     &Inputs::telemetry_fresh,
      &Inputs::ocpp_permits,     &Inputs::measurements_valid, &Inputs::storage_ok};
  for (auto flag : flags) {
    Supervisor fresh(clock_, log_, Limits{}, estop_);
    Inputs in = Charging();
    in.*flag = false;
    in.contactor_commanded_closed = in.contactor_feedback_closed = false;  // before closing
    clock_.Advance(10);
    EXPECT_FALSE(fresh.Evaluate(in, false).permit);
  }
}

TEST_F(SupervisorTest, GunGoneWhileContactorClosedStopsEvenWithoutPermission) {
  Inputs in = Charging();
  in.ocpp_permits = false;  // the session already withdrew (it saw the unplug first)
  in.gun_connected = false;
  in.gun_locked = false;
  const Decision d = Tick(in);
  EXPECT_FALSE(d.permit);
  EXPECT_EQ(ErrorCode::kGunLockFailure, d.fault);
  EXPECT_TRUE(StopsCharging(Describe(d.fault).severity));
}

TEST_F(SupervisorTest, LosingBmsWhileChargingIsANamedFault) {
  Inputs in = Charging();
  in.bms_alive = false;
  const Decision d = Tick(in);
  EXPECT_FALSE(d.permit);
  EXPECT_EQ(ErrorCode::kBmsTimeout, d.fault);
  // Error severity: clears by itself once the vehicle talks again.
  EXPECT_EQ(ErrorCode::kNone, sup_.latched());
  EXPECT_EQ(ErrorCode::kNone, Tick(Charging()).fault);
}

TEST_F(SupervisorTest, OverVoltageImmediateTripsAtOnceAndLatches) {
  Inputs in = Charging();
  in.output_voltage_v = 81.0f;
  const Decision d = Tick(in);
  EXPECT_FALSE(d.permit);
  EXPECT_EQ(ErrorCode::kOverVoltage, d.fault);
  EXPECT_TRUE(d.fault_changed);
  EXPECT_EQ(ErrorCode::kOverVoltage, Tick(Charging()).fault);  // latched
  EXPECT_FALSE(Tick(Charging()).fault_changed);
  EXPECT_TRUE(sup_.Reset(false));
  EXPECT_TRUE(Tick(Charging()).permit);
}

TEST_F(SupervisorTest, OverVoltageSustainedNeedsItsDuration) {
  Inputs in = Charging();
  in.output_voltage_v = 76.0f;  // above sustained, below immediate
  for (uint32_t t = 0; t + timing::kControlTickMs < timing::kOverVoltageSustainMs;
       t += timing::kControlTickMs) {
    ASSERT_TRUE(Tick(in).permit) << t;
  }
  EXPECT_EQ(ErrorCode::kOverVoltage, Tick(in, false, 2 * timing::kControlTickMs).fault);
}

TEST_F(SupervisorTest, SustainedTimerRestartsWhenValueDrops) {
  Inputs in = Charging();
  in.output_current_a = 40.0f;
  Tick(in, false, timing::kOverCurrentSustainMs - 50);
  Tick(Charging());  // back to normal: the timer restarts
  Tick(in);
  EXPECT_TRUE(Tick(in, false, timing::kOverCurrentSustainMs - 50).permit);
  EXPECT_EQ(ErrorCode::kOverCurrent, Tick(in, false, 100).fault);
}

TEST_F(SupervisorTest, OverTemperatureBothThresholds) {
  Inputs in = Charging();
  in.temperature_c = 96.0f;
  EXPECT_EQ(ErrorCode::kOverTemperature, Tick(in).fault);
  Supervisor s2(clock_, log_, Limits{}, estop_);
  in.temperature_c = 86.0f;
  clock_.Advance(10);
  EXPECT_TRUE(s2.Evaluate(in, false).permit);
  clock_.Advance(timing::kOverTemperatureSustainMs + 10);
  EXPECT_EQ(ErrorCode::kOverTemperature, s2.Evaluate(in, false).fault);
}

TEST_F(SupervisorTest, EmergencyStopLatchesUntilReleasedAndReset) {
  estop_.Trip();  // what the ISR does, after opening the contactor itself
  Decision d = Tick(Charging(), /*estop=*/true);
  EXPECT_FALSE(d.permit);
  EXPECT_EQ(ErrorCode::kEmergencyStop, d.fault);
  EXPECT_FALSE(sup_.Reset(/*estop_pressed=*/true));
  EXPECT_EQ(ErrorCode::kEmergencyStop, Tick(Charging(), false).fault);  // released, not reset
  EXPECT_TRUE(sup_.Reset(false));
  EXPECT_FALSE(estop_.Tripped());
  EXPECT_TRUE(Tick(Charging()).permit);
}

TEST_F(SupervisorTest, ContactorFeedbackMismatchAfterItsTime) {
  Inputs in = Charging();
  in.contactor_feedback_closed = false;  // commanded closed, did not close
  Tick(in);                              // within the feedback time: not yet a fault
  EXPECT_EQ(ErrorCode::kNone, sup_.latched());
  EXPECT_EQ(ErrorCode::kContactorMismatch, Tick(in, false, timing::kContactorFeedbackMs).fault);
}

TEST_F(SupervisorTest, WeldedContactorIsCriticalAndNeedsService) {
  Inputs in;
  in.contactor_commanded_closed = false;
  in.contactor_feedback_closed = true;  // stayed closed after the open command
  Tick(in);
  EXPECT_EQ(ErrorCode::kContactorWelded, Tick(in, false, timing::kContactorFeedbackMs).fault);
  in.contactor_feedback_closed = false;
  EXPECT_FALSE(sup_.Reset(false));
  EXPECT_EQ(ErrorCode::kContactorWelded, Tick(in).fault);
  sup_.ServiceClear();
  EXPECT_EQ(ErrorCode::kNone, Tick(in).fault);
}

TEST_F(SupervisorTest, MoreSevereFaultReplacesLesserOne) {
  Inputs in = Charging();
  in.output_current_a = 50.0f;
  EXPECT_EQ(ErrorCode::kOverCurrent, Tick(in).fault);
  in = Charging();
  in.contactor_commanded_closed = false;
  in.contactor_feedback_closed = true;
  Tick(in);
  EXPECT_EQ(ErrorCode::kContactorWelded, Tick(in, false, timing::kContactorFeedbackMs).fault);
  in = Charging();
  in.output_voltage_v = 90.0f;
  EXPECT_EQ(ErrorCode::kContactorWelded, Tick(in).fault);  // not downgraded
}

TEST_F(SupervisorTest, CanRecoveringStopsWithoutLatching) {
  Inputs in = Charging();
  in.can_recovering = true;
  Decision d = Tick(in);
  EXPECT_FALSE(d.permit);
  EXPECT_EQ(ErrorCode::kCanBusRecovering, d.fault);
  EXPECT_EQ(ErrorCode::kNone, sup_.latched());
  EXPECT_TRUE(Tick(Charging()).permit);
}

TEST_F(SupervisorTest, CanAndModuleFaultsAreReportedWithTheirCodes) {
  Inputs in = Charging();
  in.can_faulted = true;
  EXPECT_EQ(ErrorCode::kCanBusOff, Tick(in).fault);
  Supervisor s2(clock_, log_, Limits{}, estop_);
  in = Charging();
  in.module_healthy = false;
  in.module_fault = ErrorCode::kModuleThermalFault;
  clock_.Advance(10);
  EXPECT_EQ(ErrorCode::kModuleThermalFault, s2.Evaluate(in, false).fault);
}

}  // namespace
}  // namespace evc::safety
