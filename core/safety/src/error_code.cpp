#include "evc/safety/error_code.hpp"

namespace evc::safety {

namespace {
using E = ErrorCode;
using S = Severity;

constexpr ErrorInfo kTable[] = {
    {E::kNone, "NONE", S::kInfo, "NoError", "EVC-000", "No fault.", "None."},
    {E::kCanBusOff, "CAN_BUS_OFF", S::kFault, "OtherError", "EVC-101",
     "The CAN controller went bus-off and recovery failed repeatedly (wiring, termination, a "
     "node flooding the bus).",
     "Check CAN wiring, 120 ohm termination at both ends and the module/gun connectors; reset "
     "the fault."},
    {E::kCanRxOverflow, "CAN_RX_OVERFLOW", S::kWarning, "NoError", "EVC-102",
     "Received CAN frames were dropped because the receive ring was full.",
     "None if rare; if it repeats, report with logs (bus load too high for the firmware)."},
    {E::kCanBusRecovering, "CAN_BUS_RECOVERING", S::kError, "OtherError", "EVC-103",
     "A CAN bus went bus-off; the firmware is restarting the controller. Charging stopped because "
     "the module or vehicle cannot be reached meanwhile.",
     "None if it clears within seconds; if it repeats, check wiring and termination."},
    {E::kModuleOffline, "MODULE_OFFLINE", S::kFault, "OtherError", "EVC-110",
     "The power module stopped answering on CAN.",
     "Check the module's AC supply, its CAN connection and its address setting; reset the "
     "fault."},
    {E::kModuleInputFault, "MODULE_INPUT_FAULT", S::kError, "OtherError", "EVC-111",
     "The power module reports an input fault (AC over/under-voltage, phase loss).",
     "Check the AC supply to the charger; charging resumes when the module is healthy."},
    {E::kModuleOutputFault, "MODULE_OUTPUT_FAULT", S::kFault, "OverVoltage", "EVC-112",
     "The power module reports an output fault (over-voltage, short circuit).",
     "Inspect the DC output, cable and gun for damage before resetting."},
    {E::kModuleThermalFault, "MODULE_THERMAL_FAULT", S::kError, "HighTemperature", "EVC-113",
     "The power module reports over-temperature or a fan failure.",
     "Check the air inlets, filters and fans; charging resumes when the module cools down."},
    {E::kModuleInternalFault, "MODULE_INTERNAL_FAULT", S::kFault, "InternalError", "EVC-114",
     "The power module reports an internal failure.",
     "Power-cycle the charger; replace the module if the fault returns."},
    {E::kModuleCapabilityMismatch, "MODULE_CAPABILITY", S::kError, "OtherError", "EVC-115",
     "The vehicle asked for a voltage or current outside what the power module can deliver.",
     "None: this vehicle cannot be charged by this charger."},
    {E::kBmsTimeout, "BMS_TIMEOUT", S::kError, "EVCommunicationError", "EVC-120",
     "No valid message from the vehicle's BMS within the safety timeout.",
     "Re-plug the gun; check the gun's CAN pins if it repeats with several vehicles."},
    {E::kVehicleRequestedStop, "VEHICLE_STOP", S::kInfo, "NoError", "EVC-121",
     "The vehicle ended the session (battery full or its own decision).", "None."},
    {E::kVehicleFault, "VEHICLE_FAULT", S::kError, "EVCommunicationError", "EVC-122",
     "The vehicle reported a fault or an error message (BSM fault flags, BEM).",
     "Have the vehicle checked if it repeats."},
    {E::kBatteryOutOfRange, "BATTERY_OUT_OF_RANGE", S::kError, "OtherError", "EVC-123",
     "The battery's parameters are outside the charger's range.",
     "None: this vehicle cannot be charged by this charger."},
    {E::kOverVoltage, "OVER_VOLTAGE", S::kFault, "OverVoltage", "EVC-130",
     "The DC output voltage exceeded its limit (immediate or sustained threshold).",
     "Inspect the module and its voltage measurement before resetting."},
    {E::kOverCurrent, "OVER_CURRENT", S::kFault, "OverCurrentFailure", "EVC-131",
     "The DC output current exceeded its limit (immediate or sustained threshold).",
     "Inspect cable and gun for shorts before resetting."},
    {E::kOverTemperature, "OVER_TEMPERATURE", S::kError, "HighTemperature", "EVC-132",
     "A monitored temperature (gun, cabinet) exceeded its limit.",
     "Let the charger cool down; check ventilation and the gun's contacts."},
    {E::kContactorMismatch, "CONTACTOR_MISMATCH", S::kFault, "PowerSwitchFailure", "EVC-140",
     "The contactor's feedback does not match its command.",
     "Check the contactor coil, its driver and the auxiliary feedback contact."},
    {E::kContactorWelded, "CONTACTOR_WELDED", S::kCritical, "PowerSwitchFailure", "EVC-141",
     "The contactor stayed closed after being commanded open (welded contacts).",
     "Take the charger out of service; replace the contactor. Do not reset remotely."},
    {E::kEmergencyStop, "EMERGENCY_STOP", S::kFault, "OtherError", "EVC-150",
     "The emergency-stop button was pressed.",
     "Find out why it was pressed; release the button, then reset the fault."},
    {E::kStorageFailure, "STORAGE_FAILURE", S::kError, "InternalError", "EVC-160",
     "Writing to flash failed; transactions cannot be journalled, so none are started.",
     "Power-cycle; if it repeats the flash may be worn out or full: service the controller."},
    {E::kGunLockFailure, "GUN_LOCK_FAILURE", S::kError, "ConnectorLockFailure", "EVC-170",
     "The gun did not lock (or unlock) when commanded.",
     "Re-plug the gun firmly; check the lock actuator and its feedback switch."},
    {E::kWatchdog, "WATCHDOG", S::kFault, "InternalError", "EVC-180",
     "A firmware task stopped checking in; the charger went to a safe state and restarted.",
     "Report the event with logs; reset the fault."},
    {E::kInternalInvariant, "INTERNAL_INVARIANT", S::kCritical, "InternalError", "EVC-190",
     "The firmware detected a broken internal invariant and went to a safe state.",
     "Report with logs; power-cycle to clear."},
    {E::kMeterImplausible, "METER_IMPLAUSIBLE", S::kWarning, "PowerMeterFailure", "EVC-195",
     "Meter samples were implausible (negative energy step, NaN, outside the module's range) "
     "and were rejected.",
     "Check the module's telemetry; report if it repeats."},
};
}  // namespace

const char* SeverityName(Severity s) {
  switch (s) {
    case S::kInfo:
      return "Info";
    case S::kWarning:
      return "Warning";
    case S::kError:
      return "Error";
    case S::kFault:
      return "Fault";
    case S::kCritical:
      return "Critical";
  }
  return "?";
}

const ErrorInfo& Describe(ErrorCode code) {
  for (const ErrorInfo& e : kTable) {
    if (e.code == code) {
      return e;
    }
  }
  return Describe(ErrorCode::kInternalInvariant);
}

const ErrorInfo* ErrorTable(size_t* count) {
  *count = sizeof(kTable) / sizeof(kTable[0]);
  return kTable;
}

}  // namespace evc::safety
