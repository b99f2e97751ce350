#include "evc/common/json_writer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

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

TEST(JsonWriter, EscapesEveryControlCharacterAndPassesUtf8Through) {
  std::string in;
  std::string expected = "\"a";
  for (int c = 0; c < 0x20; ++c) {
    in += 'a';
    in += static_cast<char>(c);
    expected += c == '\n'   ? "\\n"
                : c == '\r' ? "\\r"
                : c == '\t' ? "\\t"
                : c == '\b' ? "\\b"
                : c == '\f' ? "\\f"
                            : [c] {
                                char e[8];
                                snprintf(e, sizeof(e), "\\u%04x", c);
                                return std::string(e);
                              }();
    expected += 'a';
  }
  in += "a\xc3\xa9z\"\\";  // é in UTF-8, then a quote and a backslash at the very end
  expected += "\xc3\xa9z\\\"\\\\\"";
  char buf[512];
  Writer w(buf, sizeof(buf));
  w.String(in);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(expected, w.view());
}

TEST(JsonWriter, StringThatExactlyFillsTheBufferFitsOneMoreOverflows) {
  // "abcdef" encodes as 8 characters; with the NUL it needs 9 bytes.
  char buf[9];
  Writer fits(buf, sizeof(buf));
  fits.String("abcdef");
  EXPECT_TRUE(fits.ok());
  EXPECT_EQ("\"abcdef\"", fits.view());
  Writer over(buf, sizeof(buf) - 1);
  over.String("abcdef");
  EXPECT_FALSE(over.ok());
  EXPECT_EQ(Errc::kResourceExhausted, over.status().code());
  EXPECT_EQ(7u, over.view().size());  // never past the buffer, always NUL-terminated
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

TEST(JsonWriter, FormatsIntegersAndFixedPointWithoutPrintf) {
  char buf[32];
  EXPECT_EQ(1u, FormatInt(0, buf, sizeof(buf)));
  EXPECT_STREQ("0", buf);
  FormatInt(-42, buf, sizeof(buf));
  EXPECT_STREQ("-42", buf);
  FormatInt(INT64_MIN, buf, sizeof(buf));
  EXPECT_STREQ("-9223372036854775808", buf);
  FormatInt(INT64_MAX, buf, sizeof(buf));
  EXPECT_STREQ("9223372036854775807", buf);
  EXPECT_EQ(0u, FormatInt(12345, buf, 5));  // "12345" + NUL needs 6
  FormatFixed(1.25, 1, buf, sizeof(buf));
  EXPECT_STREQ("1.3", buf);  // half away from zero
  FormatFixed(-0.05, 1, buf, sizeof(buf));
  EXPECT_STREQ("-0.1", buf);
  FormatFixed(66.97, 1, buf, sizeof(buf));
  EXPECT_STREQ("67.0", buf);
  FormatFixed(3.14159, 4, buf, sizeof(buf));
  EXPECT_STREQ("3.1416", buf);
  FormatFixed(230.0, 0, buf, sizeof(buf));
  EXPECT_STREQ("230", buf);
  FormatFixed(0.001, 3, buf, sizeof(buf));
  EXPECT_STREQ("0.001", buf);
  EXPECT_EQ(0u, FormatFixed(std::nan(""), 1, buf, sizeof(buf)));
  EXPECT_EQ(0u, FormatFixed(1e30, 1, buf, sizeof(buf)));
  EXPECT_EQ(0u, FormatFixed(1.0, 7, buf, sizeof(buf)));
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
