/* The processor controls core code may use: interrupt enable/disable, the
 * preemption window, idling, the cycle counter, backtraces. Nothing here
 * names a register or an instruction to the caller. */
#ifndef ARCH_CPU_PUBLIC_H
#define ARCH_CPU_PUBLIC_H

#include <stdint.h>

static inline void arch_irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void arch_irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }

/* Disables interrupts; returns whether they were on, for arch_irq_restore. */
static inline uint64_t arch_irq_save(void)
{
    uint64_t flags;
    __asm__ volatile("pushfq; popq %0; cli" : "=r"(flags)::"memory");
    return flags & (1u << 9);
}

static inline void arch_irq_restore(uint64_t were_on)
{
    if (were_on)
        arch_irq_enable();
}

/* A preemption point inside a long kernel operation (interrupts off):
 * lets pending interrupts be taken for one instruction, then turns them
 * off again. Interrupt handlers only record work (signals, wake-ups,
 * need-to-reschedule); the thread is never switched here. */
void arch_irq_window(void);

/* Enables interrupts and waits for one, atomically (no lost wake-up). */
static inline void arch_idle(void) { __asm__ volatile("sti; hlt" ::: "memory"); }
static inline void arch_relax(void) { __asm__ volatile("pause" ::: "memory"); }

/* The cycle counter (the TSC: under QEMU's -icount shift=0, an exact count
 * of guest instructions). */
static inline uint64_t arch_cycles(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* Prints the return addresses of the calling code's frames. */
void arch_backtrace_here(void);

#endif
