#include "evc/power/infy_codec.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace evc::power::infy {
namespace {

constexpr uint8_t kModule = 0x03;
constexpr Address kAddr{kDefaultControllerAddress, kModule, kDeviceSingleModule};

// A reply from our module to our controller, built field by field (not with the codec's encoder
// for the data, so the tests check the byte layout independently).
can::Frame Reply(Command cmd, const uint8_t (&data)[8], uint8_t error_code = 0,
                 uint8_t device = kDeviceSingleModule, uint8_t dst = kDefaultControllerAddress,
                 uint8_t src = kModule) {
  const uint32_t id = (static_cast<uint32_t>(error_code) << 26) |
                      (static_cast<uint32_t>(device) << 22) | (static_cast<uint32_t>(cmd) << 16) |
                      (static_cast<uint32_t>(dst) << 8) | src;
  return can::Frame::Extended(id, data, 8);
}

void FloatBytes(float v, uint8_t* p) {
  uint32_t bits;
  memcpy(&bits, &v, 4);
  p[0] = static_cast<uint8_t>(bits >> 24);
  p[1] = static_cast<uint8_t>(bits >> 16);
  p[2] = static_cast<uint8_t>(bits >> 8);
  p[3] = static_cast<uint8_t>(bits);
}

can::Frame OutputReply(float v, float i) {
  uint8_t d[8];
  FloatBytes(v, d);
  FloatBytes(i, d + 4);
  return Reply(Command::kReadOutput, d);
}

// ---- Ids and requests ---------------------------------------------------------------------

TEST(InfyIdTest, LayoutMatchesTheProtocol) {
  IdFields f;
  f.error_code = 0;
  f.device = 0x0A;
  f.command = 0x03;
  f.destination = 0x01;
  f.source = 0xF0;
  // 0x0A << 22 = 0x02800000, 0x03 << 16 = 0x00030000, 0x01 << 8, 0xF0.
  EXPECT_EQ(EncodeId(f), 0x028301F0u);
  f.error_code = 5;
  f.device = 0x0B;
  f.command = 0x3F;
  f.destination = 0xAB;
  f.source = 0xCD;
  const IdFields g = DecodeId(EncodeId(f));
  EXPECT_EQ(g.error_code, 5);
  EXPECT_EQ(g.device, 0x0B);
  EXPECT_EQ(g.command, 0x3F);
  EXPECT_EQ(g.destination, 0xAB);
  EXPECT_EQ(g.source, 0xCD);
  EXPECT_LE(EncodeId(f), can::kMaxExtendedId);
}

TEST(InfyRequestTest, ReadsAreTheCommandWithEightZeroBytes) {
  Codec codec(kAddr);
  for (Command c : {Command::kReadOutput, Command::kReadStatus, Command::kReadCapability,
                    Command::kReadAfterDiode, Command::kReadBarcode}) {
    const can::Frame f = codec.ReadRequest(c);
    EXPECT_TRUE(f.extended);
    EXPECT_EQ(f.dlc, 8);
    for (uint8_t b : f.data) {
      EXPECT_EQ(b, 0);
    }
    const IdFields id = DecodeId(f.id);
    EXPECT_EQ(id.command, static_cast<uint8_t>(c)) << CommandName(c);
    EXPECT_EQ(id.destination, kModule);
    EXPECT_EQ(id.source, kDefaultControllerAddress);
    EXPECT_EQ(id.device, kDeviceSingleModule);
    EXPECT_EQ(id.error_code, 0);
  }
}

TEST(InfyRequestTest, SetVoltageCurrentIsMillivoltsAndMilliampsBigEndian) {
  Codec codec(kAddr);
  auto r = codec.SetVoltageCurrent(750.5f, 12.345f);
  ASSERT_TRUE(r.ok());
  const can::Frame& f = r.value();
  EXPECT_EQ(DecodeId(f.id).command, 0x1C);
  EXPECT_EQ(f.dlc, 8);
  // 750500 mV = 0x000B73A4, 12345 mA = 0x00003039
  const uint8_t expected[8] = {0x00, 0x0B, 0x73, 0xA4, 0x00, 0x00, 0x30, 0x39};
  EXPECT_EQ(memcmp(f.data, expected, 8), 0);
}

TEST(InfyRequestTest, SetVoltageCurrentRefusesImpossibleValues) {
  Codec codec(kAddr);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(codec.SetVoltageCurrent(nan, 1).status().code(), Errc::kOutOfRange);
  EXPECT_EQ(codec.SetVoltageCurrent(60, inf).status().code(), Errc::kOutOfRange);
  EXPECT_EQ(codec.SetVoltageCurrent(-1, 1).status().code(), Errc::kOutOfRange);
  EXPECT_EQ(codec.SetVoltageCurrent(60, -0.1f).status().code(), Errc::kOutOfRange);
  EXPECT_EQ(codec.SetVoltageCurrent(kMaxPlausibleVoltageV + 1, 1).status().code(),
            Errc::kOutOfRange);
  EXPECT_EQ(codec.SetVoltageCurrent(60, kMaxPlausibleCurrentA + 1).status().code(),
            Errc::kOutOfRange);
  EXPECT_TRUE(codec.SetVoltageCurrent(0, 0).ok());
}

TEST(InfyRequestTest, OnOffByteZero) {
  Codec codec(kAddr);
  const can::Frame on = codec.SetOnOff(true);
  const can::Frame off = codec.SetOnOff(false);
  EXPECT_EQ(DecodeId(on.id).command, 0x1A);
  EXPECT_EQ(on.data[0], 0x00);
  EXPECT_EQ(off.data[0], 0x01);
  for (int i = 1; i < 8; ++i) {
    EXPECT_EQ(on.data[i], 0);
    EXPECT_EQ(off.data[i], 0);
  }
  EXPECT_EQ(on.dlc, 8);
}

// ---- 0x03 output ----------------------------------------------------------------------------

TEST(InfyOutputTest, DecodesFloatsBigEndian) {
  Codec codec(kAddr);
  OutputReading r;
  ASSERT_EQ(codec.DecodeOutput(OutputReply(67.25f, 18.5f), &r), DecodeError::kOk);
  EXPECT_FLOAT_EQ(r.voltage_v, 67.25f);
  EXPECT_FLOAT_EQ(r.current_a, 18.5f);
  EXPECT_EQ(codec.stats().ok, 1u);
}

TEST(InfyOutputTest, AcceptsNoiseJustBelowZero) {
  Codec codec(kAddr);
  OutputReading r;
  EXPECT_EQ(codec.DecodeOutput(OutputReply(0.0f, -0.05f), &r), DecodeError::kOk);
  EXPECT_FLOAT_EQ(r.current_a, -0.05f);
}

TEST(InfyOutputTest, RejectsEveryKindOfBadFrameAndCountsIt) {
  Codec codec(kAddr);
  const OutputReading sentinel{-99.0f, -99.0f};
  OutputReading r = sentinel;
  const can::Frame good = OutputReply(60, 10);

  can::Frame truncated = good;
  truncated.dlc = 7;
  EXPECT_EQ(codec.DecodeOutput(truncated, &r), DecodeError::kWrongLength);
  can::Frame empty = good;
  empty.dlc = 0;
  EXPECT_EQ(codec.DecodeOutput(empty, &r), DecodeError::kWrongLength);

  can::Frame standard = good;
  standard.extended = false;
  standard.id = 0x123;
  EXPECT_EQ(codec.DecodeOutput(standard, &r), DecodeError::kNotExtended);

  uint8_t d[8];
  memcpy(d, good.data, 8);
  EXPECT_EQ(codec.DecodeOutput(Reply(Command::kReadStatus, d), &r), DecodeError::kWrongCommand);
  EXPECT_EQ(codec.DecodeOutput(Reply(Command::kReadOutput, d, 0, kDeviceSingleModule, 0xF1), &r),
            DecodeError::kWrongAddress);
  EXPECT_EQ(codec.DecodeOutput(Reply(Command::kReadOutput, d, 0, kDeviceSingleModule,
                                     kDefaultControllerAddress, kModule + 1),
                               &r),
            DecodeError::kWrongAddress);
  EXPECT_EQ(codec.DecodeOutput(Reply(Command::kReadOutput, d, 0, kDeviceGroup), &r),
            DecodeError::kWrongDevice);
  EXPECT_EQ(codec.DecodeOutput(Reply(Command::kReadOutput, d, 2), &r), DecodeError::kDeviceError);

  EXPECT_EQ(codec.DecodeOutput(OutputReply(std::nanf(""), 1), &r), DecodeError::kOutOfRange);
  EXPECT_EQ(codec.DecodeOutput(OutputReply(60, std::numeric_limits<float>::infinity()), &r),
            DecodeError::kOutOfRange);
  EXPECT_EQ(codec.DecodeOutput(OutputReply(-5, 1), &r), DecodeError::kOutOfRange);
  EXPECT_EQ(codec.DecodeOutput(OutputReply(60, -3), &r), DecodeError::kOutOfRange);
  EXPECT_EQ(codec.DecodeOutput(OutputReply(kMaxPlausibleVoltageV * 2, 1), &r),
            DecodeError::kOutOfRange);
  EXPECT_EQ(codec.DecodeOutput(OutputReply(60, kMaxPlausibleCurrentA * 2), &r),
            DecodeError::kOutOfRange);

  // Nothing leaked into the output, everything counted by kind.
  EXPECT_EQ(r.voltage_v, sentinel.voltage_v);
  EXPECT_EQ(r.current_a, sentinel.current_a);
  const DecodeStats& s = codec.stats();
  EXPECT_EQ(s.ok, 0u);
  EXPECT_EQ(s.Count(DecodeError::kWrongLength), 2u);
  EXPECT_EQ(s.Count(DecodeError::kNotExtended), 1u);
  EXPECT_EQ(s.Count(DecodeError::kWrongCommand), 1u);
  EXPECT_EQ(s.Count(DecodeError::kWrongAddress), 2u);
  EXPECT_EQ(s.Count(DecodeError::kWrongDevice), 1u);
  EXPECT_EQ(s.Count(DecodeError::kDeviceError), 1u);
  EXPECT_EQ(s.Count(DecodeError::kOutOfRange), 6u);
  EXPECT_EQ(s.TotalErrors(), 14u);
}

// ---- 0x04 status ----------------------------------------------------------------------------

TEST(InfyStatusTest, AllZeroIsHealthy) {
  Codec codec(kAddr);
  StatusFlags s;
  s.fan_fault = true;  // overwritten by the decode
  ASSERT_EQ(codec.DecodeStatus(Reply(Command::kReadStatus, {0, 0, 0, 0, 0, 0, 0, 0}), &s),
            DecodeError::kOk);
  EXPECT_FALSE(s.fan_fault);
  EXPECT_FALSE(s.Families().Any());
}

struct BitCase {
  int byte;
  int bit;
  bool StatusFlags::*flag;
  bool FaultFamilies::*family;  // nullptr: informational, not a fault
};

TEST(InfyStatusTest, EachDocumentedBitSetsItsFlagAndFamily) {
  const BitCase cases[] = {
      {7, 0, &StatusFlags::output_short, &FaultFamilies::output},
      {7, 4, &StatusFlags::sleeping, nullptr},
      {7, 5, &StatusFlags::discharge_abnormal, &FaultFamilies::output},
      {6, 0, &StatusFlags::dc_side_off, nullptr},
      {6, 1, &StatusFlags::fault_alarm, &FaultFamilies::internal},
      {6, 2, &StatusFlags::protection_alarm, &FaultFamilies::internal},
      {6, 3, &StatusFlags::fan_fault, &FaultFamilies::thermal},
      {6, 4, &StatusFlags::over_temperature, &FaultFamilies::thermal},
      {6, 5, &StatusFlags::output_over_voltage, &FaultFamilies::output},
      {6, 6, &StatusFlags::walk_in_enabled, nullptr},
      {6, 7, &StatusFlags::comm_interrupt, &FaultFamilies::communication},
      {5, 0, &StatusFlags::power_limited, nullptr},
      {5, 1, &StatusFlags::id_repeat, &FaultFamilies::communication},
      {5, 2, &StatusFlags::load_sharing_alarm, &FaultFamilies::communication},
      {5, 3, &StatusFlags::input_phase_lost, &FaultFamilies::input},
      {5, 4, &StatusFlags::input_unbalanced, &FaultFamilies::input},
      {5, 5, &StatusFlags::input_under_voltage, &FaultFamilies::input},
      {5, 6, &StatusFlags::input_over_voltage, &FaultFamilies::input},
      {5, 7, &StatusFlags::pfc_side_off, &FaultFamilies::input},
  };
  Codec codec(kAddr);
  for (const BitCase& c : cases) {
    uint8_t d[8] = {};
    d[c.byte] = static_cast<uint8_t>(1u << c.bit);
    StatusFlags s;
    ASSERT_EQ(codec.DecodeStatus(Reply(Command::kReadStatus, d), &s), DecodeError::kOk);
    SCOPED_TRACE(::testing::Message() << "byte " << c.byte << " bit " << c.bit);
    EXPECT_TRUE(s.*c.flag);
    // Exactly one flag set: compare with a struct that has only that flag.
    StatusFlags only;
    only.*c.flag = true;
    EXPECT_EQ(memcmp(&s, &only, sizeof s), 0);
    const FaultFamilies fam = s.Families();
    if (c.family == nullptr) {
      EXPECT_FALSE(fam.Any());
    } else {
      EXPECT_TRUE(fam.*c.family);
      FaultFamilies one;
      one.*c.family = true;
      EXPECT_EQ(memcmp(&fam, &one, sizeof fam), 0);
    }
    // The simulator's encoder writes the same byte back.
    uint8_t s2, s1, s0;
    EncodeStatusBytes(s, &s2, &s1, &s0);
    EXPECT_EQ(s2, d[5]);
    EXPECT_EQ(s1, d[6]);
    EXPECT_EQ(s0, d[7]);
  }
}

TEST(InfyStatusTest, UndocumentedBytesAreIgnored) {
  Codec codec(kAddr);
  StatusFlags s;
  ASSERT_EQ(codec.DecodeStatus(Reply(Command::kReadStatus, {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0,
                                                            0x4E}),  // status0 bits 1,2,3,6
                               &s),
            DecodeError::kOk);
  EXPECT_FALSE(s.Families().Any());
  EXPECT_FALSE(s.output_short);
}

TEST(InfyStatusTest, RejectsTruncatedAndForeignFrames) {
  Codec codec(kAddr);
  StatusFlags s;
  can::Frame f = Reply(Command::kReadStatus, {0, 0, 0, 0, 0, 0, 0x10, 0});
  f.dlc = 6;  // cut before status1
  EXPECT_EQ(codec.DecodeStatus(f, &s), DecodeError::kWrongLength);
  EXPECT_FALSE(s.over_temperature);
  EXPECT_EQ(codec.DecodeStatus(OutputReply(1, 1), &s), DecodeError::kWrongCommand);
  EXPECT_EQ(codec.DecodeStatus(Reply(Command::kReadStatus, {0, 0, 0, 0, 0, 0, 0x10, 0}, 1), &s),
            DecodeError::kDeviceError);
  EXPECT_FALSE(s.over_temperature);
  EXPECT_EQ(codec.stats().TotalErrors(), 3u);
}

// ---- 0x0A capability ------------------------------------------------------------------------

TEST(InfyCapabilityTest, DecodesScaledFields) {
  Codec codec(kAddr);
  Capability c;
  // max 750 V (0x02EE), min 50 V (0x0032), max 40.0 A (400 = 0x0190), 30 kW (3000 = 0x0BB8)
  ASSERT_EQ(
      codec.DecodeCapability(
          Reply(Command::kReadCapability, {0x02, 0xEE, 0x00, 0x32, 0x01, 0x90, 0x0B, 0xB8}), &c),
      DecodeError::kOk);
  EXPECT_FLOAT_EQ(c.max_voltage_v, 750.0f);
  EXPECT_FLOAT_EQ(c.min_voltage_v, 50.0f);
  EXPECT_FLOAT_EQ(c.max_current_a, 40.0f);
  EXPECT_FLOAT_EQ(c.rated_power_w, 30000.0f);
}

TEST(InfyCapabilityTest, RejectsImpossibleRanges) {
  Codec codec(kAddr);
  Capability c;
  c.max_voltage_v = 1;
  const uint8_t cases[][8] = {
      {0x00, 0x32, 0x02, 0xEE, 0x01, 0x90, 0x0B, 0xB8},  // min > max
      {0x00, 0x00, 0x00, 0x00, 0x01, 0x90, 0x0B, 0xB8},  // max voltage 0
      {0x02, 0xEE, 0x00, 0x32, 0x00, 0x00, 0x0B, 0xB8},  // max current 0
      {0x02, 0xEE, 0x00, 0x32, 0x01, 0x90, 0x00, 0x00},  // rated power 0
      {0xFF, 0xFF, 0x00, 0x32, 0x01, 0x90, 0x0B, 0xB8},  // 65535 V
      {0x02, 0xEE, 0x00, 0x32, 0xFF, 0xFF, 0x0B, 0xB8},  // 6553.5 A
  };
  for (const auto& d : cases) {
    EXPECT_EQ(codec.DecodeCapability(Reply(Command::kReadCapability, d), &c),
              DecodeError::kOutOfRange);
  }
  EXPECT_FLOAT_EQ(c.max_voltage_v, 1.0f);
  EXPECT_EQ(codec.stats().Count(DecodeError::kOutOfRange), 6u);
  can::Frame truncated =
      Reply(Command::kReadCapability, {0x02, 0xEE, 0x00, 0x32, 0x01, 0x90, 0x0B, 0xB8});
  truncated.dlc = 4;
  EXPECT_EQ(codec.DecodeCapability(truncated, &c), DecodeError::kWrongLength);
}

// ---- 0x0C after diode, 0x02 count, 0x0B barcode, write acks --------------------------------

TEST(InfyAfterDiodeTest, DecodesTenths) {
  Codec codec(kAddr);
  AfterDiodeReading r;
  // 672.5 V = 6725 = 0x1A45, 12.3 A = 123 = 0x007B
  ASSERT_EQ(codec.DecodeAfterDiode(
                Reply(Command::kReadAfterDiode, {0x1A, 0x45, 0x00, 0x7B, 0, 0, 0, 0}), &r),
            DecodeError::kOk);
  EXPECT_NEAR(r.voltage_v, 672.5f, 1e-3);
  EXPECT_NEAR(r.available_current_a, 12.3f, 1e-3);
  EXPECT_EQ(codec.DecodeAfterDiode(
                Reply(Command::kReadAfterDiode, {0xFF, 0xFF, 0x00, 0x7B, 0, 0, 0, 0}), &r),
            DecodeError::kOutOfRange);
  EXPECT_NEAR(r.voltage_v, 672.5f, 1e-3);
}

TEST(InfyModuleCountTest, CountMustBeOneToSixty) {
  Codec codec(Address{kDefaultControllerAddress, 1, kDeviceGroup});
  uint8_t n = 0;
  EXPECT_EQ(codec.DecodeModuleCount(Reply(Command::kReadModuleCount, {0, 0, 3, 0, 0, 0, 0, 0}, 0,
                                          kDeviceGroup, kDefaultControllerAddress, 1),
                                    &n),
            DecodeError::kOk);
  EXPECT_EQ(n, 3);
  EXPECT_EQ(codec.DecodeModuleCount(Reply(Command::kReadModuleCount, {0, 0, 0, 0, 0, 0, 0, 0}, 0,
                                          kDeviceGroup, kDefaultControllerAddress, 1),
                                    &n),
            DecodeError::kOutOfRange);
  EXPECT_EQ(codec.DecodeModuleCount(Reply(Command::kReadModuleCount, {0, 0, 61, 0, 0, 0, 0, 0}, 0,
                                          kDeviceGroup, kDefaultControllerAddress, 1),
                                    &n),
            DecodeError::kOutOfRange);
  // A single-module reply is the wrong device for a group codec.
  EXPECT_EQ(codec.DecodeModuleCount(Reply(Command::kReadModuleCount, {0, 0, 3, 0, 0, 0, 0, 0}, 0,
                                          kDeviceSingleModule, kDefaultControllerAddress, 1),
                                    &n),
            DecodeError::kWrongDevice);
  EXPECT_EQ(n, 3);
}

TEST(InfyBarcodeTest, KeepsTheRawBytes) {
  Codec codec(kAddr);
  Barcode b;
  ASSERT_EQ(codec.DecodeBarcode(Reply(Command::kReadBarcode, {0x56, 1, 2, 3, 4, 5, 6, 7}), &b),
            DecodeError::kOk);
  EXPECT_EQ(b.raw[0], 0x56);
  EXPECT_EQ(b.raw[7], 7);
  can::Frame f = Reply(Command::kReadBarcode, {0x56, 1, 2, 3, 4, 5, 6, 7});
  f.dlc = 5;
  EXPECT_EQ(codec.DecodeBarcode(f, &b), DecodeError::kWrongLength);
}

TEST(InfyWriteAckTest, HeaderChecksOnly) {
  Codec codec(kAddr);
  EXPECT_EQ(
      codec.DecodeWriteAck(Reply(Command::kSetOnOff, {0, 0, 0, 0, 0, 0, 0, 0}), Command::kSetOnOff),
      DecodeError::kOk);
  EXPECT_EQ(codec.DecodeWriteAck(Reply(Command::kSetOnOff, {0, 0, 0, 0, 0, 0, 0, 0}),
                                 Command::kSetVoltageCurrent),
            DecodeError::kWrongCommand);
  EXPECT_EQ(codec.DecodeWriteAck(Reply(Command::kReadStatus, {0, 0, 0, 0, 0, 0, 0, 0}),
                                 Command::kReadStatus),
            DecodeError::kWrongCommand);
  EXPECT_EQ(codec.DecodeWriteAck(Reply(Command::kSetOnOff, {0, 0, 0, 0, 0, 0, 0, 0}, 3),
                                 Command::kSetOnOff),
            DecodeError::kDeviceError);
}

// ---- Classify, filter, corruption -----------------------------------------------------------

TEST(InfyClassifyTest, ReportsTheCommandOfAWellAddressedReply) {
  Codec codec(kAddr);
  uint8_t cmd = 0;
  EXPECT_EQ(codec.Classify(OutputReply(1, 1), &cmd), DecodeError::kOk);
  EXPECT_EQ(cmd, 0x03);
  // Our own request (destination = module) is not a reply to us.
  EXPECT_EQ(codec.Classify(codec.ReadRequest(Command::kReadStatus), &cmd),
            DecodeError::kWrongAddress);
  EXPECT_EQ(codec.stats().TotalErrors(), 0u);  // Classify does not count
}

TEST(InfyFilterTest, MatchesRepliesToUsOnly) {
  const can::IdFilter filter = ReplyFilter(kAddr);
  EXPECT_TRUE(filter.Matches(OutputReply(1, 1)));
  EXPECT_TRUE(
      filter.Matches(Reply(Command::kReadModuleCount, {0, 0, 1, 0, 0, 0, 0, 0}, 0, kDeviceGroup)));
  Codec codec(kAddr);
  EXPECT_FALSE(filter.Matches(codec.ReadRequest(Command::kReadOutput)));  // to the module
  const uint8_t d[8] = {};
  EXPECT_FALSE(filter.Matches(can::Frame::Extended(0x182756F4, d, 8)));  // GB/T BMS -> charger
  can::Frame standard;
  standard.id = 0x0F0;
  EXPECT_FALSE(filter.Matches(standard));
}

// Bit flips anywhere in id, length or payload never crash a decoder and always land in the
// statistics: either rejected with a reason, or accepted with plausible values.
TEST(InfyCorruptionTest, EveryCorruptedFrameIsDecodedOrCountedNeverBoth) {
  Codec codec(kAddr);
  uint32_t lcg = 12345;
  auto next = [&lcg] {
    lcg = lcg * 1103515245u + 12345u;
    return lcg >> 8;
  };
  const can::Frame bases[] = {
      OutputReply(60, 10),
      Reply(Command::kReadStatus, {0, 0, 0, 0, 0, 0, 0, 0}),
      Reply(Command::kReadCapability, {0x02, 0xEE, 0x00, 0x32, 0x01, 0x90, 0x0B, 0xB8}),
      Reply(Command::kReadAfterDiode, {0x1A, 0x45, 0x00, 0x7B, 0, 0, 0, 0}),
  };
  uint32_t calls = 0;
  for (int n = 0; n < 4000; ++n) {
    can::Frame f = bases[n % 4];
    const uint32_t where = next() % 80;  // 64 payload bits + 16 id bits
    if (where < 64) {
      f.data[where / 8] ^= static_cast<uint8_t>(1u << (where % 8));
    } else {
      f.id ^= 1u << (where - 64 + 8);  // id bits 8..23: destination, command, device
    }
    if (next() % 8 == 0) {
      f.dlc = static_cast<uint8_t>(next() % 9);
    }
    OutputReading o;
    StatusFlags s;
    Capability c;
    AfterDiodeReading a;
    DecodeError e;
    switch (n % 4) {
      case 0:
        e = codec.DecodeOutput(f, &o);
        if (e == DecodeError::kOk) {
          EXPECT_TRUE(std::isfinite(o.voltage_v) && o.voltage_v <= kMaxPlausibleVoltageV);
          EXPECT_TRUE(std::isfinite(o.current_a) && o.current_a <= kMaxPlausibleCurrentA);
        }
        break;
      case 1:
        e = codec.DecodeStatus(f, &s);
        break;
      case 2:
        e = codec.DecodeCapability(f, &c);
        if (e == DecodeError::kOk) {
          EXPECT_LE(c.min_voltage_v, c.max_voltage_v);
          EXPECT_GT(c.max_current_a, 0);
        }
        break;
      default:
        e = codec.DecodeAfterDiode(f, &a);
        break;
    }
    if (f.dlc != 8) {
      EXPECT_EQ(e, DecodeError::kWrongLength);
    }
    ++calls;
  }
  EXPECT_EQ(codec.stats().ok + codec.stats().TotalErrors(), calls);
  EXPECT_GT(codec.stats().TotalErrors(), 0u);
  EXPECT_GT(codec.stats().ok, 0u);
}

TEST(InfyNamesTest, EveryErrorHasAName) {
  for (size_t i = 0; i < static_cast<size_t>(DecodeError::kCount); ++i) {
    EXPECT_STRNE(DecodeErrorName(static_cast<DecodeError>(i)), "unknown");
  }
  EXPECT_STREQ(CommandName(Command::kSetOnOff), "set-on-off");
}

}  // namespace
}  // namespace evc::power::infy
