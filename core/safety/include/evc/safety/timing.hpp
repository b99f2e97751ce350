#pragma once
// Timing constants of the safety layer, named (no time literal in logic).

#include <cstdint>

namespace evc::safety::timing {

constexpr uint32_t kOverVoltageSustainMs = 100;  // above the sustained threshold this long
constexpr uint32_t kOverCurrentSustainMs = 500;
constexpr uint32_t kOverTemperatureSustainMs = 5000;
constexpr uint32_t kContactorFeedbackMs = 100;  // feedback must follow the command within
constexpr uint32_t kBmsAliveMs = 1000;          // valid vehicle data at least this recent
constexpr uint32_t kControlTickMs = 10;         // the supervisor runs every tick

// Software watchdog (watchdog.hpp): the longest gap allowed between two check-ins of a task.
// The control loop ticks every kControlTickMs, so 200 ms is 20 missed ticks; the network loop may
// block for a while in one step (a TLS handshake, a synchronous connect), hence the looser bound.
constexpr uint32_t kWatchdogControlLoopMs = 200;
constexpr uint32_t kWatchdogNetworkLoopMs = 2000;
// How often the port's watchdog checker (posix::WatchdogThread) evaluates the check-ins. A miss
// is noticed at most this long after the deadline passed.
constexpr uint32_t kWatchdogCheckPeriodMs = 50;

}  // namespace evc::safety::timing
