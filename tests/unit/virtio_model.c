/* The software virtio device of virtio_model.h. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_mmio.h>

#include "virtio_model.h"

#define PCI_COMMON 0x0000u
#define PCI_ISR    0x1000u
#define PCI_DEVCFG 0x2000u
#define PCI_NOTIFY 0x3000u
#define NOTIFY_MULT 4u

/* --- memory ------------------------------------------------------------ */

void *vm_virt(struct vm *m, uint64_t phys, uint64_t len)
{
    if (phys < VM_PHYS_BASE || phys - VM_PHYS_BASE > m->pool_size ||
        len > m->pool_size - (phys - VM_PHYS_BASE))
        ck_abort_msg("model: device address %#llx+%llu outside DMA memory",
                     (unsigned long long)phys, (unsigned long long)len);
    return m->pool + (phys - VM_PHYS_BASE);
}

uint64_t vm_phys(struct vm *m, const void *virt)
{
    return VM_PHYS_BASE + (uint64_t)((const uint8_t *)virt - m->pool);
}

static void *bump(uint8_t *base, size_t size, size_t *used, size_t bytes, size_t align)
{
    size_t at = (*used + align - 1) & ~(align - 1);
    if (at > size || bytes > size - at)
        return NULL;
    *used = at + bytes;
    return base + at;
}

void *vm_alloc(struct vm *m, size_t bytes, uint64_t *phys)
{
    void *p = bump(m->pool, m->pool_size, &m->pool_used, bytes, 64);
    ck_assert_ptr_nonnull(p);
    *phys = vm_phys(m, p);
    return p;
}

static int mem_dma_alloc(void *ctx, size_t bytes, size_t align, void **virt, uint64_t *phys)
{
    struct vm *m = ctx;
    void *p = bump(m->pool, m->pool_size, &m->pool_used, bytes, align);
    if (p == NULL)
        return -1;
    *virt = p;
    *phys = vm_phys(m, p);
    return 0;
}

static void *mem_zalloc(void *ctx, size_t bytes)
{
    struct vm *m = ctx;
    return bump(m->priv, m->priv_size, &m->priv_used, bytes, 16);
}

/* --- rings as the device sees them -------------------------------------- */

static void ring_addrs(struct vm *m, struct vm_queue *q)
{
    if (m->kind != VM_MMIO1)
        return;
    q->desc = (uint64_t)q->pfn * m->page_size;
    q->avail = q->desc + 16ull * q->num;
    q->used = (q->avail + 2ull * (3 + q->num) + m->queue_align - 1) & ~(uint64_t)(m->queue_align - 1);
}

volatile struct vring_desc *vm_desc(struct vm *m, unsigned qi)
{
    return vm_virt(m, m->q[qi].desc, 16ull * m->q[qi].num);
}

volatile struct vring_avail *vm_avail(struct vm *m, unsigned qi)
{
    return vm_virt(m, m->q[qi].avail, 6 + 2ull * m->q[qi].num);
}

volatile struct vring_used *vm_used(struct vm *m, unsigned qi)
{
    return vm_virt(m, m->q[qi].used, 6 + 8ull * m->q[qi].num);
}

static bool negotiated(struct vm *m, unsigned bit)
{
    return (m->drv_features >> bit) & 1;
}

void vm_set_avail_event(struct vm *m, unsigned qi, uint16_t v)
{
    *(volatile uint16_t *)&vm_used(m, qi)->ring[m->q[qi].num] = v;
}

void vm_set_used_flags(struct vm *m, unsigned qi, uint16_t v)
{
    vm_used(m, qi)->flags = v;
}

/* Walk one chain, checking it as a strict device would (the library must
 * never post a malformed chain), echoing readable bytes into writable. */
