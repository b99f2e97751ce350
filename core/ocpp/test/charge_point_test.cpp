#include "evc/ocpp/charge_point.hpp"

#include <cjson/cJSON.h>
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "evc/storage/record.hpp"
#include "evc/testing/fake_hardware.hpp"
#include "evc/testing/fakes.hpp"

namespace evc::ocpp {
namespace {

using charging::ConnectorStatus;

// One frame the charge point sent, parsed with cJSON (independent of the parser under test).
struct Frame {
  int type = 0;
  std::string id;
  std::string action;
  std::shared_ptr<cJSON> doc;
  const cJSON* payload = nullptr;
  std::string text;

  std::string Str(const char* name) const {
    const cJSON* v = cJSON_GetObjectItemCaseSensitive(payload, name);
    return cJSON_IsString(v) ? v->valuestring : "";
  }
  double Num(const char* name) const {
    const cJSON* v = cJSON_GetObjectItemCaseSensitive(payload, name);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
  }
  bool Has(const char* name) const {
    return cJSON_GetObjectItemCaseSensitive(payload, name) != nullptr;
  }
};

Frame Parse(const std::string& text) {
  Frame f;
  f.text = text;
  f.doc = std::shared_ptr<cJSON>(cJSON_Parse(text.c_str()), [](cJSON* j) { cJSON_Delete(j); });
  const cJSON* root = f.doc.get();
  if (!cJSON_IsArray(root))
    return f;
  f.type = cJSON_GetArrayItem(root, 0)->valueint;
  f.id = cJSON_GetArrayItem(root, 1)->valuestring;
  if (f.type == 2) {
    f.action = cJSON_GetArrayItem(root, 2)->valuestring;
    f.payload = cJSON_GetArrayItem(root, 3);
  } else if (f.type == 3) {
    f.payload = cJSON_GetArrayItem(root, 2);
  } else if (f.type == 4) {
    f.action = cJSON_GetArrayItem(root, 2)->valuestring;  // error code
  }
  return f;
}

constexpr const char* kNow = "2026-03-01T10:00:00Z";

// The charge point under test plus fakes of everything around it. The KvStore outlives a
// harness so that a second harness over the same store is "the next boot".
class Harness {
 public:
  explicit Harness(testing::MemoryKvStore& kv, bool plugged = false)
      : kv_(kv), log_(&sink_), config_(kv, log_) {
    hw.plugged = plugged;
    config_.Load().IgnoreError();
    cp = std::make_unique<ChargePoint>(
        ChargePointDeps{transport, clock, rng_, log_, kv_, config_, hw, sys},
        ChargePointIdentity{"EVC", "TestModel", "SN1", "1.0.0"});
    EXPECT_TRUE(cp->Boot().ok());
  }

  // Advances virtual time in control ticks.
  void Run(uint64_t ms) {
    for (uint64_t t = 0; t < ms; t += 10) {
      clock.Advance(10);
      cp->Poll();
    }
  }
  void Connect() {
    cp->Poll();
    ASSERT_GE(transport.connects, 1);
    transport.Open();
  }
  bool HasSent() const { return !transport.sent.empty(); }
  Frame Next() {
    EXPECT_FALSE(transport.sent.empty()) << "expected a frame";
    return Parse(transport.TakeFirst());
  }
  // Takes the next CALL, checks its action, and answers it.
  Frame Expect(const std::string& action, const std::string& result = "{}") {
    cp->Poll();
    Frame f = Next();
    EXPECT_EQ(2, f.type) << f.text;
    EXPECT_EQ(action, f.action) << f.text;
    transport.Deliver("[3,\"" + f.id + "\"," + result + "]");
    return f;
  }
  // Sends a CALL as the CSMS and returns our answer.
  Frame CsmsCall(const std::string& action, const std::string& payload) {
    transport.Deliver("[2,\"cs" + std::to_string(++csms_ids_) + "\",\"" + action + "\"," + payload +
                      "]");
    for (auto it = transport.sent.begin(); it != transport.sent.end(); ++it) {
      Frame f = Parse(*it);
      if (f.type != 2) {
        transport.sent.erase(it);
        return f;
      }
    }
    ADD_FAILURE() << "no answer to " << action;
    return Frame{};
  }
  void BootAccepted(int interval = 300) {
    Connect();
    Expect("BootNotification", std::string("{\"status\":\"Accepted\",\"currentTime\":\"") + kNow +
                                   "\",\"interval\":" + std::to_string(interval) + "}");
    Frame s0 = Expect("StatusNotification");
    EXPECT_EQ(0, s0.Num("connectorId"));
    Frame s1 = Expect("StatusNotification");
    EXPECT_EQ(1, s1.Num("connectorId"));
  }
  ConnectorStatus Status() const { return cp->status(1); }

  testing::FakeClock clock;
  testing::FakeTransport transport;
  testing::FakeHardware hw;
  testing::FakeSystem sys;
  testing::CapturingLogSink sink_;
  std::unique_ptr<ChargePoint> cp;

 private:
  testing::MemoryKvStore& kv_;
  XoshiroRng rng_{7};
  Logger log_;

 public:
  Configuration config_;

 private:
  int csms_ids_ = 0;
};

class ChargePointTest : public ::testing::Test {
 protected:
  testing::MemoryKvStore kv_;
};

// Brings a harness to Charging with CSMS transaction id 42.
void StartCharging(Harness& h) {
  h.hw.plugged = true;
  h.Run(20);
  Frame prep = h.Expect("StatusNotification");
  EXPECT_EQ("Preparing", prep.Str("status"));
  Frame r = h.CsmsCall("RemoteStartTransaction", R"({"idTag":"TAG1","connectorId":1})");
  EXPECT_EQ("Accepted", r.Str("status"));
  h.Run(20);
  Frame start =
      h.Expect("StartTransaction", R"({"idTagInfo":{"status":"Accepted"},"transactionId":42})");
  EXPECT_EQ("TAG1", start.Str("idTag"));
  EXPECT_EQ(1, start.Num("connectorId"));
  Frame charging = h.Expect("StatusNotification");
  EXPECT_EQ("Charging", charging.Str("status"));
  EXPECT_TRUE(h.hw.output);
}

TEST_F(ChargePointTest, ColdBootSendsBootThenStatusOfBothConnectorsThenHeartbeat) {
  Harness h(kv_);
  h.Connect();
  Frame boot = h.Expect("BootNotification", R"({"status":"Accepted","currentTime":")" +
                                                std::string(kNow) + R"(","interval":60})");
  EXPECT_EQ("EVC", boot.Str("chargePointVendor"));
  EXPECT_EQ("TestModel", boot.Str("chargePointModel"));
  EXPECT_EQ("1.0.0", boot.Str("firmwareVersion"));
  EXPECT_EQ(RegistrationStatus::kAccepted, h.cp->registration());
  Frame s0 = h.Expect("StatusNotification");
  EXPECT_EQ("Available", s0.Str("status"));
  EXPECT_EQ("NoError", s0.Str("errorCode"));
  const std::string ts = s0.Str("timestamp");
  ASSERT_FALSE(ts.empty());
  EXPECT_EQ('Z', ts.back());
  EXPECT_EQ("2026-03-01", ts.substr(0, 10));
  h.Expect("StatusNotification");
  EXPECT_EQ(60, h.config_.GetInt(ConfigKey::kHeartbeatInterval));
  h.Run(59000);
  EXPECT_FALSE(h.HasSent());
  h.Run(1100);
  h.Expect("Heartbeat", R"({"currentTime":"2026-03-01T10:01:00Z"})");
}

TEST_F(ChargePointTest, PendingRetriesAtTheGivenIntervalAndSendsNothingElse) {
  Harness h(kv_);
  h.Connect();
  h.Expect("BootNotification",
           R"({"status":"Pending","currentTime":"2026-03-01T10:00:00Z","interval":30})");
  EXPECT_EQ(RegistrationStatus::kPending, h.cp->registration());
  h.Run(29000);
  EXPECT_FALSE(h.HasSent());
  h.Run(1100);
  h.Expect("BootNotification",
           R"({"status":"Accepted","currentTime":"2026-03-01T10:00:31Z","interval":300})");
  EXPECT_EQ(RegistrationStatus::kAccepted, h.cp->registration());
  h.Expect("StatusNotification");
}

