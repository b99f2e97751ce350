#pragma once
// Every timing constant of the firmware core, in one place (no time literal in logic: a test
// checks the core sources). Values the CSMS may change are OCPP configuration keys instead
// (HeartbeatInterval, MeterValueSampleInterval, ConnectionTimeOut, WebSocketPingInterval,
// TransactionMessageRetryInterval, EvcMessageTimeoutS, EvcReconnectMinS/MaxS, ...).
// Module headers such as evc/ocpp/timing.hpp include this file.

#include <cstdint>

namespace evc::timing {

constexpr uint32_t kMsPerSecond = 1000;  // a unit, shared by every module

}  // namespace evc::timing

// ================================================================================================
// OCPP layer (ocpp/evc/ocpp/timing.hpp)

// Every time constant of the OCPP layer, named, in one place (no time literal in logic).
// Values that OCPP lets the CSMS change live in configuration keys instead.

namespace evc::ocpp::timing {

// The CALL timeout and the reconnection backoff bounds are configuration keys
// (EvcMessageTimeoutS, EvcReconnectMinS, EvcReconnectMaxS).
constexpr uint32_t kBootRetryDefaultMs = 60000;  // when Boot.conf gives interval 0 / no answer
constexpr uint32_t kBootRetryMinMs = 5000;       // never hammer the CSMS faster than this
constexpr uint32_t kConnectTimeoutMs = 20000;    // a connect attempt that has not finished
// Circuit breaker on connecting: a CSMS that refuses us (HTTP 401/403/404, TLS failure, wrong
// subprotocol) this many times in a row is left alone for the cool-down, doubling to the cap.
constexpr uint32_t kConnectBreakerThreshold = 5;
constexpr uint32_t kConnectBreakerCooldownMs = 600000;      // 10 min
constexpr uint32_t kConnectBreakerMaxCooldownMs = 3600000;  // 1 h
constexpr uint32_t kStableConnectionMs = 60000;  // connected this long → backoff resets
// A connector left in Finishing (session over, cable still in) this long returns to Available,
// so a forgotten cable never blocks the charger.
constexpr uint32_t kFinishingTimeoutMs = 300000;     // 5 min
constexpr uint32_t kResetGraceMs = 10000;            // wait for StopTransaction before rebooting
constexpr uint32_t kMeterPersistIntervalMs = 60000;  // energy register written at least this often
constexpr uint32_t kMaxIntegrationStepMs = 2000;     // a longer gap is not integrated (stale data)
// A meter sample reports instantaneous values (power, current, voltage, ...) only from telemetry
// younger than this; otherwise just the energy register (the module is off line or silent).
constexpr uint32_t kMeterTelemetryMaxAgeMs = 3000;

constexpr uint32_t kCredentialReconnectDelayMs = 1000;  // let the ChangeConfiguration.conf leave
using ::evc::timing::kMsPerSecond;

}  // namespace evc::ocpp::timing

// ================================================================================================
// CAN bus and power-module driver (can/evc/can/timing.hpp)

// Timing constants of the CAN layer and of the CAN device drivers built on it (power module).
// No time literal appears in the CAN or power logic; everything is here, in milliseconds.

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

// ================================================================================================
// GB/T 27930 vehicle communication (vehicle/evc/vehicle/timing.hpp)

// Every period and timeout of the vehicle (GB/T 27930 over J1939) link, in one place.
// Nothing in core/vehicle uses a time literal outside this header.
//
// Sources (facts only; see also core/vehicle/README.md):
//  [J]  SAE J1939-21 transport-protocol timers. The standard is not public; the values are the
//       ones repeated by ISO 11783-3:2018 (same transport protocol) as quoted in public code,
//       e.g. the AgIsoStack "can_transport_defines.hpp" (Tr 200, Th 500, T1 750, T2 1250,
//       T3 1250, T4 1050 ms; BAM packets 50..200 ms apart) and the velib J1939 TP header.
//  [R]  the team reference platform-and-safety.md §4.4 (message periods, 1 s BCL loss).
//  [Y]  Yangyuanxin/Embedded-Product-Collect "bms_xgb.c" (a GB/T 27930-2015 charger): BHM 5 s,
//       BRM 5 s, BCP 5 s, BRO(0x00) 5 s, BRO(0xAA) 60 s, BCS 5 s after CRO, BCL 1 s, BST 5 s,
//       BSD 10 s, CEM repeated every 250 ms for 5 s.
//  [S]  IEC 61851-25 §6.3.5.5 as quoted in the reference §3.2: error shutdown when no valid data
//       is received for more than 1 s.
//  [G]  our own choice, explained next to the value.

