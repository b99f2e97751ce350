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
