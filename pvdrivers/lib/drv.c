/* The driver skeleton: see drv.h. */
#include <stdarg.h>
#include "drv.h"
#include "pvk/ring.h"
#include "pvk/service.h"

/* 1: log every PVK_FAULT_INJECT that arms a fault (campaigns arm thousands
 * of times: off by default). */
#ifndef DRV_DEBUG
#define DRV_DEBUG 0
#endif

#define REGS_VA  0x0000005000000000ull
#define BAR_VA   0x0000005100000000ull      /* BAR i at BAR_VA + i * BAR_STRIDE */
#define BAR_STRIDE 0x0000000100000000ull
#define DMA_VA   0x0000006000000000ull

static uint64_t dma_next = DMA_VA;

/* --- register access: volatile loads and stores ----------------------------- */

static uint8_t r8(void *c, uintptr_t a) { (void)c; return *(volatile uint8_t *)a; }
static uint16_t r16(void *c, uintptr_t a) { (void)c; return *(volatile uint16_t *)a; }
static uint32_t r32(void *c, uintptr_t a) { (void)c; return *(volatile uint32_t *)a; }
static void w8(void *c, uintptr_t a, uint8_t v) { (void)c; *(volatile uint8_t *)a = v; }
static void w16(void *c, uintptr_t a, uint16_t v) { (void)c; *(volatile uint16_t *)a = v; }
static void w32(void *c, uintptr_t a, uint32_t v) { (void)c; *(volatile uint32_t *)a = v; }
static const struct virtio_io mmio_io = { r8, r16, r32, w8, w16, w32, NULL };

/* Configuration space through the function's ECAM page, or (no ECAM) the
 * snapshot the device manager took (cfg_snapshot). */
static const uint8_t *cfg_snapshot;
static uint32_t cfg_read(uint16_t off, unsigned w)
{
    if (cfg_snapshot) {
        uint32_t v = 0xffffffffu;
        if (off + w <= 256)
            memcpy(&v, cfg_snapshot + off, w);
        return w == 4 ? v : v & ((1u << (8 * w)) - 1);
    }
    if (off + w > 4096)
        return 0xffffffffu;
    return w == 1 ? *(volatile uint8_t *)(REGS_VA + off) : w == 2 ? *(volatile uint16_t *)(REGS_VA + off)
                                                                  : *(volatile uint32_t *)(REGS_VA + off);
}
static uint8_t c8(void *c, uint16_t off) { (void)c; return (uint8_t)cfg_read(off, 1); }
static uint16_t c16(void *c, uint16_t off) { (void)c; return (uint16_t)cfg_read(off, 2); }
static uint32_t c32(void *c, uint16_t off) { (void)c; return cfg_read(off, 4); }
static const struct virtio_pci_cfgio cfg_io = { c8, c16, c32, NULL };

void drv_log(struct drv *d, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    printf("%s: %s", d->info ? d->info->name : "driver", buf);
}

#define DRV_HUGE_PAGE 0x200000ull

long drv_dma_alloc(struct drv *d, size_t bytes, void **virt, uint64_t *phys, uint64_t *slot_out)
{
    uint64_t pages = (bytes + RT_PAGE_SIZE - 1) / RT_PAGE_SIZE;
    if (pages >= DRV_HUGE_PAGE / RT_PAGE_SIZE)     /* the kernel maps it with 2 MiB pages if aligned */
        dma_next = (dma_next + DRV_HUGE_PAGE - 1) & ~(DRV_HUGE_PAGE - 1);
    int slot = rt_slot_alloc();
    if (slot < 0)
        return SYS_ENOMEM;
    long rc = sys_device(PVK_SLOT_DMAPOOL, SYS_DEV_DMA_ALLOC, (uint64_t)slot, pages, 0).ret;
    if (rc == 0)
        rc = sys_map((uint64_t)slot, RT_SLOT_SELF_PROCESS, dma_next, CAP_R_READ | CAP_R_WRITE).ret;
    long pa = rc == 0 ? sys_device((uint64_t)slot, SYS_DEV_DMA_PADDR, 0, 0, 0).ret : rc;
    if (pa < 0) {
        drv_log(d, "DMA memory: %zu bytes refused (error %ld)", bytes, pa);
        sys_cap_delete((uint64_t)slot);
        rt_slot_free(slot);
        return pa;
    }
    *virt = (void *)dma_next;
    *phys = (uint64_t)pa;
    dma_next += pages * RT_PAGE_SIZE + RT_PAGE_SIZE;    /* a guard page between */
    if (slot_out)
        *slot_out = (uint64_t)slot;
    return 0;
}

