/* The network client library: see netclient.h. */
#include "runtime.h"
#include "netclient.h"
#include "lookup.h"
#include "pvk/devinfo.h"

long netc_open(struct net_client *c, uint64_t devmgr, uint32_t instance, uint64_t va)
{
    memset(c, 0, sizeof *c);
    struct pvk_opened o;
    long rc = pvk_open_device(devmgr, 1, instance, NET_OPEN, NET_DOORBELL, va, NET_DATA_OFFSET + NET_BUF_SIZE, &o);
    if (rc < 0)
        return rc;
    c->ep = o.ep;
    c->ntfn = o.ntfn;
    c->region_slot = o.region;
    c->doorbell = o.doorbell;
    for (unsigned i = 0; i < 6; i++)
        c->mac[i] = (uint8_t)(o.reply.mr[1] >> (8 * i));
    c->info = (uint32_t)o.reply.mr[2];
    c->mtu = (uint32_t)o.reply.mr[3];
    c->region_size = pvk_region_bytes(&o.reply);
    c->base = (uint8_t *)va;
    c->shared = (struct net_shared *)va;
    uint64_t nbufs = (c->region_size - NET_DATA_OFFSET) / NET_BUF_SIZE;
    if (nbufs > NET_NBUFS)
        nbufs = NET_NBUFS;
    for (uint64_t i = nbufs; i-- > 0;)
        c->free[c->nfree++] = (uint32_t)(NET_DATA_OFFSET + i * NET_BUF_SIZE);
    return 0;
}

/* Is offset the start of one of our buffers? */
static bool is_buf(const struct net_client *c, uint64_t offset)
{
    return offset >= NET_DATA_OFFSET && offset + NET_BUF_SIZE <= c->region_size &&
           (offset - NET_DATA_OFFSET) % NET_BUF_SIZE == 0 &&
           (offset - NET_DATA_OFFSET) / NET_BUF_SIZE < NET_NBUFS;
}

bool netc_buf_alloc(struct net_client *c, uint64_t *offset)
{
    if (!c->nfree)
        return false;
    *offset = c->free[--c->nfree];
    return true;
}

void netc_buf_free(struct net_client *c, uint64_t offset)
{
    if (is_buf(c, offset) && c->nfree < NET_NBUFS)
        c->free[c->nfree++] = (uint32_t)offset;
}

void netc_kick(struct net_client *c)
{
    c->unkicked = 0;
    sys_signal(c->doorbell, 0);
}

static bool push(struct pvk_ring_hdr *h, struct net_desc *ring, uint32_t *head, const struct net_desc *d)
{
    if (pvk_ring_space(h, NET_RING_SIZE, *head) <= 0)
        return false;
    ring[*head % NET_RING_SIZE] = *d;
    pvk_store_release(&h->head, ++*head);
    return true;
}

static bool pop(struct net_client *c, struct pvk_ring_hdr *h, const struct net_desc *ring, uint32_t *tail,
                struct net_desc *d)
{
    int64_t n = pvk_ring_pending(h, NET_RING_SIZE, *tail);
    if (n < 0)
        c->broken = true;
    if (n <= 0)
        return false;
    *d = ring[*tail % NET_RING_SIZE];
    pvk_store_release(&h->tail, ++*tail);
    return true;
}

static unsigned lend_rx(struct net_client *c, unsigned n)
{
    unsigned done = 0;
    uint64_t off;
    while (done < n && c->rx_lent < NET_RING_SIZE &&
           pvk_ring_space(&c->shared->rx_free_hdr, NET_RING_SIZE, c->rx_free_head) > 0 &&
           netc_buf_alloc(c, &off)) {
        struct net_desc d = { off, NET_BUF_SIZE, 0 };
        push(&c->shared->rx_free_hdr, c->shared->rx_free, &c->rx_free_head, &d);
        c->rx_lent++;
        done++;
    }
    c->unkicked += done;
    return done;
}

unsigned netc_post_rx(struct net_client *c, unsigned n)
{
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
        netc_buf_free(c, d.offset);
        n++;
    }
    return n;
}

bool netc_queue_buf(struct net_client *c, uint64_t offset, uint32_t len, uint32_t flags)
{
    struct net_desc d = { offset, len, flags };
    if (c->tx_inflight >= NET_RING_SIZE && !netc_reclaim(c))
        return false;               /* every completion must fit tx_done */
    if (!push(&c->shared->tx_hdr, c->shared->tx, &c->tx_head, &d))
        return false;
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
    netc_reclaim(c);
    uint64_t off;
    if (!netc_buf_alloc(c, &off))
        return SYS_EBUSY;
    memcpy(netc_buf(c, off), frame, len);
    if (!netc_send_buf(c, off, len, flags)) {
        netc_buf_free(c, off);
        return SYS_EBUSY;
    }
    return 0;
}

bool netc_recv_desc(struct net_client *c, struct net_desc *d, uint64_t deadline)
{
    for (bool last = false;;) {
        while (pop(c, &c->shared->rx_hdr, c->shared->rx, &c->rx_tail, d)) {
            if (c->rx_lent)
                c->rx_lent--;
            if (!(d->flags & NET_DESC_F_ERROR) && is_buf(c, d->offset) && d->len <= NET_BUF_SIZE)
                return true;
            c->errors++;                /* refused, or nonsense from the driver */
            netc_buf_free(c, d->offset);
        }
        netc_reclaim(c);
        if (c->broken || last)
            return false;
        if (c->unkicked)
            netc_kick(c);               /* lent buffers first, then sleep */
        uint64_t bits;
        if (ntfn_wait(c->ntfn, deadline, &bits) < 0)
            last = true;                /* one more look, then give up */
    }
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
    if (!netc_recv_desc(c, &d, deadline))
        return c->broken ? SYS_EDEAD : SYS_ETIMEOUT;
    memcpy(buf, netc_buf(c, d.offset), d.len < cap ? d.len : cap);
    netc_rx_release(c, d.offset, true);
    return d.len;
}

long netc_status(struct net_client *c)
{
    struct msg m = { .tag = TAG(NET_STATUS, 0, 0) };
    long rc = ipc_call(c->ep, &m);
    if (rc < 0)
        return rc;
    if ((long)m.mr[0] != 0)
        return (long)m.mr[0];
    return (long)(m.mr[1] & 0xffffffffu);
}

bool netc_raw_tx(struct net_client *c, const struct net_desc *d)
{
    if (!push(&c->shared->tx_hdr, c->shared->tx, &c->tx_head, d))
        return false;
    c->tx_inflight++;
    netc_kick(c);
    return true;
}

bool netc_raw_rx_free(struct net_client *c, const struct net_desc *d)
{
    if (!push(&c->shared->rx_free_hdr, c->shared->rx_free, &c->rx_free_head, d))
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
