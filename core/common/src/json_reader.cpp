// jsmn's implementation is compiled here and only here: JSMN_STATIC gives its functions internal
// linkage, so it cannot clash with another copy (on ESP-IDF the espressif/jsmn component compiles
// its own and its header carries declarations only). JSMN_STRICT makes jsmn refuse more on its
// own, but nothing below relies on it: Validate() checks the grammar whichever way jsmn was
// built. JSMN_PARENT_LINKS stays off: the navigation below does not need it, it would cost 4
// bytes per token, and it changes the token layout that the header shares with the library.
// This block must come before json_reader.hpp, whose include of <jsmn.h> asks for declarations.
#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "evc/common/json_reader.hpp"

#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace evc::json {

static_assert(kMaxTokens <= INT16_MAX, "token indices are stored in int16_t");
static_assert(sizeof(jsmntok_t) == 4 * sizeof(int), "jsmn built without JSMN_PARENT_LINKS");

namespace {

// Largest document Parse() takes: jsmn keeps positions in int.
constexpr size_t kMaxTextSize = INT_MAX / 2;
// 2^53: every integer up to here is exact in a double.
constexpr double kMaxExactInteger = 9007199254740992.0;
// Powers of ten that are exact in a double (Clinger's fast path).
constexpr double kExactPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                        1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                        1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
constexpr int kMaxExactPowerOfTen = 22;
constexpr uint64_t kMaxFastMantissa = 1ULL << 53;
constexpr int kMaxSignificantDigits = 19;  // fits uint64_t
constexpr int kExponentClamp = 100000;     // beyond any double; keeps the sum from overflowing

bool IsWs(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

bool Hex4(std::string_view s, size_t at, uint32_t* out) {
  if (at + 4 > s.size()) {
    return false;
  }
  uint32_t v = 0;
  for (size_t i = at; i < at + 4; ++i) {
    const char c = s[i];
    uint32_t d;
    if (c >= '0' && c <= '9') {
      d = static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      d = static_cast<uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      d = static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return false;
    }
    v = (v << 4) | d;
  }
  *out = v;
  return true;
}

// Decodes the character at s[*pos] — raw UTF-8 or an escape — into a code point and advances
// *pos past it. False, with a reason, for anything RFC 8259 / RFC 3629 do not allow.
bool NextChar(std::string_view s, size_t* pos, uint32_t* cp, const char** why) {
  size_t i = *pos;
  const auto c = static_cast<uint8_t>(s[i]);
  if (c == '\\') {
    if (i + 1 >= s.size()) {
      *why = "invalid escape in string";
      return false;
    }
    switch (s[i + 1]) {
      case '"':
        *cp = '"';
        break;
      case '\\':
        *cp = '\\';
        break;
      case '/':
        *cp = '/';
        break;
      case 'b':
        *cp = '\b';
        break;
      case 'f':
        *cp = '\f';
        break;
      case 'n':
        *cp = '\n';
        break;
      case 'r':
        *cp = '\r';
        break;
      case 't':
        *cp = '\t';
        break;
      case 'u': {
        uint32_t u;
        if (!Hex4(s, i + 2, &u)) {
          *why = "invalid \\u escape in string";
          return false;
        }
        i += 6;
        if (u >= 0xDC00 && u <= 0xDFFF) {
          *why = "lone surrogate in string";
          return false;
        }
        if (u >= 0xD800 && u <= 0xDBFF) {
          uint32_t low;
          if (i + 1 >= s.size() || s[i] != '\\' || s[i + 1] != 'u' || !Hex4(s, i + 2, &low) ||
              low < 0xDC00 || low > 0xDFFF) {
            *why = "lone surrogate in string";
            return false;
          }
          i += 6;
          u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00);
        }
        *cp = u;
        *pos = i;
        return true;
      }
      default:
        *why = "invalid escape in string";
        return false;
    }
    *pos = i + 2;
    return true;
  }
  if (c < 0x20) {
    *why = "control character in string";
    return false;
  }
  if (c < 0x80) {
    *cp = c;
    *pos = i + 1;
    return true;
  }
  // Multi-byte UTF-8 (RFC 3629 table 3.9): the range of the second byte rules out overlong
  // forms, UTF-16 surrogates and code points above U+10FFFF.
  size_t more;
  uint8_t lo = 0x80;
  uint8_t hi = 0xBF;
  uint32_t v;
  if (c >= 0xC2 && c <= 0xDF) {
    more = 1;
    v = c & 0x1Fu;
  } else if (c >= 0xE0 && c <= 0xEF) {
    more = 2;
    v = c & 0x0Fu;
    if (c == 0xE0) {
      lo = 0xA0;
    } else if (c == 0xED) {
      hi = 0x9F;
    }
  } else if (c >= 0xF0 && c <= 0xF4) {
    more = 3;
    v = c & 0x07u;
    if (c == 0xF0) {
      lo = 0x90;
    } else if (c == 0xF4) {
      hi = 0x8F;
    }
  } else {
    *why = "invalid UTF-8 in string";
    return false;
  }
  for (size_t k = 1; k <= more; ++k) {
    if (i + k >= s.size()) {
      *why = "invalid UTF-8 in string";
      return false;
    }
    const auto b = static_cast<uint8_t>(s[i + k]);
    const uint8_t min = k == 1 ? lo : 0x80;
    const uint8_t max = k == 1 ? hi : 0xBF;
    if (b < min || b > max) {
      *why = "invalid UTF-8 in string";
      return false;
    }
    v = (v << 6) | (b & 0x3Fu);
  }
  *cp = v;
  *pos = i + 1 + more;
  return true;
}

size_t Utf8Size(uint32_t cp) {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

size_t EncodeUtf8(uint32_t cp, char* out) {
  if (cp < 0x80) {
    out[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<char>(0xC0 | (cp >> 6));
    out[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (cp >> 12));
    out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (cp >> 18));
  out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

// RFC 8259 number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  if (i < n && s[i] == '-') {
    ++i;
  }
  if (i >= n || !IsDigit(s[i])) {
    return false;
  }
  if (s[i] == '0') {
    ++i;
  } else {
    while (i < n && IsDigit(s[i])) {
      ++i;
    }
  }
  if (i < n && s[i] == '.') {
    ++i;
    if (i >= n || !IsDigit(s[i])) {
      return false;
    }
    while (i < n && IsDigit(s[i])) {
      ++i;
    }
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
      ++i;
    }
    if (i >= n || !IsDigit(s[i])) {
      return false;
    }
    while (i < n && IsDigit(s[i])) {
      ++i;
    }
  }
  return i == n;
}

// Converts a literal that IsJsonNumber() accepted. Exact without the C library whenever the
// significant digits fit 2^53 and the decimal exponent is within ±22 (every number OCPP sends in
// practice); otherwise strtod(), which on newlib may allocate for such hard cases.
Result<double> ConvertNumber(std::string_view s) {
  if (s.size() > kMaxNumberLength) {
    return Errc::kOutOfRange;
  }
  size_t i = 0;
  const bool negative = s[0] == '-';
  if (negative) {
    ++i;
  }
  uint64_t mantissa = 0;
  int significant = 0;
  int exp10 = 0;
  bool exact = true;
  bool in_fraction = false;
  for (; i < s.size() && (IsDigit(s[i]) || s[i] == '.'); ++i) {
    if (s[i] == '.') {
      in_fraction = true;
      continue;
    }
    const auto d = static_cast<uint64_t>(s[i] - '0');
    if (significant < kMaxSignificantDigits) {
      mantissa = mantissa * 10 + d;
      if (mantissa != 0) {
        ++significant;
      }
      if (in_fraction) {
        --exp10;
      }
    } else {
      exact = exact && d == 0;  // a dropped non-zero digit needs the slow path
      if (!in_fraction) {
        ++exp10;
      }
    }
  }
  if (i < s.size()) {  // exponent
    ++i;
    bool exp_negative = false;
    if (s[i] == '+' || s[i] == '-') {
      exp_negative = s[i] == '-';
      ++i;
    }
    int e = 0;
    for (; i < s.size(); ++i) {
      if (e < kExponentClamp) {
        e = e * 10 + (s[i] - '0');
      }
    }
    exp10 += exp_negative ? -e : e;
  }
  if (mantissa == 0) {
    return negative ? -0.0 : 0.0;
  }
  if (exact && mantissa <= kMaxFastMantissa && exp10 >= -kMaxExactPowerOfTen &&
      exp10 <= kMaxExactPowerOfTen) {
    double v = static_cast<double>(mantissa);
    v = exp10 >= 0 ? v * kExactPowersOfTen[exp10] : v / kExactPowersOfTen[-exp10];
    return negative ? -v : v;
  }
  char buf[kMaxNumberLength + 1];
  memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  char* end = nullptr;
  const double v = strtod(buf, &end);
  if (end != buf + s.size()) {
    return Errc::kInternal;  // the C library disagrees with the grammar (a non-"C" locale)
  }
  if (!std::isfinite(v)) {
    return Errc::kOutOfRange;
  }
  return v;
}

}  // namespace

