/* Per-CPU state. Only the boot CPU exists today; everything CPU-local lives
 * here so SMP can add one per CPU. The architecture's fields come first
 * (arch/percpu.h); the rest is read by assembly through asm-offsets. */
#ifndef PERCPU_H
#define PERCPU_H

#include <stdint.h>
#include "arch/percpu.h"

struct thread;

struct cpu {
    struct arch_cpu arch;
    struct thread *current;
    struct thread *idle;
    uint32_t id;
    uint32_t exit_work;         /* EXIT_* (sched.h): work before returning to user mode */
    uint64_t irqoff_longest;    /* longest interrupts-off stretch seen, cycles (CONFIG_IRQOFF_TRACE) */
    uint64_t irqoff_since;      /* cycle count when interrupts went off (CONFIG_IRQOFF_TRACE) */
    uint32_t irqoff_what;       /* how the kernel was entered then (irqoff.h) */
};

extern struct cpu boot_cpu;

static inline struct cpu *this_cpu(void)
{
    return arch_this_cpu();
}

static inline struct thread *current_thread(void)
{
    return (struct thread *)arch_percpu_read64(__builtin_offsetof(struct cpu, current));
}

#endif
