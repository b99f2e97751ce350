#include "evc/posix/lws_transport.hpp"

#include <libwebsockets.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <cstdio>
#include <cstring>

namespace evc::posix {

namespace {

using ocpp::CloseReason;

constexpr char kTag[] = "ws";
constexpr uint64_t kMsPerSecond = 1000;
// The client context holds at most the current socket, one that is still closing and lws'
// internal wake-up pipe; this keeps lws from sizing its tables by the process fd limit.
constexpr unsigned int kLwsFdLimit = 16;
constexpr char kPingPayload[] = "evc";
constexpr size_t kPingPayloadSize = sizeof(kPingPayload) - 1;
// Header value "Basic " + base64("<id>:<key>") for the longest id and key, plus NUL.
constexpr size_t kAuthHeaderCapacity =
    6 + 4 * ((kMaxChargePointIdLength + 1 + kMaxAuthorizationKeyLength + 2) / 3) + 1;
constexpr size_t kMaxProtocolHeader = 64;

// No lws-driven idle pings or hang-ups: this transport runs its own ping/pong so the outcome
// can be reported as kPingTimeout and the interval follows WebSocketPingInterval.
const lws_retry_bo_t kNoIdlePolicy = {};

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Texts lws 4.1 produces when the TLS handshake itself fails (lib/tls/openssl/openssl-client.c,
// lib/core-net/wsi-timeout.c).
bool IsTlsStageError(std::string_view e) {
  return StartsWith(e, "connect SSL err") || StartsWith(e, "connect SYSCALL") ||
         StartsWith(e, "connect unk") || StartsWith(e, "server's cert") ||
         StartsWith(e, "Timed out waiting SSL") || StartsWith(e, "tls");
}

// Counts the PEM certificates in a file; -1 if it cannot be opened.
int CountPemCertificates(const std::string& path) {
  BIO* bio = BIO_new_file(path.c_str(), "r");
  if (bio == nullptr) {
    return -1;
  }
  int count = 0;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    X509_free(cert);
    ++count;
  }
  ERR_clear_error();  // the loop ends with a "no start line" error by design
  BIO_free(bio);
  return count;
}

Logger* g_library_logger = nullptr;

void EmitLibraryLog(int level, const char* line) {
  Logger* logger = g_library_logger;
  if (logger == nullptr || line == nullptr) {
    return;
  }
  // lws lines carry a timestamp prefix and a trailing newline; keep the text, drop the newline.
  char buf[kMaxLogLine];
  snprintf(buf, sizeof(buf), "%s", line);
  size_t n = strlen(buf);
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) {
    buf[--n] = '\0';
  }
  const LogLevel mapped = (level & LLL_ERR) ? LogLevel::kError : LogLevel::kWarn;
  logger->Log(mapped, "lws", "%s", buf);
}

}  // namespace

bool IsValidAuthorizationKey(std::string_view key) {
  if (key.size() < kMinAuthorizationKeyLength || key.size() > kMaxAuthorizationKeyLength) {
    return false;
  }
  for (char c : key) {
    if (c < 0x21 || c > 0x7e) {
      return false;
    }
  }
  return true;
}

CloseReason ClassifyConnectFailure(const ConnectFailure& f) {
  if (f.subprotocol_rejected || StartsWith(f.lws_error, "HS: PROTOCOL malformed")) {
    return CloseReason::kSubprotocolMismatch;
  }
  if (f.http_status != 0 && f.http_status != 101) {
    return CloseReason::kHandshakeRejected;
  }
  if (f.tls_verify_failed) {
    return CloseReason::kTlsFailure;
  }
  if (!f.request_sent) {
    return (f.tls && IsTlsStageError(f.lws_error)) ? CloseReason::kTlsFailure
                                                   : CloseReason::kConnectFailed;
  }
  if (StartsWith(f.lws_error, "HS:")) {
    return CloseReason::kProtocolError;  // an upgrade response, but not a valid one
  }
  // The server hung up on, or never answered, the upgrade request: no refusal was said, so it
  // counts as a failed connection (a circuit breaker must not take it for "the CSMS refuses us").
  return CloseReason::kConnectFailed;
}

