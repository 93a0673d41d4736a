/* The thread switch, inline so the scheduler and the IPC fast paths share
 * one definition without a call between them. Only core/ includes this. */
#ifndef CORE_SWITCH_H
#define CORE_SWITCH_H

#include "kernel.h"
#include "cpu.h"
#include "layout.h"
#include "object.h"
#include "percpu.h"
#include "platform.h"

extern void switch_context(uint64_t *save_rsp, uint64_t load_rsp);
extern unsigned sched_nready;
extern struct thread *thread_stack_to_free;

/* Makes next the running thread. prev (the current thread) must already
 * be in its new state (ready and queued, blocked, dead). Touches CR3, CR0
 * and the timer only when they must change. */
static inline __attribute__((always_inline)) void switch_to(struct thread *next)
{
    struct cpu *cpu = this_cpu();
    struct thread *prev = cpu->current;
    next->state = T_RUNNING;
    if (next == prev)
        return;
    cpu->current = next;
    if (next->proc) {       /* user thread (the idle thread has none) */
        uint64_t top = (uint64_t)next->kstack + KERNEL_STACK_SIZE;
        cpu->kernel_rsp = top;
        cpu->tss_rsp0->v = top;
        uint64_t cr3 = next->proc->pml4;
        if (cpu->cr3 != cr3) {
            write_cr3(cr3);
            cpu->cr3 = cr3;
        }
        bool trap = cpu->fpu_owner != next;
        if (trap != cpu->fpu_trap) {
            fpu_set_trap(trap);
            cpu->fpu_trap = trap;
        }
        if (!ktimer_armed)
            ktimer_reprogram();
    }
    switch_context(&prev->saved_rsp, next->saved_rsp);
    if (unlikely(thread_stack_to_free != NULL))
        thread_reap();
}

/* True if some ready thread outranks priority (cheap when none is ready). */
static inline bool outranked(unsigned priority)
{
    return unlikely(sched_nready != 0) && sched_anything_above(priority);
}

#endif
