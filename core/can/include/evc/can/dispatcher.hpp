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
  struct Route {
    Channel channel = Channel::kPowerModule;
    IdFilter filter;
    FrameHandler* handler = nullptr;
  };
  static size_t Index(Channel c) { return static_cast<size_t>(c); }

  CanBus& bus_;
  Route routes_[kMaxRoutes];
  size_t route_count_ = 0;
  DispatchCounters counters_;
  uint32_t routed_per_channel_[kChannelCount] = {};
};

}  // namespace evc::can
