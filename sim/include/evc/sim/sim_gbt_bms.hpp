#pragma once
// A simulated vehicle BMS and battery that speak GB/T 27930-2015 on a SimCanBus (the BMS side of
// the session that vehicle::GbtSession runs on the charger side).
//
//   kHandshake    answers CHM with BHM
//   kRecognition  answers CRM(0x00) with BRM (49 bytes over J1939 RTS/CTS)
//   kParameters   answers CRM(0xAA) with BCP; after CML, BRO(0x00) for kSimBroPrepareMs, then
//                 BRO(0xAA) until CRO(0xAA)
//   kCharging     BCL every 50 ms, BCS (TP) every 250 ms, BSM every 250 ms; reads CCS
//   kEnding       BST every 10 ms until CST, then BSD every 250 ms until CSD
//   kDone         session over;   kFaulted: sent BEM (own timeout or injected) or got CEM
//
// Battery: open-circuit voltage linear in SoC from empty_voltage_v to cv_voltage_v, an internal
// resistance, constant current (max_current_a) until the terminal voltage would pass
// cv_voltage_v, then constant voltage with the current tapering to (cv - ocv) / R. SoC rises
// with the energy the charger reports in CCS (V x I), or with a measured current set by the
// world (SetMeasuredCurrent). The BMS sends BST "SoC target reached" when SoC reaches the target
// or the CV current falls to cutoff_current_a.
//
// Injectable faults: Silence(ms) (nothing leaves the BMS), InjectBem(flags), insulation and
// over-temperature flags in BSM, RequestStop(bst flags), BSM pause.

#include <cstdint>

#include "evc/can/can_bus.hpp"
#include "evc/sim/sim_can_bus.hpp"
#include "evc/vehicle/gbt_messages.hpp"
#include "evc/vehicle/j1939_tp.hpp"

namespace evc::sim {

// How long the simulated BMS takes to get ready (BRO 0x00 before 0xAA) after CML [G: model].
constexpr uint32_t kSimBroPrepareMs = 500;
// How long it sends BEM after a fault [G: mirrors the charger's CEM duration].
constexpr uint32_t kSimBemSendDurationMs = 5000;

struct SimBatteryParams {
  double capacity_wh = 2000.0;  // a 60 V / 33 Ah LEV pack
  double soc_percent = 30.0;
  double empty_voltage_v = 54.0;  // open-circuit voltage at 0 %
  double cv_voltage_v = 67.2;     // open-circuit voltage at 100 % = the CV setpoint (16S x 4.2)
  double internal_resistance_ohm = 0.1;
  double max_current_a = 30.0;    // CC current (also BCP max current)
  double cutoff_current_a = 1.5;  // CV taper end: "full"
  double target_soc_percent = 100.0;
  double temperature_c = 25.0;
  int cells = 16;  // in series: cell voltage = pack voltage / cells
  float max_cell_voltage_v = 4.25f;
  int16_t max_temperature_c = 55;
  float bhm_max_voltage_v = 72.0f;
  vehicle::gbt::BatteryType battery_type = vehicle::gbt::BatteryType::kTernary;
};

enum class SimBmsState : uint8_t {
  kOff,
  kHandshake,
  kRecognition,
  kParameters,
  kCharging,
  kEnding,
  kDone,
  kFaulted,
};
const char* SimBmsStateName(SimBmsState s);

struct SimBmsCounters {
  uint32_t frames_in = 0;
  uint32_t frames_out = 0;
  uint32_t frames_dropped = 0;  // silenced, or the wire was full
  uint32_t decode_errors = 0;
  uint32_t tp_busy = 0;  // a multi-packet message skipped because the last is in flight
  uint32_t bem_sent = 0;
};

class SimGbtBms final : public SimCanNode {
 public:
  SimGbtBms(SimCanBus& bus, const SimBatteryParams& p = SimBatteryParams{});

  // Attaches to the bus; kResourceExhausted when the bus is full.
  Status Attach();

  // The gun is in and the charger's auxiliary supply is on: wait for CHM.
  void Plug(uint64_t now_ms);
  // The gun is out: the BMS goes quiet.
  void Unplug();

  // SimCanNode
  void OnBusFrame(const can::Frame& frame, uint64_t now_ms) override;
  // Advances the battery by the time since the last Step and sends what is due.
  void Step(uint64_t now_ms);

