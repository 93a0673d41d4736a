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
 *                MR2 = NET_INFO_* flags, MR3 = MTU | region pages << 32;
 *                cap: the region (read, write). The rings are reset (new
 *                epoch); every buffer of the data area is the client's.
 *   NET_DOORBELL -> MR0 = 0; cap: the notification the client signals
 *   NET_STATUS   -> MR0 = 0, MR1 = NET_INFO_* flags (link now)
 * The driver signals the client's notification after a batch of rx or
 * tx_done entries, and when the link changes.
 *
 * Received frames go to whichever lent buffer the device fills: several
 * clients may open the device, but one receiving client (the network
 * stack) is what this is for. Buffers lent before a re-open stay with the
 * device until it fills them and then arrive on the new rx ring.
 *
 * Buffers hold the bare Ethernet frame (no virtio header: the driver keeps
 * those in its own memory and posts two-segment chains), at any offset in
 * the data area [NET_DATA_OFFSET, region size), at most NET_BUF_SIZE long.
 * A descriptor that breaks these rules comes straight back with
 * NET_DESC_F_ERROR and len 0 (rx_free -> rx, tx -> tx_done); nothing else
 * happens. A frame the device fails to send (or loses in a reset) comes
 * back on tx_done with NET_DESC_F_ERROR too.
 *
 * Checksum offload (desc.flags): on tx, NET_DESC_F_NEEDS_CSUM asks for the
 * 16-bit ones'-complement sum from csum_start to the end of the frame to
 * be stored at csum_start + csum_offset (the frame carries the
 * pseudo-header sum there); the device does it when the driver reports
 * NET_INFO_CSUM, else the driver does. On rx, NET_DESC_F_DATA_VALID says
 * the device checked the checksums (the driver completes partial ones
 * before handing a frame over). */
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

#define NET_DESC_F_ERROR      1u      /* refused or failed: len is 0 */
#define NET_DESC_F_NEEDS_CSUM 2u      /* tx: see above */
#define NET_DESC_F_DATA_VALID 4u      /* rx: checksums verified */
#define NET_DESC_CSUM_START(f)  (((f) >> 16) & 0xffu)
#define NET_DESC_CSUM_OFFSET(f) (((f) >> 24) & 0xffu)
#define NET_DESC_CSUM(start, off) (NET_DESC_F_NEEDS_CSUM | (uint32_t)(start) << 16 | (uint32_t)(off) << 24)

#define NET_MTU 1500u
#define NET_MAX_FRAME 1514u           /* MTU + Ethernet header (no VLAN tag, no FCS) */

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
