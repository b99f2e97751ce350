#pragma once
// GB/T 27930-2015 message codecs (charger <-> BMS over CAN 2.0B / J1939, little-endian).
//
// Facts and where they come from (facts only, no code was taken):
//  [R]  the team reference platform-and-safety.md §4.4: PGNs, priorities, periods, addresses
//       (charger 0x56, BMS 0xF4), current 0.1 A/bit with -400 A offset, voltage 0.1 V/bit.
//  [W]  wogee/Rose UCOS/User/bms.c header comment: byte layouts of CRM, BRM (49 bytes, V1.1 as
//       01 01 00), BCP, CTS (BCD), CML, BRO/CRO, BCL, BCS (cell voltage in bits 0..11 with the
//       group number in bits 12..15), CCS, BSM, BST, CST, BSD, CSD, BEM, CEM.
//  [Y]  Yangyuanxin/Embedded-Product-Collect bms_xgb.c (2015 edition charger): CML 8 bytes with a
//       minimum current, CCS 8 bytes with the "charging permitted" 2-bit field in byte 7, unused
//       bits sent as 1, CST reason bits.
//  [F]  GB/T 27930-2015 foreword (via the r1worldwide.com copy of the standard): 2015 added
//       CHM/BHM, 8 reserved bytes at the end of BRM, CML minimum current, the CCS pause field and
//       the BST fault reasons; invalid or unused bits are filled with 1 (7.9).
//  [G]  our decision, said at the spot.
//
// Conventions of this API: currents are charge currents in amperes, >= 0 (wire: raw = 4000 -
// 10 x I, range 0..400 A); voltages in volts (0.1 V/bit, 0..750 V); cell voltages 0.01 V/bit
// (0..24 V); temperatures in degC (1 degC/bit, -50 offset, -50..200); times in minutes (0..600).
//
// Every decoder checks, in order: PGN, addresses (source = the sending node, destination = the
// receiving node or global), length (not shorter than the defined content; single-frame messages
// may be padded up to 8 bytes, as real BMSs do), then every value's range and enumerations. The
// first failure is returned and counted in DecodeStats; the output is untouched. Encoders check
// their inputs and return kOutOfRange / kInvalidArgument instead of clamping.

#include <cstddef>
#include <cstdint>

#include "evc/can/can_bus.hpp"
#include "evc/can/frame.hpp"
#include "evc/common/status.hpp"
#include "evc/vehicle/j1939_tp.hpp"
#include "evc/vehicle/timing.hpp"

