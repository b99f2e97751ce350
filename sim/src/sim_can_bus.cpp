#include "evc/sim/sim_can_bus.hpp"

namespace evc::sim {

Status SimCanBus::Send(const can::Frame& frame) {
  if (!frame.Valid()) {
    ++counters_.tx_errors;
    return Errc::kInvalidArgument;
  }
  if (!can::CanTransmit(state_)) {
    ++counters_.tx_errors;
    return Errc::kUnavailable;
  }
  if (!Enqueue(frame, nullptr, true)) {
    ++counters_.tx_errors;
    return Errc::kResourceExhausted;
  }
  ++counters_.tx_frames;
  return OkStatus();
}

bool SimCanBus::Receive(can::Frame* out) {
  return rx_.Pop(out);
}

Status SimCanBus::StartRecovery() {
  if (state_ != can::BusState::kBusOff) {
    return Errc::kFailedPrecondition;
  }
  state_ = can::BusState::kRecovering;
  recovery_started_ = true;
  recovery_done_ms_ = now_ms_ + kSimRecoveryMs;
  return OkStatus();
}

Status SimCanBus::Restart() {
  if (can::CanTransmit(state_)) {
    return OkStatus();
  }
  if (state_ != can::BusState::kStopped) {
    return Errc::kFailedPrecondition;
  }
  state_ = can::BusState::kErrorActive;
  return OkStatus();
}

can::BusCounters SimCanBus::Counters() const {
  can::BusCounters c = counters_;
  c.rx_frames = rx_.pushed();
  c.rx_overflow = rx_.overflow();
  return c;
}

Status SimCanBus::Attach(SimCanNode* node) {
  if (node == nullptr) {
    return Errc::kInvalidArgument;
  }
  if (node_count_ >= kMaxSimNodes) {
    return Errc::kResourceExhausted;
  }
  nodes_[node_count_++] = node;
  return OkStatus();
}

bool SimCanBus::Enqueue(const can::Frame& frame, SimCanNode* sender, bool from_controller) {
  if (wire_count_ >= kSimWireQueueCapacity) {
    return false;
  }
  WireFrame& w = wire_[(wire_head_ + wire_count_) % kSimWireQueueCapacity];
  w.frame = frame;
  w.sender = sender;
  w.from_controller = from_controller;
  ++wire_count_;
  return true;
}

bool SimCanBus::Transmit(SimCanNode* sender, const can::Frame& frame) {
  if (!frame.Valid() || !Enqueue(frame, sender, false)) {
    ++stats_.wire_drops;
    return false;
  }
  return true;
}

bool SimCanBus::InjectFromForeignNode(const can::Frame& frame) {
  return Transmit(nullptr, frame);
}

// A controller going bus-off loses what it had queued (twai_initiate_recovery also clears the
// TX queue); the models' frames stay on the wire.
void SimCanBus::DropControllerFrames() {
  WireFrame kept[kSimWireQueueCapacity];
  size_t n = 0;
  for (size_t i = 0; i < wire_count_; ++i) {
    const WireFrame& w = wire_[(wire_head_ + i) % kSimWireQueueCapacity];
    if (!w.from_controller) {
      kept[n++] = w;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    wire_[i] = kept[i];
  }
  wire_head_ = 0;
  wire_count_ = n;
}

void SimCanBus::ForceBusOff() {
  if (state_ == can::BusState::kBusOff) {
    return;
  }
  state_ = can::BusState::kBusOff;
  recovery_started_ = false;
  ++counters_.bus_off_count;
  ++counters_.error_frames;  // the error frames that drove the TEC past 255
  DropControllerFrames();
}

void SimCanBus::Step(uint64_t now_ms) {
  now_ms_ = now_ms;
  if (state_ == can::BusState::kRecovering && recovery_started_ && !recovery_stuck_ &&
      now_ms >= recovery_done_ms_) {
    state_ = can::BusState::kStopped;  // like the legacy TWAI driver: restart is the caller's
    recovery_started_ = false;
    ++stats_.recoveries;
  }
  // Only the frames already on the wire now: replies produced during delivery go next step.
  size_t budget = wire_count_ < kSimFramesPerStep ? wire_count_ : kSimFramesPerStep;
  while (budget-- > 0 && wire_count_ > 0) {
    const WireFrame w = wire_[wire_head_];
    wire_head_ = (wire_head_ + 1) % kSimWireQueueCapacity;
    --wire_count_;
    ++stats_.delivered;
    if (!w.from_controller) {
      if (can::CanTransmit(state_)) {
        rx_.Push(w.frame);  // a full ring counts the overflow itself
      } else {
        ++stats_.bus_off_drops;
      }
    }
    for (size_t i = 0; i < node_count_; ++i) {
      if (nodes_[i] != w.sender) {  // never back to the model that sent it
        nodes_[i]->OnBusFrame(w.frame, now_ms);
      }
    }
  }
}

}  // namespace evc::sim
