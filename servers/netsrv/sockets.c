/* netsrv's sockets over lwIP's raw API: the operations behind the calls
 * (sessions.c has checked the call's arguments) and lwIP's callbacks,
 * which move bytes between lwIP and the session region's rings.
 *
 *   TCP receive: lwIP's pbufs are queued on the socket (pending) and
 *   copied into the rx ring as it has room; the window is opened
 *   (tcp_recved) only for what the client consumed (SOCK_RECVD), so a
 *   connection holds at most TCP_WND bytes here, whatever the client does.
 *   TCP send: SOCK_SEND moves the client's tx_head; the bytes are copied
 *   into lwIP (tcp_write with COPY) as its send buffer has room, and again
 *   whenever data is acknowledged (sent callback) or every second (poll).
 *   Nagle's algorithm is on unless the client turns it off (SOCK_NODELAY,
 *   on a connection or on a listener for the connections it accepts).
 *   UDP: whole datagrams as records (pvk/sockproto.h) in both rings.
 *   Close: a TCP socket goes CLOSING; what is queued is sent, then FIN;
 *   after CLOSE_LINGER_MS it is aborted whatever its state. */
#include "runtime.h"
#include "netsrv.h"

#include "lwip/inet_chksum.h"
#include "lwip/ip4.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/prot/ip.h"
#include "lwip/prot/tcp.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

#define RING            SOCK_RING_BYTES
#define CLOSE_LINGER_MS 10000u
#define UDP_RX_MAX      (RING / 2)          /* a received datagram larger than this is dropped */

/* pending exists only while the rx ring is full, so it holds at most
 * TCP_WND - RING bytes: within a pbuf chain's 16-bit tot_len. */
_Static_assert(TCP_WND - RING < 0xffff, "a socket's pending chain fits a pbuf's tot_len");

/* An lwIP error as the protocol's error code. */
static long map_err(err_t e)
{
    switch (e) {
    case ERR_OK:
        return 0;
    case ERR_MEM:
    case ERR_BUF:
        return SYS_ENOMEM;
    case ERR_USE:
        return SOCKP_EADDRINUSE;
    case ERR_RTE:
        return SOCKP_EUNREACH;
    case ERR_TIMEOUT:
        return SYS_ETIMEOUT;
    case ERR_CLSD:
    case ERR_CONN:
        return SOCKP_ENOTCONN;
    case ERR_VAL:
    case ERR_ARG:
        return SYS_EINVAL;
    default:
        return SOCKP_ECONNRESET;    /* ERR_RST, ERR_ABRT and the rest */
    }
}

static void set_addr(ip_addr_t *a, uint32_t host_order)
{
    ip_addr_set_ip4_u32(a, lwip_htonl(host_order));
}

/* Copies n bytes of p (from offset off) into ring at pos, wrapping. */
static void ring_put_pbuf(uint8_t *ring, uint32_t pos, struct pbuf *p, uint16_t off, uint32_t n)
{
    uint32_t at = pos & (RING - 1), first = RING - at < n ? RING - at : n;
    pbuf_copy_partial(p, ring + at, (u16_t)first, off);
    if (n > first)
        pbuf_copy_partial(p, ring, (u16_t)(n - first), (u16_t)(off + first));
}

/* No more callbacks into a socket from pcb. */
static void detach_tcp(struct tcp_pcb *pcb)
{
    tcp_arg(pcb, NULL);
    if (pcb->state == LISTEN) {
        tcp_accept(pcb, NULL);
        return;
    }
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
    tcp_poll(pcb, NULL, 0);
}

static void drop_pending(struct nsock *ns)
{
    if (ns->pending)
        pbuf_free(ns->pending);
    ns->pending = NULL;
}

/* --- TCP: rings <-> lwIP ---------------------------------------------------------- */

