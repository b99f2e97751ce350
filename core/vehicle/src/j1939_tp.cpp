#include "evc/vehicle/j1939_tp.hpp"

#include <cstring>

#include "evc/vehicle/timing.hpp"

namespace evc::vehicle::j1939 {
namespace {

constexpr uint32_t kPfTpCm = (kPgnTpCm >> 8) & 0xFF;
constexpr uint32_t kPfTpDt = (kPgnTpDt >> 8) & 0xFF;
constexpr uint8_t kCmLength = 8;
constexpr uint8_t kDtLength = 8;
constexpr uint8_t kPad = 0xFF;

uint16_t Le16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}
uint32_t Le24(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16);
}
void PutLe16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v & 0xFF);
  p[1] = static_cast<uint8_t>(v >> 8);
}
void PutLe24(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v & 0xFF);
  p[1] = static_cast<uint8_t>((v >> 8) & 0xFF);
  p[2] = static_cast<uint8_t>((v >> 16) & 0xFF);
}
uint8_t PacketCount(uint16_t size) {
  return static_cast<uint8_t>((size + kTpBytesPerPacket - 1) / kTpBytesPerPacket);
}
bool Expired(uint64_t now_ms, uint64_t deadline_ms) {
  return now_ms >= deadline_ms;
}

}  // namespace

uint32_t MakeId(uint8_t priority, uint32_t pgn, uint8_t source, uint8_t destination) {
  uint32_t pf = (pgn >> 8) & 0xFF;
  uint32_t id = (static_cast<uint32_t>(priority & 0x7) << 26) | ((pgn & 0x3FF00) << 8) |
                static_cast<uint32_t>(source);
  if (pf < kPduFormatLimit) {
    id |= static_cast<uint32_t>(destination) << 8;
  } else {
    id |= (pgn & 0xFF) << 8;
  }
  return id;
}

can::Frame MakeFrame(uint8_t priority, uint32_t pgn, uint8_t source, uint8_t destination,
                     const uint8_t* data, uint8_t len) {
  return can::Frame::Extended(MakeId(priority, pgn, source, destination), data, len);
}

// ---- receive ----------------------------------------------------------------------------------

TpRx Transport::OnFrame(const can::Frame& frame, uint64_t now_ms) {
  // Most frames are not TP: one look at the PDU format settles it before the id is parsed (a
  // TP PGN needs PF 0xEC or 0xEB; ParseId and the PGN compare below still decide for those).
  const uint32_t pf = (frame.id >> 16) & 0xFF;
  if (!frame.extended || (pf != kPfTpCm && pf != kPfTpDt)) {
    return TpRx::kNotTransport;
  }
  Id id;
  if (!ParseId(frame, &id)) {
    return TpRx::kNotTransport;
  }
  return OnFrame(id, frame, now_ms);
}

TpRx Transport::OnFrame(const Id& id, const can::Frame& frame, uint64_t now_ms) {
  if (id.pgn != kPgnTpCm && id.pgn != kPgnTpDt) {
    return TpRx::kNotTransport;
  }
  if (id.destination != own_ && id.destination != kGlobalAddress) {
    ++counters_.not_for_us;
    return TpRx::kConsumed;
  }
  if (id.pgn == kPgnTpCm) {
    return OnControl(id, frame, now_ms);
  }
  return OnData(id, frame, now_ms);
}

TpRx Transport::OnControl(const Id& id, const can::Frame& frame, uint64_t now_ms) {
  if (frame.dlc < kCmLength) {
    ++counters_.wrong_size;
    return TpRx::kConsumed;
  }
  const uint8_t control = frame.data[0];
  const bool broadcast = id.destination == kGlobalAddress;
  if (control == kCmBam && broadcast) {
    OnBam(id, frame, now_ms);
  } else if (broadcast) {
    // Only BAM may be broadcast; RTS/CTS/EOMA/Abort are always addressed.
    ++counters_.bad_control;
  } else if (control == kCmRts) {
    OnRts(id, frame, now_ms);
  } else if (control == kCmCts) {
    OnCts(id, frame, now_ms);
  } else if (control == kCmEndOfMsgAck) {
    OnEndOfMsgAck(id, frame);
  } else if (control == kCmAbort) {
    OnAbort(id, frame);
  } else {
    ++counters_.bad_control;
  }
  return TpRx::kConsumed;
}

