#pragma once
// J1939 identifiers and the J1939-21 transport protocol (TP), as GB/T 27930 uses them.
//
// GB/T 27930 sends its messages longer than 8 bytes (BRM 49 B, BCP 13 B, BCS 9 B, BMV/BMT/BSP)
// with the connection-mode transport: the BMS sends TP.CM_RTS, the charger answers TP.CM_CTS,
// the BMS sends TP.DT packets, the charger closes with TP.CM_EndOfMsgAck. BAM (broadcast
// announce) is accepted as well, since some BMSs use it. One Transport serves one node: it
// reassembles what peers send to it and sends its own multi-packet messages.
//
// Frame formats (J1939-21; bytes numbered from 0):
//   TP.CM  PGN 0xEC00, 8 bytes: [0] control byte, [5..7] PGN of the carried message (LE)
//     RTS   0x10: [1..2] total size, [3] packet count, [4] max packets per CTS (0xFF: no limit)
//     CTS   0x11: [1] packets that may be sent, [2] next packet number, [3..4] 0xFF
//     EOMA  0x13: [1..2] total size, [3] packet count, [4] 0xFF
//     BAM   0x20: [1..2] total size, [3] packet count, [4] 0xFF        (destination 0xFF)
//     Abort 0xFF: [1] reason, [2..4] 0xFF
//   TP.DT  PGN 0xEB00, 8 bytes: [0] sequence number 1..255, [1..7] data (last packet padded 0xFF)
//
// Memory is fixed: one connection-mode receive session, one BAM receive session and one send
// session, each with a kMaxTpMessageSize buffer. Every rejected frame is counted (TpCounters).
// Timers T1..T4 are in timing.hpp.

#include <cstddef>
#include <cstdint>

#include "evc/can/can_bus.hpp"
#include "evc/can/frame.hpp"
#include "evc/common/status.hpp"

