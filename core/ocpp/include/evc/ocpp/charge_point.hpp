#pragma once
// The OCPP 1.6 Core profile on the charge-point side, for one connector, over the RPC layer.
//
// Seams (all injected): Transport (WebSocket), Clock, Rng, Logger, KvStore (persistence),
// Configuration (OCPP keys), ChargerHardware (gun, EV, power output, lock), SystemControl (reboot).
// Single-threaded: everything happens inside Poll(), called every control tick by the port.
//
// Invariants:
//  - Transaction messages go through the persistent TxQueue, in order, before anything about them
//    is sent; the CSMS transactionId is substituted at send time — never a placeholder.
//  - An active transaction is recorded in flash before energy flows; after a power cut the next
//    boot closes it with StopTransaction(PowerLoss) and the last persisted meter reading.
//  - Nothing but BootNotification is sent before the CSMS accepted us.
//  - Every timestamp sent is UTC ISO-8601 with 'Z' and never before 2020.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "evc/charging/connector_fsm.hpp"
#include "evc/charging/hardware.hpp"
#include "evc/common/clock.hpp"
#include "evc/common/fixed_string.hpp"
#include "evc/common/log.hpp"
#include "evc/common/rng.hpp"
#include "evc/ocpp/backoff.hpp"
#include "evc/ocpp/circuit_breaker.hpp"
#include "evc/ocpp/configuration.hpp"
#include "evc/ocpp/rpc.hpp"
#include "evc/ocpp/timing.hpp"
#include "evc/ocpp/transport.hpp"
#include "evc/ocpp/tx_data_log.hpp"
#include "evc/ocpp/tx_queue.hpp"
#include "evc/ocpp/types.hpp"
#include "evc/storage/kv_store.hpp"

namespace evc::ocpp {

struct ChargePointIdentity {
  const char* vendor = "EVC";         // CiString20
  const char* model = "EVC-DC-LEV";   // CiString20
  const char* serial_number = "";     // CiString25, optional
  const char* firmware_version = "";  // CiString50, optional
};

enum class RegistrationStatus : uint8_t { kNone, kPending, kAccepted, kRejected };
const char* RegistrationStatusName(RegistrationStatus s);

// Observer for the port/simulator (event stream, display). All methods optional.
class ChargePointObserver {
 public:
  virtual ~ChargePointObserver() = default;
  virtual void OnConnection(bool connected, CloseReason reason) {
    (void)connected;
    (void)reason;
  }
  virtual void OnRegistration(RegistrationStatus status) { (void)status; }
  virtual void OnStatus(int connector, charging::ConnectorStatus status) {
    (void)connector;
    (void)status;
  }
  virtual void OnAuthorization(std::string_view id_tag, AuthorizationStatus status, bool offline) {
    (void)id_tag;
    (void)status;
    (void)offline;
  }
  virtual void OnTransactionStarted(uint32_t local_tx, std::string_view id_tag, int64_t meter_wh) {
    (void)local_tx;
    (void)id_tag;
    (void)meter_wh;
  }
  virtual void OnTransactionId(uint32_t local_tx, int32_t transaction_id) {
    (void)local_tx;
    (void)transaction_id;
  }
  virtual void OnTransactionStopped(uint32_t local_tx, StopReason reason, int64_t meter_wh) {
    (void)local_tx;
    (void)reason;
    (void)meter_wh;
  }
  virtual void OnMeterSample(int64_t energy_wh, float power_w) {
    (void)energy_wh;
    (void)power_w;
  }
  virtual void OnMessage(bool outgoing, std::string_view action) {
    (void)outgoing;
    (void)action;
  }
  virtual void OnRebootRequested(bool hard) { (void)hard; }
};

struct ChargePointDeps {
  Transport& transport;
  const Clock& clock;
  Rng& rng;
  Logger& log;
  storage::KvStore& kv;
  Configuration& config;
  charging::ChargerHardware& hardware;
  charging::SystemControl& system;
};

struct ChargePointCounters {
  uint32_t tx_messages_dropped = 0;  // gave up after TransactionMessageAttempts
  uint32_t boots_sent = 0;
  uint32_t reconnects = 0;
  uint32_t meter_samples_rejected = 0;  // implausible telemetry or values, never sent
  uint32_t persist_failures = 0;
  uint32_t idle_meter_values_replaced = 0;  // a clock-aligned idle sample superseded unsent
};

class ChargePoint final : public RpcHandler {
 public:
  static constexpr int kConnectorId = 1;
  static constexpr const char* kVendorId = "com.evc";

