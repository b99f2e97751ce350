#include "evc/ocpp/schema.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "evc/common/clock.hpp"

namespace evc::ocpp::schema {

namespace {

bool Fail(Violation* out, CallErrorCode code, const char* path, const char* what) {
  out->code = code;
  snprintf(out->detail, sizeof(out->detail), "%s: %s", path, what);
  return false;
}

// Longest date-time text decoded for parsing when it carries escapes (an escape-free one is
// read in place, whatever its length).
constexpr size_t kMaxDateTimeText = 64;

bool TypeMatches(const json::Reader& doc, json::Value v, Type t) {
  switch (t) {
    case Type::kString:
    case Type::kDateTime:
      return doc.IsString(v);
    case Type::kInteger: {
      const Result<double> d = doc.GetNumber(v);
      return d.ok() && std::floor(*d) == *d && std::fabs(*d) <= 2147483647.0;
    }
    case Type::kDecimal:
      return doc.IsNumber(v);
    case Type::kBoolean:
      return doc.IsBool(v);
    case Type::kObject:
      return doc.IsObject(v);
    case Type::kArray:
      return doc.IsArray(v);
  }
  return false;
}

bool ValidateObject(const json::Reader& doc, json::Value obj, const Field* fields, uint8_t count,
                    const char* prefix, Violation* out);

bool ValidateValue(const json::Reader& doc, json::Value v, const Field& f, Type type,
                   const char* path, Violation* out) {
  if (!TypeMatches(doc, v, type)) {
    return Fail(out, CallErrorCode::kTypeConstraintViolation, path, "wrong type");
  }
  switch (type) {
    case Type::kString: {
      if (f.max_length != 0 && doc.StringLength(v).value_or(SIZE_MAX) > f.max_length) {
        return Fail(out, CallErrorCode::kPropertyConstraintViolation, path, "too long");
      }
      if (f.enum_values != nullptr) {
        for (uint8_t i = 0; i < f.enum_count; ++i) {
          if (doc.StringEquals(v, f.enum_values[i])) {
            return true;
          }
        }
        return Fail(out, CallErrorCode::kPropertyConstraintViolation, path, "not in enumeration");
      }
      return true;
    }
    case Type::kDateTime: {
      char scratch[kMaxDateTimeText + 1];
      const Result<std::string_view> text = doc.GetString(v, scratch, sizeof(scratch));
      if (!text.ok() || !ParseIso8601(*text).ok()) {
        return Fail(out, CallErrorCode::kPropertyConstraintViolation, path,
                    "not an ISO-8601 date-time");
      }
      return true;
    }
    case Type::kInteger:
    case Type::kDecimal: {
      const Result<double> d = doc.GetNumber(v);
      if (!d.ok()) {
        return Fail(out, CallErrorCode::kPropertyConstraintViolation, path, "number out of range");
      }
      if (*d < static_cast<double>(f.min_value)) {
        return Fail(out, CallErrorCode::kPropertyConstraintViolation, path, "below minimum");
      }
      return true;
    }
    case Type::kObject:
      return ValidateObject(doc, v, f.children, f.child_count, path, out);
    case Type::kArray: {
      for (json::Value item = doc.First(v); item; item = doc.Next(item)) {
        if (f.children != nullptr) {
          if (!doc.IsObject(item)) {
            return Fail(out, CallErrorCode::kTypeConstraintViolation, path, "item not an object");
          }
          if (!ValidateObject(doc, item, f.children, f.child_count, path, out)) {
            return false;
          }
        } else if (!ValidateValue(doc, item, f, f.item_type, path, out)) {
          return false;
        }
      }
      return true;
    }
    case Type::kBoolean:
      return true;
  }
  return true;
}

bool ValidateObject(const json::Reader& doc, json::Value obj, const Field* fields, uint8_t count,
                    const char* prefix, Violation* out) {
  char path[64];
  // Unknown members: OCPP 1.6 schemas set additionalProperties=false.
  for (json::Value member = doc.First(obj); member; member = doc.Next(member)) {
    const json::Value key = doc.KeyOf(member);
    bool known = false;
    for (uint8_t i = 0; i < count && !known; ++i) {
      known = doc.StringEquals(key, fields[i].name);
    }
    if (!known) {
      // Shown as received between its quotes, escapes left escaped so that no control character
      // reaches a log line; cut to the path buffer, as it is only a description.
      const std::string_view quoted = doc.Text(key);
      snprintf(path, sizeof(path), "%s%s%.*s", prefix, *prefix ? "." : "",
               static_cast<int>(quoted.size() - 2), quoted.data() + 1);
      return Fail(out, CallErrorCode::kFormationViolation, path, "unknown property");
    }
  }
  for (uint8_t i = 0; i < count; ++i) {
    const Field& f = fields[i];
    snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", f.name);
    bool present = false;
    // Every occurrence of a duplicated member is checked, not only the one handlers read.
    for (json::Value member = doc.First(obj); member; member = doc.Next(member)) {
      if (!doc.StringEquals(doc.KeyOf(member), f.name)) {
        continue;
      }
      present = true;
      if (!ValidateValue(doc, member, f, f.type, path, out)) {
        return false;
      }
    }
    if (!present && f.required) {
      return Fail(out, CallErrorCode::kOccurenceConstraintViolation, path,
                  "required property missing");
    }
  }
  return true;
}

}  // namespace

bool Validate(const json::Reader& doc, json::Value payload, const Object& schema, Violation* out) {
  if (!doc.IsObject(payload)) {
    return Fail(out, CallErrorCode::kFormationViolation, "payload", "not a JSON object");
  }
  return ValidateObject(doc, payload, schema.fields, schema.count, "", out);
}

}  // namespace evc::ocpp::schema
