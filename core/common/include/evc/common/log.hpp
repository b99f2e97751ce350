#pragma once
// Logging seam. The core formats into a fixed stack buffer and hands lines to a LogSink
// (UART/ESP_LOG on the device, stderr or JSON events on Linux). No allocation.

#include <cstdarg>
#include <cstdint>

namespace evc {

enum class LogLevel : uint8_t { kDebug, kInfo, kWarn, kError };
const char* LogLevelName(LogLevel level);

class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Write(LogLevel level, const char* tag, const char* text) = 0;
};

// A sink that drops everything; the default until a port installs one.
class NullLogSink final : public LogSink {
 public:
  void Write(LogLevel, const char*, const char*) override {}
};

// Longest formatted log line; longer text is cut and marked with "..." (a log line, not data).
constexpr int kMaxLogLine = 192;

class Logger {
 public:
  explicit Logger(LogSink* sink, LogLevel min_level = LogLevel::kInfo)
      : sink_(sink), min_level_(min_level) {}
  void set_min_level(LogLevel level) { min_level_ = level; }
  void set_sink(LogSink* sink) { sink_ = sink; }
  void Log(LogLevel level, const char* tag, const char* fmt, ...)
      __attribute__((format(printf, 4, 5)));
  void VLog(LogLevel level, const char* tag, const char* fmt, va_list args);

 private:
  LogSink* sink_;
  LogLevel min_level_;
};

}  // namespace evc

#define EVC_LOGD(logger, tag, ...) (logger).Log(::evc::LogLevel::kDebug, tag, __VA_ARGS__)
#define EVC_LOGI(logger, tag, ...) (logger).Log(::evc::LogLevel::kInfo, tag, __VA_ARGS__)
#define EVC_LOGW(logger, tag, ...) (logger).Log(::evc::LogLevel::kWarn, tag, __VA_ARGS__)
#define EVC_LOGE(logger, tag, ...) (logger).Log(::evc::LogLevel::kError, tag, __VA_ARGS__)
