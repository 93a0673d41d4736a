/* IPC and notification wrappers over the raw stubs (syscall.h).
 *
 * A message is a tag (TAG(label, len, caps), abi.h) and message registers:
 * MR0..MR3 travel in registers (struct msg.mr), MR4..MR(len-1) in the
 * thread's IPC buffer (rt_ipc_buffer()->mr[4..]). To transfer a capability
 * set caps = 1 in the tag and rt_ipc_buffer()->send_cap = slot; to accept
 * one, set rt_ipc_buffer()->recv_slot to an empty slot before receiving.
 *
 * Each function returns the kernel's result (0 or a negative SYS_E*).
 * Functions that receive fill *m only on success, so on failure *m still
 * holds what was to be sent. Everything is static inline: a call costs the
 * `syscall` plus register moves. */
#ifndef RT_IPC_H
#define RT_IPC_H

#include <stdint.h>

#include "syscall.h"

/* A deadline (ns since boot, sys_time()) of 0 means "wait forever". */
#define IPC_FOREVER 0

struct msg {
    uint64_t badge;     /* received: the sender's badge (0 for replies) */
    uint64_t tag;       /* TAG(label, len, caps) */
    uint64_t mr[4];     /* MR0..MR3 */
};

/* Copies a receive-style result (rdi = badge, rsi = tag, MR0..3) into m. */
static inline void msg_from_result(struct msg *m, const struct sys_result *r)
{
    m->badge = r->r[SYS_R_RDI];
    m->tag = r->r[SYS_R_RSI];
    m->mr[0] = r->r[SYS_R_RDX];
    m->mr[1] = r->r[SYS_R_R10];
    m->mr[2] = r->r[SYS_R_R8];
    m->mr[3] = r->r[SYS_R_R9];
}

/* Sends m on ep and waits for the reply, which replaces *m. */
static inline long ipc_call(uint64_t ep, struct msg *m)
{
    struct sys_result r = sys_call(ep, m->tag, m->mr[0], m->mr[1], m->mr[2], m->mr[3]);
    if (r.ret >= 0)
        msg_from_result(m, &r);
    return r.ret;
}

/* Sends m on ep; blocks until a receiver takes it. */
static inline long ipc_send(uint64_t ep, const struct msg *m)
{
    return sys_send(ep, m->tag, m->mr[0], m->mr[1], m->mr[2], m->mr[3]).ret;
}

/* Sends m on ep only if a receiver is waiting; SYS_EBUSY otherwise. */
static inline long ipc_nbsend(uint64_t ep, const struct msg *m)
{
    return sys_nbsend(ep, m->tag, m->mr[0], m->mr[1], m->mr[2], m->mr[3]).ret;
}

/* Waits for a message on ep until deadline (IPC_FOREVER: no limit;
 * SYS_ETIMEOUT when it passes). A signal on the thread's bound
 * notification arrives as label LABEL_NOTIFY with the bits in MR0. */
static inline long ipc_recv_until(uint64_t ep, uint64_t deadline, struct msg *m)
{
    struct sys_result r = sys_recv(ep, deadline);
    if (r.ret >= 0)
        msg_from_result(m, &r);
    return r.ret;
}

static inline long ipc_recv(uint64_t ep, struct msg *m)
{
    return ipc_recv_until(ep, IPC_FOREVER, m);
}

/* Replies m to the thread whose call this thread received last
 * (SYS_ENOREPLY if there is none). */
static inline long ipc_reply(const struct msg *m)
{
    return sys_reply(0, m->tag, m->mr[0], m->mr[1], m->mr[2], m->mr[3]).ret;
}

/* Replies m (if there is a caller) and waits on ep for the next message,
 * which replaces *m: one system call per request in a server loop. */
static inline long ipc_reply_recv(uint64_t ep, struct msg *m)
{
    struct sys_result r = sys_reply_recv(ep, m->tag, m->mr[0], m->mr[1], m->mr[2], m->mr[3]);
    if (r.ret >= 0)
        msg_from_result(m, &r);
    return r.ret;
}

/* ORs bits into notification ntfn, waking its waiter. */
static inline long ntfn_signal(uint64_t ntfn, uint64_t bits)
{
    return sys_signal(ntfn, bits).ret;
}

/* Waits until ntfn has bits (or deadline passes: SYS_ETIMEOUT), then takes
 * them all into *bits (which may be NULL). */
static inline long ntfn_wait(uint64_t ntfn, uint64_t deadline, uint64_t *bits)
{
    struct sys_result r = sys_wait(ntfn, deadline);
    if (r.ret >= 0 && bits)
        *bits = r.r[SYS_R_RDI];
    return r.ret;
}

/* Signals bits on signal_ntfn, then waits on wait_ntfn as ntfn_wait does, in
 * one system call: the end of a batch (kick the peer, sleep until it
 * answers). Both capabilities are checked first: a bad one is an error with
 * nothing signalled. With a peer waiting on signal_ntfn the kernel switches
 * straight to it. */
static inline long ntfn_signal_wait(uint64_t signal_ntfn, uint64_t bits, uint64_t wait_ntfn,
                                    uint64_t deadline, uint64_t *got)
{
    struct sys_result r = sys_signal_wait(signal_ntfn, bits, wait_ntfn, deadline);
    if (r.ret >= 0 && got)
        *got = r.r[SYS_R_RDI];
    return r.ret;
}

/* Takes ntfn's pending bits into *bits without blocking (0 if none). */
static inline long ntfn_poll(uint64_t ntfn, uint64_t *bits)
{
    struct sys_result r = sys_poll(ntfn);
    if (r.ret >= 0 && bits)
        *bits = r.r[SYS_R_RDI];
    return r.ret;
}

#endif
