#pragma once
// Streaming JSON writer into a caller-owned fixed buffer.
//
// Why by hand: cJSON (our parser) builds output from a heap-allocated tree; every outgoing OCPP
// frame would then cost a tree of small allocations. This writer emits straight into a bounded
// buffer with no allocation at all (DESIGN.md rule 4). Overflow is sticky and reported by ok(),
// never a silently truncated frame.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "evc/common/status.hpp"

namespace evc::json {

// Decimal text without printf: newlib-nano's printf (the MCU build) has no 64-bit or floating
// conversions, and these run for every meter value. Each returns the length written (a NUL
// follows), or 0 when `cap` is too small or the value cannot be written (NaN, out of range).
size_t FormatInt(int64_t value, char* out, size_t cap);
// Fixed-point with `decimals` (0..6) digits after the point, rounded half away from zero.
size_t FormatFixed(double value, int decimals, char* out, size_t cap);

class Writer {
 public:
  Writer(char* buf, size_t cap);
  Writer& BeginObject();
  Writer& EndObject();
  Writer& BeginArray();
  Writer& EndArray();
  Writer& Key(std::string_view key);
  Writer& String(std::string_view value);
  Writer& Int(int64_t value);
  // Fixed-point decimal with `decimals` digits after the point (no exponent, no NaN).
  Writer& Decimal(double value, int decimals);
  Writer& Bool(bool value);
  Writer& Null();
  // Inserts pre-serialised JSON (caller guarantees it is valid JSON).
  Writer& Raw(std::string_view json);
  // Convenience: "key": value.
  Writer& Field(std::string_view key, std::string_view value) { return Key(key).String(value); }
  Writer& Field(std::string_view key, const char* value) { return Key(key).String(value); }
  Writer& Field(std::string_view key, int64_t value) { return Key(key).Int(value); }
  Writer& Field(std::string_view key, int value) { return Key(key).Int(value); }
  // int32_t is `long` on arm-none-eabi, a distinct type from int there.
  template <typename T,
            typename = std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, int> &&
                                        !std::is_same_v<T, bool> && !std::is_same_v<T, int64_t>>>
  Writer& Field(std::string_view key, T value) {
    return Key(key).Int(static_cast<int64_t>(value));
  }
  Writer& Field(std::string_view key, bool value) { return Key(key).Bool(value); }

  bool ok() const { return !overflow_ && !invalid_; }
  Status status() const;
  std::string_view view() const { return std::string_view(buf_, len_); }
  size_t size() const { return len_; }
  void Reset();

 private:
  static constexpr int kMaxDepth = 16;
  void Put(char c);
  void Put(std::string_view s);
  void BeforeValue();
  char* buf_;
  size_t cap_;
  size_t len_ = 0;
  bool overflow_ = false;
  bool invalid_ = false;
  int depth_ = 0;
  bool need_comma_[kMaxDepth + 1] = {};
  bool after_key_ = false;
};

}  // namespace evc::json
