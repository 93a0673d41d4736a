/* The socket client API (sock.h) over the protocol of pvk/sockproto.h.
 *
 * State: one session with the network server (opened on the first call
 * that makes a socket: the region mapped at SOCK_CLIENT_VA, our
 * notification handed over), and a table of handles, each naming a server
 * socket of the session it was made in (epoch). The data moves through
 * the region's rings; each call tells the server our new ring index.
 *
 * Waiting: on our notification (the server ORs in the socket's bit when
 * something changed), in slices of at most PROBE_NS. A slice that ends
 * with no signal is followed by SOCK_PING: a restarted server answers it
 * SOCK_ENOSESSION (its start time is in every token), so a waiting call
 * notices a server restart within about PROBE_NS (plus the server's own
 * start-up, since the call waits for the new instance to receive). Then
 * the session is dropped (region unmapped) and every handle of it answers
 * SOCK_ECONNRESET (sock_poll: ERR | HUP) until closed; the next call that
 * makes a socket opens a new session. */
#include "runtime.h"
#include "sock.h"
#include "pvk/sockproto.h"

_Static_assert(SOCK_ECONNRESET == SOCKP_ECONNRESET && SOCK_ECONNREFUSED == SOCKP_ECONNREFUSED &&
                   SOCK_EADDRINUSE == SOCKP_EADDRINUSE && SOCK_ENOTCONN == SOCKP_ENOTCONN &&
                   SOCK_EMSGSIZE == SOCKP_EMSGSIZE && SOCK_EUNREACH == SOCKP_EUNREACH,
               "sock.h and sockproto.h agree on the errors");

#define RING      SOCK_RING_BYTES
#define PROBE_NS  (150ull * 1000000ull)
#define HANDLES   48u

struct csock {
    bool used, udp;
    uint8_t srv;                /* the server's socket number */
    uint32_t epoch;             /* the session it belongs to */
    uint32_t rx_tail, tx_head;  /* our ring indices */
    uint16_t lport, pport;      /* TCP: the connection (listener: lport only), for SOCK_RESET_PEER */
    uint32_t paddr;
};

/* A connection a dead server instance held: the next session asks the new
 * instance to make its peer reset it (SOCK_RESET_PEER, sockproto.h). */
struct orphan {
    uint16_t lport, pport;
    uint32_t paddr;
};

static struct {
    uint64_t ep, ntfn;
    uint64_t region;            /* its capability (0: no session) */
    uint64_t token;
    uint32_t epoch;             /* sessions opened so far */
    struct sock_region *r;
    struct csock h[HANDLES];
    struct orphan orphans[HANDLES];
    unsigned norphans;
} S;

static uint64_t now(void)
{
    return (uint64_t)sys_time().ret;
}

uint64_t sock_after_ms(uint64_t ms)
{
    return now() + ms * 1000000ull;
}

/* The session is gone (the server restarted): its handles are dead. */
static void session_lost(void)
{
    if (!S.region)
        return;
    for (unsigned i = 0; i < HANDLES; i++) {
        const struct csock *c = &S.h[i];
        if (c->used && !c->udp && c->epoch == S.epoch && c->pport && S.norphans < HANDLES)
            S.orphans[S.norphans++] = (struct orphan){ c->lport, c->pport, c->paddr };
    }
    sys_unmap(RT_SLOT_SELF_PROCESS, SOCK_CLIENT_VA);
    sys_cap_delete(S.region);
    rt_slot_free((int)S.region);
    S.region = 0;
    S.r = NULL;
}

/* One call with the token in MR0; the reply's MR0 (the result), the rest
 * in *m. A lost session (no such session, or the server died in the call)
 * is dropped and reported SOCK_ECONNRESET. */
static long call(uint64_t label, uint64_t a, uint64_t b, uint64_t c, struct msg *m)
{
    if (!S.region)
        return SOCK_ECONNRESET;
    *m = (struct msg){ .tag = TAG(label, 4, 0), .mr = { S.token, a, b, c } };
    long rc = ipc_call(S.ep, m);
    if (rc >= 0)
        rc = (long)m->mr[0];
    if (rc == SOCK_ENOSESSION || rc == SYS_EDEAD) {
        session_lost();
        return SOCK_ECONNRESET;
    }
    return rc;
}

