/* <string.h> for lwIP's freestanding build: the runtime's string
 * functions (servers/runtime/libruntime.a), declared as the runtime does. */
#ifndef LWIP_FREESTANDING_STRING_H
#define LWIP_FREESTANDING_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
#include "str.h"      /* memcmp, strlen, strnlen, strcmp, strncmp, strlcpy */

#endif