bool vm_pop(struct vm *m, unsigned qi, struct vm_req *r)
{
    struct vm_queue *q = &m->q[qi];
    ck_assert(q->num != 0);
    volatile struct vring_avail *av = vm_avail(m, qi);
    if (av->idx == q->last_avail)
        return false;
    uint16_t head = av->ring[q->last_avail % q->num];
    q->last_avail++;
    if (negotiated(m, VIRTIO_RING_F_EVENT_IDX))
        vm_set_avail_event(m, qi, q->last_avail);
    ck_assert_uint_lt(head, q->num);
    *r = (struct vm_req){ .head = head };
    volatile struct vring_desc *table = vm_desc(m, qi);
    unsigned limit = q->num, i = head;
    uint8_t echo[4096];
    size_t echo_len = 0, echo_pos = 0;
    if (table[head].flags & VRING_DESC_F_INDIRECT) {
        ck_assert(negotiated(m, VIRTIO_RING_F_INDIRECT_DESC));
        ck_assert(!(table[head].flags & VRING_DESC_F_NEXT));
        ck_assert(table[head].len % 16 == 0 && table[head].len > 0);
        limit = table[head].len / 16;
        table = vm_virt(m, table[head].addr, table[head].len);
        i = 0;
        r->indirect = true;
    }
    bool seen_write = false;
    for (unsigned n = 0;; n++) {
        ck_assert_uint_lt(n, limit);
        ck_assert_uint_lt(i, limit);
        volatile struct vring_desc *d = &table[i];
        ck_assert(!(d->flags & VRING_DESC_F_INDIRECT));
        uint8_t *buf = vm_virt(m, d->addr, d->len);
        if (d->flags & VRING_DESC_F_WRITE) {
            seen_write = true;
            r->in_len += d->len;
            for (uint32_t b = 0; b < d->len && echo_pos < echo_len; b++)
                buf[b] = echo[echo_pos++];
        } else {
            ck_assert(!seen_write);            /* readable before writable */
            r->out_len += d->len;
            for (uint32_t b = 0; b < d->len && echo_len < sizeof echo; b++)
                echo[echo_len++] = buf[b];
        }
        r->nseg++;
        if (!(d->flags & VRING_DESC_F_NEXT))
            break;
        i = d->next;
    }
    return true;
}

void vm_push_used(struct vm *m, unsigned qi, uint32_t id, uint32_t len)
{
    struct vm_queue *q = &m->q[qi];
    volatile struct vring_used *u = vm_used(m, qi);
    u->ring[q->used_idx % q->num].id = id;
    u->ring[q->used_idx % q->num].len = len;
    uint16_t old = q->used_idx++;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    u->idx = q->used_idx;
    volatile struct vring_avail *av = vm_avail(m, qi);
    bool irq = negotiated(m, VIRTIO_RING_F_EVENT_IDX)
                   ? vring_need_event(av->ring[q->num], q->used_idx, old)
                   : !(av->flags & VRING_AVAIL_F_NO_INTERRUPT);
    if (irq) {
        m->interrupts++;
        m->isr |= 1;
    }
}

unsigned vm_run(struct vm *m, unsigned qi)
{
    struct vm_req r;
    unsigned n = 0;
    while (vm_pop(m, qi, &r)) {
        vm_push_used(m, qi, r.head, r.out_len < r.in_len ? r.out_len : r.in_len);
        n++;
    }
    return n;
}

/* --- registers ---------------------------------------------------------- */

static void reset(struct vm *m)
{
    m->status = 0;
    m->drv_features = 0;
    m->reset_reads = m->reset_delay;
    m->isr = 0;
    for (unsigned i = 0; i < VM_MAX_QUEUES; i++) {
        struct vm_queue *q = &m->q[i];
        *q = (struct vm_queue){ .num_max = q->num_max, .notify_off = q->notify_off,
                                .msix = VIRTIO_MSI_NO_VECTOR };
    }
    m->config_msix = VIRTIO_MSI_NO_VECTOR;
}

static void set_status(struct vm *m, uint8_t v)
{
    if (v == 0) {
        reset(m);
        return;
    }
    if ((v & VIRTIO_CONFIG_S_FEATURES_OK) && !(m->status & VIRTIO_CONFIG_S_FEATURES_OK) &&
        (m->refuse_features_ok || (m->drv_features & ~m->dev_features)))
        v &= (uint8_t)~VIRTIO_CONFIG_S_FEATURES_OK;
    m->status = v;
}

static uint8_t get_status(struct vm *m)
{
    if (m->reset_reads > 0) {
        m->reset_reads--;
        return 0x40;                           /* still resetting */
    }
    return m->status;
}

static uint32_t features_word(uint64_t f, uint32_t sel)
{
    return sel == 0 ? (uint32_t)f : sel == 1 ? (uint32_t)(f >> 32) : 0;
}

