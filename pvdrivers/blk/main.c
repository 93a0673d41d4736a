/* virtio-blk driver: clients' requests from their shared rings go to the
 * device's request queue with the data in place (the shared region is DMA
 * memory); completions go back to the clients' completion rings. Every
 * request is checked: range on the disk, offset and length inside the
 * client's data area, alignment to the logical block, known operation.
 * A write with BLK_F_FUA is followed by a flush before it completes; a
 * flush always reaches the device when it has a write cache. */
#include <linux/virtio_blk.h>
#include "drv.h"
#include "pvk/blkproto.h"

#define QUEUE_SIZE 128
#define SECTOR 512u
/* Reads and writes longer than this go to the device as several requests
 * in flight at once (as Linux splits a large O_DIRECT write), so the device
 * works on one part while the next is queued. */
#define SPLIT_BYTES (256u * 1024)
#define MAX_PARTS 8

enum phase { PH_FREE, PH_IO, PH_FUA_FLUSH };

/* One request in flight: the device reads hdr (and dwz for discard /
 * write-zeroes) and writes status; all three live in DMA memory. */
struct vreq {
    struct virtio_blk_outhdr hdr;
    struct virtio_blk_discard_write_zeroes dwz;
    uint8_t status;
    uint8_t phase;
    uint16_t client;
    uint32_t len;               /* the client request's whole length (lead) */
    uint64_t id;
    uint16_t lead;              /* the first part of the client request */
    uint16_t parts;             /* lead: parts still in flight */
    int32_t gstatus;            /* lead: the request's status so far */
};

/* The request table's bookkeeping: every entry is free or in flight,
 * nfree + inflight == QUEUE_SIZE, checked at the top of every loop
 * iteration (blk_check). This is the state fault injection's FI_CORRUPT
 * damages (fi_set_state): the check turns the damage into an exit before
 * a wrong index can pick a request in flight (and with it someone else's
 * status or completion). */
struct blk_acct {
    uint32_t nfree;             /* entries on the free list */
    uint32_t inflight;          /* entries the device holds (parts and FUA flushes) */
};

struct blk {
    struct virtq vq;
    struct vreq *reqs;          /* QUEUE_SIZE of them, DMA memory */
    uint64_t reqs_phys;
    uint16_t free[QUEUE_SIZE];
    struct blk_acct acct;
    uint64_t capacity;          /* 512-byte sectors */
    uint32_t block;             /* logical block size */
    unsigned info;              /* BLK_INFO_* */
    uint32_t cons_tail[DRV_MAX_CLIENTS];   /* next request to take, per client */
    uint32_t prod_head[DRV_MAX_CLIENTS];   /* next completion to write, per client */
};
static struct blk B;

static uint64_t vreq_phys(const struct vreq *r, const void *field)
{
    return B.reqs_phys + (uint64_t)((const uint8_t *)r - (const uint8_t *)B.reqs) +
           (uint64_t)((const uint8_t *)field - (const uint8_t *)r);
}

/* A request table entry the device gave back. */
static void req_free(struct vreq *v)
{
    B.free[B.acct.nfree++] = (uint16_t)(v - B.reqs);
    B.acct.inflight--;
}

static const char *blk_check(struct drv *d)
{
    (void)d;
    if (B.acct.nfree > QUEUE_SIZE || B.acct.inflight > QUEUE_SIZE ||
        B.acct.nfree + B.acct.inflight != QUEUE_SIZE)
        return "request table: free + in flight != queue size";
    return NULL;
}

