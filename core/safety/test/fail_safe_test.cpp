#include "evc/safety/fail_safe.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <thread>
#include <vector>

namespace evc::safety {
namespace {

// What the actions did, in order.
struct Journal {
  static constexpr int kCap = 32;
  int entries[kCap] = {};
  int count = 0;
  void Add(int id) {
    if (count < kCap) {
      entries[count++] = id;
    }
  }
};

struct Recorder {
  Journal* journal;
  int id;
};

void Record(void* ctx) {
  auto* r = static_cast<Recorder*>(ctx);
  r->journal->Add(r->id);
}

class FailSafeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    FailSafe::ResetForTesting();
  }
  void TearDown() override { FailSafe::ResetForTesting(); }
};

TEST_F(FailSafeTest, RegisterRejectsBadArgumentsAndOverflow) {
  Journal j;
  Recorder r{&j, 1};
  EXPECT_EQ(FailSafe::Register(nullptr, Record, &r).code(), Errc::kInvalidArgument);
  EXPECT_EQ(FailSafe::Register("x", nullptr, &r).code(), Errc::kInvalidArgument);
  for (size_t i = 0; i < FailSafe::kMaxActions; ++i) {
    ASSERT_TRUE(FailSafe::Register("action", Record, &r).ok()) << i;
  }
  EXPECT_EQ(FailSafe::Register("one too many", Record, &r).code(), Errc::kResourceExhausted);
  EXPECT_EQ(FailSafe::action_count(), FailSafe::kMaxActions);
  EXPECT_STREQ(FailSafe::action_name(FailSafe::kMaxActions), "");
}

TEST_F(FailSafeTest, ActionsRunOnceInRegistrationOrder) {
  Journal j;
  Recorder contactor{&j, 1}, module{&j, 2}, lock{&j, 3};
  ASSERT_TRUE(FailSafe::Register("contactor-open", Record, &contactor).ok());
  ASSERT_TRUE(FailSafe::Register("module-off", Record, &module).ok());
  ASSERT_TRUE(FailSafe::Register("gun-unlock-inhibit", Record, &lock).ok());
  EXPECT_STREQ(FailSafe::action_name(0), "contactor-open");
  EXPECT_FALSE(FailSafe::triggered());
  EXPECT_EQ(FailSafe::reason(), ErrorCode::kNone);

  EXPECT_EQ(FailSafe::Trigger(ErrorCode::kWatchdog, "here"), TriggerResult::kRan);
  ASSERT_EQ(j.count, 3);
  EXPECT_EQ(j.entries[0], 1);
  EXPECT_EQ(j.entries[1], 2);
  EXPECT_EQ(j.entries[2], 3);
  EXPECT_TRUE(FailSafe::triggered());
  EXPECT_EQ(FailSafe::reason(), ErrorCode::kWatchdog);
  EXPECT_STREQ(FailSafe::where(), "here");

  // Idempotent: a second trigger runs nothing and keeps the first cause.
  EXPECT_EQ(FailSafe::Trigger(ErrorCode::kOverCurrent, "later"), TriggerResult::kAlreadyDone);
  EXPECT_EQ(j.count, 3);
  EXPECT_EQ(FailSafe::reason(), ErrorCode::kWatchdog);
  EXPECT_STREQ(FailSafe::where(), "here");
  // Too late to add actions.
  EXPECT_EQ(FailSafe::Register("late", Record, &lock).code(), Errc::kFailedPrecondition);
}

TEST_F(FailSafeTest, TriggerWithNoActionsStillRecordsTheCause) {
  EXPECT_EQ(FailSafe::Trigger(ErrorCode::kStorageFailure, nullptr), TriggerResult::kRan);
  EXPECT_TRUE(FailSafe::triggered());
  EXPECT_EQ(FailSafe::reason(), ErrorCode::kStorageFailure);
  EXPECT_STREQ(FailSafe::where(), "");
}

struct NestingAction {
  Journal* journal;
  TriggerResult nested = TriggerResult::kRan;
};

void TriggersAgain(void* ctx) {
  auto* n = static_cast<NestingAction*>(ctx);
  n->journal->Add(10);
  n->nested = FailSafe::Trigger(ErrorCode::kInternalInvariant, "inside an action");
}