static int lib_dma_alloc(void *ctx, size_t bytes, size_t align, void **virt, uint64_t *phys)
{
    if (align > RT_PAGE_SIZE)
        return -1;
    return drv_dma_alloc(ctx, bytes, virt, phys, NULL) == 0 ? 0 : -1;
}

static void *lib_zalloc(void *ctx, size_t bytes)
{
    (void)ctx;
    return calloc(1, bytes);
}

/* --- the device's registers ------------------------------------------------- */

static int map_slot(uint64_t slot, uint64_t va)
{
    return (int)sys_map(slot, RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_WRITE).ret;
}

static int setup_transport(struct drv *d)
{
    const struct pvk_devinfo *di = d->info;
    if (di->transport == PVK_TRANSPORT_PCI && di->config_snapshot)
        cfg_snapshot = di->pci_config;
    else if (map_slot(PVK_SLOT_REGS, REGS_VA) != 0) {
        drv_log(d, "cannot map the device's registers");
        return -1;
    }
    if (di->transport == PVK_TRANSPORT_MMIO) {
        uint32_t id = 0;
        int rc = virtio_mmio_probe(&d->t, &mmio_io, REGS_VA + di->regs_offset, di->regs_size, &id);
        if (rc != 0 || id != d->ops->device_type) {
            drv_log(d, "not a virtio-mmio device of type %u (%s, id %u)", d->ops->device_type,
                    virtio_strerror(rc), id);
            return -1;
        }
        return 0;
    }
    uintptr_t base[6] = { 0 };
    uint64_t size[6] = { 0 };
    for (unsigned i = 0; i < 6; i++) {
        if (!di->bar[i].paddr || sys_cap_info(PVK_SLOT_BAR0 + i).ret != CAP_DEVMEM)
            continue;
        if (map_slot(PVK_SLOT_BAR0 + i, BAR_VA + i * BAR_STRIDE) != 0)
            continue;
        base[i] = (uintptr_t)(BAR_VA + i * BAR_STRIDE + (di->bar[i].paddr & 0xfff));
        size[i] = di->bar[i].size;
    }
    int rc = virtio_pci_probe(&d->t, &mmio_io, &cfg_io, base, size);
    if (rc != 0) {
        drv_log(d, "virtio-pci capabilities unusable: %s", virtio_strerror(rc));
        return -1;
    }
    return 0;
}

/* Programs the MSI-X table with the vectors the device manager gave and
 * enables MSI-X. False if the function has no usable MSI-X. */
static bool setup_msix(struct drv *d)
{
    uint16_t status = c16(NULL, 0x06);
    if (!(status & 0x10))
        return false;
    uint8_t ptr = c8(NULL, 0x34) & 0xfc;
    for (unsigned n = 0; ptr >= 0x40 && n < 48; n++) {
        if (c8(NULL, ptr) == 0x11)
            break;
        ptr = c8(NULL, (uint16_t)(ptr + 1)) & 0xfc;
    }
    if (ptr < 0x40 || c8(NULL, ptr) != 0x11)
        return false;
    uint16_t ctrl = c16(NULL, (uint16_t)(ptr + 2));
    uint32_t table = c32(NULL, (uint16_t)(ptr + 4));
    unsigned bir = table & 7, entries = (ctrl & 0x7ff) + 1;
    uint64_t off = table & ~7u;
    if (bir >= 6 || !d->info->bar[bir].paddr || off + 16ull * entries > d->info->bar[bir].size)
        return false;
    volatile uint32_t *t = (volatile uint32_t *)(BAR_VA + bir * BAR_STRIDE + (d->info->bar[bir].paddr & 0xfff) + off);
    unsigned nvec = 0;
    for (unsigned i = 0; i < d->nirq && i < entries; i++) {
        struct sys_result r = sys_irq_ctl(PVK_SLOT_IRQ0 + i, SYS_IRQ_MSI_INFO, 0);
        if (r.ret != 0)
            break;
        t[i * 4 + 0] = (uint32_t)r.r[0];
        t[i * 4 + 1] = (uint32_t)(r.r[0] >> 32);
        t[i * 4 + 2] = (uint32_t)r.r[1];
        t[i * 4 + 3] = 0;       /* unmasked */
        nvec++;
    }
    if (!nvec)
        return false;
    if (!cfg_snapshot)      /* else the device manager enabled it */
        *(volatile uint16_t *)(REGS_VA + ptr + 2) = (uint16_t)((ctrl | 0x8000) & ~0x4000);
    for (unsigned q = 0; q <= DRV_MAX_QUEUES; q++)
        d->vectors[q] = (uint16_t)(q % nvec);
    return true;
}