  ChargePoint(const ChargePointDeps& deps, const ChargePointIdentity& identity,
              ChargePointObserver* observer = nullptr);

  // Loads persisted state (configuration must be loaded by the caller); closes out a transaction
  // interrupted by a power cut. Call once before the first Poll().
  Status Boot();
  // One control tick.
  void Poll();

  // Local user input: an RFID card or app token presented at the charger.
  void PresentIdTag(std::string_view id_tag);

  // Read-only state for displays, tests and the simulator's `status` command.
  charging::ConnectorStatus status(int connector) const;
  RegistrationStatus registration() const { return registration_; }
  BreakerState connection_breaker() const { return connect_breaker_.state(); }
  uint32_t reconnect_attempts() const { return backoff_.attempt(); }
  bool connected() const { return rpc_.IsConnected(); }
  bool transaction_active() const { return tx_.active; }
  uint32_t local_transaction() const { return tx_.local_tx; }
  int32_t transaction_id() const;  // CSMS id, or 0 while unknown
  int64_t energy_register_wh() const;
  size_t queued_tx_messages() const { return queue_.size(); }
  const TxDataLog& transaction_data() const { return txdata_; }
  const ChargePointCounters& counters() const { return counters_; }
  const RpcCounters& rpc_counters() const { return rpc_.counters(); }
  const TimeKeeper& time() const { return time_; }

  // RpcHandler
  void OnConnected() override;
  void OnDisconnected(CloseReason reason) override;
  HandlerResult OnCall(std::string_view action, const json::Reader& doc, json::Value payload,
                       json::Writer& out) override;
  void OnCallResponse(const PendingCall& call, const CallResponse& response) override;

 private:
  enum Tag : uint32_t {
    kTagBoot = 1,
    kTagHeartbeat,
    kTagStatus,
    kTagAuthorize,
    kTagTx,
    kTagIdleMeter
  };

  // Persisted records. What would be compiler padding is spelled out (`reserved`, zero): no
  // uninitialised byte reaches flash, and the static_asserts pin each record's format.
  // Active-transaction journal ("txactive").
  struct ActiveTx {
    uint8_t active;
    uint8_t connector;
    uint8_t reserved0[2];
    uint32_t local_tx;
    int64_t meter_start_wh;
    int64_t start_utc_ms;
    int64_t last_meter_wh;
    int64_t last_meter_utc_ms;
    char id_tag[kIdTagLength + 1];
    uint8_t reserved1[3];
  };
  static_assert(sizeof(ActiveTx) == 64, "ActiveTx record layout");
  struct Persisted {
    uint8_t operative[2];  // availability of connector 0 and 1
    uint8_t reserved[6];
    int64_t register_wh;  // energy register at the last stop
  };
  static_assert(sizeof(Persisted) == 16, "Persisted record layout");
  struct CacheEntry {
    char id_tag[kIdTagLength + 1];
    uint8_t status;  // AuthorizationStatus
    uint8_t reserved[2];
    int64_t expiry_utc_ms;  // 0 = none
  };
  static_assert(sizeof(CacheEntry) == 32, "CacheEntry record layout");
  static constexpr size_t kAuthCacheSize = 16;
  struct AuthCache {
    uint32_t next;
    uint8_t reserved[4];
    CacheEntry entries[kAuthCacheSize];
  };
  static_assert(sizeof(AuthCache) == 8 + 32 * kAuthCacheSize, "AuthCache record layout");

