#include "evc/ocpp/backoff.hpp"

namespace evc::ocpp {

void Backoff::SetBounds(uint32_t min_ms, uint32_t max_ms) {
  min_ms_ = min_ms;
  max_ms_ = max_ms < min_ms ? min_ms : max_ms;
}

uint32_t Backoff::CurrentCeilingMs() const {
  uint64_t ceiling = min_ms_;
  for (uint32_t i = 0; i < attempt_ && ceiling < max_ms_; ++i) {
    ceiling *= 2;
  }
  return ceiling > max_ms_ ? max_ms_ : static_cast<uint32_t>(ceiling);
}

uint32_t Backoff::NextDelayMs() {
  const uint32_t ceiling = CurrentCeilingMs();
  if (attempt_ < UINT32_MAX) {
    ++attempt_;
  }
  return rng_.Uniform(min_ms_, ceiling);
}

}  // namespace evc::ocpp
