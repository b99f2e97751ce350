#pragma once
// OCPP-J RPC framing over the Transport seam:
//   CALL       [2, "<id>", "<Action>", {payload}]
//   CALLRESULT [3, "<id>", {payload}]
//   CALLERROR  [4, "<id>", "<ErrorCode>", "<description>", {details}]
// At most one CALL of ours is outstanding at a time (OCPP-J §4.1.1); incoming CALLs are answered
// synchronously, so we never hold more than one either. Every incoming payload is validated
// against its schema before a handler sees it; every bad frame gets the right CALLERROR or, where
// no message id can be read, a logged and counted drop. Nothing here closes the connection on bad
// input: a hostile CSMS cannot make us reconnect-loop.
//
// Incoming frames are read with json::Reader into a token array inside the Rpc (no heap); the
// payload handles given to handlers are valid during the callback only.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "evc/common/clock.hpp"
#include "evc/common/json_reader.hpp"
#include "evc/common/json_writer.hpp"
#include "evc/common/log.hpp"
#include "evc/common/rng.hpp"
#include "evc/common/status.hpp"
#include "evc/ocpp/call_error.hpp"
#include "evc/ocpp/transport.hpp"

namespace evc::ocpp {

// Largest frame we build or accept. GetConfiguration.conf with every key is the largest message
// we send (about 3 KB); 8 KB leaves headroom for MeterValues with many samples.
constexpr size_t kMaxFrameSize = 8192;
constexpr size_t kMaxMessageIdLength = 36;  // OCPP-J: message ids are at most 36 characters
constexpr size_t kMaxActionLength = 40;
constexpr size_t kMaxErrorDescription = 255;

struct PendingCall {
  char id[kMaxMessageIdLength + 1] = {};
  char action[kMaxActionLength + 1] = {};
  uint32_t tag = 0;  // caller's cookie (e.g. a queue slot)
  uint64_t sent_at_ms = 0;
  uint32_t timeout_ms = 0;
};

enum class CallOutcome : uint8_t {
  kResult,           // CALLRESULT with a schema-valid payload
  kError,            // CALLERROR from the CSMS
  kInvalidResponse,  // CALLRESULT whose payload failed its schema
  kTimeout,          // no answer within the timeout
  kConnectionLost,   // the connection dropped while waiting
};
const char* CallOutcomeName(CallOutcome o);

struct CallResponse {
  CallOutcome outcome = CallOutcome::kTimeout;
  // kResult only, valid during the callback: the payload object and the document it is in.
  const json::Reader* doc = nullptr;
  json::Value payload;
  CallErrorCode error_code = CallErrorCode::kGenericError;
  std::string_view error_description;  // kError / kInvalidResponse
};

// What a handler returns for an incoming CALL.
struct HandlerResult {
  bool ok = true;
  CallErrorCode code = CallErrorCode::kGenericError;
  const char* description = "";
  static HandlerResult Ok() { return {}; }
  static HandlerResult Error(CallErrorCode c, const char* d) { return {false, c, d}; }
};

class RpcHandler {
 public:
  virtual ~RpcHandler() = default;
  virtual void OnConnected() = 0;
  virtual void OnDisconnected(CloseReason reason) = 0;
  // A schema-valid CALL from the CSMS: `payload` is an object in `doc`, readable during the call.
  // Write the CALLRESULT payload (one JSON object) with `out`, or return an error. Must not block.
  virtual HandlerResult OnCall(std::string_view action, const json::Reader& doc,
                               json::Value payload, json::Writer& out) = 0;
  // Completion of the CALL we sent.
  virtual void OnCallResponse(const PendingCall& call, const CallResponse& response) = 0;
};

struct RpcCounters {
  uint32_t frames_in = 0;
  uint32_t frames_out = 0;
  uint32_t calls_in = 0;
  uint32_t call_errors_sent = 0;
  uint32_t dropped_unreadable = 0;  // no message id could be read
  uint32_t dropped_unmatched = 0;   // result/error for an id we are not waiting for
  uint32_t invalid_responses = 0;
  uint32_t timeouts = 0;
  uint32_t oversize = 0;         // longer than kMaxFrameSize
  uint32_t too_many_values = 0;  // more JSON values than json::kMaxTokens
  uint32_t dropped_nested = 0;   // delivered while the previous frame was still being handled
};

class Rpc final : public TransportListener {
 public:
  Rpc(Transport& transport, const Clock& clock, Rng& rng, Logger& log, RpcHandler& handler);

  bool IsConnected() const { return transport_.IsOpen() && connected_; }
  bool CallInFlight() const { return in_flight_; }
  const PendingCall& pending() const { return pending_; }

  // Sends a CALL whose payload `write_payload(json::Writer&)` writes as one JSON object.
  // kBusy while another CALL awaits its answer (or from inside OnCall), kUnavailable when not
  // connected, kResourceExhausted if the frame does not fit kMaxFrameSize.
  template <typename WritePayload>
  Status Call(std::string_view action, uint32_t tag, uint32_t timeout_ms,
              WritePayload&& write_payload) {
    EVC_TRY(BeginCall(action));
    write_payload(writer_);
    return FinishCall(action, tag, timeout_ms);
  }

  // Checks the response timeout. Call every tick.
  void Poll();

  const RpcCounters& counters() const { return counters_; }

  // TransportListener
  void OnTransportOpen() override;
  void OnTransportMessage(std::string_view text) override;
  void OnTransportClosed(CloseReason reason) override;

 private:
  Status BeginCall(std::string_view action);
  Status FinishCall(std::string_view action, uint32_t tag, uint32_t timeout_ms);
  void NewMessageId(char* out);
  void HandleFrame(std::string_view text);
  void HandleCall(json::Value frame, const char* id, size_t elements);
  void HandleResult(json::Value frame, const char* id, size_t elements);
  void HandleError(json::Value frame, const char* id, size_t elements);
  void HandleUnparsed(std::string_view text, const char* description);
  void SendCallError(const char* id, CallErrorCode code, const char* description);
  void Complete(const CallResponse& response);
  Status SendFrame();

  Transport& transport_;
  const Clock& clock_;
  Rng& rng_;
  Logger& log_;
  RpcHandler& handler_;
  bool connected_ = false;
  bool in_flight_ = false;
  bool responding_ = false;  // inside RpcHandler::OnCall: the writer holds the response
  bool reading_ = false;     // a frame is being handled: reader_ holds it
  PendingCall pending_;
  RpcCounters counters_;
  char tx_buf_[kMaxFrameSize];
  json::Writer writer_;
  json::Reader reader_;  // the incoming frame being handled (json::kMaxTokens tokens, 4 KB)
};

}  // namespace evc::ocpp
