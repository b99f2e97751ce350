#pragma once
// The OCPP 1.6 configuration-key store: every Core-profile key, the security whitepaper keys
// AuthorizationKey and SecurityProfile, their validation (what ChangeConfiguration answers) and
// their persistence through the KvStore seam.
//
// Memory: all values live in fixed arrays inside the object (no heap). Persistence: one KvStore
// record per writable key, carrying a CRC-32; a value is written before a change is reported as
// accepted, so an accepted change always survives a reboot. The key table (names, types, ranges,
// defaults, storage keys) is in configuration.cpp and documented in docs/configuration-keys.md.
//
// Single-threaded like the rest of the core.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "evc/common/fixed_string.hpp"
#include "evc/common/log.hpp"
#include "evc/common/status.hpp"
#include "evc/ocpp/measurand.hpp"
#include "evc/storage/kv_store.hpp"

namespace evc::ocpp {

// Stable key ids. Append only: never renumber (the id is written into every stored record).
enum class ConfigKey : uint8_t {
  // OCPP 1.6 Core profile (spec §9.1)
  kAllowOfflineTxForUnknownId = 0,
  kAuthorizationCacheEnabled,
  kAuthorizeRemoteTxRequests,
  kBlinkRepeat,
  kClockAlignedDataInterval,
  kConnectionTimeOut,
  kConnectorPhaseRotation,
  kConnectorPhaseRotationMaxLength,
  kGetConfigurationMaxKeys,
  kHeartbeatInterval,
  kLightIntensity,
  kLocalAuthorizeOffline,
  kLocalPreAuthorize,
  kMaxEnergyOnInvalidId,
  kMeterValuesAlignedData,
  kMeterValuesAlignedDataMaxLength,
  kMeterValuesSampledData,
  kMeterValuesSampledDataMaxLength,
  kMeterValueSampleInterval,
  kMinimumStatusDuration,
  kNumberOfConnectors,
  kResetRetries,
  kStopTransactionOnEVSideDisconnect,
  kStopTransactionOnInvalidId,
  kStopTxnAlignedData,
  kStopTxnAlignedDataMaxLength,
  kStopTxnSampledData,
  kStopTxnSampledDataMaxLength,
  kSupportedFeatureProfiles,
  kSupportedFeatureProfilesMaxLength,
  kTransactionMessageAttempts,
  kTransactionMessageRetryInterval,
  kUnlockConnectorOnEVSideDisconnect,
  kWebSocketPingInterval,
  // Security whitepaper ("Improved security for OCPP 1.6-J")
  kAuthorizationKey,
  kSecurityProfile,
  // Vendor keys (ours): how the charger talks to the CSMS.
  kEvcReconnectMinS,    // reconnect backoff floor
  kEvcReconnectMaxS,    // reconnect backoff cap
  kEvcMessageTimeoutS,  // how long a CALL waits for its answer
  kCount                // not a key

};
constexpr size_t kConfigKeyCount = static_cast<size_t>(ConfigKey::kCount);

enum class ValueType : uint8_t {
  kBool,           // "true" / "false"
  kInt,            // decimal int32 within [min, max]
  kMeasurandList,  // CSL of measurands we can supply (see measurand.hpp)
  kCsl,            // CSL of other items, checked by the key's ItemRule
  kString,         // printable ASCII, checked by the key's ItemRule
};

enum class Access : uint8_t { kReadOnly, kReadWrite, kWriteOnly };

// Extra per-item / per-value rules for text keys.
enum class ItemRule : uint8_t {
  kNone,
  kPhaseRotation,   // [<connectorId>.]NotApplicable|Unknown|RST|RTS|SRT|STR|TRS|TSR
  kFeatureProfile,  // Core|FirmwareManagement|LocalAuthListManagement|Reservation|...
  kHexSecret,       // 32..40 hex digits (16..20 bytes), even count; write-only secret
};

// Longest text value of any key (the OCPP limit is 500; ours are much shorter).
constexpr size_t kMaxConfigValueLength = 128;
using ConfigText = FixedString<kMaxConfigValueLength>;

// One row of the key table.
struct KeyDef {
  ConfigKey id;
  std::string_view name;  // exact OCPP spelling
  ValueType type;
  Access access;
  int32_t min;                     // kInt: inclusive range
  int32_t max;                     // kInt: inclusive range
  uint16_t max_len;                // text types: longest value in characters
  ConfigKey items_limit;           // list types: the *MaxLength key bounding the item count,
                                   // ConfigKey::kCount when the list has no such key
  std::string_view default_value;  // as text, canonical form
  bool reboot_required;            // a CSMS change answers RebootRequired
  std::string_view storage_key;    // KvStore key (storage::IsValidKey), stable forever
  ItemRule rule;
};

// The AuthorizationKey format (security whitepaper): 16..20 bytes written as 32..40 hexadecimal
// digits. Shared with provisioning so that a key is refused where it is entered, not at import.
constexpr size_t kMinAuthorizationKeyHexDigits = 32;
constexpr size_t kMaxAuthorizationKeyHexDigits = 40;
bool IsValidAuthorizationKey(std::string_view hex);

// ChangeConfiguration.conf status.
enum class ChangeResult : uint8_t { kAccepted, kRejected, kRebootRequired, kNotSupported };
// The OCPP spelling: "Accepted", "Rejected", "RebootRequired", "NotSupported".
const char* ChangeResultName(ChangeResult r);

// Whether an internal Set* also writes the value to flash.
enum class Persist : uint8_t { kNo, kYes };

// One configurationKey entry of GetConfiguration.conf. Owns a copy of the value text, so it stays
// valid whatever happens to the configuration afterwards.
struct ConfigEntryView {
  std::string_view key;  // OCPP spelling (static storage)
  bool readonly = false;
  bool has_value = false;  // false for write-only keys: leave "value" out of the message
  ConfigText value;
};

// What Load() found.
struct ConfigLoadStats {
  uint16_t loaded = 0;       // valid stored values applied
  uint16_t absent = 0;       // no record: default kept
  uint16_t corrupt = 0;      // bad CRC/format/value: default restored, record erased
  uint16_t read_errors = 0;  // the store failed to read: default used, record left alone
};

// Lets the owner veto a CSMS change that is valid as a value but not possible right now (e.g.
// SecurityProfile 2 while no CentralSystemRootCertificate is installed, or 3 without a client
// certificate). Not consulted for internal Set* calls.
class ChangeGuard {
 public:
  virtual ~ChangeGuard() = default;
  // `value` is the canonical text that would be stored. Return false to answer Rejected.
  virtual bool AllowChange(ConfigKey key, std::string_view value) = 0;
};

class Configuration {
 public:
  // Starts with every key at its default; call Load() once at boot to apply stored values.
  Configuration(storage::KvStore& store, Logger& logger);
  Configuration(const Configuration&) = delete;
  Configuration& operator=(const Configuration&) = delete;

