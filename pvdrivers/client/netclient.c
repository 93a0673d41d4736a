/* The network client library: see netclient.h. */
#include "runtime.h"
#include "netclient.h"
#include "lookup.h"
#include "pvk/devinfo.h"
#include "pvk/service.h"

#define NETC_SCRATCH_OFFSET (1ull << 30)
#define RETRY_PAUSE_NS 1000000ull

static uint64_t now_ns(void)
{
    return (uint64_t)sys_time().ret;
}

/* Is offset the start of one of our buffers? */
static bool is_buf(const struct net_client *c, uint64_t offset)
{
    return offset >= NET_DATA_OFFSET && offset + NET_BUF_SIZE <= c->region_size &&
           (offset - NET_DATA_OFFSET) % NET_BUF_SIZE == 0 &&
           (offset - NET_DATA_OFFSET) / NET_BUF_SIZE < NET_NBUFS;
}

static uint8_t *owner(struct net_client *c, uint64_t offset)
{
    return &c->owner[(offset - NET_DATA_OFFSET) / NET_BUF_SIZE];
}

static uint64_t nbufs(const struct net_client *c)
{
    uint64_t n = (c->region_size - NET_DATA_OFFSET) / NET_BUF_SIZE;
    return n > NET_NBUFS ? NET_NBUFS : n;
}

/* The pool: every buffer nobody holds (the lowest offsets handed out first). */
static void rebuild_pool(struct net_client *c)
{
    c->nfree = 0;
    for (uint64_t i = nbufs(c); i-- > 0;)
        if (c->owner[i] == NETC_OWN_FREE)
            c->free[c->nfree++] = (uint32_t)(NET_DATA_OFFSET + i * NET_BUF_SIZE);
}

static void adopt(struct net_client *c, const struct pvk_opened *o)
{
    c->ep = o->ep;
    c->ntfn = o->ntfn;
    c->region_slot = o->region;
    c->doorbell = o->doorbell;
    c->gen = o->gen;
    for (unsigned i = 0; i < 6; i++)
        c->mac[i] = (uint8_t)(o->reply.mr[1] >> (8 * i));
    c->info = (uint32_t)o->reply.mr[2];
    c->mtu = (uint32_t)o->reply.mr[3];
    c->region_size = pvk_region_bytes(&o->reply);
    c->base = (uint8_t *)c->va;
    c->shared = (struct net_shared *)c->va;
    c->tx_head = c->tx_done_tail = c->rx_free_head = c->rx_tail = 0;
    c->tx_inflight = c->rx_lent = c->unkicked = 0;
}

long netc_open(struct net_client *c, uint64_t devmgr, uint32_t instance, uint64_t va)
{
    memset(c, 0, sizeof *c);
    c->devmgr = devmgr;
    c->va = va;
    pvk_device_name(1, instance, c->name);
    struct pvk_opened o;
    long rc = pvk_open_device(devmgr, 1, instance, NET_OPEN, NET_DOORBELL, va, NET_DATA_OFFSET + NET_BUF_SIZE, &o);
    if (rc < 0)
        return rc;
    adopt(c, &o);
    rebuild_pool(c);
    return 0;
}

static void note_dead(struct net_client *c)
{
    if (c->dead)
        return;
    c->dead = c->broken = c->report = true;
    c->why = PVK_EPEER_RESTARTED;
    c->next_try = 0;
    c->last_fault_ns = c->shared->tx_hdr.fault_ns;
}

static bool epoch_ok(const struct net_client *c)
{
    const struct net_shared *s = c->shared;
    return !c->gen || (s->tx_hdr.epoch == c->gen && s->tx_done_hdr.epoch == c->gen && s->rx_free_hdr.epoch == c->gen &&
                       s->rx_hdr.epoch == c->gen);
}

static void lend_all(struct net_client *c, unsigned n);

/* Opens the device again (the lookup waiting until deadline; 0: about
 * 5 s). 0 or the error. */
