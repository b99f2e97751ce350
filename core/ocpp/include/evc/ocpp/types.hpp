#pragma once
// OCPP 1.6 enumerations the charge point emits, with their schema spellings.

#include <cstdint>

namespace evc::ocpp {

enum class StopReason : uint8_t {
  kEmergencyStop,
  kEVDisconnected,
  kHardReset,
  kLocal,
  kOther,
  kPowerLoss,
  kReboot,
  kRemote,
  kSoftReset,
  kUnlockCommand,
  kDeAuthorized,
};
const char* StopReasonName(StopReason r);

enum class ReadingContext : uint8_t {
  kSamplePeriodic,
  kSampleClock,
  kTransactionBegin,
  kTransactionEnd,
  kTrigger,
};
const char* ReadingContextName(ReadingContext c);

enum class AuthorizationStatus : uint8_t { kAccepted, kBlocked, kExpired, kInvalid, kConcurrentTx };
AuthorizationStatus ParseAuthorizationStatus(const char* text);  // unknown → kInvalid
const char* AuthorizationStatusName(AuthorizationStatus s);

}  // namespace evc::ocpp