static int blk_init(struct drv *d)
{
    struct virtio_dev *v = &d->vdev;
    uint64_t cap = 0;
    uint32_t bs = SECTOR;
    if (virtio_dev_config_read(v, offsetof(struct virtio_blk_config, capacity), &cap, 8) != 0)
        return -VIRTIO_ENODEV;
    if (virtio_dev_has(v, VIRTIO_BLK_F_BLK_SIZE))
        virtio_dev_config_read(v, offsetof(struct virtio_blk_config, blk_size), &bs, 4);
    if (bs < SECTOR || bs > 65536 || (bs & (bs - 1)))
        bs = SECTOR;
    B.capacity = cap;
    B.block = bs;
    B.info = (virtio_dev_has(v, VIRTIO_BLK_F_RO) ? BLK_INFO_READONLY : 0) |
             (virtio_dev_has(v, VIRTIO_BLK_F_FLUSH) ? BLK_INFO_FLUSH : 0) |
             (virtio_dev_has(v, VIRTIO_BLK_F_DISCARD) ? BLK_INFO_DISCARD : 0) |
             (virtio_dev_has(v, VIRTIO_BLK_F_WRITE_ZEROES) ? BLK_INFO_WRITE_ZEROES : 0);
    if (!B.reqs) {
        void *virt;
        if (drv_dma_alloc(d, sizeof(struct vreq) * QUEUE_SIZE, &virt, &B.reqs_phys, NULL) != 0)
            return -VIRTIO_ENOMEM;
        B.reqs = virt;
    }
    B.acct.nfree = 0;
    B.acct.inflight = 0;
    fi_set_state(&B.acct, sizeof B.acct);
    for (unsigned i = QUEUE_SIZE; i-- > 0;) {
        B.reqs[i].phase = PH_FREE;
        B.free[B.acct.nfree++] = (uint16_t)i;
    }
    int rc = virtio_dev_setup_queue(v, &B.vq, 0, QUEUE_SIZE, &d->mem, 4, d->vectors[0]);
    if (rc != 0)
        return rc;
    drv_log(d, "virtio-blk: %llu sectors (%llu MiB), %u-byte blocks%s%s%s%s, queue of %u", (unsigned long long)cap,
            (unsigned long long)(cap >> 11), bs, B.info & BLK_INFO_READONLY ? ", read-only" : "",
            B.info & BLK_INFO_FLUSH ? ", write cache with flush" : "", B.info & BLK_INFO_DISCARD ? ", discard" : "",
            B.info & BLK_INFO_WRITE_ZEROES ? ", write-zeroes" : "", B.vq.size);
    return 0;
}

static struct blk_shared *shared(struct drv_client *c)
{
    return (struct blk_shared *)c->shared;
}

/* Appends a completion to the client's ring (the ring has room: a client
 * never has more requests outstanding than the ring holds, and one that
 * lies about it loses completions, nobody else). */
static void complete(struct drv *d, unsigned ci, uint64_t id, int32_t status, uint32_t len)
{
    struct drv_client *c = &d->clients[ci];
    if (!c->open)
        return;
    struct blk_shared *s = shared(c);
    if (pvk_ring_space(&s->cpl_hdr, BLK_RING_SIZE, B.prod_head[ci]) <= 0) {
        drv_log(d, "client %u's completion ring is full; completion of request %llu lost", ci,
                (unsigned long long)id);
        return;
    }
    s->cpl[B.prod_head[ci] % BLK_RING_SIZE] = (struct blk_cpl){ id, status, len };
    pvk_store_release(&s->cpl_hdr.head, ++B.prod_head[ci]);
}

/* Checks a client request; BLK_OK or the error to complete it with. */
static int32_t check(const struct blk_req *r, const struct drv_client *c)
{
    switch (r->op) {
    case BLK_OP_READ:
    case BLK_OP_WRITE: {
        if (r->op == BLK_OP_WRITE && (B.info & BLK_INFO_READONLY))
            return BLK_EROFS;
        if (r->len == 0 || r->len % B.block || r->sector % (B.block / SECTOR))
            return BLK_EINVAL;
        uint64_t sectors = r->len / SECTOR;
        if (r->sector >= B.capacity || sectors > B.capacity - r->sector)
            return BLK_EINVAL;
        if (r->offset < BLK_DATA_OFFSET || r->offset >= c->size || r->len > c->size - r->offset)
            return BLK_EINVAL;
        return BLK_OK;
    }
    case BLK_OP_FLUSH:
        return BLK_OK;
    case BLK_OP_DISCARD:
    case BLK_OP_WRITE_ZEROES: {
        unsigned need = r->op == BLK_OP_DISCARD ? BLK_INFO_DISCARD : BLK_INFO_WRITE_ZEROES;
        if (!(B.info & need))
            return BLK_EUNSUPP;
        if (B.info & BLK_INFO_READONLY)
            return BLK_EROFS;
        uint64_t sectors = r->len / SECTOR;
        if (r->len == 0 || r->len % SECTOR || r->sector >= B.capacity || sectors > B.capacity - r->sector ||
            sectors > 0xffffffffu)
            return BLK_EINVAL;
        return BLK_OK;
    }
    default:
        return BLK_EINVAL;
    }
}