const char* TypeName(Type t) {
  switch (t) {
    case Type::kInvalid:
      return "invalid";
    case Type::kObject:
      return "object";
    case Type::kArray:
      return "array";
    case Type::kString:
      return "string";
    case Type::kNumber:
      return "number";
    case Type::kBool:
      return "boolean";
    case Type::kNull:
      return "null";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------
// Parsing and validation

Status Reader::Fail(Errc code, const char* why, size_t offset) {
  count_ = 0;
  error_ = why;
  error_offset_ = offset;
  return code;
}

Status Reader::Parse(std::string_view text) {
  ++generation_;
  count_ = 0;
  text_ = text;
  error_ = "";
  error_offset_ = 0;
  if (text.size() > kMaxTextSize) {
    return Fail(Errc::kResourceExhausted, "document too long", 0);
  }
  size_t first = 0;
  while (first < text.size() && IsWs(text[first])) {
    ++first;
  }
  if (first == text.size()) {
    return Fail(Errc::kInvalidArgument, "empty document", first);
  }
  const char c = text[first];
  if (c != '{' && c != '[' && c != '"') {
    // jsmn wants a delimiter after a primitive; a lone scalar is simple enough to take here.
    return ParseTopLevelScalar(first);
  }
  jsmn_parser parser;
  jsmn_init(&parser);
  const int r =
      jsmn_parse(&parser, text.data(), text.size(), tokens_, static_cast<unsigned int>(kMaxTokens));
  if (r == JSMN_ERROR_NOMEM) {
    return Fail(Errc::kResourceExhausted, "more values than the token array holds", parser.pos);
  }
  if (r < 0) {
    return Fail(Errc::kInvalidArgument,
                r == JSMN_ERROR_PART ? "unexpected end of document" : "invalid JSON", parser.pos);
  }
  count_ = static_cast<int>(parser.toknext);
  if (count_ == 0) {
    return Fail(Errc::kInvalidArgument, "no value", first);
  }
  return Validate();
}

Status Reader::ParseTopLevelScalar(size_t start) {
  size_t end = start;
  while (end < text_.size() && !IsWs(text_[end])) {
    ++end;
  }
  for (size_t i = end; i < text_.size(); ++i) {
    if (!IsWs(text_[i])) {
      return Fail(Errc::kInvalidArgument, "content after the top-level value", i);
    }
  }
  tokens_[0].type = JSMN_PRIMITIVE;
  tokens_[0].start = static_cast<int>(start);
  tokens_[0].end = static_cast<int>(end);
  tokens_[0].size = 0;
  count_ = 1;
  const char* why = nullptr;
  if (!CheckScalar(0, &why)) {
    return Fail(Errc::kInvalidArgument, why, start);
  }
  return OkStatus();
}

int Reader::OuterStart(int index) const {
  const jsmntok_t& t = tokens_[index];
  return t.type == JSMN_STRING ? t.start - 1 : t.start;
}

int Reader::OuterEnd(int index) const {
  const jsmntok_t& t = tokens_[index];
  return t.type == JSMN_STRING ? t.end + 1 : t.end;
}

std::string_view Reader::Span(int index) const {
  const jsmntok_t& t = tokens_[index];
  return std::string_view(text_.data() + t.start, static_cast<size_t>(t.end - t.start));
}

int Reader::SkipSubtree(int index) const {
  const jsmntok_t& t = tokens_[index];
  int j = index + 1;
  if (t.type == JSMN_OBJECT || t.type == JSMN_ARRAY) {
    // Tokens are in document order, so the subtree is the run of tokens starting before the
    // container's end.
    while (j < count_ && OuterStart(j) < t.end) {
      ++j;
    }
  }
  return j;
}

// text[from, to) must be whitespace, with exactly one `separator` in it (none when it is 0).
bool Reader::CheckGap(int from, int to, char separator, const char** why) const {
  if (from > to) {
    *why = "overlapping values";
    return false;
  }
  bool seen = separator == '\0';
  for (int i = from; i < to; ++i) {
    const char c = text_[static_cast<size_t>(i)];
    if (IsWs(c)) {
      continue;
    }
    if (c == separator && !seen) {
      seen = true;
      continue;
    }
    *why = c == ',' || c == ':' ? "misplaced separator" : "unexpected character";
    return false;
  }
  if (!seen) {
    *why = separator == ',' ? "missing comma" : "missing colon";
    return false;
  }
  return true;
}

bool Reader::CheckScalar(int index, const char** why) const {
  const std::string_view s = Span(index);
  if (tokens_[index].type == JSMN_STRING) {
    size_t pos = 0;
    uint32_t cp;
    while (pos < s.size()) {
      if (!NextChar(s, &pos, &cp, why)) {
        return false;
      }
    }
    return true;
  }
  if (tokens_[index].type != JSMN_PRIMITIVE) {
    *why = "unexpected token";
    return false;
  }
  if (s == "true" || s == "false" || s == "null") {
    return true;
  }
  if (s.empty() || (s[0] != '-' && !IsDigit(s[0]))) {
    *why = "invalid literal";
    return false;
  }
  if (!IsJsonNumber(s)) {
    *why = "invalid number";
    return false;
  }
  return true;
}

// Checks the text against the JSON grammar using the token boundaries: the root is surrounded
// by whitespace only; inside each container the gaps between children hold exactly the commas
// and colons the grammar wants; object keys are strings; every scalar is checked on its own.
// Every byte of the text is thus looked at. Iterative: the stack stays flat at any nesting.
// Also replaces jsmn's child counts of containers with the counts found here.
Status Reader::Validate() {
  const char* why = nullptr;
  if (!CheckGap(0, OuterStart(0), '\0', &why)) {
    return Fail(Errc::kInvalidArgument, why, 0);
  }
  if (SkipSubtree(0) != count_ ||
      !CheckGap(OuterEnd(0), static_cast<int>(text_.size()), '\0', &why)) {
    return Fail(Errc::kInvalidArgument, "content after the top-level value",
                static_cast<size_t>(OuterEnd(0)));
  }
  for (int i = 0; i < count_; ++i) {
    jsmntok_t& t = tokens_[i];
    if (t.type != JSMN_OBJECT && t.type != JSMN_ARRAY) {
      if (!CheckScalar(i, &why)) {
        return Fail(Errc::kInvalidArgument, why, static_cast<size_t>(t.start));
      }
      continue;
    }
    const bool object = t.type == JSMN_OBJECT;
    const int close = t.end - 1;
    if (t.start < 0 || close <= t.start ||
        text_[static_cast<size_t>(t.start)] != (object ? '{' : '[') ||
        text_[static_cast<size_t>(close)] != (object ? '}' : ']')) {
      return Fail(Errc::kInvalidArgument, "mismatched brackets", static_cast<size_t>(t.start));
    }
    int at = t.start + 1;
    int children = 0;
    for (int j = i + 1; j < count_ && OuterStart(j) < t.end; j = SkipSubtree(j), ++children) {
      char separator = children == 0 ? '\0' : ',';
      if (object && children % 2 == 1) {
        separator = ':';
      }
      if (object && children % 2 == 0 && tokens_[j].type != JSMN_STRING) {
        return Fail(Errc::kInvalidArgument, "object key is not a string",
                    static_cast<size_t>(OuterStart(j)));
      }
      if (!CheckGap(at, OuterStart(j), separator, &why)) {
        return Fail(Errc::kInvalidArgument, why, static_cast<size_t>(at));
      }
      at = OuterEnd(j);
    }
    if (!CheckGap(at, close, '\0', &why)) {
      return Fail(Errc::kInvalidArgument, why, static_cast<size_t>(at));
    }
    if (object && children % 2 != 0) {
      return Fail(Errc::kInvalidArgument, "object member without a value", static_cast<size_t>(at));
    }
    t.size = object ? children / 2 : children;
  }
  return OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Navigation

const jsmntok_t* Reader::Tok(Value v) const {
  if (!v.valid() || v.generation_ != generation_ || v.index_ >= count_) {
    return nullptr;
  }
  return &tokens_[v.index_];
}

Value Reader::Handle(int index, int parent, bool key) const {
  return Value(static_cast<int16_t>(index), static_cast<int16_t>(parent), generation_, key);
}

Value Reader::Root() const {
  return count_ > 0 ? Handle(0, -1) : Value();
}

Type Reader::TypeOf(Value v) const {
  const jsmntok_t* t = Tok(v);
  if (t == nullptr) {
    return Type::kInvalid;
  }
  switch (t->type) {
    case JSMN_OBJECT:
      return Type::kObject;
    case JSMN_ARRAY:
      return Type::kArray;
    case JSMN_STRING:
      return Type::kString;
    case JSMN_PRIMITIVE: {
      const char c = text_[static_cast<size_t>(t->start)];
      return c == 't' || c == 'f' ? Type::kBool : c == 'n' ? Type::kNull : Type::kNumber;
    }
    default:
      return Type::kInvalid;
  }
}

std::string_view Reader::Text(Value v) const {
  if (Tok(v) == nullptr) {
    return {};
  }
  const int start = OuterStart(v.index_);
  return std::string_view(text_.data() + start, static_cast<size_t>(OuterEnd(v.index_) - start));
}

size_t Reader::Count(Value v) const {
  const jsmntok_t* t = Tok(v);
  if (t == nullptr || (t->type != JSMN_OBJECT && t->type != JSMN_ARRAY)) {
    return 0;
  }
  return static_cast<size_t>(t->size);
}

Value Reader::First(Value container) const {
  if (Count(container) == 0) {
    return Value();
  }
  // An object's first child is a key; its value follows it directly (a key has no subtree).
  const int first = container.index_ + (IsObject(container) ? 2 : 1);
  return Handle(first, container.index_);
}

Value Reader::Next(Value v) const {
  if (Tok(v) == nullptr || v.parent_ < 0 || v.key_) {
    return Value();
  }
  const jsmntok_t& parent = tokens_[v.parent_];
  const int j = SkipSubtree(v.index_);
  if (j >= count_ || OuterStart(j) >= parent.end) {
    return Value();
  }
  return Handle(parent.type == JSMN_OBJECT ? j + 1 : j, v.parent_);
}

Value Reader::KeyOf(Value member) const {
  if (Tok(member) == nullptr || member.parent_ < 0 || member.key_ ||
      tokens_[member.parent_].type != JSMN_OBJECT) {
    return Value();
  }
  return Handle(member.index_ - 1, member.parent_, /*key=*/true);
}

Value Reader::Find(Value object, std::string_view key) const {
  if (!IsObject(object)) {
    return Value();
  }
  for (Value v = First(object); v; v = Next(v)) {
    if (StringEquals(KeyOf(v), key)) {
      return v;
    }
  }
  return Value();
}

Value Reader::At(Value array, size_t index) const {
  if (!IsArray(array) || index >= Count(array)) {
    return Value();
  }
  Value v = First(array);
  for (size_t i = 0; i < index && v; ++i) {
    v = Next(v);
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Scalars

Result<bool> Reader::GetBool(Value v) const {
  if (!IsBool(v)) {
    return Errc::kInvalidArgument;
  }
  return text_[static_cast<size_t>(tokens_[v.index_].start)] == 't';
}

Result<double> Reader::GetNumber(Value v) const {
  if (!IsNumber(v)) {
    return Errc::kInvalidArgument;
  }
  return ConvertNumber(Span(v.index_));
}

Result<int64_t> Reader::GetInteger(Value v) const {
  const Result<double> d = GetNumber(v);
  if (!d.ok()) {
    return d.status();
  }
  if (std::floor(*d) != *d) {
    return Errc::kInvalidArgument;
  }
  if (std::fabs(*d) > kMaxExactInteger) {
    return Errc::kOutOfRange;
  }
  return static_cast<int64_t>(*d);
}

// ---------------------------------------------------------------------------------------------
// Strings

bool Reader::HasEscapes(Value string) const {
  if (!IsString(string)) {
    return false;
  }
  const std::string_view s = Span(string.index_);
  return s.find('\\') != std::string_view::npos;
}

Result<std::string_view> Reader::StringSpan(Value string) const {
  if (!IsString(string)) {
    return Errc::kInvalidArgument;
  }
  if (HasEscapes(string)) {
    return Errc::kFailedPrecondition;
  }
  return Span(string.index_);
}

Result<size_t> Reader::DecodedSize(Value string) const {
  if (!IsString(string)) {
    return Errc::kInvalidArgument;
  }
  const std::string_view s = Span(string.index_);
  size_t size = 0;
  size_t pos = 0;
  uint32_t cp;
  const char* why = nullptr;
  while (pos < s.size()) {
    if (!NextChar(s, &pos, &cp, &why)) {
      return Errc::kInternal;  // Parse() checked every string: cannot happen
    }
    size += Utf8Size(cp);
  }
  return size;
}

Result<size_t> Reader::StringLength(Value string) const {
  if (!IsString(string)) {
    return Errc::kInvalidArgument;
  }
  const std::string_view s = Span(string.index_);
  size_t chars = 0;
  size_t pos = 0;
  uint32_t cp;
  const char* why = nullptr;
  while (pos < s.size()) {
    if (!NextChar(s, &pos, &cp, &why)) {
      return Errc::kInternal;
    }
    ++chars;
  }
  return chars;
}

Result<size_t> Reader::CopyString(Value string, char* buf, size_t cap) const {
  const Result<size_t> size = DecodedSize(string);
  if (!size.ok()) {
    return size.status();
  }
  if (buf == nullptr || cap < *size + 1) {
    return Errc::kResourceExhausted;
  }
  const std::string_view s = Span(string.index_);
  size_t pos = 0;
  size_t out = 0;
  uint32_t cp;
  const char* why = nullptr;
  while (pos < s.size()) {
    if (!NextChar(s, &pos, &cp, &why)) {
      return Errc::kInternal;
    }
    out += EncodeUtf8(cp, buf + out);
  }
  buf[out] = '\0';
  return out;
}

Result<std::string_view> Reader::GetString(Value string, char* scratch, size_t cap) const {
  const Result<std::string_view> span = StringSpan(string);
  if (span.ok() || span.status().code() != Errc::kFailedPrecondition) {
    return span;
  }
  const Result<size_t> n = CopyString(string, scratch, cap);
  if (!n.ok()) {
    return n.status();
  }
  return std::string_view(scratch, *n);
}

bool Reader::StringEquals(Value string, std::string_view expected) const {
  if (!IsString(string)) {
    return false;
  }
  const std::string_view s = Span(string.index_);
  if (s.find('\\') == std::string_view::npos) {
    return s == expected;
  }
  size_t pos = 0;
  size_t matched = 0;
  uint32_t cp;
  const char* why = nullptr;
  char utf8[4];
  while (pos < s.size()) {
    if (!NextChar(s, &pos, &cp, &why)) {
      return false;
    }
    const size_t n = EncodeUtf8(cp, utf8);
    if (matched + n > expected.size() || memcmp(utf8, expected.data() + matched, n) != 0) {
      return false;
    }
    matched += n;
  }
  return matched == expected.size();
}

}  // namespace evc::json