namespace evc::vehicle::gbt {

constexpr uint8_t kChargerAddress = 0x56;
constexpr uint8_t kBmsAddress = 0xF4;

// ---- Message table ------------------------------------------------------------------------
enum class Msg : uint8_t {
  kChm,
  kBhm,
  kCrm,
  kBrm,
  kBcp,
  kCts,
  kCml,
  kBro,
  kCro,
  kBcl,
  kBcs,
  kCcs,
  kBsm,
  kBst,
  kCst,
  kBsd,
  kCsd,
  kBem,
  kCem,
  kCount,
};
enum class Direction : uint8_t { kChargerToBms, kBmsToCharger };

struct MessageSpec {
  Msg msg;
  const char* name;
  uint32_t pgn;
  uint8_t priority;
  uint8_t min_length;  // shortest payload with every field we decode
  uint8_t length;      // what we send (2015 edition)
  uint32_t period_ms;
  Direction direction;
};

// The table: one entry per message, in Msg order [R][W][Y].
inline constexpr MessageSpec kMessageSpecs[] = {
    {Msg::kChm, "CHM", 0x2600, 6, 3, 3, kPeriodChmMs, Direction::kChargerToBms},
    {Msg::kBhm, "BHM", 0x2700, 6, 2, 2, kPeriodBhmMs, Direction::kBmsToCharger},
    {Msg::kCrm, "CRM", 0x0100, 6, 8, 8, kPeriodCrmMs, Direction::kChargerToBms},
    {Msg::kBrm, "BRM", 0x0200, 7, 8, 49, kPeriodBrmMs, Direction::kBmsToCharger},
    {Msg::kBcp, "BCP", 0x0600, 7, 13, 13, kPeriodBcpMs, Direction::kBmsToCharger},
    {Msg::kCts, "CTS", 0x0700, 6, 7, 7, kPeriodCtsMs, Direction::kChargerToBms},
    {Msg::kCml, "CML", 0x0800, 6, 6, 8, kPeriodCmlMs, Direction::kChargerToBms},
    {Msg::kBro, "BRO", 0x0900, 4, 1, 1, kPeriodBroMs, Direction::kBmsToCharger},
    {Msg::kCro, "CRO", 0x0A00, 4, 1, 1, kPeriodCroMs, Direction::kChargerToBms},
    {Msg::kBcl, "BCL", 0x1000, 6, 5, 5, kPeriodBclMs, Direction::kBmsToCharger},
    {Msg::kBcs, "BCS", 0x1100, 7, 9, 9, kPeriodBcsMs, Direction::kBmsToCharger},
    {Msg::kCcs, "CCS", 0x1200, 6, 6, 8, kPeriodCcsMs, Direction::kChargerToBms},
    {Msg::kBsm, "BSM", 0x1300, 6, 7, 7, kPeriodBsmMs, Direction::kBmsToCharger},
    {Msg::kBst, "BST", 0x1900, 4, 4, 4, kPeriodBstMs, Direction::kBmsToCharger},
    {Msg::kCst, "CST", 0x1A00, 4, 4, 4, kPeriodCstMs, Direction::kChargerToBms},
    {Msg::kBsd, "BSD", 0x1C00, 6, 7, 7, kPeriodBsdMs, Direction::kBmsToCharger},
    {Msg::kCsd, "CSD", 0x1D00, 6, 8, 8, kPeriodCsdMs, Direction::kChargerToBms},
    {Msg::kBem, "BEM", 0x1E00, 2, 4, 4, kPeriodBemMs, Direction::kBmsToCharger},
    {Msg::kCem, "CEM", 0x1F00, 2, 4, 4, kPeriodCemMs, Direction::kChargerToBms},
};
static_assert(sizeof(kMessageSpecs) / sizeof(kMessageSpecs[0]) == static_cast<size_t>(Msg::kCount),
              "one spec per message");

constexpr const MessageSpec& Spec(Msg m) {
  return kMessageSpecs[static_cast<size_t>(m)];
}

// FindSpec's index: for each PDU format (PF, bits 8..15 of a PGN) the kMessageSpecs entry with
// that PF, or kNoSpec. Built at compile time; the build fails unless every GB/T PGN is a PDU1
// PGN (PF < 240, DP and low byte zero) with a PF of its own, and the table is in Msg order.
constexpr uint8_t kNoSpec = 0xFF;
constexpr size_t kPduFormats = 256;
struct SpecIndex {
  uint8_t by_pf[kPduFormats] = {};
  bool ok = true;
};
constexpr SpecIndex BuildSpecIndex() {
  SpecIndex x;
  for (size_t pf = 0; pf < kPduFormats; ++pf) {
    x.by_pf[pf] = kNoSpec;
  }
  for (size_t i = 0; i < static_cast<size_t>(Msg::kCount); ++i) {
    const uint32_t pgn = kMessageSpecs[i].pgn;
    const size_t pf = (pgn >> 8) & 0xFF;
    if ((pgn & 0xFF) != 0 || pgn > 0xEFFF || x.by_pf[pf] != kNoSpec ||
        kMessageSpecs[i].msg != static_cast<Msg>(i)) {
      x.ok = false;
    }
    x.by_pf[pf] = static_cast<uint8_t>(i);
  }
  return x;
}
inline constexpr SpecIndex kSpecIndex = BuildSpecIndex();
static_assert(kSpecIndex.ok, "GB/T PGNs must be PDU1 PGNs with distinct PDU formats, in Msg order");

// The spec of a GB/T PGN, or nullptr (BMV/BMT/BSP and DM messages are not in the table): one
// look-up by PF, then a compare of the whole PGN.
constexpr const MessageSpec* FindSpec(uint32_t pgn) {
  const uint8_t i = kSpecIndex.by_pf[(pgn >> 8) & 0xFF];
  if (i == kNoSpec || kMessageSpecs[i].pgn != pgn) {
    return nullptr;
  }
  return &kMessageSpecs[i];
}

// Other PGNs a BMS may send that the charger ignores (optional cell data, 10 s period) [R].
constexpr uint32_t kPgnBmv = 0x1500;
constexpr uint32_t kPgnBmt = 0x1600;
constexpr uint32_t kPgnBsp = 0x1700;

// ---- Physical ranges ------------------------------------------------------------------------
constexpr float kMaxVoltageV = 750.0f;
constexpr float kMaxCurrentA = 400.0f;
constexpr float kMaxCellVoltageV = 24.0f;
constexpr int kMinTemperatureC = -50;
constexpr int kMaxTemperatureC = 200;
constexpr float kMaxEnergyKwh = 1000.0f;
constexpr float kMaxCapacityAh = 1000.0f;
constexpr uint16_t kMaxMinutes = 600;
constexpr uint8_t kMaxSocPercent = 100;

// ---- A message in transit -----------------------------------------------------------------
constexpr uint8_t kMaxPayload = 49;  // BRM, the longest message decoded
struct Pdu {
  uint32_t pgn = 0;
  uint8_t source = 0;
  uint8_t destination = 0;
  uint8_t length = 0;
  uint8_t data[kMaxPayload] = {};
};
// A received message seen in place: the header, and the payload where it already lies (a frame's
// data or the transport's reassembly buffer). What the decoders read. It refers to that storage
// and must not outlive it. A Pdu converts to it implicitly (as std::string to std::string_view),
// so every decoder takes either.
struct PduView {
  uint32_t pgn = 0;
  uint8_t source = 0;
  uint8_t destination = 0;
  uint8_t length = 0;             // at most kMaxPayload
  const uint8_t* data = nullptr;  // `length` bytes
  PduView() = default;
  PduView(const Pdu& p)  // NOLINT: implicit on purpose
      : pgn(p.pgn), source(p.source), destination(p.destination), length(p.length), data(p.data) {}
};
// A single frame as a PDU. kInvalidArgument when the frame is not a J1939 data frame.
Result<Pdu> PduFromFrame(const can::Frame& frame);
// The same, without a copy: the view refers to frame.data.
Result<PduView> ViewFrame(const can::Frame& frame);
// The same for a frame whose id is parsed already (j1939::ParseId(frame, &id) was true).
inline PduView ViewFrame(const j1939::Id& id, const can::Frame& frame) {
  PduView v;
  v.pgn = id.pgn;
  v.source = id.source;
  v.destination = id.destination;
  v.length = frame.dlc;
  v.data = frame.data;
  return v;
}
// A reassembled TP message as a PDU. kOutOfRange when it is longer than kMaxPayload.
Result<Pdu> PduFromTp(const j1939::TpMessage& msg);
// The same, without a copy: the view refers to msg.data.
Result<PduView> ViewTp(const j1939::TpMessage& msg);
// Sends a PDU: one frame (DLC = length) up to 8 bytes, else through the transport (RTS/CTS).
Status SendPdu(const Pdu& pdu, uint8_t priority, can::CanBus& bus, j1939::Transport& tp,
               uint64_t now_ms);

struct DecodeStats {
  uint32_t decoded = 0;
  uint32_t wrong_pgn = 0;
  uint32_t wrong_address = 0;
  uint32_t wrong_length = 0;
  uint32_t out_of_range = 0;
  uint32_t Errors() const { return wrong_pgn + wrong_address + wrong_length + out_of_range; }
};

// ---- Message contents ---------------------------------------------------------------------

// Protocol version, "V<major>.<minor>": byte 0 minor, bytes 1..2 major (V1.1 = 01 01 00) [W].
struct Version {
  uint16_t major = 1;
  uint8_t minor = 1;
};

struct Chm {  // charger handshake, 3 bytes
  Version version;
};
struct Bhm {  // BMS handshake, 2 bytes: the highest charge voltage the vehicle allows
  float max_charge_voltage_v = 0;
};
struct Crm {                               // charger recognition, 8 bytes
  bool recognized = false;                 // byte 0: 0x00 / 0xAA
  uint32_t charger_number = 0;             // bytes 1..4
  uint8_t region[3] = {0xFF, 0xFF, 0xFF};  // bytes 5..7, ASCII, optional
};

enum class BatteryType : uint8_t {
  kLeadAcid = 0x01,
  kNiMh = 0x02,
  kLiFePo4 = 0x03,
  kLiMn2O4 = 0x04,
  kLiCoO2 = 0x05,
  kTernary = 0x06,
  kLiPolymer = 0x07,
  kLiTitanate = 0x08,
  kOther = 0xFF,
};

struct Brm {  // BMS recognition: 8 mandatory bytes, 49 in the 2015 edition (41 in 2011)
  Version version;
  BatteryType battery_type = BatteryType::kOther;
  float rated_capacity_ah = 0;  // 0.1 Ah/bit, 0..1000
  float rated_voltage_v = 0;    // 0.1 V/bit, 0..750
  // Optional identification, as sent (0xFF where the BMS has nothing) [W].
  uint8_t length = 0;            // payload length received (8..49)
  uint8_t manufacturer[4] = {};  // bytes 8..11, ASCII
  uint32_t pack_serial = 0;      // bytes 12..15
  uint8_t production_year = 0;   // byte 16, years since 1985
  uint8_t production_month = 0;  // byte 17
  uint8_t production_day = 0;    // byte 18
  uint32_t charge_cycles = 0;    // bytes 19..21, 24 bits
  uint8_t property = 0xFF;       // byte 22: 0 leased, 1 owned
  uint8_t vin[17] = {};          // bytes 24..40, ASCII
  uint8_t software[8] = {};      // bytes 41..48 (2015 edition)
};

struct Bcp {                      // battery charging parameters, 13 bytes
  float max_cell_voltage_v = 0;   // 0.01 V/bit
  float max_current_a = 0;        // 0.1 A/bit, -400 A offset
  float nominal_energy_kwh = 0;   // 0.1 kWh/bit
  float max_voltage_v = 0;        // highest total charge voltage
  int16_t max_temperature_c = 0;  // 1 degC/bit, -50 offset
  float soc_percent = 0;          // 0.1 %/bit
  float present_voltage_v = 0;    // battery voltage now
};

struct Cts {           // charger time sync, 7 bytes of BCD: s, min, h, day, month, year (2 bytes)
  bool valid = false;  // false: sent as all 0xFF (the charger has no time) [Y]
  uint8_t second = 0;
  uint8_t minute = 0;
  uint8_t hour = 0;
  uint8_t day = 1;
  uint8_t month = 1;
  uint16_t year = 2000;
};

struct Cml {  // charger maximum output, 8 bytes (6 in the 2011 edition: no minimum current)
  float max_voltage_v = 0;
  float min_voltage_v = 0;
  float max_current_a = 0;
  float min_current_a = 0;
};

struct Bro {  // BMS ready, 1 byte: 0x00 not ready, 0xAA ready
  bool ready = false;
};
struct Cro {  // charger ready, 1 byte
  bool ready = false;
};

enum class ChargeMode : uint8_t { kConstantVoltage = 0x01, kConstantCurrent = 0x02 };

struct Bcl {  // battery charging demand, 5 bytes
  float voltage_v = 0;
  float current_a = 0;
  ChargeMode mode = ChargeMode::kConstantCurrent;
};

struct Bcs {  // battery charging status, 9 bytes
  float measured_voltage_v = 0;
  float measured_current_a = 0;
  float max_cell_voltage_v = 0;  // bits 0..11 of bytes 4..5, 0.01 V/bit
  uint8_t max_cell_group = 0;    // bits 12..15
  uint8_t soc_percent = 0;       // 1 %/bit
  uint16_t remaining_minutes = 0;
};

struct Ccs {  // charger charging status, 8 bytes (6 in 2011)
  float voltage_v = 0;
  float current_a = 0;
  uint16_t charging_minutes = 0;
  bool charging_permitted = true;  // byte 6 bits 0..1: 01 permitted, 00 paused (2015) [Y]
};

// 2-bit status values used by BSM/BST/CST/BEM/CEM: 00 normal, 01 set, 10 unreliable, 11 n/a.
enum class Status2 : uint8_t { kNormal = 0, kSet = 1, kUnreliable = 2, kNotAvailable = 3 };

struct Bsm {                             // battery status, 7 bytes
  uint16_t max_cell_voltage_number = 1;  // 1..256 (raw + 1)
  int16_t max_temperature_c = 0;
  uint16_t max_temperature_point = 1;  // 1..128 (raw + 1) [W]
  int16_t min_temperature_c = 0;
  uint16_t min_temperature_point = 1;
  Status2 cell_voltage = Status2::kNormal;  // 01 too high, 10 too low
  Status2 soc = Status2::kNormal;           // 01 too high, 10 too low
  Status2 over_current = Status2::kNormal;
  Status2 over_temperature = Status2::kNormal;
  Status2 insulation = Status2::kNormal;
  Status2 output_connector = Status2::kNormal;
  bool charging_permitted = true;  // byte 6 bits 4..5: 01 permitted, 00 forbidden (pause)
  // True when any battery condition is abnormal (anything but "normal" or "not available").
  bool AnyFault() const;
};

// The reason / fault / timeout flags of BST, CST, BEM and CEM: a bit per field, set when the
// field is 01 (triggered). Fields sent as 10 (unreliable) are reported in `unreliable`.
struct Flags {
  uint32_t triggered = 0;
  uint32_t unreliable = 0;
  bool Has(uint32_t bit) const { return (triggered & bit) != 0; }
  bool Any() const { return triggered != 0 || unreliable != 0; }
};

namespace bst {  // BMS stop reasons, 4 bytes [W][F]
constexpr uint32_t kSocTargetReached = 1u << 0;
constexpr uint32_t kTotalVoltageReached = 1u << 1;
constexpr uint32_t kCellVoltageReached = 1u << 2;
constexpr uint32_t kChargerStopped = 1u << 3;  // the charger stopped first
constexpr uint32_t kInsulationFault = 1u << 4;
constexpr uint32_t kConnectorOverTemperature = 1u << 5;
constexpr uint32_t kBmsComponentOverTemperature = 1u << 6;
constexpr uint32_t kConnectorFault = 1u << 7;
constexpr uint32_t kBatteryOverTemperature = 1u << 8;
constexpr uint32_t kHighVoltageRelayFault = 1u << 9;
constexpr uint32_t kDetectionPoint2Fault = 1u << 10;
constexpr uint32_t kOtherFault = 1u << 11;
constexpr uint32_t kOverCurrent = 1u << 12;
constexpr uint32_t kAbnormalVoltage = 1u << 13;
constexpr uint32_t kAll = (1u << 14) - 1;
constexpr uint32_t kFaultMask =
    kAll & ~(kSocTargetReached | kTotalVoltageReached | kCellVoltageReached | kChargerStopped);
}  // namespace bst

namespace cst {                                  // charger stop reasons, 4 bytes [W][Y]
constexpr uint32_t kConditionReached = 1u << 0;  // the charger's set condition (e.g. energy)
constexpr uint32_t kManualStop = 1u << 1;
constexpr uint32_t kFaultStop = 1u << 2;
constexpr uint32_t kBmsStopped = 1u << 3;  // answer to a BST
constexpr uint32_t kChargerOverTemperature = 1u << 4;
constexpr uint32_t kConnectorFault = 1u << 5;
constexpr uint32_t kInternalOverTemperature = 1u << 6;
constexpr uint32_t kEnergyNotDeliverable = 1u << 7;
constexpr uint32_t kEmergencyStop = 1u << 8;
constexpr uint32_t kOtherFault = 1u << 9;
constexpr uint32_t kCurrentMismatch = 1u << 10;
constexpr uint32_t kAbnormalVoltage = 1u << 11;
constexpr uint32_t kAll = (1u << 12) - 1;
}  // namespace cst

namespace bem {                                  // BMS-side receive timeouts, 4 bytes [W]
constexpr uint32_t kCrmNotRecognized = 1u << 0;  // CRM(0x00) timeout
constexpr uint32_t kCrmRecognized = 1u << 1;     // CRM(0xAA) timeout
constexpr uint32_t kCmlCts = 1u << 2;
constexpr uint32_t kCro = 1u << 3;
constexpr uint32_t kCcs = 1u << 4;
constexpr uint32_t kCst = 1u << 5;
constexpr uint32_t kCsd = 1u << 6;
constexpr uint32_t kAll = (1u << 7) - 1;
}  // namespace bem

namespace cem {  // charger-side receive timeouts, 4 bytes [W][Y]
constexpr uint32_t kBrm = 1u << 0;
constexpr uint32_t kBcp = 1u << 1;
constexpr uint32_t kBro = 1u << 2;
constexpr uint32_t kBcs = 1u << 3;
constexpr uint32_t kBcl = 1u << 4;
constexpr uint32_t kBst = 1u << 5;
constexpr uint32_t kBsd = 1u << 6;
constexpr uint32_t kAll = (1u << 7) - 1;
}  // namespace cem

struct Bsd {  // BMS statistics, 7 bytes
  uint8_t soc_percent = 0;
  float min_cell_voltage_v = 0;
  float max_cell_voltage_v = 0;
  int16_t min_temperature_c = 0;
  int16_t max_temperature_c = 0;
};

struct Csd {  // charger statistics, 8 bytes
  uint16_t charging_minutes = 0;
  float energy_kwh = 0;  // 0.1 kWh/bit
  uint32_t charger_number = 0;
};

// ---- Encoders (from the sending node's address to the other node) ---------------------------
Result<Pdu> EncodeChm(const Chm& m);
Result<Pdu> EncodeBhm(const Bhm& m);
Result<Pdu> EncodeCrm(const Crm& m);
Result<Pdu> EncodeBrm(const Brm& m);  // always the 49-byte 2015 layout
Result<Pdu> EncodeBcp(const Bcp& m);
Result<Pdu> EncodeCts(const Cts& m);
Result<Pdu> EncodeCml(const Cml& m);
Result<Pdu> EncodeBro(const Bro& m);
Result<Pdu> EncodeCro(const Cro& m);
Result<Pdu> EncodeBcl(const Bcl& m);
Result<Pdu> EncodeBcs(const Bcs& m);
Result<Pdu> EncodeCcs(const Ccs& m);
Result<Pdu> EncodeBsm(const Bsm& m);
Result<Pdu> EncodeBst(const Flags& m);
Result<Pdu> EncodeCst(const Flags& m);
Result<Pdu> EncodeBsd(const Bsd& m);
Result<Pdu> EncodeCsd(const Csd& m);
Result<Pdu> EncodeBem(const Flags& m);
Result<Pdu> EncodeCem(const Flags& m);

// ---- Decoders (stats may be null) -------------------------------------------------------------
Result<Chm> DecodeChm(const PduView& p, DecodeStats* stats = nullptr);
Result<Bhm> DecodeBhm(const PduView& p, DecodeStats* stats = nullptr);
Result<Crm> DecodeCrm(const PduView& p, DecodeStats* stats = nullptr);
Result<Brm> DecodeBrm(const PduView& p, DecodeStats* stats = nullptr);
Result<Bcp> DecodeBcp(const PduView& p, DecodeStats* stats = nullptr);
Result<Cts> DecodeCts(const PduView& p, DecodeStats* stats = nullptr);
Result<Cml> DecodeCml(const PduView& p, DecodeStats* stats = nullptr);
Result<Bro> DecodeBro(const PduView& p, DecodeStats* stats = nullptr);
Result<Cro> DecodeCro(const PduView& p, DecodeStats* stats = nullptr);
Result<Bcl> DecodeBcl(const PduView& p, DecodeStats* stats = nullptr);
Result<Bcs> DecodeBcs(const PduView& p, DecodeStats* stats = nullptr);
Result<Ccs> DecodeCcs(const PduView& p, DecodeStats* stats = nullptr);
Result<Bsm> DecodeBsm(const PduView& p, DecodeStats* stats = nullptr);
Result<Flags> DecodeBst(const PduView& p, DecodeStats* stats = nullptr);
Result<Flags> DecodeCst(const PduView& p, DecodeStats* stats = nullptr);
Result<Bsd> DecodeBsd(const PduView& p, DecodeStats* stats = nullptr);
Result<Csd> DecodeCsd(const PduView& p, DecodeStats* stats = nullptr);
Result<Flags> DecodeBem(const PduView& p, DecodeStats* stats = nullptr);
Result<Flags> DecodeCem(const PduView& p, DecodeStats* stats = nullptr);

}  // namespace evc::vehicle::gbt
