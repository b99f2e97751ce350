#include "evc/can/can_bus.hpp"

namespace evc::can {

const char* BusStateName(BusState state) {
  switch (state) {
    case BusState::kErrorActive:
      return "error-active";
    case BusState::kErrorWarning:
      return "error-warning";
    case BusState::kErrorPassive:
      return "error-passive";
    case BusState::kBusOff:
      return "bus-off";
    case BusState::kStopped:
      return "stopped";
    case BusState::kRecovering:
      return "recovering";
  }
  return "unknown";
}

const char* ChannelName(Channel channel) {
  switch (channel) {
    case Channel::kPowerModule:
      return "power-module";
    case Channel::kVehicle:
      return "vehicle";
  }
  return "unknown";
}

}  // namespace evc::can
