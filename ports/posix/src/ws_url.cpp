#include "evc/posix/ws_url.hpp"

namespace evc::posix {

namespace {

constexpr uint32_t kMaxPort = 65535;

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool IsUnreserved(char c) {
  return IsAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

// RFC 3986 pchar without '%'-escapes being decoded (they are passed through as written) plus '/'.
bool IsPathChar(char c) {
  if (IsUnreserved(c)) {
    return true;
  }
  switch (c) {
    case '/':
    case '%':
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
    case ':':
    case '@':
      return true;
    default:
      return false;
  }
}

Status Invalid(std::string* error, const std::string& why) {
  if (error != nullptr) {
    *error = why;
  }
  return Errc::kInvalidArgument;
}

}  // namespace

bool IsValidChargePointId(std::string_view id) {
  if (id.empty() || id.size() > kMaxChargePointIdLength) {
    return false;
  }
  for (char c : id) {
    if (!IsUnreserved(c)) {
      return false;
    }
  }
  return true;
}

Status ParseWsUrl(std::string_view url, WsUrl* out, std::string* error) {
  if (url.size() > kMaxUrlLength) {
    return Invalid(error, "URL longer than " + std::to_string(kMaxUrlLength) + " characters");
  }
  WsUrl r;
  std::string_view rest;
  constexpr std::string_view kWs = "ws://";
  constexpr std::string_view kWss = "wss://";
  if (url.substr(0, kWss.size()) == kWss) {
    r.tls = true;
    rest = url.substr(kWss.size());
  } else if (url.substr(0, kWs.size()) == kWs) {
    rest = url.substr(kWs.size());
  } else {
    return Invalid(error, "URL must start with ws:// or wss://");
  }
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) {
    return Invalid(error, "URL has no path (expected ws[s]://host[:port]/path)");
  }
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return Invalid(error, "URL must not contain user information ('@')");
  }
  if (!authority.empty() && authority.front() == '[') {
    return Invalid(error, "IPv6 address literals are not supported; use a host name");
  }
  std::string_view host = authority;
  r.port = r.tls ? kDefaultWssPort : kDefaultWsPort;
  const size_t colon = authority.find(':');
  if (colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    std::string_view port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5) {
      return Invalid(error, "URL port must be a number 1..65535");
    }
    uint32_t value = 0;
    for (char c : port) {
      if (c < '0' || c > '9') {
        return Invalid(error, "URL port must be a number 1..65535");
      }
      value = value * 10 + static_cast<uint32_t>(c - '0');
    }
    if (value == 0 || value > kMaxPort) {
      return Invalid(error, "URL port must be a number 1..65535");
    }
    r.port = static_cast<uint16_t>(value);
  }
  if (host.empty() || host.size() > kMaxHostLength) {
    return Invalid(error, "URL host is empty or too long");
  }
  for (char c : host) {
    if (!IsAlnum(c) && c != '-' && c != '.') {
      return Invalid(error, "URL host may contain only letters, digits, '-' and '.'");
    }
  }
  if (host.front() == '.' || host.front() == '-' || host.back() == '-' ||
      host.find("..") != std::string_view::npos) {
    return Invalid(error, "URL host is not a valid host name");
  }
  for (char c : path) {
    if (c == '?' || c == '#') {
      return Invalid(error, "URL must not contain a query or fragment ('?', '#')");
    }
    if (!IsPathChar(c)) {
      return Invalid(error, "URL path contains a character that needs percent-encoding");
    }
  }
  r.host.assign(host.data(), host.size());
  r.path.assign(path.data(), path.size());
  if (out != nullptr) {
    *out = std::move(r);
  }
  return OkStatus();
}

}  // namespace evc::posix
