/* The lwIP port (servers/net/lwip), on the host: one lwIP netif
 * (10.0.2.15/24, gateway 10.0.2.2) whose link output captures frames. The
 * tests inject hand-built Ethernet frames through netif->input and check
 * the frames lwIP sends back, byte by byte, with checksums computed here
 * (not by lwIP). Timers run on a fake clock (sys_now below). */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "netif/etharp.h"
#include "netif/ethernet.h"

#include "suites.h"

enum {
    FR_MAX = 1600,           /* one captured frame, bytes */
    FR_CAPTURE = 32,         /* frames kept per test */
    FR_ETH = 14,             /* Ethernet header */
    FR_IP = 20,              /* IPv4 header without options */
    FR_L4 = FR_ETH + FR_IP,  /* where the transport header starts */
    FR_TCP = 20,             /* TCP header without options */
    TYPE_IPV4 = 0x0800,
    TYPE_ARP = 0x0806,
    PROTO_ICMP = 1,
    PROTO_TCP = 6,
    PROTO_UDP = 17,
    TCP_FIN_ = 0x01, TCP_SYN_ = 0x02, TCP_RST_ = 0x04, TCP_PSH_ = 0x08, TCP_ACK_ = 0x10,
};

#define OUR_IP   0x0a00020fu  /* 10.0.2.15 */
#define PEER_IP  0x0a000202u  /* 10.0.2.2, the gateway */
#define OTHER_IP 0x0a000203u  /* 10.0.2.3, not in lwIP's ARP table */

static const uint8_t our_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t peer_mac[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
static const uint8_t other_mac[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x03};
static const uint8_t broadcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t zero_mac[6];

/* --- lwIP's clock and the capturing netif ------------------------------------ */

static u32_t fake_now_ms = 1000;

u32_t sys_now(void)
{
    return fake_now_ms;
}

/* Advances the fake clock by ms in 10 ms steps, running lwIP's timers. */
static void advance_ms(u32_t ms)
{
    for (u32_t t = 0; t < ms; t += 10) {
        fake_now_ms += 10;
        sys_check_timeouts();
    }
}

struct frame {
    uint8_t data[FR_MAX];
    size_t len;
};
static struct frame sent[FR_CAPTURE];
static unsigned sent_count;
static struct netif test_netif;

static err_t capture_linkoutput(struct netif *netif, struct pbuf *p)
{
    (void)netif;
    ck_assert_uint_lt(sent_count, FR_CAPTURE);
    ck_assert_uint_le(p->tot_len, FR_MAX);
    struct frame *f = &sent[sent_count++];
    f->len = pbuf_copy_partial(p, f->data, p->tot_len, 0);
    ck_assert_uint_eq(f->len, p->tot_len);
    return ERR_OK;
}

static err_t test_netif_init(struct netif *netif)
{
    netif->name[0] = 't';
    netif->name[1] = 'n';
    netif->mtu = 1500;
    netif->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(netif->hwaddr, our_mac, sizeof our_mac);
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    netif->output = etharp_output;
    netif->linkoutput = capture_linkoutput;
    return ERR_OK;
}

/* Hands one frame (copied into a pool pbuf, as a driver would) to lwIP. */
static void inject(const uint8_t *frame, size_t len)
{
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
    ck_assert_ptr_nonnull(p);
    if (len > 0)
        ck_assert_int_eq(pbuf_take(p, frame, (u16_t)len), ERR_OK);
    if (test_netif.input(p, &test_netif) != ERR_OK)
        pbuf_free(p);
}

static struct udp_pcb *test_udp;
static struct tcp_pcb *test_listener;
static struct tcp_pcb *test_accepted;

static void setup(void)
{
    static bool lwip_ready;
    if (!lwip_ready) {
        lwip_init();
        lwip_ready = true;
    }
    ip4_addr_t ip, mask, gw;
    IP4_ADDR(&ip, 10, 0, 2, 15);
    IP4_ADDR(&mask, 255, 255, 255, 0);
    IP4_ADDR(&gw, 10, 0, 2, 2);
    ck_assert_ptr_nonnull(netif_add(&test_netif, &ip, &mask, &gw, NULL, test_netif_init, ethernet_input));
    netif_set_default(&test_netif);
    netif_set_up(&test_netif);
    netif_set_link_up(&test_netif);
    sent_count = 0;
}

static void teardown(void)
{
    if (test_accepted)
        tcp_abort(test_accepted);
    if (test_listener)
        tcp_close(test_listener);
    if (test_udp)
        udp_remove(test_udp);
    test_accepted = test_listener = NULL;
    test_udp = NULL;
    netif_remove(&test_netif);
}

/* --- building frames ------------------------------------------------------- */

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }

