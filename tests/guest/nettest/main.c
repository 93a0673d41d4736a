/* nettest: the virtio-net driver and its client library, end to end (run
 * by init with run=nettest: slot 3 = platform, slot 5 = the device
 * manager). Needs a network device on QEMU's user network (10.0.2.0/24,
 * gateway 10.0.2.2, this guest 10.0.2.15):
 *   opens net0 and reports its MAC and link; checks that the driver hands
 *   back bad descriptors (offset outside the region, length beyond a
 *   buffer, bad checksum positions) marked as errors and lives on; sends
 *   an ARP request for the gateway and checks the reply; pings the gateway
 *   (checksums by the client, then left to the driver or the device) and
 *   checks the echo replies; restarts the driver under the open client:
 *   PVK_EPEER_RESTARTED reported once, reconnected, ARP and ping again.
 * Reports each test as a TAP line (runtime/tap.h): "ok N - name" /
 * "not ok N - name" then "# name: why"; then the plan "1..N",
 * "nettest: N passed, M failed", and powers off with 0 only if all passed. */
#include "runtime.h"
#include "netclient.h"
#include "tap.h"
#include "pvk/devinfo.h"
#include "pvk/service.h"

#define SLOT_PLATFORM 3
#define REGION_VA 0x0000000200000000ull
#define MS 1000000ull

static struct net_client nc;
static unsigned passed, failed;
static char why[200];
static const uint8_t my_ip[4] = { 10, 0, 2, 15 }, gw_ip[4] = { 10, 0, 2, 2 };
static uint8_t gw_mac[6];
static bool have_gw;

static uint64_t now(void) { return (uint64_t)sys_time().ret; }

static bool fail(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));
static bool fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return false;
}

