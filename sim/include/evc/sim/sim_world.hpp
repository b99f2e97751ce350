#pragma once
// The charger's physical world for the simulator: two CAN buses (power module at 125 kbit/s,
// vehicle at 250 kbit/s, as on the real harness), the InfyPower module model, the vehicle's GB/T
// BMS with its battery, and the digital I/O. Step() moves frames and couples the physics: the
// module drives the battery through the contactor only while the contacts are closed.

#include <cstdint>

#include "evc/sim/sim_can_bus.hpp"
#include "evc/sim/sim_gbt_bms.hpp"
#include "evc/sim/sim_io.hpp"
#include "evc/sim/sim_power_module.hpp"

namespace evc::sim {

constexpr float kSimAmbientC = 25.0f;
constexpr float kSimHeatingCPerAmp = 0.5f;  // gun temperature rise per ampere, steady state

class SimWorld {
 public:
  explicit SimWorld(const SimBatteryParams& battery = SimBatteryParams{},
                    const SimPowerModuleParams& module = SimPowerModuleParams{});
  Status Attach();
  void Step(uint64_t now_ms);

  // Operator actions.
  void Plug(uint64_t now_ms);
  void Unplug();

  SimCanBus& module_bus() { return module_bus_; }
  SimCanBus& vehicle_bus() { return vehicle_bus_; }
  SimIo& io() { return io_; }
  SimPowerModule& module() { return module_; }
  SimGbtBms& bms() { return bms_; }
  const SimGbtBms& bms() const { return bms_; }

 private:
  SimCanBus module_bus_;
  SimCanBus vehicle_bus_;
  SimIo io_;
  SimPowerModule module_;
  SimGbtBms bms_;
  SimBatteryParams battery_;
};

}  // namespace evc::sim
