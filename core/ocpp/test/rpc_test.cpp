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
