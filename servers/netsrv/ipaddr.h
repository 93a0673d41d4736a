/* The static address netsrv takes from the kernel command line. Pure code
 * (servers/netsrv/ipaddr.c), shared with the host unit tests. */
#ifndef NETSRV_IPADDR_H
#define NETSRV_IPADDR_H

#include <stdbool.h>
#include <stdint.h>

/* Parses "A.B.C.D/PREFIX" or "A.B.C.D/PREFIX:G.G.G.G": address and
 * gateway in host order (gateway 0 when absent), prefix 1..30. False (and
 * nothing stored) if s is anything else: octets above 255, more than
 * three digits, missing parts, trailing characters. */
bool addr_parse_ip(const char *s, uint32_t *addr, unsigned *prefix, uint32_t *gw);

#endif