TEST_F(ChargePointTest, RejectedRetriesAndRefusesCsmsCalls) {
  Harness h(kv_);
  h.Connect();
  h.Expect("BootNotification",
           R"({"status":"Rejected","currentTime":"2026-03-01T10:00:00Z","interval":10})");
  EXPECT_EQ(RegistrationStatus::kRejected, h.cp->registration());
  Frame r = h.CsmsCall("Reset", R"({"type":"Soft"})");
  EXPECT_EQ(4, r.type);
  EXPECT_EQ(0, h.sys.reboots);
  h.Run(9000);
  EXPECT_FALSE(h.HasSent());
  h.Run(1100);
  h.Expect("BootNotification",
           R"({"status":"Accepted","currentTime":"2026-03-01T10:00:11Z","interval":300})");
}

TEST_F(ChargePointTest, InvalidBootConfIsRetriedNotTrusted) {
  Harness h(kv_);
  h.Connect();
  h.Expect("BootNotification", R"({"status":"Accepted"})");  // currentTime, interval missing
  EXPECT_NE(RegistrationStatus::kAccepted, h.cp->registration());
  EXPECT_FALSE(h.cp->time().Known());
}

TEST_F(ChargePointTest, RemoteStartChargeMeterValuesRemoteStop) {
  Harness h(kv_);
  h.BootAccepted();
  StartCharging(h);
  EXPECT_EQ(42, h.cp->transaction_id());
  h.Run(60000);
  Frame mv = h.Expect("MeterValues");
  EXPECT_EQ(42, mv.Num("transactionId"));
  const cJSON* sv = cJSON_GetObjectItem(
      cJSON_GetArrayItem(cJSON_GetObjectItem(mv.payload, "meterValue"), 0), "sampledValue");
  ASSERT_GE(cJSON_GetArraySize(sv), 4);
  const cJSON* energy = cJSON_GetArrayItem(sv, 0);
  EXPECT_STREQ("Energy.Active.Import.Register",
               cJSON_GetObjectItem(energy, "measurand")->valuestring);
  EXPECT_STREQ("Wh", cJSON_GetObjectItem(energy, "unit")->valuestring);
  EXPECT_STREQ("Sample.Periodic", cJSON_GetObjectItem(energy, "context")->valuestring);
  // 60 V x 20 A for 60 s = 20 Wh.
  EXPECT_NEAR(20.0, atof(cJSON_GetObjectItem(energy, "value")->valuestring), 1.0);

  Frame wrong = h.CsmsCall("RemoteStopTransaction", R"({"transactionId":41})");
  EXPECT_EQ("Rejected", wrong.Str("status"));
  Frame stop_ack = h.CsmsCall("RemoteStopTransaction", R"({"transactionId":42})");
  EXPECT_EQ("Accepted", stop_ack.Str("status"));
  EXPECT_FALSE(h.hw.output);
  Frame stop = h.Expect("StopTransaction", R"({"idTagInfo":{"status":"Accepted"}})");
  EXPECT_EQ("Remote", stop.Str("reason"));
  EXPECT_EQ(42, stop.Num("transactionId"));
  EXPECT_NEAR(20.0, stop.Num("meterStop"), 1.0);
  EXPECT_TRUE(stop.Has("transactionData"));
  Frame fin = h.Expect("StatusNotification");
  EXPECT_EQ("Finishing", fin.Str("status"));
  h.hw.plugged = false;
  h.Run(20);
  Frame avail = h.Expect("StatusNotification");
  EXPECT_EQ("Available", avail.Str("status"));
  EXPECT_EQ(0u, h.cp->queued_tx_messages());
}

TEST_F(ChargePointTest, RemoteStartRejectedForConnectorZeroOrWhileCharging) {
  Harness h(kv_);
  h.BootAccepted();
  EXPECT_EQ("Rejected",
            h.CsmsCall("RemoteStartTransaction", R"({"idTag":"A","connectorId":0})").Str("status"));
  EXPECT_EQ("Rejected",
            h.CsmsCall("RemoteStartTransaction", R"({"idTag":"A","connectorId":2})").Str("status"));
  StartCharging(h);
  EXPECT_EQ("Rejected", h.CsmsCall("RemoteStartTransaction", R"({"idTag":"B"})").Str("status"));
}

TEST_F(ChargePointTest, RemoteStartWithoutPlugTimesOutAfterConnectionTimeOut) {
  Harness h(kv_);
  h.BootAccepted();
  ASSERT_EQ(ChangeResult::kAccepted, h.config_.Change("ConnectionTimeOut", "30"));
  EXPECT_EQ("Accepted", h.CsmsCall("RemoteStartTransaction", R"({"idTag":"A"})").Str("status"));
  EXPECT_EQ("Preparing", h.Expect("StatusNotification").Str("status"));
  h.Run(29000);
  EXPECT_EQ(ConnectorStatus::kPreparing, h.Status());
  h.Run(1100);
  EXPECT_EQ("Available", h.Expect("StatusNotification").Str("status"));
  h.hw.plugged = true;
  h.Run(20);
  EXPECT_EQ("Preparing", h.Expect("StatusNotification").Str("status"));
  h.Run(1000);
  EXPECT_FALSE(h.HasSent());  // no transaction: the authorisation expired
}

TEST_F(ChargePointTest, AuthorizeRemoteTxRequestsAuthorizesFirst) {
  Harness h(kv_);
  h.BootAccepted();
  ASSERT_EQ(ChangeResult::kAccepted, h.config_.Change("AuthorizeRemoteTxRequests", "true"));
  h.hw.plugged = true;
  h.Run(20);
  h.Expect("StatusNotification");
  EXPECT_EQ("Accepted", h.CsmsCall("RemoteStartTransaction", R"({"idTag":"R1"})").Str("status"));
  Frame auth = h.Expect("Authorize", R"({"idTagInfo":{"status":"Accepted"}})");
  EXPECT_EQ("R1", auth.Str("idTag"));
  h.Run(20);
  h.Expect("StartTransaction", R"({"idTagInfo":{"status":"Accepted"},"transactionId":7})");
}

TEST_F(ChargePointTest, LocalAuthorizeStartAndStopWithSameCard) {
  Harness h(kv_);
  h.BootAccepted();
  h.cp->PresentIdTag("CARD1");
  Frame auth = h.Expect("Authorize", R"({"idTagInfo":{"status":"Accepted"}})");
  EXPECT_EQ("CARD1", auth.Str("idTag"));
  EXPECT_EQ("Preparing", h.Expect("StatusNotification").Str("status"));
  h.hw.plugged = true;
  h.Run(20);
  h.Expect("StartTransaction", R"({"idTagInfo":{"status":"Accepted"},"transactionId":9})");
  EXPECT_EQ("Charging", h.Expect("StatusNotification").Str("status"));
  h.cp->PresentIdTag("OTHER");
  EXPECT_TRUE(h.cp->transaction_active());
  h.cp->PresentIdTag("card1");  // CiString: case-insensitive
  EXPECT_FALSE(h.cp->transaction_active());
  Frame stop = h.Expect("StopTransaction", "{}");
  EXPECT_EQ("Local", stop.Str("reason"));
  EXPECT_EQ("card1", stop.Str("idTag"));
}

TEST_F(ChargePointTest, LocalPreAuthorizeStartsFromTheCacheWithoutWaiting) {
  Harness h(kv_, /*plugged=*/true);
  h.BootAccepted();
  // Answers every CALL in turn; returns the actions seen.
  auto drain = [&h]() {
    std::string actions;
    for (int i = 0; i < 12; ++i) {
      h.Run(20);
      if (!h.HasSent())
        continue;
      Frame f = h.Next();
      actions += f.action + ",";
      const std::string result = f.action == "Authorize" || f.action == "StartTransaction"
                                     ? R"({"idTagInfo":{"status":"Accepted"},"transactionId":1})"
                                     : "{}";
      h.transport.Deliver(
          "[3,\"" + f.id + "\"," +
          (f.action == "Authorize" ? R"({"idTagInfo":{"status":"Accepted"}})" : result) + "]");
    }
    return actions;
  };
  h.cp->PresentIdTag("KNOWN");  // first time: asked online, then cached as Accepted
  EXPECT_NE(std::string::npos, drain().find("Authorize,"));
  ASSERT_TRUE(h.cp->transaction_active());
  h.cp->PresentIdTag("KNOWN");
  drain();
  ASSERT_FALSE(h.cp->transaction_active());
  ASSERT_EQ(ChangeResult::kAccepted, h.config_.Change("LocalPreAuthorize", "true"));
  h.cp->PresentIdTag("KNOWN");  // now from the cache: no Authorize before the start
  const std::string actions = drain();
  EXPECT_TRUE(h.cp->transaction_active());
  EXPECT_EQ(std::string::npos, actions.find("Authorize,")) << actions;
  EXPECT_NE(std::string::npos, actions.find("StartTransaction")) << actions;
}

