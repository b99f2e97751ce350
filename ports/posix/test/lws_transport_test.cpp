#include "evc/posix/lws_transport.hpp"

#include <arpa/inet.h>
#include <libwebsockets.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "evc/posix/clock.hpp"
#include "evc/testing/fakes.hpp"
#include "test_util.hpp"
#include "ws_test_servers.hpp"

namespace evc::posix {
namespace {

using ocpp::CloseReason;
using testutil::LwsServer;
using testutil::RawServer;
using testutil::Serviceable;

// Upper bound for any wait on a condition; generous for a loaded 2-core CI machine. Waits end as
// soon as the condition holds.
constexpr uint64_t kWaitLimitMs = 20000;
constexpr useconds_t kPumpPauseUs = 1000;
constexpr char kCpId[] = "CP-TEST-1";
constexpr char kKey[] = "s3cret-Key-0123";

class RecordingListener final : public ocpp::TransportListener {
 public:
  void OnTransportOpen() override { ++opens; }
  void OnTransportMessage(std::string_view text) override { messages.emplace_back(text); }
  void OnTransportClosed(CloseReason reason) override {
    closes.push_back(reason);
    if (on_closed) {
      on_closed();
    }
  }
  std::function<void()> on_closed;
  int opens = 0;
  std::vector<std::string> messages;
  std::vector<CloseReason> closes;
};

// Shared throw-away PKI: two CAs, a server certificate for 127.0.0.1 from the first, and one for
// another name from the first.
class Pki {
 public:
  static Pki& Get() {
    static Pki pki;
    return pki;
  }
  bool ok() const { return ok_; }
  std::string Path(const std::string& name) const { return dir_.File(name); }

 private:
  Pki() {
    ok_ = !dir_.path().empty() && testutil::MakeCa(dir_.path(), "ca") &&
          testutil::MakeCa(dir_.path(), "other-ca") &&
          testutil::MakeServerCert(dir_.path(), "ca", "server", "IP:127.0.0.1,DNS:localhost") &&
          testutil::MakeServerCert(dir_.path(), "ca", "wrong-name", "DNS:csms.invalid");
  }
  testutil::TempDir dir_;
  bool ok_ = false;
};

class LwsTransportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { lws_set_log_level(LLL_ERR | LLL_WARN, nullptr); }

  LwsTransportConfig ConfigFor(int port, bool tls = false) const {
    LwsTransportConfig c;
    c.url =
        std::string(tls ? "wss" : "ws") + "://127.0.0.1:" + std::to_string(port) + "/ocpp/" + kCpId;
    c.charge_point_id = kCpId;
    return c;
  }

  std::unique_ptr<LwsTransport> Make(const LwsTransportConfig& config) {
    std::string error;
    auto t = LwsTransport::Create(config, clock_, &logger_, &error);
    EXPECT_NE(t, nullptr) << error;
    if (t != nullptr) {
      t->SetListener(&listener_);
    }
    return t;
  }

  // Services the transport and the given peers until done() or kWaitLimitMs.
  bool Pump(LwsTransport& t, const std::function<bool()>& done,
            std::initializer_list<Serviceable*> peers = {}) {
    const uint64_t start = clock_.MonotonicMs();
    while (clock_.MonotonicMs() - start < kWaitLimitMs) {
      for (Serviceable* p : peers) {
        p->Service();
      }
      t.Poll();
      if (done()) {
        return true;
      }
      usleep(kPumpPauseUs);
    }
    return false;
  }

  bool Closed() const { return !listener_.closes.empty(); }

  // Connects to the lws server and waits for the open.
  bool Open(LwsTransport& t, LwsServer& server) {
    const int opens = listener_.opens;
    const size_t closes = listener_.closes.size();
    if (!t.Connect().ok()) {
      return false;
    }
    return Pump(t, [&] { return listener_.opens > opens || listener_.closes.size() > closes; },
                {&server}) &&
           listener_.opens > opens;
  }

