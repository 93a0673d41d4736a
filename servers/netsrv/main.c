/* netsrv: the network server. lwIP 2.1 (servers/net/lwip, NO_SYS) on the
 * first network card (net0, through pvdrivers/client/netclient.h), driven
 * by one loop in one thread. Started by init from the manifest (caps=devmgr:
 * the device manager in slot 5). See servers/net/README.md.
 *
 *   - The netif: frames from net0 are copied into lwIP pbufs and fed to
 *     ethernet_input; lwIP's output is copied into a netclient buffer and
 *     sent. Checksums are lwIP's (no offload used).
 *   - Addressing: DHCP; without a lease after DHCP_FALLBACK_MS, the static
 *     fallback from main()'s argument (manifest arg=, see static_fallback
 *     below), if any.
 *   - A network-driver restart: netclient reports PVK_EPEER_RESTARTED once
 *     and reconnects on the next call; lwIP's state (PCBs, ARP, lease) is
 *     kept, frames lost in flight are retransmitted by their senders.
 *   - The built-in diagnostic echo (until the socket API exists): TCP and
 *     UDP port 7, lwIP's raw API, whatever arrives goes back. */
#include "runtime.h"
#include "netclient.h"
#include "pvk/devinfo.h"
#include "pvk/service.h"

#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "netif/ethernet.h"

#define NS_PER_MS          1000000ull
#define REGION_VA          0x0000000200000000ull  /* netclient keeps [va, va + 2 GiB) */
#define RX_BUFFERS         128u     /* lent to the driver for receiving */
#define RX_BATCH           64u      /* frames handled per loop iteration, at most */
#define MAX_WAIT_MS        100u     /* longest sleep: the fallback deadline is checked at least this often */
#define ERROR_PAUSE_MS     50u      /* after a netclient error other than a restart */
#define DHCP_FALLBACK_MS   3000u
#define ETH_MIN_FRAME      60u      /* without FCS; lwIP's ARP input relies on it */
#define ECHO_PORT          7
#define NET0_FIND_MS       3000u    /* how long a missing net0 may still be being found */

static struct net_client client;
static struct netif net0;
static uint64_t dhcp_started_ns;
static bool address_reported;       /* the lease or the fallback was logged */
static uint64_t static_fallback;    /* main()'s argument; 0: none */
static unsigned rx_dropped;          /* frames lwIP had no pbuf for */

static uint64_t now_ns(void)
{
    return (uint64_t)sys_time().ret;
}

static unsigned prefix_length(const ip4_addr_t *mask)
{
    uint32_t m = lwip_ntohl(ip4_addr_get_u32(mask));
    unsigned n = 0;
    while (m & 0x80000000u) {
        n++;
        m <<= 1;
    }
    return n;
}

/* A netclient call failed with rc: a restart is logged (the library reports
 * it once and reconnects on the next call); other errors pause the loop a
 * little so that a device that cannot be reopened is not hammered. */
static void client_error(long rc, const char *during)
{
    if (rc == PVK_EPEER_RESTARTED) {
        printf("net: the net0 driver restarted (%s); reconnecting, lwIP state kept", during);
        return;
    }
    if (rc == SYS_EBUSY)
        return;
    printf("net: net0 %s: error %ld; retrying", during, rc);
    sys_sleep(now_ns() + ERROR_PAUSE_MS * NS_PER_MS);
}

/* --- the netif -------------------------------------------------------------- */

/* lwIP's output: the frame (a pbuf chain) copied out, padded to the Ethernet
 * minimum, and sent. ERR_MEM when no buffer is free (lwIP's senders retry). */
static err_t net0_linkoutput(struct netif *netif, struct pbuf *p)
{
    (void)netif;
    static uint8_t frame[NET_MAX_FRAME];
    if (p->tot_len > sizeof frame)
        return ERR_BUF;
    uint32_t len = pbuf_copy_partial(p, frame, p->tot_len, 0);
    if (len < ETH_MIN_FRAME) {
        memset(frame + len, 0, ETH_MIN_FRAME - len);
        len = ETH_MIN_FRAME;
    }
    long rc = netc_send(&client, frame, len, 0);
    if (rc == SYS_EBUSY) {
        netc_reclaim(&client);
        rc = netc_send(&client, frame, len, 0);
    }
    if (rc < 0) {
        if (rc != SYS_EBUSY)
            client_error(rc, "send");
        return ERR_MEM;
    }
    return ERR_OK;
}