struct LwsTransport::Callbacks {
  static int Dispatch(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
    lws_context* context = wsi != nullptr ? lws_get_context(wsi) : nullptr;
    auto* self =
        context != nullptr ? static_cast<LwsTransport*>(lws_context_user(context)) : nullptr;
    if (self == nullptr) {
      return 0;
    }
    return self->OnLwsEvent(wsi, static_cast<int>(reason), user, in, len);
  }

  // The one protocol of the client vhost; its name is the subprotocol we request.
  static const lws_protocols* Protocols() {
    static const lws_protocols protocols[] = {
        {kOcppSubprotocol, &Dispatch, 0, kRxChunkSize, 0, nullptr, 0},
        {nullptr, nullptr, 0, 0, 0, nullptr, 0},
    };
    return protocols;
  }
};

void LwsTransport::RouteLibraryLogs(Logger* logger) {
  g_library_logger = logger;
  if (logger != nullptr) {
    lws_set_log_level(LLL_ERR | LLL_WARN, &EmitLibraryLog);
  } else {
    lws_set_log_level(LLL_ERR | LLL_WARN | LLL_NOTICE, &lwsl_emit_stderr);
  }
}

std::unique_ptr<LwsTransport> LwsTransport::Create(const LwsTransportConfig& config,
                                                   const Clock& clock, Logger* logger,
                                                   std::string* error) {
  std::string scratch;
  std::string& err = error != nullptr ? *error : scratch;
  WsUrl url;
  std::string why;
  if (!ParseWsUrl(config.url, &url, &why).ok()) {
    err = "url: " + why;
    return nullptr;
  }
  if (!IsValidChargePointId(config.charge_point_id)) {
    err = "charge_point_id: 1.." + std::to_string(kMaxChargePointIdLength) +
          " characters of [A-Za-z0-9._~-]";
    return nullptr;
  }
  const std::string suffix = "/" + config.charge_point_id;
  if (url.path.size() < suffix.size() ||
      url.path.compare(url.path.size() - suffix.size(), suffix.size(), suffix) != 0) {
    err = "url: the path must end with \"/" + config.charge_point_id + "\"";
    return nullptr;
  }
  if (!config.authorization_key.empty() && !IsValidAuthorizationKey(config.authorization_key)) {
    err = "authorization_key: " + std::to_string(kMinAuthorizationKeyLength) + ".." +
          std::to_string(kMaxAuthorizationKeyLength) + " printable ASCII characters, no spaces";
    return nullptr;
  }
  if (!config.ca_bundle_path.empty()) {
    if (!url.tls) {
      err = "ca_bundle_path: only used with wss:// URLs";
      return nullptr;
    }
    const int certs = CountPemCertificates(config.ca_bundle_path);
    if (certs < 0) {
      err = "ca_bundle_path: cannot open " + config.ca_bundle_path;
      return nullptr;
    }
    if (certs == 0) {
      err = "ca_bundle_path: no PEM certificate in " + config.ca_bundle_path;
      return nullptr;
    }
  }
  if (config.max_incoming_message_size == 0 || config.pong_timeout_ms == 0) {
    err = "max_incoming_message_size and pong_timeout_ms must be > 0";
    return nullptr;
  }
  std::unique_ptr<LwsTransport> t(new LwsTransport(config, url, clock, logger));
  if (!t->Init(&err)) {
    return nullptr;
  }
  return t;
}

