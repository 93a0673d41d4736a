/* IPC on endpoints: send/nbsend/recv/call/reply/reply_recv, deadlines,
 * message sizes, long messages, badges, capability transfer, and IPC with
 * threads and processes that die. */
#include "ktest.h"

#define PARTNER_QUOTA (1024 * 1024)
#define PARTNER_PRIO 45

/* State shared with a helper thread. */
struct peer {
    uint64_t ep;
    uint64_t deadline_ms;
    struct ipc_buffer *buf;     /* the helper's IPC buffer (or NULL) */
    uint64_t recv_slot;
    unsigned len;               /* words to send */
    long rc, rc2;
    struct msg m;
    uint64_t words[SYS_MSG_MAX];
    volatile bool done;
};
static struct peer peer;

static void reset_peer(uint64_t ep)
{
    memset(&peer, 0, sizeof peer);
    peer.ep = ep;
    peer.deadline_ms = 3000;
}

/* Receives one message (deadline), keeps it and its long words. */
static void recv_fn(uint64_t arg)
{
    struct peer *p = (struct peer *)(uintptr_t)arg;
    if (p->buf)
        p->buf->recv_slot = p->recv_slot;
    p->rc = ipc_recv_until(p->ep, kt_in(p->deadline_ms * MS), &p->m);
    if (p->buf)
        memcpy(p->words, p->buf->mr, sizeof p->words);
    p->done = true;
}

/* Receives one call and replies MR0 + 100 (first trying an oversized reply). */
static void server_fn(uint64_t arg)
{
    struct peer *p = (struct peer *)(uintptr_t)arg;
    p->rc = ipc_recv_until(p->ep, kt_in(p->deadline_ms * MS), &p->m);
    struct msg r = { .tag = TAG(0x77, SYS_MSG_MAX + 1, 0), .mr = { p->m.mr[0] + 100 } };
    p->rc2 = ipc_reply(&r);
    r.tag = TAG(0x77, 1, 0);
    long rc3 = ipc_reply(&r);
    if (rc3 != 0)
        p->rc2 = 1000 + rc3;
    p->done = true;
}

/* Sends (blocking) p->len words: MR i = 1000 + i. */
static void send_fn(uint64_t arg)
{
    struct peer *p = (struct peer *)(uintptr_t)arg;
    struct msg m = { .tag = TAG(9, p->len, 0), .mr = { 1000, 1001, 1002, 1003 } };
    if (p->buf)
        for (unsigned i = SYS_MSG_REGS; i < SYS_MSG_MAX; i++)
            p->buf->mr[i] = 1000 + i;
    p->rc = ipc_send(p->ep, &m);
    p->done = true;
}

/* Calls p->ep with label p->len and MR0 = 5; keeps the result. */
static void call_fn(uint64_t arg)
{
    struct peer *p = (struct peer *)(uintptr_t)arg;
    struct msg m = { .tag = TAG(p->len, 1, 0), .mr = { 5 } };
    p->rc = ipc_call(p->ep, &m);
    p->m = m;
    p->done = true;
}

/* Waits (blocking ktest) until flag is set or ms pass. */
static bool wait_flag(volatile bool *flag, uint64_t ms)
{
    uint64_t end = kt_in(ms * MS);
    while (!*flag) {
        if (kt_now() > end)
            return false;
        sys_sleep(kt_in(MS / 2));
    }
    return true;
}

static bool t_nbsend_timeout(void)
{
    uint64_t ep = kt_endpoint();
    CHECK_RC(sys_nbsend(ep, TAG(1, 0, 0), 0, 0, 0, 0), SYS_EBUSY);
    CHECK_RC(sys_recv(ep, 1), SYS_ETIMEOUT);                  /* long past */
    uint64_t deadline = kt_in(3 * MS);
    CHECK_RC(sys_recv(ep, deadline), SYS_ETIMEOUT);
    CHECK(kt_now() >= deadline);
    return true;
}

