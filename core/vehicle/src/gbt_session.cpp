#include "evc/vehicle/gbt_session.hpp"

#include "evc/vehicle/timing.hpp"

namespace evc::vehicle {

using gbt::Msg;

namespace {

constexpr uint32_t kMsPerMinute = 60000;

size_t Index(Msg m) {
  return static_cast<size_t>(m);
}
float Clamp(float v, float lo, float hi) {
  if (!(v >= lo)) {  // NaN too
    return lo;
  }
  return v > hi ? hi : v;
}
float Min(float a, float b) {
  return a < b ? a : b;
}

}  // namespace

const char* GbtPhaseName(GbtPhase p) {
  switch (p) {
    case GbtPhase::kIdle:
      return "Idle";
    case GbtPhase::kHandshake:
      return "Handshake";
    case GbtPhase::kInsulation:
      return "Insulation";
    case GbtPhase::kRecognition:
      return "Recognition";
    case GbtPhase::kParameters:
      return "Parameters";
    case GbtPhase::kReadiness:
      return "Readiness";
    case GbtPhase::kCharging:
      return "Charging";
    case GbtPhase::kEnding:
      return "Ending";
    case GbtPhase::kEnded:
      return "Ended";
    case GbtPhase::kFaulted:
      return "Faulted";
  }
  return "?";
}

const char* StopCauseName(StopCause c) {
  switch (c) {
    case StopCause::kNone:
      return "None";
    case StopCause::kVehicleRequest:
      return "VehicleRequest";
    case StopCause::kChargerRequest:
      return "ChargerRequest";
    case StopCause::kParametersRefused:
      return "ParametersRefused";
    case StopCause::kBatteryFault:
      return "BatteryFault";
    case StopCause::kInsulationFailed:
      return "InsulationFailed";
    case StopCause::kChargerNotReady:
      return "ChargerNotReady";
    case StopCause::kTimeout:
      return "Timeout";
    case StopCause::kVehicleError:
      return "VehicleError";
  }
  return "?";
}

const char* GbtTimeoutName(GbtTimeout t) {
  switch (t) {
    case GbtTimeout::kNone:
      return "None";
    case GbtTimeout::kBrm:
      return "BRM";
    case GbtTimeout::kBcp:
      return "BCP";
    case GbtTimeout::kBro:
      return "BRO";
    case GbtTimeout::kBcs:
      return "BCS";
    case GbtTimeout::kBcl:
      return "BCL";
    case GbtTimeout::kBst:
      return "BST";
    case GbtTimeout::kBsd:
      return "BSD";
  }
  return "?";
}

const char* RefusalName(Refusal r) {
  switch (r) {
    case Refusal::kNone:
      return "None";
    case Refusal::kBatteryVoltageAboveChargerMax:
      return "BatteryVoltageAboveChargerMax";
    case Refusal::kBatteryVoltageBelowChargerMin:
      return "BatteryVoltageBelowChargerMin";
    case Refusal::kMaxVoltageBelowChargerMin:
      return "MaxVoltageBelowChargerMin";
    case Refusal::kMaxCurrentBelowChargerMin:
      return "MaxCurrentBelowChargerMin";
  }
  return "?";
}

GbtSession::GbtSession(can::CanBus& bus, const GbtSessionConfig& config)
    : bus_(bus), config_(config), tp_(gbt::kChargerAddress, bus) {}

void GbtSession::Reset() {
  tp_.Reset();
  phase_ = GbtPhase::kIdle;
  last_valid_rx_ = brm_at_ = bro_at_ = cro_ready_at_ = kNever;
  last_bcl_ = last_bcs_ = charging_since_ = bst_at_ = bsd_at_ = kNever;
  bsd_received_ = false;
  output_ = ChargerOutput{};
  output_ready_ = false;
  cem_done_ = false;
  brm_ = gbt::Brm{};
  bcp_ = gbt::Bcp{};
  bcs_ = gbt::Bcs{};
  bsm_ = gbt::Bsm{};
  bsd_ = gbt::Bsd{};
  bst_ = gbt::Flags{};
  bem_ = gbt::Flags{};
  demand_ = Demand{};
  limits_ = BatteryLimits{};
  soc_percent_ = -1;
  stop_cause_ = StopCause::kNone;
  cst_reasons_ = 0;
  cem_flags_ = 0;
  timeout_ = GbtTimeout::kNone;
  refusal_ = Refusal::kNone;
}

void GbtSession::Start(uint64_t now_ms) {
  Reset();
  Enter(GbtPhase::kHandshake, now_ms);
}

void GbtSession::Enter(GbtPhase p, uint64_t now_ms) {
  phase_ = p;
  phase_since_ = now_ms;
  // Every message of the new phase goes out at once, then at its period.
  for (auto& t : last_sent_) {
    t = kNever;
  }
  if (p == GbtPhase::kCharging) {
    charging_since_ = now_ms;
  }
}

// ---- receive ----------------------------------------------------------------------------------

void GbtSession::OnFrame(const can::Frame& frame, uint64_t now_ms) {
  ++counters_.frames;
  if (phase_ == GbtPhase::kIdle) {
    ++counters_.out_of_phase;
    return;
  }
  // The id is parsed once, for the transport and for us; the message is decoded where it lies,
  // in the frame or in the transport's buffer.
  j1939::Id id;
  if (!j1939::ParseId(frame, &id)) {
    ++counters_.ignored;  // not a J1939 data frame
    return;
  }
  gbt::PduView pdu;
  switch (tp_.OnFrame(id, frame, now_ms)) {
    case j1939::TpRx::kConsumed:
      return;
    case j1939::TpRx::kMessage: {
      const Result<gbt::PduView> long_pdu = gbt::ViewTp(tp_.received());
      if (!long_pdu.ok()) {
        ++counters_.ignored;  // a long message we do not decode (BMV/BMT)
        return;
      }
      pdu = *long_pdu;
      break;
    }
    case j1939::TpRx::kNotTransport:
      pdu = gbt::ViewFrame(id, frame);
      break;
  }
  HandlePdu(pdu, now_ms);
}

void GbtSession::HandlePdu(const gbt::PduView& p, uint64_t now_ms) {
  const gbt::MessageSpec* spec = gbt::FindSpec(p.pgn);
  if (spec == nullptr || spec->direction != gbt::Direction::kBmsToCharger) {
    ++counters_.ignored;
    return;
  }
  const bool before_charging = phase_ == GbtPhase::kRecognition ||
                               phase_ == GbtPhase::kParameters || phase_ == GbtPhase::kReadiness;
  bool used = true;
  bool valid = true;
  switch (spec->msg) {
    case Msg::kBhm: {
      auto m = gbt::DecodeBhm(p, &stats_);
      valid = m.ok();
      if (valid && phase_ == GbtPhase::kHandshake) {
        limits_.bhm_max_voltage_v = m->max_charge_voltage_v;
        Enter(config_.insulation_check ? GbtPhase::kInsulation : GbtPhase::kRecognition, now_ms);
      } else {
        // The BMS repeats BHM until it sees CRM; repeats are harmless.
        used = phase_ == GbtPhase::kInsulation || phase_ == GbtPhase::kRecognition;
      }
      break;
    }
    case Msg::kBrm: {
      auto m = gbt::DecodeBrm(p, &stats_);
      valid = m.ok();
      used = phase_ == GbtPhase::kRecognition;
      if (valid && used) {
        brm_ = *m;
        if (brm_at_ == kNever) {
          brm_at_ = now_ms;
          last_sent_[Index(Msg::kCrm)] = kNever;  // CRM(0xAA) at once
        }
      }
      break;
    }
    case Msg::kBcp: {
      auto m = gbt::DecodeBcp(p, &stats_);
      valid = m.ok();
      used = (phase_ == GbtPhase::kRecognition && brm_at_ != kNever) ||
             phase_ == GbtPhase::kParameters;
      if (valid && used) {
        OnBcp(*m, now_ms);
      }
      break;
    }
    case Msg::kBro: {
      auto m = gbt::DecodeBro(p, &stats_);
      valid = m.ok();
      used = phase_ == GbtPhase::kParameters || phase_ == GbtPhase::kReadiness;
      if (valid && phase_ == GbtPhase::kParameters) {
        if (bro_at_ == kNever) {
          bro_at_ = now_ms;
        }
        if (m->ready) {
          Enter(GbtPhase::kReadiness, now_ms);
        }
      }
      break;
    }
    case Msg::kBcl: {
      auto m = gbt::DecodeBcl(p, &stats_);
      valid = m.ok();
      used = phase_ == GbtPhase::kReadiness || phase_ == GbtPhase::kCharging;
      if (valid && used) {
        OnBcl(*m);
        last_bcl_ = now_ms;
      }
      break;
    }
    case Msg::kBcs: {
      auto m = gbt::DecodeBcs(p, &stats_);
      valid = m.ok();
      used = phase_ == GbtPhase::kReadiness || phase_ == GbtPhase::kCharging;
      if (valid && used) {
        bcs_ = *m;
        soc_percent_ = m->soc_percent;
        last_bcs_ = now_ms;
      }
      break;
    }
    case Msg::kBsm: {
      auto m = gbt::DecodeBsm(p, &stats_);
      valid = m.ok();
      used = phase_ == GbtPhase::kReadiness || phase_ == GbtPhase::kCharging;
      if (valid && used) {
        bsm_ = *m;
        if (m->AnyFault()) {
          StopWith(StopCause::kBatteryFault, gbt::cst::kFaultStop | gbt::cst::kOtherFault, now_ms);
        }
      }
      break;
    }
    case Msg::kBst: {
      auto m = gbt::DecodeBst(p, &stats_);
      valid = m.ok();
      used = before_charging || phase_ == GbtPhase::kCharging || phase_ == GbtPhase::kEnding;
      if (valid && used) {
        if (bst_at_ == kNever) {
          bst_at_ = now_ms;
          bst_ = *m;
        }
        if (phase_ != GbtPhase::kEnding) {
          StopWith(StopCause::kVehicleRequest, gbt::cst::kBmsStopped, now_ms);
        }
      }
      break;
    }
    case Msg::kBsd: {
      auto m = gbt::DecodeBsd(p, &stats_);
      valid = m.ok();
      used = phase_ == GbtPhase::kEnding;
      if (valid && used) {
        bsd_ = *m;
        if (!bsd_received_) {
          bsd_received_ = true;
          bsd_at_ = now_ms;
          last_sent_[Index(Msg::kCsd)] = kNever;
        }
      }
      break;
    }
    case Msg::kBem: {
      auto m = gbt::DecodeBem(p, &stats_);
      valid = m.ok();
      used = Active() && phase_ != GbtPhase::kHandshake;
      if (valid && used) {
        bem_ = *m;
        stop_cause_ = StopCause::kVehicleError;
        cem_flags_ = 0;  // the vehicle reported the error; nothing for us to report
        Enter(GbtPhase::kFaulted, now_ms);
      }
      break;
    }
    default:
      used = false;
      break;
  }
  if (!valid) {
    return;  // counted in stats_ by the decoder
  }
  ++counters_.messages;
  last_valid_rx_ = now_ms;
  if (!used) {
    ++counters_.out_of_phase;
  }
}

void GbtSession::OnBcp(const gbt::Bcp& m, uint64_t now_ms) {
  bcp_ = m;
  limits_.valid = true;
  limits_.max_voltage_v = m.max_voltage_v;
  limits_.max_current_a = m.max_current_a;
  limits_.max_cell_voltage_v = m.max_cell_voltage_v;
  limits_.max_temperature_c = m.max_temperature_c;
  limits_.nominal_energy_kwh = m.nominal_energy_kwh;
  soc_percent_ = m.soc_percent;
  if (phase_ != GbtPhase::kRecognition) {
    return;  // a repeat during the parameter phase: limits refreshed, no second check
  }
  // A battery above the charger's maximum voltage could push current back into the charger; one
  // below its minimum cannot be regulated; a battery whose limits lie below our minimum output
  // cannot be charged at all. A battery that allows more than we can give is fine (CML says so).
  const ChargerCapability& cap = config_.capability;
  if (m.present_voltage_v > cap.max_voltage_v) {
    refusal_ = Refusal::kBatteryVoltageAboveChargerMax;
  } else if (m.present_voltage_v < cap.min_voltage_v) {
    refusal_ = Refusal::kBatteryVoltageBelowChargerMin;
  } else if (m.max_voltage_v < cap.min_voltage_v) {
    refusal_ = Refusal::kMaxVoltageBelowChargerMin;
  } else if (m.max_current_a < cap.min_current_a) {
    refusal_ = Refusal::kMaxCurrentBelowChargerMin;
  }
  if (refusal_ != Refusal::kNone) {
    StopWith(StopCause::kParametersRefused, gbt::cst::kFaultStop | gbt::cst::kEnergyNotDeliverable,
             now_ms);
    return;
  }
  Enter(GbtPhase::kParameters, now_ms);
}

void GbtSession::OnBcl(const gbt::Bcl& m) {
  const float vmax = Min(bcp_.max_voltage_v, config_.capability.max_voltage_v);
  const float imax = Min(bcp_.max_current_a, config_.capability.max_current_a);
  demand_.valid = true;
  demand_.mode = m.mode;
  demand_.voltage_v = Min(m.voltage_v, vmax);
  demand_.current_a = Min(m.current_a, imax);
  if (m.voltage_v > vmax || m.current_a > imax) {
    ++counters_.demand_clamped;
  }
}

// ---- commands ---------------------------------------------------------------------------------

void GbtSession::ReportInsulationCheck(bool passed, uint64_t now_ms) {
  if (phase_ != GbtPhase::kInsulation) {
    return;
  }
  if (passed) {
    Enter(GbtPhase::kRecognition, now_ms);
  } else {
    stop_cause_ = StopCause::kInsulationFailed;
    Enter(GbtPhase::kEnded, now_ms);
  }
}

Status GbtSession::RequestStop(uint32_t cst_reasons, uint64_t now_ms) {
  if (cst_reasons == 0 || (cst_reasons & ~gbt::cst::kAll) != 0) {
    return Errc::kInvalidArgument;
  }
  if (!Active()) {
    return Errc::kFailedPrecondition;
  }
  if (phase_ == GbtPhase::kHandshake || phase_ == GbtPhase::kInsulation) {
    // No conversation with the BMS yet beyond the handshake: nothing to wind down.
    stop_cause_ = StopCause::kChargerRequest;
    cst_reasons_ = cst_reasons;
    Enter(GbtPhase::kEnded, now_ms);
    return OkStatus();
  }
  StopWith(StopCause::kChargerRequest, cst_reasons, now_ms);
  return OkStatus();
}

void GbtSession::StopWith(StopCause cause, uint32_t cst_reasons, uint64_t now_ms) {
  if (phase_ == GbtPhase::kEnding) {
    return;  // first cause wins
  }
  stop_cause_ = cause;
  cst_reasons_ = cst_reasons;
  Enter(GbtPhase::kEnding, now_ms);
}

void GbtSession::Fail(GbtTimeout t, uint32_t cem_flag, uint64_t now_ms) {
  timeout_ = t;
  if (stop_cause_ == StopCause::kNone) {
    stop_cause_ = StopCause::kTimeout;
  }
  cem_flags_ = cem_flag;
  Enter(GbtPhase::kFaulted, now_ms);
}

// ---- time -------------------------------------------------------------------------------------

void GbtSession::Poll(uint64_t now_ms) {
  if (phase_ == GbtPhase::kIdle) {
    return;
  }
  tp_.Poll(now_ms);
  CheckTimeouts(now_ms);
  SendDue(now_ms);
}

void GbtSession::CheckTimeouts(uint64_t now_ms) {
  switch (phase_) {
    case GbtPhase::kHandshake:
      if (Elapsed(phase_since_, now_ms, kTimeoutBhmMs)) {
        // No BHM: a 2011-edition BMS, which starts at recognition.
        Enter(config_.insulation_check ? GbtPhase::kInsulation : GbtPhase::kRecognition, now_ms);
      }
      break;
    case GbtPhase::kInsulation:
      if (Elapsed(phase_since_, now_ms, kInsulationCheckTimeoutMs)) {
        stop_cause_ = StopCause::kInsulationFailed;
        Enter(GbtPhase::kEnded, now_ms);
      }
      break;
    case GbtPhase::kRecognition:
      if (brm_at_ == kNever) {
        if (Elapsed(phase_since_, now_ms, kTimeoutBrmMs)) {
          Fail(GbtTimeout::kBrm, gbt::cem::kBrm, now_ms);
        }
      } else if (Elapsed(brm_at_, now_ms, kTimeoutBcpMs)) {
        Fail(GbtTimeout::kBcp, gbt::cem::kBcp, now_ms);
      }
      break;
    case GbtPhase::kParameters:
      if ((bro_at_ == kNever && Elapsed(phase_since_, now_ms, kTimeoutBroMs)) ||
          Elapsed(phase_since_, now_ms, kTimeoutBroReadyMs)) {
        Fail(GbtTimeout::kBro, gbt::cem::kBro, now_ms);
      }
      break;
    case GbtPhase::kReadiness:
      if (cro_ready_at_ == kNever) {
        if (Elapsed(phase_since_, now_ms, kTimeoutCroReadyMs)) {
          StopWith(StopCause::kChargerNotReady,
                   gbt::cst::kFaultStop | gbt::cst::kEnergyNotDeliverable, now_ms);
        }
      } else if (last_bcl_ == kNever && Elapsed(cro_ready_at_, now_ms, kTimeoutBclMs)) {
        Fail(GbtTimeout::kBcl, gbt::cem::kBcl, now_ms);
      } else if (last_bcs_ == kNever && Elapsed(cro_ready_at_, now_ms, kTimeoutBcsMs)) {
        Fail(GbtTimeout::kBcs, gbt::cem::kBcs, now_ms);
      } else if (last_bcl_ != kNever && last_bcs_ != kNever) {
        Enter(GbtPhase::kCharging, now_ms);
      }
      break;
    case GbtPhase::kCharging:
      if (Elapsed(last_bcl_, now_ms, kTimeoutBclMs)) {
        Fail(GbtTimeout::kBcl, gbt::cem::kBcl, now_ms);
      } else if (Elapsed(last_bcs_, now_ms, kTimeoutBcsMs)) {
        Fail(GbtTimeout::kBcs, gbt::cem::kBcs, now_ms);
      }
      break;
    case GbtPhase::kEnding:
      if (bst_at_ == kNever) {
        if (Elapsed(phase_since_, now_ms, kTimeoutBstMs)) {
          Fail(GbtTimeout::kBst, gbt::cem::kBst, now_ms);
        }
      } else if (!bsd_received_) {
        const uint64_t from = bst_at_ > phase_since_ ? bst_at_ : phase_since_;
        if (Elapsed(from, now_ms, kTimeoutBsdMs)) {
          Fail(GbtTimeout::kBsd, gbt::cem::kBsd, now_ms);
        }
      } else if (Elapsed(bsd_at_, now_ms, kCsdSendDurationMs)) {
        Enter(GbtPhase::kEnded, now_ms);
      }
      break;
    case GbtPhase::kFaulted:
      if (cem_flags_ == 0 || Elapsed(phase_since_, now_ms, kCemSendDurationMs)) {
        cem_done_ = true;
      }
      break;
    case GbtPhase::kIdle:
    case GbtPhase::kEnded:
      break;
  }
}

bool GbtSession::Due(Msg m, uint64_t now_ms) {
  const uint64_t last = last_sent_[Index(m)];
  return last == kNever || now_ms - last >= gbt::Spec(m).period_ms;
}

void GbtSession::Send(Msg m, const Result<gbt::Pdu>& pdu, uint64_t now_ms) {
  last_sent_[Index(m)] = now_ms;
  if (!pdu.ok()) {
    ++counters_.encode_errors;
    return;
  }
  if (!gbt::SendPdu(*pdu, gbt::Spec(m).priority, bus_, tp_, now_ms).ok()) {
    ++counters_.tx_errors;
  }
}

void GbtSession::SendDue(uint64_t now_ms) {
  const ChargerCapability& cap = config_.capability;
  switch (phase_) {
    case GbtPhase::kHandshake:
    case GbtPhase::kInsulation:
      if (Due(Msg::kChm, now_ms)) {
        Send(Msg::kChm, gbt::EncodeChm(gbt::Chm{}), now_ms);
      }
      break;
    case GbtPhase::kRecognition:
      if (Due(Msg::kCrm, now_ms)) {
        gbt::Crm crm;
        crm.recognized = brm_at_ != kNever;
        crm.charger_number = config_.charger_number;
        for (size_t i = 0; i < sizeof(crm.region); ++i) {
          crm.region[i] = config_.region[i];
        }
        Send(Msg::kCrm, gbt::EncodeCrm(crm), now_ms);
      }
      break;
    case GbtPhase::kParameters:
      if (Due(Msg::kCts, now_ms)) {
        Send(Msg::kCts, gbt::EncodeCts(gbt::Cts{}), now_ms);  // no wall time: "not available"
      }
      if (Due(Msg::kCml, now_ms)) {
        Send(Msg::kCml,
             gbt::EncodeCml(gbt::Cml{cap.max_voltage_v, cap.min_voltage_v, cap.max_current_a,
                                     cap.min_current_a}),
             now_ms);
      }
      break;
    case GbtPhase::kReadiness:
      // CRO(0xAA) goes out as soon as the output is ready, then at its period.
      if (Due(Msg::kCro, now_ms) || (output_ready_ && cro_ready_at_ == kNever)) {
        if (output_ready_ && cro_ready_at_ == kNever) {
          cro_ready_at_ = now_ms;
        }
        Send(Msg::kCro, gbt::EncodeCro(gbt::Cro{output_ready_}), now_ms);
      }
      break;
    case GbtPhase::kCharging:
      if (Due(Msg::kCcs, now_ms)) {
        gbt::Ccs ccs;
        ccs.voltage_v = Clamp(output_.voltage_v, 0, gbt::kMaxVoltageV);
        ccs.current_a = Clamp(output_.current_a, 0, gbt::kMaxCurrentA);
        const uint64_t minutes = (now_ms - charging_since_) / kMsPerMinute;
        ccs.charging_minutes =
            static_cast<uint16_t>(minutes > gbt::kMaxMinutes ? gbt::kMaxMinutes : minutes);
        ccs.charging_permitted = true;
        Send(Msg::kCcs, gbt::EncodeCcs(ccs), now_ms);
      }
      break;
    case GbtPhase::kEnding:
      if (!bsd_received_) {
        if (Due(Msg::kCst, now_ms)) {
          Send(Msg::kCst, gbt::EncodeCst(gbt::Flags{cst_reasons_, 0}), now_ms);
        }
      } else if (Due(Msg::kCsd, now_ms)) {
        gbt::Csd csd;
        const uint64_t minutes =
            charging_since_ == kNever ? 0 : (phase_since_ - charging_since_) / kMsPerMinute;
        csd.charging_minutes =
            static_cast<uint16_t>(minutes > gbt::kMaxMinutes ? gbt::kMaxMinutes : minutes);
        csd.energy_kwh = Clamp(output_.energy_kwh, 0, gbt::kMaxEnergyKwh);
        csd.charger_number = config_.charger_number;
        Send(Msg::kCsd, gbt::EncodeCsd(csd), now_ms);
      }
      break;
    case GbtPhase::kFaulted:
      if (!cem_done_ && cem_flags_ != 0 && Due(Msg::kCem, now_ms)) {
        Send(Msg::kCem, gbt::EncodeCem(gbt::Flags{cem_flags_, 0}), now_ms);
      }
      break;
    case GbtPhase::kIdle:
    case GbtPhase::kEnded:
      break;
  }
}

// ---- outputs ----------------------------------------------------------------------------------

bool GbtSession::VehicleAlive(uint64_t now_ms) const {
  return Active() && last_valid_rx_ != kNever && now_ms >= last_valid_rx_ &&
         now_ms - last_valid_rx_ < kVehicleAliveTimeoutMs;
}

bool GbtSession::OutputPermitted(uint64_t now_ms) const {
  return phase_ == GbtPhase::kCharging && demand_.valid && bsm_.charging_permitted &&
         VehicleAlive(now_ms);
}

bool GbtSession::Finished() const {
  return phase_ == GbtPhase::kEnded || (phase_ == GbtPhase::kFaulted && cem_done_);
}

}  // namespace evc::vehicle
