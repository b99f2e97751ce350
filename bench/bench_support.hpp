#pragma once
// Shared set-up for the benchmarks (Google Benchmark) and the callgrind drivers: an OCPP charge
// point over fakes with a scripted CSMS that answers every CALL, a charging simulator world, and
// a CAN replay rig fed with frames recorded from that world.
//
// Nothing here asserts anything about time; the rigs abort with a message when the scenario they
// set up does not happen (a broken build, not a slow one).

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "evc/can/dispatcher.hpp"
#include "evc/charging/charger_stack.hpp"
#include "evc/common/log.hpp"
#include "evc/common/rng.hpp"
#include "evc/ocpp/charge_point.hpp"
#include "evc/ocpp/configuration.hpp"
#include "evc/power/infy_codec.hpp"
#include "evc/safety/timing.hpp"
#include "evc/sim/sim_world.hpp"
#include "evc/testing/fake_hardware.hpp"
#include "evc/testing/fakes.hpp"
#include "evc/vehicle/gbt_messages.hpp"
#include "evc/vehicle/gbt_session.hpp"

namespace evc::bench {

[[noreturn]] inline void Die(const char* what) {
  fprintf(stderr, "bench set-up failed: %s\n", what);
  abort();
}

constexpr uint64_t kTickMs = safety::timing::kControlTickMs;
constexpr int32_t kMeterSampleIntervalS = 10;
constexpr int kSettleTicks = 5;

// ---- Fakes without heap use (for the heap measurement) -------------------------------------

// A KvStore over fixed arrays: what the core stores costs no heap of the fake's own.
class StaticKvStore final : public storage::KvStore {
 public:
  static constexpr size_t kSlots = 64;
  Result<size_t> Get(std::string_view key, uint8_t* buf, size_t cap) override {
    const Slot* s = Find(key);
    if (s == nullptr) {
      return Errc::kNotFound;
    }
    if (s->len > cap) {
      return Errc::kResourceExhausted;
    }
    memcpy(buf, s->data, s->len);
    return s->len;
  }
  Status Set(std::string_view key, const uint8_t* d, size_t len) override {
    if (!storage::IsValidKey(key)) {
      return Errc::kInvalidArgument;
    }
    if (len > storage::kMaxValueSize) {
      return Errc::kResourceExhausted;
    }
    Slot* s = Find(key);
    if (s == nullptr) {
      for (Slot& f : slots_) {
        if (!f.used) {
          s = &f;
          break;
        }
      }
      if (s == nullptr) {
        return Errc::kResourceExhausted;
      }
      s->used = true;
      memcpy(s->key, key.data(), key.size());
      s->key_len = key.size();
    }
    memcpy(s->data, d, len);
    s->len = len;
    return OkStatus();
  }
  Status Erase(std::string_view key) override {
    Slot* s = Find(key);
    if (s != nullptr) {
      s->used = false;
    }
    return OkStatus();
  }

 private:
  struct Slot {
    bool used = false;
    char key[storage::kMaxKeyLength + 1] = {};
    size_t key_len = 0;
    size_t len = 0;
    uint8_t data[storage::kMaxValueSize] = {};
  };
  Slot* Find(std::string_view key) {
    for (Slot& s : slots_) {
      if (s.used && std::string_view(s.key, s.key_len) == key) {
        return &s;
      }
    }
    return nullptr;
  }
  Slot slots_[kSlots];
};

// A transport keeping the last few frames in fixed buffers.
class StaticTransport final : public ocpp::Transport {
 public:
  static constexpr size_t kFrames = 8;
  static constexpr size_t kFrameSize = 8192;
  void SetListener(ocpp::TransportListener* l) override { listener_ = l; }
  Status Connect() override { return OkStatus(); }
  void Close() override {
    if (open_) {
      open_ = false;
      if (listener_ != nullptr) {
        listener_->OnTransportClosed(ocpp::CloseReason::kLocalClose);
      }
    }
  }
  bool IsOpen() const override { return open_; }
  Status Send(std::string_view text) override {
    if (!open_) {
      return Errc::kUnavailable;
    }
    if (count_ == kFrames || text.size() > kFrameSize) {
      Die("StaticTransport overflow");
    }
    Entry& e = frames_[(head_ + count_) % kFrames];
    memcpy(e.text, text.data(), text.size());
    e.len = text.size();
    ++count_;
    return OkStatus();
  }
  void SetPingIntervalS(uint32_t) override {}
  Status SetAuthorizationKey(std::string_view) override { return OkStatus(); }
  void Poll() override {}