namespace evc::vehicle::j1939 {

constexpr uint32_t kPgnTpCm = 0xEC00;  // 60416
constexpr uint32_t kPgnTpDt = 0xEB00;  // 60160
constexpr uint8_t kTpPriority = 7;     // default priority of TP.CM / TP.DT
constexpr uint8_t kGlobalAddress = 0xFF;

constexpr uint8_t kCmRts = 0x10;
constexpr uint8_t kCmCts = 0x11;
constexpr uint8_t kCmEndOfMsgAck = 0x13;
constexpr uint8_t kCmBam = 0x20;
constexpr uint8_t kCmAbort = 0xFF;

constexpr uint8_t kTpBytesPerPacket = 7;
constexpr uint16_t kTpMinMessageSize = 9;     // shorter messages fit one frame
constexpr uint16_t kTpMaxMessageSize = 1785;  // 255 packets x 7 bytes (J1939-21)
// Our reassembly / send buffer. The GB/T messages the charger decodes are at most 49 bytes (BRM);
// BMV cell voltages of a LEV pack (<= 32 cells x 2 B) fit too. Larger messages are refused with
// an Abort (reason kResources) and counted.
constexpr uint16_t kMaxTpMessageSize = 256;
constexpr uint8_t kNoPacketLimit = 0xFF;  // RTS byte 4: no limit of packets per CTS

// Connection abort reasons (J1939-21; numbering as in the Linux kernel's j1939 transport).
enum class AbortReason : uint8_t {
  kBusy = 1,               // already in a connection with that node
  kResources = 2,          // no resources (e.g. the message is larger than our buffer)
  kTimeout = 3,            // a T1..T4 timer expired
  kCtsWhileSending = 4,    // CTS received while data transfer is in progress
  kRetransmitLimit = 5,    // maximum retransmit request limit reached
  kUnexpectedData = 6,     // unexpected TP.DT packet
  kBadSequence = 7,        // bad sequence number
  kDuplicateSequence = 8,  // duplicate sequence number
  kTooLarge = 9,           // total message size > 1785 bytes
};

// ---- Identifiers --------------------------------------------------------------------------
// A 29-bit J1939 id: priority(3) | EDP(1) | DP(1) | PF(8) | PS(8) | SA(8). For PDU1 formats
// (PF < 240: every GB/T 27930 PGN and TP) PS is the destination address and the PGN's low byte
// is 0; for PDU2 (PF >= 240) PS is part of the PGN and the destination is global.
struct Id {
  uint8_t priority = 0;
  uint32_t pgn = 0;
  uint8_t source = 0;
  uint8_t destination = 0;
};
// Builds the 29-bit id. The caller passes a valid priority (0..7) and an 18-bit PGN.
uint32_t MakeId(uint8_t priority, uint32_t pgn, uint8_t source, uint8_t destination);
constexpr uint32_t kPduFormatLimit = 240;  // PF below: PDU1 (destination-specific)
// Parses an extended data frame's id. False for standard or remote frames, for the reserved EDP
// bit set, or for a PDU1 PGN with a non-zero low byte (impossible by construction). Inline: every
// received frame goes through it.
inline bool ParseId(const can::Frame& frame, Id* out) {
  if (!frame.extended || frame.remote || !frame.Valid()) {
    return false;
  }
  const uint32_t id = frame.id;
  if ((id >> 25) & 0x1) {  // EDP: reserved in J1939, always 0
    return false;
  }
  const uint32_t dp = (id >> 24) & 0x1;
  const uint32_t pf = (id >> 16) & 0xFF;
  const uint32_t ps = (id >> 8) & 0xFF;
  out->priority = static_cast<uint8_t>((id >> 26) & 0x7);
  out->source = static_cast<uint8_t>(id & 0xFF);
  if (pf < kPduFormatLimit) {
    out->pgn = (dp << 16) | (pf << 8);
    out->destination = static_cast<uint8_t>(ps);
  } else {
    out->pgn = (dp << 16) | (pf << 8) | ps;
    out->destination = kGlobalAddress;
  }
  return true;
}
// A frame with a J1939 id and data (dlc = len, at most 8).
can::Frame MakeFrame(uint8_t priority, uint32_t pgn, uint8_t source, uint8_t destination,
                     const uint8_t* data, uint8_t len);

// ---- Transport ------------------------------------------------------------------------------
struct TpMessage {
  uint32_t pgn = 0;
  uint8_t source = 0;
  uint8_t destination = 0;  // our address, or kGlobalAddress for BAM
  uint16_t size = 0;
  uint8_t data[kMaxTpMessageSize] = {};
};

// Monotonic counters (wrap at 2^32). Every frame the transport rejects lands in one of them.
struct TpCounters {
  uint32_t messages_received = 0;   // complete messages reassembled
  uint32_t messages_sent = 0;       // complete messages acknowledged (or fully broadcast)
  uint32_t bad_sequence = 0;        // TP.DT with a sequence number ahead of the expected one
  uint32_t duplicate_packets = 0;   // TP.DT repeating an already received packet
  uint32_t wrong_size = 0;          // TP.CM / TP.DT with a DLC too short for its content
  uint32_t unexpected_packets = 0;  // TP.DT / CTS / EOMA with no matching session
  uint32_t bad_control = 0;         // malformed TP.CM (unknown control byte, inconsistent counts)
  uint32_t too_large = 0;           // announced messages larger than kMaxTpMessageSize
  uint32_t aborts_received = 0;     // TP.CM_Abort from the peer that closed one of our sessions
  uint32_t aborts_sent = 0;
  uint32_t rx_timeouts = 0;        // receive sessions closed by T1 / T2
  uint32_t tx_timeouts = 0;        // send sessions closed by T3 / T4
  uint32_t busy_rejects = 0;       // RTS refused because another node holds our session
  uint32_t sessions_replaced = 0;  // a new RTS/BAM from the same node replaced an open session
  uint32_t not_for_us = 0;         // TP frames addressed to another node
  uint32_t tx_errors = 0;          // CanBus::Send refusals
};

enum class TpRx : uint8_t {
  kNotTransport,  // not a TP.CM / TP.DT frame: the caller handles it
  kConsumed,      // a TP frame, handled (or rejected and counted)
  kMessage,       // a TP frame that completed a message: see Transport::received()
};

class Transport {
 public:
  Transport(uint8_t own_address, can::CanBus& bus) : own_(own_address), bus_(bus) {}

