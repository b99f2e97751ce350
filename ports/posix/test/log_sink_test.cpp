#include "evc/posix/log_sink.hpp"

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "evc/testing/fakes.hpp"

namespace evc::posix {
namespace {

std::string Capture(const std::function<void(FILE*)>& write) {
  char* data = nullptr;
  size_t size = 0;
  FILE* f = open_memstream(&data, &size);
  write(f);
  fclose(f);
  std::string s(data, size);
  free(data);
  return s;
}

TEST(FileLogSinkTest, WritesOneLineWithLevelTagAndText) {
  const std::string out = Capture([](FILE* f) {
    FileLogSink sink(f);
    sink.Write(LogLevel::kWarn, "ocpp", "boot rejected");
  });
  EXPECT_EQ(out, std::string(LogLevelName(LogLevel::kWarn)) + " ocpp: boot rejected\n");
}

TEST(FileLogSinkTest, ControlCharactersCannotSplitTheLine) {
  const std::string out = Capture([](FILE* f) {
    FileLogSink sink(f);
    sink.Write(LogLevel::kInfo, "t\ng", "a\nfake line\r\x1b[31m");
  });
  EXPECT_EQ(out, std::string(LogLevelName(LogLevel::kInfo)) + " t?g: a?fake line??[31m\n");
}

TEST(FileLogSinkTest, PrefixesTheMonotonicTimeWhenGivenAClock) {
  testing::FakeClock clock;
  clock.now_ms = 12345;
  const std::string out = Capture([&](FILE* f) {
    FileLogSink sink(f, &clock);
    sink.Write(LogLevel::kError, "x", "y");
  });
  EXPECT_EQ(out, std::string("[12.345] ") + LogLevelName(LogLevel::kError) + " x: y\n");
}

TEST(FileLogSinkTest, WorksBehindTheLogger) {
  const std::string out = Capture([](FILE* f) {
    FileLogSink sink(f);
    Logger logger(&sink, LogLevel::kInfo);
    EVC_LOGD(logger, "t", "hidden %d", 1);
    EVC_LOGI(logger, "t", "shown %d", 2);
  });
  EXPECT_EQ(out, std::string(LogLevelName(LogLevel::kInfo)) + " t: shown 2\n");
}

}  // namespace
}  // namespace evc::posix
