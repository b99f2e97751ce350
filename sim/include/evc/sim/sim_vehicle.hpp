#pragma once
// A simulated light EV on the gun, with the charger's power stage: enough physics to charge.
// The battery follows constant current then a linear taper (a CC/CV stand-in), its voltage rises
// with state of charge, and the vehicle stops asking for energy when full.
// (The CAN-level models of the power module and the BMS replace the power side in issue #3.)

#include <cstdint>

#include "evc/charging/hardware.hpp"

namespace evc::sim {

struct VehicleParams {
  double capacity_wh = 2000.0;  // a 60 V / 33 Ah LEV pack
  double empty_voltage_v = 54.0;
  double full_voltage_v = 67.2;  // 16S lithium-ion at 4.2 V per cell
  double max_current_a = 20.0;   // charge current in the constant-current phase
  double taper_from_soc = 80.0;  // percent; above it the current falls linearly
  double min_current_a = 2.0;    // current at 100 %
  double charger_max_current_a = 30.0;
};

class SimVehicle final : public charging::ChargerHardware {
 public:
  explicit SimVehicle(const VehicleParams& p = VehicleParams{}) : p_(p) {}

  // Advances the physics by dt_ms.
  void Step(uint64_t dt_ms);

  // Operator / test commands.
  void Plug() { plugged_ = true; }
  void Unplug() {
    plugged_ = false;
    output_ = false;
  }
  void SetSoc(double percent);
  double soc() const { return soc_; }
  bool output() const { return output_; }
  bool plugged() const { return plugged_; }
  bool locked() const { return plugged_ && !unlocked_; }
  double delivered_wh() const { return delivered_wh_; }

  // ChargerHardware
  bool CablePlugged() const override { return plugged_; }
  bool EvRequestsEnergy() const override { return plugged_ && soc_ < kFullSoc; }
  void SetOutputEnabled(bool enabled) override;
  charging::Telemetry ReadTelemetry() const override;
  bool UnlockConnector() override;

 private:
  static constexpr double kFullSoc = 100.0;
  double Voltage() const;
  double DemandCurrent() const;
  VehicleParams p_;
  bool plugged_ = false;
  bool output_ = false;
  bool unlocked_ = false;
  double soc_ = 30.0;
  double current_a_ = 0;
  double delivered_wh_ = 0;
};

}  // namespace evc::sim
