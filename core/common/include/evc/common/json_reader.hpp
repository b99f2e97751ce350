#pragma once
// Reads one JSON document into a fixed array of tokens: no heap, no copy of the text.
//
// Why jsmn underneath, and why a layer on top: jsmn (MIT, header-only on the host, the
// espressif/jsmn component on ESP-IDF) tokenises into a caller-owned array, so parsing an OCPP
// frame costs no allocation (DESIGN.md rule 4). But jsmn is a tokeniser, not a validator: even in
// strict mode it lets through misplaced or missing commas and colons, literals such as `tru`,
// numbers such as `01` or `1.`, raw control characters and bad UTF-8 in strings, and stops at a
// NUL byte. Parse() therefore re-checks the whole text against the RFC 8259 grammar using the
// token boundaries: every byte is either inside a checked scalar or in a checked gap between
// tokens. A document Parse() accepts is valid JSON; one it refuses gets a reason for the log.
//
// Values are small handles (a token index) into the last successful Parse(); a handle from an
// earlier parse, or a missing member, is an invalid Value, on which every query answers "no" or
// an error — so lookups chain without checks in between. The text must outlive the handles.
//
// Strings are not decoded in place: StringSpan() gives the raw bytes of an escape-free string,
// CopyString() decodes escapes (\uXXXX with surrogate pairs into UTF-8) into a caller buffer and
// refuses — never truncates — when it does not fit, StringEquals() compares without copying.
// StringLength() counts characters (Unicode code points), which is what JSON Schema's maxLength
// and OCPP's CiStringN limits count; DecodedSize() counts the UTF-8 bytes a copy needs.
//
// RAM: kMaxTokens * sizeof(jsmntok_t) = 256 * 16 bytes = 4 KB inside the Reader (on 32-bit and
// 64-bit targets alike: four ints per token, JSMN_PARENT_LINKS off), plus a few bytes of state.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "evc/common/status.hpp"

// Declarations only here; the implementation is compiled once, in json_reader.cpp.
#ifndef JSMN_HEADER
#define JSMN_HEADER
#define EVC_JSON_READER_DEFINED_JSMN_HEADER
#endif
#include <jsmn.h>
#ifdef EVC_JSON_READER_DEFINED_JSMN_HEADER
#undef JSMN_HEADER
#undef EVC_JSON_READER_DEFINED_JSMN_HEADER
#endif

namespace evc::json {

// Largest number of JSON values (every object, array, key, string, number, literal counts one)
// in a document we read. Sized for the largest CSMS frame we accept: a GetConfiguration.req
// naming 100 keys (the top of GetConfigurationMaxKeys) is 107 values; a RemoteStartTransaction
// with every optional field and a 31-period charging schedule is exactly 256 (ocpp rpc_test holds
// us to that). A document with more gets kResourceExhausted.
constexpr size_t kMaxTokens = 256;
// Longest number literal GetNumber() converts (longer ones are valid JSON but refused there).
constexpr size_t kMaxNumberLength = 63;
// Bytes one character can take in UTF-8: buffers for a CiStringN copy need N * this + 1.
constexpr size_t kMaxUtf8BytesPerChar = 4;

enum class Type : uint8_t { kInvalid, kObject, kArray, kString, kNumber, kBool, kNull };
const char* TypeName(Type t);

class Value {
 public:
  constexpr Value() = default;
  constexpr bool valid() const { return index_ >= 0; }
  constexpr explicit operator bool() const { return valid(); }

 private:
  friend class Reader;
  constexpr Value(int16_t index, int16_t parent, uint16_t generation, bool key)
      : index_(index), parent_(parent), generation_(generation), key_(key) {}
  int16_t index_ = -1;
  int16_t parent_ = -1;  // enclosing array/object, -1 for the root
  uint16_t generation_ = 0;
  bool key_ = false;  // an object member's key (from KeyOf), not a value
};

class Reader {
 public:
  Reader() = default;
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Parses `text` (not copied). kInvalidArgument: not valid JSON (see error()/error_offset());
  // kResourceExhausted: more than kMaxTokens values (whether or not the rest is valid).
  // Any failure invalidates the handles of the previous document.
  Status Parse(std::string_view text);
  // Why the last Parse() failed, and near which byte ("" / 0 after a success).
  const char* error() const { return error_; }
  size_t error_offset() const { return error_offset_; }

