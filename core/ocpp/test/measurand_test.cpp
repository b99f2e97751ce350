#include "evc/ocpp/measurand.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace evc::ocpp {
namespace {

constexpr Measurand kAll[] = {
    Measurand::kEnergyActiveImportRegister,
    Measurand::kPowerActiveImport,
    Measurand::kCurrentImport,
    Measurand::kCurrentOffered,
    Measurand::kVoltage,
    Measurand::kSoC,
    Measurand::kTemperature,
    Measurand::kPowerOffered,
};
static_assert(sizeof(kAll) / sizeof(kAll[0]) == kMeasurandCount, "test covers every measurand");

TEST(Measurand, SchemaSpellingsAndUnits) {
  EXPECT_EQ("Energy.Active.Import.Register", MeasurandName(Measurand::kEnergyActiveImportRegister));
  EXPECT_EQ("Wh", MeasurandUnit(Measurand::kEnergyActiveImportRegister));
  EXPECT_EQ("Power.Active.Import", MeasurandName(Measurand::kPowerActiveImport));
  EXPECT_EQ("W", MeasurandUnit(Measurand::kPowerActiveImport));
  EXPECT_EQ("Current.Import", MeasurandName(Measurand::kCurrentImport));
  EXPECT_EQ("A", MeasurandUnit(Measurand::kCurrentImport));
  EXPECT_EQ("Current.Offered", MeasurandName(Measurand::kCurrentOffered));
  EXPECT_EQ("A", MeasurandUnit(Measurand::kCurrentOffered));
  EXPECT_EQ("Voltage", MeasurandName(Measurand::kVoltage));
  EXPECT_EQ("V", MeasurandUnit(Measurand::kVoltage));
  EXPECT_EQ("SoC", MeasurandName(Measurand::kSoC));
  EXPECT_EQ("Percent", MeasurandUnit(Measurand::kSoC));
  EXPECT_EQ("Temperature", MeasurandName(Measurand::kTemperature));
  EXPECT_EQ("Celsius", MeasurandUnit(Measurand::kTemperature));
  EXPECT_EQ("Power.Offered", MeasurandName(Measurand::kPowerOffered));
  EXPECT_EQ("W", MeasurandUnit(Measurand::kPowerOffered));
}

TEST(Measurand, UnitsAreSchemaUnitOfMeasureValues) {
  // UnitOfMeasure enum of the OCPP 1.6 MeterValues schema.
  const std::set<std::string> schema_units = {
      "Wh",   "kWh", "varh", "kvarh", "W",       "kW",      "VA",         "kVA",    "var",
      "kvar", "A",   "V",    "K",     "Celcius", "Celsius", "Fahrenheit", "Percent"};
  for (Measurand m : kAll) {
    EXPECT_EQ(1u, schema_units.count(std::string(MeasurandUnit(m)))) << MeasurandName(m);
  }
}

TEST(Measurand, ParseRoundTripsEveryName) {
  for (Measurand m : kAll) {
    const auto r = ParseMeasurand(MeasurandName(m));
    ASSERT_TRUE(r.ok()) << MeasurandName(m);
    EXPECT_EQ(m, *r);
  }
}

TEST(Measurand, ParseIsCaseInsensitive) {
  const auto r = ParseMeasurand("energy.ACTIVE.import.register");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Measurand::kEnergyActiveImportRegister, *r);
}

TEST(Measurand, ParseRejectsWhatWeCannotSupply) {
  EXPECT_EQ(Errc::kNotFound, ParseMeasurand("Energy.Active.Export.Register").status().code());
  EXPECT_EQ(Errc::kNotFound, ParseMeasurand("Frequency").status().code());
  EXPECT_EQ(Errc::kNotFound, ParseMeasurand("").status().code());
  EXPECT_EQ(Errc::kNotFound, ParseMeasurand("Voltage ").status().code());
  EXPECT_EQ(Errc::kNotFound, ParseMeasurand("Volt").status().code());
}