  void Open() {
    open_ = true;
    if (listener_ != nullptr) {
      listener_->OnTransportOpen();
    }
  }
  void Deliver(std::string_view text) {
    if (listener_ != nullptr) {
      listener_->OnTransportMessage(text);
    }
  }
  bool Empty() const { return count_ == 0; }
  std::string_view Front() const {
    return std::string_view(frames_[head_].text, frames_[head_].len);
  }
  std::string_view Back() const {
    const Entry& e = frames_[(head_ + count_ - 1) % kFrames];
    return std::string_view(e.text, e.len);
  }
  void PopFront() {
    head_ = (head_ + 1) % kFrames;
    --count_;
  }
  void PopBack() { --count_; }

 private:
  struct Entry {
    char text[kFrameSize];
    size_t len = 0;
  };
  ocpp::TransportListener* listener_ = nullptr;
  bool open_ = false;
  Entry frames_[kFrames];
  size_t head_ = 0;
  size_t count_ = 0;
};

// Uniform access to the two transports' recorded frames.
inline bool SentEmpty(const testing::FakeTransport& t) {
  return t.sent.empty();
}
inline bool SentEmpty(const StaticTransport& t) {
  return t.Empty();
}
inline std::string_view SentFront(const testing::FakeTransport& t) {
  return t.sent.front();
}
inline std::string_view SentFront(const StaticTransport& t) {
  return t.Front();
}
inline std::string_view SentBack(const testing::FakeTransport& t) {
  return t.sent.back();
}
inline std::string_view SentBack(const StaticTransport& t) {
  return t.Back();
}
inline void PopSentFront(testing::FakeTransport& t) {
  t.sent.pop_front();
}
inline void PopSentFront(StaticTransport& t) {
  t.PopFront();
}
inline void PopSentBack(testing::FakeTransport& t) {
  t.sent.pop_back();
}
inline void PopSentBack(StaticTransport& t) {
  t.PopBack();
}
inline void DeliverText(testing::FakeTransport& t, std::string_view s) {
  t.Deliver(std::string(s));
}
inline void DeliverText(StaticTransport& t, std::string_view s) {
  t.Deliver(s);
}

// ---- The OCPP rig --------------------------------------------------------------------------

constexpr const char* kCsmsTime = "2026-03-01T10:00:00Z";

// A charge point (real Rpc + ChargePoint + Configuration + TxQueue) over fakes, registered and
// connected, its connector plugged. The scripted CSMS answers our CALLs by action.
template <class Kv, class Tp>
class OcppRig {
 public:
  OcppRig() : log_(&sink_), config_(kv, log_) {
    clock.utc_ms = 1772359200000LL;  // 2026-03-01T10:00:00Z at monotonic 0
    config_.Load().IgnoreError();
    if (!config_
             .SetInt(ocpp::ConfigKey::kMeterValueSampleInterval, kMeterSampleIntervalS,
                     ocpp::Persist::kYes)
             .ok()) {
      Die("MeterValueSampleInterval");
    }
    cp_ = std::make_unique<ocpp::ChargePoint>(
        ocpp::ChargePointDeps{transport, clock, rng_, log_, kv, config_, hw, sys},
        ocpp::ChargePointIdentity{"EVC", "EVC-DC-LEV", "SN-BENCH-1", "1.0.0"});
    if (!cp_->Boot().ok()) {
      Die("ChargePoint::Boot");
    }
    cp_->Poll();
    transport.Open();
    Settle();
    if (cp_->registration() != ocpp::RegistrationStatus::kAccepted) {
      Die("registration");
    }
    hw.plugged = true;
    Settle();
  }

