/* Shared by the HTTP core's files; not for its users. No libc: the
 * compiler's builtins (calls to memcpy/memset/strlen, which both the host
 * and the user runtime provide) and the small helpers below. */
#ifndef HTTP_INTERNAL_H
#define HTTP_INTERNAL_H

#include "http.h"

#define http_memcpy(d, s, n) __builtin_memcpy((d), (s), (n))
#define http_memset(d, c, n) __builtin_memset((d), (c), (n))
#define http_strlen(s)       __builtin_strlen(s)

static inline char http_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c;
}

static inline bool http_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* True if a[0, n) equals the NUL-terminated lowercase b, ignoring case. */
static inline bool http_ieq(const char *a, size_t n, const char *b)
{
    size_t i = 0;
    for (; i < n; i++)
        if (b[i] == '\0' || http_lower(a[i]) != b[i])
            return false;
    return b[i] == '\0';
}

/* A bounded output buffer: appends never write past cap - 1 (one byte is
 * kept for a NUL); overflow records that something did not fit. */
struct http_out {
    char *buf;
    size_t cap, len;
    bool overflow;
};

static inline void out_init(struct http_out *o, char *buf, size_t cap)
{
    o->buf = buf;
    o->cap = cap;
    o->len = 0;
    o->overflow = cap == 0;
    if (cap > 0)
        buf[0] = '\0';
}

static inline void out_mem(struct http_out *o, const char *s, size_t n)
{
    if (o->cap == 0) {
        o->overflow = true;
        return;
    }
    size_t room = o->cap - 1 - o->len;
    if (n > room) {
        n = room;
        o->overflow = true;
    }
    http_memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static inline void out_str(struct http_out *o, const char *s)
{
    out_mem(o, s, http_strlen(s));
}

static inline void out_chr(struct http_out *o, char c)
{
    out_mem(o, &c, 1);
}

/* v in decimal, at least width digits (zero-padded). */
static inline void out_u64w(struct http_out *o, uint64_t v, unsigned width)
{
    char d[24];
    unsigned n = 0;
    do {
        d[sizeof d - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0 && n < sizeof d);
    while (n < width && n < sizeof d)
        d[sizeof d - 1 - n++] = '0';
    out_mem(o, d + sizeof d - n, n);
}

static inline void out_u64(struct http_out *o, uint64_t v)
{
    out_u64w(o, v, 1);
}

static inline void out_hex(struct http_out *o, uint64_t v)
{
    char d[16];
    unsigned n = 0;
    do {
        d[sizeof d - 1 - n++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v != 0 && n < sizeof d);
    out_mem(o, d + sizeof d - n, n);
}

#endif
