#include "evc/ocpp/tx_queue.hpp"

#include "evc/storage/record.hpp"

namespace evc::ocpp {

namespace {
constexpr const char* kTag = "txq";
constexpr const char* kMapKey = "txidmap";
constexpr uint8_t kMapVersion = 1;
}  // namespace

namespace {
// What Push accepts and Load keeps: one rule, so nothing written is refused at the next boot.
bool WellFormed(const TxMessage& m) {
  return m.sample_count <= kMaxSamplesPerMessage &&
         (m.kind == TxMessageKind::kStart || m.kind == TxMessageKind::kMeterValues ||
          m.kind == TxMessageKind::kStop);
}
}  // namespace

Status TxQueue::Load() {
  records_.Load(WellFormed);
  if (size() > 0) {
    EVC_LOGI(log_, kTag, "%u queued transaction message(s) restored",
             static_cast<unsigned>(size()));
  }
  return OkStatus();
}

Status TxQueue::Push(TxMessage msg) {
  if (!WellFormed(msg)) {
    return Errc::kInvalidArgument;
  }
  switch (msg.kind) {
    case TxMessageKind::kStart:
      if (size() + kStartStopReserve > kTxQueueCapacity) {
        return Errc::kResourceExhausted;  // no room for this transaction's Stop later
      }
      break;
    case TxMessageKind::kStop:
      if (full() && !ThinOne()) {
        return Errc::kResourceExhausted;  // cannot happen while Starts keep their reserve
      }
      break;
    case TxMessageKind::kMeterValues:
      if (size() + kStartStopReserve >= kTxQueueCapacity && !ThinOne()) {
        ++refused_;
        return Errc::kResourceExhausted;
      }
      break;
  }
  return records_.Append(msg);
}

bool TxQueue::ThinOne() {
  // The oldest run of three or more MeterValues of one transaction loses its second sample.
  // Index 0 is never removed: it may be on the wire.
  const size_t count = size();
  for (size_t i = 0; i + 2 < count; ++i) {
    const TxMessage& a = at(i);
    if (a.kind != TxMessageKind::kMeterValues) {
      continue;
    }
    size_t run = 1;
    while (i + run < count && at(i + run).kind == TxMessageKind::kMeterValues &&
           at(i + run).local_tx == a.local_tx) {
      ++run;
    }
    if (run >= 3 && records_.RemoveAt(i + 1).ok()) {
      ++thinned_;
      return true;
    }
    i += run - 1;
  }
  return false;
}

Status TxQueue::PopFront() {
  if (empty()) {
    return Errc::kNotFound;
  }
  return records_.RemoveAt(0);
}

bool TxQueue::Contains(uint32_t local_tx, TxMessageKind kind) const {
  for (size_t i = 0; i < size(); ++i) {
    if (at(i).local_tx == local_tx && at(i).kind == kind) {
      return true;
    }
  }
  return false;
}

Status TxIdMap::Load() {
  const Status s = storage::ReadRecord(kv_, kMapKey, kMapVersion, &data_);
  if (s.code() == Errc::kNotFound) {
    data_ = Data{};
    return OkStatus();
  }
  if (!s.ok() || data_.next_index >= kCapacity) {
    EVC_LOGE(log_, kTag, "transaction id map corrupt: reset");
    // Keep local numbers moving forward so an old id is never reused.
    data_ = Data{};
    data_.last_local_tx = 1000000;
    return Errc::kDataLoss;
  }
  return OkStatus();
}

Status TxIdMap::Persist() {
  return storage::WriteRecord(kv_, kMapKey, kMapVersion, data_);
}

Status TxIdMap::ReserveLocalTx(uint32_t* out) {
  ++data_.last_local_tx;
  *out = data_.last_local_tx;
  return Persist();
}

Status TxIdMap::Set(uint32_t local_tx, int32_t csms_tx) {
  Entry& e = data_.entries[data_.next_index];
  e = Entry{local_tx, csms_tx, 0, {}};
  data_.next_index = static_cast<uint32_t>((data_.next_index + 1) % kCapacity);
  return Persist();
}

Status TxIdMap::SetAbandoned(uint32_t local_tx) {
  Entry& e = data_.entries[data_.next_index];
  e = Entry{local_tx, 0, 1, {}};
  data_.next_index = static_cast<uint32_t>((data_.next_index + 1) % kCapacity);
  return Persist();
}

TxIdMap::Lookup TxIdMap::Find(uint32_t local_tx, int32_t* csms_tx) const {
  for (const Entry& e : data_.entries) {
    if (e.local_tx == local_tx && local_tx != 0) {
      if (e.abandoned) {
        return Lookup::kAbandoned;
      }
      *csms_tx = e.csms_tx;
      return Lookup::kKnown;
    }
  }
  return Lookup::kUnknown;
}

}  // namespace evc::ocpp
