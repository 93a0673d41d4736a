/* netsrv's addressing: DHCP first; without a lease after DHCP_FALLBACK_MS,
 * the static fallback. The fallback comes from the kernel command line,
 *
 *   ip=A.B.C.D/PREFIX[:GATEWAY]        e.g. ip=10.0.2.15/24:10.0.2.2
 *
 * read from the boot information (manifest caps=bootinfo: a read-only copy
 * in PVK_SLOT_BOOTINFO), and without one from main()'s argument (manifest
 * arg=, decimal AAABBBCCCDDDPPGGG: AAA.BBB.CCC.DDD/PP, gateway
 * AAA.BBB.CCC.GGG, GGG 0: none; arg 0: no fallback). */
#include "runtime.h"
#include "bundle.h"
#include "cmdline.h"
#include "ipaddr.h"
#include "netsrv.h"
#include "pvk/service.h"

#include "lwip/dhcp.h"
#include "lwip/netif.h"

#define DHCP_FALLBACK_MS 3000u

static struct netif *nif;
static uint64_t dhcp_started_ns;
static bool address_reported;       /* the lease or the fallback was logged */
static bool have_fallback;
static uint32_t fb_addr, fb_gw;     /* host order */
static unsigned fb_prefix;
static const char *fb_source = "";

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

/* The arg= encoding (see the top of the file). */
static bool decode_arg(uint64_t v)
{
    unsigned gw_last = (unsigned)(v % 1000), prefix = (unsigned)(v / 1000 % 100);
    uint64_t a = v / 100000;
    uint32_t addr = 0;
    for (int i = 0; i < 4; i++, a /= 1000) {
        if (a % 1000 > 255)
            return false;
        addr |= (uint32_t)(a % 1000) << (8 * i);
    }
    if (a != 0 || prefix < 1 || prefix > 30 || gw_last > 255)
        return false;
    fb_addr = addr;
    fb_prefix = prefix;
    fb_gw = gw_last ? (addr & 0xffffff00u) | gw_last : 0;
    return true;
}

/* ip= from the boot information, if it is there; true if taken. */
static bool from_cmdline(void)
{
    char line[RT_KERNEL_CMDLINE_SIZE], value[64];
    if (!rt_kernel_cmdline(line, sizeof line) || !cmdline_get(line, "ip", value, sizeof value))
        return false;
    if (!addr_parse_ip(value, &fb_addr, &fb_prefix, &fb_gw)) {
        printf("net: bad ip=%s on the command line (want ip=A.B.C.D/PREFIX[:GATEWAY]); ignored", value);
        return false;
    }
    return true;
}

void addr_configure(uint64_t arg)
{
    if (from_cmdline()) {
        have_fallback = true;
        fb_source = " (ip=)";
    } else if (arg && decode_arg(arg)) {
        have_fallback = true;
        fb_source = " (arg=)";
    } else if (arg) {
        printf("net: bad static fallback %llu (arg=); none", (unsigned long long)arg);
    }
}

static void log_address(bool leased)
{
    char addr[16], gw[16];
    ip4addr_ntoa_r(netif_ip4_addr(nif), addr, sizeof addr);
    ip4addr_ntoa_r(netif_ip4_gw(nif), gw, sizeof gw);
    unsigned ms = (unsigned)((now_ns() - dhcp_started_ns) / NS_PER_MS);
    if (!leased)
        printf("net: no DHCP answer in %u ms; static %s/%u gateway %s%s", ms, addr, prefix_length(netif_ip4_netmask(nif)),
               gw, fb_source);
    else
        printf("net: DHCP lease %s/%u gateway %s (in %u ms)", addr, prefix_length(netif_ip4_netmask(nif)), gw, ms);
}

void addr_status_changed(struct netif *n)
{
    if (!address_reported && dhcp_supplied_address(n)) {
        address_reported = true;
        log_address(true);
    }
}

void addr_start(struct netif *n)
{
    nif = n;
    dhcp_started_ns = now_ns();
    if (dhcp_start(nif) != ERR_OK)
        printf("net: dhcp_start failed");
}

void addr_poll(void)
{
    if (address_reported || now_ns() - dhcp_started_ns < DHCP_FALLBACK_MS * NS_PER_MS)
        return;
    if (!have_fallback) {
        printf("net: no DHCP answer in %u ms and no static fallback; still asking", DHCP_FALLBACK_MS);
        dhcp_started_ns = now_ns();         /* say it again in DHCP_FALLBACK_MS */
        return;
    }
    address_reported = true;
    ip4_addr_t addr, mask, gw;
    ip4_addr_set_u32(&addr, lwip_htonl(fb_addr));
    ip4_addr_set_u32(&mask, lwip_htonl(0xffffffffu << (32 - fb_prefix)));
    ip4_addr_set_u32(&gw, lwip_htonl(fb_gw));
    dhcp_stop(nif);
    netif_set_addr(nif, &addr, &mask, &gw);
    log_address(false);
}

uint32_t addr_local(void)
{
    return nif ? lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(nif))) : 0;
}
