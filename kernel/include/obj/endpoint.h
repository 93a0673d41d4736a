/* Endpoints and synchronous IPC (kernel/object/endpoint.c): send, receive,
 * call, reply, reply-receive.
 *
 * A message is a tag (label, length, caps) and up to SYS_MSG_MAX words:
 * MR0..MR3 travel in registers (the sender's frame to the receiver's), the
 * rest between the two threads' IPC buffers. The badge of the sender's
 * capability tells the receiver who called. A call leaves the caller
 * waiting for the reply (T_REPLY) with the receiver owing it (caller).
 *
 * The common cases of call and reply_recv (short message, partner
 * waiting) never get here: syscall.S's fast path does them. This file is
 * the general path, and the fast path's checks mirror its invariants. */
#ifndef OBJ_ENDPOINT_H
#define OBJ_ENDPOINT_H

#include <stdbool.h>
#include <stdint.h>
#include "object.h"
#include "runqueue.h"

struct thread;
struct process;

/* A FIFO of threads linked through thread.qnext/qprev: a runqueue.h FIFO
 * (fifo, for rq_fifo_*) with its element type spelled out (head, tail, for
 * syscall.S, which reads them by offset). */
struct tqueue {
    union {
        struct rq_fifo fifo;
        struct {
            struct thread *head, *tail;
        };
    };
};

struct endpoint {
    struct kobj obj;
    struct tqueue senders;
    struct tqueue receivers;
    bool dead;                  /* its creator died: every operation gets SYS_EDEAD */
    struct process *owner;      /* weak: cleared when the owner is torn down */
    struct dlist in_owner;      /* in owner->endpoints */
};

struct endpoint *endpoint_create(struct process *owner);
/* Marks ep dead and wakes up to REAP_BUDGET of its waiters with SYS_EDEAD;
 * true once none is left (call again otherwise). */
bool endpoint_kill_step(struct endpoint *ep);
int endpoint_reap(struct endpoint *ep);

/* The operations, for the current thread; each returns its result. A call
 * that blocked returns the result whoever woke the thread wrote. */
long ipc_send(struct endpoint *ep, uint64_t badge, unsigned cap_rights, bool call, bool block);
long ipc_recv(struct endpoint *ep, uint64_t deadline);
long ipc_reply(void);
long ipc_reply_recv(struct endpoint *ep);

/* Takes t out of whatever IPC or wait it is blocked in (endpoint queue,
 * notification, reply link) and cancels its timeout; its state is left for
 * the caller to set. */
void ipc_cancel(struct thread *t);
/* t is dying: a thread waiting for t's reply gets SYS_EDEAD. */
void ipc_release_caller(struct thread *t);

#endif
