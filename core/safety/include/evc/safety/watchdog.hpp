#pragma once
// Software watchdog: a fixed set of named tasks (the control loop, the network loop) check in
// with a monotonic timestamp; a checker evaluates the check-ins periodically and reports the first
// task that stayed silent longer than its deadline. What happens on a miss is the port's business
// (posix::WatchdogThread: fail-safe, log, abort; the process supervisor restarts the charger).
//
// No heap, no platform header, no lock: every slot is a pair of atomics, so CheckIn() may be
// called from any thread or FreeRTOS task, and Check() from another.
//
// Memory ordering. A slot is `armed_` (bool) + `last_ms_` (uint32_t, the low 32 bits of the
// monotonic ms). Only the stamp itself is shared, no other data is published through it, so
// check-ins use relaxed atomics (atomicity is what matters; a newer stamp that the checker does
// not see yet only makes the watchdog more conservative by one period). The exception is arming:
// Arm() writes the fresh stamp and then sets `armed_` with release; Check() loads `armed_` with
// acquire before it reads the stamp, so a re-armed slot is never judged by a stale stamp left from
// before a Disarm(). Stamps are 32-bit (lock-free on the 32-bit ESP32, where 64-bit atomics take a
// lock) and compared with wrap-safe signed differences; deadlines are far below 2^31 ms. A stamp
// newer than the checker's `now` (a task read the clock after the checker did) counts as "just
// checked in", never as a wrap-around.
//
// On the ESP32 (ports/esp32, to come), the hardware task watchdog backs this up. Its API is in
// ESP-IDF `components/esp_system/include/esp_task_wdt.h`:
//   - each watched FreeRTOS task subscribes itself once with esp_task_wdt_add(NULL) and calls
//     esp_task_wdt_reset() next to its Watchdog::CheckIn(); the TWDT has one timeout for all tasks
//     (esp_task_wdt_reconfigure() with esp_task_wdt_config_t{timeout_ms, idle_core_mask,
//     trigger_panic = true}; CONFIG_ESP_TASK_WDT_PANIC=y), set above the longest deadline here;
//   - a checker task (the counterpart of posix::WatchdogThread) runs Check() every
//     kWatchdogCheckPeriodMs and, on a miss, calls FailSafe::Trigger(kWatchdog, ...) and then
//     esp_system_abort() (declared in esp_system.h), which panics and resets the chip;
//   - if the checker itself starves, the TWDT fires: its ISR calls the weak hook
//     esp_task_wdt_isr_user_handler(), which we define to call FailSafe::Trigger(kWatchdog, ...)
//     (actions must then be ISR-safe: a GPIO write for the contactor) before the panic resets.
// After the reset, esp_reset_reason() tells ESP_RST_TASK_WDT / ESP_RST_PANIC apart from a power
// cut; the transaction journal recovers the session either way.

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "evc/safety/timing.hpp"

namespace evc::safety {

// The watched tasks. To add one: a new enumerator before kCount, its deadline in timing.hpp and
// in WatchdogDeadlineMs(), its name in WatchdogTaskName().
enum class WatchdogTask : uint8_t {
  kControlLoop = 0,  // the 10 ms control tick (safety supervisor, charging controller)
  kNetworkLoop = 1,  // OCPP / WebSocket servicing
  kCount
};
constexpr size_t kWatchdogTaskCount = static_cast<size_t>(WatchdogTask::kCount);

// "CONTROL_LOOP", "NETWORK_LOOP"; "UNKNOWN" for anything else.
const char* WatchdogTaskName(WatchdogTask task);
// The task's deadline: the longest allowed gap between two check-ins (timing.hpp).
uint32_t WatchdogDeadlineMs(WatchdogTask task);

// The result of one Check().
struct WatchdogMiss {
  bool missed = false;
  WatchdogTask task = WatchdogTask::kControlLoop;  // meaningful only when missed
  uint32_t silent_ms = 0;                          // time since the task's last check-in
  uint32_t deadline_ms = 0;                        // the task's deadline
  uint32_t overdue_ms() const { return silent_ms - deadline_ms; }  // when missed
};

class Watchdog {
 public:
  Watchdog() = default;
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Starts watching `task`: it must check in within its deadline of `now_ms`, and again within
  // the deadline of every check-in after. Call when the task starts (re-arming is allowed).
  void Arm(WatchdogTask task, uint64_t now_ms);
  // Stops watching `task` (a task that ends on purpose). Its check-ins are then ignored.
  void Disarm(WatchdogTask task);
  // "Alive at now_ms". Lock-free, any thread or task; ignored for an unarmed or invalid task.
  // Keeps the newest stamp when several callers race.
  void CheckIn(WatchdogTask task, uint64_t now_ms);
  // The armed task that has been silent longest beyond its deadline (the one whose deadline
  // passed first; ties go to the lower enumerator), or missed = false.
  WatchdogMiss Check(uint64_t now_ms) const;

  bool armed(WatchdogTask task) const;

 private:
  struct Slot {
    std::atomic<bool> armed_{false};
    std::atomic<uint32_t> last_ms_{0};
  };
  static_assert(std::atomic<uint32_t>::is_always_lock_free, "watchdog stamps must be lock-free");
  static_assert(std::atomic<bool>::is_always_lock_free, "watchdog flags must be lock-free");

  Slot slots_[kWatchdogTaskCount];
};

}  // namespace evc::safety