static void set_features_word(struct vm *m, uint32_t sel, uint32_t v)
{
    if (sel == 0)
        m->drv_features = (m->drv_features & ~0xffffffffull) | v;
    else if (sel == 1)
        m->drv_features = (m->drv_features & 0xffffffffull) | (uint64_t)v << 32;
}

static uint8_t generation(struct vm *m)
{
    return m->gen_unstable ? m->gen++ : m->gen;
}

static uint32_t cfg_rd(struct vm *m, uint32_t off, unsigned w)
{
    uint32_t v = 0;
    ck_assert_uint_le(off + w, sizeof m->cfg);
    memcpy(&v, &m->cfg[off], w);
    return v;
}

static void cfg_wr(struct vm *m, uint32_t off, unsigned w, uint32_t v)
{
    ck_assert_uint_le(off + w, sizeof m->cfg);
    memcpy(&m->cfg[off], &v, w);
}

static uint32_t mmio_read(struct vm *m, uint32_t off, unsigned w)
{
    struct vm_queue *q = &m->q[m->qsel < VM_MAX_QUEUES ? m->qsel : 0];
    bool have = m->qsel < m->num_queues;
    if (off >= VIRTIO_MMIO_CONFIG)
        return cfg_rd(m, off - VIRTIO_MMIO_CONFIG, w);
    ck_assert_uint_eq(w, 4);
    switch (off) {
    case VIRTIO_MMIO_MAGIC_VALUE: return 0x74726976;
    case VIRTIO_MMIO_VERSION: return m->kind == VM_MMIO1 ? 1 : 2;
    case VIRTIO_MMIO_DEVICE_ID: return m->device_id;
    case VIRTIO_MMIO_VENDOR_ID: return 0x554d4551;
    case VIRTIO_MMIO_DEVICE_FEATURES: return features_word(m->dev_features, m->dfsel);
    case VIRTIO_MMIO_QUEUE_NUM_MAX: return have ? q->num_max : 0;
    case VIRTIO_MMIO_QUEUE_READY: ck_assert(m->kind == VM_MMIO2); return have && q->ready;
    case VIRTIO_MMIO_QUEUE_PFN: ck_assert(m->kind == VM_MMIO1); return have ? q->pfn : 0;
    case VIRTIO_MMIO_INTERRUPT_STATUS: return m->isr;
    case VIRTIO_MMIO_STATUS: return get_status(m);
    case VIRTIO_MMIO_CONFIG_GENERATION: ck_assert(m->kind == VM_MMIO2); return generation(m);
    }
    ck_abort_msg("model: mmio read of %#x", off);
    return 0;
}

static void mmio_write(struct vm *m, uint32_t off, unsigned w, uint32_t v)
{
    struct vm_queue *q = &m->q[m->qsel < VM_MAX_QUEUES ? m->qsel : 0];
    if (off >= VIRTIO_MMIO_CONFIG) {
        cfg_wr(m, off - VIRTIO_MMIO_CONFIG, w, v);
        return;
    }
    ck_assert_uint_eq(w, 4);
    bool v1 = m->kind == VM_MMIO1;
    switch (off) {
    case VIRTIO_MMIO_DEVICE_FEATURES_SEL: m->dfsel = v; return;
    case VIRTIO_MMIO_DRIVER_FEATURES: set_features_word(m, m->gfsel, v); return;
    case VIRTIO_MMIO_DRIVER_FEATURES_SEL: m->gfsel = v; return;
    case VIRTIO_MMIO_GUEST_PAGE_SIZE: ck_assert(v1); m->page_size = v; return;
    case VIRTIO_MMIO_QUEUE_SEL: m->qsel = (uint16_t)v; return;
    case VIRTIO_MMIO_QUEUE_NUM: ck_assert_uint_le(v, q->num_max); q->num = (uint16_t)v; return;
    case VIRTIO_MMIO_QUEUE_ALIGN: ck_assert(v1); m->queue_align = v; return;
    case VIRTIO_MMIO_QUEUE_PFN: ck_assert(v1); q->pfn = v; ring_addrs(m, q); q->ready = v != 0; return;
    case VIRTIO_MMIO_QUEUE_READY: ck_assert(!v1); q->ready = v & 1; return;
    case VIRTIO_MMIO_QUEUE_NOTIFY: ck_assert_uint_lt(v, m->num_queues); m->q[v].notifies++; return;
    case VIRTIO_MMIO_INTERRUPT_ACK: m->isr &= ~v; return;
    case VIRTIO_MMIO_STATUS: set_status(m, (uint8_t)v); return;
    case VIRTIO_MMIO_QUEUE_DESC_LOW: q->desc = (q->desc & ~0xffffffffull) | v; return;
    case VIRTIO_MMIO_QUEUE_DESC_HIGH: q->desc = (q->desc & 0xffffffffull) | (uint64_t)v << 32; return;
    case VIRTIO_MMIO_QUEUE_AVAIL_LOW: q->avail = (q->avail & ~0xffffffffull) | v; return;
    case VIRTIO_MMIO_QUEUE_AVAIL_HIGH: q->avail = (q->avail & 0xffffffffull) | (uint64_t)v << 32; return;
    case VIRTIO_MMIO_QUEUE_USED_LOW: q->used = (q->used & ~0xffffffffull) | v; return;
    case VIRTIO_MMIO_QUEUE_USED_HIGH: q->used = (q->used & 0xffffffffull) | (uint64_t)v << 32; return;
    }
    ck_abort_msg("model: mmio write of %#x", off);
}

