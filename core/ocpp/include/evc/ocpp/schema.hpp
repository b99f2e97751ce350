#pragma once
// Declarative payload schemas for the OCPP 1.6 messages the charge point receives (CS→CP
// requests and CP←CS confirmations), checked before any handler sees a payload. Each violation
// maps onto the OCPP-J 1.6 CALLERROR code that names it.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "evc/common/json_reader.hpp"
#include "evc/ocpp/call_error.hpp"

namespace evc::ocpp::schema {

enum class Type : uint8_t { kString, kInteger, kDecimal, kBoolean, kDateTime, kObject, kArray };

struct Field {
  const char* name;
  Type type;
  bool required;
  uint16_t max_length;             // strings (CiStringN); 0 = unlimited
  const char* const* enum_values;  // strings restricted to an enumeration, or nullptr
  uint8_t enum_count;
  const Field* children;  // object members, or the item fields of an array of objects
  uint8_t child_count;
  Type item_type;     // array items when children == nullptr
  int64_t min_value;  // integers / decimals
};

struct Object {
  const Field* fields;
  uint8_t count;
};

struct Violation {
  CallErrorCode code = CallErrorCode::kGenericError;
  // Path-like description, e.g. "idTagInfo.status: not in enumeration". Static storage.
  char detail[96] = {};
};

// Validates a payload object against a schema. Returns true when valid; otherwise fills `out`.
// Rules: payload not an object / unknown member → FormationViolation; missing required member →
// OccurenceConstraintViolation; wrong JSON type → TypeConstraintViolation; string too long,
// value outside its enumeration or range, unparsable date-time → PropertyConstraintViolation.
// A string's length is counted in characters (code points), as JSON Schema's maxLength and OCPP's
// CiStringN do; an integer is a number without a fractional part that fits int32. Every member
// is checked, duplicates included.
bool Validate(const json::Reader& doc, json::Value payload, const Object& schema, Violation* out);

// Messages the charge point understands, with their request and confirmation schemas.
struct Message {
  const char* action;
  Object request;       // payload of a CALL carrying this action
  Object confirmation;  // payload of the CALLRESULT answering it
  bool csms_initiated;  // true: the CSMS sends the request; false: we do
  bool supported;       // false: known OCPP 1.6 action we answer with NotSupported
};

const Message* FindMessage(std::string_view action);

}  // namespace evc::ocpp::schema
