// One deterministic charging session of the real core on a Cortex-M4 (QEMU mps2-an386).
//
// The OCPP charge point (ChargePoint + Configuration + Rpc + TxQueue, all from core/) runs
// against in-file fakes of its platform seams: a counting clock (10 ms per control tick), a
// fixed-table KvStore, a charger with an EV drawing 20 A at 60 V, and a Transport that plays a
// scripted CSMS. The script: BootNotification Accepted; ChangeConfiguration of the sample
// interval; EV plugged; RemoteStartTransaction; StartTransaction.conf with an id; periodic
// MeterValues; RemoteStopTransaction; StopTransaction; EV unplugged.
//
// Every frame the charge point sends is parsed with jsmn (strict mode, a copy separate from the
// core's own reader) and checked for the OCPP-J shape and the fields the script relies on.
// main() returns the verdict, which the startup code hands to exit() and so to QEMU's exit
// status: 0 when the session went boot -> Charging -> MeterValues -> Stop with
// meterStop > meterStart and every frame well-formed, 1 when a check failed, 2 when the core
// refused to start.

// jsmn's implementation, private to this file (the core compiles its own copy, also static).
// It must be included before any core header, which include <jsmn.h> for declarations only.
#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include <cinttypes>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "evc/charging/hardware.hpp"
#include "evc/common/clock.hpp"
#include "evc/common/log.hpp"
#include "evc/common/rng.hpp"
#include "evc/ocpp/charge_point.hpp"
#include "evc/ocpp/configuration.hpp"
#include "evc/ocpp/transport.hpp"
#include "evc/storage/kv_store.hpp"
#include "platform.h"

namespace evc::m4 {
namespace {

// newlib-nano's printf has no 64-bit conversions: 64-bit values are printed through long
// (every one printed here fits).

// --- Scenario constants --------------------------------------------------------------------
constexpr uint64_t kTickMs = 10;                        // the port's control tick
constexpr uint64_t kDeadlineMs = 15ull * 60ull * 1000;  // virtual time allowed for the script
constexpr uint32_t kRngSeed = 20260301;
constexpr int32_t kCsmsTransactionId = 4711;
constexpr const char* kIdTag = "M4TAG";
constexpr const char* kCsmsTime = "2026-03-01T10:00:00Z";
constexpr int kHeartbeatIntervalS = 300;
constexpr const char* kSampleIntervalS = "15";
constexpr int kMeterValuesWanted = 3;
constexpr float kEvVoltageV = 60.0f;
constexpr float kEvCurrentA = 20.0f;
// The energy register may differ from V*I*t by integration at tick boundaries and rounding to
// whole Wh.
constexpr double kEnergyToleranceWh = 2.0;
constexpr uint64_t kMsPerHour = 3600ull * 1000ull;

// Verdicts (the image's exit status).
constexpr int kVerdictPass = 0;
constexpr int kVerdictFail = 1;
constexpr int kVerdictSetup = 2;

// --- Seams -----------------------------------------------------------------------------------

class CountingClock final : public Clock {
 public:
  uint64_t MonotonicMs() const override { return now_ms_; }
  void Advance(uint64_t ms) { now_ms_ += ms; }

 private:
  uint64_t now_ms_ = 0;
};

// A flash stand-in: a fixed table of slots, each key with one value. One Set() replaces a
// value completely, which is the atomicity the seam promises.
class TableKvStore final : public storage::KvStore {
 public:
  static constexpr size_t kSlots = 48;
  static constexpr size_t kSlotBytes = 1024;

  Result<size_t> Get(std::string_view key, uint8_t* buf, size_t cap) override {
    const Slot* s = Find(key);
    if (s == nullptr) {
      return Errc::kNotFound;
    }
    if (s->len > cap) {
      return Errc::kResourceExhausted;
    }
    memcpy(buf, s->value, s->len);
    return s->len;
  }
  Status Set(std::string_view key, const uint8_t* data, size_t len) override {
    if (!storage::IsValidKey(key)) {
      return Errc::kInvalidArgument;
    }
    if (len > kSlotBytes) {
      ++refused_;
      return Errc::kResourceExhausted;
    }
    Slot* s = Find(key);
    if (s == nullptr) {
      s = FreeSlot();
      if (s == nullptr) {
        ++refused_;
        return Errc::kResourceExhausted;
      }
      memcpy(s->key, key.data(), key.size());
      s->key[key.size()] = '\0';
      s->used = true;
      ++keys_;
    }
    memcpy(s->value, data, len);
    s->len = len;
    ++writes_;
    if (len > largest_) {
      largest_ = len;
    }
    return OkStatus();
  }
  Status Erase(std::string_view key) override {
    Slot* s = Find(key);
    if (s != nullptr) {
      s->used = false;
      --keys_;
    }
    return OkStatus();
  }

