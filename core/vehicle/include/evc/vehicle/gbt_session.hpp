#pragma once
// The charger side of a GB/T 27930-2015 charging session (the "VehicleBms" driver).
//
//   kHandshake    CHM every 250 ms until BHM (or, after 5 s, on as with a 2011-edition BMS)
//   kInsulation   optional: waits for ReportInsulationCheck() (the controller's IMD test)
//   kRecognition  CRM(0x00) until BRM, then CRM(0xAA) until BCP
//   kParameters   BCP checked against the charger's capability (refused with a reason when the
//                 battery is outside it); CTS + CML until BRO(0xAA)
//   kReadiness    CRO(0x00) until SetOutputReady(true), then CRO(0xAA) until BCL and BCS arrive
//   kCharging     BCL (demand), BCS (status), BSM (safety flags) in; CCS (output) out
//   kEnding       CST every 10 ms until BSD, then CSD; entered on BST (vehicle stop), on
//                 RequestStop (charger stop), on refused parameters or a BSM fault
//   kEnded        over, normally
//   kFaulted      a receive timeout (CEM sent every 250 ms for 5 s) or a BEM from the vehicle
//
// Poll(now) driven and non-blocking; frames come in through OnFrame (a can::FrameHandler for the
// vehicle channel of a can::Dispatcher) and go out through the CanBus given at construction. No
// heap. Every timing is a named constant of timing.hpp.
//
// The controller must deliver current only while OutputPermitted(now) is true, and must switch
// the output off at once when it turns false (BST, timeout, BSM fault or pause, lost data).

#include <cstdint>

#include "evc/can/can_bus.hpp"
#include "evc/vehicle/gbt_messages.hpp"
#include "evc/vehicle/j1939_tp.hpp"

namespace evc::vehicle {

// Dispatcher route for the vehicle channel: every extended frame the BMS sends (source address
// 0xF4), addressed to us or broadcast (BAM).
constexpr can::IdFilter kBmsFrameFilter{gbt::kBmsAddress, 0xFF, true};

enum class GbtPhase : uint8_t {
  kIdle,
  kHandshake,
  kInsulation,
  kRecognition,
  kParameters,
  kReadiness,
  kCharging,
  kEnding,
  kEnded,
  kFaulted,
};
const char* GbtPhaseName(GbtPhase p);

// What the charger can deliver (CML), and what the parameter check compares against.
struct ChargerCapability {
  float max_voltage_v = 0;
  float min_voltage_v = 0;
  float max_current_a = 0;
  float min_current_a = 0;
};

struct GbtSessionConfig {
  ChargerCapability capability;
  uint32_t charger_number = 0;             // CRM / CSD
  uint8_t region[3] = {0xFF, 0xFF, 0xFF};  // CRM, optional
  // Wait for ReportInsulationCheck() between BHM and CRM (the charger's IMD test).
  bool insulation_check = false;
};

// Why a session stopped (or never charged).
enum class StopCause : uint8_t {
  kNone,
  kVehicleRequest,     // BST: see vehicle_stop_reasons()
  kChargerRequest,     // RequestStop(): see charger_stop_reasons()
  kParametersRefused,  // BCP outside the charger's capability: see refusal()
  kBatteryFault,       // BSM reported an abnormal battery condition: see bsm()
  kInsulationFailed,   // ReportInsulationCheck(false), or no result in time
  kChargerNotReady,    // SetOutputReady(true) never came
  kTimeout,            // the vehicle went silent: see timeout()
  kVehicleError,       // BEM received: see vehicle_error()
};
const char* StopCauseName(StopCause c);

enum class GbtTimeout : uint8_t { kNone, kBrm, kBcp, kBro, kBcs, kBcl, kBst, kBsd };
const char* GbtTimeoutName(GbtTimeout t);

enum class Refusal : uint8_t {
  kNone,
  kBatteryVoltageAboveChargerMax,  // the pack is already above what the charger can output
  kBatteryVoltageBelowChargerMin,  // the pack is below what the charger can regulate
  kMaxVoltageBelowChargerMin,      // the pack's highest charge voltage is below our minimum
  kMaxCurrentBelowChargerMin,      // the pack may take less current than our minimum
};
const char* RefusalName(Refusal r);

// The vehicle's request, already limited to the battery's BCP limits and the charger's CML.
struct Demand {
  bool valid = false;
  float voltage_v = 0;
  float current_a = 0;
  gbt::ChargeMode mode = gbt::ChargeMode::kConstantCurrent;
};

struct BatteryLimits {
  bool valid = false;       // BCP received
  float max_voltage_v = 0;  // highest total charge voltage
  float max_current_a = 0;
  float max_cell_voltage_v = 0;
  int16_t max_temperature_c = 0;
  float nominal_energy_kwh = 0;
  float bhm_max_voltage_v = -1;  // BHM (insulation test limit); < 0 when no BHM came
};

// What the charger measures at its output (for CCS, and CSD at the end).
struct ChargerOutput {
  float voltage_v = 0;
  float current_a = 0;
  float energy_kwh = 0;  // delivered in this session
};

struct GbtCounters {
  uint32_t frames = 0;          // frames handed to OnFrame
  uint32_t messages = 0;        // GB/T messages decoded
  uint32_t ignored = 0;         // other PGNs (BMV/BMT/BSP, DM1...)
  uint32_t out_of_phase = 0;    // valid messages that do not belong to the current phase
  uint32_t demand_clamped = 0;  // BCL above the BCP or charger limits
  uint32_t encode_errors = 0;   // our own message could not be encoded (bad input values)
  uint32_t tx_errors = 0;       // CanBus::Send refusals
};

class GbtSession final : public can::FrameHandler {
 public:
  GbtSession(can::CanBus& bus, const GbtSessionConfig& config);

