#pragma once
// A classic CAN 2.0 frame as the core sees it (no CAN FD: TWAI on the ESP32 does not do FD).

#include <cstdint>
#include <cstring>

namespace evc::can {

constexpr uint32_t kMaxStandardId = 0x7FF;
constexpr uint32_t kMaxExtendedId = 0x1FFFFFFF;
constexpr uint8_t kMaxDataLength = 8;

struct Frame {
  uint32_t id = 0;        // 11-bit or 29-bit identifier
  bool extended = false;  // 29-bit identifier
  bool remote = false;    // remote transmission request (never used by our protocols)
  uint8_t dlc = 0;        // data length, 0..8
  uint8_t data[kMaxDataLength] = {};

  // Well-formed: id within its range, dlc 0..8.
  bool Valid() const {
    return dlc <= kMaxDataLength && id <= (extended ? kMaxExtendedId : kMaxStandardId);
  }
  static Frame Extended(uint32_t id, const uint8_t* bytes, uint8_t len) {
    Frame f;
    f.id = id;
    f.extended = true;
    f.dlc = len > kMaxDataLength ? kMaxDataLength : len;
    if (bytes != nullptr && f.dlc > 0) {
      memcpy(f.data, bytes, f.dlc);
    }
    return f;
  }
};

}  // namespace evc::can
