/* The socket protocol between the network server (servers/netsrv) and its
 * clients (servers/runtime/sock.c): labels, message registers, the session
 * region and its rings. Shared by both sides and the unit tests; the ring
 * helpers at the end are pure.
 *
 * Session. A client (a service with uses=net: its endpoint capability is
 * badged per service) calls SOCK_OPEN with a capability to its own
 * notification. The server makes a region (a frame of SOCK_REGION_BYTES,
 * charged to the server, so that no client can pull it away under the
 * server by revoking it), maps it, and replies with a read/write copy and a
 * session token. One session per badge: a second SOCK_OPEN from the same
 * badge (the client restarted) ends the first (its connections are
 * aborted, its region revoked). Every later call carries the token in MR0;
 * a token the server does not know (it restarted: tokens hold its start
 * time) is answered SOCK_ENOSESSION.
 *
 * Calls. Every reply has label 0 and the result in MR0 (>= 0, or a
 * negative SYS_E* / SOCK_E*). Calls never wait in the server.
 *
 *   SOCK_OPEN      cap = notification          -> MR1 token, MR2 region bytes, cap = region
 *   SOCK_PING      MR0 token                   -> 0 (the session still exists)
 *   SOCK_LISTEN    MR1 addr, MR2 port, MR3 backlog -> socket
 *   SOCK_ACCEPT    MR1 listener                -> socket, MR1 peer addr, MR2 peer port
 *                                                 (SYS_EBUSY: none waiting)
 *   SOCK_CONNECT   MR1 addr, MR2 port          -> socket, MR1 its local port (connecting:
 *                                                 wait for SOCK_ST_CONNECTED or SOCK_F_ERR)
 *   SOCK_UDP_BIND  MR1 addr, MR2 port          -> socket
 *   SOCK_SEND      MR1 socket, MR2 new tx_head -> 0 (TCP), the last datagram's
 *                                                 result (UDP)
 *   SOCK_RECVD     MR1 socket, MR2 new rx_tail -> 0
 *   SOCK_SHUTDOWN  MR1 socket                  -> 0 (FIN after what is queued)
 *   SOCK_CLOSE     MR1 socket                  -> 0
 *   SOCK_ADDR      -                           -> the local IPv4 address (0: none)
 *   SOCK_NODELAY   MR1 socket, MR2 0/1         -> 0 (Nagle off with 1; on a listener:
 *                                                 for the connections it accepts)
 *   SOCK_RESET_PEER MR1 local port, MR2 peer addr, MR3 peer port -> 0
 *                  a connection of the client's that a dead instance held:
 *                  an ACK with a sequence number out of the peer's window
 *                  goes to it; the peer answers with an ACK, which (no PCB
 *                  here) this instance answers with an RST the peer takes, so
 *                  a peer waiting for data learns at once that the
 *                  connection is gone (sock.c sends these after a restart)
 *
 * Rings. Each socket has an rx ring (server writes, client reads) and a tx
 * ring (client writes, server reads) of SOCK_RING_BYTES each, indexed by
 * free-running 32-bit byte counters. The server publishes its own counters
 * (rx_head, tx_tail) in the socket's struct sock_slot; the client's
 * counters (rx_tail, tx_head) travel only in SOCK_RECVD / SOCK_SEND
 * messages, and the server checks them against its private copies
 * (sock_index_ok): it never reads an index from the region. TCP rings carry
 * the byte stream; UDP rings carry records: struct sock_dgram then the
 * payload, padded to 8 bytes (sock_record_bytes), wrapping around the ring
 * end like any bytes.
 *
 * Signals. When a socket becomes readable, writable, gets a connection,
 * connects or fails, the server ORs bit (1 << socket) into the client's
 * notification, once per loop iteration for all of a session's sockets. */
#ifndef PVK_SOCKPROTO_H
#define PVK_SOCKPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SOCK_OPEN      0x5301ull
#define SOCK_PING      0x5302ull
#define SOCK_LISTEN    0x5303ull
#define SOCK_ACCEPT    0x5304ull
#define SOCK_CONNECT   0x5305ull
#define SOCK_UDP_BIND  0x5306ull
#define SOCK_SEND      0x5307ull
#define SOCK_RECVD     0x5308ull
#define SOCK_SHUTDOWN  0x5309ull
#define SOCK_CLOSE     0x530aull
#define SOCK_ADDR      0x530bull
#define SOCK_NODELAY   0x530cull
#define SOCK_RESET_PEER 0x530dull

#define SOCK_ENOSESSION (-90)   /* the server does not know the token (it restarted) */
/* Errors on the wire; servers/runtime/sock.h gives them their SOCK_E* names. */
#define SOCKP_ECONNRESET   (-80)
#define SOCKP_ECONNREFUSED (-81)
#define SOCKP_EADDRINUSE   (-82)
#define SOCKP_ENOTCONN     (-83)
#define SOCKP_EMSGSIZE     (-84)
#define SOCKP_EUNREACH     (-85)

/* Limits. */
#define SOCK_MAX_SOCKETS   32u                  /* per session (signal bits 0..31) */
#define SOCK_MAX_SESSIONS  4u                   /* clients at once */
#define SOCK_RING_BYTES    (16u * 1024u)        /* each ring; a power of two */
#define SOCK_DGRAM_MAX     1472u                /* a UDP payload (one Ethernet frame) */
#define SOCK_MAX_BACKLOG   8u
#define SOCK_MAX_RESETS    64u                  /* SOCK_RESET_PEER calls per session */