/* Moves pending received bytes into the rx ring as far as it has room. */
static void rx_fill(struct nsock *ns)
{
    for (unsigned guard = 0; ns->pending && guard < 64; guard++) {
        struct pbuf *p = ns->pending;
        uint32_t space = RING - (ns->rx_head - ns->rx_tail);
        uint32_t n = p->tot_len < space ? p->tot_len : space;
        if (p->tot_len == 0) {
            pbuf_free(p);
            ns->pending = NULL;
            break;
        }
        if (n == 0)
            break;
        ring_put_pbuf(sock_rx_ring(ns), ns->rx_head, p, 0, n);
        ns->rx_head += n;
        ns->pending = pbuf_free_header(p, (u16_t)n);
    }
}

/* The FIN (or, if lwIP cannot, a reset) and the socket freed; ERR_ABRT
 * if the pcb was aborted (a callback must then return it). */
static err_t finish_close(struct nsock *ns)
{
    struct tcp_pcb *pcb = ns->tcp;
    err_t e = ERR_OK;
    drop_pending(ns);
    if (pcb) {
        detach_tcp(pcb);
        if (tcp_close(pcb) != ERR_OK) {
            tcp_abort(pcb);
            e = ERR_ABRT;
        }
    }
    sock_free(ns);
    return e;
}

/* Hands the tx ring's bytes to lwIP as far as its send buffer has room;
 * then the FIN if one is wanted and everything went. A CLOSING socket
 * whose bytes all went is closed (and freed): the caller must not use ns
 * after this if it was CLOSING. ERR_ABRT if its pcb had to be aborted. */
static err_t tx_push(struct nsock *ns)
{
    struct tcp_pcb *pcb = ns->tcp;
    if (!pcb)
        return ERR_OK;
    bool wrote = false;
    for (unsigned guard = 0; ns->tx_tail != ns->tx_head && guard < 8; guard++) {
        uint32_t avail = ns->tx_head - ns->tx_tail, off = ns->tx_tail & (RING - 1);
        uint32_t n = avail < RING - off ? avail : RING - off;
        uint32_t room = tcp_sndbuf(pcb);
        if (n > room)
            n = room;
        if (n > 0xffffu)
            n = 0xffffu;
        if (n == 0)
            break;
        err_t e = tcp_write(pcb, sock_tx_ring(ns) + off, (u16_t)n,
                            TCP_WRITE_FLAG_COPY | (n < avail ? TCP_WRITE_FLAG_MORE : 0));
        if (e != ERR_OK)
            break;                  /* ERR_MEM: again when something is acknowledged, or at the poll */
        ns->tx_tail += n;
        wrote = true;
    }
    if (wrote)
        tcp_output(pcb);
    if (ns->tx_tail != ns->tx_head)
        return ERR_OK;
    if (ns->state == SOCK_ST_CLOSING)
        return finish_close(ns);
    if (ns->shut_wanted && !ns->shut_done) {
        ns->shut_done = true;
        tcp_shutdown(pcb, 0, 1);
    }
    return ERR_OK;
}

/* lwIP's receive callback: data queued and moved into the rx ring as far
 * as it has room, or the peer's FIN (EOF once the ring is drained).
 * CLOSING sockets and detached pcbs: discarded, the window opened. */
static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct nsock *ns = arg;
    if (!ns || ns->state == SOCK_ST_CLOSING) {     /* nobody reads any more: discarded */
        if (p) {
            tcp_recved(pcb, p->tot_len);
            pbuf_free(p);
        }
        return ERR_OK;
    }
    if (!p) {
        ns->eof = true;
    } else if (err != ERR_OK) {
        pbuf_free(p);
        return err;
    } else {
        if (ns->pending)
            pbuf_cat(ns->pending, p);
        else
            ns->pending = p;
        rx_fill(ns);
    }
    sock_publish(ns);
    sock_mark(ns);
    return ERR_OK;
}

/* Data was acknowledged: more of the tx ring goes to lwIP (a CLOSING
 * socket may finish closing here); the client is told there is room. */
static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)pcb;
    (void)len;
    struct nsock *ns = arg;
    if (!ns)
        return ERR_OK;
    bool closing = ns->state == SOCK_ST_CLOSING;
    err_t e = tx_push(ns);
    if (!closing) {
        sock_publish(ns);
        sock_mark(ns);
    }
    return e;
}

