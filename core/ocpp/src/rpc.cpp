#include "evc/ocpp/rpc.hpp"

#include <cstdio>
#include <cstring>

#include "evc/ocpp/schema.hpp"

namespace evc::ocpp {

namespace {
constexpr const char* kTag = "rpc";
constexpr int kCall = 2;
constexpr int kCallResult = 3;
constexpr int kCallError = 4;

// Reads element i as a string that fits `cap - 1` characters; nullptr otherwise.
const char* StringAt(const cJSON* frame, int i, size_t max_len) {
  const cJSON* item = cJSON_GetArrayItem(frame, i);
  if (!cJSON_IsString(item) || strlen(item->valuestring) > max_len) {
    return nullptr;
  }
  return item->valuestring;
}
}  // namespace

const char* CallOutcomeName(CallOutcome o) {
  switch (o) {
    case CallOutcome::kResult:
      return "Result";
    case CallOutcome::kError:
      return "Error";
    case CallOutcome::kInvalidResponse:
      return "InvalidResponse";
    case CallOutcome::kTimeout:
      return "Timeout";
    case CallOutcome::kConnectionLost:
      return "ConnectionLost";
  }
  return "?";
}

Rpc::Rpc(Transport& transport, const Clock& clock, Rng& rng, Logger& log, RpcHandler& handler)
    : transport_(transport),
      clock_(clock),
      rng_(rng),
      log_(log),
      handler_(handler),
      writer_(tx_buf_, sizeof(tx_buf_)) {
  transport_.SetListener(this);
}

void Rpc::NewMessageId(char* out) {
  // A random RFC 4122 version-4 UUID: 36 characters, unique per connection with overwhelming
  // probability, and no counter to persist.
  static constexpr char kHex[] = "0123456789abcdef";
  uint8_t bytes[16];
  for (int i = 0; i < 16; i += 4) {
    const uint32_t r = rng_.NextU32();
    memcpy(bytes + i, &r, 4);
  }
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0F) | 0x40);
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3F) | 0x80);
  size_t o = 0;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) {
      out[o++] = '-';
    }
    out[o++] = kHex[bytes[i] >> 4];
    out[o++] = kHex[bytes[i] & 0x0F];
  }
  out[o] = '\0';
}

Status Rpc::BeginCall(std::string_view action) {
  if (in_flight_ || responding_) {
    return Errc::kBusy;
  }
  if (!IsConnected()) {
    return Errc::kUnavailable;
  }
  if (action.empty() || action.size() > kMaxActionLength) {
    return Errc::kInvalidArgument;
  }
  NewMessageId(pending_.id);
  writer_.Reset();
  writer_.BeginArray().Int(kCall).String(pending_.id).String(action);
  return OkStatus();
}

Status Rpc::FinishCall(std::string_view action, uint32_t tag, uint32_t timeout_ms) {
  writer_.EndArray();
  if (!writer_.ok() || !writer_.status().ok()) {
    EVC_LOGE(log_, kTag, "CALL %.*s does not fit %u bytes", static_cast<int>(action.size()),
             action.data(), static_cast<unsigned>(kMaxFrameSize));
    return writer_.status().ok() ? Status(Errc::kInternal) : writer_.status();
  }
  EVC_TRY(SendFrame());
  memcpy(pending_.action, action.data(), action.size());
  pending_.action[action.size()] = '\0';
  pending_.tag = tag;
  pending_.sent_at_ms = clock_.MonotonicMs();
  pending_.timeout_ms = timeout_ms;
  in_flight_ = true;
  return OkStatus();
}

Status Rpc::SendFrame() {
  const Status s = transport_.Send(writer_.view());
  if (s.ok()) {
    ++counters_.frames_out;
  } else {
    EVC_LOGW(log_, kTag, "send failed: %s", s.name());
  }
  return s;
}

void Rpc::Poll() {
  if (in_flight_ && clock_.MonotonicMs() - pending_.sent_at_ms >= pending_.timeout_ms) {
    ++counters_.timeouts;
    EVC_LOGW(log_, kTag, "%s %s: no answer within %u ms", pending_.action, pending_.id,
             static_cast<unsigned>(pending_.timeout_ms));
    CallResponse r;
    r.outcome = CallOutcome::kTimeout;
    Complete(r);
  }
}