namespace evc::vehicle {

// ---- J1939-21 transport protocol [J] -------------------------------------------------------
constexpr uint32_t kTpResponseTimeoutMs = 200;  // Tr: a node answers a TP.CM within this
constexpr uint32_t kTpHoldTimeoutMs = 500;      // Th: a receiver holding with CTS(0) repeats it
constexpr uint32_t kTpT1Ms = 750;               // receiver: max gap between two TP.DT packets
constexpr uint32_t kTpT2Ms = 1250;  // receiver: after sending CTS, until the first TP.DT
constexpr uint32_t kTpT3Ms = 1250;  // sender: after the last TP.DT of a window, until CTS/EOMA
constexpr uint32_t kTpT4Ms = 1050;  // sender: after a CTS(0) hold, until the next CTS
// BAM: the sender spaces its TP.DT packets 50..200 ms apart [J]; we send at the minimum.
constexpr uint32_t kTpBamPacketGapMs = 50;

// ---- GB/T 27930 message periods [R] ---------------------------------------------------------
constexpr uint32_t kPeriodChmMs = 250;
constexpr uint32_t kPeriodBhmMs = 250;
constexpr uint32_t kPeriodCrmMs = 250;
constexpr uint32_t kPeriodBrmMs = 250;
constexpr uint32_t kPeriodBcpMs = 500;
constexpr uint32_t kPeriodCtsMs = 500;
constexpr uint32_t kPeriodCmlMs = 250;
constexpr uint32_t kPeriodBroMs = 250;
constexpr uint32_t kPeriodCroMs = 250;
constexpr uint32_t kPeriodBclMs = 50;
constexpr uint32_t kPeriodBcsMs = 250;
constexpr uint32_t kPeriodCcsMs = 50;
constexpr uint32_t kPeriodBsmMs = 250;
constexpr uint32_t kPeriodBstMs = 10;
constexpr uint32_t kPeriodCstMs = 10;
constexpr uint32_t kPeriodBsdMs = 250;
constexpr uint32_t kPeriodCsdMs = 250;
constexpr uint32_t kPeriodBemMs = 250;
constexpr uint32_t kPeriodCemMs = 250;

// ---- GB/T 27930 receive timeouts, charger side [Y] -----------------------------------------
constexpr uint32_t kTimeoutBhmMs = 5000;        // CHM sent, no BHM: continue as a 2011-edition BMS
constexpr uint32_t kTimeoutBrmMs = 5000;        // CRM(0x00) sent, no BRM
constexpr uint32_t kTimeoutBcpMs = 5000;        // CRM(0xAA) sent, no BCP
constexpr uint32_t kTimeoutBroMs = 5000;        // CML sent, no BRO at all
constexpr uint32_t kTimeoutBroReadyMs = 60000;  // CML sent, no BRO(0xAA)
constexpr uint32_t kTimeoutBcsMs = 5000;        // CRO(0xAA) sent / last BCS, no BCS
constexpr uint32_t kTimeoutBclMs = 1000;        // CRO(0xAA) sent / last BCL, no BCL [R][Y]
constexpr uint32_t kTimeoutBstMs = 5000;        // CST sent, no BST
constexpr uint32_t kTimeoutBsdMs = 10000;       // ending started, no BSD
// How long the charger keeps sending CEM after a timeout before the session is over [Y].
constexpr uint32_t kCemSendDurationMs = 5000;
// How long the charger sends CSD after BSD [G: [Y] sends CSD ten times at 250 ms].
constexpr uint32_t kCsdSendDurationMs = 2500;
// Insulation test between BHM and CRM, when the charger does one [G: the reference §3.1 says an
// IMD self-test should take < 10 s and a cable check well under 30 s; we allow 10 s].
constexpr uint32_t kInsulationCheckTimeoutMs = 10000;

// ---- GB/T 27930 receive timeouts, BMS side (simulated vehicle) [G: mirrors of the charger's,
// ---- as GB/T 27930-2015 uses the same 5 s / 1 s / 10 s pattern in both directions] ---------
constexpr uint32_t kTimeoutCrmMs = 5000;
constexpr uint32_t kTimeoutCmlMs = 5000;
constexpr uint32_t kTimeoutCroMs = 5000;
constexpr uint32_t kTimeoutCroReadyMs = 60000;
constexpr uint32_t kTimeoutCcsMs = 1000;
constexpr uint32_t kTimeoutCstMs = 5000;
constexpr uint32_t kTimeoutCsdMs = 10000;

// ---- Liveness [S] ---------------------------------------------------------------------------
// VehicleAlive() is true while a valid BMS message arrived within this window.
constexpr uint32_t kVehicleAliveTimeoutMs = 1000;

}  // namespace evc::vehicle

// ================================================================================================
// safety: supervisor and watchdog (safety/evc/safety/timing.hpp)

// Timing constants of the safety layer, named (no time literal in logic).

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

// ================================================================================================
// charging controller (charging/evc/charging/timing.hpp)

// Timing constants of the charging controller, named (no time literal in logic).

namespace evc::charging::timing {

constexpr uint32_t kGunLockTimeoutMs = 2000;        // lock feedback must confirm within
constexpr uint32_t kPrechargeTimeoutMs = 10000;     // module output reaching the battery voltage
constexpr uint32_t kContactorCloseTimeoutMs = 500;  // feedback after the close command
constexpr uint32_t kCurrentDecayTimeoutMs = 1000;   // wait for current to fall before opening
constexpr uint32_t kDischargeTimeoutMs = 5000;      // output voltage to fall before unlocking
constexpr uint32_t kModuleReadyTimeoutMs = 5000;    // module online with capability at start

}  // namespace evc::charging::timing