/* RFC 1071 one's-complement sum of n bytes added to sum (not folded). */
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

/* The TCP/UDP checksum of a segment (with its checksum field as it is)
 * under the IPv4 pseudo-header; 0 when the field is right. */
static uint16_t l4_checksum(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *seg, size_t len)
{
    uint8_t pseudo[12];
    put32(pseudo, src);
    put32(pseudo + 4, dst);
    pseudo[8] = 0;
    pseudo[9] = proto;
    put16(pseudo + 10, (uint16_t)len);
    return fold(sum_bytes(sum_bytes(0, pseudo, sizeof pseudo), seg, len));
}

static void put_eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    put16(f + 12, type);
}

/* An ARP packet in an Ethernet frame (42 bytes) from sha/spa. */
static size_t make_arp(uint8_t *f, const uint8_t *eth_dst, uint16_t oper, const uint8_t *sha,
                       uint32_t spa, const uint8_t *tha, uint32_t tpa)
{
    put_eth(f, eth_dst, sha, TYPE_ARP);
    uint8_t *a = f + FR_ETH;
    put16(a, 1);
    put16(a + 2, TYPE_IPV4);
    a[4] = 6;
    a[5] = 4;
    put16(a + 6, oper);
    memcpy(a + 8, sha, 6);
    put32(a + 14, spa);
    memcpy(a + 18, tha, 6);
    put32(a + 24, tpa);
    return FR_ETH + 28;
}

/* Ethernet and IPv4 headers (from the peer to us) for l4_len transport
 * bytes; returns the frame length. */
static size_t put_ipv4(uint8_t *f, uint8_t proto, size_t l4_len)
{
    put_eth(f, our_mac, peer_mac, TYPE_IPV4);
    uint8_t *ip = f + FR_ETH;
    memset(ip, 0, FR_IP);
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)(FR_IP + l4_len));
    put16(ip + 4, 0x1234);
    ip[8] = 64;
    ip[9] = proto;
    put32(ip + 12, PEER_IP);
    put32(ip + 16, OUR_IP);
    put16(ip + 10, fold(sum_bytes(0, ip, FR_IP)));
    return FR_L4 + l4_len;
}

static size_t make_icmp_echo(uint8_t *f, uint16_t id, uint16_t seq, const char *payload)
{
    size_t n = strlen(payload);
    size_t len = put_ipv4(f, PROTO_ICMP, 8 + n);
    uint8_t *icmp = f + FR_L4;
    icmp[0] = 8;
    icmp[1] = 0;
    put16(icmp + 2, 0);
    put16(icmp + 4, id);
    put16(icmp + 6, seq);
    memcpy(icmp + 8, payload, n);
    put16(icmp + 2, fold(sum_bytes(0, icmp, 8 + n)));
    return len;
}

static size_t make_udp(uint8_t *f, uint16_t sport, uint16_t dport, const char *payload)
{
    size_t n = strlen(payload);
    size_t len = put_ipv4(f, PROTO_UDP, 8 + n);
    uint8_t *udp = f + FR_L4;
    put16(udp, sport);
    put16(udp + 2, dport);
    put16(udp + 4, (uint16_t)(8 + n));
    put16(udp + 6, 0);
    memcpy(udp + 8, payload, n);
    put16(udp + 6, l4_checksum(PEER_IP, OUR_IP, PROTO_UDP, udp, 8 + n));
    return len;
}

