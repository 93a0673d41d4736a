/* The block client library: see blkclient.h. */
#include "runtime.h"
#include "blkclient.h"
#include "lookup.h"

long blkc_open(struct blk_client *c, uint64_t devmgr, uint32_t instance, uint64_t va)
{
    *c = (struct blk_client){ .va = va };
    struct pvk_opened o;
    long rc = pvk_open_device(devmgr, 2, instance, BLK_OPEN, BLK_DOORBELL, va, BLK_DATA_OFFSET + 4096, &o);
    if (rc < 0)
        return rc;
    c->ep = o.ep;
    c->ntfn = o.ntfn;
    c->region_slot = o.region;
    c->doorbell = o.doorbell;
    c->capacity = o.reply.mr[1];
    c->block = (uint32_t)o.reply.mr[2];
    c->info = (uint32_t)o.reply.mr[3];
    c->region_size = pvk_region_bytes(&o.reply);
    c->base = (uint8_t *)va;
    c->shared = (struct blk_shared *)va;
    return 0;
}

void blkc_close(struct blk_client *c)
{
    if (c->base && c->ep) {
        struct msg m = { .tag = TAG(BLK_CLOSE, 0, 0) };
        ipc_call(c->ep, &m);        /* fails harmlessly if the driver is gone */
    }
    struct pvk_opened o = { .ep = c->ep, .ntfn = c->ntfn, .region = c->region_slot, .doorbell = c->doorbell };
    pvk_close_device(&o, c->va);
    c->ep = c->ntfn = c->region_slot = c->doorbell = 0;
    c->base = NULL;
    c->shared = NULL;
}

bool blkc_submit(struct blk_client *c, const struct blk_req *r)
{
    if (pvk_ring_space(&c->shared->req_hdr, BLK_RING_SIZE, c->req_head) <= 0)
        return false;
    c->shared->req[c->req_head % BLK_RING_SIZE] = *r;
    pvk_store_release(&c->shared->req_hdr.head, ++c->req_head);
    return true;
}

void blkc_kick(struct blk_client *c)
{
    sys_signal(c->doorbell, 0);
}

bool blkc_poll(struct blk_client *c, struct blk_cpl *out)
{
    int64_t n = pvk_ring_pending(&c->shared->cpl_hdr, BLK_RING_SIZE, c->cpl_tail);
    if (n <= 0)
        return false;
    *out = c->shared->cpl[c->cpl_tail % BLK_RING_SIZE];
    pvk_store_release(&c->shared->cpl_hdr.tail, ++c->cpl_tail);
    return true;
}

bool blkc_wait(struct blk_client *c, struct blk_cpl *out, uint64_t deadline)
{
    for (;;) {
        if (blkc_poll(c, out))
            return true;
        if (pvk_ring_pending(&c->shared->cpl_hdr, BLK_RING_SIZE, c->cpl_tail) < 0)
            return false;
        uint64_t bits;
        if (ntfn_wait(c->ntfn, deadline, &bits) < 0)
            return blkc_poll(c, out);
    }
}

int32_t blkc_sync(struct blk_client *c, uint16_t op, uint16_t flags, uint64_t sector, uint64_t off, uint32_t len)
{
    static uint64_t next_id = 1;
    struct blk_req r = { .id = next_id++, .sector = sector, .offset = blkc_offset(off), .len = len, .op = op,
                         .flags = flags };
    if (!blkc_submit(c, &r))
        return BLK_EINVAL;
    blkc_kick(c);
    struct blk_cpl cpl;
    while (blkc_wait(c, &cpl, (uint64_t)sys_time().ret + 10000000000ull))
        if (cpl.id == r.id)
            return cpl.status;
    return BLK_EIO;
}
