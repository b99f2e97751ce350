#include "evc/ocpp/configuration.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "evc/storage/kv_store.hpp"
#include "evc/testing/fakes.hpp"

namespace evc::ocpp {
namespace {

using evc::testing::CapturingLogSink;
using evc::testing::MemoryKvStore;

constexpr const char* kSecret = "00112233445566778899AABBCCDDEEFF0A1B2C3D";  // 20 bytes, test only

struct Expected {
  const char* name;
  bool readonly;
  const char* value;  // nullptr: write-only, no value reported
};

// What GetConfiguration must report on a fresh charger (the product requirement).
const Expected kExpectedDefaults[] = {
    {"AllowOfflineTxForUnknownId", false, "false"},
    {"AuthorizationCacheEnabled", false, "true"},
    {"AuthorizeRemoteTxRequests", false, "false"},
    {"BlinkRepeat", false, "0"},
    {"ClockAlignedDataInterval", false, "0"},
    {"ConnectionTimeOut", false, "60"},
    {"ConnectorPhaseRotation", false, "NotApplicable"},
    {"ConnectorPhaseRotationMaxLength", true, "2"},
    {"GetConfigurationMaxKeys", true, "50"},
    {"HeartbeatInterval", false, "300"},
    {"LightIntensity", false, "100"},
    {"LocalAuthorizeOffline", false, "true"},
    {"LocalPreAuthorize", false, "false"},
    {"MaxEnergyOnInvalidId", false, "0"},
    {"MeterValuesAlignedData", false, "Energy.Active.Import.Register"},
    {"MeterValuesAlignedDataMaxLength", true, "6"},
    {"MeterValuesSampledData", false,
     "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,SoC"},
    {"MeterValuesSampledDataMaxLength", true, "6"},
    {"MeterValueSampleInterval", false, "60"},
    {"MinimumStatusDuration", false, "0"},
    {"NumberOfConnectors", true, "1"},
    {"ResetRetries", false, "1"},
    {"StopTransactionOnEVSideDisconnect", false, "true"},
    {"StopTransactionOnInvalidId", false, "true"},
    {"StopTxnAlignedData", false, ""},
    {"StopTxnAlignedDataMaxLength", true, "4"},
    {"StopTxnSampledData", false, "Energy.Active.Import.Register"},
    {"StopTxnSampledDataMaxLength", true, "4"},
    {"SupportedFeatureProfiles", true, "Core"},
    {"SupportedFeatureProfilesMaxLength", true, "6"},
    {"TransactionMessageAttempts", false, "3"},
    {"TransactionMessageRetryInterval", false, "60"},
    {"UnlockConnectorOnEVSideDisconnect", false, "true"},
    {"WebSocketPingInterval", false, "60"},
    {"AuthorizationKey", false, nullptr},
    {"SecurityProfile", false, "0"},
    {"EvcReconnectMinS", false, "1"},
    {"EvcReconnectMaxS", false, "120"},
    {"EvcMessageTimeoutS", false, "30"},

};

class ConfigurationTest : public ::testing::Test {
 protected:
  ConfigurationTest() : logger_(&sink_, LogLevel::kDebug), config_(store_, logger_) {}

  std::string Value(ConfigKey key) const {
    ConfigEntryView e;
    EXPECT_TRUE(config_.Describe(key, &e));
    return std::string(e.value.view());
  }

  // Every GetConfiguration entry as the CSMS would see it, joined into one string.
  std::string EverythingReported() const {
    std::string all;
    for (size_t i = 0; i < Configuration::KeyCount(); ++i) {
      ConfigEntryView e;
      EXPECT_TRUE(config_.Describe(i, &e));
      all += std::string(e.key) + "=" + std::string(e.value.view()) + ";";
    }
    return all;
  }

  void ExpectRejectedUnchanged(const char* key, const std::string& value) {
    const Result<ConfigKey> k = Configuration::Find(key);
    ASSERT_TRUE(k.ok()) << key;
    const std::string before = Value(*k);
    const uint32_t version = config_.version();
    const int writes = store_.writes;
    EXPECT_EQ(ChangeResult::kRejected, config_.Change(key, value)) << key << "='" << value << "'";
    EXPECT_EQ(before, Value(*k)) << key << "='" << value << "'";
    EXPECT_EQ(version, config_.version());
    EXPECT_EQ(writes, store_.writes);
  }

