#pragma once
// The transaction data of StopTransaction.req (its `transactionData` element): the readings a
// transaction gathers for its stop — the Transaction.Begin values, one entry per
// MeterValueSampleInterval (StopTxnSampledData) and one per ClockAlignedDataInterval
// (StopTxnAlignedData). The Transaction.End values travel in the stop message itself.
//
// Each entry is one CRC-framed record under its own key ("txd00".."txd19"), so an append is one
// atomic key write and a power cut leaves a log that loads; a corrupt record is skipped, erased
// and counted, never fatal. Entries stay until their transaction's StopTransaction has been
// delivered (or given up on); a StopTransaction rebuilt after a power cut therefore still
// carries them.
//
// Bounds (a StopTransaction must always fit one OCPP-J frame, tx_data_log_test proves it):
//  - at most kMaxTxDataEntriesPerTx entries per transaction: when a transaction has that many,
//    the entry whose removal leaves the shortest gap in time goes (never the first, the
//    Transaction.Begin one), so a long transaction keeps evenly spread readings from start to end;
//  - at most kTxDataSlots entries in all (transactions waiting offline share them): when every
//    slot is taken, the transaction holding the most entries is thinned the same way; when none
//    can give one up, the new entry is refused and counted.

#include <cstddef>
#include <cstdint>

#include "evc/common/log.hpp"
#include "evc/common/status.hpp"
#include "evc/ocpp/measurand.hpp"
#include "evc/ocpp/slot_records.hpp"
#include "evc/ocpp/types.hpp"
#include "evc/storage/kv_store.hpp"

namespace evc::ocpp {

constexpr size_t kTxDataSlots = 20;
constexpr size_t kMaxTxDataEntriesPerTx = 10;
// StopTxnSampledDataMaxLength / StopTxnAlignedDataMaxLength: measurands per entry.
constexpr size_t kMaxTxDataValues = 4;

// One meterValue of a transaction's data. Explicit layout: no padding byte reaches flash.
struct TxDataEntry {
  uint32_t local_tx = 0;
  uint32_t seq = 0;          // assigned by Append: chronological order
  int64_t timestamp_ms = 0;  // UTC; negative = boot-relative instant, fixed up when sent
  int64_t meter_wh = 0;      // the energy register, exact (sent for Energy.Active.Import.Register)
  ReadingContext context = ReadingContext::kSamplePeriodic;
  uint8_t count = 0;
  Measurand measurands[kMaxTxDataValues] = {};
  uint8_t reserved[2] = {};
  float values[kMaxTxDataValues] = {};
};
static_assert(sizeof(TxDataEntry) == 48, "TxDataEntry must have no padding");

class TxDataLog {
 public:
  TxDataLog(storage::KvStore& kv, Logger& log)
      : log_(log), records_(kv, log, "txd", kRecordVersion) {}
  // Reads every slot, in sequence order; corrupt records are erased and counted.
  Status Load();
  // Persists the entry before returning (thinning as above). kInvalidArgument for an entry
  // without a transaction, with more than kMaxTxDataValues values, or with a measurand or
  // context this build does not know (what Load would refuse); kResourceExhausted when

  // refused; the KvStore's error when the write fails (nothing changes then).
  Status Append(TxDataEntry e);
  // Erases every entry of `local_tx` (its StopTransaction was delivered or given up on).
  Status Erase(uint32_t local_tx);
  size_t CountFor(uint32_t local_tx) const;
  // All entries, oldest first.
  size_t size() const { return records_.size(); }
  const TxDataEntry& at(size_t i) const { return records_.at(i); }
  uint32_t corrupt_records() const { return records_.corrupt(); }
  uint32_t thinned() const { return thinned_; }
  uint32_t refused() const { return refused_; }

 private:
  static constexpr uint8_t kRecordVersion = 1;
  // Removes the entry of `local_tx` whose removal leaves the shortest gap; `next_ms` is the
  // timestamp of the entry about to follow (or, when nothing follows, its last entry is kept).
  bool ThinTx(uint32_t local_tx, bool appending, int64_t next_ms);

  Logger& log_;
  SlotRecords<TxDataEntry, kTxDataSlots> records_;  // "txd00".."txd19", ordered by seq
  uint32_t thinned_ = 0;
  uint32_t refused_ = 0;
};

}  // namespace evc::ocpp