  // Reads every stored writable key, checks its CRC and re-validates it. A missing, corrupt or
  // invalid record leaves (or restores) the default; corrupt records are logged, counted and
  // erased. Never blocks boot: the configuration is usable whatever this returns.
  // Returns OK when every record present was valid, kDataLoss when at least one was replaced by
  // its default, kIo when the store could not be read for at least one key (details in
  // load_stats() and the log).
  Status Load();
  const ConfigLoadStats& load_stats() const { return load_stats_; }

  // ChangeConfiguration from the CSMS. Unknown key -> kNotSupported; read-only key or invalid
  // value -> kRejected (value unchanged). SecurityProfile may only go up, and to 1 or 2 only with
  // an AuthorizationKey set. An accepted value is written to the store before this returns;
  // if that write fails the answer is kRejected and the old value stays. A value equal to the
  // current one is accepted without a write.
  ChangeResult Change(std::string_view key, std::string_view value);
  void set_change_guard(ChangeGuard* guard) { guard_ = guard; }

  // Internal updates (e.g. HeartbeatInterval from BootNotification.conf, factory provisioning).
  // They bypass access checks and the SecurityProfile downgrade rule, not validation:
  // kInvalidArgument for a key of another type or a malformed text, kOutOfRange outside
  // [min, max], kFailedPrecondition when asking to persist a read-only key (read-only values come
  // from firmware, never from flash), or the store's error when persisting failed (value kept).
  Status SetInt(ConfigKey key, int32_t value, Persist persist);
  Status SetBool(ConfigKey key, bool value, Persist persist);
  Status SetString(ConfigKey key, std::string_view value, Persist persist);

