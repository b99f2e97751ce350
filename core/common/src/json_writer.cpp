#include "evc/common/json_writer.hpp"

#include <cmath>
#include <cstring>

namespace evc::json {

Writer::Writer(char* buf, size_t cap) : buf_(buf), cap_(cap) {
  if (cap_ > 0) {
    buf_[0] = '\0';
  }
}

void Writer::Reset() {
  len_ = 0;
  overflow_ = false;
  invalid_ = false;
  depth_ = 0;
  after_key_ = false;
  need_comma_[0] = false;
  if (cap_ > 0) {
    buf_[0] = '\0';
  }
}

Status Writer::status() const {
  if (overflow_) {
    return Errc::kResourceExhausted;
  }
  if (invalid_ || depth_ != 0) {
    return Errc::kInternal;
  }
  return OkStatus();
}

void Writer::Put(char c) {
  if (overflow_) {
    return;
  }
  if (len_ + 1 >= cap_) {  // keep room for the terminating NUL
    overflow_ = true;
    return;
  }
  buf_[len_++] = c;
  buf_[len_] = '\0';
}

void Writer::Put(std::string_view s) {
  if (overflow_) {
    return;
  }
  // As many characters as fit before the terminating NUL; the rest is an overflow.
  const size_t room = cap_ > len_ + 1 ? cap_ - len_ - 1 : 0;
  const size_t n = s.size() < room ? s.size() : room;
  memcpy(buf_ + len_, s.data(), n);
  len_ += n;
  buf_[len_] = '\0';
  if (n < s.size()) {
    overflow_ = true;
  }
}

void Writer::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (need_comma_[depth_]) {
    Put(',');
  }
  need_comma_[depth_] = true;
}

Writer& Writer::BeginObject() {
  BeforeValue();
  Put('{');
  if (depth_ >= kMaxDepth) {
    invalid_ = true;
    return *this;
  }
  need_comma_[++depth_] = false;
  return *this;
}

Writer& Writer::EndObject() {
  if (depth_ == 0) {
    invalid_ = true;
    return *this;
  }
  --depth_;
  Put('}');
  return *this;
}

Writer& Writer::BeginArray() {
  BeforeValue();
  Put('[');
  if (depth_ >= kMaxDepth) {
    invalid_ = true;
    return *this;
  }
  need_comma_[++depth_] = false;
  return *this;
}

Writer& Writer::EndArray() {
  if (depth_ == 0) {
    invalid_ = true;
    return *this;
  }
  --depth_;
  Put(']');
  return *this;
}

Writer& Writer::Key(std::string_view key) {
  String(key);
  Put(':');
  after_key_ = true;
  return *this;
}

namespace {
// Characters JSON strings carry as they are: everything but the control characters, '"' and '\\'.
struct PlainTable {
  bool plain[256];
  constexpr PlainTable() : plain() {
    for (int c = 0; c < 256; ++c) {
      plain[c] = c >= 0x20 && c != '"' && c != '\\';
    }
  }
};
constexpr PlainTable kPlain;
}  // namespace

Writer& Writer::String(std::string_view value) {
  BeforeValue();
  Put('"');
  const auto* p = reinterpret_cast<const unsigned char*>(value.data());
  const auto* const end = p + value.size();
  while (true) {
    // The run of characters that need no escaping goes out in one copy.
    const auto* run = p;
    while (p != end && kPlain.plain[*p]) {
      ++p;
    }
    Put(std::string_view(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run)));
    if (p == end) {
      break;
    }
    const unsigned char c = *p++;
    switch (c) {
      case '"':
        Put("\\\"");
        break;
      case '\\':
        Put("\\\\");
        break;
      case '\n':
        Put("\\n");
        break;
      case '\r':
        Put("\\r");
        break;
      case '\t':
        Put("\\t");
        break;
      case '\b':
        Put("\\b");
        break;
      case '\f':
        Put("\\f");
        break;
      default: {  // the other control characters
        constexpr char kHex[] = "0123456789abcdef";
        const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        Put(std::string_view(esc, sizeof(esc)));
      }
    }
  }
  Put('"');
  return *this;
}

namespace {
constexpr int kMaxDecimals = 6;
constexpr double kMaxFixedMagnitude = 9.0e18;  // below INT64_MAX after scaling

// Writes the digits of `v` (any magnitude, including INT64_MIN) with a sign; returns the length.
size_t WriteInt(int64_t v, char* out, size_t cap) {
  char digits[20];
  size_t n = 0;
  uint64_t u = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  do {
    digits[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  const size_t len = n + (v < 0 ? 1 : 0);
  if (len + 1 > cap) {
    return 0;
  }
  size_t o = 0;
  if (v < 0) {
    out[o++] = '-';
  }
  while (n > 0) {
    out[o++] = digits[--n];
  }
  out[o] = '\0';
  return o;
}
}  // namespace

size_t FormatInt(int64_t value, char* out, size_t cap) {
  return WriteInt(value, out, cap);
}

size_t FormatFixed(double value, int decimals, char* out, size_t cap) {
  if (!std::isfinite(value) || decimals < 0 || decimals > kMaxDecimals) {
    return 0;
  }
  int64_t scale = 1;
  for (int i = 0; i < decimals; ++i) {
    scale *= 10;
  }
  const double scaled = value * static_cast<double>(scale);
  if (std::fabs(scaled) >= kMaxFixedMagnitude) {
    return 0;
  }
  const int64_t v = std::llround(scaled);
  const uint64_t mag = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  size_t o = 0;
  if (v < 0) {
    if (cap < 2)
      return 0;
    out[o++] = '-';
  }
  const size_t int_len =
      WriteInt(static_cast<int64_t>(mag / static_cast<uint64_t>(scale)), out + o, cap - o);
  if (int_len == 0) {
    return 0;
  }
  o += int_len;
  if (decimals > 0) {
    if (o + 1 + static_cast<size_t>(decimals) + 1 > cap) {
      return 0;
    }
    out[o++] = '.';
    uint64_t frac = mag % static_cast<uint64_t>(scale);
    for (int i = decimals - 1; i >= 0; --i) {
      out[o + static_cast<size_t>(i)] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    o += static_cast<size_t>(decimals);
    out[o] = '\0';
  }
  return o;
}

Writer& Writer::Int(int64_t value) {
  BeforeValue();
  char num[24];
  FormatInt(value, num, sizeof(num));
  Put(num);
  return *this;
}

Writer& Writer::Decimal(double value, int decimals) {
  if (!std::isfinite(value) || decimals < 0 || decimals > 6) {
    invalid_ = true;  // JSON has no NaN/Inf; callers validate before writing
    return *this;
  }
  char num[40];
  if (FormatFixed(value, decimals, num, sizeof(num)) == 0) {
    invalid_ = true;  // out of the range a fixed-point text can carry
    return *this;
  }
  BeforeValue();
  Put(num);
  return *this;
}

Writer& Writer::Bool(bool value) {
  BeforeValue();
  Put(value ? "true" : "false");
  return *this;
}

Writer& Writer::Null() {
  BeforeValue();
  Put("null");
  return *this;
}

Writer& Writer::Raw(std::string_view json) {
  BeforeValue();
  Put(json);
  return *this;
}

}  // namespace evc::json
