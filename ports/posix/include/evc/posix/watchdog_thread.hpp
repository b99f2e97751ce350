#pragma once
// The software watchdog's checker on Linux: a thread that wakes every period, runs
// safety::Watchdog::Check() on the monotonic clock and, when a task missed its deadline, makes the
// charger safe and ends the process:
//   1. safety::FailSafe::Trigger(ErrorCode::kWatchdog, ...) — the contactor opens first
//      (DESIGN.md rule 3), so nothing (not even the log line) comes before it;
//   2. one error log line: which task, how long it was silent, by how much it missed;
//   3. safety::FailSafe::Abort() — the abort hook, then abort().
// The restart is the same as after a crash: whatever supervises the process (systemd
// Restart=on-failure, the integration test harness) starts it again with the same state directory
// and the firmware recovers from its flash journal.
//
// The clock must be the one the watched loops use for their CheckIn() stamps.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "evc/common/clock.hpp"
#include "evc/common/log.hpp"
#include "evc/common/status.hpp"
#include "evc/safety/timing.hpp"
#include "evc/safety/watchdog.hpp"

namespace evc::posix {

class WatchdogThread {
 public:
  // `watchdog`, `clock` and `log` must outlive the thread. A period of 0 is replaced by the
  // default.
  WatchdogThread(const safety::Watchdog& watchdog, const Clock& clock, Logger& log,
                 uint32_t period_ms = safety::timing::kWatchdogCheckPeriodMs);
  ~WatchdogThread();  // Stop()
  WatchdogThread(const WatchdogThread&) = delete;
  WatchdogThread& operator=(const WatchdogThread&) = delete;

  // Starts the checker. kFailedPrecondition if it already runs, kInternal if no thread can be
  // created.
  Status Start();
  // Stops the checker and joins it (wakes it at once; no wait for the period). Idempotent.
  void Stop();
  bool running() const { return thread_.joinable(); }
  uint32_t period_ms() const { return period_ms_; }
  // How many checks ran since construction (for status reports and tests).
  uint64_t checks() const { return checks_.load(std::memory_order_relaxed); }

 private:
  void Run();
  [[noreturn]] void OnMiss(const safety::WatchdogMiss& miss);

  const safety::Watchdog& watchdog_;
  const Clock& clock_;
  Logger& log_;
  const uint32_t period_ms_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::atomic<uint64_t> checks_{0};
  std::thread thread_;
};

// Installs a safety::FailSafe abort hook that writes one line, "evc: fatal: <NAME> (<vendor
// code>) at <where>", to stderr with write(2) (async-signal-safe, no stdio lock) before abort().
void InstallAbortHook();

}  // namespace evc::posix