  PosixClock clock_;
  testing::CapturingLogSink sink_;
  Logger logger_{&sink_, LogLevel::kDebug};
  RecordingListener listener_;
};

TEST_F(LwsTransportTest, ConnectsWithOcppSubprotocolAndEchoesAText) {
  LwsServer server({});
  ASSERT_TRUE(server.ok());
  auto t = Make(ConfigFor(server.port()));
  ASSERT_NE(t, nullptr);
  ASSERT_TRUE(Open(*t, server));
  EXPECT_TRUE(t->IsOpen());
  EXPECT_EQ(t->last_http_status(), 101);
  EXPECT_EQ(server.last_uri, std::string("/ocpp/") + kCpId);
  EXPECT_EQ(server.last_requested_protocol, "ocpp1.6");
  EXPECT_EQ(server.last_authorization, "");

  const std::string call = R"([2,"1","Heartbeat",{}])";
  ASSERT_TRUE(t->Send(call).ok());
  ASSERT_TRUE(Pump(*t, [&] { return !listener_.messages.empty(); }, {&server}));
  EXPECT_EQ(listener_.messages[0], call);
  ASSERT_EQ(server.received.size(), 1u);
  EXPECT_EQ(server.received[0], call);
  EXPECT_EQ(t->counters().frames_out, 1u);
  EXPECT_EQ(t->counters().frames_in, 1u);
  EXPECT_EQ(t->counters().opens, 1u);
}

TEST_F(LwsTransportTest, BasicAuthHeaderCarriesIdAndKey) {
  LwsServer::Options o;
  o.required_auth = "Basic " + testutil::Base64(std::string(kCpId) + ":" + kKey);
  LwsServer server(o);
  ASSERT_TRUE(server.ok());
  LwsTransportConfig c = ConfigFor(server.port());
  c.authorization_key = kKey;
  auto t = Make(c);
  ASSERT_NE(t, nullptr);
  ASSERT_TRUE(Open(*t, server));
  EXPECT_EQ(server.last_authorization, o.required_auth);
  EXPECT_EQ(server.rejected_401, 0);
}

TEST_F(LwsTransportTest, WrongKeyIsRejectedWith401AndANewKeyWorksOnTheNextConnect) {
  LwsServer::Options o;
  o.required_auth = "Basic " + testutil::Base64(std::string(kCpId) + ":" + kKey);
  LwsServer server(o);
  ASSERT_TRUE(server.ok());
  LwsTransportConfig c = ConfigFor(server.port());
  c.authorization_key = "wrong-key-123";
  auto t = Make(c);
  ASSERT_NE(t, nullptr);
  ASSERT_TRUE(t->Connect().ok());
  ASSERT_TRUE(Pump(*t, [&] { return Closed(); }, {&server}));
  EXPECT_EQ(listener_.closes[0], CloseReason::kHandshakeRejected);
  EXPECT_EQ(t->last_close_reason(), CloseReason::kHandshakeRejected);
  EXPECT_EQ(t->last_http_status(), 401);
  EXPECT_EQ(server.rejected_401, 1);
  EXPECT_EQ(listener_.opens, 0);

  ASSERT_TRUE(t->SetAuthorizationKey(kKey).ok());
  ASSERT_TRUE(Open(*t, server));
  EXPECT_EQ(server.last_authorization, o.required_auth);
}

TEST_F(LwsTransportTest, ListenerMayReconnectFromInsideOnTransportClosed) {
  LwsServer::Options o;
  o.required_auth = "Basic " + testutil::Base64(std::string(kCpId) + ":" + kKey);
  LwsServer server(o);
  ASSERT_TRUE(server.ok());
  LwsTransportConfig c = ConfigFor(server.port());
  c.authorization_key = "wrong-key-123";
  auto t = Make(c);
  ASSERT_NE(t, nullptr);
  Status reconnect = Errc::kInternal;
  bool reconnected = false;
  listener_.on_closed = [&] {
    if (reconnected) {
      return;
    }
    reconnected = true;
    reconnect = t->SetAuthorizationKey(kKey);
    if (reconnect.ok()) {
      reconnect = t->Connect();  // runs inside Poll(), inside an lws callback
    }
  };
  ASSERT_TRUE(t->Connect().ok());
  ASSERT_TRUE(
      Pump(*t, [&] { return listener_.opens > 0 || listener_.closes.size() > 1; }, {&server}));
  EXPECT_TRUE(reconnect.ok()) << reconnect.name();
  ASSERT_EQ(listener_.closes.size(), 1u);
  EXPECT_EQ(listener_.closes[0], CloseReason::kHandshakeRejected);
  EXPECT_EQ(listener_.opens, 1);
  EXPECT_TRUE(t->IsOpen());
}

TEST_F(LwsTransportTest, LwsServerWithoutOcpp16HangsUpAndThatIsAHandshakeRejection) {
  LwsServer::Options o;
  o.protocols = {"ocpp2.0.1"};
  LwsServer server(o);
  ASSERT_TRUE(server.ok());
  auto t = Make(ConfigFor(server.port()));
  ASSERT_NE(t, nullptr);
  ASSERT_TRUE(t->Connect().ok());
  ASSERT_TRUE(Pump(*t, [&] { return Closed(); }, {&server}));
  // The server hangs up without an answer: a failed connection, not an explicit refusal.
  EXPECT_EQ(listener_.closes[0], CloseReason::kConnectFailed);
  EXPECT_EQ(t->last_http_status(), 0);
  EXPECT_EQ(listener_.opens, 0);
}

TEST_F(LwsTransportTest, ServerThatOmitsTheSubprotocolIsAMismatch) {
  // lws 4.1 itself would accept this 101; the transport must not.
  RawServer server(RawServer::Mode::kNoProtocolHeader);
  ASSERT_TRUE(server.ok());
  auto t = Make(ConfigFor(server.port()));
  ASSERT_NE(t, nullptr);
  ASSERT_TRUE(t->Connect().ok());
  ASSERT_TRUE(Pump(*t, [&] { return Closed(); }, {&server}));
  EXPECT_TRUE(server.responded());
  EXPECT_EQ(listener_.closes[0], CloseReason::kSubprotocolMismatch);
  EXPECT_EQ(listener_.opens, 0);
  EXPECT_NE(t->last_error().find("no Sec-WebSocket-Protocol"), std::string::npos)
      << t->last_error();
}

TEST_F(LwsTransportTest, ServerThatChoosesAnotherSubprotocolIsAMismatch) {
  RawServer server(RawServer::Mode::kOtherProtocol);
  ASSERT_TRUE(server.ok());
  auto t = Make(ConfigFor(server.port()));
  ASSERT_NE(t, nullptr);
  ASSERT_TRUE(t->Connect().ok());
  ASSERT_TRUE(Pump(*t, [&] { return Closed(); }, {&server}));
  EXPECT_EQ(listener_.closes[0], CloseReason::kSubprotocolMismatch);
  EXPECT_EQ(listener_.opens, 0);
  EXPECT_NE(server.request().find("Sec-WebSocket-Protocol: ocpp1.6"), std::string::npos);
}

TEST_F(LwsTransportTest, BadAcceptKeyIsAProtocolError) {
  RawServer server(RawServer::Mode::kBadAccept);
  ASSERT_TRUE(server.ok());
  auto t = Make(ConfigFor(server.port()));
  ASSERT_NE(t, nullptr);
  ASSERT_TRUE(t->Connect().ok());
  ASSERT_TRUE(Pump(*t, [&] { return Closed(); }, {&server}));
  EXPECT_EQ(listener_.closes[0], CloseReason::kProtocolError);
}

TEST_F(LwsTransportTest, HangUpAfterTheRequestIsAFailedConnectionNotARefusal) {
  RawServer server(RawServer::Mode::kHangUp);
  ASSERT_TRUE(server.ok());
  auto t = Make(ConfigFor(server.port()));
  ASSERT_NE(t, nullptr);
  ASSERT_TRUE(t->Connect().ok());
  ASSERT_TRUE(Pump(*t, [&] { return Closed(); }, {&server}));
  EXPECT_EQ(listener_.closes[0], CloseReason::kConnectFailed);
}

TEST_F(LwsTransportTest, RefusedTcpConnectIsConnectFailed) {
  // Take a free port and close it again, so nothing listens there.
  int port = 0;
  {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    socklen_t len = sizeof(a);
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    close(fd);
  }
  auto t = Make(ConfigFor(port));
  ASSERT_NE(t, nullptr);
  ASSERT_TRUE(t->Connect().ok());
  ASSERT_TRUE(Pump(*t, [&] { return Closed(); }));
  EXPECT_EQ(listener_.closes[0], CloseReason::kConnectFailed);
  EXPECT_EQ(listener_.opens, 0);
}

TEST_F(LwsTransportTest, FragmentsAreJoinedIntoOneMessage) {
  LwsServer server({});
  ASSERT_TRUE(server.ok());
  auto t = Make(ConfigFor(server.port()));
  ASSERT_NE(t, nullptr);
  ASSERT_TRUE(Open(*t, server));
  server.SendFragments({"[2,\"9\",", "\"Reset\",", "{\"type\":\"Soft\"}]"});
  ASSERT_TRUE(Pump(*t, [&] { return !listener_.messages.empty(); }, {&server}));
  ASSERT_EQ(listener_.messages.size(), 1u);
  EXPECT_EQ(listener_.messages[0], R"([2,"9","Reset",{"type":"Soft"}])");
}

TEST_F(LwsTransportTest, OversizedMessageIsDroppedAndTheConnectionKept) {
  LwsServer server({});
  ASSERT_TRUE(server.ok());
  LwsTransportConfig c = ConfigFor(server.port());
  c.max_incoming_message_size = 1024;
  auto t = Make(c);
  ASSERT_NE(t, nullptr);
  ASSERT_TRUE(Open(*t, server));
  server.SendText(std::string(c.max_incoming_message_size + 1, 'x'));
  server.SendFragments({std::string(600, 'y'), std::string(600, 'y')});  // too big only joined
  server.SendText(std::string(c.max_incoming_message_size, 'z'));        // exactly the limit
  ASSERT_TRUE(Pump(*t, [&] { return !listener_.messages.empty(); }, {&server}));
  ASSERT_EQ(listener_.messages.size(), 1u);
  EXPECT_EQ(listener_.messages[0], std::string(c.max_incoming_message_size, 'z'));
  EXPECT_EQ(t->counters().dropped_oversize, 2u);
  EXPECT_TRUE(t->IsOpen());
  EXPECT_TRUE(listener_.closes.empty());
  EXPECT_TRUE(sink_.Contains("dropped an incoming message"));
}

TEST_F(LwsTransportTest, BinaryMessageIsDroppedAndCounted) {
  LwsServer server({});
  ASSERT_TRUE(server.ok());
  auto t = Make(ConfigFor(server.port()));
  ASSERT_NE(t, nullptr);
  ASSERT_TRUE(Open(*t, server));
  server.SendBinary("\x01\x02\x03");
  server.SendText("after");
  ASSERT_TRUE(Pump(*t, [&] { return !listener_.messages.empty(); }, {&server}));
  EXPECT_EQ(listener_.messages[0], "after");
  EXPECT_EQ(t->counters().dropped_binary, 1u);
  EXPECT_TRUE(t->IsOpen());
}

TEST_F(LwsTransportTest, PeerCloseIsReportedWithItsCode) {
  LwsServer server({});
  ASSERT_TRUE(server.ok());
  auto t = Make(ConfigFor(server.port()));
  ASSERT_NE(t, nullptr);
  ASSERT_TRUE(Open(*t, server));
  server.CloseWith(LWS_CLOSE_STATUS_GOINGAWAY);
  ASSERT_TRUE(Pump(*t, [&] { return Closed(); }, {&server}));
  EXPECT_EQ(listener_.closes[0], CloseReason::kPeerClosed);
  EXPECT_EQ(t->last_peer_close_code(), LWS_CLOSE_STATUS_GOINGAWAY);
  EXPECT_FALSE(t->IsOpen());
  EXPECT_EQ(t->Send("x").code(), Errc::kUnavailable);
}

TEST_F(LwsTransportTest, LocalCloseIsReportedAtOnceAndTheServerGetsANormalClose) {
  LwsServer server({});
  ASSERT_TRUE(server.ok());
  auto t = Make(ConfigFor(server.port()));
  ASSERT_NE(t, nullptr);
  ASSERT_TRUE(Open(*t, server));
  t->Close();
  ASSERT_EQ(listener_.closes.size(), 1u);
  EXPECT_EQ(listener_.closes[0], CloseReason::kLocalClose);
  EXPECT_FALSE(t->IsOpen());
  ASSERT_TRUE(Pump(*t, [&] { return server.closed > 0; }, {&server}));
  EXPECT_EQ(server.client_close_code, LWS_CLOSE_STATUS_NORMAL);
  EXPECT_EQ(listener_.closes.size(), 1u);  // no second report from the dying socket
  t->Close();                              // closing again is a no-op
  EXPECT_EQ(listener_.closes.size(), 1u);
}

TEST_F(LwsTransportTest, ReconnectsAfterALocalClose) {
  LwsServer server({});
  ASSERT_TRUE(server.ok());
  auto t = Make(ConfigFor(server.port()));
  ASSERT_NE(t, nullptr);
  ASSERT_TRUE(Open(*t, server));
  t->Close();
  ASSERT_TRUE(Open(*t, server));
  ASSERT_TRUE(t->Send("again").ok());
  ASSERT_TRUE(Pump(*t, [&] { return !listener_.messages.empty(); }, {&server}));
  EXPECT_EQ(listener_.messages[0], "again");
  EXPECT_EQ(server.established, 2);
  EXPECT_EQ(listener_.opens, 2);
}

TEST_F(LwsTransportTest, CloseWhileConnectingAbortsTheAttempt) {
  LwsServer server({});
  ASSERT_TRUE(server.ok());
  auto t = Make(ConfigFor(server.port()));
  ASSERT_NE(t, nullptr);
  ASSERT_TRUE(t->Connect().ok());
  EXPECT_EQ(t->Connect().code(), Errc::kFailedPrecondition);
  t->Close();
  ASSERT_EQ(listener_.closes.size(), 1u);
  EXPECT_EQ(listener_.closes[0], CloseReason::kLocalClose);
  // Let any late lws events for the abandoned socket pass; none may reach the listener.
  ASSERT_TRUE(
      Pump(*t, [&] { return server.upgrades > 0 || server.closed > 0 || true; }, {&server}));
  for (int i = 0; i < 50; ++i) {
    server.Service();
    t->Poll();
  }
  EXPECT_EQ(listener_.opens, 0);
  EXPECT_EQ(listener_.closes.size(), 1u);
}

TEST_F(LwsTransportTest, SendRulesUnavailableTooLargeAndQueueFull) {
  LwsServer server({});
  ASSERT_TRUE(server.ok());
  auto t = Make(ConfigFor(server.port()));
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->Send("not yet").code(), Errc::kUnavailable);
  ASSERT_TRUE(Open(*t, server));
  EXPECT_EQ(t->Send(std::string(kMaxOutgoingMessageSize + 1, 'x')).code(),
            Errc::kResourceExhausted);
  for (size_t i = 0; i < kSendQueueCapacity; ++i) {
    ASSERT_TRUE(t->Send("frame " + std::to_string(i)).ok()) << i;
  }
  EXPECT_EQ(t->Send("one too many").code(), Errc::kResourceExhausted);
  EXPECT_EQ(t->counters().send_rejected, 2u);
  ASSERT_TRUE(Pump(*t, [&] { return server.received.size() == kSendQueueCapacity; }, {&server}));
  for (size_t i = 0; i < kSendQueueCapacity; ++i) {
    EXPECT_EQ(server.received[i], "frame " + std::to_string(i));
  }
  // The largest allowed frame goes through.
  ASSERT_TRUE(t->Send(std::string(kMaxOutgoingMessageSize, 'L')).ok());
  ASSERT_TRUE(
      Pump(*t, [&] { return server.received.size() == kSendQueueCapacity + 1; }, {&server}));
  EXPECT_EQ(server.received.back().size(), kMaxOutgoingMessageSize);
}

