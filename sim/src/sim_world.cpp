#include "evc/sim/sim_world.hpp"

namespace evc::sim {

SimWorld::SimWorld(const SimBatteryParams& battery, const SimPowerModuleParams& module)
    : module_(module_bus_, module), bms_(vehicle_bus_, battery), battery_(battery) {}

Status SimWorld::Attach() {
  EVC_TRY(module_.Attach());
  return bms_.Attach();
}

void SimWorld::Plug(uint64_t now_ms) {
  io_.Plug();
  bms_.Plug(now_ms);
}

void SimWorld::Unplug() {
  io_.Unplug();
  bms_.Unplug();
}

void SimWorld::Step(uint64_t now_ms) {
  io_.set_clock_ms(now_ms);
  module_bus_.Step(now_ms);
  vehicle_bus_.Step(now_ms);
  const bool connected = io_.GunConnected() && io_.ContactorFeedbackClosed();
  if (connected) {
    module_.SetBattery(static_cast<float>(bms_.OpenCircuitVoltage()),
                       static_cast<float>(battery_.internal_resistance_ohm));
  } else {
    module_.DisconnectBattery();
  }
  module_.Step(now_ms);
  const float current = connected ? module_.output_current_a() : 0.0f;
  bms_.SetMeasuredCurrent(current);
  bms_.Step(now_ms);
  io_.set_temperature_c(kSimAmbientC + kSimHeatingCPerAmp * current);
}

}  // namespace evc::sim
