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

/* A driver's fault: it is killed (the reply), its device taken back, and
 * it is restarted as its policy says. */
static void driver_faulted(struct device *d, const struct msg *m)
{
    uint32_t vector = (uint32_t)m->mr[FAULT_MR_VECTOR];
    uint64_t addr = m->mr[FAULT_MR_ADDR];
    if (d->track.crashes < 20 || d->track.crashes % 100 == 0)
        printf("devmgr: %s driver CRASHED (generation %u): vector %u, error %#llx, address %#llx, rip %#llx", d->name,
               d->track.generation, vector, (unsigned long long)m->mr[FAULT_MR_ERROR], (unsigned long long)addr,
               (unsigned long long)m->mr[FAULT_MR_IP]);
    struct msg r = { .tag = TAG(1, 0, 0) };
    ipc_reply(&r);
    dm_driver_ended(d, PVK_FAIL_CRASH, vector, addr);
}

/* Messages that make no sense are refused; the log names the first few,
 * then counts (a flood must not flood the log). */
static void refused(const char *what, uint64_t label, uint64_t badge)
{
    static uint64_t count;
    if (++count <= 10 || count % 1000 == 0)
        printf("devmgr: refused %s (label %#llx, badge %#llx; %llu refused so far)", what, (unsigned long long)label,
               (unsigned long long)badge, (unsigned long long)count);
}

static bool privileged(uint64_t badge)
{
    return (badge >> 16) == 0xc1;
}

/* A client's lookup (by type and instance, or by name), with its
 * notification in got (0: none) to be told when the driver stops. */
static void lookup(struct msg *m, uint64_t got)
{
    uint64_t badge = m->badge;
    struct device *d = NULL;
    if (TAG_LABEL(m->tag) == DEVMGR_LOOKUP_NAME) {
        char name[17];
        pvk_name_unpack(m->mr, name);
        for (unsigned i = 0; i < dm_ndevices && !d; i++)
            if (strcmp(dm_devices[i].name, name) == 0)
                d = &dm_devices[i];
    } else {
        d = find_device(m->mr[0], m->mr[1]);
    }
    m->tag = TAG(0, 2, 0);
    m->mr[1] = 0;
    long err = 0;
    if (!d || !d->driver)
        err = SYS_ENOENT;
    else if (d->track.state == PVK_SVC_FAILED)
        err = PVK_EFAILED;
    else if (d->track.state == PVK_SVC_STOPPED)
        err = PVK_ESTOPPED;
    else if (!d->running || !d->ready)
        err = SYS_EBUSY;
    /* Restarting: keep the client's notification to signal when it is ready. */
    if (got && err == SYS_EBUSY && sys_cap_info(got).ret == CAP_NOTIFICATION) {
        dm_watch(d, got);
        got = 0;
    }
    if (got && (err || sys_cap_info(got).ret != CAP_NOTIFICATION)) {
        sys_cap_delete(got);
        rt_slot_free((int)got);
        got = 0;
    }
    int slot = err ? -1 : rt_slot_alloc();
    uint64_t minted = PVK_BADGE_CLIENT | (uint64_t)(d ? d->track.generation & 0x3fffu : 0) << 16 | (badge & 0xffff) |
                      (privileged(badge) ? PVK_BADGE_INJECT : 0);
    if (!err && (slot < 0 || sys_cap_copy(d->service_ep, (uint64_t)slot, CAP_R_WRITE | CAP_R_GRANT, minted).ret != 0))
        err = SYS_ENOMEM;
    if (err) {
        if (slot >= 0)
            rt_slot_free(slot);
        if (got) {
            sys_cap_delete(got);
            rt_slot_free((int)got);
        }
        m->mr[0] = (uint64_t)err;
        ipc_reply(m);
        return;
    }
    if (got)
        dm_watch(d, got);
    rt_ipc_buffer()->send_cap = (uint64_t)slot;
    m->tag = TAG(0, 2, 1);
    m->mr[0] = 0;
    m->mr[1] = d->track.generation;
    ipc_reply(m);
    sys_cap_delete((uint64_t)slot);     /* the client has its copy now */
    rt_slot_free(slot);
}

/* Handles one message, with the capability that came with it in got (0:
 * none; the handler owns it). Replies itself. */
