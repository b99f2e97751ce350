#include "evc/vehicle/gbt_messages.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "evc/testing/fake_can_bus.hpp"

namespace evc::vehicle::gbt {
namespace {

Pdu Raw(Msg m, std::vector<uint8_t> bytes) {
  const MessageSpec& s = Spec(m);
  Pdu p;
  p.pgn = s.pgn;
  p.source = s.direction == Direction::kBmsToCharger ? kBmsAddress : kChargerAddress;
  p.destination = s.direction == Direction::kBmsToCharger ? kChargerAddress : kBmsAddress;
  p.length = static_cast<uint8_t>(bytes.size());
  memcpy(p.data, bytes.data(), bytes.size());
  return p;
}

// ---- the table ------------------------------------------------------------------------------

TEST(GbtSpec, MatchesTheReferenceTable) {
  struct Row {
    Msg m;
    uint32_t pgn;
    uint8_t prio;
    uint32_t period;
    Direction dir;
  };
  // Reference §4.4 (PGN, priority, period, direction).
  const Row rows[] = {
      {Msg::kChm, 9728, 6, 250, Direction::kChargerToBms},
      {Msg::kBhm, 9984, 6, 250, Direction::kBmsToCharger},
      {Msg::kCrm, 256, 6, 250, Direction::kChargerToBms},
      {Msg::kBrm, 512, 7, 250, Direction::kBmsToCharger},
      {Msg::kBcp, 1536, 7, 500, Direction::kBmsToCharger},
      {Msg::kCts, 1792, 6, 500, Direction::kChargerToBms},
      {Msg::kCml, 2048, 6, 250, Direction::kChargerToBms},
      {Msg::kBro, 2304, 4, 250, Direction::kBmsToCharger},
      {Msg::kCro, 2560, 4, 250, Direction::kChargerToBms},
      {Msg::kBcl, 4096, 6, 50, Direction::kBmsToCharger},
      {Msg::kBcs, 4352, 7, 250, Direction::kBmsToCharger},
      {Msg::kCcs, 4608, 6, 50, Direction::kChargerToBms},
      {Msg::kBsm, 4864, 6, 250, Direction::kBmsToCharger},
      {Msg::kBst, 6400, 4, 10, Direction::kBmsToCharger},
      {Msg::kCst, 6656, 4, 10, Direction::kChargerToBms},
      {Msg::kBsd, 7168, 6, 250, Direction::kBmsToCharger},
      {Msg::kCsd, 7424, 6, 250, Direction::kChargerToBms},
      {Msg::kBem, 7680, 2, 250, Direction::kBmsToCharger},
      {Msg::kCem, 7936, 2, 250, Direction::kChargerToBms},
  };
  for (const auto& r : rows) {
    const MessageSpec& s = Spec(r.m);
    EXPECT_EQ(s.msg, r.m) << s.name;
    EXPECT_EQ(s.pgn, r.pgn) << s.name;
    EXPECT_EQ(s.priority, r.prio) << s.name;
    EXPECT_EQ(s.period_ms, r.period) << s.name;
    EXPECT_EQ(s.direction, r.dir) << s.name;
    EXPECT_EQ(FindSpec(r.pgn), &s) << s.name;
  }
  EXPECT_EQ(FindSpec(kPgnBmv), nullptr);
}

// What FindSpec answered when it searched the table entry by entry.
const MessageSpec* LinearFindSpec(uint32_t pgn) {
  for (size_t i = 0; i < static_cast<size_t>(Msg::kCount); ++i) {
    if (Spec(static_cast<Msg>(i)).pgn == pgn) {
      return &Spec(static_cast<Msg>(i));
    }
  }
  return nullptr;
}

TEST(GbtSpec, PduFormatIndexFindsExactlyWhatALinearSearchFinds) {
  static_assert(FindSpec(0x1000) == &Spec(Msg::kBcl), "the index is usable at compile time");
  size_t found = 0;
  for (uint32_t pf = 0; pf < 256; ++pf) {
    // The GB/T form (DP 0, low byte 0) and the PGNs that share its PF but are not GB/T ones:
    // a PDU2 group extension / low byte, the data page bit, bits beyond the 18-bit PGN.
    const uint32_t pgns[] = {pf << 8,
                             (pf << 8) | 0x01,
                             (pf << 8) | 0xFF,
                             (1u << 16) | (pf << 8),
                             (2u << 16) | (pf << 8),
                             (1u << 24) | (pf << 8)};
    for (uint32_t pgn : pgns) {
      EXPECT_EQ(FindSpec(pgn), LinearFindSpec(pgn)) << std::hex << pgn;
      if (FindSpec(pgn) != nullptr) {
        ++found;
        EXPECT_EQ(FindSpec(pgn)->pgn, pgn);
      }
    }
  }
  EXPECT_EQ(found, static_cast<size_t>(Msg::kCount));  // each message once, by its own PGN
  EXPECT_EQ(FindSpec(j1939::kPgnTpCm), nullptr);
  EXPECT_EQ(FindSpec(j1939::kPgnTpDt), nullptr);
  EXPECT_EQ(FindSpec(0xFFFFFFFF), nullptr);
}

// ---- checks every decoder makes ---------------------------------------------------------------

struct Case {
  Msg msg;
  Pdu valid;
  std::function<Status(const Pdu&, DecodeStats*)> decode;
};

template <typename T>
std::function<Status(const Pdu&, DecodeStats*)> Wrap(Result<T> (*f)(const PduView&, DecodeStats*)) {
  return [f](const Pdu& p, DecodeStats* s) { return f(p, s).status(); };
}

std::vector<Case> AllCases() {
  std::vector<Case> c;
  c.push_back({Msg::kChm, *EncodeChm(Chm{}), Wrap(DecodeChm)});
  c.push_back({Msg::kBhm, *EncodeBhm(Bhm{72.0f}), Wrap(DecodeBhm)});
  c.push_back({Msg::kCrm, *EncodeCrm(Crm{}), Wrap(DecodeCrm)});
  Brm brm;
  brm.battery_type = BatteryType::kLiFePo4;
  brm.rated_capacity_ah = 100;
  brm.rated_voltage_v = 51.2f;
  c.push_back({Msg::kBrm, *EncodeBrm(brm), Wrap(DecodeBrm)});
  c.push_back({Msg::kBcp, *EncodeBcp(Bcp{3.65f, 50, 5.1f, 58.4f, 55, 40, 52}), Wrap(DecodeBcp)});
  c.push_back({Msg::kCts, *EncodeCts(Cts{}), Wrap(DecodeCts)});
  c.push_back({Msg::kCml, *EncodeCml(Cml{100, 20, 50, 0}), Wrap(DecodeCml)});
  c.push_back({Msg::kBro, *EncodeBro(Bro{true}), Wrap(DecodeBro)});
  c.push_back({Msg::kCro, *EncodeCro(Cro{true}), Wrap(DecodeCro)});
  c.push_back(
      {Msg::kBcl, *EncodeBcl(Bcl{58.4f, 30, ChargeMode::kConstantCurrent}), Wrap(DecodeBcl)});
  c.push_back({Msg::kBcs, *EncodeBcs(Bcs{55, 30, 3.4f, 2, 60, 45}), Wrap(DecodeBcs)});
  c.push_back({Msg::kCcs, *EncodeCcs(Ccs{55, 30, 12, true}), Wrap(DecodeCcs)});
  c.push_back({Msg::kBsm, *EncodeBsm(Bsm{}), Wrap(DecodeBsm)});
  c.push_back({Msg::kBst, *EncodeBst(Flags{bst::kSocTargetReached, 0}), Wrap(DecodeBst)});
  c.push_back({Msg::kCst, *EncodeCst(Flags{cst::kManualStop, 0}), Wrap(DecodeCst)});
  c.push_back({Msg::kBsd, *EncodeBsd(Bsd{98, 3.3f, 3.5f, 20, 30}), Wrap(DecodeBsd)});
  c.push_back({Msg::kCsd, *EncodeCsd(Csd{40, 2.5f, 7}), Wrap(DecodeCsd)});
  c.push_back({Msg::kBem, *EncodeBem(Flags{bem::kCcs, 0}), Wrap(DecodeBem)});
  c.push_back({Msg::kCem, *EncodeCem(Flags{cem::kBcl, 0}), Wrap(DecodeCem)});
  return c;
}

TEST(GbtDecode, EveryMessageRoundTripsAndIsCounted) {
  const auto cases = AllCases();
  ASSERT_EQ(cases.size(), static_cast<size_t>(Msg::kCount));
  DecodeStats stats;
  for (const auto& c : cases) {
    EXPECT_EQ(c.valid.length, Spec(c.msg).length) << Spec(c.msg).name;
    EXPECT_TRUE(c.decode(c.valid, &stats).ok()) << Spec(c.msg).name;
  }
  EXPECT_EQ(stats.decoded, cases.size());
  EXPECT_EQ(stats.Errors(), 0u);
}

TEST(GbtDecode, EveryDecoderRejectsTruncatedPayloads) {
  for (const auto& c : AllCases()) {
    Pdu p = c.valid;
    p.length = static_cast<uint8_t>(Spec(c.msg).min_length - 1);
    DecodeStats stats;
    EXPECT_EQ(c.decode(p, &stats), Status(Errc::kInvalidArgument)) << Spec(c.msg).name;
    EXPECT_EQ(stats.wrong_length, 1u) << Spec(c.msg).name;
    EXPECT_EQ(stats.decoded, 0u);
  }
}

TEST(GbtDecode, EveryDecoderRejectsOverlongPayloads) {
  for (const auto& c : AllCases()) {
    Pdu p = c.valid;
    const uint8_t max = Spec(c.msg).length > 8 ? Spec(c.msg).length : 8;
    p.length = static_cast<uint8_t>(max + 1);
    DecodeStats stats;
    EXPECT_FALSE(c.decode(p, &stats).ok()) << Spec(c.msg).name;
    EXPECT_EQ(stats.wrong_length, 1u) << Spec(c.msg).name;
  }
}

TEST(GbtDecode, SingleFrameMessagesMayBePaddedToEightBytes) {
  // Real BMSs send BCL/BST/BSM with DLC 8 (e.g. "0x181056f4 98 0d 10 0e 01 00 00 00").
  for (const auto& c : AllCases()) {
    if (Spec(c.msg).length >= 8) {
      continue;
    }
    Pdu p = c.valid;
    p.length = 8;
    EXPECT_TRUE(c.decode(p, nullptr).ok()) << Spec(c.msg).name;
  }
}

TEST(GbtDecode, EveryDecoderRejectsAnotherPgn) {
  for (const auto& c : AllCases()) {
    Pdu p = c.valid;
    p.pgn = (c.msg == Msg::kBcl) ? Spec(Msg::kBcs).pgn : Spec(Msg::kBcl).pgn;
    DecodeStats stats;
    EXPECT_FALSE(c.decode(p, &stats).ok()) << Spec(c.msg).name;
    EXPECT_EQ(stats.wrong_pgn, 1u) << Spec(c.msg).name;
  }
}

TEST(GbtDecode, EveryDecoderRejectsWrongAddresses) {
  for (const auto& c : AllCases()) {
    DecodeStats stats;
    Pdu p = c.valid;
    p.source = 0x10;  // a third node
    EXPECT_FALSE(c.decode(p, &stats).ok()) << Spec(c.msg).name;
    p = c.valid;
    std::swap(p.source, p.destination);  // the message in the wrong direction
    EXPECT_FALSE(c.decode(p, &stats).ok()) << Spec(c.msg).name;
    p = c.valid;
    p.destination = 0x10;
    EXPECT_FALSE(c.decode(p, &stats).ok()) << Spec(c.msg).name;
    EXPECT_EQ(stats.wrong_address, 3u) << Spec(c.msg).name;
    p = c.valid;
    p.destination = j1939::kGlobalAddress;  // broadcast (BAM) is accepted
    EXPECT_TRUE(c.decode(p, nullptr).ok()) << Spec(c.msg).name;
  }
}

// ---- per message ------------------------------------------------------------------------------

TEST(GbtChm, VersionOneOneIsSentAs010100) {
  Pdu p = *EncodeChm(Chm{});
  EXPECT_EQ(p.data[0], 0x01);
  EXPECT_EQ(p.data[1], 0x01);
  EXPECT_EQ(p.data[2], 0x00);
  Chm m = *DecodeChm(Raw(Msg::kChm, {0x02, 0x03, 0x00}));
  EXPECT_EQ(m.version.major, 3);
  EXPECT_EQ(m.version.minor, 2);
}

TEST(GbtBhm, VoltageAndRange) {
  Bhm m = *DecodeBhm(Raw(Msg::kBhm, {0xD0, 0x02}));  // 720 x 0.1 V
  EXPECT_FLOAT_EQ(m.max_charge_voltage_v, 72.0f);
  DecodeStats s;
  EXPECT_EQ(DecodeBhm(Raw(Msg::kBhm, {0x4D, 0x1D}), &s).status(), Status(Errc::kOutOfRange));
  EXPECT_EQ(s.out_of_range, 1u);  // 7501 x 0.1 V > 750 V
  EXPECT_EQ(EncodeBhm(Bhm{750.1f}).status(), Status(Errc::kOutOfRange));
  EXPECT_EQ(EncodeBhm(Bhm{-1}).status(), Status(Errc::kOutOfRange));
  EXPECT_EQ(EncodeBhm(Bhm{std::numeric_limits<float>::quiet_NaN()}).status(),
            Status(Errc::kOutOfRange));
}

TEST(GbtCrm, RecognitionByteAndChargerNumber) {
  Crm in;
  in.recognized = true;
  in.charger_number = 0x12345678;
  Pdu p = *EncodeCrm(in);
  EXPECT_EQ(p.data[0], 0xAA);
  EXPECT_EQ(p.data[1], 0x78);
  Crm out = *DecodeCrm(p);
  EXPECT_TRUE(out.recognized);
  EXPECT_EQ(out.charger_number, 0x12345678u);
  p.data[0] = 0x55;
  DecodeStats s;
  EXPECT_FALSE(DecodeCrm(p, &s).ok());
  EXPECT_EQ(s.out_of_range, 1u);
}

TEST(GbtBrm, DecodesThe2015LayoutAndShortForms) {
  Brm in;
  in.battery_type = BatteryType::kTernary;
  in.rated_capacity_ah = 70;
  in.rated_voltage_v = 305.8f;
  in.charge_cycles = 0x010203;
  memcpy(in.vin, "LGBH52E08HY123456", 17);
  Pdu p = *EncodeBrm(in);
  ASSERT_EQ(p.length, 49);
  Brm out = *DecodeBrm(p);
  EXPECT_EQ(out.battery_type, BatteryType::kTernary);
  EXPECT_NEAR(out.rated_capacity_ah, 70.0f, 0.01f);
  EXPECT_NEAR(out.rated_voltage_v, 305.8f, 0.01f);
  EXPECT_EQ(out.charge_cycles, 0x010203u);
  EXPECT_EQ(memcmp(out.vin, "LGBH52E08HY123456", 17), 0);
  // Bytes seen on a real bus [W]: V1.1, ternary, 70.0 Ah, 305.8 V, 41 bytes (2011 edition).
  std::vector<uint8_t> b = {0x01, 0x01, 0x00, 0x06, 0xBC, 0x02, 0xF2, 0x0B};
  b.resize(41, 0xFF);
  out = *DecodeBrm(Raw(Msg::kBrm, b));
  EXPECT_EQ(out.length, 41);
  EXPECT_NEAR(out.rated_capacity_ah, 70.0f, 0.01f);
  EXPECT_NEAR(out.rated_voltage_v, 305.8f, 0.01f);
  // Mandatory part only.
  EXPECT_TRUE(DecodeBrm(Raw(Msg::kBrm, {0x01, 0x01, 0x00, 0x03, 0, 0, 0, 0})).ok());
}

TEST(GbtBrm, RejectsUnknownBatteryTypeAndRanges) {
  DecodeStats s;
  EXPECT_FALSE(DecodeBrm(Raw(Msg::kBrm, {1, 1, 0, 0x09, 0, 0, 0, 0}), &s).ok());
  EXPECT_FALSE(DecodeBrm(Raw(Msg::kBrm, {1, 1, 0, 0x00, 0, 0, 0, 0}), &s).ok());
  EXPECT_FALSE(DecodeBrm(Raw(Msg::kBrm, {1, 1, 0, 0x03, 0x11, 0x27, 0, 0}), &s).ok());  // 1000.1 Ah
  EXPECT_FALSE(DecodeBrm(Raw(Msg::kBrm, {1, 1, 0, 0x03, 0, 0, 0x4D, 0x1D}), &s).ok());  // 750.1 V
  EXPECT_EQ(s.out_of_range, 4u);
  Brm bad;
  bad.battery_type = static_cast<BatteryType>(0x20);
  EXPECT_EQ(EncodeBrm(bad).status(), Status(Errc::kInvalidArgument));
  Brm cycles;
  cycles.charge_cycles = 0x1000000;
  EXPECT_EQ(EncodeBrm(cycles).status(), Status(Errc::kOutOfRange));
}

TEST(GbtBcp, DecodesBytesSeenOnARealBus) {
  // [W]: 4.03 V cell, 90 A (raw 3100), 22.3 kWh, 338.0 V, 0x62, SoC 100.0 %, 351.2 V.
  Bcp m = *DecodeBcp(Raw(
      Msg::kBcp, {0x93, 0x01, 0x1C, 0x0C, 0xDF, 0x00, 0x34, 0x0D, 0x62, 0xE8, 0x03, 0xB8, 0x0D}));
  EXPECT_NEAR(m.max_cell_voltage_v, 4.03f, 0.001f);
  EXPECT_NEAR(m.max_current_a, 90.0f, 0.01f);
  EXPECT_NEAR(m.nominal_energy_kwh, 22.3f, 0.01f);
  EXPECT_NEAR(m.max_voltage_v, 338.0f, 0.01f);
  EXPECT_EQ(m.max_temperature_c, 0x62 - 50);
  EXPECT_NEAR(m.soc_percent, 100.0f, 0.01f);
  EXPECT_NEAR(m.present_voltage_v, 351.2f, 0.01f);
}

TEST(GbtBcp, RoundTripAndRanges) {
  Bcp in{3.65f, 62.5f, 5.1f, 58.4f, -10, 42.3f, 52.1f};
  Bcp out = *DecodeBcp(*EncodeBcp(in));
  EXPECT_NEAR(out.max_cell_voltage_v, 3.65f, 0.001f);
  EXPECT_NEAR(out.max_current_a, 62.5f, 0.01f);
  EXPECT_EQ(out.max_temperature_c, -10);
  EXPECT_NEAR(out.soc_percent, 42.3f, 0.01f);
  Pdu p = *EncodeBcp(in);
  p.data[8] = 251;  // 201 degC
  DecodeStats s;
  EXPECT_FALSE(DecodeBcp(p, &s).ok());
  p = *EncodeBcp(in);
  p.data[9] = 0xE9;  // SoC 100.1 %
  p.data[10] = 0x03;
  EXPECT_FALSE(DecodeBcp(p, &s).ok());
  p = *EncodeBcp(in);
  p.data[2] = 0xA1;  // current raw 4001: a discharge current
  p.data[3] = 0x0F;
  EXPECT_FALSE(DecodeBcp(p, &s).ok());
  EXPECT_EQ(s.out_of_range, 3u);
  Bcp bad = in;
  bad.max_current_a = 400.1f;
  EXPECT_EQ(EncodeBcp(bad).status(), Status(Errc::kOutOfRange));
  bad = in;
  bad.max_temperature_c = -51;
  EXPECT_EQ(EncodeBcp(bad).status(), Status(Errc::kOutOfRange));
  bad = in;
  bad.max_cell_voltage_v = 24.01f;
  EXPECT_EQ(EncodeBcp(bad).status(), Status(Errc::kOutOfRange));
}

TEST(GbtCts, BcdTimeOrUnknown) {
  Cts in;
  in.valid = true;
  in.second = 59;
  in.minute = 7;
  in.hour = 23;
  in.day = 31;
  in.month = 12;
  in.year = 2026;
  Pdu p = *EncodeCts(in);
  EXPECT_EQ(p.data[0], 0x59);
  EXPECT_EQ(p.data[5], 0x26);
  EXPECT_EQ(p.data[6], 0x20);
  Cts out = *DecodeCts(p);
  EXPECT_TRUE(out.valid);
  EXPECT_EQ(out.year, 2026);
  EXPECT_EQ(out.hour, 23);
  EXPECT_FALSE(DecodeCts(*EncodeCts(Cts{})).value().valid);
  DecodeStats s;
  p.data[0] = 0x5A;  // not BCD
  EXPECT_FALSE(DecodeCts(p, &s).ok());
  p.data[0] = 0x60;  // 60 s
  EXPECT_FALSE(DecodeCts(p, &s).ok());
  EXPECT_EQ(s.out_of_range, 2u);
  in.month = 13;
  EXPECT_EQ(EncodeCts(in).status(), Status(Errc::kOutOfRange));
}

TEST(GbtCml, LimitsAndConsistency) {
  Cml in{72.0f, 42.0f, 60.0f, 1.0f};
  Pdu p = *EncodeCml(in);
  EXPECT_EQ(p.length, 8);
  EXPECT_EQ(p.data[4], static_cast<uint8_t>((4000 - 600) & 0xFF));
  Cml out = *DecodeCml(p);
  EXPECT_NEAR(out.max_voltage_v, 72.0f, 0.01f);
  EXPECT_NEAR(out.min_voltage_v, 42.0f, 0.01f);
  EXPECT_NEAR(out.max_current_a, 60.0f, 0.01f);
  EXPECT_NEAR(out.min_current_a, 1.0f, 0.01f);
  p.length = 6;  // 2011 edition
  EXPECT_NEAR(DecodeCml(p)->min_current_a, 0.0f, 0.01f);
  EXPECT_EQ(EncodeCml(Cml{40, 50, 60, 0}).status(), Status(Errc::kInvalidArgument));
  EXPECT_EQ(EncodeCml(Cml{72, 40, 10, 20}).status(), Status(Errc::kInvalidArgument));
  DecodeStats s;
  // min voltage above max voltage
  EXPECT_FALSE(
      DecodeCml(Raw(Msg::kCml, {0x10, 0x00, 0x20, 0x00, 0xA0, 0x0F, 0xA0, 0x0F}), &s).ok());
  // min current (raw 0 = 400 A) above max current (raw 2000 = 200 A)
  EXPECT_FALSE(
      DecodeCml(Raw(Msg::kCml, {0x4C, 0x1D, 0xD0, 0x07, 0xD0, 0x07, 0x00, 0x00}), &s).ok());
  EXPECT_EQ(s.out_of_range, 2u);
}

TEST(GbtBroCro, OnlyZeroOrAaAreValid) {
  EXPECT_FALSE(DecodeBro(Raw(Msg::kBro, {0x00}))->ready);
  EXPECT_TRUE(DecodeBro(Raw(Msg::kBro, {0xAA}))->ready);
  EXPECT_TRUE(DecodeCro(Raw(Msg::kCro, {0xAA}))->ready);
  EXPECT_EQ(EncodeCro(Cro{false})->data[0], 0x00);
  DecodeStats s;
  EXPECT_FALSE(DecodeBro(Raw(Msg::kBro, {0xFF}), &s).ok());
  EXPECT_FALSE(DecodeCro(Raw(Msg::kCro, {0x01}), &s).ok());
  EXPECT_EQ(s.out_of_range, 2u);
}

TEST(GbtBcl, DemandWithCurrentOffsetAndMode) {
  // [W]: "98 0d 10 0e 01" = 348.0 V, 3600 raw = 40 A, constant voltage.
  Bcl m = *DecodeBcl(Raw(Msg::kBcl, {0x98, 0x0D, 0x10, 0x0E, 0x01, 0x00, 0x00, 0x00}));
  EXPECT_NEAR(m.voltage_v, 348.0f, 0.01f);
  EXPECT_NEAR(m.current_a, 40.0f, 0.01f);
  EXPECT_EQ(m.mode, ChargeMode::kConstantVoltage);
  Pdu p = *EncodeBcl(Bcl{67.2f, 20.5f, ChargeMode::kConstantCurrent});
  EXPECT_EQ(p.data[0] | (p.data[1] << 8), 672);
  EXPECT_EQ(p.data[2] | (p.data[3] << 8), 4000 - 205);
  EXPECT_EQ(p.data[4], 0x02);
  DecodeStats s;
  p.data[4] = 0x03;
  EXPECT_FALSE(DecodeBcl(p, &s).ok());
  p.data[4] = 0x02;
  p.data[2] = 0xA1;
  p.data[3] = 0x0F;  // 4001
  EXPECT_FALSE(DecodeBcl(p, &s).ok());
  EXPECT_EQ(s.out_of_range, 2u);
  EXPECT_EQ(EncodeBcl(Bcl{60, -1, ChargeMode::kConstantCurrent}).status(),
            Status(Errc::kOutOfRange));
  EXPECT_EQ(EncodeBcl(Bcl{60, 1, static_cast<ChargeMode>(7)}).status(),
            Status(Errc::kInvalidArgument));
}

TEST(GbtBcs, StatusWithPackedCellVoltage) {
  // [W]: 370.3 V, raw current 3990, cell word 0xC17E (3.82 V, group 12), SoC 66 %, 600 min.
  Bcs m = *DecodeBcs(Raw(Msg::kBcs, {0x77, 0x0E, 0x96, 0x0F, 0x7E, 0xC1, 0x42, 0x58, 0x02}));
  EXPECT_NEAR(m.measured_voltage_v, 370.3f, 0.01f);
  EXPECT_NEAR(m.measured_current_a, 1.0f, 0.01f);  // (4000 - 3990) x 0.1 A
  EXPECT_NEAR(m.max_cell_voltage_v, 3.82f, 0.001f);
  EXPECT_EQ(m.max_cell_group, 12);
  EXPECT_EQ(m.soc_percent, 66);
  EXPECT_EQ(m.remaining_minutes, 600);
}

TEST(GbtBcs, RangesAndEncoderChecks) {
  Pdu p = *EncodeBcs(Bcs{55.5f, 20, 3.45f, 3, 80, 30});
  Bcs out = *DecodeBcs(p);
  EXPECT_NEAR(out.max_cell_voltage_v, 3.45f, 0.001f);
  EXPECT_EQ(out.max_cell_group, 3);
  DecodeStats s;
  p.data[6] = 101;  // SoC
  EXPECT_FALSE(DecodeBcs(p, &s).ok());
  p = *EncodeBcs(Bcs{55.5f, 20, 3.45f, 3, 80, 30});
  p.data[7] = 0x59;  // 601 min
  p.data[8] = 0x02;
  EXPECT_FALSE(DecodeBcs(p, &s).ok());
  p = *EncodeBcs(Bcs{55.5f, 20, 3.45f, 3, 80, 30});
  p.data[4] = 0x61;  // 2401 x 0.01 V
  p.data[5] = 0x09;
  EXPECT_FALSE(DecodeBcs(p, &s).ok());
  EXPECT_EQ(s.out_of_range, 3u);
  EXPECT_EQ(EncodeBcs(Bcs{55, 20, 3.4f, 16, 80, 30}).status(), Status(Errc::kOutOfRange));
  EXPECT_EQ(EncodeBcs(Bcs{55, 20, 3.4f, 1, 101, 30}).status(), Status(Errc::kOutOfRange));
}

TEST(GbtCcs, OutputAndPauseField) {
  Pdu p = *EncodeCcs(Ccs{56.7f, 25.0f, 42, false});
  EXPECT_EQ(p.length, 8);
  EXPECT_EQ(p.data[6], 0xFC);
  EXPECT_EQ(p.data[7], 0xFF);
  Ccs out = *DecodeCcs(p);
  EXPECT_NEAR(out.voltage_v, 56.7f, 0.01f);
  EXPECT_NEAR(out.current_a, 25.0f, 0.01f);
  EXPECT_EQ(out.charging_minutes, 42);
  EXPECT_FALSE(out.charging_permitted);
  EXPECT_TRUE(DecodeCcs(*EncodeCcs(Ccs{56.7f, 25.0f, 42, true}))->charging_permitted);
  p.length = 6;  // 2011 edition: no pause field
  EXPECT_TRUE(DecodeCcs(p)->charging_permitted);
  DecodeStats s;
  p = *EncodeCcs(Ccs{56.7f, 25.0f, 42, true});
  p.data[6] = 0xFE;  // "10" is not a defined value
  EXPECT_FALSE(DecodeCcs(p, &s).ok());
  EXPECT_EQ(s.out_of_range, 1u);
  EXPECT_EQ(EncodeCcs(Ccs{56.7f, 25.0f, 601, true}).status(), Status(Errc::kOutOfRange));
}

TEST(GbtBsm, FlagsAndPermission) {
  Bsm in;
  in.max_cell_voltage_number = 16;
  in.max_temperature_c = 41;
  in.min_temperature_c = -5;
  in.max_temperature_point = 200;
  in.insulation = Status2::kSet;
  in.over_temperature = Status2::kUnreliable;
  in.charging_permitted = false;
  Pdu p = *EncodeBsm(in);
  Bsm out = *DecodeBsm(p);
  EXPECT_EQ(out.max_cell_voltage_number, 16);
  EXPECT_EQ(out.max_temperature_c, 41);
  EXPECT_EQ(out.min_temperature_c, -5);
  EXPECT_EQ(out.max_temperature_point, 200);
  EXPECT_EQ(out.insulation, Status2::kSet);
  EXPECT_EQ(out.over_temperature, Status2::kUnreliable);
  EXPECT_FALSE(out.charging_permitted);
  EXPECT_TRUE(out.AnyFault());
  Bsm ok = *DecodeBsm(*EncodeBsm(Bsm{}));
  EXPECT_FALSE(ok.AnyFault());
  EXPECT_TRUE(ok.charging_permitted);
  // [W] bytes: "4e 4e 91 4d 83 04 10": SoC field 01 (too high), permission 01.
  Bsm real = *DecodeBsm(Raw(Msg::kBsm, {0x4E, 0x4E, 0x91, 0x4D, 0x83, 0x04, 0x10, 0x00}));
  EXPECT_EQ(real.max_temperature_c, 0x4E - 50);
  EXPECT_EQ(real.soc, Status2::kSet);
  EXPECT_TRUE(real.charging_permitted);
  DecodeStats s;
  p = *EncodeBsm(Bsm{});
  p.data[1] = 251;
  EXPECT_FALSE(DecodeBsm(p, &s).ok());
  p = *EncodeBsm(Bsm{});
  p.data[6] = static_cast<uint8_t>((p.data[6] & ~0x30) | 0x20);  // permission "10"
  EXPECT_FALSE(DecodeBsm(p, &s).ok());
  EXPECT_EQ(s.out_of_range, 2u);
  Bsm bad;
  bad.max_cell_voltage_number = 0;
  EXPECT_EQ(EncodeBsm(bad).status(), Status(Errc::kOutOfRange));
}

TEST(GbtBst, ReasonBitsLandInTheirFields) {
  Pdu p = *EncodeBst(Flags{bst::kSocTargetReached | bst::kInsulationFault | bst::kOverCurrent,
                           bst::kBatteryOverTemperature});
  EXPECT_EQ(p.data[0], 0x01);  // SoC target 01, the other three reasons 00
  EXPECT_EQ(p.data[3], 0xF1);  // over-current 01, abnormal voltage 00, unused bits 1
  Flags out = *DecodeBst(p);
  EXPECT_TRUE(out.Has(bst::kSocTargetReached));
  EXPECT_TRUE(out.Has(bst::kInsulationFault));
  EXPECT_TRUE(out.Has(bst::kOverCurrent));
  EXPECT_FALSE(out.Has(bst::kCellVoltageReached));
  EXPECT_EQ(out.unreliable, bst::kBatteryOverTemperature);
  // [W] bytes "10 00 00 00": field 3 of byte 0 (bits 4..5) set: cell voltage target reached.
  Flags real = *DecodeBst(Raw(Msg::kBst, {0x10, 0x00, 0x00, 0x00}));
  EXPECT_EQ(real.triggered, bst::kCellVoltageReached);
  EXPECT_EQ(EncodeBst(Flags{1u << 14, 0}).status(), Status(Errc::kInvalidArgument));
  EXPECT_EQ(EncodeBst(Flags{bst::kOtherFault, bst::kOtherFault}).status(),
            Status(Errc::kInvalidArgument));
}

TEST(GbtCst, ReasonBitsAndFill) {
  // [Y]: a BMS-initiated stop is byte 0 = 0x40; unused bits are 1 (bytes 2..3 high nibble).
  Pdu p = *EncodeCst(Flags{cst::kBmsStopped, 0});
  EXPECT_EQ(p.data[0], 0x40);
  EXPECT_EQ(p.data[1], 0x00);
  EXPECT_EQ(p.data[2], 0xF0);
  EXPECT_EQ(p.data[3], 0xF0);
  Flags out = *DecodeCst(*EncodeCst(Flags{cst::kEmergencyStop | cst::kFaultStop, 0}));
  EXPECT_TRUE(out.Has(cst::kEmergencyStop));
  EXPECT_TRUE(out.Has(cst::kFaultStop));
  EXPECT_FALSE(out.Has(cst::kManualStop));
  EXPECT_EQ(EncodeCst(Flags{1u << 12, 0}).status(), Status(Errc::kInvalidArgument));
}

TEST(GbtBemCem, TimeoutBits) {
  // [Y]: CEM for a BCL timeout is fc f0 c4 fc.
  Pdu p = *EncodeCem(Flags{cem::kBcl, 0});
  EXPECT_EQ(p.data[0], 0xFC);
  EXPECT_EQ(p.data[1], 0xF0);
  EXPECT_EQ(p.data[2], 0xC4);
  EXPECT_EQ(p.data[3], 0xFC);
  EXPECT_EQ(DecodeCem(p)->triggered, cem::kBcl);
  Flags b = *DecodeBem(*EncodeBem(Flags{bem::kCcs | bem::kCrmRecognized, 0}));
  EXPECT_EQ(b.triggered, bem::kCcs | bem::kCrmRecognized);
  EXPECT_EQ(EncodeBem(Flags{1u << 7, 0}).status(), Status(Errc::kInvalidArgument));
}

TEST(GbtBsdCsd, StatisticsRoundTripAndRanges) {
  Bsd b = *DecodeBsd(*EncodeBsd(Bsd{97, 3.31f, 3.42f, -3, 35}));
  EXPECT_EQ(b.soc_percent, 97);
  EXPECT_NEAR(b.min_cell_voltage_v, 3.31f, 0.001f);
  EXPECT_EQ(b.min_temperature_c, -3);
  Csd c = *DecodeCsd(*EncodeCsd(Csd{125, 3.7f, 99}));
  EXPECT_EQ(c.charging_minutes, 125);
  EXPECT_NEAR(c.energy_kwh, 3.7f, 0.01f);
  EXPECT_EQ(c.charger_number, 99u);
  DecodeStats s;
  EXPECT_FALSE(DecodeBsd(Raw(Msg::kBsd, {101, 0, 0, 0, 0, 50, 50}), &s).ok());
  EXPECT_FALSE(DecodeCsd(Raw(Msg::kCsd, {0x59, 0x02, 0, 0, 0, 0, 0, 0}), &s).ok());
  EXPECT_EQ(s.out_of_range, 2u);
  EXPECT_EQ(EncodeCsd(Csd{0, 1000.1f, 0}).status(), Status(Errc::kOutOfRange));
  EXPECT_EQ(EncodeBsd(Bsd{101, 3, 3, 0, 0}).status(), Status(Errc::kOutOfRange));
}

// ---- framing ----------------------------------------------------------------------------------

TEST(GbtFraming, FramesAndTransportMessagesBecomePdus) {
  Pdu bcl = *EncodeBcl(Bcl{60, 10, ChargeMode::kConstantCurrent});
  can::Frame f = j1939::MakeFrame(Spec(Msg::kBcl).priority, bcl.pgn, bcl.source, bcl.destination,
                                  bcl.data, bcl.length);
  EXPECT_EQ(f.id, 0x181056F4u);  // as logged on a real bus [W]
  Pdu back = *PduFromFrame(f);
  EXPECT_EQ(back.pgn, bcl.pgn);
  EXPECT_TRUE(DecodeBcl(back).ok());
  can::Frame std_frame;
  std_frame.id = 0x7FF;
  EXPECT_FALSE(PduFromFrame(std_frame).ok());

  j1939::TpMessage tp;
  tp.pgn = Spec(Msg::kBcp).pgn;
  tp.source = kBmsAddress;
  tp.destination = kChargerAddress;
  tp.size = 13;
  Pdu from_tp = *PduFromTp(tp);
  EXPECT_EQ(from_tp.length, 13);
  tp.size = kMaxPayload + 1;
  EXPECT_EQ(PduFromTp(tp).status(), Status(Errc::kOutOfRange));
}

// Decodes a message, then encodes it again: equal results mean equal decoded values.
using Reencoder = std::function<Result<Pdu>(const PduView&, DecodeStats*)>;
template <typename T, typename Arg>
Reencoder Reencode(Result<T> (*decode)(const PduView&, DecodeStats*),
                   Result<Pdu> (*encode)(const Arg&)) {
  return [decode, encode](const PduView& p, DecodeStats* s) -> Result<Pdu> {
    const Result<T> m = decode(p, s);
    if (!m.ok()) {
      return m.status();
    }
    return encode(*m);
  };
}

struct ViewCase {
  Msg msg;
  Reencoder run;
};
std::vector<ViewCase> ViewCases() {
  return {{Msg::kChm, Reencode(DecodeChm, EncodeChm)}, {Msg::kBhm, Reencode(DecodeBhm, EncodeBhm)},
          {Msg::kCrm, Reencode(DecodeCrm, EncodeCrm)}, {Msg::kBrm, Reencode(DecodeBrm, EncodeBrm)},
          {Msg::kBcp, Reencode(DecodeBcp, EncodeBcp)}, {Msg::kCts, Reencode(DecodeCts, EncodeCts)},
          {Msg::kCml, Reencode(DecodeCml, EncodeCml)}, {Msg::kBro, Reencode(DecodeBro, EncodeBro)},
          {Msg::kCro, Reencode(DecodeCro, EncodeCro)}, {Msg::kBcl, Reencode(DecodeBcl, EncodeBcl)},
          {Msg::kBcs, Reencode(DecodeBcs, EncodeBcs)}, {Msg::kCcs, Reencode(DecodeCcs, EncodeCcs)},
          {Msg::kBsm, Reencode(DecodeBsm, EncodeBsm)}, {Msg::kBst, Reencode(DecodeBst, EncodeBst)},
          {Msg::kCst, Reencode(DecodeCst, EncodeCst)}, {Msg::kBsd, Reencode(DecodeBsd, EncodeBsd)},
          {Msg::kCsd, Reencode(DecodeCsd, EncodeCsd)}, {Msg::kBem, Reencode(DecodeBem, EncodeBem)},
          {Msg::kCem, Reencode(DecodeCem, EncodeCem)}};
}

bool SameStats(const DecodeStats& a, const DecodeStats& b) {
  return a.decoded == b.decoded && a.wrong_pgn == b.wrong_pgn &&
         a.wrong_address == b.wrong_address && a.wrong_length == b.wrong_length &&
         a.out_of_range == b.out_of_range;
}

// One frame decoded in place (ViewFrame) and through a zeroed copy (PduFromFrame): the same
// status, the same counters, the same decoded values.
void ExpectViewDecodesLikeCopy(const ViewCase& c, const can::Frame& f, const char* what) {
  SCOPED_TRACE(std::string(Spec(c.msg).name) + " " + what);
  const Result<PduView> view = ViewFrame(f);
  const Result<Pdu> copy = PduFromFrame(f);
  ASSERT_EQ(view.status(), copy.status());
  if (!copy.ok()) {
    return;
  }
  EXPECT_EQ(view->pgn, copy->pgn);
  EXPECT_EQ(view->source, copy->source);
  EXPECT_EQ(view->destination, copy->destination);
  EXPECT_EQ(view->length, copy->length);
  EXPECT_EQ(view->data, f.data);  // in place: no copy
  DecodeStats sv, sc;
  const Result<Pdu> from_view = c.run(*view, &sv);
  const Result<Pdu> from_copy = c.run(*copy, &sc);
  EXPECT_EQ(from_view.status(), from_copy.status());
  EXPECT_TRUE(SameStats(sv, sc));
  EXPECT_EQ(sv.decoded + sv.Errors(), 1u);  // every frame counted once
  if (from_view.ok() && from_copy.ok()) {
    EXPECT_EQ(from_view->length, from_copy->length);
    EXPECT_EQ(memcmp(from_view->data, from_copy->data, from_copy->length), 0);
  }
}

TEST(GbtFraming, FramesDecodedInPlaceGiveWhatTheCopyGave) {
  std::vector<Pdu> valid;
  for (const auto& c : AllCases()) {
    valid.push_back(c.valid);
  }
  const auto cases = ViewCases();
  ASSERT_EQ(cases.size(), valid.size());
  size_t single_frame = 0;
  for (size_t k = 0; k < cases.size(); ++k) {
    const ViewCase& c = cases[k];
    const MessageSpec& spec = Spec(c.msg);
    if (spec.min_length > can::kMaxDataLength) {
      continue;  // BCP, BCS: never a single frame (the length check rejects them, tested below)
    }
    ++single_frame;
    const Pdu& p = valid[k];
    const uint8_t dlc = p.length < can::kMaxDataLength ? p.length : can::kMaxDataLength;
    auto frame = [&](uint8_t len) {
      return j1939::MakeFrame(spec.priority, p.pgn, p.source, p.destination, p.data, len);
    };
    ExpectViewDecodesLikeCopy(c, frame(dlc), "as sent");
    can::Frame padded = frame(dlc);
    for (uint8_t i = dlc; i < can::kMaxDataLength; ++i) {
      padded.data[i] = 0xFF;
    }
    padded.dlc = can::kMaxDataLength;
    ExpectViewDecodesLikeCopy(c, padded, "padded");
    for (uint8_t len = 0; len < spec.min_length; ++len) {
      ExpectViewDecodesLikeCopy(c, frame(len), "truncated");
    }
    // Every byte corrupted in turn, to values in and out of range.
    for (uint8_t i = 0; i < dlc; ++i) {
      for (uint8_t v : {0x00, 0x0F, 0x55, 0x9A, 0xF0, 0xFF}) {
        can::Frame bad = frame(dlc);
        bad.data[i] = v;
        ExpectViewDecodesLikeCopy(c, bad, "corrupt");
      }
    }
    ExpectViewDecodesLikeCopy(
        c, j1939::MakeFrame(spec.priority, p.pgn, p.destination, p.source, p.data, dlc),
        "wrong direction");
    ExpectViewDecodesLikeCopy(
        c, j1939::MakeFrame(spec.priority, p.pgn, p.source, 0x10, p.data, dlc), "third node");
    ExpectViewDecodesLikeCopy(
        c, j1939::MakeFrame(spec.priority, p.pgn, p.source, j1939::kGlobalAddress, p.data, dlc),
        "broadcast");
    const uint32_t other = c.msg == Msg::kBcl ? Spec(Msg::kBsm).pgn : Spec(Msg::kBcl).pgn;
    ExpectViewDecodesLikeCopy(
        c, j1939::MakeFrame(spec.priority, other, p.source, p.destination, p.data, dlc),
        "another PGN");
    // Frames that are no J1939 data frames at all: both refuse them.
    can::Frame remote = frame(dlc);
    remote.remote = true;
    ExpectViewDecodesLikeCopy(c, remote, "remote");
    can::Frame edp = frame(dlc);
    edp.id |= 1u << 25;
    ExpectViewDecodesLikeCopy(c, edp, "EDP set");
    can::Frame standard = frame(dlc);
    standard.extended = false;
    standard.id &= can::kMaxStandardId;
    ExpectViewDecodesLikeCopy(c, standard, "standard id");
    can::Frame bad_dlc = frame(dlc);
    bad_dlc.dlc = can::kMaxDataLength + 1;
    ExpectViewDecodesLikeCopy(c, bad_dlc, "DLC 9");
  }
  EXPECT_EQ(single_frame, static_cast<size_t>(Msg::kCount) - 2);
  // A multi-packet message squeezed into one frame is too short for its decoder, either way.
  const Pdu bcs = *EncodeBcs(Bcs{});
  ExpectViewDecodesLikeCopy(
      cases[static_cast<size_t>(Msg::kBcs)],
      j1939::MakeFrame(Spec(Msg::kBcs).priority, bcs.pgn, bcs.source, bcs.destination, bcs.data, 8),
      "BCS in one frame");
}

TEST(GbtFraming, TransportMessagesViewedInPlaceGiveWhatTheCopyGave) {
  const Brm brm;
  const Pdu encoded = *EncodeBrm(brm);
  j1939::TpMessage tp;
  tp.pgn = encoded.pgn;
  tp.source = encoded.source;
  tp.destination = encoded.destination;
  memcpy(tp.data, encoded.data, encoded.length);
  for (uint16_t size = 0; size <= kMaxPayload + 2; ++size) {
    SCOPED_TRACE(size);
    tp.size = size;
    const Result<PduView> view = ViewTp(tp);
    const Result<Pdu> copy = PduFromTp(tp);
    ASSERT_EQ(view.status(), copy.status());
    if (size > kMaxPayload) {
      EXPECT_EQ(view.status(), Status(Errc::kOutOfRange));
      continue;
    }
    EXPECT_EQ(view->data, tp.data);
    EXPECT_EQ(view->length, size);
    DecodeStats sv, sc;
    const Result<Brm> a = DecodeBrm(*view, &sv);
    const Result<Brm> b = DecodeBrm(*copy, &sc);
    EXPECT_EQ(a.status(), b.status());
    EXPECT_TRUE(SameStats(sv, sc));
    if (a.ok() && b.ok()) {
      EXPECT_EQ(a->length, b->length);
      EXPECT_EQ(a->pack_serial, b->pack_serial);
      EXPECT_EQ(memcmp(a->vin, b->vin, sizeof(a->vin)), 0);
      EXPECT_EQ(memcmp(a->software, b->software, sizeof(a->software)), 0);
    }
  }
}

TEST(GbtFraming, SendPduPicksFrameOrTransport) {
  testing::FakeCanBus bus;
  j1939::Transport tp(kBmsAddress, bus);
  Pdu bro = *EncodeBro(Bro{true});
  ASSERT_TRUE(SendPdu(bro, Spec(Msg::kBro).priority, bus, tp, 0).ok());
  ASSERT_EQ(bus.sent.size(), 1u);
  EXPECT_EQ(bus.sent[0].id, 0x100956F4u);
  EXPECT_EQ(bus.sent[0].dlc, 1);
  Pdu bcs = *EncodeBcs(Bcs{});
  ASSERT_TRUE(SendPdu(bcs, Spec(Msg::kBcs).priority, bus, tp, 0).ok());
  ASSERT_EQ(bus.sent.size(), 2u);
  EXPECT_EQ(bus.sent[1].id, 0x1CEC56F4u);  // TP.CM RTS
  EXPECT_EQ(bus.sent[1].data[0], j1939::kCmRts);
  EXPECT_TRUE(tp.sending());
}

}  // namespace
}  // namespace evc::vehicle::gbt