  // Connection and registration.
  void ManageConnection(uint64_t now);
  void SendNext(uint64_t now);
  bool SendBoot();
  bool SendStatus(int connector);
  bool SendAuthorize();
  bool SendHeartbeat();
  bool SendTxMessage(uint64_t now);
  bool SendIdleMeterValues(uint64_t now);
  void PopTxFront();
  void HandleBootResponse(const CallResponse& r);
  void HandleTxResponse(const CallResponse& r);
  void ApplyServerTime(const json::Reader& doc, json::Value payload);

  // Session logic.
  void UpdateSession(uint64_t now);
  void Authorized(std::string_view id_tag);
  void StartTransaction(uint64_t now);
  void StopTransaction(StopReason reason, std::string_view id_tag, bool faulted = false);
  void Fire(int connector, charging::ConnectorEvent event);
  uint32_t NextQueueSeq() const;
  void SetStatus(int connector, charging::ConnectorStatus status,
                 safety::ErrorCode fault = safety::ErrorCode::kNone);
  void QueueStatus(int connector, uint64_t now);
  void ResetStatusReports();
  void OnHardwareFault(safety::ErrorCode fault);
  void ApplyEndCause(charging::ChargerHardware::EndCause cause);
  void LimitInvalidatedEnergy();
  uint32_t CallTimeoutMs() const;

  void Integrate(uint64_t now, const charging::Telemetry& t);
  // A transaction sample: MeterValues (sampled or aligned) plus its StopTransaction data entry.
  void SampleMeter(uint64_t now, ReadingContext context, int64_t stamp);
  // Appends the measurands of `list` to the transaction's StopTransaction data.
  bool LogTxData(ConfigKey list, ReadingContext context, int64_t stamp, int64_t meter_wh);
  void ClockAligned(uint64_t now);
  size_t CollectSamples(ConfigKey list, ReadingContext context, SampledValue* out, size_t cap);
  bool ApplyAvailability(int connector, bool operative);
  void FinishPendingWork(uint64_t now);

  // Authorization cache.
  bool CacheLookup(std::string_view id_tag, AuthorizationStatus* status) const;
  void CacheStore(std::string_view id_tag, AuthorizationStatus status, int64_t expiry);

  // CSMS calls: `p` is the schema-valid payload object in `doc`.
  HandlerResult OnRemoteStart(const json::Reader& doc, json::Value p, json::Writer& out);
  HandlerResult OnRemoteStop(const json::Reader& doc, json::Value p, json::Writer& out);
  HandlerResult OnReset(const json::Reader& doc, json::Value p, json::Writer& out);
  HandlerResult OnChangeAvailability(const json::Reader& doc, json::Value p, json::Writer& out);
  HandlerResult OnChangeConfiguration(const json::Reader& doc, json::Value p, json::Writer& out);
  HandlerResult OnGetConfiguration(const json::Reader& doc, json::Value p, json::Writer& out);
  HandlerResult OnUnlock(const json::Reader& doc, json::Value p, json::Writer& out);
  HandlerResult OnDataTransfer(const json::Reader& doc, json::Value p, json::Writer& out);
  HandlerResult OnClearCache(json::Writer& out);

  // Helpers.
  int64_t NowUtcOrZero() const;
  int64_t StampFor(int64_t recorded) const;
  void WriteTimestamp(json::Writer& w, std::string_view key, int64_t utc_ms);
  bool PersistActive();
  void PersistState();
  uint32_t IntervalMs(ConfigKey key) const;
  uint32_t CredentialsVersion() const;
  void ApplyConfigChanges(uint64_t now);

