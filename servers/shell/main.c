/* shell: a small command line on console0. It opens the console through
 * the device manager (slot 5), echoes what is typed, and talks the SUP_*
 * control protocol (pvk/service.h) to init (slot 10: the services) and to
 * the device manager (slot 5: the drivers). Slot 3: the platform, for
 * poweroff. Started by init from the default manifest:
 *   service shell program=shell caps=devmgr,control,platform restart=always
 * Commands: help, list, stop|start|restart NAME, stats NAME,
 * inject NAME KIND [SEED [WINDOW]], poweroff. */
#include "runtime.h"
#include "conclient.h"
#include "superv.h"
#include "pvk/devinfo.h"
#include "pvk/service.h"

#define SLOT_PLATFORM 3
#define SLOT_DEVMGR   PVK_SLOT_DEVMGR_CLIENT    /* 5 */
#define SLOT_INIT     10
#define NS_PER_MS 1000000ull
#define LINE_MAX 128
#define MAX_ARGS 6

static struct con_client cc;
static bool console_open;

/* ---- the console -------------------------------------------------------- */

static bool console_broken;     /* a write failed: open it again before the next prompt */

static void con_put(const char *s, size_t n)
{
    if (console_open && n && conc_write(cc.ep, s, n, false) < 0)
        console_broken = true;
}

static void drop_console(void)
{
    if (cc.ep) {
        sys_cap_delete(cc.ep);
        rt_slot_free((int)cc.ep);
    }
    if (cc.ntfn) {
        sys_cap_delete(cc.ntfn);
        rt_slot_free((int)cc.ntfn);
    }
    cc.ep = cc.ntfn = 0;
    console_open = console_broken = false;
}

/* Opens console0, retrying while its driver (re)starts or is absent. */
static void open_console(void)
{
    static bool output_attached;
    bool said = false;
    for (;;) {
        drop_console();
        long rc = conc_open(&cc, SLOT_DEVMGR, 0);
        if (rc == 0) {
            console_open = true;
            if (!output_attached)
                output_attached = conc_attach_output(SLOT_DEVMGR, 0) == 0;
            return;
        }
        if (!said)
            printf("shell: console0 not available (error %ld); trying again every second", rc);
        said = true;
        sys_sleep((uint64_t)sys_time().ret + 1000 * NS_PER_MS);
    }
}

/* Bytes read but not yet used (input may hold several lines). */
static char pend[CON_READ_MAX];
static size_t pend_off, pend_len;
static bool after_cr;

/* Reads one line with echo and backspace; its length, or a negative error
 * (the console driver restarted: open it again). */
static long read_line(char *buf, size_t size)
{
    size_t n = 0;
    for (;;) {
        if (pend_off == pend_len) {
            /* A deadline: a read on a dead driver's endpoint fails, and
             * the wait alone would never learn of a restart. */
            long r = conc_read(&cc, pend, sizeof pend, (uint64_t)sys_time().ret + 1000 * NS_PER_MS);
            if (r < 0)
                return r;
            pend_off = 0;
            pend_len = (size_t)r;
            continue;
        }
        size_t start = pend_off;
        while (pend_off < pend_len) {
            char c = pend[pend_off++];
            if (c == '\n' && after_cr) {
                after_cr = false;
                continue;
            }
            after_cr = c == '\r';
            if (c == '\r' || c == '\n') {
                con_put(pend + start, pend_off - 1 - start);
                con_put("\r\n", 2);
                buf[n] = 0;
                return (long)n;
            }
            if (c == 0x7f || c == '\b') {
                con_put(pend + start, pend_off - 1 - start);
                start = pend_off;
                if (n) {
                    n--;
                    con_put("\b \b", 3);
                }
            } else if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f || n + 1 >= size) {
                con_put(pend + start, pend_off - 1 - start);   /* dropped, not echoed */
                start = pend_off;
            } else {
                buf[n++] = c;
            }
        }
        con_put(pend + start, pend_off - start);
    }
}

/* ---- helpers ------------------------------------------------------------ */

static const char *err_name(long e)
{
    switch (e) {
    case SYS_ENOENT: return "no such service";
    case SYS_ERIGHTS: return "not allowed";
    case SYS_EEXIST: return "already running";
    case SYS_EBUSY: return "busy or refused";
    case SYS_EDEAD: return "the peer is gone";
    case SYS_ENOCAP: return "no capability for it";
    case SYS_EINVAL: return "invalid request";
    case SYS_ETIMEOUT: return "timed out";
    case SYS_ENOMEM: return "out of memory";
    case PVK_EPEER_RESTARTED: return "the peer restarted";
    case PVK_EFAILED: return "failed for good";
    case PVK_ESTOPPED: return "stopped";
    default: return "error";
    }
}