  uint32_t writes() const { return writes_; }
  uint32_t refused() const { return refused_; }
  size_t keys() const { return keys_; }
  size_t largest() const { return largest_; }

 private:
  struct Slot {
    bool used;
    char key[storage::kMaxKeyLength + 1];
    size_t len;
    uint8_t value[kSlotBytes];
  };
  Slot* Find(std::string_view key) {
    for (Slot& s : slots_) {
      if (s.used && key == s.key) {
        return &s;
      }
    }
    return nullptr;
  }
  Slot* FreeSlot() {
    for (Slot& s : slots_) {
      if (!s.used) {
        return &s;
      }
    }
    return nullptr;
  }

  Slot slots_[kSlots] = {};
  uint32_t writes_ = 0;
  uint32_t refused_ = 0;
  size_t keys_ = 0;
  size_t largest_ = 0;
};

// Gun, EV and power output. The EV draws its current only while the output is on; the times
// the output switched are kept to compute the energy the meter should show.
class EvHardware final : public charging::ChargerHardware {
 public:
  explicit EvHardware(const Clock& clock) : clock_(clock) {}
  bool CablePlugged() const override { return plugged; }
  bool EvRequestsEnergy() const override { return true; }
  void SetOutputEnabled(bool enabled) override {
    if (enabled && !output_) {
      on_since_ms_ = clock_.MonotonicMs();
    } else if (!enabled && output_) {
      on_total_ms_ += clock_.MonotonicMs() - on_since_ms_;
    }
    output_ = enabled;
  }
  charging::Telemetry ReadTelemetry() const override {
    charging::Telemetry t;
    t.valid = true;
    t.voltage_v = kEvVoltageV;
    t.current_a = output_ ? kEvCurrentA : 0.0f;
    t.current_offered_a = kEvCurrentA;
    t.temperature_c = 30.0f;
    t.soc_percent = 50.0f;
    return t;
  }
  bool UnlockConnector() override { return true; }

  bool output() const { return output_; }
  uint64_t on_total_ms() const { return on_total_ms_; }

  bool plugged = false;

