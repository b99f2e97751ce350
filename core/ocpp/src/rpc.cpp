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
constexpr size_t kMaxErrorCodeLength = 64;  // longer than any OCPP-J error code

// Decodes string `v` into `buf` as a C string. False when `v` is not a string, does not fit
// `cap - 1` bytes, or holds a NUL character (it would cut the C string short).
bool ReadText(const json::Reader& doc, json::Value v, char* buf, size_t cap) {
  const Result<size_t> n = doc.CopyString(v, buf, cap);
  return n.ok() && strlen(buf) == *n;
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
    ++counters_.oversize;
    HandleUnparsed(text, "frame exceeds maximum size");
    return;
  }
  if (reading_) {
    // Transports deliver from Poll() only; a frame arriving from inside a handler would
    // overwrite the one being handled, so it is refused rather than mixed up.
    ++counters_.dropped_nested;
    EVC_LOGE(log_, kTag, "dropped frame delivered while the previous one is being handled");
    return;
  }
  reading_ = true;
  HandleFrame(text);
  reading_ = false;
}

void Rpc::HandleFrame(std::string_view text) {
  const Status parsed = reader_.Parse(text);
  if (parsed.code() == Errc::kResourceExhausted) {
    ++counters_.too_many_values;
    HandleUnparsed(text, "frame has too many JSON values");
    return;
  }
  const json::Value frame = reader_.Root();
  if (!parsed.ok() || !reader_.IsArray(frame)) {
    ++counters_.dropped_unreadable;
    EVC_LOGW(log_, kTag, "dropped frame: not a JSON array (%u bytes; %s at %u)",
             static_cast<unsigned>(text.size()), parsed.ok() ? "not an array" : reader_.error(),
             static_cast<unsigned>(reader_.error_offset()));
    return;
  }
  const size_t elements = reader_.Count(frame);
  const json::Value type = reader_.At(frame, 0);
  char id[kMaxMessageIdLength + 1];
  if (!reader_.IsNumber(type) || !ReadText(reader_, reader_.At(frame, 1), id, sizeof(id)) ||
      id[0] == '\0') {
    ++counters_.dropped_unreadable;
    EVC_LOGW(log_, kTag, "dropped frame: no readable message type / id");
    return;
  }
  // A message type with a fraction (2.5) is no message type: it falls to the default case.
  const Result<int64_t> kind = reader_.GetInteger(type);
  switch (kind.ok() ? *kind : -1) {
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

void Rpc::HandleUnparsed(std::string_view text, const char* description) {
  // A frame too big to parse: look for `[2,"<id>"` at its start and answer that CALL.
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
        EVC_LOGW(log_, kTag, "CALL %s refused: %s (%u bytes)", id, description,
                 static_cast<unsigned>(text.size()));
        SendCallError(id, CallErrorCode::kGenericError, description);
        return;
      }
    }
  }
  ++counters_.dropped_unreadable;
  EVC_LOGW(log_, kTag, "dropped frame: %s (%u bytes)", description,
           static_cast<unsigned>(text.size()));
}

void Rpc::HandleCall(json::Value frame, const char* id, size_t elements) {
  ++counters_.calls_in;
  char action[kMaxActionLength + 1];
  if (!ReadText(reader_, reader_.At(frame, 2), action, sizeof(action))) {
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
  const json::Value payload = reader_.At(frame, 3);
  schema::Violation v;
  if (!schema::Validate(reader_, payload, msg->request, &v)) {
    EVC_LOGW(log_, kTag, "%s %s rejected: %s (%s)", action, id, CallErrorCodeName(v.code),
             v.detail);
    SendCallError(id, v.code, v.detail);
    return;
  }
  // Build the CALLRESULT around the handler's payload.
  writer_.Reset();
  writer_.BeginArray().Int(kCallResult).String(id);
  responding_ = true;
  const HandlerResult r = handler_.OnCall(action, reader_, payload, writer_);
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

void Rpc::HandleResult(json::Value frame, const char* id, size_t elements) {
  if (!in_flight_ || strcmp(id, pending_.id) != 0) {
    ++counters_.dropped_unmatched;
    EVC_LOGW(log_, kTag, "dropped CALLRESULT for unknown id %s", id);
    return;
  }
  CallResponse r;
  const json::Value payload = reader_.At(frame, 2);
  const schema::Message* msg = schema::FindMessage(pending_.action);
  schema::Violation v;
  if (elements != 3) {
    v.code = CallErrorCode::kFormationViolation;
    snprintf(v.detail, sizeof(v.detail), "CALLRESULT must have 3 elements");
  }
  if (elements == 3 &&
      (msg == nullptr || schema::Validate(reader_, payload, msg->confirmation, &v))) {
    r.outcome = CallOutcome::kResult;
    r.doc = &reader_;
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

void Rpc::HandleError(json::Value frame, const char* id, size_t elements) {
  if (!in_flight_ || strcmp(id, pending_.id) != 0) {
    ++counters_.dropped_unmatched;
    EVC_LOGW(log_, kTag, "dropped CALLERROR for unknown id %s", id);
    return;
  }
  CallResponse r;
  r.outcome = CallOutcome::kError;
  char code_buf[kMaxErrorCodeLength + 1];
  const char* code =
      ReadText(reader_, reader_.At(frame, 2), code_buf, sizeof(code_buf)) ? code_buf : nullptr;
  // Lenient on the shape of a CALLERROR (some CSMSs send details as a string): the code decides.
  if (code == nullptr || !ParseCallErrorCode(code, &r.error_code)) {
    r.error_code = CallErrorCode::kGenericError;
  }
  char desc_buf[kMaxErrorDescription + 1];
  const char* desc =
      elements >= 4 && ReadText(reader_, reader_.At(frame, 3), desc_buf, sizeof(desc_buf))
          ? desc_buf
          : nullptr;
  r.error_description = desc != nullptr ? desc : "";
  EVC_LOGW(log_, kTag, "%s %s answered CALLERROR %s: %s", pending_.action, id,
           code != nullptr ? code : "?", desc != nullptr ? desc : "");
  Complete(r);
}

void Rpc::SendCallError(const char* id, CallErrorCode code, const char* description) {
  ++counters_.call_errors_sent;
  writer_.Reset();
  // Bounded strlen without POSIX strnlen (newlib hides it from strict C++17 builds).
  const void* nul = memchr(description, '\0', kMaxErrorDescription);
  const size_t dlen = nul != nullptr
                          ? static_cast<size_t>(static_cast<const char*>(nul) - description)
                          : kMaxErrorDescription;
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
