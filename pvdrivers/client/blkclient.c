/* The block client library: see blkclient.h. */
#include "runtime.h"
#include "blkclient.h"
#include "lookup.h"
#include "pvk/devinfo.h"

#define LOOKUP_TRIES 500
#define LOOKUP_SLEEP_NS 10000000ull

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
    long rc = pvk_lookup_device(devmgr, 2, instance, &c->ep);
    if (rc < 0)
        return rc;
    int n = rt_slot_alloc(), region = rt_slot_alloc(), bell = rt_slot_alloc();
    if (n < 0 || region < 0 || bell < 0 || sys_create(CAP_NOTIFICATION, (uint64_t)n, 0).ret != 0)
        return SYS_ENOMEM;
    c->ntfn = (uint64_t)n;
    struct ipc_buffer *b = rt_ipc_buffer();
    b->send_cap = c->ntfn;
    b->recv_slot = (uint64_t)region;
    struct msg m = { .tag = TAG(BLK_OPEN, 0, 1) };
    rc = ipc_call(c->ep, &m);
    b->recv_slot = 0;
    if (rc < 0)
        return rc;
    if ((long)m.mr[0] != 0)
        return (long)m.mr[0];
    if (sys_cap_info((uint64_t)region).ret != CAP_FRAME)
        return SYS_EINVAL;
    c->region_slot = (uint64_t)region;
    c->capacity = m.mr[1];
    c->block = (uint32_t)m.mr[2];
    c->info = (uint32_t)m.mr[3];
    c->region_size = (m.mr[3] >> 32) * 4096ull;
    if (c->region_size < BLK_DATA_OFFSET + 4096 || c->region_size > (1ull << 30))
        return SYS_EINVAL;
    rc = sys_map(c->region_slot, RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_WRITE).ret;
    if (rc < 0)
        return rc;
    c->base = (uint8_t *)va;
    c->shared = (struct blk_shared *)va;
    b->recv_slot = (uint64_t)bell;
    m = (struct msg){ .tag = TAG(BLK_DOORBELL, 0, 0) };
    rc = ipc_call(c->ep, &m);
    b->recv_slot = 0;
    if (rc < 0)
        return rc;
    if ((long)m.mr[0] != 0 || sys_cap_info((uint64_t)bell).ret != CAP_NOTIFICATION)
        return SYS_EINVAL;
    c->doorbell = (uint64_t)bell;
    return 0;
}

static void drop(uint64_t *slot)
{
    if (*slot) {
        sys_cap_delete(*slot);
        rt_slot_free((int)*slot);
        *slot = 0;
    }
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
    drop(&c->region_slot);
    drop(&c->doorbell);
    drop(&c->ntfn);
    drop(&c->ep);
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