 private:
  const Clock& clock_;
  bool output_ = false;
  uint64_t on_since_ms_ = 0;
  uint64_t on_total_ms_ = 0;
};

class NoReboot final : public charging::SystemControl {
 public:
  void Reboot(bool hard) override {
    (void)hard;
    ++reboots;
  }
  uint32_t reboots = 0;
};

class SemihostLogSink final : public LogSink {
 public:
  void Write(LogLevel level, const char* tag, const char* text) override {
    EvcPrintf("  [%s] %s: %s\n", LogLevelName(level), tag, text);
  }
};

// --- Reading frames with jsmn -------------------------------------------------------------

constexpr int kMaxTokens = 256;

class Doc {
 public:
  // False when the text is not one complete JSON value.
  bool Parse(std::string_view text) {
    text_ = text;
    jsmn_parser p;
    jsmn_init(&p);
    count_ = jsmn_parse(&p, text.data(), text.size(), tok_, kMaxTokens);
    return count_ > 0 && End(0) == count_ && tok_[0].end == static_cast<int>(text.size());
  }
  int count() const { return count_; }
  jsmntype_t Type(int i) const { return tok_[i].type; }
  int Size(int i) const { return tok_[i].size; }
  std::string_view Text(int i) const {
    return text_.substr(static_cast<size_t>(tok_[i].start),
                        static_cast<size_t>(tok_[i].end - tok_[i].start));
  }
  bool IsString(int i) const { return i >= 0 && tok_[i].type == JSMN_STRING; }
  bool IsInt(int i) const {
    if (i < 0 || tok_[i].type != JSMN_PRIMITIVE) {
      return false;
    }
    const std::string_view t = Text(i);
    size_t k = (!t.empty() && t[0] == '-') ? 1 : 0;
    if (k == t.size()) {
      return false;
    }
    for (; k < t.size(); ++k) {
      if (t[k] < '0' || t[k] > '9') {
        return false;
      }
    }
    return true;
  }
  int64_t Int(int i) const {
    const std::string_view t = Text(i);
    const bool neg = t[0] == '-';
    int64_t v = 0;
    for (size_t k = neg ? 1 : 0; k < t.size(); ++k) {
      v = v * 10 + (t[k] - '0');
    }
    return neg ? -v : v;
  }
  // Index just past token i and everything inside it.
  int End(int i) const {
    int next = i + 1;
    if (tok_[i].type == JSMN_OBJECT) {
      for (int m = 0; m < tok_[i].size; ++m) {
        next = End(next + 1);  // skip the key, then its value
      }
    } else if (tok_[i].type == JSMN_ARRAY) {
      for (int m = 0; m < tok_[i].size; ++m) {
        next = End(next);
      }
    }
    return next;
  }
  // The n-th element of array i, or -1.
  int Element(int i, int n) const {
    if (tok_[i].type != JSMN_ARRAY || n >= tok_[i].size) {
      return -1;
    }
    int at = i + 1;
    for (int k = 0; k < n; ++k) {
      at = End(at);
    }
    return at;
  }
  // The value of member `key` of object i, or -1.
  int Member(int i, std::string_view key) const {
    if (i < 0 || tok_[i].type != JSMN_OBJECT) {
      return -1;
    }
    int at = i + 1;
    for (int m = 0; m < tok_[i].size; ++m) {
      if (Text(at) == key) {
        return at + 1;
      }
      at = End(at + 1);
    }
    return -1;
  }
  std::string_view Str(int obj, std::string_view key) const {
    const int v = Member(obj, key);
    return IsString(v) ? Text(v) : std::string_view();
  }

 private:
  std::string_view text_;
  jsmntok_t tok_[kMaxTokens] = {};
  int count_ = 0;
};

// --- The scripted CSMS ------------------------------------------------------------------------

enum class Milestone : uint8_t { kBootAccepted, kStarted, kCharging, kMeterValues, kStopped };
constexpr size_t kMilestones = 5;
const char* MilestoneName(Milestone m) {
  switch (m) {
    case Milestone::kBootAccepted:
      return "boot accepted";
    case Milestone::kStarted:
      return "StartTransaction";
    case Milestone::kCharging:
      return "Charging";
    case Milestone::kMeterValues:
      return "MeterValues";
    case Milestone::kStopped:
      return "StopTransaction";
  }
  return "?";
}

class ScriptedCsms final : public ocpp::Transport {
 public:
  static constexpr size_t kFrameBytes = 512;
  static constexpr size_t kInboxDepth = 8;

  // Transport
  void SetListener(ocpp::TransportListener* listener) override { listener_ = listener; }
  Status Connect() override {
    ++connects;
    open_pending_ = true;
    return OkStatus();
  }
  void Close() override {
    if (open_) {
      open_ = false;
      close_pending_ = true;
    }
  }
  bool IsOpen() const override { return open_; }
  Status Send(std::string_view text) override {
    if (!open_) {
      return Errc::kUnavailable;
    }
    ++frames_seen;
    Inspect(text);
    return OkStatus();
  }
  void SetPingIntervalS(uint32_t seconds) override { (void)seconds; }
  Status SetAuthorizationKey(std::string_view key) override {
    (void)key;
    return OkStatus();
  }
  void Poll() override {
    if (listener_ == nullptr) {
      return;
    }
    if (open_pending_) {
      open_pending_ = false;
      open_ = true;
      listener_->OnTransportOpen();
    }
    if (close_pending_) {
      close_pending_ = false;
      listener_->OnTransportClosed(ocpp::CloseReason::kLocalClose);
    }
    // Deliver what was queued; a reply may queue more, which waits for the next poll.
    const size_t n = inbox_count_;
    for (size_t k = 0; k < n && open_; ++k) {
      char frame[kFrameBytes];
      memcpy(frame, inbox_[k], kFrameBytes);
      listener_->OnTransportMessage(frame);
    }
    memmove(inbox_, inbox_ + n, (inbox_count_ - n) * kFrameBytes);
    inbox_count_ -= n;
  }

