#include "evc/posix/heap_stats.hpp"

#include <malloc.h>

#ifdef __SANITIZE_ADDRESS__
// Part of the sanitizer runtime's public interface (sanitizer/allocator_interface.h, which not
// every toolchain installs).
extern "C" size_t __sanitizer_get_current_allocated_bytes(void);
#endif

namespace evc::posix {

size_t AllocatorInUseBytes() {
#ifdef __SANITIZE_ADDRESS__
  return __sanitizer_get_current_allocated_bytes();
#else
  const struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
#endif
}

MallocHeapStats::MallocHeapStats(size_t budget_bytes)
    : budget_(budget_bytes), min_free_(budget_bytes) {
  Sample();
}

size_t MallocHeapStats::Sample() {
  const size_t in_use = AllocatorInUseBytes();
  const size_t free_bytes = in_use < budget_ ? budget_ - in_use : 0;
  if (free_bytes < min_free_) {
    min_free_ = free_bytes;
  }
  return free_bytes;
}

size_t MallocHeapStats::FreeBytes() {
  return Sample();
}

size_t MallocHeapStats::MinFreeBytes() {
  Sample();
  return min_free_;
}

size_t MallocHeapStats::InUseBytes() {
  const size_t free_bytes = Sample();
  return budget_ - free_bytes;
}

}  // namespace evc::posix
