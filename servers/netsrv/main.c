/* netsrv: the network server. lwIP 2.1 (servers/net/lwip, NO_SYS) on the
 * first network card (net0, through pvdrivers/client/netclient.h), driven
 * by one loop in one thread, serving the socket protocol of
 * pvk/sockproto.h to its clients (servers/runtime/sock.h). Started by init
 * from the manifest: caps=devmgr (the device manager, slot 5),
 * caps=bootinfo (ip= on the command line, see addr.c), provides=net (the
 * service endpoint, PVK_SLOT_PROVIDED). See servers/net/README.md.
 *
 *   - The loop: net0's notification is bound to the thread, so one
 *     receive on the service endpoint (with lwIP's next timeout as the
 *     deadline) wakes for a client call and for the driver alike
 *     (LABEL_NOTIFY). Each iteration takes the frames that are there (no
 *     waiting), runs lwIP's timers, then answers at most one call.
 *   - The netif: frames from net0 are copied into lwIP pbufs and fed to
 *     ethernet_input; lwIP's output is copied into a netclient buffer and
 *     sent. Checksums are lwIP's (no offload used).
 *   - A network-driver restart: netclient reports PVK_EPEER_RESTARTED once
 *     and reconnects on the next call (with a new notification, bound
 *     again); lwIP's state (PCBs, ARP, lease) is kept, frames lost in
 *     flight are retransmitted by their senders. */
#include "runtime.h"
#include "netclient.h"
#include "netsrv.h"
#include "csum.h"
#include "pvk/devinfo.h"
#include "pvk/service.h"

#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#define REGION_VA          0x0000000200000000ull  /* netclient keeps [va, va + 2 GiB) */
#define RX_BUFFERS         128u     /* lent to the driver for receiving */
#define RX_BATCH           64u      /* frames handled per loop iteration, at most */
#define MAX_WAIT_MS        100u     /* longest sleep: the fallback deadline is checked at least this often */
#define ERROR_PAUSE_MS     50u      /* after a netclient error other than a restart */
#define ETH_MIN_FRAME      60u      /* without FCS; lwIP's ARP input relies on it */
#define NET0_FIND_MS       3000u    /* how long a missing net0 may still be being found */

static struct net_client client;
static struct netif net0;
static unsigned rx_dropped;          /* frames lwIP had no pbuf for */
static uint64_t bound_ntfn;          /* the netclient notification bound to the thread */

uint64_t now_ns(void)
{
    return (uint64_t)sys_time().ret;
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
    if (rc == SYS_EBUSY || rc == SYS_ETIMEOUT)
        return;
    printf("net: net0 %s: error %ld; retrying", during, rc);
    sys_sleep(now_ns() + ERROR_PAUSE_MS * NS_PER_MS);
}

/* --- the netif -------------------------------------------------------------- */

/* lwIP's output: the frame (a pbuf chain) copied into a netclient buffer,
 * padded to the Ethernet minimum, and queued; the main loop rings the
 * driver's doorbell once before it waits (tx_unkicked). ERR_MEM when no
 * buffer is free (lwIP's senders retry). */
static bool tx_unkicked;
static bool csum_offload;           /* net0 completes TCP checksums (NET_INFO_CSUM) */


