#include "evc/can/bus_guard.hpp"

#include "evc/can/timing.hpp"

namespace evc::can {

const char* BusFaultName(BusFault fault) {
  switch (fault) {
    case BusFault::kNone:
      return "none";
    case BusFault::kRecoveryRefused:
      return "recovery-refused";
    case BusFault::kRecoveryTimeout:
      return "recovery-timeout";
    case BusFault::kRestartRefused:
      return "restart-refused";
    case BusFault::kBusOffRepeated:
      return "bus-off-repeated";
  }
  return "unknown";
}

const char* GuardPhaseName(GuardPhase phase) {
  switch (phase) {
    case GuardPhase::kRunning:
      return "running";
    case GuardPhase::kBackoff:
      return "backoff";
    case GuardPhase::kRecovering:
      return "recovering";
    case GuardPhase::kProbation:
      return "probation";
    case GuardPhase::kFaulted:
      return "faulted";
  }
  return "unknown";
}

uint32_t BusGuard::BackoffMs(uint32_t attempt) {
  uint32_t ms = timing::kBusOffBackoffInitialMs;
  for (uint32_t i = 0; i < attempt && ms < timing::kBusOffBackoffMaxMs; ++i) {
    ms *= 2;
  }
  return ms < timing::kBusOffBackoffMaxMs ? ms : timing::kBusOffBackoffMaxMs;
}

bool BusGuard::BusUp() const {
  return (phase_ == GuardPhase::kRunning || phase_ == GuardPhase::kProbation) &&
         CanTransmit(bus_.State());
}

void BusGuard::Reset() {
  phase_ = GuardPhase::kRunning;
  fault_ = BusFault::kNone;
  consecutive_failures_ = 0;
  deadline_ms_ = 0;
}

void BusGuard::Fail(BusFault why, uint64_t now_ms) {
  last_failure_ = why;
  ++counters_.failed_attempts;
  ++consecutive_failures_;
  if (consecutive_failures_ >= timing::kMaxConsecutiveRecoveryFailures) {
    phase_ = GuardPhase::kFaulted;
    fault_ = why;
    ++counters_.faults_latched;
    return;
  }
  phase_ = GuardPhase::kBackoff;
  deadline_ms_ = now_ms + BackoffMs(consecutive_failures_);
}

void BusGuard::TryRestart(uint64_t now_ms) {
  ++counters_.restarts;
  if (!bus_.Restart().ok()) {
    Fail(BusFault::kRestartRefused, now_ms);
    return;
  }
  phase_ = GuardPhase::kProbation;
  deadline_ms_ = now_ms + timing::kRecoveryStableMs;
}

// One recovery step from whatever state the controller is in now.
void BusGuard::Attempt(uint64_t now_ms) {
  const BusState s = bus_.State();
  switch (s) {
    case BusState::kBusOff:
      ++counters_.recovery_attempts;
      if (!bus_.StartRecovery().ok()) {
        Fail(BusFault::kRecoveryRefused, now_ms);
        return;
      }
      phase_ = GuardPhase::kRecovering;
      deadline_ms_ = now_ms + timing::kRecoveryTimeoutMs;
      return;
    case BusState::kRecovering:
      // Still recovering from an earlier attempt that already timed out: the controller is stuck.
      Fail(BusFault::kRecoveryTimeout, now_ms);
      return;
    case BusState::kStopped:
      TryRestart(now_ms);
      return;
    case BusState::kErrorActive:
    case BusState::kErrorWarning:
    case BusState::kErrorPassive:
      phase_ = GuardPhase::kProbation;
      deadline_ms_ = now_ms + timing::kRecoveryStableMs;
      return;
  }
}

void BusGuard::Poll(uint64_t now_ms) {
  const BusState s = bus_.State();
  switch (phase_) {
    case GuardPhase::kFaulted:
      return;
    case GuardPhase::kRunning:
      if (s == BusState::kBusOff) {
        ++counters_.incidents;
        phase_ = GuardPhase::kBackoff;
        deadline_ms_ = now_ms + BackoffMs(consecutive_failures_);
      } else if (s == BusState::kStopped) {
        TryRestart(now_ms);  // stopped behind our back (or never started): start it
      } else if (s == BusState::kRecovering) {
        phase_ = GuardPhase::kRecovering;  // someone else began a recovery; supervise it
        deadline_ms_ = now_ms + timing::kRecoveryTimeoutMs;
      }
      return;
    case GuardPhase::kBackoff:
      if (now_ms >= deadline_ms_) {
        Attempt(now_ms);
      }
      return;
    case GuardPhase::kRecovering:
      if (s == BusState::kStopped) {
        TryRestart(now_ms);
      } else if (CanTransmit(s)) {
        phase_ = GuardPhase::kProbation;  // drivers that restart by themselves
        deadline_ms_ = now_ms + timing::kRecoveryStableMs;
      } else if (now_ms >= deadline_ms_) {
        Fail(BusFault::kRecoveryTimeout, now_ms);
      }
      return;
    case GuardPhase::kProbation:
      if (s == BusState::kBusOff) {
        Fail(BusFault::kBusOffRepeated, now_ms);
      } else if (s == BusState::kStopped) {
        TryRestart(now_ms);
      } else if (s == BusState::kRecovering) {
        phase_ = GuardPhase::kRecovering;
        deadline_ms_ = now_ms + timing::kRecoveryTimeoutMs;
      } else if (now_ms >= deadline_ms_) {
        ++counters_.recoveries_ok;
        consecutive_failures_ = 0;
        phase_ = GuardPhase::kRunning;
      }
      return;
  }
}

}  // namespace evc::can
