#include "evc/ocpp/transport.hpp"

namespace evc::ocpp {

const char* CloseReasonName(CloseReason r) {
  switch (r) {
    case CloseReason::kNone:
      return "None";
    case CloseReason::kConnectFailed:
      return "ConnectFailed";
    case CloseReason::kTlsFailure:
      return "TlsFailure";
    case CloseReason::kHandshakeRejected:
      return "HandshakeRejected";
    case CloseReason::kSubprotocolMismatch:
      return "SubprotocolMismatch";
    case CloseReason::kPeerClosed:
      return "PeerClosed";
    case CloseReason::kPingTimeout:
      return "PingTimeout";
    case CloseReason::kLocalClose:
      return "LocalClose";
    case CloseReason::kProtocolError:
      return "ProtocolError";
  }
  return "Unknown";
}

}  // namespace evc::ocpp
