#include "evc/ocpp/types.hpp"

#include <cstring>

namespace evc::ocpp {

const char* StopReasonName(StopReason r) {
  switch (r) {
    case StopReason::kEmergencyStop:
      return "EmergencyStop";
    case StopReason::kEVDisconnected:
      return "EVDisconnected";
    case StopReason::kHardReset:
      return "HardReset";
    case StopReason::kLocal:
      return "Local";
    case StopReason::kOther:
      return "Other";
    case StopReason::kPowerLoss:
      return "PowerLoss";
    case StopReason::kReboot:
      return "Reboot";
    case StopReason::kRemote:
      return "Remote";
    case StopReason::kSoftReset:
      return "SoftReset";
    case StopReason::kUnlockCommand:
      return "UnlockCommand";
    case StopReason::kDeAuthorized:
      return "DeAuthorized";
  }
  return "Other";
}

const char* ReadingContextName(ReadingContext c) {
  switch (c) {
    case ReadingContext::kSamplePeriodic:
      return "Sample.Periodic";
    case ReadingContext::kSampleClock:
      return "Sample.Clock";
    case ReadingContext::kTransactionBegin:
      return "Transaction.Begin";
    case ReadingContext::kTransactionEnd:
      return "Transaction.End";
    case ReadingContext::kTrigger:
      return "Trigger";
  }
  return "Other";
}

namespace {
constexpr const char* kAuthNames[] = {"Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx"};
}

AuthorizationStatus ParseAuthorizationStatus(const char* text) {
  for (size_t i = 0; i < sizeof(kAuthNames) / sizeof(kAuthNames[0]); ++i) {
    if (text != nullptr && strcmp(text, kAuthNames[i]) == 0) {
      return static_cast<AuthorizationStatus>(i);
    }
  }
  return AuthorizationStatus::kInvalid;
}

const char* AuthorizationStatusName(AuthorizationStatus s) {
  const auto i = static_cast<size_t>(s);
  return i < sizeof(kAuthNames) / sizeof(kAuthNames[0]) ? kAuthNames[i] : "Invalid";
}

}  // namespace evc::ocpp
