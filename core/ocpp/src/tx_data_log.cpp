#include "evc/ocpp/tx_data_log.hpp"

#include "evc/storage/record.hpp"

namespace evc::ocpp {

namespace {
constexpr const char* kTag = "txdata";
constexpr uint8_t kRecordVersion = 1;

bool Valid(const TxDataEntry& e) {
  if (e.local_tx == 0 || e.seq == 0 || e.count > kMaxTxDataValues ||
      e.context > ReadingContext::kTrigger) {
    return false;
  }
  for (uint8_t i = 0; i < e.count; ++i) {
    if (static_cast<size_t>(e.measurands[i]) >= kMeasurandCount) {
      return false;
    }
  }
  return true;
}
}  // namespace

void TxDataLog::SlotKey(size_t slot, char* out) {
  // "txd00".."txd99" (no printf: this runs on every push and pop)
  out[0] = 't';
  out[1] = 'x';
  out[2] = 'd';
  out[3] = static_cast<char>('0' + slot / 10 % 10);
  out[4] = static_cast<char>('0' + slot % 10);
  out[5] = '\0';
}

Status TxDataLog::Load() {
  count_ = 0;
  next_seq_ = 1;
  for (size_t slot = 0; slot < kTxDataSlots; ++slot) {
    char key[8];
    SlotKey(slot, key);
    TxDataEntry e;
    const Status s = storage::ReadRecord(kv_, key, kRecordVersion, &e);
    if (s.code() == Errc::kNotFound) {
      continue;
    }
    if (!s.ok() || !Valid(e)) {
      ++corrupt_;
      EVC_LOGE(log_, kTag, "slot %s corrupt (%s): skipped and erased", key, s.name());
      kv_.Erase(key).IgnoreError();
      continue;
    }
    size_t i = count_;
    while (i > 0 && items_[i - 1].seq > e.seq) {
      items_[i] = items_[i - 1];
      slots_[i] = slots_[i - 1];
      --i;
    }
    items_[i] = e;
    slots_[i] = static_cast<uint8_t>(slot);
    ++count_;
    if (e.seq >= next_seq_) {
      next_seq_ = e.seq + 1;
    }
  }
  return OkStatus();
}

size_t TxDataLog::CountFor(uint32_t local_tx) const {
  size_t n = 0;
  for (size_t i = 0; i < count_; ++i) {
    n += items_[i].local_tx == local_tx ? 1 : 0;
  }
  return n;
}

bool TxDataLog::ThinTx(uint32_t local_tx, bool appending, int64_t next_ms) {
  size_t idx[kTxDataSlots];
  size_t n = 0;
  for (size_t i = 0; i < count_; ++i) {
    if (items_[i].local_tx == local_tx) {
      idx[n++] = i;
    }
  }
  // Candidates: never the first (Transaction.Begin); the last only while a newer one follows.
  const size_t end = appending ? n : (n > 0 ? n - 1 : 0);
  size_t best = 0;
  int64_t best_gap = 0;
  for (size_t p = 1; p < end; ++p) {
    const int64_t prev = items_[idx[p - 1]].timestamp_ms;
    const int64_t next = p + 1 < n ? items_[idx[p + 1]].timestamp_ms : next_ms;
    // An entry stamped before the time was known has no place on the time line: it goes first.
    const int64_t gap = prev >= 0 && next >= 0 ? next - prev : 0;
    if (best == 0 || gap < best_gap) {
      best = p;
      best_gap = gap;
    }
  }
  if (best == 0 || !RemoveAt(idx[best]).ok()) {
    return false;
  }
  ++thinned_;
  return true;
}

Status TxDataLog::Append(TxDataEntry e) {
  if (e.local_tx == 0 || e.count > kMaxTxDataValues) {
    return Errc::kInvalidArgument;
  }
  if (CountFor(e.local_tx) >= kMaxTxDataEntriesPerTx &&
      !ThinTx(e.local_tx, /*appending=*/true, e.timestamp_ms)) {
    ++refused_;
    return Errc::kResourceExhausted;
  }
  if (count_ == kTxDataSlots) {
    // Every slot taken: the transaction holding the most gives one up (the oldest on a tie).
    uint32_t victim = 0;
    size_t most = 0;
    for (size_t i = 0; i < count_; ++i) {
      const size_t n = CountFor(items_[i].local_tx);
      if (n > most) {
        most = n;
        victim = items_[i].local_tx;
      }
    }
    if (!ThinTx(victim, victim == e.local_tx, e.timestamp_ms)) {
      ++refused_;
      EVC_LOGW(log_, kTag, "no room for data of tx %u", static_cast<unsigned>(e.local_tx));
      return Errc::kResourceExhausted;
    }
  }
  bool used[kTxDataSlots] = {};
  for (size_t i = 0; i < count_; ++i) {
    used[slots_[i]] = true;
  }
  size_t slot = 0;
  while (used[slot]) {
    ++slot;
  }
  e.seq = next_seq_;
  char key[8];
  SlotKey(slot, key);
  EVC_TRY(storage::WriteRecord(kv_, key, kRecordVersion, e));
  ++next_seq_;
  items_[count_] = e;
  slots_[count_] = static_cast<uint8_t>(slot);
  ++count_;
  return OkStatus();
}

Status TxDataLog::RemoveAt(size_t index) {
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

Status TxDataLog::Erase(uint32_t local_tx) {
  Status result = OkStatus();
  size_t i = 0;
  while (i < count_) {
    if (items_[i].local_tx != local_tx) {
      ++i;
      continue;
    }
    const Status s = RemoveAt(i);
    if (!s.ok()) {
      result = s;  // left in place (and in flash); a later Erase tries again
      ++i;
    }
  }
  return result;
}

}  // namespace evc::ocpp
