#pragma once
// ISR-safe single-producer / single-consumer ring of CAN frames.
//
// Producer: the port's receive ISR or callback (exactly one context). Consumer: the control loop
// (exactly one context). No locks, no heap: the frames live in the object.
//
// Memory ordering: head_ is written only by the producer, tail_ only by the consumer. The producer
// fills the slot, then publishes it with a release store of head_; the consumer's acquire load
// of head_ makes the slot's bytes visible before it copies them. The consumer frees a slot with a
// release store of tail_, which the producer reads with acquire before overwriting that slot.
// The indices run freely (uint32_t wrap is fine because N divides 2^32) and are masked on use.
//
// Overflow policy: Push() never blocks and never overwrites unread frames. When the ring is full
// the NEW frame is dropped and overflow() is incremented (relaxed: it is a statistic, it orders
// nothing). Keeping the old frames keeps the order of what was received; the protocols above
// (polls every second, BMS frames every 10..250 ms) recover from a lost frame by the next one, and
// their timeouts never treat one missing frame as a fault.

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "evc/can/frame.hpp"

namespace evc::can {

template <size_t N>
class RxRing {
  static_assert(N >= 2, "RxRing needs at least two slots");
  static_assert((N & (N - 1)) == 0, "RxRing capacity must be a power of two");
  static_assert(N <= (size_t{1} << 31), "RxRing capacity too large for 32-bit indices");
  static_assert(std::atomic<uint32_t>::is_always_lock_free,
                "RxRing needs lock-free 32-bit atomics to be ISR-safe");

 public:
  static constexpr size_t kCapacity = N;

  // Producer side (ISR). Returns false when the frame was dropped because the ring is full.
  bool Push(const Frame& frame) {
    const uint32_t head = head_.load(std::memory_order_relaxed);  // only we write it
    const uint32_t tail = tail_.load(std::memory_order_acquire);
    if (static_cast<uint32_t>(head - tail) >= N) {
      overflow_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    slots_[head & kMask] = frame;
    head_.store(head + 1, std::memory_order_release);
    pushed_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  // Consumer side (control loop). Returns false when empty.
  bool Pop(Frame* out) {
    const uint32_t tail = tail_.load(std::memory_order_relaxed);  // only we write it
    const uint32_t head = head_.load(std::memory_order_acquire);
    if (head == tail) {
      return false;
    }
    *out = slots_[tail & kMask];
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }

  // Either side; a snapshot that may be stale by the time it is used.
  size_t Size() const {
    const uint32_t tail = tail_.load(std::memory_order_acquire);
    const uint32_t head = head_.load(std::memory_order_acquire);
    return static_cast<uint32_t>(head - tail);
  }
  bool Empty() const { return Size() == 0; }
  bool Full() const { return Size() >= N; }

  // Frames accepted by Push() / dropped because full, since construction (wrap at 2^32).
  uint32_t pushed() const { return pushed_.load(std::memory_order_relaxed); }
  uint32_t overflow() const { return overflow_.load(std::memory_order_relaxed); }

 private:
  static constexpr uint32_t kMask = static_cast<uint32_t>(N - 1);
  Frame slots_[N];
  // Separate cache lines would matter on a multi-core host under load; the ESP32's ISR and loop
  // share little traffic, so the simple layout is kept.
  std::atomic<uint32_t> head_{0};
  std::atomic<uint32_t> tail_{0};
  std::atomic<uint32_t> pushed_{0};
  std::atomic<uint32_t> overflow_{0};
};

}  // namespace evc::can