TEST_F(LwsTransportTest, QueuedFramesAreDiscardedAndCountedOnClose) {
  LwsServer server({});
  ASSERT_TRUE(server.ok());
  auto t = Make(ConfigFor(server.port()));
  ASSERT_NE(t, nullptr);
  ASSERT_TRUE(Open(*t, server));
  ASSERT_TRUE(t->Send("a").ok());
  ASSERT_TRUE(t->Send("b").ok());
  t->Close();
  EXPECT_EQ(t->counters().dropped_on_close, 2u);
}

TEST_F(LwsTransportTest, HealthyServerAnswersPings) {
  LwsServer server({});
  ASSERT_TRUE(server.ok());
  LwsTransportConfig c = ConfigFor(server.port());
  c.ping_interval_s = 1;
  auto t = Make(c);
  ASSERT_NE(t, nullptr);
  ASSERT_TRUE(Open(*t, server));
  ASSERT_TRUE(Pump(*t, [&] { return t->counters().pongs_received >= 2 || Closed(); }, {&server}));
  EXPECT_GE(t->counters().pings_sent, 2u);
  EXPECT_TRUE(t->IsOpen());
  EXPECT_TRUE(listener_.closes.empty());
}

TEST_F(LwsTransportTest, SilentPeerIsDetectedAsPingTimeout) {
  RawServer server(RawServer::Mode::kSilent);
  ASSERT_TRUE(server.ok());
  LwsTransportConfig c = ConfigFor(server.port());
  c.pong_timeout_ms = 300;
  auto t = Make(c);
  ASSERT_NE(t, nullptr);
  ASSERT_TRUE(t->Connect().ok());
  ASSERT_TRUE(Pump(*t, [&] { return listener_.opens > 0 || Closed(); }, {&server}));
  ASSERT_EQ(listener_.opens, 1);
  t->SetPingIntervalS(1);  // the seam's way, as WebSocketPingInterval does it
  ASSERT_TRUE(Pump(*t, [&] { return Closed(); }, {&server}));
  EXPECT_EQ(listener_.closes[0], CloseReason::kPingTimeout);
  EXPECT_GE(t->counters().pings_sent, 1u);
  EXPECT_EQ(t->counters().pongs_received, 0u);
}