  ocpp::ChargePoint& cp() { return *cp_; }
  ocpp::Configuration& config() { return config_; }

  void Tick(uint64_t ms = kTickMs) {
    clock.Advance(ms);
    cp_->Poll();
  }

  // Answers every frame waiting in the transport: CALLs by action, our answers to CSMS calls
  // are dropped. Returns the number of CALLs answered.
  int AnswerAll() {
    int n = 0;
    while (!SentEmpty(transport)) {
      if (AnswerFront()) {
        ++n;
      }
    }
    return n;
  }
  // Ticks and answers until nothing moves for a few ticks. Returns the CALLs answered.
  int Settle() {
    int total = 0;
    for (int quiet = 0; quiet < kSettleTicks;) {
      Tick();
      const int n = AnswerAll();
      total += n;
      quiet = n == 0 ? quiet + 1 : 0;
    }
    return total;
  }
  // Ticks until a CALL is waiting (at most `limit_ticks`). Returns whether one is.
  bool TickUntilSent(int limit_ticks) {
    for (int i = 0; i < limit_ticks && SentEmpty(transport); ++i) {
      Tick();
    }
    return !SentEmpty(transport);
  }

  // Delivers a CALL as the CSMS and drops our answer (checked to be an answer).
  void CsmsCall(std::string_view action, std::string_view payload) {
    const int len = snprintf(buf_, sizeof(buf_), "[2,\"cs%u\",\"%.*s\",%.*s]", ++csms_ids_,
                             static_cast<int>(action.size()), action.data(),
                             static_cast<int>(payload.size()), payload.data());
    if (len <= 0 || static_cast<size_t>(len) >= sizeof(buf_)) {
      Die("CSMS call too long");
    }
    DeliverText(transport, std::string_view(buf_, static_cast<size_t>(len)));
    if (SentEmpty(transport)) {
      Die("no answer to a CSMS call");
    }
    const std::string_view back = SentBack(transport);
    if (back.size() < 2 || (back[1] != '3' && back[1] != '4')) {
      Die("CSMS call not answered last");
    }
    last_answer_len_ = back.size();
    PopSentBack(transport);
  }
  size_t last_answer_len() const { return last_answer_len_; }

  // The CALL waiting first, split into id and action (empty action: not a CALL).
  struct Pending {
    std::string_view id;
    std::string_view action;
  };
  Pending PeekCall() const {
    Pending p;
    const std::string_view t = SentFront(transport);
    if (t.size() < 4 || t[1] != '2') {
      return p;
    }
    const size_t id_start = t.find('"');
    const size_t id_end = t.find('"', id_start + 1);
    const size_t a_start = t.find('"', id_end + 1);
    const size_t a_end = t.find('"', a_start + 1);
    if (a_end == std::string_view::npos) {
      Die("malformed CALL");
    }
    p.id = t.substr(id_start + 1, id_end - id_start - 1);
    p.action = t.substr(a_start + 1, a_end - a_start - 1);
    return p;
  }
  // Answers the CALL waiting first with the scripted result (or drops a non-CALL).
  bool AnswerFront() {
    const Pending p = PeekCall();
    if (p.action.empty()) {
      PopSentFront(transport);
      return false;
    }
    const char* result = "{}";
    char tx_result[96];
    if (p.action == "BootNotification") {
      result =
          "{\"status\":\"Accepted\",\"currentTime\":\"2026-03-01T10:00:00Z\",\"interval\":300}";
    } else if (p.action == "Heartbeat") {
      result = "{\"currentTime\":\"2026-03-01T10:00:00Z\"}";
    } else if (p.action == "Authorize") {
      result = "{\"idTagInfo\":{\"status\":\"Accepted\"}}";
    } else if (p.action == "StartTransaction") {
      snprintf(tx_result, sizeof(tx_result),
               "{\"idTagInfo\":{\"status\":\"Accepted\"},\"transactionId\":%d", ++csms_tx_);
      strcat(tx_result, "}");
      result = tx_result;
    } else if (p.action == "StopTransaction") {
      result = "{\"idTagInfo\":{\"status\":\"Accepted\"}}";
    }
    const int len = snprintf(buf_, sizeof(buf_), "[3,\"%.*s\",%s]", static_cast<int>(p.id.size()),
                             p.id.data(), result);
    PopSentFront(transport);
    DeliverText(transport, std::string_view(buf_, static_cast<size_t>(len)));
    return true;
  }