void Transport::OnRts(const Id& id, const can::Frame& frame, uint64_t now_ms) {
  const uint16_t size = Le16(&frame.data[1]);
  const uint8_t packets = frame.data[3];
  const uint8_t max_per_cts = frame.data[4];
  const uint32_t pgn = Le24(&frame.data[5]);
  if (rx_.active && rx_.source != id.source) {
    // One connection at a time (GB/T has one peer); the other node is told we are busy.
    ++counters_.busy_rejects;
    SendAbort(id.source, pgn, AbortReason::kBusy);
    return;
  }
  if (size > kTpMaxMessageSize) {
    ++counters_.bad_control;
    SendAbort(id.source, pgn, AbortReason::kTooLarge);
    return;
  }
  if (size < kTpMinMessageSize || packets != PacketCount(size) || max_per_cts == 0) {
    ++counters_.bad_control;
    SendAbort(id.source, pgn, AbortReason::kResources);
    return;
  }
  if (size > kMaxTpMessageSize) {
    ++counters_.too_large;
    SendAbort(id.source, pgn, AbortReason::kResources);
    return;
  }
  if (rx_.active) {
    // The same node starts over (its own T3 expired, or it gave up): the newest message wins.
    ++counters_.sessions_replaced;
  }
  rx_.active = true;
  rx_.source = id.source;
  rx_.pgn = pgn;
  rx_.size = size;
  rx_.packets = packets;
  rx_.next_seq = 1;
  rx_.max_per_cts = max_per_cts;
  SendCts(rx_, now_ms);
}

void Transport::SendCts(const RxSession& s, uint64_t now_ms) {
  const uint8_t remaining = static_cast<uint8_t>(s.packets - s.next_seq + 1);
  const uint8_t window = s.max_per_cts < remaining ? s.max_per_cts : remaining;
  rx_.window_last = static_cast<uint8_t>(s.next_seq + window - 1);
  rx_.deadline_ms = now_ms + kTpT2Ms;
  uint8_t b[8] = {kCmCts, window, s.next_seq, kPad, kPad, 0, 0, 0};
  PutLe24(&b[5], s.pgn);
  SendCm(s.source, b);
}

void Transport::OnBam(const Id& id, const can::Frame& frame, uint64_t now_ms) {
  const uint16_t size = Le16(&frame.data[1]);
  const uint8_t packets = frame.data[3];
  const uint32_t pgn = Le24(&frame.data[5]);
  // No aborts on broadcasts (J1939-21): a bad announcement is counted and ignored.
  if (size < kTpMinMessageSize || size > kTpMaxMessageSize || packets != PacketCount(size)) {
    ++counters_.bad_control;
    return;
  }
  if (size > kMaxTpMessageSize) {
    ++counters_.too_large;
    return;
  }
  if (bam_.active && bam_.source != id.source) {
    ++counters_.busy_rejects;
    return;
  }
  if (bam_.active) {
    ++counters_.sessions_replaced;
  }
  bam_.active = true;
  bam_.source = id.source;
  bam_.pgn = pgn;
  bam_.size = size;
  bam_.packets = packets;
  bam_.next_seq = 1;
  bam_.window_last = packets;
  bam_.deadline_ms = now_ms + kTpT1Ms;
}

TpRx Transport::OnData(const Id& id, const can::Frame& frame, uint64_t now_ms) {
  const bool broadcast = id.destination == kGlobalAddress;
  RxSession& s = broadcast ? bam_ : rx_;
  if (!s.active || s.source != id.source) {
    ++counters_.unexpected_packets;
    return TpRx::kConsumed;
  }
  return AcceptPacket(s, frame, broadcast, now_ms);
}

