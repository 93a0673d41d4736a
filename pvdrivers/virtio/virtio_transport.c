/* Transport helpers shared by the PCI and MMIO transports: bounds-checked
 * register access, MSI-X vector registers, error names. */
#include <linux/virtio_pci.h>

#include "virtio_transport.h"

/* Is [off, off + len) inside the region? Overflow-safe. */
bool virtio_region_has(const struct virtio_region *r, uint64_t off, uint64_t len)
{
    return off <= r->len && len <= r->len - off;
}

uint32_t virtio_reg_read(const struct virtio_transport *t, const struct virtio_region *r,
                         uint32_t off, unsigned width)
{
    if (!virtio_region_has(r, off, width))
        return 0xffffffffu;
    uintptr_t a = r->base + off;
    switch (width) {
    case 1: return t->io.read8(t->io.ctx, a);
    case 2: return t->io.read16(t->io.ctx, a);
    default: return t->io.read32(t->io.ctx, a);
    }
}

void virtio_reg_write(const struct virtio_transport *t, const struct virtio_region *r,
                      uint32_t off, unsigned width, uint32_t v)
{
    if (!virtio_region_has(r, off, width))
        return;
    uintptr_t a = r->base + off;
    switch (width) {
    case 1: t->io.write8(t->io.ctx, a, (uint8_t)v); break;
    case 2: t->io.write16(t->io.ctx, a, (uint16_t)v); break;
    default: t->io.write32(t->io.ctx, a, v); break;
    }
}

int virtio_transport_set_config_vector(struct virtio_transport *t, uint16_t vector)
{
    if (t->kind != VIRTIO_PCI_MODERN)
        return -VIRTIO_EINVAL;
    const struct virtio_region *c = &t->u.pci.common;
    virtio_reg_write(t, c, VIRTIO_PCI_COMMON_MSIX, 2, vector);
    uint16_t back = (uint16_t)virtio_reg_read(t, c, VIRTIO_PCI_COMMON_MSIX, 2);
    return back == vector ? 0 : -VIRTIO_ENODEV;
}

int virtio_transport_set_queue_vector(struct virtio_transport *t, uint16_t q, uint16_t vector)
{
    if (t->kind != VIRTIO_PCI_MODERN)
        return -VIRTIO_EINVAL;
    const struct virtio_region *c = &t->u.pci.common;
    virtio_reg_write(t, c, VIRTIO_PCI_COMMON_Q_SELECT, 2, q);
    virtio_reg_write(t, c, VIRTIO_PCI_COMMON_Q_MSIX, 2, vector);
    uint16_t back = (uint16_t)virtio_reg_read(t, c, VIRTIO_PCI_COMMON_Q_MSIX, 2);
    return back == vector ? 0 : -VIRTIO_ENODEV;
}

const char *virtio_strerror(int err)
{
    static const char *const names[] = {
        [VIRTIO_OK] = "ok",
        [VIRTIO_EINVAL] = "invalid argument",
        [VIRTIO_ENOSPC] = "queue full",
        [VIRTIO_ENOMEM] = "out of memory",
        [VIRTIO_ENODEV] = "no usable device",
        [VIRTIO_EFEATURES] = "feature negotiation failed",
        [VIRTIO_ETIMEDOUT] = "device reset timed out",
        [VIRTIO_EAGAIN] = "config generation unstable",
        [VIRTIO_ERANGE] = "out of range",
        [VIRTIO_EBROKEN] = "device broke the protocol",
    };
    if (err < 0)
        err = -err;
    if ((unsigned)err >= sizeof names / sizeof names[0])
        return "unknown error";
    return names[err];
}