TEST_F(ChargePointTest, OfflineLocalAuthorizeUsesTheCacheAndRefusesUnknownTags) {
  Harness h(kv_, /*plugged=*/true);
  h.BootAccepted();
  h.cp->PresentIdTag("CACHED");
  h.Expect("Authorize", R"({"idTagInfo":{"status":"Accepted"}})");
  h.Run(20);
  h.Expect("StartTransaction", R"({"idTagInfo":{"status":"Accepted"},"transactionId":2})");
  h.cp->PresentIdTag("CACHED");
  h.transport.Drop();              // offline from here
  h.cp->PresentIdTag("STRANGER");  // unknown, AllowOfflineTxForUnknownId false: refused
  h.Run(20);
  EXPECT_FALSE(h.cp->transaction_active());
  h.cp->PresentIdTag("cached");  // known from the cache (case-insensitive): starts offline
  h.Run(20);
  EXPECT_TRUE(h.cp->transaction_active());
}

TEST_F(ChargePointTest, InvalidCardStartsNothing) {
  Harness h(kv_, /*plugged=*/true);
  h.BootAccepted();
  h.cp->PresentIdTag("BAD");
  h.Expect("Authorize", R"({"idTagInfo":{"status":"Invalid"}})");
  h.Run(1000);
  EXPECT_FALSE(h.cp->transaction_active());
  EXPECT_FALSE(h.HasSent());
}

TEST_F(ChargePointTest, OverlongIdTagIsRejectedLocally) {
  Harness h(kv_);
  h.BootAccepted();
  h.cp->PresentIdTag("123456789012345678901");
  h.Run(100);
  EXPECT_FALSE(h.HasSent());
}

TEST_F(ChargePointTest, SoftResetStopsTransactionThenReboots) {
  Harness h(kv_);
  h.BootAccepted();
  StartCharging(h);
  EXPECT_EQ("Accepted", h.CsmsCall("Reset", R"({"type":"Soft"})").Str("status"));
  EXPECT_FALSE(h.hw.output);
  Frame stop = h.Expect("StopTransaction", "{}");
  EXPECT_EQ("SoftReset", stop.Str("reason"));
  h.Run(100);
  EXPECT_EQ(1, h.sys.reboots);
  EXPECT_FALSE(h.sys.last_hard);
}

TEST_F(ChargePointTest, HardResetWithoutTransactionReboots) {
  Harness h(kv_);
  h.BootAccepted();
  EXPECT_EQ("Accepted", h.CsmsCall("Reset", R"({"type":"Hard"})").Str("status"));
  h.Run(100);
  EXPECT_EQ(1, h.sys.reboots);
  EXPECT_TRUE(h.sys.last_hard);
}

TEST_F(ChargePointTest, HardResetWithTransactionStopsWithHardResetReason) {
  Harness h(kv_);
  h.BootAccepted();
  StartCharging(h);
  h.CsmsCall("Reset", R"({"type":"Hard"})");
  Frame stop = h.Expect("StopTransaction", "{}");
  EXPECT_EQ("HardReset", stop.Str("reason"));
  h.Run(100);
  EXPECT_EQ(1, h.sys.reboots);
}

TEST_F(ChargePointTest, ResetRebootsEvenIfCsmsNeverAnswersStop) {
  Harness h(kv_);
  h.BootAccepted();
  StartCharging(h);
  h.CsmsCall("Reset", R"({"type":"Soft"})");
  h.cp->Poll();
  EXPECT_EQ("StopTransaction", h.Next().action);  // never answered
  h.Run(timing::kResetGraceMs + 100);
  EXPECT_EQ(1, h.sys.reboots);
}

TEST_F(ChargePointTest, ChangeAvailabilityIdleScheduledAndPersisted) {
  {
    Harness h(kv_);
    h.BootAccepted();
    EXPECT_EQ("Accepted",
              h.CsmsCall("ChangeAvailability", R"({"connectorId":1,"type":"Inoperative"})")
                  .Str("status"));
    EXPECT_EQ("Unavailable", h.Expect("StatusNotification").Str("status"));
    EXPECT_EQ("Rejected", h.CsmsCall("RemoteStartTransaction", R"({"idTag":"A"})").Str("status"));
    EXPECT_EQ(
        "Rejected",
        h.CsmsCall("ChangeAvailability", R"({"connectorId":3,"type":"Operative"})").Str("status"));
  }
  {
    Harness h(kv_);  // next boot: still unavailable
    EXPECT_EQ(ConnectorStatus::kUnavailable, h.Status());
    h.Connect();
    h.Expect("BootNotification",
             R"({"status":"Accepted","currentTime":"2026-03-01T10:00:00Z","interval":300})");
    h.Expect("StatusNotification");
    EXPECT_EQ("Unavailable", h.Expect("StatusNotification").Str("status"));
    EXPECT_EQ(
        "Accepted",
        h.CsmsCall("ChangeAvailability", R"({"connectorId":0,"type":"Operative"})").Str("status"));
    EXPECT_EQ(ConnectorStatus::kAvailable, h.Status());
  }
}

TEST_F(ChargePointTest, ChangeAvailabilityDuringTransactionIsScheduled) {
  Harness h(kv_);
  h.BootAccepted();
  StartCharging(h);
  EXPECT_EQ(
      "Scheduled",
      h.CsmsCall("ChangeAvailability", R"({"connectorId":1,"type":"Inoperative"})").Str("status"));
  EXPECT_TRUE(h.cp->transaction_active());
  EXPECT_EQ(ConnectorStatus::kCharging, h.Status());
  h.CsmsCall("RemoteStopTransaction", R"({"transactionId":42})");
  h.Expect("StopTransaction", "{}");
  h.hw.plugged = false;
  h.Run(20);
  EXPECT_EQ(ConnectorStatus::kUnavailable, h.Status());
}

TEST_F(ChargePointTest, ChangeConfigurationHeartbeatTakesEffect) {
  Harness h(kv_);
  h.BootAccepted(300);
  EXPECT_EQ("Accepted",
            h.CsmsCall("ChangeConfiguration", R"({"key":"HeartbeatInterval","value":"10"})")
                .Str("status"));
  h.Run(10100);
  h.Expect("Heartbeat", R"({"currentTime":"2026-03-01T10:00:10Z"})");
  EXPECT_EQ("NotSupported",
            h.CsmsCall("ChangeConfiguration", R"({"key":"NoSuchKey","value":"1"})").Str("status"));
  EXPECT_EQ("Rejected",
            h.CsmsCall("ChangeConfiguration", R"({"key":"NumberOfConnectors","value":"2"})")
                .Str("status"));
  EXPECT_EQ("Rejected",
            h.CsmsCall("ChangeConfiguration", R"({"key":"HeartbeatInterval","value":"ten"})")
                .Str("status"));
}

TEST_F(ChargePointTest, WebSocketPingIntervalIsAppliedToTransport) {
  Harness h(kv_);
  h.BootAccepted();
  EXPECT_EQ("Accepted",
            h.CsmsCall("ChangeConfiguration", R"({"key":"WebSocketPingInterval","value":"15"})")
                .Str("status"));
  h.Run(20);
  EXPECT_EQ(15u, h.transport.ping_interval_s);
}

TEST_F(ChargePointTest, NewAuthorizationKeyReconnectsWithIt) {
  Harness h(kv_);
  h.BootAccepted();
  const int connects = h.transport.connects;
  const std::string key = "0123456789abcdef0123456789abcdef01234567";
  EXPECT_EQ("Accepted", h.CsmsCall("ChangeConfiguration",
                                   R"({"key":"AuthorizationKey","value":")" + key + R"("})")
                            .Str("status"));
  h.Run(20);
  EXPECT_EQ(key, h.transport.authorization_key);
  EXPECT_TRUE(h.transport.IsOpen());  // the answer must leave before we drop the connection
  h.Run(timing::kCredentialReconnectDelayMs + 100);
  EXPECT_FALSE(h.transport.IsOpen());
  EXPECT_EQ(connects + 1, h.transport.connects);
  // The key never shows in GetConfiguration.
  h.transport.Open();
  Frame cfg = h.CsmsCall("GetConfiguration", R"({"key":["AuthorizationKey"]})");
  EXPECT_EQ(std::string::npos, cfg.text.find(key));
}

