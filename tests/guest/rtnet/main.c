/* The runner's network test program (tests/runner, case net-echo): a
 * one-connection TCP echo service on port 7 through the network server
 * (pvk-run --services net: its endpoint is in PVK_SLOT_USES(0)). It echoes
 * what one client sends until the client closes, then exits 0; any error
 * exits with a status that says where it stopped. */
#include "runtime.h"
#include "sock.h"
#include "pvk/service.h"

#define PORT 7

int main(uint64_t arg)
{
    (void)arg;
    long rc = sock_init(PVK_SLOT_USES(0));
    if (rc < 0) {
        printf("rtnet: no network server (sock_init: %ld); was it run with --services net?\n", rc);
        return 2;
    }
    long l = sock_tcp_listen(SOCK_ANY, PORT, 1);
    if (l < 0) {
        printf("rtnet: listen on port %d: %ld\n", PORT, l);
        return 3;
    }
    printf("rtnet: listening on port %d\n", PORT);
    long c = sock_accept(l, NULL, NULL, sock_after_ms(60000));
    if (c < 0) {
        printf("rtnet: accept: %ld\n", c);
        return 4;
    }
    char buf[512];
    long total = 0, n;
    while ((n = sock_recv(c, buf, sizeof buf, sock_after_ms(20000))) > 0) {
        if ((rc = sock_send_all(c, buf, (size_t)n, sock_after_ms(20000))) < 0) {
            printf("rtnet: send: %ld\n", rc);
            return 5;
        }
        total += n;
    }
    if (n < 0) {
        printf("rtnet: recv: %ld\n", n);
        return 6;
    }
    sock_close(c);
    printf("rtnet: echoed %ld bytes; the client closed\n", total);
    return 0;
}
