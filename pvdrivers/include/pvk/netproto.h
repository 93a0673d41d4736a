/* The network client protocol: like the block one (blkproto.h), a region
 * of DMA memory the driver allocates and shares: four rings and a data
 * area cut into NET_BUF_SIZE buffers the client owns and lends.
 *   tx:      client -> driver, frames to send (offset, len)
 *   tx_done: driver -> client, sent buffers back
 *   rx_free: client -> driver, empty buffers to receive into
 *   rx:      driver -> client, received frames (offset, len)
 * Frames in flight may be lost (it is Ethernet); the driver never writes
 * outside a buffer the client lent it, and checks every offset and length.
 *
 *   NET_OPEN     (cap: the client's notification) -> MR0 = 0 or error,
 *                MR1 = MAC address (6 bytes, first byte in bits 0-7),
 *                MR2 = NET_INFO_* flags, MR3 = MTU; cap: the region
 *   NET_DOORBELL -> MR0 = 0; cap: the notification the client signals
 *   NET_STATUS   -> MR0 = 0, MR1 = NET_INFO_* flags (link now) */
#ifndef PVK_NETPROTO_H
#define PVK_NETPROTO_H

#include <stdint.h>
#include "pvk/ring.h"

#define NET_OPEN     0x4e01ull
#define NET_DOORBELL 0x4e02ull
#define NET_STATUS   0x4e03ull

#define NET_INFO_LINK_UP   1u
#define NET_INFO_CSUM      2u     /* the device does checksum offload */
#define NET_INFO_MRG_RXBUF 4u

struct net_desc {
    uint64_t offset;        /* of the buffer in the region */
    uint32_t len;           /* frame length (rx, tx), or the buffer's (rx_free) */
    uint32_t flags;
};
_Static_assert(sizeof(struct net_desc) == 16, "net_desc layout is ABI");

#define NET_RING_SIZE 256
#define NET_BUF_SIZE 2048
#define NET_REGION_PAGES 512                 /* 2 MiB */
#define NET_DATA_OFFSET 0x10000ull
#define NET_NBUFS ((NET_REGION_PAGES * 4096ull - NET_DATA_OFFSET) / NET_BUF_SIZE)

struct net_shared {
    struct pvk_ring_hdr tx_hdr;
    struct net_desc tx[NET_RING_SIZE];
    struct pvk_ring_hdr tx_done_hdr;
    struct net_desc tx_done[NET_RING_SIZE];
    struct pvk_ring_hdr rx_free_hdr;
    struct net_desc rx_free[NET_RING_SIZE];
    struct pvk_ring_hdr rx_hdr;
    struct net_desc rx[NET_RING_SIZE];
};
_Static_assert(sizeof(struct net_shared) <= NET_DATA_OFFSET, "rings fit before the data area");

#endif