  Transport& transport_;
  const Clock& clock_;
  Rng& rng_;
  Logger& log_;
  storage::KvStore& kv_;
  Configuration& config_;
  charging::ChargerHardware& hw_;
  charging::SystemControl& system_;
  ChargePointIdentity identity_;
  ChargePointObserver null_observer_;
  ChargePointObserver* observer_;
  TimeKeeper time_;
  Rpc rpc_;
  TxQueue queue_;
  TxDataLog txdata_;
  TxIdMap ids_;
  ChargePointCounters counters_;

  // Connection.
  bool connecting_ = false;
  uint64_t connect_started_ms_ = 0;
  uint64_t next_connect_ms_ = 0;
  Backoff backoff_;
  CircuitBreaker connect_breaker_;
  uint64_t connected_since_ms_ = 0;

  // Registration and heartbeat.
  RegistrationStatus registration_ = RegistrationStatus::kNone;
  uint64_t next_boot_ms_ = 0;
  uint64_t last_sent_ms_ = 0;
  uint32_t heartbeat_interval_s_ = 0;
  uint32_t config_version_seen_ = 0;
  uint32_t credentials_seen_ = 0;  // change count of AuthorizationKey + SecurityProfile
  uint64_t reconnect_at_ms_ = 0;   // 0 = none scheduled

  // Connectors: [0] = the charge point as a whole, [1] = the gun.
  charging::ConnectorStatus status_[2] = {charging::ConnectorStatus::kAvailable,
                                          charging::ConnectorStatus::kAvailable};
  // Every status change is reported, in order (MinimumStatusDuration may merge short ones).
  struct StatusEntry {
    charging::ConnectorStatus status;
    safety::ErrorCode fault;
    uint32_t seq;    // queue sequence when it changed: orders it against transaction messages
    uint64_t at_ms;  // when it changed
  };
  static constexpr size_t kStatusQueueDepth = 6;
  struct StatusQueue {
    StatusEntry items[kStatusQueueDepth];
    size_t count;
  };
  StatusQueue status_q_[2] = {};
  safety::ErrorCode fault_[2] = {safety::ErrorCode::kNone, safety::ErrorCode::kNone};
  bool fault_ended_session_ = false;
  uint64_t status_since_ms_ = 0;  // when connector 1 entered its current status  // a fault stopped
                                  // the transaction: Finishing when cleared

  Persisted persisted_ = {{1, 1}, {}, 0};

  bool availability_scheduled_ = false;
  bool scheduled_operative_ = true;

  // Session on connector 1.
  bool plugged_ = false;
  bool authorized_ = false;  // an idTag is authorised and waiting for the transaction
  uint64_t authorized_at_ms_ = 0;
  FixedString<kIdTagLength> session_tag_;
  bool authorize_pending_ = false;  // an Authorize.req must be sent
  bool authorize_for_remote_ = false;
  FixedString<kIdTagLength> authorize_tag_;
  ActiveTx tx_ = {};
  bool output_enabled_ = false;
  bool invalidated_ = false;  // the CSMS refused the idTag of the running transaction
  bool ev_drawing_ = false;

  // Metering.
  double energy_wh_ = 0;  // the register, integrated from telemetry
  uint64_t last_integrate_ms_ = 0;
  charging::Telemetry last_telemetry_;
  uint64_t last_telemetry_ms_ = 0;  // when last_telemetry_ was taken (0: never)
  uint64_t next_sample_ms_ = 0;
  int64_t next_aligned_utc_ms_ = 0;  // the next ClockAlignedDataInterval boundary (UTC)
  // The latest clock-aligned sample outside a transaction, until sent (not transaction-related:
  // kept in RAM only, a newer one replaces it).
  TxMessage idle_aligned_;
  bool idle_aligned_pending_ = false;

  uint64_t last_persist_ms_ = 0;

  // Transaction message retries (front of the queue).
  uint32_t front_attempts_ = 0;
  uint64_t front_not_before_ms_ = 0;

  // Deferred work after a response has been sent.
  bool reset_pending_ = false;
  bool reset_hard_ = false;
  uint64_t reset_deadline_ms_ = 0;

  AuthCache cache_ = {};
};

}  // namespace evc::ocpp
