#include "evc/charging/charger_stack.hpp"

namespace evc::charging {

ChargerStackConfig DefaultLevChargerConfig() {
  ChargerStackConfig c;
  // What we offer the vehicle (CML): the LEV range, kept inside the safety trip limits.
  c.gbt.capability.max_voltage_v = 75.0f;
  c.gbt.capability.min_voltage_v = 30.0f;
  c.gbt.capability.max_current_a = 30.0f;
  c.gbt.capability.min_current_a = 0.0f;
  c.gbt.insulation_check = false;  // no insulation monitor on this hardware revision
  return c;
}

ChargerStack::ChargerStack(const Clock& clock, Logger& log, can::CanBus& module_bus,
                           can::CanBus& vehicle_bus, ChargerIo& io,
                           const ChargerStackConfig& config)
    : clock_(clock),
      module_bus_(module_bus),
      vehicle_bus_(vehicle_bus),
      module_dispatch_(module_bus),
      vehicle_dispatch_(vehicle_bus),
      module_guard_(module_bus),
      vehicle_guard_(vehicle_bus),
      module_(module_bus, config.module_address, clock.MonotonicMs()),
      gbt_(vehicle_bus, config.gbt),
      supervisor_(clock, log, config.limits, estop_latch_),
      estop_handler_(io, estop_latch_),
      controller_(clock, log, io, module_, gbt_, module_guard_,
                  &module_bus == &vehicle_bus ? module_guard_ : vehicle_guard_, supervisor_,
                  config.controller),
      module_address_(config.module_address) {}

Status ChargerStack::Init() {
  EVC_TRY(module_dispatch_.AddRoute(can::Channel::kPowerModule,
                                    power::infy::ReplyFilter(module_address_), &module_));
  can::Dispatcher& vehicle = shared_bus() ? module_dispatch_ : vehicle_dispatch_;
  return vehicle.AddRoute(can::Channel::kVehicle, vehicle::kBmsFrameFilter, &gbt_);
}

void ChargerStack::Poll() {
  const uint64_t now = clock_.MonotonicMs();
  module_dispatch_.Pump(now);
  module_guard_.Poll(now);
  if (!shared_bus()) {
    vehicle_dispatch_.Pump(now);
    vehicle_guard_.Poll(now);
  }
  controller_.Poll();
}

}  // namespace evc::charging
