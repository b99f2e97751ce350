#pragma once
// Persisted records: a plain-old-data struct stored under one key, framed with a format version
// and a CRC-32 so that a corrupted or foreign value is detected and rejected, never used.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include "evc/common/crc32.hpp"
#include "evc/storage/kv_store.hpp"

namespace evc::storage {

template <typename T>
Status WriteRecord(KvStore& kv, std::string_view key, uint8_t version, const T& value) {
  static_assert(std::is_trivially_copyable_v<T>, "records are plain data");
  static_assert(sizeof(T) + 5 <= kMaxValueSize, "record too large");
  uint8_t buf[sizeof(T) + 5];
  buf[0] = version;
  memcpy(buf + 1, &value, sizeof(T));
  const uint32_t crc = Crc32::Compute(buf, sizeof(T) + 1);
  memcpy(buf + 1 + sizeof(T), &crc, 4);
  return kv.Set(key, buf, sizeof(buf));
}

// kNotFound when absent; kDataLoss when the size, version or CRC does not match.
template <typename T>
Status ReadRecord(KvStore& kv, std::string_view key, uint8_t version, T* out) {
  static_assert(std::is_trivially_copyable_v<T>, "records are plain data");
  uint8_t buf[sizeof(T) + 5];
  const Result<size_t> n = kv.Get(key, buf, sizeof(buf));
  if (!n.ok()) {
    return n.status().code() == Errc::kResourceExhausted ? Status(Errc::kDataLoss) : n.status();
  }
  uint32_t crc = 0;
  if (*n != sizeof(buf) || buf[0] != version) {
    return Errc::kDataLoss;
  }
  memcpy(&crc, buf + 1 + sizeof(T), 4);
  if (crc != Crc32::Compute(buf, sizeof(T) + 1)) {
    return Errc::kDataLoss;
  }
  memcpy(out, buf + 1, sizeof(T));
  return OkStatus();
}

}  // namespace evc::storage
