#pragma once
// WebSocket peers for the LwsTransport tests, all on 127.0.0.1 with a kernel-chosen port and
// serviced without blocking from the test's own thread:
// - LwsServer: a libwebsockets server (optionally TLS) with configurable protocol names, an
//   optional Basic Auth requirement (answers 401), echo, and scripted sends/closes.
// - RawServer: a hand-written HTTP upgrade responder for what lws servers will not do (omit the
//   subprotocol, pick one the client did not offer, send a bad accept key, go silent).

#include <arpa/inet.h>
#include <fcntl.h>
#include <libwebsockets.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <deque>
#include <string>
#include <vector>

namespace evc::posix::testutil {

class Serviceable {
 public:
  virtual ~Serviceable() = default;
  virtual void Service() = 0;
};

inline std::string Base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(&out[0]),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

class LwsServer final : public Serviceable {
 public:
  struct Options {
    std::vector<std::string> protocols{"ocpp1.6"};
    std::string cert_path;  // TLS when set
    std::string key_path;
    std::string required_auth;  // full Authorization header value; empty: not checked
    bool echo = true;
  };

  explicit LwsServer(Options options) : options_(std::move(options)) {
    for (const std::string& name : options_.protocols) {
      lws_protocols p;
      memset(&p, 0, sizeof(p));
      p.name = name.c_str();
      p.callback = &LwsServer::Callback;
      p.rx_buffer_size = 4096;
      protocols_.push_back(p);
    }
    lws_protocols end;
    memset(&end, 0, sizeof(end));
    protocols_.push_back(end);

    lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    info.port = 0;
    info.iface = "127.0.0.1";
    info.protocols = protocols_.data();
    info.user = this;
    info.gid = -1;
    info.uid = -1;
    info.fd_limit_per_thread = 32;
    if (!options_.cert_path.empty()) {
      info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
      info.ssl_cert_filepath = options_.cert_path.c_str();
      info.ssl_private_key_filepath = options_.key_path.c_str();
      // A client context we own, so lws does not build (and, with two lws contexts in the
      // process, leak) one for this server vhost.
      unused_client_ctx_ = SSL_CTX_new(TLS_client_method());
      info.provided_client_ssl_ctx = unused_client_ctx_;
    }
    context_ = lws_create_context(&info);
    if (context_ != nullptr) {
      port_ = lws_get_vhost_listen_port(lws_get_vhost_by_name(context_, "default"));
    }
  }
  ~LwsServer() override {
    if (context_ != nullptr) {
      lws_context_destroy(context_);
    }
    if (unused_client_ctx_ != nullptr) {
      SSL_CTX_free(unused_client_ctx_);
    }
  }
  LwsServer(const LwsServer&) = delete;
  LwsServer& operator=(const LwsServer&) = delete;

  bool ok() const { return context_ != nullptr && port_ > 0; }
  int port() const { return port_; }
  void Service() override { lws_service(context_, -1); }

  // Scripted traffic on the newest connection.
  void SendText(const std::string& text) { Queue(LWS_WRITE_TEXT, text); }
  void SendBinary(const std::string& data) { Queue(LWS_WRITE_BINARY, data); }
  void SendFragments(const std::vector<std::string>& parts) {
    for (size_t i = 0; i < parts.size(); ++i) {
      int flags = i == 0 ? LWS_WRITE_TEXT : LWS_WRITE_CONTINUATION;
      if (i + 1 < parts.size()) {
        flags |= LWS_WRITE_NO_FIN;
      }
      Queue(flags, parts[i]);
    }
  }
  void CloseWith(int code) {
    close_code_ = code;
    if (conn_ != nullptr) {
      lws_callback_on_writable(conn_);
    }
  }

  // Observations.
  int upgrades = 0;     // upgrade requests seen
  int established = 0;  // WebSocket connections opened
  int closed = 0;       // WebSocket connections closed
  int rejected_401 = 0;
  int client_close_code = 0;       // from the client's close frame
  std::string last_authorization;  // "" when the header was absent
  std::string last_uri;
  std::string last_requested_protocol;
  std::vector<std::string> received;

 private:
  struct Out {
    int flags;
    std::string data;
  };

  void Queue(int flags, const std::string& data) {
    out_.push_back({flags, data});
    if (conn_ != nullptr) {
      lws_callback_on_writable(conn_);
    }
  }

  static std::string Header(lws* wsi, lws_token_indexes token) {
    const int len = lws_hdr_total_length(wsi, token);
    if (len <= 0) {
      return "";
    }
    std::string s(static_cast<size_t>(len) + 1, '\0');
    const int n = lws_hdr_copy(wsi, &s[0], len + 1, token);
    s.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return s;
  }

