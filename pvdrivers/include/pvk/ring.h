/* Single-producer single-consumer rings in shared memory, for the client
 * protocols (blkproto.h, netproto.h). The producer writes entries then
 * publishes `head` (release); the consumer reads `head` (acquire), then the
 * entries, then publishes `tail`. Neither side trusts the other's index: a
 * consumer that sees head - tail > size (a corrupt or hostile peer) stops
 * using the ring and reports it. The epoch is the ring's generation: a
 * restarted peer re-initialises the ring with a new epoch, so a stale
 * side re-handshakes instead of following old indices.
 *
 * Every client protocol's shared region starts with a ring header at
 * offset 0 (blkproto.h: req_hdr, netproto.h: tx_hdr); the first ring
 * header of a region carries fault_ns: when a fault injected into the
 * driver (faultinj.h) fires, the driver's fire hook (pvdrivers/lib/drv.c)
 * writes sys_time() there for every open client, just before the fault.
 * The other headers' fault_ns stay 0. (The console protocol, conproto.h,
 * has no shared region: its clients get no fault_ns.) */
#ifndef PVK_RING_H
#define PVK_RING_H

#include <stdbool.h>
#include <stdint.h>

struct pvk_ring_hdr {
    volatile uint32_t head;     /* written by the producer only */
    uint32_t pad0[15];          /* head and tail on their own cache lines */
    volatile uint32_t tail;     /* written by the consumer only */
    uint32_t pad1[15];
    uint32_t size;              /* entries, a power of two (set at open) */
    uint32_t epoch;             /* the driver's generation (service.h), set at open */
    uint64_t fault_ns;          /* the driver's last words: sys_time() when an injected fault
                                   fired (first header of a region only; for recovery-time
                                   measurement; see above) */
    uint32_t pad2[12];
};
_Static_assert(sizeof(struct pvk_ring_hdr) == 192, "ring header layout is ABI");

static inline uint32_t pvk_load_acquire(const volatile uint32_t *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void pvk_store_release(volatile uint32_t *p, uint32_t v)
{
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Entries the consumer may take, or -1 if the producer's index is
 * impossible (more than size ahead). size is the consumer's own copy. */
static inline int64_t pvk_ring_pending(const struct pvk_ring_hdr *r, uint32_t size, uint32_t tail)
{
    uint32_t n = pvk_load_acquire(&r->head) - tail;
    return n > size ? -1 : (int64_t)n;
}

/* Free entries for the producer, or -1 if the consumer's index is impossible. */
static inline int64_t pvk_ring_space(const struct pvk_ring_hdr *r, uint32_t size, uint32_t head)
{
    uint32_t used = head - pvk_load_acquire(&r->tail);
    return used > size ? -1 : (int64_t)(size - used);
}

#endif
