#pragma once

#include <cstdint>

namespace evc::ocpp {

// OCPP-J 1.6 §4.2.3 error codes (1.6 spelling, including "Occurence").
enum class CallErrorCode : uint8_t {
  kNotImplemented,  // action unknown to us
  kNotSupported,    // action known but not supported
  kInternalError,   // we failed while processing
  kProtocolError,   // payload incomplete (the frame lacks its payload)
  kSecurityError,
  kFormationViolation,            // syntactically wrong or not the PDU structure
  kPropertyConstraintViolation,   // a field holds an invalid value
  kOccurenceConstraintViolation,  // a field occurs too few / too many times
  kTypeConstraintViolation,       // a field has the wrong data type
  kGenericError,
};

const char* CallErrorCodeName(CallErrorCode code);
bool ParseCallErrorCode(const char* text, CallErrorCode* out);

}  // namespace evc::ocpp
