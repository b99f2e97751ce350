#pragma once
// A sequence-ordered set of persisted records, one per numbered key ("txq00", "txq01", …): the
// storage under TxQueue and TxDataLog. Each record is CRC-framed (storage/record.hpp) and carries
// its own sequence number, so:
//   - adding a record is one atomic key write and removing one is one erase: a power cut between
//     any two writes leaves a set that loads (there is no index to get out of step);
//   - Load orders the records by sequence number and skips, erases and counts corrupt ones.
// T is a plain record type with a `uint32_t seq` member, assigned here. The owner decides what
// goes in and what comes out (the overflow and thinning policies); this class only keeps order.

#include <cstddef>
#include <cstdint>

#include "evc/common/log.hpp"
#include "evc/common/status.hpp"
#include "evc/storage/kv_store.hpp"
#include "evc/storage/record.hpp"

namespace evc::ocpp {

template <typename T, size_t N>
class SlotRecords {
 public:
  static_assert(N > 0 && N <= 100, "slot keys have two digits");
  // `prefix`: the three characters before the slot number.
  SlotRecords(storage::KvStore& kv, Logger& log, const char (&prefix)[4], uint8_t version)
      : kv_(kv), log_(log), version_(version) {
    for (size_t i = 0; i < 3; ++i) {
      prefix_[i] = prefix[i];  // also the log tag
    }
  }

  // Reads every slot. A record that fails its framing, or that `valid(record)` refuses, is
  // erased and counted; never fatal.
  template <typename Valid>
  void Load(Valid valid) {
    count_ = 0;
    next_seq_ = 1;
    for (size_t slot = 0; slot < N; ++slot) {
      char key[kKeySize];
      Key(slot, key);
      T r;
      const Status s = storage::ReadRecord(kv_, key, version_, &r);
      if (s.code() == Errc::kNotFound) {
        continue;
      }
      if (!s.ok() || r.seq == 0 || !valid(r)) {
        ++corrupt_;
        EVC_LOGE(log_, prefix_, "slot %s corrupt (%s): skipped and erased", key, s.name());
        kv_.Erase(key).IgnoreError();
        continue;
      }
      // Insertion sort by sequence number (at most N items, once at boot).
      size_t i = count_;
      while (i > 0 && items_[i - 1].seq > r.seq) {
        items_[i] = items_[i - 1];
        slots_[i] = slots_[i - 1];
        --i;
      }
      items_[i] = r;
      slots_[i] = static_cast<uint8_t>(slot);
      ++count_;
      if (r.seq >= next_seq_) {
        next_seq_ = r.seq + 1;
      }
    }
  }

  // Assigns the next sequence number and persists the record in a free slot before returning;
  // kResourceExhausted when all N are taken, the store's error when the write fails (then
  // nothing changes).
  Status Append(T r) {
    if (count_ == N) {
      return Errc::kResourceExhausted;
    }
    bool used[N] = {};
    for (size_t i = 0; i < count_; ++i) {
      used[slots_[i]] = true;
    }
    size_t slot = 0;
    while (used[slot]) {
      ++slot;
    }
    r.seq = next_seq_;
    char key[kKeySize];
    Key(slot, key);
    EVC_TRY(storage::WriteRecord(kv_, key, version_, r));
    ++next_seq_;
    items_[count_] = r;
    slots_[count_] = static_cast<uint8_t>(slot);
    ++count_;
    return OkStatus();
  }

  // Erases record `index` (in sequence order); when the erase fails nothing changes.
  Status RemoveAt(size_t index) {
    char key[kKeySize];
    Key(slots_[index], key);
    EVC_TRY(kv_.Erase(key));
    for (size_t i = index + 1; i < count_; ++i) {
      items_[i - 1] = items_[i];
      slots_[i - 1] = slots_[i];
    }
    --count_;
    return OkStatus();
  }

  size_t size() const { return count_; }
  const T& at(size_t i) const { return items_[i]; }
  uint32_t corrupt() const { return corrupt_; }

 private:
  static constexpr size_t kKeySize = 6;  // 3 prefix characters, 2 digits, NUL
  void Key(size_t slot, char* out) const {
    // Built by hand: this runs on every append and erase.
    out[0] = prefix_[0];
    out[1] = prefix_[1];
    out[2] = prefix_[2];
    out[3] = static_cast<char>('0' + slot / 10 % 10);
    out[4] = static_cast<char>('0' + slot % 10);
    out[5] = '\0';
  }

  storage::KvStore& kv_;
  Logger& log_;
  char prefix_[4] = {};  // NUL-terminated
  uint8_t version_;
  T items_[N];             // ordered by seq
  uint8_t slots_[N] = {};  // storage slot of items_[i]
  size_t count_ = 0;
  uint32_t next_seq_ = 1;
  uint32_t corrupt_ = 0;
};

}  // namespace evc::ocpp
