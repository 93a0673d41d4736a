/* Notifications: signal, wait, poll, bind, timers (see obj/notification.h). */
#include "kernel.h"
#include "msgregs.h"
#include "object.h"
#include "percpu.h"
#include "sched.h"
#include "time.h"
#include "obj/endpoint.h"
#include "obj/notification.h"
#include "obj/thread.h"

struct notification *notification_create(struct quota *q)
{
    return obj_alloc(q, sizeof(struct notification), CAP_NOTIFICATION);
}

/* Writes "signals bits" into t's frame as the result of its recv. */
static void store_notify(struct thread *t, uint64_t bits)
{
    const uint64_t mr[SYS_MSG_REGS] = { bits };
    msg_store(thread_result_frame(t), 0, TAG(LABEL_NOTIFY, 1, 0), mr);
}

void ntfn_signal(struct notification *n, uint64_t bits)
{
    n->bits |= bits;
    if (!n->bits)
        return;
    struct thread *t = n->waiter;
    if (t) {
        n->waiter = NULL;
        t->blocked_on = NULL;
        regs_set_arg(thread_result_frame(t), 0, n->bits);
        n->bits = 0;
        thread_wake(t, SYS_OK);
    } else if (n->bound && n->bound->state == T_RECV) {
        t = n->bound;
        ipc_cancel(t);
        store_notify(t, n->bits);
        n->bits = 0;
        thread_wake(t, SYS_OK);
    }
}

long ntfn_wait(struct notification *n, uint64_t deadline)
{
    struct thread *t = current_thread();
    if (n->bits) {
        regs_set_arg(t->frame, 0, n->bits);
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
    if (deadline)
        ktimer_arm(&t->timeout, deadline, thread_timeout);
    sched_block();
    return regs_result(t->frame);
}

uint64_t ntfn_poll(struct notification *n)
{
    uint64_t bits = n->bits;
    n->bits = 0;
    return bits;
}

void ntfn_unbind_thread(struct thread *t)
{
    struct notification *n = t->bound_ntfn;
    if (!n)
        return;
    n->bound = NULL;
    t->bound_ntfn = NULL;
    obj_put(&n->obj);
}

long ntfn_bind(struct notification *n)
{
    struct thread *t = current_thread();
    if (n && n->bound && n->bound != t)
        return SYS_EBUSY;
    if (n)
        obj_get(&n->obj);       /* before the unbind: it may drop the only other reference */
    ntfn_unbind_thread(t);
    if (n) {
        n->bound = t;
        t->bound_ntfn = n;
    }
    return SYS_OK;
}

bool ntfn_take_bound_signal(struct thread *t)
{
    struct notification *n = t->bound_ntfn;
    if (!n || !n->bits)
        return false;
    store_notify(t, n->bits);
    n->bits = 0;
    return true;
}

static void timer_expired(struct ktimer *kt)
{
    struct notification *n = container_of(kt, struct notification, timer);
    ntfn_signal(n, n->timer_bits);
}

void ntfn_timer_set(struct notification *n, uint64_t deadline, uint64_t bits)
{
    ktimer_cancel(&n->timer);
    if (!deadline)
        return;
    n->timer_bits = bits;
    ktimer_arm(&n->timer, deadline, timer_expired);
}

/* Nobody can re-arm the timer or wait any more: the timer stops (the
 * object may live on while an interrupt line or a thread is bound to it). */
void ntfn_last_cap_gone(struct notification *n)
{
    ktimer_cancel(&n->timer);
}

int notification_reap(struct notification *n)
{
    ktimer_cancel(&n->timer);
    struct thread *t = n->waiter;
    if (t) {
        ipc_cancel(t);
        thread_wake(t, SYS_EDEAD);
    }
    obj_free(&n->obj);
    return REAP_FREED;
}