TEST_F(LwsTransportTest, PingIntervalZeroSendsNoPings) {
  RawServer server(RawServer::Mode::kSilent);
  ASSERT_TRUE(server.ok());
  LwsTransportConfig c = ConfigFor(server.port());
  c.ping_interval_s = 1;
  c.pong_timeout_ms = 300;
  auto t = Make(c);
  ASSERT_NE(t, nullptr);
  t->SetPingIntervalS(0);
  ASSERT_TRUE(t->Connect().ok());
  ASSERT_TRUE(Pump(*t, [&] { return listener_.opens > 0 || Closed(); }, {&server}));
  ASSERT_EQ(listener_.opens, 1);
  // Run for longer than interval + timeout would be; the peer never answers, yet nothing closes.
  const uint64_t until = clock_.MonotonicMs() + 2 * 1000 + 2 * c.pong_timeout_ms;
  Pump(*t, [&] { return clock_.MonotonicMs() >= until || Closed(); }, {&server});
  EXPECT_TRUE(listener_.closes.empty());
  EXPECT_EQ(t->counters().pings_sent, 0u);
}

class LwsTransportTlsTest : public LwsTransportTest {
 protected:
  void SetUp() override { ASSERT_TRUE(Pki::Get().ok()) << "openssl CLI failed"; }
  LwsServer::Options TlsServer(const std::string& cert) const {
    LwsServer::Options o;
    o.cert_path = Pki::Get().Path(cert + ".pem");
    o.key_path = Pki::Get().Path(cert + ".key");
    return o;
  }
};

