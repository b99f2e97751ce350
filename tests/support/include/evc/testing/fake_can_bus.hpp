#pragma once
// A scriptable can::CanBus for unit tests: records sent frames, queues frames to receive, and
// lets the test drive the controller state (bus-off, recovery outcome, TX queue full).

#include <deque>
#include <vector>

#include "evc/can/can_bus.hpp"

namespace evc::testing {

class FakeCanBus final : public can::CanBus {
 public:
  Status Send(const can::Frame& frame) override {
    if (!frame.Valid()) {
      ++counters.tx_errors;
      return Errc::kInvalidArgument;
    }
    if (!can::CanTransmit(state)) {
      ++counters.tx_errors;
      return Errc::kUnavailable;
    }
    if (tx_full) {
      ++counters.tx_errors;
      return Errc::kResourceExhausted;
    }
    ++counters.tx_frames;
    sent.push_back(frame);
    return OkStatus();
  }
  bool Receive(can::Frame* out) override {
    if (rx.empty()) {
      return false;
    }
    *out = rx.front();
    rx.pop_front();
    return true;
  }
  can::BusState State() const override { return state; }
  Status StartRecovery() override {
    ++recoveries_started;
    if (state != can::BusState::kBusOff) {
      return Errc::kFailedPrecondition;
    }
    if (recovery_refused) {
      return Errc::kUnavailable;
    }
    state = can::BusState::kRecovering;
    return OkStatus();
  }
  Status Restart() override {
    ++restarts;
    if (can::CanTransmit(state)) {
      return OkStatus();
    }
    if (state != can::BusState::kStopped) {
      return Errc::kFailedPrecondition;
    }
    if (restart_refused) {
      return Errc::kUnavailable;
    }
    state = can::BusState::kErrorActive;
    return OkStatus();
  }
  can::BusCounters Counters() const override { return counters; }

  // Test controls.
  void GoBusOff() {
    state = can::BusState::kBusOff;
    ++counters.bus_off_count;
  }
  // The controller finishes its 128 x 11 recessive bits: kRecovering -> kStopped.
  void FinishRecovery() {
    if (state == can::BusState::kRecovering) {
      state = can::BusState::kStopped;
    }
  }
  void Inject(const can::Frame& f) {
    rx.push_back(f);
    ++counters.rx_frames;
  }

  can::BusState state = can::BusState::kErrorActive;
  bool tx_full = false;
  bool recovery_refused = false;
  bool restart_refused = false;
  int recoveries_started = 0;
  int restarts = 0;
  std::vector<can::Frame> sent;
  std::deque<can::Frame> rx;
  can::BusCounters counters;
};

}  // namespace evc::testing