static bool t_send_recv(void)
{
    uint64_t ep = kt_endpoint(), badged = kt_slot();
    CHECK_RC(sys_cap_copy(ep, badged, CAP_R_WRITE, 0x77), SYS_OK);
    /* The sender blocks until the (lower-priority) receiver takes it. */
    reset_peer(ep);
    uint64_t t = kt_thread_run(recv_fn, (uintptr_t)&peer, KT_HELPER_PRIO, 0);
    CHECK(t != 0);
    CHECK_RC(sys_send(badged, TAG(0x1234, 4, 0), 11, 22, 33, 44), SYS_OK);
    CHECK(wait_flag(&peer.done, 2000));
    CHECK_EQ(peer.rc, SYS_OK);
    CHECK_EQ(peer.m.badge, 0x77);
    CHECK_EQ(TAG_LABEL(peer.m.tag), 0x1234);
    CHECK_EQ(TAG_LEN(peer.m.tag), 4);
    CHECK_EQ(TAG_CAPS(peer.m.tag), 0);
    CHECK_EQ(peer.m.mr[0], 11);
    CHECK_EQ(peer.m.mr[1], 22);
    CHECK_EQ(peer.m.mr[2], 33);
    CHECK_EQ(peer.m.mr[3], 44);
    /* A receiver already waiting: nbsend succeeds; an unbadged cap gives badge 0. */
    reset_peer(ep);
    uint64_t t2 = kt_thread_run(recv_fn, (uintptr_t)&peer, KT_HELPER_PRIO, 0);
    CHECK(t2 != 0);
    CHECK(kt_settle());             /* the receiver waits now */
    CHECK_RC(sys_nbsend(ep, TAG(5, 1, 0), 99, 0, 0, 0), SYS_OK);
    CHECK(wait_flag(&peer.done, 2000));
    CHECK_EQ(peer.rc, SYS_OK);
    CHECK_EQ(peer.m.badge, 0);
    CHECK_EQ(peer.m.mr[0], 99);
    /* The receiver of a plain send has nobody to reply to. */
    CHECK_RC(sys_reply(0, TAG(0, 0, 0), 0, 0, 0, 0), SYS_ENOREPLY);
    return true;
}

static bool t_call_reply(void)
{
    uint64_t ep = kt_endpoint(), badged = kt_slot();
    CHECK_RC(sys_cap_copy(ep, badged, CAP_R_WRITE, 0xabc), SYS_OK);
    reset_peer(ep);
    uint64_t t = kt_thread_run(server_fn, (uintptr_t)&peer, KT_HELPER_PRIO, 0);
    CHECK(t != 0);
    struct msg m = { .tag = TAG(3, 2, 0), .mr = { 7, 8 } };
    CHECK_EQ(ipc_call(badged, &m), SYS_OK);
    CHECK(wait_flag(&peer.done, 2000));
    CHECK_EQ(peer.rc, SYS_OK);
    CHECK_EQ(peer.m.badge, 0xabc);
    CHECK_EQ(TAG_LABEL(peer.m.tag), 3);
    CHECK_EQ(peer.m.mr[1], 8);
    /* The oversized reply was refused and the caller kept waiting. */
    CHECK_EQ(peer.rc2, SYS_EMSGSIZE);
    CHECK_EQ(TAG_LABEL(m.tag), 0x77);
    CHECK_EQ(TAG_LEN(m.tag), 1);
    CHECK_EQ(m.mr[0], 107);
    CHECK_EQ(m.badge, 0);       /* replies carry badge 0 */
    CHECK_RC(sys_reply(0, TAG(0, 0, 0), 0, 0, 0, 0), SYS_ENOREPLY);
    return true;
}

static bool t_msgsize(void)
{
    uint64_t ep = kt_endpoint();
    const uint64_t bad[] = { TAG(0, SYS_MSG_MAX + 1, 0), TAG(0, 255, 0), TAG(0, 0, 2), TAG(0, 1, 255),
                             TAG(1, 65, 1) };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_RC(sys_send(ep, bad[i], 0, 0, 0, 0), SYS_EMSGSIZE);
        CHECK_RC(sys_nbsend(ep, bad[i], 0, 0, 0, 0), SYS_EMSGSIZE);
        CHECK_RC(sys_call(ep, bad[i], 0, 0, 0, 0), SYS_EMSGSIZE);
    }
    /* The largest allowed tag is fine (and nobody waits). */
    CHECK_RC(sys_nbsend(ep, TAG(0xffffffffffffull, SYS_MSG_MAX, 1), 0, 0, 0, 0), SYS_EBUSY);
    return true;
}

static bool t_long_message(void)
{
    uint64_t ep = kt_endpoint(), client = kt_slot();
    CHECK_RC(sys_cap_copy(ep, client, CAP_R_WRITE, 0x5a), SYS_OK);
    struct spawn_caps caps[] = { { ep, KP_SLOT_A, CAP_R_READ } };
    struct kt_partner p;
    CHECK_EQ(kt_spawn("kpartner", KP_ARG(KP_ECHO, 0), caps, 1, PARTNER_QUOTA, PARTNER_PRIO, 0, 0, &p), 0);
    struct ipc_buffer *b = rt_ipc_buffer();
    for (unsigned i = SYS_MSG_REGS; i < SYS_MSG_MAX; i++)
        b->mr[i] = i * 3;
    struct msg m = { .tag = TAG(KP_OP_ECHO, SYS_MSG_MAX, 0), .mr = { 1, 2, 3, 4 } };
    CHECK_EQ(ipc_call(client, &m), SYS_OK);
    CHECK_EQ(TAG_LEN(m.tag), SYS_MSG_MAX);
    CHECK_EQ(m.mr[0], 2);
    CHECK_EQ(m.mr[1], 0x5a);
    CHECK_EQ(m.mr[2], SYS_MSG_MAX);
    for (unsigned i = SYS_MSG_REGS; i < SYS_MSG_MAX; i++)
        if (b->mr[i] != i * 3 + 1)
            return kt_fail("word %u came back as %llu, expected %u", i, (unsigned long long)b->mr[i], i * 3 + 1);
    /* Lengths between 0 and 64 all work. */
    for (unsigned len = 0; len <= SYS_MSG_MAX; len += 7) {
        for (unsigned i = SYS_MSG_REGS; i < SYS_MSG_MAX; i++)
            b->mr[i] = i;
        m = (struct msg){ .tag = TAG(KP_OP_ECHO, len, 0), .mr = { len } };
        CHECK_EQ(ipc_call(client, &m), SYS_OK);
        CHECK_EQ(m.mr[0], len + 1);
        CHECK_EQ(m.mr[2], len);
        if (len > SYS_MSG_REGS)
            CHECK_EQ(b->mr[len - 1], len);
    }
    return true;
}

