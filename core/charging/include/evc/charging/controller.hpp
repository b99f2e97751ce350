#pragma once
// The charging controller: sequences one DC session over the real parts — gun lock, the vehicle's
// GB/T 27930 session, the InfyPower module, the contactor — under the safety supervisor, and
// presents the result to the OCPP layer as a ChargerHardware.
//
//   idle → locking → starting (GB/T handshake … readiness, module online) → precharging (module
//   at the battery voltage) → closing (contactor, feedback) → charging (module follows the
//   vehicle's demand) → stopping (module OFF, current decays) → opening (contactor open,
//   feedback) → unlocking (output discharged) → idle
//
// Every tick: the supervisor is evaluated first; a fault that stops charging switches the module
// off and opens the contactor in that same tick, before anything else happens.

#include <cstdint>

#include "evc/can/bus_guard.hpp"
#include "evc/charging/hardware.hpp"
#include "evc/charging/io.hpp"
#include "evc/common/clock.hpp"
#include "evc/common/log.hpp"
#include "evc/power/infy_module.hpp"
#include "evc/safety/supervisor.hpp"
#include "evc/vehicle/gbt_session.hpp"

namespace evc::charging {

struct ControllerConfig {
  float precharge_tolerance_v = 5.0f;  // module output within this of the battery before closing
  float precharge_current_a = 2.0f;    // current limit while precharging
  float safe_current_a = 1.0f;         // below this the contactor may open under no load
  float safe_voltage_v = 30.0f;        // below this the output counts as discharged
};

enum class ControlPhase : uint8_t {
  kIdle,
  kLocking,
  kStarting,
  kPrecharging,
  kClosing,
  kCharging,
  kStopping,
  kOpening,
  kUnlocking,
};
const char* ControlPhaseName(ControlPhase p);

class Controller final : public ChargerHardware {
 public:
  // `module_guard` and `vehicle_guard` watch the two CAN channels' buses (the same guard twice
  // when both channels share one bus); they are polled by their owner, not here.
  Controller(const Clock& clock, Logger& log, ChargerIo& io, power::InfyModule& module,
             vehicle::GbtSession& gbt, can::BusGuard& module_guard, can::BusGuard& vehicle_guard,
             safety::Supervisor& supervisor, const ControllerConfig& config = ControllerConfig{});

  // One control tick; CAN frames must have been dispatched to the module and the session first.
  void Poll();

  // ChargerHardware (used by the OCPP layer).
  bool CablePlugged() const override { return io_.GunConnected(); }
  bool EvRequestsEnergy() const override;
  void SetOutputEnabled(bool enabled) override { requested_ = enabled; }
  Telemetry ReadTelemetry() const override;
  bool UnlockConnector() override;
  safety::ErrorCode Fault() const override { return fault_; }
  EndCause TakeEndCause() override;
  bool ResetFault() override;

  ControlPhase phase() const { return phase_; }
  bool energy_flowing() const { return io_.ContactorCommandedClosed(); }
  const safety::Supervisor& supervisor() const { return supervisor_; }
  uint64_t last_trip_ms() const { return last_trip_ms_; }

 private:
  void Enter(ControlPhase p, uint64_t now);
  void Sequence(uint64_t now, const safety::Decision& d);
  void BeginStop(uint64_t now, bool emergency);
  safety::Inputs Sample(uint64_t now) const;
  safety::ErrorCode ModuleFault(const power::ModuleHealth& h) const;
  safety::ErrorCode SessionFault() const;
  bool Elapsed(uint64_t now, uint32_t ms) const { return now - phase_since_ >= ms; }

  const Clock& clock_;
  Logger& log_;
  ChargerIo& io_;
  power::InfyModule& module_;
  vehicle::GbtSession& gbt_;
  can::BusGuard& module_guard_;
  can::BusGuard& vehicle_guard_;
  safety::Supervisor& supervisor_;
  ControllerConfig config_;

  bool requested_ = false;  // the OCPP layer wants energy (a transaction is running)
  ControlPhase phase_ = ControlPhase::kIdle;
  uint64_t phase_since_ = 0;
  safety::ErrorCode fault_ = safety::ErrorCode::kNone;
  EndCause end_cause_ = EndCause::kNone;
  bool session_over_ = false;  // the GB/T session ended; wait for unplug before a new one
  uint64_t last_trip_ms_ = 0;
};

}  // namespace evc::charging
