#pragma once
// evc::HeapStats on Linux. A process on Linux has no fixed heap, so "free" is measured against a
// configured budget: free = budget - bytes the allocator has handed out and not taken back.
// The figure comes from glibc's mallinfo2() (arena bytes in use + mmap()ed blocks), or, in an
// AddressSanitizer build (which replaces malloc, leaving mallinfo2() at zero), from the
// sanitizer allocator's own count. The minimum is the lowest free figure seen by a sample (every
// FreeBytes()/MinFreeBytes()/InUseBytes() call), not by every allocation as on the ESP32.

#include <cstddef>

#include "evc/common/heap.hpp"

namespace evc::posix {

// Heap budget of the simulated charger: a few times what evc-sim uses (about 1 MB with the
// WebSocket and TLS libraries), so a steady growth shows as a shrinking free figure long
// before the host runs short.
constexpr size_t kSimHeapBudgetBytes = 8 * 1024 * 1024;

class MallocHeapStats final : public HeapStats {
 public:
  explicit MallocHeapStats(size_t budget_bytes = kSimHeapBudgetBytes);
  size_t TotalBytes() override { return budget_; }
  size_t FreeBytes() override;
  size_t MinFreeBytes() override;
  // Bytes in use now according to the allocator (also a sample for the minimum).
  size_t InUseBytes();

 private:
  size_t Sample();  // returns free bytes and lowers min_free_

  size_t budget_;
  size_t min_free_;
};

// The allocator's in-use figure, as described above.
size_t AllocatorInUseBytes();

}  // namespace evc::posix