LwsTransport::LwsTransport(const LwsTransportConfig& config, const WsUrl& url, const Clock& clock,
                           Logger* logger)
    : config_(config), url_(url), clock_(clock), logger_(logger) {
  ping_interval_s_ = config.ping_interval_s;
  const bool default_port = url_.port == (url_.tls ? kDefaultWssPort : kDefaultWsPort);
  host_header_ = default_port ? url_.host : url_.host + ":" + std::to_string(url_.port);
  rx_.resize(config_.max_incoming_message_size);
  queue_.resize(kSendQueueCapacity);
  for (Frame& f : queue_) {
    f.buf.resize(LWS_PRE + kMaxOutgoingMessageSize);
  }
}

bool LwsTransport::Init(std::string* error) {
  lws_context_creation_info info;
  memset(&info, 0, sizeof(info));
  info.port = CONTEXT_PORT_NO_LISTEN;
  info.protocols = Callbacks::Protocols();
  info.user = this;
  info.gid = -1;
  info.uid = -1;
  info.timeout_secs = kHandshakeTimeoutS;
  info.connect_timeout_secs = kConnectTimeoutS;
  info.fd_limit_per_thread = kLwsFdLimit;
  if (url_.tls) {
    if (!CreateTlsContext(error)) {
      return false;
    }
    // lws takes our SSL_CTX instead of building one (and does not free it). Building it here
    // makes the trust anchors explicit and avoids an lws 4.1 flaw: every TLS context re-allocates
    // the process-wide OpenSSL ex_data indexes, so a context lws built would not be freed by
    // lws_context_destroy() once another lws context exists in the process.
    info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.provided_client_ssl_ctx = ssl_ctx_;
  }
  context_ = lws_create_context(&info);
  if (context_ == nullptr) {
    *error = "libwebsockets context creation failed";
    return false;
  }
  return true;
}

bool LwsTransport::CreateTlsContext(std::string* error) {
  ssl_ctx_ = SSL_CTX_new(TLS_client_method());
  if (ssl_ctx_ == nullptr) {
    *error = "OpenSSL: cannot create the TLS context";
    return false;
  }
  // The OCPP security whitepaper requires TLS 1.2 or later.
  SSL_CTX_set_min_proto_version(ssl_ctx_, TLS1_2_VERSION);
  SSL_CTX_set_options(ssl_ctx_, SSL_OP_NO_COMPRESSION);
  // lws also sets SSL_VERIFY_PEER and the host name on every connection; this is the default
  // for anything else made from this context.
  SSL_CTX_set_verify(ssl_ctx_, SSL_VERIFY_PEER, nullptr);
  const bool loaded =
      config_.ca_bundle_path.empty()
          ? SSL_CTX_set_default_verify_paths(ssl_ctx_) == 1
          : SSL_CTX_load_verify_locations(ssl_ctx_, config_.ca_bundle_path.c_str(), nullptr) == 1;
  ERR_clear_error();
  if (!loaded) {
    *error = config_.ca_bundle_path.empty()
                 ? std::string("OpenSSL: cannot load the system trust store")
                 : "ca_bundle_path: OpenSSL cannot load " + config_.ca_bundle_path;
    return false;
  }
  return true;
}

LwsTransport::~LwsTransport() {
  destroying_ = true;
  listener_ = nullptr;
  if (context_ != nullptr) {
    lws_context_destroy(context_);
    context_ = nullptr;
  }
  if (ssl_ctx_ != nullptr) {
    SSL_CTX_free(ssl_ctx_);  // after the context: lws never frees a provided SSL_CTX
  }
}

Status LwsTransport::SetAuthorizationKey(std::string_view key) {
  if (!key.empty() && !IsValidAuthorizationKey(key)) {
    return Errc::kInvalidArgument;
  }
  config_.authorization_key.assign(key.data(), key.size());
  return OkStatus();
}

bool LwsTransport::IsCurrent(lws* wsi) const {
  return state_ != State::kIdle && wsi != nullptr &&
         reinterpret_cast<uintptr_t>(lws_get_opaque_user_data(wsi)) == attempt_id_;
}