  MemoryKvStore store_;
  CapturingLogSink sink_;
  Logger logger_;
  Configuration config_;
};

// ---------------------------------------------------------------------------------------------
// Table and defaults

TEST_F(ConfigurationTest, EveryKeyPresentWithItsDefault) {
  constexpr size_t kExpectedCount = sizeof(kExpectedDefaults) / sizeof(kExpectedDefaults[0]);
  ASSERT_EQ(kExpectedCount, Configuration::KeyCount());
  for (size_t i = 0; i < kExpectedCount; ++i) {
    const Expected& x = kExpectedDefaults[i];
    ConfigEntryView e;
    ASSERT_TRUE(config_.Describe(i, &e));
    EXPECT_EQ(x.name, e.key);
    EXPECT_EQ(x.readonly, e.readonly) << x.name;
    if (x.value == nullptr) {
      EXPECT_FALSE(e.has_value) << x.name;
      EXPECT_TRUE(e.value.empty()) << x.name;
    } else {
      EXPECT_TRUE(e.has_value) << x.name;
      EXPECT_EQ(x.value, e.value.view()) << x.name;
    }
    const Result<ConfigKey> k = Configuration::Find(x.name);
    ASSERT_TRUE(k.ok()) << x.name;
    EXPECT_EQ(i, static_cast<size_t>(*k)) << x.name;
  }
  EXPECT_FALSE(sink_.Contains("invalid")) << "a table default failed its own validation";
}

TEST_F(ConfigurationTest, TypedGettersSeeTheDefaults) {
  EXPECT_EQ(300, config_.GetInt(ConfigKey::kHeartbeatInterval));
  EXPECT_EQ(1, config_.GetInt(ConfigKey::kNumberOfConnectors));
  EXPECT_TRUE(config_.GetBool(ConfigKey::kLocalAuthorizeOffline));
  EXPECT_FALSE(config_.GetBool(ConfigKey::kLocalPreAuthorize));
  EXPECT_EQ("Core", config_.GetString(ConfigKey::kSupportedFeatureProfiles));
  EXPECT_EQ("", config_.GetString(ConfigKey::kAuthorizationKey));
  // Wrong-type access is a programming error with a harmless answer.
  EXPECT_EQ(0, config_.GetInt(ConfigKey::kLocalAuthorizeOffline));
  EXPECT_FALSE(config_.GetBool(ConfigKey::kHeartbeatInterval));
  EXPECT_EQ("", config_.GetString(ConfigKey::kHeartbeatInterval));
}

TEST_F(ConfigurationTest, TableIsConsistent) {
  std::set<std::string> storage_keys;
  std::set<std::string> lower_names;
  for (size_t i = 0; i < Configuration::KeyCount(); ++i) {
    const KeyDef& d = Configuration::Definition(static_cast<ConfigKey>(i));
    EXPECT_EQ(i, static_cast<size_t>(d.id));
    EXPECT_TRUE(storage::IsValidKey(d.storage_key)) << d.storage_key;
    EXPECT_TRUE(storage_keys.insert(std::string(d.storage_key)).second) << d.storage_key;
    std::string lower(d.name);
    for (char& c : lower) {
      c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    EXPECT_TRUE(lower_names.insert(lower).second) << d.name;
    EXPECT_LE(d.name.size(), 50u) << d.name;  // CiString50 in GetConfiguration.conf
    if (d.type == ValueType::kInt) {
      EXPECT_LE(d.min, d.max) << d.name;
    }
    if (d.type == ValueType::kMeasurandList || d.type == ValueType::kCsl) {
      EXPECT_NE(ConfigKey::kCount, d.items_limit) << d.name << " needs its *MaxLength key";
    }
    if (d.items_limit != ConfigKey::kCount) {
      EXPECT_EQ(Access::kReadOnly, Configuration::Definition(d.items_limit).access) << d.name;
    }
  }
}

TEST_F(ConfigurationTest, DescribeOutOfRangeIsFalse) {
  ConfigEntryView e;
  EXPECT_FALSE(config_.Describe(Configuration::KeyCount(), &e));
  EXPECT_FALSE(config_.Describe(size_t{0}, nullptr));
}

TEST(ChangeResultName, OcppSpellings) {
  EXPECT_STREQ("Accepted", ChangeResultName(ChangeResult::kAccepted));
  EXPECT_STREQ("Rejected", ChangeResultName(ChangeResult::kRejected));
  EXPECT_STREQ("RebootRequired", ChangeResultName(ChangeResult::kRebootRequired));
  EXPECT_STREQ("NotSupported", ChangeResultName(ChangeResult::kNotSupported));
}

// ---------------------------------------------------------------------------------------------
// Key lookup and access

TEST_F(ConfigurationTest, UnknownKeyIsNotSupported) {
  const int writes = store_.writes;
  EXPECT_EQ(ChangeResult::kNotSupported, config_.Change("NoSuchKey", "1"));
  EXPECT_EQ(ChangeResult::kNotSupported, config_.Change("", "1"));
  EXPECT_EQ(ChangeResult::kNotSupported, config_.Change("HeartbeatInterval ", "1"));
  EXPECT_EQ(ChangeResult::kNotSupported, config_.Change("HeartbeatIntervalX", "1"));
  EXPECT_EQ(ChangeResult::kNotSupported, config_.Change("ChargeProfileMaxStackLevel", "1"));
  EXPECT_EQ(writes, store_.writes);
  EXPECT_FALSE(Configuration::Find("NoSuchKey").ok());
}

TEST_F(ConfigurationTest, KeyNamesMatchCaseInsensitively) {
  EXPECT_EQ(ChangeResult::kAccepted, config_.Change("heartbeatinterval", "120"));
  EXPECT_EQ(120, config_.GetInt(ConfigKey::kHeartbeatInterval));
  EXPECT_EQ(ChangeResult::kAccepted, config_.Change("HEARTBEATINTERVAL", "121"));
  EXPECT_EQ(121, config_.GetInt(ConfigKey::kHeartbeatInterval));
  const Result<ConfigKey> k = Configuration::Find("metervaluessampleddata");
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(ConfigKey::kMeterValuesSampledData, *k);
}

TEST_F(ConfigurationTest, ReadOnlyKeysAreRejected) {
  for (size_t i = 0; i < Configuration::KeyCount(); ++i) {
    const KeyDef& d = Configuration::Definition(static_cast<ConfigKey>(i));
    if (d.access != Access::kReadOnly) {
      continue;
    }
    // Even a value that would be valid, and even the current value.
    ExpectRejectedUnchanged(std::string(d.name).c_str(), Value(d.id));
    ExpectRejectedUnchanged(std::string(d.name).c_str(), "1");
  }
  ExpectRejectedUnchanged("SupportedFeatureProfiles", "Core,SmartCharging");
  ExpectRejectedUnchanged("numberofconnectors", "2");
}

// ---------------------------------------------------------------------------------------------
// Value validation

TEST_F(ConfigurationTest, BoolAcceptsTrueFalseInAnyCase) {
  EXPECT_EQ(ChangeResult::kAccepted, config_.Change("LocalPreAuthorize", "true"));
  EXPECT_TRUE(config_.GetBool(ConfigKey::kLocalPreAuthorize));
  EXPECT_EQ(ChangeResult::kAccepted, config_.Change("LocalPreAuthorize", "FALSE"));
  EXPECT_FALSE(config_.GetBool(ConfigKey::kLocalPreAuthorize));
  EXPECT_EQ(ChangeResult::kAccepted, config_.Change("LocalPreAuthorize", "True"));
  EXPECT_TRUE(config_.GetBool(ConfigKey::kLocalPreAuthorize));
  EXPECT_EQ("true", Value(ConfigKey::kLocalPreAuthorize));  // reported canonically
}

TEST_F(ConfigurationTest, BoolRejectsEverythingElse) {
  for (const char* bad : {"1", "0", "yes", "no", "", " true", "true ", "truex", "t", "tru"}) {
    ExpectRejectedUnchanged("StopTransactionOnInvalidId", bad);
  }
}

TEST_F(ConfigurationTest, IntAcceptsValuesInRange) {
  EXPECT_EQ(ChangeResult::kAccepted, config_.Change("HeartbeatInterval", "600"));
  EXPECT_EQ(600, config_.GetInt(ConfigKey::kHeartbeatInterval));
  EXPECT_EQ(ChangeResult::kAccepted, config_.Change("HeartbeatInterval", "+900"));
  EXPECT_EQ(900, config_.GetInt(ConfigKey::kHeartbeatInterval));
  EXPECT_EQ(ChangeResult::kAccepted, config_.Change("HeartbeatInterval", "0"));
  EXPECT_EQ(0, config_.GetInt(ConfigKey::kHeartbeatInterval));
  EXPECT_EQ(ChangeResult::kAccepted, config_.Change("HeartbeatInterval", "0086400"));
  EXPECT_EQ(86400, config_.GetInt(ConfigKey::kHeartbeatInterval));
  EXPECT_EQ("86400", Value(ConfigKey::kHeartbeatInterval));
}

TEST_F(ConfigurationTest, IntRejectsJunkOverflowAndOutOfRange) {
  for (const char* bad :
       {"12a",         " 5",          "5 ",  "99999999999", "",      "-1",         "+",
        "-",           "0x10",        "1.5", "1e3",         "86401", "2147483647", "2147483648",
        "-2147483648", "-2147483649", "--5", "+-5",         "5-",    "\t5",        "٣"}) {
    ExpectRejectedUnchanged("HeartbeatInterval", bad);
  }
}

TEST_F(ConfigurationTest, EveryIntKeyEnforcesItsBounds) {
  for (size_t i = 0; i < Configuration::KeyCount(); ++i) {
    const KeyDef& d = Configuration::Definition(static_cast<ConfigKey>(i));
    if (d.type != ValueType::kInt || d.access == Access::kReadOnly) {
      continue;
    }
    const std::string name(d.name);
    ExpectRejectedUnchanged(name.c_str(), std::to_string(static_cast<int64_t>(d.max) + 1));
    ExpectRejectedUnchanged(name.c_str(), std::to_string(static_cast<int64_t>(d.min) - 1));
    if (d.id == ConfigKey::kSecurityProfile) {
      continue;  // raising it has preconditions, tested separately
    }
    EXPECT_EQ(ChangeResult::kAccepted, config_.Change(name, std::to_string(d.max))) << name;
    EXPECT_EQ(d.max, config_.GetInt(d.id)) << name;
    EXPECT_EQ(ChangeResult::kAccepted, config_.Change(name, std::to_string(d.min))) << name;
    EXPECT_EQ(d.min, config_.GetInt(d.id)) << name;
  }
}

TEST_F(ConfigurationTest, MeasurandListAcceptsSupportedItemsCanonically) {
  EXPECT_EQ(ChangeResult::kAccepted,
            config_.Change("MeterValuesSampledData", " soc ,VOLTAGE,Current.Offered"));
  EXPECT_EQ("SoC,Voltage,Current.Offered", config_.GetString(ConfigKey::kMeterValuesSampledData));
  Measurand m[8];
  const Result<size_t> n = config_.GetMeasurands(ConfigKey::kMeterValuesSampledData, m, 8);
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(3u, *n);
  EXPECT_EQ(Measurand::kSoC, m[0]);
  EXPECT_EQ(Measurand::kVoltage, m[1]);
  EXPECT_EQ(Measurand::kCurrentOffered, m[2]);
  EXPECT_EQ(Errc::kInvalidArgument,
            config_.GetMeasurands(ConfigKey::kHeartbeatInterval, m, 8).status().code());
}

TEST_F(ConfigurationTest, MeasurandListMayBeEmpty) {
  EXPECT_EQ(ChangeResult::kAccepted, config_.Change("StopTxnSampledData", ""));
  EXPECT_EQ("", config_.GetString(ConfigKey::kStopTxnSampledData));
  Measurand m[4];
  const Result<size_t> n = config_.GetMeasurands(ConfigKey::kStopTxnSampledData, m, 4);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(0u, *n);
}

TEST_F(ConfigurationTest, MeasurandListRejectsBadLists) {
  const char* key = "MeterValuesSampledData";
  ExpectRejectedUnchanged(key, "Energy.Active.Export.Register");  // valid OCPP, not ours
  ExpectRejectedUnchanged(key, "Voltage,Frequency");
  ExpectRejectedUnchanged(key, "Voltage,Bogus");
  ExpectRejectedUnchanged(key, "Voltage,Voltage");  // duplicate
  ExpectRejectedUnchanged(key, "Voltage,SoC,voltage");
  ExpectRejectedUnchanged(key, "Voltage,,SoC");  // empty item
  ExpectRejectedUnchanged(key, "Voltage,");
  ExpectRejectedUnchanged(key, ",");
  ExpectRejectedUnchanged(key, "Voltage;SoC");
  // Seven distinct supported measurands exceed MeterValuesSampledDataMaxLength (6).
  ExpectRejectedUnchanged(key,
                          "Energy.Active.Import.Register,Power.Active.Import,Current.Import,"
                          "Current.Offered,Voltage,SoC,Temperature");
  ASSERT_EQ(6, config_.GetInt(ConfigKey::kMeterValuesSampledDataMaxLength));
  EXPECT_EQ(ChangeResult::kAccepted,
            config_.Change(key,
                           "Energy.Active.Import.Register,Power.Active.Import,Current.Import,"
                           "Current.Offered,Voltage,SoC"));
  // StopTxnSampledDataMaxLength is 4.
  ExpectRejectedUnchanged("StopTxnSampledData",
                          "Voltage,SoC,Temperature,Power.Offered,Current.Import");
  EXPECT_EQ(ChangeResult::kAccepted,
            config_.Change("StopTxnSampledData", "Voltage,SoC,Temperature,Power.Offered"));
}

TEST_F(ConfigurationTest, PhaseRotationValidation) {
  const char* key = "ConnectorPhaseRotation";
  EXPECT_EQ(ChangeResult::kAccepted, config_.Change(key, "0.notapplicable, 1.RST"));
  EXPECT_EQ("0.NotApplicable,1.RST", config_.GetString(ConfigKey::kConnectorPhaseRotation));
  EXPECT_EQ(ChangeResult::kAccepted, config_.Change(key, "Unknown"));
  EXPECT_EQ(ChangeResult::kAccepted, config_.Change(key, ""));
  EXPECT_EQ(ChangeResult::kAccepted, config_.Change(key, "01.TSR"));
  EXPECT_EQ("1.TSR", config_.GetString(ConfigKey::kConnectorPhaseRotation));
  ExpectRejectedUnchanged(key, "2.RST");  // only one connector
  ExpectRejectedUnchanged(key, "1.XYZ");
  ExpectRejectedUnchanged(key, "a.RST");
  ExpectRejectedUnchanged(key, ".RST");
  ExpectRejectedUnchanged(key, "0.RST,0.RTS");      // one connector, two rotations
  ExpectRejectedUnchanged(key, "0.RST,1.RST,RST");  // ConnectorPhaseRotationMaxLength is 2
  ExpectRejectedUnchanged(key, "0.RST,");
}

TEST_F(ConfigurationTest, InternalCslSetIsValidatedToo) {
  EXPECT_TRUE(config_
                  .SetString(ConfigKey::kSupportedFeatureProfiles,
                             "Core,RemoteTrigger,firmwaremanagement", Persist::kNo)
                  .ok());
  EXPECT_EQ("Core,RemoteTrigger,FirmwareManagement",
            config_.GetString(ConfigKey::kSupportedFeatureProfiles));
  EXPECT_EQ(Errc::kInvalidArgument,
            config_.SetString(ConfigKey::kSupportedFeatureProfiles, "Core,Teleport", Persist::kNo)
                .code());
  EXPECT_EQ(
      Errc::kAlreadyExists,
      config_.SetString(ConfigKey::kSupportedFeatureProfiles, "Core,core", Persist::kNo).code());
  EXPECT_EQ("Core,RemoteTrigger,FirmwareManagement",
            config_.GetString(ConfigKey::kSupportedFeatureProfiles));
  EXPECT_EQ(Errc::kInvalidArgument,
            config_.SetString(ConfigKey::kHeartbeatInterval, "5", Persist::kNo).code());
}

// ---------------------------------------------------------------------------------------------
// Security keys

TEST_F(ConfigurationTest, AuthorizationKeyIsNeverRevealed) {
  EXPECT_EQ(ChangeResult::kAccepted, config_.Change("AuthorizationKey", kSecret));
  EXPECT_EQ(kSecret, config_.GetString(ConfigKey::kAuthorizationKey));  // internal use only

  ConfigEntryView e;
  ASSERT_TRUE(config_.Describe(ConfigKey::kAuthorizationKey, &e));
  EXPECT_EQ("AuthorizationKey", e.key);
  EXPECT_FALSE(e.readonly);
  EXPECT_FALSE(e.has_value);
  EXPECT_TRUE(e.value.empty());
  EXPECT_EQ(std::string::npos, EverythingReported().find(kSecret));
  EXPECT_EQ(std::string::npos, EverythingReported().find("00112233"));
  for (const std::string& line : sink_.lines) {
    EXPECT_EQ(std::string::npos, line.find("00112233")) << line;
  }
  // Not even a rejected attempt echoes the (invalid) secret into the log.
  EXPECT_EQ(ChangeResult::kRejected, config_.Change("AuthorizationKey", "secretsecretsecret"));
  EXPECT_FALSE(sink_.Contains("secretsecret"));
}

TEST_F(ConfigurationTest, RejectedValuesCannotForgeLogLines) {
  EXPECT_EQ(ChangeResult::kRejected, config_.Change("HeartbeatInterval", "5\nerror forged"));
  EXPECT_EQ(ChangeResult::kNotSupported, config_.Change("Foo\nerror forged", "1"));
  EXPECT_FALSE(sink_.Contains("forged"));
  EXPECT_TRUE(sink_.Contains("HeartbeatInterval"));
}

TEST_F(ConfigurationTest, AuthorizationKeyBytesDecodesHex) {
  EXPECT_EQ(Errc::kNotFound, config_.AuthorizationKeyBytes(nullptr, 0).status().code());
  ASSERT_EQ(ChangeResult::kAccepted, config_.Change("AuthorizationKey", kSecret));
  uint8_t bytes[20];
  const Result<size_t> n = config_.AuthorizationKeyBytes(bytes, sizeof(bytes));
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(20u, *n);
  EXPECT_EQ(0x00, bytes[0]);
  EXPECT_EQ(0x11, bytes[1]);
  EXPECT_EQ(0xAA, bytes[10]);
  EXPECT_EQ(0x3D, bytes[19]);
  uint8_t small[19];
  EXPECT_EQ(Errc::kResourceExhausted,
            config_.AuthorizationKeyBytes(small, sizeof(small)).status().code());
}

TEST_F(ConfigurationTest, AuthorizationKeyFormatIsChecked) {
  const char* key = "AuthorizationKey";
  ExpectRejectedUnchanged(key, "");                                            // cannot clear
  ExpectRejectedUnchanged(key, "00112233445566778899AABBCCDDEE");              // 15 bytes
  ExpectRejectedUnchanged(key, "00112233445566778899AABBCCDDEEFF0");           // odd digit count
  ExpectRejectedUnchanged(key, "00112233445566778899AABBCCDDEEFF0A1B2C3D4E");  // 21 bytes
  ExpectRejectedUnchanged(key, "00112233445566778899AABBCCDDEEFG");            // not hex
  ExpectRejectedUnchanged(key, "0011223344556677 8899AABBCCDDEEFF");
  EXPECT_EQ(ChangeResult::kAccepted, config_.Change(key, "00112233445566778899aabbccddeeff"));
}

TEST_F(ConfigurationTest, SecurityProfileCanOnlyGoUp) {
  ExpectRejectedUnchanged("SecurityProfile", "1");  // no AuthorizationKey yet
  ExpectRejectedUnchanged("SecurityProfile", "2");
  ASSERT_EQ(ChangeResult::kAccepted, config_.Change("AuthorizationKey", kSecret));
  EXPECT_EQ(ChangeResult::kAccepted, config_.Change("SecurityProfile", "1"));
  EXPECT_EQ(1, config_.GetInt(ConfigKey::kSecurityProfile));
  ExpectRejectedUnchanged("SecurityProfile", "0");                             // downgrade
  EXPECT_EQ(ChangeResult::kAccepted, config_.Change("SecurityProfile", "1"));  // same: no-op
  EXPECT_EQ(ChangeResult::kAccepted, config_.Change("SecurityProfile", "2"));
  ExpectRejectedUnchanged("SecurityProfile", "1");
  EXPECT_EQ(ChangeResult::kAccepted, config_.Change("SecurityProfile", "3"));
  ExpectRejectedUnchanged("SecurityProfile", "2");
  ExpectRejectedUnchanged("SecurityProfile", "4");
  EXPECT_EQ(3, config_.GetInt(ConfigKey::kSecurityProfile));
}

TEST_F(ConfigurationTest, SecurityProfileThreeNeedsNoPassword) {
  EXPECT_EQ(ChangeResult::kAccepted, config_.Change("SecurityProfile", "3"));
  EXPECT_EQ(3, config_.GetInt(ConfigKey::kSecurityProfile));
}

TEST_F(ConfigurationTest, InternalSetMayLowerSecurityProfile) {
  ASSERT_EQ(ChangeResult::kAccepted, config_.Change("SecurityProfile", "3"));
  EXPECT_TRUE(config_.SetInt(ConfigKey::kSecurityProfile, 0, Persist::kYes).ok());
  EXPECT_EQ(0, config_.GetInt(ConfigKey::kSecurityProfile));
}

class VetoGuard final : public ChangeGuard {
 public:
  bool AllowChange(ConfigKey key, std::string_view value) override {
    seen_key = key;
    seen_value = std::string(value);
    ++calls;
    return allow;
  }
  bool allow = false;
  int calls = 0;
  ConfigKey seen_key = ConfigKey::kCount;
  std::string seen_value;
};

TEST_F(ConfigurationTest, ChangeGuardCanVetoAValidChange) {
  VetoGuard guard;
  config_.set_change_guard(&guard);
  ExpectRejectedUnchanged("SecurityProfile", "3");
  EXPECT_EQ(1, guard.calls);
  EXPECT_EQ(ConfigKey::kSecurityProfile, guard.seen_key);
  EXPECT_EQ("3", guard.seen_value);
  guard.allow = true;
  EXPECT_EQ(ChangeResult::kAccepted, config_.Change("SecurityProfile", "+3"));
  EXPECT_EQ(3, config_.GetInt(ConfigKey::kSecurityProfile));
  EXPECT_EQ("3", guard.seen_value);  // canonical text
  // Invalid values never reach the guard.
  const int calls = guard.calls;
  EXPECT_EQ(ChangeResult::kRejected, config_.Change("HeartbeatInterval", "x"));
  EXPECT_EQ(calls, guard.calls);
}

// ---------------------------------------------------------------------------------------------
// Reboot-required flag, versions, internal setters

// A valid CSMS value different from the current one, for any writable key.
std::string OtherValidValue(const KeyDef& d, std::string_view current) {
  switch (d.type) {
    case ValueType::kBool:
      return current == "true" ? "false" : "true";
    case ValueType::kInt:
      return std::to_string(current == std::to_string(d.max) ? d.min : d.max);
    case ValueType::kMeasurandList:
      return current == "Voltage" ? "SoC" : "Voltage";
    case ValueType::kCsl:
      return current == "RST" ? "Unknown" : "RST";
    case ValueType::kString:
      return kSecret;
  }
  return "";
}

TEST_F(ConfigurationTest, EveryWritableKeyAcceptsAChangeAndHonoursRebootRequired) {
  // Key order puts AuthorizationKey before SecurityProfile, so raising the profile is allowed.
  for (size_t i = 0; i < Configuration::KeyCount(); ++i) {
    const KeyDef& d = Configuration::Definition(static_cast<ConfigKey>(i));
    if (d.access == Access::kReadOnly) {
      continue;
    }
    const std::string value = OtherValidValue(d, Value(d.id));
    const ChangeResult expected =
        d.reboot_required ? ChangeResult::kRebootRequired : ChangeResult::kAccepted;
    const uint32_t before = config_.ChangeCount(d.id);
    EXPECT_EQ(expected, config_.Change(d.name, value)) << d.name << "=" << value;
    EXPECT_EQ(before + 1, config_.ChangeCount(d.id)) << d.name;
  }
}

TEST_F(ConfigurationTest, VersionCountsRealChangesOnly) {
  const uint32_t v0 = config_.version();
  const uint32_t hb0 = config_.ChangeCount(ConfigKey::kHeartbeatInterval);
  ASSERT_EQ(ChangeResult::kAccepted, config_.Change("HeartbeatInterval", "30"));
  EXPECT_EQ(v0 + 1, config_.version());
  EXPECT_EQ(hb0 + 1, config_.ChangeCount(ConfigKey::kHeartbeatInterval));
  EXPECT_EQ(0u, config_.ChangeCount(ConfigKey::kMeterValueSampleInterval));
  // Same value again: accepted, nothing written, nothing bumped.
  const int writes = store_.writes;
  ASSERT_EQ(ChangeResult::kAccepted, config_.Change("HeartbeatInterval", "30"));
  EXPECT_EQ(v0 + 1, config_.version());
  EXPECT_EQ(writes, store_.writes);
  // Rejected: nothing bumped.
  ASSERT_EQ(ChangeResult::kRejected, config_.Change("HeartbeatInterval", "-30"));
  EXPECT_EQ(v0 + 1, config_.version());
  // Internal updates count too.
  ASSERT_TRUE(config_.SetInt(ConfigKey::kHeartbeatInterval, 45, Persist::kNo).ok());
  EXPECT_EQ(v0 + 2, config_.version());
  EXPECT_EQ(hb0 + 2, config_.ChangeCount(ConfigKey::kHeartbeatInterval));
}

TEST_F(ConfigurationTest, InternalSettersCheckTypeRangeAndPersistRule) {
  EXPECT_EQ(Errc::kInvalidArgument,
            config_.SetInt(ConfigKey::kLocalPreAuthorize, 1, Persist::kNo).code());
  EXPECT_EQ(Errc::kInvalidArgument,
            config_.SetBool(ConfigKey::kHeartbeatInterval, true, Persist::kNo).code());
  EXPECT_EQ(Errc::kInvalidArgument, config_.SetInt(ConfigKey::kCount, 1, Persist::kNo).code());
  EXPECT_EQ(Errc::kOutOfRange,
            config_.SetInt(ConfigKey::kHeartbeatInterval, 86401, Persist::kNo).code());
  EXPECT_EQ(Errc::kOutOfRange,
            config_.SetInt(ConfigKey::kHeartbeatInterval, -1, Persist::kYes).code());
  EXPECT_EQ(300, config_.GetInt(ConfigKey::kHeartbeatInterval));
  // Read-only keys: runtime value allowed, persisting refused.
  EXPECT_TRUE(config_.SetInt(ConfigKey::kNumberOfConnectors, 2, Persist::kNo).ok());
  EXPECT_EQ(2, config_.GetInt(ConfigKey::kNumberOfConnectors));
  EXPECT_EQ(Errc::kFailedPrecondition,
            config_.SetInt(ConfigKey::kNumberOfConnectors, 3, Persist::kYes).code());
  EXPECT_EQ(2, config_.GetInt(ConfigKey::kNumberOfConnectors));
  EXPECT_TRUE(config_.SetBool(ConfigKey::kAuthorizeRemoteTxRequests, true, Persist::kYes).ok());
  EXPECT_TRUE(config_.GetBool(ConfigKey::kAuthorizeRemoteTxRequests));
}

TEST_F(ConfigurationTest, NumberOfConnectorsBoundsPhaseRotationIds) {
  ExpectRejectedUnchanged("ConnectorPhaseRotation", "2.RST");
  ASSERT_TRUE(config_.SetInt(ConfigKey::kNumberOfConnectors, 2, Persist::kNo).ok());
  EXPECT_EQ(ChangeResult::kAccepted, config_.Change("ConnectorPhaseRotation", "2.RST"));
}

// ---------------------------------------------------------------------------------------------
// Persistence

TEST_F(ConfigurationTest, ChangesSurviveANewInstance) {
  ASSERT_EQ(ChangeResult::kAccepted, config_.Change("HeartbeatInterval", "900"));
  ASSERT_EQ(ChangeResult::kAccepted, config_.Change("LocalPreAuthorize", "true"));
  ASSERT_EQ(ChangeResult::kAccepted, config_.Change("MeterValuesSampledData", "SoC,Voltage"));
  ASSERT_EQ(ChangeResult::kAccepted, config_.Change("AuthorizationKey", kSecret));
  ASSERT_EQ(ChangeResult::kAccepted, config_.Change("SecurityProfile", "2"));
  ASSERT_EQ(ChangeResult::kAccepted, config_.Change("StopTxnSampledData", ""));
  ASSERT_TRUE(config_.SetInt(ConfigKey::kWebSocketPingInterval, 15, Persist::kYes).ok());

  Configuration rebooted(store_, logger_);
  EXPECT_EQ(300, rebooted.GetInt(ConfigKey::kHeartbeatInterval));  // defaults until Load()
  EXPECT_TRUE(rebooted.Load().ok());
  EXPECT_EQ(900, rebooted.GetInt(ConfigKey::kHeartbeatInterval));
  EXPECT_TRUE(rebooted.GetBool(ConfigKey::kLocalPreAuthorize));
  EXPECT_EQ("SoC,Voltage", rebooted.GetString(ConfigKey::kMeterValuesSampledData));
  EXPECT_EQ(kSecret, rebooted.GetString(ConfigKey::kAuthorizationKey));
  EXPECT_EQ(2, rebooted.GetInt(ConfigKey::kSecurityProfile));
  EXPECT_EQ("", rebooted.GetString(ConfigKey::kStopTxnSampledData));
  EXPECT_EQ(15, rebooted.GetInt(ConfigKey::kWebSocketPingInterval));
  EXPECT_EQ(7u, rebooted.load_stats().loaded);
  EXPECT_EQ(0u, rebooted.load_stats().corrupt);
  EXPECT_EQ(0u, rebooted.load_stats().read_errors);
  EXPECT_EQ(EverythingReported(), [&] {
    std::string all;
    for (size_t i = 0; i < Configuration::KeyCount(); ++i) {
      ConfigEntryView e;
      rebooted.Describe(i, &e);
      all += std::string(e.key) + "=" + std::string(e.value.view()) + ";";
    }
    return all;
  }());
}

TEST_F(ConfigurationTest, LoadOfAnEmptyStoreKeepsDefaults) {
  Configuration fresh(store_, logger_);
  EXPECT_TRUE(fresh.Load().ok());
  EXPECT_EQ(0u, fresh.load_stats().loaded);
  EXPECT_EQ(0u, fresh.load_stats().corrupt);
  EXPECT_GT(fresh.load_stats().absent, 20u);
  EXPECT_EQ(300, fresh.GetInt(ConfigKey::kHeartbeatInterval));
}

TEST_F(ConfigurationTest, RuntimeOnlyValuesDoNotSurvive) {
  ASSERT_TRUE(config_.SetInt(ConfigKey::kHeartbeatInterval, 42, Persist::kNo).ok());
  EXPECT_EQ(0, store_.writes);
  Configuration rebooted(store_, logger_);
  EXPECT_TRUE(rebooted.Load().ok());
  EXPECT_EQ(300, rebooted.GetInt(ConfigKey::kHeartbeatInterval));
}

TEST_F(ConfigurationTest, CsmsChangeToTheRuntimeValueIsStillPersisted) {
  // BootNotification.conf set 42 in memory only; then the CSMS asks for 42 explicitly.
  ASSERT_TRUE(config_.SetInt(ConfigKey::kHeartbeatInterval, 42, Persist::kNo).ok());
  ASSERT_EQ(ChangeResult::kAccepted, config_.Change("HeartbeatInterval", "42"));
  EXPECT_EQ(1, store_.writes);
  Configuration rebooted(store_, logger_);
  EXPECT_TRUE(rebooted.Load().ok());
  EXPECT_EQ(42, rebooted.GetInt(ConfigKey::kHeartbeatInterval));
}

TEST_F(ConfigurationTest, FailingStoreRejectsAndKeepsTheOldValue) {
  ASSERT_EQ(ChangeResult::kAccepted, config_.Change("HeartbeatInterval", "120"));
  store_.fail_writes = true;
  const uint32_t version = config_.version();
  EXPECT_EQ(ChangeResult::kRejected, config_.Change("HeartbeatInterval", "240"));
  EXPECT_EQ(120, config_.GetInt(ConfigKey::kHeartbeatInterval));
  EXPECT_EQ(version, config_.version());
  EXPECT_EQ(ChangeResult::kRejected, config_.Change("MeterValuesSampledData", "SoC"));
  EXPECT_EQ("Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,SoC",
            config_.GetString(ConfigKey::kMeterValuesSampledData));
  EXPECT_EQ(Errc::kIo, config_.SetInt(ConfigKey::kHeartbeatInterval, 60, Persist::kYes).code());
  EXPECT_EQ(120, config_.GetInt(ConfigKey::kHeartbeatInterval));
  store_.fail_writes = false;
  Configuration rebooted(store_, logger_);
  EXPECT_TRUE(rebooted.Load().ok());
  EXPECT_EQ(120, rebooted.GetInt(ConfigKey::kHeartbeatInterval));
}

TEST_F(ConfigurationTest, CorruptRecordRestoresTheDefaultAndIsCounted) {
  ASSERT_EQ(ChangeResult::kAccepted, config_.Change("HeartbeatInterval", "900"));
  ASSERT_EQ(ChangeResult::kAccepted, config_.Change("MeterValueSampleInterval", "15"));
  const std::string hb_key(Configuration::Definition(ConfigKey::kHeartbeatInterval).storage_key);
  ASSERT_EQ(1u, store_.data.count(hb_key));
  for (size_t byte = 0; byte < store_.data[hb_key].size(); ++byte) {
    MemoryKvStore copy = store_;
    copy.data[hb_key][byte] ^= 0x04;
    CapturingLogSink sink;
    Logger logger(&sink);
    Configuration rebooted(copy, logger);
    EXPECT_EQ(Errc::kDataLoss, rebooted.Load().code()) << "byte " << byte;
    EXPECT_EQ(300, rebooted.GetInt(ConfigKey::kHeartbeatInterval)) << "byte " << byte;
    EXPECT_EQ(15, rebooted.GetInt(ConfigKey::kMeterValueSampleInterval));  // others unharmed
    EXPECT_EQ(1u, rebooted.load_stats().corrupt);
    EXPECT_EQ(1u, rebooted.load_stats().loaded);
    EXPECT_EQ(0u, copy.data.count(hb_key)) << "corrupt record should be erased";
    EXPECT_TRUE(sink.Contains("HeartbeatInterval")) << "byte " << byte;
  }
}

TEST_F(ConfigurationTest, TruncatedOversizedAndMisplacedRecordsAreDiscarded) {
  ASSERT_EQ(ChangeResult::kAccepted, config_.Change("HeartbeatInterval", "900"));
  ASSERT_EQ(ChangeResult::kAccepted, config_.Change("ConnectionTimeOut", "120"));
  ASSERT_EQ(ChangeResult::kAccepted, config_.Change("LocalPreAuthorize", "true"));
  const auto key_of = [](ConfigKey k) {
    return std::string(Configuration::Definition(k).storage_key);
  };
  // A valid record stored under another key (e.g. a bad copy) must not be taken for this one.
  store_.data[key_of(ConfigKey::kMeterValueSampleInterval)] =
      store_.data[key_of(ConfigKey::kHeartbeatInterval)];
  store_.data[key_of(ConfigKey::kConnectionTimeOut)].resize(3);  // truncated
  store_.data[key_of(ConfigKey::kLocalPreAuthorize)] = std::vector<uint8_t>(500, 0xA5);  // junk
  store_.data[key_of(ConfigKey::kResetRetries)] = {1};  // a lone format byte

  Configuration rebooted(store_, logger_);
  EXPECT_EQ(Errc::kDataLoss, rebooted.Load().code());
  EXPECT_EQ(900, rebooted.GetInt(ConfigKey::kHeartbeatInterval));
  EXPECT_EQ(60, rebooted.GetInt(ConfigKey::kMeterValueSampleInterval));
  EXPECT_EQ(60, rebooted.GetInt(ConfigKey::kConnectionTimeOut));
  EXPECT_FALSE(rebooted.GetBool(ConfigKey::kLocalPreAuthorize));
  EXPECT_EQ(1, rebooted.GetInt(ConfigKey::kResetRetries));
  EXPECT_EQ(4u, rebooted.load_stats().corrupt);
  EXPECT_EQ(1u, rebooted.load_stats().loaded);
  // The next boot is clean.
  Configuration again(store_, logger_);
  EXPECT_TRUE(again.Load().ok());
  EXPECT_EQ(0u, again.load_stats().corrupt);
}

TEST_F(ConfigurationTest, RestoreDefaultsErasesStoredValues) {
  ASSERT_EQ(ChangeResult::kAccepted, config_.Change("HeartbeatInterval", "900"));
  ASSERT_EQ(ChangeResult::kAccepted, config_.Change("AuthorizationKey", kSecret));
  ASSERT_TRUE(config_.SetInt(ConfigKey::kNumberOfConnectors, 2, Persist::kNo).ok());
  const uint32_t version = config_.version();
  EXPECT_TRUE(config_.RestoreDefaults().ok());
  EXPECT_EQ(300, config_.GetInt(ConfigKey::kHeartbeatInterval));
  EXPECT_EQ("", config_.GetString(ConfigKey::kAuthorizationKey));
  EXPECT_EQ(2, config_.GetInt(ConfigKey::kNumberOfConnectors));  // firmware value kept
  EXPECT_GT(config_.version(), version);
  EXPECT_TRUE(store_.data.empty());
  Configuration rebooted(store_, logger_);
  EXPECT_TRUE(rebooted.Load().ok());
  EXPECT_EQ(300, rebooted.GetInt(ConfigKey::kHeartbeatInterval));
}

}  // namespace
}  // namespace evc::ocpp
