#include "evc/sim/sim_runner.hpp"

#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <new>

#include "evc/can/dispatcher.hpp"
#include "evc/can/rx_ring.hpp"
#include "evc/charging/charger_stack.hpp"
#include "evc/common/log.hpp"
#include "evc/common/rng.hpp"
#include "evc/ocpp/charge_point.hpp"
#include "evc/ocpp/configuration.hpp"
#include "evc/safety/error_code.hpp"
#include "evc/safety/timing.hpp"
#include "evc/sim/csms_model.hpp"
#include "evc/sim/mem_transport.hpp"
#include "evc/sim/sim_world.hpp"
#include "evc/sim/virtual_clock.hpp"
#include "evc/vehicle/gbt_messages.hpp"

// ---- heap accounting: every allocation carries a header saying whether the core made it ------

namespace {

std::atomic<int64_t> g_core_live{0};
std::atomic<uint64_t> g_core_allocs{0};
thread_local int g_core_depth = 0;

struct alignas(16) AllocHeader {
  uint64_t size;
  uint64_t core;
};

void* Allocate(size_t n, bool nothrow) {
  void* raw = malloc(n + sizeof(AllocHeader));
  if (raw == nullptr) {
    if (nothrow) {
      return nullptr;
    }
    fprintf(stderr, "evc-simulate: out of memory\n");
    abort();
  }
  AllocHeader* h = static_cast<AllocHeader*>(raw);
  h->size = n;
  h->core = g_core_depth > 0 ? 1 : 0;
  if (h->core != 0 && getenv("EVC_SIM_TRAP_CORE_ALLOC") != nullptr) {
    g_core_depth = 0;  // the report below may allocate
    __builtin_trap();  // debugging aid: stop where the core allocates
  }
  if (h->core != 0) {
    g_core_live.fetch_add(static_cast<int64_t>(n), std::memory_order_relaxed);
    g_core_allocs.fetch_add(1, std::memory_order_relaxed);
  }
  return h + 1;
}

void Release(void* p) {
  if (p == nullptr) {
    return;
  }
  AllocHeader* h = static_cast<AllocHeader*>(p) - 1;
  if (h->core != 0 && getenv("EVC_SIM_TRAP_CORE_ALLOC") != nullptr) {
    g_core_depth = 0;  // the report below may allocate
    __builtin_trap();  // debugging aid: stop where the core allocates
  }
  if (h->core != 0) {
    g_core_live.fetch_sub(static_cast<int64_t>(h->size), std::memory_order_relaxed);
  }
  free(h);
}

}  // namespace

