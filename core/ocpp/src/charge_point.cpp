#include "evc/ocpp/charge_point.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "evc/storage/record.hpp"

namespace evc::ocpp {

using charging::ConnectorEvent;
using charging::ConnectorStatus;

namespace {
constexpr const char* kTag = "cp";
constexpr const char* kActiveKey = "txactive";
constexpr uint8_t kActiveVersion = 1;
constexpr const char* kStateKey = "cpstate";
constexpr uint8_t kStateVersion = 1;
constexpr const char* kCacheKey = "authcache";
constexpr uint8_t kCacheVersion = 1;

// Plausibility bounds for a DC LEV charger's telemetry (a sample outside is rejected, not sent).
// The outer bounds hold while the module's own capability is unknown; once it is known, a
// reading above the module's rated maximum by more than its measurement tolerance is rejected.
constexpr float kMaxPlausibleVoltageV = 1000.0f;
constexpr float kMaxPlausibleCurrentA = 500.0f;
constexpr float kMinPlausibleTemperatureC = -40.0f;
constexpr float kMaxPlausibleTemperatureC = 150.0f;
constexpr float kModuleRangeTolerance = 1.05f;  // 5 % above the rating: measurement tolerance

bool WithinModuleRange(float value, float rated_max) {
  return rated_max <= 0.0f || value <= rated_max * kModuleRangeTolerance;
}

bool Plausible(const charging::Telemetry& t) {
  return t.valid && std::isfinite(t.voltage_v) && std::isfinite(t.current_a) && t.voltage_v >= 0 &&
         t.voltage_v <= kMaxPlausibleVoltageV && t.current_a >= 0 &&
         t.current_a <= kMaxPlausibleCurrentA && WithinModuleRange(t.voltage_v, t.max_voltage_v) &&
         WithinModuleRange(t.current_a, t.max_current_a) && std::isfinite(t.temperature_c) &&
         t.temperature_c >= kMinPlausibleTemperatureC &&
         t.temperature_c <= kMaxPlausibleTemperatureC;
}

// One sampledValue array. The energy register travels as an exact integer (a float cannot hold
// every Wh beyond 16.7 MWh): it is the same value meterStop and the journal carry.
void WriteSampledValues(json::Writer& w, const SampledValue* s, size_t n, int64_t meter_wh) {
  w.Key("sampledValue").BeginArray();
  for (size_t i = 0; i < n; ++i) {
    const SampledValue& sv = s[i];
    char value[24];
    if (sv.measurand == Measurand::kEnergyActiveImportRegister) {
      json::FormatInt(meter_wh, value, sizeof(value));
    } else {
      json::FormatFixed(static_cast<double>(sv.value), 1, value, sizeof(value));
    }
    w.BeginObject()
        .Field("value", value)
        .Field("context", ReadingContextName(sv.context))
        .Key("measurand")
        .String(MeasurandName(sv.measurand))
        .Key("unit")
        .String(MeasurandUnit(sv.measurand))
        .Field("location", sv.measurand == Measurand::kSoC ? "EV" : "Outlet")
        .EndObject();
  }
  w.EndArray();
}

void CopyTag(char* dst, std::string_view src) {
  const size_t n = src.size() < kIdTagLength ? src.size() : kIdTagLength;
  memcpy(dst, src.data(), n);
  dst[n] = '\0';
}

// Milliseconds from `since` to `now`; 0 when `since` is later (a time stamped during this tick).
uint64_t Since(uint64_t now, uint64_t since) {
  return now > since ? now - since : 0;
}

uint32_t SecondsToMs(int32_t s) {
  return s > 0 ? static_cast<uint32_t>(s) * timing::kMsPerSecond : 0;
}

// Buffers for strings read out of CSMS payloads (the schema bounds them first).
constexpr size_t kMaxEnumText = 31;        // longest enumeration value we read ("ConcurrentTx")
constexpr size_t kMaxTimeText = 63;        // a date-time carrying escapes, decoded
constexpr size_t kMaxConfigKeyChars = 50;  // CiString50 in ChangeConfiguration/GetConfiguration
constexpr size_t kConfigKeyBufferSize = kMaxConfigKeyChars * json::kMaxUtf8BytesPerChar + 1;

// Decodes string member `name` of `obj` into `buf` as a C string. False when it is absent, not a
// string, longer than `cap - 1` bytes, or holds a NUL character.
bool GetText(const json::Reader& doc, json::Value obj, const char* name, char* buf, size_t cap) {
  const Result<size_t> n = doc.CopyString(doc.Find(obj, name), buf, cap);
  return n.ok() && strlen(buf) == *n;
}

// Integer member `name` of `obj` (the schema checked that it is integral and fits).
bool GetInt(const json::Reader& doc, json::Value obj, const char* name, int32_t* out) {
  const Result<int64_t> v = doc.GetInteger(doc.Find(obj, name));
  if (!v.ok() || *v < INT32_MIN || *v > INT32_MAX) {
    return false;
  }
  *out = static_cast<int32_t>(*v);
  return true;
}

// idTagInfo.status; kInvalid when unreadable.
AuthorizationStatus GetAuthStatus(const json::Reader& doc, json::Value id_tag_info) {
  char status[kMaxEnumText + 1];
  return ParseAuthorizationStatus(
      GetText(doc, id_tag_info, "status", status, sizeof(status)) ? status : nullptr);
}
}  // namespace

const char* RegistrationStatusName(RegistrationStatus s) {
  switch (s) {
    case RegistrationStatus::kNone:
      return "None";
    case RegistrationStatus::kPending:
      return "Pending";
    case RegistrationStatus::kAccepted:
      return "Accepted";
    case RegistrationStatus::kRejected:
      return "Rejected";
  }
  return "?";
}

ChargePoint::ChargePoint(const ChargePointDeps& d, const ChargePointIdentity& identity,
                         ChargePointObserver* observer)
    : transport_(d.transport),
      clock_(d.clock),
      rng_(d.rng),
      log_(d.log),
      kv_(d.kv),
      config_(d.config),
      hw_(d.hardware),
      system_(d.system),
      identity_(identity),
      observer_(observer != nullptr ? observer : &null_observer_),
      time_(d.clock),
      rpc_(d.transport, d.clock, d.rng, d.log, *this),
      queue_(d.kv, d.log),
      txdata_(d.kv, d.log),
      ids_(d.kv, d.log),
      backoff_(d.rng, SecondsToMs(d.config.GetInt(ConfigKey::kEvcReconnectMinS)),
               SecondsToMs(d.config.GetInt(ConfigKey::kEvcReconnectMaxS))),
      connect_breaker_(timing::kConnectBreakerThreshold, timing::kConnectBreakerCooldownMs,
                       timing::kConnectBreakerMaxCooldownMs) {}

// ---------------------------------------------------------------------------------------------
// Boot and persistence

Status ChargePoint::Boot() {
  Status result = OkStatus();
  if (!queue_.Load().ok()) {
    result = Errc::kDataLoss;
  }
  if (!ids_.Load().ok()) {
    result = Errc::kDataLoss;
  }
  txdata_.Load().IgnoreError();  // corrupt entries are skipped and counted inside
  if (txdata_.corrupt_records() > 0) {
    result = Errc::kDataLoss;
  }
  Persisted p;
  const Status ps = storage::ReadRecord(kv_, kStateKey, kStateVersion, &p);
  if (ps.ok()) {
    persisted_ = p;
  } else if (ps.code() != Errc::kNotFound) {
    EVC_LOGE(log_, kTag, "charge point state record corrupt: defaults used");
    result = Errc::kDataLoss;
  }
  AuthCache cache;
  if (storage::ReadRecord(kv_, kCacheKey, kCacheVersion, &cache).ok() &&
      cache.next < kAuthCacheSize) {
    cache_ = cache;
  }
  energy_wh_ = static_cast<double>(persisted_.register_wh);

  ActiveTx a;
  const Status as = storage::ReadRecord(kv_, kActiveKey, kActiveVersion, &a);
  int32_t known_id = 0;
  if (as.ok() && a.active && !queue_.Contains(a.local_tx, TxMessageKind::kStart) &&
      ids_.Find(a.local_tx, &known_id) == TxIdMap::Lookup::kUnknown) {
    // The power went between journalling the transaction and queueing its StartTransaction:
    // no energy flowed (output is enabled after both writes) and the CSMS never heard of it.
    EVC_LOGW(log_, kTag, "transaction %u never reached the queue: discarded",
             static_cast<unsigned>(a.local_tx));
  } else if (as.ok() && a.active) {
    // The previous run ended (power cut, crash, watchdog) in the middle of a transaction.
    // A data entry may have been written just before the cut and the journal not yet after it:
    // the stop never reports less than any reading it carries.
    for (size_t i = 0; i < txdata_.size(); ++i) {
      const TxDataEntry& e = txdata_.at(i);
      if (e.local_tx == a.local_tx &&
          (e.meter_wh > a.last_meter_wh ||
           (e.meter_wh == a.last_meter_wh && e.timestamp_ms > a.last_meter_utc_ms))) {
        a.last_meter_wh = e.meter_wh;
        a.last_meter_utc_ms = e.timestamp_ms;
      }
    }
    if (a.last_meter_wh > energy_wh_) {
      energy_wh_ = static_cast<double>(a.last_meter_wh);
    }
    // A watchdog or panic restart is a reboot of the charge point; anything else (and an
    // unknown cause) counts as a loss of power.
    const charging::ResetReason why = system_.LastResetReason();
    const StopReason reason =
        why == charging::ResetReason::kWatchdog || why == charging::ResetReason::kPanic
            ? StopReason::kReboot
            : StopReason::kPowerLoss;
    if (!queue_.Contains(a.local_tx, TxMessageKind::kStop)) {
      TxMessage stop;
      stop.kind = TxMessageKind::kStop;
      stop.connector = a.connector;
      stop.local_tx = a.local_tx;
      stop.reason = reason;
      stop.meter_wh = a.last_meter_wh;
      stop.timestamp_ms = a.last_meter_utc_ms != 0 ? a.last_meter_utc_ms : a.start_utc_ms;
      CopyTag(stop.id_tag, a.id_tag);
      if (!queue_.Push(stop).ok()) {
        ++counters_.persist_failures;
        EVC_LOGE(log_, kTag, "could not queue %s stop for tx %u", StopReasonName(reason),
                 static_cast<unsigned>(a.local_tx));
      }
    }
    EVC_LOGW(log_, kTag, "transaction %u interrupted (%s): closed at %lld Wh",
             static_cast<unsigned>(a.local_tx), StopReasonName(reason),
             static_cast<long long>(a.last_meter_wh));
    observer_->OnTransactionStopped(a.local_tx, reason, a.last_meter_wh);
    persisted_.register_wh = static_cast<int64_t>(energy_wh_);
    PersistState();
  } else if (as.code() == Errc::kDataLoss) {
    // A corrupt journal record must never stop the charger from booting; nothing trustworthy
    // is left to close the transaction with, so report it loudly and carry on.
    EVC_LOGE(log_, kTag, "active transaction record corrupt: skipped");
    result = Errc::kDataLoss;
  }
  tx_ = ActiveTx{};
  kv_.Erase(kActiveKey).IgnoreError();
  // Transaction data whose StopTransaction is no longer queued (delivered, given up on, or a
  // transaction discarded above) is garbage.
  for (size_t i = 0; i < txdata_.size();) {
    const uint32_t local = txdata_.at(i).local_tx;
    if (queue_.Contains(local, TxMessageKind::kStop) || !txdata_.Erase(local).ok()) {
      ++i;
    }
  }

  for (int c = 0; c < 2; ++c) {
    status_[c] =
        persisted_.operative[c] ? ConnectorStatus::kAvailable : ConnectorStatus::kUnavailable;
  }
  plugged_ = hw_.CablePlugged();
  if (plugged_ && status_[1] == ConnectorStatus::kAvailable) {
    status_[1] = ConnectorStatus::kPreparing;
  }
  ResetStatusReports();  // sequenced after whatever the previous run left queued
  for (int c = 0; c < 2; ++c) {
    observer_->OnStatus(c, status_[c]);
  }
  hw_.SetOutputEnabled(false);
  const uint64_t now = clock_.MonotonicMs();
  last_integrate_ms_ = now;
  transport_.SetPingIntervalS(
      static_cast<uint32_t>(config_.GetInt(ConfigKey::kWebSocketPingInterval)));
  config_version_seen_ = config_.version();
  credentials_seen_ = CredentialsVersion();
  return result;
}

bool ChargePoint::PersistActive() {
  const Status s = tx_.active ? storage::WriteRecord(kv_, kActiveKey, kActiveVersion, tx_)
                              : kv_.Erase(kActiveKey);
  if (!s.ok()) {
    ++counters_.persist_failures;
    EVC_LOGE(log_, kTag, "persisting active transaction failed: %s", s.name());
  }
  return s.ok();
}

void ChargePoint::PersistState() {
  const Status s = storage::WriteRecord(kv_, kStateKey, kStateVersion, persisted_);
  if (!s.ok()) {
    ++counters_.persist_failures;
    EVC_LOGE(log_, kTag, "persisting charge point state failed: %s", s.name());
  }
}

int64_t ChargePoint::energy_register_wh() const {
  return static_cast<int64_t>(energy_wh_);
}

int32_t ChargePoint::transaction_id() const {
  int32_t id = 0;
  if (tx_.active && ids_.Find(tx_.local_tx, &id) == TxIdMap::Lookup::kKnown) {
    return id;
  }
  return 0;
}

ConnectorStatus ChargePoint::status(int connector) const {
  return connector >= 0 && connector <= 1 ? status_[connector] : ConnectorStatus::kUnavailable;
}

uint32_t ChargePoint::CallTimeoutMs() const {
  return SecondsToMs(config_.GetInt(ConfigKey::kEvcMessageTimeoutS));
}

uint32_t ChargePoint::IntervalMs(ConfigKey key) const {
  const int32_t s = config_.GetInt(key);
  return s > 0 ? static_cast<uint32_t>(s) * timing::kMsPerSecond : 0;
}

// ---------------------------------------------------------------------------------------------
// Time

int64_t ChargePoint::NowUtcOrZero() const {
  // Before the time is known we record the negative boot-relative instant and fix it up when
  // the message is sent (StampFor): no 1970 date reaches the CSMS.
  return time_.Known() ? time_.NowUtcMs() : -static_cast<int64_t>(clock_.MonotonicMs()) - 1;
}

int64_t ChargePoint::StampFor(int64_t recorded) const {
  if (recorded >= kEarliestValidUtcMs) {
    return recorded;
  }
  if (recorded < 0 && time_.Known()) {
    const uint64_t mono = static_cast<uint64_t>(-(recorded + 1));
    if (mono <= clock_.MonotonicMs()) {
      return time_.UtcAt(mono);
    }
  }
  // Recorded in an earlier run before its time was known: the best honest bound is "now".
  return time_.NowUtcMs();
}

void ChargePoint::WriteTimestamp(json::Writer& w, std::string_view key, int64_t utc_ms) {
  char buf[kIso8601BufferSize];
  FormatIso8601(utc_ms, buf, sizeof(buf));
  w.Key(key).String(buf);
}

void ChargePoint::ApplyServerTime(const json::Reader& doc, json::Value payload) {
  const json::Value t = doc.Find(payload, "currentTime");
  if (!doc.IsString(t)) {
    return;
  }
  char scratch[kMaxTimeText + 1];
  const Result<std::string_view> text = doc.GetString(t, scratch, sizeof(scratch));
  const Result<int64_t> utc = text.ok() ? ParseIso8601(*text) : Result<int64_t>(text.status());
  if (utc.ok() && *utc >= kEarliestValidUtcMs) {
    time_.SetUtcMs(*utc);
  } else {
    const std::string_view shown = doc.Text(t);  // as received: escapes stay escaped in the log
    EVC_LOGW(log_, kTag, "ignoring implausible CSMS time %.*s", static_cast<int>(shown.size()),
             shown.data());
  }
}

// ---------------------------------------------------------------------------------------------
// Main loop

void ChargePoint::Poll() {
  transport_.Poll();
  rpc_.Poll();
  // Read the time after the callbacks above, which stamp what they handle with the clock.
  const uint64_t now = clock_.MonotonicMs();
  ApplyConfigChanges(now);
  ManageConnection(now);
  // The clock-aligned sample first: it is stamped with the boundary, which precedes anything
  // UpdateSession stamps with the current time in the same tick (the queue and the
  // StopTransaction data keep the order in which readings are taken).
  ClockAligned(now);
  UpdateSession(now);

  FinishPendingWork(now);
  SendNext(now);
}

uint32_t ChargePoint::CredentialsVersion() const {
  return config_.ChangeCount(ConfigKey::kAuthorizationKey) +
         config_.ChangeCount(ConfigKey::kSecurityProfile);
}

void ChargePoint::ApplyConfigChanges(uint64_t now) {
  if (config_.version() != config_version_seen_) {
    config_version_seen_ = config_.version();
    next_aligned_utc_ms_ = 0;  // ClockAlignedDataInterval may have changed: align afresh
    transport_.SetPingIntervalS(
        static_cast<uint32_t>(config_.GetInt(ConfigKey::kWebSocketPingInterval)));
    backoff_.SetBounds(SecondsToMs(config_.GetInt(ConfigKey::kEvcReconnectMinS)),
                       SecondsToMs(config_.GetInt(ConfigKey::kEvcReconnectMaxS)));
    if (CredentialsVersion() != credentials_seen_) {
      // New AuthorizationKey or SecurityProfile: reconnect with them (security whitepaper),
      // after the ChangeConfiguration.conf has had time to leave.
      credentials_seen_ = CredentialsVersion();
      if (!transport_.SetAuthorizationKey(config_.GetString(ConfigKey::kAuthorizationKey)).ok()) {
        EVC_LOGE(log_, kTag, "transport refused the new AuthorizationKey");
      }
      reconnect_at_ms_ = now + timing::kCredentialReconnectDelayMs;
    }
  }
  if (reconnect_at_ms_ != 0 && now >= reconnect_at_ms_) {
    reconnect_at_ms_ = 0;
    if (transport_.IsOpen()) {
      EVC_LOGI(log_, kTag, "reconnecting with new credentials");
      transport_.Close();
      next_connect_ms_ = now;
    }
  }
}

void ChargePoint::ManageConnection(uint64_t now) {
  if (transport_.IsOpen() || rpc_.IsConnected()) {
    if (connected_since_ms_ != 0 &&
        Since(now, connected_since_ms_) >= timing::kStableConnectionMs) {
      backoff_.Reset();
    }
    return;
  }
  if (connecting_) {
    if (Since(now, connect_started_ms_) >= timing::kConnectTimeoutMs) {
      EVC_LOGW(log_, kTag, "connect attempt timed out");
      connecting_ = false;
      transport_.Close();
      next_connect_ms_ = now;
    }
    return;
  }
  if (now < next_connect_ms_) {
    return;
  }
  const BreakerState before = connect_breaker_.state();
  if (!connect_breaker_.Allow(now)) {
    return;  // the CSMS keeps refusing us: leave it alone until the cool-down ends
  }
  if (before == BreakerState::kOpen) {
    EVC_LOGI(log_, kTag, "circuit breaker half-open: one trial connection");
  }
  connecting_ = true;
  connect_started_ms_ = now;
  if (!transport_.Connect().ok()) {
    connecting_ = false;
    OnDisconnected(CloseReason::kConnectFailed);
  }
}

void ChargePoint::OnConnected() {
  connecting_ = false;
  connected_since_ms_ = clock_.MonotonicMs();
  EVC_LOGI(log_, kTag, "connected to CSMS");
  observer_->OnConnection(true, CloseReason::kNone);
  if (connect_breaker_.state() != BreakerState::kClosed) {
    EVC_LOGI(log_, kTag, "circuit breaker closed");
  }
  connect_breaker_.RecordSuccess();
  // Report where we are now: status changes missed while offline are not replayed (OCPP 1.6:
  // StatusNotification is not a transaction message), the current status of each connector is.
  ResetStatusReports();
  front_not_before_ms_ = 0;
}

void ChargePoint::OnDisconnected(CloseReason reason) {
  const bool was_connected = connected_since_ms_ != 0;
  const uint64_t now = clock_.MonotonicMs();
  connecting_ = false;
  connected_since_ms_ = 0;
  // A CSMS that refuses us (not a network that fails) trips the breaker after a few tries.
  const bool refused = reason == CloseReason::kHandshakeRejected ||
                       reason == CloseReason::kTlsFailure ||
                       reason == CloseReason::kSubprotocolMismatch;
  if (refused) {
    const BreakerState before = connect_breaker_.state();
    connect_breaker_.RecordFailure(now);
    if (connect_breaker_.state() == BreakerState::kOpen && before != BreakerState::kOpen) {
      EVC_LOGE(log_, kTag,
               "circuit breaker open: the CSMS refused %u connections; next try in %u s",
               static_cast<unsigned>(connect_breaker_.consecutive_failures()),
               static_cast<unsigned>(connect_breaker_.cooldown_ms() / timing::kMsPerSecond));
    }
  }
  const uint32_t delay = backoff_.NextDelayMs();
  ++counters_.reconnects;
  next_connect_ms_ = now + delay;
  EVC_LOGW(log_, kTag, "disconnected (%s), retry in %u ms", CloseReasonName(reason),
           static_cast<unsigned>(delay));
  if (was_connected || reason != CloseReason::kNone) {
    observer_->OnConnection(false, reason);
  }
}

void ChargePoint::SendNext(uint64_t now) {
  if (!rpc_.IsConnected() || rpc_.CallInFlight()) {
    return;
  }
  if (registration_ != RegistrationStatus::kAccepted) {
    if (now >= next_boot_ms_) {
      SendBoot();
    }
    return;
  }
  // Oldest first: status notifications carry the queue sequence number current when they
  // changed, so a StartTransaction queued before a status change goes out before it.
  const TxMessage* front = queue_.Front();
  for (int c = 0; c < 2; ++c) {
    const StatusQueue& q = status_q_[c];
    if (q.count > 0 && (front == nullptr || q.items[0].seq <= front->seq)) {
      if (SendStatus(c)) {
        return;
      }
    }
  }
  if (front != nullptr && now >= front_not_before_ms_) {
    if (SendTxMessage(now)) {
      return;
    }
  }
  if (authorize_pending_ && SendAuthorize()) {
    return;
  }
  if (idle_aligned_pending_ && SendIdleMeterValues(now)) {
    return;
  }
  const uint32_t hb = IntervalMs(ConfigKey::kHeartbeatInterval);
  if (hb > 0 && Since(now, last_sent_ms_) >= hb) {
    SendHeartbeat();
  }
}

bool ChargePoint::SendBoot() {
  const Status s =
      rpc_.Call("BootNotification", kTagBoot, CallTimeoutMs(), [this](json::Writer& w) {
        w.BeginObject()
            .Field("chargePointVendor", identity_.vendor)
            .Field("chargePointModel", identity_.model);
        if (*identity_.serial_number) {
          w.Field("chargePointSerialNumber", identity_.serial_number);
        }
        if (*identity_.firmware_version) {
          w.Field("firmwareVersion", identity_.firmware_version);
        }
        w.EndObject();
      });
  if (s.ok()) {
    ++counters_.boots_sent;
    last_sent_ms_ = clock_.MonotonicMs();
    observer_->OnMessage(true, "BootNotification");
  }
  return s.ok();
}

bool ChargePoint::SendStatus(int connector) {
  StatusQueue& q = status_q_[connector];
  const StatusEntry e = q.items[0];
  const safety::ErrorInfo& info = safety::Describe(e.fault);
  const Status s =
      rpc_.Call("StatusNotification", kTagStatus + (static_cast<uint32_t>(connector) << 8),
                CallTimeoutMs(), [&](json::Writer& w) {
                  w.BeginObject()
                      .Field("connectorId", connector)
                      .Field("errorCode", info.ocpp_error_code)
                      .Field("status", charging::ConnectorStatusName(e.status));
                  if (e.fault != safety::ErrorCode::kNone) {
                    // CiString50 both; our table's names and codes are far shorter.
                    w.Field("info", info.name).Field("vendorErrorCode", info.vendor_error_code);
                  }
                  if (time_.Known()) {
                    WriteTimestamp(w, "timestamp", time_.UtcAt(e.at_ms));
                  }
                  w.EndObject();
                });
  if (s.ok()) {
    for (size_t i = 1; i < q.count; ++i) {
      q.items[i - 1] = q.items[i];
    }
    --q.count;
    last_sent_ms_ = clock_.MonotonicMs();
    observer_->OnMessage(true, "StatusNotification");
  }
  return s.ok();
}

bool ChargePoint::SendAuthorize() {
  const Status s = rpc_.Call("Authorize", kTagAuthorize, CallTimeoutMs(), [this](json::Writer& w) {
    w.BeginObject().Field("idTag", authorize_tag_.view()).EndObject();
  });
  if (s.ok()) {
    authorize_pending_ = false;
    last_sent_ms_ = clock_.MonotonicMs();
    observer_->OnMessage(true, "Authorize");
  }
  return s.ok();
}

bool ChargePoint::SendHeartbeat() {
  const Status s = rpc_.Call("Heartbeat", kTagHeartbeat, CallTimeoutMs(),
                             [](json::Writer& w) { w.BeginObject().EndObject(); });
  if (s.ok()) {
    last_sent_ms_ = clock_.MonotonicMs();
    observer_->OnMessage(true, "Heartbeat");
  }
  return s.ok();
}

bool ChargePoint::SendTxMessage(uint64_t now) {
  const TxMessage& m = *queue_.Front();
  int32_t csms_tx = 0;
  if (m.kind != TxMessageKind::kStart) {
    const TxIdMap::Lookup l = ids_.Find(m.local_tx, &csms_tx);
    if (l != TxIdMap::Lookup::kKnown) {
      // No StartTransaction was ever confirmed for it: sending would need a made-up id.
      ++counters_.tx_messages_dropped;
      EVC_LOGE(log_, kTag, "dropping %s of tx %u: transaction unknown to the CSMS",
               m.kind == TxMessageKind::kStop ? "StopTransaction" : "MeterValues",
               static_cast<unsigned>(m.local_tx));
      PopTxFront();
      front_attempts_ = 0;
      return false;
    }
  }
  const int64_t stamp = StampFor(m.timestamp_ms);
  Status s;
  const char* action = "";
  switch (m.kind) {
    case TxMessageKind::kStart:
      action = "StartTransaction";
      s = rpc_.Call(action, kTagTx, CallTimeoutMs(), [&](json::Writer& w) {
        w.BeginObject()
            .Field("connectorId", static_cast<int>(m.connector))
            .Field("idTag", m.id_tag)
            .Field("meterStart", m.meter_wh);
        WriteTimestamp(w, "timestamp", stamp);
        w.EndObject();
      });
      break;
    case TxMessageKind::kMeterValues:
      action = "MeterValues";
      s = rpc_.Call(action, kTagTx, CallTimeoutMs(), [&](json::Writer& w) {
        w.BeginObject()
            .Field("connectorId", static_cast<int>(m.connector))
            .Field("transactionId", csms_tx)
            .Key("meterValue")
            .BeginArray()
            .BeginObject();
        WriteTimestamp(w, "timestamp", stamp);
        WriteSampledValues(w, m.samples, m.sample_count, m.meter_wh);
        w.EndObject().EndArray().EndObject();
      });
      break;
    case TxMessageKind::kStop:
      action = "StopTransaction";
      s = rpc_.Call(action, kTagTx, CallTimeoutMs(), [&](json::Writer& w) {
        w.BeginObject().Field("transactionId", csms_tx);
        if (m.id_tag[0] != '\0') {
          w.Field("idTag", m.id_tag);
        }
        w.Field("meterStop", m.meter_wh);
        WriteTimestamp(w, "timestamp", stamp);
        w.Field("reason", StopReasonName(m.reason));
        // The readings gathered for the stop (Transaction.Begin, StopTxnSampledData per sample
        // interval, StopTxnAlignedData per clock-aligned interval), oldest first, then the
        // Transaction.End values. Bounded: tx_data_log.hpp.
        const size_t logged = txdata_.CountFor(m.local_tx);
        if (logged > 0 || m.sample_count > 0) {
          w.Key("transactionData").BeginArray();
          for (size_t i = 0; i < txdata_.size(); ++i) {
            const TxDataEntry& e = txdata_.at(i);
            if (e.local_tx != m.local_tx || e.count == 0) {
              continue;
            }
            SampledValue sv[kMaxTxDataValues];
            for (uint8_t k = 0; k < e.count; ++k) {
              sv[k] = MakeSample(e.measurands[k], e.context, e.values[k]);
            }
            w.BeginObject();
            WriteTimestamp(w, "timestamp", StampFor(e.timestamp_ms));
            WriteSampledValues(w, sv, e.count, e.meter_wh);
            w.EndObject();
          }
          if (m.sample_count > 0) {
            w.BeginObject();
            WriteTimestamp(w, "timestamp", stamp);
            WriteSampledValues(w, m.samples, m.sample_count, m.meter_wh);
            w.EndObject();
          }
          w.EndArray();
        }
        w.EndObject();
      });
      break;
  }
  if (s.ok()) {
    last_sent_ms_ = now;
    observer_->OnMessage(true, action);
  }
  return s.ok();
}

void ChargePoint::PopTxFront() {
  const TxMessage* front = queue_.Front();
  if (front == nullptr) {
    return;
  }
  const bool stop = front->kind == TxMessageKind::kStop;
  const uint32_t local = front->local_tx;
  if (!queue_.PopFront().ok()) {
    ++counters_.persist_failures;
    return;
  }
  // Its StopTransaction is done with (delivered or given up on): so is its data. Left over if
  // the erase fails; the next boot removes data without a queued stop.
  if (stop && !txdata_.Erase(local).ok()) {
    ++counters_.persist_failures;
  }
}

void ChargePoint::OnCallResponse(const PendingCall& call, const CallResponse& r) {
  observer_->OnMessage(false, call.action);
  const uint32_t kind = call.tag & 0xFF;
  switch (kind) {
    case kTagBoot:
      HandleBootResponse(r);
      return;
    case kTagHeartbeat:
      if (r.outcome == CallOutcome::kResult) {
        ApplyServerTime(*r.doc, r.payload);
      }
      return;
    case kTagStatus:
      // A lost connection re-reports the current status on reconnect; a timeout re-reports it
      // now if nothing newer is waiting. A refused one is not worth more.
      if (r.outcome == CallOutcome::kTimeout) {
        const int c = static_cast<int>(call.tag >> 8) & 1;
        if (status_q_[c].count == 0) {
          QueueStatus(c, clock_.MonotonicMs());
        }
      }
      return;
    case kTagAuthorize: {
      AuthorizationStatus st = AuthorizationStatus::kInvalid;
      bool offline = false;
      if (r.outcome == CallOutcome::kResult) {
        const json::Reader& doc = *r.doc;
        const json::Value info = doc.Find(r.payload, "idTagInfo");
        st = GetAuthStatus(doc, info);
        int64_t expiry = 0;
        char scratch[kMaxTimeText + 1];
        const Result<std::string_view> e =
            doc.GetString(doc.Find(info, "expiryDate"), scratch, sizeof(scratch));
        if (e.ok()) {
          expiry = ParseIso8601(*e).value_or(0);
        }
        if (config_.GetBool(ConfigKey::kAuthorizationCacheEnabled)) {
          CacheStore(authorize_tag_.view(), st, expiry);
        }
      } else if (config_.GetBool(ConfigKey::kLocalAuthorizeOffline) &&
                 CacheLookup(authorize_tag_.view(), &st)) {
        offline = true;
      } else if (config_.GetBool(ConfigKey::kAllowOfflineTxForUnknownId) &&
                 r.outcome != CallOutcome::kError) {
        st = AuthorizationStatus::kAccepted;
        offline = true;
      }
      observer_->OnAuthorization(authorize_tag_.view(), st, offline);
      if (st == AuthorizationStatus::kAccepted) {
        Authorized(authorize_tag_.view());
      } else {
        EVC_LOGI(log_, kTag, "idTag %s not authorised (%s)", authorize_tag_.c_str(),
                 AuthorizationStatusName(st));
      }
      return;
    }
    case kTagTx:
      HandleTxResponse(r);
      return;
    default:
      return;
  }
}

void ChargePoint::HandleBootResponse(const CallResponse& r) {
  const uint64_t now = clock_.MonotonicMs();
  if (r.outcome != CallOutcome::kResult) {
    next_boot_ms_ = now + timing::kBootRetryDefaultMs;
    return;
  }
  ApplyServerTime(*r.doc, r.payload);
  char status_text[kMaxEnumText + 1];
  const char* status = GetText(*r.doc, r.payload, "status", status_text, sizeof(status_text))
                           ? status_text
                           : nullptr;
  int32_t interval = 0;
  GetInt(*r.doc, r.payload, "interval", &interval);
  uint64_t retry = interval > 0 ? static_cast<uint64_t>(interval) * timing::kMsPerSecond
                                : timing::kBootRetryDefaultMs;
  if (retry < timing::kBootRetryMinMs) {
    retry = timing::kBootRetryMinMs;
  }
  if (status != nullptr && strcmp(status, "Accepted") == 0) {
    registration_ = RegistrationStatus::kAccepted;
    if (interval > 0) {
      // The CSMS decides the heartbeat period; not persisted — it comes again at every boot.
      // Beyond our range it is clamped (and said so), never silently ignored.
      const int32_t max = Configuration::Definition(ConfigKey::kHeartbeatInterval).max;
      if (interval > max) {
        EVC_LOGW(log_, kTag, "heartbeat interval %d s from the CSMS clamped to %d s",
                 static_cast<int>(interval), static_cast<int>(max));
      }
      config_.SetInt(ConfigKey::kHeartbeatInterval, interval > max ? max : interval, Persist::kNo)
          .IgnoreError();
    }
    // OCPP 1.6: after Accepted, the status of connector 0 and of every connector.
    ResetStatusReports();
    EVC_LOGI(log_, kTag, "registration accepted, heartbeat %d s", static_cast<int>(interval));
  } else {
    registration_ = status != nullptr && strcmp(status, "Pending") == 0
                        ? RegistrationStatus::kPending
                        : RegistrationStatus::kRejected;
    next_boot_ms_ = now + retry;
    EVC_LOGW(log_, kTag, "registration %s, retry in %u s", status ? status : "?",
             static_cast<unsigned>(retry / timing::kMsPerSecond));
  }
  observer_->OnRegistration(registration_);
}

void ChargePoint::HandleTxResponse(const CallResponse& r) {
  const TxMessage* front = queue_.Front();
  if (front == nullptr) {
    return;
  }
  const uint64_t now = clock_.MonotonicMs();
  if (r.outcome == CallOutcome::kConnectionLost) {
    return;  // not an attempt: resent after reconnecting
  }
  if (r.outcome != CallOutcome::kResult) {
    ++front_attempts_;
    const int32_t max_attempts = config_.GetInt(ConfigKey::kTransactionMessageAttempts);
    if (static_cast<int32_t>(front_attempts_) >= max_attempts) {
      ++counters_.tx_messages_dropped;
      EVC_LOGE(log_, kTag, "giving up on transaction message seq %u after %u attempts",
               static_cast<unsigned>(front->seq), static_cast<unsigned>(front_attempts_));
      if (front->kind == TxMessageKind::kStart) {
        ids_.SetAbandoned(front->local_tx).IgnoreError();
      }
      PopTxFront();
      front_attempts_ = 0;
      front_not_before_ms_ = 0;
    } else {
      front_not_before_ms_ =
          now + static_cast<uint64_t>(IntervalMs(ConfigKey::kTransactionMessageRetryInterval)) *
                    front_attempts_;
    }
    return;
  }
  if (front->kind == TxMessageKind::kStart) {
    int32_t id = 0;
    GetInt(*r.doc, r.payload, "transactionId", &id);
    const AuthorizationStatus st = GetAuthStatus(*r.doc, r.doc->Find(r.payload, "idTagInfo"));
    if (!ids_.Set(front->local_tx, id).ok()) {
      ++counters_.persist_failures;
    }
    observer_->OnTransactionId(front->local_tx, id);
    if (config_.GetBool(ConfigKey::kAuthorizationCacheEnabled)) {
      CacheStore(front->id_tag, st, 0);
    }
    if (st != AuthorizationStatus::kAccepted && tx_.active && tx_.local_tx == front->local_tx) {
      EVC_LOGW(log_, kTag, "CSMS did not accept idTag of tx %d (%s)", static_cast<int>(id),
               AuthorizationStatusName(st));
      if (config_.GetBool(ConfigKey::kStopTransactionOnInvalidId)) {
        StopTransaction(StopReason::kDeAuthorized, "");
      } else {
        // Keep the transaction; energy flows on only up to MaxEnergyOnInvalidId (0: none).
        invalidated_ = true;
        LimitInvalidatedEnergy();
      }
    }
  }
  PopTxFront();
  front_attempts_ = 0;
  front_not_before_ms_ = 0;
}

// ---------------------------------------------------------------------------------------------
// Session

void ChargePoint::SetStatus(int connector, ConnectorStatus st, safety::ErrorCode fault) {
  if (status_[connector] == st && fault_[connector] == fault) {
    return;
  }
  if (status_[connector] != st) {
    status_since_ms_ = clock_.MonotonicMs();
  }
  status_[connector] = st;
  fault_[connector] = fault;
  EVC_LOGI(log_, kTag, "connector %d -> %s%s%s", connector, charging::ConnectorStatusName(st),
           fault != safety::ErrorCode::kNone ? " " : "",
           fault != safety::ErrorCode::kNone ? safety::Describe(fault).name : "");
  QueueStatus(connector, clock_.MonotonicMs());
  observer_->OnStatus(connector, st);
}

void ChargePoint::QueueStatus(int connector, uint64_t now) {
  StatusQueue& q = status_q_[connector];
  const StatusEntry e{status_[connector], fault_[connector], NextQueueSeq(), now};
  const uint32_t min_ms = IntervalMs(ConfigKey::kMinimumStatusDuration);
  // Merge into the last unsent report when the queue is full, or when MinimumStatusDuration
  // says the previous status did not last long enough to be worth a message. The report on the
  // wire (index 0 while a call is out) is never touched.
  const size_t first_mergeable = rpc_.CallInFlight() ? 1 : 0;
  if (q.count > first_mergeable &&
      (q.count == kStatusQueueDepth ||
       (min_ms > 0 && Since(now, q.items[q.count - 1].at_ms) < min_ms))) {
    q.items[q.count - 1] = e;
    return;
  }
  if (q.count < kStatusQueueDepth) {
    q.items[q.count++] = e;
  }
}

void ChargePoint::ResetStatusReports() {
  const uint64_t now = clock_.MonotonicMs();
  for (int c = 0; c < 2; ++c) {
    status_q_[c].count = 0;
    QueueStatus(c, now);
  }
}

uint32_t ChargePoint::NextQueueSeq() const {
  return queue_.empty() ? 0 : queue_.at(queue_.size() - 1).seq + 1;
}

void ChargePoint::Fire(int connector, ConnectorEvent event) {
  ConnectorStatus to;
  if (charging::NextStatus(status_[connector], event, &to)) {
    SetStatus(connector, to);
  }
}

void ChargePoint::PresentIdTag(std::string_view id_tag) {
  if (id_tag.empty() || id_tag.size() > kIdTagLength) {
    EVC_LOGW(log_, kTag, "idTag rejected: must be 1..%u characters",
             static_cast<unsigned>(kIdTagLength));
    return;
  }
  if (tx_.active) {
    if (EqualsIgnoreCase(id_tag, tx_.id_tag)) {
      StopTransaction(StopReason::kLocal, id_tag);
    } else {
      EVC_LOGI(log_, kTag, "a transaction is running; idTag ignored");
    }
    return;
  }
  if (status_[1] == ConnectorStatus::kUnavailable || status_[1] == ConnectorStatus::kFaulted) {
    EVC_LOGI(log_, kTag, "connector not available; idTag ignored");
    return;
  }
  AuthorizationStatus cached = AuthorizationStatus::kInvalid;
  const bool in_cache =
      config_.GetBool(ConfigKey::kAuthorizationCacheEnabled) && CacheLookup(id_tag, &cached);
  if (rpc_.IsConnected() && registration_ == RegistrationStatus::kAccepted) {
    if (config_.GetBool(ConfigKey::kLocalPreAuthorize) && in_cache &&
        cached == AuthorizationStatus::kAccepted) {
      observer_->OnAuthorization(id_tag, cached, true);
      Authorized(id_tag);
      return;
    }
    authorize_tag_.Assign(id_tag).IgnoreError();  // length checked above
    authorize_pending_ = true;
    authorize_for_remote_ = false;
    return;
  }
  // Offline.
  AuthorizationStatus st = AuthorizationStatus::kInvalid;
  if (config_.GetBool(ConfigKey::kLocalAuthorizeOffline) && in_cache) {
    st = cached;
  } else if (!in_cache && config_.GetBool(ConfigKey::kAllowOfflineTxForUnknownId)) {
    st = AuthorizationStatus::kAccepted;
  }
  observer_->OnAuthorization(id_tag, st, true);
  if (st == AuthorizationStatus::kAccepted) {
    Authorized(id_tag);
  }
}

void ChargePoint::Authorized(std::string_view id_tag) {
  if (tx_.active) {
    return;
  }
  session_tag_.Assign(id_tag).IgnoreError();
  authorized_ = true;
  authorized_at_ms_ = clock_.MonotonicMs();
  Fire(1, ConnectorEvent::kAuthorized);
}

void ChargePoint::UpdateSession(uint64_t now) {
  const bool plugged = hw_.CablePlugged();
  const charging::Telemetry t = hw_.ReadTelemetry();
  Integrate(now, t);

  // The hardware side first: a fault or an end the vehicle decided.
  const safety::ErrorCode fault = hw_.Fault();
  if (fault != fault_[1]) {
    OnHardwareFault(fault);
  }
  ApplyEndCause(hw_.TakeEndCause());

  if (plugged && !plugged_) {
    plugged_ = true;
    Fire(1, ConnectorEvent::kPlugIn);
  } else if (!plugged && plugged_) {
    plugged_ = false;
    if (tx_.active) {
      if (config_.GetBool(ConfigKey::kStopTransactionOnEVSideDisconnect)) {
        StopTransaction(StopReason::kEVDisconnected, "");
      } else {
        hw_.SetOutputEnabled(false);
        output_enabled_ = false;
        Fire(1, ConnectorEvent::kEvseSuspended);
      }
    }
    authorized_ = false;
    if (!tx_.active) {
      Fire(1, ConnectorEvent::kUnplug);
    }
    if (config_.GetBool(ConfigKey::kUnlockConnectorOnEVSideDisconnect) && !hw_.UnlockConnector()) {
      EVC_LOGW(log_, kTag, "connector did not unlock after the EV side disconnected");
    }
  }

  // Session over, cable left in: back to Available after the Finishing timeout.
  if (status_[1] == ConnectorStatus::kFinishing && !tx_.active && !authorized_ &&
      Since(now, status_since_ms_) >= timing::kFinishingTimeoutMs) {
    EVC_LOGI(log_, kTag, "Finishing for %u s with the cable in: connector released",
             static_cast<unsigned>(timing::kFinishingTimeoutMs / timing::kMsPerSecond));
    Fire(1, ConnectorEvent::kFinishingTimeout);
  }

  if (!tx_.active && authorized_) {
    const uint32_t timeout = IntervalMs(ConfigKey::kConnectionTimeOut);
    if (plugged_) {
      StartTransaction(now);
    } else if (timeout > 0 && Since(now, authorized_at_ms_) >= timeout) {
      EVC_LOGI(log_, kTag, "no plug-in within ConnectionTimeOut: authorisation dropped");
      authorized_ = false;
      Fire(1, ConnectorEvent::kAuthorizationTimeout);
    }
  }

  if (tx_.active) {
    LimitInvalidatedEnergy();
    // Preparing until energy first flows (a DC vehicle needs a few seconds of handshake and
    // precharge); from then on Charging / SuspendedEV follow the vehicle's demand.
    const bool drawing = output_enabled_ && hw_.EvRequestsEnergy();
    if (status_[1] == ConnectorStatus::kPreparing) {
      if (drawing) {
        Fire(1, ConnectorEvent::kTransactionStarted);
      }
    } else if (drawing != ev_drawing_ && output_enabled_) {
      Fire(1, drawing ? ConnectorEvent::kResumed : ConnectorEvent::kEvSuspended);
    }
    ev_drawing_ = drawing;
    const uint32_t interval = IntervalMs(ConfigKey::kMeterValueSampleInterval);
    if (interval > 0 && now >= next_sample_ms_) {
      SampleMeter(now, ReadingContext::kSamplePeriodic, NowUtcOrZero());
      next_sample_ms_ = now + interval;
    }
    if (Since(now, last_persist_ms_) >= timing::kMeterPersistIntervalMs) {
      tx_.last_meter_wh = energy_register_wh();
      tx_.last_meter_utc_ms = NowUtcOrZero();
      PersistActive();
      last_persist_ms_ = now;
    }
  }
}

void ChargePoint::LimitInvalidatedEnergy() {
  if (!invalidated_ || !tx_.active || !output_enabled_) {
    return;
  }
  const int64_t delivered = energy_register_wh() - tx_.meter_start_wh;
  if (delivered >= config_.GetInt(ConfigKey::kMaxEnergyOnInvalidId)) {
    EVC_LOGI(log_, kTag, "invalidated idTag: energy held at %lld Wh (MaxEnergyOnInvalidId)",
             static_cast<long long>(delivered));
    hw_.SetOutputEnabled(false);  // keep the transaction, stop the energy
    output_enabled_ = false;
    Fire(1, ConnectorEvent::kEvseSuspended);
  }
}

void ChargePoint::OnHardwareFault(safety::ErrorCode fault) {
  if (fault == safety::ErrorCode::kNone) {
    // Cleared: Finishing while the cable of a session the fault ended is still in, else as the
    // plug says.
    if (status_[1] == ConnectorStatus::kFaulted) {
      SetStatus(1, ConnectorStatus::kAvailable);
      if (plugged_) {
        if (fault_ended_session_) {
          SetStatus(1, ConnectorStatus::kFinishing);
        } else {
          Fire(1, ConnectorEvent::kPlugIn);
        }
      }
    } else {
      SetStatus(1, status_[1]);  // a warning ended: report the error code gone
    }
    fault_ended_session_ = false;
    return;
  }
  const safety::ErrorInfo& info = safety::Describe(fault);
  if (!safety::StopsCharging(info.severity)) {
    SetStatus(1, status_[1], fault);  // reported with the current status; charging goes on
    return;
  }
  if (tx_.active) {
    StopTransaction(fault == safety::ErrorCode::kEmergencyStop ? StopReason::kEmergencyStop
                                                               : StopReason::kOther,
                    "", /*faulted=*/true);
    fault_ended_session_ = true;
  }
  authorized_ = false;
  SetStatus(1, ConnectorStatus::kFaulted, fault);
}

void ChargePoint::ApplyEndCause(charging::ChargerHardware::EndCause cause) {
  using EndCause = charging::ChargerHardware::EndCause;
  if (cause == EndCause::kNone || !tx_.active) {
    return;
  }
  if (cause == EndCause::kVehicleFinished) {
    // The vehicle ended the session (battery full or its own decision): a regular, local end.
    StopTransaction(StopReason::kLocal, "");
  } else {
    // The hardware ended it for a reason it reports as a fault (the fault path stopped the
    // transaction already unless the fault had cleared again).
    StopTransaction(StopReason::kOther, "", fault_[1] != safety::ErrorCode::kNone);
  }
}

void ChargePoint::Integrate(uint64_t now, const charging::Telemetry& t) {
  const uint64_t dt = Since(now, last_integrate_ms_);
  last_integrate_ms_ = now;
  if (!t.valid) {
    return;
  }
  if (!Plausible(t)) {
    ++counters_.meter_samples_rejected;
    return;
  }
  last_telemetry_ = t;
  last_telemetry_ms_ = now;
  if (output_enabled_ && dt > 0 && dt <= timing::kMaxIntegrationStepMs) {
    const double wh =
        static_cast<double>(t.voltage_v) * t.current_a * static_cast<double>(dt) / 3600000.0;
    energy_wh_ += wh;
  }
}

size_t ChargePoint::CollectSamples(ConfigKey list, ReadingContext context, SampledValue* out,
                                   size_t cap) {
  Measurand ms[kMeasurandCount];
  const Result<size_t> n = config_.GetMeasurands(list, ms, kMeasurandCount);
  size_t count = 0;
  if (!n.ok()) {
    return 0;
  }
  const charging::Telemetry& t = last_telemetry_;
  // Only the energy register is known without fresh telemetry (module silent or off line).
  const bool fresh = last_telemetry_ms_ != 0 && Since(clock_.MonotonicMs(), last_telemetry_ms_) <=
                                                    timing::kMeterTelemetryMaxAgeMs;
  for (size_t i = 0; i < *n && count < cap; ++i) {
    if (!fresh && ms[i] != Measurand::kEnergyActiveImportRegister) {
      continue;
    }
    float v = 0;
    switch (ms[i]) {
      case Measurand::kEnergyActiveImportRegister:
        v = static_cast<float>(energy_register_wh());  // sent from TxMessage::meter_wh
        break;
      case Measurand::kPowerActiveImport:
        v = t.voltage_v * t.current_a;
        break;
      case Measurand::kCurrentImport:
        v = t.current_a;
        break;
      case Measurand::kCurrentOffered:
        v = t.current_offered_a;
        break;
      case Measurand::kVoltage:
        v = t.voltage_v;
        break;
      case Measurand::kSoC:
        if (t.soc_percent < 0) {
          continue;  // the vehicle does not report its SoC: leave it out
        }
        if (t.soc_percent > 100) {
          ++counters_.meter_samples_rejected;  // impossible: never sent
          continue;
        }
        v = t.soc_percent;

        break;
      case Measurand::kTemperature:
        v = t.temperature_c;
        break;
      case Measurand::kPowerOffered:
        v = t.voltage_v * t.current_offered_a;
        break;
    }
    if (!std::isfinite(v) || v < 0.0f) {
      ++counters_.meter_samples_rejected;
      continue;
    }
    out[count++] = MakeSample(ms[i], context, v);
  }
  return count;
}

void ChargePoint::SampleMeter(uint64_t now, ReadingContext context, int64_t stamp) {
  const bool aligned = context == ReadingContext::kSampleClock;
  TxMessage m;
  m.kind = TxMessageKind::kMeterValues;
  m.connector = tx_.connector;
  m.local_tx = tx_.local_tx;
  m.timestamp_ms = stamp;
  m.meter_wh = energy_register_wh();
  m.sample_count = static_cast<uint8_t>(CollectSamples(
      aligned ? ConfigKey::kMeterValuesAlignedData : ConfigKey::kMeterValuesSampledData, context,
      m.samples, kMaxSamplesPerMessage));
  observer_->OnMeterSample(energy_register_wh(),
                           last_telemetry_.voltage_v * last_telemetry_.current_a);
  // Whatever energy value may reach the CSMS is also in flash, so a stop reconstructed after a
  // power cut never reports less than the CSMS has already seen. A StopTransaction data entry
  // carries the register itself (the boot takes the newest of the journal and the entries, and
  // thinning never removes a transaction's newest entry), so the journal is written only when
  // no entry was.
  const bool logged =
      LogTxData(aligned ? ConfigKey::kStopTxnAlignedData : ConfigKey::kStopTxnSampledData, context,
                stamp, m.meter_wh);
  bool queued = false;
  // The queue's overflow policy thins old samples or refuses this one; Start and Stop keep
  // their room (tx_queue.hpp).
  if (m.sample_count > 0) {
    queued = queue_.Push(m).ok();
    if (!queued) {
      EVC_LOGW(log_, kTag, "meter sample not queued (queue full or flash error)");
    }
  }
  if (!logged && !queued) {
    return;
  }
  tx_.last_meter_wh = m.meter_wh;
  tx_.last_meter_utc_ms = m.timestamp_ms;
  if (!logged) {
    PersistActive();
  }
  last_persist_ms_ = now;
}

bool ChargePoint::LogTxData(ConfigKey list, ReadingContext context, int64_t stamp,
                            int64_t meter_wh) {
  SampledValue sv[kMaxTxDataValues];
  const size_t n = CollectSamples(list, context, sv, kMaxTxDataValues);
  if (n == 0) {
    return false;  // nothing configured (or nothing plausible to report)
  }
  TxDataEntry e;
  e.local_tx = tx_.local_tx;
  e.timestamp_ms = stamp;
  e.meter_wh = meter_wh;
  e.context = context;
  e.count = static_cast<uint8_t>(n);
  for (size_t i = 0; i < n; ++i) {
    e.measurands[i] = sv[i].measurand;
    e.values[i] = sv[i].value;
  }
  const Status s = txdata_.Append(e);
  if (!s.ok()) {
    if (s.code() != Errc::kResourceExhausted) {
      ++counters_.persist_failures;
    }
    EVC_LOGW(log_, kTag, "StopTransaction data of tx %u not recorded: %s",
             static_cast<unsigned>(tx_.local_tx), s.name());
    return false;
  }
  return true;
}

void ChargePoint::ClockAligned(uint64_t now) {
  const uint32_t interval = IntervalMs(ConfigKey::kClockAlignedDataInterval);
  if (interval == 0 || !time_.Known()) {
    next_aligned_utc_ms_ = 0;
    return;
  }
  const int64_t utc = time_.NowUtcMs();
  if (next_aligned_utc_ms_ == 0 || next_aligned_utc_ms_ - utc > static_cast<int64_t>(interval)) {
    // First use, a changed interval, or the clock was set back: wait for the next boundary.
    next_aligned_utc_ms_ = (utc / interval + 1) * interval;
    return;
  }
  if (utc < next_aligned_utc_ms_) {
    return;
  }
  // Stamped with the boundary itself (intervals count from midnight UTC), not the tick that
  // noticed it; after a forward jump of the clock, only the latest boundary is sampled.
  const int64_t boundary = utc / interval * interval;
  next_aligned_utc_ms_ = boundary + interval;
  if (tx_.active) {
    SampleMeter(now, ReadingContext::kSampleClock, boundary);
    return;
  }
  // Outside a transaction: MeterValues without a transactionId, not transaction-related.
  TxMessage m;
  m.kind = TxMessageKind::kMeterValues;
  m.connector = kConnectorId;
  m.timestamp_ms = boundary;
  m.meter_wh = energy_register_wh();
  m.sample_count = static_cast<uint8_t>(CollectSamples(ConfigKey::kMeterValuesAlignedData,
                                                       ReadingContext::kSampleClock, m.samples,
                                                       kMaxSamplesPerMessage));
  if (m.sample_count == 0) {
    return;
  }
  if (idle_aligned_pending_) {
    ++counters_.idle_meter_values_replaced;
  }
  idle_aligned_ = m;
  idle_aligned_pending_ = true;
}

bool ChargePoint::SendIdleMeterValues(uint64_t now) {
  const TxMessage& m = idle_aligned_;
  const Status s = rpc_.Call("MeterValues", kTagIdleMeter, CallTimeoutMs(), [&](json::Writer& w) {
    w.BeginObject()
        .Field("connectorId", static_cast<int>(m.connector))
        .Key("meterValue")
        .BeginArray()
        .BeginObject();
    WriteTimestamp(w, "timestamp", m.timestamp_ms);
    WriteSampledValues(w, m.samples, m.sample_count, m.meter_wh);
    w.EndObject().EndArray().EndObject();
  });
  if (s.ok()) {
    idle_aligned_pending_ = false;
    last_sent_ms_ = now;
    observer_->OnMessage(true, "MeterValues");
  }
  return s.ok();
}

void ChargePoint::StartTransaction(uint64_t now) {
  uint32_t local = 0;
  if (!ids_.ReserveLocalTx(&local).ok()) {
    ++counters_.persist_failures;
    EVC_LOGE(log_, kTag, "cannot start: transaction journal not writable");
    authorized_ = false;
    return;
  }
  tx_ = ActiveTx{};
  tx_.active = 1;
  invalidated_ = false;

  tx_.connector = kConnectorId;
  tx_.local_tx = local;
  tx_.meter_start_wh = energy_register_wh();
  tx_.start_utc_ms = NowUtcOrZero();
  tx_.last_meter_wh = tx_.meter_start_wh;
  tx_.last_meter_utc_ms = tx_.start_utc_ms;
  CopyTag(tx_.id_tag, session_tag_.view());

  TxMessage start;
  start.kind = TxMessageKind::kStart;
  start.connector = kConnectorId;
  start.local_tx = local;
  start.timestamp_ms = tx_.start_utc_ms;
  start.meter_wh = tx_.meter_start_wh;
  CopyTag(start.id_tag, session_tag_.view());
  // Journal first, then energy: if either write fails, no energy flows.
  if (!PersistActive()) {
    tx_ = ActiveTx{};
    authorized_ = false;
    return;
  }
  if (!queue_.Push(start).ok()) {
    ++counters_.persist_failures;
    EVC_LOGE(log_, kTag, "cannot start: transaction queue not writable");
    tx_ = ActiveTx{};
    PersistActive();
    authorized_ = false;
    return;
  }
  authorized_ = false;
  last_persist_ms_ = now;
  next_sample_ms_ = now + IntervalMs(ConfigKey::kMeterValueSampleInterval);
  // The readings at the start, for the StopTransaction (StopTxnSampledData).
  LogTxData(ConfigKey::kStopTxnSampledData, ReadingContext::kTransactionBegin, tx_.start_utc_ms,
            tx_.meter_start_wh);
  output_enabled_ = true;

  ev_drawing_ = false;
  hw_.SetOutputEnabled(true);
  EVC_LOGI(log_, kTag, "transaction %u started for %s at %lld Wh", static_cast<unsigned>(local),
           tx_.id_tag, static_cast<long long>(tx_.meter_start_wh));
  observer_->OnTransactionStarted(local, tx_.id_tag, tx_.meter_start_wh);
}

void ChargePoint::StopTransaction(StopReason reason, std::string_view id_tag, bool faulted) {
  if (!tx_.active) {
    return;
  }
  hw_.SetOutputEnabled(false);
  output_enabled_ = false;
  ev_drawing_ = false;
  TxMessage stop;
  stop.kind = TxMessageKind::kStop;
  stop.connector = tx_.connector;
  stop.local_tx = tx_.local_tx;
  stop.reason = reason;
  stop.meter_wh = energy_register_wh();
  stop.timestamp_ms = NowUtcOrZero();
  CopyTag(stop.id_tag, id_tag);
  stop.sample_count = static_cast<uint8_t>(CollectSamples(ConfigKey::kStopTxnSampledData,
                                                          ReadingContext::kTransactionEnd,
                                                          stop.samples, kMaxSamplesPerMessage));
  if (!queue_.Push(stop).ok()) {
    // Keep the active record: the next boot will close the transaction (PowerLoss path).
    ++counters_.persist_failures;
    EVC_LOGE(log_, kTag, "StopTransaction could not be queued; left for recovery");
  } else {
    tx_.active = 0;
    PersistActive();
  }
  persisted_.register_wh = energy_register_wh();
  PersistState();
  const uint32_t local = tx_.local_tx;
  tx_ = ActiveTx{};
  EVC_LOGI(log_, kTag, "transaction %u stopped (%s) at %lld Wh", static_cast<unsigned>(local),
           StopReasonName(reason), static_cast<long long>(stop.meter_wh));
  observer_->OnTransactionStopped(local, reason, stop.meter_wh);
  if (faulted) {
    // The caller reports Faulted; no Finishing in between.
  } else if (plugged_) {
    if (status_[1] == ConnectorStatus::kPreparing) {
      SetStatus(1, ConnectorStatus::kFinishing);
    } else {
      Fire(1, ConnectorEvent::kTransactionStopped);
    }
  } else {
    Fire(1, ConnectorEvent::kUnplug);
  }
  if (availability_scheduled_) {
    availability_scheduled_ = false;
    ApplyAvailability(1, scheduled_operative_);
  }
}

bool ChargePoint::ApplyAvailability(int connector, bool operative) {
  const int first = connector == 0 ? 0 : connector;
  const int last = connector == 0 ? 1 : connector;
  for (int c = first; c <= last; ++c) {
    persisted_.operative[c] = operative ? 1 : 0;
    if (operative) {
      Fire(c, ConnectorEvent::kMakeAvailable);
      if (c == 1 && plugged_ && status_[1] == ConnectorStatus::kAvailable) {
        Fire(1, ConnectorEvent::kPlugIn);
      }
    } else if (status_[c] != ConnectorStatus::kUnavailable) {
      if (c == 0 || status_[c] == ConnectorStatus::kPreparing) {
        SetStatus(c, ConnectorStatus::kUnavailable);  // abandon a session not yet started
        authorized_ = false;
      } else {
        Fire(c, ConnectorEvent::kMakeUnavailable);
      }
    }
  }
  PersistState();
  return true;
}

void ChargePoint::FinishPendingWork(uint64_t now) {
  // Reboot once everything queued has left (above all the StopTransaction of the reset), or when
  // the grace time runs out: queued messages are persisted and survive the reboot anyway.
  if (reset_pending_ && ((queue_.empty() && !rpc_.CallInFlight()) || now >= reset_deadline_ms_)) {
    reset_pending_ = false;
    EVC_LOGI(log_, kTag, "%s reset now", reset_hard_ ? "hard" : "soft");
    observer_->OnRebootRequested(reset_hard_);
    system_.Reboot(reset_hard_);
  }
}

// ---------------------------------------------------------------------------------------------
// Authorization cache

bool ChargePoint::CacheLookup(std::string_view id_tag, AuthorizationStatus* status) const {
  for (const CacheEntry& e : cache_.entries) {
    if (e.id_tag[0] != '\0' && EqualsIgnoreCase(id_tag, e.id_tag)) {
      AuthorizationStatus st = static_cast<AuthorizationStatus>(e.status);
      if (e.expiry_utc_ms != 0 && time_.Known() && time_.NowUtcMs() > e.expiry_utc_ms) {
        st = AuthorizationStatus::kExpired;
      }
      *status = st;
      return true;
    }
  }
  return false;
}

void ChargePoint::CacheStore(std::string_view id_tag, AuthorizationStatus status, int64_t expiry) {
  CacheEntry* slot = nullptr;
  for (CacheEntry& e : cache_.entries) {
    if (e.id_tag[0] != '\0' && EqualsIgnoreCase(id_tag, e.id_tag)) {
      slot = &e;
    }
  }
  if (slot == nullptr) {
    slot = &cache_.entries[cache_.next];
    cache_.next = static_cast<uint32_t>((cache_.next + 1) % kAuthCacheSize);
  }
  CopyTag(slot->id_tag, id_tag);
  slot->status = static_cast<uint8_t>(status);
  slot->expiry_utc_ms = expiry;
  if (!storage::WriteRecord(kv_, kCacheKey, kCacheVersion, cache_).ok()) {
    ++counters_.persist_failures;
  }
}

// ---------------------------------------------------------------------------------------------
// Calls from the CSMS

HandlerResult ChargePoint::OnCall(std::string_view action, const json::Reader& doc, json::Value p,
                                  json::Writer& out) {
  observer_->OnMessage(false, action);
  if (registration_ == RegistrationStatus::kRejected) {
    // While rejected the CSMS must not talk to us (OCPP 1.6 §4.2).
    return HandlerResult::Error(CallErrorCode::kSecurityError, "charge point not registered");
  }
  if (action == "RemoteStartTransaction")
    return OnRemoteStart(doc, p, out);
  if (action == "RemoteStopTransaction")
    return OnRemoteStop(doc, p, out);
  if (action == "Reset")
    return OnReset(doc, p, out);
  if (action == "ChangeAvailability")
    return OnChangeAvailability(doc, p, out);
  if (action == "ChangeConfiguration")
    return OnChangeConfiguration(doc, p, out);
  if (action == "GetConfiguration")
    return OnGetConfiguration(doc, p, out);
  if (action == "UnlockConnector")
    return OnUnlock(doc, p, out);
  if (action == "DataTransfer")
    return OnDataTransfer(doc, p, out);
  if (action == "ClearCache")
    return OnClearCache(out);
  return HandlerResult::Error(CallErrorCode::kNotSupported, "action not supported");
}

HandlerResult ChargePoint::OnRemoteStart(const json::Reader& doc, json::Value p,
                                         json::Writer& out) {
  int32_t connector = kConnectorId;
  const bool has_connector = GetInt(doc, p, "connectorId", &connector);
  // At most 20 characters by schema, but the stored form (transaction record, cache, queue)
  // holds 20 bytes: a non-ASCII idTag longer than that in UTF-8 is refused, not cut.
  char id_tag_text[kIdTagLength + 1];
  const char* id_tag =
      GetText(doc, p, "idTag", id_tag_text, sizeof(id_tag_text)) ? id_tag_text : nullptr;
  if (id_tag == nullptr) {
    EVC_LOGW(log_, kTag, "RemoteStartTransaction: idTag does not fit %u bytes",
             static_cast<unsigned>(kIdTagLength));
  }
  bool accept =
      id_tag != nullptr && (!has_connector || connector == kConnectorId) && !tx_.active &&
      !authorized_ && !reset_pending_ &&
      (status_[1] == ConnectorStatus::kAvailable || status_[1] == ConnectorStatus::kPreparing ||
       status_[1] == ConnectorStatus::kFinishing);
  if (accept && config_.GetBool(ConfigKey::kAuthorizeRemoteTxRequests)) {
    authorize_tag_.Assign(id_tag).IgnoreError();  // ≤ 20 chars by schema
    authorize_pending_ = true;
    authorize_for_remote_ = true;
  } else if (accept) {
    Authorized(id_tag);
  }
  out.BeginObject().Field("status", accept ? "Accepted" : "Rejected").EndObject();
  return HandlerResult::Ok();
}

HandlerResult ChargePoint::OnRemoteStop(const json::Reader& doc, json::Value p, json::Writer& out) {
  int32_t id = 0;
  GetInt(doc, p, "transactionId", &id);
  const bool match = tx_.active && transaction_id() == id && id != 0;
  out.BeginObject().Field("status", match ? "Accepted" : "Rejected").EndObject();
  if (match) {
    StopTransaction(StopReason::kRemote, "");
  }
  return HandlerResult::Ok();
}

HandlerResult ChargePoint::OnReset(const json::Reader& doc, json::Value p, json::Writer& out) {
  reset_hard_ = doc.StringEquals(doc.Find(p, "type"), "Hard");
  out.BeginObject().Field("status", "Accepted").EndObject();
  if (tx_.active) {
    StopTransaction(reset_hard_ ? StopReason::kHardReset : StopReason::kSoftReset, "");
  }
  reset_pending_ = true;
  reset_deadline_ms_ = clock_.MonotonicMs() + timing::kResetGraceMs;
  return HandlerResult::Ok();
}

HandlerResult ChargePoint::OnChangeAvailability(const json::Reader& doc, json::Value p,
                                                json::Writer& out) {
  int32_t connector = -1;
  GetInt(doc, p, "connectorId", &connector);
  const bool operative = doc.StringEquals(doc.Find(p, "type"), "Operative");
  const char* status = "Accepted";
  if (connector < 0 || connector > kConnectorId) {
    status = "Rejected";
  } else if (tx_.active && !operative) {
    status = "Scheduled";
    availability_scheduled_ = true;
    scheduled_operative_ = false;
    if (connector == 0) {
      persisted_.operative[0] = 0;
      SetStatus(0, ConnectorStatus::kUnavailable);
      PersistState();
    }
  } else {
    availability_scheduled_ = false;
    ApplyAvailability(connector, operative);
  }
  out.BeginObject().Field("status", status).EndObject();
  return HandlerResult::Ok();
}

HandlerResult ChargePoint::OnChangeConfiguration(const json::Reader& doc, json::Value p,
                                                 json::Writer& out) {
  // Escape-free strings (the usual case) are read in place, whatever their length; decoded ones
  // must fit: any key of 50 characters does, and no configuration value is longer than
  // kMaxConfigValueLength bytes.
  char key_text[kConfigKeyBufferSize];
  char value_text[kMaxConfigValueLength + 1];
  const Result<std::string_view> key =
      doc.GetString(doc.Find(p, "key"), key_text, sizeof(key_text));
  const Result<std::string_view> value =
      doc.GetString(doc.Find(p, "value"), value_text, sizeof(value_text));
  ChangeResult r = ChangeResult::kNotSupported;
  if (key.ok() && value.ok()) {
    r = config_.Change(*key, *value);
  } else if (key.ok() && Configuration::Find(*key).ok()) {
    EVC_LOGI(log_, kTag, "ChangeConfiguration %.*s rejected: value longer than %u bytes",
             static_cast<int>(key->size()), key->data(),
             static_cast<unsigned>(kMaxConfigValueLength));
    r = ChangeResult::kRejected;
  }
  out.BeginObject().Field("status", ChangeResultName(r)).EndObject();
  return HandlerResult::Ok();
}

HandlerResult ChargePoint::OnGetConfiguration(const json::Reader& doc, json::Value p,
                                              json::Writer& out) {
  const json::Value keys = doc.Find(p, "key");
  const size_t requested = doc.Count(keys);
  if (requested > static_cast<size_t>(config_.GetInt(ConfigKey::kGetConfigurationMaxKeys))) {
    return HandlerResult::Error(CallErrorCode::kOccurenceConstraintViolation,
                                "more keys than GetConfigurationMaxKeys");
  }
  ConfigEntryView e;
  auto write_entry = [&out](const ConfigEntryView& v) {
    out.BeginObject().Key("key").String(v.key).Field("readonly", v.readonly);
    if (v.has_value) {
      out.Key("value").String(v.value.view());
    }
    out.EndObject();
  };
  out.BeginObject().Key("configurationKey").BeginArray();
  if (requested == 0) {
    for (size_t i = 0; i < Configuration::KeyCount(); ++i) {
      if (config_.Describe(i, &e)) {
        write_entry(e);
      }
    }
    out.EndArray();
  } else {
    // Every key is a string of at most 50 characters (schema), so every one decodes here.
    char name[kConfigKeyBufferSize];
    for (json::Value k = doc.First(keys); k; k = doc.Next(k)) {
      const Result<std::string_view> key = doc.GetString(k, name, sizeof(name));
      const Result<ConfigKey> id = key.ok() ? Configuration::Find(*key) : Errc::kNotFound;
      if (id.ok() && config_.Describe(*id, &e)) {
        write_entry(e);
      }
    }
    out.EndArray();
    bool any_unknown = false;
    for (json::Value k = doc.First(keys); k; k = doc.Next(k)) {
      const Result<std::string_view> key = doc.GetString(k, name, sizeof(name));
      if (key.ok() && !Configuration::Find(*key).ok()) {
        if (!any_unknown) {
          out.Key("unknownKey").BeginArray();
          any_unknown = true;
        }
        out.String(*key);
      }
    }
    if (any_unknown) {
      out.EndArray();
    }
  }
  out.EndObject();
  return HandlerResult::Ok();
}

HandlerResult ChargePoint::OnUnlock(const json::Reader& doc, json::Value p, json::Writer& out) {
  int32_t connector = -1;
  GetInt(doc, p, "connectorId", &connector);
  if (connector != kConnectorId) {
    out.BeginObject().Field("status", "NotSupported").EndObject();
    return HandlerResult::Ok();
  }
  if (tx_.active) {
    StopTransaction(StopReason::kUnlockCommand, "");
  }
  const bool ok = hw_.UnlockConnector();
  out.BeginObject().Field("status", ok ? "Unlocked" : "UnlockFailed").EndObject();
  return HandlerResult::Ok();
}

HandlerResult ChargePoint::OnDataTransfer(const json::Reader& doc, json::Value p,
                                          json::Writer& out) {
  const bool ours = doc.StringEquals(doc.Find(p, "vendorId"), kVendorId);
  // We define no vendor messages yet: our own vendor id gets UnknownMessageId.
  out.BeginObject().Field("status", ours ? "UnknownMessageId" : "UnknownVendorId").EndObject();
  return HandlerResult::Ok();
}

HandlerResult ChargePoint::OnClearCache(json::Writer& out) {
  cache_ = AuthCache{};
  const bool ok = kv_.Erase(kCacheKey).ok();
  out.BeginObject().Field("status", ok ? "Accepted" : "Rejected").EndObject();
  return HandlerResult::Ok();
}

}  // namespace evc::ocpp
