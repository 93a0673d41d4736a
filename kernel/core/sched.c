/* The scheduler (see sched.h). A bitmap of non-empty ready queues makes
 * picking the next thread O(1). */
#include "kernel.h"
#include "ktimer.h"
#include "object.h"
#include "percpu.h"
#include "runqueue.h"
#include "sched.h"
#include "time.h"
#include "arch/cpu.h"
#include "arch/thread.h"
#include "obj/thread.h"

#define QLINK offsetof(struct thread, qlink)

_Static_assert(SYS_PRIO_MAX < RQ_NPRIO, "a ready queue per priority");

struct cpu boot_cpu;
/* The ready queues; syscall.S's notification fast path enqueues and
 * dequeues here directly (as rq_enqueue and rq_remove of the head do),
 * keeping count and sched_nready in step. */
struct rq_set sched_ready = RQ_SET_INIT(QLINK);

/* sched_ready.count, where syscall.S's fast path reads it (a 32-bit load). */
unsigned sched_nready;
_Static_assert(sizeof(sched_nready) == 4, "syscall.S: cmpl $0, sched_nready");

void sched_enqueue(struct thread *t)
{
    rq_enqueue(&sched_ready, t, t->priority);
    sched_nready = sched_ready.count;
}

void sched_dequeue(struct thread *t)
{
    rq_remove(&sched_ready, t, t->priority);
    sched_nready = sched_ready.count;
}

bool sched_outranked(unsigned priority)
{
    return sched_nready && rq_highest(&sched_ready) > (int)priority;
}

void thread_make_ready(struct thread *t)
{
    t->state = T_READY;
    sched_enqueue(t);
    struct cpu *cpu = this_cpu();
    if (!cpu->current || t->priority > cpu->current->priority)
        cpu->exit_work |= EXIT_RESCHED;     /* (no current thread: before the scheduler starts) */
}

void sched_set_priority(struct thread *t, unsigned priority)
{
    if (t->state == T_READY) {
        sched_dequeue(t);
        t->priority = (uint8_t)priority;
        sched_enqueue(t);
    } else {
        t->priority = (uint8_t)priority;
    }
    struct cpu *cpu = this_cpu();
    if (cpu->current && sched_outranked(cpu->current->priority))
        cpu->exit_work |= EXIT_RESCHED;
}

/* Makes next the running thread. prev (the current thread) is already in
 * its new state (queued, blocked, dead). The hardware timer is re-armed
 * for next's slice if it would fire too late. */
static void switch_to(struct thread *next)
{
    struct cpu *cpu = this_cpu();
    struct thread *prev = cpu->current;
    next->state = T_RUNNING;
    if (next == prev)
        return;
    ktimer_reprogram_for(next);
    arch_switch(prev, next);    /* frees a dead prev's stack once off it */
}

void schedule(void)
{
    struct cpu *cpu = this_cpu();
    if (cpu->exit_work & EXIT_REAP)
        reap_drain();
    cpu->exit_work &= ~EXIT_RESCHED;
    struct thread *cur = cpu->current;
    uint64_t now = time_since_boot_ns();
    int best = rq_highest(&sched_ready);
    if (cur->state == T_RUNNING && cur != cpu->idle) {
        bool slice_over = now >= cur->slice_end;
        if (best < (int)cur->priority || (best == (int)cur->priority && !slice_over)) {
            if (slice_over)
                cur->slice_end = now + SLICE_NS;
            ktimer_reprogram_for(cur);
            return;
        }
        cur->state = T_READY;
        cur->slice_end = 0;
        sched_enqueue(cur);
        best = rq_highest(&sched_ready);
    }
    struct thread *next = cpu->idle;
    if (best >= 0) {
        next = rq_first(&sched_ready, (unsigned)best);
        sched_dequeue(next);
        if (next->slice_end == 0 || now >= next->slice_end)
            next->slice_end = now + SLICE_NS;
    }
    switch_to(next);
}

void sched_block(void)
{
    schedule();
}

/* The IPC direct switch: next runs on whatever slice it has left (the
 * timer interrupt gives it a fresh one when that is over). With objects
 * waiting for the reaper, next is queued instead, so that schedule() reaps
 * first (reaping may kill next). */
void sched_handoff(struct thread *next)
{
    struct cpu *cpu = this_cpu();
    if ((cpu->exit_work & EXIT_REAP) || sched_outranked(next->priority)) {
        next->state = T_READY;
        sched_enqueue(next);
        schedule();
        return;
    }
    switch_to(next);
}

void sched_tick(void)
{
    struct cpu *cpu = this_cpu();
    struct thread *cur = cpu->current;
    if (cur && cur != cpu->idle && time_since_boot_ns() >= cur->slice_end)
        cpu->exit_work |= EXIT_RESCHED;
}

/* The last thing the kernel does before returning to user mode when
 * exit_work is set: reap, then switch if asked (for good, if the current
 * thread is dead). Work that appears meanwhile is done too. */
void kernel_exit_work(void)
{
    struct cpu *cpu = this_cpu();
    while (cpu->exit_work) {
        if (cpu->exit_work & EXIT_REAP)
            reap_drain();
        if (cpu->exit_work & EXIT_RESCHED)
            schedule();
    }
}

static struct thread idle_thread;

/* Turns the boot context into the idle thread and starts scheduling; the
 * boot stack becomes the idle thread's stack. */
_Noreturn void sched_start(void)
{
    struct cpu *cpu = &boot_cpu;
    idle_thread.obj.type = CAP_THREAD;
    idle_thread.obj.refs = 1;
    idle_thread.state = T_RUNNING;
    cpu->idle = &idle_thread;
    cpu->current = &idle_thread;
    for (;;) {
        schedule();
        arch_idle();            /* interrupts wake it; they may make threads ready */
        arch_irq_disable();
    }
}
