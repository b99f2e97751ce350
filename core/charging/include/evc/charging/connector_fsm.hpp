#pragma once
// The connector state machine over every OCPP 1.6 ChargePointStatus. The allowed transitions live
// in one table (connector_fsm.cpp), each labelled with the event that causes it, so that a test
// can walk the table one row at a time.

#include <cstddef>
#include <cstdint>

namespace evc::charging {

enum class ConnectorStatus : uint8_t {
  kAvailable,
  kPreparing,
  kCharging,
  kSuspendedEV,
  kSuspendedEVSE,
  kFinishing,
  kReserved,
  kUnavailable,
  kFaulted,
};
constexpr size_t kConnectorStatusCount = 9;
const char* ConnectorStatusName(ConnectorStatus s);

enum class ConnectorEvent : uint8_t {
  kPlugIn,                // EV cable connected
  kAuthorized,            // a user / remote start authorised a session (before plug-in)
  kTransactionStarted,    // energy may flow; EV wants energy
  kEvSuspended,           // EV stopped drawing (e.g. battery full), transaction running
  kEvseSuspended,         // charger withholds energy (limits, not permitted), transaction running
  kResumed,               // energy flowing again
  kTransactionStopped,    // transaction ended, cable still connected
  kUnplug,                // EV cable removed
  kAuthorizationTimeout,  // ConnectionTimeOut / no plug-in: session abandoned
  kFinishingTimeout,      // Finishing held too long with no new session
  kReserve,
  kReservationEnded,
  kMakeUnavailable,
  kMakeAvailable,
  kFault,
  kFaultCleared,
};
const char* ConnectorEventName(ConnectorEvent e);

struct Transition {
  ConnectorStatus from;
  ConnectorEvent event;
  ConnectorStatus to;
};

// The full table of allowed transitions.
const Transition* Transitions(size_t* count);

// Looks up the next status; returns false (status unchanged) when the transition is not allowed.
bool NextStatus(ConnectorStatus from, ConnectorEvent event, ConnectorStatus* to);

}  // namespace evc::charging
