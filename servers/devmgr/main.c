/* The device manager's start-up and its service loop (see devmgr.h). */
#include "cpio.h"
#include "devmgr.h"

const struct init_bootinfo *dm_boot;
const void *dm_bundle;
uint64_t dm_death_ntfn;
struct device dm_devices[DM_MAX_DEVICES];
unsigned dm_ndevices;

#define BOOTINFO_VA 0x0000003e00000000ull
#define BUNDLE_VA   0x0000003d00000000ull
#define DEVICE_VA   0x0000004000000000ull   /* device memory mapped here and up */

static uint64_t device_va_next = DEVICE_VA;

uint64_t dm_derive_devmem(uint64_t paddr, uint64_t size)
{
    uint64_t lo = paddr & ~0xfffull, hi = (paddr + size + 0xfff) & ~0xfffull;
    for (unsigned i = 0; i < dm_boot->ndevmem; i++) {
        uint64_t b = dm_boot->devmem[i].paddr, e = b + dm_boot->devmem[i].size;
        if (lo < b || hi > e || hi <= lo)
            continue;
        int slot = rt_slot_alloc();
        if (slot < 0)
            return 0;
        if (sys_device(INIT_CAP_DEVMEM_BASE + i, SYS_DEV_DEVMEM_DERIVE, (uint64_t)slot, (lo - b) >> 12,
                       (hi - lo) >> 12).ret != 0) {
            rt_slot_free(slot);
            return 0;
        }
        return (uint64_t)slot;
    }
    return 0;
}

volatile void *dm_map_device(uint64_t paddr, uint64_t size)
{
    uint64_t slot = dm_derive_devmem(paddr, size);
    if (!slot)
        return NULL;
    uint64_t lo = paddr & ~0xfffull, hi = (paddr + size + 0xfff) & ~0xfffull;
    uint64_t va = device_va_next;
    if (sys_map(slot, RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_WRITE).ret != 0)
        return NULL;
    /* The mapping keeps the window; the capability stays so a later
     * revocation of ours is never needed for the manager's own mappings. */
    device_va_next += (hi - lo) + 0x1000;   /* and an unmapped page between */
    return (volatile void *)(va + (paddr - lo));
}

static struct device *find_device(uint64_t type, uint64_t instance)
{
    for (unsigned i = 0; i < dm_ndevices; i++)
        if (dm_devices[i].type == type && dm_devices[i].instance == instance)
            return &dm_devices[i];
    return NULL;
}

/* A driver's fault: it is killed (the reply), its device taken back. */
static void driver_faulted(struct device *d, const struct msg *m)
{
    printf("devmgr: %s driver faulted: vector %llu, error %#llx, address %#llx, rip %#llx", d->name,
           (unsigned long long)m->mr[FAULT_MR_VECTOR], (unsigned long long)m->mr[FAULT_MR_ERROR],
           (unsigned long long)m->mr[FAULT_MR_ADDR], (unsigned long long)m->mr[FAULT_MR_IP]);
    struct msg r = { .tag = TAG(1, 0, 0) };
    ipc_reply(&r);
    dm_reclaim(d, "it faulted");
}