Status LwsTransport::Connect() {
  if (state_ != State::kIdle) {
    return Errc::kFailedPrecondition;
  }
  if (context_ == nullptr) {
    return Errc::kFailedPrecondition;
  }
  request_sent_ = false;
  tls_verify_failed_ = false;
  subprotocol_rejected_ = false;
  last_http_status_ = 0;
  peer_close_code_ = 0;
  last_error_.clear();
  rx_in_message_ = false;
  ping_pending_ = false;
  awaiting_pong_ = false;
  auth_header_.clear();
  if (!config_.authorization_key.empty()) {
    char header[kAuthHeaderCapacity];
    if (lws_http_basic_auth_gen(config_.charge_point_id.c_str(), config_.authorization_key.c_str(),
                                header, sizeof(header)) != 0) {
      return Errc::kInternal;  // cannot happen: id and key lengths are bounded
    }
    auth_header_ = header;
  }

  lws_client_connect_info ci;
  memset(&ci, 0, sizeof(ci));
  ci.context = context_;
  ci.address = url_.host.c_str();
  ci.port = url_.port;
  ci.path = url_.path.c_str();
  ci.host = host_header_.c_str();  // also the name the certificate must match (port stripped)
  ci.protocol = kOcppSubprotocol;
  ci.ssl_connection = LCCSCF_HTTP_NO_FOLLOW_REDIRECT | (url_.tls ? LCCSCF_USE_SSL : 0);
  ci.alpn = "http/1.1";
  ci.retry_and_idle_policy = &kNoIdlePolicy;
  const uintptr_t attempt = ++attempt_id_;
  ci.opaque_user_data = reinterpret_cast<void*>(attempt);

  state_ = State::kConnecting;
  wsi_ = nullptr;
  ++counters_.connects;
  if (logger_ != nullptr) {
    EVC_LOGI(*logger_, kTag, "connecting to %s://%s:%u%s%s", url_.tls ? "wss" : "ws",
             url_.host.c_str(), url_.port, url_.path.c_str(),
             auth_header_.empty() ? "" : " (basic auth)");
  }
  // Connect() may run inside a listener callback, i.e. inside Poll(); keep Poll() non-reentrant
  // either way.
  const bool was_in_service = in_service_;
  in_service_ = true;
  lws* w = lws_client_connect_via_info(&ci);
  in_service_ = was_in_service;
  if (attempt_id_ == attempt && state_ == State::kConnecting) {
    if (w != nullptr) {
      wsi_ = w;
    } else {
      // lws suppresses CONNECTION_ERROR for failures inside lws_client_connect_via_info
      // (DNS lookup, socket creation), so report it here.
      if (last_error_.empty()) {
        last_error_ = "connection could not be started (DNS lookup or socket failure)";
      }
      ReportClosed(CloseReason::kConnectFailed);
    }
  }
  return OkStatus();
}