TEST_F(LwsTransportTlsTest, WssWithTheRightCaOpensAndCarriesBasicAuth) {
  LwsServer::Options o = TlsServer("server");
  o.required_auth = "Basic " + testutil::Base64(std::string(kCpId) + ":" + kKey);
  LwsServer server(o);
  ASSERT_TRUE(server.ok());
  LwsTransportConfig c = ConfigFor(server.port(), true);
  c.ca_bundle_path = Pki::Get().Path("ca.pem");
  c.authorization_key = kKey;
  auto t = Make(c);
  ASSERT_NE(t, nullptr);
  ASSERT_TRUE(Open(*t, server)) << t->last_error();
  ASSERT_TRUE(t->Send("over tls").ok());
  ASSERT_TRUE(Pump(*t, [&] { return !listener_.messages.empty(); }, {&server}));
  EXPECT_EQ(listener_.messages[0], "over tls");
}

TEST_F(LwsTransportTlsTest, WssWithAnotherCaIsATlsFailure) {
  LwsServer server(TlsServer("server"));
  ASSERT_TRUE(server.ok());
  LwsTransportConfig c = ConfigFor(server.port(), true);
  c.ca_bundle_path = Pki::Get().Path("other-ca.pem");
  auto t = Make(c);
  ASSERT_NE(t, nullptr);
  ASSERT_TRUE(t->Connect().ok());
  ASSERT_TRUE(Pump(*t, [&] { return Closed(); }, {&server}));
  EXPECT_EQ(listener_.closes[0], CloseReason::kTlsFailure) << t->last_error();
  EXPECT_EQ(listener_.opens, 0);
  EXPECT_EQ(server.upgrades, 0);  // no HTTP request (and no credentials) reached the server
}

