#include "evc/power/infy_module.hpp"

#include <cmath>

#include "evc/can/timing.hpp"

namespace evc::power {

namespace t = timing;

const char* HealthStateName(HealthState s) {
  switch (s) {
    case HealthState::kStarting:
      return "starting";
    case HealthState::kOk:
      return "ok";
    case HealthState::kStale:
      return "stale";
    case HealthState::kFault:
      return "fault";
    case HealthState::kOffline:
      return "offline";
  }
  return "unknown";
}

InfyModule::InfyModule(can::CanBus& bus, const infy::Address& address, uint64_t now_ms)
    : bus_(bus),
      codec_(address),
      off_since_ms_(now_ms),
      next_poll_ms_(now_ms),
      next_capability_ms_(now_ms),
      start_ms_(now_ms) {}

bool InfyModule::Online(uint64_t now_ms) const {
  const uint64_t since = ever_heard_ ? last_valid_rx_ms_ : start_ms_;
  return now_ms - since < t::kInfyOfflineTimeoutMs;
}

bool InfyModule::SendFrame(const can::Frame& f) {
  if (!bus_.Send(f).ok()) {
    ++counters_.tx_failures;
    return false;
  }
  ++counters_.tx_frames;
  return true;
}

void InfyModule::SendOff(uint64_t now_ms) {
  if (!SendFrame(codec_.SetOnOff(false))) {
    return;  // still dirty: retried on the next Poll
  }
  ++counters_.off_commands;
  last_command_ms_ = now_ms;
  command_dirty_ = false;
}

void InfyModule::SendOnSetpoints(uint64_t now_ms) {
  const Result<can::Frame> setpoint =
      codec_.SetVoltageCurrent(target_.voltage_v, target_.current_a);
  if (!setpoint.ok()) {
    // SetTarget validated the values; reaching this is a broken invariant. Fail safe.
    target_ = Target{};
    command_dirty_ = true;
    off_since_ms_ = now_ms;
    off_confirmed_ = false;
    SendOff(now_ms);
    return;
  }
  // Set-point first, then ON, so the module never starts on an old set-point.
  if (!SendFrame(setpoint.value()) || !SendFrame(codec_.SetOnOff(true))) {
    return;
  }
  last_command_ms_ = now_ms;
  command_dirty_ = false;
}

Status InfyModule::SetTarget(const Target& target, uint64_t now_ms) {
  if (!target.on) {
    // Every stop sends OFF at once, whatever the driver believes the module is doing.
    target_ = Target{};
    off_since_ms_ = now_ms;
    off_confirmed_ = false;
    command_dirty_ = true;
    SendOff(now_ms);
    return OkStatus();
  }
  Status refusal = OkStatus();
  if (!std::isfinite(target.voltage_v) || !std::isfinite(target.current_a) ||
      target.voltage_v < 0 || target.current_a < 0) {
    refusal = Errc::kInvalidArgument;
  } else if (!Online(now_ms) || offline_) {
    refusal = Errc::kUnavailable;
  } else if (!have_capability_ || (have_status_ && status_.Families().Any())) {
    refusal = Errc::kFailedPrecondition;
  } else if (target.voltage_v < capability_.min_voltage_v ||
             target.voltage_v > capability_.max_voltage_v ||
             target.current_a > capability_.max_current_a) {
    refusal = Errc::kOutOfRange;
  }
  if (!refusal.ok()) {
    ++counters_.refused_targets;
    return refusal;
  }
  const bool changed =
      !target_.on || target_.voltage_v != target.voltage_v || target_.current_a != target.current_a;
  target_ = target;
  if (changed) {
    command_dirty_ = true;
    SendOnSetpoints(now_ms);
  }
  return OkStatus();
}

void InfyModule::GoOffline(uint64_t now_ms) {
  offline_ = true;
  ++counters_.offline_events;
  if (target_.on) {
    // Never resume by itself when the module comes back: the owner starts it again.
    target_ = Target{};
    off_since_ms_ = now_ms;
    off_confirmed_ = false;
    command_dirty_ = true;
  }
}

void InfyModule::SendPendingReads() {
  struct Read {
    PendingRead bit;
    infy::Command command;
  };
  static constexpr Read kReads[] = {
      {kPendStatus, infy::Command::kReadStatus},
      {kPendOutput, infy::Command::kReadOutput},
      {kPendAfterDiode, infy::Command::kReadAfterDiode},
      {kPendCapability, infy::Command::kReadCapability},
  };
  for (const Read& r : kReads) {
    if ((pending_reads_ & r.bit) == 0) {
      continue;
    }
    if (!SendFrame(codec_.ReadRequest(r.command))) {
      return;  // TX queue full or bus down: the rest waits for the next Poll
    }
    pending_reads_ = static_cast<uint8_t>(pending_reads_ & ~r.bit);
  }
}

void InfyModule::Poll(uint64_t now_ms) {
  const bool online = Online(now_ms);
  if (!online && !offline_) {
    GoOffline(now_ms);
  } else if (online && offline_) {
    offline_ = false;  // heard again; any ON must be requested anew
  }

  // Output commands first: they matter more than telemetry when the TX queue is short.
  if (target_.on) {
    if (command_dirty_ || now_ms - last_command_ms_ >= t::kInfySetpointRefreshMs) {
      SendOnSetpoints(now_ms);
    }
  } else {
    const uint64_t period = off_confirmed_ ? t::kInfySetpointRefreshMs : t::kInfyOffRepeatMs;
    if (command_dirty_ || now_ms - last_command_ms_ >= period) {
      SendOff(now_ms);
    }
  }

  if (now_ms >= next_poll_ms_) {
    pending_reads_ |= kPendOutput | kPendStatus | kPendAfterDiode;
    next_poll_ms_ = now_ms + t::kInfyPollPeriodMs;
  }
  if (now_ms >= next_capability_ms_) {
    pending_reads_ |= kPendCapability;
    next_capability_ms_ =
        now_ms + (have_capability_ ? t::kInfyCapabilityRefreshMs : t::kInfyCapabilityRetryMs);
  }
  SendPendingReads();
}

void InfyModule::OnFrame(const can::Frame& frame, uint64_t now_ms) {
  uint8_t command = 0;
  infy::DecodeError e = codec_.Classify(frame, &command);
  if (e != infy::DecodeError::kOk) {
    codec_.CountError(e);
    return;
  }
  switch (static_cast<infy::Command>(command)) {
    case infy::Command::kReadOutput: {
      infy::OutputReading r;
      e = codec_.DecodeOutput(frame, &r);
      if (e == infy::DecodeError::kOk) {
        output_ = r;
        output_at_ms_ = now_ms;
        have_output_ = true;
      }
      break;
    }
    case infy::Command::kReadStatus: {
      infy::StatusFlags s;
      e = codec_.DecodeStatus(frame, &s);
      if (e == infy::DecodeError::kOk) {
        status_ = s;
        status_at_ms_ = now_ms;
        have_status_ = true;
        if (target_.on && s.Families().Any()) {
          // A module reporting a fault is commanded off at once; the owner restarts it (if
          // the supervisor allows) once the fault has cleared.
          ++counters_.fault_stops;
          target_ = Target{};
          off_since_ms_ = now_ms;
          off_confirmed_ = false;
          command_dirty_ = true;
          SendOff(now_ms);
        } else if (!target_.on && s.dc_side_off && now_ms > off_since_ms_) {
          off_confirmed_ = true;
        }
      }
      break;
    }
    case infy::Command::kReadCapability: {
      infy::Capability c;
      e = codec_.DecodeCapability(frame, &c);
      if (e == infy::DecodeError::kOk) {
        if (!have_capability_) {
          next_capability_ms_ = now_ms + t::kInfyCapabilityRefreshMs;
        }
        capability_ = c;
        have_capability_ = true;
      }
      break;
    }
    case infy::Command::kReadAfterDiode: {
      infy::AfterDiodeReading r;
      e = codec_.DecodeAfterDiode(frame, &r);
      if (e == infy::DecodeError::kOk) {
        after_diode_ = r;
        after_diode_at_ms_ = now_ms;
        have_after_diode_ = true;
      }
      break;
    }
    case infy::Command::kSetOnOff:
    case infy::Command::kSetVoltageCurrent:
      e = codec_.DecodeWriteAck(frame, static_cast<infy::Command>(command));
      break;
    default:
      // Module count / barcode are never requested by this driver; anything else is unknown.
      ++counters_.rx_unknown_command;
      codec_.CountError(infy::DecodeError::kWrongCommand);
      return;
  }
  if (e == infy::DecodeError::kOk) {
    ++counters_.rx_valid;
    last_valid_rx_ms_ = now_ms;
    ever_heard_ = true;
  }
}

ModuleTelemetry InfyModule::Telemetry(uint64_t now_ms) const {
  ModuleTelemetry out;
  const bool online = Online(now_ms);
  out.valid = have_output_ && online && now_ms - output_at_ms_ < t::kInfyTelemetryStaleMs;
  out.voltage_v = output_.voltage_v;
  out.current_a = output_.current_a;
  out.at_ms = output_at_ms_;
  out.after_diode_valid =
      have_after_diode_ && online && now_ms - after_diode_at_ms_ < t::kInfyTelemetryStaleMs;
  out.after_diode_voltage_v = after_diode_.voltage_v;
  out.available_current_a = after_diode_.available_current_a;
  return out;
}

ModuleHealth InfyModule::Health(uint64_t now_ms) const {
  ModuleHealth h;
  h.flags = status_;
  h.faults = have_status_ ? status_.Families() : infy::FaultFamilies{};
  h.capability_known = have_capability_;
  h.capability = capability_;
  h.output_on = have_status_ && !status_.dc_side_off;
  h.off_confirmed = !target_.on && off_confirmed_;
  if (!Online(now_ms)) {
    h.state = HealthState::kOffline;
  } else if (h.faults.Any()) {
    h.state = HealthState::kFault;
  } else if (!have_status_) {
    h.state = HealthState::kStarting;
  } else if (now_ms - status_at_ms_ >= t::kInfyTelemetryStaleMs || !have_output_ ||
             now_ms - output_at_ms_ >= t::kInfyTelemetryStaleMs) {
    h.state = HealthState::kStale;
  } else {
    h.state = HealthState::kOk;
  }
  return h;
}

}  // namespace evc::power