void LwsTransport::Detach(bool send_close_frame) {
  lws* w = wsi_;
  wsi_ = nullptr;
  if (w == nullptr) {
    return;
  }
  if (send_close_frame) {
    // OnLwsEvent answers the WRITEABLE of a detached connection with a close frame.
    lws_set_timeout(w, PENDING_TIMEOUT_CLOSE_SEND, kCloseFlushTimeoutS);
    lws_callback_on_writable(w);
  } else {
    lws_set_timeout(w, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
  }
}

void LwsTransport::Close() {
  if (state_ == State::kIdle) {
    return;
  }
  Detach(state_ == State::kOpen);
  ReportClosed(CloseReason::kLocalClose);
}

void LwsTransport::ReportClosed(CloseReason reason) {
  const bool was_open = state_ == State::kOpen;
  state_ = State::kIdle;
  wsi_ = nullptr;
  last_close_reason_ = reason;
  counters_.dropped_on_close += queue_count_;
  queue_head_ = 0;
  queue_count_ = 0;
  ping_pending_ = false;
  awaiting_pong_ = false;
  rx_in_message_ = false;
  if (logger_ != nullptr && !destroying_) {
    if (was_open) {
      EVC_LOGI(*logger_, kTag, "closed: %s (peer close code %d)", ocpp::CloseReasonName(reason),
               peer_close_code_);
    } else {
      EVC_LOGW(*logger_, kTag, "connect failed: %s (HTTP %d) %s", ocpp::CloseReasonName(reason),
               last_http_status_, last_error_.c_str());
    }
  }
  if (listener_ != nullptr && !destroying_) {
    listener_->OnTransportClosed(reason);
  }
}

Status LwsTransport::Send(std::string_view text) {
  if (state_ != State::kOpen || wsi_ == nullptr) {
    return Errc::kUnavailable;
  }
  if (text.size() > kMaxOutgoingMessageSize || queue_count_ == kSendQueueCapacity) {
    ++counters_.send_rejected;
    return Errc::kResourceExhausted;
  }
  Frame& f = queue_[(queue_head_ + queue_count_) % kSendQueueCapacity];
  if (!text.empty()) {
    memcpy(f.buf.data() + LWS_PRE, text.data(), text.size());
  }
  f.len = text.size();
  ++queue_count_;
  lws_callback_on_writable(wsi_);
  return OkStatus();
}

void LwsTransport::SetPingIntervalS(uint32_t seconds) {
  ping_interval_s_ = seconds;
  if (seconds == 0) {
    ping_pending_ = false;
    awaiting_pong_ = false;
    return;
  }
  if (state_ == State::kOpen && !awaiting_pong_) {
    next_ping_due_ms_ = clock_.MonotonicMs() + seconds * kMsPerSecond;
  }
}

void LwsTransport::Poll() {
  if (context_ == nullptr || in_service_) {
    return;
  }
  in_service_ = true;
  for (int i = 0; i < kServicePassesPerPoll; ++i) {
    // A negative timeout is the only non-blocking mode of lws_service() in lws 4.1.
    lws_service(context_, -1);
  }
  in_service_ = false;
  CheckPing();
}

void LwsTransport::CheckPing() {
  if (state_ != State::kOpen || wsi_ == nullptr || ping_interval_s_ == 0) {
    return;
  }
  const uint64_t now = clock_.MonotonicMs();
  if (awaiting_pong_) {
    // Half the ping interval (at most the configured pong timeout): a half-open socket is then
    // found within 1.5 ping intervals, inside OCPP's expectation of two.
    uint32_t pong_timeout = config_.pong_timeout_ms;
    const uint64_t half_interval = static_cast<uint64_t>(ping_interval_s_) * kMsPerSecond / 2;
    if (half_interval > 0 && half_interval < pong_timeout) {
      pong_timeout = static_cast<uint32_t>(half_interval);
    }
    if (now - ping_due_ms_ >= pong_timeout) {
      if (logger_ != nullptr) {
        EVC_LOGW(*logger_, kTag, "no pong within %u ms: dropping the connection",
                 static_cast<unsigned>(pong_timeout));
      }
      Detach(false);  // the peer is gone; a close handshake would only wait
      ReportClosed(CloseReason::kPingTimeout);
    }
    return;
  }
  if (now >= next_ping_due_ms_) {
    ping_due_ms_ = now;
    next_ping_due_ms_ = now + ping_interval_s_ * kMsPerSecond;
    awaiting_pong_ = true;
    ping_pending_ = true;
    lws_callback_on_writable(wsi_);
  }
}

void LwsTransport::FailAttempt(lws* wsi, const void* in, size_t len) {
  std::string text;
  if (in != nullptr) {
    const char* s = static_cast<const char*>(in);
    text.assign(s, strnlen(s, len));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
      text.pop_back();
    }
  }
  ConnectFailure f;
  f.tls = url_.tls;
  f.request_sent = request_sent_;
  f.tls_verify_failed = tls_verify_failed_;
  f.subprotocol_rejected = subprotocol_rejected_;
  f.http_status = wsi != nullptr ? static_cast<int>(lws_http_client_http_response(wsi)) : 0;
  f.lws_error = text;
  last_http_status_ = f.http_status;
  if (last_error_.empty()) {
    last_error_ = text;
  } else if (!text.empty()) {
    last_error_ += " (" + text + ")";
  }
  ReportClosed(ClassifyConnectFailure(f));
}

