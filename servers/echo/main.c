/* echo: the TCP and UDP echo service on port 7 (RFC 862), and the example
 * of the socket API (servers/runtime/sock.h). Manifest line:
 *   service echo program=echo uses=net restart=on-failure
 * One loop waits on every socket at once with sock_poll. If the network
 * server restarts, the sockets fail (SOCK_POLL_ERR) and are made again. */
#include "runtime.h"
#include "sock.h"
#include "pvk/service.h"

#define PORT      7
#define MAX_CONNS 8
#define LISTENER  0     /* set[0]: the TCP listener, set[1]: the UDP socket, */
#define UDP       1     /* set[2..]: the TCP connections */

static struct sock_poll set[2 + MAX_CONNS];
static unsigned nset;
static char buf[16384];

static void drop(unsigned i)
{
    sock_close(set[i].s);
    set[i] = set[--nset];
}

/* (Re)makes the listener and the UDP socket, closing everything else. */
static void open_sockets(void)
{
    while (nset)
        drop(nset - 1);
    for (;;) {
        long l = sock_tcp_listen(SOCK_ANY, PORT, MAX_CONNS);
        long u = l >= 0 ? sock_udp_bind(SOCK_ANY, PORT) : l;
        if (u >= 0) {
            set[LISTENER] = (struct sock_poll){ .s = l, .events = SOCK_POLL_IN };
            set[UDP] = (struct sock_poll){ .s = u, .events = SOCK_POLL_IN };
            nset = 2;
            return;
        }
        printf("echo: cannot open port %d: error %ld; again in 1 s", PORT, u);
        if (l >= 0)
            sock_close(l);
        sys_sleep(sock_after_ms(1000));
    }
}

/* One TCP connection is ready: what it sent goes back; closed at the end
 * of its stream or on an error. */
static void echo_tcp(unsigned i)
{
    long n = sock_recv(set[i].s, buf, sizeof buf, SOCK_NOWAIT);
    if (n == SYS_EAGAIN)
        return;
    if (n <= 0 || sock_send_all(set[i].s, buf, (size_t)n, sock_after_ms(5000)) < 0)
        drop(i);
}

int main(uint64_t arg)
{
    (void)arg;
    long rc = sock_init(PVK_SLOT_USES(0));
    if (rc < 0) {
        printf("echo: no network server (error %ld)", rc);
        return 1;
    }
    open_sockets();
    printf("echo: TCP and UDP port %d", PORT);
    for (;;) {
        sock_poll(set, nset, SOCK_FOREVER);
        if ((set[LISTENER].revents | set[UDP].revents) & SOCK_POLL_ERR) {
            printf("echo: the network server restarted; opening port %d again", PORT);
            open_sockets();
            continue;
        }
        if (set[LISTENER].revents & SOCK_POLL_IN) {
            long c = sock_accept(set[LISTENER].s, NULL, NULL, SOCK_NOWAIT);
            if (c >= 0 && nset < 2 + MAX_CONNS)
                set[nset++] = (struct sock_poll){ .s = c, .events = SOCK_POLL_IN };
            else if (c >= 0)
                sock_close(c);      /* too many: refused */
        }
        if (set[UDP].revents & SOCK_POLL_IN) {
            uint32_t addr;
            uint16_t port;
            long n = sock_recvfrom(set[UDP].s, buf, sizeof buf, &addr, &port, SOCK_NOWAIT);
            if (n >= 0)
                sock_sendto(set[UDP].s, buf, n < (long)sizeof buf ? (size_t)n : sizeof buf, addr, port);
        }
        for (unsigned i = nset; i-- > 2;)
            if (set[i].revents)
                echo_tcp(i);
    }
}
