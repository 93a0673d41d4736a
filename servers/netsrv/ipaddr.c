/* Parsing ip=A.B.C.D/PREFIX[:GATEWAY] (see ipaddr.h). Pure: no lwIP, no
 * system calls; unit-tested on the host (tests/unit/test_sockproto.c). */
#include <stdbool.h>
#include <stdint.h>

#include "ipaddr.h"

/* Parses a dotted quad at *s, advancing *s past it. */
static bool parse_quad(const char **s, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        if (i && *(*s)++ != '.')
            return false;
        unsigned octet = 0, digits = 0;
        while (**s >= '0' && **s <= '9' && digits < 4) {
            octet = octet * 10 + (unsigned)(*(*s)++ - '0');
            digits++;
        }
        if (!digits || digits > 3 || octet > 255)
            return false;
        v = v << 8 | octet;
    }
    *out = v;
    return true;
}

bool addr_parse_ip(const char *s, uint32_t *addr, unsigned *prefix, uint32_t *gw)
{
    uint32_t a, g = 0;
    if (!parse_quad(&s, &a) || *s++ != '/')
        return false;
    unsigned p = 0, digits = 0;
    while (*s >= '0' && *s <= '9' && digits < 3) {
        p = p * 10 + (unsigned)(*s++ - '0');
        digits++;
    }
    if (!digits || p < 1 || p > 30)
        return false;
    if (*s == ':') {
        s++;
        if (!parse_quad(&s, &g))
            return false;
    }
    if (*s)
        return false;
    *addr = a;
    *prefix = p;
    *gw = g;
    return true;
}
