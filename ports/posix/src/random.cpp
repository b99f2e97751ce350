#include "evc/posix/random.hpp"

#include <errno.h>
#include <sys/random.h>

#include <cstring>

namespace evc::posix {

Result<uint64_t> SeedFromOs() {
  uint8_t bytes[sizeof(uint64_t)];
  size_t got = 0;
  while (got < sizeof(bytes)) {
    const ssize_t n = getrandom(bytes + got, sizeof(bytes) - got, 0);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Errc::kIo;
    }
    got += static_cast<size_t>(n);
  }
  uint64_t seed = 0;
  memcpy(&seed, bytes, sizeof(seed));
  return seed;
}

}  // namespace evc::posix
