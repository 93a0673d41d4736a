/* The platform functions lwIP's port needs (declared in arch/cc.h), for
 * the freestanding library and the host build alike, plus what the
 * freestanding build needs beyond the runtime: atoi (core/netif.c) and
 * sys_now (lwIP's clock, ms, from sys_time()). On the host, sys_now is
 * the program's (the unit tests drive a fake clock). */
#include "lwip/opt.h"
#include "lwip/arch.h"
#include "lwip/sys.h"

#if __STDC_HOSTED__
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#else
#include <stdlib.h>      /* freestanding/stdlib.h: atoi */
#include "runtime.h"
#endif

void lwip_port_diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
#if __STDC_HOSTED__
    vfprintf(stderr, fmt, ap);
#else
    vprintf(fmt, ap);
#endif
    va_end(ap);
}

_Noreturn void lwip_port_assert(const char *message, const char *file, int line)
{
#if __STDC_HOSTED__
    fprintf(stderr, "lwIP assertion failed at %s:%d: %s\n", file, line, message);
    abort();
#else
    rt_panic("lwIP assertion failed at %s:%d: %s", file, line, message);
#endif
}

/* xorshift64* (Vigna): never zero, good enough for sequence numbers. */
static uint64_t random_state = 0x9e3779b97f4a7c15ull;

void lwip_port_seed_random(uint64_t seed)
{
    random_state ^= seed * 0xbf58476d1ce4e5b9ull;
    if (random_state == 0)
        random_state = 0x9e3779b97f4a7c15ull;
}

uint32_t lwip_port_random(void)
{
    random_state ^= random_state >> 12;
    random_state ^= random_state << 25;
    random_state ^= random_state >> 27;
    return (uint32_t)((random_state * 0x2545f4914f6cdd1dull) >> 32);
}

#if !__STDC_HOSTED__
/* C semantics for what lwIP passes (a decimal number, maybe signed,
 * leading blanks); no overflow checking. */
int atoi(const char *s)
{
    while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
        s++;
    bool negative = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    unsigned value = 0;
    while (*s >= '0' && *s <= '9')
        value = value * 10 + (unsigned)(*s++ - '0');
    return (int)(negative ? 0u - value : value);
}

u32_t sys_now(void)
{
    return (u32_t)((uint64_t)sys_time().ret / 1000000u);
}
#endif
