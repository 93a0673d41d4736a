/* libFuzzer harness for the network server's input path: lwIP 2.1 (built
 * for the fuzzer by fuzz.mk from the same sources and lwipopts.h as
 * servers/net/lwip) fed arbitrary Ethernet frames through ethernet_input,
 * on a netif with 10.0.2.15/24, a TCP listener on port 80 that echoes,
 * a UDP echo socket on port 7, and (mode bits) a DHCP client and an
 * outgoing TCP connection, so that ARP, IPv4 (and reassembly), ICMP, UDP,
 * TCP and DHCP replies are all reached. Output frames are read (every
 * byte, so ASan sees them) and discarded.
 *
 * Input: a mode byte, then frames, each a 2-byte big-endian length (taken
 * modulo 1515) and that many bytes. Mode bits: 0 recompute the IPv4, TCP,
 * UDP and ICMP checksums of every frame (so mutations get past them);
 * 1 set a TCP segment's sequence and acknowledgement numbers to what the
 * connection it belongs to expects (lwIP's random initial sequence
 * numbers are otherwise unguessable); 2 set a DHCP reply's xid to the
 * client's; 3 start the DHCP client; 4 open a TCP connection to
 * 10.0.2.2:8080. The fake clock moves 50 ms per frame; at the end 20 s
 * more (timers, reassembly timeouts), then everything is torn down so
 * the next input starts from the same state, and every memory pool must
 * be whole again (a leak is a failure). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "lwip/dhcp.h"
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/memp.h"
#include "lwip/priv/memp_priv.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "netif/etharp.h"
#include "netif/ethernet.h"

enum {
    MODE_CHECKSUMS = 1, MODE_TCP_SEQ = 2, MODE_DHCP_XID = 4, MODE_DHCP = 8, MODE_CONNECT = 16,
    FRAME_MAX = 1514, ETH = 14,
};

static const uint8_t our_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static u32_t now_ms = 1000;
static struct netif nif;
static unsigned frames_out, tcp_data_in, udp_in, accepted;

u32_t sys_now(void)
{
    return now_ms;
}

static void advance(u32_t ms, u32_t step)
{
    for (u32_t t = 0; t < ms; t += step) {
        now_ms += step;
        sys_check_timeouts();
    }
}

static err_t discard_output(struct netif *netif, struct pbuf *p)
{
    static uint8_t out[FRAME_MAX + 64];
    (void)netif;
    FUZZ_ASSERT(p->tot_len <= sizeof out);
    FUZZ_ASSERT(pbuf_copy_partial(p, out, p->tot_len, 0) == p->tot_len);
    frames_out++;
    return ERR_OK;
}

static err_t nif_init(struct netif *netif)
{
    netif->name[0] = 'f';
    netif->name[1] = 'z';
    netif->mtu = 1500;
    netif->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(netif->hwaddr, our_mac, sizeof our_mac);
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    netif->output = etharp_output;
    netif->linkoutput = discard_output;
    return ERR_OK;
}

/* The servers: TCP echoes (up to 64 bytes of each segment), UDP echoes. */
static err_t tcp_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)err;
    if (p == NULL) {
        if (tcp_close(pcb) != ERR_OK) {
            tcp_abort(pcb);
            return ERR_ABRT;
        }
        return ERR_OK;
    }
    uint8_t echo[64];
    tcp_data_in++;
    u16_t n = pbuf_copy_partial(p, echo, sizeof echo, 0);
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    if (n > 0 && tcp_write(pcb, echo, n, TCP_WRITE_FLAG_COPY) == ERR_OK)
        tcp_output(pcb);
    return ERR_OK;
}

static err_t tcp_accept_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || pcb == NULL)
        return ERR_VAL;
    tcp_recv(pcb, tcp_recv_cb);
    accepted++;
    return ERR_OK;
}

static void udp_recv_cb(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    (void)arg;
    udp_in++;
    udp_sendto(pcb, p, addr, port);
    pbuf_free(p);
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }

