#pragma once
// The safety supervisor: evaluated every control tick over a snapshot of every interlock input;
// decides whether energy may flow, trips on over-voltage / over-current / over-temperature (an
// immediate threshold and a sustained one), checks the contactor's feedback against its command,
// and latches faults. It holds no hardware: the caller acts on the decision (module OFF, contactor
// open) in the same tick, before anything else.
//
// The E-stop path does not wait for this: the input handler (GPIO ISR on the device, the simulated
// GPIO here) opens the contactor itself and sets an atomic flag (EmergencyStopLatch); the
// supervisor turns that into a latched kEmergencyStop fault on its next evaluation.

#include <atomic>
#include <cstdint>

#include "evc/common/clock.hpp"
#include "evc/common/log.hpp"
#include "evc/safety/error_code.hpp"

namespace evc::safety {

// Trip thresholds. Immediate: one sample above trips. Sustained: above for longer than the time.
struct Limits {
  float over_voltage_immediate_v = 80.0f;
  float over_voltage_sustained_v = 75.0f;
  float over_current_immediate_a = 45.0f;
  float over_current_sustained_a = 38.0f;
  float over_temperature_immediate_c = 95.0f;
  float over_temperature_sustained_c = 85.0f;
};

// Everything the supervisor looks at, sampled once per tick.
struct Inputs {
  bool gun_connected = false;
  bool gun_locked = false;
  bool bms_alive = false;                      // valid vehicle data within the BMS timeout
  bool battery_in_range = false;               // battery limits inside the module's capability
  bool module_healthy = false;                 // no module fault flags, module online
  ErrorCode module_fault = ErrorCode::kNone;   // which module fault, when not healthy
  bool telemetry_fresh = false;                // module telemetry newer than its freshness limit
  bool can_faulted = false;                    // CAN bus-off recovery gave up
  bool can_recovering = false;                 // a bus is off and being recovered right now
  ErrorCode vehicle_fault = ErrorCode::kNone;  // BEM / BSM fault reported by the vehicle
  bool contactor_commanded_closed = false;
  bool contactor_feedback_closed = false;
  bool ocpp_permits = false;  // an authorised transaction wants energy
  bool storage_ok = true;
  bool measurements_valid = false;
  float output_voltage_v = 0;
  float output_current_a = 0;
  float temperature_c = 0;
};

struct Decision {
  bool permit = false;                 // energy may flow this tick
  ErrorCode fault = ErrorCode::kNone;  // the fault in force (latched or live), kNone if none
  bool fault_changed = false;          // a new fault appeared or the fault cleared this tick
};

// Set from interrupt context; read by the supervisor. Lock-free and ISR-safe.
class EmergencyStopLatch {
 public:
  void Trip() { tripped_.store(true, std::memory_order_release); }
  bool Tripped() const { return tripped_.load(std::memory_order_acquire); }
  void Clear() { tripped_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> tripped_{false};
};

class Supervisor {
 public:
  Supervisor(const Clock& clock, Logger& log, const Limits& limits, EmergencyStopLatch& estop)
      : clock_(clock), log_(log), limits_(limits), estop_(estop) {}

  // Once per control tick. `estop_pressed` is the live level of the E-stop input.
  Decision Evaluate(const Inputs& in, bool estop_pressed);

  // An operator's explicit reset. Clears a latched fault whose cause is gone (E-stop released,
  // contactor feedback consistent); Critical faults need ServiceClear(). Returns true if cleared.
  bool Reset(bool estop_pressed);
  // A technician's clear of a Critical fault (welded contactor replaced, invariant understood).
  void ServiceClear();

  ErrorCode latched() const { return latched_; }
  uint32_t trips() const { return trips_; }

 private:
  struct Sustain {
    uint64_t since_ms = 0;  // 0: not above the sustained threshold
  };
  bool Above(Sustain& s, bool above, uint64_t now, uint32_t limit_ms);
  void Latch(ErrorCode code);

  const Clock& clock_;
  Logger& log_;
  Limits limits_;
  EmergencyStopLatch& estop_;
  ErrorCode latched_ = ErrorCode::kNone;
  ErrorCode last_reported_ = ErrorCode::kNone;
  Sustain ov_, oc_, ot_;
  uint64_t contactor_mismatch_since_ms_ = 0;
  uint32_t trips_ = 0;
};

}  // namespace evc::safety