/* Binds every interrupt capability to the driver's notification. */
static void setup_interrupts(struct drv *d)
{
    for (unsigned q = 0; q <= DRV_MAX_QUEUES; q++)
        d->vectors[q] = VIRTIO_MSI_NO_VECTOR;
    d->nirq = 0;
    bool msi = false;
    for (unsigned i = 0; i < PVK_MAX_IRQS; i++) {
        if (sys_cap_info(PVK_SLOT_IRQ0 + i).ret != CAP_IRQ)
            break;
        if (sys_irq_ctl(PVK_SLOT_IRQ0 + i, SYS_IRQ_BIND, d->ntfn).ret != 0)
            break;
        msi |= sys_irq_ctl(PVK_SLOT_IRQ0 + i, SYS_IRQ_INFO, 0).ret == SYS_IRQ_KIND_MSI;
        d->nirq++;
    }
    if (msi && d->info->transport == PVK_TRANSPORT_PCI)
        d->msix = setup_msix(d);
    if (!d->nirq)
        drv_log(d, "no interrupt: polling");
}

static void ack_lines(struct drv *d)
{
    if (d->msix)
        return;
    for (unsigned i = 0; i < d->nirq; i++)
        sys_irq_ctl(PVK_SLOT_IRQ0 + i, SYS_IRQ_ACK, 0);
}

/* Reset, negotiate, the driver's init, DRIVER_OK. */
static int start_device(struct drv *d)
{
    int rc = virtio_dev_init(&d->vdev, &d->t, d->ops->features);
    if (rc != 0) {
        drv_log(d, "feature negotiation failed: %s", virtio_strerror(rc));
        return rc;
    }
    if (d->msix)
        virtio_dev_set_config_vector(&d->vdev, d->vectors[DRV_MAX_QUEUES]);
    rc = d->ops->init(d);
    if (rc == 0)
        rc = virtio_dev_driver_ok(&d->vdev);
    if (rc != 0) {
        virtio_dev_fail(&d->vdev);
        drv_log(d, "device set-up failed: %s", virtio_strerror(rc));
    }
    return rc;
}

/* --- clients ------------------------------------------------------------------ */

static struct drv_client *client_by_badge(struct drv *d, uint64_t badge)
{
    for (unsigned i = 0; i < DRV_MAX_CLIENTS; i++)
        if (d->clients[i].open && d->clients[i].badge == badge)
            return &d->clients[i];
    return NULL;
}

struct drv_client *drv_client_open(struct drv *d, struct msg *m, uint64_t received_slot)
{
    if (!received_slot || sys_cap_info(received_slot).ret != CAP_NOTIFICATION) {
        m->tag = TAG(0, 1, 0);
        m->mr[0] = (uint64_t)SYS_EINVAL;
        return NULL;
    }
    struct drv_client *c = client_by_badge(d, m->badge);
    if (!c) {
        for (unsigned i = 0; i < DRV_MAX_CLIENTS && !c; i++)
            if (!d->clients[i].open)
                c = &d->clients[i];
    } else if (c->ntfn) {
        sys_cap_delete(c->ntfn);        /* a re-open replaces the old notification */
        rt_slot_free((int)c->ntfn);
    }
    if (!c) {
        m->tag = TAG(0, 1, 0);
        m->mr[0] = (uint64_t)SYS_EBUSY;
        return NULL;
    }
    c->open = true;
    c->badge = m->badge;
    c->ntfn = received_slot;
    return c;
}

void drv_reply_cap(struct msg *m, uint64_t slot, unsigned rights)
{
    int tmp = rt_slot_alloc();
    if (tmp < 0 || sys_cap_copy(slot, (uint64_t)tmp, rights, 0).ret != 0) {
        m->tag = TAG(0, 1, 0);
        m->mr[0] = (uint64_t)SYS_ENOMEM;
        ipc_reply(m);
        return;
    }
    rt_ipc_buffer()->send_cap = (uint64_t)tmp;
    m->tag = TAG(TAG_LABEL(m->tag), TAG_LEN(m->tag), 1);
    ipc_reply(m);
    sys_cap_delete((uint64_t)tmp);
    rt_slot_free(tmp);
}

