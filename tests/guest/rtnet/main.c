/* The runner's network test program (tests/runner, cases net-echo and
 * net-connect), through the network server (pvk-run --services net: its
 * endpoint is in PVK_SLOT_USES(0)):
 *   - by default a one-connection TCP echo service on port 7: it echoes
 *     what one client sends until the client closes, then exits 0;
 *   - with rtnet.connect=PORT on the kernel command line, a client: it
 *     connects to the host (10.0.2.2:PORT on QEMU's user network), sends a
 *     line, prints the answer it reads until the host closes, exits 0.
 * Any error exits with a status that says where it stopped. */
#include "bundle.h"
#include "cmdline.h"
#include "runtime.h"
#include "sock.h"
#include "pvk/service.h"

#define PORT 7

/* The client: connect, send, read the whole answer, close. */
static int connect_out(uint16_t port)
{
    long c = SOCK_ECONNREFUSED;
    /* Refused: the host's listener may not be up yet; a few more tries. */
    for (int tries = 0; tries < 20 && c == SOCK_ECONNREFUSED; tries++) {
        if (tries)
            sys_sleep(sock_after_ms(250));
        c = sock_tcp_connect(SOCK_IPV4(10, 0, 2, 2), port, sock_after_ms(20000));
    }
    if (c < 0) {
        printf("rtnet: connect to 10.0.2.2:%u: %ld\n", port, c);
        return 7;
    }
    static const char hello[] = "hello from rtnet\n";
    long rc = sock_send_all(c, hello, sizeof hello - 1, sock_after_ms(20000));
    if (rc < 0) {
        printf("rtnet: send: %ld\n", rc);
        return 8;
    }
    char answer[256];
    size_t got = 0;
    long n;
    while (got < sizeof answer - 1 && (n = sock_recv(c, answer + got, sizeof answer - 1 - got, sock_after_ms(20000))) > 0)
        got += (size_t)n;
    answer[got] = '\0';
    while (got > 0 && answer[got - 1] == '\n')
        answer[--got] = '\0';
    sock_close(c);
    printf("rtnet: the host answered \"%s\"\n", answer);
    return got ? 0 : 9;
}

int main(uint64_t arg)
{
    (void)arg;
    long rc = sock_init(PVK_SLOT_USES(0));
    if (rc < 0) {
        printf("rtnet: no network server (sock_init: %ld); was it run with --services net?\n", rc);
        return 2;
    }
    char line[RT_KERNEL_CMDLINE_SIZE];
    uint64_t port;
    if (rt_kernel_cmdline(line, sizeof line) && cmdline_get_u64(line, "rtnet.connect", &port)) {
        if (port == 0 || port > 65535) {
            printf("rtnet: rtnet.connect=%llu is not a port\n", (unsigned long long)port);
            return 2;
        }
        return connect_out((uint16_t)port);
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