/* Puts one part on the device queue: [sector, +len) at the client's
 * offset, as part of the request led by lead. */
static int add_part(struct drv *d, unsigned ci, struct vreq *v, uint32_t type, uint64_t sector, uint64_t offset,
                    uint32_t len, uint64_t dwz_sectors)
{
    struct drv_client *c = &d->clients[ci];
    v->hdr = (struct virtio_blk_outhdr){ .type = type, .sector = type == VIRTIO_BLK_T_FLUSH ? 0 : sector };
    v->status = 0xff;
    struct virtq_buf bufs[3];
    unsigned nout = 1, nin = 0;
    bufs[0] = (struct virtq_buf){ vreq_phys(v, &v->hdr), sizeof v->hdr };
    if (type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_OUT) {
        bufs[1] = (struct virtq_buf){ c->shared_phys + offset, len };
        if (type == VIRTIO_BLK_T_OUT)
            nout++;
        else
            nin++;
    } else if (type == VIRTIO_BLK_T_DISCARD || type == VIRTIO_BLK_T_WRITE_ZEROES) {
        v->dwz = (struct virtio_blk_discard_write_zeroes){ .sector = sector, .num_sectors = (uint32_t)dwz_sectors };
        bufs[1] = (struct virtq_buf){ vreq_phys(v, &v->dwz), sizeof v->dwz };
        nout++;
    }
    bufs[nout + nin] = (struct virtq_buf){ vreq_phys(v, &v->status), 1 };
    nin++;
    return virtq_add(&B.vq, bufs, nout, nin, v);
}

/* Puts a client request on the device queue (in parts if it is long);
 * false if the queue has no room for all of it now. */
static bool submit(struct drv *d, unsigned ci, const struct blk_req *r, uint32_t type, enum phase ph)
{
    bool io = type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_OUT;
    unsigned nparts = io && r->len > SPLIT_BYTES ? (r->len + SPLIT_BYTES - 1) / SPLIT_BYTES : 1;
    if (nparts > MAX_PARTS)
        nparts = MAX_PARTS;
    uint32_t part = io ? ((r->len / nparts + B.block - 1) / B.block) * B.block : r->len;
    if (B.acct.nfree < nparts || virtq_num_free(&B.vq) < 3 * nparts)
        return false;
    struct vreq *lead = &B.reqs[B.free[B.acct.nfree - 1]];
    lead->phase = (uint8_t)ph;
    lead->client = (uint16_t)ci;
    lead->len = r->len;
    lead->id = r->id;
    lead->parts = 0;
    lead->gstatus = BLK_OK;
    for (uint32_t done = 0; done < r->len || (!io && lead->parts == 0);) {
        struct vreq *v = &B.reqs[B.free[B.acct.nfree - 1]];
        uint32_t len = io ? (r->len - done < part ? r->len - done : part) : r->len;
        v->lead = (uint16_t)(lead - B.reqs);
        v->client = (uint16_t)ci;
        int rc = add_part(d, ci, v, type, r->sector + done / SECTOR, r->offset + done, len, r->len / SECTOR);
        if (rc != 0) {
            /* Cannot happen after the room check, unless the queue broke:
             * the parts already queued complete with the error. */
            lead->gstatus = BLK_ERESET;
            if (lead->parts == 0)
                complete(d, ci, r->id, BLK_ERESET, 0);
            return true;
        }
        B.acct.nfree--;
        B.acct.inflight++;
        lead->parts++;
        done += len;
        if (!io)
            break;
    }
    return true;
}

