// evc-fault-codes: prints the fault-code reference (docs/fault-codes.md) from the firmware's one
// ErrorCode table, so the manual can never drift from the code.
//   evc-fault-codes > docs/fault-codes.md

#include <cstdio>

#include "evc/safety/error_code.hpp"

int main() {
  using evc::safety::ErrorInfo;
  size_t n = 0;
  const ErrorInfo* table = evc::safety::ErrorTable(&n);
  printf("# Fault codes\n\n");
  printf(
      "Generated from `core/safety/src/error_code.cpp` by `evc-fault-codes`; do not edit by "
      "hand\n");
  printf("(a test fails when this file and the table differ).\n\n");
  printf(
      "Severity: **Info** recorded only; **Warning** reported, charging goes on; **Error** the\n");
  printf(
      "session stops and the fault clears when its cause is gone; **Fault** the session stops\n");
  printf(
      "and the fault stays latched until reset; **Critical** the charger stays out of service\n");
  printf(
      "until a technician clears it. Every code that stops a session opens the contactor first.\n");
  printf("The OCPP column is the StatusNotification `errorCode`; the vendor code is sent as\n");
  printf("`vendorErrorCode`.\n\n");
  printf(
      "| code | name | severity | OCPP errorCode | vendorErrorCode | meaning | operator action "
      "|\n");
  printf("|---|---|---|---|---|---|---|\n");
  for (size_t i = 0; i < n; ++i) {
    const ErrorInfo& e = table[i];
    printf("| %d | %s | %s | %s | %s | %s | %s |\n", static_cast<int>(e.code), e.name,
           evc::safety::SeverityName(e.severity), e.ocpp_error_code, e.vendor_error_code, e.meaning,
           e.operator_action);
  }
  return 0;
}
