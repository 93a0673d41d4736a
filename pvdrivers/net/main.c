/* virtio-net driver: frames go between the clients' shared regions
 * (pvk/netproto.h) and the device's receive (0) and transmit (1) queues
 * in place. Each chain has two segments: the virtio-net header, from an
 * array in the driver's own DMA memory (one per descriptor; 10 or 12
 * bytes, by the negotiated features), then the client's buffer holding
 * the bare frame. That layout is right for legacy devices (which want the
 * header alone in its own descriptor) and modern ones alike, and the
 * client never sees a header.
 *
 * Every client descriptor is checked (offset and length inside the data
 * area, length at most NET_BUF_SIZE); a bad one comes straight back with
 * NET_DESC_F_ERROR. Every length the device reports is checked (by the
 * virtqueue against what was posted, here against the header size; a
 * frame spread over several buffers, num_buffers > 1, is dropped and its
 * buffers posted again). A device that breaks the queue protocol is reset
 * and set up again: lent receive buffers are posted again, frames being
 * sent come back with NET_DESC_F_ERROR. */
#include <linux/virtio_net.h>
#include "drv.h"
#include "pvk/netproto.h"

#define QUEUE_SIZE 256
#define RXQ 0
#define TXQ 1
#define HDR_MAX sizeof(struct virtio_net_hdr_mrg_rxbuf)
#define BAD_LOG_LIMIT 8

/* One chain in flight: whose buffer, where, and its header slot. */
struct slot {
    struct virtio_net_hdr_mrg_rxbuf *hdr;   /* in hdrs (DMA) */
    uint64_t hdr_phys;
    uint64_t offset;        /* the client's buffer */
    uint32_t len;           /* rx: posted length; tx: frame length */
    uint8_t client;
    bool busy;
};

struct side {
    struct virtq vq;
    struct slot slots[QUEUE_SIZE];
    uint16_t free[QUEUE_SIZE];
    uint32_t *nfree;        /* in struct net_acct */
};

/* The chains' bookkeeping, per queue: every slot is free or in the device
 * on behalf of one client, nfree + the clients' chains out == QUEUE_SIZE,
 * checked at the top of every loop iteration (net_check). This is the
 * state fault injection's FI_CORRUPT damages (fi_set_state): the check
 * turns the damage into an exit before a wrong count lets a client's ring
 * overflow or a wrong index hands out a slot in use. */
struct net_acct {
    uint32_t nfree[2];                      /* [RXQ], [TXQ] */
    /* Chains in the device per client: a descriptor is taken only while
     * the ring it comes back on has room for it and all of these, so
     * nothing is ever lost to a full ring (a client that lends too much
     * waits). */
    uint32_t rx_out[DRV_MAX_CLIENTS], tx_out[DRV_MAX_CLIENTS];
};

struct net {
    struct side rx, tx;
    struct virtio_net_hdr_mrg_rxbuf *hdrs;  /* 2 * QUEUE_SIZE, DMA memory */
    uint64_t hdrs_phys;
    uint32_t hdr_len;       /* 12, or 10 for a legacy device without MRG_RXBUF */
    uint8_t mac[6];
    unsigned info;          /* NET_INFO_* */
    bool link_up;
    unsigned skip;          /* rx chains left of a multi-buffer frame being dropped */
    unsigned bad_logged;
    uint64_t rx_frames, tx_frames, dropped;
    /* Per client: the driver's own copies of the ring indexes. */
    uint32_t tx_tail[DRV_MAX_CLIENTS], tx_done_head[DRV_MAX_CLIENTS];
    uint32_t rx_free_tail[DRV_MAX_CLIENTS], rx_head[DRV_MAX_CLIENTS];
    bool broken_ring[DRV_MAX_CLIENTS];
    struct net_acct acct;
    unsigned next_client;   /* round robin for rx buffers */
};
static struct net N;

static struct net_shared *shared(struct drv_client *c)
{
    return (struct net_shared *)c->shared;
}