TpRx Transport::AcceptPacket(RxSession& s, const can::Frame& frame, bool broadcast,
                             uint64_t now_ms) {
  if (frame.dlc < 1) {
    ++counters_.wrong_size;
    return TpRx::kConsumed;
  }
  const uint8_t seq = frame.data[0];
  if (seq != 0 && seq < s.next_seq) {
    // A repeat of a packet we already hold: harmless, ignored.
    ++counters_.duplicate_packets;
    return TpRx::kConsumed;
  }
  if (seq != s.next_seq || seq > s.window_last) {
    ++counters_.bad_sequence;
    if (!broadcast) {
      SendAbort(s.source, s.pgn, AbortReason::kBadSequence);
    }
    s.active = false;
    return TpRx::kConsumed;
  }
  const size_t offset = static_cast<size_t>(seq - 1) * kTpBytesPerPacket;
  const size_t left = s.size - offset;
  const size_t take = left < kTpBytesPerPacket ? left : kTpBytesPerPacket;
  // J1939-21 sends every TP.DT with 8 bytes; we accept a last packet cut after its data, but
  // never a packet missing data (it is dropped, counted, and the session then fails on sequence
  // or on T1).
  if (frame.dlc < 1 + take) {
    ++counters_.wrong_size;
    return TpRx::kConsumed;
  }
  // The whole packet: the session's buffer ends on a packet boundary, and a frame always has 8
  // data bytes (those past its DLC are never read as message bytes: only s.size bytes go out).
  static_assert(sizeof(frame.data) == 1 + kTpBytesPerPacket, "a TP.DT packet fills a frame");
  static_assert(sizeof(s.data) % kTpBytesPerPacket == 0, "whole packets");
  memcpy(&s.data[offset], &frame.data[1], kTpBytesPerPacket);
  s.next_seq = static_cast<uint8_t>(seq + 1);
  s.deadline_ms = now_ms + kTpT1Ms;
  if (seq == s.packets) {
    s.active = false;
    received_.pgn = s.pgn;
    received_.source = s.source;
    received_.destination = broadcast ? kGlobalAddress : own_;
    received_.size = s.size;
    memcpy(received_.data, s.data, s.size);
    ++counters_.messages_received;
    if (!broadcast) {
      uint8_t b[8] = {kCmEndOfMsgAck, 0, 0, s.packets, kPad, 0, 0, 0};
      PutLe16(&b[1], s.size);
      PutLe24(&b[5], s.pgn);
      SendCm(s.source, b);
    }
    return TpRx::kMessage;
  }
  if (!broadcast && seq == s.window_last) {
    SendCts(s, now_ms);
  }
  return TpRx::kConsumed;
}

void Transport::OnAbort(const Id& id, const can::Frame& frame) {
  const uint32_t pgn = Le24(&frame.data[5]);
  bool matched = false;
  if (rx_.active && rx_.source == id.source && rx_.pgn == pgn) {
    rx_.active = false;
    matched = true;
  }
  if (tx_.state != TxState::kIdle && tx_.state != TxState::kBam && tx_.destination == id.source &&
      tx_.pgn == pgn) {
    tx_.state = TxState::kIdle;
    matched = true;
  }
  if (matched) {
    ++counters_.aborts_received;
  } else {
    ++counters_.unexpected_packets;
  }
}

// ---- send -------------------------------------------------------------------------------------

Status Transport::Send(uint32_t pgn, uint8_t destination, const uint8_t* data, uint16_t size,
                       uint64_t now_ms) {
  if (data == nullptr || size < kTpMinMessageSize || size > kMaxTpMessageSize) {
    return Errc::kInvalidArgument;
  }
  if (tx_.state != TxState::kIdle) {
    return Errc::kBusy;
  }
  tx_.destination = destination;
  tx_.pgn = pgn;
  tx_.size = size;
  tx_.packets = PacketCount(size);
  tx_.next_seq = 1;
  memcpy(tx_.data, data, size);
  const bool broadcast = destination == kGlobalAddress;
  uint8_t b[8] = {broadcast ? kCmBam : kCmRts,       0, 0, tx_.packets,
                  broadcast ? kPad : kNoPacketLimit, 0, 0, 0};
  PutLe16(&b[1], size);
  PutLe24(&b[5], pgn);
  can::Frame f = MakeFrame(kTpPriority, kPgnTpCm, own_, destination, b, kCmLength);
  Status st = bus_.Send(f);
  if (!st.ok()) {
    ++counters_.tx_errors;
    return st;
  }
  if (broadcast) {
    tx_.state = TxState::kBam;
    tx_.deadline_ms = now_ms + kTpBamPacketGapMs;
  } else {
    tx_.state = TxState::kWaitCts;
    tx_.deadline_ms = now_ms + kTpT3Ms;
  }
  return OkStatus();
}