TEST_F(ChargePointTest, GetConfigurationAllKnownUnknownAndTooMany) {
  Harness h(kv_);
  h.BootAccepted();
  Frame all = h.CsmsCall("GetConfiguration", "{}");
  const cJSON* keys = cJSON_GetObjectItem(all.payload, "configurationKey");
  EXPECT_EQ(static_cast<int>(Configuration::KeyCount()), cJSON_GetArraySize(keys));
  EXPECT_EQ(std::string::npos, all.text.find("unknownKey"));
  Frame some = h.CsmsCall("GetConfiguration",
                          R"({"key":["HeartbeatInterval","Bogus","numberofconnectors"]})");
  EXPECT_EQ(2, cJSON_GetArraySize(cJSON_GetObjectItem(some.payload, "configurationKey")));
  const cJSON* unknown = cJSON_GetObjectItem(some.payload, "unknownKey");
  ASSERT_EQ(1, cJSON_GetArraySize(unknown));
  EXPECT_STREQ("Bogus", cJSON_GetArrayItem(unknown, 0)->valuestring);
  std::string many = "{\"key\":[";
  for (int i = 0; i < 51; ++i)
    many += std::string(i ? "," : "") + "\"K" + std::to_string(i) + "\"";
  many += "]}";
  Frame err = h.CsmsCall("GetConfiguration", many);
  EXPECT_EQ(4, err.type);
  EXPECT_EQ("OccurenceConstraintViolation", err.action);
}

TEST_F(ChargePointTest, ClearCacheDataTransferUnlock) {
  Harness h(kv_);
  h.BootAccepted();
  EXPECT_EQ("Accepted", h.CsmsCall("ClearCache", "{}").Str("status"));
  EXPECT_EQ("UnknownVendorId",
            h.CsmsCall("DataTransfer", R"({"vendorId":"acme","messageId":"x"})").Str("status"));
  EXPECT_EQ("UnknownMessageId",
            h.CsmsCall("DataTransfer", R"({"vendorId":"com.evc","messageId":"x"})").Str("status"));
  EXPECT_EQ("NotSupported", h.CsmsCall("UnlockConnector", R"({"connectorId":2})").Str("status"));
  EXPECT_EQ("Unlocked", h.CsmsCall("UnlockConnector", R"({"connectorId":1})").Str("status"));
  h.hw.unlock_ok = false;
  EXPECT_EQ("UnlockFailed", h.CsmsCall("UnlockConnector", R"({"connectorId":1})").Str("status"));
}

TEST_F(ChargePointTest, UnlockDuringTransactionStopsIt) {
  Harness h(kv_);
  h.BootAccepted();
  StartCharging(h);
  EXPECT_EQ("Unlocked", h.CsmsCall("UnlockConnector", R"({"connectorId":1})").Str("status"));
  EXPECT_EQ("UnlockCommand", h.Expect("StopTransaction", "{}").Str("reason"));
}

TEST_F(ChargePointTest, FinishingTimesOutToAvailableWithTheCableIn) {
  Harness h(kv_);
  h.BootAccepted();
  StartCharging(h);
  h.CsmsCall("RemoteStopTransaction", R"({"transactionId":42})");
  h.Expect("StopTransaction", "{}");
  EXPECT_EQ("Finishing", h.Expect("StatusNotification").Str("status"));
  h.Run(timing::kFinishingTimeoutMs - 1000);
  EXPECT_EQ(ConnectorStatus::kFinishing, h.Status());
  h.Run(2000);
  EXPECT_EQ(ConnectorStatus::kAvailable, h.Status());
  EXPECT_EQ("Available", h.Expect("StatusNotification").Str("status"));
}

TEST_F(ChargePointTest, EvSideDisconnectUnlocksWhenConfigured) {
  Harness h(kv_);
  h.BootAccepted();
  StartCharging(h);
  const int unlocks = h.hw.unlocks;
  h.hw.plugged = false;
  h.Run(20);
  EXPECT_EQ(unlocks + 1, h.hw.unlocks);
  ASSERT_EQ(ChangeResult::kAccepted,
            h.config_.Change("UnlockConnectorOnEVSideDisconnect", "false"));
  h.hw.plugged = true;
  h.Run(20);
  h.hw.plugged = false;
  h.Run(20);
  EXPECT_EQ(unlocks + 1, h.hw.unlocks);
}

TEST_F(ChargePointTest, UnplugStopsWithEVDisconnected) {
  Harness h(kv_);
  h.BootAccepted();
  StartCharging(h);
  h.hw.plugged = false;
  h.Run(20);
  EXPECT_EQ("EVDisconnected", h.Expect("StopTransaction", "{}").Str("reason"));
  EXPECT_EQ("Available", h.Expect("StatusNotification").Str("status"));
}

TEST_F(ChargePointTest, PowerLossDuringChargingIsClosedOnNextBoot) {
  {
    Harness h(kv_);
    h.BootAccepted();
    StartCharging(h);
    h.Run(150000);  // energy persisted at least twice (every 60 s)
    while (h.HasSent())
      h.transport.TakeFirst();
  }  // power cut: no StopTransaction was sent
  Harness h(kv_, /*plugged=*/true);
  EXPECT_FALSE(h.cp->transaction_active());
  h.Connect();
  h.Expect("BootNotification",
           R"({"status":"Accepted","currentTime":"2026-03-01T11:00:00Z","interval":300})");
  h.cp->Poll();
  // MeterValues of the first run may still be queued ahead of the stop; answer them in order.
  Frame f = h.Next();
  while (f.action == "MeterValues") {
    h.transport.Deliver("[3,\"" + f.id + "\",{}]");
    h.cp->Poll();
    f = h.Next();
  }
  ASSERT_EQ("StopTransaction", f.action) << f.text;
  EXPECT_EQ("PowerLoss", f.Str("reason"));
  EXPECT_EQ(42, f.Num("transactionId"));
  // 1200 W for 120 s (last persist) = 40 Wh.
  EXPECT_NEAR(40.0, f.Num("meterStop"), 2.0);
  EXPECT_EQ("2026-03-01T10:02:00", f.Str("timestamp").substr(0, 19));
  h.transport.Deliver("[3,\"" + f.id + "\",{}]");
  h.Run(100);
  EXPECT_EQ(0u, h.cp->queued_tx_messages());
}

TEST_F(ChargePointTest, CutBetweenJournalAndQueueLeavesNoTransactionBehind) {
  {
    Harness h(kv_, /*plugged=*/true);
    h.BootAccepted();
    h.CsmsCall("RemoteStartTransaction", R"({"idTag":"CUT"})");
    h.Run(20);
    ASSERT_TRUE(h.cp->transaction_active());
  }
  // Simulate the cut: the journal record survived, the queued StartTransaction did not.
  for (auto it = kv_.data.begin(); it != kv_.data.end();) {
    it = it->first.rfind("txq", 0) == 0 ? kv_.data.erase(it) : std::next(it);
  }
  Harness h(kv_, /*plugged=*/true);
  EXPECT_EQ(0u, h.cp->queued_tx_messages());  // no StopTransaction for a start nobody saw
  EXPECT_TRUE(h.sink_.Contains("never reached the queue"));
}

TEST_F(ChargePointTest, NoStartWhenTheJournalCannotBeWritten) {
  Harness h(kv_, /*plugged=*/true);
  h.BootAccepted();
  kv_.fail_writes = true;
  h.CsmsCall("RemoteStartTransaction", R"({"idTag":"NOFLASH"})");
  h.Run(100);
  EXPECT_FALSE(h.cp->transaction_active());
  EXPECT_FALSE(h.hw.output);  // no energy without a journal
}

TEST_F(ChargePointTest, StartWhileOfflineIsDeliveredLaterWithRealIdAndNoPlaceholder) {
  Harness h(kv_, /*plugged=*/true);
  h.BootAccepted();
  h.transport.Drop();
  ASSERT_EQ(ChangeResult::kAccepted, h.config_.Change("AllowOfflineTxForUnknownId", "true"));
  h.cp->PresentIdTag("OFF1");
  h.Run(20);
  ASSERT_TRUE(h.cp->transaction_active());
  h.Run(130000);  // two periodic samples while offline
  h.cp->PresentIdTag("OFF1");
  EXPECT_FALSE(h.cp->transaction_active());
  EXPECT_EQ(4u, h.cp->queued_tx_messages());
  h.Run(120 * 1000);  // the EvcReconnectMaxS default: the backoff has come round
  h.transport.Open();
  // Status first (they changed after the start was queued? no: Start is older), then Start.
  std::string order;
  for (int i = 0; i < 8 && h.cp->queued_tx_messages() > 0; ++i) {
    h.cp->Poll();
    Frame f = h.Next();
    order += f.action + ",";
    if (f.action == "StartTransaction") {
      h.transport.Deliver("[3,\"" + f.id +
                          R"(",{"idTagInfo":{"status":"Accepted"},"transactionId":77}])");
    } else {
      if (f.action != "StatusNotification") {
        EXPECT_EQ(77, f.Num("transactionId")) << f.text;
      }
      h.transport.Deliver("[3,\"" + f.id + "\",{}]");
    }
    EXPECT_EQ(std::string::npos, f.text.find("\"transactionId\":0")) << f.text;
    EXPECT_EQ(std::string::npos, f.text.find("1970")) << f.text;
  }
  EXPECT_NE(std::string::npos,
            order.find("StartTransaction,MeterValues,MeterValues,StopTransaction"))
      << order;
}

