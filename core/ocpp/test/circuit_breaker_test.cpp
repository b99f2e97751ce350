#include "evc/ocpp/circuit_breaker.hpp"

#include <gtest/gtest.h>

namespace evc::ocpp {
namespace {

TEST(CircuitBreaker, OpensAfterThresholdConsecutiveFailures) {
  CircuitBreaker cb(3, 10000, 80000);
  EXPECT_TRUE(cb.Allow(0));
  cb.RecordFailure(0);
  cb.RecordFailure(1);
  EXPECT_EQ(BreakerState::kClosed, cb.state());
  cb.RecordFailure(2);
  EXPECT_EQ(BreakerState::kOpen, cb.state());
  EXPECT_FALSE(cb.Allow(3));
  EXPECT_FALSE(cb.Allow(10001));
}

TEST(CircuitBreaker, SuccessResetsTheCount) {
  CircuitBreaker cb(3, 10000, 80000);
  cb.RecordFailure(0);
  cb.RecordFailure(0);
  cb.RecordSuccess();
  cb.RecordFailure(0);
  cb.RecordFailure(0);
  EXPECT_EQ(BreakerState::kClosed, cb.state());
}

TEST(CircuitBreaker, HalfOpenAllowsOneTrial) {
  CircuitBreaker cb(1, 10000, 80000);
  cb.RecordFailure(100);
  EXPECT_FALSE(cb.Allow(10099));
  EXPECT_TRUE(cb.Allow(10100));
  EXPECT_EQ(BreakerState::kHalfOpen, cb.state());
  EXPECT_FALSE(cb.Allow(10101));  // the trial is still out
  cb.RecordSuccess();
  EXPECT_EQ(BreakerState::kClosed, cb.state());
  EXPECT_TRUE(cb.Allow(10102));
}

TEST(CircuitBreaker, FailedTrialReopensWithLongerCooldownUpToCap) {
  CircuitBreaker cb(1, 10000, 30000);
  cb.RecordFailure(0);
  uint64_t t = 10000;
  ASSERT_TRUE(cb.Allow(t));
  cb.RecordFailure(t);
  EXPECT_EQ(BreakerState::kOpen, cb.state());
  EXPECT_EQ(20000u, cb.cooldown_ms());
  EXPECT_FALSE(cb.Allow(t + 19999));
  ASSERT_TRUE(cb.Allow(t + 20000));
  cb.RecordFailure(t + 20000);
  EXPECT_EQ(30000u, cb.cooldown_ms());  // capped
  EXPECT_EQ(3u, cb.times_opened());
  ASSERT_TRUE(cb.Allow(t + 50000));
  cb.RecordSuccess();
  EXPECT_EQ(10000u, cb.cooldown_ms());  // back to the base
}

}  // namespace
}  // namespace evc::ocpp
