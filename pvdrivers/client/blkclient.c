/* The block client library: see blkclient.h. */
#include "runtime.h"
#include "blkclient.h"
#include "lookup.h"
#include "pvk/devinfo.h"

#define LOOKUP_TRIES 500
#define LOOKUP_SLEEP_NS 10000000ull

static void drop_slot(uint64_t *slot)
{
    if (*slot) {
        sys_cap_delete(*slot);
        rt_slot_free((int)*slot);
        *slot = 0;
    }
}

void pvk_close_device(struct pvk_opened *o, uint64_t va)
{
    if (o->region)
        sys_unmap(RT_SLOT_SELF_PROCESS, va);
    drop_slot(&o->doorbell);
    drop_slot(&o->region);
    drop_slot(&o->ntfn);
    drop_slot(&o->ep);
}

/* Calls ep with label (sending cap if not 0) and receives a capability of
 * type want into a fresh slot; 0 and *slot_out, or an error. */
static long call_for_cap(uint64_t ep, uint64_t label, uint64_t cap, unsigned want, struct msg *m,
                         uint64_t *slot_out)
{
    int slot = rt_slot_alloc();
    if (slot < 0)
        return SYS_ENOMEM;
    struct ipc_buffer *b = rt_ipc_buffer();
    b->send_cap = cap;
    b->recv_slot = (uint64_t)slot;
    *m = (struct msg){ .tag = TAG(label, 0, cap ? 1 : 0) };
    long rc = ipc_call(ep, m);
    b->recv_slot = 0;
    if (rc >= 0 && (long)m->mr[0] != 0)
        rc = (long)m->mr[0];
    else if (rc >= 0 && sys_cap_info((uint64_t)slot).ret != (long)want)
        rc = SYS_EINVAL;
    if (rc < 0) {
        sys_cap_delete((uint64_t)slot);
        rt_slot_free(slot);
        return rc;
    }
    *slot_out = (uint64_t)slot;
    return 0;
}

long pvk_open_device(uint64_t devmgr, uint32_t type, uint32_t instance, uint64_t open_label,
                     uint64_t doorbell_label, uint64_t va, uint64_t min_bytes, struct pvk_opened *o)
{
    *o = (struct pvk_opened){ 0 };
    long rc = pvk_lookup_device(devmgr, type, instance, &o->ep);
    int n = rc < 0 ? -1 : rt_slot_alloc();
    if (rc == 0 && (n < 0 || sys_create(CAP_NOTIFICATION, (uint64_t)n, 0).ret != 0))
        rc = SYS_ENOMEM;
    if (n >= 0)
        o->ntfn = (uint64_t)n;
    if (rc == 0)
        rc = call_for_cap(o->ep, open_label, o->ntfn, CAP_FRAME, &o->reply, &o->region);
    uint64_t bytes = pvk_region_bytes(&o->reply);
    if (rc == 0 && (bytes < min_bytes || bytes > (1ull << 30)))
        rc = SYS_EINVAL;
    bool mapped = false;
    if (rc == 0) {
        rc = sys_map(o->region, RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_WRITE).ret;
        mapped = rc == 0;
    }
    struct msg m;
    if (rc == 0)
        rc = call_for_cap(o->ep, doorbell_label, 0, CAP_NOTIFICATION, &m, &o->doorbell);
    if (rc < 0) {
        if (mapped)
            sys_unmap(RT_SLOT_SELF_PROCESS, va);
        drop_slot(&o->doorbell);
        drop_slot(&o->region);
        drop_slot(&o->ntfn);
        drop_slot(&o->ep);
        return rc;
    }
    return 0;
}

long pvk_lookup_device(uint64_t devmgr, uint32_t type, uint32_t instance, uint64_t *ep_out)
{
    int slot = rt_slot_alloc();
    if (slot < 0)
        return SYS_ENOMEM;
    for (unsigned i = 0; i < LOOKUP_TRIES; i++) {
        rt_ipc_buffer()->recv_slot = (uint64_t)slot;
        struct msg m = { .tag = TAG(DEVMGR_LOOKUP, 2, 0), .mr = { type, instance } };
        long rc = ipc_call(devmgr, &m);
        rt_ipc_buffer()->recv_slot = 0;
        if (rc < 0) {
            rt_slot_free(slot);
            return rc;
        }
        if ((long)m.mr[0] == 0 && sys_cap_info((uint64_t)slot).ret == CAP_ENDPOINT) {
            *ep_out = (uint64_t)slot;
            return 0;
        }
        if ((long)m.mr[0] != SYS_EBUSY) {
            rt_slot_free(slot);
            return (long)m.mr[0] ? (long)m.mr[0] : SYS_EINVAL;
        }
        sys_sleep((uint64_t)sys_time().ret + LOOKUP_SLEEP_NS);
    }
    rt_slot_free(slot);
    return SYS_ETIMEOUT;
}

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
    if (c->base) {
        if (c->ep) {
            struct msg m = { .tag = TAG(BLK_CLOSE, 0, 0) };
            ipc_call(c->ep, &m);        /* fails harmlessly if the driver is gone */
        }
        sys_unmap(RT_SLOT_SELF_PROCESS, c->va);
    }
    drop_slot(&c->region_slot);
    drop_slot(&c->doorbell);
    drop_slot(&c->ntfn);
    drop_slot(&c->ep);
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
