#include "evc/posix/log_sink.hpp"

#include <cinttypes>

namespace evc::posix {

namespace {

// Writes s with every control character replaced, so a record cannot span lines or carry
// terminal escape sequences.
void PutSanitized(FILE* stream, const char* s) {
  if (s == nullptr) {
    return;
  }
  for (; *s != '\0'; ++s) {
    const unsigned char c = static_cast<unsigned char>(*s);
    fputc((c < 0x20 || c == 0x7f) ? '?' : c, stream);
  }
}

constexpr uint64_t kMsPerSecond = 1000;

}  // namespace

void FileLogSink::Write(LogLevel level, const char* tag, const char* text) {
  if (stream_ == nullptr) {
    return;
  }
  flockfile(stream_);
  if (clock_ != nullptr) {
    const uint64_t ms = clock_->MonotonicMs();
    fprintf(stream_, "[%" PRIu64 ".%03" PRIu64 "] ", ms / kMsPerSecond, ms % kMsPerSecond);
  }
  fputs(LogLevelName(level), stream_);
  fputc(' ', stream_);
  PutSanitized(stream_, tag);
  fputs(": ", stream_);
  PutSanitized(stream_, text);
  fputc('\n', stream_);
  fflush(stream_);
  funlockfile(stream_);
}

}  // namespace evc::posix
