/* The runtime's TAP test API (tap.h): each line goes to the boot log in
 * one write ("pN: ok 1 - name"), where pvk-run reads it, even while the
 * program's printf goes to a console. */
#include "runtime.h"
#include "tap.h"

/* Formats one TAP line and writes it to the boot log. */
static void line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void line(const char *fmt, ...)
{
    char buf[RT_PRINTF_BUFFER];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0)
        rt_log_write(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static unsigned planned, count, failed;
static bool plan_given, bailed_out;

void tap_plan(unsigned n)
{
    if (plan_given)
        return;
    plan_given = true;
    planned = n;
    line("1..%u\n", n);
}

/* The name for a result line: cut to TAP_NAME_MAX bytes, '#' and control
 * characters replaced so the line stays one well-formed TAP line. */
static void clean_name(char *name)
{
    for (char *p = name; *p; p++)
        if (*p == '#' || (unsigned char)*p < 0x20)
            *p = '_';
}

bool tap_ok(bool ok, const char *fmt, ...)
{
    char name[TAP_NAME_MAX + 1];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    clean_name(name);
    count++;
    if (!ok)
        failed++;
    line("%sok %u - %s\n", ok ? "" : "not ", count, name);
    return ok;
}

void tap_skip(const char *name, const char *why)
{
    char n[TAP_NAME_MAX + 1], w[TAP_NAME_MAX + 1];
    strlcpy(n, name, sizeof n);
    strlcpy(w, why, sizeof w);
    clean_name(n);
    clean_name(w);
    count++;
    line("ok %u - %s # SKIP %s\n", count, n, w);
}

/* Prints prefix and the formatted text as one line; control characters
 * in the text become spaces, so it stays one TAP line. */
static void emit(const char *prefix, const char *fmt, va_list ap)
{
    char text[RT_PRINTF_BUFFER - 16];
    vsnprintf(text, sizeof text, fmt, ap);
    for (char *p = text; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    line("%s%s\n", prefix, text);
}

void tap_diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit("# ", fmt, ap);
    va_end(ap);
}

void tap_bail_out(const char *fmt, ...)
{
    bailed_out = true;
    va_list ap;
    va_start(ap, fmt);
    emit("Bail out! ", fmt, ap);
    va_end(ap);
}

unsigned tap_count(void)
{
    return count;
}

unsigned tap_failed(void)
{
    return failed;
}

int tap_done(void)
{
    if (!plan_given)
        tap_plan(count);
    else if (planned != count)
        tap_diag("planned %u tests but ran %u", planned, count);
    return failed || bailed_out || planned != count ? 1 : 0;
}
