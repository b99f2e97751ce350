#pragma once
// The OCPP 1.6 measurands this charger can actually supply, with their schema spelling and unit.
// Shared by the configuration store (validating MeterValuesSampledData & co.) and metering
// (building sampledValue entries). Spellings are those of the OCPP 1.6 JSON schemas
// (MeterValues.req / StopTransaction.req); any other measurand is rejected, so a CSMS can never
// configure one we would then have to fake.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "evc/common/status.hpp"

namespace evc::ocpp {

enum class Measurand : uint8_t {
  kEnergyActiveImportRegister = 0,  // "Energy.Active.Import.Register", Wh, monotonic register
  kPowerActiveImport,               // "Power.Active.Import", W
  kCurrentImport,                   // "Current.Import", A (DC output current)
  kCurrentOffered,                  // "Current.Offered", A (limit offered to the EV)
  kVoltage,                         // "Voltage", V (DC output voltage)
  kSoC,                             // "SoC", Percent (reported by the BMS)
  kTemperature,                     // "Temperature", Celsius
  kPowerOffered,                    // "Power.Offered", W
};
constexpr size_t kMeasurandCount = 8;

// Schema spelling, e.g. "Energy.Active.Import.Register".
std::string_view MeasurandName(Measurand m);
// Schema UnitOfMeasure spelling used when reporting it: Wh, W, A, V, Percent, Celsius.
std::string_view MeasurandUnit(Measurand m);

// Exact schema spelling, compared ASCII case-insensitively. kNotFound for anything else
// (including measurands that exist in OCPP but that this charger cannot measure).
Result<Measurand> ParseMeasurand(std::string_view name);

// Parses a comma-separated list ("Voltage,SoC"). Spaces and tabs around an item are ignored.
// An empty (or all-blank) list is valid and yields 0 items. Errors, with nothing promised in
// out[] beyond the returned count on success:
//   kInvalidArgument   an empty item ("a,,b", trailing comma) or an unknown measurand
//   kAlreadyExists     the same measurand twice
//   kResourceExhausted more than cap items
Result<size_t> ParseMeasurandList(std::string_view csl, Measurand* out, size_t cap);

// Writes the canonical form (schema spellings joined by ',', no spaces) followed by a NUL.
// Returns the length without the NUL; kResourceExhausted when it does not fit in cap.
Result<size_t> FormatMeasurandList(const Measurand* items, size_t count, char* out, size_t cap);

}  // namespace evc::ocpp
