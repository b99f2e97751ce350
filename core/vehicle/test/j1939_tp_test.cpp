#include "evc/vehicle/j1939_tp.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "evc/testing/fake_can_bus.hpp"
#include "evc/vehicle/timing.hpp"

namespace evc::vehicle::j1939 {
namespace {

using testing::FakeCanBus;

constexpr uint8_t kCharger = 0x56;
constexpr uint8_t kBms = 0xF4;
constexpr uint32_t kPgnBrm = 0x0200;

std::vector<uint8_t> Pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) {
    v[i] = static_cast<uint8_t>(0x30 + i);
  }
  return v;
}

can::Frame Cm(uint8_t src, uint8_t dst, std::vector<uint8_t> b) {
  return MakeFrame(kTpPriority, kPgnTpCm, src, dst, b.data(), static_cast<uint8_t>(b.size()));
}

can::Frame Rts(uint16_t size, uint8_t packets, uint8_t max_per_cts = kNoPacketLimit,
               uint32_t pgn = kPgnBrm, uint8_t src = kBms) {
  return Cm(src, kCharger,
            {kCmRts, static_cast<uint8_t>(size & 0xFF), static_cast<uint8_t>(size >> 8), packets,
             max_per_cts, static_cast<uint8_t>(pgn & 0xFF), static_cast<uint8_t>(pgn >> 8),
             static_cast<uint8_t>(pgn >> 16)});
}

