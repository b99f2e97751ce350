#pragma once
// Fakes of the platform seams for unit tests: a manual clock, an in-memory KvStore with fault
// injection, a transport that records frames, a sink that records log lines.

#include <cstdint>
#include <cstring>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "evc/common/clock.hpp"
#include "evc/common/log.hpp"
#include "evc/ocpp/transport.hpp"
#include "evc/storage/kv_store.hpp"

namespace evc::testing {

class FakeClock final : public Clock {
 public:
  uint64_t MonotonicMs() const override { return now_ms; }
  bool PlatformUtcMs(int64_t* out) const override {
    if (utc_ms < 0)
      return false;
    *out = utc_ms + static_cast<int64_t>(now_ms);
    return true;
  }
  void Advance(uint64_t ms) { now_ms += ms; }
  uint64_t now_ms = 1000;
  int64_t utc_ms = -1;  // platform UTC at monotonic 0; -1 = unknown
};

class MemoryKvStore final : public storage::KvStore {
 public:
  Result<size_t> Get(std::string_view key, uint8_t* buf, size_t cap) override {
    auto it = data.find(std::string(key));
    if (it == data.end())
      return Errc::kNotFound;
    if (it->second.size() > cap)
      return Errc::kResourceExhausted;
    if (!it->second.empty()) {
      memcpy(buf, it->second.data(), it->second.size());
    }
    return it->second.size();
  }
  Status Set(std::string_view key, const uint8_t* d, size_t len) override {
    if (!storage::IsValidKey(key))
      return Errc::kInvalidArgument;
    if (len > storage::kMaxValueSize)
      return Errc::kResourceExhausted;
    if (fail_writes)
      return Errc::kIo;
    ++writes;
    data[std::string(key)] = std::vector<uint8_t>(d, d + len);
    return OkStatus();
  }
  Status Erase(std::string_view key) override {
    if (fail_writes)
      return Errc::kIo;
    data.erase(std::string(key));
    return OkStatus();
  }
  std::map<std::string, std::vector<uint8_t>> data;
  bool fail_writes = false;
  int writes = 0;
};

class FakeTransport final : public ocpp::Transport {
 public:
  void SetListener(ocpp::TransportListener* l) override { listener = l; }
  Status Connect() override {
    ++connects;
    return OkStatus();
  }
  void Close() override {
    if (open) {
      open = false;
      if (listener)
        listener->OnTransportClosed(ocpp::CloseReason::kLocalClose);
    }
  }
  bool IsOpen() const override { return open; }
  Status Send(std::string_view text) override {
    if (!open)
      return Errc::kUnavailable;
    sent.emplace_back(text);
    return OkStatus();
  }
  void SetPingIntervalS(uint32_t s) override { ping_interval_s = s; }
  Status SetAuthorizationKey(std::string_view key) override {
    authorization_key = std::string(key);
    return OkStatus();
  }
  void Poll() override {}

  // Test driver side.
  void Open() {
    open = true;
    if (listener)
      listener->OnTransportOpen();
  }
  void Drop(ocpp::CloseReason r = ocpp::CloseReason::kPeerClosed) {
    open = false;
    if (listener)
      listener->OnTransportClosed(r);
  }
  void Deliver(const std::string& text) {
    if (listener)
      listener->OnTransportMessage(text);
  }
  std::string TakeFirst() {
    if (sent.empty())
      return "";
    std::string s = sent.front();
    sent.pop_front();
    return s;
  }

  ocpp::TransportListener* listener = nullptr;
  bool open = false;
  int connects = 0;
  uint32_t ping_interval_s = 0;
  std::string authorization_key;
  std::deque<std::string> sent;
};

class CapturingLogSink final : public LogSink {
 public:
  void Write(LogLevel level, const char* tag, const char* text) override {
    lines.push_back(std::string(LogLevelName(level)) + " " + tag + ": " + text);
  }
  bool Contains(const std::string& needle) const {
    for (const auto& l : lines) {
      if (l.find(needle) != std::string::npos)
        return true;
    }
    return false;
  }
  std::vector<std::string> lines;
};

}  // namespace evc::testing
