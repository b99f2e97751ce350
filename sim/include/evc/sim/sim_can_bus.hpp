#pragma once
// An in-memory CAN bus for the simulator and the tests.
//
// One side is the firmware's controller: SimCanBus implements can::CanBus exactly as a port
// would (bounded TX queue, RX through a real can::RxRing, controller states, bus-off and
// recovery). The other side is any number (up to kMaxSimNodes) of hardware models attached as
// SimCanNode. Frames travel on a wire queue that Step(now) drains, so a reply arrives one step
// after its request, like on a real bus; every frame reaches every node except its sender.
//
// Fault injection: ForceBusOff() (the controller goes bus-off; its TX queue is cleared, it sends
// and receives nothing until recovered), SetRecoveryStuck() (recovery never completes: the bus
// is held dominant), InjectFromForeignNode() (any frame, e.g. garbage, as if a foreign node sent
// it). All queues are bounded; what does not fit is dropped and counted.

#include <cstddef>
#include <cstdint>

#include "evc/can/can_bus.hpp"
#include "evc/can/rx_ring.hpp"

namespace evc::sim {

constexpr size_t kMaxSimNodes = 4;
// Frames waiting for the wire (controller TX queue and model transmissions share it).
constexpr size_t kSimWireQueueCapacity = 64;
// The controller's RX ring, as the port's ISR would fill it.
constexpr size_t kSimControllerRxCapacity = 64;
// Frames the wire carries per Step(); at 125 kbit/s a 29-bit frame with 8 bytes is about
// 130 bits, so roughly 10 frames fit in a 10 ms control tick. Kept above that so the simulator
// does not add latency of its own.
constexpr size_t kSimFramesPerStep = 32;
// Time for the controller to finish a bus-off recovery: 128 x 11 recessive bits at 125 kbit/s
// is 11.3 ms.
constexpr uint32_t kSimRecoveryMs = 12;

// A hardware model on the bus.
class SimCanNode {
 public:
  virtual ~SimCanNode() = default;
  virtual void OnBusFrame(const can::Frame& frame, uint64_t now_ms) = 0;
};

struct SimBusStats {
  uint32_t delivered = 0;      // frames taken off the wire
  uint32_t wire_drops = 0;     // model / injected frames dropped because the wire queue was full
  uint32_t bus_off_drops = 0;  // frames the controller missed while bus-off / not running
  uint32_t recoveries = 0;     // recoveries completed
};

class SimCanBus final : public can::CanBus {
 public:
  SimCanBus() = default;

  // ---- can::CanBus (the firmware's controller) ----
  Status Send(const can::Frame& frame) override;
  bool Receive(can::Frame* out) override;
  can::BusState State() const override { return state_; }
  Status StartRecovery() override;
  Status Restart() override;
  can::BusCounters Counters() const override;

  // ---- models ----
  // kResourceExhausted when kMaxSimNodes are attached; kInvalidArgument for null.
  Status Attach(SimCanNode* node);
  // A model puts a frame on the wire. False (and counted) when the wire queue is full.
  bool Transmit(SimCanNode* sender, const can::Frame& frame);

  // Moves up to kSimFramesPerStep frames across the wire and advances recovery.
  void Step(uint64_t now_ms);

  // ---- fault injection ----
  void ForceBusOff();
  void SetRecoveryStuck(bool stuck) { recovery_stuck_ = stuck; }
  // Puts any frame on the wire as if a foreign node sent it (delivered to every node).
  bool InjectFromForeignNode(const can::Frame& frame);

  const SimBusStats& stats() const { return stats_; }
  size_t wire_queue_size() const { return wire_count_; }

 private:
  struct WireFrame {
    can::Frame frame;
    SimCanNode* sender = nullptr;  // the model that sent it; nullptr: controller or foreign
    bool from_controller = false;
  };
  bool Enqueue(const can::Frame& frame, SimCanNode* sender, bool from_controller);
  void DropControllerFrames();

  can::BusState state_ = can::BusState::kErrorActive;
  bool recovery_stuck_ = false;
  uint64_t now_ms_ = 0;
  uint64_t recovery_done_ms_ = 0;
  bool recovery_started_ = false;

  SimCanNode* nodes_[kMaxSimNodes] = {};
  size_t node_count_ = 0;

  WireFrame wire_[kSimWireQueueCapacity];
  size_t wire_head_ = 0;  // oldest
  size_t wire_count_ = 0;

  can::RxRing<kSimControllerRxCapacity> rx_;
  can::BusCounters counters_;
  SimBusStats stats_;
};

}  // namespace evc::sim