TEST_F(ChargePointTest, TransactionMessageRetriedThenDroppedAfterAttempts) {
  Harness h(kv_);
  h.BootAccepted();
  ASSERT_EQ(ChangeResult::kAccepted, h.config_.Change("TransactionMessageAttempts", "3"));
  ASSERT_EQ(ChangeResult::kAccepted, h.config_.Change("TransactionMessageRetryInterval", "5"));
  StartCharging(h);
  h.CsmsCall("RemoteStopTransaction", R"({"transactionId":42})");
  h.cp->Poll();
  for (int attempt = 1; attempt <= 3; ++attempt) {
    Frame stop = h.Next();
    ASSERT_EQ("StopTransaction", stop.action) << "attempt " << attempt;
    h.transport.Deliver("[4,\"" + stop.id + "\",\"InternalError\",\"nope\",{}]");
    if (attempt < 3) {
      h.Run(5000 * attempt - 100);
      EXPECT_FALSE(h.HasSent() && Parse(h.transport.sent.front()).action == "StopTransaction");
      while (h.HasSent())
        h.Expect(Parse(h.transport.sent.front()).action);
      h.Run(200);
    }
  }
  h.Run(20000);
  EXPECT_EQ(0u, h.cp->queued_tx_messages());
  EXPECT_EQ(1u, h.cp->counters().tx_messages_dropped);
}

TEST_F(ChargePointTest, StartTransactionInvalidIdStopsWhenConfigured) {
  Harness h(kv_);
  h.BootAccepted();
  h.hw.plugged = true;
  h.Run(20);
  h.Expect("StatusNotification");
  h.CsmsCall("RemoteStartTransaction", R"({"idTag":"BLK"})");
  h.Run(20);
  h.Expect("StartTransaction", R"({"idTagInfo":{"status":"Blocked"},"transactionId":5})");
  EXPECT_FALSE(h.cp->transaction_active());
  h.cp->Poll();
  Frame f = h.Next();
  while (f.action == "StatusNotification") {
    h.transport.Deliver("[3,\"" + f.id + "\",{}]");
    h.cp->Poll();
    f = h.Next();
  }
  EXPECT_EQ("StopTransaction", f.action);
  EXPECT_EQ("DeAuthorized", f.Str("reason"));
  EXPECT_EQ(5, f.Num("transactionId"));
}

TEST_F(ChargePointTest, StartTransactionInvalidIdSuspendsWhenNotStopping) {
  Harness h(kv_);
  h.BootAccepted();
  ASSERT_EQ(ChangeResult::kAccepted, h.config_.Change("StopTransactionOnInvalidId", "false"));
  h.hw.plugged = true;
  h.Run(20);
  h.Expect("StatusNotification");
  h.CsmsCall("RemoteStartTransaction", R"({"idTag":"BLK"})");
  h.Run(20);
  h.Expect("StartTransaction", R"({"idTagInfo":{"status":"Invalid"},"transactionId":6})");
  EXPECT_TRUE(h.cp->transaction_active());
  EXPECT_FALSE(h.hw.output);
  EXPECT_EQ(ConnectorStatus::kSuspendedEVSE, h.Status());
}

TEST_F(ChargePointTest, InvalidIdKeepsChargingUpToMaxEnergyOnInvalidId) {
  Harness h(kv_);
  h.BootAccepted();
  ASSERT_EQ(ChangeResult::kAccepted, h.config_.Change("StopTransactionOnInvalidId", "false"));
  ASSERT_EQ(ChangeResult::kAccepted, h.config_.Change("MaxEnergyOnInvalidId", "10"));
  h.hw.plugged = true;
  h.Run(20);
  h.Expect("StatusNotification");
  h.CsmsCall("RemoteStartTransaction", R"({"idTag":"LATE"})");
  h.Run(20);
  h.Expect("StartTransaction", R"({"idTagInfo":{"status":"Invalid"},"transactionId":8})");
  EXPECT_TRUE(h.hw.output);  // still allowed: below 10 Wh
  // 60 V x 20 A = 1200 W: 10 Wh after 30 s.
  h.Run(25000);
  EXPECT_TRUE(h.hw.output);
  h.Run(6000);
  EXPECT_FALSE(h.hw.output);
  EXPECT_TRUE(h.cp->transaction_active());
  EXPECT_EQ(ConnectorStatus::kSuspendedEVSE, h.Status());
  EXPECT_GE(h.cp->energy_register_wh(), 10);
  EXPECT_LE(h.cp->energy_register_wh(), 11);
}

// Waits (in virtual time, up to `limit_ms`) for the next connection attempt and answers it with
// `reason`. False when no attempt came.
bool RefuseNextAttempt(Harness& h, CloseReason reason, uint64_t limit_ms) {
  const int before = h.transport.connects;
  for (uint64_t t = 0; t < limit_ms && h.transport.connects == before; t += 100) {
    h.Run(100);
  }
  if (h.transport.connects == before) {
    return false;
  }
  h.transport.Drop(reason);
  return true;
}

TEST_F(ChargePointTest, CsmsThatKeepsRefusingTripsTheConnectionBreaker) {
  Harness h(kv_);
  h.cp->Poll();
  h.transport.Drop(CloseReason::kHandshakeRejected);  // the first attempt: 401
  for (uint32_t i = 1; i < timing::kConnectBreakerThreshold; ++i) {
    ASSERT_TRUE(RefuseNextAttempt(h, CloseReason::kHandshakeRejected, 130 * 1000)) << i;
  }
  EXPECT_EQ(BreakerState::kOpen, h.cp->connection_breaker());
  // Within the cool-down: no attempt at all.
  const int at_open = h.transport.connects;
  h.Run(timing::kConnectBreakerCooldownMs - 1000);
  EXPECT_EQ(at_open, h.transport.connects);
  // After it: one trial (half-open); its success closes the breaker.
  h.Run(2000 + 130 * 1000);
  EXPECT_EQ(at_open + 1, h.transport.connects);
  EXPECT_EQ(BreakerState::kHalfOpen, h.cp->connection_breaker());
  h.transport.Open();
  EXPECT_EQ(BreakerState::kClosed, h.cp->connection_breaker());
}

TEST_F(ChargePointTest, FailedTrialReopensTheBreakerForLonger) {
  Harness h(kv_);
  h.cp->Poll();
  h.transport.Drop(CloseReason::kTlsFailure);
  for (uint32_t i = 1; i < timing::kConnectBreakerThreshold; ++i) {
    ASSERT_TRUE(RefuseNextAttempt(h, CloseReason::kTlsFailure, 130 * 1000));
  }
  ASSERT_TRUE(RefuseNextAttempt(h, CloseReason::kTlsFailure,
                                timing::kConnectBreakerCooldownMs + 130 * 1000));
  EXPECT_EQ(BreakerState::kOpen, h.cp->connection_breaker());
  // Twice the cool-down now: no trial after one cool-down.
  const int at_reopen = h.transport.connects;
  h.Run(timing::kConnectBreakerCooldownMs + 130 * 1000);
  EXPECT_EQ(at_reopen, h.transport.connects);
}

TEST_F(ChargePointTest, NetworkFailuresOnlyBackOffNeverTripTheBreaker) {
  Harness h(kv_);
  h.cp->Poll();
  h.transport.Drop(CloseReason::kConnectFailed);
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(RefuseNextAttempt(h, CloseReason::kConnectFailed, 130 * 1000)) << i;
  }
  EXPECT_EQ(BreakerState::kClosed, h.cp->connection_breaker());
}