  // Feeds one received frame. On kMessage, received() holds the message until the next call.
  TpRx OnFrame(const can::Frame& frame, uint64_t now_ms);
  // The same for a frame whose id the caller has parsed already (ParseId(frame, &id) was true),
  // so a caller that needs the id itself parses it once. A PGN other than TP.CM / TP.DT is
  // kNotTransport at once.
  TpRx OnFrame(const Id& id, const can::Frame& frame, uint64_t now_ms);
  const TpMessage& received() const { return received_; }

  // Runs the timers (T1..T4) and paces BAM sending. Call every control tick.
  void Poll(uint64_t now_ms);

  // Starts sending a multi-packet message: RTS/CTS to a node, BAM to kGlobalAddress.
  //   kInvalidArgument   size outside kTpMinMessageSize..kMaxTpMessageSize or data null
  //   kBusy              a send session is open (one at a time)
  //   other              the RTS / BAM frame could not be queued (bus error)
  Status Send(uint32_t pgn, uint8_t destination, const uint8_t* data, uint16_t size,
              uint64_t now_ms);
  bool sending() const { return tx_.state != TxState::kIdle; }
  bool receiving() const { return rx_.active || bam_.active; }

  // Drops every open session without sending anything (e.g. when a charging session restarts).
  void Reset();

  uint8_t own_address() const { return own_; }
  const TpCounters& counters() const { return counters_; }

 private:
  // A reassembly buffer holds whole packets, so every TP.DT copies its 7 bytes at once (the
  // bytes past the message size are never handed out).
  static constexpr size_t kRxBufferSize =
      (kMaxTpMessageSize + kTpBytesPerPacket - 1) / kTpBytesPerPacket * kTpBytesPerPacket;
  struct RxSession {
    bool active = false;
    uint8_t source = 0;
    uint32_t pgn = 0;
    uint16_t size = 0;
    uint8_t packets = 0;
    uint8_t next_seq = 1;
    uint8_t window_last = 0;  // last packet of the current CTS window (connection mode)
    uint8_t max_per_cts = kNoPacketLimit;
    uint64_t deadline_ms = 0;
    uint8_t data[kRxBufferSize] = {};
  };
  enum class TxState : uint8_t { kIdle, kWaitCts, kWaitEndOfMsgAck, kBam };
  struct TxSession {
    TxState state = TxState::kIdle;
    uint8_t destination = 0;
    uint32_t pgn = 0;
    uint16_t size = 0;
    uint8_t packets = 0;
    uint8_t next_seq = 1;      // BAM: next packet to send
    uint64_t deadline_ms = 0;  // T3/T4, or the BAM send time of the next packet
    uint8_t data[kMaxTpMessageSize] = {};
  };

  TpRx OnControl(const Id& id, const can::Frame& frame, uint64_t now_ms);
  TpRx OnData(const Id& id, const can::Frame& frame, uint64_t now_ms);
  void OnRts(const Id& id, const can::Frame& frame, uint64_t now_ms);
  void OnBam(const Id& id, const can::Frame& frame, uint64_t now_ms);
  void OnCts(const Id& id, const can::Frame& frame, uint64_t now_ms);
  void OnEndOfMsgAck(const Id& id, const can::Frame& frame);
  void OnAbort(const Id& id, const can::Frame& frame);
  TpRx AcceptPacket(RxSession& s, const can::Frame& frame, bool broadcast, uint64_t now_ms);
  void SendCts(const RxSession& s, uint64_t now_ms);
  void SendAbort(uint8_t destination, uint32_t pgn, AbortReason reason);
  void SendDataPacket(const TxSession& s, uint8_t seq, uint8_t destination);
  void SendCm(uint8_t destination, const uint8_t (&bytes)[8]);

  uint8_t own_;
  can::CanBus& bus_;
  RxSession rx_;   // connection mode (RTS/CTS), addressed to us
  RxSession bam_;  // broadcast
  TxSession tx_;
  TpMessage received_;
  TpCounters counters_;
};

}  // namespace evc::vehicle::j1939
