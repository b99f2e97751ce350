#include "evc/sim/sim_vehicle.hpp"

#include <gtest/gtest.h>

namespace evc::sim {
namespace {

TEST(SimVehicle, NoCurrentUntilPluggedAndEnabled) {
  SimVehicle v;
  v.SetOutputEnabled(true);
  v.Step(1000);
  EXPECT_FALSE(v.output());
  EXPECT_EQ(0.0f, v.ReadTelemetry().current_a);
  v.Plug();
  v.SetOutputEnabled(true);
  v.Step(1000);
  EXPECT_NEAR(20.0, v.ReadTelemetry().current_a, 1e-6);
}

TEST(SimVehicle, EnergyRaisesSocAndTapersNearFull) {
  SimVehicle v;
  v.Plug();
  v.SetOutputEnabled(true);
  const double soc0 = v.soc();
  v.Step(3600000 / 10);  // 6 minutes
  EXPECT_GT(v.soc(), soc0);
  EXPECT_NEAR(v.delivered_wh(), (v.soc() - soc0) / 100.0 * 2000.0, 1e-6);
  v.SetSoc(90);
  v.Step(10);
  EXPECT_LT(v.ReadTelemetry().current_a, 20.0f);
  v.SetSoc(100);
  EXPECT_FALSE(v.EvRequestsEnergy());
  v.Step(10);
  EXPECT_EQ(0.0f, v.ReadTelemetry().current_a);
}

TEST(SimVehicle, UnplugCutsOutput) {
  SimVehicle v;
  v.Plug();
  v.SetOutputEnabled(true);
  v.Unplug();
  EXPECT_FALSE(v.output());
  EXPECT_LT(v.ReadTelemetry().soc_percent, 0.0f);
}

}  // namespace
}  // namespace evc::sim
