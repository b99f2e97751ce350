#include "evc/ocpp/call_error.hpp"

#include <cstring>

namespace evc::ocpp {

namespace {
constexpr const char* kNames[] = {
    "NotImplemented",
    "NotSupported",
    "InternalError",
    "ProtocolError",
    "SecurityError",
    "FormationViolation",
    "PropertyConstraintViolation",
    "OccurenceConstraintViolation",
    "TypeConstraintViolation",
    "GenericError",
};
}  // namespace

const char* CallErrorCodeName(CallErrorCode code) {
  const auto i = static_cast<size_t>(code);
  return i < sizeof(kNames) / sizeof(kNames[0]) ? kNames[i] : "GenericError";
}

bool ParseCallErrorCode(const char* text, CallErrorCode* out) {
  for (size_t i = 0; i < sizeof(kNames) / sizeof(kNames[0]); ++i) {
    if (strcmp(kNames[i], text) == 0) {
      *out = static_cast<CallErrorCode>(i);
      return true;
    }
  }
  return false;
}

}  // namespace evc::ocpp
