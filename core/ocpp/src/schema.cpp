#include "evc/ocpp/schema.hpp"

#include <cmath>
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

bool TypeMatches(const cJSON* v, Type t) {
  switch (t) {
    case Type::kString:
    case Type::kDateTime:
      return cJSON_IsString(v);
    case Type::kInteger:
      return cJSON_IsNumber(v) && std::floor(v->valuedouble) == v->valuedouble &&
             std::fabs(v->valuedouble) <= 2147483647.0;
    case Type::kDecimal:
      return cJSON_IsNumber(v);
    case Type::kBoolean:
      return cJSON_IsBool(v);
    case Type::kObject:
      return cJSON_IsObject(v);
    case Type::kArray:
      return cJSON_IsArray(v);
  }
  return false;
}

bool ValidateObject(const cJSON* obj, const Field* fields, uint8_t count, const char* prefix,
                    Violation* out);

bool ValidateValue(const cJSON* v, const Field& f, Type type, const char* path, Violation* out) {
  if (!TypeMatches(v, type)) {
    return Fail(out, CallErrorCode::kTypeConstraintViolation, path, "wrong type");
  }
  switch (type) {
    case Type::kString: {
      const size_t len = strlen(v->valuestring);
      if (f.max_length != 0 && len > f.max_length) {
        return Fail(out, CallErrorCode::kPropertyConstraintViolation, path, "too long");
      }
      if (f.enum_values != nullptr) {
        for (uint8_t i = 0; i < f.enum_count; ++i) {
          if (strcmp(f.enum_values[i], v->valuestring) == 0) {
            return true;
          }
        }
        return Fail(out, CallErrorCode::kPropertyConstraintViolation, path, "not in enumeration");
      }
      return true;
    }
    case Type::kDateTime:
      if (!ParseIso8601(v->valuestring).ok()) {
        return Fail(out, CallErrorCode::kPropertyConstraintViolation, path,
                    "not an ISO-8601 date-time");
      }
      return true;
    case Type::kInteger:
    case Type::kDecimal:
      if (v->valuedouble < static_cast<double>(f.min_value)) {
        return Fail(out, CallErrorCode::kPropertyConstraintViolation, path, "below minimum");
      }
      return true;
    case Type::kObject:
      return ValidateObject(v, f.children, f.child_count, path, out);
    case Type::kArray: {
      const cJSON* item = nullptr;
      cJSON_ArrayForEach(item, v) {
        if (f.children != nullptr) {
          if (!cJSON_IsObject(item)) {
            return Fail(out, CallErrorCode::kTypeConstraintViolation, path, "item not an object");
          }
          if (!ValidateObject(item, f.children, f.child_count, path, out)) {
            return false;
          }
        } else if (!ValidateValue(item, f, f.item_type, path, out)) {
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

bool ValidateObject(const cJSON* obj, const Field* fields, uint8_t count, const char* prefix,
                    Violation* out) {
  char path[64];
  // Unknown members: OCPP 1.6 schemas set additionalProperties=false.
  const cJSON* member = nullptr;
  cJSON_ArrayForEach(member, obj) {
    bool known = false;
    for (uint8_t i = 0; i < count && !known; ++i) {
      known = member->string != nullptr && strcmp(member->string, fields[i].name) == 0;
    }
    if (!known) {
      snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "",
               member->string ? member->string : "?");
      return Fail(out, CallErrorCode::kFormationViolation, path, "unknown property");
    }
  }
  for (uint8_t i = 0; i < count; ++i) {
    const Field& f = fields[i];
    snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", f.name);
    const cJSON* v = cJSON_GetObjectItemCaseSensitive(obj, f.name);
    if (v == nullptr) {
      if (f.required) {
        return Fail(out, CallErrorCode::kOccurenceConstraintViolation, path,
                    "required property missing");
      }
      continue;
    }
    if (!ValidateValue(v, f, f.type, path, out)) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool Validate(const cJSON* payload, const Object& schema, Violation* out) {
  if (!cJSON_IsObject(payload)) {
    return Fail(out, CallErrorCode::kFormationViolation, "payload", "not a JSON object");
  }
  return ValidateObject(payload, schema.fields, schema.count, "", out);
}

}  // namespace evc::ocpp::schema
