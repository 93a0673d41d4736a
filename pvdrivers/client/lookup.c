/* Finding and opening a device through the device manager: see lookup.h. */
#include "runtime.h"
#include "lookup.h"
#include "pvk/devinfo.h"
#include "pvk/ring.h"
#include "pvk/service.h"

#define LOOKUP_SLEEP_NS 1000000ull      /* 1 ms between tries while the driver (re)starts */
#define LOOKUP_WAIT_NS  20000000ull     /* with a watch notification: wait for PVK_NTFN_PEER_READY */
#define PVK_ELOOKUP_LABEL (-1000)     /* internal: the device manager does not know DEVMGR_LOOKUP_NAME */

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
    if (o->region && va)
        sys_unmap(RT_SLOT_SELF_PROCESS, va);
    drop_slot(&o->doorbell);
    drop_slot(&o->region);
    drop_slot(&o->ntfn);
    drop_slot(&o->ep);
}

void pvk_device_name(uint32_t type, uint32_t instance, char out[16])
{
    const char *t = type == 1 ? "net" : type == 2 ? "blk" : type == 3 ? "console" : "virtio";
    snprintf(out, 16, "%s%u", t, instance);
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
    b->send_cap = 0;
    if (rc >= 0 && TAG_LABEL(m->tag) != 0)
        rc = SYS_EINVAL;
    else if (rc >= 0 && (long)m->mr[0] != 0)
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

/* One lookup message (mr0, mr1 under label), asked again while the driver
 * starts, until deadline. */
static long lookup(uint64_t devmgr, uint64_t label, uint64_t mr0, uint64_t mr1, uint64_t watch, uint64_t deadline,
                   uint64_t *ep_out, uint32_t *gen_out)
{
    int slot = rt_slot_alloc();
    if (slot < 0)
        return SYS_ENOMEM;
    struct ipc_buffer *b = rt_ipc_buffer();
    for (;;) {
        b->recv_slot = (uint64_t)slot;
        b->send_cap = watch;
        struct msg m = { .tag = TAG(label, 2, watch ? 1 : 0), .mr = { mr0, mr1 } };
        long rc = ipc_call(devmgr, &m);
        b->recv_slot = 0;
        b->send_cap = 0;
        if (rc >= 0 && TAG_LABEL(m.tag) != 0)
            rc = PVK_ELOOKUP_LABEL;     /* a device manager that does not know the label */
        else if (rc >= 0)
            rc = (long)m.mr[0];
        if (rc == 0 && sys_cap_info((uint64_t)slot).ret == CAP_ENDPOINT) {
            *ep_out = (uint64_t)slot;
            if (gen_out)
                *gen_out = TAG_LEN(m.tag) >= 2 ? (uint32_t)m.mr[1] : 0;
            return 0;
        }
        sys_cap_delete((uint64_t)slot);     /* whatever came with an answer we do not take */
        if (rc == 0)
            rc = SYS_EINVAL;
        uint64_t now = (uint64_t)sys_time().ret;
        if (rc != SYS_EBUSY || now >= deadline) {
            rt_slot_free(slot);
            if (rc == PVK_ELOOKUP_LABEL && label == DEVMGR_LOOKUP)
                rc = SYS_EINVAL;
            return rc == SYS_EBUSY ? SYS_ETIMEOUT : rc;
        }
        /* Restarting: the device manager kept our notification and signals
         * PVK_NTFN_PEER_READY on it when the driver is ready; without one,
         * ask again after a pause. */
        uint64_t until = now + (watch ? LOOKUP_WAIT_NS : LOOKUP_SLEEP_NS);
        if (until > deadline)
            until = deadline;
        uint64_t bits;
        if (watch)
            ntfn_wait(watch, until, &bits);
        else
            sys_sleep(until);
    }
}

static uint64_t bound(uint64_t deadline)
{
    return deadline ? deadline : (uint64_t)sys_time().ret + PVK_LOOKUP_BOUND_NS;
}

long pvk_lookup_device(uint64_t devmgr, uint32_t type, uint32_t instance, uint64_t watch_ntfn, uint64_t *ep_out,
                       uint32_t *gen_out)
{
    return lookup(devmgr, DEVMGR_LOOKUP, type, instance, watch_ntfn, bound(0), ep_out, gen_out);
}

/* "blk0" -> type 2, instance 0 (for a device manager without DEVMGR_LOOKUP_NAME). */
static bool parse_name(const char *name, uint32_t *type, uint32_t *instance)
{
    static const struct { const char *prefix; uint32_t type; } kinds[] = { { "net", 1 }, { "blk", 2 }, { "console", 3 } };
    for (unsigned k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        size_t n = strlen(kinds[k].prefix);
        if (strncmp(name, kinds[k].prefix, n) != 0 || !name[n])
            continue;
        uint32_t v = 0;
        for (const char *p = name + n; *p; p++) {
            if (*p < '0' || *p > '9' || v > 100000)
                return false;
            v = v * 10 + (uint32_t)(*p - '0');
        }
        *type = kinds[k].type;
        *instance = v;
        return true;
    }
    return false;
}

long pvk_lookup_name_until(uint64_t devmgr, const char *name, uint64_t watch_ntfn, uint64_t deadline,
                           uint64_t *ep_out, uint32_t *gen_out)
{
    uint64_t mr[2];
    pvk_name_pack(name, mr);
    deadline = bound(deadline);
    long rc = lookup(devmgr, DEVMGR_LOOKUP_NAME, mr[0], mr[1], watch_ntfn, deadline, ep_out, gen_out);
    uint32_t type, instance;
    if (rc == PVK_ELOOKUP_LABEL)
        rc = parse_name(name, &type, &instance)
                 ? lookup(devmgr, DEVMGR_LOOKUP, type, instance, watch_ntfn, deadline, ep_out, gen_out)
                 : SYS_ENOENT;
    return rc;
}

long pvk_lookup_name(uint64_t devmgr, const char *name, uint64_t watch_ntfn, uint64_t *ep_out, uint32_t *gen_out)
{
    return pvk_lookup_name_until(devmgr, name, watch_ntfn, 0, ep_out, gen_out);
}

/* The open after the lookup: o->ep and o->ntfn are set. */
static long open_found(uint64_t open_label, uint64_t doorbell_label, uint64_t va, uint64_t min_bytes,
                       struct pvk_opened *o)
{
    long rc = call_for_cap(o->ep, open_label, o->ntfn, CAP_FRAME, &o->reply, &o->region);
    uint64_t bytes = pvk_region_bytes(&o->reply);
    if (rc == 0 && (bytes < min_bytes || bytes > (1ull << 30) || min_bytes < sizeof(struct pvk_ring_hdr)))
        rc = SYS_EINVAL;
    bool mapped = false;
    if (rc == 0) {
        rc = sys_map(o->region, RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_WRITE).ret;
        mapped = rc == 0;
    }
    /* The driver writes its generation into the rings at open: a region of
     * another generation is not this instance's. */
    if (rc == 0 && o->gen && ((const struct pvk_ring_hdr *)va)->epoch != o->gen)
        rc = SYS_EINVAL;
    struct msg m;
    if (rc == 0)
        rc = call_for_cap(o->ep, doorbell_label, 0, CAP_NOTIFICATION, &m, &o->doorbell);
    if (rc < 0 && mapped)
        sys_unmap(RT_SLOT_SELF_PROCESS, va);
    return rc;
}

long pvk_new_ntfn(uint64_t *slot)
{
    int n = rt_slot_alloc();
    if (n < 0)
        return SYS_ENOMEM;
    if (sys_create(CAP_NOTIFICATION, (uint64_t)n, 0).ret != 0) {
        rt_slot_free(n);
        return SYS_ENOMEM;
    }
    *slot = (uint64_t)n;
    return 0;
}

long pvk_open_device(uint64_t devmgr, uint32_t type, uint32_t instance, uint64_t open_label,
                     uint64_t doorbell_label, uint64_t va, uint64_t min_bytes, struct pvk_opened *o)
{
    *o = (struct pvk_opened){ 0 };
    long rc = pvk_new_ntfn(&o->ntfn);
    if (rc == 0)
        rc = pvk_lookup_device(devmgr, type, instance, o->ntfn, &o->ep, &o->gen);
    if (rc == 0)
        rc = open_found(open_label, doorbell_label, va, min_bytes, o);
    if (rc < 0)
        pvk_close_device(o, 0);     /* open_found unmapped what it mapped */
    return rc;
}

long pvk_open_name(uint64_t devmgr, const char *name, uint64_t open_label, uint64_t doorbell_label, uint64_t va,
                   uint64_t min_bytes, uint64_t deadline, struct pvk_opened *o)
{
    *o = (struct pvk_opened){ 0 };
    long rc = pvk_new_ntfn(&o->ntfn);
    if (rc == 0)
        rc = pvk_lookup_name_until(devmgr, name, o->ntfn, deadline, &o->ep, &o->gen);
    if (rc == 0)
        rc = open_found(open_label, doorbell_label, va, min_bytes, o);
    if (rc < 0)
        pvk_close_device(o, 0);
    return rc;
}

long pvk_swap_region(struct pvk_opened *o, uint64_t old_region, uint64_t va, uint64_t scratch_va)
{
    sys_unmap(RT_SLOT_SELF_PROCESS, va);
    sys_unmap(RT_SLOT_SELF_PROCESS, scratch_va);
    long rc = sys_map(o->region, RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_WRITE).ret;
    if (rc != 0) {
        sys_map(old_region, RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_WRITE);
        pvk_close_device(o, 0);
    }
    return rc;
}

long pvk_evacuate_region(uint64_t *region, uint64_t va, uint64_t size, uint64_t keep, uint64_t scratch_va)
{
    if (!size || size % 4096 || keep > size)
        return SYS_EINVAL;
    int slot = rt_slot_alloc();
    if (slot < 0)
        return SYS_ENOMEM;
    long rc = sys_create(CAP_FRAME, (uint64_t)slot, size / 4096).ret;
    if (rc == 0) {
        rc = sys_map((uint64_t)slot, RT_SLOT_SELF_PROCESS, scratch_va, CAP_R_READ | CAP_R_WRITE).ret;
        if (rc != 0)
            sys_cap_delete((uint64_t)slot);
    }
    if (rc != 0) {
        rt_slot_free(slot);
        return rc;
    }
    memcpy((void *)scratch_va, (const void *)va, keep);
    sys_unmap(RT_SLOT_SELF_PROCESS, scratch_va);
    sys_unmap(RT_SLOT_SELF_PROCESS, va);
    rc = sys_map((uint64_t)slot, RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_WRITE).ret;
    if (rc != 0) {              /* put the region back */
        sys_map(*region, RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_WRITE);
        sys_cap_delete((uint64_t)slot);
        rt_slot_free(slot);
        return rc;
    }
    sys_cap_delete(*region);
    rt_slot_free((int)*region);
    *region = (uint64_t)slot;
    return 0;
}

long pvk_reopen_name(uint64_t devmgr, const char *name, uint64_t open_label, uint64_t doorbell_label,
                     uint64_t scratch_va, uint64_t min_bytes, uint64_t deadline, struct pvk_away *a,
                     struct pvk_opened *o)
{
    long rc = SYS_ETIMEOUT;
    if (!a->evacuated) {
        rc = pvk_open_name(devmgr, name, open_label, doorbell_label, scratch_va, min_bytes,
                           (uint64_t)sys_time().ret, o);
        if (rc == 0)
            return 0;
        a->evacuated = pvk_evacuate_region(a->region, a->va, a->size, a->keep, scratch_va) == 0;
        if (rc == PVK_EFAILED || rc == PVK_ESTOPPED || rc == SYS_ENOENT)
            return rc;      /* failed for good, stopped, unknown: no point waiting */
    }
    return pvk_open_name(devmgr, name, open_label, doorbell_label, scratch_va, min_bytes, deadline, o);
}
