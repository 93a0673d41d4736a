/* Notifications (kernel/object/notification.c): a word of bits that
 * signal ORs in and wait/poll take out. One thread may wait on a
 * notification; one thread may bind it, so a receive on any endpoint also
 * returns its signals (LABEL_NOTIFY). Interrupts and timers arrive as
 * signals. */
#ifndef OBJ_NOTIFICATION_H
#define OBJ_NOTIFICATION_H

#include <stdint.h>
#include "object.h"
#include "ktimer.h"

struct thread;

struct notification {
    struct kobj obj;
    uint64_t bits;
    struct thread *waiter;      /* T_NTFN thread, at most one */
    struct thread *bound;       /* thread that gets signals through recv */
    struct ktimer timer;
    uint64_t timer_bits;
};

struct notification *notification_create(struct quota *q);
/* ORs bits in and wakes the waiter or the bound thread blocked in recv. */
void ntfn_signal(struct notification *n, uint64_t bits);
/* The current thread waits for bits (until deadline, if not 0). */
long ntfn_wait(struct notification *n, uint64_t deadline);
uint64_t ntfn_poll(struct notification *n);
/* Binds n to the current thread (NULL unbinds). SYS_EBUSY if bound elsewhere. */
long ntfn_bind(struct notification *n);
/* t is dying or rebinding: drops its bound notification. */
void ntfn_unbind_thread(struct thread *t);
/* Signals bits at deadline (replacing an earlier timer); 0 cancels. */
void ntfn_timer_set(struct notification *n, uint64_t deadline, uint64_t bits);
/* If t waits in recv with a signal pending on its bound notification,
 * delivers it (LABEL_NOTIFY) and returns true. */
bool ntfn_take_bound_signal(struct thread *t);
void ntfn_last_cap_gone(struct notification *n);
int notification_reap(struct notification *n);

#endif
