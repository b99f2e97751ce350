#include "evc/posix/watchdog_thread.hpp"

#include <unistd.h>

#include <chrono>
#include <cstring>
#include <system_error>

#include "evc/safety/error_code.hpp"
#include "evc/safety/fail_safe.hpp"

namespace evc::posix {

namespace {

constexpr const char* kTag = "watchdog";
constexpr const char* kWhere = "posix::WatchdogThread";

void WriteAll(const char* text) {
  size_t left = strlen(text);
  while (left > 0) {
    const ssize_t n = write(STDERR_FILENO, text, left);
    if (n <= 0) {
      return;  // nothing more we can do on the way to abort()
    }
    text += n;
    left -= static_cast<size_t>(n);
  }
}

void StderrAbortHook(safety::ErrorCode reason, const char* where) {
  const safety::ErrorInfo& info = safety::Describe(reason);
  WriteAll("evc: fatal: ");
  WriteAll(info.name);
  WriteAll(" (");
  WriteAll(info.vendor_error_code);
  WriteAll(") at ");
  WriteAll(where);
  WriteAll("\n");
}

}  // namespace

WatchdogThread::WatchdogThread(const safety::Watchdog& watchdog, const Clock& clock, Logger& log,
                               uint32_t period_ms)
    : watchdog_(watchdog),
      clock_(clock),
      log_(log),
      period_ms_(period_ms == 0 ? safety::timing::kWatchdogCheckPeriodMs : period_ms) {}

WatchdogThread::~WatchdogThread() {
  Stop();
}

Status WatchdogThread::Start() {
  if (thread_.joinable()) {
    return Errc::kFailedPrecondition;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = false;
  }
  try {
    thread_ = std::thread([this] { Run(); });
  } catch (const std::system_error& e) {
    EVC_LOGE(log_, kTag, "cannot start the watchdog thread: %s", e.what());
    return Errc::kInternal;
  }
  EVC_LOGI(log_, kTag, "checking every %u ms", static_cast<unsigned>(period_ms_));
  return OkStatus();
}

void WatchdogThread::Stop() {
  if (!thread_.joinable()) {
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void WatchdogThread::Run() {
  const auto period = std::chrono::milliseconds(period_ms_);
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    // Wakes on Stop() or after one period (spurious wake-ups just check early).
    if (cv_.wait_for(lock, period, [this] { return stop_; })) {
      return;
    }
    const safety::WatchdogMiss miss = watchdog_.Check(clock_.MonotonicMs());
    if (miss.missed) {
      OnMiss(miss);
    }
    checks_.fetch_add(1, std::memory_order_relaxed);
  }
}

void WatchdogThread::OnMiss(const safety::WatchdogMiss& miss) {
  // Contactor first: nothing, not even logging, before the fail-safe actions.
  safety::FailSafe::Trigger(safety::ErrorCode::kWatchdog, kWhere);
  EVC_LOGE(log_, kTag, "%s missed its deadline: silent %u ms, deadline %u ms, overdue %u ms",
           safety::WatchdogTaskName(miss.task), static_cast<unsigned>(miss.silent_ms),
           static_cast<unsigned>(miss.deadline_ms), static_cast<unsigned>(miss.overdue_ms()));
  safety::FailSafe::Abort(safety::ErrorCode::kWatchdog, kWhere);
}

void InstallAbortHook() {
  safety::FailSafe::SetAbortHook(StderrAbortHook);
}

}  // namespace evc::posix