static size_t make_tcp(uint8_t *f, uint16_t sport, uint32_t seq, uint32_t ack, uint8_t flags,
                       const uint8_t *options, size_t options_len, const char *payload)
{
    size_t n = strlen(payload);
    size_t hlen = FR_TCP + options_len;
    size_t len = put_ipv4(f, PROTO_TCP, hlen + n);
    uint8_t *tcp = f + FR_L4;
    memset(tcp, 0, FR_TCP);
    put16(tcp, sport);
    put16(tcp + 2, 80);
    put32(tcp + 4, seq);
    put32(tcp + 8, ack);
    tcp[12] = (uint8_t)(hlen / 4 << 4);
    tcp[13] = flags;
    put16(tcp + 14, 512);       /* times 2^7 (the SYN's window scale): 64 KiB */
    if (options_len > 0)
        memcpy(tcp + FR_TCP, options, options_len);
    memcpy(tcp + hlen, payload, n);
    put16(tcp + 16, l4_checksum(PEER_IP, OUR_IP, PROTO_TCP, tcp, hlen + n));
    return len;
}

/* --- checking frames --------------------------------------------------------- */

/* Checks the frame is an IPv4 packet to dst_mac/dst_ip from us with a right
 * header checksum and the given protocol; returns its transport header and
 * sets *l4_len. */
static const uint8_t *expect_ipv4(const struct frame *fr, const uint8_t *dst_mac, uint32_t dst_ip,
                                  uint8_t proto, size_t *l4_len)
{
    ck_assert_uint_ge(fr->len, FR_L4);
    ck_assert_mem_eq(fr->data, dst_mac, 6);
    ck_assert_mem_eq(fr->data + 6, our_mac, 6);
    ck_assert_uint_eq(get16(fr->data + 12), TYPE_IPV4);
    const uint8_t *ip = fr->data + FR_ETH;
    ck_assert_uint_eq(ip[0], 0x45);
    size_t total = get16(ip + 2);
    ck_assert_uint_ge(total, FR_IP);
    ck_assert_uint_le(FR_ETH + total, fr->len);
    ck_assert_uint_eq(fold(sum_bytes(0, ip, FR_IP)), 0);
    ck_assert_uint_eq(ip[9], proto);
    ck_assert_uint_eq(get32(ip + 12), OUR_IP);
    ck_assert_uint_eq(get32(ip + 16), dst_ip);
    *l4_len = total - FR_IP;
    return ip + FR_IP;
}

/* Checks the frame is a TCP segment from port 80 to the peer's sport with a
 * right checksum; returns the header and sets *payload_len. */
static const uint8_t *expect_tcp(const struct frame *fr, uint16_t sport, size_t *payload_len)
{
    size_t len;
    const uint8_t *tcp = expect_ipv4(fr, peer_mac, PEER_IP, PROTO_TCP, &len);
    ck_assert_uint_ge(len, FR_TCP);
    ck_assert_uint_eq(l4_checksum(OUR_IP, PEER_IP, PROTO_TCP, tcp, len), 0);
    ck_assert_uint_eq(get16(tcp), 80);
    ck_assert_uint_eq(get16(tcp + 2), sport);
    size_t hlen = (size_t)(tcp[12] >> 4) * 4;
    ck_assert_uint_ge(hlen, FR_TCP);
    ck_assert_uint_le(hlen, len);
    *payload_len = len - hlen;
    return tcp;
}

/* Teaches lwIP the peer's MAC (an ARP request from it) and forgets the reply. */
static void learn_peer(void)
{
    uint8_t f[FR_MAX];
    inject(f, make_arp(f, broadcast_mac, 1, peer_mac, PEER_IP, zero_mac, OUR_IP));
    ck_assert_uint_eq(sent_count, 1);
    sent_count = 0;
}

/* --- (a) ARP ------------------------------------------------------------------ */

