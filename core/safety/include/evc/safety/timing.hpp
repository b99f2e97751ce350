#pragma once
// Timing constants of the safety layer, named (no time literal in logic).

#include <cstdint>

namespace evc::safety::timing {

constexpr uint32_t kOverVoltageSustainMs = 100;  // above the sustained threshold this long
constexpr uint32_t kOverCurrentSustainMs = 500;
constexpr uint32_t kOverTemperatureSustainMs = 5000;
constexpr uint32_t kContactorFeedbackMs = 100;  // feedback must follow the command within
constexpr uint32_t kBmsAliveMs = 1000;          // valid vehicle data at least this recent
constexpr uint32_t kControlTickMs = 10;         // the supervisor runs every tick

}  // namespace evc::safety::timing