void LwsTransport::OnReceive(lws* wsi, const void* in, size_t len) {
  if (!rx_in_message_) {
    rx_in_message_ = true;
    rx_len_ = 0;
    rx_drop_ = lws_frame_is_binary(wsi) ? RxDrop::kBinary : RxDrop::kNone;
  }
  counters_.bytes_in += len;
  if (rx_drop_ == RxDrop::kNone) {
    if (len > rx_.size() - rx_len_) {
      rx_drop_ = RxDrop::kOversize;
    } else if (len > 0) {
      memcpy(rx_.data() + rx_len_, in, len);
      rx_len_ += len;
    }
  }
  if (!lws_is_final_fragment(wsi)) {
    return;
  }
  rx_in_message_ = false;
  switch (rx_drop_) {
    case RxDrop::kNone:
      ++counters_.frames_in;
      if (listener_ != nullptr) {
        listener_->OnTransportMessage(std::string_view(rx_.data(), rx_len_));
      }
      break;
    case RxDrop::kOversize:
      ++counters_.dropped_oversize;
      if (logger_ != nullptr) {
        EVC_LOGW(*logger_, kTag, "dropped an incoming message over %zu bytes",
                 config_.max_incoming_message_size);
      }
      break;
    case RxDrop::kBinary:
      ++counters_.dropped_binary;
      if (logger_ != nullptr) {
        EVC_LOGW(*logger_, kTag, "dropped a binary message (OCPP-J uses text frames)");
      }
      break;
  }
}

int LwsTransport::OnWriteable(lws* wsi) {
  if (ping_pending_) {
    unsigned char buf[LWS_PRE + kPingPayloadSize];
    memcpy(buf + LWS_PRE, kPingPayload, kPingPayloadSize);
    if (lws_write(wsi, buf + LWS_PRE, kPingPayloadSize, LWS_WRITE_PING) < 0) {
      return -1;
    }
    ping_pending_ = false;
    ++counters_.pings_sent;
  } else if (queue_count_ > 0) {
    Frame& f = queue_[queue_head_];
    // lws keeps whatever the kernel does not take and sends it before the next WRITEABLE.
    if (lws_write(wsi, f.buf.data() + LWS_PRE, f.len, LWS_WRITE_TEXT) < 0) {
      return -1;
    }
    ++counters_.frames_out;
    counters_.bytes_out += f.len;
    queue_head_ = (queue_head_ + 1) % kSendQueueCapacity;
    --queue_count_;
  }
  if (ping_pending_ || queue_count_ > 0) {
    lws_callback_on_writable(wsi);
  }
  return 0;
}

