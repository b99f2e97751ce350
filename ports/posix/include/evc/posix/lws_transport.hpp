#pragma once
// evc::ocpp::Transport over libwebsockets 4.1 (Debian's libwebsockets-dev, TLS via OpenSSL).
//
// Invariants
// - Single-threaded: the lws context is serviced only inside Poll() with a zero poll() timeout
//   (lws_service(ctx, -1); any timeout >= 0 makes lws 4.1 wait up to the next lws timer, which
//   can be 23 days), so Poll() never blocks. Listener callbacks come only from inside Poll(),
//   Connect() or Close(). Connect() resolves the host name synchronously (getaddrinfo): this lws
//   build has no asynchronous DNS.
// - Subprotocol: "ocpp1.6" is requested and the server's Sec-WebSocket-Protocol must be exactly
//   "ocpp1.6". lws 4.1 by itself rejects a protocol that was not offered ("HS: PROTOCOL
//   malformed") but silently ACCEPTS a 101 without the header; both end in
//   CloseReason::kSubprotocolMismatch here.
// - TLS (wss://, TLS 1.2 or later): the server certificate is always verified and its name
//   checked against the URL host (DNS name or IP address); there is no option to turn this off.
//   With a CA bundle only that bundle is trusted, without one the OS trust store is used. Redirects
//   are refused (they would carry the Basic Auth credentials elsewhere). ALPN is pinned to http/1.1
//   so a server cannot move the upgrade onto HTTP/2.
// - Ping/pong: with a ping interval N > 0, a ping is due every N s; if its pong has not arrived
//   pong_timeout_ms after it was due, the connection is dropped with kPingTimeout. A half-open
//   socket is therefore detected within N s + pong_timeout_ms. lws' own idle ping/hang-up is off.
// - Incoming messages: fragments are joined. A message larger than max_incoming_message_size
//   (or a binary message) is dropped whole, counted and logged, and the connection is KEPT:
//   closing would make most CSMSs resend the same call after reconnecting, and the CALL that was
//   dropped simply times out on the CSMS side while transactions keep flowing.
// - Outgoing: a fixed queue of kSendQueueCapacity frames of up to kMaxOutgoingMessageSize bytes,
//   allocated once at Create(). Frames still queued when the connection closes are discarded
//   (counted); the core re-sends what must survive.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "evc/common/clock.hpp"
#include "evc/common/log.hpp"
#include "evc/ocpp/transport.hpp"
#include "evc/posix/ws_url.hpp"

struct lws;
struct lws_context;
struct ssl_ctx_st;

