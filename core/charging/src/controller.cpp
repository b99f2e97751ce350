#include "evc/charging/controller.hpp"

#include <cmath>

#include "evc/charging/timing.hpp"

namespace evc::charging {

namespace {
constexpr const char* kTag = "ctl";
using safety::ErrorCode;
using vehicle::GbtPhase;
using vehicle::StopCause;
namespace cst = vehicle::gbt::cst;
}  // namespace

const char* ControlPhaseName(ControlPhase p) {
  switch (p) {
    case ControlPhase::kIdle:
      return "Idle";
    case ControlPhase::kLocking:
      return "Locking";
    case ControlPhase::kStarting:
      return "Starting";
    case ControlPhase::kPrecharging:
      return "Precharging";
    case ControlPhase::kClosing:
      return "Closing";
    case ControlPhase::kCharging:
      return "Charging";
    case ControlPhase::kStopping:
      return "Stopping";
    case ControlPhase::kOpening:
      return "Opening";
    case ControlPhase::kUnlocking:
      return "Unlocking";
  }
  return "?";
}

Controller::Controller(const Clock& clock, Logger& log, ChargerIo& io, power::InfyModule& module,
                       vehicle::GbtSession& gbt, can::BusGuard& module_guard,
                       can::BusGuard& vehicle_guard, safety::Supervisor& supervisor,
                       const ControllerConfig& config)
    : clock_(clock),
      log_(log),
      io_(io),
      module_(module),
      gbt_(gbt),
      module_guard_(module_guard),
      vehicle_guard_(vehicle_guard),
      supervisor_(supervisor),
      config_(config) {
  io_.SetContactor(false);
}

void Controller::Enter(ControlPhase p, uint64_t now) {
  if (p != phase_) {
    EVC_LOGI(log_, kTag, "%s -> %s", ControlPhaseName(phase_), ControlPhaseName(p));
  }
  phase_ = p;
  phase_since_ = now;
}

ErrorCode Controller::ModuleFault(const power::ModuleHealth& h) const {
  if (h.state == power::HealthState::kOffline)
    return ErrorCode::kModuleOffline;
  if (h.faults.output)
    return ErrorCode::kModuleOutputFault;
  if (h.faults.internal || h.faults.communication)
    return ErrorCode::kModuleInternalFault;
  if (h.faults.thermal)
    return ErrorCode::kModuleThermalFault;
  if (h.faults.input)
    return ErrorCode::kModuleInputFault;
  return ErrorCode::kNone;
}

ErrorCode Controller::SessionFault() const {
  if (!session_over_ && gbt_.phase() != GbtPhase::kFaulted && gbt_.phase() != GbtPhase::kEnding &&
      gbt_.phase() != GbtPhase::kEnded) {
    return ErrorCode::kNone;
  }
  switch (gbt_.stop_cause()) {
    case StopCause::kTimeout:
      return ErrorCode::kBmsTimeout;
    case StopCause::kBatteryFault:
    case StopCause::kVehicleError:
      return ErrorCode::kVehicleFault;
    case StopCause::kParametersRefused:
      return ErrorCode::kBatteryOutOfRange;
    default:
      return ErrorCode::kNone;
  }
}

safety::Inputs Controller::Sample(uint64_t now) const {
  const power::ModuleHealth h = module_.Health(now);
  const power::ModuleTelemetry t = module_.Telemetry(now);
  safety::Inputs in;
  in.gun_connected = io_.GunConnected();
  in.gun_locked = io_.GunLocked();
  in.bms_alive = gbt_.VehicleAlive(now);
  in.battery_in_range = gbt_.battery_limits().valid && gbt_.refusal() == vehicle::Refusal::kNone;
  in.can_faulted = module_guard_.Faulted() || vehicle_guard_.Faulted();
  in.can_recovering = !in.can_faulted && (!module_guard_.BusUp() || !vehicle_guard_.BusUp());
  // A silent module behind a bus that is down is the bus's fault, not the module's.
  const bool module_bus_down = !module_guard_.BusUp();
  in.module_fault = module_bus_down ? ErrorCode::kNone : ModuleFault(h);
  in.module_healthy = in.module_fault == ErrorCode::kNone;
  in.telemetry_fresh = t.valid || module_bus_down;
  in.vehicle_fault = SessionFault();
  in.contactor_commanded_closed = io_.ContactorCommandedClosed();
  in.contactor_feedback_closed = io_.ContactorFeedbackClosed();
  in.ocpp_permits =
      requested_ && (phase_ == ControlPhase::kClosing || phase_ == ControlPhase::kCharging);
  in.measurements_valid = t.valid;
  in.output_voltage_v = t.voltage_v;
  in.output_current_a = t.current_a;
  in.temperature_c = io_.TemperatureC();
  return in;
}

void Controller::Poll() {
  const uint64_t now = clock_.MonotonicMs();
  module_.Poll(now);
  const power::ModuleTelemetry t = module_.Telemetry(now);
  gbt_.SetChargerOutput(vehicle::ChargerOutput{
      t.voltage_v, io_.ContactorFeedbackClosed() ? t.current_a : 0.0f, 0.0f});
  gbt_.Poll(now);

  const safety::Decision d = supervisor_.Evaluate(Sample(now), io_.EmergencyStopPressed());
  if (d.fault_changed) {
    fault_ = d.fault;
    if (d.fault != ErrorCode::kNone) {
      EVC_LOGW(log_, kTag, "fault %s", safety::Describe(d.fault).name);
    }
  }
  const bool stops =
      d.fault != ErrorCode::kNone && safety::StopsCharging(safety::Describe(d.fault).severity);
  if (stops && (io_.ContactorCommandedClosed() || phase_ != ControlPhase::kIdle)) {
    // Any doubt opens the contactor: module OFF and contactor open in this very tick.
    const bool was_flowing = io_.ContactorCommandedClosed();
    module_.Stop(now);
    io_.SetContactor(false);
    if (was_flowing) {
      last_trip_ms_ = now;
    }
    if (phase_ != ControlPhase::kIdle && phase_ != ControlPhase::kOpening &&
        phase_ != ControlPhase::kUnlocking) {
      if (end_cause_ == EndCause::kNone && requested_) {
        end_cause_ = EndCause::kFault;
      }
      const uint32_t reason =
          d.fault == ErrorCode::kEmergencyStop ? cst::kEmergencyStop : cst::kFaultStop;
      gbt_.RequestStop(reason, now).IgnoreError();
      Enter(ControlPhase::kOpening, now);
    }
  }
  Sequence(now, d);
}

void Controller::BeginStop(uint64_t now, bool emergency) {
  module_.Stop(now);
  if (emergency) {
    io_.SetContactor(false);
    Enter(ControlPhase::kOpening, now);
  } else {
    Enter(ControlPhase::kStopping, now);
  }
}

void Controller::Sequence(uint64_t now, const safety::Decision& d) {
  const bool faulted =
      d.fault != ErrorCode::kNone && safety::StopsCharging(safety::Describe(d.fault).severity);
  const GbtPhase gp = gbt_.phase();
  const bool vehicle_ended =
      gp == GbtPhase::kEnding || gp == GbtPhase::kEnded || gp == GbtPhase::kFaulted;
  if (!io_.GunConnected() && phase_ == ControlPhase::kIdle) {
    // A new plug-in starts a new GB/T session.
    if (session_over_ || gp != GbtPhase::kIdle) {
      gbt_.Reset();
      session_over_ = false;
    }
  }
  switch (phase_) {
    case ControlPhase::kIdle:
      if (requested_ && !faulted && !session_over_ && io_.GunConnected()) {
        end_cause_ = EndCause::kNone;
        io_.SetGunLock(true);
        Enter(ControlPhase::kLocking, now);
      }
      break;
    case ControlPhase::kLocking:
      if (!requested_) {
        Enter(ControlPhase::kUnlocking, now);
      } else if (io_.GunLocked()) {
        gbt_.Start(now);
        Enter(ControlPhase::kStarting, now);
      } else if (Elapsed(now, timing::kGunLockTimeoutMs)) {
        EVC_LOGE(log_, kTag, "gun did not lock");
        fault_ = ErrorCode::kGunLockFailure;
        end_cause_ = EndCause::kFault;
        Enter(ControlPhase::kUnlocking, now);
      }
      break;
    case ControlPhase::kStarting:
      if (!requested_ || vehicle_ended) {
        if (vehicle_ended && end_cause_ == EndCause::kNone) {
          end_cause_ =
              SessionFault() == ErrorCode::kNone ? EndCause::kVehicleFinished : EndCause::kFault;
        }
        if (gp != GbtPhase::kEnding && gp != GbtPhase::kEnded) {
          gbt_.RequestStop(cst::kManualStop, now).IgnoreError();
        }
        session_over_ = true;
        BeginStop(now, false);
      } else if (gp == GbtPhase::kReadiness && module_.Online(now) &&
                 module_.Health(now).capability_known) {
        const float v = gbt_.bcp().present_voltage_v;
        if (module_.SetTarget(power::Target{true, v, config_.precharge_current_a}, now).ok()) {
          Enter(ControlPhase::kPrecharging, now);
        } else {
          EVC_LOGE(log_, kTag, "module refused the precharge target %.1f V",
                   static_cast<double>(v));
          fault_ = ErrorCode::kModuleCapabilityMismatch;
          end_cause_ = EndCause::kFault;
          gbt_.RequestStop(cst::kEnergyNotDeliverable, now).IgnoreError();
          session_over_ = true;
          BeginStop(now, false);
        }
      } else if (gp == GbtPhase::kReadiness && Elapsed(now, timing::kModuleReadyTimeoutMs)) {
        fault_ = ErrorCode::kModuleOffline;
        end_cause_ = EndCause::kFault;
        gbt_.RequestStop(cst::kFaultStop, now).IgnoreError();
        session_over_ = true;
        BeginStop(now, false);
      }
      break;
    case ControlPhase::kPrecharging: {
      const power::ModuleTelemetry t = module_.Telemetry(now);
      const float target = gbt_.bcp().present_voltage_v;
      if (!requested_ || vehicle_ended) {
        session_over_ = vehicle_ended;
        BeginStop(now, false);
      } else if (!io_.GunConnected() || !io_.GunLocked()) {
        // Never close onto a gun that is not held: the session ends here.
        gbt_.RequestStop(cst::kConnectorFault, now).IgnoreError();
        end_cause_ = EndCause::kFault;
        fault_ = ErrorCode::kGunLockFailure;
        session_over_ = true;
        BeginStop(now, true);
      } else if (t.valid && std::fabs(t.voltage_v - target) <= config_.precharge_tolerance_v) {
        io_.SetContactor(true);
        Enter(ControlPhase::kClosing, now);
      } else if (Elapsed(now, timing::kPrechargeTimeoutMs)) {
        EVC_LOGE(log_, kTag, "precharge did not reach %.1f V", static_cast<double>(target));
        fault_ = ErrorCode::kModuleOutputFault;
        end_cause_ = EndCause::kFault;
        gbt_.RequestStop(cst::kAbnormalVoltage, now).IgnoreError();
        session_over_ = true;
        BeginStop(now, false);
      }
      break;
    }
    case ControlPhase::kClosing:
      if (!requested_) {
        BeginStop(now, false);
      } else if (io_.ContactorFeedbackClosed()) {
        gbt_.SetOutputReady(true);
        Enter(ControlPhase::kCharging, now);
      } else if (Elapsed(now, timing::kContactorCloseTimeoutMs)) {
        // The supervisor names the mismatch; this only bounds the wait.
        BeginStop(now, true);
      }
      break;
    case ControlPhase::kCharging: {
      if (!requested_ || vehicle_ended) {
        if (vehicle_ended && end_cause_ == EndCause::kNone) {
          end_cause_ =
              SessionFault() == ErrorCode::kNone ? EndCause::kVehicleFinished : EndCause::kFault;
        }
        if (!requested_ && !vehicle_ended) {
          gbt_.RequestStop(cst::kManualStop, now).IgnoreError();
        }
        session_over_ = true;
        BeginStop(now, false);
        break;
      }
      const vehicle::Demand dem = gbt_.demand();
      if (gbt_.OutputPermitted(now) && d.permit && dem.valid) {
        module_.SetTarget(power::Target{true, dem.voltage_v, dem.current_a}, now).IgnoreError();
      } else {
        // Paused by the vehicle (or not yet asked): hold the voltage, no current.
        module_.SetTarget(power::Target{true, gbt_.bcp().present_voltage_v, 0.0f}, now)
            .IgnoreError();
      }
      break;
    }
    case ControlPhase::kStopping: {
      const power::ModuleTelemetry t = module_.Telemetry(now);
      if ((t.valid && t.current_a <= config_.safe_current_a) ||
          Elapsed(now, timing::kCurrentDecayTimeoutMs)) {
        io_.SetContactor(false);
        Enter(ControlPhase::kOpening, now);
      }
      break;
    }
    case ControlPhase::kOpening:
      // Feedback must follow; if it does not, the supervisor latches CONTACTOR_WELDED.
      if (!io_.ContactorFeedbackClosed()) {
        Enter(ControlPhase::kUnlocking, now);
      }
      break;
    case ControlPhase::kUnlocking: {
      const power::ModuleTelemetry t = module_.Telemetry(now);
      const bool discharged = !t.valid || t.voltage_v <= config_.safe_voltage_v;
      if (discharged || Elapsed(now, timing::kDischargeTimeoutMs)) {
        if (!discharged) {
          EVC_LOGW(log_, kTag, "output still %.0f V after the discharge time; contactor open",
                   static_cast<double>(t.voltage_v));
        }
        io_.SetGunLock(false);
        Enter(ControlPhase::kIdle, now);
      }
      break;
    }
  }
}

bool Controller::EvRequestsEnergy() const {
  const vehicle::Demand dem = gbt_.demand();
  return phase_ == ControlPhase::kCharging && gbt_.phase() == GbtPhase::kCharging && dem.valid &&
         dem.current_a > 0.0f && !gbt_.charging_paused();
}

Telemetry Controller::ReadTelemetry() const {
  const uint64_t now = clock_.MonotonicMs();
  const power::ModuleTelemetry mt = module_.Telemetry(now);
  Telemetry t;
  t.valid = mt.valid;
  t.voltage_v = mt.voltage_v;
  // Energy reaches the vehicle only through a closed contactor.
  t.current_a = io_.ContactorFeedbackClosed() ? mt.current_a : 0.0f;
  t.current_offered_a = phase_ == ControlPhase::kCharging ? gbt_.demand().current_a : 0.0f;
  t.temperature_c = io_.TemperatureC();
  t.soc_percent = gbt_.soc_percent();
  const power::ModuleHealth h = module_.Health(now);
  if (h.capability_known) {
    t.max_voltage_v = h.capability.max_voltage_v;
    t.max_current_a = h.capability.max_current_a;
  }
  return t;
}

bool Controller::UnlockConnector() {
  if (io_.ContactorCommandedClosed() || io_.ContactorFeedbackClosed()) {
    requested_ = false;
    return false;  // never release the gun with the contactor closed
  }
  io_.SetGunLock(false);
  return !io_.GunLocked();
}

ChargerHardware::EndCause Controller::TakeEndCause() {
  const EndCause c = end_cause_;
  if (c != EndCause::kNone && phase_ != ControlPhase::kCharging) {
    end_cause_ = EndCause::kNone;
    return c;
  }
  return EndCause::kNone;
}

bool Controller::ResetFault() {
  module_guard_.Reset();
  vehicle_guard_.Reset();
  const bool ok = supervisor_.Reset(io_.EmergencyStopPressed());
  if (ok &&
      (fault_ == ErrorCode::kGunLockFailure || fault_ == ErrorCode::kModuleCapabilityMismatch ||
       fault_ == ErrorCode::kModuleOffline || fault_ == ErrorCode::kModuleOutputFault)) {
    fault_ = supervisor_.latched();
  }
  return ok;
}

}  // namespace evc::charging