TEST_F(ChargePointTest, ImplausibleTelemetryIsRejectedAndNotIntegrated) {
  Harness h(kv_);
  h.BootAccepted();
  StartCharging(h);
  h.hw.telemetry.voltage_v = std::nanf("");
  h.Run(10000);
  EXPECT_GT(h.cp->counters().meter_samples_rejected, 0u);
  EXPECT_EQ(0, h.cp->energy_register_wh());
  h.hw.telemetry.voltage_v = -5;
  h.Run(1000);
  EXPECT_EQ(0, h.cp->energy_register_wh());
}

TEST_F(ChargePointTest, EscapedStringsInPayloadsAreDecoded) {
  Harness h(kv_);
  h.Connect();
  h.Expect(
      "BootNotification",
      R"({"status":"Acc\u0065pted","currentTime":"2026-03-01T10:00:00\u005a","interval":300})");
  EXPECT_EQ(RegistrationStatus::kAccepted, h.cp->registration());
  EXPECT_TRUE(h.cp->time().Known());
  h.Expect("StatusNotification");
  h.Expect("StatusNotification");
  ASSERT_EQ(ChangeResult::kAccepted, h.config_.Change("AuthorizeRemoteTxRequests", "true"));
  EXPECT_EQ("Accepted",
            h.CsmsCall("RemoteStartTransaction", R"({"idTag":"T\u0041G\/1"})").Str("status"));
  EXPECT_EQ("TAG/1", h.Expect("Authorize", R"({"idTagInfo":{"status":"Accepted"}})").Str("idTag"));
  EXPECT_EQ("Accepted", h.CsmsCall("ChangeConfiguration",
                                   R"({"key":"Heartbeat\u0049nterval","value":"1\u0030"})")
                            .Str("status"));
  EXPECT_EQ(10, h.config_.GetInt(ConfigKey::kHeartbeatInterval));
  EXPECT_EQ("UnknownMessageId",
            h.CsmsCall("DataTransfer", R"({"vendorId":"com.\u0065vc"})").Str("status"));
}

TEST_F(ChargePointTest, GetConfigurationEchoesDecodedUnknownKeys) {
  Harness h(kv_);
  h.BootAccepted();
  Frame f = h.CsmsCall("GetConfiguration", R"({"key":["Heartbeat\u0049nterval","B\u00f6gus"]})");
  const cJSON* known = cJSON_GetObjectItem(f.payload, "configurationKey");
  ASSERT_EQ(1, cJSON_GetArraySize(known));
  EXPECT_STREQ("HeartbeatInterval",
               cJSON_GetObjectItem(cJSON_GetArrayItem(known, 0), "key")->valuestring);
  const cJSON* unknown = cJSON_GetObjectItem(f.payload, "unknownKey");
  ASSERT_EQ(1, cJSON_GetArraySize(unknown));
  EXPECT_STREQ("B\xC3\xB6gus", cJSON_GetArrayItem(unknown, 0)->valuestring);
}

TEST_F(ChargePointTest, RemoteStartIdTagThatDoesNotFitItsStorageIsRejected) {
  // 20 characters pass the schema (CiString20), but 40 bytes do not fit the stored idTag.
  Harness h(kv_, /*plugged=*/true);
  h.BootAccepted();
  std::string tag;
  for (int i = 0; i < 20; ++i) {
    tag += "\\u00e9";
  }
  EXPECT_EQ("Rejected",
            h.CsmsCall("RemoteStartTransaction", R"({"idTag":")" + tag + "\"}").Str("status"));
  h.Run(1000);
  EXPECT_FALSE(h.cp->transaction_active());
  EXPECT_FALSE(h.HasSent());
  EXPECT_TRUE(h.sink_.Contains("idTag does not fit"));
}

TEST_F(ChargePointTest, EscapedConfigurationValueLongerThanAnyValueIsRejected) {
  Harness h(kv_);
  h.BootAccepted();
  std::string value;
  for (size_t i = 0; i <= kMaxConfigValueLength; ++i) {
    value += "\\u0031";
  }
  EXPECT_EQ("Rejected", h.CsmsCall("ChangeConfiguration",
                                   R"({"key":"HeartbeatInterval","value":")" + value + "\"}")
                            .Str("status"));
  EXPECT_EQ("NotSupported",
            h.CsmsCall("ChangeConfiguration", R"({"key":"NoSuchKey","value":")" + value + "\"}")
                .Str("status"));
  EXPECT_EQ(300, h.config_.GetInt(ConfigKey::kHeartbeatInterval));
}

// ---------------------------------------------------------------------------------------------
// Metering: clock-aligned values, StopTransaction data, module range.

namespace metering {

// Runs `ms` of control ticks, answering every CALL the charge point sends with "{}" and keeping
// the frames for inspection.
std::vector<Frame> RunAnswering(Harness& h, uint64_t ms) {
  std::vector<Frame> calls;
  for (uint64_t t = 0; t < ms; t += 10) {
    h.clock.Advance(10);
    h.cp->Poll();
    while (h.HasSent()) {
      Frame f = h.Next();
      if (f.type == 2) {
        h.transport.Deliver("[3,\"" + f.id + "\",{}]");
        calls.push_back(f);
      }
    }
  }
  return calls;
}

std::vector<Frame> Only(const std::vector<Frame>& frames, const std::string& action) {
  std::vector<Frame> out;
  for (const Frame& f : frames) {
    if (f.action == action)
      out.push_back(f);
  }
  return out;
}

const cJSON* MeterValueArray(const Frame& f, const char* key) {
  return cJSON_GetObjectItemCaseSensitive(f.payload, key);
}

std::string Text(const cJSON* obj, const char* key) {
  const cJSON* v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsString(v) ? v->valuestring : "";
}

// The sampledValue of `measurand` in one meterValue element, or null.
const cJSON* Sample(const cJSON* meter_value, const std::string& measurand) {
  const cJSON* sv = cJSON_GetObjectItemCaseSensitive(meter_value, "sampledValue");
  for (int i = 0; i < cJSON_GetArraySize(sv); ++i) {
    const cJSON* s = cJSON_GetArrayItem(sv, i);
    if (Text(s, "measurand") == measurand)
      return s;
  }
  return nullptr;
}

constexpr const char* kEnergy = "Energy.Active.Import.Register";

}  // namespace metering

TEST_F(ChargePointTest, StopTransactionCarriesBeginSampledAlignedAndEndReadingsInOrder) {
  using namespace metering;
  Harness h(kv_);
  ASSERT_EQ(ChangeResult::kAccepted, h.config_.Change("MeterValueSampleInterval", "50"));
  ASSERT_EQ(ChangeResult::kAccepted, h.config_.Change("ClockAlignedDataInterval", "60"));
  ASSERT_EQ(ChangeResult::kAccepted,
            h.config_.Change("MeterValuesAlignedData", "Energy.Active.Import.Register,Voltage"));
  ASSERT_EQ(ChangeResult::kAccepted,
            h.config_.Change("StopTxnAlignedData", "Energy.Active.Import.Register,Voltage"));
  h.BootAccepted();
  StartCharging(h);
  // 10:00:00 + 130 s: periodic samples at about 10:00:50 and 10:01:40, aligned at 10:01:00 and
  // 10:02:00 exactly.
  const std::vector<Frame> mvs = Only(RunAnswering(h, 130000), "MeterValues");
  ASSERT_EQ(4u, mvs.size());
  std::vector<std::string> aligned_stamps;
  for (const Frame& mv : mvs) {
    EXPECT_EQ(42, mv.Num("transactionId"));
    const cJSON* v = cJSON_GetArrayItem(MeterValueArray(mv, "meterValue"), 0);
    const cJSON* e = Sample(v, kEnergy);
    ASSERT_NE(nullptr, e) << mv.text;
    if (Text(e, "context") == "Sample.Clock") {
      aligned_stamps.push_back(Text(v, "timestamp"));
      EXPECT_NE(nullptr, Sample(v, "Voltage")) << mv.text;
      EXPECT_EQ(nullptr, Sample(v, "Current.Import")) << "sampled-only measurand: " << mv.text;
    }
  }
  EXPECT_EQ((std::vector<std::string>{"2026-03-01T10:01:00.000Z", "2026-03-01T10:02:00.000Z"}),
            aligned_stamps);

  h.CsmsCall("RemoteStopTransaction", R"({"transactionId":42})");
  Frame stop = h.Expect("StopTransaction", R"({"idTagInfo":{"status":"Accepted"}})");
  const cJSON* data = MeterValueArray(stop, "transactionData");
  ASSERT_TRUE(cJSON_IsArray(data)) << stop.text;
  std::vector<std::string> contexts;
  std::string last_stamp;
  double last_energy = -1;
  for (int i = 0; i < cJSON_GetArraySize(data); ++i) {
    const cJSON* v = cJSON_GetArrayItem(data, i);
    const cJSON* e = Sample(v, kEnergy);
    ASSERT_NE(nullptr, e) << stop.text;
    contexts.push_back(Text(e, "context"));
    const std::string stamp = Text(v, "timestamp");
    EXPECT_LE(last_stamp, stamp) << "out of order: " << stop.text;
    last_stamp = stamp;
    const double energy = atof(Text(e, "value").c_str());
    EXPECT_LE(last_energy, energy) << stop.text;
    last_energy = energy;
    if (contexts.back() == "Sample.Clock") {
      EXPECT_EQ("00.000Z", stamp.substr(17)) << "not on the minute: " << stamp;
      EXPECT_NE(nullptr, Sample(v, "Voltage")) << stop.text;
    }
  }
  EXPECT_EQ((std::vector<std::string>{"Transaction.Begin", "Sample.Periodic", "Sample.Clock",
                                      "Sample.Periodic", "Sample.Clock", "Transaction.End"}),
            contexts);
  const cJSON* begin = Sample(cJSON_GetArrayItem(data, 0), kEnergy);
  EXPECT_EQ(0.0, atof(Text(begin, "value").c_str()));  // meterStart of StartCharging
  EXPECT_EQ(stop.Num("meterStop"), last_energy);
  // Delivered: the data is gone from flash too.
  h.Run(20);
  EXPECT_EQ(0u, h.cp->transaction_data().size());
  for (const auto& kv : kv_.data) {
    EXPECT_NE(0u, kv.first.rfind("txd", 0)) << kv.first;
  }
}