namespace evc::posix {

constexpr char kOcppSubprotocol[] = "ocpp1.6";
// Time a pong may take after its ping was due (libocpp's WebsocketPongTimeout default).
constexpr uint32_t kDefaultPongTimeoutMs = 5000;
// Largest incoming message after joining fragments (libocpp's MaxMessageSize is 65000).
constexpr size_t kDefaultMaxIncomingMessageSize = 64 * 1024;
constexpr size_t kMaxOutgoingMessageSize = 64 * 1024;
constexpr size_t kSendQueueCapacity = 16;
// lws limits for finding a working address (TCP connect) and for each handshake step (TLS,
// waiting for the HTTP upgrade response).
constexpr uint32_t kConnectTimeoutS = 10;
constexpr uint32_t kHandshakeTimeoutS = 10;
// After Close() the close frame has this long to leave before the socket is dropped.
constexpr uint32_t kCloseFlushTimeoutS = 2;
// lws_service() passes per Poll(); each is a zero-timeout poll() plus the ready work.
constexpr int kServicePassesPerPoll = 4;
// Size of the chunks lws hands over while receiving a message.
constexpr size_t kRxChunkSize = 16 * 1024;
// AuthorizationKey (HTTP Basic Auth password, security profiles 1 and 2): printable ASCII
// without space, 8..40 characters. 8 is the minimum of the SecurityProfile/AuthorizationKey
// rules libocpp implements; 40 is the passwordString limit OCPP 2.0.1 took over from the
// security whitepaper, which recommends 16..20 random bytes.
constexpr size_t kMinAuthorizationKeyLength = 8;
constexpr size_t kMaxAuthorizationKeyLength = 40;
bool IsValidAuthorizationKey(std::string_view key);

struct LwsTransportConfig {
  // ws://host[:port]/path/<charge_point_id> or wss://...; the last path segment must be the
  // charge point id.
  std::string url;
  std::string charge_point_id;
  // Empty: no Authorization header (security profile 0). Otherwise HTTP Basic Auth with
  // user = charge_point_id, password = this key (profile 1 over ws, profile 2 over wss).
  std::string authorization_key;
  // wss only: PEM file with the CA certificate(s) the server must chain to (profile 2). Empty:
  // the system default trust store. Checked at Create() (must hold at least one certificate).
  std::string ca_bundle_path;
  uint32_t ping_interval_s = 0;  // 0 = no pings; SetPingIntervalS() changes it later
  uint32_t pong_timeout_ms = kDefaultPongTimeoutMs;
  size_t max_incoming_message_size = kDefaultMaxIncomingMessageSize;
};

struct LwsTransportCounters {
  uint64_t connects = 0;    // Connect() attempts started
  uint64_t opens = 0;       // handshakes completed
  uint64_t frames_in = 0;   // complete text messages delivered to the listener
  uint64_t frames_out = 0;  // text frames written
  uint64_t bytes_in = 0;    // payload bytes received (including dropped messages)
  uint64_t bytes_out = 0;   // payload bytes of frames written
  uint64_t pings_sent = 0;
  uint64_t pongs_received = 0;
  uint64_t dropped_oversize = 0;  // incoming messages over max_incoming_message_size
  uint64_t dropped_binary = 0;    // incoming binary messages (OCPP-J is text only)
  uint64_t dropped_on_close = 0;  // queued outgoing frames discarded by a close
  uint64_t send_rejected = 0;     // Send() calls refused with kResourceExhausted
};

// What is known about a connection attempt that failed before OnTransportOpen.
struct ConnectFailure {
  bool tls = false;
  bool request_sent = false;          // TCP (and TLS) were up and the upgrade request went out
  bool tls_verify_failed = false;     // OpenSSL reported a certificate verification error
  bool subprotocol_rejected = false;  // our check refused the server's Sec-WebSocket-Protocol
  int http_status = 0;                // status of the upgrade response, 0 if none arrived
  std::string_view lws_error;         // lws' description of the failure
};
// The CloseReason for a failed attempt (exposed for tests and for logging tools):
// subprotocol → kSubprotocolMismatch; HTTP status other than 101 → kHandshakeRejected;
// certificate/TLS-stage errors → kTlsFailure; TCP/DNS → kConnectFailed; request sent but a
// malformed upgrade response → kProtocolError; request sent and no response → kHandshakeRejected.
ocpp::CloseReason ClassifyConnectFailure(const ConnectFailure& failure);

class LwsTransport final : public ocpp::Transport {
 public:
  // Validates the config (URL, id, key, CA bundle) and creates the lws context. Returns nullptr
  // and a reason in *error on failure. The clock drives ping/pong (pass a real clock: the peer
  // answers in real time). logger may be null.
  static std::unique_ptr<LwsTransport> Create(const LwsTransportConfig& config, const Clock& clock,
                                              Logger* logger, std::string* error);
  ~LwsTransport() override;
  LwsTransport(const LwsTransport&) = delete;
  LwsTransport& operator=(const LwsTransport&) = delete;

  // ocpp::Transport
  void SetListener(ocpp::TransportListener* listener) override { listener_ = listener; }
  // kFailedPrecondition while connecting or open. Otherwise kOk; the outcome arrives as
  // OnTransportOpen or OnTransportClosed (possibly before Connect() returns).
  Status Connect() override;
  // Aborts a connection attempt or starts the closing handshake (close frame 1000) and reports
  // OnTransportClosed(kLocalClose) at once; the socket is finished off in later Poll()s.
  void Close() override;
  bool IsOpen() const override { return state_ == State::kOpen; }
  // kUnavailable when not open; kResourceExhausted when the queue is full or the text is longer
  // than kMaxOutgoingMessageSize.
  Status Send(std::string_view text) override;
  void SetPingIntervalS(uint32_t seconds) override;
  void Poll() override;