  testing::FakeClock clock;
  Tp transport;
  Kv kv;
  testing::FakeHardware hw;
  testing::FakeSystem sys;

 private:
  NullLogSink sink_;
  Logger log_;
  XoshiroRng rng_{7};
  ocpp::Configuration config_;
  std::unique_ptr<ocpp::ChargePoint> cp_;
  char buf_[1024];
  unsigned csms_ids_ = 0;
  int csms_tx_ = 100;
  size_t last_answer_len_ = 0;
};

using TestOcppRig = OcppRig<testing::MemoryKvStore, testing::FakeTransport>;
using StaticOcppRig = OcppRig<StaticKvStore, StaticTransport>;

// Starts a transaction by RemoteStartTransaction and answers everything it causes. Returns the
// CALLs answered plus the one CSMS call.
template <class Rig>
int StartTransaction(Rig& rig) {
  rig.CsmsCall("RemoteStartTransaction", R"({"idTag":"TAG1","connectorId":1})");
  const int n = rig.Settle();
  if (!rig.cp().transaction_active() || rig.cp().transaction_id() == 0) {
    Die("transaction did not start");
  }
  return n + 1;
}
template <class Rig>
int StopTransaction(Rig& rig) {
  char payload[48];
  snprintf(payload, sizeof(payload), "{\"transactionId\":%d}", rig.cp().transaction_id());
  rig.CsmsCall("RemoteStopTransaction", payload);
  const int n = rig.Settle();
  if (rig.cp().transaction_active()) {
    Die("transaction did not stop");
  }
  return n + 1;
}

// One MeterValues exchange during a transaction: the sample is taken and persisted in the queue,
// sent, answered (the record is erased). Returns false when no MeterValues went out.
template <class Rig>
bool MeterValuesExchange(Rig& rig) {
  rig.clock.Advance(kMeterSampleIntervalS * 1000 - kTickMs);
  if (!rig.TickUntilSent(kSettleTicks)) {
    return false;
  }
  const bool mv = rig.PeekCall().action == "MeterValues";
  rig.AnswerAll();
  return mv;
}

// MeterValues encoding isolated: with the previous MeterValues still unanswered, the sampling
// tick persists the new sample without sending it; the previous one is answered, and the next
// Poll, run inside measure(poll), takes the sample off the queue, encodes and sends it. Leaves
// the new MeterValues unanswered. False when the expected frames did not appear. The first call
// of a transaction (nothing in flight yet) only primes: its sampling tick sends at once.
template <class Rig, class Measure>
bool MeterValuesSendOnly(Rig& rig, bool prime, Measure&& measure) {
  rig.clock.Advance(kMeterSampleIntervalS * 1000);
  rig.cp().Poll();  // samples; sends only when nothing is in flight
  if (SentEmpty(rig.transport) || rig.PeekCall().action != "MeterValues") {
    return false;
  }
  if (prime) {
    return true;
  }
  rig.AnswerFront();  // the previous one
  if (!SentEmpty(rig.transport)) {
    return false;
  }
  measure([&rig] { rig.cp().Poll(); });
  return !SentEmpty(rig.transport) && rig.PeekCall().action == "MeterValues";
}

// ---- Charging world (simulator hardware + the real ChargerStack) -----------------------------

// A CanBus that passes everything to another bus and records what the firmware received.
class TapBus final : public can::CanBus {
 public:
  explicit TapBus(can::CanBus& inner) : inner_(inner) {}
  Status Send(const can::Frame& f) override { return inner_.Send(f); }
  bool Receive(can::Frame* out) override {
    if (!inner_.Receive(out)) {
      return false;
    }
    if (recording) {
      received.push_back(*out);
    }
    return true;
  }
  can::BusState State() const override { return inner_.State(); }
  Status StartRecovery() override { return inner_.StartRecovery(); }
  Status Restart() override { return inner_.Restart(); }
  can::BusCounters Counters() const override { return inner_.Counters(); }
  bool recording = false;
  std::vector<can::Frame> received;

