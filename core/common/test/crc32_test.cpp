#include "evc/common/crc32.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "evc/common/rng.hpp"

namespace evc {
namespace {

// Bit-at-a-time CRC straight from the definition, as an independent oracle for the table version.
uint32_t SlowCrc32(const uint8_t* p, size_t len) {
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < len; ++i) {
    crc ^= p[i];
    for (int b = 0; b < 8; ++b) {
      const uint32_t mask = 0u - (crc & 1u);
      crc = (crc >> 1) ^ (0xEDB88320u & mask);
    }
  }
  return ~crc;
}

TEST(Crc32, PublishedCheckValues) {
  EXPECT_EQ(0xCBF43926u, Crc32::Compute("123456789"));
  EXPECT_EQ(0x414FA339u, Crc32::Compute("The quick brown fox jumps over the lazy dog"));
  EXPECT_EQ(0xE8B7BE43u, Crc32::Compute("a"));
}

TEST(Crc32, EmptyInputIsZero) {
  EXPECT_EQ(0u, Crc32::Compute(nullptr, 0));
  Crc32 crc;
  EXPECT_EQ(0u, crc.value());
}

TEST(Crc32, MatchesBitwiseDefinitionOnRandomData) {
  XoshiroRng rng(20240601);
  for (int round = 0; round < 50; ++round) {
    std::vector<uint8_t> data(rng.Uniform(0, 600));
    for (auto& b : data) {
      b = static_cast<uint8_t>(rng.NextU32());
    }
    EXPECT_EQ(SlowCrc32(data.data(), data.size()), Crc32::Compute(data.data(), data.size()))
        << "length " << data.size();
  }
}

TEST(Crc32, IncrementalEqualsOneShotAtEverySplit) {
  const std::string_view text = "transaction journal record #42";
  const uint32_t whole = Crc32::Compute(text);
  for (size_t split = 0; split <= text.size(); ++split) {
    Crc32 crc;
    crc.Update(text.substr(0, split));
    crc.Update(text.substr(split));
    EXPECT_EQ(whole, crc.value()) << "split at " << split;
  }
}

TEST(Crc32, ResetStartsOver) {
  Crc32 crc;
  crc.Update("garbage");
  crc.Reset();
  crc.Update("123456789");
  EXPECT_EQ(0xCBF43926u, crc.value());
}

TEST(Crc32, EverySingleBitFlipIsDetected) {
  uint8_t data[64];
  for (size_t i = 0; i < sizeof(data); ++i) {
    data[i] = static_cast<uint8_t>(i * 37 + 11);
  }
  const uint32_t good = Crc32::Compute(data, sizeof(data));
  for (size_t i = 0; i < sizeof(data); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      data[i] ^= static_cast<uint8_t>(1u << bit);
      EXPECT_NE(good, Crc32::Compute(data, sizeof(data))) << "byte " << i << " bit " << bit;
      data[i] ^= static_cast<uint8_t>(1u << bit);
    }
  }
}

}  // namespace
}  // namespace evc
