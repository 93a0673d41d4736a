/* Formatted printing (see fmt.h). Behaves like C99 printf for the supported
 * conversions so that gcc's format checking describes it truthfully.
 * Freestanding: no libc, no floating point. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fmt.h"

#define FMT_INT_MAX 0x7fffffff

/* Output state shared by the helpers below: where bytes go and how many. */
struct fmt_out {
    fmt_sink sink;
    void *ctx;
    size_t count;
};

/* One parsed conversion specification. */
struct fmt_spec {
    bool left;        /* '-' */
    bool zero;        /* '0' */
    bool plus;        /* '+' */
    bool space;       /* ' ' */
    bool alt;         /* '#' */
    int width;        /* 0 when absent */
    int precision;    /* -1 when absent */
};

static void out_bytes(struct fmt_out *out, const char *s, size_t n)
{
    if (n == 0)
        return;
    out->sink(out->ctx, s, n);
    out->count += n;
}

/* Emits n copies of c (c is ' ' or '0'), in chunks. */
static void out_fill(struct fmt_out *out, char c, size_t n)
{
    static const char spaces[16] = "                ";
    static const char zeros[16] = "0000000000000000";
    const char *chunk = c == '0' ? zeros : spaces;
    while (n > 0) {
        size_t k = n < sizeof spaces ? n : sizeof spaces;
        out_bytes(out, chunk, k);
        n -= k;
    }
}

static size_t str_length(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0')
        n++;
    return n;
}

/* Length of s, reading at most max bytes (s need not be NUL-terminated). */
static size_t str_length_max(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n] != '\0')
        n++;
    return n;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Parses a decimal field at *p, saturating at FMT_INT_MAX. */
static int parse_decimal(const char **p)
{
    int value = 0;
    while (is_digit(**p)) {
        int d = **p - '0';
        value = value > (FMT_INT_MAX - d) / 10 ? FMT_INT_MAX : value * 10 + d;
        (*p)++;
    }
    return value;
}

/* Emits s (n bytes) padded to the spec's width; used by %s, %c, %p. */
static void out_padded(struct fmt_out *out, const struct fmt_spec *spec, const char *s,
                       size_t n)
{
    size_t pad = (size_t)spec->width > n ? (size_t)spec->width - n : 0;
    if (!spec->left)
        out_fill(out, ' ', pad);
    out_bytes(out, s, n);
    if (spec->left)
        out_fill(out, ' ', pad);
}

/* Emits an integer conversion with C99 semantics: precision is the minimum
 * digit count (precision 0 and value 0 give no digits), '0' pads after the
 * sign/prefix only when no precision is given and '-' is absent, '#' adds
 * 0x/0X for a nonzero hex value and forces a leading 0 in octal. */
static void out_integer(struct fmt_out *out, const struct fmt_spec *spec, uint64_t magnitude,
                        bool negative, bool is_signed, unsigned base, bool upper)
{
    const char *digit_chars = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char digits[24];
    size_t ndigits = 0;
    char prefix[2];
    size_t nprefix = 0;

    for (uint64_t v = magnitude; v != 0; v /= base)
        digits[sizeof digits - ++ndigits] = digit_chars[v % base];
    if (magnitude == 0 && spec->precision != 0)
        digits[sizeof digits - ++ndigits] = '0';

    size_t precision_zeros =
        spec->precision > 0 && (size_t)spec->precision > ndigits ? (size_t)spec->precision - ndigits
                                                                 : 0;
    if (base == 8 && spec->alt && precision_zeros == 0 &&
        (ndigits == 0 || digits[sizeof digits - ndigits] != '0'))
        precision_zeros = 1;

    if (is_signed) {
        if (negative)
            prefix[nprefix++] = '-';
        else if (spec->plus)
            prefix[nprefix++] = '+';
        else if (spec->space)
            prefix[nprefix++] = ' ';
    } else if (base == 16 && spec->alt && magnitude != 0) {
        prefix[nprefix++] = '0';
        prefix[nprefix++] = upper ? 'X' : 'x';
    }

    size_t body = nprefix + precision_zeros + ndigits;
    size_t pad = (size_t)spec->width > body ? (size_t)spec->width - body : 0;
    bool zero_pad = spec->zero && !spec->left && spec->precision < 0;

    if (!spec->left && !zero_pad)
        out_fill(out, ' ', pad);
    out_bytes(out, prefix, nprefix);
    if (zero_pad)
        out_fill(out, '0', pad);
    out_fill(out, '0', precision_zeros);
    out_bytes(out, digits + sizeof digits - ndigits, ndigits);
    if (spec->left)
        out_fill(out, ' ', pad);
}

enum fmt_length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_T, LEN_J };

/* Fetches a signed argument of the given length, converted to int64_t. */
#define FETCH_SIGNED(ap, len)                                                  \
    ((len) == LEN_HH ? (int64_t)(signed char)va_arg(ap, int)                   \
     : (len) == LEN_H ? (int64_t)(short)va_arg(ap, int)                        \
     : (len) == LEN_L ? (int64_t)va_arg(ap, long)                              \
     : (len) == LEN_LL ? (int64_t)va_arg(ap, long long)                        \
     : (len) == LEN_Z ? (int64_t)va_arg(ap, ptrdiff_t)                         \
     : (len) == LEN_T ? (int64_t)va_arg(ap, ptrdiff_t)                         \
     : (len) == LEN_J ? (int64_t)va_arg(ap, intmax_t)                          \
                      : (int64_t)va_arg(ap, int))