static err_t net0_init(struct netif *netif)
{
    netif->name[0] = 'e';
    netif->name[1] = 'n';
    netif->output = etharp_output;
    netif->linkoutput = net0_linkoutput;
    netif->mtu = NET_MTU;
    netif->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(netif->hwaddr, client.mac, ETH_HWADDR_LEN);
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    return ERR_OK;
}

/* One received frame into lwIP: copied into a PBUF_POOL chain, runts
 * padded with zeros to 60 bytes (lwIP 2.1 does not check an ARP packet's
 * length). The caller gives the netclient buffer back. */
static void net0_input(const uint8_t *frame, uint32_t len)
{
    if (len < SIZEOF_ETH_HDR || len > NET_MAX_FRAME)
        return;
    uint16_t padded = (uint16_t)(len < ETH_MIN_FRAME ? ETH_MIN_FRAME : len);
    struct pbuf *p = pbuf_alloc(PBUF_RAW, padded, PBUF_POOL);
    if (!p) {
        rx_dropped++;
        return;
    }
    pbuf_take(p, frame, (u16_t)len);
    if (padded > len) {
        static const uint8_t zeros[ETH_MIN_FRAME];
        pbuf_take_at(p, zeros, (u16_t)(padded - len), (u16_t)len);
    }
    if (net0.input(p, &net0) != ERR_OK)
        pbuf_free(p);
}

/* --- addressing: DHCP, then the static fallback ------------------------------ */

static void log_address(bool leased)
{
    char addr[16], gw[16];
    ip4addr_ntoa_r(netif_ip4_addr(&net0), addr, sizeof addr);
    ip4addr_ntoa_r(netif_ip4_gw(&net0), gw, sizeof gw);
    unsigned ms = (unsigned)((now_ns() - dhcp_started_ns) / NS_PER_MS);
    if (!leased)
        printf("net: no DHCP answer in %u ms; static %s/%u gateway %s", ms, addr, prefix_length(netif_ip4_netmask(&net0)),
               gw);
    else
        printf("net: DHCP lease %s/%u gateway %s (in %u ms)", addr, prefix_length(netif_ip4_netmask(&net0)), gw, ms);
}

/* Called by lwIP when the address changes (DHCP bound, renewed, lost). */
static void net0_status_changed(struct netif *netif)
{
    if (!address_reported && dhcp_supplied_address(netif)) {
        address_reported = true;
        log_address(true);
    }
}

/* The static fallback, from main()'s argument (manifest arg=, decimal digits
 * AAABBBCCCDDDPPGGG): address AAA.BBB.CCC.DDD, prefix length PP, gateway
 * AAA.BBB.CCC.GGG (GGG 0: none). 0: no fallback. E.g. 10.0.2.15/24 with
 * gateway 10.0.2.2 is 1000000201524002. False if the value is malformed. */
static bool decode_fallback(uint64_t v, ip4_addr_t *addr, ip4_addr_t *mask, ip4_addr_t *gw)
{
    unsigned gw_last = (unsigned)(v % 1000), prefix = (unsigned)(v / 1000 % 100);
    uint64_t a = v / 100000;
    unsigned octet[4];
    for (int i = 3; i >= 0; i--, a /= 1000)
        octet[i] = (unsigned)(a % 1000);
    if (a != 0 || prefix < 1 || prefix > 30 || gw_last > 255)
        return false;
    for (int i = 0; i < 4; i++)
        if (octet[i] > 255)
            return false;
    IP4_ADDR(addr, octet[0], octet[1], octet[2], octet[3]);
    ip4_addr_set_u32(mask, lwip_htonl(0xffffffffu << (32 - prefix)));
    if (gw_last)
        IP4_ADDR(gw, octet[0], octet[1], octet[2], gw_last);
    else
        ip4_addr_set_zero(gw);
    return true;
}

/* After DHCP_FALLBACK_MS without a lease: DHCP stops and the fallback (if
 * any) is set. Called every loop iteration; does something once. */
