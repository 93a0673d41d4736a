/* Endpoints and the general IPC path (see obj/endpoint.h). The fast path
 * in syscall.S handles call and reply_recv when nothing below is needed;
 * its checks are annotated with the invariants of this file they rely on. */
#include "kernel.h"
#include "msg.h"
#include "msgregs.h"
#include "object.h"
#include "percpu.h"
#include "sched.h"
#include "time.h"
#include "obj/endpoint.h"
#include "obj/frame.h"
#include "obj/notification.h"
#include "obj/process.h"
#include "obj/thread.h"

#define QLINK offsetof(struct thread, qlink)

static void tq_push(struct tqueue *q, struct thread *t)
{
    rq_fifo_push(&q->fifo, QLINK, t);
}

static void tq_remove(struct tqueue *q, struct thread *t)
{
    rq_fifo_remove(&q->fifo, QLINK, t);
}

struct endpoint *endpoint_create(struct process *owner)
{
    struct endpoint *ep = obj_alloc(owner->quota, sizeof *ep, CAP_ENDPOINT);
    if (ep) {
        ep->owner = owner;
        dlist_insert_before(&owner->endpoints, &ep->in_owner);
    }
    return ep;
}

/* The IPC buffer of t as the kernel sees it now (looked up at every use,
 * so an unmapped or write-protected buffer is never written), or NULL. */
static struct ipc_buffer *ipcbuf(struct thread *t, bool writable)
{
    if (!t->ipcbuf_vaddr || !t->proc)
        return NULL;
    return vm_user_page(t->proc, t->ipcbuf_vaddr, writable);
}

/* The message sender s offers: a fault message, or its registers. MR0..MR3
 * always travel, whatever the tag's length (uapi/syscalls.def): they are
 * the message registers, not the sender's scratch. */
static void msg_load(const struct thread *s, uint64_t *tag, uint64_t mr[SYS_MSG_REGS])
{
    if (unlikely(s->fault_pending)) {
        *tag = TAG(LABEL_FAULT, SYS_MSG_REGS, 0);
        for (int i = 0; i < SYS_MSG_REGS; i++)
            mr[i] = s->fault_info[i];
        return;
    }
    *tag = regs_arg(s->frame, MSG_ARG_TAG);
    for (unsigned i = 0; i < SYS_MSG_REGS; i++)
        mr[i] = regs_arg(s->frame, MSG_ARG_MR0 + i);
}

/* Transfers the capability named in s's IPC buffer into the empty slot r's
 * IPC buffer offers. Returns 1 if a capability moved. */
static unsigned transfer_cap(struct thread *s, struct thread *r)
{
    struct ipc_buffer *sb = ipcbuf(s, false), *rb = ipcbuf(r, true);
    struct cap *src, *dst;
    if (!sb || !rb)
        return 0;
    if (cap_lookup(s->proc, sb->send_cap, CAP_NULL, 0, &src) != SYS_OK)
        return 0;
    if (cap_empty_slot(r->proc, rb->recv_slot, &dst) != SYS_OK)
        return 0;
    cap_derive(dst, src, CAP_R_ALL, 0);
    rb->recv_cap_badge = dst->badge;
    return 1;
}

/* Writes s's message into r's registers (and IPC buffer), as the result
 * of r's receive. */
static void deliver(struct thread *s, struct thread *r, uint64_t badge, bool can_grant)
{
    uint64_t tag, mr[SYS_MSG_REGS];
    msg_load(s, &tag, mr);
    unsigned len = TAG_LEN(tag);
    if (len > SYS_MSG_REGS) {
        struct ipc_buffer *sb = ipcbuf(s, false), *rb = ipcbuf(r, true);
        if (sb && rb)
            memcpy(&rb->mr[SYS_MSG_REGS], &sb->mr[SYS_MSG_REGS], (len - SYS_MSG_REGS) * sizeof(uint64_t));
        else
            len = SYS_MSG_REGS;
    }
    unsigned caps = 0;
    if (unlikely(TAG_CAPS(tag)) && can_grant && !s->fault_pending)
        caps = transfer_cap(s, r);
    msg_store(thread_result_frame(r), badge, TAG(TAG_LABEL(tag), len, caps), mr);
}

/* s called r with a capability of the given rights: s waits for r's reply
 * (which may carry a capability if those rights include GRANT). An
 * unanswered earlier caller of r is released with SYS_EDEAD (its reply can
 * no longer come). */
static void link_call(struct thread *s, struct thread *r, unsigned rights)
{
    ipc_release_caller(r);
    s->call_rights = (uint8_t)rights;
    s->state = T_REPLY;
    s->callee = r;
    r->caller = s;
}

