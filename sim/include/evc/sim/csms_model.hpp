#pragma once
// An in-process CSMS speaking OCPP 1.6J over MemLink, for the deterministic simulation.
//
// It parses every frame with evc::json::Reader and answers with evc::json::Writer:
// BootNotification (Accepted, currentTime, interval), Heartbeat, StatusNotification, Authorize
// (every idTag Accepted), StartTransaction (increasing transactionIds from 1), MeterValues,
// StopTransaction, DataTransfer (UnknownVendorId); anything else gets CallError NotImplemented.
// It can call RemoteStartTransaction / RemoteStopTransaction, and it can restart (down for a
// while; its transaction records survive, as a database would).
//
// Delivery is at-least-once: a charger resends a transaction message whose answer it did not see.
// The model recognises a resend by its content (same idTag, timestamp and meterStart for a start;
// same transactionId, timestamp and meterStop for a stop) and answers it as it did the first time,
// counting it. A second StopTransaction with different content for one transaction, a
// transaction message with a placeholder id (<= 0) or an unknown id, and meterStop < meterStart
// are invariant violations, checked as they arrive.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "evc/common/json_reader.hpp"
#include "evc/common/json_writer.hpp"
#include "evc/sim/mem_transport.hpp"
#include "evc/sim/virtual_clock.hpp"

namespace evc::sim {

constexpr uint32_t kCsmsHeartbeatIntervalS = 300;

struct CsmsTransaction {
  int32_t id = 0;
  std::string id_tag;
  std::string start_timestamp;
  int64_t meter_start = 0;
  uint32_t stops = 0;  // distinct StopTransaction messages accepted (must end at exactly 1)
  std::string stop_timestamp;
  int64_t meter_stop = 0;
  std::string stop_reason;
  uint32_t start_resends = 0;
  uint32_t stop_resends = 0;
  uint32_t meter_values = 0;
  int64_t max_reported_wh = -1;  // the highest energy register any MeterValues reported
};

struct CsmsCounters {
  uint32_t boots = 0;
  uint32_t heartbeats = 0;
  uint32_t status_notifications = 0;
  uint32_t authorizes = 0;
  uint32_t meter_values = 0;
  uint32_t idle_meter_values = 0;  // MeterValues without a transactionId
  uint32_t stops_with_data = 0;    // StopTransaction carrying transactionData
  uint32_t unreadable = 0;
  // frames that are not OCPP-J
  uint32_t call_errors_in = 0;  // CallErrors the charger sent
  uint32_t remote_starts = 0;   // RemoteStart answered Accepted
  uint32_t remote_stops = 0;    // RemoteStop answered Accepted
  uint32_t restarts = 0;
  uint32_t connections = 0;
};

class CsmsModel final : public CsmsEndpoint {
 public:
  CsmsModel(MemLink& link, const VirtualClock& clock, InvariantLog& invariants);

  // Comes back after a restart when its time is up. Call once per tick.
  void Step(uint64_t now_ms);
  // Goes down for `down_ms`: closes the connection and refuses new ones meanwhile.
  void Restart(uint32_t down_ms);
  bool up() const { return up_; }
  bool connected() const { return connected_; }

  // CSMS-initiated calls; false when not connected.
  bool SendRemoteStart(std::string_view id_tag);
  bool SendRemoteStop(int32_t transaction_id);

  const std::vector<CsmsTransaction>& transactions() const { return transactions_; }
  const CsmsTransaction* Find(int32_t id) const;
  const CsmsCounters& counters() const { return counters_; }
  // The transaction open at the CSMS (started, no stop yet), or 0.
  int32_t open_transaction() const;

  // CsmsEndpoint
  bool AcceptingConnections() const override { return up_; }
  void OnClientConnected(uint64_t now_ms) override;
  void OnClientMessage(std::string_view text, uint64_t now_ms) override;
  void OnClientClosed(uint64_t now_ms) override;

 private:
  void HandleCall(std::string_view uid, std::string_view action, json::Value payload);
  void Reply(std::string_view uid, json::Writer& payload_writer);
  void ReplyError(std::string_view uid, const char* code, const char* description);
  void WriteNow(json::Writer& w);
  bool GetString(json::Value obj, std::string_view key, std::string* out) const;
  bool GetInt(json::Value obj, std::string_view key, int64_t* out) const;
  // The Energy.Active.Import.Register value of one meterValue element (-1 when it has none).
  int64_t EnergyOf(json::Value meter_value) const;
  // StopTransaction.transactionData: chronological, Begin = meterStart, End = meterStop, every
  // register value between the two.
  void CheckTransactionData(const CsmsTransaction& t, json::Value data, int64_t meter_stop);

  CsmsTransaction* FindMutable(int32_t id);

  MemLink& link_;
  const VirtualClock& clock_;
  InvariantLog& inv_;
  json::Reader reader_;
  std::vector<CsmsTransaction> transactions_;
  int32_t next_id_ = 1;
  uint32_t next_call_ = 1;
  bool up_ = true;
  bool connected_ = false;
  uint64_t back_at_ms_ = 0;
  CsmsCounters counters_;
  std::vector<char> payload_buf_;
  std::vector<char> frame_buf_;
};

}  // namespace evc::sim
