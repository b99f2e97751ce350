#pragma once
// Codec for InfyPower REG/BEG power modules, V1.13 CAN protocol.
//
// Facts (reference/platform-and-safety.md §4.1, from EVerest's InfyPower driver):
//   125 kbit/s, CAN 2.0B 29-bit ids, always DLC 8, big-endian payloads.
//   id bits 28..26 error code (0 = normal), 25..22 device number (0x0A single module, 0x0B
//   group), 21..16 command, 15..8 destination, 7..0 source. Replies swap source/destination.
//   Reads are the command with 8 zero bytes. Writes: 0x1C set V/I (u32 mV, u32 mA), 0x1A on/off
//   (byte 0: 0x00 ON, 0x01 OFF).
//
// Where the reference is silent this codec decides, and says so at the spot ([decision]):
//   - The protocol has no temperature read: temperature is only visible as the over-temperature
//     status flag. There is no temperature poll.
//   - Undocumented bytes/bits of a reply (bytes 0..4 of the 0x04 status reply, unused status
//     bits) are ignored, not rejected: real modules may use them, and rejecting a whole status
//     reply for a reserved bit would hide the documented flags.
//   - A reply whose id error code is non-zero is the module refusing the request; it is counted
//     as kDeviceError, its payload is not trusted.
//   - Whether the module acknowledges writes is not documented. A write command coming back from
//     the module is accepted as an acknowledgement by DecodeWriteAck (header checks only); nothing
//     depends on it.
//
// Every decoder checks, in this order: extended id, DLC 8, device number, command, addresses
// (destination = our controller, source = our module), error code, then the values. The first
// failure is returned and counted in DecodeStats; the output is untouched on failure.

#include <cstddef>
#include <cstdint>

#include "evc/can/can_bus.hpp"
#include "evc/can/frame.hpp"
#include "evc/common/status.hpp"

namespace evc::power::infy {

constexpr uint8_t kPayloadLength = 8;
constexpr uint8_t kDeviceSingleModule = 0x0A;
constexpr uint8_t kDeviceGroup = 0x0B;
constexpr uint8_t kDefaultControllerAddress = 0xF0;

enum class Command : uint8_t {
  kReadModuleCount = 0x02,  // group: number of modules in the group
  kReadOutput = 0x03,       // output voltage / current, float32
  kReadStatus = 0x04,       // status flags
  kReadCapability = 0x0A,   // max/min voltage, max current, rated power
  kReadBarcode = 0x0B,      // serial number (vendor encoding)
  kReadAfterDiode = 0x0C,   // voltage after the output diode, available current
  kSetOnOff = 0x1A,
  kSetVoltageCurrent = 0x1C,
};
const char* CommandName(Command c);

// Plausibility limits of this product line (REG/BEG modules are 1000 V class). Values beyond
// are corrupt frames, not measurements.
constexpr float kMaxPlausibleVoltageV = 1000.0f;
constexpr float kMaxPlausibleCurrentA = 500.0f;
constexpr float kMaxPlausiblePowerW = 100000.0f;
// Measurement noise around zero: a reading down to this much below zero is accepted as-is.
constexpr float kNegativeNoiseTolerance = 0.5f;
constexpr uint8_t kMaxGroupModules = 60;

// The fields of a 29-bit id.
struct IdFields {
  uint8_t error_code = 0;                // 3 bits
  uint8_t device = kDeviceSingleModule;  // 4 bits
  uint8_t command = 0;                   // 6 bits
  uint8_t destination = 0;
  uint8_t source = 0;
};
uint32_t EncodeId(const IdFields& f);
IdFields DecodeId(uint32_t id);

// Who we are and which module (or group) we talk to.
struct Address {
  uint8_t controller = kDefaultControllerAddress;
  uint8_t module = 0x00;  // module address (single) or group number (group)
  uint8_t device = kDeviceSingleModule;
};

// Dispatcher filter for every reply addressed to this controller from a single module or a
// group (device 0x0A / 0x0B). The source is left to the decoders so a wrong address is counted.
can::IdFilter ReplyFilter(const Address& a);

// ---- Decoded values -----------------------------------------------------------------------

struct OutputReading {  // 0x03
  float voltage_v = 0;
  float current_a = 0;
};

struct AfterDiodeReading {        // 0x0C
  float voltage_v = 0;            // after the diode (battery side), 0.1 V
  float available_current_a = 0;  // 0.1 A
};

struct Capability {  // 0x0A
  float max_voltage_v = 0;
  float min_voltage_v = 0;
  float max_current_a = 0;
  float rated_power_w = 0;
};

struct Barcode {  // 0x0B: vendor-encoded serial number, kept raw (encoding not in the reference)
  uint8_t raw[kPayloadLength] = {};
};

// Fault families, for the error-code table and the safety supervisor.
struct FaultFamilies {
  bool output = false;         // output short, output over-voltage, discharge abnormal
  bool thermal = false;        // over-temperature, fan fault
  bool input = false;          // AC input: phase lost, unbalanced, under/over-voltage, PFC off
  bool internal = false;       // general fault alarm, protection alarm
  bool communication = false;  // module reports comm interrupt, duplicate id, load sharing
  bool Any() const { return output || thermal || input || internal || communication; }
};

struct StatusFlags {  // 0x04: byte 5 status2, byte 6 status1, byte 7 status0
  // status0
  bool output_short = false;
  bool sleeping = false;
  bool discharge_abnormal = false;
  // status1
  bool dc_side_off = false;
  bool fault_alarm = false;
  bool protection_alarm = false;
  bool fan_fault = false;
  bool over_temperature = false;
  bool output_over_voltage = false;
  bool walk_in_enabled = false;
  bool comm_interrupt = false;
  // status2
  bool power_limited = false;
  bool id_repeat = false;
  bool load_sharing_alarm = false;
  bool input_phase_lost = false;
  bool input_unbalanced = false;
  bool input_under_voltage = false;
  bool input_over_voltage = false;
  bool pfc_side_off = false;

