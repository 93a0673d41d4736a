/* The network client library (pvdrivers/client/netclient.c): opens a
 * network device through the device manager and moves frames through the
 * shared rings (pvk/netproto.h). The client owns the data area's buffers
 * and keeps the free ones in a pool; it lends them to the driver for
 * receiving and sends from them.
 *
 *   struct net_client nc;
 *   netc_open(&nc, devmgr_slot, 0, va);              // net0, region mapped at va
 *   netc_post_rx(&nc, 64);                           // lend 64 buffers for receiving
 *   netc_send(&nc, frame, len, 0);                   // copied into a buffer, sent
 *   long n = netc_recv(&nc, buf, sizeof buf, deadline);
 *
 * Zero-copy: netc_buf_alloc / netc_buf / netc_send_buf, and
 * netc_recv_desc / netc_rx_release. Single-threaded. */
#ifndef PVK_NETCLIENT_H
#define PVK_NETCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pvk/netproto.h"

struct net_client {
    uint64_t ep;                /* the driver's service endpoint */
    uint64_t ntfn;              /* ours: the driver signals it */
    uint64_t doorbell;          /* the driver's, badged for us */
    uint64_t region_slot;
    struct net_shared *shared;
    uint8_t *base;              /* the region */
    uint64_t region_size;
    uint8_t mac[6];
    uint32_t info;              /* NET_INFO_* at open */
    uint32_t mtu;
    uint32_t tx_head, tx_done_tail, rx_free_head, rx_tail;
    uint32_t tx_inflight, rx_lent;      /* buffers the driver holds */
    uint32_t nfree;
    uint32_t free[NET_NBUFS];   /* offsets of the free buffers */
    uint32_t unkicked;          /* buffers lent without a doorbell yet */
    uint32_t errors;            /* descriptors that came back with NET_DESC_F_ERROR */
    bool broken;                /* the connection is down: why says why */
    long why;                   /* with broken: PVK_EPEER_RESTARTED, or the reopen's error */
    /* Restarts (see below). */
    uint64_t devmgr, va;
    char name[16];              /* "net0": looked up again by name */
    uint32_t gen;               /* the driver generation opened (0: unknown) */
    bool dead;                  /* the instance is gone: the next call reconnects */
    bool report;                /* PVK_EPEER_RESTARTED not returned yet */
    uint32_t reconnects;
    uint64_t last_fault_ns;     /* the dead instance's tx_hdr.fault_ns (its last words) */
    uint64_t last_reconnect_ns; /* sys_time() when the new instance had the rx buffers again */
    uint64_t next_try;          /* after a failed reopen: no new try before */
    bool evacuated;             /* while dead: the region's contents moved to a private frame at va */
    uint8_t owner[NET_NBUFS];   /* NETC_OWN_*: who holds each buffer */
};
enum { NETC_OWN_FREE = 0, NETC_OWN_CALLER = 1, NETC_OWN_TX = 2, NETC_OWN_RX = 3 };

/* Driver restarts (pvk/service.h). The library notices that the instance
 * it opened is gone by any of: PVK_NTFN_PEER_RESTARTED on its
 * notification, a ring epoch that is not the generation it opened, an
 * impossible ring index, SYS_EDEAD / SYS_ENOCAP from the driver's
 * endpoint, a doorbell that cannot be rung. The next call that can say so
 * reports it, once: netc_recv, netc_recv_desc, netc_send and netc_status
 * return PVK_EPEER_RESTARTED; netc_queue_buf, netc_send_buf and the raw
 * calls return false with c->broken set and c->why = PVK_EPEER_RESTARTED.
 * The call after that reconnects (pvk_reopen_name: one try at once with
 * the dead region still at va; if the driver is not back, the region's
 * contents first move to a private frame at the same va (our quota) and
 * the region is dropped, so its memory goes back for the next instance,
 * then the lookup waits up to about 5 s while it restarts): the new region is mapped at
 * the same va; frames in flight are lost, buffers the driver held go back
 * to the pool, buffers the caller holds (allocated, or received and not
 * released) stay the caller's with their contents, and as many buffers as
 * were lent for receiving are lent again. While the device cannot be
 * reopened, calls return the error (c->why: SYS_ETIMEOUT, PVK_EFAILED,
 * PVK_ESTOPPED, ...) and the next one tries again. c->reconnects and
 * c->last_fault_ns record it. While reconnecting the library maps the new
 * region at va + 1 GiB for a moment: keep [va, va + 2 GiB) free for it.
 *
 * Looks up net<instance> at the device manager (retrying while its driver
 * starts, up to about 5 s), opens it and maps the shared region at va.
 * 0 or a negative SYS_E* error. */
