#include "evc/safety/watchdog.hpp"

namespace evc::safety {

namespace {

bool Valid(WatchdogTask task) {
  return static_cast<size_t>(task) < kWatchdogTaskCount;
}

// Milliseconds from `then` to `now` on the 32-bit wrapping clock; 0 if `then` is newer.
uint32_t Since(uint32_t now, uint32_t then) {
  const int32_t diff = static_cast<int32_t>(now - then);
  return diff > 0 ? static_cast<uint32_t>(diff) : 0;
}

}  // namespace

const char* WatchdogTaskName(WatchdogTask task) {
  switch (task) {
    case WatchdogTask::kControlLoop:
      return "CONTROL_LOOP";
    case WatchdogTask::kNetworkLoop:
      return "NETWORK_LOOP";
    case WatchdogTask::kCount:
      break;
  }
  return "UNKNOWN";
}

uint32_t WatchdogDeadlineMs(WatchdogTask task) {
  switch (task) {
    case WatchdogTask::kControlLoop:
      return timing::kWatchdogControlLoopMs;
    case WatchdogTask::kNetworkLoop:
      return timing::kWatchdogNetworkLoopMs;
    case WatchdogTask::kCount:
      break;
  }
  return 0;
}

void Watchdog::Arm(WatchdogTask task, uint64_t now_ms) {
  if (!Valid(task)) {
    return;
  }
  Slot& s = slots_[static_cast<size_t>(task)];
  s.last_ms_.store(static_cast<uint32_t>(now_ms), std::memory_order_relaxed);
  // Release: a checker that sees armed_ == true also sees the stamp written just above.
  s.armed_.store(true, std::memory_order_release);
}

void Watchdog::Disarm(WatchdogTask task) {
  if (!Valid(task)) {
    return;
  }
  slots_[static_cast<size_t>(task)].armed_.store(false, std::memory_order_release);
}

void Watchdog::CheckIn(WatchdogTask task, uint64_t now_ms) {
  if (!Valid(task)) {
    return;
  }
  Slot& s = slots_[static_cast<size_t>(task)];
  if (!s.armed_.load(std::memory_order_relaxed)) {
    return;
  }
  const uint32_t stamp = static_cast<uint32_t>(now_ms);
  uint32_t cur = s.last_ms_.load(std::memory_order_relaxed);
  // Move the stamp forward only: a caller that read the clock earlier but arrives later must not
  // make the task look older than it is. On failure `cur` is reloaded and the test repeats.
  while (static_cast<int32_t>(stamp - cur) > 0 &&
         !s.last_ms_.compare_exchange_weak(cur, stamp, std::memory_order_relaxed,
                                           std::memory_order_relaxed)) {
  }
}

WatchdogMiss Watchdog::Check(uint64_t now_ms) const {
  const uint32_t now = static_cast<uint32_t>(now_ms);
  WatchdogMiss worst;
  for (size_t i = 0; i < kWatchdogTaskCount; ++i) {
    const Slot& s = slots_[i];
    // Acquire pairs with Arm(): the stamp read next is at least the arming stamp.
    if (!s.armed_.load(std::memory_order_acquire)) {
      continue;
    }
    const auto task = static_cast<WatchdogTask>(i);
    const uint32_t silent = Since(now, s.last_ms_.load(std::memory_order_relaxed));
    const uint32_t deadline = WatchdogDeadlineMs(task);
    if (silent <= deadline) {
      continue;
    }
    if (!worst.missed || silent - deadline > worst.overdue_ms()) {
      worst.missed = true;
      worst.task = task;
      worst.silent_ms = silent;
      worst.deadline_ms = deadline;
    }
  }
  return worst;
}

bool Watchdog::armed(WatchdogTask task) const {
  return Valid(task) && slots_[static_cast<size_t>(task)].armed_.load(std::memory_order_acquire);
}

}  // namespace evc::safety