static bool t_long_no_ipcbuf(void)
{
    uint64_t ep = kt_endpoint();
    /* A receiver without an IPC buffer gets the four register words. */
    reset_peer(ep);
    uint64_t t = kt_thread(recv_fn, (uintptr_t)&peer, KT_HELPER_PRIO, false);
    CHECK(t != 0 && kt_start(t) == 0);
    struct ipc_buffer *b = rt_ipc_buffer();
    for (unsigned i = SYS_MSG_REGS; i < SYS_MSG_MAX; i++)
        b->mr[i] = i;
    CHECK_RC(sys_send(ep, TAG(1, 10, 0), 1, 2, 3, 4), SYS_OK);
    CHECK(wait_flag(&peer.done, 2000));
    CHECK_EQ(peer.rc, SYS_OK);
    CHECK_EQ(TAG_LEN(peer.m.tag), SYS_MSG_REGS);
    CHECK_EQ(peer.m.mr[3], 4);
    /* A sender without one: the receiver gets 4 words, and its buffer is untouched. */
    reset_peer(ep);
    peer.len = 10;
    uint64_t t2 = kt_thread(send_fn, (uintptr_t)&peer, KT_HELPER_PRIO, false);
    CHECK(t2 != 0 && kt_start(t2) == 0);
    for (unsigned i = SYS_MSG_REGS; i < SYS_MSG_MAX; i++)
        b->mr[i] = 0xeeee;
    struct msg m;
    CHECK_EQ(kt_recv(ep, 2000, &m), SYS_OK);
    CHECK_EQ(TAG_LEN(m.tag), SYS_MSG_REGS);
    CHECK_EQ(m.mr[0], 1000);
    CHECK_EQ(b->mr[4], 0xeeee);
    CHECK(wait_flag(&peer.done, 2000));
    CHECK_EQ(peer.rc, SYS_OK);
    return true;
}

static bool t_cap_transfer(void)
{
    uint64_t ep = kt_endpoint(), grant = kt_slot(), nogrant = kt_slot();
    CHECK_RC(sys_cap_copy(ep, grant, CAP_R_WRITE | CAP_R_GRANT, 0x55), SYS_OK);
    CHECK_RC(sys_cap_copy(ep, nogrant, CAP_R_WRITE, 0x56), SYS_OK);
    struct spawn_caps caps[] = { { ep, KP_SLOT_A, CAP_R_READ } };
    struct kt_partner p;
    CHECK_EQ(kt_spawn("kpartner", KP_ARG(KP_ECHO, 0), caps, 1, PARTNER_QUOTA, PARTNER_PRIO, 0, 0, &p), 0);
    uint64_t n = kt_notification(), nb = kt_slot();
    CHECK_RC(sys_cap_copy(n, nb, CAP_R_READ | CAP_R_WRITE, 0x99), SYS_OK);
    struct ipc_buffer *b = rt_ipc_buffer();

    /* With GRANT: the partner gets the cap, rights and badge intact. */
    b->send_cap = nb;
    struct msg m = { .tag = TAG(KP_OP_CAPINFO, 0, 1) };
    CHECK_EQ(ipc_call(grant, &m), SYS_OK);
    CHECK_EQ(m.mr[0], 1);
    CHECK_EQ(m.mr[1], CAP_NOTIFICATION);
    CHECK_EQ(m.mr[2], CAP_R_READ | CAP_R_WRITE);
    CHECK_EQ(m.mr[3], 0x99);
    CHECK_EQ(sys_cap_info(nb).ret, CAP_NOTIFICATION);      /* the sender keeps its cap */

    /* Without GRANT the message arrives without the cap. */
    m = (struct msg){ .tag = TAG(KP_OP_CAPINFO, 0, 1) };
    CHECK_EQ(ipc_call(nogrant, &m), SYS_OK);
    CHECK_EQ(m.mr[0], 0);
    CHECK_EQ(m.mr[1], 0);

    /* An empty send_cap slot: no cap. */
    b->send_cap = kt_slot();
    m = (struct msg){ .tag = TAG(KP_OP_CAPINFO, 0, 1) };
    CHECK_EQ(ipc_call(grant, &m), SYS_OK);
    CHECK_EQ(m.mr[0], 0);
    b->send_cap = 0;
    m = (struct msg){ .tag = TAG(KP_OP_CAPINFO, 0, 1) };
    CHECK_EQ(ipc_call(grant, &m), SYS_OK);
    CHECK_EQ(m.mr[0], 0);

    /* A cap in a reply: sent back into our receive slot (a frame, read-only). */
    uint64_t f = kt_frame(2), fr = kt_slot(), back = kt_slot();
    CHECK_RC(sys_cap_copy(f, fr, CAP_R_READ, 0), SYS_OK);
    b->send_cap = fr;
    b->recv_slot = back;
    m = (struct msg){ .tag = TAG(KP_OP_CAPBACK, 0, 1) };
    CHECK_EQ(ipc_call(grant, &m), SYS_OK);
    CHECK_EQ(TAG_CAPS(m.tag), 1);
    struct sys_result r = sys_cap_info(back);
    CHECK_EQ(r.ret, CAP_FRAME);
    CHECK_EQ(r.r[0], CAP_R_READ);
    CHECK_EQ(b->recv_cap_badge, 0);
    /* It is derived from ours: revoking ours takes it. */
    CHECK(sys_cap_revoke(fr).ret >= 1);
    CHECK_RC(sys_cap_info(back), SYS_ENOCAP);

    /* Receive slot occupied (or 0): the reply comes without the cap. */
    b->send_cap = fr;
    b->recv_slot = grant;
    m = (struct msg){ .tag = TAG(KP_OP_CAPBACK, 0, 1) };
    CHECK_EQ(ipc_call(grant, &m), SYS_OK);
    CHECK_EQ(m.mr[0], 1);           /* the partner got it */
    CHECK_EQ(TAG_CAPS(m.tag), 0);   /* we did not */
    b->recv_slot = 0;
    m = (struct msg){ .tag = TAG(KP_OP_CAPBACK, 0, 1) };
    CHECK_EQ(ipc_call(grant, &m), SYS_OK);
    CHECK_EQ(TAG_CAPS(m.tag), 0);
    b->recv_slot = 999;             /* out of range: also refused */
    m = (struct msg){ .tag = TAG(KP_OP_CAPBACK, 0, 1) };
    CHECK_EQ(ipc_call(grant, &m), SYS_OK);
    CHECK_EQ(TAG_CAPS(m.tag), 0);
    b->recv_slot = 0;
    b->send_cap = 0;
    return true;
}

