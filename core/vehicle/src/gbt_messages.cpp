#include "evc/vehicle/gbt_messages.hpp"

#include <cmath>
#include <cstring>

#include "evc/vehicle/timing.hpp"

namespace evc::vehicle::gbt {
namespace {

constexpr uint8_t kFill = 0xFF;  // unused bytes and bits are sent as 1 [F]
constexpr uint8_t kNotReady = 0x00;
constexpr uint8_t kReady = 0xAA;
constexpr uint16_t kCurrentOffsetRaw = 4000;  // -400 A at 0.1 A/bit
constexpr int kTemperatureOffset = 50;
constexpr uint16_t kMaxVoltageRaw = 7500;
constexpr uint16_t kMaxCellRaw = 2400;
constexpr uint16_t kMaxTenthsRaw = 10000;  // 1000.0 kWh / Ah at 0.1 per bit
constexpr uint16_t kMaxSocPermille = 1000;
constexpr uint16_t kCellVoltageMask = 0x0FFF;
constexpr uint32_t kMaxCycles = 0xFFFFFF;

// Where each 2-bit flag field sits: byte, bit shift. Index = bit number in Flags.
struct FlagField {
  uint8_t byte;
  uint8_t shift;
};
constexpr FlagField kBstFields[] = {{0, 0}, {0, 2}, {0, 4}, {0, 6}, {1, 0}, {1, 2}, {1, 4},
                                    {1, 6}, {2, 0}, {2, 2}, {2, 4}, {2, 6}, {3, 0}, {3, 2}};
constexpr FlagField kCstFields[] = {{0, 0}, {0, 2}, {0, 4}, {0, 6}, {1, 0}, {1, 2},
                                    {1, 4}, {1, 6}, {2, 0}, {2, 2}, {3, 0}, {3, 2}};
constexpr FlagField kBemFields[] = {{0, 0}, {0, 2}, {1, 0}, {1, 2}, {2, 0}, {2, 2}, {3, 0}};
constexpr FlagField kCemFields[] = {{0, 0}, {1, 0}, {1, 2}, {2, 0}, {2, 2}, {2, 4}, {3, 0}};

constexpr uint8_t OwnAddress(Direction d) {
  return d == Direction::kChargerToBms ? kChargerAddress : kBmsAddress;
}
constexpr uint8_t PeerAddress(Direction d) {
  return d == Direction::kChargerToBms ? kBmsAddress : kChargerAddress;
}

Pdu Start(Msg m) {
  const MessageSpec& s = Spec(m);
  Pdu p;
  p.pgn = s.pgn;
  p.source = OwnAddress(s.direction);
  p.destination = PeerAddress(s.direction);
  p.length = s.length;
  memset(p.data, kFill, sizeof(p.data));
  return p;
}

void Put16(Pdu& p, size_t at, uint16_t v) {
  p.data[at] = static_cast<uint8_t>(v & 0xFF);
  p.data[at + 1] = static_cast<uint8_t>(v >> 8);
}
void Put32(Pdu& p, size_t at, uint32_t v) {
  for (size_t i = 0; i < 4; ++i) {
    p.data[at + i] = static_cast<uint8_t>((v >> (8 * i)) & 0xFF);
  }
}
uint16_t Get16(const PduView& p, size_t at) {
  return static_cast<uint16_t>(p.data[at] | (p.data[at + 1] << 8));
}
uint32_t Get32(const PduView& p, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) {
    v |= static_cast<uint32_t>(p.data[at + i]) << (8 * i);
  }
  return v;
}

// value / resolution, rounded, if 0 <= value <= max_raw x resolution (NaN fails).
bool Scale(float value, float per_bit, uint16_t max_raw, uint16_t* raw) {
  if (!(value >= 0.0f)) {
    return false;
  }
  const float r = std::round(value / per_bit);
  if (!(r <= static_cast<float>(max_raw))) {
    return false;
  }
  *raw = static_cast<uint16_t>(r);
  return true;
}
bool Voltage(float v, uint16_t* raw) {
  return Scale(v, 0.1f, kMaxVoltageRaw, raw);
}
bool Current(float a, uint16_t* raw) {
  uint16_t r = 0;
  if (!Scale(a, 0.1f, kCurrentOffsetRaw, &r)) {
    return false;
  }
  *raw = static_cast<uint16_t>(kCurrentOffsetRaw - r);
  return true;
}
bool CellVoltage(float v, uint16_t* raw) {
  return Scale(v, 0.01f, kMaxCellRaw, raw);
}
bool Temperature(int t, uint8_t* raw) {
  if (t < kMinTemperatureC || t > kMaxTemperatureC) {
    return false;
  }
  *raw = static_cast<uint8_t>(t + kTemperatureOffset);
  return true;
}
float FromVoltage(uint16_t raw) {
  return static_cast<float>(raw) * 0.1f;
}
float FromCurrent(uint16_t raw) {
  return static_cast<float>(kCurrentOffsetRaw - raw) * 0.1f;
}
float FromCell(uint16_t raw) {
  return static_cast<float>(raw) * 0.01f;
}
int16_t FromTemperature(uint8_t raw) {
  return static_cast<int16_t>(raw - kTemperatureOffset);
}
bool TemperatureRawOk(uint8_t raw) {
  return raw <= kMaxTemperatureC + kTemperatureOffset;
}

Status Fail(DecodeStats* s, uint32_t DecodeStats::*counter, Errc e) {
  if (s != nullptr) {
    ++(s->*counter);
  }
  return e;
}
Status OutOfRange(DecodeStats* s) {
  return Fail(s, &DecodeStats::out_of_range, Errc::kOutOfRange);
}
void Decoded(DecodeStats* s) {
  if (s != nullptr) {
    ++s->decoded;
  }
}

// PGN, addresses, length. One instance per message, so every expected value is a constant.
template <Msg M>
Status Check(const PduView& p, DecodeStats* s) {
  constexpr const MessageSpec& spec = kMessageSpecs[static_cast<size_t>(M)];
  constexpr uint8_t kSource = OwnAddress(spec.direction);
  constexpr uint8_t kDestination = PeerAddress(spec.direction);
  constexpr uint8_t kMaxLength =
      spec.length > can::kMaxDataLength ? spec.length : can::kMaxDataLength;
  if (p.pgn != spec.pgn) {
    return Fail(s, &DecodeStats::wrong_pgn, Errc::kInvalidArgument);
  }
  if (p.source != kSource ||
      (p.destination != kDestination && p.destination != j1939::kGlobalAddress)) {
    return Fail(s, &DecodeStats::wrong_address, Errc::kInvalidArgument);
  }
  if (p.length < spec.min_length || p.length > kMaxLength) {
    return Fail(s, &DecodeStats::wrong_length, Errc::kInvalidArgument);
  }
  return OkStatus();
}

void EncodeVersion(Pdu& p, size_t at, const Version& v) {
  p.data[at] = v.minor;
  Put16(p, at + 1, v.major);
}
Version DecodeVersion(const PduView& p, size_t at) {
  Version v;
  v.minor = p.data[at];
  v.major = Get16(p, at + 1);
  return v;
}

template <size_t N>
Result<Pdu> EncodeFlags(Msg m, const FlagField (&fields)[N], const Flags& f) {
  const uint32_t all = (1u << N) - 1;
  if ((f.triggered & ~all) != 0 || (f.unreliable & ~all) != 0 ||
      (f.triggered & f.unreliable) != 0) {
    return Errc::kInvalidArgument;
  }
  Pdu p = Start(m);
  for (size_t i = 0; i < N; ++i) {
    uint8_t v = static_cast<uint8_t>(Status2::kNormal);
    if (f.triggered & (1u << i)) {
      v = static_cast<uint8_t>(Status2::kSet);
    } else if (f.unreliable & (1u << i)) {
      v = static_cast<uint8_t>(Status2::kUnreliable);
    }
    uint8_t& b = p.data[fields[i].byte];
    b = static_cast<uint8_t>((b & ~(0x3u << fields[i].shift)) | (v << fields[i].shift));
  }
  return p;
}

template <Msg M, size_t N>
Result<Flags> DecodeFlags(const PduView& p, const FlagField (&fields)[N], DecodeStats* s) {
  EVC_TRY(Check<M>(p, s));
  Flags f;
  for (size_t i = 0; i < N; ++i) {
    const auto v = static_cast<Status2>((p.data[fields[i].byte] >> fields[i].shift) & 0x3);
    if (v == Status2::kSet) {
      f.triggered |= 1u << i;
    } else if (v == Status2::kUnreliable) {
      f.unreliable |= 1u << i;
    }
  }
  Decoded(s);
  return f;
}

Status2 Field2(uint8_t byte, unsigned shift) {
  return static_cast<Status2>((byte >> shift) & 0x3);
}
uint8_t Raw2(Status2 v, unsigned shift) {
  return static_cast<uint8_t>(static_cast<uint8_t>(v) << shift);
}
bool IsBcd(uint8_t b) {
  return (b & 0x0F) <= 9 && (b >> 4) <= 9;
}
uint8_t FromBcd(uint8_t b) {
  return static_cast<uint8_t>((b >> 4) * 10 + (b & 0x0F));
}
uint8_t ToBcd(unsigned v) {
  return static_cast<uint8_t>(((v / 10) << 4) | (v % 10));
}

Pdu CopyOf(const PduView& v) {
  Pdu p;
  p.pgn = v.pgn;
  p.source = v.source;
  p.destination = v.destination;
  p.length = v.length;
  memcpy(p.data, v.data, v.length);
  return p;
}

}  // namespace

