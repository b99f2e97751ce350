#pragma once
// The one table of fault codes. Numbers are stable forever (they appear in field logs, in the
// OCPP vendorErrorCode and in the printed safety manual): add new codes, never renumber or reuse.
// docs/fault-codes.md is generated from this table (tool `evc-fault-codes`); a test keeps the two
// in sync.

#include <cstddef>
#include <cstdint>

namespace evc::safety {

enum class ErrorCode : uint16_t {
  kNone = 0,
  // CAN
  kCanBusOff = 101,
  kCanRxOverflow = 102,
  kCanBusRecovering = 103,
  // Power module
  kModuleOffline = 110,
  kModuleInputFault = 111,
  kModuleOutputFault = 112,
  kModuleThermalFault = 113,
  kModuleInternalFault = 114,
  kModuleCapabilityMismatch = 115,
  // Vehicle / BMS
  kBmsTimeout = 120,
  kVehicleRequestedStop = 121,
  kVehicleFault = 122,
  kBatteryOutOfRange = 123,
  // Electrical trips
  kOverVoltage = 130,
  kOverCurrent = 131,
  kOverTemperature = 132,
  // Contactor
  kContactorMismatch = 140,
  kContactorWelded = 141,
  // Operator
  kEmergencyStop = 150,
  // Platform
  kStorageFailure = 160,
  kGunLockFailure = 170,
  kWatchdog = 180,
  kInternalInvariant = 190,
  kMeterImplausible = 195,
};

enum class Severity : uint8_t {
  kInfo,      // recorded; charging goes on
  kWarning,   // recorded and reported; charging goes on
  kError,     // the session stops; clears by itself when the cause is gone
  kFault,     // the session stops; latched until an explicit reset
  kCritical,  // latched; the charger stays out of service until a technician clears it
};
const char* SeverityName(Severity s);

struct ErrorInfo {
  ErrorCode code;
  const char* name;  // short identifier, e.g. "CAN_BUS_OFF"
  Severity severity;
  const char* ocpp_error_code;    // OCPP 1.6 ChargePointErrorCode for StatusNotification
  const char* vendor_error_code;  // StatusNotification.vendorErrorCode (CiString50)
  const char* meaning;
  const char* operator_action;
};

// The entry for `code`; never null (unknown codes map to kInternalInvariant's entry).
const ErrorInfo& Describe(ErrorCode code);
// The whole table, in code order.
const ErrorInfo* ErrorTable(size_t* count);
// Opens the contactor before anything else? True for every severity that stops a session.
inline bool StopsCharging(Severity s) {
  return s >= Severity::kError;
}
inline bool Latches(Severity s) {
  return s >= Severity::kFault;
}

}  // namespace evc::safety