TEST_F(FailSafeTest, ATriggerFromInsideAnActionDoesNotRecurse) {
  Journal j;
  Recorder contactor{&j, 1}, module{&j, 2};
  NestingAction nesting{&j};
  ASSERT_TRUE(FailSafe::Register("contactor-open", Record, &contactor).ok());
  ASSERT_TRUE(FailSafe::Register("nesting", TriggersAgain, &nesting).ok());
  ASSERT_TRUE(FailSafe::Register("module-off", Record, &module).ok());
  EXPECT_EQ(FailSafe::Trigger(ErrorCode::kWatchdog, "outer"), TriggerResult::kRan);
  EXPECT_EQ(nesting.nested, TriggerResult::kNested);
  ASSERT_EQ(j.count, 3);  // each action once, the ones after the nesting one included
  EXPECT_EQ(j.entries[0], 1);
  EXPECT_EQ(j.entries[1], 10);
  EXPECT_EQ(j.entries[2], 2);
  EXPECT_STREQ(FailSafe::where(), "outer");
}

// Every concurrent caller returns only after the contactor action has run, so none of them can
// abort the process before the contactor is open. Exactly one run is the first.
std::atomic<int> g_contactor_runs{0};
void CountContactor(void*) {
  g_contactor_runs.fetch_add(1);
}

TEST_F(FailSafeTest, ConcurrentTriggersAllSeeTheContactorOpen) {
  g_contactor_runs.store(0);
  ASSERT_TRUE(FailSafe::Register("contactor-open", CountContactor, nullptr).ok());
  constexpr int kThreads = 8;
  std::atomic<bool> go{false};
  std::atomic<int> ran{0}, helped{0}, done{0}, other{0}, saw_closed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      while (!go.load()) {
      }
      const TriggerResult r = FailSafe::Trigger(ErrorCode::kWatchdog, "thread");
      if (g_contactor_runs.load() == 0) {
        saw_closed.fetch_add(1);
      }
      switch (r) {
        case TriggerResult::kRan:
          ran.fetch_add(1);
          break;
        case TriggerResult::kHelped:
          helped.fetch_add(1);
          break;
        case TriggerResult::kAlreadyDone:
          done.fetch_add(1);
          break;
        case TriggerResult::kNested:
          other.fetch_add(1);
          break;
      }
    });
  }
  go.store(true);
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(ran.load(), 1);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(ran.load() + helped.load() + done.load(), kThreads);
  EXPECT_EQ(saw_closed.load(), 0);
  EXPECT_EQ(g_contactor_runs.load(), 1 + helped.load());
}

TEST_F(FailSafeTest, CheckPassesOnTrueAndEvaluatesOnce) {
  Journal j;
  Recorder contactor{&j, 1};
  ASSERT_TRUE(FailSafe::Register("contactor-open", Record, &contactor).ok());
  int evaluations = 0;
  EVC_CHECK(++evaluations == 1);
  EVC_CHECK(evaluations > 0 && j.count == 0);
  EXPECT_EQ(evaluations, 1);
  EXPECT_EQ(j.count, 0);
  EXPECT_FALSE(FailSafe::triggered());
}

void PrintContactorOpen(void*) {
  fprintf(stderr, "[marker] contactor-open\n");
}
void PrintModuleOff(void*) {
  fprintf(stderr, "[marker] module-off\n");
}
void PrintingAbortHook(ErrorCode reason, const char* where) {
  fprintf(stderr, "[marker] abort-hook %s at %s\n", Describe(reason).name, where);
}

TEST_F(FailSafeTest, CheckOnFalseRunsTheFailSafeThenTheAbortHook) {
  EXPECT_DEATH(
      {
        ASSERT_TRUE(FailSafe::Register("contactor-open", PrintContactorOpen, nullptr).ok());
        ASSERT_TRUE(FailSafe::Register("module-off", PrintModuleOff, nullptr).ok());
        FailSafe::SetAbortHook(PrintingAbortHook);
        const int value = 1;
        EVC_CHECK(value == 2);
      },
      "\\[marker\\] contactor-open\n\\[marker\\] module-off\n"
      "\\[marker\\] abort-hook INTERNAL_INVARIANT at .*fail_safe_test\\.cpp:[0-9]+: value == 2");
}

TEST_F(FailSafeTest, WithoutAHookTheCheckAbortsWithSigabrt) {
  EXPECT_EXIT(
      {
        ASSERT_TRUE(FailSafe::Register("contactor-open", PrintContactorOpen, nullptr).ok());
        EVC_CHECK(FailSafe::action_count() == 0);
      },
      ::testing::KilledBySignal(SIGABRT), "\\[marker\\] contactor-open");
}

// A hook that returns by mistake still ends in abort().
void ReturningHook(ErrorCode, const char*) {
  fprintf(stderr, "[marker] hook returned\n");
}

TEST_F(FailSafeTest, AbortNeverReturnsEvenIfTheHookDoes) {
  EXPECT_EXIT(
      {
        FailSafe::SetAbortHook(ReturningHook);
        FailSafe::Abort(ErrorCode::kWatchdog, "test");
      },
      ::testing::KilledBySignal(SIGABRT), "\\[marker\\] hook returned");
}

}  // namespace
}  // namespace evc::safety