void* operator new(size_t n) {
  return Allocate(n, false);
}
void* operator new[](size_t n) {
  return Allocate(n, false);
}
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  return Allocate(n, true);
}
void* operator new[](size_t n, const std::nothrow_t&) noexcept {
  return Allocate(n, true);
}
void operator delete(void* p) noexcept {
  Release(p);
}
void operator delete[](void* p) noexcept {
  Release(p);
}
void operator delete(void* p, size_t) noexcept {
  Release(p);
}
void operator delete[](void* p, size_t) noexcept {
  Release(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  Release(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  Release(p);
}

namespace evc::sim {

CoreHeapScope::CoreHeapScope() {
  ++g_core_depth;
}
CoreHeapScope::~CoreHeapScope() {
  --g_core_depth;
}
int64_t CoreHeapLiveBytes() {
  return g_core_live.load(std::memory_order_relaxed);
}
uint64_t CoreHeapAllocations() {
  return g_core_allocs.load(std::memory_order_relaxed);
}

namespace {

// Suspends the core accounting while the simulation's own code runs inside a core call (an
// observer callback, the log sink).
class SimSideScope {
 public:
  SimSideScope() : saved_(g_core_depth) { g_core_depth = 0; }
  ~SimSideScope() { g_core_depth = saved_; }
  SimSideScope(const SimSideScope&) = delete;
  SimSideScope& operator=(const SimSideScope&) = delete;

 private:
  int saved_;
};

using charging::ControlPhase;
using ocpp::StopReason;

constexpr const char* kFaultNames[kSimFaultCount] = {
    "estop", "bus-off", "bms-silence", "module-fault", "network-drop", "csms-restart", "power-cut"};

constexpr uint32_t kTickMs = safety::timing::kControlTickMs;
// Session script [model choices, not product timing].
constexpr uint32_t kIdleMinMs = 5 * 1000;
constexpr uint32_t kIdleMaxMs = 120 * 1000;
constexpr uint32_t kSwipeMinMs = 1000;
constexpr uint32_t kSwipeMaxMs = 5000;
constexpr uint32_t kChargeMinMs = 20 * 1000;
constexpr uint32_t kChargeMaxMs = 5 * 60 * 1000;
constexpr uint32_t kUnplugMinMs = 2000;
constexpr uint32_t kUnplugMaxMs = 10000;
constexpr uint32_t kFaultHoldMinMs = 3000;
constexpr uint32_t kFaultHoldMaxMs = 20000;
constexpr uint32_t kNetFaultMinMs = 10 * 1000;
constexpr uint32_t kNetFaultMaxMs = 10 * 60 * 1000;
constexpr uint32_t kCsmsDownMinMs = 5 * 1000;
constexpr uint32_t kCsmsDownMaxMs = 90 * 1000;
constexpr uint32_t kBmsSilenceMs = 3000;
// A session that has no transaction this long after the swipe is given up (the driver leaves).
constexpr uint32_t kNoStartGiveUpMs = 3 * 60 * 1000;
// The driver waits this long for the charger to end the transaction before pulling the gun.
constexpr uint32_t kStopWaitMs = 60 * 1000;
// After the last session: time allowed for queued transaction messages to reach the CSMS.
constexpr uint64_t kDrainLimitMs = 2ULL * 3600 * 1000;
// Clock-aligned data on (the product default is off): aligned MeterValues in and outside
// transactions and StopTxnAlignedData entries go through every fault and power cut too.
constexpr int32_t kSimAlignedIntervalS = 300;
constexpr uint32_t kPowerOffMs = 2000;  // the charger is dark this long after a cut

// Energy tolerance. The core integrates V x I from the power module's telemetry (CAN replies to
// its polls), the battery integrates V x I from the CCS frames it receives; each side sees
// current steps one telemetry period apart, so at ramp-up and ramp-down the two integrals differ
// by at most (period x step power) each: 2 x 1 s x 2 kW = ~1.1 Wh. The register is whole Wh (±1).
// A relative term covers the different voltage points (module output vs battery terminal).
constexpr double kEnergyToleranceWh = 3.0;
constexpr double kEnergyTolerancePercent = 2.0;

uint64_t SplitMix(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

struct LocalTx {
  int64_t meter_start = 0;
  double battery_start_wh = 0;
  bool stopped = false;
  int64_t meter_stop = 0;
  StopReason reason = StopReason::kOther;
  int64_t other_meter_stop = -1;  // the other close when the core closed it twice
  int32_t csms_id = 0;
  uint32_t ids_seen = 0;  // distinct CSMS ids reported for it
};

class Runner final : public ocpp::ChargePointObserver,
                     public LogSink,
                     public charging::SystemControl {
 public:
  explicit Runner(const SimOptions& o)
      : opt_(o), inv_(clock_), log_(this, o.verbose ? LogLevel::kInfo : LogLevel::kError) {
    uint64_t s = o.seed;
    core_rng_ = std::make_unique<XoshiroRng>(SplitMix(&s));
    net_rng_ = std::make_unique<XoshiroRng>(SplitMix(&s));
    drv_rng_ = std::make_unique<XoshiroRng>(SplitMix(&s));
    world_ = std::make_unique<SimWorld>();
    link_ = std::make_unique<MemLink>(clock_, *net_rng_);
    csms_ = std::make_unique<CsmsModel>(*link_, clock_, inv_);
    kv_ = std::make_unique<PowerCutKvStore>();
  }

  SimReport Run();

  // LogSink
  void Write(LogLevel level, const char* tag, const char* text) override {
    SimSideScope sim_side;
    fprintf(stderr, "[%10.3f] %s %s: %s\n", static_cast<double>(clock_.now_ms()) / 1000.0,
            LogLevelName(level), tag, text);
  }
  // SystemControl
  void Reboot(bool) override { reboot_requested_ = true; }
  charging::ResetReason LastResetReason() const override { return reset_reason_; }

  // ChargePointObserver
  void OnTransactionStarted(uint32_t local, std::string_view, int64_t meter) override {
    SimSideScope sim_side;
    // A local id whose reservation was lost with power is used again: start a fresh record.
    auto it = local_.find(local);
    if (it != local_.end()) {
      archived_.push_back(it->second);
      local_.erase(it);
    }
    LocalTx& t = local_[local];
    t.meter_start = meter;
    t.battery_start_wh = world_->bms().delivered_wh();
    tx_seen_in_session_ = true;
  }
  void OnTransactionId(uint32_t local, int32_t id) override {
    SimSideScope sim_side;
    inv_.Check(id > 0, "the core accepted placeholder transactionId %d", id);
    auto found = local_.find(local);
    if (found == local_.end()) {
      return;  // its start was observed in an earlier life of the firmware (record archived)
    }
    LocalTx& t = found->second;
    if (t.csms_id != id) {
      ++t.ids_seen;
      t.csms_id = id;
    }
    inv_.Check(t.ids_seen == 1, "local transaction %u got a second CSMS id %d (duplicated)", local,
               id);
  }
  void OnTransactionStopped(uint32_t local, StopReason reason, int64_t meter) override;

 private:
  enum class Phase : uint8_t { kIdle, kPlugged, kCharging, kFaulted, kStopping, kLeaving };

  void Boot();
  void PowerCycle();
  bool Tick();  // false once the run is over
  void Drive(uint64_t now);
  void StartSession(uint64_t now);
  void EndSession(uint64_t now);
  void InjectFault(SimFault f, uint64_t now);
  void RecoverFault(uint64_t now);
  void CheckInterlocks(const char* where);
  void FinalChecks();
  uint32_t U(uint32_t lo, uint32_t hi) { return drv_rng_->Uniform(lo, hi); }
  bool CoreDead() const { return kv_->power_lost(); }

  SimOptions opt_;
  VirtualClock clock_;
  InvariantLog inv_;
  Logger log_;
  std::unique_ptr<XoshiroRng> core_rng_, net_rng_, drv_rng_;
  std::unique_ptr<SimWorld> world_;
  std::unique_ptr<MemLink> link_;
  std::unique_ptr<CsmsModel> csms_;
  std::unique_ptr<PowerCutKvStore> kv_;
  std::unique_ptr<ocpp::Configuration> config_;
  std::unique_ptr<charging::ChargerStack> stack_;
  std::unique_ptr<ocpp::ChargePoint> cp_;
  bool reboot_requested_ = false;
  charging::ResetReason reset_reason_ = charging::ResetReason::kPowerOn;

  std::map<uint32_t, LocalTx> local_;
  std::vector<LocalTx> archived_;
  SimReport rep_;

  // Driver state.
  Phase phase_ = Phase::kIdle;
  uint64_t next_ms_ = 0;
  uint64_t plugged_at_ = 0;
  uint64_t stop_at_ = 0;
  uint64_t fault_at_ = 0;  // 0 = none planned
  SimFault fault_ = SimFault::kEstop;
  bool remote_start_ = false;
  bool tx_seen_in_session_ = false;
  uint32_t session_no_ = 0;
  char tag_[21] = {};
  uint64_t net_restore_at_ = 0;  // 0 = network healthy
  uint64_t session_writes_start_ = 0;
  uint64_t sweep_k_ = 1;
  uint32_t sweep_round_ = 0;
  bool sweep_armed_ = false;
  uint64_t end_ms_ = 0;
  bool draining_ = false;
  uint64_t drain_started_ = 0;
};

void Runner::OnTransactionStopped(uint32_t local, StopReason reason, int64_t meter) {
  SimSideScope sim_side;
  auto found = local_.find(local);
  if (found == local_.end()) {
    // Boot recovery closed a journal entry whose start was never queued (power failed between
    // the journal write and the queue write): no StartTransaction exists, no energy flowed.
    ++rep_.phantom_stops;
    return;
  }
  LocalTx& t = found->second;
  if (t.stopped) {
    // The core closed it again: power failed before the first stop was queued, and boot
    // recovery closed it from the journal. The later close is the one the CSMS gets.
    ++rep_.core_double_stops;
    t.other_meter_stop = t.meter_stop;
    t.meter_stop = meter;
    t.reason = reason;
    inv_.Check(meter >= t.meter_start, "local transaction %u re-closed below its start", local);
    return;
  }
  t.stopped = true;
  t.meter_stop = meter;
  t.reason = reason;
  const double core = static_cast<double>(meter - t.meter_start);
  const double battery = world_->bms().delivered_wh() - t.battery_start_wh;
  const double tol = kEnergyToleranceWh + battery * kEnergyTolerancePercent / 100.0;
  inv_.Check(meter >= t.meter_start,
             "local transaction %u: meterStop %" PRId64 " < meterStart %" PRId64, local, meter,
             t.meter_start);
  if (reason == StopReason::kPowerLoss || reason == StopReason::kReboot) {
    // Closed from the last persisted reading: behind the battery, never ahead of it.
    inv_.Check(core <= battery + tol,
               "local transaction %u (%s): metered %.1f Wh > delivered %.1f Wh + %.1f", local,
               ocpp::StopReasonName(reason), core, battery, tol);
    return;
  }
  const double err = std::fabs(core - battery);
  if (err > rep_.max_energy_error_wh) {
    rep_.max_energy_error_wh = err;
  }
  if (!inv_.Check(err <= tol,
                  "local transaction %u (%s): metered %.1f Wh vs delivered %.1f Wh (tolerance "
                  "%.1f)",
                  local, ocpp::StopReasonName(reason), core, battery, tol)) {
    ++rep_.tolerance_misses;
  }
}

void Runner::Boot() {
  for (int attempt = 0; attempt < 100; ++attempt) {
    kv_->PowerOn();
    world_->io().set_estop_handler(nullptr);
    cp_.reset();
    stack_.reset();
    config_.reset();
    config_ = std::make_unique<ocpp::Configuration>(*kv_, log_);
    stack_ = std::make_unique<charging::ChargerStack>(clock_, log_, world_->module_bus(),
                                                      world_->vehicle_bus(), world_->io(),
                                                      charging::DefaultLevChargerConfig());
    ocpp::ChargePointIdentity id;
    id.model = "EVC-DC-LEV-SIM";
    id.serial_number = "SIM-0001";
    id.firmware_version = "0.1.0-sim";
    cp_ = std::make_unique<ocpp::ChargePoint>(
        ocpp::ChargePointDeps{*link_, clock_, *core_rng_, log_, *kv_, *config_,
                              stack_->controller(), *this},
        id, this);
    Status st = OkStatus();
    {
      CoreHeapScope scope;
      config_->Load().IgnoreError();
      config_
          ->SetInt(ocpp::ConfigKey::kClockAlignedDataInterval, kSimAlignedIntervalS,
                   ocpp::Persist::kNo)
          .IgnoreError();
      config_
          ->SetString(ocpp::ConfigKey::kStopTxnAlignedData, "Energy.Active.Import.Register",
                      ocpp::Persist::kNo)
          .IgnoreError();
      st = stack_->Init();
      if (st.ok()) {
        cp_->Boot().IgnoreError();
      }
    }
    inv_.Check(st.ok(), "charger stack did not initialise");
    world_->io().set_estop_handler(&stack_->emergency_stop());
    if (!CoreDead()) {
      return;
    }
    // Power failed again during boot: stay dark and try again.
    ++rep_.power_cuts;
    clock_.Advance(kPowerOffMs);
  }
  inv_.Check(false, "the charger never finished booting");
}

void Runner::PowerCycle() {
  ++rep_.power_cuts;
  // The charger goes dark: contactor drive and gun lock drop, the socket dies, the driver pulls
  // the gun (the vehicle sees the charger gone).
  world_->io().set_estop_handler(nullptr);
  world_->io().SetContactor(false);
  world_->io().SetGunLock(false);
  world_->Unplug();
  link_->ChargerPowerLost();
  cp_.reset();
  stack_.reset();
  config_.reset();
  for (uint32_t t = 0; t < kPowerOffMs; t += kTickMs) {
    clock_.Advance(kTickMs);
    world_->Step(clock_.now_ms());
    link_->Step(clock_.now_ms());
    csms_->Step(clock_.now_ms());
  }
  reset_reason_ = charging::ResetReason::kPowerOn;
  Boot();
  if (phase_ != Phase::kIdle) {
    phase_ = Phase::kLeaving;
    next_ms_ = clock_.now_ms();
  }
}

void Runner::CheckInterlocks(const char* where) {
  SimIo& io = world_->io();
  const bool closed = io.ContactorFeedbackClosed();
  const safety::ErrorCode fault = stack_->controller().Fault();
  const safety::Severity sev = safety::Describe(fault).severity;
  inv_.Check(!closed || io.GunLocked(), "%s: contactor closed while the gun is not locked", where);
  inv_.Check(!closed || !io.EmergencyStopPressed(), "%s: contactor closed while E-stop is pressed",
             where);
  inv_.Check(!closed || sev < safety::Severity::kError, "%s: contactor closed with fault %s", where,
             safety::Describe(fault).name);
  const can::BusCounters m = world_->module_bus().Counters();
  const can::BusCounters v = world_->vehicle_bus().Counters();
  // The simulated buses carry far less than the 64-frame RX ring per tick: any overflow is a
  // frame lost below the ring's capacity.
  inv_.Check(m.rx_overflow == 0 && v.rx_overflow == 0,
             "%s: CAN RX overflow (module %u, vehicle %u)", where, m.rx_overflow, v.rx_overflow);
  rep_.can_frames = static_cast<uint64_t>(m.rx_frames) + v.rx_frames;
}

void Runner::StartSession(uint64_t now) {
  ++session_no_;
  ++rep_.sessions;
  snprintf(tag_, sizeof(tag_), "SIMTAG%05u", session_no_ % 100000);
  // A different vehicle each time; one in ten arrives almost full and ends the session itself.
  world_->bms().SetSoc(U(0, 9) == 0 ? 96.0 : static_cast<double>(U(10, 85)));
  world_->Plug(now);
  tx_seen_in_session_ = false;
  plugged_at_ = now;
  remote_start_ = U(0, 4) == 0;
  next_ms_ = now + U(kSwipeMinMs, kSwipeMaxMs);
  phase_ = Phase::kPlugged;
  fault_at_ = 0;
  session_writes_start_ = kv_->writes();
  if (opt_.power_cut_sweep) {
    const CutMode mode = static_cast<CutMode>(sweep_round_ % 3);
    kv_->ArmCut(kv_->writes() + sweep_k_, mode);
    sweep_armed_ = true;
    ++rep_.cut_modes[static_cast<size_t>(mode)];
  }
}

void Runner::EndSession(uint64_t now) {
  // The heap is back at its baseline between sessions.
  const int64_t live = CoreHeapLiveBytes();
  inv_.Check(live == rep_.core_heap_baseline,
             "session %u: core heap %" PRId64 " bytes, baseline %" PRId64, session_no_, live,
             rep_.core_heap_baseline);
  const uint64_t writes = kv_->writes() - session_writes_start_;
  if (writes > rep_.max_writes_per_session) {
    rep_.max_writes_per_session = static_cast<uint32_t>(writes);
  }
  if (opt_.power_cut_sweep && sweep_armed_) {
    if (kv_->cuts() > 0 && kv_->power_lost() == false &&
        kv_->writes() >= session_writes_start_ + sweep_k_) {
      ++sweep_k_;  // the cut happened: the next session cuts one write later
    } else {
      sweep_k_ = 1;  // the session had fewer writes: start over with the next mode
      ++sweep_round_;
    }
    kv_->Disarm();
    sweep_armed_ = false;
  }
  phase_ = Phase::kIdle;
  next_ms_ = now + U(kIdleMinMs, kIdleMaxMs);
}

void Runner::InjectFault(SimFault f, uint64_t now) {
  ++rep_.faults[static_cast<size_t>(f)];
  SimIo& io = world_->io();
  switch (f) {
    case SimFault::kEstop:
      io.PressEmergencyStop();  // the firmware's interrupt handler runs inside this call
      inv_.Check(!io.ContactorFeedbackClosed(), "contactor still closed right after E-stop");
      break;
    case SimFault::kBusOff:
      (U(0, 1) == 0 ? world_->module_bus() : world_->vehicle_bus()).ForceBusOff();
      break;
    case SimFault::kBmsSilence:
      world_->bms().Silence(kBmsSilenceMs, now);
      break;
    case SimFault::kModuleFault:
      world_->module().SetFault(
          U(0, 1) == 0 ? SimModuleFault::kOverTemperature : SimModuleFault::kOutputShort, true);
      break;
    case SimFault::kNetworkDrop:
      if (U(0, 1) == 0) {
        link_->SetBlackHole(true);
      } else {
        link_->SetReachable(false);
      }
      net_restore_at_ = now + U(kNetFaultMinMs, kNetFaultMaxMs);
      return;  // the session goes on
    case SimFault::kCsmsRestart:
      csms_->Restart(U(kCsmsDownMinMs, kCsmsDownMaxMs));
      return;
    case SimFault::kPowerCut: {
      const CutMode mode = static_cast<CutMode>(U(0, 2));
      kv_->ArmCut(kv_->writes() + 1, mode);
      ++rep_.cut_modes[static_cast<size_t>(mode)];
      return;
    }
  }
  phase_ = Phase::kFaulted;
  next_ms_ = now + U(kFaultHoldMinMs, kFaultHoldMaxMs);
}

void Runner::RecoverFault(uint64_t) {
  world_->io().ReleaseEmergencyStop();
  world_->module().ClearFaults();
}

void Runner::Drive(uint64_t now) {
  if (net_restore_at_ != 0 && now >= net_restore_at_) {
    link_->SetBlackHole(false);
    link_->SetReachable(true);
    net_restore_at_ = 0;
  }
  charging::Controller& ctl = stack_->controller();
  switch (phase_) {
    case Phase::kIdle: {
      const bool more = (opt_.sessions == 0 || rep_.sessions < opt_.sessions) && now < end_ms_;
      if (!more) {
        if (!draining_) {
          draining_ = true;
          drain_started_ = now;
        }
        return;
      }
      if (now >= next_ms_) {
        StartSession(now);
      }
      return;
    }
    case Phase::kPlugged:
      if (now >= next_ms_) {
        if (!remote_start_ || !csms_->SendRemoteStart(tag_)) {
          CoreHeapScope scope;
          cp_->PresentIdTag(tag_);
        }
        stop_at_ = now + U(kChargeMinMs, kChargeMaxMs);
        if (opt_.fault_mask != 0 && U(0, 99) < opt_.fault_percent) {
          uint32_t pick = U(0, kSimFaultCount - 1);
          while ((opt_.fault_mask & (1u << pick)) == 0) {
            pick = (pick + 1) % kSimFaultCount;
          }
          fault_ = static_cast<SimFault>(pick);
          fault_at_ = now + U(1000, static_cast<uint32_t>(stop_at_ - now));
        }
        phase_ = Phase::kCharging;
      }
      return;
    case Phase::kCharging: {
      if (fault_at_ != 0 && now >= fault_at_) {
        fault_at_ = 0;
        InjectFault(fault_, now);
        return;
      }
      const bool gave_up = !tx_seen_in_session_ && now >= plugged_at_ + kNoStartGiveUpMs;
      const bool ended =
          tx_seen_in_session_ && !cp_->transaction_active() && ctl.phase() == ControlPhase::kIdle;
      if (now >= stop_at_ || gave_up || ended) {
        if (cp_->transaction_active() && !gave_up) {
          const uint32_t how = U(0, 3);
          const int32_t id = cp_->transaction_id();
          if (how == 0 && id > 0 && csms_->SendRemoteStop(id)) {
          } else if (how == 1 && opt_.gun_yank) {
            world_->Unplug();  // the driver pulls the gun out under load (past the lock)
          } else if (how == 1) {
            world_->bms().RequestStop(vehicle::gbt::bst::kSocTargetReached, now);
          } else {
            CoreHeapScope scope;
            cp_->PresentIdTag(tag_);
          }
        }
        phase_ = Phase::kStopping;
        next_ms_ = now + U(kUnplugMinMs, kUnplugMaxMs);
      }
      return;
    }
    case Phase::kFaulted:
      if (now >= next_ms_) {
        RecoverFault(now);
        phase_ = Phase::kStopping;
        next_ms_ = now + U(kUnplugMinMs, kUnplugMaxMs);
      }
      return;
    case Phase::kStopping:
      if (now >= next_ms_ &&
          (!cp_->transaction_active() || (opt_.gun_yank && now >= next_ms_ + kStopWaitMs) ||
           !world_->io().GunConnected())) {
        world_->Unplug();
        phase_ = Phase::kLeaving;
      }
      return;
    case Phase::kLeaving:
      // Faults that latch are reset by the operator once their cause is gone.
      if (ctl.Fault() != safety::ErrorCode::kNone) {
        RecoverFault(now);
        CoreHeapScope scope;
        ctl.ResetFault();
        return;
      }
      if (!cp_->transaction_active() && ctl.phase() == ControlPhase::kIdle) {
        EndSession(now);
      }
      return;
  }
}

bool Runner::Tick() {
  clock_.Advance(kTickMs);
  const uint64_t now = clock_.now_ms();
  world_->io().set_clock_ms(now);
  Drive(now);
  world_->Step(now);
  {
    CoreHeapScope scope;
    stack_->Poll();
  }
  CheckInterlocks("after control tick");
  {
    CoreHeapScope scope;
    cp_->Poll();
  }
  if (CoreDead()) {
    PowerCycle();
    return true;
  }
  link_->Step(now);
  csms_->Step(now);
  const int64_t live = CoreHeapLiveBytes();
  if (live > rep_.core_heap_peak) {
    rep_.core_heap_peak = live;
  }
  if (reboot_requested_) {
    reboot_requested_ = false;
    reset_reason_ = charging::ResetReason::kSoftware;
    link_->ChargerPowerLost();
    Boot();
  }
  if (draining_) {
    const bool settled = cp_->queued_tx_messages() == 0 && !cp_->transaction_active() &&
                         csms_->open_transaction() == 0 && cp_->connected();
    if (settled || now - drain_started_ >= kDrainLimitMs) {
      return false;
    }
  }
  return inv_.violations() == 0;  // the first violation ends the run (replay it to study)
}

void Runner::FinalChecks() {
  // Every transaction the CSMS saw started is stopped exactly once.
  for (const CsmsTransaction& t : csms_->transactions()) {
    ++rep_.transactions;
    rep_.resends += t.start_resends + t.stop_resends;
    if (t.stops > 0) {
      ++rep_.transactions_stopped;
      rep_.metered_wh += t.meter_stop - t.meter_start;
    }
    inv_.Check(t.stops == 1, "transaction %d (%s) stopped %u times at the CSMS", t.id,
               t.id_tag.c_str(), t.stops);
  }
  // The CSMS has what the charger metered; no transaction the charger ran is missing.
  for (const LocalTx& t : archived_) {
    inv_.Check(t.csms_id != 0 || t.meter_stop == t.meter_start,
               "an earlier transaction with %" PRId64 " Wh never reached the CSMS (lost)",
               t.meter_stop - t.meter_start);
  }
  for (const auto& [local, t] : local_) {
    const CsmsTransaction* c = csms_->Find(t.csms_id);
    if (c == nullptr) {
      // Never reached the CSMS: only acceptable when no energy flowed in it (the start record
      // was lost with power before the transaction began to matter).
      inv_.Check(t.stopped && t.meter_stop == t.meter_start,
                 "local transaction %u with %" PRId64 " Wh never reached the CSMS (lost)", local,
                 t.meter_stop - t.meter_start);
      continue;
    }
    inv_.Check(c->meter_start == t.meter_start &&
                   (c->meter_stop == t.meter_stop || c->meter_stop == t.other_meter_stop),
               "transaction %d: CSMS has %" PRId64 "..%" PRId64 " Wh, the charger metered %" PRId64
               "..%" PRId64,
               c->id, c->meter_start, c->meter_stop, t.meter_start, t.meter_stop);
  }
}

SimReport Runner::Run() {
  const auto wall_start = std::chrono::steady_clock::now();
  rep_.seed = opt_.seed;
  end_ms_ = clock_.now_ms() + static_cast<uint64_t>(opt_.hours * 3600.0 * 1000.0);
  inv_.Check(world_->Attach().ok(), "simulated hardware could not be assembled");
  const uint64_t allocs_before = CoreHeapAllocations();
  Boot();
  rep_.core_heap_baseline = CoreHeapLiveBytes();
  next_ms_ = clock_.now_ms() + U(kIdleMinMs, kIdleMaxMs);
  while (Tick()) {
  }
  FinalChecks();
  rep_.energy_wh = world_->bms().delivered_wh();
  rep_.checks = inv_.checks();
  rep_.violations = inv_.violations();
  rep_.messages = inv_.messages();
  rep_.idle_meter_values = csms_->counters().idle_meter_values;
  rep_.stops_with_data = csms_->counters().stops_with_data;
  rep_.virtual_ms = clock_.now_ms() - kSimStartMs;
  rep_.write_points = kv_->writes();
  rep_.core_allocations = CoreHeapAllocations() - allocs_before;
  rep_.wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  cp_.reset();
  stack_.reset();
  return rep_;
}

}  // namespace

const char* SimFaultName(SimFault f) {
  const size_t i = static_cast<size_t>(f);
  return i < kSimFaultCount ? kFaultNames[i] : "?";
}

bool ParseFaultList(std::string_view list, uint32_t* mask, std::string* error) {
  *mask = 0;
  if (list == "none" || list.empty()) {
    return true;
  }
  if (list == "all") {
    *mask = (1u << kSimFaultCount) - 1;
    return true;
  }
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view name = list.substr(0, comma);
    bool found = false;
    for (size_t i = 0; i < kSimFaultCount; ++i) {
      if (name == kFaultNames[i]) {
        *mask |= 1u << i;
        found = true;
      }
    }
    if (!found) {
      *error = "unknown fault '" + std::string(name) +
               "' (known: estop, bus-off, bms-silence, module-fault, network-drop, "
               "csms-restart, power-cut, all, none)";
      return false;
    }
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
  return true;
}

SimReport RunSimulation(const SimOptions& options) {
  auto runner = std::make_unique<Runner>(options);
  return runner->Run();
}

std::string ReplayCommand(const SimOptions& o) {
  std::string faults;
  for (size_t i = 0; i < kSimFaultCount; ++i) {
    if ((o.fault_mask & (1u << i)) != 0) {
      faults += (faults.empty() ? "" : ",") + std::string(kFaultNames[i]);
    }
  }
  char buf[256];
  snprintf(buf, sizeof(buf),
           "evc-simulate --seed %" PRIu64
           " --hours %g --sessions %u --faults %s "
           "--fault-percent %u%s%s",
           o.seed, o.hours, o.sessions, faults.empty() ? "none" : faults.c_str(), o.fault_percent,
           o.power_cut_sweep ? " --power-cuts" : "", o.gun_yank ? " --gun-yank" : "");
  return buf;
}

void PrintReport(const SimOptions& o, const SimReport& r) {
  printf("seed %" PRIu64
         ": %u sessions, %u transactions (%u stopped, %u resends seen), "
         "%.1f Wh delivered, %" PRId64 " Wh metered, max energy error %.2f Wh\n",
         r.seed, r.sessions, r.transactions, r.transactions_stopped, r.resends, r.energy_wh,
         r.metered_wh, r.max_energy_error_wh);
  printf("  faults:");
  for (size_t i = 0; i < kSimFaultCount; ++i) {
    printf(" %s=%u", kFaultNames[i], r.faults[i]);
  }
  printf("; power cuts %u (before %u, mid %u, after %u armed), write points %" PRIu64
         ", max writes/session %u\n",
         r.power_cuts, r.cut_modes[0], r.cut_modes[1], r.cut_modes[2], r.write_points,
         r.max_writes_per_session);
  printf("  core re-closed after a cut: %u; recovery closes without a queued start: %u\n",
         r.core_double_stops, r.phantom_stops);
  printf(
      "  clock-aligned MeterValues outside a transaction %u; StopTransaction with checked "
      "transactionData %u\n",
      r.idle_meter_values, r.stops_with_data);

  printf("  CAN frames received %" PRIu64 "; core heap: baseline %" PRId64 " B, peak %" PRId64
         " B, %" PRIu64 " allocations\n",
         r.can_frames, r.core_heap_baseline, r.core_heap_peak, r.core_allocations);
  printf("  invariant checks %" PRIu64 ", violations %" PRIu64 "; virtual %.2f h, wall %.2f s\n",
         r.checks, r.violations, static_cast<double>(r.virtual_ms) / 3600000.0, r.wall_s);
  for (const std::string& m : r.messages) {
    printf("  VIOLATION %s\n", m.c_str());
  }
  if (r.violations > 0) {
    printf("  replay: %s\n", ReplayCommand(o).c_str());
  }
}

// ---- CAN saturation
// ------------------------------------------------------------------------------

namespace {

class RingBus final : public can::CanBus {
 public:
  Status Send(const can::Frame&) override { return Errc::kFailedPrecondition; }
  bool Receive(can::Frame* out) override { return ring.Pop(out); }
  can::BusState State() const override { return can::BusState::kErrorActive; }
  Status StartRecovery() override { return Errc::kFailedPrecondition; }
  Status Restart() override { return OkStatus(); }
  can::BusCounters Counters() const override {
    can::BusCounters c;
    c.rx_frames = ring.pushed();
    c.rx_overflow = ring.overflow();
    return c;
  }
  can::RxRing<kCanSatRingCapacity> ring;
};

// Checks that each source's frames arrive complete and in order (sequence in bytes 0..3).
class SeqHandler final : public can::FrameHandler {
 public:
  void OnFrame(const can::Frame& f, uint64_t) override {
    const uint32_t src = f.id & 0x3;
    const uint32_t seq =
        static_cast<uint32_t>(f.data[0]) | (static_cast<uint32_t>(f.data[1]) << 8) |
        (static_cast<uint32_t>(f.data[2]) << 16) | (static_cast<uint32_t>(f.data[3]) << 24);
    if (seq != expected[src]) {
      ++out_of_order;
    }
    expected[src] = seq + 1;
    ++routed;
  }
  uint32_t expected[4] = {};
  uint64_t out_of_order = 0;
  uint64_t routed = 0;
};

}  // namespace

CanSaturationReport RunCanSaturation(uint64_t seed, double seconds, uint32_t max_stuff_bits) {
  const auto wall_start = std::chrono::steady_clock::now();
  CanSaturationReport r;
  uint64_t s = seed;
  XoshiroRng rng(SplitMix(&s));
  auto bus = std::make_unique<RingBus>();
  can::Dispatcher dispatcher(*bus);
  SeqHandler module_h, vehicle_h;
  // The charger's two channels on one saturated bus: module replies and BMS frames.
  can::IdFilter module_f{0x02000000, 0x1F000000, true};
  can::IdFilter vehicle_f{0x18000000, 0x1F000000, true};
  dispatcher.AddRoute(can::Channel::kPowerModule, module_f, &module_h).IgnoreError();
  dispatcher.AddRoute(can::Channel::kVehicle, vehicle_f, &vehicle_h).IgnoreError();
  uint32_t seq[4] = {};
  constexpr uint32_t kFrameBitsNoStuff = 131;  // 29-bit id, 8 data bytes, CRC, ACK, EOF, IFS
  const uint64_t end_us = static_cast<uint64_t>(seconds * 1e6);
  uint64_t bus_us_x1000 = 0;  // bus time in ns, to keep bit timing exact at 1 Mbit/s
  uint64_t next_tick_us = kTickMs * 1000ULL;
  uint64_t consumer_at_us = next_tick_us + rng.Uniform(0, kCanSatJitterMs * 1000);
  while (bus_us_x1000 / 1000 < end_us) {
    const uint64_t now_us = bus_us_x1000 / 1000;
    // The control loop runs (late by its jitter) before the next frame completes.
    while (consumer_at_us <= now_us) {
      const size_t waiting = bus->ring.Size();
      if (waiting > r.max_occupancy) {
        r.max_occupancy = static_cast<uint32_t>(waiting);
      }
      size_t budget = kCanSatFramesPerTick;
      while (budget > 0) {
        const size_t got = dispatcher.Pump(consumer_at_us / 1000, budget);
        if (got == 0) {
          break;
        }
        budget -= got;
      }
      next_tick_us += kTickMs * 1000ULL;
      consumer_at_us = next_tick_us + rng.Uniform(0, kCanSatJitterMs * 1000);
    }
    // One frame completes on the wire: the ISR pushes it.
    const uint32_t src = rng.Uniform(0, 3);
    can::Frame f;
    f.extended = true;
    f.dlc = 8;
    f.id = (src < 2 ? 0x02000000u : 0x18000000u) | (rng.Uniform(0, 0xFFFF) << 2) | src;
    f.data[0] = static_cast<uint8_t>(seq[src]);
    f.data[1] = static_cast<uint8_t>(seq[src] >> 8);
    f.data[2] = static_cast<uint8_t>(seq[src] >> 16);
    f.data[3] = static_cast<uint8_t>(seq[src] >> 24);
    ++seq[src];
    for (int i = 4; i < 8; ++i) {
      f.data[i] = static_cast<uint8_t>(rng.NextU32());
    }
    const uint32_t bits =
        kFrameBitsNoStuff + (max_stuff_bits > 0 ? rng.Uniform(0, max_stuff_bits) : 0);
    bus_us_x1000 += static_cast<uint64_t>(bits) * 1000000000ULL / kCanBitRate;
    if (!bus->ring.Push(f)) {
      ++r.drops;
    }
    ++r.frames_sent;
  }
  // Drain what is left.
  while (dispatcher.Pump(end_us / 1000, kCanSatFramesPerTick) > 0) {
  }
  r.frames_routed = module_h.routed + vehicle_h.routed;
  r.out_of_order = module_h.out_of_order + vehicle_h.out_of_order;
  r.virtual_s = static_cast<double>(bus_us_x1000) / 1e9;
  r.frames_per_s = static_cast<double>(r.frames_sent) / r.virtual_s;
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return r;
}

}  // namespace evc::sim
