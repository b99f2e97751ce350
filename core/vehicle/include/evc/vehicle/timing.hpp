#pragma once
// Every period and timeout of the vehicle (GB/T 27930 over J1939) link, in one place.
// Nothing in core/vehicle uses a time literal outside this header.
//
// Sources (facts only; see also core/vehicle/README.md):
//  [J]  SAE J1939-21 transport-protocol timers. The standard is not public; the values are the
//       ones repeated by ISO 11783-3:2018 (same transport protocol) as quoted in public code,
//       e.g. the AgIsoStack "can_transport_defines.hpp" (Tr 200, Th 500, T1 750, T2 1250,
//       T3 1250, T4 1050 ms; BAM packets 50..200 ms apart) and the velib J1939 TP header.
//  [R]  /work/shared/reference/platform-and-safety.md §4.4 (message periods, 1 s BCL loss).
//  [Y]  Yangyuanxin/Embedded-Product-Collect "bms_xgb.c" (a GB/T 27930-2015 charger): BHM 5 s,
//       BRM 5 s, BCP 5 s, BRO(0x00) 5 s, BRO(0xAA) 60 s, BCS 5 s after CRO, BCL 1 s, BST 5 s,
//       BSD 10 s, CEM repeated every 250 ms for 5 s.
//  [S]  IEC 61851-25 §6.3.5.5 as quoted in the reference §3.2: error shutdown when no valid data
//       is received for more than 1 s.
//  [G]  our own choice, explained next to the value.

#include <cstdint>

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
