/* TCP checksum offload for netsrv's transmit path. Pure code
 * (servers/netsrv/csum.c), shared with the host unit tests. */
#ifndef NETSRV_CSUM_H
#define NETSRV_CSUM_H

#include <stdint.h>

/* For an Ethernet frame f[0, len) holding an unfragmented IPv4 TCP
 * segment whose checksum field lwIP left 0: writes the pseudo-header sum
 * (folded, not inverted) into that field and returns the descriptor flags
 * (NET_DESC_CSUM, pvk/netproto.h) that ask the device to complete it over
 * the segment. Any other frame (ARP, UDP, ICMP, IPv6, a fragment, a
 * truncated or inconsistent header) is left alone: 0. */
uint32_t csum_tcp_offload(uint8_t *f, uint32_t len);

#endif
