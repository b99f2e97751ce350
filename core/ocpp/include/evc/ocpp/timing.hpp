#pragma once
// Every time constant of the OCPP layer, named, in one place (no time literal in logic).
// Values that OCPP lets the CSMS change live in configuration keys instead.

#include <cstdint>

namespace evc::ocpp::timing {

// The CALL timeout and the reconnection backoff bounds are configuration keys
// (EvcMessageTimeoutS, EvcReconnectMinS, EvcReconnectMaxS).
constexpr uint32_t kBootRetryDefaultMs = 60000;  // when Boot.conf gives interval 0 / no answer
constexpr uint32_t kBootRetryMinMs = 5000;       // never hammer the CSMS faster than this
constexpr uint32_t kConnectTimeoutMs = 20000;    // a connect attempt that has not finished
// Circuit breaker on connecting: a CSMS that refuses us (HTTP 401/403/404, TLS failure, wrong
// subprotocol) this many times in a row is left alone for the cool-down, doubling to the cap.
constexpr uint32_t kConnectBreakerThreshold = 5;
constexpr uint32_t kConnectBreakerCooldownMs = 600000;      // 10 min
constexpr uint32_t kConnectBreakerMaxCooldownMs = 3600000;  // 1 h
constexpr uint32_t kStableConnectionMs = 60000;      // connected this long → backoff resets
constexpr uint32_t kResetGraceMs = 10000;            // wait for StopTransaction before rebooting
constexpr uint32_t kMeterPersistIntervalMs = 60000;  // energy register written at least this often
constexpr uint32_t kMaxIntegrationStepMs = 2000;     // a longer gap is not integrated (stale data)
constexpr uint32_t kCredentialReconnectDelayMs = 1000;  // let the ChangeConfiguration.conf leave
constexpr uint32_t kMsPerSecond = 1000;

}  // namespace evc::ocpp::timing