static long reconnect(struct net_client *c, uint64_t deadline)
{
    uint64_t now = now_ns();
    if (now < c->next_try) {
        if (deadline && deadline <= c->next_try)
            return c->why;
        sys_sleep(c->next_try);
    }
    uint64_t scratch = c->va + NETC_SCRATCH_OFFSET;
    /* The dead region stays at va until the driver is back or found not
     * to be (then its contents move to a private frame, so the dead
     * instance's memory goes back while we wait): what the caller holds
     * stays readable at va. */
    struct pvk_away away = { &c->region_slot, c->va, c->region_size, c->region_size, c->evacuated };
    struct pvk_opened o;
    long rc = pvk_reopen_name(c->devmgr, c->name, NET_OPEN, NET_DOORBELL, scratch, NET_DATA_OFFSET + NET_BUF_SIZE,
                              deadline, &away, &o);
    c->evacuated = away.evacuated;
    if (rc == 0) {
        /* Buffers the caller holds keep their contents. */
        uint64_t size = pvk_region_bytes(&o.reply);
        for (uint64_t i = 0; i < nbufs(c); i++) {
            uint64_t off = NET_DATA_OFFSET + i * NET_BUF_SIZE;
            if (c->owner[i] == NETC_OWN_CALLER && off + NET_BUF_SIZE <= size)
                memcpy((uint8_t *)scratch + off, c->base + off, NET_BUF_SIZE);
        }
        rc = pvk_swap_region(&o, c->region_slot, c->va, scratch);
    }
    if (rc != 0) {
        c->why = rc;
        c->next_try = now_ns() + RETRY_PAUSE_NS;
        return rc;
    }
    struct pvk_opened old = { .ep = c->ep, .ntfn = c->ntfn, .region = c->region_slot, .doorbell = c->doorbell };
    pvk_close_device(&old, 0);
    unsigned lent = 0;
    for (uint64_t i = 0; i < NET_NBUFS; i++) {
        if (c->owner[i] == NETC_OWN_RX)
            lent++;
        if (c->owner[i] != NETC_OWN_CALLER)
            c->owner[i] = NETC_OWN_FREE;    /* what the dead driver held: lost frames */
    }
    adopt(c, &o);
    rebuild_pool(c);
    c->dead = c->broken = c->report = c->evacuated = false;
    c->why = 0;
    lend_all(c, lent);
    if (c->dead)
        return c->why;                      /* died again at once */
    c->reconnects++;
    c->last_reconnect_ns = now_ns();
    return 0;
}

/* Every call starts here: the restart reported once, then reconnected. */
static long begin(struct net_client *c, uint64_t deadline)
{
    if (!c->dead && !epoch_ok(c))
        note_dead(c);
    if (c->report) {
        c->report = false;
        return PVK_EPEER_RESTARTED;
    }
    if (c->dead)
        return reconnect(c, deadline);
    return 0;
}

bool netc_buf_alloc(struct net_client *c, uint64_t *offset)
{
    if (!c->nfree)
        return false;
    *offset = c->free[--c->nfree];
    *owner(c, *offset) = NETC_OWN_CALLER;
    return true;
}

void netc_buf_free(struct net_client *c, uint64_t offset)
{
    if (!is_buf(c, offset) || *owner(c, offset) == NETC_OWN_FREE || c->nfree >= NET_NBUFS)
        return;
    *owner(c, offset) = NETC_OWN_FREE;
    c->free[c->nfree++] = (uint32_t)offset;
}

void netc_kick(struct net_client *c)
{
    c->unkicked = 0;
    if (!c->dead && sys_signal(c->doorbell, 0).ret != 0)
        note_dead(c);
}

static bool push(struct net_client *c, struct pvk_ring_hdr *h, struct net_desc *ring, uint32_t *head,
                 const struct net_desc *d)
{
    if (c->dead)
        return false;
    int64_t space = pvk_ring_space(h, NET_RING_SIZE, *head);
    if (space < 0)
        note_dead(c);
    if (space <= 0)
        return false;
    ring[*head % NET_RING_SIZE] = *d;
    pvk_store_release(&h->head, ++*head);
    return true;
}

