#include "evc/ocpp/rpc.hpp"

#include <cjson/cJSON.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "evc/testing/fakes.hpp"

namespace evc::ocpp {
namespace {

// Our frames are inspected with cJSON, a parser independent of the one under test.
struct CjsonDelete {
  void operator()(cJSON* j) const { cJSON_Delete(j); }
};
using CjsonDoc = std::unique_ptr<cJSON, CjsonDelete>;

class RecordingHandler : public RpcHandler {
 public:
  void OnConnected() override { ++connected; }
  void OnDisconnected(CloseReason r) override { last_close = r; }
  HandlerResult OnCall(std::string_view action, const json::Reader& doc, json::Value payload,
                       json::Writer& out) override {
    calls.emplace_back(action);
    payloads.emplace_back(doc.Text(payload));
    if (fail_next) {
      fail_next = false;
      return HandlerResult::Error(CallErrorCode::kInternalError, "boom");
    }
    out.BeginObject().Field("status", "Accepted").EndObject();
    return HandlerResult::Ok();
  }
  void OnCallResponse(const PendingCall& call, const CallResponse& r) override {
    std::string text;
    if (r.doc != nullptr) {
      text = std::string(r.doc->Text(r.payload));
    }
    responses.push_back({call.action, r.outcome, r.error_code, text});
  }
  struct Resp {
    std::string action;
    CallOutcome outcome;
    CallErrorCode code;
    std::string payload;
  };
  int connected = 0;
  CloseReason last_close = CloseReason::kNone;
  bool fail_next = false;
  std::vector<std::string> calls;
  std::vector<std::string> payloads;
  std::vector<Resp> responses;
};

class RpcTest : public ::testing::Test {
 protected:
  RpcTest() : rng_(42), log_(&sink_), rpc_(transport_, clock_, rng_, log_, handler_) {
    transport_.Open();
  }
  // Sends `frame` as the CSMS and returns the single frame we answered with ("" if none).
  std::string Exchange(const std::string& frame) {
    transport_.sent.clear();
    transport_.Deliver(frame);
    EXPECT_LE(transport_.sent.size(), 1u);
    return transport_.TakeFirst();
  }
  std::string ErrorCodeOf(const std::string& reply) {
    CjsonDoc d(cJSON_Parse(reply.c_str()));
    if (!cJSON_IsArray(d.get()) || cJSON_GetArrayItem(d.get(), 0)->valueint != 4)
      return "";
    return cJSON_GetArrayItem(d.get(), 2)->valuestring;
  }
  std::string SentId() {
    CjsonDoc d(cJSON_Parse(transport_.sent.back().c_str()));
    return cJSON_GetArrayItem(d.get(), 1)->valuestring;
  }
  Status CallHeartbeat() {
    return rpc_.Call("Heartbeat", 7, 30000, [](json::Writer& w) { w.BeginObject().EndObject(); });
  }

