/* What user mode needs from the CPU: the syscall MSRs, GS bases for
 * swapgs, SSE enabled (fpu.c switches the state), guarded user copies,
 * and the C ends of syscall.S (exit work, interrupt windows, tracing). */
#include "kernel.h"
#include "cpu.h"
#include "irqoff.h"
#include "percpu.h"
#include "platform.h"
#include "sched.h"
#include "segments.h"
#include "trap.h"
#include "uaccess.h"
#include "arch/cpu.h"
#include "arch/regs.h"

#define MSR_STAR   0xc0000081
#define MSR_LSTAR  0xc0000082
#define MSR_SFMASK 0xc0000084
#define EFER_SCE   1u
#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
/* Cleared on syscall entry: IF, TF, DF, AC, NT. */
#define SFMASK_BITS ((1u << 9) | (1u << 8) | (1u << 10) | (1u << 18) | (1u << 14))

extern char syscall_entry[];

static inline void write_cr0(uint64_t v) { __asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory"); }

void usermode_init(void)
{
    boot_cpu.arch.self = &boot_cpu;
    boot_cpu.arch.tss_rsp0 = tss_rsp0_slot();
    boot_cpu.arch.cr3 = read_cr3();
    wrmsr(MSR_GS_BASE, (uint64_t)&boot_cpu);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    /* sysret: CS = GDT_UCODE32 + 16 | 3 (USER_CS), SS = GDT_UCODE32 + 8 | 3 (USER_SS). */
    wrmsr(MSR_STAR, ((uint64_t)GDT_UCODE32 << 48) | ((uint64_t)GDT_KCODE << 32));
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    wrmsr(MSR_SFMASK, SFMASK_BITS);
    write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
    write_cr0((read_cr0() | CR0_MP) & ~(uint64_t)CR0_EM);
    fpu_init();
}

extern int user_copy_asm(void *dst, const void *src, uint64_t len);

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

void arch_irq_window(void)
{
    irqoff_end();
    __asm__ volatile("sti; nop; cli" ::: "memory");
    irqoff_begin(IRQOFF_WINDOW);
}

/* A new longest interrupts-off stretch (CONFIG_IRQOFF_TRACE builds). */
void irqoff_report(uint64_t cycles, unsigned what)
{
    if (what >= IRQOFF_WINDOW)
        pr_info("irqoff: new longest stretch %llu cycles, after an interrupt window", (unsigned long long)cycles);
    else if (what >= IRQOFF_TRAP)
        pr_info("irqoff: new longest stretch %llu cycles, entered by vector %u", (unsigned long long)cycles,
                what - IRQOFF_TRAP);
    else
        pr_info("irqoff: new longest stretch %llu cycles, entered by system call %u", (unsigned long long)cycles,
                what - IRQOFF_SYSCALL);
}

void arch_backtrace_here(void)
{
    print_backtrace(read_rbp());
}

/* syscall.S's exit when exit_work is set (and every exit when tracing). */
void kernel_exit_c(void);
void kernel_exit_c(void)
{
    if (this_cpu()->exit_work)
        kernel_exit_work();
    irqoff_end();
}

void irqoff_end_c(void);
void irqoff_end_c(void)
{
    irqoff_end();
}

typedef long (*syscall_fn)(struct trap_frame *f);
extern const syscall_fn syscall_table[];

/* The dispatch when interrupts-off stretches are traced. */
long syscall_traced(struct trap_frame *f, uint64_t nr);
long syscall_traced(struct trap_frame *f, uint64_t nr)
{
    irqoff_begin(IRQOFF_SYSCALL + (unsigned)nr);
    return syscall_table[nr](f);
}
