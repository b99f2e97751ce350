#include "evc/sim/mem_transport.hpp"

#include <cstring>

namespace evc::sim {

MemLink::MemLink(const VirtualClock& clock, Rng& rng, const NetworkParams& params)
    : clock_(clock), rng_(rng), params_(params) {}

Status MemLink::Connect() {
  if (state_ != State::kClosed) {
    return Errc::kFailedPrecondition;
  }
  state_ = State::kConnecting;
  pending_close_ = ocpp::CloseReason::kNone;
  connect_ok_ = reachable_ && !black_hole_ && server_ != nullptr && server_->AcceptingConnections();
  connect_done_ms_ = clock_.now_ms() + (connect_ok_ ? kMemLinkConnectMs : kMemLinkConnectFailMs);
  return OkStatus();
}

void MemLink::Close() {
  if (state_ == State::kClosed) {
    return;
  }
  const bool was_open = state_ == State::kOpen;
  state_ = State::kClosed;
  ++generation_;
  pending_close_ = ocpp::CloseReason::kNone;
  if (was_open && server_ != nullptr) {
    server_->OnClientClosed(clock_.now_ms());
  }
  if (listener_ != nullptr) {
    listener_->OnTransportClosed(ocpp::CloseReason::kLocalClose);
  }
}

Status MemLink::Send(std::string_view text) {
  if (state_ != State::kOpen || pending_close_ != ocpp::CloseReason::kNone) {
    return Errc::kUnavailable;
  }
  if (text.size() > ocpp::kMaxFrameSize) {
    return Errc::kResourceExhausted;
  }
  if (!Push(to_csms_, text)) {
    ++counters_.overflows;
    Drop(ocpp::CloseReason::kProtocolError);
  }
  return OkStatus();
}

Status MemLink::SetAuthorizationKey(std::string_view key) {
  // Only its length matters here (the model does not check Basic Auth).
  return key.size() <= 40 ? OkStatus() : Status(Errc::kInvalidArgument);
}

uint32_t MemLink::Latency() {
  const uint32_t hi = params_.latency_max_ms > params_.latency_min_ms ? params_.latency_max_ms
                                                                      : params_.latency_min_ms;
  return rng_.Uniform(params_.latency_min_ms, hi);
}

bool MemLink::Push(Queue& q, std::string_view text) {
  if (q.count == kMemLinkQueueDepth) {
    return false;
  }
  Slot& s = q.slots[(q.head + q.count) % kMemLinkQueueDepth];
  uint64_t due = clock_.now_ms() + Latency();
  if (due < q.last_due_ms) {
    due = q.last_due_ms;  // one stream: no overtaking
  }
  q.last_due_ms = due;
  s.due_ms = due;
  s.generation = generation_;
  s.len = static_cast<uint32_t>(text.size());
  memcpy(s.text, text.data(), text.size());
  ++q.count;
  return true;
}

void MemLink::Drop(ocpp::CloseReason reason) {
  if (state_ == State::kClosed || pending_close_ != ocpp::CloseReason::kNone) {
    return;
  }
  ++counters_.network_drops;
  ++generation_;  // nothing in flight arrives any more
  pending_close_ = reason;
  if (state_ == State::kOpen && server_ != nullptr) {
    server_->OnClientClosed(clock_.now_ms());
  }
}

void MemLink::Poll() {
  const uint64_t now = clock_.now_ms();
  if (pending_close_ != ocpp::CloseReason::kNone) {
    const ocpp::CloseReason r = pending_close_;
    pending_close_ = ocpp::CloseReason::kNone;
    state_ = State::kClosed;
    if (listener_ != nullptr) {
      listener_->OnTransportClosed(r);
    }
    return;
  }
  if (state_ == State::kConnecting && now >= connect_done_ms_) {
    // The CSMS may have gone away while we were connecting.
    if (connect_ok_ && reachable_ && server_ != nullptr && server_->AcceptingConnections()) {
      state_ = State::kOpen;
      ++generation_;
      ++counters_.connects;
      server_->OnClientConnected(now);
      if (listener_ != nullptr) {
        listener_->OnTransportOpen();
      }
    } else {
      state_ = State::kClosed;
      ++counters_.connect_failures;
      if (listener_ != nullptr) {
        listener_->OnTransportClosed(ocpp::CloseReason::kConnectFailed);
      }
    }
    return;
  }
  if (state_ != State::kOpen) {
    return;
  }
  // A black hole is noticed by the WebSocket ping: no pong within half the interval after the
  // ping that went unanswered (the POSIX port's rule).
  if (black_hole_ && ping_interval_s_ > 0 &&
      now - black_hole_since_ms_ >= ping_interval_s_ * 1500ULL) {
    Drop(ocpp::CloseReason::kPingTimeout);
    return;
  }
  Queue& q = to_charger_;
  while (q.count > 0 && q.slots[q.head].due_ms <= now && state_ == State::kOpen &&
         pending_close_ == ocpp::CloseReason::kNone) {
    const Slot& s = q.slots[q.head];
    const bool current = s.generation == generation_;
    const std::string_view text(s.text, s.len);
    q.head = (q.head + 1) % kMemLinkQueueDepth;
    --q.count;
    if (!current) {
      continue;
    }
    ++counters_.to_charger;
    if (listener_ != nullptr) {
      listener_->OnTransportMessage(text);  // the slot stays intact during the call
    }
  }
}

void MemLink::Step(uint64_t now_ms) {
  Queue& q = to_csms_;
  while (q.count > 0 && q.slots[q.head].due_ms <= now_ms) {
    const Slot& s = q.slots[q.head];
    const bool current = s.generation == generation_ && state_ == State::kOpen &&
                         pending_close_ == ocpp::CloseReason::kNone;
    const std::string_view text(s.text, s.len);
    q.head = (q.head + 1) % kMemLinkQueueDepth;
    --q.count;
    if (!current) {
      continue;
    }
    if (black_hole_) {
      ++counters_.lost;
      continue;
    }
    if (params_.loss_per_million > 0 && rng_.Uniform(0, 999999) < params_.loss_per_million) {
      ++counters_.lost;
      Drop(ocpp::CloseReason::kPingTimeout);
      continue;
    }
    ++counters_.to_csms;
    if (server_ != nullptr) {
      server_->OnClientMessage(text, now_ms);
    }
  }
}

bool MemLink::ServerSend(std::string_view text) {
  if (state_ != State::kOpen || pending_close_ != ocpp::CloseReason::kNone ||
      text.size() > ocpp::kMaxFrameSize) {
    return false;
  }
  if (black_hole_) {
    ++counters_.lost;
    return true;  // the CSMS thinks it sent it
  }
  if (!Push(to_charger_, text)) {
    ++counters_.overflows;
    Drop(ocpp::CloseReason::kProtocolError);
    return false;
  }
  return true;
}

void MemLink::ServerClose() {
  Drop(ocpp::CloseReason::kPeerClosed);
}

void MemLink::SetReachable(bool reachable) {
  reachable_ = reachable;
  if (!reachable) {
    Drop(ocpp::CloseReason::kPingTimeout);
  }
}

void MemLink::SetBlackHole(bool on) {
  if (on && !black_hole_) {
    black_hole_since_ms_ = clock_.now_ms();
  }
  black_hole_ = on;
}

void MemLink::ChargerPowerLost() {
  const bool was_open = state_ == State::kOpen && pending_close_ == ocpp::CloseReason::kNone;
  state_ = State::kClosed;
  pending_close_ = ocpp::CloseReason::kNone;
  ++generation_;
  to_csms_.count = 0;
  to_charger_.count = 0;
  if (was_open && server_ != nullptr) {
    server_->OnClientClosed(clock_.now_ms());
  }
}

}  // namespace evc::sim