TEST_F(LwsTransportTlsTest, WssWithAMismatchedHostNameIsATlsFailure) {
  LwsServer server(TlsServer("wrong-name"));
  ASSERT_TRUE(server.ok());
  LwsTransportConfig c = ConfigFor(server.port(), true);
  c.ca_bundle_path = Pki::Get().Path("ca.pem");
  auto t = Make(c);
  ASSERT_NE(t, nullptr);
  ASSERT_TRUE(t->Connect().ok());
  ASSERT_TRUE(Pump(*t, [&] { return Closed(); }, {&server}));
  EXPECT_EQ(listener_.closes[0], CloseReason::kTlsFailure) << t->last_error();
  EXPECT_EQ(server.upgrades, 0);
}

TEST_F(LwsTransportTlsTest, WssWithTheSystemStoreDoesNotTrustATestCa) {
  LwsServer server(TlsServer("server"));
  ASSERT_TRUE(server.ok());
  auto t = Make(ConfigFor(server.port(), true));  // no CA bundle: OS trust store
  ASSERT_NE(t, nullptr);
  ASSERT_TRUE(t->Connect().ok());
  ASSERT_TRUE(Pump(*t, [&] { return Closed(); }, {&server}));
  EXPECT_EQ(listener_.closes[0], CloseReason::kTlsFailure) << t->last_error();
}