START_TEST(test_arp_request_gets_reply)
{
    uint8_t f[FR_MAX];
    inject(f, make_arp(f, broadcast_mac, 1, peer_mac, PEER_IP, zero_mac, OUR_IP));
    ck_assert_uint_eq(sent_count, 1);
    const uint8_t *r = sent[0].data;
    ck_assert_uint_ge(sent[0].len, FR_ETH + 28);
    ck_assert_mem_eq(r, peer_mac, 6);
    ck_assert_mem_eq(r + 6, our_mac, 6);
    ck_assert_uint_eq(get16(r + 12), TYPE_ARP);
    const uint8_t *a = r + FR_ETH;
    ck_assert_uint_eq(get16(a), 1);
    ck_assert_uint_eq(get16(a + 2), TYPE_IPV4);
    ck_assert_uint_eq(a[4], 6);
    ck_assert_uint_eq(a[5], 4);
    ck_assert_uint_eq(get16(a + 6), 2);            /* reply */
    ck_assert_mem_eq(a + 8, our_mac, 6);
    ck_assert_uint_eq(get32(a + 14), OUR_IP);
    ck_assert_mem_eq(a + 18, peer_mac, 6);
    ck_assert_uint_eq(get32(a + 24), PEER_IP);

    /* A request for someone else's address goes unanswered. */
    sent_count = 0;
    inject(f, make_arp(f, broadcast_mac, 1, peer_mac, PEER_IP, zero_mac, OTHER_IP));
    ck_assert_uint_eq(sent_count, 0);
}
END_TEST

/* --- (b) ICMP echo ----------------------------------------------------------- */

START_TEST(test_icmp_echo_gets_reply)
{
    learn_peer();
    uint8_t f[FR_MAX];
    const char *payload = "ping payload 0123456789";
    inject(f, make_icmp_echo(f, 0xbeef, 7, payload));
    ck_assert_uint_eq(sent_count, 1);
    size_t len;
    const uint8_t *icmp = expect_ipv4(&sent[0], peer_mac, PEER_IP, PROTO_ICMP, &len);
    ck_assert_uint_eq(len, 8 + strlen(payload));
    ck_assert_uint_eq(icmp[0], 0);                 /* echo reply */
    ck_assert_uint_eq(icmp[1], 0);
    ck_assert_uint_eq(get16(icmp + 4), 0xbeef);
    ck_assert_uint_eq(get16(icmp + 6), 7);
    ck_assert_mem_eq(icmp + 8, payload, strlen(payload));
    ck_assert_uint_eq(fold(sum_bytes(0, icmp, len)), 0);
}
END_TEST

/* --- (c) UDP --------------------------------------------------------------- */

struct udp_received {
    unsigned count;
    char data[64];
    size_t len;
    uint32_t from_ip;
    uint16_t from_port;
};

static void udp_recv_record(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    (void)pcb;
    struct udp_received *r = arg;
    r->count++;
    r->len = pbuf_copy_partial(p, r->data, sizeof r->data, 0);
    r->from_ip = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(addr)));
    r->from_port = port;
    pbuf_free(p);
}

static struct udp_received *bind_udp_port7(void)
{
    static struct udp_received received;
    memset(&received, 0, sizeof received);
    test_udp = udp_new();
    ck_assert_ptr_nonnull(test_udp);
    ck_assert_int_eq(udp_bind(test_udp, IP_ADDR_ANY, 7), ERR_OK);
    udp_recv(test_udp, udp_recv_record, &received);
    return &received;
}

