#include "evc/ocpp/slot_records.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "evc/testing/fakes.hpp"

namespace evc::ocpp {
namespace {

struct Rec {
  uint32_t seq = 0;
  uint32_t value = 0;
};

using Records = SlotRecords<Rec, 4>;

Rec Value(uint32_t v) {
  Rec r;
  r.value = v;
  return r;
}

class SlotRecordsTest : public ::testing::Test {
 protected:
  SlotRecordsTest() : log_(&sink_) {}
  static std::vector<uint32_t> Values(const Records& r) {
    std::vector<uint32_t> v;
    for (size_t i = 0; i < r.size(); ++i)
      v.push_back(r.at(i).value);
    return v;
  }
  static bool Any(const Rec&) { return true; }
  testing::MemoryKvStore kv_;
  testing::CapturingLogSink sink_;
  Logger log_;
};

TEST_F(SlotRecordsTest, OrderSurvivesRestartAndSlotReuse) {
  {
    Records r(kv_, log_, "abc", 1);
    r.Load(Any);
    ASSERT_TRUE(r.Append(Value(10)).ok());
    ASSERT_TRUE(r.Append(Value(20)).ok());
    ASSERT_TRUE(r.Append(Value(30)).ok());
    ASSERT_TRUE(r.RemoveAt(0).ok());        // frees slot abc00
    ASSERT_TRUE(r.Append(Value(40)).ok());  // lands in abc00, yet is the newest
    EXPECT_EQ((std::vector<uint32_t>{20, 30, 40}), Values(r));
    EXPECT_EQ(1u, kv_.data.count("abc00"));
  }
  Records r(kv_, log_, "abc", 1);  // next boot
  r.Load(Any);
  EXPECT_EQ((std::vector<uint32_t>{20, 30, 40}), Values(r));
  ASSERT_TRUE(r.Append(Value(50)).ok());
  EXPECT_GT(r.at(3).seq, r.at(2).seq);  // the sequence continues after the restored ones
}

TEST_F(SlotRecordsTest, FullSetRefusesAndWritesNothing) {
  Records r(kv_, log_, "abc", 1);
  for (uint32_t v = 1; v <= 4; ++v) {
    ASSERT_TRUE(r.Append(Value(v)).ok());
  }
  const int writes = kv_.writes;
  EXPECT_EQ(Errc::kResourceExhausted, r.Append(Value(5)).code());
  EXPECT_EQ(writes, kv_.writes);
  EXPECT_EQ(4u, r.size());
}

TEST_F(SlotRecordsTest, FailedWriteOrEraseChangesNothing) {
  Records r(kv_, log_, "abc", 1);
  ASSERT_TRUE(r.Append(Value(1)).ok());
  kv_.fail_writes = true;
  EXPECT_FALSE(r.Append(Value(2)).ok());
  EXPECT_FALSE(r.RemoveAt(0).ok());
  EXPECT_EQ((std::vector<uint32_t>{1}), Values(r));
  kv_.fail_writes = false;
  ASSERT_TRUE(r.Append(Value(3)).ok());
  EXPECT_EQ((std::vector<uint32_t>{1, 3}), Values(r));
}

TEST_F(SlotRecordsTest, CorruptWrongVersionAndRefusedRecordsAreErasedAndCounted) {
  {
    Records r(kv_, log_, "abc", 1);
    for (uint32_t v = 1; v <= 4; ++v) {
      ASSERT_TRUE(r.Append(Value(v)).ok());
    }
  }
  kv_.data["abc00"][3] ^= 0x01;  // CRC mismatch
  kv_.data["abc01"][0] = 2;      // another format version
  Records r(kv_, log_, "abc", 1);
  r.Load([](const Rec& rec) { return rec.value != 3; });  // the owner refuses value 3
  EXPECT_EQ((std::vector<uint32_t>{4}), Values(r));
  EXPECT_EQ(3u, r.corrupt());
  EXPECT_EQ(1u, kv_.data.size());
  EXPECT_TRUE(sink_.Contains("abc00 corrupt"));
}

TEST_F(SlotRecordsTest, OtherPrefixesAreNotTouched) {
  Records a(kv_, log_, "abc", 1);
  Records b(kv_, log_, "xyz", 1);
  ASSERT_TRUE(a.Append(Value(1)).ok());
  ASSERT_TRUE(b.Append(Value(2)).ok());
  Records again(kv_, log_, "abc", 1);
  again.Load(Any);
  EXPECT_EQ((std::vector<uint32_t>{1}), Values(again));
  EXPECT_EQ(1u, kv_.data.count("xyz00"));
}

}  // namespace
}  // namespace evc::ocpp