TEST_F(ChargePointTest, ClockAlignedValuesOutsideATransactionHaveNoTransactionId) {
  using namespace metering;
  Harness h(kv_);
  ASSERT_EQ(ChangeResult::kAccepted, h.config_.Change("ClockAlignedDataInterval", "30"));
  ASSERT_EQ(ChangeResult::kAccepted,
            h.config_.Change("MeterValuesAlignedData", "Energy.Active.Import.Register,Voltage"));
  h.BootAccepted();
  const std::vector<Frame> mvs = Only(RunAnswering(h, 65000), "MeterValues");
  ASSERT_EQ(2u, mvs.size());
  const char* expected[] = {"2026-03-01T10:00:30.000Z", "2026-03-01T10:01:00.000Z"};
  for (size_t i = 0; i < mvs.size(); ++i) {
    EXPECT_EQ(1, mvs[i].Num("connectorId"));
    EXPECT_FALSE(mvs[i].Has("transactionId")) << mvs[i].text;
    const cJSON* v = cJSON_GetArrayItem(MeterValueArray(mvs[i], "meterValue"), 0);
    EXPECT_EQ(expected[i], Text(v, "timestamp"));
    EXPECT_EQ("Sample.Clock", Text(Sample(v, kEnergy), "context"));
    ASSERT_NE(nullptr, Sample(v, "Voltage")) << mvs[i].text;
  }
  // Not transaction-related: nothing queued in flash for them.
  EXPECT_EQ(0u, h.cp->queued_tx_messages());
}

TEST_F(ChargePointTest, OfflineIdleAlignedValuesKeepOnlyTheLatest) {
  using namespace metering;
  Harness h(kv_);
  ASSERT_EQ(ChangeResult::kAccepted, h.config_.Change("ClockAlignedDataInterval", "30"));
  h.BootAccepted();
  h.transport.Drop();
  h.Run(125000);  // four boundaries while offline; the backoff has come round
  EXPECT_EQ(3u, h.cp->counters().idle_meter_values_replaced);
  h.transport.Open();
  const std::vector<Frame> mvs = Only(RunAnswering(h, 1000), "MeterValues");
  ASSERT_EQ(1u, mvs.size());
  const std::string stamp =
      Text(cJSON_GetArrayItem(MeterValueArray(mvs[0], "meterValue"), 0), "timestamp");
  EXPECT_EQ("2026-03-01T10:02:00.000Z", stamp);
}

TEST_F(ChargePointTest, StaleTelemetryReportsOnlyTheEnergyRegister) {
  using namespace metering;
  Harness h(kv_);
  ASSERT_EQ(ChangeResult::kAccepted, h.config_.Change("ClockAlignedDataInterval", "30"));
  ASSERT_EQ(ChangeResult::kAccepted,
            h.config_.Change("MeterValuesAlignedData", "Energy.Active.Import.Register,Voltage"));
  h.BootAccepted();
  h.hw.telemetry.valid = false;  // the module went silent
  const std::vector<Frame> mvs = Only(RunAnswering(h, 35000), "MeterValues");
  ASSERT_EQ(1u, mvs.size());
  const cJSON* v = cJSON_GetArrayItem(MeterValueArray(mvs[0], "meterValue"), 0);
  EXPECT_NE(nullptr, Sample(v, kEnergy));
  EXPECT_EQ(nullptr, Sample(v, "Voltage")) << "a stale voltage was reported: " << mvs[0].text;
}

TEST_F(ChargePointTest, PowerLossStopCarriesTheDataRecordedBeforeTheCut) {
  using namespace metering;
  {
    Harness h(kv_);
    ASSERT_EQ(ChangeResult::kAccepted, h.config_.Change("ClockAlignedDataInterval", "60"));
    ASSERT_EQ(ChangeResult::kAccepted,
              h.config_.Change("StopTxnAlignedData", "Energy.Active.Import.Register"));
    ASSERT_EQ(ChangeResult::kAccepted, h.config_.Change("MeterValueSampleInterval", "0"));
    h.BootAccepted();
    StartCharging(h);
    RunAnswering(h, 130000);
  }  // power cut
  Harness h(kv_, /*plugged=*/true);
  h.Connect();
  h.Expect("BootNotification",
           R"({"status":"Accepted","currentTime":"2026-03-01T11:00:00Z","interval":300})");
  std::vector<Frame> stops = Only(RunAnswering(h, 1000), "StopTransaction");
  ASSERT_EQ(1u, stops.size());
  const Frame& stop = stops[0];
  EXPECT_EQ("PowerLoss", stop.Str("reason"));
  const cJSON* data = MeterValueArray(stop, "transactionData");
  ASSERT_EQ(3, cJSON_GetArraySize(data)) << stop.text;
  EXPECT_EQ("Transaction.Begin", Text(Sample(cJSON_GetArrayItem(data, 0), kEnergy), "context"));
  EXPECT_EQ("2026-03-01T10:01:00.000Z", Text(cJSON_GetArrayItem(data, 1), "timestamp"));
  EXPECT_EQ("2026-03-01T10:02:00.000Z", Text(cJSON_GetArrayItem(data, 2), "timestamp"));
  const double last = atof(Text(Sample(cJSON_GetArrayItem(data, 2), kEnergy), "value").c_str());
  EXPECT_LE(last, stop.Num("meterStop"));
  EXPECT_EQ(0u, h.cp->transaction_data().size());
}

TEST_F(ChargePointTest, LongTransactionWithEveryStopMeasurandStillFitsOneFrame) {
  using namespace metering;
  Harness h(kv_);
  // The longest measurand names this charger supports, four of them in both lists (their
  // MaxLength), sampled every 10 s and aligned every 10 s for 30 minutes.
  const char* kLongest =
      "Energy.Active.Import.Register,Power.Active.Import,Current.Offered,Current.Import";
  ASSERT_EQ(ChangeResult::kAccepted, h.config_.Change("StopTxnSampledData", kLongest));
  ASSERT_EQ(ChangeResult::kAccepted, h.config_.Change("StopTxnAlignedData", kLongest));
  ASSERT_EQ(ChangeResult::kAccepted, h.config_.Change("MeterValueSampleInterval", "10"));
  ASSERT_EQ(ChangeResult::kAccepted, h.config_.Change("ClockAlignedDataInterval", "10"));
  h.hw.telemetry.voltage_v = 999.9f;  // widest values
  h.hw.telemetry.current_a = 499.9f;
  h.hw.telemetry.current_offered_a = 499.9f;
  h.BootAccepted();
  StartCharging(h);
  RunAnswering(h, 30 * 60 * 1000);
  EXPECT_EQ(kMaxTxDataEntriesPerTx, h.cp->transaction_data().CountFor(h.cp->local_transaction()));
  EXPECT_GT(h.cp->transaction_data().thinned(), 300u);
  h.CsmsCall("RemoteStopTransaction", R"({"transactionId":42})");
  Frame stop = h.Expect("StopTransaction", R"({"idTagInfo":{"status":"Accepted"}})");
  EXPECT_LT(stop.text.size(), kMaxFrameSize);
  const cJSON* data = MeterValueArray(stop, "transactionData");
  ASSERT_EQ(static_cast<int>(kMaxTxDataEntriesPerTx) + 1, cJSON_GetArraySize(data)) << stop.text;
  for (int i = 0; i < cJSON_GetArraySize(data); ++i) {
    EXPECT_EQ(4, cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(data, i),
                                                                     "sampledValue")));
  }
  EXPECT_EQ("Transaction.Begin", Text(Sample(cJSON_GetArrayItem(data, 0), kEnergy), "context"));
  EXPECT_EQ(0u, h.cp->counters().persist_failures);
}