  // The CSMS starts a CALL of its own; the answer lands in last_answer_status.
  void Call(const char* action, const char* payload_fmt, ...) __attribute__((format(printf, 3, 4)));

  // --- What the CSMS saw --------------------------------------------------------------------
  uint32_t connects = 0;
  uint32_t frames_seen = 0;
  uint32_t malformed = 0;
  uint32_t unexpected = 0;
  uint32_t calls_from_cp = 0;
  bool first_call_was_boot = false;
  int32_t meter_start = -1;
  int32_t meter_stop = -1;
  int32_t stop_tx_id = 0;
  char stop_reason[24] = {};
  uint32_t meter_values = 0;
  uint32_t meter_values_bad_tx = 0;
  uint32_t start_transactions = 0;
  uint32_t stop_transactions = 0;
  uint32_t answers_pending = 0;
  char last_status[2][16] = {};
  char last_answer_status[16] = {};
  bool answer_seen = false;
  // Order of the milestones: the frame count at which each was first seen (0 = never).
  uint32_t milestone_at[kMilestones] = {};

 private:
  void Mark(Milestone m) {
    uint32_t& at = milestone_at[static_cast<size_t>(m)];
    if (at == 0) {
      at = frames_seen;
      EvcPrintf("CSMS: milestone '%s' at frame %" PRIu32 "\n", MilestoneName(m), at);
    }
  }
  void Bad(const char* what, std::string_view text) {
    ++malformed;
    EvcPrintf("CSMS: MALFORMED (%s): %.*s\n", what, static_cast<int>(text.size()), text.data());
  }
  void Queue(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
  void Inspect(std::string_view text);
  void OnCall(std::string_view text, const Doc& d, std::string_view id, std::string_view action,
              int payload);
  void OnResult(std::string_view text, const Doc& d, std::string_view id, int payload);

  ocpp::TransportListener* listener_ = nullptr;
  bool open_ = false;
  bool open_pending_ = false;
  bool close_pending_ = false;
  char inbox_[kInboxDepth][kFrameBytes] = {};
  size_t inbox_count_ = 0;
  uint32_t next_call_id_ = 0;
  char outstanding_id_[16] = {};
  Doc doc_;
};

void ScriptedCsms::Queue(const char* fmt, ...) {
  if (inbox_count_ == kInboxDepth) {
    ++unexpected;
    EvcPrintf("CSMS: inbox full, frame dropped\n");
    return;
  }
  va_list args;
  va_start(args, fmt);
  const int n = vsnprintf(inbox_[inbox_count_], kFrameBytes, fmt, args);
  va_end(args);
  if (n < 0 || static_cast<size_t>(n) >= kFrameBytes) {
    ++unexpected;
    EvcPrintf("CSMS: reply longer than %u bytes, not sent\n", static_cast<unsigned>(kFrameBytes));
    return;
  }
  ++inbox_count_;
}

void ScriptedCsms::Call(const char* action, const char* payload_fmt, ...) {
  char payload[kFrameBytes / 2];
  va_list args;
  va_start(args, payload_fmt);
  const int n = vsnprintf(payload, sizeof payload, payload_fmt, args);
  va_end(args);
  if (n < 0 || static_cast<size_t>(n) >= sizeof payload) {
    ++unexpected;
    return;
  }
  snprintf(outstanding_id_, sizeof outstanding_id_, "csms-%" PRIu32, ++next_call_id_);
  answer_seen = false;
  last_answer_status[0] = '\0';
  ++answers_pending;
  EvcPrintf("CSMS: -> %s %s\n", action, payload);
  Queue("[2,\"%s\",\"%s\",%s]", outstanding_id_, action, payload);
}

void ScriptedCsms::Inspect(std::string_view text) {
  if (!doc_.Parse(text)) {
    Bad("not one JSON value", text);
    return;
  }
  const Doc& d = doc_;
  if (d.Type(0) != JSMN_ARRAY || d.Size(0) < 3 || !d.IsInt(d.Element(0, 0)) ||
      !d.IsString(d.Element(0, 1))) {
    Bad("not an OCPP-J array", text);
    return;
  }
  const int64_t type = d.Int(d.Element(0, 0));
  const std::string_view id = d.Text(d.Element(0, 1));
  if (id.empty() || id.size() > ocpp::kMaxMessageIdLength) {
    Bad("message id length", text);
    return;
  }
  if (type == 2) {
    const int action = d.Element(0, 2);
    const int payload = d.Element(0, 3);
    if (d.Size(0) != 4 || !d.IsString(action) || d.Type(payload) != JSMN_OBJECT) {
      Bad("CALL shape", text);
      return;
    }
    OnCall(text, d, id, d.Text(action), payload);
  } else if (type == 3) {
    const int payload = d.Element(0, 2);
    if (d.Size(0) != 3 || d.Type(payload) != JSMN_OBJECT) {
      Bad("CALLRESULT shape", text);
      return;
    }
    OnResult(text, d, id, payload);
  } else if (type == 4) {
    ++unexpected;
    EvcPrintf("CSMS: charge point answered with CALLERROR: %.*s\n", static_cast<int>(text.size()),
              text.data());
    if (id == outstanding_id_) {
      --answers_pending;
      answer_seen = true;
      outstanding_id_[0] = '\0';
    }
  } else {
    Bad("unknown message type", text);
  }
}

void ScriptedCsms::OnCall(std::string_view text, const Doc& d, std::string_view id,
                          std::string_view action, int p) {
  ++calls_from_cp;
  if (calls_from_cp == 1) {
    first_call_was_boot = action == "BootNotification";
  }
  const int idn = static_cast<int>(id.size());
  const char* idp = id.data();
  if (action == "BootNotification") {
    if (d.Str(p, "chargePointVendor").empty() || d.Str(p, "chargePointModel").empty()) {
      Bad("BootNotification fields", text);
    }
    Queue("[3,\"%.*s\",{\"status\":\"Accepted\",\"currentTime\":\"%s\",\"interval\":%d}]", idn, idp,
          kCsmsTime, kHeartbeatIntervalS);
    Mark(Milestone::kBootAccepted);
  } else if (action == "StatusNotification") {
    const int connector = d.Member(p, "connectorId");
    const std::string_view status = d.Str(p, "status");
    if (!d.IsInt(connector) || d.Int(connector) < 0 || d.Int(connector) > 1 || status.empty() ||
        d.Str(p, "errorCode").empty()) {
      Bad("StatusNotification fields", text);
    } else {
      char* slot = last_status[d.Int(connector)];
      snprintf(slot, sizeof last_status[0], "%.*s", static_cast<int>(status.size()), status.data());
      EvcPrintf("CSMS: connector %d is %s\n", static_cast<int>(d.Int(connector)), slot);
      if (d.Int(connector) == 1 && status == "Charging") {
        Mark(Milestone::kCharging);
      }
    }
    Queue("[3,\"%.*s\",{}]", idn, idp);
  } else if (action == "StartTransaction") {
    const int meter = d.Member(p, "meterStart");
    const std::string_view ts = d.Str(p, "timestamp");
    if (!d.IsInt(meter) || d.Str(p, "idTag") != kIdTag || ts.empty() || ts.back() != 'Z') {
      Bad("StartTransaction fields", text);
    } else {
      meter_start = static_cast<int32_t>(d.Int(meter));
    }
    ++start_transactions;
    Queue("[3,\"%.*s\",{\"idTagInfo\":{\"status\":\"Accepted\"},\"transactionId\":%" PRId32 "}]",
          idn, idp, kCsmsTransactionId);
    Mark(Milestone::kStarted);
  } else if (action == "MeterValues") {
    const int tx = d.Member(p, "transactionId");
    const int mv = d.Member(p, "meterValue");
    if (mv < 0 || d.Type(mv) != JSMN_ARRAY || d.Size(mv) < 1) {
      Bad("MeterValues fields", text);
    }
    if (!d.IsInt(tx) || d.Int(tx) != kCsmsTransactionId) {
      ++meter_values_bad_tx;
      EvcPrintf("CSMS: MeterValues without the transaction id: %.*s\n",
                static_cast<int>(text.size()), text.data());
    }
    ++meter_values;
    EvcPrintf("CSMS: MeterValues #%" PRIu32 ": %.*s\n", meter_values, static_cast<int>(text.size()),
              text.data());
    Queue("[3,\"%.*s\",{}]", idn, idp);
    Mark(Milestone::kMeterValues);
  } else if (action == "StopTransaction") {
    const int meter = d.Member(p, "meterStop");
    const int tx = d.Member(p, "transactionId");
    if (!d.IsInt(meter) || !d.IsInt(tx)) {
      Bad("StopTransaction fields", text);
    } else {
      meter_stop = static_cast<int32_t>(d.Int(meter));
      stop_tx_id = static_cast<int32_t>(d.Int(tx));
    }
    const std::string_view reason = d.Str(p, "reason");
    snprintf(stop_reason, sizeof stop_reason, "%.*s", static_cast<int>(reason.size()),
             reason.data());
    ++stop_transactions;
    EvcPrintf("CSMS: StopTransaction: %.*s\n", static_cast<int>(text.size()), text.data());
    Queue("[3,\"%.*s\",{\"idTagInfo\":{\"status\":\"Accepted\"}}]", idn, idp);
    Mark(Milestone::kStopped);
  } else if (action == "Heartbeat") {
    Queue("[3,\"%.*s\",{\"currentTime\":\"%s\"}]", idn, idp, kCsmsTime);
  } else if (action == "Authorize") {
    Queue("[3,\"%.*s\",{\"idTagInfo\":{\"status\":\"Accepted\"}}]", idn, idp);
  } else {
    ++unexpected;
    EvcPrintf("CSMS: unexpected CALL: %.*s\n", static_cast<int>(text.size()), text.data());
    Queue("[4,\"%.*s\",\"NotImplemented\",\"not in the script\",{}]", idn, idp);
  }
}

void ScriptedCsms::OnResult(std::string_view text, const Doc& d, std::string_view id, int p) {
  if (outstanding_id_[0] == '\0' || id != outstanding_id_) {
    Bad("CALLRESULT for no outstanding call", text);
    return;
  }
  const std::string_view status = d.Str(p, "status");
  snprintf(last_answer_status, sizeof last_answer_status, "%.*s", static_cast<int>(status.size()),
           status.data());
  EvcPrintf("CSMS: <- answer %s\n", last_answer_status);
  outstanding_id_[0] = '\0';
  --answers_pending;
  answer_seen = true;
}

// --- Progress -----------------------------------------------------------------------------

class Progress final : public ocpp::ChargePointObserver {
 public:
  void OnStatus(int connector, charging::ConnectorStatus status) override {
    EvcPrintf("CP: connector %d -> %s\n", connector, charging::ConnectorStatusName(status));
  }
  void OnTransactionStarted(uint32_t local_tx, std::string_view id_tag, int64_t meter_wh) override {
    EvcPrintf("CP: transaction %" PRIu32 " started for %.*s at %ld Wh\n", local_tx,
              static_cast<int>(id_tag.size()), id_tag.data(), static_cast<long>(meter_wh));
  }
  void OnTransactionStopped(uint32_t local_tx, ocpp::StopReason reason, int64_t meter_wh) override {
    (void)reason;
    EvcPrintf("CP: transaction %" PRIu32 " stopped at %ld Wh\n", local_tx,
              static_cast<long>(meter_wh));
  }
};

// --- The run ------------------------------------------------------------------------------

enum class Step : uint8_t {
  kWaitBoot,
  kConfigure,
  kWaitConfigured,
  kPlug,
  kRemoteStart,
  kWaitStarted,
  kCharge,
  kRemoteStop,
  kWaitStopped,
  kUnplug,
  kWaitIdle,
  kDone,
};

struct World {
  CountingClock clock;
  XoshiroRng rng{kRngSeed};
  SemihostLogSink sink;
  Logger log{&sink, LogLevel::kInfo};
  TableKvStore kv;
  ScriptedCsms csms;
  EvHardware hw{clock};
  NoReboot system;
  Progress progress;
  ocpp::Configuration config{kv, log};
};

class Verdict {
 public:
  void Check(bool ok, const char* what) {
    EvcPrintf("  [%s] %s\n", ok ? "ok" : "FAIL", what);
    if (!ok) {
      ++failures_;
    }
  }
  int failures() const { return failures_; }