  testing::FakeClock clock_;
  testing::FakeTransport transport_;
  XoshiroRng rng_;
  testing::CapturingLogSink sink_;
  Logger log_;
  RecordingHandler handler_;
  Rpc rpc_;
};

TEST_F(RpcTest, CallFramesWithUniqueUuidIds) {
  ASSERT_TRUE(CallHeartbeat().ok());
  const std::string first = transport_.sent.back();
  EXPECT_EQ(0u, first.find("[2,\""));
  EXPECT_NE(std::string::npos, first.find(",\"Heartbeat\",{}]"));
  const std::string id1 = SentId();
  EXPECT_EQ(36u, id1.size());
  transport_.Deliver("[3,\"" + id1 + "\",{\"currentTime\":\"2026-01-01T00:00:00Z\"}]");
  ASSERT_TRUE(CallHeartbeat().ok());
  EXPECT_NE(id1, SentId());
}

TEST_F(RpcTest, OnlyOneCallInFlight) {
  ASSERT_TRUE(CallHeartbeat().ok());
  EXPECT_EQ(Errc::kBusy, CallHeartbeat().code());
  EXPECT_EQ(1u, transport_.sent.size());
}

TEST_F(RpcTest, CallWhenDisconnectedIsUnavailable) {
  transport_.Drop();
  EXPECT_EQ(Errc::kUnavailable, CallHeartbeat().code());
}

TEST_F(RpcTest, ResultIsValidatedAgainstConfirmationSchema) {
  ASSERT_TRUE(CallHeartbeat().ok());
  transport_.Deliver("[3,\"" + SentId() + "\",{\"currentTime\":\"not a time\"}]");
  ASSERT_EQ(1u, handler_.responses.size());
  EXPECT_EQ(CallOutcome::kInvalidResponse, handler_.responses[0].outcome);
  EXPECT_EQ(1u, rpc_.counters().invalid_responses);
  EXPECT_FALSE(rpc_.CallInFlight());
}

TEST_F(RpcTest, ValidResultCompletesTheCall) {
  ASSERT_TRUE(CallHeartbeat().ok());
  transport_.Deliver("[3,\"" + SentId() + "\",{\"currentTime\":\"2026-01-01T00:00:00Z\"}]");
  ASSERT_EQ(1u, handler_.responses.size());
  EXPECT_EQ(CallOutcome::kResult, handler_.responses[0].outcome);
  EXPECT_EQ("Heartbeat", handler_.responses[0].action);
}

TEST_F(RpcTest, CallErrorIsDelivered) {
  ASSERT_TRUE(CallHeartbeat().ok());
  transport_.Deliver("[4,\"" + SentId() + "\",\"InternalError\",\"oops\",{}]");
  ASSERT_EQ(1u, handler_.responses.size());
  EXPECT_EQ(CallOutcome::kError, handler_.responses[0].outcome);
  EXPECT_EQ(CallErrorCode::kInternalError, handler_.responses[0].code);
}

TEST_F(RpcTest, CallErrorWithStringDetailsIsStillUnderstood) {
  ASSERT_TRUE(CallHeartbeat().ok());
  transport_.Deliver("[4,\"" + SentId() + "\",\"FormationViolation\",\"bad\",\"details\"]");
  ASSERT_EQ(1u, handler_.responses.size());
  EXPECT_EQ(CallErrorCode::kFormationViolation, handler_.responses[0].code);
}

TEST_F(RpcTest, TimeoutFreesTheSlot) {
  ASSERT_TRUE(CallHeartbeat().ok());
  clock_.Advance(29999);
  rpc_.Poll();
  EXPECT_TRUE(rpc_.CallInFlight());
  clock_.Advance(1);
  rpc_.Poll();
  EXPECT_FALSE(rpc_.CallInFlight());
  ASSERT_EQ(1u, handler_.responses.size());
  EXPECT_EQ(CallOutcome::kTimeout, handler_.responses[0].outcome);
  EXPECT_TRUE(CallHeartbeat().ok());
}

TEST_F(RpcTest, ConnectionLossCompletesPendingCall) {
  ASSERT_TRUE(CallHeartbeat().ok());
  transport_.Drop(CloseReason::kPingTimeout);
  ASSERT_EQ(1u, handler_.responses.size());
  EXPECT_EQ(CallOutcome::kConnectionLost, handler_.responses[0].outcome);
  EXPECT_EQ(CloseReason::kPingTimeout, handler_.last_close);
}

TEST_F(RpcTest, UnmatchedResultIsDroppedAndCounted) {
  EXPECT_EQ("", Exchange("[3,\"nobody\",{}]"));
  EXPECT_EQ(1u, rpc_.counters().dropped_unmatched);
  EXPECT_TRUE(handler_.responses.empty());
}

TEST_F(RpcTest, ValidCallIsAnsweredWithResult) {
  const std::string reply = Exchange(R"([2,"abc","Reset",{"type":"Soft"}])");
  EXPECT_EQ(R"([3,"abc",{"status":"Accepted"}])", reply);
  ASSERT_EQ(1u, handler_.calls.size());
}

TEST_F(RpcTest, HandlerErrorBecomesCallError) {
  handler_.fail_next = true;
  EXPECT_EQ("InternalError", ErrorCodeOf(Exchange(R"([2,"abc","Reset",{"type":"Soft"}])")));
}

struct BadFrame {
  const char* frame;
  const char* code;  // "" = dropped without a reply
};

class RpcBadFrameTest : public RpcTest, public ::testing::WithParamInterface<BadFrame> {};

TEST_P(RpcBadFrameTest, GetsTheRightAnswer) {
  const BadFrame& p = GetParam();
  const std::string reply = Exchange(p.frame);
  if (*p.code == '\0') {
    EXPECT_EQ("", reply);
    EXPECT_GE(rpc_.counters().dropped_unreadable, 1u);
  } else {
    EXPECT_EQ(p.code, ErrorCodeOf(reply)) << reply;
  }
  EXPECT_TRUE(handler_.calls.empty());
  EXPECT_TRUE(transport_.IsOpen());  // bad input never costs the connection
}

INSTANTIATE_TEST_SUITE_P(
    Frames, RpcBadFrameTest,
    ::testing::Values(
        BadFrame{"not json", ""}, BadFrame{"{\"a\":1}", ""}, BadFrame{"[]", ""},
        BadFrame{"[2]", ""}, BadFrame{"[2,5,\"Reset\",{}]", ""},
        BadFrame{"[2,\"0123456789012345678901234567890123456\",\"Reset\",{}]", ""},
        BadFrame{"[9,\"id\",\"Reset\",{}]", "FormationViolation"},
        BadFrame{"[2,\"id\",\"FooBar\",{}]", "NotImplemented"},
        BadFrame{"[2,\"id\",\"ReserveNow\",{}]", "NotSupported"},
        BadFrame{"[2,\"id\",\"BootNotification\",{}]", "NotSupported"},
        BadFrame{"[2,\"id\",42,{}]", "FormationViolation"},
        BadFrame{"[2,\"id\",\"Reset\"]", "ProtocolError"},
        BadFrame{"[2,\"id\",\"Reset\",{},1]", "FormationViolation"},
        BadFrame{"[2,\"id\",\"Reset\",[]]", "FormationViolation"},
        BadFrame{"[2,\"id\",\"Reset\",{\"type\":\"Soft\",}]", ""},
        BadFrame{"[2,\"id\",\"Reset\",{\"type\":tru}]", ""},
        BadFrame{"[2,\"id\",\"Reset\" {\"type\":\"Soft\"}]", ""},
        BadFrame{"[2,\"id\",\"Reset\",{\"type\":\"Soft\"}] x", ""},
        BadFrame{"[2,,\"id\",\"Reset\",{\"type\":\"Soft\"}]", ""},
        BadFrame{"[2,\"id\",\"Reset\",{}]", "OccurenceConstraintViolation"},
        BadFrame{"[2,\"id\",\"Reset\",{\"type\":1}]", "TypeConstraintViolation"},
        BadFrame{"[2,\"id\",\"Reset\",{\"type\":\"Warm\"}]", "PropertyConstraintViolation"},
        BadFrame{"[2,\"id\",\"Reset\",{\"type\":\"Soft\",\"x\":1}]", "FormationViolation"},
        BadFrame{"[2,\"id\",\"RemoteStartTransaction\",{\"idTag\":\"123456789012345678901\"}]",
                 "PropertyConstraintViolation"},
        BadFrame{"[2,\"id\",\"RemoteStopTransaction\",{\"transactionId\":1.5}]",
                 "TypeConstraintViolation"},
        BadFrame{"[2,\"id\",\"UnlockConnector\",{\"connectorId\":-1}]",
                 "PropertyConstraintViolation"},
        BadFrame{"[2,\"id\",\"GetConfiguration\",{\"key\":[\"a\",3]}]", "TypeConstraintViolation"},
        BadFrame{"[2,\"id\",\"RemoteStartTransaction\",{\"idTag\":\"A\",\"chargingProfile\":"
                 "{\"chargingProfileId\":1,\"stackLevel\":0,\"chargingProfilePurpose\":"
                 "\"TxProfile\",\"chargingProfileKind\":\"Absolute\",\"chargingSchedule\":"
                 "{\"chargingRateUnit\":\"A\"}}}]",
                 "OccurenceConstraintViolation"}));

TEST_F(RpcTest, OversizeCallWithReadableIdGetsGenericError) {
  std::string big = "[2,\"big1\",\"DataTransfer\",{\"vendorId\":\"x\",\"data\":\"";
  big += std::string(kMaxFrameSize, 'a');
  big += "\"}]";
  EXPECT_EQ("GenericError", ErrorCodeOf(Exchange(big)));
  EXPECT_EQ(1u, rpc_.counters().oversize);
}

TEST_F(RpcTest, OversizeGarbageIsDropped) {
  EXPECT_EQ("", Exchange(std::string(kMaxFrameSize + 10, 'x')));
  EXPECT_EQ(1u, rpc_.counters().dropped_unreadable);
}

// A RemoteStartTransaction with every optional field and a schedule of `periods` periods.
std::string RemoteStartWithProfile(int periods) {
  std::string f = R"([2,"big2","RemoteStartTransaction",{"connectorId":1,"idTag":"T",)"
                  R"("chargingProfile":{"chargingProfileId":1,"transactionId":2,"stackLevel":0,)"
                  R"("chargingProfilePurpose":"TxProfile","chargingProfileKind":"Absolute",)"
                  R"("recurrencyKind":"Daily","validFrom":"2026-01-01T00:00:00Z",)"
                  R"("validTo":"2027-01-01T00:00:00Z","chargingSchedule":{"duration":60,)"
                  R"("startSchedule":"2026-01-01T00:00:00Z","chargingRateUnit":"A",)"
                  R"("minChargingRate":1.5,"chargingSchedulePeriod":[)";
  for (int i = 0; i < periods; ++i) {
    f += (i ? "," : "") + std::string(R"({"startPeriod":)") + std::to_string(i * 60) +
         R"(,"limit":16.0,"numberPhases":1})";
  }
  return f + "]}}}]";
}

TEST_F(RpcTest, LargestProfileWithinTheTokenArrayIsHandled) {
  // 39 values of frame and profile plus 7 per period: 31 periods fill json::kMaxTokens exactly.
  static_assert(json::kMaxTokens == 39 + 7 * 31, "update the documented capacity");
  EXPECT_EQ(R"([3,"big2",{"status":"Accepted"}])", Exchange(RemoteStartWithProfile(31)));
  EXPECT_EQ(1u, handler_.calls.size());
}

TEST_F(RpcTest, CallWithTooManyValuesGetsGenericError) {
  EXPECT_EQ("GenericError", ErrorCodeOf(Exchange(RemoteStartWithProfile(32))));
  EXPECT_EQ(1u, rpc_.counters().too_many_values);
  EXPECT_EQ(0u, rpc_.counters().oversize);
  EXPECT_TRUE(handler_.calls.empty());
}

TEST_F(RpcTest, ResultWithTooManyValuesIsDroppedAndTimesOut) {
  ASSERT_TRUE(CallHeartbeat().ok());
  std::string frame = "[3,\"" + SentId() + "\",{\"currentTime\":[";
  for (size_t i = 0; i < json::kMaxTokens; ++i) {
    frame += i ? ",0" : "0";
  }
  EXPECT_EQ("", Exchange(frame + "]}]"));
  EXPECT_EQ(1u, rpc_.counters().too_many_values);
  EXPECT_EQ(1u, rpc_.counters().dropped_unreadable);
  EXPECT_TRUE(rpc_.CallInFlight());
}

TEST_F(RpcTest, GetConfigurationWithTheMostKeysFits) {
  std::string frame = R"([2,"k","GetConfiguration",{"key":[)";
  for (int i = 0; i < 100; ++i) {
    frame += (i ? ",\"K" : "\"K") + std::to_string(i) + "\"";
  }
  EXPECT_EQ(R"([3,"k",{"status":"Accepted"}])", Exchange(frame + "]}]"));
}

TEST_F(RpcTest, HandlerReadsThePayloadOfTheCall) {
  Exchange(R"([2,"abc","Reset", {"type" : "Soft"} ])");
  ASSERT_EQ(1u, handler_.payloads.size());
  EXPECT_EQ(R"({"type" : "Soft"})", handler_.payloads[0]);
}

TEST_F(RpcTest, ResultHandlerReadsThePayload) {
  ASSERT_TRUE(CallHeartbeat().ok());
  transport_.Deliver("[3,\"" + SentId() + "\",{\"currentTime\":\"2026-01-01T00:00:00Z\"}]");
  ASSERT_EQ(1u, handler_.responses.size());
  EXPECT_EQ(R"({"currentTime":"2026-01-01T00:00:00Z"})", handler_.responses[0].payload);
}

TEST_F(RpcTest, EscapedIdAndActionAreDecoded) {
  EXPECT_EQ(R"([3,"abc",{"status":"Accepted"}])",
            Exchange(R"([2,"a\u0062c","Re\u0073et",{"typ\u0065":"S\u006Fft"}])"));
  ASSERT_EQ(1u, handler_.calls.size());
  EXPECT_EQ("Reset", handler_.calls[0]);
}

TEST_F(RpcTest, MessageTypeMustBeAnInteger) {
  EXPECT_EQ(R"([3,"x",{"status":"Accepted"}])", Exchange(R"([2.0,"x","Reset",{"type":"Soft"}])"));
  EXPECT_EQ("FormationViolation", ErrorCodeOf(Exchange(R"([2.5,"y","Reset",{"type":"Soft"}])")));
  EXPECT_EQ(1u, handler_.calls.size());
}

TEST_F(RpcTest, MaxLengthCountsCharactersNotBytes) {
  std::string twenty;
  for (int i = 0; i < 20; ++i) {
    twenty += "\xC3\xA9";  // é: 2 bytes, 1 character
  }
  EXPECT_EQ(R"([3,"a",{"status":"Accepted"}])",
            Exchange(R"([2,"a","RemoteStartTransaction",{"idTag":")" + twenty + "\"}]"));
  EXPECT_EQ("PropertyConstraintViolation",
            ErrorCodeOf(Exchange(R"([2,"b","RemoteStartTransaction",{"idTag":")" + twenty +
                                 "\\u00e9\"}]")));
  EXPECT_EQ(1u, handler_.calls.size());
}

