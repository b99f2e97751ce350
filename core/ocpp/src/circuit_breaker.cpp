#include "evc/ocpp/circuit_breaker.hpp"

namespace evc::ocpp {

const char* BreakerStateName(BreakerState s) {
  switch (s) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kOpen:
      return "open";
    case BreakerState::kHalfOpen:
      return "half-open";
  }
  return "?";
}

bool CircuitBreaker::Allow(uint64_t now_ms) {
  switch (state_) {
    case BreakerState::kClosed:
      return true;
    case BreakerState::kOpen:
      if (now_ms - opened_at_ms_ < cooldown_ms_) {
        return false;
      }
      state_ = BreakerState::kHalfOpen;
      trial_out_ = true;
      return true;
    case BreakerState::kHalfOpen:
      if (trial_out_) {
        return false;  // one trial at a time
      }
      trial_out_ = true;
      return true;
  }
  return false;
}

void CircuitBreaker::RecordSuccess() {
  state_ = BreakerState::kClosed;
  failures_ = 0;
  trial_out_ = false;
  cooldown_ms_ = base_cooldown_ms_;
}

void CircuitBreaker::Open(uint64_t now_ms) {
  state_ = BreakerState::kOpen;
  opened_at_ms_ = now_ms;
  trial_out_ = false;
  ++times_opened_;
}

void CircuitBreaker::RecordFailure(uint64_t now_ms) {
  ++failures_;
  if (state_ == BreakerState::kHalfOpen) {
    // The trial failed: back off harder.
    const uint64_t doubled = static_cast<uint64_t>(cooldown_ms_) * 2;
    cooldown_ms_ = doubled > max_cooldown_ms_ ? max_cooldown_ms_ : static_cast<uint32_t>(doubled);
    Open(now_ms);
  } else if (state_ == BreakerState::kClosed && failures_ >= threshold_) {
    Open(now_ms);
  }
}

}  // namespace evc::ocpp
