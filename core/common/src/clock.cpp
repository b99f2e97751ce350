#include "evc/common/clock.hpp"

#include "evc/common/timing.hpp"

namespace evc {

bool TimeKeeper::Known() const {
  if (synced_) {
    return true;
  }
  int64_t platform = 0;
  return clock_.PlatformUtcMs(&platform) && platform >= kEarliestValidUtcMs;
}

int64_t TimeKeeper::UtcAt(uint64_t monotonic_ms) const {
  if (synced_) {
    return static_cast<int64_t>(monotonic_ms) + offset_ms_;
  }
  int64_t platform = 0;
  if (clock_.PlatformUtcMs(&platform)) {
    return platform - static_cast<int64_t>(clock_.MonotonicMs() - monotonic_ms);
  }
  return 0;
}

int64_t TimeKeeper::NowUtcMs() const {
  return UtcAt(clock_.MonotonicMs());
}

void TimeKeeper::SetUtcMs(int64_t utc_ms) {
  offset_ms_ = utc_ms - static_cast<int64_t>(clock_.MonotonicMs());
  synced_ = true;
}

namespace {

// Days since 1970-01-01 for a civil date (proleptic Gregorian); H. Hinnant's well-known algorithm.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2 ? 1 : 0);
}

bool Digits(std::string_view s, size_t pos, size_t n, unsigned* out) {
  if (pos + n > s.size()) {
    return false;
  }
  unsigned v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') {
      return false;
    }
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  *out = v;
  return true;
}

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

}  // namespace

size_t FormatIso8601(int64_t utc_ms, char* out, size_t cap) {
  if (cap < kIso8601BufferSize) {
    if (cap > 0) {
      out[0] = '\0';
    }
    return 0;
  }
  int64_t secs = utc_ms / timing::kMsPerSecond;
  int64_t ms = utc_ms % timing::kMsPerSecond;
  if (ms < 0) {
    ms += timing::kMsPerSecond;
    secs -= 1;
  }
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    days -= 1;
  }
  int64_t y = 0;
  unsigned m = 0;
  unsigned d = 0;
  CivilFromDays(days, &y, &m, &d);
  if (y < 0 || y > 9999) {
    out[0] = '\0';  // not representable as YYYY
    return 0;
  }
  // Digits by hand: this runs for every timestamp sent, and printf costs ~3,000 instructions.
  auto put = [out](size_t at, unsigned value, size_t width) {
    for (size_t i = width; i > 0; --i) {
      out[at + i - 1] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
  };
  put(0, static_cast<unsigned>(y), 4);
  out[4] = '-';
  put(5, m, 2);
  out[7] = '-';
  put(8, d, 2);
  out[10] = 'T';
  put(11, static_cast<unsigned>(rem / 3600), 2);
  out[13] = ':';
  put(14, static_cast<unsigned>((rem / 60) % 60), 2);
  out[16] = ':';
  put(17, static_cast<unsigned>(rem % 60), 2);
  out[19] = '.';
  put(20, static_cast<unsigned>(ms), 3);
  out[23] = 'Z';
  out[24] = '\0';
  return 24;
}

Result<int64_t> ParseIso8601(std::string_view s) {
  unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (!Digits(s, 0, 4, &y) || s.size() < 19 || s[4] != '-' || !Digits(s, 5, 2, &mo) ||
      s[7] != '-' || !Digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
      !Digits(s, 11, 2, &h) || s[13] != ':' || !Digits(s, 14, 2, &mi) || s[16] != ':' ||
      !Digits(s, 17, 2, &se)) {
    return Errc::kInvalidArgument;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo) || h > 23 || mi > 59 || se > 60) {
    return Errc::kOutOfRange;
  }
  size_t pos = 19;
  unsigned ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    unsigned scale = 100;
    size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      ms += static_cast<unsigned>(s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
      ++digits;
    }
    if (digits == 0) {
      return Errc::kInvalidArgument;
    }
  }
  int64_t offset_min = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int sign = s[pos] == '-' ? -1 : 1;
    unsigned oh = 0, om = 0;
    if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return Errc::kInvalidArgument;
    }
    offset_min = sign * static_cast<int64_t>(oh * 60 + om);
    pos += 6;
  } else {
    return Errc::kInvalidArgument;  // a time without zone is ambiguous; OCPP wants UTC
  }
  if (pos != s.size()) {
    return Errc::kInvalidArgument;
  }
  const int64_t days = DaysFromCivil(y, mo, d);
  const int64_t secs = days * 86400 + h * 3600 + mi * 60 + (se > 59 ? 59 : se) - offset_min * 60;
  return secs * timing::kMsPerSecond + ms;
}

}  // namespace evc