/* Every second: the same as an acknowledgement (a tcp_write that found
 * lwIP's memory full is tried again even if nothing is in flight). */
static err_t on_poll(void *arg, struct tcp_pcb *pcb)
{
    return on_sent(arg, pcb, 0);
}

/* The connection is gone (reset, or aborted by lwIP): pcb already freed. */
static void on_err(void *arg, err_t err)
{
    struct nsock *ns = arg;
    if (!ns)
        return;
    ns->tcp = NULL;
    drop_pending(ns);
    if (ns->state == SOCK_ST_CLOSING) {
        sock_free(ns);
        return;
    }
    if (ns->state == SOCK_ST_PENDING) {
        struct nsock *l = &ns->s->sock[ns->listener];
        uint8_t k = 0;
        for (uint8_t i = 0; i < l->nqueue; i++)
            if (l->queue[i] != ns->index)
                l->queue[k++] = l->queue[i];
        l->nqueue = k;
        sock_publish(l);
        sock_free(ns);
        return;
    }
    long e = map_err(err);
    if (ns->state == SOCK_ST_CONNECTING)
        e = err == ERR_RST ? SOCKP_ECONNREFUSED : SOCKP_EUNREACH;
    ns->error = (int32_t)e;
    sock_publish(ns);
    sock_mark(ns);
}

/* ns takes pcb: its callbacks, the poll every second, Nagle as asked. */
static void attach_tcp(struct nsock *ns, struct tcp_pcb *pcb)
{
    ns->tcp = pcb;
    tcp_arg(pcb, ns);
    tcp_recv(pcb, on_recv);
    tcp_sent(pcb, on_sent);
    tcp_err(pcb, on_err);
    tcp_poll(pcb, on_poll, 2);      /* every second (TCP_SLOW_INTERVAL 500 ms) */
    if (ns->nodelay)
        tcp_nagle_disable(pcb);
}

/* A new connection on listener arg: a PENDING socket of the same session
 * in the listener's queue, or a reset when the queue (backlog) is full or
 * the session has no socket free. */
static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct nsock *l = arg;
    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    struct nsock *ns = l && l->state == SOCK_ST_LISTEN && l->nqueue < l->backlog ? sock_alloc(l->s) : NULL;
    if (!ns) {
        tcp_abort(pcb);             /* backlog full or no socket free: the peer sees a reset */
        return ERR_ABRT;
    }
    ns->state = SOCK_ST_PENDING;
    ns->listener = (int8_t)l->index;
    ns->nodelay = l->nodelay;
    ns->peer_addr = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&pcb->remote_ip)));
    ns->peer_port = pcb->remote_port;
    attach_tcp(ns, pcb);
    l->queue[l->nqueue++] = ns->index;
    sock_publish(ns);
    sock_publish(l);
    sock_mark(l);
    return ERR_OK;
}

/* tcp_connect completed: CONNECTED, queued data goes out. */
static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)pcb;
    struct nsock *ns = arg;
    if (!ns)
        return ERR_OK;
    if (err == ERR_OK && ns->state == SOCK_ST_CONNECTING) {
        ns->state = SOCK_ST_CONNECTED;
        tx_push(ns);                /* not CLOSING: never aborts */
    }
    sock_publish(ns);
    sock_mark(ns);
    return ERR_OK;
}

/* --- UDP ------------------------------------------------------------------------------ */

/* A datagram for a UDP socket: one record in the rx ring, or dropped
 * (counted in the slot) when the ring has no room or it is too large. */
