#pragma once
// The seam between the charge point logic and the power hardware. On the device it is backed by
// the CAN drivers (power module, vehicle BMS) and GPIO (gun, contactor); in the simulator by the
// hardware models. Reads are snapshots: cheap, non-blocking, taken once per control tick.

#include <cstdint>

#include "evc/safety/error_code.hpp"

namespace evc::charging {

struct Telemetry {
  bool valid = false;   // false when the module's telemetry is stale or missing
  float voltage_v = 0;  // DC output voltage
  float current_a = 0;  // DC output current (>= 0)
  float current_offered_a = 0;
  float temperature_c = 0;
  float soc_percent = -1;  // < 0 when the vehicle does not report it
  // The power module's rated output, as it reports it (0 while unknown): a reading above it
  // (beyond the measurement tolerance) is implausible.
  float max_voltage_v = 0;
  float max_current_a = 0;
};

class ChargerHardware {
 public:
  virtual ~ChargerHardware() = default;
  virtual bool CablePlugged() const = 0;
  // The vehicle asks for energy (BMS ready and requesting current).
  virtual bool EvRequestsEnergy() const = 0;
  // Closes the contactor and switches the module on (or the reverse, module first).
  virtual void SetOutputEnabled(bool enabled) = 0;
  virtual Telemetry ReadTelemetry() const = 0;
  // Releases the gun lock. False when the lock did not open.
  virtual bool UnlockConnector() = 0;

  // The fault in force (kNone if none). A fault whose severity stops charging has already cut
  // the output when it is reported here.
  virtual safety::ErrorCode Fault() const { return safety::ErrorCode::kNone; }
  // Why the hardware side ended the session by itself, once (then kNone until the next end).
  enum class EndCause : uint8_t { kNone, kVehicleFinished, kFault };
  virtual EndCause TakeEndCause() { return EndCause::kNone; }
  // An operator's reset of a latched fault. False when the cause is still present.
  virtual bool ResetFault() { return true; }
};

// Restart of the whole device, provided by the port (esp_restart, or re-exec in the simulator).
// Why the device last restarted, as the platform knows it (esp_reset_reason() on the ESP32; a
// marker left by the fail-safe path on Linux).
enum class ResetReason : uint8_t { kUnknown, kPowerOn, kSoftware, kWatchdog, kPanic };

class SystemControl {
 public:
  virtual ~SystemControl() = default;
  virtual void Reboot(bool hard) = 0;
  virtual ResetReason LastResetReason() const { return ResetReason::kUnknown; }
};

}  // namespace evc::charging