  // ---- faults and commands ----
  void Silence(uint32_t duration_ms, uint64_t now_ms) { silent_until_ = now_ms + duration_ms; }
  // Sends BEM with these flags (vehicle::gbt::bem::*) and stops.
  void InjectBem(uint32_t bem_flags, uint64_t now_ms);
  void SetInsulationFault(bool on) { insulation_fault_ = on; }
  void SetOverTemperature(bool on) { over_temperature_ = on; }
  void SetPause(bool paused) { paused_ = paused; }
  // The vehicle stops the session with these BST reasons (vehicle::gbt::bst::*).
  void RequestStop(uint32_t bst_reasons, uint64_t now_ms);
  // The current really flowing into the battery, measured by the world (e.g. the power module
  // model); negative = use the charger's CCS report.
  void SetMeasuredCurrent(double amps) { measured_current_a_ = amps; }
  void SetSoc(double percent);

  // ---- observation ----
  SimBmsState state() const { return state_; }
  double soc() const { return soc_; }
  double delivered_wh() const { return delivered_wh_; }
  double OpenCircuitVoltage() const;
  // Terminal voltage with `current_a` flowing in.
  double TerminalVoltage(double current_a) const;
  // What the BMS asks for now (BCL).
  vehicle::gbt::Bcl DemandNow() const;
  uint32_t bst_sent() const { return bst_reasons_; }  // BST reasons of this session
  const vehicle::gbt::Ccs& last_ccs() const { return ccs_; }
  const vehicle::gbt::Flags& cst_received() const { return cst_; }
  bool cem_received() const { return cem_received_; }
  const SimBmsCounters& counters() const { return counters_; }
  const vehicle::j1939::TpCounters& transport_counters() const { return tp_.counters(); }

 private:
  // The BMS's own CAN port: sends go onto the simulated wire as this node (or are dropped
  // while silenced). It never receives: frames arrive through OnBusFrame.
  class Port final : public can::CanBus {
   public:
    explicit Port(SimGbtBms& owner) : owner_(owner) {}
    Status Send(const can::Frame& frame) override;
    bool Receive(can::Frame*) override { return false; }
    can::BusState State() const override { return can::BusState::kErrorActive; }
    Status StartRecovery() override { return Errc::kFailedPrecondition; }
    Status Restart() override { return OkStatus(); }
    can::BusCounters Counters() const override { return {}; }

   private:
    SimGbtBms& owner_;
  };

  static constexpr uint64_t kNever = ~0ULL;

  void Enter(SimBmsState s, uint64_t now_ms);
  void Handle(const vehicle::gbt::Pdu& p, uint64_t now_ms);
  void Integrate(uint64_t now_ms);
  void CheckTimeouts(uint64_t now_ms);
  void SendDue(uint64_t now_ms);
  bool Due(vehicle::gbt::Msg m, uint64_t now_ms);
  void Send(vehicle::gbt::Msg m, const Result<vehicle::gbt::Pdu>& pdu, uint64_t now_ms);
  void StartEnding(uint32_t bst_reasons, uint64_t now_ms);
  void Fault(uint32_t bem_flags, uint64_t now_ms);
  bool Silenced(uint64_t now_ms) const { return now_ms < silent_until_; }

  SimCanBus& bus_;
  SimBatteryParams p_;
  Port port_;
  vehicle::j1939::Transport tp_;

  SimBmsState state_ = SimBmsState::kOff;
  uint64_t state_since_ = 0;
  uint64_t now_ms_ = 0;
  uint64_t last_step_ms_ = kNever;
  uint64_t last_sent_[static_cast<size_t>(vehicle::gbt::Msg::kCount)] = {};
  uint64_t silent_until_ = 0;

  // session progress
  bool chm_seen_ = false;
  bool crm_recognized_ = false;
  uint64_t cml_at_ = kNever;
  uint64_t bro_ready_at_ = kNever;
  uint64_t last_ccs_ = kNever;
  bool cst_seen_ = false;
  bool bst_after_cst_ = false;  // a BST went out after the CST was seen
  uint64_t cst_at_ = kNever;
  uint32_t bst_reasons_ = 0;
  uint32_t bem_flags_ = 0;
  bool cem_received_ = false;
  vehicle::gbt::Ccs ccs_;
  vehicle::gbt::Flags cst_;

  // faults
  bool insulation_fault_ = false;
  bool over_temperature_ = false;
  bool paused_ = false;

  // battery
  double soc_;
  double current_a_ = 0;  // flowing now
  double measured_current_a_ = -1;
  double delivered_wh_ = 0;

  SimBmsCounters counters_;
};

}  // namespace evc::sim