/* A receiving thread without a receive slot gets no cap; one with a slot
 * does, and the received cap is revocable by the sender. */
static bool t_cap_transfer_local(void)
{
    uint64_t ep = kt_endpoint(), n = kt_notification(), into = kt_slot();
    reset_peer(ep);
    uint64_t t = kt_thread(recv_fn, (uintptr_t)&peer, KT_HELPER_PRIO, true);
    CHECK(t != 0);
    peer.buf = kt_thread_ipcbuf(t);
    peer.recv_slot = 0;
    CHECK(kt_start(t) == 0);
    rt_ipc_buffer()->send_cap = n;
    CHECK_RC(sys_send(ep, TAG(1, 0, 1), 0, 0, 0, 0), SYS_OK);
    CHECK(wait_flag(&peer.done, 2000));
    CHECK_EQ(TAG_CAPS(peer.m.tag), 0);

    reset_peer(ep);
    uint64_t t2 = kt_thread(recv_fn, (uintptr_t)&peer, KT_HELPER_PRIO, true);
    CHECK(t2 != 0);
    peer.buf = kt_thread_ipcbuf(t2);
    peer.recv_slot = into;
    CHECK(kt_start(t2) == 0);
    CHECK_RC(sys_send(ep, TAG(1, 0, 1), 0, 0, 0, 0), SYS_OK);
    CHECK(wait_flag(&peer.done, 2000));
    CHECK_EQ(TAG_CAPS(peer.m.tag), 1);
    CHECK_EQ(sys_cap_info(into).ret, CAP_NOTIFICATION);
    CHECK_RC(sys_cap_revoke(n), 1);
    CHECK_RC(sys_cap_info(into), SYS_ENOCAP);
    rt_ipc_buffer()->send_cap = 0;
    return true;
}

/* A server that receives again without replying releases the earlier caller
 * with SYS_EDEAD. */
static bool t_unanswered_caller(void)
{
    uint64_t ep = kt_endpoint();
    struct spawn_caps caps[] = { { ep, KP_SLOT_A, CAP_R_READ } };
    struct kt_partner p;
    CHECK_EQ(kt_spawn("kpartner", KP_ARG(KP_ECHO, 0), caps, 1, PARTNER_QUOTA, PARTNER_PRIO, 0, 0, &p), 0);
    reset_peer(ep);
    peer.len = KP_OP_RECV2;
    uint64_t t = kt_thread_run(call_fn, (uintptr_t)&peer, KT_HELPER_PRIO, 0);
    CHECK(t != 0);
    CHECK(kt_settle());             /* the helper's call is with the partner now */
    CHECK(!peer.done);
    struct msg m = { .tag = TAG(KP_OP_ECHO, 1, 0), .mr = { 1 } };
    CHECK_EQ(ipc_call(ep, &m), SYS_OK);
    CHECK_EQ(m.mr[0], 2);
    CHECK(wait_flag(&peer.done, 2000));
    CHECK_EQ(peer.rc, SYS_EDEAD);
    return true;
}