TEST_F(LwsTransportTlsTest, WssToAPlainServerIsATlsFailure) {
  LwsServer server({});
  ASSERT_TRUE(server.ok());
  LwsTransportConfig c = ConfigFor(server.port(), true);
  c.ca_bundle_path = Pki::Get().Path("ca.pem");
  auto t = Make(c);
  ASSERT_NE(t, nullptr);
  ASSERT_TRUE(t->Connect().ok());
  ASSERT_TRUE(Pump(*t, [&] { return Closed(); }, {&server}));
  EXPECT_EQ(listener_.closes[0], CloseReason::kTlsFailure) << t->last_error();
}

TEST_F(LwsTransportTlsTest, CreateRejectsBadCaBundles) {
  std::string error;
  LwsTransportConfig c = ConfigFor(443, true);
  c.ca_bundle_path = Pki::Get().Path("absent.pem");
  EXPECT_EQ(LwsTransport::Create(c, clock_, nullptr, &error), nullptr);
  EXPECT_NE(error.find("cannot open"), std::string::npos) << error;
  c.ca_bundle_path = Pki::Get().Path("ca.key");  // PEM, but no certificate
  EXPECT_EQ(LwsTransport::Create(c, clock_, nullptr, &error), nullptr);
  EXPECT_NE(error.find("no PEM certificate"), std::string::npos) << error;
  c = ConfigFor(80, false);
  c.ca_bundle_path = Pki::Get().Path("ca.pem");
  EXPECT_EQ(LwsTransport::Create(c, clock_, nullptr, &error), nullptr);
  EXPECT_NE(error.find("only used with wss"), std::string::npos) << error;
}

