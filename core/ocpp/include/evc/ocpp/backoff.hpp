#pragma once
// Reconnection delays: exponential backoff with full jitter between a floor and a cap. The n-th
// consecutive failure waits a uniformly random time in [min, min(max, min * 2^n)], so a fleet of
// chargers that lost the same CSMS does not come back in lock-step, and a charger does not hammer
// a CSMS that is down. The attempt count resets once a connection has stayed up long enough.

#include <cstdint>

#include "evc/common/rng.hpp"

namespace evc::ocpp {

class Backoff {
 public:
  Backoff(Rng& rng, uint32_t min_ms, uint32_t max_ms) : rng_(rng) { SetBounds(min_ms, max_ms); }
  // New bounds (e.g. from configuration); max is raised to min when below it.
  void SetBounds(uint32_t min_ms, uint32_t max_ms);
  // The delay before the next attempt; counts the failure.
  uint32_t NextDelayMs();
  // The upper bound the next NextDelayMs() will draw under.
  uint32_t CurrentCeilingMs() const;
  void Reset() { attempt_ = 0; }
  uint32_t attempt() const { return attempt_; }
  uint32_t min_ms() const { return min_ms_; }
  uint32_t max_ms() const { return max_ms_; }

 private:
  Rng& rng_;
  uint32_t min_ms_ = 0;
  uint32_t max_ms_ = 0;
  uint32_t attempt_ = 0;
};

}  // namespace evc::ocpp
