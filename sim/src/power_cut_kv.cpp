#include "evc/sim/power_cut_kv.hpp"

#include <cstring>

namespace evc::sim {

const char* CutModeName(CutMode m) {
  switch (m) {
    case CutMode::kBeforeWrite:
      return "before-write";
    case CutMode::kMidWrite:
      return "mid-write";
    case CutMode::kAfterWrite:
      return "after-write";
  }
  return "?";
}

PowerCutKvStore::Entry* PowerCutKvStore::Find(std::string_view key) {
  for (Entry& e : entries_) {
    if (e.used && e.key_len == key.size() && memcmp(e.key, key.data(), key.size()) == 0) {
      return &e;
    }
  }
  return nullptr;
}

size_t PowerCutKvStore::keys() const {
  size_t n = 0;
  for (const Entry& e : entries_) {
    n += e.used ? 1 : 0;
  }
  return n;
}

void PowerCutKvStore::ArmCut(uint64_t write_index, CutMode mode) {
  cut_at_ = write_index;
  mode_ = mode;
}

bool PowerCutKvStore::WritePoint(bool* after) {
  ++writes_;
  *after = false;
  if (cut_at_ == 0 || writes_ != cut_at_) {
    return false;
  }
  cut_at_ = 0;
  ++cuts_;
  power_lost_ = true;
  *after = mode_ == CutMode::kAfterWrite;
  return true;
}

Result<size_t> PowerCutKvStore::Get(std::string_view key, uint8_t* buf, size_t cap) {
  if (power_lost_) {
    return Errc::kIo;
  }
  if (!storage::IsValidKey(key)) {
    return Errc::kInvalidArgument;
  }
  const Entry* e = Find(key);
  if (e == nullptr) {
    return Errc::kNotFound;
  }
  if (e->len > cap) {
    return Errc::kResourceExhausted;
  }
  memcpy(buf, e->value, e->len);
  return static_cast<size_t>(e->len);
}

Status PowerCutKvStore::Set(std::string_view key, const uint8_t* data, size_t len) {
  if (power_lost_) {
    return Errc::kIo;
  }
  if (!storage::IsValidKey(key)) {
    return Errc::kInvalidArgument;
  }
  if (len > storage::kMaxValueSize || (len > 0 && data == nullptr)) {
    return Errc::kResourceExhausted;
  }
  Entry* e = Find(key);
  if (e == nullptr) {
    for (Entry& free_slot : entries_) {
      if (!free_slot.used) {
        e = &free_slot;
        break;
      }
    }
    if (e == nullptr) {
      return Errc::kResourceExhausted;  // the partition is full; not a write point
    }
  }
  bool after = false;
  if (WritePoint(&after) && !after) {
    return Errc::kIo;  // power failed before the entry was committed
  }
  e->used = true;
  e->key_len = static_cast<uint8_t>(key.size());
  memcpy(e->key, key.data(), key.size());
  e->len = static_cast<uint16_t>(len);
  if (len > 0) {
    memcpy(e->value, data, len);
  }
  return after ? Status(Errc::kIo) : OkStatus();
}

Status PowerCutKvStore::Erase(std::string_view key) {
  if (power_lost_) {
    return Errc::kIo;
  }
  if (!storage::IsValidKey(key)) {
    return Errc::kInvalidArgument;
  }
  Entry* e = Find(key);
  if (e == nullptr) {
    return OkStatus();  // nothing to write
  }
  bool after = false;
  if (WritePoint(&after) && !after) {
    return Errc::kIo;
  }
  e->used = false;
  return after ? Status(Errc::kIo) : OkStatus();
}

}  // namespace evc::sim
