#pragma once
// A simulated InfyPower REG/BEG module that speaks the V1.13 protocol on a SimCanBus.
//
// It answers the reads (0x03 output V/I, 0x04 status, 0x0A capability, 0x0C after diode, 0x0B
// barcode), obeys set V/I (0x1C) and on/off (0x1A), ramps its output toward the set-point at a
// named rate within its limits, and drives a battery the caller sets (open-circuit voltage and
// internal resistance; the BMS model updates it as the pack charges). Like the real module
// (V1.13: "off after 10 s without a message") it switches itself off when the controller is
// silent for kInfyModuleCommTimeoutMs.
//
// Choices where the protocol notes are silent, for the model only:
//   - a read with a non-zero payload is answered with error code 1 in the id and 8 zero bytes;
//   - writes are not acknowledged;
//   - a set-point outside the module's range is clamped to it (the module limits itself);
//   - a tripping fault (over-temperature, output over-voltage, output short, input fault) turns
//     the DC side off while present; the output comes back only on an ON after it clears.
//
// Injectable faults map to the status flag families the driver reports.

#include <cstdint>
#include <string_view>

#include "evc/power/infy_codec.hpp"
#include "evc/sim/sim_can_bus.hpp"

namespace evc::sim {

// Soft-start ramps of the output (module-internal; values chosen for the model).
constexpr float kSimModuleVoltageRampVPerS = 50.0f;
constexpr float kSimModuleCurrentRampAPerS = 25.0f;
// With a fan fault the module derates to this share of its rated power.
constexpr float kSimModuleFanDerate = 0.5f;

struct SimPowerModuleParams {
  uint8_t address = 0x00;
  uint8_t controller = power::infy::kDefaultControllerAddress;
  // A 48-72 V LEV class module (model values).
  float max_voltage_v = 120.0f;
  float min_voltage_v = 30.0f;
  float max_current_a = 100.0f;
  float rated_power_w = 6000.0f;
  float voltage_ramp_v_per_s = kSimModuleVoltageRampVPerS;
  float current_ramp_a_per_s = kSimModuleCurrentRampAPerS;
};

enum class SimModuleFault : uint8_t {
  kOverTemperature,    // thermal family; trips the output
  kFanFault,           // thermal family; derates power
  kOutputOverVoltage,  // output family; trips the output
  kOutputShort,        // output family; trips the output
  kInputFault,         // input family (AC under-voltage, PFC off); trips the output
  kCommSilence,        // the module neither hears nor answers
  kCount,
};
const char* SimModuleFaultName(SimModuleFault f);
// Parses the names above ("over-temperature", "fan", "output-over-voltage", "output-short",
// "input", "comm-silence"). False for anything else.
bool ParseSimModuleFault(std::string_view text, SimModuleFault* out);

struct SimPowerModuleStats {
  uint32_t frames_heard = 0;  // frames addressed to this module
  uint32_t reads_answered = 0;
  uint32_t error_replies = 0;  // reads with a bad payload
  uint32_t on_commands = 0;
  uint32_t off_commands = 0;
  uint32_t setpoints = 0;
  uint32_t comm_timeouts = 0;  // times the module switched off for lack of messages
  uint32_t ignored_while_silent = 0;
};

class SimPowerModule final : public SimCanNode {
 public:
  SimPowerModule(SimCanBus& bus, const SimPowerModuleParams& p = SimPowerModuleParams{});

  // Attaches to the bus; kResourceExhausted when the bus is full.
  Status Attach();

  // Advances the output by the time since the last Step.
  void Step(uint64_t now_ms);

  // The load: a battery behind the output diode. Without one the output is open circuit.
  void SetBattery(float open_circuit_v, float internal_resistance_ohm);
  void DisconnectBattery() { battery_connected_ = false; }

  void SetFault(SimModuleFault f, bool active);
  void ClearFaults();
  bool FaultActive(SimModuleFault f) const;

  // SimCanNode
  void OnBusFrame(const can::Frame& frame, uint64_t now_ms) override;

  // Observations for tests and the simulator's event stream.
  bool commanded_on() const { return commanded_on_; }
  bool output_active() const { return output_active_; }
  float output_voltage_v() const { return out_v_; }
  float output_current_a() const { return out_i_; }
  float setpoint_voltage_v() const { return set_v_; }
  float setpoint_current_a() const { return set_i_; }
  power::infy::StatusFlags CurrentStatus() const;
  const SimPowerModuleStats& stats() const { return stats_; }
  const SimPowerModuleParams& params() const { return p_; }

 private:
  bool Tripped() const;
  float PowerLimitW() const;
  void Reply(power::infy::Command c, const uint8_t* data, uint8_t error_code);
  void Answer(power::infy::Command c, const can::Frame& request);

  SimCanBus& bus_;
  SimPowerModuleParams p_;
  bool faults_[static_cast<size_t>(SimModuleFault::kCount)] = {};

  bool commanded_on_ = false;
  float set_v_ = 0;
  float set_i_ = 0;
  bool comm_timed_out_ = false;
  uint64_t last_heard_ms_ = 0;
  uint64_t last_step_ms_ = 0;
  bool stepped_ = false;

  // Output state.
  bool output_active_ = false;
  float v_ref_ = 0;  // ramped voltage reference
  float i_lim_ = 0;  // ramped current limit
  float out_v_ = 0;  // module-side output voltage
  float out_i_ = 0;

  bool battery_connected_ = false;
  float battery_ocv_ = 0;
  float battery_r_ = 0;

  SimPowerModuleStats stats_;
};

}  // namespace evc::sim