  // Factory reset of the configuration: every writable key back to its default, its stored
  // record erased (read-only keys keep their firmware values).
  // Returns the first store error (the in-memory defaults are applied regardless).
  Status RestoreDefaults();

  // Typed getters. Asking for a key of another type is a programming error and returns
  // false / 0 / "".
  bool GetBool(ConfigKey key) const;
  int32_t GetInt(ConfigKey key) const;
  // Text of a list or string key (canonical form). Includes the AuthorizationKey: for internal
  // use only, never for GetConfiguration (use Describe()).
  std::string_view GetString(ConfigKey key) const;
  // The measurands of a kMeasurandList key, in configured order.
  Result<size_t> GetMeasurands(ConfigKey key, Measurand* out, size_t cap) const;
  // The AuthorizationKey decoded from hex into bytes (the HTTP Basic Auth password). kNotFound
  // when none is set.
  Result<size_t> AuthorizationKeyBytes(uint8_t* out, size_t cap) const;

  // Key lookup by OCPP name, ASCII case-insensitive (CiString). kNotFound for unknown keys.
  static Result<ConfigKey> Find(std::string_view name);
  static constexpr size_t KeyCount() { return kConfigKeyCount; }
  static const KeyDef& Definition(ConfigKey key);

  // GetConfiguration support: entry `index` in [0, KeyCount()), in ConfigKey order. Write-only
  // keys come with has_value == false. Returns false for an index out of range.
  bool Describe(size_t index, ConfigEntryView* out) const;
  bool Describe(ConfigKey key, ConfigEntryView* out) const {
    return Describe(static_cast<size_t>(key), out);
  }

  // Bumped on every value change (CSMS or internal, not by Load()). Callers compare with a copy
  // they kept to notice changes cheaply, e.g. to reschedule the heartbeat.
  uint32_t version() const { return version_; }
  uint32_t ChangeCount(ConfigKey key) const;

 private:
  struct Parsed {
    int32_t number = 0;
    ConfigText text;
  };
  // Number of list/string keys; each owns one text slot (checked against the table).
  static constexpr size_t kTextSlots = 7;
  static size_t Index(ConfigKey key) { return static_cast<size_t>(key); }
  Status Parse(const KeyDef& def, std::string_view in, Parsed* out) const;
  Status ParseCsl(const KeyDef& def, std::string_view in, ConfigText* out) const;
  Status CheckCsmsPolicy(const KeyDef& def, const Parsed& p) const;
  bool SameAsCurrent(const KeyDef& def, const Parsed& p) const;
  Status Commit(const KeyDef& def, const Parsed& p, Persist persist);
  Status WriteRecord(const KeyDef& def, std::string_view text);
  void ApplyDefault(const KeyDef& def);
  static void CanonicalText(const KeyDef& def, const Parsed& p, ConfigText* out);
  void FormatValue(const KeyDef& def, ConfigText* out) const;
  size_t ItemLimit(const KeyDef& def) const;

  storage::KvStore& store_;
  Logger& log_;
  ChangeGuard* guard_ = nullptr;
  int32_t numbers_[kConfigKeyCount] = {};   // bool and int keys
  ConfigText texts_[kTextSlots];            // list and string keys
  bool unpersisted_[kConfigKeyCount] = {};  // memory differs from flash (Persist::kNo)
  uint32_t change_count_[kConfigKeyCount] = {};
  uint32_t version_ = 0;
  ConfigLoadStats load_stats_;
};

}  // namespace evc::ocpp
