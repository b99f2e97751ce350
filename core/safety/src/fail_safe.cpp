#include "evc/safety/fail_safe.hpp"

#include <atomic>
#include <cstdlib>

namespace evc::safety {

namespace {

struct Action {
  const char* name;
  FailSafeAction fn;
  void* context;
};

enum State : uint8_t { kIdle, kRunning, kDone };

// Process-wide, constant-initialised (usable before and during static construction).
Action g_actions[FailSafe::kMaxActions];
std::atomic<size_t> g_count{0};
std::atomic<uint8_t> g_state{kIdle};
std::atomic<uint16_t> g_reason{static_cast<uint16_t>(ErrorCode::kNone)};
std::atomic<const char*> g_where{""};
std::atomic<AbortHook> g_abort_hook{nullptr};

// How deep the current thread (or, on FreeRTOS, the interrupted task) is inside RunActions().
thread_local int t_depth = 0;

void RunActions() {
  ++t_depth;
  // Acquire pairs with Register()'s release: every published entry is complete.
  const size_t n = g_count.load(std::memory_order_acquire);
  for (size_t i = 0; i < n; ++i) {
    g_actions[i].fn(g_actions[i].context);
  }
  --t_depth;
}

}  // namespace

Status FailSafe::Register(const char* name, FailSafeAction action, void* context) {
  if (name == nullptr || action == nullptr) {
    return Errc::kInvalidArgument;
  }
  if (g_state.load(std::memory_order_acquire) != kIdle) {
    return Errc::kFailedPrecondition;
  }
  const size_t n = g_count.load(std::memory_order_relaxed);
  if (n >= kMaxActions) {
    return Errc::kResourceExhausted;
  }
  g_actions[n] = Action{name, action, context};
  g_count.store(n + 1, std::memory_order_release);
  return OkStatus();
}

TriggerResult FailSafe::Trigger(ErrorCode reason, const char* where) {
  if (t_depth > 0) {
    return TriggerResult::kNested;
  }
  uint8_t expected = kIdle;
  const bool first = g_state.compare_exchange_strong(expected, kRunning, std::memory_order_acq_rel);
  if (!first && expected == kDone) {
    return TriggerResult::kAlreadyDone;
  }
  if (first) {
    // Recorded before the actions so a crash inside one still leaves the cause behind.
    g_reason.store(static_cast<uint16_t>(reason), std::memory_order_relaxed);
    g_where.store(where != nullptr ? where : "", std::memory_order_relaxed);
  }
  RunActions();
  if (!first) {
    return TriggerResult::kHelped;
  }
  g_state.store(kDone, std::memory_order_release);
  return TriggerResult::kRan;
}

void FailSafe::Abort(ErrorCode reason, const char* where) {
  const AbortHook hook = g_abort_hook.load(std::memory_order_acquire);
  if (hook != nullptr) {
    hook(reason, where != nullptr ? where : "");
  }
  std::abort();
}

void FailSafe::Fatal(ErrorCode reason, const char* where) {
  Trigger(reason, where);
  Abort(reason, where);
}

void FailSafe::SetAbortHook(AbortHook hook) {
  g_abort_hook.store(hook, std::memory_order_release);
}

bool FailSafe::triggered() {
  return g_state.load(std::memory_order_acquire) != kIdle;
}

ErrorCode FailSafe::reason() {
  return static_cast<ErrorCode>(g_reason.load(std::memory_order_relaxed));
}

const char* FailSafe::where() {
  return g_where.load(std::memory_order_relaxed);
}

size_t FailSafe::action_count() {
  return g_count.load(std::memory_order_acquire);
}

const char* FailSafe::action_name(size_t index) {
  return index < action_count() ? g_actions[index].name : "";
}

void FailSafe::ResetForTesting() {
  g_count.store(0, std::memory_order_release);
  g_state.store(kIdle, std::memory_order_release);
  g_reason.store(static_cast<uint16_t>(ErrorCode::kNone), std::memory_order_relaxed);
  g_where.store("", std::memory_order_relaxed);
  g_abort_hook.store(nullptr, std::memory_order_release);
}

}  // namespace evc::safety
