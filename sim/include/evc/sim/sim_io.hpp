#pragma once
// Simulated digital I/O: the gun (proximity + lock with feedback), the contactor (drive +
// auxiliary feedback, with welded / stuck-open faults), the E-stop button (its press runs the
// firmware's E-stop handler at once, as the GPIO interrupt does on the device) and a temperature
// sensor.

#include "evc/charging/io.hpp"

namespace evc::sim {

class SimIo final : public charging::ChargerIo {
 public:
  // ChargerIo (the firmware's view)
  bool GunConnected() const override { return gun_connected_; }
  bool GunLocked() const override { return gun_connected_ && lock_engaged_; }
  void SetGunLock(bool locked) override;
  void SetContactor(bool closed) override;
  bool ContactorCommandedClosed() const override { return contactor_cmd_; }
  bool ContactorFeedbackClosed() const override { return contacts_closed_; }
  bool EmergencyStopPressed() const override { return estop_pressed_; }
  float TemperatureC() const override { return temperature_c_; }

  // The world's side.
  void set_estop_handler(charging::EmergencyStopHandler* h) { estop_handler_ = h; }
  void Plug() { gun_connected_ = true; }
  void Unplug();
  void PressEmergencyStop();
  void ReleaseEmergencyStop() { estop_pressed_ = false; }
  void WeldContactor() { welded_ = true; }
  void SetContactorStuckOpen(bool stuck);
  void SetLockFault(bool fault) { lock_fault_ = fault; }
  void set_temperature_c(float t) { temperature_c_ = t; }
  bool welded() const { return welded_; }
  // Monotonic ms of the last contactor open command, for latency measurements.
  void set_clock_ms(uint64_t now) { now_ms_ = now; }
  uint64_t last_open_ms() const { return last_open_ms_; }

 private:
  bool gun_connected_ = false;
  bool lock_cmd_ = false;
  bool lock_engaged_ = false;
  bool lock_fault_ = false;
  bool contactor_cmd_ = false;
  bool contacts_closed_ = false;
  bool welded_ = false;
  bool stuck_open_ = false;
  bool estop_pressed_ = false;
  float temperature_c_ = 25.0f;
  uint64_t now_ms_ = 0;
  uint64_t last_open_ms_ = 0;
  charging::EmergencyStopHandler* estop_handler_ = nullptr;
};

}  // namespace evc::sim