void Rpc::Complete(const CallResponse& response) {
  in_flight_ = false;
  // Copy: the handler may start the next CALL from inside the callback.
  const PendingCall done = pending_;
  handler_.OnCallResponse(done, response);
}

void Rpc::OnTransportOpen() {
  connected_ = true;
  handler_.OnConnected();
}

void Rpc::OnTransportClosed(CloseReason reason) {
  connected_ = false;
  if (in_flight_) {
    CallResponse r;
    r.outcome = CallOutcome::kConnectionLost;
    Complete(r);
  }
  handler_.OnDisconnected(reason);
}

void Rpc::OnTransportMessage(std::string_view text) {
  ++counters_.frames_in;
  if (text.size() > kMaxFrameSize) {
    HandleOversize(text);
    return;
  }
  json::Document doc(cJSON_ParseWithLength(text.data(), text.size()));
  const cJSON* frame = doc.root();
  if (frame == nullptr || !cJSON_IsArray(frame)) {
    ++counters_.dropped_unreadable;
    EVC_LOGW(log_, kTag, "dropped frame: not a JSON array (%u bytes)",
             static_cast<unsigned>(text.size()));
    return;
  }
  const int elements = cJSON_GetArraySize(frame);
  const cJSON* type = cJSON_GetArrayItem(frame, 0);
  const char* id = StringAt(frame, 1, kMaxMessageIdLength);
  if (!cJSON_IsNumber(type) || id == nullptr || *id == '\0') {
    ++counters_.dropped_unreadable;
    EVC_LOGW(log_, kTag, "dropped frame: no readable message type / id");
    return;
  }
  switch (type->valueint) {
    case kCall:
      HandleCall(frame, id, elements);
      return;
    case kCallResult:
      HandleResult(frame, id, elements);
      return;
    case kCallError:
      HandleError(frame, id, elements);
      return;
    default:
      // An id we can read but a message type that does not exist: tell the sender.
      SendCallError(id, CallErrorCode::kFormationViolation, "unknown message type");
      return;
  }
}

void Rpc::HandleOversize(std::string_view text) {
  ++counters_.oversize;
  // Look for `[2,"<id>"` at the start without parsing the whole frame.
  char id[kMaxMessageIdLength + 1];
  size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || text[i] == '['))
    ++i;
  if (i < text.size() && text[i] == '2') {
    ++i;
    while (i < text.size() && (text[i] == ' ' || text[i] == ','))
      ++i;
    if (i < text.size() && text[i] == '"') {
      ++i;
      size_t n = 0;
      while (i < text.size() && text[i] != '"' && n < kMaxMessageIdLength)
        id[n++] = text[i++];
      if (i < text.size() && text[i] == '"' && n > 0) {
        id[n] = '\0';
        EVC_LOGW(log_, kTag, "CALL %s exceeds %u bytes", id, static_cast<unsigned>(kMaxFrameSize));
        SendCallError(id, CallErrorCode::kGenericError, "frame exceeds maximum size");
        return;
      }
    }
  }
  ++counters_.dropped_unreadable;
  EVC_LOGW(log_, kTag, "dropped oversize frame (%u bytes)", static_cast<unsigned>(text.size()));
}

