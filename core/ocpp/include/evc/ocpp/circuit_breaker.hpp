#pragma once
// A circuit breaker for operations that keep failing against the CSMS (handshakes it refuses,
// calls it answers with errors): after `threshold` consecutive failures it opens and refuses the
// operation for a cool-down; then it lets one trial through (half-open); a success closes it, a
// failure re-opens it with twice the cool-down, up to a cap. Plain state, no heap, injected time.

#include <cstdint>

namespace evc::ocpp {

enum class BreakerState : uint8_t { kClosed, kOpen, kHalfOpen };
const char* BreakerStateName(BreakerState s);

class CircuitBreaker {
 public:
  CircuitBreaker(uint32_t threshold, uint32_t cooldown_ms, uint32_t max_cooldown_ms)
      : threshold_(threshold),
        base_cooldown_ms_(cooldown_ms),
        max_cooldown_ms_(max_cooldown_ms),
        cooldown_ms_(cooldown_ms) {}

  // May the operation run now? In the open state this turns half-open once the cool-down has
  // passed, and then allows exactly one trial until its outcome is recorded.
  bool Allow(uint64_t now_ms);
  void RecordSuccess();
  void RecordFailure(uint64_t now_ms);

  BreakerState state() const { return state_; }
  uint32_t consecutive_failures() const { return failures_; }
  uint32_t cooldown_ms() const { return cooldown_ms_; }
  uint64_t opened_at_ms() const { return opened_at_ms_; }
  uint32_t times_opened() const { return times_opened_; }

 private:
  void Open(uint64_t now_ms);
  uint32_t threshold_;
  uint32_t base_cooldown_ms_;
  uint32_t max_cooldown_ms_;
  uint32_t cooldown_ms_;
  BreakerState state_ = BreakerState::kClosed;
  uint32_t failures_ = 0;
  uint64_t opened_at_ms_ = 0;
  bool trial_out_ = false;
  uint32_t times_opened_ = 0;
};

}  // namespace evc::ocpp