bool Bsm::AnyFault() const {
  auto bad = [](Status2 v) { return v == Status2::kSet || v == Status2::kUnreliable; };
  return bad(cell_voltage) || bad(soc) || bad(over_current) || bad(over_temperature) ||
         bad(insulation) || bad(output_connector);
}

Result<PduView> ViewFrame(const can::Frame& frame) {
  j1939::Id id;
  if (!j1939::ParseId(frame, &id)) {
    return Errc::kInvalidArgument;
  }
  return ViewFrame(id, frame);
}

Result<PduView> ViewTp(const j1939::TpMessage& msg) {
  if (msg.size > kMaxPayload) {
    return Errc::kOutOfRange;
  }
  PduView v;
  v.pgn = msg.pgn;
  v.source = msg.source;
  v.destination = msg.destination;
  v.length = static_cast<uint8_t>(msg.size);
  v.data = msg.data;
  return v;
}

Result<Pdu> PduFromFrame(const can::Frame& frame) {
  const Result<PduView> v = ViewFrame(frame);
  if (!v.ok()) {
    return v.status();
  }
  return CopyOf(*v);
}

Result<Pdu> PduFromTp(const j1939::TpMessage& msg) {
  const Result<PduView> v = ViewTp(msg);
  if (!v.ok()) {
    return v.status();
  }
  return CopyOf(*v);
}

