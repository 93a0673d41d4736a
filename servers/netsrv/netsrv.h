/* netsrv's parts (see main.c for the whole): the loop and the netif
 * (main.c), addressing (addr.c: DHCP, ip= and the static fallback), the
 * socket sessions (sessions.c: the protocol of pvk/sockproto.h) and the
 * sockets themselves over lwIP's raw API (sockets.c). One thread: nothing
 * here takes locks. */
#ifndef NETSRV_H
#define NETSRV_H

#include <stdbool.h>
#include <stdint.h>

#include "pvk/sockproto.h"

struct netif;
struct tcp_pcb;
struct udp_pcb;
struct pbuf;

#define NS_PER_MS 1000000ull

uint64_t now_ns(void);

/* --- addr.c ------------------------------------------------------------------- */

/* The static fallback: from ip=A.B.C.D/PREFIX[:GATEWAY] on the kernel
 * command line (boot information in PVK_SLOT_BOOTINFO, manifest
 * caps=bootinfo) if present, else from main()'s argument (manifest arg=,
 * decimal AAABBBCCCDDDPPGGG). Call once before addr_start. */
void addr_configure(uint64_t arg);
/* Starts DHCP on the netif. */
void addr_start(struct netif *nif);
/* Every loop iteration: after DHCP_FALLBACK_MS without a lease, the
 * fallback (once). */
void addr_poll(void);
/* The status callback of the netif (logs the lease). */
void addr_status_changed(struct netif *nif);
/* The local address now, host order (0: none). */
uint32_t addr_local(void);

/* --- sessions.c / sockets.c ------------------------------------------------------ */

struct session;

/* One socket of a session (the server's private truth; the region's
 * sock_slot is its published copy). */
struct nsock {
    struct session *s;
    uint8_t index;
    uint8_t state;              /* enum sock_state */
    bool eof, shut_wanted, shut_done;
    bool nodelay;               /* Nagle off (a listener: for what it accepts) */
    int32_t error;              /* 0 or the error published with SOCK_F_ERR */
    struct tcp_pcb *tcp;
    struct udp_pcb *udp;
    struct pbuf *pending;       /* TCP: received, not yet in the rx ring */
    uint32_t rx_head, rx_tail, tx_head, tx_tail;
    uint32_t unacked_rx;        /* TCP: bytes the client consumed not yet given to tcp_recved */
    uint64_t linger_until;      /* CLOSING: aborted after this */
    /* A listener's accepted connections, oldest first; a pending one's listener. */
    uint8_t queue[SOCK_MAX_BACKLOG];
    uint8_t nqueue, backlog;
    int8_t listener;            /* PENDING: the listener's index */
    uint32_t peer_addr;
    uint16_t peer_port;
};

struct session {
    bool used;
    uint64_t badge;
    uint64_t token;
    uint64_t ntfn, region_slot;
    uint8_t *base;              /* the region, mapped here */
    struct sock_region *r;
    uint64_t signal_bits;       /* to signal at the end of the loop iteration */
    unsigned resets;            /* SOCK_RESET_PEER calls so far (at most SOCK_MAX_RESETS) */
    struct nsock sock[SOCK_MAX_SOCKETS];
};

/* sessions.c: handles one client message (not LABEL_NOTIFY); cap is a
 * capability received with it (0: none; the handler owns it). Fills *m
 * with the reply. */
struct msg;
void sessions_init(void);
void sessions_handle(struct msg *m, uint64_t cap);
/* After each loop iteration: pending signals sent, lingering closes
 * timed out, the local address published. */
void sessions_tick(void);
/* Marks socket ns for a signal to its client. */
void sock_mark(struct nsock *ns);
/* Publishes ns's private state into its sock_slot. */
void sock_publish(struct nsock *ns);
/* A free socket of s (state FREE, zeroed) or NULL. */
struct nsock *sock_alloc(struct session *s);
/* Back to FREE (pcbs already detached or freed). */
void sock_free(struct nsock *ns);

/* sockets.c: the operations behind the calls; each returns MR0. */
long op_listen(struct session *s, uint32_t addr, uint16_t port, unsigned backlog);
long op_accept(struct nsock *l, uint32_t *addr, uint16_t *port);
long op_connect(struct session *s, uint32_t addr, uint16_t port);
long op_udp_bind(struct session *s, uint32_t addr, uint16_t port);
long op_send(struct nsock *ns, uint32_t new_head);
long op_recvd(struct nsock *ns, uint32_t new_tail);
long op_shutdown(struct nsock *ns);
long op_nodelay(struct nsock *ns, bool on);
long op_close(struct nsock *ns);
/* SOCK_RESET_PEER: the probe (sockproto.h) from our address and lport to
 * addr:port (host order), at once or, without an address yet, once
 * resets_tick finds one (within 10 s). 0, or SYS_EBUSY (64 waiting). */
long op_reset_peer(uint16_t lport, uint32_t addr, uint16_t port);
/* Sends the waiting probes once net0 has an address; every loop pass. */
void resets_tick(void);
/* Ends a socket at once (session ending): connections aborted. */
void sock_abort(struct nsock *ns);
/* A CLOSING socket past its linger time: aborted and freed. */
void sock_linger_check(struct nsock *ns, uint64_t now);

static inline uint8_t *sock_rx_ring(struct nsock *ns)
{
    return ns->s->base + SOCK_RX_OFFSET(ns->index);
}
static inline uint8_t *sock_tx_ring(struct nsock *ns)
{
    return ns->s->base + SOCK_TX_OFFSET(ns->index);
}

#endif