void Transport::OnCts(const Id& id, const can::Frame& frame, uint64_t now_ms) {
  const uint8_t count = frame.data[1];
  const uint8_t next = frame.data[2];
  const uint32_t pgn = Le24(&frame.data[5]);
  if ((tx_.state != TxState::kWaitCts && tx_.state != TxState::kWaitEndOfMsgAck) ||
      tx_.destination != id.source || tx_.pgn != pgn) {
    ++counters_.unexpected_packets;
    return;
  }
  if (count == 0) {
    // Hold: the receiver needs time; it must send another CTS within T4.
    tx_.state = TxState::kWaitCts;
    tx_.deadline_ms = now_ms + kTpT4Ms;
    return;
  }
  const unsigned last = static_cast<unsigned>(next) + count - 1;
  if (next == 0 || last > tx_.packets) {
    ++counters_.bad_control;
    SendAbort(tx_.destination, tx_.pgn, AbortReason::kBadSequence);
    tx_.state = TxState::kIdle;
    return;
  }
  // The window is sent at once: GB/T messages are a few packets and the receiver asked for them.
  for (unsigned seq = next; seq <= last; ++seq) {
    SendDataPacket(tx_, static_cast<uint8_t>(seq), tx_.destination);
  }
  tx_.state = TxState::kWaitEndOfMsgAck;  // or the next CTS, if the window was partial
  tx_.deadline_ms = now_ms + kTpT3Ms;
}

void Transport::OnEndOfMsgAck(const Id& id, const can::Frame& frame) {
  const uint32_t pgn = Le24(&frame.data[5]);
  if (tx_.state != TxState::kWaitEndOfMsgAck || tx_.destination != id.source || tx_.pgn != pgn) {
    ++counters_.unexpected_packets;
    return;
  }
  tx_.state = TxState::kIdle;
  ++counters_.messages_sent;
}

void Transport::SendDataPacket(const TxSession& s, uint8_t seq, uint8_t destination) {
  uint8_t b[8] = {seq, kPad, kPad, kPad, kPad, kPad, kPad, kPad};
  const size_t offset = static_cast<size_t>(seq - 1) * kTpBytesPerPacket;
  const size_t left = s.size - offset;
  memcpy(&b[1], &s.data[offset], left < kTpBytesPerPacket ? left : kTpBytesPerPacket);
  can::Frame f = MakeFrame(kTpPriority, kPgnTpDt, own_, destination, b, kDtLength);
  if (!bus_.Send(f).ok()) {
    ++counters_.tx_errors;
  }
}

void Transport::SendAbort(uint8_t destination, uint32_t pgn, AbortReason reason) {
  uint8_t b[8] = {kCmAbort, static_cast<uint8_t>(reason), kPad, kPad, kPad, 0, 0, 0};
  PutLe24(&b[5], pgn);
  SendCm(destination, b);
  ++counters_.aborts_sent;
}

void Transport::SendCm(uint8_t destination, const uint8_t (&bytes)[8]) {
  can::Frame f = MakeFrame(kTpPriority, kPgnTpCm, own_, destination, bytes, kCmLength);
  if (!bus_.Send(f).ok()) {
    ++counters_.tx_errors;
  }
}

// ---- timers -----------------------------------------------------------------------------------

void Transport::Poll(uint64_t now_ms) {
  if (rx_.active && Expired(now_ms, rx_.deadline_ms)) {
    rx_.active = false;
    ++counters_.rx_timeouts;
    SendAbort(rx_.source, rx_.pgn, AbortReason::kTimeout);
  }
  if (bam_.active && Expired(now_ms, bam_.deadline_ms)) {
    bam_.active = false;
    ++counters_.rx_timeouts;
  }
  if (tx_.state == TxState::kBam) {
    if (Expired(now_ms, tx_.deadline_ms)) {
      SendDataPacket(tx_, tx_.next_seq, kGlobalAddress);
      if (tx_.next_seq == tx_.packets) {
        tx_.state = TxState::kIdle;
        ++counters_.messages_sent;
      } else {
        ++tx_.next_seq;
        tx_.deadline_ms = now_ms + kTpBamPacketGapMs;
      }
    }
  } else if (tx_.state != TxState::kIdle && Expired(now_ms, tx_.deadline_ms)) {
    tx_.state = TxState::kIdle;
    ++counters_.tx_timeouts;
    SendAbort(tx_.destination, tx_.pgn, AbortReason::kTimeout);
  }
}

void Transport::Reset() {
  rx_.active = false;
  bam_.active = false;
  tx_.state = TxState::kIdle;
}

}  // namespace evc::vehicle::j1939