static uint32_t sum_bytes(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += get16(p + i);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* The connection a TCP segment from the peer belongs to (not listeners):
 * by both ports, else by the remote port alone (our side of an outgoing
 * connection has a random port: the caller then rewrites the segment's). */
static struct tcp_pcb *find_pcb(uint16_t remote_port, uint16_t local_port)
{
    struct tcp_pcb *by_remote = NULL;
    unsigned k = 0;
    for (struct tcp_pcb *pcb = tcp_active_pcbs; pcb && k < 1000; pcb = pcb->next, k++) {
        if (pcb->remote_port == remote_port && pcb->local_port == local_port)
            return pcb;
        if (pcb->remote_port == remote_port && !by_remote)
            by_remote = pcb;
    }
    return by_remote;
}

/* Applies the mode's fixes to an IPv4 frame f[0, n) in place. */
static void fix_frame(uint8_t *f, size_t n, unsigned mode)
{
    if (n < ETH + 20 || get16(f + 12) != 0x0800)
        return;
    uint8_t *ip = f + ETH;
    size_t ihl = (size_t)(ip[0] & 15) * 4, tot = get16(ip + 2);
    if (ihl < 20 || ihl > n - ETH)
        return;
    if (tot > n - ETH || tot < ihl)
        tot = n - ETH;
    uint8_t *l4 = ip + ihl;
    size_t l4n = tot - ihl;
    bool whole = (get16(ip + 6) & 0x3fff) == 0; /* not a fragment */
    uint8_t proto = ip[9];
    if (whole && proto == 6 && l4n >= 20 && (mode & MODE_TCP_SEQ)) {
        struct tcp_pcb *pcb = find_pcb(get16(l4), get16(l4 + 2));
        if (pcb) {
            put16(l4 + 2, pcb->local_port);
            put32(l4 + 4, pcb->rcv_nxt);
            put32(l4 + 8, pcb->snd_nxt);
        }
    }
    if (whole && proto == 17 && l4n >= 8 + 8 && get16(l4 + 2) == 68 && (mode & MODE_DHCP_XID)) {
        struct dhcp *d = netif_dhcp_data(&nif);
        if (d)
            put32(l4 + 8 + 4, d->xid);
    }
    if (!(mode & MODE_CHECKSUMS))
        return;
    put16(ip + 10, 0);
    put16(ip + 10, fold(sum_bytes(0, ip, ihl)));
    if (!whole)
        return;
    size_t csum_at = proto == 6 ? 16 : proto == 17 ? 6 : proto == 1 ? 2 : 0;
    if (csum_at == 0 || l4n < csum_at + 2)
        return;
    put16(l4 + csum_at, 0);
    uint32_t sum = 0;
    if (proto != 1) { /* the pseudo-header */
        sum = sum_bytes(sum, ip + 12, 8);
        sum += proto + (uint32_t)l4n;
    }
    uint16_t c = fold(sum_bytes(sum, l4, l4n));
    if (proto == 17 && c == 0)
        c = 0xffff;
    put16(l4 + csum_at, c);
}

static void inject(const uint8_t *frame, size_t len)
{
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
    if (p == NULL)
        return;
    if (len > 0)
        FUZZ_ASSERT(pbuf_take(p, frame, (u16_t)len) == ERR_OK);
    if (nif.input(p, &nif) != ERR_OK)
        pbuf_free(p);
}

/* After the teardown every memory pool is whole again (lwIP's cyclic
 * timers keep theirs): anything missing leaked while the input ran. */
static void check_pools(void)
{
    for (unsigned i = 0; i < MEMP_MAX; i++) {
        if (i == MEMP_SYS_TIMEOUT)
            continue;
        const struct memp_desc *d = memp_pools[i];
        unsigned free_count = 0;
        for (struct memp *m = *d->tab; m && free_count <= d->num; m = m->next)
            free_count++;
        if (free_count != d->num) {
            fprintf(stderr, "netinput: pool %u: %u of %u elements free after the teardown\n", i,
                    free_count, (unsigned)d->num);
            FUZZ_ASSERT(free_count == d->num);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        lwip_init();
        ready = true;
    }
    if (size < 1)
        return 0;
    unsigned mode = data[0];
    ip4_addr_t ip, mask, gw;
    IP4_ADDR(&ip, 10, 0, 2, 15);
    IP4_ADDR(&mask, 255, 255, 255, 0);
    IP4_ADDR(&gw, 10, 0, 2, 2);
    FUZZ_ASSERT(netif_add(&nif, &ip, &mask, &gw, NULL, nif_init, ethernet_input) != NULL);
    netif_set_default(&nif);
    netif_set_up(&nif);
    netif_set_link_up(&nif);

    struct tcp_pcb *listener = tcp_new();
    FUZZ_ASSERT(listener && tcp_bind(listener, IP_ADDR_ANY, 80) == ERR_OK);
    listener = tcp_listen(listener);
    FUZZ_ASSERT(listener != NULL);
    tcp_accept(listener, tcp_accept_cb);
    struct udp_pcb *echo = udp_new();
    FUZZ_ASSERT(echo && udp_bind(echo, IP_ADDR_ANY, 7) == ERR_OK);
    udp_recv(echo, udp_recv_cb, NULL);
    if (mode & MODE_DHCP)
        FUZZ_ASSERT(dhcp_start(&nif) == ERR_OK);
    if (mode & MODE_CONNECT) {
        struct tcp_pcb *c = tcp_new();
        ip_addr_t peer = IPADDR4_INIT_BYTES(10, 0, 2, 2);
        FUZZ_ASSERT(c != NULL);
        tcp_recv(c, tcp_recv_cb);
        if (tcp_connect(c, &peer, 8080, NULL) != ERR_OK)
            tcp_abort(c);
    }

    static uint8_t frame[FRAME_MAX];
    size_t off = 1;
    while (off + 2 <= size) {
        size_t len = get16(data + off) % (FRAME_MAX + 1);
        off += 2;
        if (len > size - off)
            len = size - off;
        memcpy(frame, data + off, len);
        off += len;
        fix_frame(frame, len, mode);
        inject(frame, len);
        advance(50, 50);
    }
    if (fuzz_verbose()) {
        struct dhcp *d = netif_dhcp_data(&nif);
        fprintf(stderr, "netinput: mode %#x: %u frames out, %u accepted, %u TCP data, %u UDP, "
                "DHCP state %d, address %08x\n", mode, frames_out, accepted, tcp_data_in, udp_in,
                d ? (int)d->state : -1, (unsigned)lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(&nif))));
    }
    frames_out = accepted = tcp_data_in = udp_in = 0;
    advance(20000, 250);

    /* Back to the starting state. */
    dhcp_release_and_stop(&nif);
    dhcp_cleanup(&nif);
    for (unsigned k = 0; tcp_active_pcbs && k < 1000; k++)
        tcp_abort(tcp_active_pcbs);
    for (unsigned k = 0; tcp_tw_pcbs && k < 1000; k++)
        tcp_abort(tcp_tw_pcbs);
    FUZZ_ASSERT(tcp_active_pcbs == NULL && tcp_tw_pcbs == NULL);
    tcp_close(listener);
    udp_remove(echo);
    netif_remove(&nif);
    check_pools();
    return 0;
}
