#pragma once
// Strict parser for the CSMS WebSocket URL: ws://host[:port]/path or wss://host[:port]/path.

#include <cstdint>
#include <string>
#include <string_view>

#include "evc/common/status.hpp"

namespace evc::posix {

constexpr size_t kMaxUrlLength = 512;
constexpr size_t kMaxHostLength = 253;  // longest DNS name
constexpr uint16_t kDefaultWsPort = 80;
constexpr uint16_t kDefaultWssPort = 443;

struct WsUrl {
  bool tls = false;   // wss://
  std::string host;   // DNS name or dotted IPv4 address
  uint16_t port = 0;  // explicit or the scheme's default
  std::string path;   // starts with '/'
};

// Accepts only what a charger needs: scheme ws or wss (lower case), a host name of
// [A-Za-z0-9.-] or an IPv4 address, an optional port 1..65535, and an absolute path of
// RFC 3986 path characters (no '?', '#', user info, IPv6 literals or spaces).
// kInvalidArgument with a human-readable reason in *error (if non-null) otherwise.
Status ParseWsUrl(std::string_view url, WsUrl* out, std::string* error);

// Charge point identity as used in the URL path and as the Basic Auth user name: 1..48
// characters of the RFC 3986 "unreserved" set [A-Za-z0-9._~-] (so it needs no percent-encoding
// and contains no ':'). 48 is the identity limit of OCPP 2.0.1 and of common CSMSs.
constexpr size_t kMaxChargePointIdLength = 48;
bool IsValidChargePointId(std::string_view id);

}  // namespace evc::posix
