#include "evc/sim/sim_gbt_bms.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "evc/sim/sim_can_bus.hpp"
#include "evc/vehicle/gbt_session.hpp"
#include "evc/vehicle/timing.hpp"

namespace evc::sim {
namespace {

namespace gbt = vehicle::gbt;
using vehicle::GbtPhase;
using vehicle::GbtSession;
using vehicle::StopCause;

constexpr uint64_t kTick = 10;
constexpr double kMsPerHour = 3600.0 * 1000.0;

SimBatteryParams SmallPack() {
  SimBatteryParams p;
  p.capacity_wh = 20.0;  // small, so a session to "full" takes a minute of virtual time
  p.soc_percent = 70.0;  // below the CV knee (about 77 % with these parameters)
  return p;
}

vehicle::GbtSessionConfig ChargerConfig() {
  vehicle::GbtSessionConfig c;
  c.capability = vehicle::ChargerCapability{100.0f, 40.0f, 60.0f, 0.5f};
  c.charger_number = 7;
  return c;
}

// The charger's firmware side (GbtSession on the controller's CanBus) and the simulated BMS on
// one SimCanBus, with an ideal power stage: it delivers what the vehicle asks while permitted.
class GbtWorld : public ::testing::Test {
 protected:
  explicit GbtWorld(const SimBatteryParams& p = SmallPack()) : bms(bus, p) {}

  void SetUp() override {
    ASSERT_TRUE(bms.Attach().ok());
    bms.Plug(now);
    session.Start(now);
  }

  void Tick() {
    now += kTick;
    bus.Step(now);
    can::Frame f;
    while (bus.Receive(&f)) {
      session.OnFrame(f, now);
    }
    // A minimal charger controller.
    if (session.phase() == GbtPhase::kReadiness) {
      session.SetOutputReady(true);
    }
    double amps = 0;
    if (session.OutputPermitted(now)) {
      amps = std::min<double>(session.demand().current_a, ChargerConfig().capability.max_current_a);
      saw_cc = saw_cc || session.demand().mode == gbt::ChargeMode::kConstantCurrent;
      saw_cv = saw_cv || session.demand().mode == gbt::ChargeMode::kConstantVoltage;
    }
    const double volts = amps > 0 ? bms.TerminalVoltage(amps) : bms.OpenCircuitVoltage();
    energy_kwh += volts * amps * kTick / kMsPerHour / 1000.0;
    session.SetChargerOutput(vehicle::ChargerOutput{
        static_cast<float>(volts), static_cast<float>(amps), static_cast<float>(energy_kwh)});
    session.Poll(now);
    bms.Step(now);
  }
  // Runs until pred() or the time limit; returns pred().
  template <typename Pred>
  bool RunUntil(Pred pred, uint64_t limit_ms) {
    const uint64_t end = now + limit_ms;
    while (!pred() && now < end) {
      Tick();
    }
    return pred();
  }
  void RunFor(uint64_t ms) {
    const uint64_t end = now + ms;
    while (now < end) {
      Tick();
    }
  }
  void ExpectCleanBus() {
    EXPECT_EQ(session.decode_stats().Errors(), 0u);
    EXPECT_EQ(session.transport_counters().bad_sequence, 0u);
    EXPECT_EQ(session.transport_counters().rx_timeouts, 0u);
    EXPECT_EQ(session.transport_counters().aborts_sent, 0u);
    EXPECT_EQ(bms.counters().decode_errors, 0u);
    EXPECT_EQ(bus.stats().wire_drops, 0u);
  }

