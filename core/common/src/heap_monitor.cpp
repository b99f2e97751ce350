#include "evc/common/heap.hpp"

namespace evc {

namespace {
constexpr const char* kTag = "heap";
}  // namespace

HeapMonitor::HeapMonitor(HeapStats& stats, Logger& log, size_t warn_below_bytes,
                         uint32_t interval_ms)
    : stats_(stats),
      log_(log),
      warn_below_(warn_below_bytes),
      interval_ms_(interval_ms == 0 ? 1 : interval_ms) {}

bool HeapMonitor::Poll(uint64_t now_ms) {
  if (started_ && now_ms < next_due_ms_) {
    return false;
  }
  // The next report is one interval after this one: a late poll moves the schedule rather than
  // producing a burst of catch-up reports.
  started_ = true;
  next_due_ms_ = now_ms + interval_ms_;
  Report();
  return true;
}

void HeapMonitor::Report() {
  HeapReport r;
  r.total_bytes = stats_.TotalBytes();
  r.free_bytes = stats_.FreeBytes();
  r.min_free_bytes = stats_.MinFreeBytes();
  if (r.min_free_bytes > r.free_bytes) {
    r.min_free_bytes = r.free_bytes;  // a port sampling at different instants: keep it ordered
  }
  r.in_use_bytes = r.total_bytes > r.free_bytes ? r.total_bytes - r.free_bytes : 0;
  // Low now, or a dip below the threshold since the last report that was not warned about yet
  // (the low-water mark catches what happened between two polls).
  const bool low_now = r.free_bytes < warn_below_;
  const bool new_dip = r.min_free_bytes < warn_below_ && r.min_free_bytes < warned_min_free_;
  r.warning = low_now || new_dip;
  if (r.warning) {
    warned_min_free_ = r.min_free_bytes;
    ++warnings_;
    EVC_LOGW(log_, kTag, "low heap: free %lu B, min free %lu B, threshold %lu B",
             static_cast<unsigned long>(r.free_bytes), static_cast<unsigned long>(r.min_free_bytes),
             static_cast<unsigned long>(warn_below_));
  } else {
    EVC_LOGI(log_, kTag, "free %lu B, min free %lu B, in use %lu B of %lu B",
             static_cast<unsigned long>(r.free_bytes), static_cast<unsigned long>(r.min_free_bytes),
             static_cast<unsigned long>(r.in_use_bytes), static_cast<unsigned long>(r.total_bytes));
  }
  last_ = r;
  ++reports_;
}

}  // namespace evc
