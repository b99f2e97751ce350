#pragma once
// Driver for one InfyPower REG/BEG module (V1.13 protocol) over the CanBus seam.
//
// Behaviour, all driven by Poll(now) from the control loop, never blocking:
//   - Target: on/off, voltage, current limit. An ON target is checked against the module's
//     reported capability and refused (with a status) when the capability is unknown or the
//     request is outside it; a refused target leaves the previous one in force.
//   - Set-points (0x1C, then 0x1A ON) are sent as soon as the target changes and repeated every
//     kInfySetpointRefreshMs as keep-alive (far inside the module's 10 s timeout, which is
//     never relied upon).
//   - Every stop sends an explicit OFF (0x1A byte 0 = 0x01) at once, repeated every
//     kInfyOffRepeatMs until a status reply received after the OFF shows the DC side off, then
//     kept up at the refresh period. The driver also starts in this stopping state, so the first
//     thing a (re)booted controller says to the module is OFF.
//   - Polls: output V/I (0x03), status (0x04), V/I after diode (0x0C) every kInfyPollPeriodMs;
//     capability (0x0A) until known, then every kInfyCapabilityRefreshMs.
//   - No valid answer for kInfyOfflineTimeoutMs -> offline. Going offline drops an ON target to
//     OFF: a module that comes back never resumes on its own; the owner must start it again.
//   - A status reply with any fault family while ON drops the target to OFF and sends OFF at
//     once (counted in fault_stops); restarting is the owner's decision.
//   - Telemetry() is valid only while the last output reading is younger than
//     kInfyTelemetryStaleMs and the module is online.
//   - Frames that fail to decode are counted (infy::DecodeStats) and otherwise ignored.
// Frames come in through OnFrame (a can::Dispatcher route with infy::ReplyFilter); frames go
// out through the CanBus. A refused Send (TX queue full, bus-off) is counted and retried on a
// later Poll.

#include <cstdint>

#include "evc/can/can_bus.hpp"
#include "evc/common/status.hpp"
#include "evc/power/infy_codec.hpp"

namespace evc::power {

struct Target {
  bool on = false;
  float voltage_v = 0;
  float current_a = 0;  // current limit
};

struct ModuleTelemetry {
  bool valid = false;  // fresh (see above); the values are the last known ones either way
  float voltage_v = 0;
  float current_a = 0;
  uint64_t at_ms = 0;  // when the output reading arrived
  bool after_diode_valid = false;
  float after_diode_voltage_v = 0;  // battery side of the output diode
  float available_current_a = 0;
};

enum class HealthState : uint8_t {
  kStarting,  // no status reply yet (within the offline timeout)
  kOk,
  kStale,    // online, but the status or output reading is older than the stale limit
  kFault,    // the module reports a fault family
  kOffline,  // nothing valid for kInfyOfflineTimeoutMs
};
const char* HealthStateName(HealthState s);

struct ModuleHealth {
  HealthState state = HealthState::kStarting;
  infy::FaultFamilies faults;  // from the last valid status reply
  infy::StatusFlags flags;     // the whole last status, for diagnostics
  bool capability_known = false;
  infy::Capability capability;
  bool output_on = false;      // the module reports its DC side on
  bool off_confirmed = false;  // stopping and a status after the OFF showed the DC side off
};

struct ModuleCounters {
  uint32_t tx_frames = 0;
  uint32_t tx_failures = 0;  // Send() refused; retried later
  uint32_t rx_valid = 0;
  uint32_t rx_unknown_command = 0;
  uint32_t offline_events = 0;
  uint32_t refused_targets = 0;
  uint32_t off_commands = 0;  // OFF frames sent
  uint32_t fault_stops = 0;   // ON targets dropped because the module reported a fault
};

class InfyModule final : public can::FrameHandler {
 public:
  InfyModule(can::CanBus& bus, const infy::Address& address, uint64_t now_ms);

  // Sets the target. OFF is always accepted and sent at once. ON:
  //   kInvalidArgument     non-finite or negative values
  //   kUnavailable         the module is offline
  //   kFailedPrecondition  capability not yet known, or the module reports a fault
  //   kOutOfRange          voltage outside [min, max] or current above the module's maximum
  Status SetTarget(const Target& target, uint64_t now_ms);
  void Stop(uint64_t now_ms) { SetTarget(Target{}, now_ms).IgnoreError(); }

  void Poll(uint64_t now_ms);

  // can::FrameHandler: replies from the module.
  void OnFrame(const can::Frame& frame, uint64_t now_ms) override;

  ModuleTelemetry Telemetry(uint64_t now_ms) const;
  ModuleHealth Health(uint64_t now_ms) const;
  bool Online(uint64_t now_ms) const;
  const Target& target() const { return target_; }
  uint64_t last_valid_rx_ms() const { return last_valid_rx_ms_; }
  const ModuleCounters& counters() const { return counters_; }
  const infy::DecodeStats& decode_stats() const { return codec_.stats(); }

 private:
  enum PendingRead : uint8_t {
    kPendOutput = 1u << 0,
    kPendStatus = 1u << 1,
    kPendAfterDiode = 1u << 2,
    kPendCapability = 1u << 3,
  };
  bool SendFrame(const can::Frame& f);
  void SendOff(uint64_t now_ms);
  void SendOnSetpoints(uint64_t now_ms);
  void SendPendingReads();
  void GoOffline(uint64_t now_ms);

  can::CanBus& bus_;
  infy::Codec codec_;
  Target target_;

  // Output commands.
  bool command_dirty_ = true;  // target changed: send at the next chance
  uint64_t last_command_ms_ = 0;
  uint64_t off_since_ms_ = 0;  // first OFF of the current stop
  bool off_confirmed_ = false;

  // Polling.
  uint8_t pending_reads_ = 0;
  uint64_t next_poll_ms_ = 0;
  uint64_t next_capability_ms_ = 0;

  // Receive side.
  uint64_t start_ms_ = 0;
  uint64_t last_valid_rx_ms_ = 0;
  bool ever_heard_ = false;
  bool offline_ = false;
  bool have_status_ = false;
  uint64_t status_at_ms_ = 0;
  infy::StatusFlags status_;
  bool have_output_ = false;
  infy::OutputReading output_;
  uint64_t output_at_ms_ = 0;
  bool have_after_diode_ = false;
  infy::AfterDiodeReading after_diode_;
  uint64_t after_diode_at_ms_ = 0;
  bool have_capability_ = false;
  infy::Capability capability_;

  ModuleCounters counters_;
};

}  // namespace evc::power
