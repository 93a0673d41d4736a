/* Scheduler: fixed priorities 0..255 (higher runs first), round robin
 * within a priority on a time slice, an idle thread that halts the CPU.
 *
 * The running thread is not on a ready queue. A bitmap of non-empty
 * queues makes picking the next thread O(1). Context switches change the
 * kernel stack (switch_context), CR3 when the process changes, the TSS
 * stack for interrupts from user mode, and arm lazy FPU switching. */
#include "kernel.h"
#include "cpu.h"
#include "memory.h"
#include "object.h"
#include "percpu.h"
#include "platform.h"
#include "runqueue.h"
#include "time.h"
#include "switch.h"

#define SLICE_NS 10000000ull    /* 10 ms */
#define QLINK offsetof(struct thread, qlink)

_Static_assert(SYS_PRIO_MAX < RQ_NPRIO, "a ready queue per priority");

struct cpu boot_cpu;
static struct rq_set ready = RQ_SET_INIT(QLINK);

void tq_push(struct tqueue *q, struct thread *t)
{
    rq_fifo_push(&q->fifo, QLINK, t);
}

void tq_remove(struct tqueue *q, struct thread *t)
{
    rq_fifo_remove(&q->fifo, QLINK, t);
}

/* ready.count, where syscall.S's fast path reads it (a 32-bit load). */
unsigned sched_nready;
_Static_assert(sizeof(sched_nready) == 4, "syscall.S: cmpl $0, sched_nready");

void sched_enqueue(struct thread *t)
{
    rq_enqueue(&ready, t, t->priority);
    sched_nready = ready.count;
}

void sched_dequeue(struct thread *t)
{
    rq_remove(&ready, t, t->priority);
    sched_nready = ready.count;
}

/* Highest priority with a ready thread, or -1. */
static int highest_ready(void)
{
    return rq_highest(&ready);
}

bool sched_higher_ready(unsigned priority)
{
    return highest_ready() > (int)priority;
}

/* A direct switch (IPC): next runs on whatever slice it has left; the
 * timer interrupt gives it a fresh one when that is over. */
void sched_switch_to(struct thread *next)
{
    switch_to(next);
}

/* True if a ready thread has a priority above the given one. */
bool sched_anything_above(unsigned priority)
{
    return sched_nready && highest_ready() > (int)priority;
}

/* Picks what runs next. A running thread keeps the CPU unless a higher
 * priority is ready, or an equal one is and its slice is over. */
void schedule(void)
{
    struct cpu *cpu = this_cpu();
    struct thread *cur = cpu->current;
    cpu->need_resched = 0;
    int best = highest_ready();
    if (cur->state == T_RUNNING && cur != cpu->idle) {
        bool slice_over = time_since_boot_ns() >= cur->slice_end;
        if (best < (int)cur->priority || (best == (int)cur->priority && !slice_over)) {
            if (slice_over)
                cur->slice_end = time_since_boot_ns() + SLICE_NS;
            ktimer_reprogram();
            return;
        }
        cur->state = T_READY;
        cur->slice_end = 0;
        sched_enqueue(cur);
        best = highest_ready();
    }
    struct thread *next = cpu->idle;
    if (best >= 0) {
        next = rq_first(&ready, (unsigned)best);
        sched_dequeue(next);
        if (next->slice_end == 0 || time_since_boot_ns() >= next->slice_end)
            next->slice_end = time_since_boot_ns() + SLICE_NS;
    }
    switch_to(next);
    ktimer_reprogram();
}

void sched_block(void)
{
    schedule();
}

void block_and_run(struct thread *next)
{
    if (next && !sched_higher_ready(next->priority)) {
        sched_switch_to(next);
        return;
    }
    if (next) {
        next->state = T_READY;
        sched_enqueue(next);
    }
    schedule();
}

/* Timer interrupt: the slice of the running thread may be over. */
void sched_tick(void)
{
    struct thread *cur = current_thread();
    if (cur && cur != this_cpu()->idle && time_since_boot_ns() >= cur->slice_end)
        this_cpu()->need_resched = 1;
}

static struct thread idle_thread;

/* Turns the boot context into the idle thread and starts scheduling; the
 * boot stack becomes the idle thread's stack. */
_Noreturn void sched_start(void)
{
    struct cpu *cpu = &boot_cpu;
    cpu->self = cpu;
    idle_thread.obj.type = CAP_THREAD;
    idle_thread.obj.refs = 1;
    idle_thread.state = T_RUNNING;
    cpu->idle = &idle_thread;
    cpu->current = &idle_thread;
    for (;;) {
        schedule();
        cpu_idle();         /* sti; hlt: interrupts wake us and may reschedule */
        irq_disable();
    }
}
