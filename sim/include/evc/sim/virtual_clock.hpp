#pragma once
// Virtual time for the deterministic simulation, and the run's invariant bookkeeping.
//
// VirtualClock is the core's Clock seam driven by the simulation loop: time moves only when the
// world advances it (in control ticks), so a run of virtual hours takes seconds and replays
// exactly from its seed. The platform has no UTC of its own: the core learns the time from the
// CSMS model, as a freshly booted charger would.
//
// InvariantLog counts every invariant check of a run and keeps the first violations with the
// virtual time they happened at; a run fails when any check failed.

#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "evc/common/clock.hpp"

namespace evc::sim {

// The UTC instant the CSMS model reports at virtual time 0 (2026-01-01T00:00:00Z).
constexpr int64_t kSimEpochUtcMs = 1767225600000LL;
// Where the virtual monotonic clock starts (a device has been up for a moment at first Poll).
constexpr uint64_t kSimStartMs = 1000;

class VirtualClock final : public Clock {
 public:
  explicit VirtualClock(uint64_t start_ms = kSimStartMs) : now_ms_(start_ms) {}
  uint64_t MonotonicMs() const override { return now_ms_; }
  void Advance(uint64_t ms) { now_ms_ += ms; }
  uint64_t now_ms() const { return now_ms_; }
  // The true UTC time of the simulated world (what the CSMS model reports).
  int64_t WorldUtcMs() const { return kSimEpochUtcMs + static_cast<int64_t>(now_ms_); }

 private:
  uint64_t now_ms_;
};

// Violations kept verbatim; later ones are only counted.
constexpr size_t kMaxRecordedViolations = 16;

class InvariantLog {
 public:
  explicit InvariantLog(const VirtualClock& clock) : clock_(clock) {}
  // Counts one check; records a violation (printf-style message) when `ok` is false.
  bool Check(bool ok, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
  uint64_t checks() const { return checks_; }
  uint64_t violations() const { return violations_; }
  const std::vector<std::string>& messages() const { return messages_; }

 private:
  const VirtualClock& clock_;
  uint64_t checks_ = 0;
  uint64_t violations_ = 0;
  std::vector<std::string> messages_;
};

}  // namespace evc::sim