Status SendPdu(const Pdu& pdu, uint8_t priority, can::CanBus& bus, j1939::Transport& tp,
               uint64_t now_ms) {
  if (pdu.length <= can::kMaxDataLength) {
    return bus.Send(
        j1939::MakeFrame(priority, pdu.pgn, pdu.source, pdu.destination, pdu.data, pdu.length));
  }
  return tp.Send(pdu.pgn, pdu.destination, pdu.data, pdu.length, now_ms);
}

// ---- encoders ---------------------------------------------------------------------------------

Result<Pdu> EncodeChm(const Chm& m) {
  Pdu p = Start(Msg::kChm);
  EncodeVersion(p, 0, m.version);
  return p;
}

Result<Pdu> EncodeBhm(const Bhm& m) {
  uint16_t v = 0;
  if (!Voltage(m.max_charge_voltage_v, &v)) {
    return Errc::kOutOfRange;
  }
  Pdu p = Start(Msg::kBhm);
  Put16(p, 0, v);
  return p;
}

Result<Pdu> EncodeCrm(const Crm& m) {
  Pdu p = Start(Msg::kCrm);
  p.data[0] = m.recognized ? kReady : kNotReady;
  Put32(p, 1, m.charger_number);
  memcpy(&p.data[5], m.region, sizeof(m.region));
  return p;
}

Result<Pdu> EncodeBrm(const Brm& m) {
  uint16_t cap = 0, volt = 0;
  if (!Scale(m.rated_capacity_ah, 0.1f, kMaxTenthsRaw, &cap) ||
      !Voltage(m.rated_voltage_v, &volt)) {
    return Errc::kOutOfRange;
  }
  const auto type = static_cast<uint8_t>(m.battery_type);
  if ((type < 0x01 || type > 0x08) && type != 0xFF) {
    return Errc::kInvalidArgument;
  }
  if (m.charge_cycles > kMaxCycles) {
    return Errc::kOutOfRange;
  }
  Pdu p = Start(Msg::kBrm);
  EncodeVersion(p, 0, m.version);
  p.data[3] = type;
  Put16(p, 4, cap);
  Put16(p, 6, volt);
  memcpy(&p.data[8], m.manufacturer, sizeof(m.manufacturer));
  Put32(p, 12, m.pack_serial);
  p.data[16] = m.production_year;
  p.data[17] = m.production_month;
  p.data[18] = m.production_day;
  p.data[19] = static_cast<uint8_t>(m.charge_cycles & 0xFF);
  p.data[20] = static_cast<uint8_t>((m.charge_cycles >> 8) & 0xFF);
  p.data[21] = static_cast<uint8_t>((m.charge_cycles >> 16) & 0xFF);
  p.data[22] = m.property;
  p.data[23] = kFill;  // reserved
  memcpy(&p.data[24], m.vin, sizeof(m.vin));
  memcpy(&p.data[41], m.software, sizeof(m.software));
  return p;
}

