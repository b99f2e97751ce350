#pragma once
// Fake of the heap statistics seam (evc/common/heap.hpp): the test sets the figures.

#include <cstddef>

#include "evc/common/heap.hpp"

namespace evc::testing {

class FakeHeapStats final : public HeapStats {
 public:
  size_t TotalBytes() override {
    ++reads;
    return total;
  }
  size_t FreeBytes() override { return free; }
  size_t MinFreeBytes() override { return min_free; }
  // Sets free heap as an allocator would: the low-water mark follows it down.
  void SetFree(size_t bytes) {
    free = bytes;
    if (bytes < min_free) {
      min_free = bytes;
    }
  }
  size_t total = 256 * 1024;
  size_t free = 200 * 1024;
  size_t min_free = 200 * 1024;
  int reads = 0;  // TotalBytes() calls: one per report
};

}  // namespace evc::testing
