#pragma once
// The CAN seam: the only way the core touches a CAN controller.
//
// The port implements CanBus over its controller (TWAI on the ESP32, SocketCAN or the simulated
// bus on Linux). The core is single-threaded (DESIGN.md rule 2): it calls every method from the
// control loop. The port's receive ISR / callback pushes frames into a can::RxRing (rx_ring.hpp)
// and Receive() pops from it; nothing here blocks.
//
// How each method maps onto ESP-IDF (checked against esp-idf v5.x headers):
//
//   method          legacy driver (driver/twai.h)            node API (esp_driver_twai)
//   --------------  ---------------------------------------  ------------------------------------
//   Send            twai_transmit(&msg, 0)  (0 ticks: never  twai_node_transmit(node, &f, 0)
//                   waits; ESP_ERR_TIMEOUT / ESP_FAIL on a
//                   full TX queue -> kResourceExhausted;
//                   ESP_ERR_INVALID_STATE -> kUnavailable)
//   Receive         pops the app's RxRing; on legacy the     pops the RxRing filled by the
//                   port drains twai_receive(&msg, 0) into   on_rx_done callback via
//                   the ring from its CAN task               twai_node_receive_from_isr
//   State           twai_get_status_info().state plus the    on_state_change callback /
//                   TWAI_ALERT_ABOVE_ERR_WARN / ERR_PASS     twai_node_get_info (error-active,
//                   alerts (RUNNING is refined to active /   warning, passive, bus-off)
//                   warning / passive with the TEC/REC)
//   StartRecovery   twai_initiate_recovery(): only legal in  twai_node_recover(node)
//                   bus-off; clears the TX queue; the
//                   controller then waits 128 x 11 recessive
//                   bits (kRecovering) and ends in STOPPED
//                   (TWAI_ALERT_BUS_RECOVERED)
//   Restart         twai_start(): STOPPED -> RUNNING. The    recovery ends with the node running
//                   driver does not restart by itself after  again (error-active); Restart() is
//                   a recovery.                              twai_node_enable if the node was
//                                                            disabled, else a no-op returning Ok
//   Counters        RxRing counters + twai_status_info_t     RxRing counters + twai_node_record_t
//                   (tx_failed_count, bus_error_count) and   (bus_err_num) and the state callback
//                   counted TWAI_ALERT_BUS_OFF
//
// The bus-off policy (when to recover, back-off, giving up) is not in the port: see
// can::BusGuard (bus_guard.hpp), which calls StartRecovery() and Restart().

#include <cstddef>
#include <cstdint>

#include "evc/can/frame.hpp"
#include "evc/common/status.hpp"

namespace evc::can {

// Controller state, in CAN's fault-confinement terms plus the driver's own states.
enum class BusState : uint8_t {
  kErrorActive,   // normal operation (TEC and REC < 96)
  kErrorWarning,  // an error counter reached the warning limit (96); still sending
  kErrorPassive,  // an error counter >= 128; still sending, passive error flags only
  kBusOff,        // TEC >= 256: the controller takes no part in bus traffic
  kStopped,       // not started, or recovery finished and Restart() is due
  kRecovering,    // StartRecovery() issued; waiting for 128 x 11 recessive bits
};
const char* BusStateName(BusState state);

// True for the states in which Send() may put a frame on the wire.
constexpr bool CanTransmit(BusState s) {
  return s == BusState::kErrorActive || s == BusState::kErrorWarning ||
         s == BusState::kErrorPassive;
}

// Monotonic counters since construction (they wrap at 2^32; readers take differences).
struct BusCounters {
  uint32_t rx_frames = 0;      // frames placed in the RX ring by the ISR
  uint32_t rx_overflow = 0;    // frames dropped because the RX ring was full
  uint32_t tx_frames = 0;      // frames accepted by Send()
  uint32_t tx_errors = 0;      // Send() refusals (queue full, bus-off) + failed transmissions
  uint32_t bus_off_count = 0;  // entries into kBusOff
  uint32_t error_frames = 0;   // bus errors seen by the controller (TWAI bus error alert/count)
};

class CanBus {
 public:
  virtual ~CanBus() = default;

  // Queues one frame for transmission; never waits.
  //   kInvalidArgument   frame.Valid() is false (bad id range or dlc)
  //   kResourceExhausted the TX queue is full (the frame is dropped and counted in tx_errors)
  //   kUnavailable       the controller is bus-off, recovering or stopped
  virtual Status Send(const Frame& frame) = 0;

  // Pops the oldest received frame into *out. False when nothing is waiting.
  virtual bool Receive(Frame* out) = 0;

  virtual BusState State() const = 0;

  // Starts bus-off recovery. kFailedPrecondition unless State() == kBusOff. The recovery is not
  // immediate: State() goes kRecovering and later kStopped.
  virtual Status StartRecovery() = 0;

  // Starts the controller after a finished recovery (or the first time): kStopped -> running.
  // Ok and nothing done when it is already running; kFailedPrecondition while kBusOff or
  // kRecovering (recovery must finish first); kUnavailable if the controller refuses to start.
  virtual Status Restart() = 0;

  virtual BusCounters Counters() const = 0;
};

// ---- Logical channels -----------------------------------------------------------------------
// The power module and the vehicle are two logical channels. They may share one physical bus
// (one TWAI controller) or use two; either way frames are received once, by a can::Dispatcher
// (dispatcher.hpp) that routes each frame by identifier to the channel's FrameHandler. Drivers
// therefore never call Receive() themselves; they send through the CanBus of their channel.

enum class Channel : uint8_t { kPowerModule = 0, kVehicle = 1 };
constexpr size_t kChannelCount = 2;
const char* ChannelName(Channel channel);

// Matches a frame when (id & mask) == (match & mask) and the id format agrees.
struct IdFilter {
  uint32_t match = 0;
  uint32_t mask = 0;  // 0 matches every id of the given format
  bool extended = true;

  constexpr bool Matches(const Frame& f) const {
    return f.extended == extended && !f.remote && ((f.id ^ match) & mask) == 0;
  }
};

// Receives the frames of one channel, on the control loop, with the monotonic time they were
// taken out of the RX ring.
class FrameHandler {
 public:
  virtual ~FrameHandler() = default;
  virtual void OnFrame(const Frame& frame, uint64_t now_ms) = 0;
};

}  // namespace evc::can
