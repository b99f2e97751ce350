// Payload schemas of the OCPP 1.6 messages the charge point receives, transcribed from the
// official OCPP 1.6 JSON schemas (field names, CiString lengths, enumerations, required members).
#include <cstdint>
#include <cstring>

#include "evc/ocpp/schema.hpp"

namespace evc::ocpp::schema {
namespace {

constexpr int64_t kNoMin = INT32_MIN;

constexpr Field Str(const char* n, bool req, uint16_t len) {
  return {n, Type::kString, req, len, nullptr, 0, nullptr, 0, Type::kString, 0};
}
template <size_t N>
constexpr Field Enum(const char* n, bool req, const char* const (&values)[N]) {
  return {n, Type::kString, req, 0, values, static_cast<uint8_t>(N), nullptr, 0, Type::kString, 0};
}
constexpr Field Int(const char* n, bool req, int64_t min = kNoMin) {
  return {n, Type::kInteger, req, 0, nullptr, 0, nullptr, 0, Type::kInteger, min};
}
constexpr Field Dec(const char* n, bool req, int64_t min = kNoMin) {
  return {n, Type::kDecimal, req, 0, nullptr, 0, nullptr, 0, Type::kDecimal, min};
}
constexpr Field Time(const char* n, bool req) {
  return {n, Type::kDateTime, req, 0, nullptr, 0, nullptr, 0, Type::kDateTime, 0};
}
template <size_t N>
constexpr Field Obj(const char* n, bool req, const Field (&children)[N]) {
  return {n,        Type::kObject,           req,           0, nullptr, 0,
          children, static_cast<uint8_t>(N), Type::kObject, 0};
}
template <size_t N>
constexpr Field ArrObj(const char* n, bool req, const Field (&children)[N]) {
  return {n, Type::kArray, req, 0, nullptr, 0, children, static_cast<uint8_t>(N), Type::kObject, 0};
}
constexpr Field ArrStr(const char* n, bool req, uint16_t len) {
  return {n, Type::kArray, req, len, nullptr, 0, nullptr, 0, Type::kString, 0};
}
template <size_t N>
constexpr Object Of(const Field (&fields)[N]) {
  return {fields, static_cast<uint8_t>(N)};
}
constexpr Object kEmpty = {nullptr, 0};

// Enumerations.
constexpr const char* kAvailabilityType[] = {"Inoperative", "Operative"};
constexpr const char* kAvailabilityStatus[] = {"Accepted", "Rejected", "Scheduled"};
constexpr const char* kConfigurationStatus[] = {"Accepted", "Rejected", "RebootRequired",
                                                "NotSupported"};
constexpr const char* kAcceptedRejected[] = {"Accepted", "Rejected"};
constexpr const char* kDataTransferStatus[] = {"Accepted", "Rejected", "UnknownMessageId",
                                               "UnknownVendorId"};
constexpr const char* kResetType[] = {"Hard", "Soft"};
constexpr const char* kUnlockStatus[] = {"Unlocked", "UnlockFailed", "NotSupported"};
constexpr const char* kRegistrationStatus[] = {"Accepted", "Pending", "Rejected"};
constexpr const char* kAuthorizationStatus[] = {"Accepted", "Blocked", "Expired", "Invalid",
                                                "ConcurrentTx"};
constexpr const char* kProfilePurpose[] = {"ChargePointMaxProfile", "TxDefaultProfile",
                                           "TxProfile"};
constexpr const char* kProfileKind[] = {"Absolute", "Recurring", "Relative"};
constexpr const char* kRecurrencyKind[] = {"Daily", "Weekly"};
constexpr const char* kRateUnit[] = {"A", "W"};

// Shared structures.
constexpr Field kIdTagInfo[] = {Time("expiryDate", false), Str("parentIdTag", false, 20),
                                Enum("status", true, kAuthorizationStatus)};
constexpr Field kSchedulePeriod[] = {Int("startPeriod", true), Dec("limit", true),
                                     Int("numberPhases", false)};
constexpr Field kSchedule[] = {
    Int("duration", false), Time("startSchedule", false), Enum("chargingRateUnit", true, kRateUnit),
    ArrObj("chargingSchedulePeriod", true, kSchedulePeriod), Dec("minChargingRate", false)};
constexpr Field kChargingProfile[] = {Int("chargingProfileId", true),
                                      Int("transactionId", false),
                                      Int("stackLevel", true, 0),
                                      Enum("chargingProfilePurpose", true, kProfilePurpose),
                                      Enum("chargingProfileKind", true, kProfileKind),
                                      Enum("recurrencyKind", false, kRecurrencyKind),
                                      Time("validFrom", false),
                                      Time("validTo", false),
                                      Obj("chargingSchedule", true, kSchedule)};
constexpr Field kConfigurationKey[] = {
    Str("key", true, 50),
    {"readonly", Type::kBoolean, true, 0, nullptr, 0, nullptr, 0, Type::kBoolean, 0},
    Str("value", false, 500)};

// CS→CP requests and their confirmations.
constexpr Field kChangeAvailabilityReq[] = {Int("connectorId", true, 0),
                                            Enum("type", true, kAvailabilityType)};
constexpr Field kChangeAvailabilityConf[] = {Enum("status", true, kAvailabilityStatus)};
constexpr Field kChangeConfigurationReq[] = {Str("key", true, 50), Str("value", true, 500)};
constexpr Field kChangeConfigurationConf[] = {Enum("status", true, kConfigurationStatus)};
constexpr Field kStatusAcceptedRejected[] = {Enum("status", true, kAcceptedRejected)};
constexpr Field kDataTransferReq[] = {Str("vendorId", true, 255), Str("messageId", false, 50),
                                      Str("data", false, 0)};
constexpr Field kDataTransferConf[] = {Enum("status", true, kDataTransferStatus),
                                       Str("data", false, 0)};
constexpr Field kGetConfigurationReq[] = {ArrStr("key", false, 50)};
constexpr Field kGetConfigurationConf[] = {ArrObj("configurationKey", false, kConfigurationKey),
                                           ArrStr("unknownKey", false, 50)};
constexpr Field kRemoteStartReq[] = {Int("connectorId", false, 0), Str("idTag", true, 20),
                                     Obj("chargingProfile", false, kChargingProfile)};
constexpr Field kRemoteStopReq[] = {Int("transactionId", true)};
constexpr Field kResetReq[] = {Enum("type", true, kResetType)};
constexpr Field kUnlockReq[] = {Int("connectorId", true, 0)};
constexpr Field kUnlockConf[] = {Enum("status", true, kUnlockStatus)};

// CP→CS confirmations.
constexpr Field kAuthorizeConf[] = {Obj("idTagInfo", true, kIdTagInfo)};
constexpr Field kBootConf[] = {Enum("status", true, kRegistrationStatus), Time("currentTime", true),
                               Int("interval", true, 0)};
constexpr Field kHeartbeatConf[] = {Time("currentTime", true)};
constexpr Field kStartTransactionConf[] = {Obj("idTagInfo", true, kIdTagInfo),
                                           Int("transactionId", true)};
constexpr Field kStopTransactionConf[] = {Obj("idTagInfo", false, kIdTagInfo)};

constexpr Message kMessages[] = {
    // Core profile, CSMS-initiated.
    {"ChangeAvailability", Of(kChangeAvailabilityReq), Of(kChangeAvailabilityConf), true, true},
    {"ChangeConfiguration", Of(kChangeConfigurationReq), Of(kChangeConfigurationConf), true, true},
    {"ClearCache", kEmpty, Of(kStatusAcceptedRejected), true, true},
    {"DataTransfer", Of(kDataTransferReq), Of(kDataTransferConf), true, true},
    {"GetConfiguration", Of(kGetConfigurationReq), Of(kGetConfigurationConf), true, true},
    {"RemoteStartTransaction", Of(kRemoteStartReq), Of(kStatusAcceptedRejected), true, true},
    {"RemoteStopTransaction", Of(kRemoteStopReq), Of(kStatusAcceptedRejected), true, true},
    {"Reset", Of(kResetReq), Of(kStatusAcceptedRejected), true, true},
    {"UnlockConnector", Of(kUnlockReq), Of(kUnlockConf), true, true},
    // Core profile, charge-point-initiated (confirmation schemas validate CSMS answers).
    {"Authorize", kEmpty, Of(kAuthorizeConf), false, true},
    {"BootNotification", kEmpty, Of(kBootConf), false, true},
    {"Heartbeat", kEmpty, Of(kHeartbeatConf), false, true},
    {"MeterValues", kEmpty, kEmpty, false, true},
    {"StartTransaction", kEmpty, Of(kStartTransactionConf), false, true},
    {"StatusNotification", kEmpty, kEmpty, false, true},
    {"StopTransaction", kEmpty, Of(kStopTransactionConf), false, true},
    // Other OCPP 1.6 profiles and the security extension: known, answered NotSupported.
    {"CancelReservation", kEmpty, kEmpty, true, false},
    {"CertificateSigned", kEmpty, kEmpty, true, false},
    {"ClearChargingProfile", kEmpty, kEmpty, true, false},
    {"DeleteCertificate", kEmpty, kEmpty, true, false},
    {"DiagnosticsStatusNotification", kEmpty, kEmpty, false, false},
    {"ExtendedTriggerMessage", kEmpty, kEmpty, true, false},
    {"FirmwareStatusNotification", kEmpty, kEmpty, false, false},
    {"GetCompositeSchedule", kEmpty, kEmpty, true, false},
    {"GetDiagnostics", kEmpty, kEmpty, true, false},
    {"GetInstalledCertificateIds", kEmpty, kEmpty, true, false},
    {"GetLocalListVersion", kEmpty, kEmpty, true, false},
    {"GetLog", kEmpty, kEmpty, true, false},
    {"InstallCertificate", kEmpty, kEmpty, true, false},
    {"LogStatusNotification", kEmpty, kEmpty, false, false},
    {"ReserveNow", kEmpty, kEmpty, true, false},
    {"SecurityEventNotification", kEmpty, kEmpty, false, false},
    {"SendLocalList", kEmpty, kEmpty, true, false},
    {"SetChargingProfile", kEmpty, kEmpty, true, false},
    {"SignCertificate", kEmpty, kEmpty, false, false},
    {"SignedFirmwareStatusNotification", kEmpty, kEmpty, false, false},
    {"SignedUpdateFirmware", kEmpty, kEmpty, true, false},
    {"TriggerMessage", kEmpty, kEmpty, true, false},
    {"UpdateFirmware", kEmpty, kEmpty, true, false},
};

}  // namespace

const Message* FindMessage(std::string_view action) {
  for (const Message& m : kMessages) {
    if (action == m.action) {
      return &m;
    }
  }
  return nullptr;
}

}  // namespace evc::ocpp::schema
