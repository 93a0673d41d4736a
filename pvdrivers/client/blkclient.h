/* The block client library (pvdrivers/client/blkclient.c): opens a block
 * device through the device manager, and queues requests on the shared
 * rings. Used by tests now and by the file server later.
 *
 *   struct blk_client bc;
 *   blkc_open(&bc, devmgr_slot, 0);                  // blk0
 *   void *buf = blkc_data(&bc, 0);                   // the shared data area
 *   blkc_submit(&bc, &(struct blk_req){ .id = 1, .op = BLK_OP_WRITE, ... });
 *   blkc_kick(&bc);
 *   blkc_wait(&bc, &cpl, deadline);
 */
#ifndef PVK_BLKCLIENT_H
#define PVK_BLKCLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include "pvk/blkproto.h"

struct blk_client {
    uint64_t ep;                /* the driver's service endpoint */
    uint64_t ntfn;              /* ours: the driver signals completions */
    uint64_t doorbell;          /* the driver's, badged for us */
    uint64_t region_slot;
    struct blk_shared *shared;
    uint8_t *base;              /* the region */
    uint64_t region_size;
    uint64_t capacity;          /* sectors of 512 bytes */
    uint32_t block;
    uint32_t info;              /* BLK_INFO_* */
    uint32_t req_head, cpl_tail;
    uint64_t va;                /* where the region is mapped */
};

/* Looks up blk<instance> at the device manager (retrying while its driver
 * starts, up to about 5 s), opens it and maps the shared region at va.
 * 0 or a negative SYS_E* error. */
long blkc_open(struct blk_client *c, uint64_t devmgr, uint32_t instance, uint64_t va);
/* Drops everything the client holds of the driver (region unmapped,
 * capabilities deleted): after a driver restart, before opening again, so
 * the dead driver's memory can go back to the device manager. */
void blkc_close(struct blk_client *c);
/* The data area: offset in it -> address (and the offset a request names). */
static inline void *blkc_data(struct blk_client *c, uint64_t off)
{
    return c->base + BLK_DATA_OFFSET + off;
}
static inline uint64_t blkc_offset(uint64_t off)
{
    return BLK_DATA_OFFSET + off;
}
/* Queues a request; false if the ring is full. */
bool blkc_submit(struct blk_client *c, const struct blk_req *r);
/* Rings the driver's doorbell. */
void blkc_kick(struct blk_client *c);
/* Takes one completion, waiting until deadline (ns since boot, 0: forever);
 * false at the deadline or if the driver broke the ring. */
bool blkc_wait(struct blk_client *c, struct blk_cpl *out, uint64_t deadline);
/* Takes one completion if there is one. */
bool blkc_poll(struct blk_client *c, struct blk_cpl *out);
/* One request, waited for: the completion's status. */
int32_t blkc_sync(struct blk_client *c, uint16_t op, uint16_t flags, uint64_t sector, uint64_t off, uint32_t len);

#endif
