/* The block client protocol: a client and a block driver share one region
 * of DMA memory the driver allocates (so the device reads and writes the
 * client's data in place: nothing is copied, by the kernel or anyone):
 * a request ring, a completion ring and a data area. Each side signals the
 * other's notification after a batch. Control goes over IPC on the
 * driver's service endpoint (a capability from the device manager,
 * DEVMGR_LOOKUP).
 *
 *   BLK_OPEN      (cap: the client's notification, which the driver will
 *                 signal on completions) -> MR0 = 0 or error, MR1 =
 *                 capacity in 512-byte sectors, MR2 = logical block size,
 *                 MR3 = BLK_INFO_* flags | region pages << 32; cap: the
 *                 shared region (read, write)
 *   BLK_DOORBELL  -> MR0 = 0; cap: the notification the client signals
 *   BLK_CLOSE     -> MR0 = 0: the region is dropped (the client unmaps it)
 *
 * The driver checks every request: sector range inside the disk, offset
 * and length inside the data area, length a multiple of the logical block
 * size, a known operation; a bad one completes with BLK_EINVAL, nothing
 * else happens. A write with BLK_F_FUA completes only after the data is on
 * the disk (the driver follows it with a flush); BLK_OP_FLUSH always
 * reaches the device. */
#ifndef PVK_BLKPROTO_H
#define PVK_BLKPROTO_H

#include <stdint.h>
#include "pvk/ring.h"

#define BLK_OPEN     0xb001ull
#define BLK_DOORBELL 0xb002ull
#define BLK_CLOSE    0xb003ull

#define BLK_INFO_READONLY     1u
#define BLK_INFO_FLUSH        2u     /* the device has a volatile cache and a flush */
#define BLK_INFO_DISCARD      4u
#define BLK_INFO_WRITE_ZEROES 8u

enum blk_op { BLK_OP_READ = 0, BLK_OP_WRITE = 1, BLK_OP_FLUSH = 2, BLK_OP_DISCARD = 3, BLK_OP_WRITE_ZEROES = 4 };
#define BLK_F_FUA 1u

/* Completion status (negative: failed). */
#define BLK_OK        0
#define BLK_EIO      (-1)   /* the device reported an error */
#define BLK_EINVAL   (-2)   /* a request the driver refused (range, alignment, op) */
#define BLK_EROFS    (-3)   /* write to a read-only device */
#define BLK_EUNSUPP  (-4)   /* the device does not do that operation */
#define BLK_ERESET   (-5)   /* the device was reset before it completed */

struct blk_req {
    uint64_t id;            /* the client's, returned in the completion */
    uint64_t sector;        /* 512-byte units */
    uint64_t offset;        /* of the data in the data area */
    uint32_t len;           /* bytes (sectors for discard/write-zeroes: len / 512) */
    uint16_t op;            /* enum blk_op */
    uint16_t flags;         /* BLK_F_* */
};
_Static_assert(sizeof(struct blk_req) == 32, "blk_req layout is ABI");

struct blk_cpl {
    uint64_t id;
    int32_t status;         /* BLK_OK or BLK_E* */
    uint32_t len;           /* bytes transferred */
};
_Static_assert(sizeof(struct blk_cpl) == 16, "blk_cpl layout is ABI");

#define BLK_RING_SIZE 128
#define BLK_REGION_PAGES 512                  /* 2 MiB */
#define BLK_DATA_OFFSET 0x4000ull             /* the data area: the rest of the region */
#define BLK_DATA_SIZE (BLK_REGION_PAGES * 4096ull - BLK_DATA_OFFSET)

struct blk_shared {
    struct pvk_ring_hdr req_hdr;
    struct blk_req req[BLK_RING_SIZE];
    struct pvk_ring_hdr cpl_hdr;
    struct blk_cpl cpl[BLK_RING_SIZE];
    uint64_t driver_wake_tsc;   /* TSC when the driver last woke for a device interrupt
                                   (for the interrupt-to-driver benchmark; written by the driver) */
};
_Static_assert(sizeof(struct blk_shared) <= BLK_DATA_OFFSET, "rings fit before the data area");

#endif
