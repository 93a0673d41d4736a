/* Synchronous IPC on endpoints: send, receive, call, reply, reply-receive.
 *
 * A message is a tag (label, length, caps) and up to SYS_MSG_MAX words:
 * MR0..MR3 travel in registers (the sender's trap frame to the receiver's),
 * the rest between the two threads' IPC buffers. The badge of the sender's
 * capability tells the receiver who called. A call leaves the caller
 * waiting for the reply (T_REPLY) with the receiver owing it (caller).
 *
 * When a call meets a waiting receiver, or a reply-receive finds no next
 * message, the kernel switches straight to the partner thread: that is the
 * fast path, with no ready-queue traffic. */
#include "kernel.h"
#include "msg.h"
#include "object.h"
#include "percpu.h"
#include "time.h"

/* The message sender s offers: a fault message, or its registers. */
static inline void msg_load(const struct thread *s, uint64_t *tag, uint64_t mr[4])
{
    if (unlikely(s->fault_pending)) {
        *tag = TAG(LABEL_FAULT, 4, 0);
        for (int i = 0; i < 4; i++)
            mr[i] = s->fault_info[i];
        return;
    }
    const struct trap_frame *f = s->frame;
    *tag = f->rsi;
    mr[0] = f->rdx;
    mr[1] = f->r10;
    mr[2] = f->r8;
    mr[3] = f->r9;
}

/* Transfers a capability named in s's IPC buffer into the empty slot r's
 * IPC buffer offers. Returns 1 if a capability moved. */
static unsigned transfer_cap(struct thread *s, struct thread *r)
{
    struct cap *src, *dst;
    if (!s->ipcbuf || !r->ipcbuf || !s->proc || !r->proc)
        return 0;
    if (cap_lookup(s->proc, s->ipcbuf->send_cap, CAP_NULL, 0, &src) != SYS_OK)
        return 0;
    if (cap_empty_slot(r->proc, r->ipcbuf->recv_slot, &dst) != SYS_OK)
        return 0;
    cap_derive(dst, src, CAP_R_ALL, 0);
    r->ipcbuf->recv_cap_badge = dst->badge;
    return 1;
}

/* Writes s's message into r's registers (and IPC buffer), as the result
 * of r's receive. */
static void deliver(struct thread *s, struct thread *r, uint64_t badge, bool can_grant)
{
    uint64_t tag, mr[4];
    msg_load(s, &tag, mr);
    unsigned len = TAG_LEN(tag);
    if (len > SYS_MSG_REGS) {
        if (s->ipcbuf && r->ipcbuf)
            memcpy(&r->ipcbuf->mr[SYS_MSG_REGS], &s->ipcbuf->mr[SYS_MSG_REGS],
                   (len - SYS_MSG_REGS) * sizeof(uint64_t));
        else
            len = SYS_MSG_REGS;
    }
    unsigned caps = 0;
    if (unlikely(TAG_CAPS(tag)) && can_grant && !s->fault_pending)
        caps = transfer_cap(s, r);
    struct trap_frame *f = r->frame;
    f->rax = SYS_OK;
    f->rdi = badge;
    f->rsi = TAG(TAG_LABEL(tag), len, caps);
    f->rdx = mr[0];
    f->r10 = mr[1];
    f->r8 = mr[2];
    f->r9 = mr[3];
}

/* s called r: s waits for r's reply. An unanswered earlier caller of r
 * is released with SYS_EDEAD (its reply can no longer come). */
static void link_call(struct thread *s, struct thread *r)
{
    if (unlikely(r->caller != NULL)) {
        struct thread *old = r->caller;
        old->callee = NULL;
        old->fault_pending = false;
        thread_wake(old, SYS_EDEAD);
    }
    s->state = T_REPLY;
    s->callee = r;
    r->caller = s;
}

static void ipc_timeout(struct ktimer *kt)
{
    struct thread *t = (struct thread *)((char *)kt - __builtin_offsetof(struct thread, timeout));
    ipc_cancel(t);
    thread_wake(t, SYS_ETIMEOUT);
    this_cpu()->need_resched = 1;
}

/* send / nbsend / call from the current thread s. Returns an error for the
 * caller's rax, or SYS_OK when the result is already in place. */
int ipc_send(struct endpoint *ep, uint64_t badge, bool can_grant, bool call, bool block)
{
    struct thread *s = current_thread();
    if (unlikely(!s->fault_pending && !msg_tag_ok(s->frame->rsi)))
        return SYS_EMSGSIZE;
    if (unlikely(ep->dead))
        return SYS_EDEAD;
    struct thread *r = ep->receivers.head;
    if (!r) {
        if (!block)
            return SYS_EBUSY;
        s->state = T_SEND;
        s->blocked_on = ep;
        s->send_badge = badge;
        s->send_is_call = call;
        s->send_can_grant = can_grant;
        tq_push(&ep->senders, s);
        sched_block();
        return SYS_OK;      /* the receiver (or a timeout, or death) set rax */
    }
    tq_remove(&ep->receivers, r);
    r->blocked_on = NULL;
    ktimer_cancel(&r->timeout);
    deliver(s, r, badge, can_grant);
    if (call) {
        link_call(s, r);
        block_and_run(r);
        return SYS_OK;
    }
    s->frame->rax = SYS_OK;
    r->state = T_READY;
    sched_enqueue(r);
    if (r->priority > s->priority)
        schedule();
    return SYS_OK;
}

