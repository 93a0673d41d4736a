/* TCP checksum offload: see csum.h. */
#include "csum.h"
#include "pvk/netproto.h"

#define ETH_HLEN      14u
#define ETHTYPE_IPV4  0x0800u
#define PROTO_TCP     6u

uint32_t csum_tcp_offload(uint8_t *f, uint32_t len)
{
    if (len < ETH_HLEN + 20 || ((uint32_t)f[12] << 8 | f[13]) != ETHTYPE_IPV4)
        return 0;
    const uint8_t *ip = f + ETH_HLEN;
    uint32_t ihl = (ip[0] & 0x0fu) * 4u, total = (uint32_t)ip[2] << 8 | ip[3];
    if ((ip[0] >> 4) != 4 || ip[9] != PROTO_TCP || ihl < 20 || total < ihl + 20 || ETH_HLEN + total > len ||
        ((ip[6] & 0x3fu) | ip[7]) != 0)
        return 0;                       /* not TCP over IPv4, or a fragment (MF or an offset) */
    uint32_t sum = PROTO_TCP + (total - ihl);
    for (unsigned i = 12; i < 20; i += 2)   /* source and destination addresses */
        sum += (uint32_t)ip[i] << 8 | ip[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffffu) + (sum >> 16);
    uint8_t *check = f + ETH_HLEN + ihl + 16;
    check[0] = (uint8_t)(sum >> 8);
    check[1] = (uint8_t)sum;
    return NET_DESC_CSUM(ETH_HLEN + ihl, 16);
}