void Rpc::HandleCall(const cJSON* frame, const char* id, int elements) {
  ++counters_.calls_in;
  const char* action = StringAt(frame, 2, kMaxActionLength);
  if (action == nullptr) {
    SendCallError(id, CallErrorCode::kFormationViolation, "action is not a valid string");
    return;
  }
  if (elements < 4) {
    SendCallError(id, CallErrorCode::kProtocolError, "CALL has no payload");
    return;
  }
  if (elements > 4) {
    SendCallError(id, CallErrorCode::kFormationViolation, "CALL has extra elements");
    return;
  }
  const schema::Message* msg = schema::FindMessage(action);
  if (msg == nullptr) {
    SendCallError(id, CallErrorCode::kNotImplemented, "unknown action");
    return;
  }
  if (!msg->supported || !msg->csms_initiated) {
    SendCallError(id, CallErrorCode::kNotSupported, "action not supported by this charge point");
    return;
  }
  const cJSON* payload = cJSON_GetArrayItem(frame, 3);
  schema::Violation v;
  if (!schema::Validate(payload, msg->request, &v)) {
    EVC_LOGW(log_, kTag, "%s %s rejected: %s (%s)", action, id, CallErrorCodeName(v.code),
             v.detail);
    SendCallError(id, v.code, v.detail);
    return;
  }
  // Build the CALLRESULT around the handler's payload.
  writer_.Reset();
  writer_.BeginArray().Int(kCallResult).String(id);
  responding_ = true;
  const HandlerResult r = handler_.OnCall(action, payload, writer_);
  responding_ = false;
  if (!r.ok) {
    SendCallError(id, r.code, r.description);
    return;
  }
  writer_.EndArray();
  if (!writer_.status().ok()) {
    EVC_LOGE(log_, kTag, "%s %s: response does not fit", action, id);
    SendCallError(id, CallErrorCode::kInternalError, "response too large");
    return;
  }
  SendFrame().IgnoreError();  // a lost response is the CSMS's timeout to handle
}

void Rpc::HandleResult(const cJSON* frame, const char* id, int elements) {
  if (!in_flight_ || strcmp(id, pending_.id) != 0) {
    ++counters_.dropped_unmatched;
    EVC_LOGW(log_, kTag, "dropped CALLRESULT for unknown id %s", id);
    return;
  }
  CallResponse r;
  const cJSON* payload = cJSON_GetArrayItem(frame, 2);
  const schema::Message* msg = schema::FindMessage(pending_.action);
  schema::Violation v;
  if (elements != 3) {
    v.code = CallErrorCode::kFormationViolation;
    snprintf(v.detail, sizeof(v.detail), "CALLRESULT must have 3 elements");
  }
  if (elements == 3 && (msg == nullptr || schema::Validate(payload, msg->confirmation, &v))) {
    r.outcome = CallOutcome::kResult;
    r.payload = payload;
  } else {
    ++counters_.invalid_responses;
    EVC_LOGW(log_, kTag, "%s.conf invalid: %s (%s)", pending_.action, CallErrorCodeName(v.code),
             v.detail);
    r.outcome = CallOutcome::kInvalidResponse;
    r.error_code = v.code;
    r.error_description = v.detail;
  }
  Complete(r);
}

void Rpc::HandleError(const cJSON* frame, const char* id, int elements) {
  if (!in_flight_ || strcmp(id, pending_.id) != 0) {
    ++counters_.dropped_unmatched;
    EVC_LOGW(log_, kTag, "dropped CALLERROR for unknown id %s", id);
    return;
  }
  CallResponse r;
  r.outcome = CallOutcome::kError;
  const char* code = StringAt(frame, 2, 64);
  // Lenient on the shape of a CALLERROR (some CSMSs send details as a string): the code decides.
  if (code == nullptr || !ParseCallErrorCode(code, &r.error_code)) {
    r.error_code = CallErrorCode::kGenericError;
  }
  const char* desc = elements >= 4 ? StringAt(frame, 3, kMaxErrorDescription) : nullptr;
  r.error_description = desc != nullptr ? desc : "";
  EVC_LOGW(log_, kTag, "%s %s answered CALLERROR %s: %s", pending_.action, id,
           code != nullptr ? code : "?", desc != nullptr ? desc : "");
  Complete(r);
}

void Rpc::SendCallError(const char* id, CallErrorCode code, const char* description) {
  ++counters_.call_errors_sent;
  writer_.Reset();
  const size_t dlen = strnlen(description, kMaxErrorDescription);
  writer_.BeginArray()
      .Int(kCallError)
      .String(id)
      .String(CallErrorCodeName(code))
      .String(std::string_view(description, dlen))
      .BeginObject()
      .EndObject()
      .EndArray();
  SendFrame().IgnoreError();
}

}  // namespace evc::ocpp