static void on_udp(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    (void)pcb;
    struct nsock *ns = arg;
    uint32_t len = p->tot_len, need = sock_record_bytes(len);
    if (!ns || ns->state != SOCK_ST_UDP || len > UDP_RX_MAX || need > RING - (ns->rx_head - ns->rx_tail)) {
        if (ns)
            ns->s->r->slot[ns->index].dropped++;
        pbuf_free(p);
        return;
    }
    struct sock_dgram h = { .len = (uint16_t)len, .port = port,
                            .addr = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(addr))) };
    sock_ring_put(sock_rx_ring(ns), RING, ns->rx_head, &h, sizeof h);
    ring_put_pbuf(sock_rx_ring(ns), ns->rx_head + sizeof h, p, 0, len);
    ns->rx_head += need;
    pbuf_free(p);
    sock_publish(ns);
    sock_mark(ns);
}

/* Sends the records between tx_tail and tx_head; the last one's result. A
 * malformed record ends it: the rest is dropped, SYS_EINVAL. */
static long udp_push(struct nsock *ns)
{
    long result = 0;
    for (unsigned guard = 0; ns->tx_tail != ns->tx_head && guard < RING / 8; guard++) {
        struct sock_dgram h;
        uint32_t avail = ns->tx_head - ns->tx_tail;
        if (!sock_record_peek(sock_tx_ring(ns), RING, ns->tx_tail, avail, &h)) {
            ns->tx_tail = ns->tx_head;
            return SYS_EINVAL;
        }
        struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, h.len, PBUF_RAM);
        if (!p) {
            result = SYS_ENOMEM;
        } else {
            sock_ring_get(sock_tx_ring(ns), RING, ns->tx_tail + sizeof h, p->payload, h.len);
            ip_addr_t to;
            set_addr(&to, h.addr);
            result = map_err(udp_sendto(ns->udp, p, &to, h.port));
            pbuf_free(p);
        }
        ns->tx_tail += sock_record_bytes(h.len);
    }
    return result;
}

/* --- the operations ---------------------------------------------------------------- */

/* The set-up of the operations that make a socket: a free socket of s, a
 * new pcb for it (in *tcp, or else in *udp) and addr as lwIP's address in
 * *a. The socket, or NULL (SYS_ENOMEM) when s has none free or lwIP no
 * pcb. */
static struct nsock *new_socket(struct session *s, struct tcp_pcb **tcp, struct udp_pcb **udp,
                                uint32_t addr, ip_addr_t *a)
{
    struct nsock *ns = sock_alloc(s);
    if (!ns)
        return NULL;
    if (tcp ? !(*tcp = tcp_new()) : !(*udp = udp_new()))
        return NULL;
    set_addr(a, addr);
    return ns;
}

long op_listen(struct session *s, uint32_t addr, uint16_t port, unsigned backlog)
{
    struct tcp_pcb *pcb;
    ip_addr_t a;
    struct nsock *ns = new_socket(s, &pcb, NULL, addr, &a);
    if (!ns)
        return SYS_ENOMEM;
    ip_set_option(pcb, SOF_REUSEADDR);
    err_t e = tcp_bind(pcb, addr ? &a : IP4_ADDR_ANY, port);
    struct tcp_pcb *lpcb = e == ERR_OK ? tcp_listen_with_backlog_and_err(pcb, (u8_t)backlog, &e) : NULL;
    if (!lpcb) {
        tcp_close(pcb);
        return e == ERR_OK ? SYS_ENOMEM : map_err(e);
    }
    ns->state = SOCK_ST_LISTEN;
    ns->backlog = (uint8_t)backlog;
    ns->tcp = lpcb;
    tcp_arg(lpcb, ns);
    tcp_accept(lpcb, on_accept);
    sock_publish(ns);
    return ns->index;
}

long op_accept(struct nsock *l, uint32_t *addr, uint16_t *port)
{
    if (l->nqueue == 0)
        return SYS_EBUSY;
    struct nsock *ns = &l->s->sock[l->queue[0]];
    for (uint8_t i = 1; i < l->nqueue; i++)
        l->queue[i - 1] = l->queue[i];
    l->nqueue--;
    sock_publish(l);
    ns->state = SOCK_ST_CONNECTED;
    ns->listener = -1;
    *addr = ns->peer_addr;
    *port = ns->peer_port;
    sock_publish(ns);
    return ns->index;
}

