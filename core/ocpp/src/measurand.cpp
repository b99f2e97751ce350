#include "evc/ocpp/measurand.hpp"

#include <cstring>

#include "evc/common/fixed_string.hpp"

namespace evc::ocpp {

namespace {

struct MeasurandInfo {
  std::string_view name;
  std::string_view unit;
};

// Indexed by Measurand.
constexpr MeasurandInfo kInfo[kMeasurandCount] = {
    {"Energy.Active.Import.Register", "Wh"},
    {"Power.Active.Import", "W"},
    {"Current.Import", "A"},
    {"Current.Offered", "A"},
    {"Voltage", "V"},
    {"SoC", "Percent"},
    {"Temperature", "Celsius"},
    {"Power.Offered", "W"},
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

std::string_view MeasurandName(Measurand m) {
  const auto i = static_cast<size_t>(m);
  return i < kMeasurandCount ? kInfo[i].name : std::string_view();
}

std::string_view MeasurandUnit(Measurand m) {
  const auto i = static_cast<size_t>(m);
  return i < kMeasurandCount ? kInfo[i].unit : std::string_view();
}

Result<Measurand> ParseMeasurand(std::string_view name) {
  for (size_t i = 0; i < kMeasurandCount; ++i) {
    if (EqualsIgnoreCase(name, kInfo[i].name)) {
      return static_cast<Measurand>(i);
    }
  }
  return Errc::kNotFound;
}

Result<size_t> ParseMeasurandList(std::string_view csl, Measurand* out, size_t cap) {
  if (Trim(csl).empty()) {
    return size_t{0};
  }
  size_t count = 0;
  bool seen[kMeasurandCount] = {};
  size_t pos = 0;
  while (true) {
    const size_t comma = csl.find(',', pos);
    const std::string_view item = Trim(
        csl.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
    if (item.empty()) {
      return Errc::kInvalidArgument;
    }
    const Result<Measurand> m = ParseMeasurand(item);
    if (!m.ok()) {
      return Errc::kInvalidArgument;
    }
    const auto idx = static_cast<size_t>(*m);
    if (seen[idx]) {
      return Errc::kAlreadyExists;
    }
    seen[idx] = true;
    if (count >= cap) {
      return Errc::kResourceExhausted;
    }
    out[count++] = *m;
    if (comma == std::string_view::npos) {
      break;
    }
    pos = comma + 1;
  }
  return count;
}

Result<size_t> FormatMeasurandList(const Measurand* items, size_t count, char* out, size_t cap) {
  if (cap == 0) {
    return Errc::kResourceExhausted;
  }
  size_t len = 0;
  for (size_t i = 0; i < count; ++i) {
    const std::string_view name = MeasurandName(items[i]);
    if (name.empty()) {
      return Errc::kInvalidArgument;
    }
    const size_t need = name.size() + (i > 0 ? 1 : 0);
    if (len + need + 1 > cap) {
      out[0] = '\0';
      return Errc::kResourceExhausted;
    }
    if (i > 0) {
      out[len++] = ',';
    }
    memcpy(out + len, name.data(), name.size());
    len += name.size();
  }
  out[len] = '\0';
  return len;
}

}  // namespace evc::ocpp
