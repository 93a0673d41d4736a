/* lwIP's compiler and platform layer (lwip/arch.h includes this), for two
 * builds of the same sources: freestanding user space (-ffreestanding,
 * __STDC_HOSTED__ == 0; only gcc's own headers plus the runtime, the
 * headers lwIP wants from libc are in ../freestanding/) and the host
 * (glibc, for the unit tests). Diagnostics, assertions and random
 * numbers go through functions in servers/net/lwip/port.c. */
#ifndef LWIP_ARCH_CC_H
#define LWIP_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>

#define BYTE_ORDER LITTLE_ENDIAN          /* x86-64 */

/* No <ctype.h> anywhere: lwIP's own character classes. */
#define LWIP_NO_CTYPE_H 1

#if __STDC_HOSTED__
#include <sys/types.h>                    /* ssize_t */
#include <limits.h>
#define LWIP_NO_UNISTD_H 1
#ifndef SSIZE_MAX
#define SSIZE_MAX LONG_MAX
#endif
#else
/* gcc's <limits.h> wants a libc one behind it, and there is no
 * <inttypes.h>: the limits and printf formats lwIP needs, by hand. */
#define LWIP_NO_LIMITS_H   1
#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_UNISTD_H   1
#define INT_MAX   __INT_MAX__
#define SSIZE_MAX __LONG_MAX__
typedef long ssize_t;
#define X8_F  "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"
#endif

/* Formatted diagnostics (LWIP_DEBUGF, LWIP_PLATFORM_DIAG((fmt, ...))):
 * the boot log in user space, stderr on the host. */
void lwip_port_diag(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));
#define LWIP_PLATFORM_DIAG(args) do { lwip_port_diag args; } while (0)

/* A failed LWIP_ASSERT: reports message and place, never returns
 * (rt_panic in user space, abort on the host). */
_Noreturn void lwip_port_assert(const char *message, const char *file, int line);
#define LWIP_PLATFORM_ASSERT(message) lwip_port_assert((message), __FILE__, __LINE__)

/* Pseudo-random numbers (initial sequence numbers, ports, DHCP xids);
 * lwip_port_seed_random() mixes in a seed. Not cryptographic. */
uint32_t lwip_port_random(void);
void lwip_port_seed_random(uint64_t seed);
#define LWIP_RAND() lwip_port_random()

#endif
