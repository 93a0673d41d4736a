/* DMA pools (kernel/object/dmapool.c): the memory a device may write into.
 *
 * A driver's device can keep writing to memory after the driver is gone,
 * so DMA frames must not go back to the free pool when the driver dies:
 * only after whoever manages the device has reset it. A pool is that
 * guarantee. It has its own quota (the allowance, carved out of its
 * creator's), makes physically contiguous zeroed frames charged to it, and
 * holds a reference to each of them until released (SYS_DEV_DMA_RELEASE,
 * a right its creator keeps: the device manager resets the device, then
 * releases). A frame's memory returns to the pool's quota once the pool
 * let it go and no capability or mapping refers to it; the allowance
 * returns to the creator when the pool and all its frames are gone.
 * Frames from a pool are the only ones whose capability carries
 * CAP_R_PHYS, the right to learn a physical address. */
#ifndef OBJ_DMAPOOL_H
#define OBJ_DMAPOOL_H

#include <stdint.h>
#include "list.h"
#include "object.h"

struct frame_obj;

struct dmapool {
    struct kobj obj;            /* paid for by the creator's quota */
    struct quota *allowance;    /* pays for the frames (a reference) */
    struct dlist frames;        /* struct frame_obj.pool_link, each holding a reference */
    uint64_t nframes;
};

/* A pool with an allowance of bytes carved out of q. NULL if q cannot pay. */
struct dmapool *dmapool_create(struct quota *q, uint64_t bytes);
/* A zeroed contiguous frame of npages below limit (0: anywhere), charged
 * to the pool and held by it. NULL if the allowance is spent. */
struct frame_obj *dmapool_alloc(struct dmapool *pool, uint64_t npages, uint64_t limit);
/* Lets go of every frame: returns how many. Bounded work per frame with
 * an interrupt window every REAP_BUDGET frames. */
uint64_t dmapool_release(struct dmapool *pool);
int dmapool_reap(struct dmapool *pool);

#endif