static bool t_call_exit(void)
{
    uint64_t ep = kt_endpoint();
    struct spawn_caps caps[] = { { ep, KP_SLOT_A, CAP_R_READ } };
    struct kt_partner p;
    CHECK_EQ(kt_spawn("kpartner", KP_ARG(KP_ECHO, 0), caps, 1, PARTNER_QUOTA, PARTNER_PRIO, 0, 0, &p), 0);
    struct msg m = { .tag = TAG(KP_OP_ECHO, 1, 0), .mr = { 1 } };
    CHECK_EQ(ipc_call(ep, &m), SYS_OK);
    /* The server exits holding our call: we get SYS_EDEAD. */
    m = (struct msg){ .tag = TAG(KP_OP_EXIT, 0, 0) };
    CHECK_EQ(ipc_call(ep, &m), SYS_EDEAD);
    CHECK(kt_wait_dead(p.thread, 2000));
    CHECK(kt_process_dead(p.process));
    /* Our endpoint lives on (we own it): nobody receives now. */
    CHECK_RC(sys_nbsend(ep, 0, 0, 0, 0, 0), SYS_EBUSY);
    return true;
}

static bool t_call_killed(void)
{
    uint64_t ep = kt_endpoint();
    struct spawn_caps caps[] = { { ep, KP_SLOT_A, CAP_R_READ } };
    struct kt_partner p;
    CHECK_EQ(kt_spawn("kpartner", KP_ARG(KP_ECHO, 0), caps, 1, PARTNER_QUOTA, PARTNER_PRIO, 0, 0, &p), 0);
    reset_peer(ep);
    peer.len = KP_OP_RECV2;
    uint64_t t = kt_thread_run(call_fn, (uintptr_t)&peer, KT_HELPER_PRIO, 0);
    CHECK(t != 0);
    CHECK(kt_settle());
    CHECK(!peer.done);
    CHECK_RC(sys_thread_ctl(p.thread, SYS_THREAD_KILL, 0), SYS_OK);
    CHECK(wait_flag(&peer.done, 2000));
    CHECK_EQ(peer.rc, SYS_EDEAD);
    CHECK(kt_process_dead(p.process));
    CHECK_RC(sys_thread_ctl(p.thread, SYS_THREAD_START, 0), SYS_EDEAD);
    return true;
}

/* Receives the endpoint a KP_OWNER partner hands over; returns its slot. */
static uint64_t get_owner_ep(uint64_t ep)
{
    uint64_t into = kt_slot();
    rt_ipc_buffer()->recv_slot = into;
    struct msg m;
    long rc = kt_recv(ep, 3000, &m);
    rt_ipc_buffer()->recv_slot = 0;
    if (rc != 0 || TAG_CAPS(m.tag) != 1)
        return 0;
    m.tag = TAG(0, 0, 0);
    ipc_reply(&m);
    return into;
}

static bool t_dead_process_ep(void)
{
    uint64_t ep = kt_endpoint();
    struct spawn_caps caps[] = { { ep, KP_SLOT_A, CAP_R_WRITE | CAP_R_GRANT } };
    struct kt_partner p;
    CHECK_EQ(kt_spawn("kpartner", KP_ARG(KP_OWNER, 0), caps, 1, PARTNER_QUOTA, PARTNER_PRIO, 0, 0, &p), 0);
    uint64_t theirs = get_owner_ep(ep);
    CHECK(theirs != 0);
    struct msg m = { .tag = TAG(KP_OP_ECHO, 1, 0), .mr = { 41 } };
    CHECK_EQ(ipc_call(theirs, &m), SYS_OK);
    CHECK_EQ(m.mr[0], 42);
    /* Its owner dies: every operation on the endpoint says SYS_EDEAD. */
    CHECK_RC(sys_thread_ctl(p.thread, SYS_THREAD_KILL, 0), SYS_OK);
    CHECK(kt_process_dead(p.process));
    m = (struct msg){ .tag = TAG(KP_OP_ECHO, 1, 0) };
    CHECK_EQ(ipc_call(theirs, &m), SYS_EDEAD);
    CHECK_RC(sys_send(theirs, 0, 0, 0, 0, 0), SYS_EDEAD);
    CHECK_RC(sys_nbsend(theirs, 0, 0, 0, 0, 0), SYS_EDEAD);
    CHECK_RC(sys_recv(theirs, kt_in(MS)), SYS_EDEAD);
    CHECK_RC(sys_reply_recv(theirs, 0, 0, 0, 0, 0), SYS_EDEAD);
    /* The cap itself stays until deleted. */
    CHECK_EQ(sys_cap_info(theirs).ret, CAP_ENDPOINT);
    return true;
}

