/* IPC fast paths for the two calls a client/server pair makes per request:
 * call (client → waiting server) and reply_recv (server → waiting client,
 * then wait for the next request). Each checks everything first and falls
 * back to the general code in ipc.c when anything is unusual; after the
 * point of no return it only moves registers and switches threads.
 *
 * Conditions for both: a short message (at most 4 words, no capability),
 * no fault message involved, the partner thread at least as important as
 * anything else ready, no timeout armed on the partner. */
#include "kernel.h"
#include "object.h"
#include "percpu.h"
#include "switch.h"
#include "msg.h"

/* call on the endpoint in slot f->rdi. Returns false to take the slow path. */
bool fastpath_call(struct trap_frame *f)
{
    struct thread *s = current_thread();
    uint64_t slot = f->rdi, tag = f->rsi;
    if (unlikely(slot - 1 >= SYS_CAP_SLOTS - 1 || !msg_tag_short(tag)))
        return false;
    struct cap *c = &s->proc->caps[slot];
    if (unlikely(c->type != CAP_ENDPOINT || !(c->rights & CAP_R_WRITE)))
        return false;
    struct endpoint *ep = (struct endpoint *)c->obj;
    struct thread *r = ep->receivers.head;
    if (unlikely(!r || ep->dead || r->caller || r->timeout.deadline || outranked(r->priority)))
        return false;

    /* Point of no return: deliver, link, switch. */
    ep->receivers.head = r->qnext;
    if (r->qnext)
        r->qnext->qprev = NULL;
    else
        ep->receivers.tail = NULL;
    r->qnext = NULL;
    r->blocked_on = NULL;
    struct trap_frame *rf = r->frame;
    rf->rax = SYS_OK;
    rf->rdi = c->badge;
    rf->rsi = tag;
    rf->rdx = f->rdx;
    rf->r10 = f->r10;
    rf->r8 = f->r8;
    rf->r9 = f->r9;
    s->state = T_REPLY;
    s->callee = r;
    r->caller = s;
    switch_to(r);
    return true;
}

/* reply_recv on the endpoint in slot f->rdi. Returns false to take the
 * slow path. */
bool fastpath_reply_recv(struct trap_frame *f)
{
    struct thread *t = current_thread();
    struct thread *c = t->caller;
    uint64_t slot = f->rdi, tag = f->rsi;
    if (unlikely(!c || slot - 1 >= SYS_CAP_SLOTS - 1 || !msg_tag_short(tag) || c->fault_pending))
        return false;
    struct cap *cap = &t->proc->caps[slot];
    if (unlikely(cap->type != CAP_ENDPOINT || !(cap->rights & CAP_R_READ)))
        return false;
    struct endpoint *ep = (struct endpoint *)cap->obj;
    if (unlikely(ep->senders.head || ep->dead || (t->bound_ntfn && t->bound_ntfn->bits) ||
                 outranked(c->priority)))
        return false;

    /* Point of no return: reply into the caller, queue ourselves, switch. */
    struct trap_frame *cf = c->frame;
    cf->rax = SYS_OK;
    cf->rdi = 0;
    cf->rsi = tag;
    cf->rdx = f->rdx;
    cf->r10 = f->r10;
    cf->r8 = f->r8;
    cf->r9 = f->r9;
    t->caller = NULL;
    c->callee = NULL;
    t->state = T_RECV;
    t->blocked_on = ep;
    t->qnext = NULL;
    t->qprev = ep->receivers.tail;
    if (ep->receivers.tail)
        ep->receivers.tail->qnext = t;
    else
        ep->receivers.head = t;
    ep->receivers.tail = t;
    switch_to(c);
    return true;
}