int LwsTransport::OnLwsEvent(lws* wsi, int reason, void* user, void* in, size_t len) {
  if (destroying_) {
    return 0;
  }
  const auto r = static_cast<lws_callback_reasons>(reason);
  switch (r) {
    case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
      // len is OpenSSL's preverify_ok. Returning 0 never overrides a failed verification.
      if (len == 0 && IsCurrent(wsi)) {
        tls_verify_failed_ = true;
        auto* store = static_cast<X509_STORE_CTX*>(user);
        const int err = store != nullptr ? X509_STORE_CTX_get_error(store) : 0;
        last_error_ =
            std::string("certificate verification failed: ") + X509_verify_cert_error_string(err);
      }
      return 0;
    default:
      break;
  }

  const bool current = IsCurrent(wsi);
  if (current && wsi_ == nullptr) {
    wsi_ = wsi;  // callbacks may come before lws_client_connect_via_info() returns
  }
  if (!current) {
    // A connection we have detached (Close(), ping timeout) or one from an older attempt.
    switch (r) {
      case LWS_CALLBACK_CLIENT_WRITEABLE:
        lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, nullptr, 0);
        return -1;
      case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
      case LWS_CALLBACK_CLIENT_ESTABLISHED:
        return -1;
      case LWS_CALLBACK_CLIENT_FILTER_PRE_ESTABLISH:
        return 1;
      default:
        return 0;
    }
  }

  switch (r) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
      request_sent_ = true;
      if (!auth_header_.empty()) {
        auto** p = static_cast<unsigned char**>(in);
        unsigned char* end = *p + len;
        if (lws_add_http_header_by_token(
                wsi, WSI_TOKEN_HTTP_AUTHORIZATION,
                reinterpret_cast<const unsigned char*>(auth_header_.data()),
                static_cast<int>(auth_header_.size()), p, end) != 0) {
          last_error_ = "no room for the Authorization header";
          return -1;
        }
      }
      return 0;
    }

    case LWS_CALLBACK_CLIENT_HTTP_REDIRECT:
      last_error_ = "redirect refused";
      return 1;

    case LWS_CALLBACK_CLIENT_FILTER_PRE_ESTABLISH: {
      // lws accepts a 101 without Sec-WebSocket-Protocol; OCPP-J requires the server to agree.
      char protocol[kMaxProtocolHeader];
      const int n = lws_hdr_copy(wsi, protocol, sizeof(protocol), WSI_TOKEN_PROTOCOL);
      if (n <= 0 || strcmp(protocol, kOcppSubprotocol) != 0) {
        subprotocol_rejected_ = true;
        last_error_ = n <= 0 ? "server sent no Sec-WebSocket-Protocol"
                             : std::string("server chose subprotocol \"") + protocol + "\"";
        return 1;
      }
      return 0;
    }

    case LWS_CALLBACK_CLIENT_ESTABLISHED:
      if (state_ != State::kConnecting) {
        return -1;
      }
      state_ = State::kOpen;
      last_http_status_ = 101;
      ++counters_.opens;
      rx_in_message_ = false;
      awaiting_pong_ = false;
      ping_pending_ = false;
      next_ping_due_ms_ = clock_.MonotonicMs() + ping_interval_s_ * kMsPerSecond;
      if (logger_ != nullptr) {
        EVC_LOGI(*logger_, kTag, "open (subprotocol %s)", kOcppSubprotocol);
      }
      if (listener_ != nullptr) {
        listener_->OnTransportOpen();
      }
      return 0;

    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
      wsi_ = nullptr;
      FailAttempt(wsi, in, len);
      return 0;

    case LWS_CALLBACK_CLIENT_RECEIVE:
      if (state_ == State::kOpen) {
        OnReceive(wsi, in, len);
      }
      return 0;

    case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
      ++counters_.pongs_received;
      awaiting_pong_ = false;
      return 0;

    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
      const auto* b = static_cast<const unsigned char*>(in);
      peer_close_code_ = (b != nullptr && len >= 2) ? (b[0] << 8 | b[1]) : 0;
      return 0;  // lws answers with its own close frame
    }

    case LWS_CALLBACK_CLIENT_WRITEABLE:
      return state_ == State::kOpen ? OnWriteable(wsi) : 0;

    case LWS_CALLBACK_CLIENT_CLOSED:
    case LWS_CALLBACK_WSI_DESTROY:
      wsi_ = nullptr;
      if (state_ == State::kOpen) {
        ReportClosed(CloseReason::kPeerClosed);
      } else {
        FailAttempt(wsi, nullptr, 0);
      }
      return 0;

    default:
      return 0;
  }
}

}  // namespace evc::posix
