#include "evc/sim/sim_power_module.hpp"

#include <algorithm>
#include <cmath>

#include "evc/can/timing.hpp"

namespace evc::sim {

namespace infy = power::infy;
using infy::Command;

namespace {

constexpr float kMsPerS = 1000.0f;
constexpr float kMilli = 1000.0f;
constexpr float kTenths = 10.0f;
constexpr float kPowerUnitW = 10.0f;
constexpr uint8_t kBadRequestErrorCode = 1;
// Below this the output reads as zero and the battery voltage is not divided by it.
constexpr float kMinVoltageForPower = 1.0f;
constexpr float kMinResistanceOhm = 0.001f;

struct FaultName {
  SimModuleFault fault;
  const char* name;
};
constexpr FaultName kFaultNames[] = {
    {SimModuleFault::kOverTemperature, "over-temperature"},
    {SimModuleFault::kFanFault, "fan"},
    {SimModuleFault::kOutputOverVoltage, "output-over-voltage"},
    {SimModuleFault::kOutputShort, "output-short"},
    {SimModuleFault::kInputFault, "input"},
    {SimModuleFault::kCommSilence, "comm-silence"},
};

float Approach(float value, float target, float max_step) {
  if (value < target) {
    return std::min(target, value + max_step);
  }
  return std::max(target, value - max_step);
}

}  // namespace

const char* SimModuleFaultName(SimModuleFault f) {
  for (const FaultName& n : kFaultNames) {
    if (n.fault == f) {
      return n.name;
    }
  }
  return "unknown";
}

bool ParseSimModuleFault(std::string_view text, SimModuleFault* out) {
  for (const FaultName& n : kFaultNames) {
    if (text == n.name) {
      *out = n.fault;
      return true;
    }
  }
  return false;
}

SimPowerModule::SimPowerModule(SimCanBus& bus, const SimPowerModuleParams& p) : bus_(bus), p_(p) {}

Status SimPowerModule::Attach() {
  return bus_.Attach(this);
}

void SimPowerModule::SetBattery(float open_circuit_v, float internal_resistance_ohm) {
  battery_connected_ = true;
  battery_ocv_ = open_circuit_v;
  battery_r_ = std::max(internal_resistance_ohm, kMinResistanceOhm);
}

void SimPowerModule::SetFault(SimModuleFault f, bool active) {
  if (f < SimModuleFault::kCount) {
    faults_[static_cast<size_t>(f)] = active;
  }
}

void SimPowerModule::ClearFaults() {
  for (bool& f : faults_) {
    f = false;
  }
}

bool SimPowerModule::FaultActive(SimModuleFault f) const {
  return f < SimModuleFault::kCount && faults_[static_cast<size_t>(f)];
}

bool SimPowerModule::Tripped() const {
  return FaultActive(SimModuleFault::kOverTemperature) ||
         FaultActive(SimModuleFault::kOutputOverVoltage) ||
         FaultActive(SimModuleFault::kOutputShort) || FaultActive(SimModuleFault::kInputFault);
}

float SimPowerModule::PowerLimitW() const {
  return p_.rated_power_w * (FaultActive(SimModuleFault::kFanFault) ? kSimModuleFanDerate : 1.0f);
}

infy::StatusFlags SimPowerModule::CurrentStatus() const {
  infy::StatusFlags s;
  s.dc_side_off = !output_active_;
  s.over_temperature = FaultActive(SimModuleFault::kOverTemperature);
  s.fan_fault = FaultActive(SimModuleFault::kFanFault);
  s.power_limited = FaultActive(SimModuleFault::kFanFault);
  s.output_over_voltage = FaultActive(SimModuleFault::kOutputOverVoltage);
  s.output_short = FaultActive(SimModuleFault::kOutputShort);
  s.input_under_voltage = FaultActive(SimModuleFault::kInputFault);
  s.pfc_side_off = FaultActive(SimModuleFault::kInputFault);
  return s;
}

void SimPowerModule::Step(uint64_t now_ms) {
  const float dt_s = stepped_ ? static_cast<float>(now_ms - last_step_ms_) / kMsPerS : 0.0f;
  last_step_ms_ = now_ms;
  if (!stepped_) {
    stepped_ = true;
    last_heard_ms_ = now_ms;
  }
  // The module's own safety net: no message from the controller for 10 s -> off.
  if (commanded_on_ && now_ms - last_heard_ms_ >= power::timing::kInfyModuleCommTimeoutMs) {
    commanded_on_ = false;
    comm_timed_out_ = true;
    ++stats_.comm_timeouts;
  }
  const bool active = commanded_on_ && !Tripped();
  if (!active) {
    // Output off: the converter stops at once; the ramps start from zero next time.
    output_active_ = false;
    v_ref_ = 0;
    i_lim_ = 0;
    out_v_ = 0;
    out_i_ = 0;
    return;
  }
  output_active_ = true;
  const float v_target = std::clamp(set_v_, p_.min_voltage_v, p_.max_voltage_v);
  const float i_target = std::clamp(set_i_, 0.0f, p_.max_current_a);
  v_ref_ = Approach(v_ref_, v_target, p_.voltage_ramp_v_per_s * dt_s);
  i_lim_ = Approach(i_lim_, i_target, p_.current_ramp_a_per_s * dt_s);

  if (!battery_connected_ || v_ref_ <= battery_ocv_) {
    // Open circuit, or the battery is above the output: the diode blocks.
    out_v_ = v_ref_;
    out_i_ = 0;
    return;
  }
  // Constant voltage through the battery's resistance, limited by current and power.
  float i = std::min((v_ref_ - battery_ocv_) / battery_r_, i_lim_);
  float v = battery_ocv_ + i * battery_r_;
  const float p_max = PowerLimitW();
  if (i * v > p_max) {
    // Solve i * (ocv + i r) = p_max for i.
    const float r = battery_r_;
    i = (-battery_ocv_ + std::sqrt(battery_ocv_ * battery_ocv_ + 4.0f * r * p_max)) / (2.0f * r);
    v = battery_ocv_ + i * r;
  }
  out_v_ = v;
  out_i_ = i;
}

void SimPowerModule::Reply(Command c, const uint8_t* data, uint8_t error_code) {
  infy::IdFields id;
  id.error_code = error_code;
  id.device = infy::kDeviceSingleModule;
  id.command = static_cast<uint8_t>(c);
  id.destination = p_.controller;
  id.source = p_.address;
  bus_.Transmit(this, can::Frame::Extended(infy::EncodeId(id), data, infy::kPayloadLength));
}

void SimPowerModule::Answer(Command c, const can::Frame& request) {
  uint8_t d[infy::kPayloadLength] = {};
  for (uint8_t b : request.data) {
    if (b != 0) {
      ++stats_.error_replies;
      Reply(c, d, kBadRequestErrorCode);
      return;
    }
  }
  switch (c) {
    case Command::kReadOutput:
      infy::PutF32(d, out_v_);
      infy::PutF32(d + 4, out_i_);
      break;
    case Command::kReadStatus: {
      infy::EncodeStatusBytes(CurrentStatus(), &d[5], &d[6], &d[7]);
      break;
    }
    case Command::kReadCapability:
      infy::PutU16(d, static_cast<uint16_t>(std::lround(p_.max_voltage_v)));
      infy::PutU16(d + 2, static_cast<uint16_t>(std::lround(p_.min_voltage_v)));
      infy::PutU16(d + 4, static_cast<uint16_t>(std::lround(p_.max_current_a * kTenths)));
      infy::PutU16(d + 6, static_cast<uint16_t>(std::lround(p_.rated_power_w / kPowerUnitW)));
      break;
    case Command::kReadAfterDiode: {
      const float v_ext = battery_connected_ ? battery_ocv_ + out_i_ * battery_r_ : out_v_;
      const float v_for_power = std::max(v_ext, kMinVoltageForPower);
      const float i_avail =
          output_active_ ? std::min(p_.max_current_a, PowerLimitW() / v_for_power) : 0.0f;
      infy::PutU16(d, static_cast<uint16_t>(std::lround(v_ext * kTenths)));
      infy::PutU16(d + 2, static_cast<uint16_t>(std::lround(i_avail * kTenths)));
      break;
    }
    case Command::kReadBarcode: {
      const uint8_t serial[infy::kPayloadLength] = {'S', 'I', 'M', 0, 0, 0, 0, p_.address};
      std::copy(serial, serial + infy::kPayloadLength, d);
      break;
    }
    default:
      return;
  }
  ++stats_.reads_answered;
  Reply(c, d, 0);
}

void SimPowerModule::OnBusFrame(const can::Frame& frame, uint64_t now_ms) {
  if (!frame.extended || frame.remote || frame.dlc != infy::kPayloadLength) {
    return;  // not the protocol: a real module ignores it too
  }
  const infy::IdFields id = infy::DecodeId(frame.id);
  if (id.device != infy::kDeviceSingleModule || id.destination != p_.address ||
      id.source != p_.controller || id.error_code != 0) {
    return;
  }
  if (FaultActive(SimModuleFault::kCommSilence)) {
    ++stats_.ignored_while_silent;
    return;
  }
  ++stats_.frames_heard;
  last_heard_ms_ = now_ms;
  const auto c = static_cast<Command>(id.command);
  switch (c) {
    case Command::kSetOnOff:
      if (frame.data[0] == 0x00) {
        commanded_on_ = true;
        comm_timed_out_ = false;
        ++stats_.on_commands;
      } else {
        commanded_on_ = false;
        ++stats_.off_commands;
      }
      return;
    case Command::kSetVoltageCurrent:
      set_v_ = static_cast<float>(infy::GetU32(frame.data)) / kMilli;
      set_i_ = static_cast<float>(infy::GetU32(frame.data + 4)) / kMilli;
      ++stats_.setpoints;
      return;
    default:
      Answer(c, frame);
      return;
  }
}

}  // namespace evc::sim