/* Socket states (sock_slot.state), written by the server. */
enum sock_state {
    SOCK_ST_FREE = 0,
    SOCK_ST_LISTEN = 1,
    SOCK_ST_CONNECTING = 2,
    SOCK_ST_CONNECTED = 3,
    SOCK_ST_UDP = 4,
    SOCK_ST_PENDING = 5,        /* accepted by TCP, not yet by the client */
    SOCK_ST_CLOSING = 6,        /* closed by the client; the server sends what is queued */
};
/* sock_slot.flags */
#define SOCK_F_EOF  1u          /* the peer closed its side: no more rx after rx_head */
#define SOCK_F_ERR  2u          /* failed: sock_slot.error says why */

/* One socket's state in the region (server writes, client reads). */
struct sock_slot {
    uint32_t state;             /* enum sock_state */
    uint32_t flags;             /* SOCK_F_* */
    int32_t error;              /* with SOCK_F_ERR: SOCK_E* / SYS_E* */
    uint32_t rx_head;           /* bytes the server wrote into the rx ring */
    uint32_t tx_tail;           /* bytes the server took from the tx ring */
    uint32_t backlog;           /* listener: connections waiting for SOCK_ACCEPT */
    uint32_t dropped;           /* UDP: datagrams dropped for want of ring space */
    uint32_t reserved[9];
};
_Static_assert(sizeof(struct sock_slot) == 64, "sockproto layout is ABI");

#define SOCK_REGION_MAGIC 0x6e65747363636b31ull    /* "1kccsten" */

/* The region: this header in the first page, then per socket i the rx
 * ring at SOCK_RX_OFFSET(i) and the tx ring at SOCK_TX_OFFSET(i). */
struct sock_region {
    uint64_t magic;
    uint64_t token;
    uint32_t nsockets;          /* SOCK_MAX_SOCKETS */
    uint32_t ring_bytes;        /* SOCK_RING_BYTES */
    uint32_t local_addr;        /* host order; 0: none yet */
    uint32_t reserved[9];
    struct sock_slot slot[SOCK_MAX_SOCKETS];
};
_Static_assert(sizeof(struct sock_region) == 64 + 64 * SOCK_MAX_SOCKETS, "sockproto layout is ABI");
_Static_assert(sizeof(struct sock_region) <= 4096, "the header fits its page");
_Static_assert((SOCK_RING_BYTES & (SOCK_RING_BYTES - 1)) == 0, "ring sizes are powers of two");

#define SOCK_RX_OFFSET(i)   (4096ull + (uint64_t)(i) * 2 * SOCK_RING_BYTES)
#define SOCK_TX_OFFSET(i)   (SOCK_RX_OFFSET(i) + SOCK_RING_BYTES)
#define SOCK_REGION_BYTES   SOCK_RX_OFFSET(SOCK_MAX_SOCKETS)
_Static_assert(SOCK_REGION_BYTES / 4096 <= 512, "the region is one frame object");

/* A UDP record's header in a ring (8 bytes, then len bytes of payload). */
struct sock_dgram {
    uint16_t len;
    uint16_t port;              /* host order: the sender (rx) or destination (tx) */
    uint32_t addr;              /* host order */
};
_Static_assert(sizeof(struct sock_dgram) == 8, "sockproto layout is ABI");

/* --- pure helpers (unit-tested: tests/unit/test_sockproto.c) --------------- */

/* True if x lies in [lo, hi] going forward from lo on free-running 32-bit
 * counters, i.e. x is a position between lo and hi. The server checks a
 * client's new tx_head in [old tx_head, tx_tail + ring size] and a new
 * rx_tail in [old rx_tail, rx_head]. */
static inline bool sock_index_ok(uint32_t lo, uint32_t x, uint32_t hi)
{
    return (uint32_t)(x - lo) <= (uint32_t)(hi - lo);
}

/* Bytes a UDP record of len payload bytes takes in a ring. */
static inline uint32_t sock_record_bytes(uint32_t len)
{
    return (uint32_t)sizeof(struct sock_dgram) + ((len + 7u) & ~7u);
}

/* Copies n bytes into a ring of size bytes (a power of two) at position
 * pos (a free-running counter), wrapping at its end. n <= size. */
static inline void sock_ring_put(uint8_t *ring, uint32_t size, uint32_t pos, const void *src, uint32_t n)
{
    uint32_t off = pos & (size - 1), first = size - off < n ? size - off : n;
    __builtin_memcpy(ring + off, src, first);
    __builtin_memcpy(ring, (const uint8_t *)src + first, n - first);
}

/* Copies n bytes out of a ring at position pos, wrapping. n <= size. */
static inline void sock_ring_get(const uint8_t *ring, uint32_t size, uint32_t pos, void *dst, uint32_t n)
{
    uint32_t off = pos & (size - 1), first = size - off < n ? size - off : n;
    __builtin_memcpy(dst, ring + off, first);
    __builtin_memcpy((uint8_t *)dst + first, ring, n - first);
}

/* Decodes the UDP record at tail of a tx ring holding avail bytes: true
 * with *h filled if a whole, well-formed record (len <= SOCK_DGRAM_MAX)
 * is there. */
static inline bool sock_record_peek(const uint8_t *ring, uint32_t size, uint32_t tail, uint32_t avail,
                                    struct sock_dgram *h)
{
    if (avail < sizeof *h || avail > size)
        return false;
    sock_ring_get(ring, size, tail, h, sizeof *h);
    return h->len <= SOCK_DGRAM_MAX && sock_record_bytes(h->len) <= avail;
}

#endif