long op_connect(struct session *s, uint32_t addr, uint16_t port)
{
    struct tcp_pcb *pcb;
    ip_addr_t a;
    struct nsock *ns = new_socket(s, &pcb, NULL, addr, &a);
    if (!ns)
        return SYS_ENOMEM;
    ns->state = SOCK_ST_CONNECTING;
    attach_tcp(ns, pcb);
    err_t e = tcp_connect(pcb, &a, port, on_connected);
    if (e != ERR_OK) {
        detach_tcp(pcb);
        tcp_abort(pcb);
        sock_free(ns);
        return map_err(e);
    }
    ns->peer_addr = addr;
    ns->peer_port = port;
    sock_publish(ns);
    return ns->index;
}

long op_udp_bind(struct session *s, uint32_t addr, uint16_t port)
{
    struct udp_pcb *pcb;
    ip_addr_t a;
    struct nsock *ns = new_socket(s, NULL, &pcb, addr, &a);
    if (!ns)
        return SYS_ENOMEM;
    err_t e = udp_bind(pcb, addr ? &a : IP4_ADDR_ANY, port);
    if (e != ERR_OK) {
        udp_remove(pcb);
        return map_err(e);
    }
    ns->state = SOCK_ST_UDP;
    ns->udp = pcb;
    udp_recv(pcb, on_udp, ns);
    sock_publish(ns);
    return ns->index;
}

long op_send(struct nsock *ns, uint32_t new_head)
{
    if (!sock_index_ok(ns->tx_head, new_head, ns->tx_tail + RING))
        return SYS_EINVAL;
    ns->tx_head = new_head;
    long rc = 0;
    if (ns->state == SOCK_ST_UDP)
        rc = udp_push(ns);
    else if (ns->error)
        rc = ns->error;
    else
        tx_push(ns);
    sock_publish(ns);
    return rc;
}

long op_recvd(struct nsock *ns, uint32_t new_tail)
{
    if (!sock_index_ok(ns->rx_tail, new_tail, ns->rx_head))
        return SYS_EINVAL;
    uint32_t consumed = new_tail - ns->rx_tail;
    ns->rx_tail = new_tail;
    if (ns->state != SOCK_ST_UDP && ns->tcp) {
        for (unsigned guard = 0; consumed && guard < 4; guard++) {
            u16_t n = consumed > 0xffffu ? 0xffffu : (u16_t)consumed;
            tcp_recved(ns->tcp, n);
            consumed -= n;
        }
        rx_fill(ns);
    }
    sock_publish(ns);
    return 0;
}

long op_nodelay(struct nsock *ns, bool on)
{
    ns->nodelay = on;
    if (ns->tcp && ns->state != SOCK_ST_LISTEN) {
        if (on)
            tcp_nagle_disable(ns->tcp);
        else
            tcp_nagle_enable(ns->tcp);
    }
    return 0;
}

long op_shutdown(struct nsock *ns)
{
    if (ns->error)
        return ns->error;
    ns->shut_wanted = true;
    tx_push(ns);
    return 0;
}

long op_close(struct nsock *ns)
{
    if (ns->state == SOCK_ST_CONNECTED && ns->tcp) {
        ns->state = SOCK_ST_CLOSING;
        ns->linger_until = now_ns() + CLOSE_LINGER_MS * NS_PER_MS;
        /* What was received and never read is let go (the window opened
         * for it), so that lwIP closes with a FIN, not a reset. */
        uint32_t unread = (ns->rx_head - ns->rx_tail) + (ns->pending ? ns->pending->tot_len : 0);
        for (unsigned guard = 0; unread && guard < 4; guard++) {
            u16_t n = unread > 0xffffu ? 0xffffu : (u16_t)unread;
            tcp_recved(ns->tcp, n);
            unread -= n;
        }
        drop_pending(ns);
        sock_publish(ns);
        tx_push(ns);                /* closes now if nothing is queued */
        return 0;
    }
    sock_abort(ns);
    return 0;
}

