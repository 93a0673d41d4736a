/* Notifications: a word of bits that signal ORs in and wait/poll take out.
 * One thread may wait on a notification; one thread may bind it, so a
 * receive on any endpoint also returns its signals (LABEL_NOTIFY).
 * Interrupts and timers are delivered as signals. */
#include "kernel.h"
#include "object.h"
#include "percpu.h"
#include "time.h"

/* ORs bits in and wakes the waiter or the bound thread blocked in recv. */
void ntfn_signal(struct notification *n, uint64_t bits)
{
    n->bits |= bits;
    if (!n->bits)
        return;
    struct thread *t = n->waiter;
    if (t) {
        n->waiter = NULL;
        t->blocked_on = NULL;
        t->frame->rdi = n->bits;
        n->bits = 0;
        thread_wake(t, SYS_OK);
    } else if (n->bound && n->bound->state == T_RECV) {
        t = n->bound;
        ipc_cancel(t);
        struct trap_frame *f = t->frame;
        f->rdi = 0;
        f->rsi = TAG(LABEL_NOTIFY, 1, 0);
        f->rdx = n->bits;
        n->bits = 0;
        thread_wake(t, SYS_OK);
    } else {
        return;
    }
    if (t->priority > current_thread()->priority)
        this_cpu()->need_resched = 1;
}

static void wait_timeout(struct ktimer *kt)
{
    struct thread *t = (struct thread *)((char *)kt - __builtin_offsetof(struct thread, timeout));
    ipc_cancel(t);
    thread_wake(t, SYS_ETIMEOUT);
    this_cpu()->need_resched = 1;
}

/* Current thread waits for bits (until deadline, if not 0). */
int ntfn_wait(struct notification *n, uint64_t deadline)
{
    struct thread *t = current_thread();
    if (n->bits) {
        t->frame->rax = SYS_OK;
        t->frame->rdi = n->bits;
        n->bits = 0;
        return SYS_OK;
    }
    if (n->waiter)
        return SYS_EBUSY;
    if (deadline && deadline <= time_since_boot_ns())
        return SYS_ETIMEOUT;
    n->waiter = t;
    t->state = T_NTFN;
    t->blocked_on = n;
    if (deadline) {
        t->timeout.expire = wait_timeout;
        ktimer_arm(&t->timeout, deadline);
    }
    sched_block();
    return SYS_OK;
}

uint64_t ntfn_poll(struct notification *n)
{
    uint64_t bits = n->bits;
    n->bits = 0;
    return bits;
}

/* Binds n to the current thread (n = NULL unbinds). */
int ntfn_bind(struct notification *n)
{
    struct thread *t = current_thread();
    if (n && n->bound && n->bound != t)
        return SYS_EBUSY;
    if (t->bound_ntfn) {
        t->bound_ntfn->bound = NULL;
        obj_put(&t->bound_ntfn->obj);
        t->bound_ntfn = NULL;
    }
    if (n) {
        obj_get(&n->obj);
        n->bound = t;
        t->bound_ntfn = n;
    }
    return SYS_OK;
}

static void timer_expired(struct ktimer *kt)
{
    struct notification *n =
        (struct notification *)((char *)kt - __builtin_offsetof(struct notification, timer));
    ntfn_signal(n, n->timer_bits);
}

/* Signals bits on n at deadline (replacing an earlier timer of n);
 * deadline 0 cancels. */
int ntfn_timer_set(struct notification *n, uint64_t deadline, uint64_t bits)
{
    ktimer_cancel(&n->timer);
    if (!deadline)
        return SYS_OK;
    if (!bits)
        return SYS_EINVAL;
    n->timer_bits = bits;
    n->timer.expire = timer_expired;
    ktimer_arm(&n->timer, deadline);
    return SYS_OK;
}

/* The last capability is gone: the waiter learns it, the timer stops. */
void ntfn_destroy(struct notification *n)
{
    ktimer_cancel(&n->timer);
    if (n->waiter) {
        struct thread *t = n->waiter;
        ipc_cancel(t);
        thread_wake(t, SYS_EDEAD);
    }
}
