/* Common definitions of the virtio library: error codes, the memory
 * callbacks a driver supplies, barriers. Freestanding C11; builds for the
 * guest (-nostdinc, gcc's own headers plus the Linux uapi folder) and on
 * the host (unit tests). Structures shared with the device come from
 * Debian's linux-libc-dev (<linux/virtio_*.h>), used in place. */
#ifndef VIRTIO_COMMON_H
#define VIRTIO_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The ring and register layouts are little-endian; so is every target. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "virtio: little-endian hosts only");

/* Errors are returned negated (-VIRTIO_EBROKEN). 0 is success. */
enum virtio_error {
    VIRTIO_OK = 0,
    VIRTIO_EINVAL,      /* the caller's arguments are wrong */
    VIRTIO_ENOSPC,      /* the queue is full now; retry after completions */
    VIRTIO_ENOMEM,      /* an allocator callback failed */
    VIRTIO_ENODEV,      /* no (usable) device: bad magic, version, capability */
    VIRTIO_EFEATURES,   /* feature negotiation failed (FEATURES_OK refused, no VERSION_1) */
    VIRTIO_ETIMEDOUT,   /* reset did not finish in the bounded number of polls */
    VIRTIO_EAGAIN,      /* the config generation never stabilised */
    VIRTIO_ERANGE,      /* an offset or length outside a region */
    VIRTIO_EBROKEN,     /* the device broke the protocol; the queue is dead until reset */
};

/* Memory a driver hands the library.
 *   dma_alloc: physically contiguous, zeroed, aligned to `align` (a power of
 *              two); returns 0 and sets *virt and *phys (the address the
 *              device uses), or a negative value.
 *   zalloc:    zeroed driver-private memory the device never sees, or NULL.
 * Nothing is freed: a driver that gives up restarts its whole process. */
struct virtio_mem {
    int (*dma_alloc)(void *ctx, size_t bytes, size_t align, void **virt, uint64_t *phys);
    void *(*zalloc)(void *ctx, size_t bytes);
    void *ctx;
};

/* Barriers for memory shared with a device (cache-coherent DMA). On x86-64
 * acquire and release are compiler barriers; the full one is mfence. */
#define virtio_acquire() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define virtio_release() __atomic_thread_fence(__ATOMIC_RELEASE)
#define virtio_mb()      __atomic_thread_fence(__ATOMIC_SEQ_CST)

/* A short text for an error code (for logs). */
const char *virtio_strerror(int err);

#endif
