#include "evc/charging/connector_fsm.hpp"

namespace evc::charging {

namespace {
using S = ConnectorStatus;
using E = ConnectorEvent;

// Derived from the OCPP 1.6 status-transition table (§4.9 StatusNotification), restricted to the
// transitions this charger can produce. Faulted is reachable from everywhere; clearing a fault
// returns to Available (the controller re-evaluates plug state right after).
constexpr Transition kTable[] = {
    {S::kAvailable, E::kPlugIn, S::kPreparing},
    {S::kAvailable, E::kAuthorized, S::kPreparing},
    {S::kAvailable, E::kReserve, S::kReserved},
    {S::kAvailable, E::kMakeUnavailable, S::kUnavailable},
    {S::kAvailable, E::kFault, S::kFaulted},

    {S::kPreparing, E::kTransactionStarted, S::kCharging},
    {S::kPreparing, E::kEvSuspended, S::kSuspendedEV},
    {S::kPreparing, E::kEvseSuspended, S::kSuspendedEVSE},
    {S::kPreparing, E::kUnplug, S::kAvailable},
    {S::kPreparing, E::kAuthorizationTimeout, S::kAvailable},
    {S::kPreparing, E::kTransactionStopped, S::kFinishing},
    {S::kPreparing, E::kFault, S::kFaulted},

    {S::kCharging, E::kEvSuspended, S::kSuspendedEV},
    {S::kCharging, E::kEvseSuspended, S::kSuspendedEVSE},
    {S::kCharging, E::kTransactionStopped, S::kFinishing},
    {S::kCharging, E::kUnplug, S::kAvailable},
    {S::kCharging, E::kFault, S::kFaulted},

    {S::kSuspendedEV, E::kResumed, S::kCharging},
    {S::kSuspendedEV, E::kEvseSuspended, S::kSuspendedEVSE},
    {S::kSuspendedEV, E::kTransactionStopped, S::kFinishing},
    {S::kSuspendedEV, E::kUnplug, S::kAvailable},
    {S::kSuspendedEV, E::kFault, S::kFaulted},

    {S::kSuspendedEVSE, E::kResumed, S::kCharging},
    {S::kSuspendedEVSE, E::kEvSuspended, S::kSuspendedEV},
    {S::kSuspendedEVSE, E::kTransactionStopped, S::kFinishing},
    {S::kSuspendedEVSE, E::kUnplug, S::kAvailable},
    {S::kSuspendedEVSE, E::kFault, S::kFaulted},

    {S::kFinishing, E::kUnplug, S::kAvailable},
    {S::kFinishing, E::kFinishingTimeout, S::kAvailable},
    {S::kFinishing, E::kAuthorized, S::kPreparing},
    {S::kFinishing, E::kMakeUnavailable, S::kUnavailable},
    {S::kFinishing, E::kFault, S::kFaulted},

    {S::kReserved, E::kReservationEnded, S::kAvailable},
    {S::kReserved, E::kPlugIn, S::kPreparing},
    {S::kReserved, E::kAuthorized, S::kPreparing},
    {S::kReserved, E::kMakeUnavailable, S::kUnavailable},
    {S::kReserved, E::kFault, S::kFaulted},

    {S::kUnavailable, E::kMakeAvailable, S::kAvailable},
    {S::kUnavailable, E::kFault, S::kFaulted},

    {S::kFaulted, E::kFaultCleared, S::kAvailable},
    {S::kFaulted, E::kMakeUnavailable, S::kUnavailable},
};
}  // namespace

const char* ConnectorStatusName(ConnectorStatus s) {
  switch (s) {
    case S::kAvailable:
      return "Available";
    case S::kPreparing:
      return "Preparing";
    case S::kCharging:
      return "Charging";
    case S::kSuspendedEV:
      return "SuspendedEV";
    case S::kSuspendedEVSE:
      return "SuspendedEVSE";
    case S::kFinishing:
      return "Finishing";
    case S::kReserved:
      return "Reserved";
    case S::kUnavailable:
      return "Unavailable";
    case S::kFaulted:
      return "Faulted";
  }
  return "?";
}

const char* ConnectorEventName(ConnectorEvent e) {
  switch (e) {
    case E::kPlugIn:
      return "PlugIn";
    case E::kAuthorized:
      return "Authorized";
    case E::kTransactionStarted:
      return "TransactionStarted";
    case E::kEvSuspended:
      return "EvSuspended";
    case E::kEvseSuspended:
      return "EvseSuspended";
    case E::kResumed:
      return "Resumed";
    case E::kTransactionStopped:
      return "TransactionStopped";
    case E::kUnplug:
      return "Unplug";
    case E::kAuthorizationTimeout:
      return "AuthorizationTimeout";
    case E::kFinishingTimeout:
      return "FinishingTimeout";
    case E::kReserve:
      return "Reserve";
    case E::kReservationEnded:
      return "ReservationEnded";
    case E::kMakeUnavailable:
      return "MakeUnavailable";
    case E::kMakeAvailable:
      return "MakeAvailable";
    case E::kFault:
      return "Fault";
    case E::kFaultCleared:
      return "FaultCleared";
  }
  return "?";
}

const Transition* Transitions(size_t* count) {
  *count = sizeof(kTable) / sizeof(kTable[0]);
  return kTable;
}

bool NextStatus(ConnectorStatus from, ConnectorEvent event, ConnectorStatus* to) {
  for (const Transition& t : kTable) {
    if (t.from == from && t.event == event) {
      *to = t.to;
      return true;
    }
  }
  return false;
}

}  // namespace evc::charging