long ipc_send(struct endpoint *ep, uint64_t badge, unsigned cap_rights, bool call, bool block)
{
    struct thread *s = current_thread();
    if (unlikely(!s->fault_pending && !msg_tag_ok(regs_arg(s->frame, MSG_ARG_TAG))))
        return SYS_EMSGSIZE;
    if (unlikely(ep->dead))
        return SYS_EDEAD;
    bool grant = cap_rights & CAP_R_GRANT;
    struct thread *r = ep->receivers.head;
    if (!r) {
        if (!block)
            return SYS_EBUSY;
        s->state = T_SEND;
        s->blocked_on = ep;
        s->send_badge = badge;
        s->ipc_flags = (call ? IPC_CALL : 0) | (grant ? IPC_GRANT : 0);
        tq_push(&ep->senders, s);
        sched_block();
        return regs_result(s->frame);   /* written by the receiver, a timeout or a death */
    }
    tq_remove(&ep->receivers, r);
    r->blocked_on = NULL;
    ktimer_cancel(&r->timeout);
    deliver(s, r, badge, grant);
    if (call) {
        link_call(s, r, cap_rights);
        sched_handoff(r);
        return regs_result(s->frame);   /* the reply, or SYS_EDEAD */
    }
    thread_make_ready(r);
    return SYS_OK;
}

/* Receives on ep into the current thread r. If no message waits, r blocks (until deadline, if not 0) and
 * next (a caller just replied to, or NULL) runs. */
static void receive(struct endpoint *ep, uint64_t deadline, struct thread *next)
{
    struct thread *r = current_thread();
    if (ntfn_take_bound_signal(r)) {
        if (next)
            thread_make_ready(next);
        return;
    }
    struct thread *s = ep->senders.head;
    if (s) {
        tq_remove(&ep->senders, s);
        s->blocked_on = NULL;
        deliver(s, r, s->send_badge, s->ipc_flags & IPC_GRANT);
        if (s->ipc_flags & IPC_CALL)
            link_call(s, r, s->ipc_flags & IPC_GRANT ? CAP_R_GRANT : 0);
        else
            thread_wake(s, SYS_OK);
        if (next)
            thread_make_ready(next);
        return;
    }
    r->state = T_RECV;
    r->blocked_on = ep;
    tq_push(&ep->receivers, r);
    if (deadline)
        ktimer_arm(&r->timeout, deadline, thread_timeout);
    if (next)
        sched_handoff(next);
    else
        sched_block();
}

long ipc_recv(struct endpoint *ep, uint64_t deadline)
{
    if (unlikely(ep->dead))
        return SYS_EDEAD;
    if (deadline && deadline <= time_since_boot_ns())
        deadline = 1;   /* already passed: take a waiting message, else time out at once */
    receive(ep, deadline, NULL);
    return regs_result(current_thread()->frame);
}

/* Sends the current thread's message as the reply to its caller. Returns
 * the caller, runnable but not queued (the caller of this decides when it
 * runs), or NULL (no caller, a bad tag, or a caller its fault handler
 * killed). */
static struct thread *reply_to_caller(long *err)
{
    struct thread *t = current_thread();
    struct thread *c = t->caller;
    *err = SYS_OK;
    if (!c) {
        *err = SYS_ENOREPLY;
        return NULL;
    }
    uint64_t tag = regs_arg(t->frame, MSG_ARG_TAG);
    if (unlikely(!msg_tag_ok(tag))) {
        *err = SYS_EMSGSIZE;
        return NULL;
    }
    t->caller = NULL;
    c->callee = NULL;
    if (unlikely(c->fault_pending)) {
        if (TAG_LABEL(tag) != 0) {
            thread_kill(c, "killed by its fault handler");
            return NULL;
        }
        thread_set_result(c, SYS_OK);  /* resume: the faulting instruction runs again */
        return c;
    }
    deliver(t, c, 0, c->call_rights & CAP_R_GRANT);
    return c;
}

long ipc_reply(void)
{
    long err;
    struct thread *c = reply_to_caller(&err);
    if (c)
        thread_make_ready(c);
    return err;
}

long ipc_reply_recv(struct endpoint *ep)
{
    if (unlikely(ep->dead))
        return SYS_EDEAD;
    long err;
    struct thread *c = reply_to_caller(&err);
    if (err == SYS_EMSGSIZE)
        return err;
    receive(ep, 0, c);
    return regs_result(current_thread()->frame);
}

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
        break;
    default:
        break;
    }
    t->blocked_on = NULL;
    ktimer_cancel(&t->timeout);
}

void ipc_release_caller(struct thread *t)
{
    struct thread *c = t->caller;
    if (!c)
        return;
    t->caller = NULL;
    c->callee = NULL;
    thread_wake(c, SYS_EDEAD);
}

bool endpoint_kill_step(struct endpoint *ep)
{
    ep->dead = true;
    for (unsigned n = 0; n < REAP_BUDGET; n++) {
        struct thread *t = ep->senders.head ? ep->senders.head : ep->receivers.head;
        if (!t)
            return true;
        ipc_cancel(t);
        thread_wake(t, SYS_EDEAD);
    }
    return !ep->senders.head && !ep->receivers.head;
}

int endpoint_reap(struct endpoint *ep)
{
    if (!endpoint_kill_step(ep))
        return REAP_MORE;
    if (ep->owner)
        dlist_remove(&ep->in_owner);
    obj_free(&ep->obj);
    return REAP_FREED;
}
