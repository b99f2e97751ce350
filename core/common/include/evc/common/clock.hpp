#pragma once
// Time is injected (DESIGN.md rule 5): nothing in the core reads a real clock.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "evc/common/status.hpp"

namespace evc {

// Monotonic milliseconds since boot, provided by the port (esp_timer, CLOCK_MONOTONIC, or a
// virtual clock in the simulator). Never goes backwards.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual uint64_t MonotonicMs() const = 0;
  // UTC wall time in ms since the Unix epoch if the platform knows it (RTC, NTP); the core
  // otherwise learns the time from the CSMS. Returns false when unknown.
  virtual bool PlatformUtcMs(int64_t* out) const {
    (void)out;
    return false;
  }
};

// Wall-clock knowledge of the core: an offset over the monotonic clock, set from the CSMS
// (BootNotification.conf / Heartbeat.conf currentTime) or from the platform.
class TimeKeeper {
 public:
  explicit TimeKeeper(const Clock& clock) : clock_(clock) {}
  // True once UTC is known (synced from CSMS or provided by the platform).
  bool Known() const;
  // Current UTC ms; only meaningful when Known().
  int64_t NowUtcMs() const;
  // UTC ms of a monotonic instant; only meaningful when Known().
  int64_t UtcAt(uint64_t monotonic_ms) const;
  void SetUtcMs(int64_t utc_ms);
  uint64_t MonotonicMs() const { return clock_.MonotonicMs(); }
  const Clock& clock() const { return clock_; }

 private:
  const Clock& clock_;
  bool synced_ = false;
  int64_t offset_ms_ = 0;  // utc = monotonic + offset
};

// The earliest instant we accept as a real UTC time (2020-01-01T00:00:00Z). Anything before is
// treated as "time unknown" so no 1970 date ever reaches the CSMS.
constexpr int64_t kEarliestValidUtcMs = 1577836800000LL;

constexpr size_t kIso8601BufferSize = 25;  // "YYYY-MM-DDTHH:MM:SS.mmmZ" + NUL
// Formats UTC ms as ISO-8601 with milliseconds and 'Z'. Returns the number of characters.
size_t FormatIso8601(int64_t utc_ms, char* out, size_t cap);
// Parses an ISO-8601 date-time (with 'Z' or a +hh:mm / -hh:mm offset, optional fraction) into
// UTC ms. Rejects anything else.
Result<int64_t> ParseIso8601(std::string_view text);

}  // namespace evc
