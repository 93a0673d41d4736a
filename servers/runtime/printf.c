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

/* Lines written while the console is down (attached with a reconnect
 * function): kept here, whole lines, the oldest dropped on overflow, and
 * written before the next line once the console is back. */
static char held[RT_CONSOLE_HOLD];
static size_t held_len;
static uint64_t held_dropped;

static const char *find_nl(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] == '\n')
            return p + i;
    return NULL;
}

static void hold(const char *s, size_t n)
{
    size_t need = n + (n == 0 || s[n - 1] != '\n');
    if (need > sizeof held) {
        held_dropped += need;
        return;
    }
    while (held_len + need > sizeof held) {
        const char *nl = find_nl(held, held_len);
        size_t k = nl ? (size_t)(nl - held) + 1 : held_len;
        memmove(held, held + k, held_len - k);
        held_len -= k;
        held_dropped += k;
    }
    memcpy(held + held_len, s, n);
    held_len += n;
    if (need > n)
        held[held_len++] = '\n';
}

/* Writes what is held; false if the console failed meanwhile (what was
 * not written stays held). */
static bool flush_held(void)
{
    if (held_dropped) {
        char note[64];
        int k = snprintf(note, sizeof note, "[console: %llu bytes dropped]", (unsigned long long)held_dropped);
        if (conc_write(console_ep, note, (size_t)k, true) < 0)
            return false;
        held_dropped = 0;
    }
    size_t off = 0;
    while (off < held_len) {
        const char *nl = find_nl(held + off, held_len - off);
        size_t k = nl ? (size_t)(nl - (held + off)) + 1 : held_len - off;
        if (conc_write(console_ep, held + off, k, true) < 0) {
            memmove(held, held + off, held_len - off);
            held_len -= off;
            return false;
        }
        off += k;
    }
    held_len = 0;
    return true;
}

/* The console endpoint failed: a fresh one (or 0) from the reconnect function. */
static void console_lost(void)
{
    uint64_t dead = console_ep;
    console_ep = 0;
    if (console_reconnect)
        console_ep = console_reconnect(dead);
}

/* One line to the console; false if there is none or it failed and no
 * reconnect function is set (then the caller writes to the boot log).
 * With one, a line that cannot be written now is held for later. */
static bool console_write(const char *s, size_t n)
{
    for (int tries = 0; tries < 2; tries++) {
        if (!console_ep && console_reconnect)
            console_ep = console_reconnect(0);
        if (!console_ep)
            break;
        if ((held_len || held_dropped) && !flush_held()) {
            console_lost();
            continue;
        }
        if (conc_write(console_ep, s, n, true) >= 0)
            return true;
        console_lost();
    }
    if (!console_reconnect)
        return false;
    hold(s, n);
    return true;
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
    rt_log_write(s, n);
}

void rt_log_write(const char *s, size_t n)
{
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