TEST_F(RpcTest, EveryDuplicateMemberIsValidated) {
  EXPECT_EQ("PropertyConstraintViolation",
            ErrorCodeOf(Exchange(R"([2,"d","Reset",{"type":"Soft","type":"Warm"}])")));
  EXPECT_TRUE(handler_.calls.empty());
}

TEST_F(RpcTest, NulInAnIdMakesTheFrameUnreadable) {
  EXPECT_EQ("", Exchange(R"([2,"a\u0000b","Reset",{"type":"Soft"}])"));
  EXPECT_EQ(1u, rpc_.counters().dropped_unreadable);
}

TEST_F(RpcTest, FrameDeliveredFromInsideAHandlerIsRefused) {
  class Nested : public RecordingHandler {
   public:
    testing::FakeTransport* t = nullptr;
    HandlerResult OnCall(std::string_view a, const json::Reader& doc, json::Value p,
                         json::Writer& out) override {
      if (calls.empty()) {
        t->Deliver(R"([2,"inner","Reset",{"type":"Hard"}])");
      }
      return RecordingHandler::OnCall(a, doc, p, out);
    }
  };
  testing::FakeTransport t;
  Nested h;
  h.t = &t;
  Rpc rpc(t, clock_, rng_, log_, h);
  t.Open();
  t.Deliver(R"([2,"outer","Reset",{"type":"Soft"}])");
  EXPECT_EQ(1u, rpc.counters().dropped_nested);
  ASSERT_EQ(1u, h.payloads.size());
  EXPECT_EQ(R"({"type":"Soft"})", h.payloads[0]);  // the outer frame is intact
  ASSERT_EQ(1u, t.sent.size());
  EXPECT_EQ(R"([3,"outer",{"status":"Accepted"}])", t.sent.front());
}

TEST_F(RpcTest, NoCallFromInsideAHandler) {
  class Reentrant : public RecordingHandler {
   public:
    Rpc* rpc = nullptr;
    Status inner;
    HandlerResult OnCall(std::string_view a, const json::Reader& doc, json::Value p,
                         json::Writer& out) override {
      inner = rpc->Call("Heartbeat", 0, 1000, [](json::Writer& w) { w.BeginObject().EndObject(); });
      return RecordingHandler::OnCall(a, doc, p, out);
    }
  };
  testing::FakeTransport t;
  Reentrant h;
  Rpc rpc(t, clock_, rng_, log_, h);
  h.rpc = &rpc;
  t.Open();
  t.Deliver(R"([2,"x","Reset",{"type":"Hard"}])");
  EXPECT_EQ(Errc::kBusy, h.inner.code());
  ASSERT_EQ(1u, t.sent.size());
  EXPECT_EQ(R"([3,"x",{"status":"Accepted"}])", t.sent.front());
}

}  // namespace
}  // namespace evc::ocpp