/* Opens a session if there is none: 0 or an error. */
static long session_open(void)
{
    if (S.region)
        return 0;
    if (!S.ep)
        return SYS_EINVAL;
    int slot = rt_slot_alloc();
    if (slot < 0)
        return SYS_ENOMEM;
    struct ipc_buffer *b = rt_ipc_buffer();
    long rc = SYS_EDEAD;
    struct msg m;
    for (int tries = 0; tries < 3 && rc == SYS_EDEAD; tries++) {   /* the server died during the call */
        b->send_cap = S.ntfn;
        b->recv_slot = (uint64_t)slot;
        m = (struct msg){ .tag = TAG(SOCK_OPEN, 0, 1) };
        rc = ipc_call(S.ep, &m);
        b->send_cap = b->recv_slot = 0;
        if (rc >= 0)
            rc = (long)m.mr[0];
    }
    if (rc == 0 && (TAG_LEN(m.tag) < 3 || m.mr[2] != SOCK_REGION_BYTES || sys_cap_info((uint64_t)slot).ret != CAP_FRAME))
        rc = SYS_EINVAL;
    if (rc == 0)
        rc = sys_map((uint64_t)slot, RT_SLOT_SELF_PROCESS, SOCK_CLIENT_VA, CAP_R_READ | CAP_R_WRITE).ret;
    if (rc == 0 && ((struct sock_region *)SOCK_CLIENT_VA)->magic != SOCK_REGION_MAGIC) {
        sys_unmap(RT_SLOT_SELF_PROCESS, SOCK_CLIENT_VA);
        rc = SYS_EINVAL;
    }
    if (rc != 0) {
        sys_cap_delete((uint64_t)slot);
        rt_slot_free(slot);
        return rc;
    }
    S.region = (uint64_t)slot;
    S.token = m.mr[1];
    S.r = (struct sock_region *)SOCK_CLIENT_VA;
    S.epoch++;
    /* The connections the dead instance held: their peers may be waiting
     * for data that will never come; the new instance makes them reset. */
    for (unsigned i = 0; i < S.norphans && S.region; i++) {
        struct msg r;
        call(SOCK_RESET_PEER, S.orphans[i].lport, S.orphans[i].paddr, S.orphans[i].pport, &r);
    }
    S.norphans = 0;
    return 0;
}

long sock_init(uint64_t ep_slot)
{
    if (S.ep)
        return 0;
    int n = rt_slot_alloc();
    if (n < 0)
        return SYS_ENOMEM;
    long rc = sys_create(CAP_NOTIFICATION, (uint64_t)n, 0).ret;
    if (rc != 0) {
        rt_slot_free(n);
        return rc;
    }
    S.ntfn = (uint64_t)n;
    S.ep = ep_slot;
    return 0;
}

/* Waits for a signal until deadline (one slice of at most PROBE_NS, then
 * a probe of the session). 0 to look again, or SYS_EAGAIN (SOCK_NOWAIT)
 * / SYS_ETIMEOUT when the deadline has passed. */
static long wait_until(uint64_t deadline)
{
    uint64_t t = now();
    if (t >= deadline)
        return deadline == SOCK_NOWAIT ? SYS_EAGAIN : SYS_ETIMEOUT;
    uint64_t until = deadline - t > PROBE_NS ? t + PROBE_NS : deadline;
    uint64_t bits;
    if (ntfn_wait(S.ntfn, until, &bits) == SYS_ETIMEOUT && S.region) {
        struct msg m;
        call(SOCK_PING, 0, 0, 0, &m);
    }
    return 0;
}

/* The handle's entry if it is open; NULL otherwise. */
static struct csock *get(long s)
{
    return s >= 0 && s < (long)HANDLES && S.h[s].used ? &S.h[s] : NULL;
}

static bool alive(const struct csock *c)
{
    return S.region && c->epoch == S.epoch;
}

static struct sock_slot *slot_of(const struct csock *c)
{
    return &S.r->slot[c->srv];
}

