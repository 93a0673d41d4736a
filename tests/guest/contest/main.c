/* contest: the console driver's test (run=contest; slot 3 = platform,
 * slot 5 = the device manager). Works on whichever console the machine
 * has: a virtio console (the boot test feeds it through a pipe) or COM1
 * (the boot test feeds QEMU's stdin).
 *
 *   1. a marker line through CON_WRITE, and a write longer than one message
 *   2. printf through the console (conc_attach_output)
 *   3. "contest: waiting for input", then one line read (waiting for the
 *      driver's signal), compared with the line the host sends
 *   4. a read with a deadline and no input: times out
 *   5. the console driver restarted: a printf meanwhile is held and
 *      reaches the console once it is back; a read on the old connection
 *      reports PVK_EPEER_RESTARTED once, the next one reopens
 *
 * Results are TAP lines in the boot log (runtime/tap.h): "ok N - name" /
 * "not ok N - name" then "# name: why", then the plan "1..N" and
 * "contest: N passed, M failed"; the status of the power-off is 0 when all
 * passed (tap.h writes to the boot log even while printf goes to the
 * console). */
#include "runtime.h"
#include "conclient.h"
#include "lookup.h"
#include "tap.h"
#include "pvk/devinfo.h"
#include "pvk/service.h"

#define SLOT_PLATFORM 3
#define EXPECTED_INPUT "hello from the host 42"
#define MS 1000000ull

static unsigned passed, failed;

/* To the boot log, whatever the console state. */
static void logline(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));
static void logline(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    sys_debug_write((uint64_t)(uintptr_t)buf, n < 0 ? 0 : (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static void check(bool ok, const char *name, const char *fmt, ...) __attribute__((format(__printf__, 3, 4)));
static void check(bool ok, const char *name, const char *fmt, ...)
{
    if (tap_ok(ok, "%s", name)) {
        passed++;
        return;
    }
    failed++;
    char why[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    tap_diag("%s: %s", name, why);
}

static uint64_t in_ms(uint64_t ms)
{
    return (uint64_t)sys_time().ret + ms * MS;
}

int main(uint64_t arg)
{
    (void)arg;
    struct con_client cc;
    long rc = conc_open(&cc, PVK_SLOT_DEVMGR_CLIENT, 0);
    check(rc == 0, "open", "conc_open: %ld", rc);
    if (rc != 0)
        goto out;

    /* 1. Writes. */
    static const char marker[] = "contest: marker written through CON_WRITE\n";
    rc = conc_write(cc.ep, marker, sizeof marker - 1, false);
    check(rc == (long)sizeof marker - 1, "write", "CON_WRITE took %ld of %zu bytes", rc, sizeof marker - 1);
    static char longline[1200];
    size_t n = (size_t)snprintf(longline, sizeof longline, "contest: long line ");
    for (; n < sizeof longline - 32; n++)
        longline[n] = (char)('a' + n % 26);
    n += (size_t)snprintf(longline + n, sizeof longline - n, " end of the long line");
    rc = conc_write(cc.ep, longline, n, true);
    check(rc == (long)n, "write_long", "%ld of %zu bytes (%u per message)", rc, n, (unsigned)CON_WRITE_MAX);

    /* 2. printf through the console. */
    rc = conc_attach_output(PVK_SLOT_DEVMGR_CLIENT, 0);
    check(rc == 0, "attach_output", "conc_attach_output: %ld", rc);
    printf("contest: marker through printf");
    check(rt_console_active(), "printf", "the console is no longer attached after a printf");

    /* 3. One line of input, which the host sends once it sees this. */
    printf("contest: waiting for input");
    uint64_t t0 = (uint64_t)sys_time().ret;
    char line[128];
    do
        rc = conc_read_line(&cc, line, sizeof line, in_ms(60000));
    while (rc == 0);    /* empty lines (the UART test's padding) */
    uint64_t waited = ((uint64_t)sys_time().ret - t0) / MS;
    check(rc > 0 && strcmp(line, EXPECTED_INPUT) == 0, "read_line", "rc %ld, line \"%s\"",
          rc, rc >= 0 ? line : "");
    logline("contest: read \"%s\" after %llu ms", rc >= 0 ? line : "", (unsigned long long)waited);
    printf("contest: the console read \"%s\"", rc >= 0 ? line : "");

    /* 4. Nothing more comes: the deadline. */
    do
        rc = conc_read_line(&cc, line, sizeof line, in_ms(300));
    while (rc == 0);
    check(rc == SYS_ETIMEOUT, "read_deadline", "rc %ld (\"%s\"), expected SYS_ETIMEOUT", rc, rc >= 0 ? line : "");

    /* 5. Restart the driver: a printf meanwhile is held by the runtime and
     * reaches the console once it is back, before later output; a read on
     * the old connection reports the restart once, the next one reopens. */
    struct msg m = { .tag = TAG(DEVMGR_RESTART, 2, 0), .mr = { 3, 0 } };
    rc = ipc_call(PVK_SLOT_DEVMGR_CLIENT, &m);
    check(rc == 0 && m.mr[0] == 0, "restart", "DEVMGR_RESTART: rc %ld, MR0 %ld", rc, (long)m.mr[0]);
    printf("contest: written while the console driver restarted");
    uint64_t ep;
    uint32_t gen = 0;
    rc = pvk_lookup_device(PVK_SLOT_DEVMGR_CLIENT, 3, 0, 0, &ep, &gen);      /* waits for the new driver */
    check(rc == 0, "lookup_after_restart", "rc %ld", rc);
    logline("contest: console driver generation %u after the restart", gen);
    sys_sleep(in_ms(20));       /* the runtime's reconnect pause */
    printf("contest: console output back after the restart");
    check(rt_console_active(), "reconnected", "printf did not reconnect to the new driver");
    rc = rc == 0 ? conc_write(ep, "contest: marker to the new driver", 33, true) : rc;
    check(rc == 33, "write_after_restart", "rc %ld", rc);
    rc = conc_read_line(&cc, line, sizeof line, in_ms(50));
    check(rc == PVK_EPEER_RESTARTED, "read_reports_restart", "a read on the old connection: rc %ld, expected %d",
          rc, PVK_EPEER_RESTARTED);
    do
        rc = conc_read_line(&cc, line, sizeof line, in_ms(300));
    while (rc == 0);
    check(rc == SYS_ETIMEOUT && cc.reconnects == 1 && !cc.dead, "read_reopens",
          "the next read: rc %ld (expected SYS_ETIMEOUT), %u reconnects", rc, cc.reconnects);

out:
    rt_console_attach(0);
    rt_console_reconnect(NULL);
    tap_done();
    printf("contest: %u passed, %u failed", passed, failed);
    sys_poweroff(SLOT_PLATFORM, failed ? 1 : 0);
    return 1;
}
