/* A virtio device over a transport: the status handshake, feature
 * negotiation, queue setup, device configuration reads, reset.
 *
 *   virtio_dev_init(&d, &t, wanted)          reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK
 *   virtio_dev_setup_queue(&d, &vq, i, ...)   for each queue
 *   virtio_dev_driver_ok(&d)                  the device is live
 *   virtio_reset(&d)                          on error or restart; then init again
 */
#ifndef VIRTIO_DEV_H
#define VIRTIO_DEV_H

#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>

#include "virtio_transport.h"
#include "virtq.h"

#define VIRTIO_BIT(b) (1ull << (b))

/* Accepted whenever the device offers them, whatever the driver asks:
 * the ring features the library implements, VERSION_1 (required on modern
 * transports) and ACCESS_PLATFORM (Xen needs it: DMA through the IOMMU). */
#define VIRTIO_LIB_FEATURES                                                     \
    (VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM) |   \
     VIRTIO_BIT(VIRTIO_RING_F_EVENT_IDX) | VIRTIO_BIT(VIRTIO_RING_F_INDIRECT_DESC))

#define VIRTIO_RESET_POLLS     100000   /* status reads while waiting for reset */
#define VIRTIO_CONFIG_RETRIES  16       /* config reads while the generation moves */

struct virtio_dev {
    struct virtio_transport *t;
    uint64_t device_features;   /* what the device offered */
    uint64_t features;          /* what was accepted */
    uint8_t status;             /* the driver's status bits so far */
};

/* Reset: write 0, then read until the device reports 0 (bounded).
 * Returns 0 or -VIRTIO_ETIMEDOUT. Every queue is then dead: set them up
 * again (the same struct virtq is reused) after virtio_dev_init. */
int virtio_reset(struct virtio_dev *d);

/* Reset and negotiate: accepts device_features & (wanted |
 * VIRTIO_LIB_FEATURES). A modern transport must offer VERSION_1 and keep
 * FEATURES_OK set; legacy MMIO has no FEATURES_OK. On failure the status
 * is FAILED and -VIRTIO_EFEATURES (or the reset error) is returned. */
int virtio_dev_init(struct virtio_dev *d, struct virtio_transport *t, uint64_t wanted);

static inline bool virtio_dev_has(const struct virtio_dev *d, unsigned bit)
{
    return (d->features >> bit) & 1;
}

/* Set up queue `index`: size = min(device maximum, requested), requested a
 * power of two; rings from mem; indirect tables of indirect_max entries
 * when INDIRECT_DESC was accepted (0: none); vector = MSI-X vector or
 * VIRTIO_MSI_NO_VECTOR. vq must be zeroed before its first setup; a later
 * setup of the same size (after a reset) reuses its memory. */
int virtio_dev_setup_queue(struct virtio_dev *d, struct virtq *vq, uint16_t index,
                           uint16_t requested, const struct virtio_mem *mem,
                           uint16_t indirect_max, uint16_t vector);

/* The same for queues 0..n-1 (vectors NULL: no MSI-X). */
int virtio_dev_setup_queues(struct virtio_dev *d, struct virtq *vqs, unsigned n,
                            uint16_t requested, const struct virtio_mem *mem,
                            uint16_t indirect_max, const uint16_t *vectors);

/* Configuration-change interrupts to an MSI-X vector (PCI only). */
int virtio_dev_set_config_vector(struct virtio_dev *d, uint16_t vector);

/* Set DRIVER_OK. -VIRTIO_EBROKEN when the device then reports
 * NEEDS_RESET or FAILED. */
int virtio_dev_driver_ok(struct virtio_dev *d);

/* Give up: set FAILED (the device may then be reset and retried). */
void virtio_dev_fail(struct virtio_dev *d);

/* Device configuration [off, off + len), read between two equal config
 * generations (bounded retries: -VIRTIO_EAGAIN). 1, 2, 4-byte fields are
 * read with one access of that width, 8-byte ones as two 32-bit halves,
 * anything else byte by byte. -VIRTIO_ERANGE outside the device config. */
int virtio_dev_config_read(struct virtio_dev *d, uint32_t off, void *buf, uint32_t len);
int virtio_dev_config_write(struct virtio_dev *d, uint32_t off, const void *buf, uint32_t len);

/* Read and acknowledge the interrupt status (INTx, MMIO). */
static inline uint8_t virtio_dev_isr(struct virtio_dev *d)
{
    return virtio_transport_isr(d->t);
}

#endif
