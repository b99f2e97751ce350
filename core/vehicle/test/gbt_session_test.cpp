#include "evc/vehicle/gbt_session.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "evc/testing/fake_can_bus.hpp"
#include "evc/vehicle/timing.hpp"

namespace evc::vehicle {
namespace {

using gbt::Msg;
using testing::FakeCanBus;

constexpr uint64_t kTick = 10;  // the control loop's period

GbtSessionConfig Config() {
  GbtSessionConfig c;
  c.capability = ChargerCapability{100.0f, 40.0f, 60.0f, 1.0f};
  c.charger_number = 4242;
  return c;
}

gbt::Bcp GoodBcp() {
  return gbt::Bcp{3.65f, 50.0f, 3.0f, 58.4f, 55, 40.0f, 52.0f};
}

// A scripted BMS on the other end of the bus: its frames are delivered to the session, and the
// session's frames are decoded for the assertions (and fed to the BMS's transport for TP).
class GbtSessionTest : public ::testing::Test {
 protected:
  FakeCanBus charger_bus;
  FakeCanBus bms_bus;
  GbtSessionConfig config = Config();
  GbtSession session{charger_bus, config};
  j1939::Transport bms_tp{gbt::kBmsAddress, bms_bus};
  uint64_t now = 10000;
  std::vector<gbt::Pdu> from_charger;  // single-frame GB/T messages the charger sent

  void Pump() {
    for (int round = 0; round < 8; ++round) {
      if (bms_bus.sent.empty() && charger_bus.sent.empty()) {
        return;
      }
      std::vector<can::Frame> to_charger;
      to_charger.swap(bms_bus.sent);
      for (const auto& f : to_charger) {
        session.OnFrame(f, now);
      }
      std::vector<can::Frame> to_bms;
      to_bms.swap(charger_bus.sent);
      for (const auto& f : to_bms) {
        if (bms_tp.OnFrame(f, now) == j1939::TpRx::kNotTransport) {
          auto p = gbt::PduFromFrame(f);
          if (p.ok()) {
            from_charger.push_back(*p);
          }
        }
      }
    }
  }
  void Bms(const Result<gbt::Pdu>& pdu, Msg m) {
    ASSERT_TRUE(pdu.ok());
    ASSERT_TRUE(gbt::SendPdu(*pdu, gbt::Spec(m).priority, bms_bus, bms_tp, now).ok());
    Pump();
  }
  void Poll() {
    session.Poll(now);
    bms_tp.Poll(now);
    Pump();
  }
  // Advances virtual time by ms in control ticks.
  void Run(uint64_t ms) {
    for (uint64_t t = 0; t < ms; t += kTick) {
      now += kTick;
      Poll();
    }
  }
  int Count(Msg m) const {
    int n = 0;
    for (const auto& p : from_charger) {
      n += p.pgn == gbt::Spec(m).pgn ? 1 : 0;
    }
    return n;
  }
  const gbt::Pdu* Last(Msg m) const {
    for (auto it = from_charger.rbegin(); it != from_charger.rend(); ++it) {
      if (it->pgn == gbt::Spec(m).pgn) {
        return &*it;
      }
    }
    return nullptr;
  }

