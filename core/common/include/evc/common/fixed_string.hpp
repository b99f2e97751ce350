#pragma once
// A string with inline storage of N characters. Assigning text that does not fit is an error,
// never a silent truncation (DESIGN.md rule 7) — this is what OCPP CiStringNType maps onto.

#include <cstddef>
#include <cstring>
#include <string_view>

#include "evc/common/status.hpp"

namespace evc {

template <size_t N>
class FixedString {
 public:
  static constexpr size_t kCapacity = N;
  FixedString() { buf_[0] = '\0'; }
  Status Assign(std::string_view s) {
    if (s.size() > N) {
      return Errc::kResourceExhausted;
    }
    memcpy(buf_, s.data(), s.size());
    len_ = s.size();
    buf_[len_] = '\0';
    return OkStatus();
  }
  void Clear() {
    len_ = 0;
    buf_[0] = '\0';
  }
  const char* c_str() const { return buf_; }
  size_t size() const { return len_; }
  bool empty() const { return len_ == 0; }
  std::string_view view() const { return std::string_view(buf_, len_); }
  bool operator==(std::string_view o) const { return view() == o; }
  bool operator!=(std::string_view o) const { return view() != o; }

 private:
  char buf_[N + 1];
  size_t len_ = 0;
};

// ASCII case-insensitive comparison (OCPP CiString semantics).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace evc