// TP.DT packet `seq` of `msg`, padded to 8 bytes (or cut to `dlc`).
can::Frame Dt(const std::vector<uint8_t>& msg, uint8_t seq, uint8_t dlc = 8, uint8_t src = kBms,
              uint8_t dst = kCharger) {
  uint8_t b[8] = {seq, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
  for (size_t i = 0; i < 7; ++i) {
    size_t at = (seq - 1) * 7u + i;
    if (at < msg.size()) {
      b[1 + i] = msg[at];
    }
  }
  return MakeFrame(kTpPriority, kPgnTpDt, src, dst, b, dlc);
}

bool IsCm(const can::Frame& f, uint8_t control, uint8_t src, uint8_t dst) {
  Id id;
  return ParseId(f, &id) && id.pgn == kPgnTpCm && id.source == src && id.destination == dst &&
         f.dlc == 8 && f.data[0] == control;
}

TEST(J1939Id, BuildsTheGbtIdentifiersOfTheReference) {
  // Examples from the reference §4.4: CML = 0x1808F456, CEM = 0x081FF456.
  EXPECT_EQ(MakeId(6, 0x0800, kCharger, kBms), 0x1808F456u);
  EXPECT_EQ(MakeId(2, 0x1F00, kCharger, kBms), 0x081FF456u);
  // TP.CM from the BMS to the charger, as seen on real buses (0x1CEC56F4).
  EXPECT_EQ(MakeId(kTpPriority, kPgnTpCm, kBms, kCharger), 0x1CEC56F4u);
}

TEST(J1939Id, ParsesPdu1AndPdu2AndRejectsOtherFrames) {
  Id id;
  can::Frame f = MakeFrame(6, 0x1000, kBms, kCharger, nullptr, 0);
  ASSERT_TRUE(ParseId(f, &id));
  EXPECT_EQ(id.priority, 6);
  EXPECT_EQ(id.pgn, 0x1000u);
  EXPECT_EQ(id.source, kBms);
  EXPECT_EQ(id.destination, kCharger);

  f = MakeFrame(3, 0xFEF1, 0x00, 0x12, nullptr, 0);  // PDU2: PS belongs to the PGN
  ASSERT_TRUE(ParseId(f, &id));
  EXPECT_EQ(id.pgn, 0xFEF1u);
  EXPECT_EQ(id.destination, kGlobalAddress);

  can::Frame std_frame;
  std_frame.id = 0x123;
  EXPECT_FALSE(ParseId(std_frame, &id));
  can::Frame edp = MakeFrame(6, 0x1000, kBms, kCharger, nullptr, 0);
  edp.id |= 1u << 25;
  EXPECT_FALSE(ParseId(edp, &id));
  can::Frame remote = MakeFrame(6, 0x1000, kBms, kCharger, nullptr, 0);
  remote.remote = true;
  EXPECT_FALSE(ParseId(remote, &id));
}

class TpReceive : public ::testing::Test {
 protected:
  FakeCanBus bus;
  Transport tp{kCharger, bus};
  uint64_t now = 1000;
};

TEST_F(TpReceive, RtsGetsCtsThenDataGetsEndOfMsgAck) {
  const auto msg = Pattern(49);  // BRM, 2015 edition: 49 bytes in 7 packets
  EXPECT_EQ(tp.OnFrame(Rts(49, 7), now), TpRx::kConsumed);
  ASSERT_EQ(bus.sent.size(), 1u);
  const can::Frame& cts = bus.sent[0];
  ASSERT_TRUE(IsCm(cts, kCmCts, kCharger, kBms));
  EXPECT_EQ(cts.data[1], 7);  // all packets
  EXPECT_EQ(cts.data[2], 1);  // starting at 1
  EXPECT_EQ(cts.data[5], 0x00);
  EXPECT_EQ(cts.data[6], 0x02);  // PGN 0x000200
  EXPECT_EQ(cts.data[7], 0x00);
  for (uint8_t seq = 1; seq <= 6; ++seq) {
    EXPECT_EQ(tp.OnFrame(Dt(msg, seq), now += 10), TpRx::kConsumed);
  }
  ASSERT_EQ(tp.OnFrame(Dt(msg, 7), now += 10), TpRx::kMessage);
  const TpMessage& m = tp.received();
  EXPECT_EQ(m.pgn, kPgnBrm);
  EXPECT_EQ(m.source, kBms);
  ASSERT_EQ(m.size, 49);
  EXPECT_EQ(std::vector<uint8_t>(m.data, m.data + m.size), msg);
  ASSERT_EQ(bus.sent.size(), 2u);
  const can::Frame& ack = bus.sent[1];
  ASSERT_TRUE(IsCm(ack, kCmEndOfMsgAck, kCharger, kBms));
  EXPECT_EQ(ack.data[1], 49);
  EXPECT_EQ(ack.data[2], 0);
  EXPECT_EQ(ack.data[3], 7);
  EXPECT_EQ(ack.data[6], 0x02);
  EXPECT_EQ(tp.counters().messages_received, 1u);
  EXPECT_FALSE(tp.receiving());
}

TEST_F(TpReceive, HonoursTheSendersPacketsPerCtsLimit) {
  const auto msg = Pattern(13);  // BCP: 2 packets
  tp.OnFrame(Rts(13, 2, /*max_per_cts=*/1, 0x0600), now);
  ASSERT_EQ(bus.sent.size(), 1u);
  EXPECT_EQ(bus.sent[0].data[1], 1);
  EXPECT_EQ(bus.sent[0].data[2], 1);
  EXPECT_EQ(tp.OnFrame(Dt(msg, 1), now), TpRx::kConsumed);
  ASSERT_EQ(bus.sent.size(), 2u);  // the next window
  ASSERT_TRUE(IsCm(bus.sent[1], kCmCts, kCharger, kBms));
  EXPECT_EQ(bus.sent[1].data[1], 1);
  EXPECT_EQ(bus.sent[1].data[2], 2);
  EXPECT_EQ(tp.OnFrame(Dt(msg, 2), now), TpRx::kMessage);
  EXPECT_EQ(tp.received().pgn, 0x0600u);
}

TEST_F(TpReceive, PacketAheadOfSequenceAbortsWithBadSequence) {
  const auto msg = Pattern(20);
  tp.OnFrame(Rts(20, 3), now);
  tp.OnFrame(Dt(msg, 1), now);
  EXPECT_EQ(tp.OnFrame(Dt(msg, 3), now), TpRx::kConsumed);
  EXPECT_EQ(tp.counters().bad_sequence, 1u);
  ASSERT_TRUE(IsCm(bus.sent.back(), kCmAbort, kCharger, kBms));
  EXPECT_EQ(bus.sent.back().data[1], static_cast<uint8_t>(AbortReason::kBadSequence));
  EXPECT_FALSE(tp.receiving());
  // The rest of that message is now unexpected.
  tp.OnFrame(Dt(msg, 2), now);
  EXPECT_EQ(tp.counters().unexpected_packets, 1u);
  EXPECT_EQ(tp.counters().messages_received, 0u);
}

TEST_F(TpReceive, SequenceNumberZeroIsBad) {
  const auto msg = Pattern(20);
  tp.OnFrame(Rts(20, 3), now);
  tp.OnFrame(Dt(msg, 0), now);
  EXPECT_EQ(tp.counters().bad_sequence, 1u);
  EXPECT_FALSE(tp.receiving());
}

TEST_F(TpReceive, DuplicatedPacketIsCountedAndIgnored) {
  const auto msg = Pattern(20);
  tp.OnFrame(Rts(20, 3), now);
  tp.OnFrame(Dt(msg, 1), now);
  can::Frame dup = Dt(msg, 1);
  dup.data[1] = 0xEE;  // a repeat must not overwrite what we hold
  EXPECT_EQ(tp.OnFrame(dup, now), TpRx::kConsumed);
  EXPECT_EQ(tp.counters().duplicate_packets, 1u);
  tp.OnFrame(Dt(msg, 2), now);
  ASSERT_EQ(tp.OnFrame(Dt(msg, 3), now), TpRx::kMessage);
  EXPECT_EQ(tp.received().data[0], msg[0]);
  EXPECT_EQ(tp.counters().bad_sequence, 0u);
}

TEST_F(TpReceive, TruncatedMiddlePacketIsRejectedAndTheSessionFails) {
  const auto msg = Pattern(20);
  tp.OnFrame(Rts(20, 3), now);
  EXPECT_EQ(tp.OnFrame(Dt(msg, 1, /*dlc=*/5), now), TpRx::kConsumed);
  EXPECT_EQ(tp.counters().wrong_size, 1u);
  // Packet 1 never arrived whole, so packet 2 is out of sequence.
  tp.OnFrame(Dt(msg, 2), now);
  EXPECT_EQ(tp.counters().bad_sequence, 1u);
  EXPECT_EQ(tp.counters().messages_received, 0u);
}

TEST_F(TpReceive, LastPacketMayStopAfterItsData) {
  const auto msg = Pattern(9);  // BCS: 7 + 2 bytes
  tp.OnFrame(Rts(9, 2, kNoPacketLimit, 0x1100), now);
  tp.OnFrame(Dt(msg, 1), now);
  EXPECT_EQ(tp.OnFrame(Dt(msg, 2, /*dlc=*/2), now), TpRx::kConsumed);  // one data byte short
  EXPECT_EQ(tp.counters().wrong_size, 1u);
  ASSERT_EQ(tp.OnFrame(Dt(msg, 2, /*dlc=*/3), now), TpRx::kMessage);
  EXPECT_EQ(std::vector<uint8_t>(tp.received().data, tp.received().data + 9), msg);
}

TEST_F(TpReceive, TruncatedControlFrameIsRejected) {
  can::Frame rts = Rts(49, 7);
  rts.dlc = 7;
  EXPECT_EQ(tp.OnFrame(rts, now), TpRx::kConsumed);
  EXPECT_EQ(tp.counters().wrong_size, 1u);
  EXPECT_TRUE(bus.sent.empty());
  EXPECT_FALSE(tp.receiving());
}

TEST_F(TpReceive, DataWithoutSessionIsUnexpected) {
  tp.OnFrame(Dt(Pattern(9), 1), now);
  EXPECT_EQ(tp.counters().unexpected_packets, 1u);
  EXPECT_TRUE(bus.sent.empty());
}

TEST_F(TpReceive, InconsistentRtsIsAbortedAndCounted) {
  tp.OnFrame(Rts(49, 6), now);  // 49 bytes need 7 packets
  tp.OnFrame(Rts(5, 1), now);   // too short for TP
  tp.OnFrame(Rts(49, 7, /*max_per_cts=*/0), now);
  EXPECT_EQ(tp.counters().bad_control, 3u);
  ASSERT_EQ(bus.sent.size(), 3u);
  for (const auto& f : bus.sent) {
    EXPECT_TRUE(IsCm(f, kCmAbort, kCharger, kBms));
  }
  tp.OnFrame(Rts(2000, 255), now);
  EXPECT_EQ(bus.sent.back().data[1], static_cast<uint8_t>(AbortReason::kTooLarge));
  EXPECT_FALSE(tp.receiving());
}

TEST_F(TpReceive, MessageLargerThanOurBufferIsRefused) {
  const uint16_t size = kMaxTpMessageSize + 1;
  tp.OnFrame(Rts(size, static_cast<uint8_t>((size + 6) / 7)), now);
  EXPECT_EQ(tp.counters().too_large, 1u);
  ASSERT_EQ(bus.sent.size(), 1u);
  EXPECT_TRUE(IsCm(bus.sent[0], kCmAbort, kCharger, kBms));
  EXPECT_EQ(bus.sent[0].data[1], static_cast<uint8_t>(AbortReason::kResources));
}

TEST_F(TpReceive, UnknownControlByteIsCounted) {
  tp.OnFrame(Cm(kBms, kCharger, {0x42, 0, 0, 0, 0, 0, 2, 0}), now);
  EXPECT_EQ(tp.counters().bad_control, 1u);
}

TEST_F(TpReceive, NoFirstPacketWithinT2AbortsWithTimeout) {
  tp.OnFrame(Rts(20, 3), now);
  tp.Poll(now + kTpT2Ms - 1);
  EXPECT_TRUE(tp.receiving());
  tp.Poll(now + kTpT2Ms);
  EXPECT_FALSE(tp.receiving());
  EXPECT_EQ(tp.counters().rx_timeouts, 1u);
  ASSERT_TRUE(IsCm(bus.sent.back(), kCmAbort, kCharger, kBms));
  EXPECT_EQ(bus.sent.back().data[1], static_cast<uint8_t>(AbortReason::kTimeout));
}

TEST_F(TpReceive, GapBetweenPacketsLongerThanT1AbortsWithTimeout) {
  const auto msg = Pattern(20);
  tp.OnFrame(Rts(20, 3), now);
  tp.OnFrame(Dt(msg, 1), now += 10);
  tp.Poll(now + kTpT1Ms - 1);
  EXPECT_TRUE(tp.receiving());
  tp.Poll(now + kTpT1Ms);
  EXPECT_FALSE(tp.receiving());
  EXPECT_EQ(tp.counters().rx_timeouts, 1u);
  // A late packet after the timeout is unexpected, not a message.
  EXPECT_EQ(tp.OnFrame(Dt(msg, 2), now + kTpT1Ms + 1), TpRx::kConsumed);
  EXPECT_EQ(tp.counters().unexpected_packets, 1u);
}

TEST_F(TpReceive, AbortFromTheSenderClosesTheSession) {
  tp.OnFrame(Rts(20, 3), now);
  tp.OnFrame(Cm(kBms, kCharger, {kCmAbort, 3, 0xFF, 0xFF, 0xFF, 0x00, 0x02, 0x00}), now);
  EXPECT_EQ(tp.counters().aborts_received, 1u);
  EXPECT_FALSE(tp.receiving());
  // An abort for a session we do not have is unexpected.
  tp.OnFrame(Cm(kBms, kCharger, {kCmAbort, 3, 0xFF, 0xFF, 0xFF, 0x00, 0x02, 0x00}), now);
  EXPECT_EQ(tp.counters().unexpected_packets, 1u);
}

TEST_F(TpReceive, NewRtsFromTheSameNodeReplacesTheOpenSession) {
  const auto msg = Pattern(13);
  tp.OnFrame(Rts(20, 3), now);
  tp.OnFrame(Rts(13, 2, kNoPacketLimit, 0x0600), now);
  EXPECT_EQ(tp.counters().sessions_replaced, 1u);
  tp.OnFrame(Dt(msg, 1), now);
  ASSERT_EQ(tp.OnFrame(Dt(msg, 2), now), TpRx::kMessage);
  EXPECT_EQ(tp.received().pgn, 0x0600u);
  EXPECT_EQ(tp.received().size, 13);
}

TEST_F(TpReceive, RtsFromAnotherNodeDuringASessionGetsBusy) {
  tp.OnFrame(Rts(20, 3), now);
  tp.OnFrame(Rts(20, 3, kNoPacketLimit, kPgnBrm, /*src=*/0x10), now);
  EXPECT_EQ(tp.counters().busy_rejects, 1u);
  ASSERT_TRUE(IsCm(bus.sent.back(), kCmAbort, kCharger, 0x10));
  EXPECT_EQ(bus.sent.back().data[1], static_cast<uint8_t>(AbortReason::kBusy));
  EXPECT_TRUE(tp.receiving());
}

TEST_F(TpReceive, FramesForAnotherNodeAreCountedNotHandled) {
  tp.OnFrame(Cm(kBms, 0x99, {kCmRts, 20, 0, 3, 0xFF, 0, 2, 0}), now);
  EXPECT_EQ(tp.counters().not_for_us, 1u);
  EXPECT_TRUE(bus.sent.empty());
  EXPECT_FALSE(tp.receiving());
}

TEST_F(TpReceive, NonTransportFramesAreLeftToTheCaller) {
  uint8_t d[5] = {1, 2, 3, 4, 5};
  EXPECT_EQ(tp.OnFrame(MakeFrame(6, 0x1000, kBms, kCharger, d, 5), now), TpRx::kNotTransport);
  can::Frame std_frame;
  std_frame.id = 0x100;
  EXPECT_EQ(tp.OnFrame(std_frame, now), TpRx::kNotTransport);
}

TEST_F(TpReceive, BroadcastAnnounceIsReassembledWithoutHandshake) {
  const auto msg = Pattern(13);
  tp.OnFrame(Cm(kBms, kGlobalAddress, {kCmBam, 13, 0, 2, 0xFF, 0x00, 0x06, 0x00}), now);
  EXPECT_TRUE(bus.sent.empty());  // no CTS for a broadcast
  EXPECT_EQ(tp.OnFrame(Dt(msg, 1, 8, kBms, kGlobalAddress), now += 50), TpRx::kConsumed);
  ASSERT_EQ(tp.OnFrame(Dt(msg, 2, 8, kBms, kGlobalAddress), now += 50), TpRx::kMessage);
  EXPECT_EQ(tp.received().pgn, 0x0600u);
  EXPECT_EQ(tp.received().destination, kGlobalAddress);
  EXPECT_TRUE(bus.sent.empty());  // and no EndOfMsgAck
}

TEST_F(TpReceive, BroadcastErrorsAreCountedButNeverAnswered) {
  const auto msg = Pattern(20);
  tp.OnFrame(Cm(kBms, kGlobalAddress, {kCmBam, 20, 0, 3, 0xFF, 0x00, 0x06, 0x00}), now);
  tp.OnFrame(Dt(msg, 2, 8, kBms, kGlobalAddress), now);
  EXPECT_EQ(tp.counters().bad_sequence, 1u);
  EXPECT_FALSE(tp.receiving());
  tp.OnFrame(Cm(kBms, kGlobalAddress, {kCmBam, 20, 0, 3, 0xFF, 0x00, 0x06, 0x00}), now);
  tp.Poll(now + kTpT1Ms);
  EXPECT_EQ(tp.counters().rx_timeouts, 1u);
  tp.OnFrame(Cm(kBms, kGlobalAddress, {kCmBam, 20, 0, 2, 0xFF, 0x00, 0x06, 0x00}), now);
  EXPECT_EQ(tp.counters().bad_control, 1u);
  // An RTS cannot be broadcast.
  tp.OnFrame(Cm(kBms, kGlobalAddress, {kCmRts, 20, 0, 3, 0xFF, 0x00, 0x06, 0x00}), now);
  EXPECT_EQ(tp.counters().bad_control, 2u);
  EXPECT_TRUE(bus.sent.empty());
}

// ---- sending ----------------------------------------------------------------------------------

class TpSend : public ::testing::Test {
 protected:
  FakeCanBus bus;
  Transport tp{kBms, bus};
  uint64_t now = 1000;
  std::vector<uint8_t> msg = Pattern(13);

  can::Frame Cts(uint8_t count, uint8_t next, uint32_t pgn = 0x0600) {
    return Cm(kCharger, kBms,
              {kCmCts, count, next, 0xFF, 0xFF, static_cast<uint8_t>(pgn & 0xFF),
               static_cast<uint8_t>(pgn >> 8), 0});
  }
  can::Frame Eoma(uint32_t pgn = 0x0600) {
    return Cm(kCharger, kBms,
              {kCmEndOfMsgAck, 13, 0, 2, 0xFF, static_cast<uint8_t>(pgn & 0xFF),
               static_cast<uint8_t>(pgn >> 8), 0});
  }
};

TEST_F(TpSend, RtsThenDataOnCtsThenDoneOnAck) {
  ASSERT_TRUE(tp.Send(0x0600, kCharger, msg.data(), 13, now).ok());
  ASSERT_EQ(bus.sent.size(), 1u);
  ASSERT_TRUE(IsCm(bus.sent[0], kCmRts, kBms, kCharger));
  EXPECT_EQ(bus.sent[0].data[1], 13);
  EXPECT_EQ(bus.sent[0].data[3], 2);
  EXPECT_EQ(bus.sent[0].data[4], kNoPacketLimit);
  EXPECT_EQ(bus.sent[0].data[6], 0x06);
  EXPECT_EQ(tp.Send(0x0600, kCharger, msg.data(), 13, now), Status(Errc::kBusy));
  tp.OnFrame(Cts(2, 1), now);
  ASSERT_EQ(bus.sent.size(), 3u);
  EXPECT_EQ(bus.sent[1].data[0], 1);
  EXPECT_EQ(bus.sent[2].data[0], 2);
  EXPECT_EQ(bus.sent[2].data[1], msg[7]);
  EXPECT_EQ(bus.sent[2].data[7], 0xFF);  // padding after the 13th byte
  EXPECT_TRUE(tp.sending());
  tp.OnFrame(Eoma(), now);
  EXPECT_FALSE(tp.sending());
  EXPECT_EQ(tp.counters().messages_sent, 1u);
}

TEST_F(TpSend, NoCtsWithinT3AbortsWithTimeout) {
  ASSERT_TRUE(tp.Send(0x0600, kCharger, msg.data(), 13, now).ok());
  tp.Poll(now + kTpT3Ms - 1);
  EXPECT_TRUE(tp.sending());
  tp.Poll(now + kTpT3Ms);
  EXPECT_FALSE(tp.sending());
  EXPECT_EQ(tp.counters().tx_timeouts, 1u);
  ASSERT_TRUE(IsCm(bus.sent.back(), kCmAbort, kBms, kCharger));
  EXPECT_EQ(bus.sent.back().data[1], static_cast<uint8_t>(AbortReason::kTimeout));
}

TEST_F(TpSend, CtsHoldUsesT4) {
  ASSERT_TRUE(tp.Send(0x0600, kCharger, msg.data(), 13, now).ok());
  tp.OnFrame(Cts(0, 1), now += 100);
  tp.Poll(now + kTpT4Ms - 1);
  EXPECT_TRUE(tp.sending());
  tp.Poll(now + kTpT4Ms);
  EXPECT_FALSE(tp.sending());
  EXPECT_EQ(tp.counters().tx_timeouts, 1u);
}

TEST_F(TpSend, CtsForWrongPacketsOrPgnIsRejected) {
  ASSERT_TRUE(tp.Send(0x0600, kCharger, msg.data(), 13, now).ok());
  tp.OnFrame(Cts(2, 1, 0x0200), now);  // another PGN
  EXPECT_EQ(tp.counters().unexpected_packets, 1u);
  tp.OnFrame(Cts(3, 1), now);  // beyond the last packet
  EXPECT_EQ(tp.counters().bad_control, 1u);
  EXPECT_FALSE(tp.sending());
  EXPECT_EQ(bus.sent.back().data[0], kCmAbort);
}

TEST_F(TpSend, AbortFromReceiverEndsTheSend) {
  ASSERT_TRUE(tp.Send(0x0600, kCharger, msg.data(), 13, now).ok());
  tp.OnFrame(Cm(kCharger, kBms, {kCmAbort, 2, 0xFF, 0xFF, 0xFF, 0x00, 0x06, 0x00}), now);
  EXPECT_FALSE(tp.sending());
  EXPECT_EQ(tp.counters().aborts_received, 1u);
  EXPECT_EQ(tp.counters().messages_sent, 0u);
}

TEST_F(TpSend, RejectsBadArgumentsAndBusErrors) {
  EXPECT_EQ(tp.Send(0x0600, kCharger, msg.data(), 8, now), Status(Errc::kInvalidArgument));
  EXPECT_EQ(tp.Send(0x0600, kCharger, nullptr, 13, now), Status(Errc::kInvalidArgument));
  std::vector<uint8_t> big(kMaxTpMessageSize + 1);
  EXPECT_EQ(tp.Send(0x0600, kCharger, big.data(), static_cast<uint16_t>(big.size()), now),
            Status(Errc::kInvalidArgument));
  bus.tx_full = true;
  EXPECT_EQ(tp.Send(0x0600, kCharger, msg.data(), 13, now), Status(Errc::kResourceExhausted));
  EXPECT_EQ(tp.counters().tx_errors, 1u);
  EXPECT_FALSE(tp.sending());
}

TEST_F(TpSend, BroadcastIsPacedByPoll) {
  ASSERT_TRUE(tp.Send(0x0600, kGlobalAddress, msg.data(), 13, now).ok());
  ASSERT_EQ(bus.sent.size(), 1u);
  EXPECT_TRUE(IsCm(bus.sent[0], kCmBam, kBms, kGlobalAddress));
  tp.Poll(now + kTpBamPacketGapMs - 1);
  EXPECT_EQ(bus.sent.size(), 1u);
  tp.Poll(now += kTpBamPacketGapMs);
  ASSERT_EQ(bus.sent.size(), 2u);
  tp.Poll(now + kTpBamPacketGapMs);
  ASSERT_EQ(bus.sent.size(), 3u);
  EXPECT_FALSE(tp.sending());
  EXPECT_EQ(tp.counters().messages_sent, 1u);
}

TEST(TpReassembly, LargestMessageReassemblesExactlyWithItsLastPacketCut) {
  // 256 bytes: 36 full packets and a last one with 4 data bytes, sent once cut after its data
  // and once padded; the packets before carry garbage in no byte.
  const auto msg = Pattern(kMaxTpMessageSize);
  const uint8_t packets = static_cast<uint8_t>((kMaxTpMessageSize + 6) / 7);
  for (uint8_t last_dlc : {uint8_t{1 + kMaxTpMessageSize - (packets - 1) * 7}, uint8_t{8}}) {
    FakeCanBus bus;
    Transport tp(kCharger, bus);
    ASSERT_EQ(tp.OnFrame(Rts(kMaxTpMessageSize, packets), 0), TpRx::kConsumed);
    for (uint8_t seq = 1; seq < packets; ++seq) {
      ASSERT_EQ(tp.OnFrame(Dt(msg, seq), 0), TpRx::kConsumed);
    }
    ASSERT_EQ(tp.OnFrame(Dt(msg, packets, last_dlc), 0), TpRx::kMessage);
    EXPECT_EQ(tp.received().size, kMaxTpMessageSize);
    EXPECT_EQ(std::vector<uint8_t>(tp.received().data, tp.received().data + kMaxTpMessageSize),
              msg);
  }
}

// The id-taking OnFrame is the frame-taking one minus the parse: same answers, same counters,
// same frames sent, for TP traffic, broken TP frames and everything else.
TEST(TpReassembly, OnFrameWithAParsedIdAnswersLikeOnFrame) {
  const auto msg = Pattern(20);
  can::Frame standard;
  standard.id = 0x123;
  can::Frame remote = Rts(20, 3);
  remote.remote = true;
  uint8_t bcl[5] = {1, 2, 3, 4, 5};
  const std::vector<can::Frame> frames = {
      Rts(20, 3),
      Dt(msg, 1),
      MakeFrame(6, 0x1000, kBms, kCharger, bcl, 5),  // not TP
      Dt(msg, 3),                                    // out of sequence: abort
      standard,
      remote,
      Rts(20, 3),
      Dt(msg, 1),
      Dt(msg, 2, 3),  // too short
      Dt(msg, 2),
      Dt(msg, 3),
      Cm(kBms, 0x20, {kCmRts, 20, 0, 3, 0xFF, 0, 2, 0}),  // for another node
      Cm(kBms, kCharger, {0x42, 0, 0, 0, 0, 0, 0, 0}),    // unknown control byte
      Cm(kBms, kGlobalAddress, {kCmBam, 20, 0, 3, 0xFF, 0, 2, 0}),
      Dt(msg, 1, 8, kBms, kGlobalAddress),
      Dt(msg, 2, 8, kBms, kGlobalAddress),
      Dt(msg, 3, 8, kBms, kGlobalAddress),
  };
  FakeCanBus bus_a, bus_b;
  Transport a(kCharger, bus_a), b(kCharger, bus_b);
  int messages = 0;
  for (size_t i = 0; i < frames.size(); ++i) {
    SCOPED_TRACE(i);
    const TpRx ra = a.OnFrame(frames[i], 0);
    Id id;
    const TpRx rb = ParseId(frames[i], &id) ? b.OnFrame(id, frames[i], 0) : TpRx::kNotTransport;
    EXPECT_EQ(ra, rb);
    if (ra == TpRx::kMessage) {
      ++messages;
      EXPECT_EQ(a.received().pgn, b.received().pgn);
      EXPECT_EQ(a.received().size, b.received().size);
      EXPECT_EQ(memcmp(a.received().data, b.received().data, a.received().size), 0);
    }
  }
  EXPECT_EQ(messages, 2);
  EXPECT_EQ(memcmp(&a.counters(), &b.counters(), sizeof(TpCounters)), 0);
  ASSERT_EQ(bus_a.sent.size(), bus_b.sent.size());
  for (size_t i = 0; i < bus_a.sent.size(); ++i) {
    EXPECT_EQ(bus_a.sent[i].id, bus_b.sent[i].id);
    EXPECT_EQ(memcmp(bus_a.sent[i].data, bus_b.sent[i].data, 8), 0);
  }
}

// Two transports wired back to back: what one sends the other receives.
TEST(TpLoopback, SenderAndReceiverAgree) {
  FakeCanBus bms_bus, charger_bus;
  Transport bms(kBms, bms_bus), charger(kCharger, charger_bus);
  const auto msg = Pattern(49);
  uint64_t now = 5000;
  ASSERT_TRUE(bms.Send(kPgnBrm, kCharger, msg.data(), 49, now).ok());
  int messages = 0;
  for (int round = 0; round < 10 && (bms.sending() || !bms_bus.sent.empty()); ++round) {
    for (const auto& f : bms_bus.sent) {
      if (charger.OnFrame(f, now) == TpRx::kMessage) {
        ++messages;
      }
    }
    bms_bus.sent.clear();
    for (const auto& f : charger_bus.sent) {
      bms.OnFrame(f, now);
    }
    charger_bus.sent.clear();
    now += 10;
  }
  EXPECT_EQ(messages, 1);
  EXPECT_EQ(std::vector<uint8_t>(charger.received().data, charger.received().data + 49), msg);
  EXPECT_EQ(bms.counters().messages_sent, 1u);
  EXPECT_FALSE(bms.sending());
}

}  // namespace
}  // namespace evc::vehicle::j1939
