#include "evc/ocpp/tx_data_log.hpp"

namespace evc::ocpp {

namespace {
constexpr const char* kTag = "txdata";

// What Append accepts and Load keeps: the same rule on both sides, so nothing written can be
// refused as corrupt at the next boot (SlotRecords checks the sequence number itself).
bool WellFormed(const TxDataEntry& e) {
  if (e.local_tx == 0 || e.count > kMaxTxDataValues || e.context > ReadingContext::kTrigger) {
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

Status TxDataLog::Load() {
  records_.Load(WellFormed);

  return OkStatus();
}

size_t TxDataLog::CountFor(uint32_t local_tx) const {
  size_t n = 0;
  for (size_t i = 0; i < size(); ++i) {
    n += at(i).local_tx == local_tx ? 1 : 0;
  }
  return n;
}

bool TxDataLog::ThinTx(uint32_t local_tx, bool appending, int64_t next_ms) {
  size_t idx[kTxDataSlots];
  size_t n = 0;
  for (size_t i = 0; i < size(); ++i) {
    if (at(i).local_tx == local_tx) {
      idx[n++] = i;
    }
  }
  // Candidates: never the first (Transaction.Begin); the last only while a newer one follows.
  const size_t end = appending ? n : (n > 0 ? n - 1 : 0);
  size_t best = 0;
  int64_t best_gap = 0;
  for (size_t p = 1; p < end; ++p) {
    const int64_t prev = at(idx[p - 1]).timestamp_ms;
    const int64_t next = p + 1 < n ? at(idx[p + 1]).timestamp_ms : next_ms;
    // An entry stamped before the time was known has no place on the time line: it goes first.
    const int64_t gap = prev >= 0 && next >= 0 ? next - prev : 0;
    if (best == 0 || gap < best_gap) {
      best = p;
      best_gap = gap;
    }
  }
  if (best == 0 || !records_.RemoveAt(idx[best]).ok()) {
    return false;
  }
  ++thinned_;
  return true;
}

Status TxDataLog::Append(TxDataEntry e) {
  if (!WellFormed(e)) {
    return Errc::kInvalidArgument;
  }

  if (CountFor(e.local_tx) >= kMaxTxDataEntriesPerTx &&
      !ThinTx(e.local_tx, /*appending=*/true, e.timestamp_ms)) {
    ++refused_;
    return Errc::kResourceExhausted;
  }
  if (size() == kTxDataSlots) {
    // Every slot taken: the transaction holding the most gives one up (the oldest on a tie).
    uint32_t victim = 0;
    size_t most = 0;
    for (size_t i = 0; i < size(); ++i) {
      const size_t n = CountFor(at(i).local_tx);
      if (n > most) {
        most = n;
        victim = at(i).local_tx;
      }
    }
    if (!ThinTx(victim, victim == e.local_tx, e.timestamp_ms)) {
      ++refused_;
      EVC_LOGW(log_, kTag, "no room for data of tx %u", static_cast<unsigned>(e.local_tx));
      return Errc::kResourceExhausted;
    }
  }
  return records_.Append(e);
}

Status TxDataLog::Erase(uint32_t local_tx) {
  Status result = OkStatus();
  size_t i = 0;
  while (i < size()) {
    if (at(i).local_tx != local_tx) {
      ++i;
      continue;
    }
    const Status s = records_.RemoveAt(i);
    if (!s.ok()) {
      result = s;  // left in place (and in flash); a later Erase tries again
      ++i;
    }
  }
  return result;
}

}  // namespace evc::ocpp
