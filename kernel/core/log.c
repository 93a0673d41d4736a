/* The boot log: leveled, timestamped lines on every console. */
#include "kernel.h"
#include "fmt.h"
#include "arch/cpu.h"
#include "time.h"

int log_level = CONFIG_LOG_LEVEL;

#define LINE_MAX 512

struct line_buf {
    char buf[LINE_MAX];
    size_t len;
};

static void line_sink(void *ctx, const char *s, size_t n)
{
    struct line_buf *lb = ctx;
    for (size_t i = 0; i < n && lb->len < LINE_MAX - 2; i++)
        lb->buf[lb->len++] = s[i];
}

static void append(struct line_buf *lb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(struct line_buf *lb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fmt_vformat(line_sink, lb, fmt, ap);
    va_end(ap);
}

/* Formats the whole line first, then writes it with interrupts held off,
 * so lines from interrupt handlers never interleave. */
void vklog(int level, const char *fmt, va_list ap)
{
    static const char *const tags[] = { "error: ", "warning: ", "", "" };
    if (level > log_level)
        return;
    struct line_buf lb = { .len = 0 };
    uint64_t ns = time_since_boot_ns();
    if (ns == TIME_UNKNOWN)
        append(&lb, "[    ?.??????] ");
    else
        append(&lb, "[%5llu.%06llu] ", (unsigned long long)(ns / 1000000000u),
               (unsigned long long)(ns / 1000u % 1000000u));
    if (level >= 0 && level < (int)ARRAY_SIZE(tags))
        append(&lb, "%s", tags[level]);
    fmt_vformat(line_sink, &lb, fmt, ap);
    lb.buf[lb.len++] = '\n';
    uint64_t flags = arch_irq_save();
    console_write(lb.buf, lb.len);
    arch_irq_restore(flags);
}

void klog(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vklog(level, fmt, ap);
    va_end(ap);
}

static void console_sink(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    console_write(s, n);
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    uint64_t flags = arch_irq_save();
    fmt_vformat(console_sink, NULL, fmt, ap);
    arch_irq_restore(flags);
    va_end(ap);
}