/* The open handle s of the kind udp, of the live session: 0 with *c and
 * (if sl) *sl set; SYS_EINVAL (not open, or the other kind) or
 * SOCK_ECONNRESET (its session is gone) otherwise. */
static long live_handle(long s, bool udp, struct csock **c, struct sock_slot **sl)
{
    *c = get(s);
    if (!*c || (*c)->udp != udp)
        return SYS_EINVAL;
    if (!alive(*c))
        return SOCK_ECONNRESET;
    if (sl)
        *sl = slot_of(*c);
    return 0;
}

/* A handle for the server's socket rc (>= 0), or rc itself if an error;
 * with no handle free the socket is closed and SYS_ENOMEM returned. */
static long new_handle(long rc, bool udp)
{
    if (rc < 0)
        return rc;
    if (rc >= (long)SOCK_MAX_SOCKETS)
        return SYS_EINVAL;
    for (unsigned i = 0; i < HANDLES; i++) {
        if (!S.h[i].used) {
            S.h[i] = (struct csock){ .used = true, .udp = udp, .srv = (uint8_t)rc, .epoch = S.epoch };
            return (long)i;
        }
    }
    struct msg m;
    call(SOCK_CLOSE, (uint64_t)rc, 0, 0, &m);
    return SYS_ENOMEM;
}

