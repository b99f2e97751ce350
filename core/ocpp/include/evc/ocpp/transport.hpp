#pragma once
// The WebSocket seam. The core sees text frames and connection events, nothing else.
// Ports: libwebsockets (ports/posix), esp_websocket_client (ports/esp32), in-memory (sim).
// Contract: single-threaded. Callbacks are delivered only from inside Poll(), Connect() or
// Close(), on the caller's thread, never from an ISR or another task.

#include <cstdint>
#include <string_view>

#include "evc/common/status.hpp"

namespace evc::ocpp {

enum class CloseReason : uint8_t {
  kNone = 0,
  kConnectFailed,        // TCP/DNS failure, refused, unreachable
  kTlsFailure,           // TLS handshake or certificate verification failed
  kHandshakeRejected,    // HTTP status other than 101 (e.g. 401 on wrong AuthorizationKey)
  kSubprotocolMismatch,  // the server did not agree to "ocpp1.6"
  kPeerClosed,           // the server closed the WebSocket
  kPingTimeout,          // no pong within the timeout: half-open socket
  kLocalClose,           // we closed it
  kProtocolError,        // malformed WebSocket traffic
};
const char* CloseReasonName(CloseReason r);

class TransportListener {
 public:
  virtual ~TransportListener() = default;
  virtual void OnTransportOpen() = 0;
  // One complete text message (fragments already joined by the port). Valid only during the call.
  virtual void OnTransportMessage(std::string_view text) = 0;
  virtual void OnTransportClosed(CloseReason reason) = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual void SetListener(TransportListener* listener) = 0;
  // Starts connecting (non-blocking). Completion arrives as OnTransportOpen or OnTransportClosed.
  virtual Status Connect() = 0;
  // Closes the connection; OnTransportClosed(kLocalClose) follows.
  virtual void Close() = 0;
  virtual bool IsOpen() const = 0;
  // Queues one text frame; the text is copied. kUnavailable when not open, kResourceExhausted
  // when the frame exceeds the port's buffer.
  virtual Status Send(std::string_view text) = 0;
  // WebSocket ping period in seconds (0 = off). A missing pong closes with kPingTimeout.
  virtual void SetPingIntervalS(uint32_t seconds) = 0;
  // HTTP Basic Auth password (the OCPP AuthorizationKey) for the next Connect(); empty = none.
  // kInvalidArgument when the port cannot send it (e.g. too long).
  virtual Status SetAuthorizationKey(std::string_view key) = 0;
  // Services I/O without blocking and delivers callbacks.
  virtual void Poll() = 0;
};

}  // namespace evc::ocpp
