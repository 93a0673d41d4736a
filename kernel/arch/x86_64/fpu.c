/* FPU, SSE and wider vector state: switched eagerly, and only for threads
 * that use it.
 *
 * Invariant: the registers hold either the running thread's state (if it
 * has used the FPU) or the clean initial state, never another thread's.
 * So a thread that has never used the FPU (CR0.TS set: its first use
 * traps, #NM) finds clean registers on first use and needs nothing loaded;
 * a switch away from an FPU user saves its state (XSAVEOPT, or FXSAVE) and
 * either loads the next FPU user's state or scrubs the registers back to
 * the clean state. No state of another thread is ever left in the
 * registers, so lazy-FPU speculation (LazyFP, CVE-2018-3665) finds nothing
 * to leak, and a dead thread's registers are scrubbed like any other's.
 * Threads that never touch the FPU cost the switch one test (syscall.S). */
#include "kernel.h"
#include "cpu.h"
#include "percpu.h"
#include "platform.h"
#include "arch/thread.h"
#include "obj/thread.h"

#define CR0_TS (1u << 3)
#define CR4_OSXSAVE (1u << 18)
#define XCR0_X87 1ull
#define XCR0_SSE 2ull
#define XCR0_AVX 4ull
#define XCR0_AVX512 0xe0ull     /* opmask, ZMM_Hi256, Hi16_ZMM */
#define CLEAN_AREA_MAX 4096

static bool use_xsave;
static uint64_t xcr0;
static size_t area_size = 512;
/* The clean state: default control words, everything else zero (for
 * XSAVE, an empty XSTATE_BV: every component in its initial state). */
static uint8_t clean_area[CLEAN_AREA_MAX] __attribute__((aligned(64)));

static inline void write_cr0(uint64_t v) { __asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory"); }

static inline void xsetbv(uint32_t reg, uint64_t v)
{
    __asm__ volatile("xsetbv" ::"c"(reg), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static void save(void *area)
{
    if (use_xsave)
        __asm__ volatile("xsaveopt64 (%0)" ::"r"(area), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32))
                         : "memory");
    else
        __asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory");
}

static void restore(const void *area)
{
    if (use_xsave)
        __asm__ volatile("xrstor64 (%0)" ::"r"(area), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32))
                         : "memory");
    else
        __asm__ volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
}

static void set_trap(bool trap)
{
    struct arch_cpu *c = &this_cpu()->arch;
    if (c->fpu_trap != trap) {
        uint64_t cr0 = read_cr0();
        write_cr0(trap ? cr0 | CR0_TS : cr0 & ~(uint64_t)CR0_TS);
        c->fpu_trap = trap;
    }
}

size_t arch_fpu_area_size(void)
{
    return area_size;
}

/* XSAVE only together with XSAVEOPT (a CPU model offering XSAVE alone was
 * seen to hang QEMU's TCG when OSXSAVE was set). Components: x87, SSE, and
 * AVX and AVX-512 where offered. Leaves the registers clean and CR0.TS set
 * (the boot thread does not use the FPU). */
void fpu_init(void)
{
    bool xsave = cpuid(1, 0).ecx & (1u << 26);
    if (xsave && cpuid(0, 0).eax >= 0xd && (cpuid(0xd, 1).eax & 1)) {
        struct cpuid_regs d = cpuid(0xd, 0);
        uint64_t supported = ((uint64_t)d.edx << 32) | d.eax;
        xcr0 = XCR0_X87 | XCR0_SSE;
        if (supported & XCR0_AVX)
            xcr0 |= XCR0_AVX;
        if ((xcr0 & XCR0_AVX) && (supported & XCR0_AVX512) == XCR0_AVX512)
            xcr0 |= XCR0_AVX512;
        write_cr4(read_cr4() | CR4_OSXSAVE);
        xsetbv(0, xcr0);
        size_t size = cpuid(0xd, 0).ebx;       /* for the components now enabled */
        if (size >= 576 && size <= CLEAN_AREA_MAX) {
            use_xsave = true;
            area_size = size;
        }
    }
    /* Legacy region: FCW 0x037f (offset 0), MXCSR 0x1f80 (offset 24). */
    clean_area[0] = 0x7f;
    clean_area[1] = 0x03;
    clean_area[24] = 0x80;
    clean_area[25] = 0x1f;
    write_cr0(read_cr0() & ~(uint64_t)CR0_TS);
    restore(clean_area);
    write_cr0(read_cr0() | CR0_TS);
    this_cpu()->arch.fpu_trap = true;
    pr_info("fpu: %s, %zu bytes of state per thread, switched eagerly for threads that use it",
            use_xsave ? (xcr0 & XCR0_AVX512 ? "XSAVEOPT (x87, SSE, AVX, AVX-512)"
                         : xcr0 & XCR0_AVX ? "XSAVEOPT (x87, SSE, AVX)" : "XSAVEOPT (x87, SSE)")
                      : "FXSAVE (x87, SSE)",
            area_size);
}

/* #NM from user mode: the current thread's first FPU use. The registers
 * are clean (the invariant); from now on they are its own. */
void fpu_first_use(void)
{
    struct thread *t = current_thread();
    t->arch.fpu_used = true;
    set_trap(false);
}

/* Called by switch_core when prev or next uses the FPU. */
void fpu_switch(struct thread *prev, struct thread *next);
void fpu_switch(struct thread *prev, struct thread *next)
{
    if (prev->arch.fpu_used)
        save(prev->arch.fpu_area);      /* CR0.TS is clear while an FPU user runs */
    if (next->arch.fpu_used) {
        set_trap(false);
        restore(next->arch.fpu_area);
    } else {
        restore(clean_area);
        set_trap(true);
    }
}