Result<Pdu> EncodeBcp(const Bcp& m) {
  uint16_t cell = 0, cur = 0, energy = 0, vmax = 0, soc = 0, vnow = 0;
  uint8_t temp = 0;
  if (!CellVoltage(m.max_cell_voltage_v, &cell) || !Current(m.max_current_a, &cur) ||
      !Scale(m.nominal_energy_kwh, 0.1f, kMaxTenthsRaw, &energy) ||
      !Voltage(m.max_voltage_v, &vmax) || !Temperature(m.max_temperature_c, &temp) ||
      !Scale(m.soc_percent, 0.1f, kMaxSocPermille, &soc) || !Voltage(m.present_voltage_v, &vnow)) {
    return Errc::kOutOfRange;
  }
  Pdu p = Start(Msg::kBcp);
  Put16(p, 0, cell);
  Put16(p, 2, cur);
  Put16(p, 4, energy);
  Put16(p, 6, vmax);
  p.data[8] = temp;
  Put16(p, 9, soc);
  Put16(p, 11, vnow);
  return p;
}

Result<Pdu> EncodeCts(const Cts& m) {
  Pdu p = Start(Msg::kCts);
  if (!m.valid) {
    return p;  // all 0xFF: time not available
  }
  if (m.second > 59 || m.minute > 59 || m.hour > 23 || m.day < 1 || m.day > 31 || m.month < 1 ||
      m.month > 12 || m.year > 9999) {
    return Errc::kOutOfRange;
  }
  p.data[0] = ToBcd(m.second);
  p.data[1] = ToBcd(m.minute);
  p.data[2] = ToBcd(m.hour);
  p.data[3] = ToBcd(m.day);
  p.data[4] = ToBcd(m.month);
  p.data[5] = ToBcd(m.year % 100);  // low BCD pair first, as every other field is LE
  p.data[6] = ToBcd(m.year / 100);
  return p;
}

Result<Pdu> EncodeCml(const Cml& m) {
  uint16_t vmax = 0, vmin = 0, imax = 0, imin = 0;
  if (!Voltage(m.max_voltage_v, &vmax) || !Voltage(m.min_voltage_v, &vmin) ||
      !Current(m.max_current_a, &imax) || !Current(m.min_current_a, &imin)) {
    return Errc::kOutOfRange;
  }
  if (m.min_voltage_v > m.max_voltage_v || m.min_current_a > m.max_current_a) {
    return Errc::kInvalidArgument;
  }
  Pdu p = Start(Msg::kCml);
  Put16(p, 0, vmax);
  Put16(p, 2, vmin);
  Put16(p, 4, imax);
  Put16(p, 6, imin);
  return p;
}

Result<Pdu> EncodeBro(const Bro& m) {
  Pdu p = Start(Msg::kBro);
  p.data[0] = m.ready ? kReady : kNotReady;
  return p;
}

Result<Pdu> EncodeCro(const Cro& m) {
  Pdu p = Start(Msg::kCro);
  p.data[0] = m.ready ? kReady : kNotReady;
  return p;
}

Result<Pdu> EncodeBcl(const Bcl& m) {
  uint16_t v = 0, i = 0;
  if (!Voltage(m.voltage_v, &v) || !Current(m.current_a, &i)) {
    return Errc::kOutOfRange;
  }
  if (m.mode != ChargeMode::kConstantVoltage && m.mode != ChargeMode::kConstantCurrent) {
    return Errc::kInvalidArgument;
  }
  Pdu p = Start(Msg::kBcl);
  Put16(p, 0, v);
  Put16(p, 2, i);
  p.data[4] = static_cast<uint8_t>(m.mode);
  return p;
}