static const char *net_check(struct drv *d)
{
    (void)d;
    uint64_t rx = N.acct.nfree[RXQ], tx = N.acct.nfree[TXQ];
    bool bad = rx > QUEUE_SIZE || tx > QUEUE_SIZE;
    for (unsigned i = 0; i < DRV_MAX_CLIENTS; i++) {
        bad |= N.acct.rx_out[i] > QUEUE_SIZE || N.acct.tx_out[i] > QUEUE_SIZE;
        rx += N.acct.rx_out[i];
        tx += N.acct.tx_out[i];
    }
    if (bad || rx != QUEUE_SIZE || tx != QUEUE_SIZE)
        return "chains: free + the clients' chains out != queue size";
    return NULL;
}

static void side_init(struct side *s, unsigned first_hdr)
{
    *s->nfree = 0;
    for (unsigned i = QUEUE_SIZE; i-- > 0;) {
        s->slots[i] = (struct slot){ .hdr = &N.hdrs[first_hdr + i],
                                     .hdr_phys = N.hdrs_phys + (first_hdr + i) * sizeof N.hdrs[0] };
        s->free[(*s->nfree)++] = (uint16_t)i;
    }
}

static struct slot *slot_get(struct side *s)
{
    if (!*s->nfree)
        return NULL;
    struct slot *sl = &s->slots[s->free[--*s->nfree]];
    sl->busy = true;
    return sl;
}

static void slot_put(struct side *s, struct slot *sl)
{
    sl->busy = false;
    s->free[(*s->nfree)++] = (uint16_t)(sl - s->slots);
}

static void read_link(struct drv *d)
{
    uint16_t st = VIRTIO_NET_S_LINK_UP;
    if (virtio_dev_has(&d->vdev, VIRTIO_NET_F_STATUS))
        virtio_dev_config_read(&d->vdev, offsetof(struct virtio_net_config, status), &st, 2);
    N.link_up = st & VIRTIO_NET_S_LINK_UP;
}

static unsigned info_now(void)
{
    return N.info | (N.link_up ? NET_INFO_LINK_UP : 0);
}

/* Queues, headers, MAC, link: at start-up and after every reset. */
static int net_init(struct drv *d)
{
    struct virtio_dev *v = &d->vdev;
    N.hdr_len = virtio_dev_has(v, VIRTIO_NET_F_MRG_RXBUF) || virtio_dev_has(v, VIRTIO_F_VERSION_1)
                    ? sizeof(struct virtio_net_hdr_mrg_rxbuf) : sizeof(struct virtio_net_hdr);
    N.info = (virtio_dev_has(v, VIRTIO_NET_F_CSUM) ? NET_INFO_CSUM : 0) |
             (virtio_dev_has(v, VIRTIO_NET_F_MRG_RXBUF) ? NET_INFO_MRG_RXBUF : 0);
    if (!virtio_dev_has(v, VIRTIO_NET_F_MAC) ||
        virtio_dev_config_read(v, offsetof(struct virtio_net_config, mac), N.mac, 6) != 0) {
        if (!(N.mac[0] & 2)) {      /* once: keep it across resets */
            uint64_t r = (uint64_t)sys_time().ret * 0x9e3779b97f4a7c15ull ^ d->info->instance;
            for (unsigned i = 0; i < 6; i++)
                N.mac[i] = (uint8_t)(r >> (8 * i));
            N.mac[0] = (uint8_t)((N.mac[0] & ~1u) | 2u);   /* locally administered, unicast */
        }
    }
    read_link(d);
    if (!N.hdrs) {
        void *virt;
        if (drv_dma_alloc(d, 2 * QUEUE_SIZE * sizeof N.hdrs[0], &virt, &N.hdrs_phys, NULL) != 0)
            return -VIRTIO_ENOMEM;
        N.hdrs = virt;
    }
    int rc = virtio_dev_setup_queue(v, &N.rx.vq, RXQ, QUEUE_SIZE, &d->mem, 2, d->vectors[RXQ]);
    if (rc == 0)
        rc = virtio_dev_setup_queue(v, &N.tx.vq, TXQ, QUEUE_SIZE, &d->mem, 2, d->vectors[TXQ]);
    if (rc != 0)
        return rc;
    N.rx.nfree = &N.acct.nfree[RXQ];
    N.tx.nfree = &N.acct.nfree[TXQ];
    side_init(&N.rx, 0);
    side_init(&N.tx, QUEUE_SIZE);
    fi_set_state(&N.acct, sizeof N.acct);
    N.skip = 0;
    drv_log(d, "virtio-net: MAC %02x:%02x:%02x:%02x:%02x:%02x%s, link %s, %u-byte header%s%s%s, queues of %u/%u",
            N.mac[0], N.mac[1], N.mac[2], N.mac[3], N.mac[4], N.mac[5],
            virtio_dev_has(v, VIRTIO_NET_F_MAC) ? "" : " (made up)", N.link_up ? "up" : "down", N.hdr_len,
            virtio_dev_has(v, VIRTIO_NET_F_MRG_RXBUF) ? ", mergeable rx buffers" : "",
            virtio_dev_has(v, VIRTIO_NET_F_CSUM) ? ", tx checksum offload" : "",
            virtio_dev_has(v, VIRTIO_NET_F_GUEST_CSUM) ? ", rx checksum offload" : "", N.rx.vq.size, N.tx.vq.size);
    return 0;
}

