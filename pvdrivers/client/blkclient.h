/* The block client library (pvdrivers/client/blkclient.c): opens a block
 * device through the device manager, and queues requests on the shared
 * rings. Used by tests now and by the file server later.
 *
 *   struct blk_client bc;
 *   blkc_open(&bc, devmgr_slot, 0, va);              // blk0, region mapped at va
 *   void *buf = blkc_data(&bc, 0);                   // the shared data area
 *   blkc_submit(&bc, &(struct blk_req){ .id = 1, .op = BLK_OP_WRITE, ... });
 *   blkc_kick(&bc);
 *   blkc_wait(&bc, &cpl, deadline);
 *
 * Driver restarts (pvk/service.h). The library keeps a copy of every
 * request from blkc_submit until its completion is taken (at most
 * BLK_RING_SIZE: blkc_submit refuses more). It notices that the driver
 * instance it opened is gone by any of: PVK_NTFN_PEER_RESTARTED on its
 * notification (the device manager's word), a ring epoch that is not the
 * generation it opened, an impossible ring index, SYS_EDEAD or SYS_ENOCAP
 * from the driver's endpoint, a doorbell that cannot be rung. It then
 * moves the region's contents (up to the highest offset + len ever
 * submitted) into a private frame at the same va and drops the region
 * (its memory goes back for the next instance's DMA pool; the copy is
 * charged to the caller's quota meanwhile), looks the same device up
 * again by name, opens it, maps the new region at the same va with the
 * data area's contents carried over (pointers and offsets the caller
 * holds stay valid), and re-issues every request not completed, in
 * the order they were submitted, with the caller's ids. Completions the
 * dead instance had already posted are delivered as posted (they were
 * acknowledged: for BLK_F_FUA, after the data was on the disk). So a
 * caller that ignores restarts still gets one correct completion per
 * request; the library never makes up a BLK_OK. It does complete a
 * request with BLK_ERESET (not acknowledged: the write may or may not be
 * on the disk) when it was re-issued BLKC_MAX_RETRIES times and its
 * driver died again, or when no new instance could be opened within
 * PVK_LOOKUP_BOUND_NS (about 5 s) of noticing, or at once when the device
 * manager says the driver failed for good or was stopped; the next call
 * then tries to open it again.
 *
 * The explicit report is blkc_status(): PVK_EPEER_RESTARTED once for each
 * reconnection (reading it clears it), the reopen error while the device
 * is unreachable, else 0. blkc_wait and blkc_poll never return it: they
 * keep handing out completions.
 *
 * While reconnecting the library maps the new region at va + 1 GiB for a
 * moment: keep [va, va + 2 GiB) free for it. Single-threaded. */
#ifndef PVK_BLKCLIENT_H
#define PVK_BLKCLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include "pvk/blkproto.h"

#define BLKC_MAX_RETRIES 3
#define BLKC_SCRATCH_OFFSET (1ull << 30)

/* A request the library keeps until its completion is taken. */
struct blkc_pending {
    struct blk_req req;         /* as the caller submitted it (its id) */
    uint32_t seq;               /* submission order */
    uint8_t state;              /* BLKC_FREE, BLKC_QUEUED (not on a ring: the driver is down), BLKC_ISSUED, BLKC_DONE */
    uint8_t retries;            /* times re-issued after a restart */
    int32_t status;             /* BLKC_DONE: the completion to hand out */
    uint32_t len;
};
enum { BLKC_FREE = 0, BLKC_QUEUED = 1, BLKC_ISSUED = 2, BLKC_DONE = 3 };

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
    /* Restarts. */
    uint64_t devmgr;
    char name[16];              /* "blk0": looked up again by name */
    uint32_t gen;               /* the driver generation opened (0: unknown) */
    bool dead;                  /* the instance is gone: reconnect before using the rings */
    long down_rc;               /* the last reopen's error while dead (0: none yet) */
    uint64_t down_since;        /* when the death was noticed */
    uint64_t next_try;          /* after a failed reopen: no new try before */
    uint32_t reconnects;        /* successful reconnections */
    uint32_t reported;          /* reconnections blkc_status has reported */
    uint64_t last_fault_ns;     /* the dead instance's req_hdr.fault_ns (its last words) */
    uint64_t last_reconnect_ns; /* sys_time() when the new instance took the re-issued requests */
    uint32_t reissued;          /* requests re-issued, all restarts together */
    uint32_t failed_reset;      /* requests completed locally with BLK_ERESET */
    uint64_t data_hwm;          /* highest offset + len submitted (region offset) */
    bool evacuated;             /* while dead: the region's contents moved to a private frame at va */
    bool noticed;               /* while dead: the dead instance's last completions taken */
    uint32_t seq;               /* next submission number */
    uint32_t nout;              /* entries of out[] not free */
    uint32_t ndone;             /* entries BLKC_DONE */
    struct blkc_pending out[BLK_RING_SIZE];
};

/* Looks up blk<instance> at the device manager (retrying while its driver
 * starts, up to about 5 s), opens it and maps the shared region at va.
 * 0 or a negative error (SYS_E*, PVK_EFAILED, PVK_ESTOPPED). */
long blkc_open(struct blk_client *c, uint64_t devmgr, uint32_t instance, uint64_t va);
/* Drops everything the client holds of the driver (region unmapped,
 * capabilities deleted, requests not completed forgotten). */
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
/* Queues a request; false if BLK_RING_SIZE requests are already
 * outstanding (completions not taken) or the ring is full. */
bool blkc_submit(struct blk_client *c, const struct blk_req *r);
/* Rings the driver's doorbell. */
void blkc_kick(struct blk_client *c);
/* Takes one completion, waiting until deadline (ns since boot, 0: forever);
 * false at the deadline, or with nothing outstanding and nothing to take.
 * Never waits past the deadline, reconnections included. */
bool blkc_wait(struct blk_client *c, struct blk_cpl *out, uint64_t deadline);
/* Takes one completion if there is one. */
bool blkc_poll(struct blk_client *c, struct blk_cpl *out);
/* PVK_EPEER_RESTARTED once per reconnection since the last call; while
 * the device cannot be reopened, that error (SYS_ETIMEOUT, PVK_EFAILED,
 * PVK_ESTOPPED, ...); else 0. */
long blkc_status(struct blk_client *c);
/* One request, waited for: the completion's status. */
int32_t blkc_sync(struct blk_client *c, uint16_t op, uint16_t flags, uint64_t sector, uint64_t off, uint32_t len);

#endif