Result<Pdu> EncodeBcs(const Bcs& m) {
  uint16_t v = 0, i = 0, cell = 0;
  if (!Voltage(m.measured_voltage_v, &v) || !Current(m.measured_current_a, &i) ||
      !CellVoltage(m.max_cell_voltage_v, &cell) || m.max_cell_group > 15 ||
      m.soc_percent > kMaxSocPercent || m.remaining_minutes > kMaxMinutes) {
    return Errc::kOutOfRange;
  }
  Pdu p = Start(Msg::kBcs);
  Put16(p, 0, v);
  Put16(p, 2, i);
  Put16(p, 4, static_cast<uint16_t>(cell | (m.max_cell_group << 12)));
  p.data[6] = m.soc_percent;
  Put16(p, 7, m.remaining_minutes);
  return p;
}

Result<Pdu> EncodeCcs(const Ccs& m) {
  uint16_t v = 0, i = 0;
  if (!Voltage(m.voltage_v, &v) || !Current(m.current_a, &i) || m.charging_minutes > kMaxMinutes) {
    return Errc::kOutOfRange;
  }
  Pdu p = Start(Msg::kCcs);
  Put16(p, 0, v);
  Put16(p, 2, i);
  Put16(p, 4, m.charging_minutes);
  p.data[6] = static_cast<uint8_t>(0xFC | (m.charging_permitted ? 0x01 : 0x00));
  return p;
}

Result<Pdu> EncodeBsm(const Bsm& m) {
  uint8_t tmax = 0, tmin = 0;
  if (m.max_cell_voltage_number < 1 || m.max_cell_voltage_number > 256 ||
      m.max_temperature_point < 1 || m.max_temperature_point > 256 || m.min_temperature_point < 1 ||
      m.min_temperature_point > 256 || !Temperature(m.max_temperature_c, &tmax) ||
      !Temperature(m.min_temperature_c, &tmin)) {
    return Errc::kOutOfRange;
  }
  Pdu p = Start(Msg::kBsm);
  p.data[0] = static_cast<uint8_t>(m.max_cell_voltage_number - 1);
  p.data[1] = tmax;
  p.data[2] = static_cast<uint8_t>(m.max_temperature_point - 1);
  p.data[3] = tmin;
  p.data[4] = static_cast<uint8_t>(m.min_temperature_point - 1);
  p.data[5] = static_cast<uint8_t>(Raw2(m.cell_voltage, 0) | Raw2(m.soc, 2) |
                                   Raw2(m.over_current, 4) | Raw2(m.over_temperature, 6));
  p.data[6] =
      static_cast<uint8_t>(Raw2(m.insulation, 0) | Raw2(m.output_connector, 2) |
                           Raw2(m.charging_permitted ? Status2::kSet : Status2::kNormal, 4) | 0xC0);
  return p;
}

Result<Pdu> EncodeBst(const Flags& m) {
  return EncodeFlags(Msg::kBst, kBstFields, m);
}
Result<Pdu> EncodeCst(const Flags& m) {
  return EncodeFlags(Msg::kCst, kCstFields, m);
}
Result<Pdu> EncodeBem(const Flags& m) {
  return EncodeFlags(Msg::kBem, kBemFields, m);
}
Result<Pdu> EncodeCem(const Flags& m) {
  return EncodeFlags(Msg::kCem, kCemFields, m);
}

Result<Pdu> EncodeBsd(const Bsd& m) {
  uint16_t vmin = 0, vmax = 0;
  uint8_t tmin = 0, tmax = 0;
  if (m.soc_percent > kMaxSocPercent || !CellVoltage(m.min_cell_voltage_v, &vmin) ||
      !CellVoltage(m.max_cell_voltage_v, &vmax) || !Temperature(m.min_temperature_c, &tmin) ||
      !Temperature(m.max_temperature_c, &tmax)) {
    return Errc::kOutOfRange;
  }
  Pdu p = Start(Msg::kBsd);
  p.data[0] = m.soc_percent;
  Put16(p, 1, vmin);
  Put16(p, 3, vmax);
  p.data[5] = tmin;
  p.data[6] = tmax;
  return p;
}

Result<Pdu> EncodeCsd(const Csd& m) {
  uint16_t e = 0;
  if (m.charging_minutes > kMaxMinutes || !Scale(m.energy_kwh, 0.1f, kMaxTenthsRaw, &e)) {
    return Errc::kOutOfRange;
  }
  Pdu p = Start(Msg::kCsd);
  Put16(p, 0, m.charging_minutes);
  Put16(p, 2, e);
  Put32(p, 4, m.charger_number);
  return p;
}

