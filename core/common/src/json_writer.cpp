#include "evc/common/json_writer.hpp"

#include <cmath>
#include <cstdio>

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
  for (char c : s) {
    Put(c);
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

Writer& Writer::String(std::string_view value) {
  BeforeValue();
  Put('"');
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
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
      default:
        if (c < 0x20) {
          char esc[8];
          snprintf(esc, sizeof(esc), "\\u%04x", c);
          Put(esc);
        } else {
          Put(static_cast<char>(c));
        }
    }
  }
  Put('"');
  return *this;
}

Writer& Writer::Int(int64_t value) {
  BeforeValue();
  char num[24];
  snprintf(num, sizeof(num), "%lld", static_cast<long long>(value));
  Put(num);
  return *this;
}

Writer& Writer::Decimal(double value, int decimals) {
  if (!std::isfinite(value) || decimals < 0 || decimals > 6) {
    invalid_ = true;  // JSON has no NaN/Inf; callers validate before writing
    return *this;
  }
  BeforeValue();
  char num[40];
  snprintf(num, sizeof(num), "%.*f", decimals, value);
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