START_TEST(test_udp_receive_and_send)
{
    struct udp_received *received = bind_udp_port7();
    uint8_t f[FR_MAX];
    inject(f, make_udp(f, 5555, 7, "hello lwip"));
    ck_assert_uint_eq(received->count, 1);
    ck_assert_uint_eq(received->len, strlen("hello lwip"));
    ck_assert_mem_eq(received->data, "hello lwip", received->len);
    ck_assert_uint_eq(received->from_ip, PEER_IP);
    ck_assert_uint_eq(received->from_port, 5555);
    ck_assert_uint_eq(sent_count, 0);

    /* Sending to a host lwIP has no MAC for: an ARP request first ... */
    const char *payload = "reply datagram";
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)strlen(payload), PBUF_RAM);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(pbuf_take(p, payload, (u16_t)strlen(payload)), ERR_OK);
    ip_addr_t other;
    IP_ADDR4(&other, 10, 0, 2, 3);
    ck_assert_int_eq(udp_sendto(test_udp, p, &other, 9999), ERR_OK);
    pbuf_free(p);
    ck_assert_uint_eq(sent_count, 1);
    const uint8_t *a = sent[0].data + FR_ETH;
    ck_assert_mem_eq(sent[0].data, broadcast_mac, 6);
    ck_assert_uint_eq(get16(sent[0].data + 12), TYPE_ARP);
    ck_assert_uint_eq(get16(a + 6), 1);            /* request */
    ck_assert_mem_eq(a + 8, our_mac, 6);
    ck_assert_uint_eq(get32(a + 14), OUR_IP);
    ck_assert_uint_eq(get32(a + 24), OTHER_IP);

    /* ... and the queued datagram once the ARP reply is in. */
    sent_count = 0;
    inject(f, make_arp(f, our_mac, 2, other_mac, OTHER_IP, our_mac, OUR_IP));
    ck_assert_uint_eq(sent_count, 1);
    size_t len;
    const uint8_t *udp = expect_ipv4(&sent[0], other_mac, OTHER_IP, PROTO_UDP, &len);
    ck_assert_uint_eq(len, 8 + strlen(payload));
    ck_assert_uint_eq(get16(udp), 7);
    ck_assert_uint_eq(get16(udp + 2), 9999);
    ck_assert_uint_eq(get16(udp + 4), len);
    ck_assert_uint_ne(get16(udp + 6), 0);          /* a checksum was computed ... */
    ck_assert_uint_eq(l4_checksum(OUR_IP, OTHER_IP, PROTO_UDP, udp, len), 0);  /* ... right */
    ck_assert_mem_eq(udp + 8, payload, strlen(payload));
}
END_TEST

/* --- (d) TCP ------------------------------------------------------------------ */

struct tcp_received {
    unsigned accepts;
    char data[256];
    size_t len;
};
static struct tcp_received tcp_received;

static err_t tcp_recv_record(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    ck_assert_int_eq(err, ERR_OK);
    if (p == NULL)
        return ERR_OK;
    ck_assert_uint_le(tcp_received.len + p->tot_len, sizeof tcp_received.data);
    tcp_received.len += pbuf_copy_partial(p, tcp_received.data + tcp_received.len, p->tot_len, 0);
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
}

static err_t tcp_accept_record(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    ck_assert_int_eq(err, ERR_OK);
    tcp_received.accepts++;
    test_accepted = pcb;
    tcp_recv(pcb, tcp_recv_record);
    return ERR_OK;
}

static void listen_tcp_port80(void)
{
    memset(&tcp_received, 0, sizeof tcp_received);
    struct tcp_pcb *pcb = tcp_new();
    ck_assert_ptr_nonnull(pcb);
    ck_assert_int_eq(tcp_bind(pcb, IP_ADDR_ANY, 80), ERR_OK);
    test_listener = tcp_listen(pcb);
    ck_assert_ptr_nonnull(test_listener);
    tcp_accept(test_listener, tcp_accept_record);
}

/* MSS 1460, NOP, window scale 7. */
static const uint8_t syn_options[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7};

