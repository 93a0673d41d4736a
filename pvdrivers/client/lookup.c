/* Finding and opening a device through the device manager: see lookup.h. */
#include "runtime.h"
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
