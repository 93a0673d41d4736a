/* Virtio transports: modern virtio-pci (1.x), virtio-mmio version 2 and
 * virtio-mmio version 1 (legacy), chosen at run time.
 *
 * The library never touches hardware. The driver supplies `struct
 * virtio_io`: 8/16/32-bit reads and writes at an address inside a region it
 * mapped (volatile accesses in the guest; a software device model in the
 * host tests). The library only computes addresses inside regions whose
 * bounds it was told and checked; every access is bounds-checked first. */
#ifndef VIRTIO_TRANSPORT_H
#define VIRTIO_TRANSPORT_H

#include "virtio_common.h"

/* Register access (trusted: the driver's own code). `addr` is a mapped
 * base the driver handed over plus an offset the library checked. */
struct virtio_io {
    uint8_t (*read8)(void *ctx, uintptr_t addr);
    uint16_t (*read16)(void *ctx, uintptr_t addr);
    uint32_t (*read32)(void *ctx, uintptr_t addr);
    void (*write8)(void *ctx, uintptr_t addr, uint8_t v);
    void (*write16)(void *ctx, uintptr_t addr, uint16_t v);
    void (*write32)(void *ctx, uintptr_t addr, uint32_t v);
    void *ctx;
};

/* PCI configuration space reader (offsets 0..255 of the function). */
struct virtio_pci_cfgio {
    uint8_t (*cfg_read8)(void *ctx, uint16_t off);
    uint16_t (*cfg_read16)(void *ctx, uint16_t off);
    uint32_t (*cfg_read32)(void *ctx, uint16_t off);
    void *ctx;
};

enum virtio_transport_kind { VIRTIO_PCI_MODERN = 1, VIRTIO_MMIO_V2, VIRTIO_MMIO_V1 };

/* A bounds-checked window: [base, base + len) of mapped device memory. */
struct virtio_region {
    uintptr_t base;
    uint32_t len;
};

/* Ring addresses of one queue, as the device sees them. */
struct virtio_queue_addrs {
    uint64_t desc, avail, used;
};

struct virtio_transport;

/* Per-transport operations; virtio_dev.c is the only caller. */
struct virtio_transport_ops {
    uint8_t (*get_status)(struct virtio_transport *t);
    void (*set_status)(struct virtio_transport *t, uint8_t status);
    uint64_t (*get_features)(struct virtio_transport *t);
    void (*set_features)(struct virtio_transport *t, uint64_t features);
    uint8_t (*config_generation)(struct virtio_transport *t);
    /* Maximum size of queue q; 0 when the queue does not exist. */
    uint16_t (*queue_max)(struct virtio_transport *t, uint16_t q);
    /* Program queue q (size entries at addrs, MSI-X vector or
     * VIRTIO_MSI_NO_VECTOR) and enable it; sets *notify_addr for notify. */
    int (*queue_setup)(struct virtio_transport *t, uint16_t q, uint16_t size,
                       const struct virtio_queue_addrs *addrs, uint16_t vector,
                       uintptr_t *notify_addr);
    void (*notify)(struct virtio_transport *t, uint16_t q, uintptr_t notify_addr);
    /* Read the interrupt status and acknowledge it (bit 0: queue, bit 1: config). */
    uint8_t (*isr)(struct virtio_transport *t);
};

struct virtio_transport {
    const struct virtio_transport_ops *ops;
    enum virtio_transport_kind kind;
    struct virtio_io io;
    struct virtio_region device_cfg;     /* device-specific configuration */
    uint32_t ring_align;                 /* used ring alignment: 4096 legacy, 4 modern */
    bool modern;                         /* VERSION_1 required, FEATURES_OK exists */
    bool has_msix;                       /* PCI: MSI-X vector registers usable */
    union {
        struct {
            struct virtio_region common, notify, isr;
            uint32_t notify_mult;
        } pci;
        struct {
            struct virtio_region regs;
        } mmio;
    } u;
};

/* Max capabilities the PCI walk follows (as Linux: 48 = 192 bytes / 4). */
#define VIRTIO_PCI_MAX_CAPS 48

/* Find the virtio-pci 1.x structures through the capability list: common,
 * notify, ISR and device configuration. bar_base[i]/bar_size[i] are the
 * mapped bases and sizes of BARs 0..5 (size 0: not mapped). Each
 * capability's bar/offset/length must lie inside its BAR; the walk is
 * bounded and stops on loops. Returns 0 or -VIRTIO_ENODEV/-VIRTIO_ERANGE. */
int virtio_pci_probe(struct virtio_transport *t, const struct virtio_io *io,
                     const struct virtio_pci_cfgio *cfg, const uintptr_t bar_base[6],
                     const uint64_t bar_size[6]);

/* Check the 'virt' magic, version (1 or 2) and a nonzero device id of a
 * virtio-mmio window [base, base + len) (len >= 0x100). Sets *device_id. */
int virtio_mmio_probe(struct virtio_transport *t, const struct virtio_io *io, uintptr_t base,
                      uint32_t len, uint32_t *device_id);

/* PCI only: the MSI-X vector of configuration changes / of queue q
 * (VIRTIO_MSI_NO_VECTOR: none, interrupts through INTx and the ISR). The
 * device reads back NO_VECTOR when it could not take the vector: then
 * -VIRTIO_ENODEV. Other transports: -VIRTIO_EINVAL. */
int virtio_transport_set_config_vector(struct virtio_transport *t, uint16_t vector);
int virtio_transport_set_queue_vector(struct virtio_transport *t, uint16_t q, uint16_t vector);

/* Read and acknowledge the interrupt status (INTx / MMIO). */
static inline uint8_t virtio_transport_isr(struct virtio_transport *t)
{
    return t->ops->isr(t);
}

/* Internal: bounds-checked register access inside a region. An access
 * outside it reads all-ones and writes nothing (the callers check first;
 * this is the last line of defence). */
uint32_t virtio_reg_read(const struct virtio_transport *t, const struct virtio_region *r,
                         uint32_t off, unsigned width);
void virtio_reg_write(const struct virtio_transport *t, const struct virtio_region *r,
                      uint32_t off, unsigned width, uint32_t v);
bool virtio_region_has(const struct virtio_region *r, uint64_t off, uint64_t len);

#endif