static uint32_t op_type(uint16_t op)
{
    switch (op) {
    case BLK_OP_READ: return VIRTIO_BLK_T_IN;
    case BLK_OP_WRITE: return VIRTIO_BLK_T_OUT;
    case BLK_OP_FLUSH: return VIRTIO_BLK_T_FLUSH;
    case BLK_OP_DISCARD: return VIRTIO_BLK_T_DISCARD;
    default: return VIRTIO_BLK_T_WRITE_ZEROES;
    }
}

/* Takes what the client queued, as far as the device queue has room. */
static void blk_request(struct drv *d, struct drv_client *c)
{
    unsigned ci = (unsigned)(c - d->clients);
    struct blk_shared *s = shared(c);
    int64_t n = pvk_ring_pending(&s->req_hdr, BLK_RING_SIZE, B.cons_tail[ci]);
    if (n < 0) {
        drv_log(d, "client %u's request ring is corrupt (head %u, tail %u); ignored", ci, s->req_hdr.head,
                B.cons_tail[ci]);
        return;
    }
    bool added = false;
    for (; n > 0; n--) {
        struct blk_req r = s->req[B.cons_tail[ci] % BLK_RING_SIZE];   /* one copy: the client may change it */
        int32_t err = check(&r, c);
        if (err != BLK_OK) {
            complete(d, ci, r.id, err, 0);
        } else if (r.op == BLK_OP_FLUSH && !(B.info & BLK_INFO_FLUSH)) {
            complete(d, ci, r.id, BLK_OK, 0);       /* no write cache: writes are durable when done */
        } else if (!submit(d, ci, &r, op_type(r.op),
                           r.op == BLK_OP_WRITE && (r.flags & BLK_F_FUA) && (B.info & BLK_INFO_FLUSH)
                               ? PH_FUA_FLUSH : PH_IO)) {
            break;                                  /* the device queue is full: the rest waits */
        } else {
            added = true;
            drv_fault_point(d);     /* on the device's queue, not kicked, not completed */
        }
        pvk_store_release(&s->req_hdr.tail, ++B.cons_tail[ci]);
    }
    if (added)
        virtq_kick(&B.vq);
    drv_signal_client(c);
}

static int32_t status_of(uint8_t st)
{
    return st == VIRTIO_BLK_S_OK ? BLK_OK : st == VIRTIO_BLK_S_UNSUPP ? BLK_EUNSUPP : BLK_EIO;
}

static void blk_interrupt(struct drv *d)
{
    bool signalled[DRV_MAX_CLIENTS] = { false };
    for (unsigned i = 0; i < DRV_MAX_CLIENTS; i++)
        if (d->clients[i].open)
            shared(&d->clients[i])->driver_wake_tsc = d->wake_tsc;
    for (;;) {
        uint32_t len;
        struct vreq *v;
        while ((v = virtq_get_used(&B.vq, &len)) != NULL) {
            drv_fault_point(d);     /* taken from the device, its completion not posted */
            struct vreq *lead = &B.reqs[v->lead < QUEUE_SIZE ? v->lead : 0];
            unsigned ci = lead->client;
            if (v->status != VIRTIO_BLK_S_OK && lead->gstatus == BLK_OK)
                lead->gstatus = status_of(v->status);
            if (v != lead) {
                v->phase = PH_FREE;
                req_free(v);
            }
            if (--lead->parts)
                continue;       /* other parts still in flight */
            if (lead->phase == PH_FUA_FLUSH && lead->gstatus == BLK_OK) {
                /* The write is done; now make it durable before it completes. */
                struct blk_req f = { .id = lead->id, .op = BLK_OP_FLUSH, .len = lead->len };
                lead->phase = PH_FREE;
                req_free(lead);
                if (!submit(d, ci, &f, VIRTIO_BLK_T_FLUSH, PH_IO))
                    complete(d, ci, f.id, BLK_ERESET, 0);
                virtq_kick(&B.vq);
                continue;
            }
            complete(d, ci, lead->id, lead->gstatus, lead->gstatus == BLK_OK ? lead->len : 0);
            lead->phase = PH_FREE;
            req_free(lead);
            signalled[ci] = true;
        }
        if (virtq_error(&B.vq)) {
            drv_log(d, "the device broke the queue protocol (%s): resetting it", virtq_broken_reason(&B.vq));
            for (unsigned i = 0; i < QUEUE_SIZE; i++) {
                if (B.reqs[i].phase != PH_FREE && B.reqs[i].lead == i) {
                    complete(d, B.reqs[i].client, B.reqs[i].id, BLK_ERESET, 0);
                    signalled[B.reqs[i].client] = true;
                }
            }
            d->ops->reset(d);
            break;
        }
        if (virtq_enable_cb(&B.vq))
            break;
    }
    for (unsigned i = 0; i < DRV_MAX_CLIENTS; i++) {
        if (d->clients[i].open) {
            if (signalled[i])
                drv_signal_client(&d->clients[i]);
            blk_request(d, &d->clients[i]);     /* descriptors freed: take what waited */
        }
    }
}