/* A server that replies to a fault message with "kill" (the faulting
 * thread was its owner's last, so the owner dies and its endpoint with it)
 * and then waits on that endpoint in the same reply_recv: the wait ends
 * with SYS_EDEAD instead of blocking for good. */
static volatile long rr_rc;
static volatile bool rr_done;

/* Receives the fault on ep, answers "kill" and waits on ep again. */
static void fault_server_fn(uint64_t ep)
{
    struct msg m;
    if (ipc_recv(ep, &m) != SYS_OK || TAG_LABEL(m.tag) != LABEL_FAULT) {
        rr_rc = 100;
    } else {
        rr_rc = sys_reply_recv(ep, TAG(0xdead, 0, 0), 0, 0, 0, 0).ret;
    }
    rr_done = true;
}

static bool t_reply_kill_dead_ep(void)
{
    uint64_t ep = kt_endpoint();
    struct spawn_caps caps[] = { { ep, KP_SLOT_A, CAP_R_WRITE | CAP_R_GRANT } };
    struct kt_partner p;
    CHECK_EQ(kt_spawn("kpartner", KP_ARG(KP_OWNER_FAULT, 0), caps, 1, PARTNER_QUOTA, PARTNER_PRIO, 0, 0, &p), 0);
    uint64_t theirs = get_owner_ep(ep);
    CHECK(theirs != 0);
    rr_done = false;
    rr_rc = 1;
    uint64_t t = kt_thread(fault_server_fn, theirs, KT_HELPER_PRIO, false);
    CHECK(t != 0);
    CHECK_EQ(kt_start(t), SYS_OK);
    uint64_t end = kt_in(3000 * MS);
    while (!rr_done && kt_now() < end)
        kt_sleep_ms(2);
    CHECK(rr_done);
    CHECK(kt_process_dead(p.process));
    CHECK_EQ(rr_rc, SYS_EDEAD);
    return true;
}

/* A reply may carry a capability only if the call's capability had GRANT. */
static bool t_reply_cap_needs_grant(void)
{
    uint64_t ep = kt_endpoint(), grant = kt_slot(), nogrant = kt_slot(), into = kt_slot();
    CHECK_RC(sys_cap_copy(ep, grant, CAP_R_WRITE | CAP_R_GRANT, 0), SYS_OK);
    CHECK_RC(sys_cap_copy(ep, nogrant, CAP_R_WRITE, 0), SYS_OK);
    struct spawn_caps caps[] = { { ep, KP_SLOT_A, CAP_R_READ } };
    struct kt_partner p;
    CHECK_EQ(kt_spawn("kpartner", KP_ARG(KP_ECHO, 0), caps, 1, PARTNER_QUOTA, PARTNER_PRIO, 0, 0, &p), 0);
    struct ipc_buffer *b = rt_ipc_buffer();
    b->recv_slot = into;
    struct msg m = { .tag = TAG(KP_OP_REPLYCAP, 0, 0) };
    CHECK_EQ(ipc_call(nogrant, &m), SYS_OK);
    CHECK_EQ(TAG_CAPS(m.tag), 0);
    CHECK_RC(sys_cap_info(into), SYS_ENOCAP);
    m = (struct msg){ .tag = TAG(KP_OP_REPLYCAP, 0, 0) };
    CHECK_EQ(ipc_call(grant, &m), SYS_OK);
    b->recv_slot = 0;
    CHECK_EQ(TAG_CAPS(m.tag), 1);
    CHECK_EQ(sys_cap_info(into).ret, CAP_ENDPOINT);
    return true;
}

static bool t_dead_queued_sender(void)
{
    uint64_t ep = kt_endpoint();
    struct spawn_caps caps[] = { { ep, KP_SLOT_A, CAP_R_WRITE | CAP_R_GRANT } };
    struct kt_partner p;
    CHECK_EQ(kt_spawn("kpartner", KP_ARG(KP_OWNER, 0), caps, 1, PARTNER_QUOTA, PARTNER_PRIO, 0, 0, &p), 0);
    uint64_t theirs = get_owner_ep(ep);
    CHECK(theirs != 0);
    /* Make the partner busy elsewhere: suspend it, then queue a sender. */
    CHECK(kt_settle());             /* the partner serves (waits in recv) */
    CHECK_RC(sys_thread_ctl(p.thread, SYS_THREAD_SUSPEND, 0), SYS_OK);
    reset_peer(theirs);
    peer.len = 1;
    uint64_t t = kt_thread_run(send_fn, (uintptr_t)&peer, KT_HELPER_PRIO, 0);
    CHECK(t != 0);
    CHECK(kt_settle());
    CHECK(!peer.done);
    CHECK_RC(sys_thread_ctl(p.thread, SYS_THREAD_KILL, 0), SYS_OK);
    CHECK(wait_flag(&peer.done, 2000));
    CHECK_EQ(peer.rc, SYS_EDEAD);
    return true;
}

