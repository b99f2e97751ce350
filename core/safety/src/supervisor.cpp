#include "evc/safety/supervisor.hpp"

#include "evc/safety/timing.hpp"

namespace evc::safety {

namespace {
constexpr const char* kTag = "safety";
}

bool Supervisor::Above(Sustain& s, bool above, uint64_t now, uint32_t limit_ms) {
  if (!above) {
    s.since_ms = 0;
    return false;
  }
  if (s.since_ms == 0) {
    s.since_ms = now == 0 ? 1 : now;
  }
  return now - s.since_ms >= limit_ms;
}

void Supervisor::Latch(ErrorCode code) {
  const ErrorInfo& info = Describe(code);
  // A more severe fault replaces a lesser latched one; never the other way round.
  if (latched_ != ErrorCode::kNone && Describe(latched_).severity >= info.severity) {
    return;
  }
  latched_ = code;
  ++trips_;
  EVC_LOGE(log_, kTag, "fault latched: %s (%s)", info.name, info.vendor_error_code);
}

Decision Supervisor::Evaluate(const Inputs& in, bool estop_pressed) {
  const uint64_t now = clock_.MonotonicMs();
  ErrorCode live = ErrorCode::kNone;  // a non-latching fault present right now
  auto raise = [&](ErrorCode code) {
    if (Latches(Describe(code).severity)) {
      Latch(code);
    } else if (StopsCharging(Describe(code).severity) &&
               (live == ErrorCode::kNone || Describe(code).severity > Describe(live).severity)) {
      live = code;
    }
  };

  // E-stop first: the input handler has already opened the contactor.
  if (estop_pressed || estop_.Tripped()) {
    raise(ErrorCode::kEmergencyStop);
  }

  // Contactor feedback must follow its command. Closed while commanded open = welded.
  if (in.contactor_commanded_closed != in.contactor_feedback_closed) {
    if (contactor_mismatch_since_ms_ == 0) {
      contactor_mismatch_since_ms_ = now == 0 ? 1 : now;
    }
    if (now - contactor_mismatch_since_ms_ >= timing::kContactorFeedbackMs) {
      raise(in.contactor_feedback_closed ? ErrorCode::kContactorWelded
                                         : ErrorCode::kContactorMismatch);
    }
  } else {
    contactor_mismatch_since_ms_ = 0;
  }

  // Electrical trips: immediate and sustained thresholds.
  if (in.measurements_valid) {
    const bool ov_now = in.output_voltage_v > limits_.over_voltage_immediate_v;
    const bool ov_sus = Above(ov_, in.output_voltage_v > limits_.over_voltage_sustained_v, now,
                              timing::kOverVoltageSustainMs);
    if (ov_now || ov_sus)
      raise(ErrorCode::kOverVoltage);
    const bool oc_now = in.output_current_a > limits_.over_current_immediate_a;
    const bool oc_sus = Above(oc_, in.output_current_a > limits_.over_current_sustained_a, now,
                              timing::kOverCurrentSustainMs);
    if (oc_now || oc_sus)
      raise(ErrorCode::kOverCurrent);
    const bool ot_now = in.temperature_c > limits_.over_temperature_immediate_c;
    const bool ot_sus = Above(ot_, in.temperature_c > limits_.over_temperature_sustained_c, now,
                              timing::kOverTemperatureSustainMs);
    if (ot_now || ot_sus)
      raise(ErrorCode::kOverTemperature);
  }

  if (in.can_faulted) {
    raise(ErrorCode::kCanBusOff);
  } else if (in.can_recovering) {
    raise(ErrorCode::kCanBusRecovering);
  }
  if (!in.module_healthy && in.module_fault != ErrorCode::kNone)
    raise(in.module_fault);
  if (!in.storage_ok)
    raise(ErrorCode::kStorageFailure);

  // Session interlocks: only meaningful while a session wants energy.
  bool interlocks = in.gun_connected && in.gun_locked && in.bms_alive && in.battery_in_range &&
                    in.module_healthy && in.telemetry_fresh && !in.can_faulted &&
                    !in.can_recovering && in.storage_ok && in.measurements_valid;
  if (in.contactor_commanded_closed && (!in.gun_connected || !in.gun_locked)) {
    // The gun out, or its lock open, while the contactor is closed (whatever the session wants):
    // the lock failed its one job. A fault that stops charging: the contactor opens this tick.
    raise(ErrorCode::kGunLockFailure);
  }
  if (in.ocpp_permits && in.contactor_commanded_closed) {
    // While energy flows, losing an interlock is a fault with a name, not just "no permit".
    if (!in.bms_alive)
      raise(ErrorCode::kBmsTimeout);
    if (!in.battery_in_range)
      raise(ErrorCode::kBatteryOutOfRange);
    if (in.module_healthy && !in.telemetry_fresh)
      raise(ErrorCode::kModuleOffline);
  }
  if (in.vehicle_fault != ErrorCode::kNone)
    raise(in.vehicle_fault);

  Decision d;
  d.fault = latched_ != ErrorCode::kNone ? latched_ : live;
  d.permit = d.fault == ErrorCode::kNone && interlocks && in.ocpp_permits && !estop_pressed &&
             !estop_.Tripped();
  d.fault_changed = d.fault != last_reported_;
  last_reported_ = d.fault;
  return d;
}

bool Supervisor::Reset(bool estop_pressed) {
  if (latched_ == ErrorCode::kNone) {
    return true;
  }
  if (Describe(latched_).severity == Severity::kCritical) {
    EVC_LOGW(log_, kTag, "%s needs a service clear, not a reset", Describe(latched_).name);
    return false;
  }
  if (estop_pressed) {
    EVC_LOGW(log_, kTag, "reset refused: E-stop still pressed");
    return false;
  }
  EVC_LOGI(log_, kTag, "fault %s reset", Describe(latched_).name);
  latched_ = ErrorCode::kNone;
  estop_.Clear();
  ov_ = oc_ = ot_ = Sustain{};
  contactor_mismatch_since_ms_ = 0;
  return true;
}

void Supervisor::ServiceClear() {
  EVC_LOGW(log_, kTag, "service clear of %s", Describe(latched_).name);
  latched_ = ErrorCode::kNone;
  estop_.Clear();
  ov_ = oc_ = ot_ = Sustain{};
  contactor_mismatch_since_ms_ = 0;
}

}  // namespace evc::safety
