#pragma once
// Randomness is injected (DESIGN.md rule 5) so a seeded run replays exactly.

#include <cstdint>

namespace evc {

class Rng {
 public:
  virtual ~Rng() = default;
  virtual uint32_t NextU32() = 0;
  // Uniform in [lo, hi] (inclusive); hi >= lo.
  uint32_t Uniform(uint32_t lo, uint32_t hi) {
    const uint64_t span = static_cast<uint64_t>(hi) - lo + 1;
    return lo + static_cast<uint32_t>((static_cast<uint64_t>(NextU32()) * span) >> 32);
  }
};

// xoshiro128** — small, fast, good enough for ids and jitter; seeded by the port (hardware RNG
// on ESP32, getrandom() on Linux, a fixed seed in the deterministic simulator).
class XoshiroRng final : public Rng {
 public:
  explicit XoshiroRng(uint64_t seed) { Seed(seed); }
  void Seed(uint64_t seed);
  uint32_t NextU32() override;

 private:
  uint32_t s_[4] = {};
};

}  // namespace evc