static void blk_reset(struct drv *d)
{
    virtio_reset(&d->vdev);
    memset(&B.vq, 0, sizeof B.vq);
    if (virtio_dev_init(&d->vdev, &d->t, d->ops->features) == 0 && blk_init(d) == 0 &&
        virtio_dev_driver_ok(&d->vdev) == 0)
        drv_log(d, "device reset and set up again");
    else
        rt_panic("%s: the device cannot be set up again after a reset", d->info->name);
}

static bool blk_control(struct drv *d, struct drv_client *c, struct msg *m, uint64_t got)
{
    switch (TAG_LABEL(m->tag)) {
    case BLK_OPEN: {
        c = drv_client_open(d, m, got);
        if (!c)
            return true;
        unsigned ci = (unsigned)(c - d->clients);
        if (!drv_client_region(d, c, BLK_REGION_PAGES * 4096ull, m))
            return true;
        struct blk_shared *s = shared(c);
        uint32_t epoch = d->info->generation;      /* pvk/service.h: the ring's epoch */
        memset(s, 0, sizeof *s);
        s->req_hdr.size = s->cpl_hdr.size = BLK_RING_SIZE;
        s->req_hdr.epoch = s->cpl_hdr.epoch = epoch;
        B.cons_tail[ci] = B.prod_head[ci] = 0;
        m->tag = TAG(0, 4, 0);
        m->mr[0] = 0;
        m->mr[1] = B.capacity;
        m->mr[2] = B.block;
        m->mr[3] = B.info | ((uint64_t)BLK_REGION_PAGES << 32);
        drv_reply_cap(m, c->region, CAP_R_READ | CAP_R_WRITE);
        return false;
    }
    case BLK_DOORBELL:
        if (got)
            sys_cap_delete(got);
        drv_reply_doorbell(d, c, m);
        return false;
    case BLK_CLOSE:
        if (got)
            sys_cap_delete(got);
        if (c) {
            /* The region stays with the driver (DMA memory is only given
             * back when the device is reset) for the next client. */
            sys_cap_delete(c->ntfn);
            rt_slot_free((int)c->ntfn);
            c->ntfn = 0;
            c->open = false;
        }
        m->tag = TAG(0, 1, 0);
        m->mr[0] = c ? 0 : (uint64_t)SYS_EINVAL;
        return true;
    default:
        if (got)
            sys_cap_delete(got);
        m->tag = TAG(SERVER_EBADOP, 1, 0);
        m->mr[0] = (uint64_t)SYS_EINVAL;
        return true;
    }
}

static const struct drv_ops blk_ops = {
    .name = "blk",
    .device_type = 2,
    .features = VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE) | VIRTIO_BIT(VIRTIO_BLK_F_RO) | VIRTIO_BIT(VIRTIO_BLK_F_FLUSH) |
                VIRTIO_BIT(VIRTIO_BLK_F_DISCARD) | VIRTIO_BIT(VIRTIO_BLK_F_WRITE_ZEROES) |
                VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX),
    .init = blk_init,
    .interrupt = blk_interrupt,
    .request = blk_request,
    .control = blk_control,
    .reset = blk_reset,
    .check = blk_check,
};

int main(uint64_t arg)
{
    (void)arg;
    return drv_main(&blk_ops);
}