static void run(const char *name, bool (*fn)(void))
{
    why[0] = '\0';
    if (tap_ok(fn(), "%s", name)) {
        passed++;
    } else {
        failed++;
        tap_diag("%s: %s", name, why[0] ? why : "no reason");
    }
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

static uint16_t inet_csum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += be16(p + i);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* --- tests -------------------------------------------------------------------- */

static bool t_open(void)
{
    long rc = netc_open(&nc, PVK_SLOT_DEVMGR_CLIENT, 0, REGION_VA);
    if (rc < 0)
        return fail("netc_open(net0): error %ld", rc);
    printf("nettest: net0 MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %u, link %s%s%s", nc.mac[0], nc.mac[1], nc.mac[2],
           nc.mac[3], nc.mac[4], nc.mac[5], nc.mtu, nc.info & NET_INFO_LINK_UP ? "up" : "down",
           nc.info & NET_INFO_CSUM ? ", checksum offload" : "", nc.info & NET_INFO_MRG_RXBUF ? ", mergeable rx" : "");
    if (nc.mtu != NET_MTU)
        return fail("MTU %u", nc.mtu);
    if (nc.mac[0] & 1)
        return fail("multicast MAC");
    return true;
}

static bool t_link(void)
{
    long s = netc_status(&nc);
    if (s < 0)
        return fail("NET_STATUS: error %ld", s);
    return (s & NET_INFO_LINK_UP) ? true : fail("link down (status %#lx)", s);
}

/* Waits for n descriptors from the rx (rx) or tx_done ring. */
static unsigned collect(bool rx, struct net_desc *out, unsigned n, uint64_t deadline)
{
    unsigned got = 0;
    for (;;) {
        while (got < n && (rx ? netc_raw_rx(&nc, &out[got]) : netc_raw_tx_done(&nc, &out[got])))
            got++;
        if (got == n)
            return got;
        uint64_t bits;
        if (ntfn_wait(nc.ntfn, deadline, &bits) < 0) {
            while (got < n && (rx ? netc_raw_rx(&nc, &out[got]) : netc_raw_tx_done(&nc, &out[got])))
                got++;
            return got;
        }
    }
}

static bool t_bad_rx(void)
{
    uint64_t off;
    if (!netc_buf_alloc(&nc, &off))
        return fail("no buffer");
    const struct net_desc bad[] = {
        { nc.region_size, NET_BUF_SIZE, 0 },             /* outside the region */
        { 0, NET_BUF_SIZE, 0 },                          /* on the rings */
        { off, NET_BUF_SIZE + 1, 0 },                    /* longer than a buffer */
        { nc.region_size - 1024, 2048, 0 },              /* runs past the end */
        { ~0ull - 100, 200, 0 },                         /* wraps around */
    };
    const unsigned n = sizeof bad / sizeof bad[0];
    for (unsigned i = 0; i < n; i++)
        if (!netc_raw_rx_free(&nc, &bad[i]))
            return fail("rx_free ring full");
    struct net_desc got[8];
    unsigned k = collect(true, got, n, now() + 5000 * MS);
    netc_buf_free(&nc, off);
    if (k != n)
        return fail("%u of %u bad rx_free descriptors came back", k, n);
    for (unsigned i = 0; i < n; i++)
        if (!(got[i].flags & NET_DESC_F_ERROR) || got[i].len != 0 || got[i].offset != bad[i].offset)
            return fail("entry %u: offset %#llx len %u flags %#x", i, (unsigned long long)got[i].offset, got[i].len,
                        got[i].flags);
    return true;
}

static bool t_bad_tx(void)
{
    uint64_t off;
    if (!netc_buf_alloc(&nc, &off))
        return fail("no buffer");
    memset(netc_buf(&nc, off), 0xff, 64);
    const struct net_desc bad[] = {
        { nc.region_size + 4096, 60, 0 },                /* outside the region */
        { 64, 60, 0 },                                   /* on the rings */
        { off, NET_BUF_SIZE + 1, 0 },                    /* longer than a buffer */
        { off, 4096, 0 },
        { nc.region_size - 100, 200, 0 },                /* runs past the end */
        { off, 0, 0 },                                   /* empty */
        { off, 60, NET_DESC_CSUM(200, 6) },              /* checksum start beyond the frame */
        { off, 60, NET_DESC_CSUM(20, 40) },              /* checksum field beyond the frame */
    };
    const unsigned n = sizeof bad / sizeof bad[0];
    for (unsigned i = 0; i < n; i++)
        if (!netc_raw_tx(&nc, &bad[i]))
            return fail("tx ring full");
    struct net_desc got[8];
    unsigned k = collect(false, got, n, now() + 5000 * MS);
    netc_buf_free(&nc, off);
    if (k != n)
        return fail("%u of %u bad tx descriptors came back", k, n);
    for (unsigned i = 0; i < n; i++)
        if (!(got[i].flags & NET_DESC_F_ERROR) || got[i].len != 0 || got[i].offset != bad[i].offset)
            return fail("entry %u: offset %#llx len %u flags %#x", i, (unsigned long long)got[i].offset, got[i].len,
                        got[i].flags);
    long s = netc_status(&nc);
    if (s < 0)
        return fail("the driver does not answer after bad descriptors: error %ld", s);
    return true;
}

static bool t_post_rx(void)
{
    unsigned n = netc_post_rx(&nc, 128);
    return n == 128 ? true : fail("lent %u of 128 buffers", n);
}

static bool t_arp(void)
{
    uint8_t f[60] = { 0 };
    memset(f, 0xff, 6);
    memcpy(f + 6, nc.mac, 6);
    put16(f + 12, 0x0806);
    put16(f + 14, 1);           /* Ethernet */
    put16(f + 16, 0x0800);      /* IPv4 */
    f[18] = 6;
    f[19] = 4;
    put16(f + 20, 1);           /* request */
    memcpy(f + 22, nc.mac, 6);
    memcpy(f + 28, my_ip, 4);
    memcpy(f + 38, gw_ip, 4);
    uint64_t deadline = now() + 10000 * MS;
    for (unsigned attempt = 0; attempt < 3; attempt++) {
        long rc = netc_send(&nc, f, sizeof f, 0);
        if (rc < 0)
            return fail("send: error %ld", rc);
        uint64_t until = now() + 3000 * MS;
        if (until > deadline)
            until = deadline;
        uint8_t r[NET_BUF_SIZE];
        long n;
        unsigned others = 0;
        while ((n = netc_recv(&nc, r, sizeof r, until)) >= 0) {
            if (n >= 42 && be16(r + 12) == 0x0806 && be16(r + 20) == 2 && !memcmp(r + 28, gw_ip, 4) &&
                !memcmp(r + 38, my_ip, 4)) {
                if (memcmp(r, nc.mac, 6) || memcmp(r + 32, nc.mac, 6))
                    return fail("ARP reply not addressed to our MAC");
                memcpy(gw_mac, r + 22, 6);
                have_gw = true;
                printf("nettest: ARP: 10.0.2.2 is at %02x:%02x:%02x:%02x:%02x:%02x (%u other frames seen)", gw_mac[0],
                       gw_mac[1], gw_mac[2], gw_mac[3], gw_mac[4], gw_mac[5], others);
                return true;
            }
            others++;
        }
        if (n != SYS_ETIMEOUT)
            return fail("receive: error %ld", n);
    }
    return fail("no ARP reply from 10.0.2.2 in 10 s (%u buffers refused)", nc.errors);
}

#define ECHO_LEN (14 + 20 + 8 + 56)

/* An echo request to the gateway into f (ECHO_LEN bytes); returns the
 * descriptor flags (offload: the ICMP checksum left to the driver/device). */
static uint32_t build_echo(uint8_t *f, uint16_t seq, bool offload)
{
    memcpy(f, gw_mac, 6);
    memcpy(f + 6, nc.mac, 6);
    put16(f + 12, 0x0800);
    uint8_t *ip = f + 14, *icmp = ip + 20;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, ECHO_LEN - 14);
    put16(ip + 4, seq);
    ip[8] = 64;
    ip[9] = 1;
    memcpy(ip + 12, my_ip, 4);
    memcpy(ip + 16, gw_ip, 4);
    put16(ip + 10, inet_csum(ip, 20));
    icmp[0] = 8;
    icmp[1] = 0;
    put16(icmp + 2, 0);
    put16(icmp + 4, 0x7e57);
    put16(icmp + 6, seq);
    for (unsigned i = 0; i < 56; i++)
        icmp[8 + i] = (uint8_t)(i * 7 + seq);
    if (offload)
        return NET_DESC_CSUM(34, 2);        /* ICMP: no pseudo-header, the field starts at 0 */
    put16(icmp + 2, inet_csum(icmp, 8 + 56));
    return 0;
}

