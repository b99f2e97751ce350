#pragma once
// A KvStore over in-memory flash that can lose power at a chosen write point.
//
// Every Set() and Erase() is a write point, numbered from 1 since construction. ArmCut(k, mode)
// makes power fail at write #k:
//   kBeforeWrite  the write never starts: the key keeps its old value;
//   kMidWrite     power fails while the page is being programmed. Set() is atomic by the seam's
//                 contract (NVS commits an entry with its final state word), so the key still
//                 holds its old value — the same outcome as kBeforeWrite, counted separately;
//   kAfterWrite   the write completes, power fails before the caller sees the result.
// After the cut the store is dead (every call returns kIo, as a browning-out chip would) until
// PowerOn(), which the simulation calls when it reboots the firmware. The contents survive.
//
// Fixed capacity, no heap after construction: the core's heap accounting stays exact.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "evc/storage/kv_store.hpp"

namespace evc::sim {

constexpr size_t kPowerCutKvSlots = 48;

enum class CutMode : uint8_t { kBeforeWrite, kMidWrite, kAfterWrite };
const char* CutModeName(CutMode m);

class PowerCutKvStore final : public storage::KvStore {
 public:
  PowerCutKvStore() = default;

  Result<size_t> Get(std::string_view key, uint8_t* buf, size_t cap) override;
  Status Set(std::string_view key, const uint8_t* data, size_t len) override;
  Status Erase(std::string_view key) override;

  // Power fails at write point #write_index (1-based, counted since construction).
  void ArmCut(uint64_t write_index, CutMode mode);
  void Disarm() { cut_at_ = 0; }
  bool power_lost() const { return power_lost_; }
  // Power is back (the firmware reboots).
  void PowerOn() { power_lost_ = false; }
  uint64_t writes() const { return writes_; }  // write points reached so far
  uint32_t cuts() const { return cuts_; }
  size_t keys() const;

 private:
  struct Entry {
    bool used;
    uint8_t key_len;
    char key[storage::kMaxKeyLength];
    uint16_t len;
    uint8_t value[storage::kMaxValueSize];
  };
  Entry* Find(std::string_view key);
  // Counts a write point; true when power fails at it (before the write takes effect unless
  // the mode is kAfterWrite: *after set then).
  bool WritePoint(bool* after);

  Entry entries_[kPowerCutKvSlots] = {};
  uint64_t writes_ = 0;
  uint64_t cut_at_ = 0;
  CutMode mode_ = CutMode::kBeforeWrite;
  bool power_lost_ = false;
  uint32_t cuts_ = 0;
};

}  // namespace evc::sim
