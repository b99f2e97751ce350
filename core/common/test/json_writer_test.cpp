#include "evc/common/json_writer.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace evc::json {
namespace {

TEST(JsonWriter, WritesNestedStructures) {
  char buf[256];
  Writer w(buf, sizeof(buf));
  w.BeginObject().Field("a", 1).Key("b").BeginArray().String("x").Int(-2).Bool(true).EndArray();
  w.Key("c").BeginObject().EndObject().Key("d").Null().EndObject();
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(w.status().ok());
  EXPECT_EQ(R"({"a":1,"b":["x",-2,true],"c":{},"d":null})", w.view());
}

TEST(JsonWriter, EscapesStrings) {
  char buf[64];
  Writer w(buf, sizeof(buf));
  w.String(std::string_view("q\"b\\n\n\x01", 7));
  EXPECT_EQ(R"("q\"b\\n\n\u0001")", w.view());
}

TEST(JsonWriter, OverflowIsReportedNotTruncatedSilently) {
  char buf[8];
  Writer w(buf, sizeof(buf));
  w.BeginObject().Field("long", "abcdefgh").EndObject();
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(Errc::kResourceExhausted, w.status().code());
}

TEST(JsonWriter, DecimalRejectsNan) {
  char buf[32];
  Writer w(buf, sizeof(buf));
  w.BeginArray().Decimal(1.5, 1).Decimal(230.0, 0).EndArray();
  EXPECT_EQ("[1.5,230]", w.view());
  Writer bad(buf, sizeof(buf));
  bad.Decimal(std::nan(""), 2);
  EXPECT_FALSE(bad.ok());
}

TEST(JsonWriter, UnbalancedIsAnError) {
  char buf[32];
  Writer w(buf, sizeof(buf));
  w.BeginObject();
  EXPECT_EQ(Errc::kInternal, w.status().code());
  Writer w2(buf, sizeof(buf));
  w2.EndArray();
  EXPECT_FALSE(w2.ok());
}

}  // namespace
}  // namespace evc::json