// ---- decoders ---------------------------------------------------------------------------------

Result<Chm> DecodeChm(const PduView& p, DecodeStats* s) {
  EVC_TRY(Check<Msg::kChm>(p, s));
  Chm m;
  m.version = DecodeVersion(p, 0);
  Decoded(s);
  return m;
}

Result<Bhm> DecodeBhm(const PduView& p, DecodeStats* s) {
  EVC_TRY(Check<Msg::kBhm>(p, s));
  const uint16_t v = Get16(p, 0);
  if (v > kMaxVoltageRaw) {
    return OutOfRange(s);
  }
  Bhm m;
  m.max_charge_voltage_v = FromVoltage(v);
  Decoded(s);
  return m;
}

Result<Crm> DecodeCrm(const PduView& p, DecodeStats* s) {
  EVC_TRY(Check<Msg::kCrm>(p, s));
  if (p.data[0] != kReady && p.data[0] != kNotReady) {
    return OutOfRange(s);
  }
  Crm m;
  m.recognized = p.data[0] == kReady;
  m.charger_number = Get32(p, 1);
  memcpy(m.region, &p.data[5], sizeof(m.region));
  Decoded(s);
  return m;
}

Result<Brm> DecodeBrm(const PduView& p, DecodeStats* s) {
  EVC_TRY(Check<Msg::kBrm>(p, s));
  const uint8_t type = p.data[3];
  const uint16_t cap = Get16(p, 4);
  const uint16_t volt = Get16(p, 6);
  if (((type < 0x01 || type > 0x08) && type != 0xFF) || cap > kMaxTenthsRaw ||
      volt > kMaxVoltageRaw) {
    return OutOfRange(s);
  }
  Brm m;
  m.version = DecodeVersion(p, 0);
  m.battery_type = static_cast<BatteryType>(type);
  m.rated_capacity_ah = static_cast<float>(cap) * 0.1f;
  m.rated_voltage_v = FromVoltage(volt);
  m.length = p.length;
  // Optional blocks are taken only when the BMS sent them whole; the rest stays default.
  auto have = [&](size_t end) { return p.length >= end; };
  if (have(12))
    memcpy(m.manufacturer, &p.data[8], sizeof(m.manufacturer));
  if (have(16))
    m.pack_serial = Get32(p, 12);
  if (have(19)) {
    m.production_year = p.data[16];
    m.production_month = p.data[17];
    m.production_day = p.data[18];
  }
  if (have(22)) {
    m.charge_cycles = static_cast<uint32_t>(p.data[19]) | (static_cast<uint32_t>(p.data[20]) << 8) |
                      (static_cast<uint32_t>(p.data[21]) << 16);
  }
  if (have(23))
    m.property = p.data[22];
  if (have(41))
    memcpy(m.vin, &p.data[24], sizeof(m.vin));
  if (have(49))
    memcpy(m.software, &p.data[41], sizeof(m.software));
  Decoded(s);
  return m;
}

Result<Bcp> DecodeBcp(const PduView& p, DecodeStats* s) {
  EVC_TRY(Check<Msg::kBcp>(p, s));
  const uint16_t cell = Get16(p, 0), cur = Get16(p, 2), energy = Get16(p, 4);
  const uint16_t vmax = Get16(p, 6), soc = Get16(p, 9), vnow = Get16(p, 11);
  const uint8_t temp = p.data[8];
  if (cell > kMaxCellRaw || cur > kCurrentOffsetRaw || energy > kMaxTenthsRaw ||
      vmax > kMaxVoltageRaw || !TemperatureRawOk(temp) || soc > kMaxSocPermille ||
      vnow > kMaxVoltageRaw) {
    return OutOfRange(s);
  }
  Bcp m;
  m.max_cell_voltage_v = FromCell(cell);
  m.max_current_a = FromCurrent(cur);
  m.nominal_energy_kwh = static_cast<float>(energy) * 0.1f;
  m.max_voltage_v = FromVoltage(vmax);
  m.max_temperature_c = FromTemperature(temp);
  m.soc_percent = static_cast<float>(soc) * 0.1f;
  m.present_voltage_v = FromVoltage(vnow);
  Decoded(s);
  return m;
}