static bool t_deleted_ep(void)
{
    uint64_t ep = kt_endpoint();
    reset_peer(ep);
    uint64_t t = kt_thread_run(recv_fn, (uintptr_t)&peer, KT_HELPER_PRIO, 0);
    CHECK(t != 0);
    CHECK(kt_settle());
    CHECK(!peer.done);
    /* The last cap goes: the blocked receiver gets SYS_EDEAD. */
    CHECK_RC(sys_cap_delete(ep), SYS_OK);
    CHECK(wait_flag(&peer.done, 2000));
    CHECK_EQ(peer.rc, SYS_EDEAD);
    /* Same for a queued sender. */
    uint64_t ep2 = kt_endpoint();
    reset_peer(ep2);
    peer.len = 2;
    uint64_t t2 = kt_thread_run(send_fn, (uintptr_t)&peer, KT_HELPER_PRIO, 0);
    CHECK(t2 != 0);
    CHECK(kt_settle());
    CHECK(!peer.done);
    CHECK_RC(sys_cap_delete(ep2), SYS_OK);
    CHECK(wait_flag(&peer.done, 2000));
    CHECK_EQ(peer.rc, SYS_EDEAD);
    return true;
}

/* A receiver and queued senders: senders are served in FIFO order. */
static struct peer senders[3];

static void send_idx_fn(uint64_t arg)
{
    struct peer *p = &senders[arg];
    p->rc = sys_send(p->ep, TAG(arg, 1, 0), arg, 0, 0, 0).ret;
    p->done = true;
}

static bool t_sender_fifo(void)
{
    uint64_t ep = kt_endpoint();
    memset(senders, 0, sizeof senders);
    /* Each sender queued before the next starts: the order they joined the
     * queue in is then known, whatever the timer does to their start-up. */
    for (unsigned i = 0; i < 3; i++) {
        senders[i].ep = ep;
        CHECK(kt_thread_run(send_idx_fn, i, KT_HELPER_PRIO, 0) != 0);
        CHECK(kt_settle());
        CHECK(!senders[i].done);
    }
    for (unsigned i = 0; i < 3; i++) {
        struct msg m;
        CHECK_EQ(kt_recv(ep, 2000, &m), SYS_OK);
        CHECK_EQ(m.mr[0], i);
    }
    CHECK(kt_settle());
    for (unsigned i = 0; i < 3; i++)
        CHECK_EQ(senders[i].rc, SYS_OK);
    return true;
}

/* Callee-saved registers survive a call (fast path on both sides: a short
 * message to a waiting server answering with reply_recv), and so does
 * rflags' DF; out = rbx rbp r12 r13 r14 r15 MR0 rflags after the call. */
long kt_call_regs(uint64_t ep, uint64_t *out);
__asm__(".text\n"
        ".globl kt_call_regs\n"
        "kt_call_regs:\n"
        "    pushq %rbx\n"
        "    pushq %rbp\n"
        "    pushq %r12\n"
        "    pushq %r13\n"
        "    pushq %r14\n"
        "    pushq %r15\n"
        "    pushq %rsi\n"
        "    movabsq $0x1111111111111111, %rbx\n"
        "    movabsq $0x2222222222222222, %rbp\n"
        "    movabsq $0x3333333333333333, %r12\n"
        "    movabsq $0x4444444444444444, %r13\n"
        "    movabsq $0x5555555555555555, %r14\n"
        "    movabsq $0x6666666666666666, %r15\n"
        "    std\n"
        "    movl $5, %eax\n"                       /* SYS_call */
        "    movq $0x10001, %rsi\n"                 /* TAG(KP_OP_ECHO, 1, 0) */
        "    movq $41, %rdx\n"
        "    xorl %r10d, %r10d\n"
        "    xorl %r8d, %r8d\n"
        "    xorl %r9d, %r9d\n"
        "    syscall\n"
        "    pushfq\n"
        "    cld\n"
        "    popq %r11\n"
        "    popq %rcx\n"
        "    movq %rbx, 0(%rcx)\n"
        "    movq %rbp, 8(%rcx)\n"
        "    movq %r12, 16(%rcx)\n"
        "    movq %r13, 24(%rcx)\n"
        "    movq %r14, 32(%rcx)\n"
        "    movq %r15, 40(%rcx)\n"
        "    movq %rdx, 48(%rcx)\n"
        "    movq %r11, 56(%rcx)\n"
        "    popq %r15\n"
        "    popq %r14\n"
        "    popq %r13\n"
        "    popq %r12\n"
        "    popq %rbp\n"
        "    popq %rbx\n"
        "    ret\n");

static bool t_call_registers(void)
{
    uint64_t ep = kt_endpoint();
    struct spawn_caps caps[] = { { ep, KP_SLOT_A, CAP_R_READ } };
    struct kt_partner p;
    CHECK_EQ(kt_spawn("kpartner", KP_ARG(KP_ECHO, 0), caps, 1, PARTNER_QUOTA, PARTNER_PRIO, 0, 0, &p), 0);
    for (int i = 0; i < 200; i++) {
        uint64_t out[8] = { 0 };
        long rc = kt_call_regs(ep, out);
        CHECK_EQ(rc, SYS_OK);
        for (int r = 0; r < 6; r++)
            if (out[r] != 0x1111111111111111ull * (uint64_t)(r + 1))
                return kt_fail("round %d: callee-saved register %d is %#llx after call", i, r,
                               (unsigned long long)out[r]);
        CHECK_EQ(out[6], 42);
        CHECK(out[7] & 0x400);          /* DF still set */
    }
    return true;
}

