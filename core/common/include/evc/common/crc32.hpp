#pragma once
// CRC-32 as used by zlib, PNG and Ethernet (IEEE 802.3: reflected polynomial 0xEDB88320, initial
// value and final XOR 0xFFFFFFFF). Check value: Crc32::Compute("123456789") == 0xCBF43926.
//
// Why by hand: the storage layer needs an integrity check on every flash record (DESIGN.md rule 6)
// and the core may not pull in zlib or a platform ROM routine; a 1 KiB table-driven CRC is the
// smallest dependable option. Detects every burst error up to 32 bits; it is no defence against a
// deliberate forgery (records are not authenticated).

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace evc {

class Crc32 {
 public:
  // One-shot CRC of a buffer.
  static uint32_t Compute(const void* data, size_t len);
  static uint32_t Compute(std::string_view text) { return Compute(text.data(), text.size()); }

  // Incremental use: feeding a buffer in pieces gives the same value as one Compute() over it.
  void Update(const void* data, size_t len);
  void Update(std::string_view text) { Update(text.data(), text.size()); }
  uint32_t value() const { return state_ ^ kFinalXor; }
  void Reset() { state_ = kInitial; }

 private:
  static constexpr uint32_t kInitial = 0xFFFFFFFFu;
  static constexpr uint32_t kFinalXor = 0xFFFFFFFFu;
  uint32_t state_ = kInitial;
};

}  // namespace evc