  // Session steps, each checked.
  void ToRecognition() {
    session.Start(now);
    Poll();
    ASSERT_EQ(Count(Msg::kChm), 1);
    Bms(gbt::EncodeBhm(gbt::Bhm{72.0f}), Msg::kBhm);
    ASSERT_EQ(session.phase(), GbtPhase::kRecognition);
    Poll();
  }
  void ToParameters(const gbt::Bcp& bcp = GoodBcp()) {
    ToRecognition();
    gbt::Brm brm;
    brm.battery_type = gbt::BatteryType::kLiFePo4;
    brm.rated_capacity_ah = 50;
    brm.rated_voltage_v = 51.2f;
    Bms(gbt::EncodeBrm(brm), Msg::kBrm);
    Poll();
    Bms(gbt::EncodeBcp(bcp), Msg::kBcp);
    Poll();
  }
  void ToReadiness() {
    ToParameters();
    ASSERT_EQ(session.phase(), GbtPhase::kParameters);
    Bms(gbt::EncodeBro(gbt::Bro{true}), Msg::kBro);
    ASSERT_EQ(session.phase(), GbtPhase::kReadiness);
    Poll();
  }
  void SendBcl(float v = 57.6f, float i = 30.0f) {
    Bms(gbt::EncodeBcl(gbt::Bcl{v, i, gbt::ChargeMode::kConstantCurrent}), Msg::kBcl);
  }
  void SendBcs(uint8_t soc = 60) {
    Bms(gbt::EncodeBcs(gbt::Bcs{53.0f, 29.5f, 3.32f, 1, soc, 50}), Msg::kBcs);
  }
  void ToCharging() {
    ToReadiness();
    session.SetOutputReady(true);
    Poll();
    SendBcl();
    SendBcs();
    Poll();
    ASSERT_EQ(session.phase(), GbtPhase::kCharging);
  }
  // The BMS keeps its periodic messages flowing for ms (BCL every 50 ms, BCS every 250 ms).
  void ChargeFor(uint64_t ms) {
    for (uint64_t t = 0; t < ms; t += gbt::Spec(Msg::kBcl).period_ms) {
      SendBcl();
      if (t % gbt::Spec(Msg::kBcs).period_ms == 0) {
        SendBcs();
      }
      Run(gbt::Spec(Msg::kBcl).period_ms);
    }
  }
};

TEST_F(GbtSessionTest, FullSessionFrameByFrame) {
  session.Start(now);
  EXPECT_EQ(session.phase(), GbtPhase::kHandshake);
  Poll();
  ASSERT_NE(Last(Msg::kChm), nullptr);
  EXPECT_EQ(Last(Msg::kChm)->data[0], 0x01);  // V1.1
  Run(gbt::Spec(Msg::kChm).period_ms);
  EXPECT_EQ(Count(Msg::kChm), 2);  // every 250 ms

  Bms(gbt::EncodeBhm(gbt::Bhm{72.0f}), Msg::kBhm);
  EXPECT_EQ(session.phase(), GbtPhase::kRecognition);
  EXPECT_FLOAT_EQ(session.battery_limits().bhm_max_voltage_v, 72.0f);
  Poll();
  ASSERT_NE(Last(Msg::kCrm), nullptr);
  EXPECT_EQ(Last(Msg::kCrm)->data[0], 0x00);
  EXPECT_EQ(gbt::DecodeCrm(*Last(Msg::kCrm))->charger_number, 4242u);

  gbt::Brm brm;
  brm.battery_type = gbt::BatteryType::kLiFePo4;
  brm.rated_capacity_ah = 50;
  brm.rated_voltage_v = 51.2f;
  Bms(gbt::EncodeBrm(brm), Msg::kBrm);  // 49 bytes through RTS/CTS
  EXPECT_EQ(session.transport_counters().messages_received, 1u);
  EXPECT_EQ(bms_tp.counters().messages_sent, 1u);
  EXPECT_EQ(session.brm().battery_type, gbt::BatteryType::kLiFePo4);
  Poll();
  EXPECT_EQ(Last(Msg::kCrm)->data[0], 0xAA);

  Bms(gbt::EncodeBcp(GoodBcp()), Msg::kBcp);
  EXPECT_EQ(session.phase(), GbtPhase::kParameters);
  EXPECT_TRUE(session.battery_limits().valid);
  EXPECT_NEAR(session.battery_limits().max_voltage_v, 58.4f, 0.01f);
  EXPECT_NEAR(session.soc_percent(), 40.0f, 0.01f);
  Poll();
  ASSERT_NE(Last(Msg::kCml), nullptr);
  gbt::Cml cml = *gbt::DecodeCml(*Last(Msg::kCml));
  EXPECT_NEAR(cml.max_voltage_v, 100.0f, 0.01f);
  EXPECT_NEAR(cml.min_voltage_v, 40.0f, 0.01f);
  EXPECT_NEAR(cml.max_current_a, 60.0f, 0.01f);
  ASSERT_NE(Last(Msg::kCts), nullptr);

  Bms(gbt::EncodeBro(gbt::Bro{false}), Msg::kBro);
  EXPECT_EQ(session.phase(), GbtPhase::kParameters);
  Bms(gbt::EncodeBro(gbt::Bro{true}), Msg::kBro);
  EXPECT_EQ(session.phase(), GbtPhase::kReadiness);
  Poll();
  EXPECT_EQ(Last(Msg::kCro)->data[0], 0x00);  // the power stage is not ready yet
  session.SetOutputReady(true);
  Poll();
  EXPECT_EQ(Last(Msg::kCro)->data[0], 0xAA);

  SendBcl(57.6f, 30.0f);
  SendBcs(60);
  EXPECT_EQ(session.phase(), GbtPhase::kReadiness);
  Poll();
  EXPECT_EQ(session.phase(), GbtPhase::kCharging);
  EXPECT_TRUE(session.OutputPermitted(now));
  EXPECT_TRUE(session.VehicleAlive(now));
  vehicle::Demand d = session.demand();
  EXPECT_TRUE(d.valid);
  EXPECT_NEAR(d.voltage_v, 57.6f, 0.01f);
  EXPECT_NEAR(d.current_a, 30.0f, 0.01f);
  EXPECT_EQ(d.mode, gbt::ChargeMode::kConstantCurrent);
  EXPECT_FLOAT_EQ(session.soc_percent(), 60.0f);

  session.SetChargerOutput(ChargerOutput{55.1f, 29.8f, 0.4f});
  Bms(gbt::EncodeBsm(gbt::Bsm{}), Msg::kBsm);
  ChargeFor(1000);
  EXPECT_GE(Count(Msg::kCcs), 19);  // every 50 ms
  gbt::Ccs ccs = *gbt::DecodeCcs(*Last(Msg::kCcs));
  EXPECT_NEAR(ccs.voltage_v, 55.1f, 0.01f);
  EXPECT_NEAR(ccs.current_a, 29.8f, 0.01f);
  EXPECT_TRUE(ccs.charging_permitted);

  // The vehicle is full.
  Bms(gbt::EncodeBst(gbt::Flags{gbt::bst::kSocTargetReached, 0}), Msg::kBst);
  EXPECT_EQ(session.phase(), GbtPhase::kEnding);
  EXPECT_FALSE(session.OutputPermitted(now));
  EXPECT_EQ(session.stop_cause(), StopCause::kVehicleRequest);
  EXPECT_TRUE(session.vehicle_stop_reasons().Has(gbt::bst::kSocTargetReached));
  Poll();
  ASSERT_NE(Last(Msg::kCst), nullptr);
  EXPECT_EQ(Last(Msg::kCst)->data[0], 0x40);  // "the BMS stopped"
  const int cst_before = Count(Msg::kCst);
  Run(100);
  EXPECT_GE(Count(Msg::kCst) - cst_before, 9);  // every 10 ms

  Bms(gbt::EncodeBsd(gbt::Bsd{100, 3.30f, 3.40f, 20, 31}), Msg::kBsd);
  EXPECT_TRUE(session.bsd_received());
  EXPECT_EQ(session.bsd().soc_percent, 100);
  Poll();
  ASSERT_NE(Last(Msg::kCsd), nullptr);
  gbt::Csd csd = *gbt::DecodeCsd(*Last(Msg::kCsd));
  EXPECT_NEAR(csd.energy_kwh, 0.4f, 0.01f);
  EXPECT_EQ(csd.charger_number, 4242u);
  Run(kCsdSendDurationMs);
  EXPECT_EQ(session.phase(), GbtPhase::kEnded);
  EXPECT_TRUE(session.Finished());
  EXPECT_EQ(session.decode_stats().Errors(), 0u);
  EXPECT_EQ(session.counters().tx_errors, 0u);
  const size_t sent = from_charger.size();
  Run(1000);
  EXPECT_EQ(from_charger.size(), sent);  // silent once ended
}

// ---- timeouts -----------------------------------------------------------------------------------

TEST_F(GbtSessionTest, NoBhmMeansALegacyBmsAndRecognitionStarts) {
  session.Start(now);
  Run(kTimeoutBhmMs - kTick);
  EXPECT_EQ(session.phase(), GbtPhase::kHandshake);
  Run(kTick);
  EXPECT_EQ(session.phase(), GbtPhase::kRecognition);
  EXPECT_LT(session.battery_limits().bhm_max_voltage_v, 0);
}

TEST_F(GbtSessionTest, BrmTimeoutFaultsAndSendsCemForFiveSeconds) {
  ToRecognition();
  Run(kTimeoutBrmMs);
  EXPECT_EQ(session.phase(), GbtPhase::kFaulted);
  EXPECT_EQ(session.timeout(), GbtTimeout::kBrm);
  EXPECT_EQ(session.stop_cause(), StopCause::kTimeout);
  ASSERT_NE(Last(Msg::kCem), nullptr);
  EXPECT_EQ(gbt::DecodeCem(*Last(Msg::kCem))->triggered, gbt::cem::kBrm);
  EXPECT_FALSE(session.Finished());
  Run(kCemSendDurationMs);
  EXPECT_TRUE(session.Finished());
  const int cem = Count(Msg::kCem);
  EXPECT_GE(cem, static_cast<int>(kCemSendDurationMs / kPeriodCemMs));
  Run(1000);
  EXPECT_EQ(Count(Msg::kCem), cem);
}

TEST_F(GbtSessionTest, BcpTimeout) {
  ToRecognition();
  gbt::Brm brm;
  Bms(gbt::EncodeBrm(brm), Msg::kBrm);
  Run(kTimeoutBcpMs - kTick);
  EXPECT_EQ(session.phase(), GbtPhase::kRecognition);
  Run(kTick);
  EXPECT_EQ(session.timeout(), GbtTimeout::kBcp);
  EXPECT_EQ(gbt::DecodeCem(*Last(Msg::kCem))->triggered, gbt::cem::kBcp);
}

TEST_F(GbtSessionTest, NoBroAtAllTimesOutAfterFiveSeconds) {
  ToParameters();
  Run(kTimeoutBroMs);
  EXPECT_EQ(session.phase(), GbtPhase::kFaulted);
  EXPECT_EQ(session.timeout(), GbtTimeout::kBro);
  EXPECT_EQ(gbt::DecodeCem(*Last(Msg::kCem))->triggered, gbt::cem::kBro);
}

TEST_F(GbtSessionTest, BroNeverReadyTimesOutAfterSixtySeconds) {
  ToParameters();
  for (uint64_t t = 0; t + kPeriodBroMs < kTimeoutBroReadyMs; t += kPeriodBroMs) {
    Bms(gbt::EncodeBro(gbt::Bro{false}), Msg::kBro);
    Run(kPeriodBroMs);
  }
  EXPECT_EQ(session.phase(), GbtPhase::kParameters);
  Bms(gbt::EncodeBro(gbt::Bro{false}), Msg::kBro);
  Run(kPeriodBroMs);
  EXPECT_EQ(session.phase(), GbtPhase::kFaulted);
  EXPECT_EQ(session.timeout(), GbtTimeout::kBro);
}

TEST_F(GbtSessionTest, NoBclAfterCroTimesOutAfterOneSecond) {
  ToReadiness();
  session.SetOutputReady(true);
  Poll();
  for (uint64_t t = 0; t < kTimeoutBclMs; t += kPeriodBcsMs) {
    SendBcs();
    Run(kPeriodBcsMs);
  }
  EXPECT_EQ(session.phase(), GbtPhase::kFaulted);
  EXPECT_EQ(session.timeout(), GbtTimeout::kBcl);
}

TEST_F(GbtSessionTest, NoBcsAfterCroTimesOutAfterFiveSeconds) {
  ToReadiness();
  session.SetOutputReady(true);
  Poll();
  for (uint64_t t = 0; t < kTimeoutBcsMs; t += kPeriodBclMs) {
    SendBcl();
    Run(kPeriodBclMs);
  }
  EXPECT_EQ(session.phase(), GbtPhase::kFaulted);
  EXPECT_EQ(session.timeout(), GbtTimeout::kBcs);
}

TEST_F(GbtSessionTest, ChargerNeverReadyStopsTheSession) {
  ToReadiness();
  Run(kTimeoutCroReadyMs);
  EXPECT_EQ(session.phase(), GbtPhase::kEnding);
  EXPECT_EQ(session.stop_cause(), StopCause::kChargerNotReady);
  EXPECT_TRUE(gbt::DecodeCst(*Last(Msg::kCst))->Has(gbt::cst::kEnergyNotDeliverable));
}

TEST_F(GbtSessionTest, BmsSilentDuringChargingStopsWithinOneSecond) {
  ToCharging();
  ChargeFor(500);
  EXPECT_TRUE(session.OutputPermitted(now));
  const uint64_t silent_from = now;
  while (session.phase() == GbtPhase::kCharging && now - silent_from < 2 * kTimeoutBclMs) {
    Run(kTick);
  }
  EXPECT_EQ(session.phase(), GbtPhase::kFaulted);
  EXPECT_EQ(session.timeout(), GbtTimeout::kBcl);
  EXPECT_LE(now - silent_from, kTimeoutBclMs);
  EXPECT_FALSE(session.OutputPermitted(now));
  EXPECT_FALSE(session.VehicleAlive(now));
  EXPECT_EQ(gbt::DecodeCem(*Last(Msg::kCem))->triggered, gbt::cem::kBcl);
}

TEST_F(GbtSessionTest, BcsMissingDuringChargingTimesOut) {
  ToCharging();
  for (uint64_t t = 0; t < kTimeoutBcsMs && session.phase() == GbtPhase::kCharging;
       t += kPeriodBclMs) {
    SendBcl();
    Run(kPeriodBclMs);
  }
  EXPECT_EQ(session.phase(), GbtPhase::kFaulted);
  EXPECT_EQ(session.timeout(), GbtTimeout::kBcs);
}

TEST_F(GbtSessionTest, VehicleAliveNeedsValidDataWithinOneSecond) {
  ToCharging();
  EXPECT_TRUE(session.VehicleAlive(now));
  EXPECT_TRUE(session.VehicleAlive(now + kVehicleAliveTimeoutMs - 1));
  EXPECT_FALSE(session.VehicleAlive(now + kVehicleAliveTimeoutMs));
  // Corrupted frames do not count as data.
  const uint64_t last_good = now;
  now += kVehicleAliveTimeoutMs - 100;
  gbt::Pdu bad = *gbt::EncodeBcl(gbt::Bcl{57.6f, 30, gbt::ChargeMode::kConstantCurrent});
  bad.data[4] = 0x07;  // invalid mode
  session.OnFrame(j1939::MakeFrame(6, bad.pgn, bad.source, bad.destination, bad.data, 5), now);
  EXPECT_EQ(session.decode_stats().out_of_range, 1u);
  EXPECT_FALSE(session.VehicleAlive(last_good + kVehicleAliveTimeoutMs));
}

TEST_F(GbtSessionTest, BstTimeoutAfterChargerStop) {
  ToCharging();
  ASSERT_TRUE(session.RequestStop(gbt::cst::kManualStop, now).ok());
  EXPECT_EQ(session.phase(), GbtPhase::kEnding);
  Run(kTimeoutBstMs);
  EXPECT_EQ(session.phase(), GbtPhase::kFaulted);
  EXPECT_EQ(session.timeout(), GbtTimeout::kBst);
  EXPECT_EQ(session.stop_cause(), StopCause::kChargerRequest);  // the first cause stays
}

TEST_F(GbtSessionTest, BsdTimeout) {
  ToCharging();
  Bms(gbt::EncodeBst(gbt::Flags{gbt::bst::kTotalVoltageReached, 0}), Msg::kBst);
  Run(kTimeoutBsdMs - kTick);
  EXPECT_EQ(session.phase(), GbtPhase::kEnding);
  Run(kTick);
  EXPECT_EQ(session.phase(), GbtPhase::kFaulted);
  EXPECT_EQ(session.timeout(), GbtTimeout::kBsd);
}

// ---- abnormal ends ------------------------------------------------------------------------------

TEST_F(GbtSessionTest, ChargerStopIsAnsweredByBstThenStatistics) {
  ToCharging();
  EXPECT_EQ(session.RequestStop(0, now), Status(Errc::kInvalidArgument));
  EXPECT_EQ(session.RequestStop(1u << 20, now), Status(Errc::kInvalidArgument));
  ASSERT_TRUE(session.RequestStop(gbt::cst::kManualStop, now).ok());
  EXPECT_FALSE(session.OutputPermitted(now));
  Poll();
  EXPECT_TRUE(gbt::DecodeCst(*Last(Msg::kCst))->Has(gbt::cst::kManualStop));
  Bms(gbt::EncodeBst(gbt::Flags{gbt::bst::kChargerStopped, 0}), Msg::kBst);
  EXPECT_EQ(session.phase(), GbtPhase::kEnding);
  EXPECT_EQ(session.stop_cause(), StopCause::kChargerRequest);
  Bms(gbt::EncodeBsd(gbt::Bsd{61, 3.3f, 3.4f, 20, 30}), Msg::kBsd);
  Run(kCsdSendDurationMs);
  EXPECT_EQ(session.phase(), GbtPhase::kEnded);
  EXPECT_EQ(session.charger_stop_reasons(), gbt::cst::kManualStop);
  EXPECT_EQ(session.RequestStop(gbt::cst::kManualStop, now), Status(Errc::kFailedPrecondition));
}

TEST_F(GbtSessionTest, BatteryOutsideTheChargerRangeIsRefusedWithAReason) {
  struct Row {
    gbt::Bcp bcp;
    Refusal expected;
  };
  gbt::Bcp high = GoodBcp();
  high.present_voltage_v = 101;
  gbt::Bcp low = GoodBcp();
  low.present_voltage_v = 39;
  gbt::Bcp max_low = GoodBcp();
  max_low.max_voltage_v = 39;
  max_low.present_voltage_v = 40;
  gbt::Bcp current = GoodBcp();
  current.max_current_a = 0.5f;
  for (const Row& r : {Row{high, Refusal::kBatteryVoltageAboveChargerMax},
                       Row{low, Refusal::kBatteryVoltageBelowChargerMin},
                       Row{max_low, Refusal::kMaxVoltageBelowChargerMin},
                       Row{current, Refusal::kMaxCurrentBelowChargerMin}}) {
    from_charger.clear();
    ToParameters(r.bcp);
    EXPECT_EQ(session.phase(), GbtPhase::kEnding) << RefusalName(r.expected);
    EXPECT_EQ(session.refusal(), r.expected);
    EXPECT_EQ(session.stop_cause(), StopCause::kParametersRefused);
    ASSERT_NE(Last(Msg::kCst), nullptr);
    gbt::Flags cst = *gbt::DecodeCst(*Last(Msg::kCst));
    EXPECT_TRUE(cst.Has(gbt::cst::kFaultStop));
    EXPECT_TRUE(cst.Has(gbt::cst::kEnergyNotDeliverable));
    EXPECT_EQ(Last(Msg::kCml), nullptr);  // never offered
  }
}

TEST_F(GbtSessionTest, BatteryWhichAllowsMoreThanWeCanGiveIsAccepted) {
  gbt::Bcp big = GoodBcp();
  big.max_voltage_v = 400;
  big.max_current_a = 200;
  ToParameters(big);
  EXPECT_EQ(session.phase(), GbtPhase::kParameters);
  EXPECT_EQ(session.refusal(), Refusal::kNone);
}

TEST_F(GbtSessionTest, DemandIsLimitedToBatteryAndChargerLimits) {
  ToCharging();
  SendBcl(80.0f, 30.0f);  // above the BCP maximum of 58.4 V
  EXPECT_NEAR(session.demand().voltage_v, 58.4f, 0.01f);
  SendBcl(57.0f, 55.0f);  // above the BCP maximum of 50 A
  EXPECT_NEAR(session.demand().current_a, 50.0f, 0.01f);
  EXPECT_EQ(session.counters().demand_clamped, 2u);
}

TEST_F(GbtSessionTest, BsmFaultStopsCharging) {
  ToCharging();
  gbt::Bsm bsm;
  bsm.insulation = gbt::Status2::kSet;
  Bms(gbt::EncodeBsm(bsm), Msg::kBsm);
  EXPECT_EQ(session.phase(), GbtPhase::kEnding);
  EXPECT_FALSE(session.OutputPermitted(now));
  EXPECT_EQ(session.stop_cause(), StopCause::kBatteryFault);
  EXPECT_EQ(session.bsm().insulation, gbt::Status2::kSet);
  Poll();
  EXPECT_TRUE(gbt::DecodeCst(*Last(Msg::kCst))->Has(gbt::cst::kFaultStop));
}

TEST_F(GbtSessionTest, BsmOverTemperatureStopsCharging) {
  ToCharging();
  gbt::Bsm bsm;
  bsm.over_temperature = gbt::Status2::kSet;
  bsm.max_temperature_c = 61;
  Bms(gbt::EncodeBsm(bsm), Msg::kBsm);
  EXPECT_EQ(session.stop_cause(), StopCause::kBatteryFault);
  EXPECT_EQ(session.bsm().max_temperature_c, 61);
}

TEST_F(GbtSessionTest, BsmPauseSuspendsOutputWithoutEndingTheSession) {
  ToCharging();
  gbt::Bsm bsm;
  bsm.charging_permitted = false;
  Bms(gbt::EncodeBsm(bsm), Msg::kBsm);
  EXPECT_EQ(session.phase(), GbtPhase::kCharging);
  EXPECT_TRUE(session.charging_paused());
  EXPECT_FALSE(session.OutputPermitted(now));
  Bms(gbt::EncodeBsm(gbt::Bsm{}), Msg::kBsm);
  EXPECT_TRUE(session.OutputPermitted(now));
}

TEST_F(GbtSessionTest, BemFromTheVehicleFaultsTheSession) {
  ToCharging();
  Bms(gbt::EncodeBem(gbt::Flags{gbt::bem::kCcs, 0}), Msg::kBem);
  EXPECT_EQ(session.phase(), GbtPhase::kFaulted);
  EXPECT_EQ(session.stop_cause(), StopCause::kVehicleError);
  EXPECT_TRUE(session.vehicle_error().Has(gbt::bem::kCcs));
  EXPECT_FALSE(session.OutputPermitted(now));
  Poll();
  EXPECT_TRUE(session.Finished());
  EXPECT_EQ(Last(Msg::kCem), nullptr);
}

TEST_F(GbtSessionTest, VehicleStopBeforeChargingStillEndsCleanly) {
  ToParameters();
  Bms(gbt::EncodeBst(gbt::Flags{gbt::bst::kOtherFault, 0}), Msg::kBst);
  EXPECT_EQ(session.phase(), GbtPhase::kEnding);
  EXPECT_TRUE(session.vehicle_stop_reasons().Has(gbt::bst::kOtherFault));
  Bms(gbt::EncodeBsd(gbt::Bsd{40, 3.3f, 3.3f, 20, 20}), Msg::kBsd);
  Run(kCsdSendDurationMs);
  EXPECT_EQ(session.phase(), GbtPhase::kEnded);
}

TEST_F(GbtSessionTest, InsulationCheckGatesRecognition) {
  config.insulation_check = true;
  GbtSession s(charger_bus, config);
  s.Start(now);
  s.OnFrame(j1939::MakeFrame(6, 0x2700, gbt::kBmsAddress, gbt::kChargerAddress,
                             gbt::EncodeBhm(gbt::Bhm{72})->data, 2),
            now);
  EXPECT_EQ(s.phase(), GbtPhase::kInsulation);
  s.ReportInsulationCheck(true, now);
  EXPECT_EQ(s.phase(), GbtPhase::kRecognition);

  GbtSession failed(charger_bus, config);
  failed.Start(now);
  failed.Poll(now + kTimeoutBhmMs);  // legacy BMS: no BHM, still tested
  EXPECT_EQ(failed.phase(), GbtPhase::kInsulation);
  failed.ReportInsulationCheck(false, now + kTimeoutBhmMs);
  EXPECT_EQ(failed.phase(), GbtPhase::kEnded);
  EXPECT_EQ(failed.stop_cause(), StopCause::kInsulationFailed);

  GbtSession slow(charger_bus, config);
  slow.Start(now);
  slow.Poll(now + kTimeoutBhmMs);
  slow.Poll(now + kTimeoutBhmMs + kInsulationCheckTimeoutMs);
  EXPECT_EQ(slow.phase(), GbtPhase::kEnded);
  EXPECT_EQ(slow.stop_cause(), StopCause::kInsulationFailed);
}

TEST_F(GbtSessionTest, CorruptedAndForeignFramesAreCountedAndIgnored) {
  ToCharging();
  const vehicle::Demand before = session.demand();
  // Truncated BCL.
  gbt::Pdu bcl = *gbt::EncodeBcl(gbt::Bcl{40, 10, gbt::ChargeMode::kConstantVoltage});
  session.OnFrame(j1939::MakeFrame(6, bcl.pgn, bcl.source, bcl.destination, bcl.data, 3), now);
  EXPECT_EQ(session.decode_stats().wrong_length, 1u);
  // BCL from a third node.
  session.OnFrame(j1939::MakeFrame(6, bcl.pgn, 0x10, bcl.destination, bcl.data, 5), now);
  EXPECT_EQ(session.decode_stats().wrong_address, 1u);
  EXPECT_NEAR(session.demand().voltage_v, before.voltage_v, 0.01f);
  // A standard-id frame and an unknown PGN.
  can::Frame std_frame;
  std_frame.id = 0x100;
  session.OnFrame(std_frame, now);
  uint8_t d[8] = {};
  session.OnFrame(j1939::MakeFrame(7, gbt::kPgnBmv, gbt::kBmsAddress, gbt::kChargerAddress, d, 8),
                  now);
  EXPECT_EQ(session.counters().ignored, 2u);
  // A charger-side message coming from the BMS is not ours to handle.
  gbt::Pdu ccs = *gbt::EncodeCcs(gbt::Ccs{});
  session.OnFrame(j1939::MakeFrame(6, ccs.pgn, gbt::kBmsAddress, gbt::kChargerAddress, ccs.data, 8),
                  now);
  EXPECT_EQ(session.counters().ignored, 3u);
  EXPECT_EQ(session.phase(), GbtPhase::kCharging);
}

TEST_F(GbtSessionTest, FramesDecodedInPlaceAreCheckedLikeAnyMessage) {
  ToCharging();
  const uint32_t decoded = session.decode_stats().decoded;
  const uint32_t ignored = session.counters().ignored;
  gbt::Pdu bcl = *gbt::EncodeBcl(gbt::Bcl{45, 12, gbt::ChargeMode::kConstantCurrent});
  // A corrupt mode byte and a voltage above 750 V: out of range, the demand stays.
  const vehicle::Demand before = session.demand();
  can::Frame bad_mode = j1939::MakeFrame(6, bcl.pgn, bcl.source, bcl.destination, bcl.data, 5);
  bad_mode.data[4] = 0x07;
  session.OnFrame(bad_mode, now);
  can::Frame bad_voltage = j1939::MakeFrame(6, bcl.pgn, bcl.source, bcl.destination, bcl.data, 5);
  bad_voltage.data[0] = 0x4D;
  bad_voltage.data[1] = 0x1D;
  session.OnFrame(bad_voltage, now);
  EXPECT_EQ(session.decode_stats().out_of_range, 2u);
  EXPECT_NEAR(session.demand().voltage_v, before.voltage_v, 0.01f);
  // Not J1939 data frames: a remote frame, the reserved EDP bit, a DLC above 8.
  can::Frame remote = j1939::MakeFrame(6, bcl.pgn, bcl.source, bcl.destination, bcl.data, 5);
  remote.remote = true;
  session.OnFrame(remote, now);
  can::Frame edp = j1939::MakeFrame(6, bcl.pgn, bcl.source, bcl.destination, bcl.data, 5);
  edp.id |= 1u << 25;
  session.OnFrame(edp, now);
  can::Frame long_dlc = j1939::MakeFrame(6, bcl.pgn, bcl.source, bcl.destination, bcl.data, 5);
  long_dlc.dlc = 9;
  session.OnFrame(long_dlc, now);
  EXPECT_EQ(session.counters().ignored, ignored + 3);
  EXPECT_EQ(session.decode_stats().decoded, decoded);
  // A good BCL, padded to 8 bytes as real BMSs send it, is taken.
  can::Frame good = j1939::MakeFrame(6, bcl.pgn, bcl.source, bcl.destination, bcl.data, 8);
  session.OnFrame(good, now);
  EXPECT_EQ(session.decode_stats().decoded, decoded + 1);
  EXPECT_NEAR(session.demand().voltage_v, 45.0f, 0.01f);
  EXPECT_NEAR(session.demand().current_a, 12.0f, 0.01f);
  // A multi-packet message longer than any GB/T message we decode (BMV, 64 bytes) is ignored.
  const uint32_t reassembled = session.transport_counters().messages_received;
  std::vector<uint8_t> bmv(64, 0x11);
  ASSERT_TRUE(bms_tp.Send(gbt::kPgnBmv, gbt::kChargerAddress, bmv.data(), 64, now).ok());
  Pump();
  EXPECT_EQ(session.transport_counters().messages_received, reassembled + 1);
  EXPECT_EQ(session.counters().ignored, ignored + 4);
  EXPECT_EQ(session.phase(), GbtPhase::kCharging);
}

TEST_F(GbtSessionTest, MessagesOutOfPhaseAreCountedNotActedOn) {
  session.Start(now);
  Bms(gbt::EncodeBcl(gbt::Bcl{57, 30, gbt::ChargeMode::kConstantCurrent}), Msg::kBcl);
  EXPECT_FALSE(session.demand().valid);
  EXPECT_EQ(session.counters().out_of_phase, 1u);
  EXPECT_EQ(session.phase(), GbtPhase::kHandshake);
}

TEST_F(GbtSessionTest, StartAgainBeginsAFreshSession) {
  ToCharging();
  Bms(gbt::EncodeBem(gbt::Flags{gbt::bem::kCcs, 0}), Msg::kBem);
  ASSERT_EQ(session.phase(), GbtPhase::kFaulted);
  session.Start(now);
  EXPECT_EQ(session.phase(), GbtPhase::kHandshake);
  EXPECT_EQ(session.stop_cause(), StopCause::kNone);
  EXPECT_FALSE(session.demand().valid);
  EXPECT_LT(session.soc_percent(), 0);
  session.Reset();
  EXPECT_EQ(session.phase(), GbtPhase::kIdle);
  const size_t sent = from_charger.size();
  Run(500);
  EXPECT_EQ(from_charger.size(), sent);
}

TEST(GbtRoute, FilterTakesBmsFramesOnly) {
  uint8_t d[8] = {};
  EXPECT_TRUE(kBmsFrameFilter.Matches(
      j1939::MakeFrame(6, 0x1000, gbt::kBmsAddress, gbt::kChargerAddress, d, 5)));
  EXPECT_TRUE(kBmsFrameFilter.Matches(j1939::MakeFrame(
      j1939::kTpPriority, j1939::kPgnTpCm, gbt::kBmsAddress, j1939::kGlobalAddress, d, 8)));
  EXPECT_FALSE(kBmsFrameFilter.Matches(
      j1939::MakeFrame(6, 0x0800, gbt::kChargerAddress, gbt::kBmsAddress, d, 8)));
  can::Frame std_frame;
  std_frame.id = 0x0F4;
  EXPECT_FALSE(kBmsFrameFilter.Matches(std_frame));
}

}  // namespace
}  // namespace evc::vehicle
