#include "evc/posix/ws_url.hpp"

#include <string>

#include <gtest/gtest.h>

namespace evc::posix {
namespace {

TEST(WsUrlTest, ParsesSchemeHostPortAndPath) {
  WsUrl u;
  ASSERT_TRUE(ParseWsUrl("wss://csms.example.com:8443/ocpp/CP-1", &u, nullptr).ok());
  EXPECT_TRUE(u.tls);
  EXPECT_EQ(u.host, "csms.example.com");
  EXPECT_EQ(u.port, 8443);
  EXPECT_EQ(u.path, "/ocpp/CP-1");
}

TEST(WsUrlTest, DefaultPortsFollowTheScheme) {
  WsUrl u;
  ASSERT_TRUE(ParseWsUrl("ws://10.0.0.5/x", &u, nullptr).ok());
  EXPECT_FALSE(u.tls);
  EXPECT_EQ(u.port, kDefaultWsPort);
  ASSERT_TRUE(ParseWsUrl("wss://h/x", &u, nullptr).ok());
  EXPECT_EQ(u.port, kDefaultWssPort);
}

TEST(WsUrlTest, RejectsWhatACsmsUrlMustNotBe) {
  const char* bad[] = {
      "http://h/x",   "WS://h/x",        "ws://h",       "ws:///x",
      "ws://h:0/x",   "ws://h:65536/x",  "ws://h:12a/x", "ws://h:/x",
      "ws://u:p@h/x", "ws://[::1]:80/x", "ws://h/x?q=1", "ws://h/x#f",
      "ws://h/a b",   "ws://h_h/x",      "ws://-h/x",    "ws://a..b/x",
  };
  for (const char* url : bad) {
    std::string error;
    EXPECT_EQ(ParseWsUrl(url, nullptr, &error).code(), Errc::kInvalidArgument) << url;
    EXPECT_FALSE(error.empty()) << url;
  }
  EXPECT_FALSE(ParseWsUrl("ws://h/" + std::string(kMaxUrlLength, 'a'), nullptr, nullptr).ok());
}

TEST(WsUrlTest, ChargePointIdUsesTheUnreservedSet) {
  EXPECT_TRUE(IsValidChargePointId("CP-0001_a.b~c"));
  EXPECT_TRUE(IsValidChargePointId(std::string(kMaxChargePointIdLength, 'x')));
  EXPECT_FALSE(IsValidChargePointId(std::string(kMaxChargePointIdLength + 1, 'x')));
  EXPECT_FALSE(IsValidChargePointId(""));
  EXPECT_FALSE(IsValidChargePointId("CP:1"));
  EXPECT_FALSE(IsValidChargePointId("CP/1"));
  EXPECT_FALSE(IsValidChargePointId("CP 1"));
}

}  // namespace
}  // namespace evc::posix