static uint64_t *q_addr(struct vm_queue *q, uint32_t off)
{
    switch (off & ~7u) {
    case VIRTIO_PCI_COMMON_Q_DESCLO: return &q->desc;
    case VIRTIO_PCI_COMMON_Q_AVAILLO: return &q->avail;
    default: return &q->used;
    }
}

static uint32_t common_read(struct vm *m, uint32_t off, unsigned w)
{
    struct vm_queue *q = &m->q[m->qsel < VM_MAX_QUEUES ? m->qsel : 0];
    bool have = m->qsel < m->num_queues;
    switch (off) {
    case VIRTIO_PCI_COMMON_DFSELECT: return m->dfsel;
    case VIRTIO_PCI_COMMON_DF: return features_word(m->dev_features, m->dfsel);
    case VIRTIO_PCI_COMMON_GFSELECT: return m->gfsel;
    case VIRTIO_PCI_COMMON_GF: return features_word(m->drv_features, m->gfsel);
    case VIRTIO_PCI_COMMON_MSIX: return m->config_msix;
    case VIRTIO_PCI_COMMON_NUMQ: return m->num_queues;
    case VIRTIO_PCI_COMMON_STATUS: ck_assert_uint_eq(w, 1); return get_status(m);
    case VIRTIO_PCI_COMMON_CFGGENERATION: ck_assert_uint_eq(w, 1); return generation(m);
    case VIRTIO_PCI_COMMON_Q_SELECT: return m->qsel;
    case VIRTIO_PCI_COMMON_Q_SIZE: return have ? (q->num ? q->num : q->num_max) : 0;
    case VIRTIO_PCI_COMMON_Q_MSIX: return q->msix;
    case VIRTIO_PCI_COMMON_Q_ENABLE: return q->ready;
    case VIRTIO_PCI_COMMON_Q_NOFF: return q->notify_off;
    }
    ck_abort_msg("model: common cfg read of %#x", off);
    return 0;
}