  SimCanBus bus;
  SimGbtBms bms;
  GbtSession session{bus, ChargerConfig()};
  uint64_t now = 1000;
  double energy_kwh = 0;
  bool saw_cc = false;
  bool saw_cv = false;
};

TEST_F(GbtWorld, FullSessionUntilTheBatteryIsFull) {
  const double soc0 = bms.soc();
  ASSERT_TRUE(RunUntil([&] { return session.phase() == GbtPhase::kCharging; }, 10000));
  EXPECT_EQ(bms.state(), SimBmsState::kCharging);
  EXPECT_EQ(session.brm().battery_type, gbt::BatteryType::kTernary);
  EXPECT_NEAR(session.battery_limits().max_voltage_v, 67.2f, 0.05f);
  EXPECT_TRUE(session.VehicleAlive(now));

  ASSERT_TRUE(RunUntil([&] { return session.Finished(); }, 60 * 60 * 1000));
  EXPECT_EQ(session.phase(), GbtPhase::kEnded);
  EXPECT_EQ(session.stop_cause(), StopCause::kVehicleRequest);
  EXPECT_TRUE(session.vehicle_stop_reasons().Has(gbt::bst::kSocTargetReached));
  EXPECT_TRUE(saw_cc);
  EXPECT_TRUE(saw_cv);  // constant current first, then the CV taper
  EXPECT_GT(bms.soc(), soc0 + 5.0);
  EXPECT_NEAR(bms.delivered_wh() / 1000.0, energy_kwh, 0.002);  // SoC follows CCS V x I
  EXPECT_TRUE(session.bsd_received());
  EXPECT_EQ(session.bsd().soc_percent, static_cast<uint8_t>(bms.soc()));
  ASSERT_TRUE(RunUntil([&] { return bms.state() == SimBmsState::kDone; }, 1000));
  EXPECT_TRUE(bms.cst_received().Has(gbt::cst::kBmsStopped));
  ExpectCleanBus();
}

TEST_F(GbtWorld, BmsSilenceIsDetectedAsATimeout) {
  ASSERT_TRUE(RunUntil([&] { return session.OutputPermitted(now); }, 10000));
  RunFor(2000);
  ASSERT_TRUE(session.OutputPermitted(now));
  const uint64_t silent_from = now;
  bms.Silence(3000, now);
  ASSERT_TRUE(RunUntil([&] { return session.phase() == GbtPhase::kFaulted; }, 3000));
  // The last BCL left at most one BCL period before the silence began.
  EXPECT_LE(now - silent_from, vehicle::kTimeoutBclMs + kTick);
  EXPECT_EQ(session.timeout(), vehicle::GbtTimeout::kBcl);
  EXPECT_EQ(session.stop_cause(), StopCause::kTimeout);
  EXPECT_FALSE(session.OutputPermitted(now));
  EXPECT_FALSE(session.VehicleAlive(now));
  // The charger's CEM reaches the (still listening) BMS, which stops too.
  ASSERT_TRUE(RunUntil([&] { return bms.cem_received(); }, 1000));
  EXPECT_EQ(bms.state(), SimBmsState::kFaulted);
  RunFor(vehicle::kCemSendDurationMs);
  EXPECT_TRUE(session.Finished());
  EXPECT_GT(bms.counters().frames_dropped, 0u);
}

TEST_F(GbtWorld, InsulationFaultInBsmStopsCharging) {
  ASSERT_TRUE(RunUntil([&] { return session.OutputPermitted(now); }, 10000));
  RunFor(500);
  bms.SetInsulationFault(true);
  ASSERT_TRUE(
      RunUntil([&] { return session.phase() == GbtPhase::kEnding; }, 2 * vehicle::kPeriodBsmMs));
  EXPECT_FALSE(session.OutputPermitted(now));
  EXPECT_EQ(session.stop_cause(), StopCause::kBatteryFault);
  EXPECT_EQ(session.bsm().insulation, gbt::Status2::kSet);
  ASSERT_TRUE(RunUntil([&] { return session.Finished(); }, 20000));
  EXPECT_EQ(session.phase(), GbtPhase::kEnded);  // CST -> BST -> BSD -> CSD
  EXPECT_TRUE(bms.cst_received().Has(gbt::cst::kFaultStop));
  EXPECT_EQ(bms.bst_sent(), gbt::bst::kChargerStopped);
  ExpectCleanBus();
}

TEST_F(GbtWorld, OverTemperatureInBsmStopsCharging) {
  ASSERT_TRUE(RunUntil([&] { return session.OutputPermitted(now); }, 10000));
  bms.SetOverTemperature(true);
  ASSERT_TRUE(
      RunUntil([&] { return session.phase() == GbtPhase::kEnding; }, 2 * vehicle::kPeriodBsmMs));
  EXPECT_EQ(session.stop_cause(), StopCause::kBatteryFault);
  EXPECT_EQ(session.bsm().over_temperature, gbt::Status2::kSet);
}

TEST_F(GbtWorld, BsmPauseSuspendsAndResumes) {
  ASSERT_TRUE(RunUntil([&] { return session.OutputPermitted(now); }, 10000));
  bms.SetPause(true);
  ASSERT_TRUE(RunUntil([&] { return !session.OutputPermitted(now); }, 2 * vehicle::kPeriodBsmMs));
  EXPECT_EQ(session.phase(), GbtPhase::kCharging);
  bms.SetPause(false);
  ASSERT_TRUE(RunUntil([&] { return session.OutputPermitted(now); }, 2 * vehicle::kPeriodBsmMs));
}

TEST_F(GbtWorld, InjectedBemFaultsTheCharger) {
  ASSERT_TRUE(RunUntil([&] { return session.OutputPermitted(now); }, 10000));
  bms.InjectBem(gbt::bem::kCcs, now);
  ASSERT_TRUE(RunUntil([&] { return session.phase() == GbtPhase::kFaulted; }, 1000));
  EXPECT_EQ(session.stop_cause(), StopCause::kVehicleError);
  EXPECT_TRUE(session.vehicle_error().Has(gbt::bem::kCcs));
  EXPECT_GT(bms.counters().bem_sent, 0u);
}

TEST_F(GbtWorld, VehicleStopRequestCarriesItsReason) {
  ASSERT_TRUE(RunUntil([&] { return session.OutputPermitted(now); }, 10000));
  bms.RequestStop(gbt::bst::kCellVoltageReached, now);
  ASSERT_TRUE(RunUntil([&] { return session.Finished(); }, 20000));
  EXPECT_EQ(session.phase(), GbtPhase::kEnded);
  EXPECT_EQ(session.stop_cause(), StopCause::kVehicleRequest);
  EXPECT_TRUE(session.vehicle_stop_reasons().Has(gbt::bst::kCellVoltageReached));
}

TEST_F(GbtWorld, ChargerStopIsFollowedByTheBms) {
  ASSERT_TRUE(RunUntil([&] { return session.OutputPermitted(now); }, 10000));
  ASSERT_TRUE(session.RequestStop(gbt::cst::kManualStop, now).ok());
  ASSERT_TRUE(RunUntil([&] { return bms.state() == SimBmsState::kDone; }, 20000));
  EXPECT_TRUE(bms.cst_received().Has(gbt::cst::kManualStop));
  ASSERT_TRUE(RunUntil([&] { return session.Finished(); }, 5000));
  EXPECT_EQ(session.phase(), GbtPhase::kEnded);
  EXPECT_EQ(session.stop_cause(), StopCause::kChargerRequest);
  ExpectCleanBus();
}

TEST_F(GbtWorld, ChargerSilenceMakesTheBmsReportACcsTimeout) {
  ASSERT_TRUE(RunUntil([&] { return session.OutputPermitted(now); }, 10000));
  session.Reset();  // the charger's firmware stops talking
  ASSERT_TRUE(
      RunUntil([&] { return bms.state() == SimBmsState::kFaulted; }, vehicle::kTimeoutCcsMs + 100));
  RunFor(vehicle::kPeriodBemMs);
  EXPECT_GT(bms.counters().bem_sent, 0u);
}

// ---- the battery model on its own ---------------------------------------------------------------

TEST(SimGbtBmsBattery, ConstantCurrentThenTaperingVoltage) {
  SimCanBus bus;
  SimBatteryParams p;
  SimGbtBms bms(bus, p);
  bms.SetSoc(20);
  gbt::Bcl low = bms.DemandNow();
  EXPECT_EQ(low.mode, gbt::ChargeMode::kConstantCurrent);
  EXPECT_NEAR(low.current_a, p.max_current_a, 1e-3);
  EXPECT_NEAR(low.voltage_v, p.cv_voltage_v, 1e-3);
  float last = low.current_a;
  bool saw_cv = false;
  for (double soc = 90; soc <= 100; soc += 1) {
    bms.SetSoc(soc);
    gbt::Bcl d = bms.DemandNow();
    if (d.mode == gbt::ChargeMode::kConstantVoltage) {
      saw_cv = true;
      EXPECT_LE(d.current_a, last);
    }
    last = d.current_a;
  }
  EXPECT_TRUE(saw_cv);
  EXPECT_NEAR(last, 0.0f, 1e-3);  // at 100 % the open-circuit voltage is the CV voltage
  EXPECT_NEAR(bms.OpenCircuitVoltage(), p.cv_voltage_v, 1e-9);
  bms.SetSoc(150);
  EXPECT_DOUBLE_EQ(bms.soc(), 100.0);
}

TEST(SimGbtBmsBattery, MeasuredCurrentDrivesTheSoc) {
  SimCanBus bus;
  SimBatteryParams p = SmallPack();
  p.soc_percent = 50;
  SimGbtBms bms(bus, p);
  ASSERT_TRUE(bms.Attach().ok());
  GbtSession session(bus, ChargerConfig());
  uint64_t now = 0;
  bms.Plug(now);
  session.Start(now);
  auto tick = [&] {
    now += kTick;
    bus.Step(now);
    can::Frame f;
    while (bus.Receive(&f)) {
      session.OnFrame(f, now);
    }
    session.SetOutputReady(true);
    session.Poll(now);
    bms.Step(now);
  };
  while (session.phase() != GbtPhase::kCharging && now < 10000) {
    tick();
  }
  ASSERT_EQ(bms.state(), SimBmsState::kCharging);
  // The charger reports 0 A in CCS; the world says 10 A flows.
  bms.SetMeasuredCurrent(10.0);
  const double soc0 = bms.soc();
  const double v = bms.TerminalVoltage(10.0);
  for (int i = 0; i < 100; ++i) {  // 1 s
    tick();
  }
  const double expected_wh = v * 10.0 / 3600.0;
  EXPECT_NEAR(bms.delivered_wh(), expected_wh, expected_wh * 0.02);
  EXPECT_NEAR(bms.soc() - soc0, 100.0 * expected_wh / p.capacity_wh, 0.01);
}

TEST(SimGbtBmsBattery, UnpluggedBmsIsSilent) {
  SimCanBus bus;
  SimGbtBms bms(bus);
  ASSERT_TRUE(bms.Attach().ok());
  bms.Step(100);
  EXPECT_EQ(bms.state(), SimBmsState::kOff);
  EXPECT_EQ(bms.counters().frames_out, 0u);
  bms.Plug(100);
  bms.Step(200);  // no CHM yet: nothing to answer
  EXPECT_EQ(bms.counters().frames_out, 0u);
  bms.Unplug();
  EXPECT_EQ(bms.state(), SimBmsState::kOff);
}

}  // namespace
}  // namespace evc::sim