 private:
  can::CanBus& inner_;
};

// The simulated charger (SimWorld + ChargerStack) brought to charging, as sim/test/controller_test
// does.
class ChargingWorld {
 public:
  ChargingWorld()
      : log_(&sink_),
        module_tap_(world_.module_bus()),
        vehicle_tap_(world_.vehicle_bus()),
        stack_(clock_, log_, module_tap_, vehicle_tap_, world_.io(),
               charging::DefaultLevChargerConfig()) {
    if (!world_.Attach().ok() || !stack_.Init().ok()) {
      Die("SimWorld / ChargerStack init");
    }
    world_.io().set_estop_handler(&stack_.emergency_stop());
    world_.bms().SetSoc(20.0);
    world_.Plug(clock_.now_ms);
    stack_.controller().SetOutputEnabled(true);
    for (uint64_t t = 0; t < 30000 && !Charging(); t += kTickMs) {
      Tick();
    }
    if (!Charging()) {
      Die("the simulated session did not reach charging");
    }
  }
  void Tick() {
    clock_.Advance(kTickMs);
    world_.Step(clock_.now_ms);
    stack_.Poll();
  }
  bool Charging() {
    return stack_.controller().phase() == charging::ControlPhase::kCharging &&
           stack_.controller().ReadTelemetry().current_a > 0.5f;
  }
  // Records the frames the firmware receives on both buses during `ms` of charging.
  std::vector<can::Frame> Record(uint64_t ms) {
    module_tap_.recording = vehicle_tap_.recording = true;
    for (uint64_t t = 0; t < ms; t += kTickMs) {
      Tick();
    }
    module_tap_.recording = vehicle_tap_.recording = false;
    std::vector<can::Frame> all = module_tap_.received;
    all.insert(all.end(), vehicle_tap_.received.begin(), vehicle_tap_.received.end());
    return all;
  }
  charging::ChargerStack& stack() { return stack_; }
  testing::FakeClock& clock() { return clock_; }

 private:
  testing::FakeClock clock_;
  NullLogSink sink_;
  Logger log_;
  sim::SimWorld world_;
  TapBus module_tap_;
  TapBus vehicle_tap_;
  charging::ChargerStack stack_;
};

// ---- CAN replay rig ------------------------------------------------------------------------

// The fake bus: hands out a fixed list of frames over and over; sent frames are counted only.
class ReplayBus final : public can::CanBus {
 public:
  explicit ReplayBus(std::vector<can::Frame> frames) : frames_(std::move(frames)) {}
  Status Send(const can::Frame&) override {
    ++counters_.tx_frames;
    return OkStatus();
  }
  bool Receive(can::Frame* out) override {
    if (budget_ == 0) {
      return false;
    }
    --budget_;
    *out = frames_[next_];
    next_ = next_ + 1 == frames_.size() ? 0 : next_ + 1;
    ++counters_.rx_frames;
    return true;
  }
  can::BusState State() const override { return can::BusState::kErrorActive; }
  Status StartRecovery() override { return Errc::kFailedPrecondition; }
  Status Restart() override { return OkStatus(); }
  can::BusCounters Counters() const override { return counters_; }
  // Frames Receive() will hand out before reporting an empty ring.
  void Allow(size_t n) { budget_ = n; }
  size_t size() const { return frames_.size(); }

