#pragma once
// Timing constants of the CAN layer and of the CAN device drivers built on it (power module).
// No time literal appears in the CAN or power logic; everything is here, in milliseconds.

#include <cstdint>

namespace evc::can::timing {

// ---- Bus-off recovery policy (can::BusGuard) ----
// A bus-off means our controller's transmit error counter passed 255: the wiring, termination or
// another node is broken, and recovering at once only repeats the storm. The guard waits, then
// recovers, doubling the wait after each failed attempt up to a cap.
constexpr uint32_t kBusOffBackoffInitialMs = 100;
constexpr uint32_t kBusOffBackoffMaxMs = 2000;
// The controller needs 128 x 11 recessive bits to leave bus-off: 1408 bit times, 11.3 ms at
// 125 kbit/s. Well above that, a recovery that has not finished is treated as failed (bus held
// dominant, transceiver dead).
constexpr uint32_t kRecoveryTimeoutMs = 250;
// A restart only counts as a successful recovery once the bus has stayed up this long; going
// bus-off again sooner is the same incident continuing.
constexpr uint32_t kRecoveryStableMs = 2000;
// After this many consecutive failed recoveries the guard latches a fault for the safety
// supervisor; the charger stops and only an explicit reset re-arms the guard.
constexpr uint32_t kMaxConsecutiveRecoveryFailures = 5;

}  // namespace evc::can::timing

namespace evc::power::timing {

// ---- InfyPower REG/BEG driver (power::InfyModule) ----
// Telemetry polls (0x03 output V/I, 0x04 status, 0x0C V/I after diode). EVerest polls once a
// second; the module's own communication timeout is 10 s, so this also serves as keep-alive.
constexpr uint32_t kInfyPollPeriodMs = 1000;
// Set-points (0x1C) and on/off (0x1A) are repeated at this period while a target is active, and
// immediately whenever the target changes.
constexpr uint32_t kInfySetpointRefreshMs = 1000;
// Capability request (0x0A) repeated until answered, then refreshed at this slow period.
constexpr uint32_t kInfyCapabilityRetryMs = 1000;
constexpr uint32_t kInfyCapabilityRefreshMs = 60000;
// The module's own timeout ("off after 10 s without a message"). Never relied upon for safety:
// the driver always sends an explicit OFF. Documented here so the keep-alive is checked against it.
constexpr uint32_t kInfyModuleCommTimeoutMs = 10000;
// No valid answer for this long -> module offline. Three missed polls: a lost frame (TWAI errata,
// RX overflow) is tolerated, a silent module is noticed well inside the module's own 10 s.
// (EVerest uses 15 s to keep a module in a multi-module capability sum; we drive one module and
// need to know much sooner.)
constexpr uint32_t kInfyOfflineTimeoutMs = 3000;
// Telemetry (output V/I) older than this is stale: Telemetry().valid becomes false.
constexpr uint32_t kInfyTelemetryStaleMs = 2500;
// While stopping, OFF is repeated at this period until the module reports DC side off (or goes
// offline), so one lost OFF frame cannot leave the output on.
constexpr uint32_t kInfyOffRepeatMs = 200;

static_assert(kInfyPollPeriodMs < kInfyModuleCommTimeoutMs,
              "keep-alive must beat the module timeout");
static_assert(kInfySetpointRefreshMs < kInfyModuleCommTimeoutMs, "set-point refresh too slow");
static_assert(kInfyOfflineTimeoutMs > 2 * kInfyPollPeriodMs, "offline must tolerate a lost answer");
static_assert(kInfyTelemetryStaleMs > kInfyPollPeriodMs, "stale limit below the poll period");

}  // namespace evc::power::timing