Result<Cts> DecodeCts(const PduView& p, DecodeStats* s) {
  EVC_TRY(Check<Msg::kCts>(p, s));
  Cts m;
  bool all_fill = true;
  for (size_t i = 0; i < 7; ++i) {
    all_fill = all_fill && p.data[i] == kFill;
  }
  if (all_fill) {
    Decoded(s);
    return m;  // valid = false
  }
  for (size_t i = 0; i < 7; ++i) {
    if (!IsBcd(p.data[i])) {
      return OutOfRange(s);
    }
  }
  m.valid = true;
  m.second = FromBcd(p.data[0]);
  m.minute = FromBcd(p.data[1]);
  m.hour = FromBcd(p.data[2]);
  m.day = FromBcd(p.data[3]);
  m.month = FromBcd(p.data[4]);
  m.year = static_cast<uint16_t>(FromBcd(p.data[6]) * 100 + FromBcd(p.data[5]));
  if (m.second > 59 || m.minute > 59 || m.hour > 23 || m.day < 1 || m.day > 31 || m.month < 1 ||
      m.month > 12) {
    return OutOfRange(s);
  }
  Decoded(s);
  return m;
}

Result<Cml> DecodeCml(const PduView& p, DecodeStats* s) {
  EVC_TRY(Check<Msg::kCml>(p, s));
  const uint16_t vmax = Get16(p, 0), vmin = Get16(p, 2), imax = Get16(p, 4);
  // The 2011 edition has no minimum current: 6 bytes mean "0 A".
  const uint16_t imin = p.length >= 8 ? Get16(p, 6) : kCurrentOffsetRaw;
  if (vmax > kMaxVoltageRaw || vmin > vmax || imax > kCurrentOffsetRaw ||
      imin > kCurrentOffsetRaw || imin < imax /* raw is inverted: min current >= max */) {
    return OutOfRange(s);
  }
  Cml m;
  m.max_voltage_v = FromVoltage(vmax);
  m.min_voltage_v = FromVoltage(vmin);
  m.max_current_a = FromCurrent(imax);
  m.min_current_a = FromCurrent(imin);
  Decoded(s);
  return m;
}

Result<Bro> DecodeBro(const PduView& p, DecodeStats* s) {
  EVC_TRY(Check<Msg::kBro>(p, s));
  if (p.data[0] != kReady && p.data[0] != kNotReady) {
    return OutOfRange(s);
  }
  Bro m;
  m.ready = p.data[0] == kReady;
  Decoded(s);
  return m;
}

Result<Cro> DecodeCro(const PduView& p, DecodeStats* s) {
  EVC_TRY(Check<Msg::kCro>(p, s));
  if (p.data[0] != kReady && p.data[0] != kNotReady) {
    return OutOfRange(s);
  }
  Cro m;
  m.ready = p.data[0] == kReady;
  Decoded(s);
  return m;
}

Result<Bcl> DecodeBcl(const PduView& p, DecodeStats* s) {
  EVC_TRY(Check<Msg::kBcl>(p, s));
  const uint16_t v = Get16(p, 0), i = Get16(p, 2);
  const uint8_t mode = p.data[4];
  if (v > kMaxVoltageRaw || i > kCurrentOffsetRaw ||
      (mode != static_cast<uint8_t>(ChargeMode::kConstantVoltage) &&
       mode != static_cast<uint8_t>(ChargeMode::kConstantCurrent))) {
    return OutOfRange(s);
  }
  Bcl m;
  m.voltage_v = FromVoltage(v);
  m.current_a = FromCurrent(i);
  m.mode = static_cast<ChargeMode>(mode);
  Decoded(s);
  return m;
}

Result<Bcs> DecodeBcs(const PduView& p, DecodeStats* s) {
  EVC_TRY(Check<Msg::kBcs>(p, s));
  const uint16_t v = Get16(p, 0), i = Get16(p, 2), cell = Get16(p, 4), t = Get16(p, 7);
  const uint8_t soc = p.data[6];
  if (v > kMaxVoltageRaw || i > kCurrentOffsetRaw || (cell & kCellVoltageMask) > kMaxCellRaw ||
      soc > kMaxSocPercent || t > kMaxMinutes) {
    return OutOfRange(s);
  }
  Bcs m;
  m.measured_voltage_v = FromVoltage(v);
  m.measured_current_a = FromCurrent(i);
  m.max_cell_voltage_v = FromCell(cell & kCellVoltageMask);
  m.max_cell_group = static_cast<uint8_t>(cell >> 12);
  m.soc_percent = soc;
  m.remaining_minutes = t;
  Decoded(s);
  return m;
}

