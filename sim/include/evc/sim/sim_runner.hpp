#pragma once
// The deterministic simulation runner: one charger (the real ChargePoint + ChargerStack) in a
// SimWorld, talking to CsmsModel over MemLink, persisting to PowerCutKvStore, all in virtual time
// from one seed. A scripted driver runs random sessions (plug, swipe or remote start, charge,
// stop by swipe / remote stop / vehicle full / unplug) and injects the selected faults at random
// instants. Invariants are checked while it runs (see RunSimulation); a failing run is replayed
// exactly by the command ReplayCommand() prints.
//
// Heap accounting: the runner replaces the global operator new/delete and counts what is
// allocated while the core runs (inside CoreHeapScope); everything the simulation itself
// allocates is outside any scope and is not counted.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "evc/sim/power_cut_kv.hpp"

namespace evc::sim {

enum class SimFault : uint8_t {
  kEstop,
  kBusOff,
  kBmsSilence,
  kModuleFault,
  kNetworkDrop,
  kCsmsRestart,
  kPowerCut,
};
constexpr size_t kSimFaultCount = 7;
const char* SimFaultName(SimFault f);
// Parses "estop,bus-off,..." (or "all" / "none"); false with `error` set on an unknown name.
bool ParseFaultList(std::string_view list, uint32_t* mask, std::string* error);

struct SimOptions {
  uint64_t seed = 1;
  double hours = 2.0;     // virtual time limit (sessions stop being started after it)
  uint32_t sessions = 0;  // sessions to run; 0 = as many as fit in `hours`
  uint32_t fault_mask = 0;
  uint32_t fault_percent = 30;   // chance that a session gets a fault
  bool power_cut_sweep = false;  // cut power at successive write points, one per session
  // The driver may pull the gun out under load (a lock that gave way). Off by default: the core
  // answers with a soft stop, not an open contactor in the same tick (see README.md).
  bool gun_yank = false;
  bool verbose = false;  // core logs to stderr
};

struct SimReport {
  uint64_t seed = 0;
  uint32_t sessions = 0;      // sessions the driver started (plugged in)
  uint32_t transactions = 0;  // transactions at the CSMS
  uint32_t transactions_stopped = 0;
  uint32_t resends = 0;    // transaction messages the CSMS saw twice (at-least-once)
  double energy_wh = 0;    // delivered into the simulated battery
  int64_t metered_wh = 0;  // sum of meterStop - meterStart at the CSMS
  uint32_t faults[kSimFaultCount] = {};
  uint32_t power_cuts = 0;
  uint32_t cut_modes[3] = {};  // per CutMode
  uint64_t write_points = 0;
  uint32_t max_writes_per_session = 0;
  uint64_t checks = 0;
  uint64_t violations = 0;
  std::vector<std::string> messages;
  uint64_t virtual_ms = 0;
  double wall_s = 0;
  uint64_t core_allocations = 0;   // allocations made by the core during the run
  int64_t core_heap_baseline = 0;  // core-owned live bytes after boot
  int64_t core_heap_peak = 0;
  uint64_t can_frames = 0;    // frames the charger received on both buses
  uint32_t can_max_ring = 0;  // (not observable through the bus seam: reported as 0)
  uint32_t tolerance_misses = 0;
  uint32_t core_double_stops = 0;  // OnTransactionStopped twice for one local transaction
  uint32_t phantom_stops = 0;      // boot recovery closed a transaction that never started
  double max_energy_error_wh = 0;
  uint32_t idle_meter_values = 0;  // clock-aligned MeterValues outside a transaction
  uint32_t stops_with_data = 0;    // StopTransaction with transactionData (checked)
};

// Runs one world. Never throws; violations are in the report.
SimReport RunSimulation(const SimOptions& options);
// The command line that replays `options`.
std::string ReplayCommand(const SimOptions& options);
// Prints the summary (human-readable) to stdout.
void PrintReport(const SimOptions& options, const SimReport& report);

// ---- CAN RX saturation -------------------------------------------------------------------------

// The RX ring the saturation run drives, and the consumer's per-tick frame budget. At 1 Mbit/s a
// 29-bit data frame with 8 bytes and no stuff bits is 131 bits with the interframe space:
// 7,634 frames/s, 77 per 10 ms tick. The consumer (the control loop) may start up to
// kCanSatJitterMs late, so up to (10 + 4) ms of frames = 107 wait: 128 slots hold them, and a
// budget of 2 x kMaxFramesPerPump (128) per tick drains the ring every tick.
constexpr size_t kCanSatRingCapacity = 128;
constexpr size_t kCanSatFramesPerTick = 128;
constexpr uint32_t kCanSatJitterMs = 4;
constexpr uint32_t kCanBitRate = 1000000;

struct CanSaturationReport {
  uint64_t frames_sent = 0;
  uint64_t frames_routed = 0;
  uint64_t drops = 0;          // ring overflows
  uint64_t out_of_order = 0;   // sequence gaps seen by the handlers
  uint32_t max_occupancy = 0;  // ring frames waiting when the consumer ran
  double frames_per_s = 0;     // virtual
  double virtual_s = 0;
  double wall_s = 0;
};
// Saturates one RxRing + can::Dispatcher for `seconds` of virtual time; frames are 29-bit with
// 8 bytes at full bus load, with stuff bits drawn from the seed (0..max).
CanSaturationReport RunCanSaturation(uint64_t seed, double seconds, uint32_t max_stuff_bits);

// ---- heap accounting ---------------------------------------------------------------------------

class CoreHeapScope {
 public:
  CoreHeapScope();
  ~CoreHeapScope();
  CoreHeapScope(const CoreHeapScope&) = delete;
  CoreHeapScope& operator=(const CoreHeapScope&) = delete;
};
int64_t CoreHeapLiveBytes();
uint64_t CoreHeapAllocations();

}  // namespace evc::sim