uint64_t drv_doorbell(struct drv *d, struct drv_client *c)
{
    int slot = rt_slot_alloc();
    unsigned index = (unsigned)(c - d->clients);
    if (slot < 0 || sys_cap_copy(d->ntfn, (uint64_t)slot, CAP_R_WRITE, 2ull << index).ret != 0)
        return 0;
    return (uint64_t)slot;
}

bool drv_client_region(struct drv *d, struct drv_client *c, uint64_t bytes, struct msg *m)
{
    if (c->shared)
        return true;
    void *virt;
    if (drv_dma_alloc(d, bytes, &virt, &c->shared_phys, &c->region) != 0) {
        c->open = false;
        m->tag = TAG(0, 1, 0);
        m->mr[0] = (uint64_t)SYS_ENOMEM;
        return false;
    }
    c->shared = virt;
    c->size = bytes;
    return true;
}

void drv_reply_doorbell(struct drv *d, struct drv_client *c, struct msg *m)
{
    uint64_t bell = c ? drv_doorbell(d, c) : 0;
    m->tag = TAG(0, 1, 0);
    m->mr[0] = bell ? 0 : (uint64_t)SYS_EINVAL;
    if (!bell) {
        ipc_reply(m);
        return;
    }
    drv_reply_cap(m, bell, CAP_R_WRITE);
    sys_cap_delete(bell);
    rt_slot_free((int)bell);
}

/* --- supervision: heartbeats, invariants, fault injection ---------------------- */

void drv_check(struct drv *d)
{
    const char *why = d->ops->check ? d->ops->check(d) : NULL;
    if (__builtin_expect(why != NULL, 0)) {
        drv_log(d, "state corrupt: %s; exiting", why);
        rt_exit(2);
    }
}

static void answer_ping(struct drv *d)
{
    if (d->heartbeat)
        sys_signal(PVK_SLOT_HEARTBEAT, 0);      /* badged: the supervisor knows who */
}

void drv_poll_ping(struct drv *d)
{
    uint64_t bits = 0;
    if (!d->heartbeat || ntfn_poll(d->ntfn, &bits) != 0 || !bits)
        return;
    if (bits & PVK_NTFN_PING)
        answer_ping(d);
    bits &= ~PVK_NTFN_PING;
    if (bits)
        sys_signal(d->ntfn, bits);              /* the rest is for the loop */
}

/* The driver's last words before an injected fault: the time, in the first
 * ring header of every open client's region (pvk/ring.h: fault_ns), so the
 * recovery benchmark measures from the fault itself. */
static struct drv *fire_drv;
static void fire_hook(enum fi_kind kind)
{
    struct drv *d = fire_drv;
    if (!d)
        return;
    uint64_t now = (uint64_t)sys_time().ret;
    for (unsigned i = 0; i < DRV_MAX_CLIENTS; i++) {
        struct drv_client *c = &d->clients[i];
        if (c->open && c->shared && c->size >= sizeof(struct pvk_ring_hdr))
            ((volatile struct pvk_ring_hdr *)c->shared)->fault_ns = now;
    }
    __atomic_thread_fence(__ATOMIC_RELEASE);
    /* And to the device manager, which keeps it for SUP_STATS (a send, not
     * a call: the manager only ever replies, so this never waits long). */
    struct msg m = { .tag = TAG(DEVMGR_LAST_WORDS, 2, 0), .mr = { (uint64_t)kind, now } };
    ipc_send(PVK_SLOT_DEVMGR, &m);
}

/* PVK_FAULT_INJECT (pvk/service.h): only for a client badged
 * PVK_BADGE_INJECT. */
static void fault_inject(struct drv *d, struct msg *m)
{
    m->tag = TAG(0, 2, 0);
    m->mr[1] = 0;
    if (!(m->badge & PVK_BADGE_INJECT)) {
        m->mr[0] = (uint64_t)SYS_ERIGHTS;
        return;
    }
    uint64_t kind = m->mr[0], seed = m->mr[1];
    uint32_t window = m->mr[2] > UINT32_MAX ? UINT32_MAX : (uint32_t)m->mr[2];
    uint32_t k = kind > FI_NONE && kind < FI_KIND_COUNT ? fi_arm((enum fi_kind)kind, seed, window) : 0;
    m->mr[0] = k ? 0 : (uint64_t)SYS_EINVAL;
    m->mr[1] = k;
    if (DRV_DEBUG && k)
        drv_log(d, "fault injection armed: %s at point %u (seed %#llx)", fi_kind_name((enum fi_kind)kind), k,
                (unsigned long long)seed);
}

/* --- the loop ------------------------------------------------------------------ */

