#pragma once
// Every time constant of the OCPP layer, named, in one place (no time literal in logic).
// Values that OCPP lets the CSMS change live in configuration keys instead.

#include <cstdint>

namespace evc::ocpp::timing {

constexpr uint32_t kCallTimeoutMs = 30000;           // answer expected within this
constexpr uint32_t kBootRetryDefaultMs = 60000;      // when Boot.conf gives interval 0 / no answer
constexpr uint32_t kBootRetryMinMs = 5000;           // never hammer the CSMS faster than this
constexpr uint32_t kConnectTimeoutMs = 20000;        // a connect attempt that has not finished
constexpr uint32_t kReconnectMinMs = 1000;           // backoff floor
constexpr uint32_t kReconnectMaxMs = 120000;         // backoff cap
constexpr uint32_t kStableConnectionMs = 60000;      // connected this long → backoff resets
constexpr uint32_t kResetGraceMs = 10000;            // wait for StopTransaction before rebooting
constexpr uint32_t kMeterPersistIntervalMs = 60000;  // energy register written at most this often
constexpr uint32_t kMaxIntegrationStepMs = 2000;     // a longer gap is not integrated (stale data)
constexpr uint32_t kCredentialReconnectDelayMs = 1000;  // let the ChangeConfiguration.conf leave
constexpr uint32_t kMsPerSecond = 1000;

}  // namespace evc::ocpp::timing