 private:
  int failures_ = 0;
};

World world;

int Run() {
  World& w = world;
  if (!w.config.Load().ok()) {
    EvcPrintf("configuration did not load\n");
  }
  // Static storage, as on the device: the heap figures then show only what the core allocates
  // at run time (nothing, by its rules) and what newlib takes for itself.
  static ocpp::ChargePoint cp(
      ocpp::ChargePointDeps{w.csms, w.clock, w.rng, w.log, w.kv, w.config, w.hw, w.system},
      ocpp::ChargePointIdentity{"EVC", "EVC-DC-LEV", "M4-QEMU-1", "cortex-m4"}, &w.progress);
  EvcPrintf("sizeof(ChargePoint)=%u sizeof(Configuration)=%u\n",
            static_cast<unsigned>(sizeof(ocpp::ChargePoint)),
            static_cast<unsigned>(sizeof(ocpp::Configuration)));
  const Status boot = cp.Boot();
  if (!boot.ok()) {
    EvcPrintf("ChargePoint::Boot failed: %s\n", ErrcName(boot.code()));
    return kVerdictSetup;
  }

  Step step = Step::kWaitBoot;
  uint64_t ticks = 0;
  while (step != Step::kDone && w.clock.MonotonicMs() < kDeadlineMs) {
    w.clock.Advance(kTickMs);
    cp.Poll();
    ++ticks;
    ScriptedCsms& c = w.csms;
    switch (step) {
      case Step::kWaitBoot:
        if (cp.registration() == ocpp::RegistrationStatus::kAccepted &&
            strcmp(c.last_status[1], "Available") == 0 && c.answers_pending == 0) {
          step = Step::kConfigure;
        }
        break;
      case Step::kConfigure:
        c.Call("ChangeConfiguration", "{\"key\":\"MeterValueSampleInterval\",\"value\":\"%s\"}",
               kSampleIntervalS);
        step = Step::kWaitConfigured;
        break;
      case Step::kWaitConfigured:
        if (c.answer_seen) {
          step = Step::kPlug;
        }
        break;
      case Step::kPlug:
        EvcPrintf("EV: plugged in\n");
        w.hw.plugged = true;
        step = Step::kRemoteStart;
        break;
      case Step::kRemoteStart:
        if (strcmp(c.last_status[1], "Preparing") == 0) {
          c.Call("RemoteStartTransaction", "{\"connectorId\":1,\"idTag\":\"%s\"}", kIdTag);
          step = Step::kWaitStarted;
        }
        break;
      case Step::kWaitStarted:
        if (strcmp(c.last_status[1], "Charging") == 0) {
          step = Step::kCharge;
        }
        break;
      case Step::kCharge:
        if (c.meter_values >= kMeterValuesWanted) {
          step = Step::kRemoteStop;
        }
        break;
      case Step::kRemoteStop:
        c.Call("RemoteStopTransaction", "{\"transactionId\":%" PRId32 "}", kCsmsTransactionId);
        step = Step::kWaitStopped;
        break;
      case Step::kWaitStopped:
        if (c.stop_transactions > 0 && strcmp(c.last_status[1], "Finishing") == 0) {
          step = Step::kUnplug;
        }
        break;
      case Step::kUnplug:
        EvcPrintf("EV: unplugged\n");
        w.hw.plugged = false;
        step = Step::kWaitIdle;
        break;
      case Step::kWaitIdle:
        if (strcmp(c.last_status[1], "Available") == 0 && cp.queued_tx_messages() == 0 &&
            c.answers_pending == 0) {
          step = Step::kDone;
        }
        break;
      case Step::kDone:
        break;
    }
  }

  const ScriptedCsms& c = w.csms;
  const double expected_wh = static_cast<double>(kEvVoltageV) * static_cast<double>(kEvCurrentA) *
                             static_cast<double>(w.hw.on_total_ms()) /
                             static_cast<double>(kMsPerHour);
  const double metered_wh = static_cast<double>(c.meter_stop - c.meter_start);
  EvcPrintf("\nrun: %lu ticks, %lu ms virtual, %" PRIu32 " frames from the charge point\n",
            static_cast<unsigned long>(ticks), static_cast<unsigned long>(w.clock.MonotonicMs()),
            c.frames_seen);
  EvcPrintf("energy: meterStart=%" PRId32 " meterStop=%" PRId32
            " Wh; output on for %lu ms, V*I*t = %d.%02d Wh\n",
            c.meter_start, c.meter_stop, static_cast<unsigned long>(w.hw.on_total_ms()),
            static_cast<int>(expected_wh),
            static_cast<int>((expected_wh - static_cast<int>(expected_wh)) * 100));
  EvcPrintf("kv: %u keys, %" PRIu32 " writes, largest value %u bytes, %" PRIu32 " refused\n",
            static_cast<unsigned>(w.kv.keys()), w.kv.writes(),
            static_cast<unsigned>(w.kv.largest()), w.kv.refused());

  Verdict v;
  EvcPrintf("\nverdict:\n");
  v.Check(step == Step::kDone, "the script ran to its end within the deadline");
  v.Check(c.malformed == 0, "every frame from the charge point was well-formed");
  v.Check(c.unexpected == 0, "no unexpected CALL, CALLERROR or oversize reply");
  v.Check(c.first_call_was_boot, "the first CALL was BootNotification");
  v.Check(c.connects == 1, "one connection");
  v.Check(c.start_transactions == 1 && c.stop_transactions == 1,
          "exactly one StartTransaction and one StopTransaction");
  v.Check(c.meter_values >= kMeterValuesWanted && c.meter_values_bad_tx == 0,
          "periodic MeterValues, each with the CSMS transaction id");
  v.Check(c.stop_tx_id == kCsmsTransactionId, "StopTransaction carried the CSMS transaction id");
  v.Check(strcmp(c.stop_reason, "Remote") == 0, "stop reason Remote");
  v.Check(c.meter_start >= 0 && c.meter_stop > c.meter_start, "meterStop > meterStart");
  v.Check(metered_wh >= expected_wh - kEnergyToleranceWh &&
              metered_wh <= expected_wh + kEnergyToleranceWh,
          "metered energy matches V*I*t within the tolerance");
  bool ordered = true;
  for (size_t m = 1; m < kMilestones; ++m) {
    ordered = ordered && c.milestone_at[m - 1] != 0 && c.milestone_at[m] > c.milestone_at[m - 1];
  }
  v.Check(ordered, "order: boot accepted < StartTransaction < Charging < MeterValues < Stop");
  v.Check(!w.hw.output(), "output off at the end");
  v.Check(cp.counters().persist_failures == 0 && w.kv.refused() == 0, "every persist succeeded");
  v.Check(cp.counters().tx_messages_dropped == 0 && cp.queued_tx_messages() == 0,
          "no transaction message dropped or left queued");
  v.Check(w.system.reboots == 0, "no reboot requested");

  EvcMemStats mem;
  EvcGetMemStats(&mem);
  EvcPrintf(
      "\nmemory: .data %u B, .bss %u B; heap: sbrk peak %u B of %u B, malloc peak %u B "
      "live %u B (%" PRIu32 " mallocs, %" PRIu32 " frees); stack peak %u B of %u B\n",
      static_cast<unsigned>(mem.data_bytes), static_cast<unsigned>(mem.bss_bytes),
      static_cast<unsigned>(mem.sbrk_peak_bytes), static_cast<unsigned>(mem.heap_region_bytes),
      static_cast<unsigned>(mem.malloc_peak_bytes), static_cast<unsigned>(mem.malloc_live_bytes),
      mem.malloc_calls, mem.free_calls, static_cast<unsigned>(mem.stack_peak_bytes),
      static_cast<unsigned>(mem.stack_region_bytes));
  EvcPrintf("VERDICT: %s (%d failed checks)\n", v.failures() == 0 ? "PASS" : "FAIL", v.failures());
  return v.failures() == 0 ? kVerdictPass : kVerdictFail;
}

}  // namespace
}  // namespace evc::m4

int main() {
  EvcPrintf("evc core on Cortex-M4 (qemu mps2-an386): one charging session\n");
  return evc::m4::Run();
}