void sock_abort(struct nsock *ns)
{
    if (ns->state == SOCK_ST_LISTEN) {
        for (uint8_t i = 0; i < ns->nqueue; i++) {
            struct nsock *c = &ns->s->sock[ns->queue[i]];
            c->state = SOCK_ST_CONNECTED;     /* no longer in a queue */
            sock_abort(c);
        }
        ns->nqueue = 0;
    }
    if (ns->tcp) {
        struct tcp_pcb *pcb = ns->tcp;
        detach_tcp(pcb);
        if (pcb->state == LISTEN)
            tcp_close(pcb);
        else
            tcp_abort(pcb);
    }
    if (ns->udp)
        udp_remove(ns->udp);
    if (ns->state == SOCK_ST_PENDING && ns->listener >= 0) {
        struct nsock *l = &ns->s->sock[ns->listener];
        uint8_t k = 0;
        for (uint8_t i = 0; i < l->nqueue; i++)
            if (l->queue[i] != ns->index)
                l->queue[k++] = l->queue[i];
        l->nqueue = k;
    }
    drop_pending(ns);
    sock_free(ns);
}

void sock_linger_check(struct nsock *ns, uint64_t now)
{
    if (ns->state == SOCK_ST_CLOSING && now >= ns->linger_until)
        sock_abort(ns);
}

/* SOCK_RESET_PEER requests wait here until net0 has an address (a new
 * instance is asked right after it starts, before DHCP has answered);
 * each is sent once then, or dropped after RESET_WAIT_NS. */
#define RESET_PENDING_MAX 64u
#define RESET_WAIT_NS     (10ull * 1000000000ull)
struct pending_reset {
    uint16_t lport, port;
    uint32_t addr;
    uint64_t until;
};
static struct pending_reset resets[RESET_PENDING_MAX];
static unsigned nresets;

/* The probe itself (see sockproto.h, SOCK_RESET_PEER). */
static void send_reset_probe(struct netif *nif, uint16_t lport, uint32_t addr, uint16_t port)
{
    struct pbuf *p = pbuf_alloc(PBUF_IP, TCP_HLEN, PBUF_RAM);
    if (!p)
        return;
    struct tcp_hdr *h = (struct tcp_hdr *)p->payload;
    memset(h, 0, TCP_HLEN);
    h->src = lwip_htons(lport);
    h->dest = lwip_htons(port);
    /* Random numbers: almost surely outside the peer's window, which is
     * what makes it answer with an ACK carrying its own numbers. */
    h->seqno = lwip_htonl(LWIP_RAND());
    h->ackno = lwip_htonl(LWIP_RAND());
    TCPH_HDRLEN_FLAGS_SET(h, 5, TCP_ACK);
    h->wnd = PP_HTONS(TCP_MSS);
    ip4_addr_t dst;
    ip4_addr_set_u32(&dst, lwip_htonl(addr));
    h->chksum = ip_chksum_pseudo(p, IP_PROTO_TCP, p->tot_len, netif_ip_addr4(nif), (const ip_addr_t *)&dst);
    ip4_output_if(p, netif_ip4_addr(nif), &dst, TCP_TTL, 0, IP_PROTO_TCP, nif);   /* ARP queues it if need be */
    pbuf_free(p);
}

long op_reset_peer(uint16_t lport, uint32_t addr, uint16_t port)
{
    if (nresets == RESET_PENDING_MAX)
        return SYS_EBUSY;
    resets[nresets++] = (struct pending_reset){ lport, port, addr, (uint64_t)sys_time().ret + RESET_WAIT_NS };
    resets_tick();
    return 0;
}

void resets_tick(void)
{
    struct netif *nif = netif_default;
    bool ready = nif && !ip4_addr_isany_val(*netif_ip4_addr(nif));
    uint64_t now = (uint64_t)sys_time().ret;
    unsigned kept = 0;
    for (unsigned i = 0; i < nresets; i++) {
        if (ready)
            send_reset_probe(nif, resets[i].lport, resets[i].addr, resets[i].port);
        else if (now < resets[i].until)
            resets[kept++] = resets[i];
    }
    nresets = kept;
}