static _Noreturn void run(struct drv *d)
{
    int recv_slot = rt_slot_alloc();
    for (;;) {
        drv_check(d);
        struct ipc_buffer *b = rt_ipc_buffer();
        b->recv_slot = recv_slot > 0 ? (uint64_t)recv_slot : 0;
        struct msg m;
        if (ipc_recv(PVK_SLOT_SERVICE, &m) < 0)
            continue;
        if (TAG_LABEL(m.tag) == LABEL_NOTIFY && m.badge == 0) {
            uint64_t bits = m.mr[0];
            if (bits & PVK_NTFN_PING)
                answer_ping(d);     /* first: a busy driver is not a hung one */
            if (bits & 1) {
                d->wake_tsc = __builtin_ia32_rdtsc();
                if (d->virtio && !d->msix)
                    virtio_dev_isr(&d->vdev);
                d->ops->interrupt(d);
                ack_lines(d);
            }
            for (unsigned i = 0; i < DRV_MAX_CLIENTS; i++)
                if ((bits & (2ull << i)) && d->clients[i].open)
                    d->ops->request(d, &d->clients[i]);
            continue;
        }
        uint64_t got = 0;
        if (recv_slot > 0 && sys_cap_info((uint64_t)recv_slot).ret > 0) {
            got = (uint64_t)recv_slot;
            recv_slot = rt_slot_alloc();    /* the handler owns the received capability */
        }
        if (TAG_LABEL(m.tag) == PVK_FAULT_INJECT) {
            if (got) {
                sys_cap_delete(got);
                rt_slot_free((int)got);
            }
            fault_inject(d, &m);
            ipc_reply(&m);
            continue;
        }
        struct drv_client *c = client_by_badge(d, m.badge);
        if (d->ops->control(d, c, &m, got))
            ipc_reply(&m);
    }
}

/* Tells the device manager the driver is ready (status 0) or not; with
 * success goes the capability it pings the driver with (the driver's
 * notification badged PVK_NTFN_PING). */
static void tell_ready(struct drv *d, int rc)
{
    struct msg m = { .tag = TAG(DEVMGR_READY, 1, 0), .mr = { (uint64_t)(long)(rc == 0 ? 0 : -1) } };
    int ping = rc == 0 ? rt_slot_alloc() : -1;
    if (ping > 0 && sys_cap_copy(d->ntfn, (uint64_t)ping, CAP_R_WRITE, PVK_NTFN_PING).ret == 0) {
        rt_ipc_buffer()->send_cap = (uint64_t)ping;
        m.tag = TAG(DEVMGR_READY, 1, 1);
    }
    ipc_call(PVK_SLOT_DEVMGR, &m);
    if (ping > 0) {
        sys_cap_delete((uint64_t)ping);
        rt_slot_free(ping);
    }
}

int drv_main(const struct drv_ops *ops)
{
    static struct drv drv;
    struct drv *d = &drv;
    d->ops = ops;
    rt_slot_set_first(PVK_SLOT_FIRST_FREE);
    if (sys_map(PVK_SLOT_DEVINFO, RT_SLOT_SELF_PROCESS, PVK_DEVINFO_VADDR, CAP_R_READ).ret != 0)
        rt_panic("%s: no device description", ops->name);
    d->info = (const struct pvk_devinfo *)PVK_DEVINFO_VADDR;
    if (d->info->magic != PVK_DEVINFO_MAGIC)
        rt_panic("%s: bad device description", ops->name);
    d->mem = (struct virtio_mem){ lib_dma_alloc, lib_zalloc, d };
    int ntfn = rt_slot_alloc();
    if (ntfn < 0 || sys_create(CAP_NOTIFICATION, (uint64_t)ntfn, 0).ret != 0 ||
        sys_ntfn_bind((uint64_t)ntfn).ret != 0)
        rt_panic("%s: no notification", ops->name);
    d->ntfn = (uint64_t)ntfn;
    d->heartbeat = sys_cap_info(PVK_SLOT_HEARTBEAT).ret == CAP_NOTIFICATION;
    fire_drv = d;
    fi_set_fire_hook(fire_hook);

    d->virtio = ops->device_type != 0 && d->info->transport != PVK_TRANSPORT_UART;
    int rc = d->virtio ? setup_transport(d) : 0;
    if (rc == 0) {
        setup_interrupts(d);
        rc = d->virtio ? start_device(d) : ops->init(d);
    }
    tell_ready(d, rc);
    if (rc != 0)
        return 1;
    ack_lines(d);       /* lines are routed masked: open them */
    run(d);
}