/* --- client rings ------------------------------------------------------------ */

static void bad_desc(struct drv *d, unsigned ci, const char *what, const struct net_desc *nd)
{
    if (N.bad_logged++ < BAD_LOG_LIMIT)
        drv_log(d, "client %u: %s descriptor refused (offset %#llx, len %u)", ci, what,
                (unsigned long long)nd->offset, nd->len);
}

/* Is [offset, offset + len) a buffer inside client c's data area? */
static bool desc_ok(const struct drv_client *c, uint64_t offset, uint32_t len)
{
    return len > 0 && len <= NET_BUF_SIZE && offset >= NET_DATA_OFFSET && offset < c->size &&
           len <= c->size - offset;
}

/* Appends to client ci's rx (to_rx) or tx_done ring; false (the entry is
 * lost: the client lied about its buffers) if the ring is full. */
static bool give_back(struct drv *d, unsigned ci, bool to_rx, uint64_t offset, uint32_t len, uint32_t flags)
{
    struct drv_client *c = &d->clients[ci];
    if (!c->open || N.broken_ring[ci])
        return false;
    struct net_shared *s = shared(c);
    struct pvk_ring_hdr *h = to_rx ? &s->rx_hdr : &s->tx_done_hdr;
    uint32_t *head = to_rx ? &N.rx_head[ci] : &N.tx_done_head[ci];
    if (pvk_ring_space(h, NET_RING_SIZE, *head) <= 0)
        return false;
    struct net_desc *ring = to_rx ? s->rx : s->tx_done;
    ring[*head % NET_RING_SIZE] = (struct net_desc){ offset, len, flags };
    pvk_store_release(&h->head, ++*head);
    return true;
}

/* Posts one receive buffer to the device; false when the queue is full. */
static bool post_rx(unsigned ci, uint64_t offset, uint32_t len, uint64_t phys)
{
    struct slot *sl = slot_get(&N.rx);
    if (!sl)
        return false;
    struct virtq_buf b[2] = { { sl->hdr_phys, N.hdr_len }, { phys, len } };
    if (virtq_add(&N.rx.vq, b, 0, 2, sl) != 0) {
        slot_put(&N.rx, sl);
        return false;
    }
    sl->client = (uint8_t)ci;
    sl->offset = offset;
    sl->len = len;
    N.acct.rx_out[ci]++;
    return true;
}

/* Takes what the client lent for receiving, as far as the queue has room.
 * Returns whether anything was posted. */