  static int Callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
    auto* self = static_cast<LwsServer*>(lws_context_user(lws_get_context(wsi)));
    switch (reason) {
      case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: {
        ++self->upgrades;
        self->last_authorization = Header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
        self->last_uri = Header(wsi, WSI_TOKEN_GET_URI);
        self->last_requested_protocol = Header(wsi, WSI_TOKEN_PROTOCOL);
        if (!self->options_.required_auth.empty() &&
            self->last_authorization != self->options_.required_auth) {
          ++self->rejected_401;
          lws_return_http_status(wsi, HTTP_STATUS_UNAUTHORIZED, nullptr);
          return 1;  // we answered; lws finishes the transaction
        }
        return 0;
      }
      case LWS_CALLBACK_ESTABLISHED:
        ++self->established;
        self->conn_ = wsi;
        if (!self->out_.empty() || self->close_code_ != 0) {
          lws_callback_on_writable(wsi);
        }
        return 0;
      case LWS_CALLBACK_RECEIVE: {
        self->partial_.append(static_cast<const char*>(in), len);
        if (lws_is_final_fragment(wsi)) {
          self->received.push_back(self->partial_);
          if (self->options_.echo) {
            self->Queue(LWS_WRITE_TEXT, self->partial_);
          }
          self->partial_.clear();
        }
        return 0;
      }
      case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
        const auto* b = static_cast<const unsigned char*>(in);
        self->client_close_code = (b != nullptr && len >= 2) ? (b[0] << 8 | b[1]) : 0;
        return 0;
      }
      case LWS_CALLBACK_SERVER_WRITEABLE: {
        if (wsi != self->conn_) {
          return 0;
        }
        if (!self->out_.empty()) {
          Out o = self->out_.front();
          self->out_.pop_front();
          std::vector<unsigned char> buf(LWS_PRE + o.data.size());
          memcpy(buf.data() + LWS_PRE, o.data.data(), o.data.size());
          if (lws_write(wsi, buf.data() + LWS_PRE, o.data.size(),
                        static_cast<lws_write_protocol>(o.flags)) < 0) {
            return -1;
          }
          if (!self->out_.empty() || self->close_code_ != 0) {
            lws_callback_on_writable(wsi);
          }
          return 0;
        }
        if (self->close_code_ != 0) {
          lws_close_reason(wsi, static_cast<lws_close_status>(self->close_code_), nullptr, 0);
          self->close_code_ = 0;
          return -1;
        }
        return 0;
      }
      case LWS_CALLBACK_CLOSED:
        ++self->closed;
        if (wsi == self->conn_) {
          self->conn_ = nullptr;
        }
        return 0;
      default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
  }

  Options options_;
  std::vector<lws_protocols> protocols_;
  lws_context* context_ = nullptr;
  SSL_CTX* unused_client_ctx_ = nullptr;
  int port_ = 0;
  lws* conn_ = nullptr;
  std::deque<Out> out_;
  std::string partial_;
  int close_code_ = 0;
};

class RawServer final : public Serviceable {
 public:
  enum class Mode {
    kNoProtocolHeader,  // 101 without Sec-WebSocket-Protocol
    kOtherProtocol,     // 101 choosing "ocpp2.0.1"
    kBadAccept,         // 101 with a wrong Sec-WebSocket-Accept
    kHangUp,            // closes after reading the request
    kSilent,            // proper 101 with "ocpp1.6", then never reads or writes again
  };

  explicit RawServer(Mode mode) : mode_(mode) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
        listen(listen_fd_, 4) != 0) {
      return;
    }
    socklen_t len = sizeof(a);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~RawServer() override {
    if (conn_fd_ >= 0) {
      close(conn_fd_);
    }
    if (listen_fd_ >= 0) {
      close(listen_fd_);
    }
  }
  RawServer(const RawServer&) = delete;
  RawServer& operator=(const RawServer&) = delete;

  bool ok() const { return port_ > 0; }
  int port() const { return port_; }
  bool responded() const { return responded_; }
  const std::string& request() const { return request_; }

  void Service() override {
    if (conn_fd_ < 0 && !responded_) {
      conn_fd_ = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      return;
    }
    if (conn_fd_ < 0 || responded_) {
      return;  // kSilent: the socket stays open and unread
    }
    char buf[2048];
    const ssize_t n = read(conn_fd_, buf, sizeof(buf));
    if (n > 0) {
      request_.append(buf, static_cast<size_t>(n));
    }
    if (request_.find("\r\n\r\n") == std::string::npos) {
      return;
    }
    responded_ = true;
    if (mode_ == Mode::kHangUp) {
      close(conn_fd_);
      conn_fd_ = -1;
      return;
    }
    std::string response =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: " +
        (mode_ == Mode::kBadAccept ? Base64("not the right hash!!") : AcceptFor(ClientKey())) +
        "\r\n";
    if (mode_ == Mode::kOtherProtocol) {
      response += "Sec-WebSocket-Protocol: ocpp2.0.1\r\n";
    } else if (mode_ != Mode::kNoProtocolHeader) {
      response += "Sec-WebSocket-Protocol: ocpp1.6\r\n";
    }
    response += "\r\n";
    const ssize_t w = write(conn_fd_, response.data(), response.size());
    (void)w;
  }

 private:
  std::string ClientKey() const {
    const std::string name = "sec-websocket-key:";
    std::string lower = request_;
    for (char& c : lower) {
      c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
    }
    size_t at = lower.find(name);
    if (at == std::string::npos) {
      return "";
    }
    at += name.size();
    while (at < request_.size() && request_[at] == ' ') {
      ++at;
    }
    return request_.substr(at, request_.find("\r\n", at) - at);
  }

  static std::string AcceptFor(const std::string& key) {
    const std::string magic = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(magic.data()), magic.size(), digest);
    return Base64(std::string(reinterpret_cast<char*>(digest), sizeof(digest)));
  }

  Mode mode_;
  int listen_fd_ = -1;
  int conn_fd_ = -1;
  int port_ = 0;
  bool responded_ = false;
  std::string request_;
};

}  // namespace evc::posix::testutil