static bool pop(struct net_client *c, struct pvk_ring_hdr *h, const struct net_desc *ring, uint32_t *tail,
                struct net_desc *d)
{
    if (c->dead)
        return false;
    int64_t n = pvk_ring_pending(h, NET_RING_SIZE, *tail);
    if (n < 0 || !epoch_ok(c))
        note_dead(c);
    if (n <= 0 || c->dead)
        return false;
    *d = ring[*tail % NET_RING_SIZE];
    pvk_store_release(&h->tail, ++*tail);
    return true;
}

static unsigned lend_rx(struct net_client *c, unsigned n)
{
    unsigned done = 0;
    uint64_t off;
    while (done < n && c->rx_lent < NET_RING_SIZE && !c->dead &&
           pvk_ring_space(&c->shared->rx_free_hdr, NET_RING_SIZE, c->rx_free_head) > 0 &&
           netc_buf_alloc(c, &off)) {
        struct net_desc d = { off, NET_BUF_SIZE, 0 };
        push(c, &c->shared->rx_free_hdr, c->shared->rx_free, &c->rx_free_head, &d);
        *owner(c, off) = NETC_OWN_RX;
        c->rx_lent++;
        done++;
    }
    c->unkicked += done;
    return done;
}

static void lend_all(struct net_client *c, unsigned n)
{
    lend_rx(c, n);
    netc_kick(c);
}

unsigned netc_post_rx(struct net_client *c, unsigned n)
{
    if (begin(c, 0) != 0)
        return 0;
    unsigned done = lend_rx(c, n);
    if (c->unkicked)
        netc_kick(c);
    return done;
}

unsigned netc_reclaim(struct net_client *c)
{
    unsigned n = 0;
    struct net_desc d;
    while (pop(c, &c->shared->tx_done_hdr, c->shared->tx_done, &c->tx_done_tail, &d)) {
        if (d.flags & NET_DESC_F_ERROR)
            c->errors++;
        if (c->tx_inflight)
            c->tx_inflight--;
        if (is_buf(c, d.offset) && *owner(c, d.offset) == NETC_OWN_TX)
            netc_buf_free(c, d.offset);
        n++;
    }
    return n;
}

bool netc_queue_buf(struct net_client *c, uint64_t offset, uint32_t len, uint32_t flags)
{
    if (begin(c, 0) != 0)
        return false;
    struct net_desc d = { offset, len, flags };
    if (c->tx_inflight >= NET_RING_SIZE && !netc_reclaim(c))
        return false;               /* every completion must fit tx_done */
    if (!push(c, &c->shared->tx_hdr, c->shared->tx, &c->tx_head, &d))
        return false;
    if (is_buf(c, offset))
        *owner(c, offset) = NETC_OWN_TX;
    c->tx_inflight++;
    return true;
}

bool netc_send_buf(struct net_client *c, uint64_t offset, uint32_t len, uint32_t flags)
{
    if (!netc_queue_buf(c, offset, len, flags))
        return false;
    netc_kick(c);
    return true;
}

long netc_send(struct net_client *c, const void *frame, uint32_t len, uint32_t flags)
{
    if (len > NET_BUF_SIZE || len > NET_MAX_FRAME)
        return SYS_EINVAL;
    long rc = begin(c, 0);
    if (rc != 0)
        return rc;
    netc_reclaim(c);
    uint64_t off;
    if (!netc_buf_alloc(c, &off))
        return SYS_EBUSY;
    memcpy(netc_buf(c, off), frame, len);
    if (!netc_send_buf(c, off, len, flags)) {
        netc_buf_free(c, off);
        rc = begin(c, now_ns());
        return rc ? rc : SYS_EBUSY;
    }
    if (c->report) {                /* the doorbell found the driver gone */
        c->report = false;
        return PVK_EPEER_RESTARTED;
    }
    return 0;
}

