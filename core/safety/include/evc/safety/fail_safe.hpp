#pragma once
// The one fail-safe path (DESIGN.md rule 3): every broken invariant, watchdog miss or fatal error
// ends here, and the first thing that happens is the contactor opening.
//
// At startup the firmware registers its "make safe" actions, at most kMaxActions, each a plain
// function pointer with a context. By convention THE FIRST REGISTERED ACTION OPENS THE CONTACTOR
// (a GPIO write); the next ones command the power module off, and so on. Trigger() runs them in
// registration order.
//
// Rules for an action: short, non-blocking, no allocation, idempotent (running it twice is
// harmless), and safe to run on another thread than the control loop while that loop is stalled
// or still running. When Trigger() may be called from an interrupt (the ESP32 task-watchdog ISR
// hook), every action must also be ISR-safe.
//
// Trigger() semantics:
//   - the first call records the reason and where, runs the actions and returns kRan;
//   - a call from inside an action (an EVC_CHECK that fails in the contactor code, say) returns
//     kNested at once: no recursion;
//   - a call from another thread while the first run is in progress runs the actions too and
//     returns kHelped. It does not wait for the first run: on FreeRTOS a higher-priority task
//     spinning on a lower-priority one on the same core would never finish, and the caller is
//     about to abort, so it must have made the machine safe itself;
//   - any call after a completed run returns kAlreadyDone and runs nothing (idempotent).
// Lock-free (atomics and a thread_local nesting depth); callable from any context whose actions
// are safe there.
//
// After Trigger(), fatal paths call Abort(): the platform's abort hook (set by the port), then
// std::abort() if the hook returns. POSIX: the default is fine — abort() raises SIGABRT and the
// process supervisor (systemd, the integration test) restarts the charger with the same state
// directory; posix::InstallAbortHook() adds a one-line reason on stderr first. ESP32: the hook
// calls esp_system_abort(where) (esp_system.h), which panics, stores the backtrace and resets the
// chip; abort() from newlib ends in the same panic handler.

#include <cstddef>
#include <cstdint>

#include "evc/common/status.hpp"
#include "evc/safety/error_code.hpp"

namespace evc::safety {

using FailSafeAction = void (*)(void* context);
// Must not return; if it does, std::abort() follows.
using AbortHook = void (*)(ErrorCode reason, const char* where);

enum class TriggerResult : uint8_t {
  kRan,          // this call ran the actions first
  kHelped,       // another run was in progress; this call ran the actions as well
  kNested,       // called from inside an action: returned at once
  kAlreadyDone,  // a previous run completed; nothing ran
};

class FailSafe {
 public:
  static constexpr size_t kMaxActions = 8;

  // Startup only, from one thread, before anything can Trigger(). Actions run in this order; the
  // first one must open the contactor. kInvalidArgument: null name or function;
  // kResourceExhausted: kMaxActions reached; kFailedPrecondition: already triggered.
  static Status Register(const char* name, FailSafeAction action, void* context);

  // Makes the charger safe (see the header comment). `where` must be a string with static
  // storage (a literal, __FILE__ ":" line); it is kept for diagnostics.
  static TriggerResult Trigger(ErrorCode reason, const char* where);

  // The platform's abort. Never returns.
  [[noreturn]] static void Abort(ErrorCode reason, const char* where);
  // Trigger() then Abort(): the end of every broken invariant.
  [[noreturn]] static void Fatal(ErrorCode reason, const char* where);

  // Set by the port at startup; null restores the default (std::abort()).
  static void SetAbortHook(AbortHook hook);

  static bool triggered();
  static ErrorCode reason();   // of the first Trigger(); kNone before
  static const char* where();  // of the first Trigger(); "" before
  static size_t action_count();
  static const char* action_name(size_t index);  // "" when out of range

  // Tests only: forgets the actions, the hook and the triggered state.
  static void ResetForTesting();
};

}  // namespace evc::safety

#define EVC_SAFETY_STRINGIZE_IMPL(x) #x
#define EVC_SAFETY_STRINGIZE(x) EVC_SAFETY_STRINGIZE_IMPL(x)

// A broken invariant: if `cond` is false, the fail-safe runs (contactor first) and the platform
// aborts, with "file:line: cond" as the place. `cond` is evaluated exactly once. Only for things
// that can never happen in a correct program; bad input is an error value, never an EVC_CHECK.
#define EVC_CHECK(cond)                                                                       \
  do {                                                                                        \
    if (__builtin_expect(!(cond), 0)) {                                                       \
      ::evc::safety::FailSafe::Fatal(::evc::safety::ErrorCode::kInternalInvariant,            \
                                     __FILE__ ":" EVC_SAFETY_STRINGIZE(__LINE__) ": " #cond); \
    }                                                                                         \
  } while (0)