static uint32_t load(const uint32_t *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* --- TCP ----------------------------------------------------------------------- */

long sock_tcp_listen(uint32_t addr, uint16_t port, unsigned backlog)
{
    long rc = session_open();
    struct msg m;
    if (rc == 0)
        rc = call(SOCK_LISTEN, addr, port, backlog, &m);
    long h = new_handle(rc, false);
    if (h >= 0)
        S.h[h].lport = port;
    return h;
}

long sock_accept(long listener, uint32_t *peer_addr, uint16_t *peer_port, uint64_t deadline)
{
    for (;;) {
        struct csock *c;
        struct sock_slot *sl;
        long err = live_handle(listener, false, &c, &sl);
        if (err)
            return err;
        if (load(&sl->state) != SOCK_ST_LISTEN)
            return SYS_EINVAL;
        if (load(&sl->backlog) > 0) {
            struct msg m;
            long rc = call(SOCK_ACCEPT, c->srv, 0, 0, &m);
            if (rc >= 0) {
                if (peer_addr)
                    *peer_addr = (uint32_t)m.mr[1];
                if (peer_port)
                    *peer_port = (uint16_t)m.mr[2];
                uint16_t lport = c->lport;
                long h = new_handle(rc, false);
                if (h >= 0) {
                    S.h[h].lport = lport;
                    S.h[h].paddr = (uint32_t)m.mr[1];
                    S.h[h].pport = (uint16_t)m.mr[2];
                }
                return h;
            }
            if (rc != SYS_EBUSY)
                return rc;
        }
        long w = wait_until(deadline);
        if (w < 0)
            return w;
    }
}

long sock_tcp_connect(uint32_t addr, uint16_t port, uint64_t deadline)
{
    long rc = session_open();
    struct msg m;
    if (rc == 0)
        rc = call(SOCK_CONNECT, addr, port, 0, &m);
    long h = new_handle(rc, false);
    if (h < 0)
        return h;
    S.h[h].lport = (uint16_t)m.mr[1];
    S.h[h].paddr = addr;
    S.h[h].pport = port;
    for (;;) {
        struct csock *c = get(h);
        if (!alive(c)) {
            sock_close(h);
            return SOCK_ECONNRESET;
        }
        struct sock_slot *sl = slot_of(c);
        uint32_t flags = load(&sl->flags);
        if (flags & SOCK_F_ERR) {
            rc = sl->error;
            sock_close(h);
            return rc;
        }
        if (load(&sl->state) == SOCK_ST_CONNECTED)
            return h;
        long w = wait_until(deadline);
        if (w < 0) {
            sock_close(h);
            return w;
        }
    }
}

long sock_send(long s, const void *buf, size_t len, uint64_t deadline)
{
    for (;;) {
        struct csock *c;
        struct sock_slot *sl;
        long err = live_handle(s, false, &c, &sl);
        if (err)
            return err;
        if (load(&sl->flags) & SOCK_F_ERR)
            return sl->error;
        uint32_t state = load(&sl->state);
        if (state != SOCK_ST_CONNECTED && state != SOCK_ST_CONNECTING)
            return SOCK_ENOTCONN;
        uint32_t used = c->tx_head - load(&sl->tx_tail);
        if (used > RING)
            return SYS_EINVAL;          /* the server's index makes no sense */
        if (len == 0)
            return 0;
        uint32_t n = RING - used;
        if (n) {
            if (n > len)
                n = (uint32_t)len;
            sock_ring_put((uint8_t *)S.r + SOCK_TX_OFFSET(c->srv), RING, c->tx_head, buf, n);
            c->tx_head += n;
            struct msg m;
            long rc = call(SOCK_SEND, c->srv, c->tx_head, 0, &m);
            return rc < 0 ? rc : (long)n;
        }
        long w = wait_until(deadline);
        if (w < 0)
            return w;
    }
}

long sock_send_all(long s, const void *buf, size_t len, uint64_t deadline)
{
    size_t done = 0;
    for (;;) {
        if (done == len)
            return (long)done;
        long n = sock_send(s, (const uint8_t *)buf + done, len - done, deadline);
        if (n < 0)
            return n;
        done += (size_t)n;
    }
}

long sock_recv(long s, void *buf, size_t cap, uint64_t deadline)
{
    const struct csock *h = get(s);
    if (h && h->udp)
        return sock_recvfrom(s, buf, cap, NULL, NULL, deadline);
    for (;;) {
        struct csock *c;
        struct sock_slot *sl;
        long err = live_handle(s, false, &c, &sl);
        if (err)
            return err;
        uint32_t flags = load(&sl->flags);  /* before rx_head: with EOF, rx_head is final */
        uint32_t avail = load(&sl->rx_head) - c->rx_tail;
        if (avail > RING)
            return SYS_EINVAL;
        if (avail && cap) {
            uint32_t n = avail < cap ? avail : (uint32_t)cap;
            sock_ring_get((uint8_t *)S.r + SOCK_RX_OFFSET(c->srv), RING, c->rx_tail, buf, n);
            c->rx_tail += n;
            struct msg m;
            call(SOCK_RECVD, c->srv, c->rx_tail, 0, &m);
            return n;
        }
        if (avail && !cap)
            return 0;
        if (flags & SOCK_F_ERR)
            return sl->error;
        if (flags & SOCK_F_EOF)
            return 0;
        uint32_t state = load(&sl->state);
        if (state != SOCK_ST_CONNECTED && state != SOCK_ST_CONNECTING)
            return SOCK_ENOTCONN;
        long w = wait_until(deadline);
        if (w < 0)
            return w;
    }
}

long sock_shutdown_send(long s)
{
    struct csock *c;
    long err = live_handle(s, false, &c, NULL);
    if (err)
        return err;
    struct msg m;
    return call(SOCK_SHUTDOWN, c->srv, 0, 0, &m);
}

long sock_tcp_nodelay(long s, bool on)
{
    struct csock *c;
    long err = live_handle(s, false, &c, NULL);
    if (err)
        return err;
    struct msg m;
    return call(SOCK_NODELAY, c->srv, on ? 1 : 0, 0, &m);
}

/* --- UDP ------------------------------------------------------------------------- */

long sock_udp_bind(uint32_t addr, uint16_t port)
{
    long rc = session_open();
    struct msg m;
    if (rc == 0)
        rc = call(SOCK_UDP_BIND, addr, port, 0, &m);
    return new_handle(rc, true);
}

long sock_sendto(long s, const void *buf, size_t len, uint32_t addr, uint16_t port)
{
    struct csock *c;
    struct sock_slot *sl;
    long err = live_handle(s, true, &c, &sl);
    if (err)
        return err;
    if (len > SOCK_DGRAM_MAX)
        return SOCK_EMSGSIZE;
    uint32_t used = c->tx_head - load(&sl->tx_tail), need = sock_record_bytes((uint32_t)len);
    if (used > RING)
        return SYS_EINVAL;
    if (RING - used < need)
        return SYS_EAGAIN;              /* the server sends each call's datagram at once: not seen */
    uint8_t *ring = (uint8_t *)S.r + SOCK_TX_OFFSET(c->srv);
    struct sock_dgram h = { .len = (uint16_t)len, .port = port, .addr = addr };
    sock_ring_put(ring, RING, c->tx_head, &h, sizeof h);
    sock_ring_put(ring, RING, c->tx_head + (uint32_t)sizeof h, buf, (uint32_t)len);
    c->tx_head += need;
    struct msg m;
    long rc = call(SOCK_SEND, c->srv, c->tx_head, 0, &m);
    return rc < 0 ? rc : (long)len;
}

long sock_recvfrom(long s, void *buf, size_t cap, uint32_t *from_addr, uint16_t *from_port, uint64_t deadline)
{
    for (;;) {
        struct csock *c;
        struct sock_slot *sl;
        long err = live_handle(s, true, &c, &sl);
        if (err)
            return err;
        uint32_t avail = load(&sl->rx_head) - c->rx_tail;
        if (avail > RING)
            return SYS_EINVAL;
        if (avail) {
            const uint8_t *ring = (const uint8_t *)S.r + SOCK_RX_OFFSET(c->srv);
            struct sock_dgram h;
            sock_ring_get(ring, RING, c->rx_tail, &h, sizeof h);
            if (avail < sizeof h || sock_record_bytes(h.len) > avail)
                return SYS_EINVAL;
            uint32_t n = h.len < cap ? h.len : (uint32_t)cap;
            sock_ring_get(ring, RING, c->rx_tail + (uint32_t)sizeof h, buf, n);
            c->rx_tail += sock_record_bytes(h.len);
            if (from_addr)
                *from_addr = h.addr;
            if (from_port)
                *from_port = h.port;
            struct msg m;
            call(SOCK_RECVD, c->srv, c->rx_tail, 0, &m);
            return h.len;
        }
        long w = wait_until(deadline);
        if (w < 0)
            return w;
    }
}

/* --- any socket -------------------------------------------------------------------- */

long sock_close(long s)
{
    struct csock *c = get(s);
    if (!c)
        return SYS_EINVAL;
    if (alive(c)) {
        struct msg m;
        call(SOCK_CLOSE, c->srv, 0, 0, &m);
    }
    c->used = false;
    return 0;
}

/* What is ready on c now (SOCK_POLL_*). */
static uint16_t ready(const struct csock *c)
{
    if (!alive(c))
        return SOCK_POLL_ERR | SOCK_POLL_HUP;
    const struct sock_slot *sl = slot_of(c);
    uint32_t flags = load(&sl->flags), state = load(&sl->state);
    uint32_t avail = load(&sl->rx_head) - c->rx_tail, used = c->tx_head - load(&sl->tx_tail);
    uint16_t r = 0;
    if (avail || (flags & SOCK_F_EOF) || (state == SOCK_ST_LISTEN && load(&sl->backlog)))
        r |= SOCK_POLL_IN;
    if ((state == SOCK_ST_CONNECTED || state == SOCK_ST_UDP) && used < RING)
        r |= SOCK_POLL_OUT;
    if (flags & SOCK_F_ERR)
        r |= SOCK_POLL_ERR;
    if (flags & SOCK_F_EOF)
        r |= SOCK_POLL_HUP;
    return r;
}

long sock_poll(struct sock_poll *set, unsigned n, uint64_t deadline)
{
    if (n && !set)
        return SYS_EINVAL;
    for (;;) {
        long count = 0;
        for (unsigned i = 0; i < n; i++) {
            const struct csock *c = get(set[i].s);
            uint16_t r = c ? ready(c) : SOCK_POLL_ERR;
            set[i].revents = r & (set[i].events | SOCK_POLL_ERR | SOCK_POLL_HUP);
            count += set[i].revents != 0;
        }
        if (count)
            return count;
        if (wait_until(deadline) < 0)
            return 0;
    }
}

long sock_local_addr(uint32_t *addr)
{
    long rc = session_open();
    struct msg m;
    if (rc == 0)
        rc = call(SOCK_ADDR, 0, 0, 0, &m);
    if (rc < 0)
        return rc;
    if (addr)
        *addr = (uint32_t)rc;
    return 0;
}
