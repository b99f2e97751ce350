#include "evc/ocpp/configuration.hpp"

#include <cstdio>
#include <cstring>

#include "evc/common/crc32.hpp"

namespace evc::ocpp {

namespace {

constexpr const char* kTag = "config";
constexpr ConfigKey kNoKey = ConfigKey::kCount;

// Largest number of items in any list key (also bounds the *MaxLength keys).
constexpr size_t kMaxListItems = 8;
// Longest ConnectorPhaseRotation / feature-profile item after canonicalisation.
constexpr size_t kMaxItemLength = 32;
// Characters of a CSMS-supplied value repeated in a log line.
constexpr int kMaxLoggedValue = 64;

using VT = ValueType;
using AC = Access;
using IR = ItemRule;

// Row builders, so each row states only what matters for its type.
constexpr KeyDef Bool(ConfigKey id, std::string_view name, std::string_view def,
                      std::string_view storage_key) {
  return {id, name, VT::kBool, AC::kReadWrite, 0, 1, 0, kNoKey, def, false, storage_key, IR::kNone};
}
constexpr KeyDef Int(ConfigKey id, std::string_view name, Access access, int32_t min, int32_t max,
                     std::string_view def, std::string_view storage_key) {
  return {id, name, VT::kInt, access, min, max, 0, kNoKey, def, false, storage_key, IR::kNone};
}
constexpr KeyDef Measurands(ConfigKey id, std::string_view name, ConfigKey limit,
                            std::string_view def, std::string_view storage_key) {
  return {id,  name,  VT::kMeasurandList, AC::kReadWrite, 0, 0, kMaxConfigValueLength, limit,
          def, false, storage_key,        IR::kNone};
}
constexpr KeyDef List(ConfigKey id, std::string_view name, Access access, uint16_t max_len,
                      ConfigKey limit, ItemRule rule, std::string_view def,
                      std::string_view storage_key) {
  return {id, name, VT::kCsl, access, 0, 0, max_len, limit, def, false, storage_key, rule};
}

// The key table. Ranges and defaults are argued in docs/configuration-keys.md; keep both in step.
// Rows follow ConfigKey order (checked below). Storage keys are written to flash: never rename.
// A key whose change only takes effect after a reboot gets reboot_required = true.
using CK = ConfigKey;
constexpr KeyDef kDefs[] = {
    Bool(CK::kAllowOfflineTxForUnknownId, "AllowOfflineTxForUnknownId", "false", "cfg_offl_unk"),
    Bool(CK::kAuthorizationCacheEnabled, "AuthorizationCacheEnabled", "true", "cfg_auth_cache"),
    Bool(CK::kAuthorizeRemoteTxRequests, "AuthorizeRemoteTxRequests", "false", "cfg_auth_remote"),
    Int(CK::kBlinkRepeat, "BlinkRepeat", AC::kReadWrite, 0, 60, "0", "cfg_blink"),
    // 0 = no clock-aligned data.
    Int(CK::kClockAlignedDataInterval, "ClockAlignedDataInterval", AC::kReadWrite, 0, 86400, "0",
        "cfg_clk_intv"),
    Int(CK::kConnectionTimeOut, "ConnectionTimeOut", AC::kReadWrite, 10, 3600, "60", "cfg_conn_to"),
    List(CK::kConnectorPhaseRotation, "ConnectorPhaseRotation", AC::kReadWrite, 64,
         CK::kConnectorPhaseRotationMaxLength, IR::kPhaseRotation, "NotApplicable",
         "cfg_phase_rot"),
    Int(CK::kConnectorPhaseRotationMaxLength, "ConnectorPhaseRotationMaxLength", AC::kReadOnly, 1,
        5, "2", "cfg_phase_mx"),
    Int(CK::kGetConfigurationMaxKeys, "GetConfigurationMaxKeys", AC::kReadOnly, 1, 100, "50",
        "cfg_getcfg_mx"),
    // 0 = no periodic Heartbeat (WebSocket ping still watches the link).
    Int(CK::kHeartbeatInterval, "HeartbeatInterval", AC::kReadWrite, 0, 86400, "300",
        "cfg_hb_intv"),
    Int(CK::kLightIntensity, "LightIntensity", AC::kReadWrite, 0, 100, "100", "cfg_light"),
    Bool(CK::kLocalAuthorizeOffline, "LocalAuthorizeOffline", "true", "cfg_auth_offl"),
    Bool(CK::kLocalPreAuthorize, "LocalPreAuthorize", "false", "cfg_pre_auth"),
    Int(CK::kMaxEnergyOnInvalidId, "MaxEnergyOnInvalidId", AC::kReadWrite, 0, 1000000, "0",
        "cfg_max_e_inv"),
    Measurands(CK::kMeterValuesAlignedData, "MeterValuesAlignedData",
               CK::kMeterValuesAlignedDataMaxLength, "Energy.Active.Import.Register", "cfg_mval"),
    Int(CK::kMeterValuesAlignedDataMaxLength, "MeterValuesAlignedDataMaxLength", AC::kReadOnly, 1,
        8, "6", "cfg_mval_mx"),
    Measurands(
        CK::kMeterValuesSampledData, "MeterValuesSampledData", CK::kMeterValuesSampledDataMaxLength,
        "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,SoC", "cfg_mvsa"),
    Int(CK::kMeterValuesSampledDataMaxLength, "MeterValuesSampledDataMaxLength", AC::kReadOnly, 1,
        8, "6", "cfg_mvsa_mx"),
    // 0 = no periodic sampled meter values.
    Int(CK::kMeterValueSampleInterval, "MeterValueSampleInterval", AC::kReadWrite, 0, 3600, "60",
        "cfg_mv_intv"),
    Int(CK::kMinimumStatusDuration, "MinimumStatusDuration", AC::kReadWrite, 0, 3600, "0",
        "cfg_min_stat"),
    Int(CK::kNumberOfConnectors, "NumberOfConnectors", AC::kReadOnly, 1, 4, "1", "cfg_n_conn"),
    Int(CK::kResetRetries, "ResetRetries", AC::kReadWrite, 0, 5, "1", "cfg_rst_retry"),
    Bool(CK::kStopTransactionOnEVSideDisconnect, "StopTransactionOnEVSideDisconnect", "true",
         "cfg_stop_evdisc"),
    Bool(CK::kStopTransactionOnInvalidId, "StopTransactionOnInvalidId", "true", "cfg_stop_inv"),
    Measurands(CK::kStopTxnAlignedData, "StopTxnAlignedData", CK::kStopTxnAlignedDataMaxLength, "",
               "cfg_stal"),
    Int(CK::kStopTxnAlignedDataMaxLength, "StopTxnAlignedDataMaxLength", AC::kReadOnly, 1, 8, "4",
        "cfg_stal_mx"),
    Measurands(CK::kStopTxnSampledData, "StopTxnSampledData", CK::kStopTxnSampledDataMaxLength,
               "Energy.Active.Import.Register", "cfg_stsa"),
    Int(CK::kStopTxnSampledDataMaxLength, "StopTxnSampledDataMaxLength", AC::kReadOnly, 1, 8, "4",
        "cfg_stsa_mx"),
    // The ChargePoint may widen this at startup (SetString, Persist::kNo) as it gains profiles.
    List(CK::kSupportedFeatureProfiles, "SupportedFeatureProfiles", AC::kReadOnly, 100,
         CK::kSupportedFeatureProfilesMaxLength, IR::kFeatureProfile, "Core", "cfg_feat"),
    Int(CK::kSupportedFeatureProfilesMaxLength, "SupportedFeatureProfilesMaxLength", AC::kReadOnly,
        1, 6, "6", "cfg_feat_mx"),
    Int(CK::kTransactionMessageAttempts, "TransactionMessageAttempts", AC::kReadWrite, 1, 10, "3",
        "cfg_tx_att"),
    Int(CK::kTransactionMessageRetryInterval, "TransactionMessageRetryInterval", AC::kReadWrite, 1,
        3600, "60", "cfg_tx_retry"),
    Bool(CK::kUnlockConnectorOnEVSideDisconnect, "UnlockConnectorOnEVSideDisconnect", "true",
         "cfg_unlk_evdisc"),
    // 0 = no WebSocket ping.
    Int(CK::kWebSocketPingInterval, "WebSocketPingInterval", AC::kReadWrite, 0, 3600, "60",
        "cfg_ws_ping"),
    // Write-only Basic Auth password, hex encoded; empty = not set. Never in source.
    {CK::kAuthorizationKey, "AuthorizationKey", VT::kString, AC::kWriteOnly, 0, 0, 40, kNoKey, "",
     false, "cfg_auth_key", IR::kHexSecret},
    // Only raised by the CSMS; see CheckCsmsPolicy().
    Int(CK::kSecurityProfile, "SecurityProfile", AC::kReadWrite, 0, 3, "0", "cfg_sec_prof"),
    // Vendor keys. Reconnection: exponential backoff with full jitter between these bounds.
    Int(CK::kEvcReconnectMinS, "EvcReconnectMinS", AC::kReadWrite, 1, 600, "1", "cfg_rc_min"),
    Int(CK::kEvcReconnectMaxS, "EvcReconnectMaxS", AC::kReadWrite, 1, 3600, "120", "cfg_rc_max"),
    // A CALL without an answer after this long counts as failed (then retried as its kind says).
    Int(CK::kEvcMessageTimeoutS, "EvcMessageTimeoutS", AC::kReadWrite, 5, 300, "30", "cfg_msg_tmo"),
};

constexpr bool IsText(ValueType t) {
  return t == VT::kMeasurandList || t == VT::kCsl || t == VT::kString;
}

// Compile-time checks on the table: order, text slots, storage keys.
constexpr bool RowsInEnumOrder() {
  for (size_t i = 0; i < kConfigKeyCount; ++i) {
    if (static_cast<size_t>(kDefs[i].id) != i) {
      return false;
    }
  }
  return true;
}
constexpr size_t CountTextKeys() {
  size_t n = 0;
  for (const KeyDef& d : kDefs) {
    n += IsText(d.type) ? 1 : 0;
  }
  return n;
}
constexpr bool StorageKeysFitNvs() {
  for (const KeyDef& d : kDefs) {
    if (d.storage_key.empty() || d.storage_key.size() > storage::kMaxKeyLength) {
      return false;
    }
  }
  return true;
}
constexpr bool TextLengthsFit() {
  for (const KeyDef& d : kDefs) {
    if (IsText(d.type) && (d.max_len == 0 || d.max_len > kMaxConfigValueLength)) {
      return false;
    }
  }
  return true;
}
static_assert(sizeof(kDefs) / sizeof(kDefs[0]) == kConfigKeyCount, "one row per ConfigKey");
static_assert(RowsInEnumOrder(), "kDefs rows must follow ConfigKey order");
static_assert(StorageKeysFitNvs(), "storage keys must be 1..15 characters");
static_assert(TextLengthsFit(), "text keys must fit kMaxConfigValueLength");

struct TextSlots {
  uint8_t slot[kConfigKeyCount];
  size_t count;
};
constexpr TextSlots MakeTextSlots() {
  TextSlots t{};
  for (size_t i = 0; i < kConfigKeyCount; ++i) {
    t.slot[i] = static_cast<uint8_t>(t.count);
    if (IsText(kDefs[i].type)) {
      ++t.count;
    }
  }
  return t;
}
constexpr TextSlots kText = MakeTextSlots();

// Stored record: [format][key id][value length][value text ...][CRC-32 of all before, LE].
constexpr uint8_t kRecordFormat = 1;
constexpr size_t kRecordHeader = 3;
constexpr size_t kRecordCrc = 4;
constexpr size_t kMaxRecord = kRecordHeader + kMaxConfigValueLength + kRecordCrc;
static_assert(kMaxConfigValueLength <= 255, "value length is stored in one byte");

constexpr std::string_view kPhaseRotations[] = {"NotApplicable", "Unknown", "RST", "RTS",
                                                "SRT",           "STR",     "TRS", "TSR"};
constexpr std::string_view kFeatureProfiles[] = {
    "Core",        "FirmwareManagement", "LocalAuthListManagement",
    "Reservation", "SmartCharging",      "RemoteTrigger"};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

bool IsPrintableAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7E) {
      return false;
    }
  }
  return true;
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// Strict decimal: optional sign, at least one digit, nothing else, within int32.
bool ParseInt32(std::string_view s, int32_t* out) {
  size_t i = 0;
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    i = 1;
  }
  if (i == s.size()) {
    return false;
  }
  int64_t v = 0;
  for (; i < s.size(); ++i) {
    if (!IsDigit(s[i])) {
      return false;
    }
    v = v * 10 + (s[i] - '0');
    if (v > static_cast<int64_t>(INT32_MAX) + 1) {
      return false;  // overflow; stop before int64 could wrap on absurd input
    }
  }
  v = negative ? -v : v;
  if (v > INT32_MAX || v < INT32_MIN) {
    return false;
  }
  *out = static_cast<int32_t>(v);
  return true;
}