/* Handles one message; returns true if a reply is due in *m. */
static bool handle(struct msg *m)
{
    uint64_t label = TAG_LABEL(m->tag);
    uint64_t badge = m->badge;
    if (label == LABEL_NOTIFY && badge == 0) {
        /* Drivers that died (exited, or were killed by someone else). */
        for (unsigned i = 0; i < dm_ndevices; i++) {
            struct device *d = &dm_devices[i];
            if ((m->mr[0] >> i & 1) && d->running &&
                sys_thread_ctl(d->proc.thread_slot, 0, 0).ret == SYS_EDEAD)
                dm_reclaim(d, "it exited");
        }
        return false;
    }
    struct device *from = NULL;
    if ((badge >> 16) == 0xd1 && (badge & 0xffff) < dm_ndevices)
        from = &dm_devices[badge & 0xffff];
    if (label == LABEL_FAULT) {
        if ((badge >> 16) == 0xfa && (badge & 0xffff) < dm_ndevices) {
            driver_faulted(&dm_devices[badge & 0xffff], m);
            return false;
        }
        m->tag = TAG(1, 0, 0);
        return true;
    }
    m->tag = TAG(0, 1, 0);
    switch (label) {
    case DEVMGR_READY:
        if (!from)
            break;
        from->ready = (long)m->mr[0] == 0;
        printf("devmgr: %s driver %s", from->name, from->ready ? "ready" : "failed to start");
        m->mr[0] = 0;
        return true;
    case DEVMGR_LOOKUP: {
        struct device *d = find_device(m->mr[0], m->mr[1]);
        if (!d || !d->driver) {
            m->mr[0] = (uint64_t)SYS_ENOENT;
            return true;
        }
        if (!d->running || !d->ready) {
            m->mr[0] = (uint64_t)SYS_EBUSY;
            return true;
        }
        int slot = rt_slot_alloc();
        if (slot < 0 || sys_cap_copy(d->service_ep, (uint64_t)slot, CAP_R_WRITE | CAP_R_GRANT,
                                     0xc0000000ull | (badge & 0xffff)).ret != 0) {
            m->mr[0] = (uint64_t)SYS_ENOMEM;
            if (slot >= 0)
                rt_slot_free(slot);
            return true;
        }
        rt_ipc_buffer()->send_cap = (uint64_t)slot;
        m->tag = TAG(0, 1, 1);
        m->mr[0] = 0;
        ipc_reply(m);
        sys_cap_delete((uint64_t)slot);     /* the client has its copy now */
        rt_slot_free(slot);
        return false;
    }
    case DEVMGR_RESTART: {
        struct device *d = find_device(m->mr[0], m->mr[1]);
        if (!d || !d->driver || (badge >> 16) != 0xc1) {
            m->mr[0] = (uint64_t)(d ? SYS_ERIGHTS : SYS_ENOENT);
            return true;
        }
        long released = dm_reclaim(d, "a restart was asked for");
        dm_start_driver(d);
        struct sys_result q = sys_quota(RT_SLOT_SELF_PROCESS);
        m->tag = TAG(0, 3, 0);
        m->mr[0] = 0;
        m->mr[1] = q.r[0];
        m->mr[2] = (uint64_t)released;
        return true;
    }
    case DEVMGR_LIST: {
        unsigned driven = 0;
        for (unsigned i = 0; i < dm_ndevices; i++)
            driven += dm_devices[i].driver != NULL;
        m->tag = TAG(0, 2, 0);
        m->mr[0] = dm_ndevices;
        m->mr[1] = driven;
        return true;
    }
    default:
        m->tag = TAG(SERVER_EBADOP, 0, 0);
        printf("devmgr: ignored a message with label %#llx from badge %#llx", (unsigned long long)label,
               (unsigned long long)badge);
        return true;
    }
    m->tag = TAG(SERVER_EBADOP, 0, 0);
    return true;
}

int main(uint64_t arg)
{
    rt_slot_set_first(INIT_CAP_DEVMEM_BASE + INIT_DEVMEM_MAX);
    if (sys_map(DM_SLOT_BOOTINFO, RT_SLOT_SELF_PROCESS, BOOTINFO_VA, CAP_R_READ).ret != 0)
        rt_panic("devmgr: no boot information");
    dm_boot = (const struct init_bootinfo *)BOOTINFO_VA;
    if (dm_boot->magic != INIT_BOOTINFO_MAGIC)
        rt_panic("devmgr: bad boot information");
    (void)arg;
    if (sys_map(DM_SLOT_BUNDLE, RT_SLOT_SELF_PROCESS, BUNDLE_VA, CAP_R_READ).ret != 0)
        rt_panic("devmgr: cannot map the bundle");
    dm_bundle = (const void *)(BUNDLE_VA + (dm_boot->bundle_vaddr & 0xfff));
    int n = rt_slot_alloc();
    if (n < 0 || sys_create(CAP_NOTIFICATION, (uint64_t)n, 0).ret != 0 || sys_ntfn_bind((uint64_t)n).ret != 0)
        rt_panic("devmgr: no notification");
    dm_death_ntfn = (uint64_t)n;
    dm_discover();
    for (unsigned i = 0; i < dm_ndevices; i++)
        if (dm_devices[i].driver)
            dm_start_driver(&dm_devices[i]);
    struct msg m;
    bool reply = false;
    for (;;) {
        rt_ipc_buffer()->recv_slot = 0;
        long rc = reply ? ipc_reply_recv(DM_SLOT_EP, &m) : ipc_recv(DM_SLOT_EP, &m);
        reply = rc >= 0 && handle(&m);
    }
}
