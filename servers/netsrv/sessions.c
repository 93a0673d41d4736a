/* netsrv's client sessions (pvk/sockproto.h): opening one (a region made
 * and mapped here, a copy granted to the client), the calls decoded and
 * checked, the signals batched. Everything a message carries is checked
 * here before a socket operation sees it: the token, the socket number,
 * the socket's state for the call. */
#include "runtime.h"
#include "netsrv.h"
#include "lwip/tcp.h"
#include "pvk/service.h"

#define SESSION_VA        0x0000000400000000ull     /* session i's region at + i * SESSION_VA_STEP */
#define SESSION_VA_STEP   0x0000000000400000ull     /* 4 MiB */
#define TICK_NS           (50 * NS_PER_MS)          /* lingering closes checked this often */

static struct session sessions[SOCK_MAX_SESSIONS];
static uint64_t token_base;         /* this instance's start time: tokens of another instance never match */
static uint32_t opened;
static uint64_t last_tick;

void sessions_init(void)
{
    token_base = now_ns() << 16;
    if (!token_base)
        token_base = 1ull << 16;
}

static void drop_cap(uint64_t *slot)
{
    if (*slot) {
        sys_cap_delete(*slot);
        rt_slot_free((int)*slot);
        *slot = 0;
    }
}

/* --- sockets: the bookkeeping both files share ------------------------------------ */

void sock_mark(struct nsock *ns)
{
    ns->s->signal_bits |= 1ull << ns->index;
}

void sock_publish(struct nsock *ns)
{
    struct sock_slot *sl = &ns->s->r->slot[ns->index];
    sl->state = ns->state;
    sl->error = ns->error;
    sl->backlog = ns->nqueue;
    sl->tx_tail = ns->tx_tail;
    __atomic_store_n(&sl->rx_head, ns->rx_head, __ATOMIC_RELEASE);
    uint32_t flags = (ns->eof && !ns->pending ? SOCK_F_EOF : 0) | (ns->error ? SOCK_F_ERR : 0);
    __atomic_store_n(&sl->flags, flags, __ATOMIC_RELEASE);
}

struct nsock *sock_alloc(struct session *s)
{
    for (unsigned i = 0; i < SOCK_MAX_SOCKETS; i++) {
        struct nsock *ns = &s->sock[i];
        if (ns->state == SOCK_ST_FREE) {
            memset(ns, 0, sizeof *ns);
            ns->s = s;
            ns->index = (uint8_t)i;
            ns->listener = -1;
            memset(&s->r->slot[i], 0, sizeof s->r->slot[i]);
            return ns;
        }
    }
    return NULL;
}

void sock_free(struct nsock *ns)
{
    struct session *s = ns->s;
    uint8_t i = ns->index;
    memset(ns, 0, sizeof *ns);
    ns->s = s;
    ns->index = i;
    ns->state = SOCK_ST_FREE;
    memset(&s->r->slot[i], 0, sizeof s->r->slot[i]);
}

/* --- sessions ------------------------------------------------------------------------ */

/* Ends a session: its sockets aborted, the region revoked from the client
 * and unmapped, the client's notification dropped. */
static void session_end(struct session *s)
{
    for (unsigned i = 0; i < SOCK_MAX_SOCKETS; i++)
        if (s->sock[i].state != SOCK_ST_FREE)
            sock_abort(&s->sock[i]);
    unsigned index = (unsigned)(s - sessions);
    sys_unmap(RT_SLOT_SELF_PROCESS, SESSION_VA + index * SESSION_VA_STEP);
    if (s->region_slot)
        sys_cap_revoke(s->region_slot);
    drop_cap(&s->region_slot);
    drop_cap(&s->ntfn);
    memset(s, 0, sizeof *s);
}

static struct session *session_by_badge(uint64_t badge)
{
    for (unsigned i = 0; i < SOCK_MAX_SESSIONS; i++)
        if (sessions[i].used && sessions[i].badge == badge)
            return &sessions[i];
    return NULL;
}

