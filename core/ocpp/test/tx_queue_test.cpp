#include "evc/ocpp/tx_queue.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "evc/testing/fakes.hpp"

namespace evc::ocpp {
namespace {

TxMessage Msg(TxMessageKind kind, uint32_t local_tx, int64_t meter = 0) {
  TxMessage m;
  m.kind = kind;
  m.local_tx = local_tx;
  m.meter_wh = meter;
  m.timestamp_ms = 1700000000000LL + meter;
  return m;
}

class TxQueueTest : public ::testing::Test {
 protected:
  TxQueueTest() : log_(&sink_) {}
  std::vector<int64_t> Meters(const TxQueue& q) {
    std::vector<int64_t> v;
    for (size_t i = 0; i < q.size(); ++i)
      v.push_back(q.at(i).meter_wh);
    return v;
  }
  testing::MemoryKvStore kv_;
  testing::CapturingLogSink sink_;
  Logger log_;
};

TEST_F(TxQueueTest, KeepsOrderAndSurvivesRestart) {
  {
    TxQueue q(kv_, log_);
    ASSERT_TRUE(q.Load().ok());
    ASSERT_TRUE(q.Push(Msg(TxMessageKind::kStart, 1, 0)).ok());
    ASSERT_TRUE(q.Push(Msg(TxMessageKind::kMeterValues, 1, 10)).ok());
    ASSERT_TRUE(q.Push(Msg(TxMessageKind::kStop, 1, 20)).ok());
    ASSERT_TRUE(q.PopFront().ok());                               // the Start was delivered
    ASSERT_TRUE(q.Push(Msg(TxMessageKind::kStart, 2, 30)).ok());  // reuses the freed slot
  }
  TxQueue q(kv_, log_);  // next boot
  ASSERT_TRUE(q.Load().ok());
  EXPECT_EQ((std::vector<int64_t>{10, 20, 30}), Meters(q));
  EXPECT_EQ(TxMessageKind::kMeterValues, q.Front()->kind);
  // New messages continue the sequence after the restored ones.
  ASSERT_TRUE(q.Push(Msg(TxMessageKind::kStop, 2, 40)).ok());
  EXPECT_GT(q.at(3).seq, q.at(2).seq);
}

TEST_F(TxQueueTest, CorruptRecordIsSkippedCountedAndErased) {
  {
    TxQueue q(kv_, log_);
    ASSERT_TRUE(q.Push(Msg(TxMessageKind::kStart, 1, 0)).ok());
    ASSERT_TRUE(q.Push(Msg(TxMessageKind::kStop, 1, 5)).ok());
  }
  kv_.data["txq00"][10] ^= 0xFF;  // a flipped byte in the Start's record
  TxQueue q(kv_, log_);
  ASSERT_TRUE(q.Load().ok());
  EXPECT_EQ(1u, q.corrupt_records());
  ASSERT_EQ(1u, q.size());
  EXPECT_EQ(TxMessageKind::kStop, q.Front()->kind);
  EXPECT_EQ(0u, kv_.data.count("txq00"));
  EXPECT_TRUE(sink_.Contains("corrupt"));
}

TEST_F(TxQueueTest, StartNeedsRoomForItsStop) {
  TxQueue q(kv_, log_);
  for (uint32_t tx = 1; q.size() + kStartStopReserve <= kTxQueueCapacity; ++tx) {
    ASSERT_TRUE(q.Push(Msg(TxMessageKind::kStart, tx)).ok());
    ASSERT_TRUE(q.Push(Msg(TxMessageKind::kStop, tx)).ok());
  }
  EXPECT_EQ(kTxQueueCapacity, q.size());
  EXPECT_EQ(Errc::kResourceExhausted, q.Push(Msg(TxMessageKind::kStart, 99)).code());
  const int writes = kv_.writes;
  EXPECT_EQ(Errc::kResourceExhausted, q.Push(Msg(TxMessageKind::kMeterValues, 99)).code());
  EXPECT_EQ(writes, kv_.writes);  // nothing persisted for a refused message
}

TEST_F(TxQueueTest, MeterValuesAreThinnedKeepingFirstAndLastOfTheRun) {
  TxQueue q(kv_, log_);
  ASSERT_TRUE(q.Push(Msg(TxMessageKind::kStart, 1, 0)).ok());
  int64_t meter = 1;
  while (q.size() + kStartStopReserve < kTxQueueCapacity) {
    ASSERT_TRUE(q.Push(Msg(TxMessageKind::kMeterValues, 1, meter++)).ok());
  }
  const int64_t first_sample = 1;
  // From here every new sample thins the run instead of growing the queue.
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(q.Push(Msg(TxMessageKind::kMeterValues, 1, meter++)).ok());
    EXPECT_EQ(kTxQueueCapacity - kStartStopReserve, q.size());
  }
  EXPECT_EQ(10u, q.thinned());
  EXPECT_EQ(TxMessageKind::kStart, q.at(0).kind);
  EXPECT_EQ(first_sample, q.at(1).meter_wh);          // first of the run kept
  EXPECT_EQ(meter - 1, q.at(q.size() - 1).meter_wh);  // last of the run kept
  for (size_t i = 2; i < q.size(); ++i) {
    EXPECT_LT(q.at(i - 1).seq, q.at(i).seq);  // still in order
  }
  // The Stop always fits.
  ASSERT_TRUE(q.Push(Msg(TxMessageKind::kStop, 1, meter)).ok());
  EXPECT_EQ(TxMessageKind::kStop, q.at(q.size() - 1).kind);
  // Thinned records are gone from flash too.
  TxQueue reloaded(kv_, log_);
  ASSERT_TRUE(reloaded.Load().ok());
  EXPECT_EQ(q.size(), reloaded.size());
}

TEST_F(TxQueueTest, NothingToThinRefusesTheSample) {
  TxQueue q(kv_, log_);
  // Only Start/Stop pairs: no run of MeterValues to thin.
  for (uint32_t tx = 1; q.size() + kStartStopReserve < kTxQueueCapacity; ++tx) {
    ASSERT_TRUE(q.Push(Msg(TxMessageKind::kStart, tx)).ok());
    ASSERT_TRUE(q.Push(Msg(TxMessageKind::kStop, tx)).ok());
  }
  EXPECT_EQ(Errc::kResourceExhausted, q.Push(Msg(TxMessageKind::kMeterValues, 50)).code());
  EXPECT_EQ(1u, q.refused_samples());
}

TEST_F(TxQueueTest, FailingStoreMeansNotQueued) {
  TxQueue q(kv_, log_);
  kv_.fail_writes = true;
  EXPECT_FALSE(q.Push(Msg(TxMessageKind::kStart, 1)).ok());
  EXPECT_TRUE(q.empty());
}

TEST_F(TxQueueTest, MalformedMessageIsRefusedNotWritten) {
  TxQueue q(kv_, log_);
  TxMessage too_many = Msg(TxMessageKind::kMeterValues, 1);
  too_many.sample_count = kMaxSamplesPerMessage + 1;
  EXPECT_EQ(Errc::kInvalidArgument, q.Push(too_many).code());
  TxMessage unknown_kind = Msg(TxMessageKind::kStart, 1);
  unknown_kind.kind = static_cast<TxMessageKind>(9);
  EXPECT_EQ(Errc::kInvalidArgument, q.Push(unknown_kind).code());
  EXPECT_TRUE(q.empty());
  EXPECT_TRUE(kv_.data.empty());
}

TEST_F(TxQueueTest, IdMapPersistsAndAbandonedIsDistinct) {
  {
    TxIdMap m(kv_, log_);
    ASSERT_TRUE(m.Load().ok());
    uint32_t a = 0, b = 0;
    ASSERT_TRUE(m.ReserveLocalTx(&a).ok());
    ASSERT_TRUE(m.ReserveLocalTx(&b).ok());
    EXPECT_EQ(a + 1, b);
    ASSERT_TRUE(m.Set(a, 4711).ok());
    ASSERT_TRUE(m.SetAbandoned(b).ok());
  }
  TxIdMap m(kv_, log_);
  ASSERT_TRUE(m.Load().ok());
  int32_t id = 0;
  EXPECT_EQ(TxIdMap::Lookup::kKnown, m.Find(1, &id));
  EXPECT_EQ(4711, id);
  EXPECT_EQ(TxIdMap::Lookup::kAbandoned, m.Find(2, &id));
  EXPECT_EQ(TxIdMap::Lookup::kUnknown, m.Find(3, &id));
  EXPECT_EQ(3u, m.NextLocalTx());  // local numbers never go back after a restart
}

TEST_F(TxQueueTest, CorruptIdMapNeverReusesLocalNumbers) {
  {
    TxIdMap m(kv_, log_);
    uint32_t a = 0;
    ASSERT_TRUE(m.ReserveLocalTx(&a).ok());
  }
  kv_.data["txidmap"][3] ^= 0x55;
  TxIdMap m(kv_, log_);
  EXPECT_EQ(Errc::kDataLoss, m.Load().code());
  EXPECT_GT(m.NextLocalTx(), 1000u);
}

}  // namespace
}  // namespace evc::ocpp
