#pragma once
// The persistent, ordered queue of transaction-related messages (StartTransaction, transaction
// MeterValues, StopTransaction). Each message is one self-describing record under its own key
// ("txq00".."txq31") carrying a global sequence number and a CRC, so:
//   - Push is one atomic key write; Pop is one atomic erase — a power cut between any two writes
//     leaves a queue that loads correctly (no separate index to get out of step);
//   - Load orders records by sequence number and skips (and counts) corrupt ones.
// Messages refer to their transaction by our local id; the CSMS transactionId is filled in when
// the message is sent (TxIdMap), so no placeholder id is ever serialised.

#include <cstddef>
#include <cstdint>

#include "evc/common/log.hpp"
#include "evc/common/status.hpp"
#include "evc/ocpp/measurand.hpp"
#include "evc/ocpp/slot_records.hpp"
#include "evc/ocpp/types.hpp"
#include "evc/storage/kv_store.hpp"

namespace evc::ocpp {

// Capacity: 32 messages = 32 × 125 bytes of records = 4,000 bytes of payload in flash (about 6
// NVS entries, 192 bytes, each on the ESP32: ~6 KB of a 24 KB NVS partition when full).
constexpr size_t kTxQueueCapacity = 32;
// Overflow policy: a StartTransaction is accepted only while its StopTransaction is sure to fit
// too (two free slots); a StopTransaction may use the last slot; MeterValues leave
// kStartStopReserve slots free and, when they would not, the queue thins the oldest run of
// MeterValues of one transaction (dropping its second sample: the first and last of every run
// stay). Start and Stop are never dropped.
constexpr size_t kStartStopReserve = 2;
constexpr size_t kMaxSamplesPerMessage = 8;  // one per supported measurand
constexpr size_t kIdTagLength = 20;          // CiString20

enum class TxMessageKind : uint8_t { kStart = 1, kMeterValues = 2, kStop = 3 };

// Persisted records spell out what would otherwise be compiler padding (`reserved`, always zero),
// so no uninitialised byte reaches flash and the layout is the same on every target; the
// static_asserts pin the record format (a change needs a new record version).
struct SampledValue {
  Measurand measurand = Measurand::kEnergyActiveImportRegister;
  ReadingContext context = ReadingContext::kSamplePeriodic;
  uint8_t reserved[2] = {};
  float value = 0;
};
static_assert(sizeof(SampledValue) == 8, "SampledValue record layout");
inline SampledValue MakeSample(Measurand m, ReadingContext c, float v) {
  SampledValue s;
  s.measurand = m;
  s.context = c;
  s.value = v;
  return s;
}

struct TxMessage {
  uint32_t seq = 0;  // assigned by Push
  TxMessageKind kind = TxMessageKind::kMeterValues;
  uint8_t connector = 1;
  StopReason reason = StopReason::kOther;
  uint8_t sample_count = 0;
  uint32_t local_tx = 0;  // our transaction number
  uint8_t reserved0[4] = {};
  int64_t timestamp_ms = 0;  // UTC
  int64_t meter_wh = 0;      // meterStart / meterStop / the energy register of a sample
  char id_tag[kIdTagLength + 1] = {};
  uint8_t reserved1[3] = {};
  SampledValue samples[kMaxSamplesPerMessage] = {};
};
static_assert(sizeof(TxMessage) == 120, "TxMessage record layout");

class TxQueue {
 public:
  TxQueue(storage::KvStore& kv, Logger& log)
      : log_(log), records_(kv, log, "txq", kRecordVersion) {}
  // Reads every slot; corrupt records are erased and counted, never fatal.
  Status Load();
  // Persists the message before returning. Applies the overflow policy above; kResourceExhausted
  // when it refuses the message, kInvalidArgument for an unknown kind or too many samples (what
  // Load would refuse); nothing is persisted then.

  Status Push(TxMessage msg);
  const TxMessage* Front() const { return empty() ? nullptr : &records_.at(0); }
  Status PopFront();
  size_t size() const { return records_.size(); }
  bool empty() const { return records_.size() == 0; }
  bool full() const { return records_.size() == kTxQueueCapacity; }
  const TxMessage& at(size_t i) const { return records_.at(i); }
  uint32_t corrupt_records() const { return records_.corrupt(); }
  uint32_t thinned() const { return thinned_; }          // MeterValues removed to make room
  uint32_t refused_samples() const { return refused_; }  // MeterValues refused (nothing to thin)
  // True when any queued message belongs to `local_tx` and is of `kind`.
  bool Contains(uint32_t local_tx, TxMessageKind kind) const;

 private:
  static constexpr uint8_t kRecordVersion = 1;
  bool ThinOne();
  Logger& log_;
  SlotRecords<TxMessage, kTxQueueCapacity> records_;  // "txq00".."txq31", ordered by seq
  uint32_t thinned_ = 0;
  uint32_t refused_ = 0;
};

// Maps our local transaction numbers to the CSMS transactionId from StartTransaction.conf.
// Persisted as one record; holds the most recent few transactions.
class TxIdMap {
 public:
  static constexpr size_t kCapacity = 8;
  TxIdMap(storage::KvStore& kv, Logger& log) : kv_(kv), log_(log) {}
  Status Load();
  Status Set(uint32_t local_tx, int32_t csms_tx);
  // Marks a transaction whose StartTransaction was given up on: its messages can never be sent.
  Status SetAbandoned(uint32_t local_tx);
  enum class Lookup : uint8_t { kUnknown, kKnown, kAbandoned };
  Lookup Find(uint32_t local_tx, int32_t* csms_tx) const;
  uint32_t NextLocalTx() const { return data_.last_local_tx + 1; }
  Status ReserveLocalTx(uint32_t* out);

 private:
  struct Entry {
    uint32_t local_tx;
    int32_t csms_tx;
    uint8_t abandoned;
    uint8_t reserved[3];  // explicit padding: zero
  };
  static_assert(sizeof(Entry) == 12, "TxIdMap entry record layout");

  struct Data {
    uint32_t last_local_tx;
    uint32_t next_index;
    Entry entries[kCapacity];
  };
  Status Persist();
  storage::KvStore& kv_;
  Logger& log_;
  Data data_ = {};
};

}  // namespace evc::ocpp