long netc_open(struct net_client *c, uint64_t devmgr, uint32_t instance, uint64_t va);

/* The pool: a free buffer's offset (false: none), and giving one back. */
bool netc_buf_alloc(struct net_client *c, uint64_t *offset);
void netc_buf_free(struct net_client *c, uint64_t offset);
static inline void *netc_buf(struct net_client *c, uint64_t offset)
{
    return c->base + offset;
}

/* Lends up to n free buffers for receiving and rings the doorbell; the
 * number lent. */
unsigned netc_post_rx(struct net_client *c, unsigned n);

/* Queues the frame in buffer `offset` (len bytes, NET_DESC_* flags);
 * false if NET_RING_SIZE frames are already out (the driver must be able
 * to put every one back on tx_done): kick, wait, reclaim, retry. The buffer comes back to the pool when the
 * driver is done with it (netc_reclaim). netc_queue_buf leaves the
 * doorbell to netc_kick (a batch: one doorbell), netc_send_buf rings it. */
bool netc_queue_buf(struct net_client *c, uint64_t offset, uint32_t len, uint32_t flags);
bool netc_send_buf(struct net_client *c, uint64_t offset, uint32_t len, uint32_t flags);
/* Copies the frame into a free buffer and sends it: 0, or SYS_EINVAL (too
 * long), SYS_EBUSY (no buffer or ring full: try again after a while),
 * PVK_EPEER_RESTARTED (once per restart: the frame was not sent), or the
 * reopen's error. */
long netc_send(struct net_client *c, const void *frame, uint32_t len, uint32_t flags);
/* Takes sent buffers back into the pool; how many. */
unsigned netc_reclaim(struct net_client *c);

/* The next received frame's descriptor (the frame at netc_buf(c,
 * d->offset), d->len bytes), waiting until deadline (ns since boot; 0:
 * forever). Buffers the driver refused are counted in c->errors and
 * skipped. 1 with a frame, SYS_ETIMEOUT at the deadline,
 * PVK_EPEER_RESTARTED (once per restart), or another negative error.
 * Give the buffer back with netc_rx_release. */
long netc_recv_desc(struct net_client *c, struct net_desc *d, uint64_t deadline);
/* For a caller that binds c->ntfn to its thread (its signals then arrive
 * as LABEL_NOTIFY messages, not in netclient's waits): hands over bits
 * received that way, so that PVK_NTFN_PEER_RESTARTED is not lost. The
 * notification changes when the library reconnects: bind it again. */
void netc_notified(struct net_client *c, uint64_t bits);
/* Lends the buffer for receiving again (repost) or puts it in the pool.
 * Reposted buffers are batched: the doorbell rings every
 * NETC_REPOST_BATCH of them, and before netc_recv_desc waits. */
#define NETC_REPOST_BATCH 32
void netc_rx_release(struct net_client *c, uint64_t offset, bool repost);
/* The next frame copied into buf (cut at cap): its full length, or
 * SYS_ETIMEOUT at the deadline, PVK_EPEER_RESTARTED (once per restart),
 * or another negative error. Its buffer is lent again for receiving. */
long netc_recv(struct net_client *c, void *buf, size_t cap, uint64_t deadline);

/* The link now (NET_STATUS): NET_INFO_* flags, or a negative error
 * (PVK_EPEER_RESTARTED once per restart). */
long netc_status(struct net_client *c);
/* The driver's frame counters since it started (NET_STATUS MR2, MR3): 0
 * or a negative error. */
long netc_counters(struct net_client *c, uint64_t *rx_frames, uint64_t *tx_frames);
static inline bool netc_link_up(struct net_client *c)
{
    long s = netc_status(c);
    return s >= 0 && (s & NET_INFO_LINK_UP);
}

/* Raw access for tests: queue a descriptor on the tx or rx_free ring as
 * is (no checks, no pool) and ring the doorbell; take one from tx_done or
 * rx as is. */
bool netc_raw_tx(struct net_client *c, const struct net_desc *d);
bool netc_raw_rx_free(struct net_client *c, const struct net_desc *d);
bool netc_raw_tx_done(struct net_client *c, struct net_desc *d);
bool netc_raw_rx(struct net_client *c, struct net_desc *d);
void netc_kick(struct net_client *c);

#endif
