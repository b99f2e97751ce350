#pragma once
// Digital I/O of the charger: gun proximity and lock, contactor drive and its auxiliary feedback
// contact, the emergency-stop input. GPIO on the ESP32; simulated GPIO in sim/.

#include "evc/safety/supervisor.hpp"

namespace evc::charging {

class ChargerIo {
 public:
  virtual ~ChargerIo() = default;
  virtual bool GunConnected() const = 0;  // proximity / CC1 detection
  virtual bool GunLocked() const = 0;     // lock feedback switch
  virtual void SetGunLock(bool locked) = 0;
  // Must be callable from interrupt context (a GPIO write): the E-stop handler uses it.
  virtual void SetContactor(bool closed) = 0;
  virtual bool ContactorCommandedClosed() const = 0;
  virtual bool ContactorFeedbackClosed() const = 0;  // auxiliary contact
  virtual bool EmergencyStopPressed() const = 0;     // live level of the E-stop input
  virtual float TemperatureC() const = 0;            // hottest of the gun / cabinet sensors
};

// What the E-stop interrupt does, and nothing more: open the contactor at once, then leave a flag
// for the control loop, which commands the module off, latches the fault, ends the transaction
// and reports Faulted in its next tick. No logging, no locks, no allocation: ISR-safe.
class EmergencyStopHandler {
 public:
  EmergencyStopHandler(ChargerIo& io, safety::EmergencyStopLatch& latch) : io_(io), latch_(latch) {}
  void OnEmergencyStopEdge() {
    io_.SetContactor(false);
    latch_.Trip();
  }

 private:
  ChargerIo& io_;
  safety::EmergencyStopLatch& latch_;
};

}  // namespace evc::charging