TEST_F(ChargePointTest, OrphanTransactionDataIsRemovedAtBoot) {
  TxDataEntry orphan;
  orphan.local_tx = 999;  // no StopTransaction queued for it
  orphan.seq = 1;
  orphan.count = 1;
  ASSERT_TRUE(storage::WriteRecord(kv_, "txd03", 1, orphan).ok());
  Harness h(kv_);
  EXPECT_EQ(0u, h.cp->transaction_data().size());
  EXPECT_EQ(0u, kv_.data.count("txd03"));
}

TEST_F(ChargePointTest, TelemetryAboveTheModulesRatingIsRejected) {
  Harness h(kv_);
  h.BootAccepted();
  StartCharging(h);
  // The module reports 50 V / 100 A capability; 60 V is beyond its rating and tolerance.
  h.hw.telemetry.max_voltage_v = 50.0f;
  h.hw.telemetry.max_current_a = 100.0f;
  h.Run(10000);
  EXPECT_GT(h.cp->counters().meter_samples_rejected, 0u);
  EXPECT_EQ(0, h.cp->energy_register_wh());
  // Within the rating (and a reading a little above it, inside the tolerance) is used.
  h.hw.telemetry.max_voltage_v = 58.0f;  // 60 V is 3.4 % above: measurement tolerance
  const uint32_t rejected = h.cp->counters().meter_samples_rejected;
  h.Run(60000);
  EXPECT_EQ(rejected, h.cp->counters().meter_samples_rejected);
  EXPECT_NEAR(20.0, static_cast<double>(h.cp->energy_register_wh()), 1.0);
  // A current above the module's rating is rejected too.
  h.hw.telemetry.max_current_a = 10.0f;
  h.Run(1000);
  EXPECT_GT(h.cp->counters().meter_samples_rejected, rejected);
}

TEST_F(ChargePointTest, PeriodicSampleWritesTheQueueAndItsDataEntryButNotTheJournal) {
  // Flash wear: the StopTransaction data entry carries the register, so a sample costs two
  // record writes (queued MeterValues + data entry), not three.
  Harness h(kv_);
  h.BootAccepted();
  StartCharging(h);
  metering::RunAnswering(h, 30000);
  const int before = kv_.writes;
  const std::vector<uint8_t> journal = kv_.data.at("txactive");
  metering::RunAnswering(h, 30000);  // the sample at 60 s
  EXPECT_EQ(2, kv_.writes - before);
  EXPECT_EQ(journal, kv_.data.at("txactive"));
  EXPECT_EQ(2u, h.cp->transaction_data().CountFor(h.cp->local_transaction()));  // Begin + 1
}

TEST_F(ChargePointTest, AlignedAndPeriodicSamplesInOneTickStayInTimeOrder) {
  // The CSMS time has a 5 ms phase against the control ticks, so the tick that crosses a
  // second boundary is 5 ms past it; the transaction starts in such a tick, so with both
  // intervals at 1 s the periodic sample (stamped "now") and the aligned one (stamped with the
  // boundary) fall in the same tick every second.
  using namespace metering;
  Harness h(kv_, /*plugged=*/true);
  ASSERT_EQ(ChangeResult::kAccepted, h.config_.Change("MeterValueSampleInterval", "1"));
  ASSERT_EQ(ChangeResult::kAccepted, h.config_.Change("ClockAlignedDataInterval", "1"));
  ASSERT_EQ(ChangeResult::kAccepted,
            h.config_.Change("StopTxnAlignedData", "Energy.Active.Import.Register"));
  h.Connect();
  h.Expect("BootNotification",
           R"({"status":"Accepted","currentTime":"2026-03-01T10:00:00.005Z","interval":300})");
  RunAnswering(h, 100);
  while (h.cp->time().NowUtcMs() % 1000 != 995) {
    RunAnswering(h, 10);
  }
  h.CsmsCall("RemoteStartTransaction", R"({"idTag":"TAG1","connectorId":1})");
  h.Run(10);
  ASSERT_TRUE(h.cp->transaction_active());
  h.Expect("StartTransaction", R"({"idTagInfo":{"status":"Accepted"},"transactionId":42})");
  const std::vector<Frame> mvs = Only(RunAnswering(h, 5000), "MeterValues");
  std::string last;
  int periodic = 0;
  int clock = 0;
  for (const Frame& mv : mvs) {
    const cJSON* v = cJSON_GetArrayItem(MeterValueArray(mv, "meterValue"), 0);
    const std::string stamp = Text(v, "timestamp");
    EXPECT_LE(last, stamp) << "MeterValues out of time order";
    last = stamp;
    const std::string context = Text(Sample(v, kEnergy), "context");
    periodic += context == "Sample.Periodic" ? 1 : 0;
    clock += context == "Sample.Clock" ? 1 : 0;
    if (context == "Sample.Periodic") {
      EXPECT_EQ("005Z", stamp.substr(20)) << "the periodic sample did not share the tick";
    }
  }
  EXPECT_GE(periodic, 4);
  EXPECT_GE(clock, 4);
  h.CsmsCall("RemoteStopTransaction", R"({"transactionId":42})");
  const std::vector<Frame> stops = Only(RunAnswering(h, 100), "StopTransaction");
  ASSERT_EQ(1u, stops.size());
  const cJSON* data = MeterValueArray(stops[0], "transactionData");
  last.clear();
  for (int i = 0; i < cJSON_GetArraySize(data); ++i) {
    const std::string stamp = Text(cJSON_GetArrayItem(data, i), "timestamp");
    EXPECT_LE(last, stamp) << "transactionData out of time order: " << stops[0].text;
    last = stamp;
  }
}

TEST_F(ChargePointTest, ImpossibleSocIsRejectedAndUnreportedSocLeftOut) {
  using namespace metering;
  Harness h(kv_);
  h.BootAccepted();
  StartCharging(h);  // MeterValuesSampledData holds SoC by default
  h.hw.telemetry.soc_percent = 180.0f;
  std::vector<Frame> mvs = Only(RunAnswering(h, 60000), "MeterValues");
  ASSERT_EQ(1u, mvs.size());
  const cJSON* v = cJSON_GetArrayItem(MeterValueArray(mvs[0], "meterValue"), 0);
  EXPECT_EQ(nullptr, Sample(v, "SoC")) << mvs[0].text;
  EXPECT_NE(nullptr, Sample(v, "Voltage")) << mvs[0].text;
  const uint32_t rejected = h.cp->counters().meter_samples_rejected;
  EXPECT_GE(rejected, 1u);
  h.hw.telemetry.soc_percent = -1.0f;  // not reported by this vehicle: left out, not an error
  mvs = Only(RunAnswering(h, 60000), "MeterValues");
  ASSERT_EQ(1u, mvs.size());
  EXPECT_EQ(nullptr, Sample(cJSON_GetArrayItem(MeterValueArray(mvs[0], "meterValue"), 0), "SoC"));
  EXPECT_EQ(rejected, h.cp->counters().meter_samples_rejected);
  h.hw.telemetry.soc_percent = 64.0f;
  mvs = Only(RunAnswering(h, 60000), "MeterValues");
  ASSERT_EQ(1u, mvs.size());
  const cJSON* soc = Sample(cJSON_GetArrayItem(MeterValueArray(mvs[0], "meterValue"), 0), "SoC");
  ASSERT_NE(nullptr, soc);
  EXPECT_EQ("64.0", Text(soc, "value"));
  EXPECT_EQ("Percent", Text(soc, "unit"));
  EXPECT_EQ("EV", Text(soc, "location"));
}

}  // namespace
}  // namespace evc::ocpp