static void check_dhcp_fallback(void)
{
    if (address_reported || now_ns() - dhcp_started_ns < DHCP_FALLBACK_MS * NS_PER_MS)
        return;
    address_reported = true;
    ip4_addr_t addr, mask, gw;
    if (!static_fallback) {
        printf("net: no DHCP answer in %u ms and no static fallback; still asking", DHCP_FALLBACK_MS);
        address_reported = false;
        dhcp_started_ns = now_ns();         /* say it again in DHCP_FALLBACK_MS */
        return;
    }
    if (!decode_fallback(static_fallback, &addr, &mask, &gw)) {
        printf("net: bad static fallback %llu (arg=); still asking DHCP", (unsigned long long)static_fallback);
        static_fallback = 0;
        address_reported = false;
        dhcp_started_ns = now_ns();
        return;
    }
    dhcp_stop(&net0);
    netif_set_addr(&net0, &addr, &mask, &gw);
    log_address(false);
}

/* --- the diagnostic echo (TCP and UDP port 7) ---------------------------------- */

/* A TCP echo connection: what was received and not yet written back. The
 * window is opened (tcp_recved) only for what was written, so a client
 * that does not read stalls its own sending. */
struct echo_conn {
    struct tcp_pcb *pcb;
    struct pbuf *pending;
    bool closing;               /* the peer closed: close when pending is written */
};

static void echo_forget(struct echo_conn *ec)
{
    if (ec->pending)
        pbuf_free(ec->pending);
    free(ec);
}

/* Closes the connection; ERR_ABRT if it had to be aborted (then the caller,
 * inside a callback, must return ERR_ABRT). */
static err_t echo_close(struct echo_conn *ec)
{
    struct tcp_pcb *pcb = ec->pcb;
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
    echo_forget(ec);
    if (tcp_close(pcb) != ERR_OK) {
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    return ERR_OK;
}

/* Writes as much of pending as the send buffer takes. */
static err_t echo_push(struct echo_conn *ec)
{
    bool wrote = false;
    while (ec->pending && tcp_sndbuf(ec->pcb) > 0) {
        if (ec->pending->len == 0) {        /* an empty link: drop it, keep the rest */
            struct pbuf *rest = ec->pending->next;
            if (rest)
                pbuf_ref(rest);
            pbuf_free(ec->pending);
            ec->pending = rest;
            continue;
        }
        u16_t n = ec->pending->len;
        if (n > tcp_sndbuf(ec->pcb))
            n = tcp_sndbuf(ec->pcb);
        if (tcp_write(ec->pcb, ec->pending->payload, n, TCP_WRITE_FLAG_COPY) != ERR_OK)
            break;                  /* ERR_MEM: again when something is acknowledged */
        ec->pending = pbuf_free_header(ec->pending, n);
        tcp_recved(ec->pcb, n);
        wrote = true;
    }
    if (wrote)
        tcp_output(ec->pcb);
    if (!ec->pending && ec->closing)
        return echo_close(ec);
    return ERR_OK;
}

static err_t echo_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct echo_conn *ec = arg;
    (void)pcb;
    if (!p) {                       /* the peer closed its side */
        ec->closing = true;
        return echo_push(ec);
    }
    if (err != ERR_OK) {
        pbuf_free(p);
        return err;
    }
    if (ec->pending)
        pbuf_cat(ec->pending, p);
    else
        ec->pending = p;
    return echo_push(ec);
}

static err_t echo_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)pcb;
    (void)len;
    return echo_push(arg);
}

/* The connection is gone (reset, or aborted by lwIP): pcb already freed. */
static void echo_error(void *arg, err_t err)
{
    (void)err;
    if (arg)
        echo_forget(arg);
}

static err_t echo_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    struct echo_conn *ec = calloc(1, sizeof *ec);
    if (!ec) {
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    ec->pcb = pcb;
    tcp_arg(pcb, ec);
    tcp_recv(pcb, echo_recv);
    tcp_sent(pcb, echo_sent);
    tcp_err(pcb, echo_error);
    return ERR_OK;
}

static void udp_echo_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    (void)arg;
    udp_sendto(pcb, p, addr, port);
    pbuf_free(p);
}

