#pragma once
// Routes received CAN frames to the logical channels' handlers by identifier filter.
//
// One Dispatcher per physical bus: with one shared controller both channels' routes go into the
// same Dispatcher; with two controllers each gets its own. The route table has a fixed capacity
// (no heap). The first matching route wins, in the order routes were added; frames no route
// matches are counted and dropped (a foreign node on a shared bus is not an error of ours, but
// it is visible in the counters).

#include <cstddef>
#include <cstdint>

#include "evc/can/can_bus.hpp"
#include "evc/common/status.hpp"

namespace evc::can {

constexpr size_t kMaxRoutes = 8;
// Frames taken from the bus per Pump() call, so one noisy bus cannot starve the control tick.
constexpr size_t kMaxFramesPerPump = 64;

struct DispatchCounters {
  uint32_t routed = 0;     // frames handed to a handler
  uint32_t unmatched = 0;  // frames no route matched
  uint32_t invalid = 0;    // frames failing Frame::Valid() (a broken port), dropped
};

class Dispatcher {
 public:
  explicit Dispatcher(CanBus& bus) : bus_(bus) {}

  // Adds a route for one channel. kInvalidArgument for a null handler, kResourceExhausted when
  // the table is full.
  Status AddRoute(Channel channel, const IdFilter& filter, FrameHandler* handler);

  // Drains up to max_frames from the bus (capped at kMaxFramesPerPump) and routes them.
  // Returns the number of frames taken from the bus.
  size_t Pump(uint64_t now_ms, size_t max_frames = kMaxFramesPerPump);

  // Routes one frame as if received (used by Pump; also handy for a port that receives elsewhere).
  void Dispatch(const Frame& frame, uint64_t now_ms);

  CanBus& bus() { return bus_; }
  const DispatchCounters& counters() const { return counters_; }
  // Frames routed to one channel.
  uint32_t routed(Channel channel) const { return routed_per_channel_[Index(channel)]; }
  size_t route_count() const { return route_count_; }

 private:
  // A route's filter folded into one masked compare of a frame key (Key()): the id in bits
  // 0..28, the format in bit 31. A filter whose match bits above 28 can never equal a valid id
  // gets bit 30 in `key` (a frame key never has it), so it matches nothing, as
  // IdFilter::Matches. Remote frames match no filter and never reach the compare.
  static constexpr uint32_t kKeyExtended = 1u << 31;
  static constexpr uint32_t kKeyNever = 1u << 30;
  struct Route {
    Channel channel = Channel::kPowerModule;
    uint32_t key = 0;
    uint32_t key_mask = 0;
    FrameHandler* handler = nullptr;
  };
  static uint32_t Key(const Frame& f) { return f.id | (f.extended ? kKeyExtended : 0); }
  static size_t Index(Channel c) { return static_cast<size_t>(c); }

  CanBus& bus_;
  Route routes_[kMaxRoutes];
  size_t route_count_ = 0;
  DispatchCounters counters_;
  uint32_t routed_per_channel_[kChannelCount] = {};
};

}  // namespace evc::can