  // The gun is connected and locked and the auxiliary supply is on: start the handshake.
  // Restarts from scratch when a session is running.
  void Start(uint64_t now_ms);
  // Drops the session silently (gun removed): back to kIdle.
  void Reset();

  void OnFrame(const can::Frame& frame, uint64_t now_ms) override;
  void Poll(uint64_t now_ms);

  // ---- inputs ----
  void SetChargerOutput(const ChargerOutput& out) { output_ = out; }
  // The power stage is ready (voltage matched, contactor closed): CRO(0xAA).
  void SetOutputReady(bool ready) { output_ready_ = ready; }
  void ReportInsulationCheck(bool passed, uint64_t now_ms);
  // The charger stops the session with CST reasons (gbt::cst::*, at least one).
  // kInvalidArgument for unknown bits or none; kFailedPrecondition when no session is running.
  Status RequestStop(uint32_t cst_reasons, uint64_t now_ms);

  // ---- outputs ----
  GbtPhase phase() const { return phase_; }
  // True while current may flow: charging phase, valid demand, the BMS permits (BSM), no stop,
  // and valid data within kVehicleAliveTimeoutMs.
  bool OutputPermitted(uint64_t now_ms) const;
  // Valid data from the vehicle within kVehicleAliveTimeoutMs (1 s).
  bool VehicleAlive(uint64_t now_ms) const;
  // The session is over (ended, or faulted and done sending CEM); Start() may begin a new one.
  bool Finished() const;

  Demand demand() const { return demand_; }
  float soc_percent() const { return soc_percent_; }  // < 0 until BCP / BCS
  BatteryLimits battery_limits() const { return limits_; }
  StopCause stop_cause() const { return stop_cause_; }
  gbt::Flags vehicle_stop_reasons() const { return bst_; }        // BST as received
  uint32_t charger_stop_reasons() const { return cst_reasons_; }  // CST as sent
  GbtTimeout timeout() const { return timeout_; }
  Refusal refusal() const { return refusal_; }
  gbt::Flags vehicle_error() const { return bem_; }
  bool charging_paused() const { return !bsm_.charging_permitted; }

  const gbt::Brm& brm() const { return brm_; }
  const gbt::Bcp& bcp() const { return bcp_; }
  const gbt::Bcs& bcs() const { return bcs_; }
  const gbt::Bsm& bsm() const { return bsm_; }
  const gbt::Bsd& bsd() const { return bsd_; }
  bool bsd_received() const { return bsd_received_; }

  const GbtCounters& counters() const { return counters_; }
  const gbt::DecodeStats& decode_stats() const { return stats_; }
  const j1939::TpCounters& transport_counters() const { return tp_.counters(); }

 private:
  static constexpr uint64_t kNever = ~0ULL;

  void Enter(GbtPhase p, uint64_t now_ms);
  void HandlePdu(const gbt::PduView& pdu, uint64_t now_ms);
  void OnBcp(const gbt::Bcp& m, uint64_t now_ms);
  void OnBcl(const gbt::Bcl& m);
  void StopWith(StopCause cause, uint32_t cst_reasons, uint64_t now_ms);
  void Fail(GbtTimeout t, uint32_t cem_flag, uint64_t now_ms);
  void CheckTimeouts(uint64_t now_ms);
  void SendDue(uint64_t now_ms);
  bool Due(gbt::Msg m, uint64_t now_ms);
  void Send(gbt::Msg m, const Result<gbt::Pdu>& pdu, uint64_t now_ms);
  bool Elapsed(uint64_t since, uint64_t now_ms, uint32_t timeout_ms) const {
    return since != kNever && now_ms >= since && now_ms - since >= timeout_ms;
  }
  bool Active() const {
    return phase_ != GbtPhase::kIdle && phase_ != GbtPhase::kEnded && phase_ != GbtPhase::kFaulted;
  }

  can::CanBus& bus_;
  GbtSessionConfig config_;
  j1939::Transport tp_;

  GbtPhase phase_ = GbtPhase::kIdle;
  uint64_t phase_since_ = 0;
  uint64_t last_sent_[static_cast<size_t>(gbt::Msg::kCount)] = {};

  // receive state
  uint64_t last_valid_rx_ = kNever;
  uint64_t brm_at_ = kNever;
  uint64_t bro_at_ = kNever;  // first BRO of any value
  uint64_t cro_ready_at_ = kNever;
  uint64_t last_bcl_ = kNever;
  uint64_t last_bcs_ = kNever;
  uint64_t charging_since_ = kNever;
  uint64_t bst_at_ = kNever;
  uint64_t bsd_at_ = kNever;
  bool bsd_received_ = false;

  // inputs
  ChargerOutput output_;
  bool output_ready_ = false;
  bool cem_done_ = false;  // kFaulted: CEM sent for kCemSendDurationMs (or none was due)

  // what we learned
  gbt::Brm brm_;
  gbt::Bcp bcp_;
  gbt::Bcs bcs_;
  gbt::Bsm bsm_;
  gbt::Bsd bsd_;
  gbt::Flags bst_;
  gbt::Flags bem_;
  Demand demand_;
  BatteryLimits limits_;
  float soc_percent_ = -1;

  // outcome
  StopCause stop_cause_ = StopCause::kNone;
  uint32_t cst_reasons_ = 0;
  uint32_t cem_flags_ = 0;
  GbtTimeout timeout_ = GbtTimeout::kNone;
  Refusal refusal_ = Refusal::kNone;

  GbtCounters counters_;
  gbt::DecodeStats stats_;
};

}  // namespace evc::vehicle