/* SOCK_OPEN with the client's notification ntfn (ours now). */
static void session_open(struct msg *m, uint64_t ntfn)
{
    long rc = 0;
    struct session *s = session_by_badge(m->badge);
    if (s)
        session_end(s);             /* the client restarted: its old session goes */
    for (unsigned i = 0; !s && i < SOCK_MAX_SESSIONS; i++)
        if (!sessions[i].used)
            s = &sessions[i];
    if (!ntfn || sys_cap_info(ntfn).ret != CAP_NOTIFICATION)
        rc = SYS_EINVAL;
    else if (!s)
        rc = SYS_ENOMEM;
    int region = rc == 0 ? rt_slot_alloc() : -1, copy = rc == 0 ? rt_slot_alloc() : -1;
    uint64_t index = s ? (uint64_t)(s - sessions) : 0, va = SESSION_VA + index * SESSION_VA_STEP;
    if (rc == 0 && (region < 0 || copy < 0))
        rc = SYS_ENOMEM;
    if (rc == 0)
        rc = sys_create(CAP_FRAME, (uint64_t)region, SOCK_REGION_BYTES / RT_PAGE_SIZE).ret;
    bool mapped = false;
    if (rc == 0) {
        rc = sys_map((uint64_t)region, RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_WRITE).ret;
        mapped = rc == 0;
    }
    if (rc == 0)
        rc = sys_cap_copy((uint64_t)region, (uint64_t)copy, CAP_R_READ | CAP_R_WRITE, 0).ret;
    if (rc != 0) {
        if (mapped)
            sys_unmap(RT_SLOT_SELF_PROCESS, va);
        if (region > 0) {
            sys_cap_delete((uint64_t)region);
            rt_slot_free(region);
        }
        if (copy > 0)
            rt_slot_free(copy);
        if (ntfn) {
            sys_cap_delete(ntfn);
            rt_slot_free((int)ntfn);
        }
        printf("net: a session for client %#llx refused: error %ld", (unsigned long long)m->badge, rc);
        *m = (struct msg){ .tag = TAG(0, 1, 0), .mr = { (uint64_t)rc } };
        return;
    }
    memset(s, 0, sizeof *s);
    s->used = true;
    s->badge = m->badge;
    s->token = token_base | (++opened & 0xffffu);
    s->ntfn = ntfn;
    s->region_slot = (uint64_t)region;
    s->base = (uint8_t *)va;
    s->r = (struct sock_region *)va;
    memset(s->r, 0, sizeof *s->r);
    s->r->token = s->token;
    s->r->nsockets = SOCK_MAX_SOCKETS;
    s->r->ring_bytes = SOCK_RING_BYTES;
    s->r->local_addr = addr_local();
    s->r->magic = SOCK_REGION_MAGIC;
    for (unsigned i = 0; i < SOCK_MAX_SOCKETS; i++) {
        s->sock[i].s = s;
        s->sock[i].index = (uint8_t)i;
    }
    rt_ipc_buffer()->send_cap = (uint64_t)copy;     /* deleted by the loop after the reply */
    *m = (struct msg){ .tag = TAG(0, 3, 1), .mr = { 0, s->token, SOCK_REGION_BYTES } };
}

/* The socket MR1 names, if it is one of s's in a state the call allows
 * (mask of 1 << enum sock_state); NULL otherwise. */
static struct nsock *sock_arg(struct session *s, uint64_t v, unsigned states)
{
    if (v >= SOCK_MAX_SOCKETS)
        return NULL;
    struct nsock *ns = &s->sock[v];
    return (states >> ns->state) & 1 ? ns : NULL;
}

#define ST(x) (1u << SOCK_ST_##x)
#define USABLE (ST(LISTEN) | ST(CONNECTING) | ST(CONNECTED) | ST(UDP))

static bool port_ok(uint64_t v)
{
    return v <= 0xffff;
}