START_TEST(test_tcp_handshake_and_data)
{
    listen_tcp_port80();
    learn_peer();
    uint8_t f[FR_MAX];
    const uint32_t client_isn = 1000;
    inject(f, make_tcp(f, 40000, client_isn, 0, TCP_SYN_, syn_options, sizeof syn_options, ""));

    /* SYN-ACK: acknowledges the SYN, offers MSS and scales its window by 1
     * (TCP_RCV_SCALE) since the SYN offered scaling. */
    ck_assert_uint_eq(sent_count, 1);
    size_t payload_len;
    const uint8_t *synack = expect_tcp(&sent[0], 40000, &payload_len);
    ck_assert_uint_eq(payload_len, 0);
    ck_assert_uint_eq(synack[13], TCP_SYN_ | TCP_ACK_);
    ck_assert_uint_eq(get32(synack + 8), client_isn + 1);
    ck_assert_uint_gt(get16(synack + 14), 0);
    size_t hlen = (size_t)(synack[12] >> 4) * 4;
    bool saw_mss = false, saw_wscale = false;
    for (size_t i = FR_TCP; i < hlen && synack[i] != 0;) {
        if (synack[i] == 1) { i++; continue; }
        ck_assert_uint_lt(i + 1, hlen);
        if (synack[i] == 2) { saw_mss = true; ck_assert_uint_eq(get16(synack + i + 2), 1460); }
        if (synack[i] == 3) { saw_wscale = true; ck_assert_uint_eq(synack[i + 2], 1); }
        ck_assert_uint_ge(synack[i + 1], 2);
        i += synack[i + 1];
    }
    ck_assert(saw_mss);
    ck_assert(saw_wscale);
    const uint32_t server_isn = get32(synack + 4);
    ck_assert_uint_eq(tcp_received.accepts, 0);

    /* The handshake's ACK completes the connection: accepted, nothing sent. */
    sent_count = 0;
    inject(f, make_tcp(f, 40000, client_isn + 1, server_isn + 1, TCP_ACK_, NULL, 0, ""));
    ck_assert_uint_eq(tcp_received.accepts, 1);
    ck_assert_ptr_nonnull(test_accepted);
    ck_assert_uint_eq(sent_count, 0);

    /* Data reaches the recv callback and is ACKed (delayed: after the fast timer). */
    const char *request = "GET / HTTP/1.0\r\n\r\n";
    inject(f, make_tcp(f, 40000, client_isn + 1, server_isn + 1, TCP_PSH_ | TCP_ACK_, NULL, 0, request));
    ck_assert_uint_eq(tcp_received.len, strlen(request));
    ck_assert_mem_eq(tcp_received.data, request, strlen(request));
    advance_ms(500);
    ck_assert_uint_ge(sent_count, 1);
    const uint8_t *ack = expect_tcp(&sent[sent_count - 1], 40000, &payload_len);
    ck_assert(ack[13] & TCP_ACK_);
    ck_assert_uint_eq(ack[13] & (TCP_SYN_ | TCP_RST_ | TCP_FIN_), 0);
    ck_assert_uint_eq(get32(ack + 8), client_isn + 1 + strlen(request));

    /* The server's answer goes out as one segment right after the SYN-ACK's sequence. */
    sent_count = 0;
    const char *answer = "HTTP/1.0 200 OK\r\n\r\n";
    ck_assert_int_eq(tcp_write(test_accepted, answer, (u16_t)strlen(answer), TCP_WRITE_FLAG_COPY), ERR_OK);
    ck_assert_int_eq(tcp_output(test_accepted), ERR_OK);
    ck_assert_uint_eq(sent_count, 1);
    const uint8_t *data = expect_tcp(&sent[0], 40000, &payload_len);
    ck_assert_uint_eq(payload_len, strlen(answer));
    ck_assert_uint_eq(get32(data + 4), server_isn + 1);
    ck_assert_mem_eq(data + (data[12] >> 4) * 4, answer, strlen(answer));
}
END_TEST

/* --- (e) malformed input: dropped without a reply (or a crash, under ASan) --- */

START_TEST(test_truncated_frames_dropped)
{
    learn_peer();
    uint8_t f[FR_MAX];
    size_t full = make_icmp_echo(f, 1, 1, "truncate me");
    for (size_t len = 0; len < full; len++)
        inject(f, len);
    ck_assert_uint_eq(sent_count, 0);
    inject(f, full);                               /* the whole frame is answered */
    ck_assert_uint_eq(sent_count, 1);
}
END_TEST

