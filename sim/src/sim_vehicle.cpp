#include "evc/sim/sim_vehicle.hpp"

namespace evc::sim {

namespace {
constexpr double kMsPerHour = 3600000.0;
constexpr double kAmbientC = 25.0;
constexpr double kHeatingCPerAmp = 0.5;  // module temperature rise per ampere, steady state
}  // namespace

void SimVehicle::SetSoc(double percent) {
  soc_ = percent < 0 ? 0 : (percent > kFullSoc ? kFullSoc : percent);
}

double SimVehicle::Voltage() const {
  return p_.empty_voltage_v + (p_.full_voltage_v - p_.empty_voltage_v) * soc_ / kFullSoc;
}

double SimVehicle::DemandCurrent() const {
  if (!EvRequestsEnergy()) {
    return 0;
  }
  double i = p_.max_current_a;
  if (soc_ > p_.taper_from_soc) {
    const double f = (kFullSoc - soc_) / (kFullSoc - p_.taper_from_soc);
    i = p_.min_current_a + (p_.max_current_a - p_.min_current_a) * f;
  }
  return i > p_.charger_max_current_a ? p_.charger_max_current_a : i;
}

void SimVehicle::Step(uint64_t dt_ms) {
  current_a_ = output_ && plugged_ ? DemandCurrent() : 0.0;
  const double wh = Voltage() * current_a_ * static_cast<double>(dt_ms) / kMsPerHour;
  delivered_wh_ += wh;
  SetSoc(soc_ + wh / p_.capacity_wh * kFullSoc);
}

void SimVehicle::SetOutputEnabled(bool enabled) {
  output_ = enabled && plugged_;
  if (enabled) {
    unlocked_ = false;  // the gun is locked while energy may flow
  }
}

charging::Telemetry SimVehicle::ReadTelemetry() const {
  charging::Telemetry t;
  t.valid = true;
  t.voltage_v = static_cast<float>(plugged_ ? Voltage() : 0.0);
  t.current_a = static_cast<float>(current_a_);
  t.current_offered_a = static_cast<float>(output_ ? p_.charger_max_current_a : 0.0);
  t.temperature_c = static_cast<float>(kAmbientC + kHeatingCPerAmp * current_a_);
  t.soc_percent = static_cast<float>(plugged_ ? soc_ : -1.0);
  return t;
}

bool SimVehicle::UnlockConnector() {
  output_ = false;
  unlocked_ = true;
  return true;
}

}  // namespace evc::sim
