/* What user mode needs from the CPU: the syscall MSRs, GS bases for
 * swapgs, SSE enabled, lazy FPU switching, and guarded user copies. */
#include "kernel.h"
#include "cpu.h"
#include "object.h"
#include "percpu.h"
#include "platform.h"

#define MSR_STAR   0xc0000081
#define MSR_LSTAR  0xc0000082
#define MSR_SFMASK 0xc0000084
#define EFER_SCE   1u
#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
/* Cleared on syscall entry: IF, TF, DF, AC, NT. */
#define SFMASK_BITS ((1u << 9) | (1u << 8) | (1u << 10) | (1u << 18) | (1u << 14))

extern char syscall_entry[];

static inline void write_cr0(uint64_t v) { __asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory"); }

void usermode_init(void)
{
    boot_cpu.self = &boot_cpu;
    boot_cpu.tss_rsp0 = tss_rsp0_slot();
    boot_cpu.cr3 = read_cr3();
    wrmsr(MSR_GS_BASE, (uint64_t)&boot_cpu);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    /* sysret: CS = 0x18 + 16 | 3 = 0x2b, SS = 0x18 + 8 | 3 = 0x23. */
    wrmsr(MSR_STAR, (0x18ull << 48) | (0x08ull << 32));
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    wrmsr(MSR_SFMASK, SFMASK_BITS);
    write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
    write_cr0((read_cr0() | CR0_MP | CR0_TS) & ~(uint64_t)CR0_EM);
    boot_cpu.fpu_trap = true;
}

/* Sets or clears CR0.TS (the caller tracks it in cpu->fpu_trap). */
void fpu_set_trap(bool trap)
{
    uint64_t cr0 = read_cr0();
    write_cr0(trap ? cr0 | CR0_TS : cr0 & ~(uint64_t)CR0_TS);
}

static const uint32_t default_mxcsr = 0x1f80;

/* Saves the owner's FPU state and loads the current thread's (or a clean
 * state on its first use). */
void fpu_handle_nm(void)
{
    struct cpu *cpu = this_cpu();
    struct thread *t = cpu->current;
    __asm__ volatile("clts");
    cpu->fpu_trap = false;
    if (cpu->fpu_owner == t)
        return;
    if (cpu->fpu_owner)
        __asm__ volatile("fxsave64 %0" : "=m"(cpu->fpu_owner->fpu_state));
    if (t->fpu_used) {
        __asm__ volatile("fxrstor64 %0" ::"m"(t->fpu_state));
    } else {
        __asm__ volatile("fninit; ldmxcsr %0" ::"m"(default_mxcsr));
        t->fpu_used = true;
    }
    cpu->fpu_owner = t;
}

extern int user_copy_asm(void *dst, const void *src, uint64_t len);

static bool user_range_ok(uint64_t addr, uint64_t len)
{
    return addr >= USER_BASE && addr <= USER_TOP && len <= USER_TOP - addr;
}

/* The copy runs with SMAP lifted (stac/clac) and an exception-table
 * fixup, so an unmapped or kernel-only page gives SYS_EFAULT. */
int user_copy_in(void *dst, uint64_t src, uint64_t len)
{
    if (!user_range_ok(src, len))
        return SYS_EFAULT;
    if (cpu_has_smap)
        __asm__ volatile("stac" ::: "memory");
    int rc = user_copy_asm(dst, (const void *)src, len);
    if (cpu_has_smap)
        __asm__ volatile("clac" ::: "memory");
    return rc ? SYS_EFAULT : SYS_OK;
}

int user_copy_out(uint64_t dst, const void *src, uint64_t len)
{
    if (!user_range_ok(dst, len))
        return SYS_EFAULT;
    if (cpu_has_smap)
        __asm__ volatile("stac" ::: "memory");
    int rc = user_copy_asm((void *)dst, src, len);
    if (cpu_has_smap)
        __asm__ volatile("clac" ::: "memory");
    return rc ? SYS_EFAULT : SYS_OK;
}