/* Is r (n bytes) a valid echo reply from the gateway? Its sequence number
 * in *seq; false (why set) if it is one but broken, or (why empty) if it
 * is something else. */
static bool is_reply(const uint8_t *r, long n, uint16_t *seq)
{
    const uint8_t *rip = r + 14, *ric = r + 34;
    why[0] = '\0';
    if (n < ECHO_LEN || be16(r + 12) != 0x0800 || rip[9] != 1 || memcmp(rip + 12, gw_ip, 4) ||
        memcmp(rip + 16, my_ip, 4) || (rip[0] & 0xf) != 5 || ric[0] != 0 || be16(ric + 4) != 0x7e57)
        return false;
    *seq = be16(ric + 6);
    if (memcmp(r, nc.mac, 6))
        return fail("echo reply not addressed to our MAC");
    if (inet_csum(rip, 20) != 0)
        return fail("bad IP header checksum in the reply");
    uint16_t ilen = (uint16_t)(be16(rip + 2) - 20);
    if (ilen != 8 + 56 || inet_csum(ric, ilen) != 0)
        return fail("bad ICMP length %u or checksum in the reply", ilen);
    for (unsigned i = 0; i < 56; i++)
        if (ric[8 + i] != (uint8_t)(i * 7 + *seq))
            return fail("echo payload differs");
    return true;
}

/* One echo request; offload: leave the ICMP checksum to the driver/device. */
static bool ping(uint16_t seq, bool offload)
{
    if (!have_gw)
        return fail("no gateway MAC (ARP failed)");
    uint8_t f[ECHO_LEN];
    uint32_t flags = build_echo(f, seq, offload);
    uint64_t deadline = now() + 10000 * MS;
    for (unsigned attempt = 0; attempt < 3; attempt++) {
        long rc = netc_send(&nc, f, sizeof f, flags);
        if (rc < 0)
            return fail("send: error %ld", rc);
        uint64_t until = now() + 3000 * MS;
        if (until > deadline)
            until = deadline;
        uint8_t r[NET_BUF_SIZE];
        long n;
        while ((n = netc_recv(&nc, r, sizeof r, until)) >= 0) {
            uint16_t got;
            if (is_reply(r, n, &got) && got == seq)
                return true;
            if (why[0])
                return false;
        }
        if (n != SYS_ETIMEOUT)
            return fail("receive: error %ld", n);
    }
    return fail("no echo reply from 10.0.2.2 in 10 s");
}

static bool t_ping(void) { return ping(1, false); }
static bool t_ping_offload(void) { return ping(2, true); }

/* Many frames per doorbell: BURST echo requests queued in batches of 50
 * with one doorbell each (the rings wrap), every reply counted. */
#define BURST 300
static bool t_burst(void)
{
    if (!have_gw)
        return fail("no gateway MAC (ARP failed)");
    static bool seen[BURST];
    uint64_t t0 = now();
    for (unsigned i = 0; i < BURST; i++) {
        uint64_t off;
        netc_reclaim(&nc);
        if (!netc_buf_alloc(&nc, &off))
            return fail("out of buffers at request %u", i);
        uint32_t flags = build_echo(netc_buf(&nc, off), (uint16_t)(1000 + i), i & 1);
        uint64_t bits, until = now() + 3000 * MS;
        while (!netc_queue_buf(&nc, off, ECHO_LEN, flags)) {    /* NET_RING_SIZE out: wait for some back */
            netc_kick(&nc);
            if (ntfn_wait(nc.ntfn, until, &bits) < 0 && !netc_reclaim(&nc))
                return fail("no transmit buffer came back in 3 s at request %u", i);
        }
        if (i % 50 == 49 || i == BURST - 1)
            netc_kick(&nc);
    }
    unsigned replies = 0;
    uint64_t deadline = now() + 15000 * MS;
    uint8_t r[NET_BUF_SIZE];
    long n;
    while (replies < BURST && (n = netc_recv(&nc, r, sizeof r, deadline)) >= 0) {
        uint16_t seq;
        if (is_reply(r, n, &seq)) {
            if (seq >= 1000 && seq < 1000 + BURST && !seen[seq - 1000]) {
                seen[seq - 1000] = true;
                replies++;
            }
        } else if (why[0]) {
            return false;
        }
    }
    printf("nettest: burst: %u echo requests in batches of 50, %u replies in %llu ms", BURST, replies,
           (unsigned long long)((now() - t0) / MS));
    /* QEMU's user network may drop a few under load; most must come back. */
    return replies >= BURST * 9 / 10 ? true : fail("%u of %u replies", replies, BURST);
}