/* Hands the current thread r a pending signal of its bound notification as
 * a message (label LABEL_NOTIFY, MR0 = bits). */
static bool take_bound_signal(struct thread *r)
{
    struct notification *n = r->bound_ntfn;
    if (!n || !n->bits)
        return false;
    struct trap_frame *f = r->frame;
    f->rax = SYS_OK;
    f->rdi = 0;
    f->rsi = TAG(LABEL_NOTIFY, 1, 0);
    f->rdx = n->bits;
    n->bits = 0;
    return true;
}

/* Receives on ep into the current thread r. If no message waits, r
 * blocks (until deadline, if not 0) and next (a thread made runnable by a
 * reply just before, or NULL) runs. */
static void receive(struct endpoint *ep, uint64_t deadline, struct thread *next)
{
    struct thread *r = current_thread();
    if (take_bound_signal(r)) {
        if (next) {
            next->state = T_READY;
            sched_enqueue(next);
        }
        return;
    }
    struct thread *s = ep->senders.head;
    if (s) {
        tq_remove(&ep->senders, s);
        s->blocked_on = NULL;
        deliver(s, r, s->send_badge, s->send_can_grant);
        if (s->send_is_call) {
            link_call(s, r);
        } else {
            s->frame->rax = SYS_OK;
            s->state = T_READY;
            sched_enqueue(s);
        }
        if (next) {
            next->state = T_READY;
            sched_enqueue(next);
        }
        if (sched_higher_ready(r->priority))
            schedule();
        return;
    }
    r->state = T_RECV;
    r->blocked_on = ep;
    tq_push(&ep->receivers, r);
    if (deadline) {
        r->timeout.expire = ipc_timeout;
        ktimer_arm(&r->timeout, deadline);
    }
    block_and_run(next);
}

int ipc_recv(struct endpoint *ep, uint64_t deadline)
{
    if (unlikely(ep->dead))
        return SYS_EDEAD;
    if (deadline && deadline <= time_since_boot_ns())
        deadline = 1;   /* already passed: poll, then time out at once */
    receive(ep, deadline, NULL);
    return SYS_OK;
}

/* Sends the current thread's message as the reply to its caller. Returns
 * the caller, runnable but not queued (the caller of this decides when it
 * runs), or NULL. */
static struct thread *reply_to_caller(int *err)
{
    struct thread *t = current_thread();
    struct thread *c = t->caller;
    if (!c) {
        *err = SYS_ENOREPLY;
        return NULL;
    }
    if (unlikely(!msg_tag_ok(t->frame->rsi))) {
        *err = SYS_EMSGSIZE;
        return NULL;
    }
    t->caller = NULL;
    c->callee = NULL;
    *err = SYS_OK;
    if (unlikely(c->fault_pending)) {
        c->fault_pending = false;
        if (TAG_LABEL(t->frame->rsi) != 0) {
            thread_kill(c, "killed by its fault handler");
            return NULL;
        }
        c->fault_resumed = true;
        return c;       /* resume: the faulting instruction runs again */
    }
    deliver(t, c, 0, true);
    return c;
}

int ipc_reply(void)
{
    int err;
    struct thread *c = reply_to_caller(&err);
    if (c) {
        c->state = T_READY;
        sched_enqueue(c);
        if (c->priority > current_thread()->priority)
            schedule();
    }
    return err;
}

/* Replies to the caller (if any) and waits for the next message: the
 * server loop's one system call per request. */
int ipc_reply_recv(struct endpoint *ep)
{
    if (unlikely(ep->dead))
        return SYS_EDEAD;
    int err;
    struct thread *c = reply_to_caller(&err);
    if (err == SYS_EMSGSIZE)
        return err;
    receive(ep, 0, c);
    return SYS_OK;
}

/* Takes t out of whatever it is blocked on; its state is left for the
 * caller to set. A caller waiting on t's reply is not affected here
 * (thread_kill releases it). */
void ipc_cancel(struct thread *t)
{
    switch (t->state) {
    case T_SEND:
        tq_remove(&((struct endpoint *)t->blocked_on)->senders, t);
        break;
    case T_RECV:
        tq_remove(&((struct endpoint *)t->blocked_on)->receivers, t);
        break;
    case T_NTFN:
        ((struct notification *)t->blocked_on)->waiter = NULL;
        break;
    case T_REPLY:
        if (t->callee)
            t->callee->caller = NULL;
        t->callee = NULL;
        t->fault_pending = false;
        break;
    default:
        break;
    }
    t->blocked_on = NULL;
    ktimer_cancel(&t->timeout);
}

/* The endpoint is gone or its owner died: everyone waiting gets SYS_EDEAD. */
void endpoint_kill(struct endpoint *ep)
{
    ep->dead = true;
    struct tqueue *queues[2] = { &ep->senders, &ep->receivers };
    for (int i = 0; i < 2; i++) {
        while (queues[i]->head) {
            struct thread *t = queues[i]->head;
            ipc_cancel(t);
            t->fault_pending = false;
            thread_wake(t, SYS_EDEAD);
        }
    }
}
