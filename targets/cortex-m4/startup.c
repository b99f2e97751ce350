// Reset and exception entry for the Cortex-M4 image on QEMU's mps2-an386 (see mps2_an386.ld).
// The reset handler enables the FPU (the code is built for the hard-float ABI), copies .data
// from "flash", clears .bss, paints the stack so its high-water mark can be read afterwards,
// runs the C++ constructors and main(), and leaves through exit() so that main's return value
// becomes QEMU's exit status via semihosting.

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

extern uint32_t __data_start__, __data_end__, __data_load__;
extern uint32_t __bss_start__, __bss_end__;
extern uint32_t __stack_limit__, __stack_top__;

extern void __libc_init_array(void);
extern void initialise_monitor_handles(void);
extern int main(void);

// System Control Block registers used here (Armv7-M Architecture Reference Manual, B3.2).
#define EVC_SCB_CPACR (*(volatile uint32_t*)0xE000ED88u)
#define EVC_SCB_CFSR (*(volatile uint32_t*)0xE000ED28u)
#define EVC_SCB_HFSR (*(volatile uint32_t*)0xE000ED2Cu)
#define EVC_SCB_BFAR (*(volatile uint32_t*)0xE000ED38u)
// Full access to coprocessors 10 and 11 (the FPU).
#define EVC_CPACR_FPU_FULL (0xFu << 20)

// Exit status of the image when an exception that should never happen is taken.
#define EVC_EXIT_FAULT 3

void Reset_Handler(void) __attribute__((noreturn));
void Fault_Handler(void) __attribute__((noreturn));
void Default_Handler(void) __attribute__((noreturn));

void Reset_Handler(void) {
  EVC_SCB_CPACR |= EVC_CPACR_FPU_FULL;
  __asm volatile("dsb\n\tisb" ::: "memory");

  const uint32_t* src = &__data_load__;
  for (uint32_t* dst = &__data_start__; dst < &__data_end__;) {
    *dst++ = *src++;
  }
  for (uint32_t* dst = &__bss_start__; dst < &__bss_end__;) {
    *dst++ = 0;
  }
  // Paint the stack below the current frame; the frame itself is a few words at the top.
  uint32_t* sp;
  __asm volatile("mov %0, sp" : "=r"(sp));
  for (uint32_t* p = &__stack_limit__; p < sp - EVC_STACK_PAINT_MARGIN_WORDS; ++p) {
    *p = EVC_STACK_PAINT;
  }

  initialise_monitor_handles();
  __libc_init_array();
  exit(main());
}

void Fault_Handler(void) {
  EvcPrintf("FATAL: hard fault (CFSR=0x%08lx HFSR=0x%08lx BFAR=0x%08lx)\n",
            (unsigned long)EVC_SCB_CFSR, (unsigned long)EVC_SCB_HFSR, (unsigned long)EVC_SCB_BFAR);
  EvcSemihostExit(EVC_EXIT_FAULT);
}

void Default_Handler(void) {
  EvcPrintf("FATAL: unexpected exception\n");
  EvcSemihostExit(EVC_EXIT_FAULT);
}

// Armv7-M vector table: initial stack pointer, then the 15 system exceptions. The scenario
// uses no interrupt, so no external vectors follow (nothing enables one in the NVIC).
__attribute__((section(".isr_vector"), used)) void (*const evc_vector_table[16])(void) = {
    (void (*)(void))(&__stack_top__),
    Reset_Handler,
    Default_Handler,  // NMI
    Fault_Handler,    // HardFault
    Fault_Handler,    // MemManage
    Fault_Handler,    // BusFault
    Fault_Handler,    // UsageFault
    0,
    0,
    0,
    0,
    Default_Handler,  // SVCall
    Default_Handler,  // DebugMonitor
    0,
    Default_Handler,  // PendSV
    Default_Handler,  // SysTick
};