/* Fetches an unsigned argument of the given length, converted to uint64_t. */
#define FETCH_UNSIGNED(ap, len)                                                \
    ((len) == LEN_HH ? (uint64_t)(unsigned char)va_arg(ap, unsigned)           \
     : (len) == LEN_H ? (uint64_t)(unsigned short)va_arg(ap, unsigned)         \
     : (len) == LEN_L ? (uint64_t)va_arg(ap, unsigned long)                    \
     : (len) == LEN_LL ? (uint64_t)va_arg(ap, unsigned long long)              \
     : (len) == LEN_Z ? (uint64_t)va_arg(ap, size_t)                           \
     : (len) == LEN_T ? (uint64_t)va_arg(ap, size_t)                           \
     : (len) == LEN_J ? (uint64_t)va_arg(ap, uintmax_t)                        \
                      : (uint64_t)va_arg(ap, unsigned))

/* Parses an optional length modifier at *p. */
static enum fmt_length parse_length(const char **p)
{
    const char *s = *p;
    enum fmt_length len = LEN_NONE;
    switch (*s) {
    case 'h': len = s[1] == 'h' ? LEN_HH : LEN_H; break;
    case 'l': len = s[1] == 'l' ? LEN_LL : LEN_L; break;
    case 'z': len = LEN_Z; break;
    case 't': len = LEN_T; break;
    case 'j': len = LEN_J; break;
    default: return LEN_NONE;
    }
    *p = s + (len == LEN_HH || len == LEN_LL ? 2 : 1);
    return len;
}

/* Walks fmt, emitting literal text and conversions through sink. Returns the
 * number of bytes produced (saturated at INT_MAX). */
int fmt_vformat(fmt_sink sink, void *ctx, const char *fmt, va_list ap)
{
    struct fmt_out out = { sink, ctx, 0 };
    const char *p = fmt;

    while (*p != '\0') {
        if (*p != '%') {
            const char *start = p;
            while (*p != '\0' && *p != '%')
                p++;
            out_bytes(&out, start, (size_t)(p - start));
            continue;
        }

        const char *spec_start = p++;
        struct fmt_spec spec = { .precision = -1 };
        for (;; p++) {
            if (*p == '-') spec.left = true;
            else if (*p == '0') spec.zero = true;
            else if (*p == '+') spec.plus = true;
            else if (*p == ' ') spec.space = true;
            else if (*p == '#') spec.alt = true;
            else break;
        }
        if (*p == '*') {
            int w = va_arg(ap, int);
            p++;
            if (w < 0) {
                spec.left = true;
                w = w == -FMT_INT_MAX - 1 ? FMT_INT_MAX : -w;
            }
            spec.width = w;
        } else {
            spec.width = parse_decimal(&p);
        }
        if (*p == '.') {
            p++;
            if (*p == '*') {
                int prec = va_arg(ap, int);
                p++;
                spec.precision = prec < 0 ? -1 : prec;
            } else {
                spec.precision = parse_decimal(&p);
            }
        }
        enum fmt_length len = parse_length(&p);
        char conv = *p;
        if (conv != '\0')
            p++;

        switch (conv) {
        case '%':
            out_bytes(&out, "%", 1);
            break;
        case 'c': {
            char c = (char)va_arg(ap, int);
            out_padded(&out, &spec, &c, 1);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (s == NULL)
                s = "(null)";
            size_t n = spec.precision >= 0 ? str_length_max(s, (size_t)spec.precision)
                                           : str_length(s);
            out_padded(&out, &spec, s, n);
            break;
        }
        case 'd':
        case 'i': {
            int64_t v = FETCH_SIGNED(ap, len);
            uint64_t magnitude = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
            out_integer(&out, &spec, magnitude, v < 0, true, 10, false);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            uint64_t v = FETCH_UNSIGNED(ap, len);
            unsigned base = conv == 'u' ? 10 : conv == 'o' ? 8 : 16;
            out_integer(&out, &spec, v, false, false, base, conv == 'X');
            break;
        }
        case 'p': {
            uint64_t v = (uint64_t)(uintptr_t)va_arg(ap, void *);
            char text[18] = { '0', 'x' };
            for (int i = 0; i < 16; i++)
                text[17 - i] = "0123456789abcdef"[(v >> (4 * i)) & 0xf];
            out_padded(&out, &spec, text, sizeof text);
            break;
        }
        default:
            /* Unknown or truncated conversion: print the specification as written. */
            out_bytes(&out, spec_start, (size_t)(p - spec_start));
            break;
        }
    }
    return out.count > FMT_INT_MAX ? FMT_INT_MAX : (int)out.count;
}

/* Sink state for fmt_vsnprintf: a buffer of size bytes, always leaving room
 * for the terminating NUL. */
struct buffer_sink {
    char *buf;
    size_t size;
    size_t used;
};

static void buffer_sink_write(void *ctx, const char *s, size_t n)
{
    struct buffer_sink *b = ctx;
    for (size_t i = 0; i < n && b->used + 1 < b->size; i++)
        b->buf[b->used++] = s[i];
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct buffer_sink b = { buf, size, 0 };
    int n = fmt_vformat(buffer_sink_write, &b, fmt, ap);
    if (size > 0)
        buf[b.used] = '\0';
    return n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
