/* Kernel timers (kernel/core/ktimer.c): thread timeouts, sleeps and
 * notification timers, kept in an AVL tree by deadline so that arming and
 * cancelling cost O(log n) however many a process arms within its quota.
 * The one-shot hardware timer is armed for the earlier of the first
 * deadline and the running thread's slice end. */
#ifndef KTIMER_H
#define KTIMER_H

#include <stdbool.h>
#include <stdint.h>
#include "avl.h"

struct ktimer {
    struct avl_node node;       /* node.key = deadline (ns since boot) */
    bool armed;
    void (*expire)(struct ktimer *t);   /* called in interrupt context */
};

/* Arms t for deadline (ns since boot; 0 is taken as 1), replacing an
 * earlier arming, with expire to call when it passes. */
void ktimer_arm(struct ktimer *t, uint64_t deadline, void (*expire)(struct ktimer *t));
void ktimer_cancel(struct ktimer *t);

/* The timer interrupt: runs every due timer, notes the slice end, re-arms. */
void ktimer_interrupt(void);
/* Re-arms the hardware timer for the next event (first deadline, or the
 * slice end of t, the thread about to run) if it is not armed early
 * enough (cheap when it is). */
struct thread;
void ktimer_reprogram_for(struct thread *t);
/* Deadline the hardware timer is armed for; 0 = none (read by syscall.S). */
extern uint64_t ktimer_hw_deadline;
/* Checks the timer tree (kdebug); 0 or a negative avl_check code. */
int ktimer_check(void);

#endif
