/* <stdlib.h> for lwIP's freestanding build (core/netif.c includes it for
 * atoi, which servers/net/lwip/port.c provides). */
#ifndef LWIP_FREESTANDING_STDLIB_H
#define LWIP_FREESTANDING_STDLIB_H

int atoi(const char *s);

#endif
