#pragma once
// Persistent key/value seam. Contract (the one ESP-IDF NVS guarantees): a single Set() or Erase()
// is atomic — after a power cut the key holds either the old or the new value, never a mix.
// Everything that must survive a power cut goes through this seam (DESIGN.md rule 6).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "evc/common/status.hpp"

namespace evc::storage {

// NVS limits keys to 15 characters; we hold every port to that.
constexpr size_t kMaxKeyLength = 15;
// Largest value we store under one key (NVS blobs may be larger; we keep records small).
constexpr size_t kMaxValueSize = 4000;

class KvStore {
 public:
  virtual ~KvStore() = default;
  // Copies the value into buf. Returns its size; kNotFound if absent, kResourceExhausted if cap
  // is too small, kIo on a platform failure.
  virtual Result<size_t> Get(std::string_view key, uint8_t* buf, size_t cap) = 0;
  // Atomically replaces the value. kInvalidArgument for a bad key, kResourceExhausted when the
  // value is too large or the store is full, kIo on failure.
  virtual Status Set(std::string_view key, const uint8_t* data, size_t len) = 0;
  // Atomically removes the key; kOk if it did not exist.
  virtual Status Erase(std::string_view key) = 0;
};

// Key rules shared by every port: 1..15 chars of [A-Za-z0-9_.-].
bool IsValidKey(std::string_view key);

}  // namespace evc::storage
