#include "evc/common/crc32.hpp"

#include <array>

namespace evc {

namespace {

constexpr uint32_t kPolynomial = 0xEDB88320u;  // 0x04C11DB7 bit-reversed

// Remainder of every possible byte value, computed by the compiler (lives in flash).
constexpr std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t r = i;
    for (int bit = 0; bit < 8; ++bit) {
      r = (r & 1u) != 0 ? (r >> 1) ^ kPolynomial : r >> 1;
    }
    table[i] = r;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kTable = MakeTable();

}  // namespace

void Crc32::Update(const void* data, size_t len) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint32_t s = state_;
  for (size_t i = 0; i < len; ++i) {
    s = kTable[(s ^ p[i]) & 0xFFu] ^ (s >> 8);
  }
  state_ = s;
}

uint32_t Crc32::Compute(const void* data, size_t len) {
  Crc32 crc;
  crc.Update(data, len);
  return crc.value();
}

}  // namespace evc
