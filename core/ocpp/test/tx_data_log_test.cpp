#include "evc/ocpp/tx_data_log.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "evc/storage/record.hpp"
#include "evc/testing/fakes.hpp"

namespace evc::ocpp {
namespace {

constexpr int64_t kT0 = 1700000000000LL;  // a UTC instant well after 2020
constexpr int64_t kMinute = 60000;

TxDataEntry Entry(uint32_t local_tx, int64_t ts, int64_t meter,
                  ReadingContext ctx = ReadingContext::kSamplePeriodic) {
  TxDataEntry e;
  e.local_tx = local_tx;
  e.timestamp_ms = ts;
  e.meter_wh = meter;
  e.context = ctx;
  e.count = 1;
  e.measurands[0] = Measurand::kEnergyActiveImportRegister;
  return e;
}

class TxDataLogTest : public ::testing::Test {
 protected:
  TxDataLogTest() : log_(&sink_) {}
  std::vector<int64_t> Meters(const TxDataLog& l, uint32_t local_tx) {
    std::vector<int64_t> v;
    for (size_t i = 0; i < l.size(); ++i) {
      if (l.at(i).local_tx == local_tx)
        v.push_back(l.at(i).meter_wh);
    }
    return v;
  }
  testing::MemoryKvStore kv_;
  testing::CapturingLogSink sink_;
  Logger log_;
};

TEST_F(TxDataLogTest, KeepsOrderAndSurvivesRestart) {
  {
    TxDataLog l(kv_, log_);
    ASSERT_TRUE(l.Load().ok());
    ASSERT_TRUE(l.Append(Entry(1, kT0, 100, ReadingContext::kTransactionBegin)).ok());
    ASSERT_TRUE(l.Append(Entry(1, kT0 + kMinute, 110)).ok());
    ASSERT_TRUE(l.Append(Entry(2, kT0 + 2 * kMinute, 200, ReadingContext::kTransactionBegin)).ok());
    ASSERT_TRUE(l.Append(Entry(1, kT0 + 3 * kMinute, 120, ReadingContext::kSampleClock)).ok());
  }
  TxDataLog l(kv_, log_);  // next boot
  ASSERT_TRUE(l.Load().ok());
  EXPECT_EQ((std::vector<int64_t>{100, 110, 120}), Meters(l, 1));
  EXPECT_EQ((std::vector<int64_t>{200}), Meters(l, 2));
  EXPECT_EQ(ReadingContext::kSampleClock, l.at(3).context);
  ASSERT_TRUE(l.Append(Entry(2, kT0 + 4 * kMinute, 210)).ok());
  EXPECT_GT(l.at(4).seq, l.at(3).seq);
  EXPECT_EQ(0u, l.corrupt_records());
}

TEST_F(TxDataLogTest, EraseRemovesOneTransactionFromMemoryAndFlash) {
  TxDataLog l(kv_, log_);
  ASSERT_TRUE(l.Append(Entry(1, kT0, 1)).ok());
  ASSERT_TRUE(l.Append(Entry(2, kT0, 2)).ok());
  ASSERT_TRUE(l.Append(Entry(1, kT0 + 1, 3)).ok());
  ASSERT_TRUE(l.Erase(1).ok());
  EXPECT_EQ(0u, l.CountFor(1));
  EXPECT_EQ(1u, l.CountFor(2));
  EXPECT_EQ(1u, kv_.data.size());
  TxDataLog again(kv_, log_);
  ASSERT_TRUE(again.Load().ok());
  EXPECT_EQ((std::vector<int64_t>{2}), Meters(again, 2));
}

TEST_F(TxDataLogTest, EraseThatFailsKeepsTheEntriesForALaterTry) {
  TxDataLog l(kv_, log_);
  ASSERT_TRUE(l.Append(Entry(1, kT0, 1)).ok());
  kv_.fail_writes = true;
  EXPECT_FALSE(l.Erase(1).ok());
  EXPECT_EQ(1u, l.CountFor(1));
  kv_.fail_writes = false;
  EXPECT_TRUE(l.Erase(1).ok());
  EXPECT_TRUE(kv_.data.empty());
}

TEST_F(TxDataLogTest, LongTransactionIsThinnedEvenlyAndKeepsItsBegin) {
  TxDataLog l(kv_, log_);
  // 60 one-minute samples, meter value = minute number.
  for (int64_t m = 0; m < 60; ++m) {
    ASSERT_TRUE(l.Append(Entry(7, kT0 + m * kMinute, m,
                               m == 0 ? ReadingContext::kTransactionBegin
                                      : ReadingContext::kSamplePeriodic))
                    .ok());
  }
  const std::vector<int64_t> kept = Meters(l, 7);
  ASSERT_EQ(kMaxTxDataEntriesPerTx, kept.size());
  EXPECT_EQ(0, kept.front());  // Transaction.Begin stays
  EXPECT_EQ(ReadingContext::kTransactionBegin, l.at(0).context);
  EXPECT_EQ(59, kept.back());  // the newest is always there
  // Evenly spread: no gap longer than three times the mean gap.
  const int64_t mean = 59 / static_cast<int64_t>(kept.size() - 1);
  for (size_t i = 1; i < kept.size(); ++i) {
    EXPECT_GT(kept[i], kept[i - 1]);
    EXPECT_LE(kept[i] - kept[i - 1], 3 * mean) << "between " << kept[i - 1] << " and " << kept[i];
  }
  EXPECT_EQ(50u, l.thinned());
  // Flash holds exactly the kept entries.
  EXPECT_EQ(kMaxTxDataEntriesPerTx, kv_.data.size());
}

TEST_F(TxDataLogTest, EntriesWithoutAKnownTimeAreThinnedFirst) {
  TxDataLog l(kv_, log_);
  ASSERT_TRUE(l.Append(Entry(3, -5000, 0, ReadingContext::kTransactionBegin)).ok());
  ASSERT_TRUE(l.Append(Entry(3, -6000, 1)).ok());  // boot-relative: time not yet known
  for (int64_t m = 2; m < static_cast<int64_t>(kMaxTxDataEntriesPerTx) + 1; ++m) {
    ASSERT_TRUE(l.Append(Entry(3, kT0 + m * kMinute, m)).ok());
  }
  const std::vector<int64_t> kept = Meters(l, 3);
  ASSERT_EQ(kMaxTxDataEntriesPerTx, kept.size());
  EXPECT_EQ(0, kept[0]);
  EXPECT_EQ(2, kept[1]);  // the unstamped sample went, the stamped ones stayed
}

TEST_F(TxDataLogTest, FullLogThinsTheBiggestTransactionNotTheNewOne) {
  TxDataLog l(kv_, log_);
  for (int64_t m = 0; m < static_cast<int64_t>(kMaxTxDataEntriesPerTx); ++m) {
    ASSERT_TRUE(l.Append(Entry(1, kT0 + m * kMinute, m)).ok());
  }
  for (int64_t m = 0; m < 6; ++m) {
    ASSERT_TRUE(l.Append(Entry(2, kT0 + m * kMinute, 100 + m)).ok());
  }
  for (int64_t m = 0; m < 4; ++m) {
    ASSERT_TRUE(l.Append(Entry(3, kT0 + m * kMinute, 200 + m)).ok());
  }
  ASSERT_EQ(kTxDataSlots, l.size());
  ASSERT_TRUE(l.Append(Entry(4, kT0, 300, ReadingContext::kTransactionBegin)).ok());
  EXPECT_EQ(kTxDataSlots, l.size());
  EXPECT_EQ(kMaxTxDataEntriesPerTx - 1, l.CountFor(1));  // the biggest gave one up
  const std::vector<int64_t> t1 = Meters(l, 1);
  EXPECT_EQ(0, t1.front());  // its first and last stay
  EXPECT_EQ(static_cast<int64_t>(kMaxTxDataEntriesPerTx) - 1, t1.back());
  EXPECT_EQ(6u, l.CountFor(2));
  EXPECT_EQ(1u, l.CountFor(4));
}

TEST_F(TxDataLogTest, RefusedWhenNoTransactionCanGiveUpAnEntry) {
  TxDataLog l(kv_, log_);
  // Twenty transactions of one entry each (only possible with a tiny per-tx history): none can
  // lose its first entry, so a new transaction's entry is refused, counted, and nothing changes.
  for (uint32_t tx = 1; tx <= kTxDataSlots; ++tx) {
    ASSERT_TRUE(l.Append(Entry(tx, kT0, tx)).ok());
  }
  const int writes = kv_.writes;
  EXPECT_EQ(Errc::kResourceExhausted, l.Append(Entry(99, kT0, 99)).code());
  EXPECT_EQ(1u, l.refused());
  EXPECT_EQ(writes, kv_.writes);
  EXPECT_EQ(kTxDataSlots, l.size());
}

TEST_F(TxDataLogTest, FailedWriteChangesNothing) {
  TxDataLog l(kv_, log_);
  ASSERT_TRUE(l.Append(Entry(1, kT0, 1)).ok());
  kv_.fail_writes = true;
  EXPECT_FALSE(l.Append(Entry(1, kT0 + 1, 2)).ok());
  EXPECT_EQ(1u, l.size());
  kv_.fail_writes = false;
  ASSERT_TRUE(l.Append(Entry(1, kT0 + 2, 3)).ok());
  EXPECT_EQ((std::vector<int64_t>{1, 3}), Meters(l, 1));
}

TEST_F(TxDataLogTest, InvalidEntriesAreRejected) {
  TxDataLog l(kv_, log_);
  EXPECT_EQ(Errc::kInvalidArgument, l.Append(Entry(0, kT0, 1)).code());  // no transaction
  TxDataEntry e = Entry(1, kT0, 1);
  e.count = kMaxTxDataValues + 1;
  EXPECT_EQ(Errc::kInvalidArgument, l.Append(e).code());
  // What the next boot would refuse as corrupt is refused now.
  TxDataEntry unknown = Entry(1, kT0, 1);
  unknown.measurands[0] = static_cast<Measurand>(kMeasurandCount);
  EXPECT_EQ(Errc::kInvalidArgument, l.Append(unknown).code());
  TxDataEntry bad_context = Entry(1, kT0, 1);
  bad_context.context = static_cast<ReadingContext>(200);
  EXPECT_EQ(Errc::kInvalidArgument, l.Append(bad_context).code());

  EXPECT_EQ(0u, l.size());
  EXPECT_TRUE(kv_.data.empty());
}

TEST_F(TxDataLogTest, CorruptOrForeignRecordsAreSkippedCountedAndErased) {
  {
    TxDataLog l(kv_, log_);
    ASSERT_TRUE(l.Append(Entry(1, kT0, 10)).ok());
    ASSERT_TRUE(l.Append(Entry(1, kT0 + 1, 11)).ok());
    ASSERT_TRUE(l.Append(Entry(1, kT0 + 2, 12)).ok());
  }
  kv_.data["txd00"][9] ^= 0xFF;   // flipped bit: CRC mismatch
  kv_.data["txd01"].resize(20);   // truncated
  kv_.data["txd05"] = {1, 2, 3};  // a stray value in an unused slot
  TxDataLog l(kv_, log_);
  ASSERT_TRUE(l.Load().ok());
  EXPECT_EQ((std::vector<int64_t>{12}), Meters(l, 1));
  EXPECT_EQ(3u, l.corrupt_records());
  EXPECT_EQ(0u, kv_.data.count("txd00"));
  EXPECT_EQ(0u, kv_.data.count("txd05"));
  EXPECT_TRUE(sink_.Contains("corrupt"));
}

TEST_F(TxDataLogTest, WellFramedRecordWithOutOfRangeFieldsIsRejected) {
  // A record with a valid CRC but a measurand or context this build does not know (a foreign
  // or future format) is refused like a corrupt one.
  TxDataEntry bad = Entry(1, kT0, 1);
  bad.seq = 1;
  bad.measurands[0] = static_cast<Measurand>(kMeasurandCount);
  ASSERT_TRUE(storage::WriteRecord(kv_, "txd00", 1, bad).ok());
  TxDataEntry bad_ctx = Entry(1, kT0, 1);
  bad_ctx.seq = 2;
  bad_ctx.context = static_cast<ReadingContext>(200);
  ASSERT_TRUE(storage::WriteRecord(kv_, "txd01", 1, bad_ctx).ok());
  TxDataLog l(kv_, log_);
  ASSERT_TRUE(l.Load().ok());
  EXPECT_EQ(0u, l.size());
  EXPECT_EQ(2u, l.corrupt_records());
}

}  // namespace
}  // namespace evc::ocpp
