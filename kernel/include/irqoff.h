/* Measuring how long interrupts stay off (CONFIG_IRQOFF_TRACE, a build for
 * the benchmark; compiled out otherwise). A stretch begins where the kernel
 * is entered (system call, interrupt, exception) and ends where interrupts
 * come back on (return to user mode, the idle halt, an interrupt window);
 * the longest one, in cycles (guest instructions under -icount), is kept
 * per CPU and reported by kdebug STATS. */
#ifndef IRQOFF_H
#define IRQOFF_H

#include "config.h"
#include "percpu.h"
#include "arch/cpu.h"

static inline void irqoff_begin(void)
{
    if (CONFIG_IRQOFF_TRACE)
        this_cpu()->irqoff_since = arch_cycles();
}

static inline void irqoff_end(void)
{
    if (CONFIG_IRQOFF_TRACE) {
        struct cpu *cpu = this_cpu();
        if (cpu->irqoff_since) {
            uint64_t d = arch_cycles() - cpu->irqoff_since;
            if (d > cpu->irqoff_longest)
                cpu->irqoff_longest = d;
            cpu->irqoff_since = 0;
        }
    }
}

#endif