TEST(LwsTransportConfigTest, CreateValidatesUrlIdAndKey) {
  PosixClock clock;
  std::string error;
  LwsTransportConfig c;
  c.charge_point_id = kCpId;
  c.url = "http://127.0.0.1/ocpp/CP-TEST-1";
  EXPECT_EQ(LwsTransport::Create(c, clock, nullptr, &error), nullptr);
  EXPECT_EQ(error, "url: URL must start with ws:// or wss://");
  c.url = "ws://127.0.0.1/ocpp/OTHER";
  EXPECT_EQ(LwsTransport::Create(c, clock, nullptr, &error), nullptr);
  EXPECT_NE(error.find("must end with \"/CP-TEST-1\""), std::string::npos) << error;
  c.url = "ws://127.0.0.1/ocpp/CP-TEST-1";
  c.charge_point_id = "bad id";
  EXPECT_EQ(LwsTransport::Create(c, clock, nullptr, &error), nullptr);
  EXPECT_NE(error.find("charge_point_id"), std::string::npos) << error;
  c.charge_point_id = kCpId;
  c.authorization_key = "short";
  EXPECT_EQ(LwsTransport::Create(c, clock, nullptr, &error), nullptr);
  EXPECT_NE(error.find("authorization_key"), std::string::npos) << error;
  c.authorization_key = kKey;
  auto t = LwsTransport::Create(c, clock, nullptr, &error);
  ASSERT_NE(t, nullptr) << error;
  EXPECT_EQ(t->SetAuthorizationKey("bad key with spaces").code(), Errc::kInvalidArgument);
  EXPECT_TRUE(t->SetAuthorizationKey("").ok());
  EXPECT_FALSE(t->IsOpen());
}

TEST(LwsTransportConfigTest, AuthorizationKeyRule) {
  EXPECT_TRUE(IsValidAuthorizationKey("12345678"));
  EXPECT_TRUE(IsValidAuthorizationKey(std::string(kMaxAuthorizationKeyLength, '~')));
  EXPECT_FALSE(IsValidAuthorizationKey("1234567"));
  EXPECT_FALSE(IsValidAuthorizationKey(std::string(kMaxAuthorizationKeyLength + 1, 'a')));
  EXPECT_FALSE(IsValidAuthorizationKey("with space"));
  EXPECT_FALSE(IsValidAuthorizationKey("tab\tinside"));
  EXPECT_FALSE(IsValidAuthorizationKey("non-ascii-\xc3\xa9"));
}

TEST(ClassifyConnectFailureTest, MapsEachStageToItsReason) {
  ConnectFailure f;
  f.lws_error = "Unable to connect";
  EXPECT_EQ(ClassifyConnectFailure(f), CloseReason::kConnectFailed);
  f.tls = true;
  EXPECT_EQ(ClassifyConnectFailure(f), CloseReason::kConnectFailed);
  f.lws_error = "connect SSL err 1: error:0A00010B:SSL routines::wrong version number";
  EXPECT_EQ(ClassifyConnectFailure(f), CloseReason::kTlsFailure);
  f.lws_error = "closed before established";
  f.tls_verify_failed = true;
  EXPECT_EQ(ClassifyConnectFailure(f), CloseReason::kTlsFailure);
  f = ConnectFailure();
  f.request_sent = true;
  f.http_status = 401;
  f.lws_error = "HS: ws upgrade unauthorized";
  EXPECT_EQ(ClassifyConnectFailure(f), CloseReason::kHandshakeRejected);
  f.http_status = 404;
  f.lws_error = "HS: ws upgrade response not 101";
  EXPECT_EQ(ClassifyConnectFailure(f), CloseReason::kHandshakeRejected);
  f.http_status = 101;
  f.lws_error = "HS: PROTOCOL malformed";
  EXPECT_EQ(ClassifyConnectFailure(f), CloseReason::kSubprotocolMismatch);
  f.lws_error = "HS: Rejected by filter cb";
  f.subprotocol_rejected = true;
  EXPECT_EQ(ClassifyConnectFailure(f), CloseReason::kSubprotocolMismatch);
  f.subprotocol_rejected = false;
  f.lws_error = "HS: Accept hash wrong";
  EXPECT_EQ(ClassifyConnectFailure(f), CloseReason::kProtocolError);
  f.http_status = 0;
  f.lws_error = "Peer hung up";
  EXPECT_EQ(ClassifyConnectFailure(f), CloseReason::kConnectFailed);
}

}  // namespace
}  // namespace evc::posix