 private:
  std::vector<can::Frame> frames_;
  size_t next_ = 0;
  size_t budget_ = 0;
  can::BusCounters counters_;
};

enum class FrameKind { kInfyOutput, kInfyStatus, kInfyOther, kBcl, kBcs, kBsm, kOther };
inline FrameKind Classify(const can::Frame& f) {
  if ((f.id & 0xFF) != vehicle::gbt::kBmsAddress) {  // not from the BMS: a module reply
    const power::infy::IdFields id = power::infy::DecodeId(f.id);
    if (id.command == static_cast<uint8_t>(power::infy::Command::kReadOutput)) {
      return FrameKind::kInfyOutput;
    }
    if (id.command == static_cast<uint8_t>(power::infy::Command::kReadStatus)) {
      return FrameKind::kInfyStatus;
    }
    return FrameKind::kInfyOther;
  }
  const uint32_t pf = (f.id >> 16) & 0xFF;
  const uint32_t pgn = pf << 8;
  if (pgn == vehicle::gbt::Spec(vehicle::gbt::Msg::kBcl).pgn) {
    return FrameKind::kBcl;
  }
  if (pgn == vehicle::gbt::Spec(vehicle::gbt::Msg::kBsm).pgn) {
    return FrameKind::kBsm;
  }
  // BCS is 9 bytes: it travels as a J1939 transport session (TP.CM / TP.DT).
  if (pf == 0xEC || pf == 0xEB) {
    return FrameKind::kBcs;
  }
  return FrameKind::kOther;
}

// A Dispatcher over a ReplayBus with the ChargerStack's routes (InfyPower replies to the module
// driver, BMS frames to the GB/T session), the handlers being the live objects of a charging
// ChargerStack, so the GB/T session is in its charging phase and decodes every frame.
class CanRig {
 public:
  // `kinds`: keep only frames of these kinds (empty: all).
  explicit CanRig(const std::vector<FrameKind>& kinds = {}) {
    std::vector<can::Frame> recorded = world_.Record(2000);
    std::vector<can::Frame> kept;
    for (const can::Frame& f : recorded) {
      bool keep = kinds.empty();
      for (FrameKind k : kinds) {
        keep = keep || Classify(f) == k;
      }
      if (keep) {
        kept.push_back(f);
      }
    }
    if (kept.empty()) {
      Die("no recorded frames of the requested kind");
    }
    bus_ = std::make_unique<ReplayBus>(std::move(kept));
    dispatcher_ = std::make_unique<can::Dispatcher>(*bus_);
    charging::ChargerStack& s = world_.stack();
    // The stack exposes its drivers read-only; they are the same live objects it routes to.
    auto& module = const_cast<power::InfyModule&>(s.module());
    auto& gbt = const_cast<vehicle::GbtSession&>(s.gbt());
    if (!dispatcher_
             ->AddRoute(
                 can::Channel::kPowerModule,
                 power::infy::ReplyFilter(charging::DefaultLevChargerConfig().module_address),
                 &module)
             .ok() ||
        !dispatcher_->AddRoute(can::Channel::kVehicle, vehicle::kBmsFrameFilter, &gbt).ok()) {
      Die("AddRoute");
    }
    now_ms_ = world_.clock().now_ms;
  }
  // Routes `n` frames; returns the number routed to a handler.
  size_t Run(size_t n) {
    bus_->Allow(n);
    size_t taken = 0;
    while (taken < n) {
      const size_t got = dispatcher_->Pump(now_ms_);
      if (got == 0) {
        break;
      }
      taken += got;
    }
    return taken;
  }
  const can::Dispatcher& dispatcher() const { return *dispatcher_; }
  size_t frame_count() const { return bus_->size(); }
  const vehicle::GbtSession& gbt() { return world_.stack().gbt(); }

 private:
  ChargingWorld world_;
  std::unique_ptr<ReplayBus> bus_;
  std::unique_ptr<can::Dispatcher> dispatcher_;
  uint64_t now_ms_ = 0;
};

}  // namespace evc::bench
