#pragma once
// An in-memory WebSocket for the deterministic simulation: the core's Transport seam on one side,
// an in-process CSMS model (CsmsEndpoint) on the other, with a network in between that has
// latency, can lose a frame (and with it the connection, as a reset TCP stream would), can be cut
// (unreachable: connects fail, an open connection drops) and can black-hole (the connection looks
// open but nothing arrives; only the WebSocket ping notices).
//
// Frames keep their order in each direction (TCP). Everything is bounded: each direction holds
// kMemLinkQueueDepth frames of up to ocpp::kMaxFrameSize bytes; a full queue drops the connection
// (counted). No heap after construction, so the core's heap accounting is not disturbed by
// frames it sends. Callbacks to the core only from Connect(), Close() and Poll(), per the seam's
// contract; the CSMS side is served from Step().

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "evc/common/rng.hpp"
#include "evc/ocpp/rpc.hpp"
#include "evc/ocpp/transport.hpp"
#include "evc/sim/virtual_clock.hpp"

namespace evc::sim {

constexpr size_t kMemLinkQueueDepth = 32;
// Time the TCP + WebSocket handshake takes on the simulated network.
constexpr uint32_t kMemLinkConnectMs = 40;
// A failed connect (unreachable host, CSMS down) is reported after this long.
constexpr uint32_t kMemLinkConnectFailMs = 1000;

struct NetworkParams {
  uint32_t latency_min_ms = 5;  // one-way, per frame
  uint32_t latency_max_ms = 60;
  uint32_t loss_per_million = 0;  // a lost frame resets the connection
};

// The CSMS side of the link.
class CsmsEndpoint {
 public:
  virtual ~CsmsEndpoint() = default;
  virtual bool AcceptingConnections() const = 0;
  virtual void OnClientConnected(uint64_t now_ms) = 0;
  virtual void OnClientMessage(std::string_view text, uint64_t now_ms) = 0;
  virtual void OnClientClosed(uint64_t now_ms) = 0;
};

struct MemLinkCounters {
  uint32_t connects = 0;          // successful opens
  uint32_t connect_failures = 0;  // refused / unreachable
  uint32_t to_csms = 0;           // frames delivered to the CSMS
  uint32_t to_charger = 0;        // frames delivered to the charger
  uint32_t lost = 0;              // frames lost in flight (loss or black hole)
  uint32_t overflows = 0;         // queue full: the connection was dropped
  uint32_t network_drops = 0;     // connections cut by the network or the CSMS
};

class MemLink final : public ocpp::Transport {
 public:
  MemLink(const VirtualClock& clock, Rng& rng, const NetworkParams& params = NetworkParams{});

  void AttachServer(CsmsEndpoint* server) { server_ = server; }

  // ---- ocpp::Transport (the charger's side) ----
  void SetListener(ocpp::TransportListener* listener) override { listener_ = listener; }
  Status Connect() override;
  void Close() override;
  bool IsOpen() const override { return state_ == State::kOpen; }
  Status Send(std::string_view text) override;
  void SetPingIntervalS(uint32_t seconds) override { ping_interval_s_ = seconds; }
  Status SetAuthorizationKey(std::string_view key) override;
  void Poll() override;

  // ---- the network and the CSMS side ----
  // Delivers the frames due at the CSMS. Call once per tick.
  void Step(uint64_t now_ms);
  // The CSMS sends a frame; false when there is no open connection or the queue is full.
  bool ServerSend(std::string_view text);
  // The CSMS closes the connection (the charger sees kPeerClosed).
  void ServerClose();
  // Network faults.
  void SetReachable(bool reachable);  // false: connects fail, an open connection drops
  void SetBlackHole(bool on);         // frames vanish; ping notices (kPingTimeout)
  // The charger lost power: its socket is gone without a word (the CSMS sees a close).
  void ChargerPowerLost();
  bool reachable() const { return reachable_; }
  bool black_hole() const { return black_hole_; }
  const MemLinkCounters& counters() const { return counters_; }
  // Frames in flight (both directions).
  size_t in_flight() const { return to_csms_.count + to_charger_.count; }

 private:
  enum class State : uint8_t { kClosed, kConnecting, kOpen };
  struct Slot {
    uint64_t due_ms;
    uint32_t generation;
    uint32_t len;
    char text[ocpp::kMaxFrameSize];
  };
  struct Queue {
    Slot slots[kMemLinkQueueDepth];
    size_t head = 0;
    size_t count = 0;
    uint64_t last_due_ms = 0;
  };
  bool Push(Queue& q, std::string_view text);
  uint32_t Latency();
  void Drop(ocpp::CloseReason reason);  // the network ends the connection; reported in Poll()

  const VirtualClock& clock_;
  Rng& rng_;
  NetworkParams params_;
  ocpp::TransportListener* listener_ = nullptr;
  CsmsEndpoint* server_ = nullptr;
  State state_ = State::kClosed;
  uint32_t generation_ = 0;  // frames of an older connection are discarded
  uint64_t connect_done_ms_ = 0;
  bool connect_ok_ = false;
  ocpp::CloseReason pending_close_ = ocpp::CloseReason::kNone;
  bool reachable_ = true;
  bool black_hole_ = false;
  uint64_t black_hole_since_ms_ = 0;
  uint32_t ping_interval_s_ = 0;
  Queue to_csms_;
  Queue to_charger_;
  MemLinkCounters counters_;
};

}  // namespace evc::sim