/* Devices (blk0, net1, console0) belong to the device manager. */
static bool is_device(const char *name)
{
    static const char *const kinds[] = { "blk", "net", "console" };
    for (unsigned i = 0; i < 3; i++) {
        size_t k = strlen(kinds[i]);
        if (strncmp(name, kinds[i], k) != 0 || !name[k])
            continue;
        const char *p = name + k;
        while (*p >= '0' && *p <= '9')
            p++;
        if (!*p)
            return true;
    }
    return false;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s)
        return false;
    for (; *s; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            return false;
        if (v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    *out = v;
    return true;
}

/* Fault-injection kinds (servers/runtime/faultinj.h's enum fi_kind). */
static const char *const fi_names[] = {
    "none", "wild-write", "null-deref", "invalid-opcode", "divide-by-zero", "spin", "block", "corrupt",
};
#define FI_COUNT (sizeof fi_names / sizeof fi_names[0])

/* ---- commands ----------------------------------------------------------- */

static void cmd_help(void)
{
    printf("commands:");
    printf("  help                              this list");
    printf("  list                              services (init) and drivers (devmgr)");
    printf("  stop|start|restart NAME           a service, or a driver (blk0, net0, console0)");
    printf("  stats NAME                        counters of one service or driver");
    printf("  inject NAME KIND [SEED [WINDOW]]  fault injection into a driver; KIND: wild-write,");
    printf("                                    null-deref, invalid-opcode, divide-by-zero, spin, block, corrupt");
    printf("  sleep MS                          wait (scripts and tests)");
    printf("  garbage N                         send init N malformed messages (tests: it must refuse them)");
    printf("  poweroff                          power the machine off");
}

static void failure_text(uint64_t lf, char *buf, size_t size)
{
    uint32_t f = (uint32_t)(lf & 0xff), vec = (uint32_t)((lf >> 8) & 0xff);
    if (f == PVK_FAIL_NONE)
        strlcpy(buf, "-", size);
    else if (f == PVK_FAIL_CRASH)
        snprintf(buf, size, "crash (vector %u)", vec);
    else
        strlcpy(buf, svc_failure_name((enum pvk_svc_failure)f), size);
}

/* One supervisor's table; returns the rows printed. */
static unsigned list_from(uint64_t ep, const char *from)
{
    unsigned rows = 0;
    for (uint64_t i = 0; i < 64; i++) {
        struct msg m = { .tag = TAG(SUP_LIST, 1, 0), .mr = { i } };
        long rc = ipc_call(ep, &m);
        if (rc < 0) {
            if (i == 0)
                printf("list: %s does not answer (%s, error %ld)", from, err_name(rc), rc);
            break;
        }
        if (TAG_LABEL(m.tag) != 0 || (long)m.mr[0] != 0)
            break;
        const uint64_t *ipc = rt_ipc_buffer()->mr;
        uint64_t gen = ipc[4], restarts = ipc[5], rec = ipc[6], lf = ipc[7];
        char name[17], fail[32], recov[24];
        pvk_name_unpack(&m.mr[1], name);
        failure_text(lf, fail, sizeof fail);
        if (rec)
            snprintf(recov, sizeof recov, "%llu", (unsigned long long)(rec / 1000));
        else
            strlcpy(recov, "-", sizeof recov);
        printf("%-12s %-7s %-9s %5llu %8llu  %-18s %s", name, from,
               svc_state_name((enum pvk_svc_state)m.mr[3]), (unsigned long long)gen,
               (unsigned long long)restarts, fail, recov);
        rows++;
    }
    return rows;
}

static void cmd_list(void)
{
    printf("%-12s %-7s %-9s %5s %8s  %-18s %s", "NAME", "FROM", "STATE", "GEN", "RESTARTS", "LAST FAILURE",
           "RECOVERY_US");
    unsigned n = list_from(SLOT_INIT, "init");
    n += list_from(SLOT_DEVMGR, "devmgr");
    printf("(%u entries)", n);
}

/* Sends SUP_* request op about name to its supervisor (devmgr for a
 * device, init otherwise): 0 with the answer in *m, or the error. */
static long sup_call(uint64_t op, const char *name, struct msg *m)
{
    uint64_t ep = is_device(name) ? SLOT_DEVMGR : SLOT_INIT;
    *m = (struct msg){ .tag = TAG(op, 2, 0) };
    pvk_name_pack(name, m->mr);
    long rc = ipc_call(ep, m);
    if (rc == 0 && TAG_LABEL(m->tag) != 0)
        rc = SYS_EINVAL;
    if (rc == 0)
        rc = (long)m->mr[0];
    return rc;
}

static void cmd_control(const char *verb, uint64_t op, const char *name)
{
    struct msg m;
    long rc = sup_call(op, name, &m);
    if (rc == 0)
        printf("%s %s: done", verb, name);
    else
        printf("%s %s: %s (error %ld)", verb, name, err_name(rc), rc);
}

static void cmd_stats(const char *name)
{
    struct msg m;
    long rc = sup_call(SUP_STATS, name, &m);
    if (rc != 0) {
        printf("stats %s: %s (error %ld)", name, err_name(rc), rc);
        return;
    }
    const uint64_t *ipc = rt_ipc_buffer()->mr;
    printf("%s: %s, generation %llu, crashes %llu, hangs %llu, exits %llu, last recovery %llu us, "
           "supervisor quota used %llu KiB",
           name, svc_state_name((enum pvk_svc_state)ipc[7]), (unsigned long long)ipc[4],
           (unsigned long long)m.mr[1], (unsigned long long)m.mr[2], (unsigned long long)m.mr[3],
           (unsigned long long)(ipc[5] / 1000), (unsigned long long)(ipc[6] >> 10));
}

static void cmd_inject(int argc, char **argv)
{
    if (argc < 3 || argc > 5) {
        printf("inject: usage: inject NAME KIND [SEED [WINDOW]]");
        return;
    }
    const char *name = argv[1];
    unsigned kind = 0;
    for (unsigned i = 1; i < FI_COUNT; i++)
        if (strcmp(argv[2], fi_names[i]) == 0)
            kind = i;
    if (!kind) {
        printf("inject: unknown kind '%s' (wild-write, null-deref, invalid-opcode, divide-by-zero, spin, block, "
               "corrupt)", argv[2]);
        return;
    }
    uint64_t seed = 1, window = 1;
    if ((argc > 3 && !parse_u64(argv[3], &seed)) || (argc > 4 && (!parse_u64(argv[4], &window) || !window ||
                                                                  window > 0xffffffffu))) {
        printf("inject: bad number '%s'", argc > 4 && parse_u64(argv[3], &seed) ? argv[4] : argv[3]);
        return;
    }
    if (!is_device(name)) {
        printf("inject: %s is not a driver (blk0, net0, console0, ...)", name);
        return;
    }
    int slot = rt_slot_alloc();
    if (slot < 0) {
        printf("inject: no free slot");
        return;
    }
    struct ipc_buffer *b = rt_ipc_buffer();
    b->recv_slot = (uint64_t)slot;
    struct msg m = { .tag = TAG(DEVMGR_LOOKUP_NAME, 2, 0) };
    pvk_name_pack(name, m.mr);
    long rc = ipc_call(SLOT_DEVMGR, &m);
    b->recv_slot = 0;
    if (rc == 0)
        rc = (long)m.mr[0];
    if (rc == 0 && sys_cap_info((uint64_t)slot).ret != CAP_ENDPOINT)
        rc = SYS_ENOCAP;
    if (rc != 0) {
        printf("inject %s: lookup failed: %s (error %ld)", name, err_name(rc), rc);
        sys_cap_delete((uint64_t)slot);
        rt_slot_free(slot);
        return;
    }
    uint64_t gen = m.mr[1];
    m = (struct msg){ .tag = TAG(PVK_FAULT_INJECT, 3, 0), .mr = { kind, seed, window } };
    rc = ipc_call((uint64_t)slot, &m);
    if (rc < 0)
        printf("inject %s: the call failed: %s (error %ld); the driver may have died at once", name, err_name(rc), rc);
    else if (TAG_LABEL(m.tag) != 0)
        printf("inject %s: refused by the driver (reply label %#llx: not supported there?)", name,
               (unsigned long long)TAG_LABEL(m.tag));
    else if ((long)m.mr[0] != 0)
        printf("inject %s: refused by the driver: %s (error %ld)", name, err_name((long)m.mr[0]), (long)m.mr[0]);
    else
        printf("inject %s: %s armed in generation %llu (seed %llu, window %llu)", name, fi_names[kind],
               (unsigned long long)gen, (unsigned long long)seed, (unsigned long long)window);
    sys_cap_delete((uint64_t)slot);
    rt_slot_free(slot);
}

static void cmd_poweroff(void)
{
    printf("shell: powering off");
    long rc = sys_poweroff(SLOT_PLATFORM, 0).ret;
    printf("poweroff: %s (error %ld)", err_name(rc), rc);
}

static void cmd_garbage(uint64_t n)
{
    uint64_t refused = 0, other = 0;
    for (uint64_t i = 0; i < n; i++) {
        struct msg m = { .tag = TAG(0x7700 + (i & 0xff), 4, 0), .mr = { i, ~i, 0xdeadbeef, i * 7 } };
        long rc = ipc_call(SLOT_INIT, &m);
        if (rc == 0 && TAG_LABEL(m.tag) != 0)
            refused++;
        else
            other++;
    }
    struct msg m = { .tag = TAG(SUP_LIST, 1, 0), .mr = { 0 } };
    long rc = ipc_call(SLOT_INIT, &m);
    printf("garbage: %llu sent, %llu refused, %llu otherwise; init %s", (unsigned long long)n,
           (unsigned long long)refused, (unsigned long long)other,
           rc == 0 && m.mr[0] == 0 ? "still answers" : "DOES NOT ANSWER");
}

static void run(char *line)
{
    char *argv[MAX_ARGS + 1];
    int argc = 0;
    for (char *p = line; *p;) {
        while (*p == ' ' || *p == '\t')
            *p++ = 0;
        if (!*p)
            break;
        if (argc == MAX_ARGS) {
            printf("too many words (at most %d)", MAX_ARGS);
            return;
        }
        argv[argc++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
    }
    if (argc == 0)
        return;
    const char *c = argv[0];
    if (strcmp(c, "help") == 0 && argc == 1) {
        cmd_help();
    } else if (strcmp(c, "list") == 0 && argc == 1) {
        cmd_list();
    } else if ((strcmp(c, "stop") == 0 || strcmp(c, "start") == 0 || strcmp(c, "restart") == 0) && argc == 2) {
        uint64_t op = c[2] == 'o' ? SUP_STOP : c[2] == 'a' ? SUP_START : SUP_RESTART;
        if (strlen(argv[1]) > 16)
            printf("%s: name too long: %s", c, argv[1]);
        else
            cmd_control(c, op, argv[1]);
    } else if (strcmp(c, "stats") == 0 && argc == 2) {
        cmd_stats(argv[1]);
    } else if (strcmp(c, "inject") == 0) {
        cmd_inject(argc, argv);
    } else if ((strcmp(c, "sleep") == 0 || strcmp(c, "garbage") == 0) && argc == 2) {
        uint64_t v;
        if (!parse_u64(argv[1], &v) || v > 1000000)
            printf("%s: bad number '%s'", c, argv[1]);
        else if (c[0] == 's')
            sys_sleep((uint64_t)sys_time().ret + v * NS_PER_MS);
        else
            cmd_garbage(v);
    } else if (strcmp(c, "poweroff") == 0 && argc == 1) {
        cmd_poweroff();
    } else if (strcmp(c, "help") == 0 || strcmp(c, "list") == 0 || strcmp(c, "stop") == 0 ||
               strcmp(c, "start") == 0 || strcmp(c, "restart") == 0 || strcmp(c, "stats") == 0 ||
               strcmp(c, "poweroff") == 0 || strcmp(c, "sleep") == 0 || strcmp(c, "garbage") == 0) {
        printf("%s: wrong number of arguments (try help)", c);
    } else {
        printf("unknown command '%s' (try help)", c);
    }
}

int main(uint64_t arg)
{
    (void)arg;
    open_console();
    printf("pvk shell: type help for the commands");
    for (;;) {
        if (console_broken)
            open_console();     /* the driver restarted; input already read stays in pend */
        con_put("pvk> ", 5);
        char line[LINE_MAX];
        long n = read_line(line, sizeof line);
        if (n < 0) {
            /* The console driver restarted: open it again. */
            open_console();
            continue;
        }
        run(line);
    }
}
