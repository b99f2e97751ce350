#pragma once
// Bus-off detection and the recovery policy, polled every control tick.
//
// Policy:
//   1. The controller reports kBusOff -> one incident starts; wait a back-off
//      (timing::kBusOffBackoffInitialMs, doubling per failed attempt, capped at
//      kBusOffBackoffMaxMs).
//   2. StartRecovery(); the controller must reach kStopped within kRecoveryTimeoutMs
//      (or be running again, on drivers that restart by themselves).
//   3. Restart(); the bus must then stay up for kRecoveryStableMs. Only then is the incident over
//      and the consecutive-failure count cleared.
//   A refused call, a recovery that does not finish in time, or a new bus-off before the bus has
//   been stable is a failed attempt. After kMaxConsecutiveRecoveryFailures the guard latches
//   Faulted() with a reason and stops touching the controller until Reset() (operator reset).
//
// The guard does not send or receive frames; drivers see Send() fail with kUnavailable while
// the bus is down and their own timeouts (module offline, BMS timeout) take it from there.

#include <cstdint>

#include "evc/can/can_bus.hpp"

namespace evc::can {

enum class BusFault : uint8_t {
  kNone = 0,
  kRecoveryRefused,  // StartRecovery() returned an error
  kRecoveryTimeout,  // the controller did not leave bus-off / recovering in time
  kRestartRefused,   // Restart() returned an error
  kBusOffRepeated,   // the bus went bus-off again before it had been stable
};
const char* BusFaultName(BusFault fault);

enum class GuardPhase : uint8_t {
  kRunning,     // no incident
  kBackoff,     // bus-off seen, waiting before the next recovery attempt
  kRecovering,  // StartRecovery() issued, waiting for the controller
  kProbation,   // restarted, waiting for the bus to prove stable
  kFaulted,     // latched; nothing is attempted until Reset()
};
const char* GuardPhaseName(GuardPhase phase);

struct BusGuardCounters {
  uint32_t incidents = 0;          // bus-off incidents started
  uint32_t recovery_attempts = 0;  // StartRecovery() calls
  uint32_t restarts = 0;           // Restart() calls
  uint32_t recoveries_ok = 0;      // incidents that ended with a stable bus
  uint32_t failed_attempts = 0;    // failed attempts, all incidents
  uint32_t faults_latched = 0;
};

class BusGuard {
 public:
  explicit BusGuard(CanBus& bus) : bus_(bus) {}

  // Call every control tick with the monotonic time.
  void Poll(uint64_t now_ms);

  // Latched fault for the safety supervisor.
  bool Faulted() const { return phase_ == GuardPhase::kFaulted; }
  BusFault fault() const { return fault_; }
  // The most recent failure reason, also while not (yet) latched.
  BusFault last_failure() const { return last_failure_; }

  // True when frames can be sent now (no incident in progress and the controller running).
  bool BusUp() const;

  // Operator reset: clears the latch and the failure count. The next Poll() starts over from
  // whatever state the controller is in.
  void Reset();

  GuardPhase phase() const { return phase_; }
  uint32_t consecutive_failures() const { return consecutive_failures_; }
  const BusGuardCounters& counters() const { return counters_; }
  // The back-off before attempt n (0-based) of an incident.
  static uint32_t BackoffMs(uint32_t attempt);

 private:
  void Fail(BusFault why, uint64_t now_ms);
  void Attempt(uint64_t now_ms);
  void TryRestart(uint64_t now_ms);

  CanBus& bus_;
  GuardPhase phase_ = GuardPhase::kRunning;
  BusFault fault_ = BusFault::kNone;
  BusFault last_failure_ = BusFault::kNone;
  uint32_t consecutive_failures_ = 0;
  uint64_t deadline_ms_ = 0;  // back-off end / recovery timeout / probation end
  BusGuardCounters counters_;
};

}  // namespace evc::can