long netc_recv_desc(struct net_client *c, struct net_desc *d, uint64_t deadline)
{
    long rc = begin(c, deadline);
    if (rc != 0)
        return rc;
    for (bool last = false;;) {
        while (pop(c, &c->shared->rx_hdr, c->shared->rx, &c->rx_tail, d)) {
            if (c->rx_lent)
                c->rx_lent--;
            bool lent = is_buf(c, d->offset) && *owner(c, d->offset) == NETC_OWN_RX;
            if (lent && !(d->flags & NET_DESC_F_ERROR) && d->len <= NET_BUF_SIZE) {
                *owner(c, d->offset) = NETC_OWN_CALLER;
                return 1;
            }
            c->errors++;                /* refused, or nonsense from the driver */
            if (lent)
                netc_buf_free(c, d->offset);
        }
        netc_reclaim(c);
        if (c->dead) {
            rc = begin(c, deadline);    /* reports the restart, or reconnects */
            if (rc != 0)
                return rc;
            continue;
        }
        if (last)
            return SYS_ETIMEOUT;
        if (c->unkicked)
            netc_kick(c);               /* lent buffers first, then sleep */
        if (c->dead)
            continue;
        uint64_t bits = 0;
        long w = ntfn_wait(c->ntfn, deadline, &bits);
        if (w < 0)
            last = true;                /* one more look, then give up */
        else if (bits & PVK_NTFN_PEER_RESTARTED)
            note_dead(c);
    }
}

void netc_notified(struct net_client *c, uint64_t bits)
{
    if ((bits & PVK_NTFN_PEER_RESTARTED) && !c->dead)
        note_dead(c);
}

void netc_rx_release(struct net_client *c, uint64_t offset, bool repost)
{
    netc_buf_free(c, offset);
    if (repost && lend_rx(c, 1) && c->unkicked >= NETC_REPOST_BATCH)
        netc_kick(c);
}

long netc_recv(struct net_client *c, void *buf, size_t cap, uint64_t deadline)
{
    struct net_desc d;
    long rc = netc_recv_desc(c, &d, deadline);
    if (rc < 0)
        return rc;
    memcpy(buf, netc_buf(c, d.offset), d.len < cap ? d.len : cap);
    netc_rx_release(c, d.offset, true);
    return d.len;
}

/* NET_STATUS into *m: 0 or an error. */
static long status_call(struct net_client *c, struct msg *m)
{
    long rc = begin(c, 0);
    if (rc != 0)
        return rc;
    *m = (struct msg){ .tag = TAG(NET_STATUS, 0, 0) };
    rc = ipc_call(c->ep, m);
    if (rc == SYS_EDEAD || rc == SYS_ENOCAP) {
        note_dead(c);
        return begin(c, 0);
    }
    if (rc < 0)
        return rc;
    return (long)m->mr[0];
}

long netc_status(struct net_client *c)
{
    struct msg m;
    long rc = status_call(c, &m);
    return rc != 0 ? rc : (long)(m.mr[1] & 0xffffffffu);
}

long netc_counters(struct net_client *c, uint64_t *rx_frames, uint64_t *tx_frames)
{
    struct msg m;
    long rc = status_call(c, &m);
    if (rc == 0 && TAG_LEN(m.tag) < 4)
        rc = SYS_EINVAL;
    if (rc == 0) {
        *rx_frames = m.mr[2];
        *tx_frames = m.mr[3];
    }
    return rc;
}

bool netc_raw_tx(struct net_client *c, const struct net_desc *d)
{
    if (!push(c, &c->shared->tx_hdr, c->shared->tx, &c->tx_head, d))
        return false;
    c->tx_inflight++;
    netc_kick(c);
    return true;
}

bool netc_raw_rx_free(struct net_client *c, const struct net_desc *d)
{
    if (!push(c, &c->shared->rx_free_hdr, c->shared->rx_free, &c->rx_free_head, d))
        return false;
    c->rx_lent++;
    netc_kick(c);
    return true;
}

bool netc_raw_tx_done(struct net_client *c, struct net_desc *d)
{
    if (!pop(c, &c->shared->tx_done_hdr, c->shared->tx_done, &c->tx_done_tail, d))
        return false;
    if (c->tx_inflight)
        c->tx_inflight--;
    return true;
}

bool netc_raw_rx(struct net_client *c, struct net_desc *d)
{
    if (!pop(c, &c->shared->rx_hdr, c->shared->rx, &c->rx_tail, d))
        return false;
    if (c->rx_lent)
        c->rx_lent--;
    return true;
}
