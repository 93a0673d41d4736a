/* The runtime's TAP test API (tap.h): one printf per line, so each result
 * is one line of the boot log ("pN: ok 1 - name"). */
#include "runtime.h"
#include "tap.h"

static unsigned planned, count, failed;
static bool plan_given, bailed_out;

void tap_plan(unsigned n)
{
    if (plan_given)
        return;
    plan_given = true;
    planned = n;
    printf("1..%u\n", n);
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
    printf("%sok %u - %s\n", ok ? "" : "not ", count, name);
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
    printf("ok %u - %s # SKIP %s\n", count, n, w);
}

/* Formats one line of text for a TAP line: control characters become
 * spaces, so it stays one line. */
static void format_text(char *text, size_t size, const char *fmt, va_list ap)
{
    vsnprintf(text, size, fmt, ap);
    for (char *p = text; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
}

void tap_diag(const char *fmt, ...)
{
    char text[RT_PRINTF_BUFFER - 4];
    va_list ap;
    va_start(ap, fmt);
    format_text(text, sizeof text, fmt, ap);
    va_end(ap);
    printf("# %s\n", text);
}

void tap_bail_out(const char *fmt, ...)
{
    char text[RT_PRINTF_BUFFER - 16];
    va_list ap;
    va_start(ap, fmt);
    format_text(text, sizeof text, fmt, ap);
    va_end(ap);
    bailed_out = true;
    printf("Bail out! %s\n", text);
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