static void common_write(struct vm *m, uint32_t off, unsigned w, uint32_t v)
{
    struct vm_queue *q = &m->q[m->qsel < VM_MAX_QUEUES ? m->qsel : 0];
    switch (off) {
    case VIRTIO_PCI_COMMON_DFSELECT: m->dfsel = v; return;
    case VIRTIO_PCI_COMMON_GFSELECT: m->gfsel = v; return;
    case VIRTIO_PCI_COMMON_GF: set_features_word(m, m->gfsel, v); return;
    case VIRTIO_PCI_COMMON_MSIX: m->config_msix = m->msix && v < 8 ? (uint16_t)v : VIRTIO_MSI_NO_VECTOR; return;
    case VIRTIO_PCI_COMMON_STATUS: ck_assert_uint_eq(w, 1); set_status(m, (uint8_t)v); return;
    case VIRTIO_PCI_COMMON_Q_SELECT: m->qsel = (uint16_t)v; return;
    case VIRTIO_PCI_COMMON_Q_SIZE: ck_assert(!q->ready); ck_assert_uint_le(v, q->num_max); q->num = (uint16_t)v; return;
    case VIRTIO_PCI_COMMON_Q_MSIX: ck_assert(!q->ready); q->msix = m->msix && v < 8 ? (uint16_t)v : VIRTIO_MSI_NO_VECTOR; return;
    case VIRTIO_PCI_COMMON_Q_ENABLE: ck_assert(m->qsel < m->num_queues); q->ready = v & 1; return;
    case VIRTIO_PCI_COMMON_Q_DESCLO: case VIRTIO_PCI_COMMON_Q_AVAILLO: case VIRTIO_PCI_COMMON_Q_USEDLO:
        *q_addr(q, off) = (*q_addr(q, off) & ~0xffffffffull) | v; return;
    case VIRTIO_PCI_COMMON_Q_DESCHI: case VIRTIO_PCI_COMMON_Q_AVAILHI: case VIRTIO_PCI_COMMON_Q_USEDHI:
        *q_addr(q, off) = (*q_addr(q, off) & 0xffffffffull) | (uint64_t)v << 32; return;
    }
    ck_abort_msg("model: common cfg write of %#x", off);
}

static uint32_t reg_read(struct vm *m, uintptr_t a, unsigned w)
{
    if (m->kind != VM_PCI) {
        ck_assert(a >= VM_MMIO_BASE && a + w <= VM_MMIO_BASE + VM_MMIO_LEN);
        return mmio_read(m, (uint32_t)(a - VM_MMIO_BASE), w);
    }
    ck_assert(a >= VM_BAR_BASE && a + w <= VM_BAR_BASE + VM_BAR_SIZE);
    uint32_t off = (uint32_t)(a - VM_BAR_BASE);
    if (off < PCI_ISR)
        return common_read(m, off - PCI_COMMON, w);
    if (off == PCI_ISR) {
        uint32_t v = m->isr;
        m->isr = 0;
        return v;
    }
    if (off >= PCI_DEVCFG && off < PCI_DEVCFG + 0x100)
        return cfg_rd(m, off - PCI_DEVCFG, w);
    ck_abort_msg("model: BAR read of %#x", off);
    return 0;
}

static void reg_write(struct vm *m, uintptr_t a, unsigned w, uint32_t v)
{
    if (m->kind != VM_PCI) {
        ck_assert(a >= VM_MMIO_BASE && a + w <= VM_MMIO_BASE + VM_MMIO_LEN);
        mmio_write(m, (uint32_t)(a - VM_MMIO_BASE), w, v);
        return;
    }
    ck_assert(a >= VM_BAR_BASE && a + w <= VM_BAR_BASE + VM_BAR_SIZE);
    uint32_t off = (uint32_t)(a - VM_BAR_BASE);
    if (off < PCI_ISR) {
        common_write(m, off - PCI_COMMON, w, v);
    } else if (off >= PCI_DEVCFG && off < PCI_DEVCFG + 0x100) {
        cfg_wr(m, off - PCI_DEVCFG, w, v);
    } else if (off >= PCI_NOTIFY) {
        ck_assert_uint_eq(w, 2);
        ck_assert_uint_lt(v, m->num_queues);
        ck_assert_uint_eq(off, PCI_NOTIFY + m->q[v].notify_off * NOTIFY_MULT);
        m->q[v].notifies++;
    } else {
        ck_abort_msg("model: BAR write of %#x", off);
    }
}

static uint8_t io_r8(void *c, uintptr_t a) { return (uint8_t)reg_read(c, a, 1); }
static uint16_t io_r16(void *c, uintptr_t a) { return (uint16_t)reg_read(c, a, 2); }
static uint32_t io_r32(void *c, uintptr_t a) { return reg_read(c, a, 4); }
static void io_w8(void *c, uintptr_t a, uint8_t v) { reg_write(c, a, 1, v); }
static void io_w16(void *c, uintptr_t a, uint16_t v) { reg_write(c, a, 2, v); }
static void io_w32(void *c, uintptr_t a, uint32_t v) { reg_write(c, a, 4, v); }

