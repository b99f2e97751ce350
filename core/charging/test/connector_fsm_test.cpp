#include "evc/charging/connector_fsm.hpp"

#include <gtest/gtest.h>

#include <set>
#include <utility>

namespace evc::charging {
namespace {

constexpr size_t kEventCount = 16;

TEST(ConnectorFsm, EveryTableRowIsReachableThroughNextStatus) {
  size_t n = 0;
  const Transition* t = Transitions(&n);
  ASSERT_GT(n, 30u);
  for (size_t i = 0; i < n; ++i) {
    ConnectorStatus to;
    ASSERT_TRUE(NextStatus(t[i].from, t[i].event, &to))
        << ConnectorStatusName(t[i].from) << " + " << ConnectorEventName(t[i].event);
    EXPECT_EQ(t[i].to, to);
  }
}

TEST(ConnectorFsm, TableHasNoDuplicateKeys) {
  size_t n = 0;
  const Transition* t = Transitions(&n);
  std::set<std::pair<int, int>> keys;
  for (size_t i = 0; i < n; ++i) {
    EXPECT_TRUE(keys.insert({static_cast<int>(t[i].from), static_cast<int>(t[i].event)}).second);
  }
}

TEST(ConnectorFsm, EverythingOutsideTheTableIsForbidden) {
  size_t n = 0;
  const Transition* t = Transitions(&n);
  std::set<std::pair<int, int>> allowed;
  for (size_t i = 0; i < n; ++i) {
    allowed.insert({static_cast<int>(t[i].from), static_cast<int>(t[i].event)});
  }
  size_t forbidden = 0;
  for (size_t s = 0; s < kConnectorStatusCount; ++s) {
    for (size_t e = 0; e < kEventCount; ++e) {
      if (allowed.count({static_cast<int>(s), static_cast<int>(e)}))
        continue;
      ConnectorStatus to = ConnectorStatus::kReserved;
      EXPECT_FALSE(NextStatus(static_cast<ConnectorStatus>(s), static_cast<ConnectorEvent>(e), &to))
          << ConnectorStatusName(static_cast<ConnectorStatus>(s)) << " + "
          << ConnectorEventName(static_cast<ConnectorEvent>(e));
      EXPECT_EQ(ConnectorStatus::kReserved, to);  // untouched
      ++forbidden;
    }
  }
  EXPECT_GT(forbidden, 80u);
}

TEST(ConnectorFsm, FaultReachableFromEveryOperationalState) {
  for (ConnectorStatus s :
       {ConnectorStatus::kAvailable, ConnectorStatus::kPreparing, ConnectorStatus::kCharging,
        ConnectorStatus::kSuspendedEV, ConnectorStatus::kSuspendedEVSE, ConnectorStatus::kFinishing,
        ConnectorStatus::kReserved, ConnectorStatus::kUnavailable}) {
    ConnectorStatus to;
    ASSERT_TRUE(NextStatus(s, ConnectorEvent::kFault, &to)) << ConnectorStatusName(s);
    EXPECT_EQ(ConnectorStatus::kFaulted, to);
  }
}

TEST(ConnectorFsm, SpecificForbiddenTransitions) {
  ConnectorStatus to;
  EXPECT_FALSE(NextStatus(ConnectorStatus::kAvailable, ConnectorEvent::kTransactionStarted, &to));
  EXPECT_FALSE(NextStatus(ConnectorStatus::kUnavailable, ConnectorEvent::kPlugIn, &to));
  EXPECT_FALSE(NextStatus(ConnectorStatus::kFaulted, ConnectorEvent::kTransactionStarted, &to));
  EXPECT_FALSE(NextStatus(ConnectorStatus::kFinishing, ConnectorEvent::kTransactionStarted, &to));
}

}  // namespace
}  // namespace evc::charging
