#include "evc/posix/clock.hpp"

#include <time.h>

namespace evc::posix {

namespace {

constexpr int64_t kMsPerSecond = 1000;
constexpr int64_t kNsPerMs = 1000000;

int64_t ReadClockMs(clockid_t id) {
  timespec ts{};
  // clock_gettime cannot fail for these two clock ids with a valid pointer.
  clock_gettime(id, &ts);
  return static_cast<int64_t>(ts.tv_sec) * kMsPerSecond + ts.tv_nsec / kNsPerMs;
}

}  // namespace

uint64_t PosixClock::MonotonicMs() const {
  return static_cast<uint64_t>(ReadClockMs(CLOCK_MONOTONIC));
}

bool PosixClock::PlatformUtcMs(int64_t* out) const {
  if (!trust_system_time_ || out == nullptr) {
    return false;
  }
  const int64_t now = ReadClockMs(CLOCK_REALTIME);
  if (now < kEarliestValidUtcMs) {
    return false;
  }
  *out = now;
  return true;
}

}  // namespace evc::posix