// Matches `item` case-insensitively against `names`; returns the canonical spelling.
template <size_t N>
std::string_view MatchName(std::string_view item, const std::string_view (&names)[N]) {
  for (const std::string_view& n : names) {
    if (EqualsIgnoreCase(item, n)) {
      return n;
    }
  }
  return {};
}

int LoggedLength(std::string_view v) {
  return v.size() > static_cast<size_t>(kMaxLoggedValue) ? kMaxLoggedValue
                                                         : static_cast<int>(v.size());
}

}  // namespace

const char* ChangeResultName(ChangeResult r) {
  switch (r) {
    case ChangeResult::kAccepted:
      return "Accepted";
    case ChangeResult::kRejected:
      return "Rejected";
    case ChangeResult::kRebootRequired:
      return "RebootRequired";
    case ChangeResult::kNotSupported:
      return "NotSupported";
  }
  return "Rejected";
}

Configuration::Configuration(storage::KvStore& store, Logger& logger)
    : store_(store), log_(logger) {
  static_assert(CountTextKeys() == kTextSlots, "kTextSlots must match the table");
  // Numbers first: list defaults are validated against the *MaxLength and NumberOfConnectors keys.
  for (const KeyDef& d : kDefs) {
    if (!IsText(d.type)) {
      ApplyDefault(d);
    }
  }
  for (const KeyDef& d : kDefs) {
    if (IsText(d.type)) {
      ApplyDefault(d);
    }
  }
}