  // Informational bits (dc_side_off, sleeping, walk-in, power limit) are not faults.
  FaultFamilies Families() const;
};

// Encodes the three status bytes exactly as the module sends them (for the simulator).
void EncodeStatusBytes(const StatusFlags& s, uint8_t* status2, uint8_t* status1, uint8_t* status0);

// ---- Errors -------------------------------------------------------------------------------

enum class DecodeError : uint8_t {
  kOk = 0,
  kNotExtended,   // 11-bit id or remote frame
  kWrongLength,   // DLC != 8
  kWrongDevice,   // device number differs from the addressed one
  kWrongCommand,  // not the reply this decoder reads
  kWrongAddress,  // destination not our controller, or source not our module
  kDeviceError,   // id error code != 0: the module refused the request
  kOutOfRange,    // a value that cannot be a real reading (NaN, negative, beyond limits)
  kCount,
};
const char* DecodeErrorName(DecodeError e);

struct DecodeStats {
  uint32_t ok = 0;
  uint32_t errors[static_cast<size_t>(DecodeError::kCount)] = {};
  uint32_t Count(DecodeError e) const { return errors[static_cast<size_t>(e)]; }
  uint32_t TotalErrors() const;
  void Record(DecodeError e);
};

// ---- Codec --------------------------------------------------------------------------------

class Codec {
 public:
  explicit Codec(const Address& address) : address_(address) {}

  // Requests.
  can::Frame ReadRequest(Command read) const;  // 8 zero bytes
  // kOutOfRange for a non-finite, negative or implausible value; no frame is produced.
  Result<can::Frame> SetVoltageCurrent(float voltage_v, float current_a) const;
  can::Frame SetOnOff(bool on) const;

  // Replies. Each validates the whole frame; *out is written only on kOk; every call is counted.
  DecodeError DecodeOutput(const can::Frame& f, OutputReading* out);
  DecodeError DecodeStatus(const can::Frame& f, StatusFlags* out);
  DecodeError DecodeCapability(const can::Frame& f, Capability* out);
  DecodeError DecodeAfterDiode(const can::Frame& f, AfterDiodeReading* out);
  DecodeError DecodeModuleCount(const can::Frame& f, uint8_t* count);
  DecodeError DecodeBarcode(const can::Frame& f, Barcode* out);
  DecodeError DecodeWriteAck(const can::Frame& f, Command write);

  // Checks everything but the payload values and reports the command (for routing a reply to its
  // decoder). Not counted: the decoder that follows counts.
  DecodeError Classify(const can::Frame& f, uint8_t* command) const;

  // Counts an error found outside the decoders (e.g. a reply with an unknown command).
  void CountError(DecodeError e) { stats_.Record(e); }

  const Address& address() const { return address_; }
  const DecodeStats& stats() const { return stats_; }

 private:
  DecodeError Header(const can::Frame& f, Command expected) const;
  DecodeError Finish(DecodeError e) {
    stats_.Record(e);
    return e;
  }
  Address address_;
  DecodeStats stats_;
};

// Big-endian helpers shared with the simulator.
void PutU16(uint8_t* p, uint16_t v);
void PutU32(uint8_t* p, uint32_t v);
void PutF32(uint8_t* p, float v);
uint16_t GetU16(const uint8_t* p);
uint32_t GetU32(const uint8_t* p);
float GetF32(const uint8_t* p);

}  // namespace evc::power::infy
