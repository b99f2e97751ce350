#include "evc/can/dispatcher.hpp"

namespace evc::can {

Status Dispatcher::AddRoute(Channel channel, const IdFilter& filter, FrameHandler* handler) {
  if (handler == nullptr || Index(channel) >= kChannelCount) {
    return Errc::kInvalidArgument;
  }
  if (route_count_ >= kMaxRoutes) {
    return Errc::kResourceExhausted;
  }
  const uint32_t fixed = filter.match & filter.mask;  // the id bits the filter insists on
  Route r;
  r.channel = channel;
  r.key = (fixed & kMaxExtendedId) | (filter.extended ? kKeyExtended : 0) |
          ((fixed & ~kMaxExtendedId) != 0 ? kKeyNever : 0);
  r.key_mask = (filter.mask & kMaxExtendedId) | kKeyExtended | kKeyNever;
  r.handler = handler;
  routes_[route_count_++] = r;
  return OkStatus();
}

void Dispatcher::Dispatch(const Frame& frame, uint64_t now_ms) {
  if (!frame.Valid()) {
    ++counters_.invalid;
    return;
  }
  if (!frame.remote) {                // a remote frame matches no filter
    const uint32_t key = Key(frame);  // a valid frame's id fits in bits 0..28
    for (size_t i = 0; i < route_count_; ++i) {
      const Route& r = routes_[i];
      if (((key ^ r.key) & r.key_mask) == 0) {  // IdFilter::Matches for a valid frame
        ++counters_.routed;
        ++routed_per_channel_[Index(r.channel)];
        r.handler->OnFrame(frame, now_ms);
        return;
      }
    }
  }
  ++counters_.unmatched;
}

size_t Dispatcher::Pump(uint64_t now_ms, size_t max_frames) {
  if (max_frames > kMaxFramesPerPump) {
    max_frames = kMaxFramesPerPump;
  }
  size_t taken = 0;
  Frame f;
  while (taken < max_frames && bus_.Receive(&f)) {
    ++taken;
    Dispatch(f, now_ms);
  }
  return taken;
}

}  // namespace evc::can
