#include "evc/common/status.hpp"

namespace evc {

const char* ErrcName(Errc e) {
  switch (e) {
    case Errc::kOk:
      return "Ok";
    case Errc::kInvalidArgument:
      return "InvalidArgument";
    case Errc::kOutOfRange:
      return "OutOfRange";
    case Errc::kNotFound:
      return "NotFound";
    case Errc::kAlreadyExists:
      return "AlreadyExists";
    case Errc::kResourceExhausted:
      return "ResourceExhausted";
    case Errc::kBusy:
      return "Busy";
    case Errc::kUnavailable:
      return "Unavailable";
    case Errc::kDataLoss:
      return "DataLoss";
    case Errc::kIo:
      return "Io";
    case Errc::kFailedPrecondition:
      return "FailedPrecondition";
    case Errc::kTimeout:
      return "Timeout";
    case Errc::kInternal:
      return "Internal";
  }
  return "Unknown";
}

}  // namespace evc