Result<Ccs> DecodeCcs(const PduView& p, DecodeStats* s) {
  EVC_TRY(Check<Msg::kCcs>(p, s));
  const uint16_t v = Get16(p, 0), i = Get16(p, 2), t = Get16(p, 4);
  if (v > kMaxVoltageRaw || i > kCurrentOffsetRaw || t > kMaxMinutes) {
    return OutOfRange(s);
  }
  Ccs m;
  m.voltage_v = FromVoltage(v);
  m.current_a = FromCurrent(i);
  m.charging_minutes = t;
  if (p.length >= 7) {  // 2015 field; a 2011 charger (6 bytes) never pauses
    const Status2 permit = Field2(p.data[6], 0);
    if (permit != Status2::kNormal && permit != Status2::kSet) {
      return OutOfRange(s);
    }
    m.charging_permitted = permit == Status2::kSet;
  }
  Decoded(s);
  return m;
}

Result<Bsm> DecodeBsm(const PduView& p, DecodeStats* s) {
  EVC_TRY(Check<Msg::kBsm>(p, s));
  if (!TemperatureRawOk(p.data[1]) || !TemperatureRawOk(p.data[3])) {
    return OutOfRange(s);
  }
  const Status2 permit = Field2(p.data[6], 4);
  if (permit != Status2::kNormal && permit != Status2::kSet) {
    return OutOfRange(s);
  }
  Bsm m;
  // Cell and sensor numbers use the whole byte: real BMSs send sensor numbers above 128 [W].
  m.max_cell_voltage_number = static_cast<uint16_t>(p.data[0] + 1);
  m.max_temperature_c = FromTemperature(p.data[1]);
  m.max_temperature_point = static_cast<uint16_t>(p.data[2] + 1);
  m.min_temperature_c = FromTemperature(p.data[3]);
  m.min_temperature_point = static_cast<uint16_t>(p.data[4] + 1);
  m.cell_voltage = Field2(p.data[5], 0);
  m.soc = Field2(p.data[5], 2);
  m.over_current = Field2(p.data[5], 4);
  m.over_temperature = Field2(p.data[5], 6);
  m.insulation = Field2(p.data[6], 0);
  m.output_connector = Field2(p.data[6], 2);
  m.charging_permitted = permit == Status2::kSet;
  Decoded(s);
  return m;
}

Result<Flags> DecodeBst(const PduView& p, DecodeStats* s) {
  return DecodeFlags<Msg::kBst>(p, kBstFields, s);
}
Result<Flags> DecodeCst(const PduView& p, DecodeStats* s) {
  return DecodeFlags<Msg::kCst>(p, kCstFields, s);
}
Result<Flags> DecodeBem(const PduView& p, DecodeStats* s) {
  return DecodeFlags<Msg::kBem>(p, kBemFields, s);
}
Result<Flags> DecodeCem(const PduView& p, DecodeStats* s) {
  return DecodeFlags<Msg::kCem>(p, kCemFields, s);
}

Result<Bsd> DecodeBsd(const PduView& p, DecodeStats* s) {
  EVC_TRY(Check<Msg::kBsd>(p, s));
  const uint16_t vmin = Get16(p, 1), vmax = Get16(p, 3);
  if (p.data[0] > kMaxSocPercent || vmin > kMaxCellRaw || vmax > kMaxCellRaw ||
      !TemperatureRawOk(p.data[5]) || !TemperatureRawOk(p.data[6])) {
    return OutOfRange(s);
  }
  Bsd m;
  m.soc_percent = p.data[0];
  m.min_cell_voltage_v = FromCell(vmin);
  m.max_cell_voltage_v = FromCell(vmax);
  m.min_temperature_c = FromTemperature(p.data[5]);
  m.max_temperature_c = FromTemperature(p.data[6]);
  Decoded(s);
  return m;
}

Result<Csd> DecodeCsd(const PduView& p, DecodeStats* s) {
  EVC_TRY(Check<Msg::kCsd>(p, s));
  const uint16_t t = Get16(p, 0), e = Get16(p, 2);
  if (t > kMaxMinutes || e > kMaxTenthsRaw) {
    return OutOfRange(s);
  }
  Csd m;
  m.charging_minutes = t;
  m.energy_kwh = static_cast<float>(e) * 0.1f;
  m.charger_number = Get32(p, 4);
  Decoded(s);
  return m;
}

}  // namespace evc::vehicle::gbt
