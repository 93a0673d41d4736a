/* Formatted printing for the kernel and host tests (kernel/lib/fmt.c).
 * Pure code: no I/O, no allocation, no libc. */
#ifndef FMT_H
#define FMT_H

#include <stdarg.h>
#include <stddef.h>

/* Receives each piece of formatted output; n bytes at s, not NUL-terminated. */
typedef void (*fmt_sink)(void *ctx, const char *s, size_t n);

/* Formats like C99 printf and hands the output to sink in pieces.
 * Supported: %% %c %s %d %i %u %x %X %o %p, flags '-' '0' '+' ' ' '#',
 * width and precision (also '*'), length modifiers hh h l ll z t j.
 * %s with a NULL pointer prints "(null)"; %p prints 0x followed by 16 hex
 * digits. An unknown conversion is printed verbatim (e.g. "%q").
 * Returns the number of bytes produced. */
int fmt_vformat(fmt_sink sink, void *ctx, const char *fmt, va_list ap);

/* Like vsnprintf: writes at most size bytes including the terminating NUL
 * (nothing if size is 0) and returns the length the full output would have. */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