START_TEST(test_bad_ip_headers_dropped)
{
    learn_peer();
    uint8_t f[FR_MAX];
    size_t len = make_icmp_echo(f, 1, 1, "bad header");
    uint8_t *ip = f + FR_ETH;
    struct { uint8_t version_ihl; int total_delta; } cases[] = {
        {0x44, 0},   /* header length 16 < 20 */
        {0x4f, 0},   /* header length 60 > the whole packet's 30 */
        {0x46, 0},   /* header length 24: the ICMP header read as options */
        {0x65, 0},   /* IPv6 version with an IPv4 header */
        {0x45, 100}, /* total length past the frame's end */
        {0x45, -25}, /* total length inside the header */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        make_icmp_echo(f, 1, 1, "bad header");
        ip[0] = cases[i].version_ihl;
        put16(ip + 2, (uint16_t)(get16(ip + 2) + cases[i].total_delta));
        put16(ip + 10, 0);
        put16(ip + 10, fold(sum_bytes(0, ip, (size_t)(ip[0] & 0xf) * 4 < len - FR_ETH ?
                                                  (size_t)(ip[0] & 0xf) * 4 : FR_IP)));
        inject(f, len);
        ck_assert_msg(sent_count == 0, "case %zu answered", i);
    }
    make_icmp_echo(f, 1, 1, "bad header");
    inject(f, len);
    ck_assert_uint_eq(sent_count, 1);
}
END_TEST

START_TEST(test_bad_checksums_dropped)
{
    learn_peer();
    struct udp_received *received = bind_udp_port7();
    uint8_t f[FR_MAX];

    size_t len = make_icmp_echo(f, 1, 1, "checksums");
    f[FR_ETH + 10] ^= 0x01;                        /* IP header checksum */
    inject(f, len);
    make_icmp_echo(f, 1, 1, "checksums");
    f[FR_L4 + 2] ^= 0x01;                          /* ICMP checksum */
    inject(f, len);
    len = make_udp(f, 5555, 7, "checksums");
    f[FR_L4 + 6] ^= 0x01;                          /* UDP checksum */
    inject(f, len);
    listen_tcp_port80();
    len = make_tcp(f, 40001, 1, 0, TCP_SYN_, syn_options, sizeof syn_options, "");
    f[FR_L4 + 16] ^= 0x01;                         /* TCP checksum */
    inject(f, len);
    ck_assert_uint_eq(sent_count, 0);
    ck_assert_uint_eq(received->count, 0);

    inject(f, make_udp(f, 5555, 7, "checksums"));  /* intact, it arrives */
    ck_assert_uint_eq(received->count, 1);
}
END_TEST

START_TEST(test_bogus_tcp_data_offset_dropped)
{
    listen_tcp_port80();
    learn_peer();
    uint8_t f[FR_MAX];
    const uint8_t offsets[] = {0, 1, 4, 8, 15};    /* words; the segment has 7 (28 bytes) */
    for (size_t i = 0; i < sizeof offsets; i++) {
        size_t len = make_tcp(f, 40002, 1, 0, TCP_SYN_, syn_options, sizeof syn_options, "");
        uint8_t *tcp = f + FR_L4;
        tcp[12] = (uint8_t)(offsets[i] << 4);
        put16(tcp + 16, 0);
        put16(tcp + 16, l4_checksum(PEER_IP, OUR_IP, PROTO_TCP, tcp, len - FR_L4));
        inject(f, len);
        ck_assert_msg(sent_count == 0, "data offset %u answered", offsets[i]);
    }
    inject(f, make_tcp(f, 40002, 1, 0, TCP_SYN_, syn_options, sizeof syn_options, ""));
    ck_assert_uint_eq(sent_count, 1);              /* the intact SYN gets its SYN-ACK */
    ck_assert_uint_eq(tcp_received.accepts, 0);
}
END_TEST

Suite *lwip_suite(void)
{
    Suite *s = suite_create("lwip");
    TCase *tc = tcase_create("port");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_arp_request_gets_reply);
    tcase_add_test(tc, test_icmp_echo_gets_reply);
    tcase_add_test(tc, test_udp_receive_and_send);
    tcase_add_test(tc, test_tcp_handshake_and_data);
    tcase_add_test(tc, test_truncated_frames_dropped);
    tcase_add_test(tc, test_bad_ip_headers_dropped);
    tcase_add_test(tc, test_bad_checksums_dropped);
    tcase_add_test(tc, test_bogus_tcp_data_offset_dropped);
    suite_add_tcase(s, tc);
    return s;
}
