#pragma once
// Fakes of the power hardware and the system reboot seam for unit tests.

#include "evc/charging/hardware.hpp"

namespace evc::testing {

class FakeHardware final : public charging::ChargerHardware {
 public:
  bool CablePlugged() const override { return plugged; }
  bool EvRequestsEnergy() const override { return ev_requests; }
  void SetOutputEnabled(bool enabled) override {
    output = enabled;
    ++output_changes;
  }
  charging::Telemetry ReadTelemetry() const override {
    charging::Telemetry t = telemetry;
    if (!output) {
      t.current_a = 0;
    }
    return t;
  }
  bool UnlockConnector() override {
    ++unlocks;
    return unlock_ok;
  }

  bool plugged = false;
  bool ev_requests = true;
  bool output = false;
  bool unlock_ok = true;
  int output_changes = 0;
  int unlocks = 0;
  charging::Telemetry telemetry{true, 60.0f, 20.0f, 25.0f, 30.0f, 50.0f};
};

class FakeSystem final : public charging::SystemControl {
 public:
  void Reboot(bool hard) override {
    ++reboots;
    last_hard = hard;
  }
  int reboots = 0;
  bool last_hard = false;
};

}  // namespace evc::testing