/* Rings the driver's doorbell for what was queued (frames, lent buffers). */
static void flush_tx(void)
{
    if (tx_unkicked || client.unkicked)
        netc_kick(&client);
    tx_unkicked = false;
}
static err_t net0_linkoutput(struct netif *netif, struct pbuf *p)
{
    (void)netif;
    if (p->tot_len > NET_MAX_FRAME)
        return ERR_BUF;
    uint64_t off;
    if (!netc_buf_alloc(&client, &off)) {
        netc_kick(&client);             /* let the driver take what is queued */
        netc_reclaim(&client);
        if (!netc_buf_alloc(&client, &off))
            return ERR_MEM;             /* TCP retransmits */
    }
    uint8_t *frame = netc_buf(&client, off);
    uint32_t len = pbuf_copy_partial(p, frame, p->tot_len, 0);
    /* With offload, lwIP left TCP checksums 0 (NETIF_CHECKSUM_GEN_TCP off on
     * net0); the device completes them (csum.h). */
    uint32_t flags = csum_offload ? csum_tcp_offload(frame, len) : 0;
    if (len < ETH_MIN_FRAME) {
        memset(frame + len, 0, ETH_MIN_FRAME - len);
        len = ETH_MIN_FRAME;
    }
    if (!netc_queue_buf(&client, off, len, flags)) {
        netc_kick(&client);
        netc_reclaim(&client);
        if (!netc_queue_buf(&client, off, len, flags)) {
            netc_buf_free(&client, off);
            if (client.broken)
                client_error(client.why, "send");
            return ERR_MEM;
        }
    }
    tx_unkicked = true;
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
    csum_offload = (client.info & NET_INFO_CSUM) != 0;
    NETIF_SET_CHECKSUM_CTRL(netif, csum_offload ? NETIF_CHECKSUM_ENABLE_ALL & ~NETIF_CHECKSUM_GEN_TCP
                                                : NETIF_CHECKSUM_ENABLE_ALL);
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

/* --- the loop ----------------------------------------------------------------- */

/* The frames already received (RX_BATCH at most) into lwIP, without
 * waiting; how many. */
static unsigned receive_frames(void)
{
    unsigned i;
    for (i = 0; i < RX_BATCH; i++) {
        struct net_desc d;
        long rc = netc_recv_desc(&client, &d, 1);   /* a deadline already past: no wait */
        if (rc == SYS_ETIMEOUT)
            break;
        if (rc < 0) {
            client_error(rc, "receive");
            break;
        }
        /* Checksums the device verified are not summed again (lwIP runs
         * input synchronously, so the netif's flags hold for this frame). */
        uint32_t checks = NETIF_CHECKSUM_CHECK_TCP | NETIF_CHECKSUM_CHECK_UDP;
        if (d.flags & NET_DESC_F_DATA_VALID)
            net0.chksum_flags &= (u16_t)~checks;
        net0_input(netc_buf(&client, d.offset), d.len);
        net0.chksum_flags |= (u16_t)checks;
        netc_rx_release(&client, d.offset, true);
    }
    if (client.unkicked)
        netc_kick(&client);
    return i;
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

/* Keeps netclient's notification (new after each reconnect) bound to the
 * thread, so that its signals end the receive in the loop. */
static void bind_net0(void)
{
    if (client.dead || client.ntfn == bound_ntfn)
        return;
    if (sys_ntfn_bind(client.ntfn).ret == 0)
        bound_ntfn = client.ntfn;
}

static void start_lwip(void)
{
    uint64_t seed = now_ns();
    for (int i = 0; i < ETH_HWADDR_LEN; i++)
        seed = seed * 31 + client.mac[i];
    lwip_port_seed_random(seed);
    lwip_init();
    if (!netif_add(&net0, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4, NULL, net0_init, ethernet_input))
        rt_panic("net: netif_add failed");
    netif_set_default(&net0);
    netif_set_status_callback(&net0, addr_status_changed);
    netif_set_up(&net0);
    netif_set_link_up(&net0);
    printf("net: lwIP %s on net0, MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %u; asking DHCP", LWIP_VERSION_STRING,
           client.mac[0], client.mac[1], client.mac[2], client.mac[3], client.mac[4], client.mac[5], net0.mtu);
}

int main(uint64_t arg)
{
    addr_configure(arg);
    long rc = open_net0();
    if (rc == SYS_ENOENT) {
        printf("net: no network card (no net0); not running");
        return 0;
    }
    if (rc < 0) {
        printf("net: cannot open net0: error %ld", rc);
        return 1;
    }
    /* A restarted instance opens net0 with the same device-manager badge
     * as the dead one, so the driver replaces that opening and resets the
     * device without the buffers the dead instance had lent
     * (pvdrivers/net/main.c, NET_OPEN). */
    if (netc_post_rx(&client, RX_BUFFERS) == 0)
        rt_panic("net: no buffer could be lent for receiving");
    start_lwip();
    sessions_init();
    addr_start(&net0);

    int recv_slot = rt_slot_alloc();
    if (recv_slot < 0)
        rt_panic("net: no slot for received capabilities");
    uint32_t reconnects = client.reconnects;
    bool busy = false;                      /* the last iteration had a full batch: do not sleep */
    for (;;) {
        busy = receive_frames() == RX_BATCH;
        sys_check_timeouts();
        addr_poll();
        if (client.reconnects != reconnects) {
            reconnects = client.reconnects;
            printf("net: net0 reconnected (reconnect %u), %u buffers lent for receiving; %u frames dropped so far",
                   reconnects, client.rx_lent, rx_dropped);
        }
        if (!client.dead && client.rx_lent < RX_BUFFERS / 2)
            netc_post_rx(&client, RX_BUFFERS - client.rx_lent);
        netc_reclaim(&client);
        sessions_tick();
        bind_net0();

        u32_t wait_ms = sys_timeouts_sleeptime();
        if (wait_ms > MAX_WAIT_MS)
            wait_ms = MAX_WAIT_MS;
        /* Frames lwIP queued since the last doorbell go to the driver with
         * one: it runs at a higher priority, so a doorbell per frame would
         * cost two context switches per frame. The doorbell rings before
         * each wait and before each reply (a reply may run the caller
         * first, and its answer must not wait for that). */
        flush_tx();
        uint64_t deadline = busy ? 1 : now_ns() + (uint64_t)(wait_ms ? wait_ms : 1) * NS_PER_MS;
        if (client.dead)
            deadline = now_ns() + 10 * NS_PER_MS;   /* netclient reconnects on its next call */
        rt_ipc_buffer()->recv_slot = (uint64_t)recv_slot;
        struct msg m;
        rc = ipc_recv_until(PVK_SLOT_PROVIDED, deadline, &m);
        rt_ipc_buffer()->recv_slot = 0;
        if (rc == SYS_ETIMEOUT)
            continue;
        if (rc < 0)
            rt_panic("net: receive on the service endpoint failed: %ld (provides=net missing?)", rc);
        if (TAG_LABEL(m.tag) == LABEL_NOTIFY && m.badge == 0) {
            netc_notified(&client, m.mr[0]);
            continue;
        }
        uint64_t cap = 0;
        if (sys_cap_info((uint64_t)recv_slot).ret > 0) {
            cap = (uint64_t)recv_slot;
            recv_slot = rt_slot_alloc();    /* the handler owns the received capability */
            if (recv_slot < 0)
                rt_panic("net: out of slots");
        }
        sessions_handle(&m, cap);
        flush_tx();
        ipc_reply(&m);
        struct ipc_buffer *b = rt_ipc_buffer();
        if (b->send_cap) {                  /* the handler's copy for the reply */
            sys_cap_delete(b->send_cap);
            rt_slot_free((int)b->send_cap);
            b->send_cap = 0;
        }
    }
}