const KeyDef& Configuration::Definition(ConfigKey key) {
  const size_t i = Index(key);
  return kDefs[i < kConfigKeyCount ? i : 0];
}

Result<ConfigKey> Configuration::Find(std::string_view name) {
  for (const KeyDef& d : kDefs) {
    if (EqualsIgnoreCase(name, d.name)) {
      return d.id;
    }
  }
  return Errc::kNotFound;
}

uint32_t Configuration::ChangeCount(ConfigKey key) const {
  const size_t i = Index(key);
  return i < kConfigKeyCount ? change_count_[i] : 0;
}

size_t Configuration::ItemLimit(const KeyDef& def) const {
  if (def.items_limit == kNoKey) {
    return kMaxListItems;
  }
  const int32_t n = numbers_[Index(def.items_limit)];
  if (n <= 0) {
    return 0;
  }
  return static_cast<size_t>(n) < kMaxListItems ? static_cast<size_t>(n) : kMaxListItems;
}

Status Configuration::ParseCsl(const KeyDef& def, std::string_view in, ConfigText* out) const {
  if (Trim(in).empty()) {
    out->Clear();
    return OkStatus();
  }
  const size_t limit = ItemLimit(def);
  char buf[kMaxConfigValueLength + 1];
  size_t len = 0;
  std::string_view dup_keys[kMaxListItems];
  size_t count = 0;
  size_t pos = 0;
  while (true) {
    const size_t comma = in.find(',', pos);
    const std::string_view item = Trim(
        in.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
    if (item.empty() || !IsPrintableAscii(item)) {
      return Errc::kInvalidArgument;
    }
    if (count >= limit) {
      return Errc::kResourceExhausted;
    }
    // Canonical item text and the part of it that must be unique.
    char canon[kMaxItemLength + 1];
    size_t canon_len = 0;
    size_t dup_len = 0;
    switch (def.rule) {
      case ItemRule::kPhaseRotation: {
        const size_t dot = item.find('.');
        std::string_view rotation = item;
        if (dot != std::string_view::npos) {
          const std::string_view id_text = item.substr(0, dot);
          if (id_text.empty() || id_text.size() > 3) {
            return Errc::kInvalidArgument;
          }
          int32_t id = 0;
          for (char c : id_text) {
            if (!IsDigit(c)) {
              return Errc::kInvalidArgument;
            }
            id = id * 10 + (c - '0');
          }
          if (id > numbers_[Index(ConfigKey::kNumberOfConnectors)]) {
            return Errc::kOutOfRange;
          }
          canon_len =
              static_cast<size_t>(snprintf(canon, sizeof(canon), "%d.", static_cast<int>(id)));
          dup_len = canon_len;
          rotation = item.substr(dot + 1);
        }
        const std::string_view name = MatchName(rotation, kPhaseRotations);
        if (name.empty()) {
          return Errc::kInvalidArgument;
        }
        memcpy(canon + canon_len, name.data(), name.size());
        canon_len += name.size();
        break;
      }
      case ItemRule::kFeatureProfile: {
        const std::string_view name = MatchName(item, kFeatureProfiles);
        if (name.empty()) {
          return Errc::kInvalidArgument;
        }
        memcpy(canon, name.data(), name.size());
        canon_len = dup_len = name.size();
        break;
      }
      case ItemRule::kNone:
      case ItemRule::kHexSecret:
        if (item.size() > kMaxItemLength) {
          return Errc::kResourceExhausted;
        }
        memcpy(canon, item.data(), item.size());
        canon_len = dup_len = item.size();
        break;
    }
    const size_t need = canon_len + (count > 0 ? 1 : 0);
    if (len + need > def.max_len) {
      return Errc::kResourceExhausted;
    }
    if (count > 0) {
      buf[len++] = ',';
    }
    memcpy(buf + len, canon, canon_len);
    const std::string_view dup_key(buf + len, dup_len);
    len += canon_len;
    for (size_t i = 0; i < count; ++i) {
      if (EqualsIgnoreCase(dup_keys[i], dup_key)) {
        return Errc::kAlreadyExists;
      }
    }
    dup_keys[count++] = dup_key;
    if (comma == std::string_view::npos) {
      break;
    }
    pos = comma + 1;
  }
  return out->Assign(std::string_view(buf, len));
}

Status Configuration::Parse(const KeyDef& def, std::string_view in, Parsed* out) const {
  switch (def.type) {
    case ValueType::kBool:
      if (EqualsIgnoreCase(in, "true")) {
        out->number = 1;
      } else if (EqualsIgnoreCase(in, "false")) {
        out->number = 0;
      } else {
        return Errc::kInvalidArgument;
      }
      return OkStatus();
    case ValueType::kInt: {
      int32_t v = 0;
      if (!ParseInt32(in, &v)) {
        return Errc::kInvalidArgument;
      }
      if (v < def.min || v > def.max) {
        return Errc::kOutOfRange;
      }
      out->number = v;
      return OkStatus();
    }
    case ValueType::kMeasurandList: {
      Measurand items[kMaxListItems];
      const Result<size_t> n = ParseMeasurandList(in, items, ItemLimit(def));
      if (!n.ok()) {
        return n.status();
      }
      char text[kMaxConfigValueLength + 1];
      const Result<size_t> len = FormatMeasurandList(items, *n, text, sizeof(text));
      if (!len.ok() || *len > def.max_len) {
        return Errc::kResourceExhausted;
      }
      return out->text.Assign(std::string_view(text, *len));
    }
    case ValueType::kCsl:
      return ParseCsl(def, in, &out->text);
    case ValueType::kString:
      if (!IsPrintableAscii(in)) {
        return Errc::kInvalidArgument;
      }
      if (in.size() > def.max_len) {
        return Errc::kResourceExhausted;
      }
      if (def.rule == ItemRule::kHexSecret && !in.empty()) {
        // Whitepaper: at least 16 bytes, at most 20, sent as hexadecimal digits.
        if (in.size() < kMinAuthorizationKeyHexDigits ||
            in.size() > kMaxAuthorizationKeyHexDigits || in.size() % 2 != 0) {
          return Errc::kOutOfRange;
        }
        for (char c : in) {
          if (HexValue(c) < 0) {
            return Errc::kInvalidArgument;
          }
        }
      }
      return out->text.Assign(in);
  }
  return Errc::kInternal;
}

Status Configuration::CheckCsmsPolicy(const KeyDef& def, const Parsed& p) const {
  if (def.id == ConfigKey::kAuthorizationKey && p.text.empty()) {
    return Errc::kInvalidArgument;  // the key cannot be cleared over OCPP
  }
  if (def.id == ConfigKey::kSecurityProfile) {
    const int32_t current = numbers_[Index(ConfigKey::kSecurityProfile)];
    if (p.number < current) {
      return Errc::kFailedPrecondition;  // downgrade (OCTT TC_084)
    }
    const bool basic_auth = p.number == 1 || p.number == 2;
    if (basic_auth && texts_[kText.slot[Index(ConfigKey::kAuthorizationKey)]].empty()) {
      return Errc::kFailedPrecondition;  // profiles 1 and 2 need the Basic Auth password
    }
  }
  return OkStatus();
}

bool Configuration::SameAsCurrent(const KeyDef& def, const Parsed& p) const {
  const size_t i = Index(def.id);
  if (IsText(def.type)) {
    return texts_[kText.slot[i]].view() == p.text.view();
  }
  return numbers_[i] == p.number;
}

Status Configuration::WriteRecord(const KeyDef& def, std::string_view text) {
  if (text.size() > kMaxConfigValueLength) {
    return Errc::kResourceExhausted;
  }
  uint8_t rec[kMaxRecord];
  rec[0] = kRecordFormat;
  rec[1] = static_cast<uint8_t>(def.id);
  rec[2] = static_cast<uint8_t>(text.size());
  memcpy(rec + kRecordHeader, text.data(), text.size());
  const size_t body = kRecordHeader + text.size();
  const uint32_t crc = Crc32::Compute(rec, body);
  for (size_t b = 0; b < kRecordCrc; ++b) {
    rec[body + b] = static_cast<uint8_t>(crc >> (8 * b));
  }
  return store_.Set(def.storage_key, rec, body + kRecordCrc);
}

Status Configuration::Commit(const KeyDef& def, const Parsed& p, Persist persist) {
  const size_t i = Index(def.id);
  const bool same = SameAsCurrent(def, p);
  if (same && (persist == Persist::kNo || !unpersisted_[i])) {
    return OkStatus();  // nothing to change, nothing to write
  }
  if (persist == Persist::kYes) {
    ConfigText text;
    CanonicalText(def, p, &text);
    const Status s = WriteRecord(def, text.view());
    if (!s.ok()) {
      EVC_LOGE(log_, kTag, "persisting %.*s failed (%s); value not changed",
               static_cast<int>(def.name.size()), def.name.data(), s.name());
      return s;
    }
    unpersisted_[i] = false;
  } else {
    unpersisted_[i] = true;
  }
  if (!same) {
    if (IsText(def.type)) {
      texts_[kText.slot[i]] = p.text;
    } else {
      numbers_[i] = p.number;
    }
    ++change_count_[i];
    ++version_;
  }
  return OkStatus();
}

void Configuration::ApplyDefault(const KeyDef& def) {
  Parsed p;
  const Status s = Parse(def, def.default_value, &p);
  if (!s.ok()) {
    // A broken table row; the unit tests make sure this never ships.
    EVC_LOGE(log_, kTag, "default of %.*s is invalid (%s)", static_cast<int>(def.name.size()),
             def.name.data(), s.name());
    return;
  }
  const size_t i = Index(def.id);
  if (IsText(def.type)) {
    texts_[kText.slot[i]] = p.text;
  } else {
    numbers_[i] = p.number;
  }
  unpersisted_[i] = false;
}

ChangeResult Configuration::Change(std::string_view key, std::string_view value) {
  const Result<ConfigKey> found = Find(key);
  if (!found.ok()) {
    const std::string_view shown_key = IsPrintableAscii(key) ? key : "<unprintable>";
    EVC_LOGI(log_, kTag, "ChangeConfiguration: unknown key '%.*s'", LoggedLength(shown_key),
             shown_key.data());
    return ChangeResult::kNotSupported;
  }
  const KeyDef& def = Definition(*found);
  const int name_len = static_cast<int>(def.name.size());
  const bool secret = def.access == Access::kWriteOnly;
  // Never echo a secret, nor control characters that could forge log lines.
  const std::string_view shown = secret                    ? std::string_view("<hidden>")
                                 : IsPrintableAscii(value) ? value
                                                           : std::string_view("<unprintable>");
  if (def.access == Access::kReadOnly) {
    EVC_LOGI(log_, kTag, "ChangeConfiguration %.*s rejected: read-only", name_len, def.name.data());
    return ChangeResult::kRejected;
  }
  Parsed p;
  Status s = Parse(def, value, &p);
  if (s.ok()) {
    s = CheckCsmsPolicy(def, p);
  }
  if (!s.ok()) {
    EVC_LOGI(log_, kTag, "ChangeConfiguration %.*s='%.*s' rejected (%s)", name_len, def.name.data(),
             LoggedLength(shown), shown.data(), s.name());
    return ChangeResult::kRejected;
  }
  if (guard_ != nullptr && !SameAsCurrent(def, p)) {
    ConfigText canonical;
    CanonicalText(def, p, &canonical);
    if (!guard_->AllowChange(def.id, canonical.view())) {
      EVC_LOGI(log_, kTag, "ChangeConfiguration %.*s rejected by the charge point", name_len,
               def.name.data());
      return ChangeResult::kRejected;
    }
  }
  if (!Commit(def, p, Persist::kYes).ok()) {
    return ChangeResult::kRejected;  // never report a change that would not survive a reboot
  }
  EVC_LOGI(log_, kTag, "ChangeConfiguration %.*s='%.*s' accepted%s", name_len, def.name.data(),
           LoggedLength(shown), shown.data(), def.reboot_required ? " (reboot required)" : "");
  return def.reboot_required ? ChangeResult::kRebootRequired : ChangeResult::kAccepted;
}

Status Configuration::SetInt(ConfigKey key, int32_t value, Persist persist) {
  if (Index(key) >= kConfigKeyCount || Definition(key).type != ValueType::kInt) {
    return Errc::kInvalidArgument;
  }
  const KeyDef& def = Definition(key);
  if (value < def.min || value > def.max) {
    return Errc::kOutOfRange;
  }
  if (persist == Persist::kYes && def.access == Access::kReadOnly) {
    return Errc::kFailedPrecondition;
  }
  Parsed p;
  p.number = value;
  return Commit(def, p, persist);
}

Status Configuration::SetBool(ConfigKey key, bool value, Persist persist) {
  if (Index(key) >= kConfigKeyCount || Definition(key).type != ValueType::kBool) {
    return Errc::kInvalidArgument;
  }
  const KeyDef& def = Definition(key);
  if (persist == Persist::kYes && def.access == Access::kReadOnly) {
    return Errc::kFailedPrecondition;
  }
  Parsed p;
  p.number = value ? 1 : 0;
  return Commit(def, p, persist);
}

Status Configuration::SetString(ConfigKey key, std::string_view value, Persist persist) {
  if (Index(key) >= kConfigKeyCount || !IsText(Definition(key).type)) {
    return Errc::kInvalidArgument;
  }
  const KeyDef& def = Definition(key);
  if (persist == Persist::kYes && def.access == Access::kReadOnly) {
    return Errc::kFailedPrecondition;
  }
  Parsed p;
  EVC_TRY(Parse(def, value, &p));
  return Commit(def, p, persist);
}

Status Configuration::Load() {
  load_stats_ = ConfigLoadStats{};
  for (const KeyDef& def : kDefs) {
    if (def.access == Access::kReadOnly) {
      continue;  // read-only values come from firmware, never from flash
    }
    ApplyDefault(def);
    const int name_len = static_cast<int>(def.name.size());
    uint8_t rec[kMaxRecord];
    const Result<size_t> got = store_.Get(def.storage_key, rec, sizeof(rec));
    const char* problem = nullptr;
    if (!got.ok()) {
      if (got.status().code() == Errc::kNotFound) {
        ++load_stats_.absent;
        continue;
      }
      if (got.status().code() != Errc::kResourceExhausted) {
        ++load_stats_.read_errors;
        EVC_LOGE(log_, kTag, "reading %.*s failed (%s); using the default", name_len,
                 def.name.data(), got.status().name());
        continue;
      }
      problem = "oversized record";
    } else {
      const size_t size = *got;
      if (size < kRecordHeader + kRecordCrc || rec[0] != kRecordFormat ||
          size != kRecordHeader + rec[2] + kRecordCrc) {
        problem = "malformed record";
      } else if (rec[1] != static_cast<uint8_t>(def.id)) {
        problem = "record of another key";
      } else {
        const size_t body = kRecordHeader + rec[2];
        uint32_t stored_crc = 0;
        for (size_t b = 0; b < kRecordCrc; ++b) {
          stored_crc |= static_cast<uint32_t>(rec[body + b]) << (8 * b);
        }
        if (stored_crc != Crc32::Compute(rec, body)) {
          problem = "CRC mismatch";
        } else {
          Parsed p;
          const std::string_view text(reinterpret_cast<const char*>(rec + kRecordHeader), rec[2]);
          if (!Parse(def, text, &p).ok()) {
            problem = "invalid value";
          } else {
            const size_t i = Index(def.id);
            if (IsText(def.type)) {
              texts_[kText.slot[i]] = p.text;
            } else {
              numbers_[i] = p.number;
            }
            ++load_stats_.loaded;
          }
        }
      }
    }
    if (problem != nullptr) {
      ++load_stats_.corrupt;
      EVC_LOGW(log_, kTag, "stored %.*s discarded (%s); default restored", name_len,
               def.name.data(), problem);
      const Status erased = store_.Erase(def.storage_key);
      if (!erased.ok()) {
        EVC_LOGW(log_, kTag, "erasing %.*s failed (%s)", name_len, def.name.data(), erased.name());
      }
    }
  }
  const int32_t profile = numbers_[Index(ConfigKey::kSecurityProfile)];
  if ((profile == 1 || profile == 2) &&
      texts_[kText.slot[Index(ConfigKey::kAuthorizationKey)]].empty()) {
    EVC_LOGE(log_, kTag, "SecurityProfile %d without an AuthorizationKey: the CSMS will refuse us",
             static_cast<int>(profile));
  }
  EVC_LOGI(log_, kTag, "loaded %u stored values, %u defaults, %u discarded, %u read errors",
           load_stats_.loaded, load_stats_.absent, load_stats_.corrupt, load_stats_.read_errors);
  if (load_stats_.read_errors > 0) {
    return Errc::kIo;
  }
  if (load_stats_.corrupt > 0) {
    return Errc::kDataLoss;
  }
  return OkStatus();
}

Status Configuration::RestoreDefaults() {
  Status first = OkStatus();
  for (const KeyDef& def : kDefs) {
    if (def.access == Access::kReadOnly) {
      continue;  // firmware values (possibly set at startup) stay as they are
    }
    const size_t i = Index(def.id);
    const Status s = store_.Erase(def.storage_key);
    if (!s.ok() && first.ok()) {
      first = s;
    }
    ConfigText before;
    FormatValue(def, &before);
    ApplyDefault(def);
    ConfigText after;
    FormatValue(def, &after);
    if (before.view() != after.view()) {
      ++change_count_[i];
      ++version_;
    }
  }
  EVC_LOGW(log_, kTag, "configuration restored to defaults%s", first.ok() ? "" : " (erase failed)");
  return first;
}

void Configuration::CanonicalText(const KeyDef& def, const Parsed& p, ConfigText* out) {
  switch (def.type) {
    case ValueType::kBool:
      out->Assign(p.number != 0 ? "true" : "false").IgnoreError();  // always fits
      return;
    case ValueType::kInt: {
      char num[16];
      snprintf(num, sizeof(num), "%ld", static_cast<long>(p.number));
      out->Assign(num).IgnoreError();  // at most 11 characters
      return;
    }
    case ValueType::kMeasurandList:
    case ValueType::kCsl:
    case ValueType::kString:
      *out = p.text;
      return;
  }
}

void Configuration::FormatValue(const KeyDef& def, ConfigText* out) const {
  const size_t i = Index(def.id);
  if (IsText(def.type)) {
    *out = texts_[kText.slot[i]];
    return;
  }
  Parsed p;
  p.number = numbers_[i];
  CanonicalText(def, p, out);
}

bool Configuration::Describe(size_t index, ConfigEntryView* out) const {
  if (index >= kConfigKeyCount || out == nullptr) {
    return false;
  }
  const KeyDef& def = kDefs[index];
  out->key = def.name;
  out->readonly = def.access == Access::kReadOnly;
  if (def.access == Access::kWriteOnly) {
    out->has_value = false;  // whitepaper: never read back, so a CSMS cannot store it in clear
    out->value.Clear();
  } else {
    out->has_value = true;
    FormatValue(def, &out->value);
  }
  return true;
}

bool Configuration::GetBool(ConfigKey key) const {
  const size_t i = Index(key);
  return i < kConfigKeyCount && kDefs[i].type == ValueType::kBool && numbers_[i] != 0;
}

int32_t Configuration::GetInt(ConfigKey key) const {
  const size_t i = Index(key);
  return i < kConfigKeyCount && kDefs[i].type == ValueType::kInt ? numbers_[i] : 0;
}

std::string_view Configuration::GetString(ConfigKey key) const {
  const size_t i = Index(key);
  if (i >= kConfigKeyCount || !IsText(kDefs[i].type)) {
    return {};
  }
  return texts_[kText.slot[i]].view();
}

Result<size_t> Configuration::GetMeasurands(ConfigKey key, Measurand* out, size_t cap) const {
  const size_t i = Index(key);
  if (i >= kConfigKeyCount || kDefs[i].type != ValueType::kMeasurandList) {
    return Errc::kInvalidArgument;
  }
  return ParseMeasurandList(texts_[kText.slot[i]].view(), out, cap);
}

Result<size_t> Configuration::AuthorizationKeyBytes(uint8_t* out, size_t cap) const {
  const std::string_view hex = GetString(ConfigKey::kAuthorizationKey);
  if (hex.empty()) {
    return Errc::kNotFound;
  }
  const size_t n = hex.size() / 2;
  if (n > cap) {
    return Errc::kResourceExhausted;
  }
  for (size_t b = 0; b < n; ++b) {
    out[b] = static_cast<uint8_t>((HexValue(hex[2 * b]) << 4) | HexValue(hex[2 * b + 1]));
  }
  return n;
}

bool IsValidAuthorizationKey(std::string_view hex) {
  if (hex.size() < kMinAuthorizationKeyHexDigits || hex.size() > kMaxAuthorizationKeyHexDigits ||
      hex.size() % 2 != 0) {
    return false;
  }
  for (char c : hex) {
    if (HexValue(c) < 0) {
      return false;
    }
  }
  return true;
}

}  // namespace evc::ocpp