static bool t_alive(void)
{
    long s = netc_status(&nc);
    if (s < 0)
        return fail("NET_STATUS: error %ld", s);
    /* Sent buffers come back (a reply may arrive before its request's
     * completion). */
    uint64_t deadline = now() + 3000 * MS, bits;
    while (netc_reclaim(&nc), nc.tx_inflight && ntfn_wait(nc.ntfn, deadline, &bits) >= 0)
        ;
    netc_reclaim(&nc);
    if (nc.tx_inflight)
        return fail("%u frames never came back from the driver in 3 s", nc.tx_inflight);
    return true;
}

/* The driver restarted under an open client: the next receive reports
 * PVK_EPEER_RESTARTED once, the call after it reconnects to the new
 * instance, a buffer the client held keeps its contents, and the tests
 * after this one (ARP, ping) run on the new instance. */
static bool t_restart(void)
{
    uint64_t held;
    if (!netc_buf_alloc(&nc, &held))
        return fail("no buffer");
    memset(netc_buf(&nc, held), 0x5a, NET_BUF_SIZE);
    uint32_t gen0 = nc.gen, r0 = nc.reconnects;
    struct msg m = { .tag = TAG(DEVMGR_RESTART, 2, 0), .mr = { 1, 0 } };
    long rc = ipc_call(PVK_SLOT_DEVMGR_CLIENT, &m);
    if (rc < 0 || m.mr[0] != 0)
        return fail("DEVMGR_RESTART: rc %ld, MR0 %ld", rc, (long)m.mr[0]);
    uint8_t r[NET_BUF_SIZE];
    long n;
    unsigned frames = 0;
    while ((n = netc_recv(&nc, r, sizeof r, now() + 3000 * MS)) >= 0)
        frames++;               /* frames the old instance had delivered */
    if (n != PVK_EPEER_RESTARTED)
        return fail("receive after the restart: %ld (after %u frames), expected PVK_EPEER_RESTARTED", n, frames);
    if (!nc.broken || nc.why != PVK_EPEER_RESTARTED)
        return fail("broken %d, why %ld after the report", nc.broken, nc.why);
    long s = netc_status(&nc);  /* reconnects */
    if (s < 0)
        return fail("NET_STATUS after the restart: error %ld", s);
    if (nc.reconnects != r0 + 1 || nc.broken || (gen0 && nc.gen == gen0))
        return fail("reconnects %u, broken %d, generation %u -> %u", nc.reconnects, nc.broken, gen0, nc.gen);
    for (unsigned i = 0; i < NET_BUF_SIZE; i++)
        if (((uint8_t *)netc_buf(&nc, held))[i] != 0x5a)
            return fail("the held buffer lost its contents at byte %u", i);
    netc_buf_free(&nc, held);
    printf("nettest: net0 restarted: generation %u -> %u, reconnected, %u rx buffers lent again", gen0, nc.gen,
           nc.rx_lent);
    return nc.rx_lent ? true : fail("no receive buffers lent to the new instance");
}

int main(uint64_t arg)
{
    (void)arg;
    printf("nettest: start");
    run("open", t_open);
    if (failed) {
        tap_done();
        printf("nettest: %u passed, %u failed", passed, failed);
        sys_poweroff(SLOT_PLATFORM, 1);
        return 1;
    }
    run("link", t_link);
    run("bad_rx_free", t_bad_rx);
    run("bad_tx", t_bad_tx);
    run("post_rx", t_post_rx);
    run("arp", t_arp);
    run("ping", t_ping);
    run("ping_csum_offload", t_ping_offload);
    run("burst", t_burst);
    run("alive", t_alive);
    run("restart", t_restart);
    run("arp_after_restart", t_arp);
    run("ping_after_restart", t_ping);
    tap_done();
    printf("nettest: %u passed, %u failed", passed, failed);
    sys_poweroff(SLOT_PLATFORM, failed ? 1 : 0);
    return failed ? 1 : 0;
}
