#pragma once
// Heap monitoring seam. The port reports the allocator's statistics through HeapStats; the
// HeapMonitor logs them every kHeapReportIntervalMs and warns when free heap runs low.
//
// ESP32 mapping (ESP-IDF components/heap/include/esp_heap_caps.h):
//   TotalBytes()   -> heap_caps_get_total_size(MALLOC_CAP_DEFAULT)
//   FreeBytes()    -> heap_caps_get_free_size(MALLOC_CAP_DEFAULT)
//   MinFreeBytes() -> heap_caps_get_minimum_free_size(MALLOC_CAP_DEFAULT)  (low-water mark
//                     kept by the allocator itself since boot)
// POSIX: evc::posix::MallocHeapStats (allocator statistics against a configured budget).

#include <cstddef>
#include <cstdint>

#include "evc/common/log.hpp"

namespace evc {

// How often the firmware reports free and minimum-free heap.
constexpr uint32_t kHeapReportIntervalMs = 60000;
// Below this much free heap the report is a warning. A TLS handshake with the CSMS needs a few
// tens of KB at once, so less than this puts the next reconnect at risk.
constexpr size_t kHeapWarnBelowBytes = 32 * 1024;

class HeapStats {
 public:
  virtual ~HeapStats() = default;
  // Size of the heap the figures below refer to.
  virtual size_t TotalBytes() = 0;
  // Bytes free now (not necessarily in one block).
  virtual size_t FreeBytes() = 0;
  // Lowest FreeBytes() since boot (a low-water mark; never above FreeBytes()).
  virtual size_t MinFreeBytes() = 0;
};

struct HeapReport {
  size_t total_bytes = 0;
  size_t free_bytes = 0;
  size_t min_free_bytes = 0;
  size_t in_use_bytes = 0;  // total - free
  bool warning = false;
};

class HeapMonitor {
 public:
  HeapMonitor(HeapStats& stats, Logger& log, size_t warn_below_bytes = kHeapWarnBelowBytes,
              uint32_t interval_ms = kHeapReportIntervalMs);

  // Takes a report when one is due (the first call always reports, then every interval).
  // Returns true when it did; last() then holds the new report.
  bool Poll(uint64_t now_ms);

  const HeapReport& last() const { return last_; }
  uint32_t reports() const { return reports_; }
  uint32_t warnings() const { return warnings_; }

 private:
  void Report();

  HeapStats& stats_;
  Logger& log_;
  size_t warn_below_;
  uint32_t interval_ms_;
  bool started_ = false;
  uint64_t next_due_ms_ = 0;
  size_t warned_min_free_ = SIZE_MAX;  // low-water mark already warned about
  HeapReport last_;
  uint32_t reports_ = 0;
  uint32_t warnings_ = 0;
};

}  // namespace evc
