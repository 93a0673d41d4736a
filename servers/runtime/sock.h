/* The socket-like client API of the network server (servers/netsrv),
 * implemented in servers/runtime/sock.c over the protocol in
 * pvk/sockproto.h: calls over IPC to the server's endpoint (manifest
 * uses=net: PVK_SLOT_USES(i)), payload in a region shared with the server,
 * the client waiting on its own notification (the server never blocks on a
 * client and a client never waits inside the server).
 *
 *   sock_init(PVK_SLOT_USES(0));
 *   long l = sock_tcp_listen(SOCK_ANY, 8080, 16);
 *   long c = sock_accept(l, NULL, NULL, SOCK_FOREVER);
 *   long n = sock_recv(c, buf, sizeof buf, sock_after_ms(5000));
 *   sock_send_all(c, buf, n, SOCK_FOREVER);
 *   sock_close(c);
 *
 * Handles are small non-negative integers. Every call that can wait takes
 * a deadline: ns since boot (sys_time()), SOCK_NOWAIT (do not wait: return
 * SYS_EAGAIN if nothing is ready) or SOCK_FOREVER; a deadline that passes
 * while waiting gives SYS_ETIMEOUT. Errors are negative: SYS_E* (syscall.h)
 * and the SOCK_E* below. Single-threaded (one thread of a process uses it).
 *
 * The session's region is mapped at SOCK_CLIENT_VA (keep that 2 MiB free).
 * When the network server restarts, every socket made before answers
 * SOCK_ECONNRESET (sock_poll: ERR | HUP) until closed, within about 150 ms
 * even in a wait; new sockets go to the new server instance. The wire
 * protocol and the limits (32 sockets per process, 16 KiB rings) are in
 * pvk/sockproto.h and servers/net/README.md. */
#ifndef RT_SOCK_H
#define RT_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi.h"

#define SOCK_NOWAIT  1ull               /* a deadline already past */
#define SOCK_FOREVER UINT64_MAX
#define SOCK_ANY     0u                 /* any local address */
#define SOCK_CLIENT_VA 0x0000006000000000ull   /* where the session region is mapped */
#ifndef SYS_EAGAIN
#define SYS_EAGAIN   SYS_EBUSY          /* would wait (the kernel's "would block") */
#endif

/* IPv4 addresses and ports are in host byte order: 10.0.2.15 is
 * SOCK_IPV4(10, 0, 2, 15). */
#define SOCK_IPV4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

/* Errors of their own (beside SYS_E*): */
#define SOCK_ECONNRESET  (-80)  /* the peer reset the connection, or the network server restarted */
#define SOCK_ECONNREFUSED (-81) /* connect: refused */
#define SOCK_EADDRINUSE  (-82)  /* listen/bind: the port is taken */
#define SOCK_ENOTCONN    (-83)  /* not a connected TCP socket */
#define SOCK_EMSGSIZE    (-84)  /* a datagram too large */
#define SOCK_EUNREACH    (-85)  /* no route, or ARP/connect gave up */

/* Connects to the network server through the endpoint capability in slot
 * ep_slot (once per process, before any other call). 0 or an error. */
long sock_init(uint64_t ep_slot);

/* A deadline ms milliseconds from now. */
uint64_t sock_after_ms(uint64_t ms);

/* TCP. listen: a listening socket on addr:port (backlog connections wait
 * for accept). accept: the next connection (its handle), waiting until
 * deadline. connect: a connected socket, or SOCK_ECONNREFUSED,
 * SOCK_EUNREACH, SYS_ETIMEOUT. */
long sock_tcp_listen(uint32_t addr, uint16_t port, unsigned backlog);
long sock_accept(long listener, uint32_t *peer_addr, uint16_t *peer_port, uint64_t deadline);
long sock_tcp_connect(uint32_t addr, uint16_t port, uint64_t deadline);

/* send: queues up to len bytes (at least 1 unless an error comes), waiting
 * until deadline for room; the count queued. send_all: all len bytes (or
 * the error; *sent may say how many went before it when not NULL).
 * recv: up to cap bytes, waiting until deadline for at least one; 0 at the
 * end of the stream (the peer closed its side). */
long sock_send(long s, const void *buf, size_t len, uint64_t deadline);
long sock_send_all(long s, const void *buf, size_t len, uint64_t deadline);
long sock_recv(long s, void *buf, size_t cap, uint64_t deadline);
/* Ends our sending side (FIN) after what is queued; receiving goes on. */
long sock_shutdown_send(long s);
/* Nagle's algorithm (on by default: small sends wait while data is
 * unacknowledged, so they leave in fewer, fuller segments) off with
 * on = true, like TCP_NODELAY: every send goes out at once. Set on a
 * listener, it holds for the connections it accepts. A server that sends
 * a response in several pieces (header, then body) should turn Nagle off
 * (on = true) or, better, send the response in one sock_send_all. */
long sock_tcp_nodelay(long s, bool on);

/* UDP. bind: a socket on addr:port (port 0: any free one). sendto: one
 * datagram. recvfrom: one datagram (cut at cap; its full length is
 * returned), waiting until deadline. */
long sock_udp_bind(uint32_t addr, uint16_t port);
long sock_sendto(long s, const void *buf, size_t len, uint32_t addr, uint16_t port);
long sock_recvfrom(long s, void *buf, size_t cap, uint32_t *from_addr, uint16_t *from_port, uint64_t deadline);

/* Closes a socket of any kind (TCP: an orderly FIN after queued data; the
 * handle is free at once). */
long sock_close(long s);

/* Waiting on many sockets: for each entry, events is what to wait for,
 * revents what is ready. Returns the number of entries with revents != 0
 * (0 at the deadline), or an error. SOCK_POLL_IN: data, the end of the
 * stream, or (listener) a connection to accept; SOCK_POLL_OUT: room to
 * send; SOCK_POLL_ERR/HUP are reported whatever events says. */
#define SOCK_POLL_IN  1u
#define SOCK_POLL_OUT 2u
#define SOCK_POLL_ERR 4u
#define SOCK_POLL_HUP 8u
struct sock_poll {
    long s;
    uint16_t events, revents;
};
long sock_poll(struct sock_poll *set, unsigned n, uint64_t deadline);

/* The local address (from DHCP or the static fallback; 0: none yet). */
long sock_local_addr(uint32_t *addr);

#endif
