/* FPU, SSE and wider vector state: restored lazily, saved and scrubbed
 * eagerly, so no thread's state is ever left in the registers while
 * another thread runs.
 *
 * Invariant: the registers hold either the clean initial state (CR0.TS
 * set, so the first FPU instruction traps: #NM) or the running thread's
 * own state (fpu_live, TS clear). On #NM the thread's saved state is
 * loaded (nothing is loaded on its very first use: the registers are
 * already clean). On a switch away from a thread whose state is live, the
 * state is saved (XSAVEOPT, or FXSAVE) and the registers are scrubbed back
 * to the clean state before the next thread runs. So lazy-FPU speculation
 * (LazyFP, CVE-2018-3665) finds no other thread's state to leak, a dead
 * thread's registers are scrubbed like any other's, and a thread that does
 * not touch the FPU between two switches costs the switch one test
 * (syscall.S's switch_core). A thread that does pays a trap, a restore, a
 * save and a scrub per time it runs. */
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

size_t arch_fpu_area_size(void)
{
    return area_size;
}

/* XSAVE only together with XSAVEOPT (a CPU model offering XSAVE alone was
 * seen to hang QEMU's TCG when OSXSAVE was set). Components: x87, SSE, and
 * AVX and AVX-512 where offered. Leaves the registers clean and CR0.TS set. */
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
    this_cpu()->arch.fpu_live = false;
    pr_info("fpu: %s, %zu bytes of state per thread; restored on use, saved and scrubbed at switches",
            use_xsave ? (xcr0 & XCR0_AVX512 ? "XSAVEOPT (x87, SSE, AVX, AVX-512)"
                         : xcr0 & XCR0_AVX ? "XSAVEOPT (x87, SSE, AVX)" : "XSAVEOPT (x87, SSE)")
                      : "FXSAVE (x87, SSE)",
            area_size);
}

/* #NM from user mode: the current thread uses the FPU for the first time
 * since it was switched in. The registers are clean; its own state (if it
 * has one) goes back in, and they are its own until the next switch. */
void fpu_trap_nm(void)
{
    struct thread *t = current_thread();
    __asm__ volatile("clts" ::: "memory");
    if (t->arch.fpu_saved)
        restore(t->arch.fpu_area);
    this_cpu()->arch.fpu_live = true;
}

/* Called by switch_core when the registers hold prev's state: saved (a
 * dead thread's is not worth saving), then scrubbed, and TS set again. */
void fpu_switch_out(struct thread *prev);
void fpu_switch_out(struct thread *prev)
{
    if (prev->state != T_DEAD) {
        save(prev->arch.fpu_area);
        prev->arch.fpu_saved = true;
    }
    restore(clean_area);
    write_cr0(read_cr0() | CR0_TS);
    this_cpu()->arch.fpu_live = false;
}