  // New AuthorizationKey (e.g. after ChangeConfiguration), used from the next Connect().
  // Empty removes Basic Auth. kInvalidArgument if !IsValidAuthorizationKey.
  Status SetAuthorizationKey(std::string_view key);

  const LwsTransportCounters& counters() const { return counters_; }
  ocpp::CloseReason last_close_reason() const { return last_close_reason_; }
  // HTTP status of the last upgrade response (101 when it opened), 0 if none arrived.
  int last_http_status() const { return last_http_status_; }
  // lws'/OpenSSL's description of the last connect failure, "" if none.
  const std::string& last_error() const { return last_error_; }
  // Close code of the peer's last close frame, 0 if none.
  int last_peer_close_code() const { return peer_close_code_; }
  const WsUrl& url() const { return url_; }

  // One LwsTransport per process is the supported setup: lws 4.1.6 re-allocates OpenSSL's
  // process-wide ex_data indexes for every TLS context, so creating another lws TLS context
  // while a wss:// handshake is in progress can fail that handshake.

  // Routes libwebsockets' own error/warning lines to logger (process-wide, as lws logging is).
  // nullptr restores lws' default (stderr).
  static void RouteLibraryLogs(Logger* logger);

 private:
  enum class State : uint8_t { kIdle, kConnecting, kOpen };
  enum class RxDrop : uint8_t { kNone, kOversize, kBinary };
  struct Frame {
    std::vector<unsigned char> buf;  // LWS_PRE bytes of headroom, then the payload
    size_t len = 0;
  };
  struct Callbacks;
  friend struct Callbacks;

  LwsTransport(const LwsTransportConfig& config, const WsUrl& url, const Clock& clock,
               Logger* logger);
  bool Init(std::string* error);
  bool CreateTlsContext(std::string* error);
  int OnLwsEvent(lws* wsi, int reason, void* user, void* in, size_t len);
  bool IsCurrent(lws* wsi) const;
  void OnReceive(lws* wsi, const void* in, size_t len);
  int OnWriteable(lws* wsi);
  void FailAttempt(lws* wsi, const void* in, size_t len);
  void Detach(bool send_close_frame);
  void ReportClosed(ocpp::CloseReason reason);
  void CheckPing();

  LwsTransportConfig config_;
  WsUrl url_;
  std::string host_header_;
  const Clock& clock_;
  Logger* logger_;
  ocpp::TransportListener* listener_ = nullptr;
  lws_context* context_ = nullptr;
  ssl_ctx_st* ssl_ctx_ = nullptr;  // OpenSSL SSL_CTX for wss://, owned
  lws* wsi_ = nullptr;
  uintptr_t attempt_id_ = 0;
  State state_ = State::kIdle;
  bool in_service_ = false;
  bool destroying_ = false;

  // Per attempt.
  bool request_sent_ = false;
  bool tls_verify_failed_ = false;
  bool subprotocol_rejected_ = false;
  std::string auth_header_;

  // Ping/pong.
  uint32_t ping_interval_s_ = 0;
  uint64_t next_ping_due_ms_ = 0;
  uint64_t ping_due_ms_ = 0;
  bool ping_pending_ = false;  // a ping waits for the socket to become writeable
  bool awaiting_pong_ = false;

  // Receive.
  std::vector<char> rx_;
  size_t rx_len_ = 0;
  bool rx_in_message_ = false;
  RxDrop rx_drop_ = RxDrop::kNone;

  // Send queue (ring).
  std::vector<Frame> queue_;
  size_t queue_head_ = 0;
  size_t queue_count_ = 0;

  LwsTransportCounters counters_;
  ocpp::CloseReason last_close_reason_ = ocpp::CloseReason::kNone;
  int last_http_status_ = 0;
  int peer_close_code_ = 0;
  std::string last_error_;
};

}  // namespace evc::posix
