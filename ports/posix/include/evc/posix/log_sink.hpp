#pragma once
// evc::LogSink writing one line per record to a stdio stream (stderr by default).

#include <cstdio>

#include "evc/common/clock.hpp"
#include "evc/common/log.hpp"

namespace evc::posix {

// Line format: "[<monotonic s.ms>] <LEVEL> <tag>: <text>" (the time prefix only when a clock is
// given). Control characters in tag or text (e.g. a newline inside a CSMS string) are written as
// '?' so one record is always exactly one line. Every line is flushed, so a crash loses nothing.
class FileLogSink final : public LogSink {
 public:
  // The stream is not owned and must outlive the sink.
  explicit FileLogSink(FILE* stream, const Clock* clock = nullptr)
      : stream_(stream), clock_(clock) {}
  void Write(LogLevel level, const char* tag, const char* text) override;

 private:
  FILE* stream_;
  const Clock* clock_;
};

// The usual choice for the simulator and host tools.
class StderrLogSink final : public LogSink {
 public:
  explicit StderrLogSink(const Clock* clock = nullptr) : sink_(stderr, clock) {}
  void Write(LogLevel level, const char* tag, const char* text) override {
    sink_.Write(level, tag, text);
  }

 private:
  FileLogSink sink_;
};

}  // namespace evc::posix
