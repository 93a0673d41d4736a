/* The scheduler (kernel/core/sched.c): fixed priorities 0..255 (higher
 * runs first), round robin within a priority on a 10 ms slice, an idle
 * thread that halts. The running thread is on no ready queue.
 *
 * Threads are switched only at two kinds of places: where the running
 * thread blocks (sched_block, sched_handoff) and on the way back to user
 * mode (kernel_exit_work). Anything that makes a thread runnable calls
 * thread_make_ready(), which asks for a reschedule at the next of those
 * places when the woken thread outranks the running one. */
#ifndef SCHED_H
#define SCHED_H

#include <stdbool.h>
#include <stdint.h>

struct thread;

#define SLICE_NS 10000000ull    /* 10 ms */

/* Work to do before returning to user mode (struct cpu.exit_work). */
#define EXIT_RESCHED 1u         /* a higher-priority thread is ready, or the current one died */
#define EXIT_REAP    2u         /* objects wait for the reaper */

void sched_enqueue(struct thread *t);
void sched_dequeue(struct thread *t);
/* Makes t runnable (state T_READY, queued); asks for a reschedule if it
 * outranks the running thread. The one way to wake a thread. */
void thread_make_ready(struct thread *t);
/* Picks the highest-priority ready thread and switches to it (the
 * current one is queued again if it is still running and not outranked).
 * Returns when the calling thread runs again; never, if it is dead. */
void schedule(void);
/* The current thread has blocked (its state set); run someone else. */
void sched_block(void);
/* The current thread has blocked; next (runnable, not queued) runs now
 * unless something ready outranks it: the IPC direct switch. */
void sched_handoff(struct thread *next);
/* True if a ready thread's priority is above the given one. */
bool sched_outranked(unsigned priority);
/* Changes t's priority (re-queuing it if it is ready). */
void sched_set_priority(struct thread *t, unsigned priority);
/* The timer interrupt: the running thread's slice may be over. */
void sched_tick(void);
/* Before returning to user mode: reap, reschedule (exit_work set). */
void kernel_exit_work(void);
_Noreturn void sched_start(void);
/* Number of ready threads (read by syscall.S's fast path). */
extern unsigned sched_nready;
/* The ready queues themselves (struct rq_set, runqueue.h; read and
 * written by syscall.S's notification fast path). */
struct rq_set;
extern struct rq_set sched_ready;

#endif
