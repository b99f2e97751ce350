#include "evc/sim/sim_gbt_bms.hpp"

#include <algorithm>
#include <cmath>

#include "evc/vehicle/timing.hpp"

namespace evc::sim {

namespace gbt = vehicle::gbt;
using gbt::Msg;

namespace {

constexpr double kMsPerHour = 3600.0 * 1000.0;
constexpr double kFullSoc = 100.0;
constexpr double kPercent = 100.0;
constexpr double kMinutesPerHour = 60.0;
constexpr double kWhPerKwh = 1000.0;
constexpr uint16_t kMaxReportedMinutes = gbt::kMaxMinutes;

size_t Index(Msg m) {
  return static_cast<size_t>(m);
}

}  // namespace

const char* SimBmsStateName(SimBmsState s) {
  switch (s) {
    case SimBmsState::kOff:
      return "Off";
    case SimBmsState::kHandshake:
      return "Handshake";
    case SimBmsState::kRecognition:
      return "Recognition";
    case SimBmsState::kParameters:
      return "Parameters";
    case SimBmsState::kCharging:
      return "Charging";
    case SimBmsState::kEnding:
      return "Ending";
    case SimBmsState::kDone:
      return "Done";
    case SimBmsState::kFaulted:
      return "Faulted";
  }
  return "?";
}

Status SimGbtBms::Port::Send(const can::Frame& frame) {
  if (owner_.Silenced(owner_.now_ms_) || !owner_.bus_.Transmit(&owner_, frame)) {
    ++owner_.counters_.frames_dropped;
    return Errc::kUnavailable;
  }
  ++owner_.counters_.frames_out;
  return OkStatus();
}

SimGbtBms::SimGbtBms(SimCanBus& bus, const SimBatteryParams& p)
    : bus_(bus), p_(p), port_(*this), tp_(gbt::kBmsAddress, port_), soc_(p.soc_percent) {
  SetSoc(p.soc_percent);
}

Status SimGbtBms::Attach() {
  return bus_.Attach(this);
}

void SimGbtBms::SetSoc(double percent) {
  soc_ = std::clamp(percent, 0.0, kFullSoc);
}

double SimGbtBms::OpenCircuitVoltage() const {
  return p_.empty_voltage_v + (p_.cv_voltage_v - p_.empty_voltage_v) * soc_ / kFullSoc;
}

double SimGbtBms::TerminalVoltage(double current_a) const {
  return OpenCircuitVoltage() + current_a * p_.internal_resistance_ohm;
}

gbt::Bcl SimGbtBms::DemandNow() const {
  gbt::Bcl d;
  d.voltage_v = static_cast<float>(p_.cv_voltage_v);
  const double headroom = p_.cv_voltage_v - OpenCircuitVoltage();
  const double cv_current = headroom > 0 ? headroom / p_.internal_resistance_ohm : 0.0;
  if (cv_current >= p_.max_current_a) {
    d.mode = gbt::ChargeMode::kConstantCurrent;
    d.current_a = static_cast<float>(p_.max_current_a);
  } else {
    d.mode = gbt::ChargeMode::kConstantVoltage;
    d.current_a = static_cast<float>(cv_current);
  }
  return d;
}

void SimGbtBms::Plug(uint64_t now_ms) {
  tp_.Reset();
  chm_seen_ = crm_recognized_ = cst_seen_ = bst_after_cst_ = cem_received_ = false;
  cml_at_ = bro_ready_at_ = last_ccs_ = cst_at_ = kNever;
  bst_reasons_ = bem_flags_ = 0;
  ccs_ = gbt::Ccs{};
  cst_ = gbt::Flags{};
  current_a_ = 0;
  last_step_ms_ = now_ms;
  now_ms_ = now_ms;
  Enter(SimBmsState::kHandshake, now_ms);
}

void SimGbtBms::Unplug() {
  tp_.Reset();
  state_ = SimBmsState::kOff;
  current_a_ = 0;
}

void SimGbtBms::Enter(SimBmsState s, uint64_t now_ms) {
  state_ = s;
  state_since_ = now_ms;
  for (auto& t : last_sent_) {
    t = kNever;
  }
}

void SimGbtBms::InjectBem(uint32_t bem_flags, uint64_t now_ms) {
  if (state_ == SimBmsState::kOff) {
    return;
  }
  Fault(bem_flags & gbt::bem::kAll, now_ms);
}

void SimGbtBms::RequestStop(uint32_t bst_reasons, uint64_t now_ms) {
  if (state_ == SimBmsState::kOff || state_ == SimBmsState::kEnding ||
      state_ == SimBmsState::kDone || state_ == SimBmsState::kFaulted) {
    return;
  }
  StartEnding(bst_reasons & gbt::bst::kAll, now_ms);
}

void SimGbtBms::StartEnding(uint32_t bst_reasons, uint64_t now_ms) {
  bst_reasons_ = bst_reasons;
  current_a_ = 0;
  Enter(SimBmsState::kEnding, now_ms);
}

void SimGbtBms::Fault(uint32_t bem_flags, uint64_t now_ms) {
  bem_flags_ = bem_flags;
  current_a_ = 0;
  Enter(SimBmsState::kFaulted, now_ms);
}

// ---- receive ----------------------------------------------------------------------------------

void SimGbtBms::OnBusFrame(const can::Frame& frame, uint64_t now_ms) {
  now_ms_ = now_ms;
  if (state_ == SimBmsState::kOff) {
    return;
  }
  ++counters_.frames_in;
  Result<gbt::Pdu> pdu = Errc::kInvalidArgument;
  switch (tp_.OnFrame(frame, now_ms)) {
    case vehicle::j1939::TpRx::kConsumed:
      return;
    case vehicle::j1939::TpRx::kMessage:
      pdu = gbt::PduFromTp(tp_.received());
      break;
    case vehicle::j1939::TpRx::kNotTransport:
      pdu = gbt::PduFromFrame(frame);
      break;
  }
  if (pdu.ok()) {
    Handle(*pdu, now_ms);
  }
}

void SimGbtBms::Handle(const gbt::Pdu& p, uint64_t now_ms) {
  const gbt::MessageSpec* spec = gbt::FindSpec(p.pgn);
  if (spec == nullptr || spec->direction != gbt::Direction::kChargerToBms ||
      p.source != gbt::kChargerAddress) {
    return;  // not from the charger (the power module may share the bus)
  }
  bool ok = true;
  switch (spec->msg) {
    case Msg::kChm:
      ok = gbt::DecodeChm(p).ok();
      if (ok && state_ == SimBmsState::kHandshake) {
        chm_seen_ = true;
      }
      break;
    case Msg::kCrm: {
      auto m = gbt::DecodeCrm(p);
      ok = m.ok();
      if (!ok) {
        break;
      }
      if (!m->recognized &&
          (state_ == SimBmsState::kHandshake || state_ == SimBmsState::kRecognition)) {
        if (state_ != SimBmsState::kRecognition) {
          Enter(SimBmsState::kRecognition, now_ms);
        }
      } else if (m->recognized && state_ == SimBmsState::kRecognition) {
        crm_recognized_ = true;
        Enter(SimBmsState::kParameters, now_ms);
      }
      break;
    }
    case Msg::kCts:
      ok = gbt::DecodeCts(p).ok();
      break;
    case Msg::kCml:
      ok = gbt::DecodeCml(p).ok();
      if (ok && state_ == SimBmsState::kParameters && cml_at_ == kNever) {
        cml_at_ = now_ms;
      }
      break;
    case Msg::kCro: {
      auto m = gbt::DecodeCro(p);
      ok = m.ok();
      if (ok && m->ready && state_ == SimBmsState::kParameters && bro_ready_at_ != kNever) {
        last_ccs_ = now_ms;  // the CCS timer starts with charging
        Enter(SimBmsState::kCharging, now_ms);
      }
      break;
    }
    case Msg::kCcs: {
      auto m = gbt::DecodeCcs(p);
      ok = m.ok();
      if (ok && state_ == SimBmsState::kCharging) {
        ccs_ = *m;
        last_ccs_ = now_ms;
      }
      break;
    }
    case Msg::kCst: {
      auto m = gbt::DecodeCst(p);
      ok = m.ok();
      if (!ok || cst_seen_) {
        break;
      }
      if (state_ == SimBmsState::kParameters || state_ == SimBmsState::kCharging) {
        cst_ = *m;
        cst_seen_ = true;
        cst_at_ = now_ms;
        StartEnding(gbt::bst::kChargerStopped, now_ms);
      } else if (state_ == SimBmsState::kEnding) {
        cst_ = *m;
        cst_seen_ = true;
        cst_at_ = now_ms;
        last_sent_[Index(Msg::kBsd)] = kNever;
      }
      break;
    }
    case Msg::kCsd:
      ok = gbt::DecodeCsd(p).ok();
      if (ok && state_ == SimBmsState::kEnding && cst_seen_) {
        Enter(SimBmsState::kDone, now_ms);
      }
      break;
    case Msg::kCem:
      ok = gbt::DecodeCem(p).ok();
      if (ok && state_ != SimBmsState::kDone && state_ != SimBmsState::kFaulted) {
        cem_received_ = true;
        Fault(0, now_ms);  // the charger reported our silence: stop, nothing to add
      }
      break;
    default:
      break;
  }
  if (!ok) {
    ++counters_.decode_errors;
  }
}

// ---- time -------------------------------------------------------------------------------------

void SimGbtBms::Step(uint64_t now_ms) {
  now_ms_ = now_ms;
  if (state_ == SimBmsState::kOff) {
    last_step_ms_ = now_ms;
    return;
  }
  Integrate(now_ms);
  tp_.Poll(now_ms);
  CheckTimeouts(now_ms);
  SendDue(now_ms);
}

void SimGbtBms::Integrate(uint64_t now_ms) {
  const uint64_t dt =
      (last_step_ms_ == kNever || now_ms < last_step_ms_) ? 0 : now_ms - last_step_ms_;
  last_step_ms_ = now_ms;
  double volts = 0;
  double amps = 0;
  if (state_ == SimBmsState::kCharging) {
    if (measured_current_a_ >= 0) {
      amps = measured_current_a_;
      volts = TerminalVoltage(amps);
    } else if (last_ccs_ != kNever && now_ms - last_ccs_ < vehicle::kTimeoutCcsMs) {
      amps = ccs_.current_a;
      volts = ccs_.voltage_v;
    }
  }
  current_a_ = amps;
  const double wh = volts * amps * static_cast<double>(dt) / kMsPerHour;
  delivered_wh_ += wh;
  SetSoc(soc_ + kPercent * wh / p_.capacity_wh);
  if (state_ == SimBmsState::kCharging) {
    const gbt::Bcl d = DemandNow();
    const bool taper_done =
        d.mode == gbt::ChargeMode::kConstantVoltage && d.current_a <= p_.cutoff_current_a;
    if (soc_ >= p_.target_soc_percent || taper_done) {
      StartEnding(gbt::bst::kSocTargetReached, now_ms);
    }
  }
}

void SimGbtBms::CheckTimeouts(uint64_t now_ms) {
  auto elapsed = [now_ms](uint64_t since, uint32_t ms) {
    return since != kNever && now_ms >= since && now_ms - since >= ms;
  };
  switch (state_) {
    case SimBmsState::kParameters:
      if (cml_at_ == kNever && elapsed(state_since_, vehicle::kTimeoutCmlMs)) {
        Fault(gbt::bem::kCmlCts, now_ms);
      } else if (elapsed(bro_ready_at_, vehicle::kTimeoutCroReadyMs)) {
        Fault(gbt::bem::kCro, now_ms);
      }
      break;
    case SimBmsState::kCharging:
      if (elapsed(last_ccs_, vehicle::kTimeoutCcsMs)) {
        Fault(gbt::bem::kCcs, now_ms);
      }
      break;
    case SimBmsState::kEnding:
      if (!cst_seen_ && elapsed(state_since_, vehicle::kTimeoutCstMs)) {
        Fault(gbt::bem::kCst, now_ms);
      } else if (cst_seen_ && elapsed(cst_at_, vehicle::kTimeoutCsdMs)) {
        Fault(gbt::bem::kCsd, now_ms);
      }
      break;
    default:
      break;
  }
}

bool SimGbtBms::Due(Msg m, uint64_t now_ms) {
  const uint64_t last = last_sent_[Index(m)];
  return last == kNever || now_ms - last >= gbt::Spec(m).period_ms;
}

void SimGbtBms::Send(Msg m, const Result<gbt::Pdu>& pdu, uint64_t now_ms) {
  last_sent_[Index(m)] = now_ms;
  if (!pdu.ok()) {
    return;  // model values out of the protocol's range: nothing to send
  }
  if (pdu->length > can::kMaxDataLength && tp_.sending()) {
    ++counters_.tp_busy;  // the previous multi-packet message is still in flight
    return;
  }
  gbt::SendPdu(*pdu, gbt::Spec(m).priority, port_, tp_, now_ms).IgnoreError();  // counted by Port
}

void SimGbtBms::SendDue(uint64_t now_ms) {
  switch (state_) {
    case SimBmsState::kHandshake:
      if (chm_seen_ && Due(Msg::kBhm, now_ms)) {
        Send(Msg::kBhm, gbt::EncodeBhm(gbt::Bhm{p_.bhm_max_voltage_v}), now_ms);
      }
      break;
    case SimBmsState::kRecognition:
      if (Due(Msg::kBrm, now_ms)) {
        gbt::Brm brm;
        brm.battery_type = p_.battery_type;
        brm.rated_capacity_ah = static_cast<float>(p_.capacity_wh / p_.cv_voltage_v);
        brm.rated_voltage_v = static_cast<float>((p_.empty_voltage_v + p_.cv_voltage_v) / 2);
        Send(Msg::kBrm, gbt::EncodeBrm(brm), now_ms);
      }
      break;
    case SimBmsState::kParameters:
      if (cml_at_ == kNever) {
        if (Due(Msg::kBcp, now_ms)) {
          gbt::Bcp bcp;
          bcp.max_cell_voltage_v = p_.max_cell_voltage_v;
          bcp.max_current_a = static_cast<float>(p_.max_current_a);
          bcp.nominal_energy_kwh = static_cast<float>(p_.capacity_wh / kWhPerKwh);
          bcp.max_voltage_v = static_cast<float>(p_.cv_voltage_v);
          bcp.max_temperature_c = p_.max_temperature_c;
          bcp.soc_percent = static_cast<float>(soc_);
          bcp.present_voltage_v = static_cast<float>(OpenCircuitVoltage());
          Send(Msg::kBcp, gbt::EncodeBcp(bcp), now_ms);
        }
      } else if (Due(Msg::kBro, now_ms)) {
        const bool ready = now_ms - cml_at_ >= kSimBroPrepareMs;
        if (ready && bro_ready_at_ == kNever) {
          bro_ready_at_ = now_ms;
        }
        Send(Msg::kBro, gbt::EncodeBro(gbt::Bro{ready}), now_ms);
      }
      break;
    case SimBmsState::kCharging: {
      if (Due(Msg::kBcl, now_ms)) {
        Send(Msg::kBcl, gbt::EncodeBcl(DemandNow()), now_ms);
      }
      if (Due(Msg::kBcs, now_ms)) {
        gbt::Bcs bcs;
        bcs.measured_voltage_v = static_cast<float>(TerminalVoltage(current_a_));
        bcs.measured_current_a = static_cast<float>(current_a_);
        bcs.max_cell_voltage_v = static_cast<float>(
            std::min<double>(bcs.measured_voltage_v / p_.cells, gbt::kMaxCellVoltageV));
        bcs.soc_percent = static_cast<uint8_t>(std::floor(soc_));
        const double remaining_wh = p_.capacity_wh * (kFullSoc - soc_) / kFullSoc;
        const double power_w = std::max(1.0, TerminalVoltage(current_a_) * current_a_);
        const double minutes = remaining_wh / power_w * kMinutesPerHour;
        bcs.remaining_minutes =
            static_cast<uint16_t>(std::min<double>(minutes, kMaxReportedMinutes));
        Send(Msg::kBcs, gbt::EncodeBcs(bcs), now_ms);
      }
      if (Due(Msg::kBsm, now_ms)) {
        gbt::Bsm bsm;
        bsm.max_temperature_c = static_cast<int16_t>(std::lround(p_.temperature_c));
        bsm.min_temperature_c = bsm.max_temperature_c;
        bsm.insulation = insulation_fault_ ? gbt::Status2::kSet : gbt::Status2::kNormal;
        bsm.over_temperature = over_temperature_ ? gbt::Status2::kSet : gbt::Status2::kNormal;
        bsm.charging_permitted = !paused_;
        Send(Msg::kBsm, gbt::EncodeBsm(bsm), now_ms);
      }
      break;
    }
    case SimBmsState::kEnding:
      // BST until the charger's CST is seen, and at least once after it (when the charger
      // stopped first, that BST is the answer it waits for); then BSD.
      if (!cst_seen_ || !bst_after_cst_) {
        if (Due(Msg::kBst, now_ms)) {
          Send(Msg::kBst, gbt::EncodeBst(gbt::Flags{bst_reasons_, 0}), now_ms);
          bst_after_cst_ = cst_seen_;
          if (bst_after_cst_) {
            last_sent_[Index(Msg::kBsd)] = kNever;
          }
        }
      } else if (Due(Msg::kBsd, now_ms)) {
        gbt::Bsd bsd;
        bsd.soc_percent = static_cast<uint8_t>(std::floor(soc_));
        const float cell = static_cast<float>(OpenCircuitVoltage() / p_.cells);
        bsd.min_cell_voltage_v = cell;
        bsd.max_cell_voltage_v = cell;
        bsd.min_temperature_c = static_cast<int16_t>(std::lround(p_.temperature_c));
        bsd.max_temperature_c = bsd.min_temperature_c;
        Send(Msg::kBsd, gbt::EncodeBsd(bsd), now_ms);
      }
      break;
    case SimBmsState::kFaulted:
      if (bem_flags_ != 0 && now_ms - state_since_ < kSimBemSendDurationMs &&
          Due(Msg::kBem, now_ms)) {
        Send(Msg::kBem, gbt::EncodeBem(gbt::Flags{bem_flags_, 0}), now_ms);
        ++counters_.bem_sent;
      }
      break;
    case SimBmsState::kOff:
    case SimBmsState::kDone:
      break;
  }
}

}  // namespace evc::sim
