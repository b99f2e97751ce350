#pragma once
// Timing constants of the charging controller, named (no time literal in logic).

#include <cstdint>

namespace evc::charging::timing {

constexpr uint32_t kGunLockTimeoutMs = 2000;        // lock feedback must confirm within
constexpr uint32_t kPrechargeTimeoutMs = 10000;     // module output reaching the battery voltage
constexpr uint32_t kContactorCloseTimeoutMs = 500;  // feedback after the close command
constexpr uint32_t kCurrentDecayTimeoutMs = 1000;   // wait for current to fall before opening
constexpr uint32_t kDischargeTimeoutMs = 5000;      // output voltage to fall before unlocking
constexpr uint32_t kModuleReadyTimeoutMs = 5000;    // module online with capability at start

}  // namespace evc::charging::timing
