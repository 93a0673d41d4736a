/* The string functions the kernel and user programs share
 * (kernel/lib/string.c): portable C, no hardware. The bulk memory
 * functions (memcpy, memmove, memset) are each side's own, on the
 * processor's string instructions. */
#ifndef STR_H
#define STR_H

#include <stddef.h>

int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
/* strlen, but looks at most max bytes. */
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
/* Copies at most size - 1 bytes of src into dst and always terminates it
 * (if size > 0). Returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);

#endif