static void start_echo(void)
{
    struct tcp_pcb *t = tcp_new();
    if (!t || tcp_bind(t, IP_ANY_TYPE, ECHO_PORT) != ERR_OK)
        rt_panic("net: cannot bind the TCP echo to port %d", ECHO_PORT);
    struct tcp_pcb *l = tcp_listen_with_backlog(t, 8);
    if (!l)
        rt_panic("net: cannot listen on TCP port %d", ECHO_PORT);
    tcp_accept(l, echo_accept);
    struct udp_pcb *u = udp_new();
    if (!u || udp_bind(u, IP_ANY_TYPE, ECHO_PORT) != ERR_OK)
        rt_panic("net: cannot bind the UDP echo to port %d", ECHO_PORT);
    udp_recv(u, udp_echo_recv, NULL);
}

/* --- the loop ----------------------------------------------------------------- */

/* Frames from net0 into lwIP until the deadline (ns) or RX_BATCH frames. */
static void receive_frames(uint64_t deadline)
{
    for (unsigned i = 0; i < RX_BATCH; i++) {
        struct net_desc d;
        long rc = netc_recv_desc(&client, &d, deadline);
        if (rc == SYS_ETIMEOUT)
            return;
        if (rc < 0) {
            client_error(rc, "receive");
            return;
        }
        net0_input(netc_buf(&client, d.offset), d.len);
        netc_rx_release(&client, d.offset, true);
        deadline = 1;               /* the rest of the batch: only what is already there */
    }
}

/* Opens net0. The device manager may still be finding its devices when
 * this starts: SYS_ENOENT is believed only after NET0_FIND_MS. */
static long open_net0(void)
{
    uint64_t give_up = now_ns() + NET0_FIND_MS * NS_PER_MS;
    for (;;) {
        long rc = netc_open(&client, PVK_SLOT_DEVMGR_CLIENT, 0, REGION_VA);
        if (rc != SYS_ENOENT || now_ns() >= give_up)
            return rc;
        sys_sleep(now_ns() + 100 * NS_PER_MS);
    }
}

int main(uint64_t arg)
{
    static_fallback = arg;
    long rc = open_net0();
    if (rc == SYS_ENOENT) {
        printf("net: no network card (no net0); not running");
        return 0;
    }
    if (rc < 0) {
        printf("net: cannot open net0: error %ld", rc);
        return 1;
    }
    if (netc_post_rx(&client, RX_BUFFERS) == 0)
        rt_panic("net: no buffer could be lent for receiving");
    uint64_t seed = now_ns();
    for (int i = 0; i < ETH_HWADDR_LEN; i++)
        seed = seed * 31 + client.mac[i];
    lwip_port_seed_random(seed);

    lwip_init();
    if (!netif_add(&net0, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4, NULL, net0_init, ethernet_input))
        rt_panic("net: netif_add failed");
    netif_set_default(&net0);
    netif_set_status_callback(&net0, net0_status_changed);
    netif_set_up(&net0);
    netif_set_link_up(&net0);
    printf("net: lwIP %s on net0, MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %u; asking DHCP", LWIP_VERSION_STRING,
           client.mac[0], client.mac[1], client.mac[2], client.mac[3], client.mac[4], client.mac[5], net0.mtu);
    start_echo();
    dhcp_started_ns = now_ns();
    if (dhcp_start(&net0) != ERR_OK)
        printf("net: dhcp_start failed");

    uint32_t reconnects = client.reconnects;
    for (;;) {
        u32_t wait_ms = sys_timeouts_sleeptime();
        if (wait_ms > MAX_WAIT_MS)
            wait_ms = MAX_WAIT_MS;
        receive_frames(now_ns() + (uint64_t)(wait_ms ? wait_ms : 1) * NS_PER_MS);
        sys_check_timeouts();
        check_dhcp_fallback();
        if (client.reconnects != reconnects) {
            reconnects = client.reconnects;
            printf("net: net0 reconnected (reconnect %u), %u buffers lent for receiving; %u frames dropped so far",
                   reconnects, client.rx_lent, rx_dropped);
        }
        if (!client.dead && client.rx_lent < RX_BUFFERS / 2)
            netc_post_rx(&client, RX_BUFFERS - client.rx_lent);
    }
}