static uint32_t pcicfg_rd(struct vm *m, uint16_t off, unsigned w)
{
    ck_assert_uint_le(off + w, 256);            /* the library stays inside config space */
    uint32_t v = 0;
    memcpy(&v, &m->pcicfg[off], w);
    return v;
}
static uint8_t cfg_r8(void *c, uint16_t o) { return (uint8_t)pcicfg_rd(c, o, 1); }
static uint16_t cfg_r16(void *c, uint16_t o) { return (uint16_t)pcicfg_rd(c, o, 2); }
static uint32_t cfg_r32(void *c, uint16_t o) { return pcicfg_rd(c, o, 4); }

/* A vendor capability at pos: type, BAR 4, offset, length (+ multiplier). */
static void put_cap(struct vm *m, uint8_t pos, uint8_t next, uint8_t type, uint32_t off, uint32_t len)
{
    uint8_t *c = &m->pcicfg[pos];
    c[0] = 0x09;
    c[1] = next;
    c[2] = type == VIRTIO_PCI_CAP_NOTIFY_CFG ? 20 : 16;
    c[3] = type;
    c[4] = 4;
    memcpy(&c[8], &off, 4);
    memcpy(&c[12], &len, 4);
    if (type == VIRTIO_PCI_CAP_NOTIFY_CFG) {
        uint32_t mult = NOTIFY_MULT;
        memcpy(&c[16], &mult, 4);
    }
}

static void build_pci_config(struct vm *m)
{
    uint8_t *c = m->pcicfg;
    c[0] = 0xf4; c[1] = 0x1a;                   /* vendor 0x1af4 */
    c[2] = (uint8_t)(0x40 + m->device_id); c[3] = 0x10;
    c[6] = 0x10;                                /* status: capability list */
    c[0x34] = 0x40;
    c[0x40] = 0x11; c[0x41] = 0x50;             /* MSI-X */
    put_cap(m, 0x50, 0x60, VIRTIO_PCI_CAP_COMMON_CFG, PCI_COMMON, sizeof(struct virtio_pci_common_cfg));
    put_cap(m, 0x60, 0x70, VIRTIO_PCI_CAP_ISR_CFG, PCI_ISR, 4);
    put_cap(m, 0x70, 0x80, VIRTIO_PCI_CAP_DEVICE_CFG, PCI_DEVCFG, 0x100);
    put_cap(m, 0x80, 0x00, VIRTIO_PCI_CAP_NOTIFY_CFG, PCI_NOTIFY, 0x1000);
    m->bar_base[4] = VM_BAR_BASE;
    m->bar_size[4] = VM_BAR_SIZE;
}

struct vm *vm_create(enum vm_kind kind, uint32_t device_id, uint64_t features)
{
    struct vm *m = calloc(1, sizeof *m);
    ck_assert_ptr_nonnull(m);
    m->kind = kind;
    m->device_id = device_id;
    m->dev_features = features;
    m->pool_size = 8u << 20;
    m->pool = aligned_alloc(4096, m->pool_size);
    m->priv_size = 1u << 20;
    m->priv = calloc(1, m->priv_size);
    ck_assert(m->pool != NULL && m->priv != NULL);
    memset(m->pool, 0, m->pool_size);
    m->num_queues = 2;
    for (unsigned i = 0; i < VM_MAX_QUEUES; i++) {
        m->q[i].num_max = 256;
        m->q[i].notify_off = (uint16_t)(i * 3);
    }
    m->msix = true;
    reset(m);
    m->reset_reads = 0;
    m->io = (struct virtio_io){ io_r8, io_r16, io_r32, io_w8, io_w16, io_w32, m };
    m->cfgio = (struct virtio_pci_cfgio){ cfg_r8, cfg_r16, cfg_r32, m };
    m->mem = (struct virtio_mem){ mem_dma_alloc, mem_zalloc, m };
    if (kind == VM_PCI)
        build_pci_config(m);
    return m;
}

void vm_destroy(struct vm *m)
{
    free(m->pool);
    free(m->priv);
    free(m);
}

int vm_probe(struct vm *m, struct virtio_transport *t)
{
    if (m->kind == VM_PCI)
        return virtio_pci_probe(t, &m->io, &m->cfgio, m->bar_base, m->bar_size);
    uint32_t id;
    int rc = virtio_mmio_probe(t, &m->io, VM_MMIO_BASE, VM_MMIO_LEN, &id);
    if (rc == 0)
        ck_assert_uint_eq(id, m->device_id);
    return rc;
}
