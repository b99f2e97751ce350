#include "evc/ocpp/tx_queue.hpp"

#include "evc/storage/record.hpp"

namespace evc::ocpp {

namespace {
constexpr const char* kTag = "txq";
constexpr uint8_t kRecordVersion = 1;
constexpr const char* kMapKey = "txidmap";
constexpr uint8_t kMapVersion = 1;
}  // namespace

void TxQueue::SlotKey(size_t slot, char* out) {
  // "txq00".."txq99" (no printf: this runs on every push and pop)
  out[0] = 't';
  out[1] = 'x';
  out[2] = 'q';
  out[3] = static_cast<char>('0' + slot / 10 % 10);
  out[4] = static_cast<char>('0' + slot % 10);
  out[5] = '\0';
}

Status TxQueue::Load() {
  count_ = 0;
  next_seq_ = 1;
  for (size_t slot = 0; slot < kTxQueueCapacity; ++slot) {
    char key[8];
    SlotKey(slot, key);
    TxMessage msg;
    const Status s = storage::ReadRecord(kv_, key, kRecordVersion, &msg);
    if (s.code() == Errc::kNotFound) {
      continue;
    }
    if (!s.ok() || msg.sample_count > kMaxSamplesPerMessage || msg.seq == 0 ||
        (msg.kind != TxMessageKind::kStart && msg.kind != TxMessageKind::kMeterValues &&
         msg.kind != TxMessageKind::kStop)) {
      ++corrupt_;
      EVC_LOGE(log_, kTag, "slot %s corrupt (%s): skipped and erased", key, s.name());
      kv_.Erase(key).IgnoreError();
      continue;
    }
    // Insertion sort by sequence number (at most 32 items, once at boot).
    size_t i = count_;
    while (i > 0 && items_[i - 1].seq > msg.seq) {
      items_[i] = items_[i - 1];
      slots_[i] = slots_[i - 1];
      --i;
    }
    items_[i] = msg;
    slots_[i] = static_cast<uint8_t>(slot);
    ++count_;
    if (msg.seq >= next_seq_) {
      next_seq_ = msg.seq + 1;
    }
  }
  if (count_ > 0) {
    EVC_LOGI(log_, kTag, "%u queued transaction message(s) restored",
             static_cast<unsigned>(count_));
  }
  return OkStatus();
}

Status TxQueue::Push(TxMessage msg) {
  switch (msg.kind) {
    case TxMessageKind::kStart:
      if (count_ + kStartStopReserve > kTxQueueCapacity) {
        return Errc::kResourceExhausted;  // no room for this transaction's Stop later
      }
      break;
    case TxMessageKind::kStop:
      if (full() && !ThinOne()) {
        return Errc::kResourceExhausted;  // cannot happen while Starts keep their reserve
      }
      break;
    case TxMessageKind::kMeterValues:
      if (count_ + kStartStopReserve >= kTxQueueCapacity && !ThinOne()) {
        ++refused_;
        return Errc::kResourceExhausted;
      }
      break;
  }
  bool used[kTxQueueCapacity] = {};
  for (size_t i = 0; i < count_; ++i) {
    used[slots_[i]] = true;
  }
  size_t slot = 0;
  while (used[slot]) {
    ++slot;
  }
  msg.seq = next_seq_;
  char key[8];
  SlotKey(slot, key);
  EVC_TRY(storage::WriteRecord(kv_, key, kRecordVersion, msg));
  ++next_seq_;
  items_[count_] = msg;
  slots_[count_] = static_cast<uint8_t>(slot);
  ++count_;
  return OkStatus();
}

bool TxQueue::ThinOne() {
  // The oldest run of three or more MeterValues of one transaction loses its second sample.
  // Index 0 is never removed: it may be on the wire.
  for (size_t i = 0; i + 2 < count_; ++i) {
    const TxMessage& a = items_[i];
    if (a.kind != TxMessageKind::kMeterValues) {
      continue;
    }
    size_t run = 1;
    while (i + run < count_ && items_[i + run].kind == TxMessageKind::kMeterValues &&
           items_[i + run].local_tx == a.local_tx) {
      ++run;
    }
    if (run >= 3 && RemoveAt(i + 1).ok()) {
      ++thinned_;
      return true;
    }
    i += run - 1;
  }
  return false;
}

Status TxQueue::RemoveAt(size_t index) {
  char key[8];
  SlotKey(slots_[index], key);
  EVC_TRY(kv_.Erase(key));
  for (size_t i = index + 1; i < count_; ++i) {
    items_[i - 1] = items_[i];
    slots_[i - 1] = slots_[i];
  }
  --count_;
  return OkStatus();
}

Status TxQueue::PopFront() {
  if (count_ == 0) {
    return Errc::kNotFound;
  }
  return RemoveAt(0);
}

bool TxQueue::Contains(uint32_t local_tx, TxMessageKind kind) const {
  for (size_t i = 0; i < count_; ++i) {
    if (items_[i].local_tx == local_tx && items_[i].kind == kind) {
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
