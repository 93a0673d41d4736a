/* Split virtqueue (virtio 1.x, 2.7), driver side: the hot path.
 *
 * The device is not trusted. The driver-side state (free list, chains,
 * tokens, posted lengths, indexes) lives in driver-private memory; the
 * shared rings are written, never read back, except used->idx, the used
 * elements and the device's event index / flags, each checked before use.
 * On the first violation the queue is broken: every later call fails with
 * -VIRTIO_EBROKEN (virtq_error) until the device is reset and the queue
 * set up again.
 *
 * Single-threaded: one caller at a time per queue. */
#ifndef VIRTQ_H
#define VIRTQ_H

#include <linux/virtio_ring.h>

#include "virtio_common.h"

/* One scatter-gather segment: device address and length. */
struct virtq_buf {
    uint64_t phys;
    uint32_t len;
};

/* Driver-private state of one descriptor. */
struct virtq_slot {
    void *token;           /* chain heads in flight: the caller's token */
    uint32_t in_len;       /* heads: device-writable bytes posted */
    uint16_t next;         /* free list / chain link (the driver's copy) */
    uint16_t ndesc;        /* heads: ring descriptors the chain holds */
    bool in_flight;        /* heads: posted and not yet returned */
};

struct virtq {
    /* Shared with the device. */
    volatile struct vring_desc *desc;
    volatile struct vring_avail *avail;
    volatile struct vring_used *used;
    volatile uint16_t *used_event;      /* the driver's, after avail->ring[size] */
    volatile uint16_t *avail_event;     /* the device's, after used->ring[size] */
    uint64_t desc_phys, avail_phys, used_phys;
    /* Indirect tables: one per descriptor, indirect_max entries each. */
    volatile struct vring_desc *indirect;
    uint64_t indirect_phys;
    uint16_t indirect_max;
    uint32_t ring_align;

    /* Driver-private. */
    struct virtq_slot *slot;
    uint16_t size, free_head, num_free, inflight;
    uint16_t avail_idx;                 /* next avail index to publish */
    uint16_t kicked_idx;                /* avail_idx at the last kick decision */
    uint16_t last_used;                 /* next used index to consume */
    uint16_t seen_used;                 /* used->idx as last read and checked */
    bool event_idx, use_indirect, cb_enabled;
    int error;                          /* 0, or -VIRTIO_EBROKEN once broken */
    const char *why;                    /* what broke it (for the log) */

    /* Set by virtio_dev_setup_queue. */
    uint16_t index;
    uintptr_t notify_addr;
    void (*notify)(struct virtq *vq, void *ctx);
    void *notify_ctx;
};

/* Bytes of ring memory a queue of `size` needs with the used ring aligned
 * to `align` (legacy layout: descriptors, avail ring, used ring). */
size_t virtq_ring_bytes(uint16_t size, uint32_t align);

/* Allocate and lay out a queue of `size` entries (a power of two, at most
 * 32768): one contiguous ring block, the used ring at `align` (4096 for
 * legacy MMIO, else 4); indirect_max > 1 and `indirect` also reserve one
 * indirect table of indirect_max entries per descriptor. event_idx and
 * indirect are the negotiated VIRTIO_RING_F_* bits. */
int virtq_init(struct virtq *vq, const struct virtio_mem *mem, uint16_t size, uint32_t align,
               bool event_idx, bool indirect, uint16_t indirect_max);

/* Back to the state after virtq_init (rings zeroed, nothing in flight),
 * reusing the memory. Only while the device is reset. */
void virtq_reset(struct virtq *vq);

/* Post one request: nout device-readable segments, then nin device-writable
 * ones. token (not NULL) comes back from virtq_get_used. Publishes the new
 * avail index (release); call virtq_kick after a batch.
 * -VIRTIO_ENOSPC: not enough free descriptors now; -VIRTIO_EINVAL: bad
 * arguments (never fits, zero segments, NULL token); -VIRTIO_EBROKEN. */
int virtq_add(struct virtq *vq, const struct virtq_buf *bufs, unsigned nout, unsigned nin,
              void *token);

/* After adds: does the device want a notification? Honours
 * VRING_USED_F_NO_NOTIFY, or with EVENT_IDX the device's avail_event.
 * Full barrier inside. False when broken or nothing was added. */
bool virtq_kick_prepare(struct virtq *vq);
/* Notify the device (the transport's doorbell). */
void virtq_notify(struct virtq *vq);
/* kick_prepare, then notify if wanted. Returns whether it notified. */
bool virtq_kick(struct virtq *vq);

/* Next completed request: its token, *len = bytes the device wrote (checked
 * against what was posted). NULL when none is pending or the queue broke
 * (then virtq_error() != 0). */
void *virtq_get_used(struct virtq *vq, uint32_t *len);

/* Interrupt suppression. enable_cb returns false when completions arrived
 * meanwhile (poll again before sleeping), true when it is safe to wait. */
void virtq_disable_cb(struct virtq *vq);
bool virtq_enable_cb(struct virtq *vq);

static inline int virtq_error(const struct virtq *vq) { return vq->error; }
static inline const char *virtq_broken_reason(const struct virtq *vq) { return vq->why; }
static inline unsigned virtq_num_free(const struct virtq *vq) { return vq->num_free; }

#endif
