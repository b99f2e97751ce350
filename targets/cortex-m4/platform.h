// The bare-metal glue of the Cortex-M4 image: semihosting output and exit, heap and stack
// accounting. Implemented in syscalls.c; usable from C and C++.
#ifndef EVC_TARGETS_CORTEX_M4_PLATFORM_H_
#define EVC_TARGETS_CORTEX_M4_PLATFORM_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Word written over the unused stack at reset; the first word that differs is the high water.
#define EVC_STACK_PAINT 0xA5A5A5A5u
// Words left unpainted below the reset handler's own frame.
#define EVC_STACK_PAINT_MARGIN_WORDS 16

// Formats into a fixed buffer and writes it to the host's console (SYS_WRITE0).
void EvcPrintf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
// Ends the emulation with `code` as QEMU's exit status (SYS_EXIT_EXTENDED).
void EvcSemihostExit(int code) __attribute__((noreturn));

struct EvcMemStats {
  size_t heap_region_bytes;  // what the linker script leaves for the heap
  size_t sbrk_peak_bytes;    // how far the allocator ever moved the break
  size_t malloc_peak_bytes;  // largest sum of live allocations (usable sizes)
  size_t malloc_live_bytes;  // live allocations now
  uint32_t malloc_calls;
  uint32_t free_calls;
  size_t stack_region_bytes;
  size_t stack_peak_bytes;  // from the painted stack
  size_t data_bytes;
  size_t bss_bytes;
};
void EvcGetMemStats(struct EvcMemStats* out);

#ifdef __cplusplus
}
#endif

#endif  // EVC_TARGETS_CORTEX_M4_PLATFORM_H_
