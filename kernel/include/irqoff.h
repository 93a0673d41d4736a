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

/* what: how the kernel was entered, for the log line of a new longest
 * stretch: IRQOFF_SYSCALL + number, IRQOFF_TRAP + vector, IRQOFF_WINDOW. */
#define IRQOFF_SYSCALL 0x000
#define IRQOFF_TRAP    0x100
#define IRQOFF_WINDOW  0x200

static inline void irqoff_begin(unsigned what)
{
    if (CONFIG_IRQOFF_TRACE) {
        struct cpu *cpu = this_cpu();
        cpu->irqoff_since = arch_cycles();
        cpu->irqoff_what = what;
    }
}

void irqoff_report(uint64_t cycles, unsigned what);

static inline void irqoff_end(void)
{
    if (CONFIG_IRQOFF_TRACE) {
        struct cpu *cpu = this_cpu();
        if (cpu->irqoff_since) {
            uint64_t d = arch_cycles() - cpu->irqoff_since;
            cpu->irqoff_since = 0;
            if (d > cpu->irqoff_longest) {
                cpu->irqoff_longest = d;
                irqoff_report(d, cpu->irqoff_what);
            }
        }
    }
}

/* Stops the current stretch without counting it (kdebug's own checks, a
 * test-only operation that walks everything). */
static inline void irqoff_forget(void)
{
    if (CONFIG_IRQOFF_TRACE)
        this_cpu()->irqoff_since = 0;
}

#endif