TEST(MeasurandList, ParsesInOrderWithBlanksAroundItems) {
  Measurand out[8];
  const auto n = ParseMeasurandList(" SoC ,Voltage,\tPower.Offered", out, 8);
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(3u, *n);
  EXPECT_EQ(Measurand::kSoC, out[0]);
  EXPECT_EQ(Measurand::kVoltage, out[1]);
  EXPECT_EQ(Measurand::kPowerOffered, out[2]);
}

TEST(MeasurandList, EmptyListMeansNone) {
  Measurand out[2];
  auto n = ParseMeasurandList("", out, 2);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(0u, *n);
  n = ParseMeasurandList("   ", out, 2);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(0u, *n);
}

TEST(MeasurandList, RejectsEmptyItems) {
  Measurand out[8];
  EXPECT_EQ(Errc::kInvalidArgument, ParseMeasurandList("Voltage,,SoC", out, 8).status().code());
  EXPECT_EQ(Errc::kInvalidArgument, ParseMeasurandList("Voltage,", out, 8).status().code());
  EXPECT_EQ(Errc::kInvalidArgument, ParseMeasurandList(",Voltage", out, 8).status().code());
  EXPECT_EQ(Errc::kInvalidArgument, ParseMeasurandList(",", out, 8).status().code());
  EXPECT_EQ(Errc::kInvalidArgument, ParseMeasurandList("Voltage, ,SoC", out, 8).status().code());
}

TEST(MeasurandList, RejectsUnknownAndDuplicates) {
  Measurand out[8];
  EXPECT_EQ(Errc::kInvalidArgument, ParseMeasurandList("Voltage,RPM", out, 8).status().code());
  EXPECT_EQ(Errc::kAlreadyExists,
            ParseMeasurandList("Voltage,SoC,voltage", out, 8).status().code());
}

TEST(MeasurandList, RejectsMoreThanCapInsteadOfTruncating) {
  Measurand out[2];
  EXPECT_EQ(Errc::kResourceExhausted,
            ParseMeasurandList("Voltage,SoC,Temperature", out, 2).status().code());
  const auto n = ParseMeasurandList("Voltage,SoC", out, 2);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(2u, *n);
  EXPECT_EQ(Errc::kResourceExhausted, ParseMeasurandList("Voltage", out, 0).status().code());
}

TEST(MeasurandList, FormatGivesCanonicalText) {
  Measurand in[kMeasurandCount];
  const auto n = ParseMeasurandList("soc, VOLTAGE ,energy.active.import.register", in, 8);
  ASSERT_TRUE(n.ok());
  char buf[64];
  const auto len = FormatMeasurandList(in, *n, buf, sizeof(buf));
  ASSERT_TRUE(len.ok());
  EXPECT_EQ("SoC,Voltage,Energy.Active.Import.Register", std::string(buf, *len));
  EXPECT_EQ(*len, std::string(buf).size());  // NUL-terminated
}

TEST(MeasurandList, FormatOfAllFitsAndRoundTrips) {
  char buf[256];
  const auto len = FormatMeasurandList(kAll, kMeasurandCount, buf, sizeof(buf));
  ASSERT_TRUE(len.ok());
  Measurand back[kMeasurandCount];
  const auto n = ParseMeasurandList(std::string_view(buf, *len), back, kMeasurandCount);
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(kMeasurandCount, *n);
  for (size_t i = 0; i < kMeasurandCount; ++i) {
    EXPECT_EQ(kAll[i], back[i]);
  }
}

TEST(MeasurandList, FormatRefusesSmallBuffer) {
  const Measurand in[] = {Measurand::kEnergyActiveImportRegister, Measurand::kSoC};
  char buf[30];  // the first name fits (29 + NUL), ",SoC" does not
  EXPECT_EQ(Errc::kResourceExhausted, FormatMeasurandList(in, 2, buf, sizeof(buf)).status().code());
  EXPECT_STREQ("", buf);
  char empty[1];
  const auto len = FormatMeasurandList(in, 0, empty, sizeof(empty));
  ASSERT_TRUE(len.ok());
  EXPECT_EQ(0u, *len);
}

}  // namespace
}  // namespace evc::ocpp
