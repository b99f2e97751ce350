#include "evc/power/infy_codec.hpp"

#include <cmath>
#include <cstring>
#include <limits>

namespace evc::power::infy {

namespace {

static_assert(std::numeric_limits<float>::is_iec559 && sizeof(float) == 4,
              "the protocol carries IEEE-754 binary32");

constexpr uint32_t kErrorShift = 26;
constexpr uint32_t kDeviceShift = 22;
constexpr uint32_t kCommandShift = 16;
constexpr uint32_t kDestinationShift = 8;
constexpr uint32_t kErrorMask = 0x07;
constexpr uint32_t kDeviceMask = 0x0F;
constexpr uint32_t kCommandMask = 0x3F;
constexpr uint32_t kByteMask = 0xFF;

constexpr uint8_t kOnByte = 0x00;
constexpr uint8_t kOffByte = 0x01;
constexpr float kMilliPerUnit = 1000.0f;
constexpr float kTenthsPerUnit = 10.0f;
constexpr float kWattsPerPowerUnit = 10.0f;  // rated power is carried in 10 W units

// Status byte positions and bits (reference §4.1).
constexpr size_t kStatus2Byte = 5;
constexpr size_t kStatus1Byte = 6;
constexpr size_t kStatus0Byte = 7;
constexpr size_t kModuleCountByte = 2;

bool Bit(uint8_t b, int n) {
  return ((b >> n) & 1u) != 0;
}
uint8_t Set(bool v, int n) {
  return v ? static_cast<uint8_t>(1u << n) : 0;
}

// A measurement: finite, not below the noise floor, not above the plausible limit.
bool PlausibleReading(float v, float max) {
  return std::isfinite(v) && v >= -kNegativeNoiseTolerance && v <= max;
}

}  // namespace

const char* CommandName(Command c) {
  switch (c) {
    case Command::kReadModuleCount:
      return "read-module-count";
    case Command::kReadOutput:
      return "read-output";
    case Command::kReadStatus:
      return "read-status";
    case Command::kReadCapability:
      return "read-capability";
    case Command::kReadBarcode:
      return "read-barcode";
    case Command::kReadAfterDiode:
      return "read-after-diode";
    case Command::kSetOnOff:
      return "set-on-off";
    case Command::kSetVoltageCurrent:
      return "set-voltage-current";
  }
  return "unknown";
}

const char* DecodeErrorName(DecodeError e) {
  switch (e) {
    case DecodeError::kOk:
      return "ok";
    case DecodeError::kNotExtended:
      return "not-extended";
    case DecodeError::kWrongLength:
      return "wrong-length";
    case DecodeError::kWrongDevice:
      return "wrong-device";
    case DecodeError::kWrongCommand:
      return "wrong-command";
    case DecodeError::kWrongAddress:
      return "wrong-address";
    case DecodeError::kDeviceError:
      return "device-error";
    case DecodeError::kOutOfRange:
      return "out-of-range";
    case DecodeError::kCount:
      break;
  }
  return "unknown";
}

uint32_t DecodeStats::TotalErrors() const {
  uint32_t n = 0;
  for (size_t i = 1; i < static_cast<size_t>(DecodeError::kCount); ++i) {
    n += errors[i];
  }
  return n;
}

void DecodeStats::Record(DecodeError e) {
  if (e == DecodeError::kOk) {
    ++ok;
  } else if (e < DecodeError::kCount) {
    ++errors[static_cast<size_t>(e)];
  }
}

void PutU16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void PutU32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
void PutF32(uint8_t* p, float v) {
  uint32_t bits = 0;
  memcpy(&bits, &v, sizeof bits);
  PutU32(p, bits);
}
uint16_t GetU16(const uint8_t* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
uint32_t GetU32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | p[3];
}
float GetF32(const uint8_t* p) {
  const uint32_t bits = GetU32(p);
  float v = 0;
  memcpy(&v, &bits, sizeof v);
  return v;
}

uint32_t EncodeId(const IdFields& f) {
  return ((f.error_code & kErrorMask) << kErrorShift) | ((f.device & kDeviceMask) << kDeviceShift) |
         ((f.command & kCommandMask) << kCommandShift) |
         (static_cast<uint32_t>(f.destination) << kDestinationShift) | f.source;
}

IdFields DecodeId(uint32_t id) {
  IdFields f;
  f.error_code = static_cast<uint8_t>((id >> kErrorShift) & kErrorMask);
  f.device = static_cast<uint8_t>((id >> kDeviceShift) & kDeviceMask);
  f.command = static_cast<uint8_t>((id >> kCommandShift) & kCommandMask);
  f.destination = static_cast<uint8_t>((id >> kDestinationShift) & kByteMask);
  f.source = static_cast<uint8_t>(id & kByteMask);
  return f;
}

can::IdFilter ReplyFilter(const Address& a) {
  // 0x0A and 0x0B differ only in the lowest device bit: leave it out of the mask.
  constexpr uint32_t kDeviceFamilyMask = 0x0E;
  can::IdFilter filter;
  filter.extended = true;
  filter.match = (static_cast<uint32_t>(kDeviceSingleModule) << kDeviceShift) |
                 (static_cast<uint32_t>(a.controller) << kDestinationShift);
  filter.mask = (kDeviceFamilyMask << kDeviceShift) | (kByteMask << kDestinationShift);
  return filter;
}

FaultFamilies StatusFlags::Families() const {
  FaultFamilies f;
  f.output = output_short || output_over_voltage || discharge_abnormal;
  f.thermal = over_temperature || fan_fault;
  f.input = input_phase_lost || input_unbalanced || input_under_voltage || input_over_voltage ||
            pfc_side_off;
  f.internal = fault_alarm || protection_alarm;
  f.communication = comm_interrupt || id_repeat || load_sharing_alarm;
  return f;
}

void EncodeStatusBytes(const StatusFlags& s, uint8_t* status2, uint8_t* status1, uint8_t* status0) {
  *status0 = Set(s.output_short, 0) | Set(s.sleeping, 4) | Set(s.discharge_abnormal, 5);
  *status1 = Set(s.dc_side_off, 0) | Set(s.fault_alarm, 1) | Set(s.protection_alarm, 2) |
             Set(s.fan_fault, 3) | Set(s.over_temperature, 4) | Set(s.output_over_voltage, 5) |
             Set(s.walk_in_enabled, 6) | Set(s.comm_interrupt, 7);
  *status2 = Set(s.power_limited, 0) | Set(s.id_repeat, 1) | Set(s.load_sharing_alarm, 2) |
             Set(s.input_phase_lost, 3) | Set(s.input_unbalanced, 4) |
             Set(s.input_under_voltage, 5) | Set(s.input_over_voltage, 6) | Set(s.pfc_side_off, 7);
}

// ---- Requests -----------------------------------------------------------------------------

can::Frame Codec::ReadRequest(Command read) const {
  IdFields id;
  id.device = address_.device;
  id.command = static_cast<uint8_t>(read);
  id.destination = address_.module;
  id.source = address_.controller;
  const uint8_t zeros[kPayloadLength] = {};
  return can::Frame::Extended(EncodeId(id), zeros, kPayloadLength);
}

Result<can::Frame> Codec::SetVoltageCurrent(float voltage_v, float current_a) const {
  if (!std::isfinite(voltage_v) || !std::isfinite(current_a) || voltage_v < 0 || current_a < 0 ||
      voltage_v > kMaxPlausibleVoltageV || current_a > kMaxPlausibleCurrentA) {
    return Errc::kOutOfRange;
  }
  // The limits keep both products far inside uint32_t (1e6 mV, 5e5 mA).
  const auto millivolts = static_cast<uint32_t>(std::lround(voltage_v * kMilliPerUnit));
  const auto milliamps = static_cast<uint32_t>(std::lround(current_a * kMilliPerUnit));
  uint8_t d[kPayloadLength] = {};
  PutU32(d, millivolts);
  PutU32(d + 4, milliamps);
  IdFields id;
  id.device = address_.device;
  id.command = static_cast<uint8_t>(Command::kSetVoltageCurrent);
  id.destination = address_.module;
  id.source = address_.controller;
  return can::Frame::Extended(EncodeId(id), d, kPayloadLength);
}

can::Frame Codec::SetOnOff(bool on) const {
  uint8_t d[kPayloadLength] = {};
  d[0] = on ? kOnByte : kOffByte;
  IdFields id;
  id.device = address_.device;
  id.command = static_cast<uint8_t>(Command::kSetOnOff);
  id.destination = address_.module;
  id.source = address_.controller;
  return can::Frame::Extended(EncodeId(id), d, kPayloadLength);
}

// ---- Replies ------------------------------------------------------------------------------

DecodeError Codec::Classify(const can::Frame& f, uint8_t* command) const {
  if (!f.extended || f.remote || f.id > can::kMaxExtendedId) {
    return DecodeError::kNotExtended;
  }
  if (f.dlc != kPayloadLength) {
    return DecodeError::kWrongLength;
  }
  const IdFields id = DecodeId(f.id);
  if (id.device != address_.device) {
    return DecodeError::kWrongDevice;
  }
  if (id.destination != address_.controller || id.source != address_.module) {
    return DecodeError::kWrongAddress;
  }
  if (id.error_code != 0) {
    return DecodeError::kDeviceError;
  }
  *command = id.command;
  return DecodeError::kOk;
}

DecodeError Codec::Header(const can::Frame& f, Command expected) const {
  if (!f.extended || f.remote || f.id > can::kMaxExtendedId) {
    return DecodeError::kNotExtended;
  }
  if (f.dlc != kPayloadLength) {
    return DecodeError::kWrongLength;
  }
  const IdFields id = DecodeId(f.id);
  if (id.device != address_.device) {
    return DecodeError::kWrongDevice;
  }
  if (id.command != static_cast<uint8_t>(expected)) {
    return DecodeError::kWrongCommand;
  }
  if (id.destination != address_.controller || id.source != address_.module) {
    return DecodeError::kWrongAddress;
  }
  if (id.error_code != 0) {
    return DecodeError::kDeviceError;
  }
  return DecodeError::kOk;
}

DecodeError Codec::DecodeOutput(const can::Frame& f, OutputReading* out) {
  const DecodeError e = Header(f, Command::kReadOutput);
  if (e != DecodeError::kOk) {
    return Finish(e);
  }
  const float v = GetF32(f.data);
  const float i = GetF32(f.data + 4);
  if (!PlausibleReading(v, kMaxPlausibleVoltageV) || !PlausibleReading(i, kMaxPlausibleCurrentA)) {
    return Finish(DecodeError::kOutOfRange);
  }
  out->voltage_v = v;
  out->current_a = i;
  return Finish(DecodeError::kOk);
}

DecodeError Codec::DecodeStatus(const can::Frame& f, StatusFlags* out) {
  const DecodeError e = Header(f, Command::kReadStatus);
  if (e != DecodeError::kOk) {
    return Finish(e);
  }
  // [decision] bytes 0..4 and the undocumented status0 bits are ignored (see header).
  const uint8_t s0 = f.data[kStatus0Byte];
  const uint8_t s1 = f.data[kStatus1Byte];
  const uint8_t s2 = f.data[kStatus2Byte];
  StatusFlags s;
  s.output_short = Bit(s0, 0);
  s.sleeping = Bit(s0, 4);
  s.discharge_abnormal = Bit(s0, 5);
  s.dc_side_off = Bit(s1, 0);
  s.fault_alarm = Bit(s1, 1);
  s.protection_alarm = Bit(s1, 2);
  s.fan_fault = Bit(s1, 3);
  s.over_temperature = Bit(s1, 4);
  s.output_over_voltage = Bit(s1, 5);
  s.walk_in_enabled = Bit(s1, 6);
  s.comm_interrupt = Bit(s1, 7);
  s.power_limited = Bit(s2, 0);
  s.id_repeat = Bit(s2, 1);
  s.load_sharing_alarm = Bit(s2, 2);
  s.input_phase_lost = Bit(s2, 3);
  s.input_unbalanced = Bit(s2, 4);
  s.input_under_voltage = Bit(s2, 5);
  s.input_over_voltage = Bit(s2, 6);
  s.pfc_side_off = Bit(s2, 7);
  *out = s;
  return Finish(DecodeError::kOk);
}

DecodeError Codec::DecodeCapability(const can::Frame& f, Capability* out) {
  const DecodeError e = Header(f, Command::kReadCapability);
  if (e != DecodeError::kOk) {
    return Finish(e);
  }
  Capability c;
  c.max_voltage_v = static_cast<float>(GetU16(f.data));
  c.min_voltage_v = static_cast<float>(GetU16(f.data + 2));
  c.max_current_a = static_cast<float>(GetU16(f.data + 4)) / kTenthsPerUnit;
  c.rated_power_w = static_cast<float>(GetU16(f.data + 6)) * kWattsPerPowerUnit;
  // A module that can deliver nothing, or a range upside down, is a corrupt reply.
  if (c.max_voltage_v <= 0 || c.max_voltage_v > kMaxPlausibleVoltageV ||
      c.min_voltage_v > c.max_voltage_v || c.max_current_a <= 0 ||
      c.max_current_a > kMaxPlausibleCurrentA || c.rated_power_w <= 0 ||
      c.rated_power_w > kMaxPlausiblePowerW) {
    return Finish(DecodeError::kOutOfRange);
  }
  *out = c;
  return Finish(DecodeError::kOk);
}

DecodeError Codec::DecodeAfterDiode(const can::Frame& f, AfterDiodeReading* out) {
  const DecodeError e = Header(f, Command::kReadAfterDiode);
  if (e != DecodeError::kOk) {
    return Finish(e);
  }
  // [decision] bytes 4..7 are not described by the reference; ignored.
  const float v = static_cast<float>(GetU16(f.data)) / kTenthsPerUnit;
  const float i = static_cast<float>(GetU16(f.data + 2)) / kTenthsPerUnit;
  if (v > kMaxPlausibleVoltageV || i > kMaxPlausibleCurrentA) {
    return Finish(DecodeError::kOutOfRange);
  }
  out->voltage_v = v;
  out->available_current_a = i;
  return Finish(DecodeError::kOk);
}

DecodeError Codec::DecodeModuleCount(const can::Frame& f, uint8_t* count) {
  const DecodeError e = Header(f, Command::kReadModuleCount);
  if (e != DecodeError::kOk) {
    return Finish(e);
  }
  const uint8_t n = f.data[kModuleCountByte];
  if (n == 0 || n > kMaxGroupModules) {
    return Finish(DecodeError::kOutOfRange);
  }
  *count = n;
  return Finish(DecodeError::kOk);
}

DecodeError Codec::DecodeBarcode(const can::Frame& f, Barcode* out) {
  const DecodeError e = Header(f, Command::kReadBarcode);
  if (e != DecodeError::kOk) {
    return Finish(e);
  }
  memcpy(out->raw, f.data, kPayloadLength);
  return Finish(DecodeError::kOk);
}

DecodeError Codec::DecodeWriteAck(const can::Frame& f, Command write) {
  if (write != Command::kSetOnOff && write != Command::kSetVoltageCurrent) {
    return Finish(DecodeError::kWrongCommand);
  }
  return Finish(Header(f, write));
}

}  // namespace evc::power::infy