/* A call of an open session; the reply's MR0 (MR1.. in m for ACCEPT). */
static long session_call(struct session *s, struct msg *m)
{
    uint64_t label = TAG_LABEL(m->tag), a = m->mr[1], b = m->mr[2], c = m->mr[3];
    struct nsock *ns;
    switch (label) {
    case SOCK_PING:
        return 0;
    case SOCK_ADDR:
        return (long)addr_local();
    case SOCK_LISTEN:
        if (a > 0xffffffffu || !port_ok(b) || b == 0)
            return SYS_EINVAL;
        return op_listen(s, (uint32_t)a, (uint16_t)b, c > SOCK_MAX_BACKLOG ? SOCK_MAX_BACKLOG : c ? (unsigned)c : 1);
    case SOCK_CONNECT: {
        if (a > 0xffffffffu || !port_ok(b) || b == 0)
            return SYS_EINVAL;
        long h = op_connect(s, (uint32_t)a, (uint16_t)b);
        m->mr[1] = h >= 0 && s->sock[h].tcp ? s->sock[h].tcp->local_port : 0;   /* for SOCK_RESET_PEER */
        return h;
    }
    case SOCK_UDP_BIND:
        if (a > 0xffffffffu || !port_ok(b))
            return SYS_EINVAL;
        return op_udp_bind(s, (uint32_t)a, (uint16_t)b);
    case SOCK_ACCEPT: {
        if (!(ns = sock_arg(s, a, ST(LISTEN))))
            return SYS_EINVAL;
        uint32_t addr = 0;
        uint16_t port = 0;
        long h = op_accept(ns, &addr, &port);
        m->mr[1] = addr;
        m->mr[2] = port;
        return h;
    }
    case SOCK_SEND:
        if (!(ns = sock_arg(s, a, ST(CONNECTED) | ST(UDP) | ST(CONNECTING))) || b > 0xffffffffu)
            return sock_arg(s, a, USABLE) ? SOCKP_ENOTCONN : SYS_EINVAL;
        return op_send(ns, (uint32_t)b);
    case SOCK_RECVD:
        if (!(ns = sock_arg(s, a, ST(CONNECTED) | ST(UDP) | ST(CONNECTING))) || b > 0xffffffffu)
            return SYS_EINVAL;
        return op_recvd(ns, (uint32_t)b);
    case SOCK_SHUTDOWN:
        if (!(ns = sock_arg(s, a, ST(CONNECTED) | ST(CONNECTING))))
            return sock_arg(s, a, USABLE) ? SOCKP_ENOTCONN : SYS_EINVAL;
        return op_shutdown(ns);
    case SOCK_NODELAY:
        if (!(ns = sock_arg(s, a, ST(LISTEN) | ST(CONNECTING) | ST(CONNECTED))) || b > 1)
            return SYS_EINVAL;
        return op_nodelay(ns, b == 1);
    case SOCK_CLOSE:
        if (!(ns = sock_arg(s, a, USABLE)))
            return SYS_EINVAL;
        return op_close(ns);
    case SOCK_RESET_PEER:
        if (!port_ok(a) || a == 0 || b == 0 || b > 0xffffffffu || !port_ok(c) || c == 0)
            return SYS_EINVAL;
        if (s->resets >= SOCK_MAX_RESETS)
            return SYS_EBUSY;       /* bounded per session: not a way to send segments at will */
        s->resets++;
        return op_reset_peer((uint16_t)a, (uint32_t)b, (uint16_t)c);
    default:
        return SYS_ENOSYS;
    }
}

void sessions_handle(struct msg *m, uint64_t cap)
{
    uint64_t label = TAG_LABEL(m->tag);
    if (label == SOCK_OPEN) {
        session_open(m, cap);
        return;
    }
    if (cap) {                      /* no other call carries one */
        sys_cap_delete(cap);
        rt_slot_free((int)cap);
    }
    struct session *s = session_by_badge(m->badge);
    long rc;
    if (!s || s->token != m->mr[0])
        rc = SOCK_ENOSESSION;
    else
        rc = session_call(s, m);
    bool more = label == SOCK_ACCEPT || label == SOCK_CONNECT;
    m->tag = TAG(0, label == SOCK_ACCEPT ? 3 : more ? 2 : 1, 0);
    m->mr[0] = (uint64_t)rc;
    if (!more || rc < 0)
        m->mr[1] = m->mr[2] = m->mr[3] = 0;
    else if (label == SOCK_CONNECT)
        m->mr[2] = m->mr[3] = 0;
}

void sessions_tick(void)
{
    resets_tick();
    uint64_t now = now_ns();
    bool tick = now - last_tick >= TICK_NS;
    if (tick)
        last_tick = now;
    uint32_t local = addr_local();
    for (unsigned i = 0; i < SOCK_MAX_SESSIONS; i++) {
        struct session *s = &sessions[i];
        if (!s->used)
            continue;
        if (tick) {
            s->r->local_addr = local;
            for (unsigned k = 0; k < SOCK_MAX_SOCKETS; k++)
                if (s->sock[k].state == SOCK_ST_CLOSING)
                    sock_linger_check(&s->sock[k], now);
        }
        if (s->signal_bits) {
            ntfn_signal(s->ntfn, s->signal_bits);   /* a client that dropped its notification: its loss */
            s->signal_bits = 0;
        }
    }
}