static void handle(struct msg *m, uint64_t got)
{
    uint64_t label = TAG_LABEL(m->tag);
    uint64_t badge = m->badge;
    if (label == LABEL_NOTIFY && badge == 0) {
        uint64_t bits = m->mr[0];
        for (unsigned i = 0; i < dm_ndevices; i++) {
            struct device *d = &dm_devices[i];
            if ((bits & DM_PONG_BIT(i)) && d->running)
                dm_pong(d);
            /* Drivers that died (exited, or were killed by someone else). */
            if ((bits >> i & 1) && d->running && sys_thread_ctl(d->proc.thread_slot, 0, 0).ret == SYS_EDEAD) {
                printf("devmgr: %s driver exited (generation %u)", d->name, d->track.generation);
                dm_driver_ended(d, PVK_FAIL_EXIT, 0, 0);
            }
        }
        return;
    }
    if (got && label != DEVMGR_READY && label != DEVMGR_LOOKUP && label != DEVMGR_LOOKUP_NAME) {
        sys_cap_delete(got);        /* nobody asked for it */
        rt_slot_free((int)got);
        got = 0;
    }
    struct device *from = NULL;
    if ((badge >> 16) == 0xd1 && (badge & 0xffff) < dm_ndevices)
        from = &dm_devices[badge & 0xffff];
    if (label == LABEL_FAULT) {
        if ((badge >> 16) == 0xfa && (badge & 0xffff) < dm_ndevices && dm_devices[badge & 0xffff].running) {
            driver_faulted(&dm_devices[badge & 0xffff], m);
            return;
        }
        m->tag = TAG(1, 0, 0);
        ipc_reply(m);
        return;
    }
    switch (label) {
    case DEVMGR_LAST_WORDS:
        if (from && from->running)
            from->last_words = m->mr[1];
        return;     /* sent, not called: no reply */
    case DEVMGR_READY: {
        bool ok = (long)m->mr[0] == 0;
        m->tag = TAG(0, 1, 0);
        m->mr[0] = 0;
        ipc_reply(m);
        if (!from || !from->running || from->ready) {
            refused("a ready message from a driver that is not starting", label, badge);
            if (got) {
                sys_cap_delete(got);
                rt_slot_free((int)got);
            }
            return;
        }
        if (got && sys_cap_info(got).ret != CAP_NOTIFICATION) {
            sys_cap_delete(got);
            rt_slot_free((int)got);
            got = 0;
        }
        dm_driver_ready(from, ok, got);
        return;
    }
    case DEVMGR_LOOKUP:
    case DEVMGR_LOOKUP_NAME:
        lookup(m, got);
        return;
    case DEVMGR_RESTART: {
        struct device *d = find_device(m->mr[0], m->mr[1]);
        m->tag = TAG(0, 1, 0);
        if (!d || !d->driver || !privileged(badge)) {
            m->mr[0] = (uint64_t)(d ? SYS_ERIGHTS : SYS_ENOENT);
            ipc_reply(m);
            return;
        }
        long released = dm_reclaim(d, "a restart was asked for");
        dm_driver_ended(d, PVK_FAIL_STOPPED, 0, 0);
        struct sys_result q = sys_quota(RT_SLOT_SELF_PROCESS);
        m->tag = TAG(0, 3, 0);
        m->mr[0] = 0;
        m->mr[1] = q.r[0];
        m->mr[2] = (uint64_t)released;
        ipc_reply(m);
        return;
    }
    case DEVMGR_LIST: {
        unsigned driven = 0;
        for (unsigned i = 0; i < dm_ndevices; i++)
            driven += dm_devices[i].driver != NULL;
        m->tag = TAG(0, 2, 0);
        m->mr[0] = dm_ndevices;
        m->mr[1] = driven;
        ipc_reply(m);
        return;
    }
    case SUP_LIST:
    case SUP_STATS:
    case SUP_STOP:
    case SUP_START:
    case SUP_RESTART:
        dm_control(m, privileged(badge));
        ipc_reply(m);
        return;
    default:
        refused("an unknown message", label, badge);
        m->tag = TAG(SERVER_EBADOP, 0, 0);
        ipc_reply(m);
        return;
    }
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
    dm_load_manifest();
    dm_discover();
    for (unsigned i = 0; i < dm_ndevices; i++)
        if (dm_devices[i].driver)
            dm_launch(&dm_devices[i]);
    int spare = rt_slot_alloc();
    for (;;) {
        /* Answers to pings (and deaths) that came while we were busy, say
         * restarting another driver: taken before the heartbeat deadlines
         * are looked at, so a slow supervisor never takes a driver that
         * answered for a hung one. */
        uint64_t bits = 0;
        if (ntfn_poll(dm_death_ntfn, &bits) == 0 && bits) {
            struct msg nm = { .tag = TAG(LABEL_NOTIFY, 1, 0), .badge = 0, .mr = { bits } };
            handle(&nm, 0);
        }
        uint64_t next = dm_tick((uint64_t)sys_time().ret);
        struct msg m;
        rt_ipc_buffer()->recv_slot = spare > 0 ? (uint64_t)spare : 0;
        long rc = ipc_recv_until(DM_SLOT_EP, next, &m);
        rt_ipc_buffer()->recv_slot = 0;
        if (rc < 0)
            continue;
        uint64_t got = 0;
        if (spare > 0 && sys_cap_info((uint64_t)spare).ret > 0) {
            got = (uint64_t)spare;
            spare = rt_slot_alloc();
        }
        handle(&m, got);
    }
}