static bool take_rx_free(struct drv *d, unsigned ci, bool *signal)
{
    struct drv_client *c = &d->clients[ci];
    struct net_shared *s = shared(c);
    int64_t n = pvk_ring_pending(&s->rx_free_hdr, NET_RING_SIZE, N.rx_free_tail[ci]);
    if (n < 0) {
        if (!N.broken_ring[ci])
            drv_log(d, "client %u's rx_free ring is corrupt; ignoring the client", ci);
        N.broken_ring[ci] = true;
        return false;
    }
    bool added = false;
    for (; n > 0 && *N.rx.nfree && virtq_num_free(&N.rx.vq) &&
           pvk_ring_space(&s->rx_hdr, NET_RING_SIZE, N.rx_head[ci]) > (int64_t)N.acct.rx_out[ci]; n--) {
        struct net_desc nd = s->rx_free[N.rx_free_tail[ci] % NET_RING_SIZE];   /* one copy */
        if (!desc_ok(c, nd.offset, nd.len) || nd.len < 64) {
            bad_desc(d, ci, "rx_free", &nd);
            *signal |= give_back(d, ci, true, nd.offset, 0, NET_DESC_F_ERROR);
        } else if (post_rx(ci, nd.offset, nd.len, c->shared_phys + nd.offset)) {
            added = true;
        } else {
            break;
        }
        pvk_store_release(&s->rx_free_hdr.tail, ++N.rx_free_tail[ci]);
    }
    return added;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

/* Completes a partial checksum in software: the ones'-complement sum from
 * start to the end (the field holds the pseudo-header sum), stored at
 * start + off. False if the positions do not fit the frame. */
static bool csum_complete(uint8_t *f, uint32_t len, uint32_t start, uint32_t off)
{
    if (start >= len || off > len - start || len - start - off < 2)
        return false;
    uint32_t sum = 0;
    for (uint32_t i = start; i + 1 < len; i += 2)
        sum += (uint32_t)f[i] << 8 | f[i + 1];
    if ((len - start) & 1)
        sum += (uint32_t)f[len - 1] << 8;
    uint16_t r = (uint16_t)~csum_fold(sum);
    f[start + off] = (uint8_t)(r >> 8);
    f[start + off + 1] = (uint8_t)r;
    return true;
}

/* Sends what the client queued, as far as the queue has room. */
static bool take_tx(struct drv *d, unsigned ci, bool *signal)
{
    struct drv_client *c = &d->clients[ci];
    struct net_shared *s = shared(c);
    int64_t n = pvk_ring_pending(&s->tx_hdr, NET_RING_SIZE, N.tx_tail[ci]);
    if (n < 0) {
        if (!N.broken_ring[ci])
            drv_log(d, "client %u's tx ring is corrupt; ignoring the client", ci);
        N.broken_ring[ci] = true;
        return false;
    }
    bool added = false;
    for (; n > 0 && *N.tx.nfree && virtq_num_free(&N.tx.vq) &&
           pvk_ring_space(&s->tx_done_hdr, NET_RING_SIZE, N.tx_done_head[ci]) > (int64_t)N.acct.tx_out[ci]; n--) {
        struct net_desc nd = s->tx[N.tx_tail[ci] % NET_RING_SIZE];
        bool ok = desc_ok(c, nd.offset, nd.len) && nd.len >= 14;
        struct virtio_net_hdr h = { 0 };
        if (ok && (nd.flags & NET_DESC_F_NEEDS_CSUM)) {
            uint32_t start = NET_DESC_CSUM_START(nd.flags), off = NET_DESC_CSUM_OFFSET(nd.flags);
            if (start >= nd.len || off > nd.len - start || nd.len - start - off < 2)
                ok = false;
            else if (N.info & NET_INFO_CSUM)
                h = (struct virtio_net_hdr){ .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = (uint16_t)start,
                                             .csum_offset = (uint16_t)off };
            else
                csum_complete((uint8_t *)c->shared + nd.offset, nd.len, start, off);
        }
        if (!ok) {
            bad_desc(d, ci, "tx", &nd);
            *signal |= give_back(d, ci, false, nd.offset, 0, NET_DESC_F_ERROR);
        } else {
            struct slot *sl = slot_get(&N.tx);
            sl->hdr->hdr = h;
            sl->hdr->num_buffers = 0;
            struct virtq_buf b[2] = { { sl->hdr_phys, N.hdr_len }, { c->shared_phys + nd.offset, nd.len } };
            if (virtq_add(&N.tx.vq, b, 2, 0, sl) != 0) {
                slot_put(&N.tx, sl);
                break;
            }
            sl->client = (uint8_t)ci;
            sl->offset = nd.offset;
            sl->len = nd.len;
            N.acct.tx_out[ci]++;
            added = true;
            drv_fault_point(d);     /* on the device's queue, not kicked, not sent back */
        }
        pvk_store_release(&s->tx_hdr.tail, ++N.tx_tail[ci]);
    }
    return added;
}

/* Refills the receive queue from every client (round robin) and sends
 * what they queued; one kick per queue. */
static void pump(struct drv *d, bool signal[DRV_MAX_CLIENTS])
{
    bool rx_added = false, tx_added = false;
    for (unsigned k = 0; k < DRV_MAX_CLIENTS; k++) {
        unsigned ci = (N.next_client + k) % DRV_MAX_CLIENTS;
        if (!d->clients[ci].open || N.broken_ring[ci] || !d->clients[ci].shared)
            continue;
        rx_added |= take_rx_free(d, ci, &signal[ci]);
        tx_added |= take_tx(d, ci, &signal[ci]);
    }
    N.next_client = (N.next_client + 1) % DRV_MAX_CLIENTS;
    if (rx_added)
        virtq_kick(&N.rx.vq);
    if (tx_added)
        virtq_kick(&N.tx.vq);
}

static void signal_clients(struct drv *d, const bool signal[DRV_MAX_CLIENTS])
{
    for (unsigned i = 0; i < DRV_MAX_CLIENTS; i++)
        if (signal[i] && d->clients[i].open)
            drv_signal_client(&d->clients[i]);
}

static void net_request(struct drv *d, struct drv_client *c)
{
    (void)c;
    bool signal[DRV_MAX_CLIENTS] = { false };
    pump(d, signal);
    signal_clients(d, signal);
}

/* --- the device --------------------------------------------------------------- */

static void net_reset(struct drv *d, int drop_client);

/* One received chain: hand the frame over, or drop it and post the
 * buffer again. */
static void rx_done(struct drv *d, struct slot *sl, uint32_t len, bool signal[DRV_MAX_CLIENTS], bool *repost)
{
    unsigned ci = sl->client;
    struct drv_client *c = &d->clients[ci];
    uint64_t offset = sl->offset;
    uint32_t posted = sl->len;
    struct virtio_net_hdr_mrg_rxbuf h = *sl->hdr;    /* one copy: the device may write it again */
    slot_put(&N.rx, sl);
    N.acct.rx_out[ci]--;
    bool drop = false;
    if (N.skip) {                   /* the rest of a frame spread over several buffers */
        N.skip--;
        drop = true;
    } else if (len < N.hdr_len + 14 || len - N.hdr_len > posted) {
        drop = true;                /* a runt (or a length the virtqueue should have refused) */
    } else if (N.hdr_len == HDR_MAX && (N.info & NET_INFO_MRG_RXBUF) && h.num_buffers != 1) {
        if (h.num_buffers == 0 || h.num_buffers > N.rx.vq.size) {
            drv_log(d, "device reported %u buffers for one frame", h.num_buffers);
            virtio_dev_fail(&d->vdev);
            N.rx.vq.error = -VIRTIO_EBROKEN;
            N.rx.vq.why = "num_buffers out of range";
        } else {
            N.skip = h.num_buffers - 1u;
        }
        drop = true;
    }
    uint32_t flen = len - N.hdr_len;
    uint32_t flags = 0;
    if (!drop && (h.hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)) {
        if (csum_complete((uint8_t *)c->shared + offset, flen, h.hdr.csum_start, h.hdr.csum_offset))
            flags |= NET_DESC_F_DATA_VALID;
        else
            drop = true;
    } else if (h.hdr.flags & VIRTIO_NET_HDR_F_DATA_VALID) {
        flags |= NET_DESC_F_DATA_VALID;
    }
    if (!drop && c->open && give_back(d, ci, true, offset, flen, flags)) {
        N.rx_frames++;
        signal[ci] = true;
        return;
    }
    N.dropped++;
    if (!c->open || N.broken_ring[ci])
        return;
    if (post_rx(ci, offset, posted, c->shared_phys + offset))
        *repost = true;
    else if (give_back(d, ci, true, offset, 0, NET_DESC_F_ERROR))     /* queue broken: lend it back */
        signal[ci] = true;
}

static void net_interrupt(struct drv *d)
{
    bool signal[DRV_MAX_CLIENTS] = { false };
    bool was_up = N.link_up;
    read_link(d);
    if (was_up != N.link_up) {
        drv_log(d, "link %s", N.link_up ? "up" : "down");
        for (unsigned i = 0; i < DRV_MAX_CLIENTS; i++)
            signal[i] = true;
    }
    bool more = true;
    for (unsigned round = 0; round < 64 && more; round++) {
        uint32_t len;
        struct slot *sl;
        bool repost = false;
        while ((sl = virtq_get_used(&N.rx.vq, &len)) != NULL) {
            drv_fault_point(d);     /* received, not handed to the client nor posted again */
            rx_done(d, sl, len, signal, &repost);
        }
        if (repost)
            virtq_kick(&N.rx.vq);
        while ((sl = virtq_get_used(&N.tx.vq, &len)) != NULL) {
            if (d->clients[sl->client].open && give_back(d, sl->client, false, sl->offset, sl->len, 0))
                signal[sl->client] = true;
            N.tx_frames++;
            N.acct.tx_out[sl->client]--;
            slot_put(&N.tx, sl);
        }
        if (virtq_error(&N.rx.vq) || virtq_error(&N.tx.vq)) {
            drv_log(d, "the device broke the queue protocol (%s): resetting it",
                    virtq_error(&N.rx.vq) ? virtq_broken_reason(&N.rx.vq) : virtq_broken_reason(&N.tx.vq));
            net_reset(d, -1);
            for (unsigned i = 0; i < DRV_MAX_CLIENTS; i++)
                signal[i] = true;
            break;
        }
        bool quiet = virtq_enable_cb(&N.rx.vq);
        quiet &= virtq_enable_cb(&N.tx.vq);
        more = !quiet;
    }
    if (more)
        sys_signal(d->ntfn, 1);     /* a flood: let clients' requests in, then come back */
    pump(d, signal);                /* descriptors freed: take what waited */
    signal_clients(d, signal);
}

/* Reset and set up again. The receive buffers in flight stay lent: they
 * are posted again; frames in flight come back to their senders marked
 * failed. Except for client drop_client (-1: none), whose buffers belonged
 * to an opening that is being replaced: they are forgotten, so the device
 * can no longer write into memory the new opening uses. */
static void net_reset(struct drv *d, int drop_client)
{
    static struct slot rx_lent[QUEUE_SIZE];
    unsigned nlent = 0;
    for (unsigned i = 0; i < QUEUE_SIZE; i++) {
        if (N.rx.slots[i].busy && N.rx.slots[i].client != drop_client)
            rx_lent[nlent++] = N.rx.slots[i];
        struct slot *t = &N.tx.slots[i];
        if (t->busy && t->client != drop_client)
            give_back(d, t->client, false, t->offset, 0, NET_DESC_F_ERROR);
    }
    memset(N.acct.rx_out, 0, sizeof N.acct.rx_out);      /* counted again as they are posted */
    memset(N.acct.tx_out, 0, sizeof N.acct.tx_out);
    virtio_reset(&d->vdev);
    if (virtio_dev_init(&d->vdev, &d->t, d->ops->features) != 0)
        rt_panic("%s: the device cannot be negotiated again after a reset", d->info->name);
    if (d->msix)
        virtio_dev_set_config_vector(&d->vdev, d->vectors[DRV_MAX_QUEUES]);
    if (net_init(d) != 0 || virtio_dev_driver_ok(&d->vdev) != 0)
        rt_panic("%s: the device cannot be set up again after a reset", d->info->name);
    for (unsigned i = 0; i < nlent; i++) {
        struct drv_client *c = &d->clients[rx_lent[i].client];
        if (c->open)
            post_rx(rx_lent[i].client, rx_lent[i].offset, rx_lent[i].len, c->shared_phys + rx_lent[i].offset);
    }
    virtq_kick(&N.rx.vq);
    drv_log(d, "device reset and set up again (%u receive buffers posted again)", nlent);
}

/* The skeleton's reset: every client's buffers stay lent. */
static void net_reset_all(struct drv *d)
{
    net_reset(d, -1);
}

/* --- control ------------------------------------------------------------------- */

static bool net_control(struct drv *d, struct drv_client *c, struct msg *m, uint64_t got)
{
    switch (TAG_LABEL(m->tag)) {
    case NET_OPEN: {
        c = drv_client_open(d, m, got);
        if (!c)
            return true;
        unsigned ci = (unsigned)(c - d->clients);
        if (!drv_client_region(d, c, NET_REGION_PAGES * 4096ull, m))
            return true;
        /* A re-open (a restarted client: the same badge) replaces the old
         * opening. Buffers it still had with the device would be filled
         * later in memory the new opening lends again: the device is reset
         * without them (the other clients' buffers are posted again). */
        if (N.acct.rx_out[ci] || N.acct.tx_out[ci]) {
            drv_log(d, "client %u opened again with %u receive and %u send buffers of its previous opening in "
                    "flight: resetting the device without them", ci, N.acct.rx_out[ci], N.acct.tx_out[ci]);
            net_reset(d, (int)ci);
        }
        struct net_shared *s = shared(c);
        uint32_t epoch = d->info->generation;      /* pvk/service.h: the rings' epoch */
        memset(s, 0, sizeof *s);
        s->tx_hdr.size = s->tx_done_hdr.size = s->rx_free_hdr.size = s->rx_hdr.size = NET_RING_SIZE;
        s->tx_hdr.epoch = s->tx_done_hdr.epoch = s->rx_free_hdr.epoch = s->rx_hdr.epoch = epoch;
        N.tx_tail[ci] = N.tx_done_head[ci] = N.rx_free_tail[ci] = N.rx_head[ci] = 0;
        N.broken_ring[ci] = false;
        read_link(d);
        uint64_t mac = 0;
        for (unsigned i = 0; i < 6; i++)
            mac |= (uint64_t)N.mac[i] << (8 * i);
        m->tag = TAG(0, 4, 0);
        m->mr[0] = 0;
        m->mr[1] = mac;
        m->mr[2] = info_now();
        m->mr[3] = NET_MTU | ((uint64_t)NET_REGION_PAGES << 32);
        drv_reply_cap(m, c->region, CAP_R_READ | CAP_R_WRITE);
        return false;
    }
    case NET_DOORBELL:
        if (got)
            sys_cap_delete(got);
        drv_reply_doorbell(d, c, m);
        return false;
    case NET_STATUS:
        if (got)
            sys_cap_delete(got);
        read_link(d);
        m->tag = TAG(0, 4, 0);
        m->mr[0] = 0;
        m->mr[1] = info_now();
        m->mr[2] = N.rx_frames;
        m->mr[3] = N.tx_frames;
        return true;
    default:
        if (got)
            sys_cap_delete(got);
        m->tag = TAG(SERVER_EBADOP, 1, 0);
        m->mr[0] = (uint64_t)SYS_EINVAL;
        return true;
    }
}

static const struct drv_ops net_ops = {
    .name = "net",
    .device_type = 1,
    .features = VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(VIRTIO_NET_F_STATUS) | VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF) |
                VIRTIO_BIT(VIRTIO_NET_F_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM),
    .init = net_init,
    .interrupt = net_interrupt,
    .request = net_request,
    .control = net_control,
    .reset = net_reset_all,
    .check = net_check,
};

int main(uint64_t arg)
{
    (void)arg;
    return drv_main(&net_ops);
}
