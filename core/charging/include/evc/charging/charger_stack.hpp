#pragma once
// The charger's hardware-facing firmware, assembled: CAN dispatch for the power-module and vehicle
// channels (one shared bus or two), bus-off guards, the InfyPower driver, the GB/T session, the
// safety supervisor with its E-stop latch, and the controller. The ESP32 port and the simulator
// build the same stack over their own CanBus and ChargerIo.

#include <cstdint>

#include "evc/can/bus_guard.hpp"
#include "evc/can/dispatcher.hpp"
#include "evc/charging/controller.hpp"
#include "evc/charging/io.hpp"
#include "evc/common/clock.hpp"
#include "evc/common/log.hpp"
#include "evc/power/infy_module.hpp"
#include "evc/safety/supervisor.hpp"
#include "evc/vehicle/gbt_session.hpp"

namespace evc::charging {

struct ChargerStackConfig {
  power::infy::Address module_address;
  vehicle::GbtSessionConfig gbt;
  safety::Limits limits;
  ControllerConfig controller;
};

// Defaults for the 48-72 V light-EV charger this firmware targets.
ChargerStackConfig DefaultLevChargerConfig();

class ChargerStack {
 public:
  ChargerStack(const Clock& clock, Logger& log, can::CanBus& module_bus, can::CanBus& vehicle_bus,
               ChargerIo& io, const ChargerStackConfig& config);
  // Registers the CAN routes. Call once.
  Status Init();
  // One control tick: dispatch received frames, watch the buses, run the controller.
  void Poll();

  Controller& controller() { return controller_; }
  const Controller& controller() const { return controller_; }
  EmergencyStopHandler& emergency_stop() { return estop_handler_; }
  const power::InfyModule& module() const { return module_; }
  const vehicle::GbtSession& gbt() const { return gbt_; }
  const can::BusGuard& module_guard() const { return module_guard_; }
  const can::Dispatcher& module_dispatcher() const { return module_dispatch_; }

 private:
  bool shared_bus() const { return &module_bus_ == &vehicle_bus_; }
  const Clock& clock_;
  can::CanBus& module_bus_;
  can::CanBus& vehicle_bus_;
  can::Dispatcher module_dispatch_;
  can::Dispatcher vehicle_dispatch_;
  can::BusGuard module_guard_;
  can::BusGuard vehicle_guard_;
  power::InfyModule module_;
  vehicle::GbtSession gbt_;
  safety::EmergencyStopLatch estop_latch_;
  safety::Supervisor supervisor_;
  EmergencyStopHandler estop_handler_;
  Controller controller_;
  power::infy::Address module_address_;
};

}  // namespace evc::charging
