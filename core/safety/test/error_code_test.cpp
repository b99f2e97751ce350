#include "evc/safety/error_code.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <set>
#include <string>

namespace evc::safety {
namespace {

// ChargePointErrorCode values of the OCPP 1.6 StatusNotification schema.
const std::set<std::string> kOcppErrorCodes = {"ConnectorLockFailure",
                                               "EVCommunicationError",
                                               "GroundFailure",
                                               "HighTemperature",
                                               "InternalError",
                                               "LocalListConflict",
                                               "NoError",
                                               "OtherError",
                                               "OverCurrentFailure",
                                               "PowerMeterFailure",
                                               "PowerSwitchFailure",
                                               "ReaderFailure",
                                               "ResetFailure",
                                               "UnderVoltage",
                                               "OverVoltage",
                                               "WeakSignal"};

TEST(ErrorCode, TableIsOrderedUniqueAndComplete) {
  size_t n = 0;
  const ErrorInfo* t = ErrorTable(&n);
  ASSERT_GT(n, 20u);
  std::set<std::string> names, vendor;
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) {
      EXPECT_LT(static_cast<int>(t[i - 1].code), static_cast<int>(t[i].code));
    }
    EXPECT_TRUE(names.insert(t[i].name).second) << t[i].name;
    EXPECT_TRUE(vendor.insert(t[i].vendor_error_code).second) << t[i].vendor_error_code;
    EXPECT_EQ(1u, kOcppErrorCodes.count(t[i].ocpp_error_code)) << t[i].ocpp_error_code;
    EXPECT_LE(strlen(t[i].vendor_error_code), 50u);  // CiString50
    char expected[16];
    snprintf(expected, sizeof(expected), "EVC-%03d", static_cast<int>(t[i].code));
    EXPECT_STREQ(expected, t[i].vendor_error_code);
    EXPECT_GT(strlen(t[i].meaning), 5u);
    EXPECT_GT(strlen(t[i].operator_action), 3u);
    EXPECT_EQ(&t[i], &Describe(t[i].code));
  }
}

TEST(ErrorCode, StableNumbersOfTheFieldCodes) {
  // These numbers are printed in manuals and seen in CSMS logs: they must never change.
  EXPECT_EQ(101, static_cast<int>(ErrorCode::kCanBusOff));
  EXPECT_EQ(110, static_cast<int>(ErrorCode::kModuleOffline));
  EXPECT_EQ(120, static_cast<int>(ErrorCode::kBmsTimeout));
  EXPECT_EQ(130, static_cast<int>(ErrorCode::kOverVoltage));
  EXPECT_EQ(141, static_cast<int>(ErrorCode::kContactorWelded));
  EXPECT_EQ(150, static_cast<int>(ErrorCode::kEmergencyStop));
  EXPECT_EQ(190, static_cast<int>(ErrorCode::kInternalInvariant));
}

TEST(ErrorCode, SafetyRelevantCodesStopAndLatch) {
  for (ErrorCode c : {ErrorCode::kEmergencyStop, ErrorCode::kContactorWelded,
                      ErrorCode::kOverVoltage, ErrorCode::kOverCurrent, ErrorCode::kWatchdog,
                      ErrorCode::kCanBusOff, ErrorCode::kModuleOffline}) {
    EXPECT_TRUE(Latches(Describe(c).severity)) << Describe(c).name;
  }
  EXPECT_TRUE(StopsCharging(Describe(ErrorCode::kBmsTimeout).severity));
  EXPECT_TRUE(StopsCharging(Describe(ErrorCode::kCanBusRecovering).severity));
  EXPECT_FALSE(Latches(Describe(ErrorCode::kCanBusRecovering).severity));
  EXPECT_FALSE(StopsCharging(Describe(ErrorCode::kVehicleRequestedStop).severity));
  EXPECT_EQ(Severity::kCritical, Describe(ErrorCode::kContactorWelded).severity);
}

TEST(ErrorCode, UnknownCodeFallsBackToInvariant) {
  EXPECT_EQ(ErrorCode::kInternalInvariant, Describe(static_cast<ErrorCode>(9999)).code);
}

}  // namespace
}  // namespace evc::safety
