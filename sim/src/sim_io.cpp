#include "evc/sim/sim_io.hpp"

namespace evc::sim {

void SimIo::SetGunLock(bool locked) {
  lock_cmd_ = locked;
  lock_engaged_ = locked && gun_connected_ && !lock_fault_;
}

void SimIo::SetContactor(bool closed) {
  if (contactor_cmd_ && !closed) {
    last_open_ms_ = now_ms_;
  }
  contactor_cmd_ = closed;
  if (closed) {
    contacts_closed_ = !stuck_open_;
  } else if (!welded_) {
    contacts_closed_ = false;  // welded contacts stay where they are
  }
}

void SimIo::SetContactorStuckOpen(bool stuck) {
  stuck_open_ = stuck;
  if (stuck) {
    contacts_closed_ = false;
  }
}

void SimIo::Unplug() {
  gun_connected_ = false;
  lock_engaged_ = false;
}

void SimIo::PressEmergencyStop() {
  estop_pressed_ = true;
  if (estop_handler_ != nullptr) {
    estop_handler_->OnEmergencyStopEdge();  // the GPIO interrupt
  }
}

}  // namespace evc::sim
