#pragma once
// Seeding evc::Rng from the operating system.

#include <cstdint>

#include "evc/common/status.hpp"

namespace evc::posix {

// 64 bits from getrandom(2) (the kernel CSPRNG; blocks only until it is initialised at early
// boot). kIo if the kernel refuses. Use it to seed evc::XoshiroRng; a deterministic simulation
// passes a fixed seed instead.
Result<uint64_t> SeedFromOs();

}  // namespace evc::posix
