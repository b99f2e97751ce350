#include "evc/sim/virtual_clock.hpp"

#include <cstdio>

namespace evc::sim {

bool InvariantLog::Check(bool ok, const char* fmt, ...) {
  ++checks_;
  if (ok) {
    return true;
  }
  ++violations_;
  if (messages_.size() < kMaxRecordedViolations) {
    char text[512];
    const int head = snprintf(text, sizeof(text),
                              "t=%llu ms: ", static_cast<unsigned long long>(clock_.now_ms()));
    va_list args;
    va_start(args, fmt);
    vsnprintf(text + head, sizeof(text) - static_cast<size_t>(head), fmt, args);
    va_end(args);
    messages_.emplace_back(text);
  }
  return false;
}

}  // namespace evc::sim
