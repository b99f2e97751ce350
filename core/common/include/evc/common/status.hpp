#pragma once
// Errors are values in the core: no exceptions (DESIGN.md rule 3).

#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

namespace evc {

enum class Errc : uint8_t {
  kOk = 0,
  kInvalidArgument,  // caller passed something malformed
  kOutOfRange,       // value outside its allowed range
  kNotFound,         // key / item does not exist
  kAlreadyExists,
  kResourceExhausted,  // a fixed-capacity buffer or queue is full
  kBusy,               // try again later (e.g. a CALL is already in flight)
  kUnavailable,        // peer or device not reachable right now
  kDataLoss,           // stored data failed its integrity check
  kIo,                 // platform I/O failed
  kFailedPrecondition,
  kTimeout,
  kInternal,
};

const char* ErrcName(Errc e);

class [[nodiscard]] Status {
 public:
  constexpr Status() = default;
  constexpr Status(Errc code) : code_(code) {}  // NOLINT: implicit on purpose
  constexpr bool ok() const { return code_ == Errc::kOk; }
  constexpr Errc code() const { return code_; }
  const char* name() const { return ErrcName(code_); }
  // Spelled out where dropping a status is a deliberate decision.
  void IgnoreError() const {}
  constexpr bool operator==(const Status& o) const { return code_ == o.code_; }
  constexpr bool operator!=(const Status& o) const { return code_ != o.code_; }

 private:
  Errc code_ = Errc::kOk;
};

inline constexpr Status OkStatus() {
  return Status();
}

// A value or an error. T must be default-constructible; kept deliberately small.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(const T& v) : value_(v) {}        // NOLINT
  Result(T&& v) : value_(std::move(v)) {}  // NOLINT
  Result(Errc e) : status_(e) {}           // NOLINT
  Result(Status s) : status_(s) {}         // NOLINT
  bool ok() const { return status_.ok(); }
  Status status() const { return status_; }
  const T& value() const { return value_; }
  T& value() { return value_; }
  const T& operator*() const { return value_; }
  const T* operator->() const { return &value_; }
  T value_or(T fallback) const { return ok() ? value_ : fallback; }

 private:
  Status status_;
  T value_{};
};

}  // namespace evc

#define EVC_TRY(expr)                       \
  do {                                      \
    ::evc::Status evc_try_status_ = (expr); \
    if (!evc_try_status_.ok()) {            \
      return evc_try_status_;               \
    }                                       \
  } while (0)
