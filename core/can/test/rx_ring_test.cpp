#include "evc/can/rx_ring.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace evc::can {
namespace {

Frame Numbered(uint32_t n) {
  Frame f;
  f.id = n & kMaxExtendedId;
  f.extended = true;
  f.dlc = 8;
  for (int i = 0; i < 4; ++i) {
    f.data[i] = static_cast<uint8_t>(n >> (8 * i));
    f.data[4 + i] = static_cast<uint8_t>(~(n >> (8 * i)));
  }
  return f;
}

uint32_t NumberOf(const Frame& f) {
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) {
    n |= static_cast<uint32_t>(f.data[i]) << (8 * i);
  }
  return n;
}

// The frame carries its number twice (plain and inverted): a torn copy would show.
bool Intact(const Frame& f) {
  for (int i = 0; i < 4; ++i) {
    if (static_cast<uint8_t>(~f.data[i]) != f.data[4 + i]) {
      return false;
    }
  }
  return f.id == (NumberOf(f) & kMaxExtendedId) && f.dlc == 8 && f.extended;
}

TEST(RxRingTest, EmptyRingPopsNothing) {
  RxRing<4> ring;
  Frame f;
  EXPECT_FALSE(ring.Pop(&f));
  EXPECT_TRUE(ring.Empty());
  EXPECT_EQ(ring.Size(), 0u);
}

TEST(RxRingTest, KeepsOrderUpToCapacity) {
  RxRing<8> ring;
  for (uint32_t i = 0; i < 8; ++i) {
    ASSERT_TRUE(ring.Push(Numbered(i)));
  }
  EXPECT_TRUE(ring.Full());
  EXPECT_EQ(ring.overflow(), 0u);
  Frame f;
  for (uint32_t i = 0; i < 8; ++i) {
    ASSERT_TRUE(ring.Pop(&f));
    EXPECT_EQ(NumberOf(f), i);
    EXPECT_TRUE(Intact(f));
  }
  EXPECT_FALSE(ring.Pop(&f));
  EXPECT_EQ(ring.pushed(), 8u);
}

TEST(RxRingTest, FullRingDropsTheNewFrameAndCountsIt) {
  RxRing<4> ring;
  for (uint32_t i = 0; i < 4; ++i) {
    ASSERT_TRUE(ring.Push(Numbered(i)));
  }
  EXPECT_FALSE(ring.Push(Numbered(100)));
  EXPECT_FALSE(ring.Push(Numbered(101)));
  EXPECT_EQ(ring.overflow(), 2u);
  EXPECT_EQ(ring.pushed(), 4u);
  // The old frames are kept, in order; the dropped ones never appear.
  Frame f;
  for (uint32_t i = 0; i < 4; ++i) {
    ASSERT_TRUE(ring.Pop(&f));
    EXPECT_EQ(NumberOf(f), i);
  }
  EXPECT_FALSE(ring.Pop(&f));
  // Space again after popping.
  EXPECT_TRUE(ring.Push(Numbered(5)));
  ASSERT_TRUE(ring.Pop(&f));
  EXPECT_EQ(NumberOf(f), 5u);
}

TEST(RxRingTest, WrapsAroundManyTimes) {
  RxRing<4> ring;
  Frame f;
  uint32_t next_out = 0;
  for (uint32_t i = 0; i < 1000; ++i) {
    ASSERT_TRUE(ring.Push(Numbered(i)));
    if (i % 3 == 2) {  // let it fill a little before draining
      while (ring.Pop(&f)) {
        ASSERT_EQ(NumberOf(f), next_out++);
      }
    }
  }
  while (ring.Pop(&f)) {
    ASSERT_EQ(NumberOf(f), next_out++);
  }
  EXPECT_EQ(next_out, 1000u);
  EXPECT_EQ(ring.overflow(), 0u);
}

constexpr uint32_t kStressFrames = 200000;

// Producer thread stands in for the ISR and never lets the ring overflow (it waits while full):
// every frame must arrive, intact and in order.
TEST(RxRingTest, TwoThreadsBelowCapacityLoseNothing) {
  RxRing<16> ring;
  std::atomic<bool> done{false};
  std::thread producer([&] {
    for (uint32_t i = 0; i < kStressFrames; ++i) {
      while (ring.Full()) {
        std::this_thread::yield();
      }
      // Only this thread pushes, so "not full" stays true until it pushes.
      if (!ring.Push(Numbered(i))) {
        break;  // would be a bug: shows up as missing frames below
      }
    }
    done.store(true, std::memory_order_release);
  });
  uint32_t received = 0;
  bool intact_and_ordered = true;
  Frame f;
  for (;;) {
    if (ring.Pop(&f)) {
      intact_and_ordered = intact_and_ordered && Intact(f) && NumberOf(f) == received;
      ++received;
    } else if (done.load(std::memory_order_acquire) && ring.Empty()) {
      break;
    } else {
      std::this_thread::yield();
    }
  }
  producer.join();
  EXPECT_TRUE(intact_and_ordered);
  EXPECT_EQ(received, kStressFrames);
  EXPECT_EQ(ring.overflow(), 0u);
  EXPECT_EQ(ring.pushed(), kStressFrames);
}

// Producer pushes blindly like an ISR under a burst; the consumer is slower. Frames may be
// dropped, but what arrives is intact and strictly increasing, and every frame is accounted for:
// delivered + overflow == produced.
TEST(RxRingTest, TwoThreadsWithOverflowAccountForEveryFrame) {
  RxRing<8> ring;
  std::atomic<bool> done{false};
  std::thread producer([&] {
    for (uint32_t i = 0; i < kStressFrames; ++i) {
      ring.Push(Numbered(i));  // a refusal is counted by the ring itself
    }
    done.store(true, std::memory_order_release);
  });
  uint32_t delivered = 0;
  int64_t last = -1;
  bool ordered = true;
  bool intact = true;
  Frame f;
  for (;;) {
    if (ring.Pop(&f)) {
      ++delivered;
      intact = intact && Intact(f);
      const int64_t n = NumberOf(f);
      ordered = ordered && n > last;
      last = n;
      if (delivered % 64 == 0) {
        std::this_thread::yield();  // be slow now and then so the ring does overflow
      }
    } else if (done.load(std::memory_order_acquire)) {
      if (!ring.Pop(&f)) {
        break;
      }
      ++delivered;
      intact = intact && Intact(f);
      ordered = ordered && NumberOf(f) > last;
      last = NumberOf(f);
    }
  }
  producer.join();
  EXPECT_TRUE(intact);
  EXPECT_TRUE(ordered);
  EXPECT_EQ(delivered + ring.overflow(), kStressFrames);
  EXPECT_EQ(ring.pushed(), delivered);
}

}  // namespace
}  // namespace evc::can