/* Many round trips alternating fast-path (short) and slow-path (long or
 * with a cap) messages, checking every answer. */
static bool t_call_mixed(void)
{
    uint64_t ep = kt_endpoint(), client = kt_slot(), n = kt_notification();
    CHECK_RC(sys_cap_copy(ep, client, CAP_R_WRITE | CAP_R_GRANT, 0x99), SYS_OK);
    struct spawn_caps caps[] = { { ep, KP_SLOT_A, CAP_R_READ } };
    struct kt_partner p;
    CHECK_EQ(kt_spawn("kpartner", KP_ARG(KP_ECHO, 0), caps, 1, PARTNER_QUOTA, PARTNER_PRIO, 0, 0, &p), 0);
    struct ipc_buffer *b = rt_ipc_buffer();
    for (unsigned i = 0; i < 300; i++) {
        unsigned len = (i % 3 == 0) ? 4 + i % 60 : i % 5;
        unsigned ncaps = i % 7 == 0;
        b->send_cap = n;
        for (unsigned w = SYS_MSG_REGS; w < len; w++)
            b->mr[w] = i * 100 + w;
        struct msg m = { .tag = TAG(ncaps ? KP_OP_CAPINFO : KP_OP_ECHO, len, ncaps), .mr = { i, i, i, i } };
        CHECK_EQ(ipc_call(client, &m), SYS_OK);
        if (ncaps) {
            CHECK_EQ(m.mr[0], 1);
            CHECK_EQ(m.mr[1], CAP_NOTIFICATION);
            continue;
        }
        CHECK_EQ(m.mr[0], i + 1);
        CHECK_EQ(m.mr[1], 0x99);
        CHECK_EQ(m.mr[2], len);
        for (unsigned w = SYS_MSG_REGS; w < len; w++)
            if (b->mr[w] != i * 100 + w + 1)
                return kt_fail("round %u word %u: %llu", i, w, (unsigned long long)b->mr[w]);
    }
    b->send_cap = 0;
    return true;
}

const struct kt_test kt_ipc_tests[] = {
    { "reply_kill_dead_ep", "a reply that kills the endpoint's owner, then a wait on that endpoint: SYS_EDEAD",
      t_reply_kill_dead_ep },
    { "reply_cap_needs_grant", "a reply carries a capability only if the call's capability had GRANT",
      t_reply_cap_needs_grant },
    { "nbsend_timeout", "nbsend without a receiver is SYS_EBUSY; recv deadlines give SYS_ETIMEOUT",
      t_nbsend_timeout },
    { "send_recv", "send/recv carry label, length, MR0..3 and the sender's badge", t_send_recv },
    { "call_reply", "call/reply round trip; reply badge 0; oversized reply refused; ENOREPLY", t_call_reply },
    { "msgsize", "tags longer than 64 words or with more than 1 cap give SYS_EMSGSIZE", t_msgsize },
    { "long_message", "64-word messages go both ways through the IPC buffers (partner process)",
      t_long_message },
    { "long_no_ipcbuf", "a thread without an IPC buffer sends and receives only 4 words", t_long_no_ipcbuf },
    { "cap_transfer", "cap transfer needs GRANT, a send_cap and an empty recv_slot; works in replies",
      t_cap_transfer },
    { "cap_transfer_local", "a transferred cap is derived from the sender's (revocable); recv_slot 0 refuses",
      t_cap_transfer_local },
    { "unanswered_caller", "a server receiving again without replying releases the caller with SYS_EDEAD",
      t_unanswered_caller },
    { "call_exit", "a server exiting while holding a call gives the caller SYS_EDEAD", t_call_exit },
    { "call_killed", "killing a server while it holds a call gives the caller SYS_EDEAD", t_call_killed },
    { "dead_process_ep", "endpoints of a dead process: call/send/nbsend/recv/reply_recv give SYS_EDEAD",
      t_dead_process_ep },
    { "dead_queued_sender", "a sender queued on an endpoint whose owner dies gets SYS_EDEAD",
      t_dead_queued_sender },
    { "deleted_ep", "deleting the last endpoint cap wakes blocked receivers and senders with SYS_EDEAD",
      t_deleted_ep },
    { "sender_fifo", "queued senders are received in order", t_sender_fifo },
    { "call_registers", "rbx, rbp, r12-r15 and DF survive 200 calls (IPC fast path)", t_call_registers },
    { "call_mixed", "300 calls mixing short, long and cap-carrying messages all answer correctly",
      t_call_mixed },
};
KT_COUNT(kt_ipc_tests);
