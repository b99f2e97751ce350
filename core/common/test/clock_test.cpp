#include "evc/common/clock.hpp"

#include <gtest/gtest.h>

#include "evc/testing/fakes.hpp"

namespace evc {
namespace {

TEST(Iso8601, FormatsUtcWithMillisAndZ) {
  char buf[kIso8601BufferSize];
  EXPECT_EQ(24u, FormatIso8601(1700000000123LL, buf, sizeof(buf)));
  EXPECT_STREQ("2023-11-14T22:13:20.123Z", buf);
  FormatIso8601(951782400000LL, buf, sizeof(buf));  // leap day 2000
  EXPECT_STREQ("2000-02-29T00:00:00.000Z", buf);
}

TEST(Iso8601, FormatsAcrossTheRangeAndRoundTrips) {
  char buf[kIso8601BufferSize];
  // Epoch, before it, the last millisecond of a day and of a year, far future.
  const struct {
    int64_t ms;
    const char* text;
  } cases[] = {
      {0, "1970-01-01T00:00:00.000Z"},
      {-1, "1969-12-31T23:59:59.999Z"},
      {1704067199999LL, "2023-12-31T23:59:59.999Z"},
      {4102444800007LL, "2100-01-01T00:00:00.007Z"},
      {253402300799999LL, "9999-12-31T23:59:59.999Z"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(24u, FormatIso8601(c.ms, buf, sizeof(buf))) << c.text;
    EXPECT_STREQ(c.text, buf);
    if (c.ms >= 0) {
      const Result<int64_t> back = ParseIso8601(buf);
      ASSERT_TRUE(back.ok()) << buf;
      EXPECT_EQ(c.ms, *back);
    }
  }
  // Beyond year 9999 there is no YYYY form: refused, never a longer string.
  EXPECT_EQ(0u, FormatIso8601(253402300800000LL, buf, sizeof(buf)));
  EXPECT_STREQ("", buf);
}

TEST(Iso8601, RefusesTooSmallBuffer) {
  char buf[10];
  EXPECT_EQ(0u, FormatIso8601(0, buf, sizeof(buf)));
  EXPECT_STREQ("", buf);
}

TEST(Iso8601, ParsesZuluAndOffsets) {
  auto r = ParseIso8601("2023-11-14T22:13:20.123Z");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(1700000000123LL, *r);
  r = ParseIso8601("2023-11-14T23:13:20+01:00");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(1700000000000LL, *r);
  r = ParseIso8601("2023-11-14T22:13:20.5Z");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(1700000000500LL, *r);
}

TEST(Iso8601, RejectsMalformed) {
  EXPECT_FALSE(ParseIso8601("").ok());
  EXPECT_FALSE(ParseIso8601("2023-11-14T22:13:20").ok());  // no zone
  EXPECT_FALSE(ParseIso8601("2023-13-14T22:13:20Z").ok());
  EXPECT_FALSE(ParseIso8601("2023-02-29T22:13:20Z").ok());  // not a leap year
  EXPECT_FALSE(ParseIso8601("2023-11-14T22:13:20Zjunk").ok());
  EXPECT_FALSE(ParseIso8601("2023-11-14 22:13:20Z").ok());
  EXPECT_FALSE(ParseIso8601("2023-11-14T22:13:20.Z").ok());
}

TEST(TimeKeeper, UnknownUntilSynced) {
  testing::FakeClock clock;
  TimeKeeper tk(clock);
  EXPECT_FALSE(tk.Known());
  tk.SetUtcMs(1700000000000LL);
  EXPECT_TRUE(tk.Known());
  clock.Advance(1500);
  EXPECT_EQ(1700000001500LL, tk.NowUtcMs());
  EXPECT_EQ(1700000000000LL, tk.UtcAt(clock.now_ms - 1500));
}

TEST(TimeKeeper, PlatformTimeBefore2020IsUnknown) {
  testing::FakeClock clock;
  clock.utc_ms = 0;  // 1970: an unset RTC
  TimeKeeper tk(clock);
  EXPECT_FALSE(tk.Known());
  clock.utc_ms = 1700000000000LL;
  EXPECT_TRUE(tk.Known());
}

}  // namespace
}  // namespace evc
