#pragma once
// evc::Clock on Linux: CLOCK_MONOTONIC for the monotonic milliseconds, CLOCK_REALTIME for the
// platform UTC time when the system clock is trusted.

#include <cstdint>

#include "evc/common/clock.hpp"

namespace evc::posix {

class PosixClock final : public Clock {
 public:
  // trust_system_time = false makes PlatformUtcMs() report "unknown", so a simulator can behave
  // like a charger whose RTC is unset and has to learn the time from the CSMS.
  explicit PosixClock(bool trust_system_time = true) : trust_system_time_(trust_system_time) {}

  // Milliseconds of CLOCK_MONOTONIC (time since boot, never goes backwards).
  uint64_t MonotonicMs() const override;
  // CLOCK_REALTIME in ms since the Unix epoch. False when the system time is not trusted or is
  // earlier than kEarliestValidUtcMs (an unset clock).
  bool PlatformUtcMs(int64_t* out) const override;

  bool trust_system_time() const { return trust_system_time_; }

 private:
  bool trust_system_time_;
};

}  // namespace evc::posix
