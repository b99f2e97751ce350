// Bare-metal glue for the Cortex-M4 image: semihosting console and exit, the heap's break
// (_sbrk, bounded by the linker script) and malloc accounting for the peak-heap figure.
//
// Semihosting (Arm "Semihosting for AArch32 and AArch64", v2): on M-profile a BKPT 0xAB traps
// to the debugger (here QEMU, -semihosting-config enable=on,target=native) with the operation
// number in r0 and its argument in r1. newlib's librdimon uses the same mechanism for stdio;
// the scenario prints through SYS_WRITE0 so that no stdio buffer sits between a crash and the
// last line printed.

#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "platform.h"

#define EVC_SYS_WRITE0 0x04u
#define EVC_SYS_EXIT_EXTENDED 0x20u
#define EVC_ADP_STOPPED_APPLICATION_EXIT 0x20026u
// Longest line EvcPrintf prints in one piece (longer text is cut and ends with "...\n").
#define EVC_PRINT_BUFFER 256

static uint32_t Semihost(uint32_t op, const void* arg) {
  register uint32_t r0 __asm("r0") = op;
  register const void* r1 __asm("r1") = arg;
  __asm volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

void EvcPrintf(const char* fmt, ...) {
  char buf[EVC_PRINT_BUFFER];
  va_list args;
  va_start(args, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  if (n >= (int)sizeof buf) {
    // Mark the cut instead of hiding it.
    buf[sizeof buf - 5] = '.';
    buf[sizeof buf - 4] = '.';
    buf[sizeof buf - 3] = '.';
    buf[sizeof buf - 2] = '\n';
  }
  Semihost(EVC_SYS_WRITE0, buf);
}

void EvcSemihostExit(int code) {
  const uint32_t block[2] = {EVC_ADP_STOPPED_APPLICATION_EXIT, (uint32_t)code};
  Semihost(EVC_SYS_EXIT_EXTENDED, block);
  for (;;) {
  }
}

// The process's exit (newlib's exit() ends here after atexit handlers and stdio flushing).
// Defining it here rather than using librdimon's keeps the status exact: librdimon only uses
// SYS_EXIT_EXTENDED after probing the host's semihosting features.
void _exit(int code) {
  EvcSemihostExit(code);
}

// --- Heap ---------------------------------------------------------------------------------
extern char __heap_start__, __heap_end__;
extern uint32_t __stack_limit__, __stack_top__;
extern uint32_t __data_start__, __data_end__, __bss_start__, __bss_end__;

static char* heap_break = &__heap_start__;
static char* heap_break_peak = &__heap_start__;

// Replaces librdimon's weak _sbrk: grows only up to the end of the heap region of the linker
// script (never into the stack), and records the highest break.
void* _sbrk(ptrdiff_t increment) {
  char* prev = heap_break;
  if (increment > 0 && (size_t)increment > (size_t)(&__heap_end__ - heap_break)) {
    errno = ENOMEM;
    return (void*)-1;
  }
  if (increment < 0 && (size_t)(-increment) > (size_t)(heap_break - &__heap_start__)) {
    errno = EINVAL;
    return (void*)-1;
  }
  heap_break += increment;
  if (heap_break > heap_break_peak) {
    heap_break_peak = heap_break;
  }
  return prev;
}

// malloc/free/calloc/realloc are wrapped at link time (-Wl,--wrap=...), so every allocation
// made from C or C++ (operator new calls malloc) is counted here.
void* __real_malloc(size_t size);
void __real_free(void* ptr);
void* __real_calloc(size_t count, size_t size);
void* __real_realloc(void* ptr, size_t size);

static size_t live_bytes;
static size_t peak_bytes;
static uint32_t malloc_calls;
static uint32_t free_calls;

static void Count(void* p) {
  if (p == NULL) {
    return;
  }
  ++malloc_calls;
  live_bytes += malloc_usable_size(p);
  if (live_bytes > peak_bytes) {
    peak_bytes = live_bytes;
  }
}

static void Uncount(void* p) {
  if (p == NULL) {
    return;
  }
  ++free_calls;
  live_bytes -= malloc_usable_size(p);
}

void* __wrap_malloc(size_t size) {
  void* p = __real_malloc(size);
  Count(p);
  return p;
}

void __wrap_free(void* ptr) {
  Uncount(ptr);
  __real_free(ptr);
}

void* __wrap_calloc(size_t count, size_t size) {
  void* p = __real_calloc(count, size);
  Count(p);
  return p;
}

void* __wrap_realloc(void* ptr, size_t size) {
  const size_t old = ptr != NULL ? malloc_usable_size(ptr) : 0;
  void* p = __real_realloc(ptr, size);
  if (p == NULL) {
    return NULL;  // the old block is untouched
  }
  if (ptr != NULL) {
    live_bytes -= old;
    --malloc_calls;  // Count() below counts the same block again
  }
  Count(p);
  return p;
}

void EvcGetMemStats(struct EvcMemStats* out) {
  out->heap_region_bytes = (size_t)(&__heap_end__ - &__heap_start__);
  out->sbrk_peak_bytes = (size_t)(heap_break_peak - &__heap_start__);
  out->malloc_peak_bytes = peak_bytes;
  out->malloc_live_bytes = live_bytes;
  out->malloc_calls = malloc_calls;
  out->free_calls = free_calls;
  out->stack_region_bytes = (size_t)((char*)&__stack_top__ - (char*)&__stack_limit__);
  const uint32_t* p = &__stack_limit__;
  while (p < &__stack_top__ && *p == EVC_STACK_PAINT) {
    ++p;
  }
  out->stack_peak_bytes = (size_t)((const char*)&__stack_top__ - (const char*)p);
  out->data_bytes = (size_t)((char*)&__data_end__ - (char*)&__data_start__);
  out->bss_bytes = (size_t)((char*)&__bss_end__ - (char*)&__bss_start__);
}
