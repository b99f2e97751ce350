#include "evc/common/log.hpp"

#include <cstdio>
#include <cstring>

namespace evc {

const char* LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "?";
}

void Logger::Log(LogLevel level, const char* tag, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  VLog(level, tag, fmt, args);
  va_end(args);
}

void Logger::VLog(LogLevel level, const char* tag, const char* fmt, va_list args) {
  if (sink_ == nullptr || level < min_level_) {
    return;
  }
  char line[kMaxLogLine];
  const int n = vsnprintf(line, sizeof(line), fmt, args);
  if (n >= static_cast<int>(sizeof(line))) {
    memcpy(line + sizeof(line) - 4, "...", 4);
  }
  sink_->Write(level, tag, line);
}

}  // namespace evc
