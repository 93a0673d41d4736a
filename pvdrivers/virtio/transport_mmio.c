/* virtio-mmio ("Virtio Over MMIO", 4.2): version 2 and the legacy
 * version 1 (GuestPageSize, QueuePFN, QueueAlign; no FEATURES_OK, no
 * config generation). One register block; device config at 0x100. */
#include <linux/virtio_mmio.h>

#include "virtio_transport.h"

#define MMIO_MAGIC     0x74726976u   /* "virt" */
#define LEGACY_PAGE    4096u

static uint32_t rd(struct virtio_transport *t, uint32_t off)
{
    return virtio_reg_read(t, &t->u.mmio.regs, off, 4);
}

static void wr(struct virtio_transport *t, uint32_t off, uint32_t v)
{
    virtio_reg_write(t, &t->u.mmio.regs, off, 4, v);
}

static uint8_t mmio_get_status(struct virtio_transport *t)
{
    return (uint8_t)rd(t, VIRTIO_MMIO_STATUS);
}

static void mmio_set_status(struct virtio_transport *t, uint8_t status)
{
    wr(t, VIRTIO_MMIO_STATUS, status);
}

static uint64_t mmio_get_features(struct virtio_transport *t)
{
    wr(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    uint64_t lo = rd(t, VIRTIO_MMIO_DEVICE_FEATURES);
    wr(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    uint64_t hi = rd(t, VIRTIO_MMIO_DEVICE_FEATURES);
    return lo | hi << 32;
}

static void mmio_set_features(struct virtio_transport *t, uint64_t f)
{
    wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    wr(t, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
    wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    wr(t, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
}

static uint8_t mmio_config_generation(struct virtio_transport *t)
{
    return t->kind == VIRTIO_MMIO_V2 ? (uint8_t)rd(t, VIRTIO_MMIO_CONFIG_GENERATION) : 0;
}

/* 0 when the queue does not exist or is already in use. */
static uint16_t mmio_queue_max(struct virtio_transport *t, uint16_t q)
{
    wr(t, VIRTIO_MMIO_QUEUE_SEL, q);
    uint32_t busy = rd(t, t->kind == VIRTIO_MMIO_V2 ? VIRTIO_MMIO_QUEUE_READY : VIRTIO_MMIO_QUEUE_PFN);
    uint32_t max = rd(t, VIRTIO_MMIO_QUEUE_NUM_MAX);
    return busy != 0 || max > 32768 ? 0 : (uint16_t)max;
}

/* Legacy: one contiguous ring at a page-aligned address, laid out as
 * virtq.c does for ring_align 4096; the device learns only its PFN. */
static int mmio_queue_setup(struct virtio_transport *t, uint16_t q, uint16_t size,
                            const struct virtio_queue_addrs *a, uint16_t vector,
                            uintptr_t *notify_addr)
{
    if (vector != 0xffff)               /* VIRTIO_MSI_NO_VECTOR: MMIO has no MSI-X */
        return -VIRTIO_EINVAL;
    wr(t, VIRTIO_MMIO_QUEUE_SEL, q);
    wr(t, VIRTIO_MMIO_QUEUE_NUM, size);
    if (t->kind == VIRTIO_MMIO_V1) {
        if (a->desc % LEGACY_PAGE != 0 || a->desc / LEGACY_PAGE > 0xffffffffu)
            return -VIRTIO_ERANGE;
        wr(t, VIRTIO_MMIO_GUEST_PAGE_SIZE, LEGACY_PAGE);
        wr(t, VIRTIO_MMIO_QUEUE_ALIGN, LEGACY_PAGE);
        wr(t, VIRTIO_MMIO_QUEUE_PFN, (uint32_t)(a->desc / LEGACY_PAGE));
    } else {
        wr(t, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)a->desc);
        wr(t, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(a->desc >> 32));
        wr(t, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)a->avail);
        wr(t, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(a->avail >> 32));
        wr(t, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)a->used);
        wr(t, VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(a->used >> 32));
        wr(t, VIRTIO_MMIO_QUEUE_READY, 1);
    }
    *notify_addr = t->u.mmio.regs.base + VIRTIO_MMIO_QUEUE_NOTIFY;
    return 0;
}

static void mmio_notify(struct virtio_transport *t, uint16_t q, uintptr_t notify_addr)
{
    (void)notify_addr;
    wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, q);
}

static uint8_t mmio_isr(struct virtio_transport *t)
{
    uint32_t v = rd(t, VIRTIO_MMIO_INTERRUPT_STATUS) & 3;
    if (v != 0)
        wr(t, VIRTIO_MMIO_INTERRUPT_ACK, v);
    return (uint8_t)v;
}

static const struct virtio_transport_ops mmio_ops = {
    .get_status = mmio_get_status,
    .set_status = mmio_set_status,
    .get_features = mmio_get_features,
    .set_features = mmio_set_features,
    .config_generation = mmio_config_generation,
    .queue_max = mmio_queue_max,
    .queue_setup = mmio_queue_setup,
    .notify = mmio_notify,
    .isr = mmio_isr,
};

int virtio_mmio_probe(struct virtio_transport *t, const struct virtio_io *io, uintptr_t base,
                      uint32_t len, uint32_t *device_id)
{
    *t = (struct virtio_transport){ .ops = &mmio_ops, .io = *io,
                                    .u.mmio.regs = { .base = base, .len = len } };
    if (len < VIRTIO_MMIO_CONFIG || rd(t, VIRTIO_MMIO_MAGIC_VALUE) != MMIO_MAGIC)
        return -VIRTIO_ENODEV;
    uint32_t version = rd(t, VIRTIO_MMIO_VERSION);
    if (version != 1 && version != 2)
        return -VIRTIO_ENODEV;
    *device_id = rd(t, VIRTIO_MMIO_DEVICE_ID);
    if (*device_id == 0)
        return -VIRTIO_ENODEV;                /* an empty slot */
    t->kind = version == 2 ? VIRTIO_MMIO_V2 : VIRTIO_MMIO_V1;
    t->modern = version == 2;
    t->ring_align = version == 2 ? 4 : LEGACY_PAGE;
    t->device_cfg = (struct virtio_region){ .base = base + VIRTIO_MMIO_CONFIG,
                                            .len = len - VIRTIO_MMIO_CONFIG };
    return 0;
}