  Value Root() const;
  Type TypeOf(Value v) const;
  bool IsObject(Value v) const { return TypeOf(v) == Type::kObject; }
  bool IsArray(Value v) const { return TypeOf(v) == Type::kArray; }
  bool IsString(Value v) const { return TypeOf(v) == Type::kString; }
  bool IsNumber(Value v) const { return TypeOf(v) == Type::kNumber; }
  bool IsBool(Value v) const { return TypeOf(v) == Type::kBool; }
  bool IsNull(Value v) const { return TypeOf(v) == Type::kNull; }
  // The JSON text of any value, exactly as received (strings include their quotes).
  std::string_view Text(Value v) const;

  // Containers. Count(): items of an array, members of an object, 0 otherwise.
  size_t Count(Value v) const;
  // Iteration, the same for arrays and objects (for objects it yields the member values):
  //   for (Value it = r.First(c); it; it = r.Next(it)) { ... r.KeyOf(it) ... }
  Value First(Value container) const;
  Value Next(Value v) const;
  // The key (a string) of an object member value; invalid for anything else (keys included).
  Value KeyOf(Value member) const;
  // The first member whose key, unescaped, equals `key` exactly; invalid when absent.
  Value Find(Value object, std::string_view key) const;
  // Array item by position (walks the array: O(index)).
  Value At(Value array, size_t index) const;

  // Scalars. kInvalidArgument when the value has another type.
  Result<bool> GetBool(Value v) const;
  // kOutOfRange when the literal does not fit a finite double or exceeds kMaxNumberLength.
  Result<double> GetNumber(Value v) const;
  // A number with no fractional part (1, -3, 1e2, 2.0) within ±2^53; kInvalidArgument for 1.5.
  Result<int64_t> GetInteger(Value v) const;

  // Strings.
  bool HasEscapes(Value string) const;
  // The bytes between the quotes, zero-copy; kFailedPrecondition if the string has escapes.
  Result<std::string_view> StringSpan(Value string) const;
  // Decodes into `buf` with a terminating NUL; returns the length without it.
  // kResourceExhausted when `cap` < DecodedSize() + 1 (nothing is written then). A \u0000 in
  // the text is copied as a NUL byte: use the returned length, not strlen(), if that matters.
  Result<size_t> CopyString(Value string, char* buf, size_t cap) const;
  // StringSpan() when possible, else CopyString() into `scratch`. Valid while both are.
  Result<std::string_view> GetString(Value string, char* scratch, size_t cap) const;
  // Decoded content equals `s` (no copy); false for non-strings.
  bool StringEquals(Value string, std::string_view s) const;
  // Characters (code points) of the decoded string.
  Result<size_t> StringLength(Value string) const;
  // UTF-8 bytes of the decoded string (without a NUL).
  Result<size_t> DecodedSize(Value string) const;

 private:
  const jsmntok_t* Tok(Value v) const;
  Value Handle(int index, int parent, bool key = false) const;
  int SkipSubtree(int index) const;
  int OuterStart(int index) const;
  int OuterEnd(int index) const;
  Status Fail(Errc code, const char* why, size_t offset);
  Status ParseTopLevelScalar(size_t start);
  Status Validate();
  bool CheckGap(int from, int to, char separator, const char** why) const;
  bool CheckScalar(int index, const char** why) const;
  std::string_view Span(int index) const;

  jsmntok_t tokens_[kMaxTokens];
  std::string_view text_;
  int count_ = 0;  // tokens of the current document; 0 when none
  uint16_t generation_ = 0;
  const char* error_ = "";
  size_t error_offset_ = 0;
};

}  // namespace evc::json
