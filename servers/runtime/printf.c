/* Formatted output to the boot log, on top of the kernel's formatter
 * (kernel/lib/fmt.c, compiled into the runtime). Each call collects its
 * output in a stack buffer and hands it to debug_write in one piece, so the
 * log never interleaves half lines of two processes (longer output is
 * written in RT_PRINTF_BUFFER pieces). A process attached to a console
 * (rt_console_attach) writes there instead, each piece as a line. */
#include "conclient.h"
#include "fmt.h"
#include "runtime.h"

static uint64_t console_ep;
static uint64_t (*console_reconnect)(uint64_t dead);

void rt_console_attach(uint64_t slot)
{
    console_ep = slot;
}

void rt_console_reconnect(uint64_t (*fn)(uint64_t dead))
{
    console_reconnect = fn;
}

bool rt_console_active(void)
{
    return console_ep != 0;
}

/* One line to the console; false if there is none or it failed (then the
 * caller writes to the boot log: nothing is lost, at worst repeated). */
static bool console_write(const char *s, size_t n)
{
    if (!console_ep && console_reconnect)
        console_ep = console_reconnect(0);
    if (!console_ep)
        return false;
    if (conc_write(console_ep, s, n, true) >= 0)
        return true;
    uint64_t dead = console_ep;
    console_ep = 0;
    if (console_reconnect)
        console_ep = console_reconnect(dead);
    return false;
}

struct out_buffer {
    size_t len;
    char buf[RT_PRINTF_BUFFER];
};

/* Writes all n bytes, retrying short writes; gives up on an error. */
void rt_write(const char *s, size_t n)
{
    if (n > 0 && (console_ep || console_reconnect) && console_write(s, n))
        return;
    while (n > 0) {
        long r = sys_debug_write((uint64_t)(uintptr_t)s, n).ret;
        if (r <= 0)
            return;
        s += (size_t)r < n ? (size_t)r : n;
        n -= (size_t)r < n ? (size_t)r : n;
    }
}

static void flush(struct out_buffer *o)
{
    rt_write(o->buf, o->len);
    o->len = 0;
}

/* fmt_sink: appends to the buffer, flushing whenever it fills. */
static void buffer_sink(void *ctx, const char *s, size_t n)
{
    struct out_buffer *o = ctx;
    while (n > 0) {
        if (o->len == sizeof o->buf)
            flush(o);
        size_t k = sizeof o->buf - o->len;
        if (k > n)
            k = n;
        memcpy(o->buf + o->len, s, k);
        o->len += k;
        s += k;
        n -= k;
    }
}

int vprintf(const char *fmt, va_list ap)
{
    struct out_buffer o;
    o.len = 0;
    int n = fmt_vformat(buffer_sink, &o, fmt, ap);
    flush(&o);
    return n;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    return fmt_vsnprintf(buf, size, fmt, ap);
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int puts(const char *s)
{
    struct out_buffer o;
    o.len = 0;
    size_t n = strlen(s);
    buffer_sink(&o, s, n);
    buffer_sink(&o, "\n", 1);
    flush(&o);
    return (int)(n + 1 > 0x7fffffff ? 0x7fffffff : n + 1);
}

int putchar(int c)
{
    char ch = (char)c;
    rt_write(&ch, 1);
    return (unsigned char)ch;
}
