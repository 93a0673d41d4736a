/* restarttest: the fault-injection campaign of the test suite and of `make
 * bench-restart`. For each driver present (blk0, net0, console0) it makes
 * the driver crash CRASHES times (wild write, null dereference, invalid
 * opcode, divide by zero, corrupted state, in turn) and hang HANGS times
 * (spin, block forever, in turn), each from the driver's own code at a
 * fault point drawn from a seed, while this program keeps real I/O going
 * through the client library. After each fault it waits for the first
 * request completed by the restarted driver and records the recovery time:
 * from the moment the fault fired (the driver's last words, SUP_STATS MR8)
 * to that completion.
 *
 * Block: up to QD writes with BLK_F_FUA in flight to distinct blocks of
 * NBLOCKS 4 KiB blocks, each a new version of its block (header + payload
 * from (block, version)); the ledger of the last acknowledged and highest
 * submitted version of each block is checked by reading every block back,
 * then written to block NBLOCKS for the host's check after power-off
 * (tests/boot/check-restart-image). Network: ARP requests to QEMU's
 * gateway, their replies received. Console: numbered lines through printf
 * attached to console0 ("rtcon N"); the host checks none is missing.
 *
 * Settings: compiled-in defaults, or the bundle's "restarttest.conf" (one
 * "key=value" per line: crashes, hangs, seed, window, drivers=blk,net,console).
 * Prints per driver "restarttest: result DRV crashes=N hangs=N
 * crash_p50_ns=... crash_p99_ns=... crash_max_ns=... hang_p50_ns=...
 * hang_p99_ns=... hang_max_ns=... failed=N lost=N"; each check is a TAP
 * line (runtime/tap.h: "ok N - what" / "not ok N - what"); at the end the
 * plan "1..N", then "restarttest: N passed, M failed", and it powers off
 * with the status.
 * Slots: 3 platform, 4 bundle, 5 the device manager. */
#include "blkclient.h"
#include "conclient.h"
#include "cpio.h"
#include "faultinj.h"
#include "lookup.h"
#include "netclient.h"
#include "runtime.h"
#include "tap.h"
#include "pvk/devinfo.h"
#include "pvk/service.h"

#define SLOT_PLATFORM 3
#define SLOT_BUNDLE   4
#define DEVMGR        PVK_SLOT_DEVMGR_CLIENT
#define BUNDLE_VA     0x0000003000000000ull
#define BLK_VA        0x0000002000000000ull
#define NET_VA        0x0000002800000000ull
#define BLOCK         4096u
#define NBLOCKS       64u
#define QD            8u
#define MAX_FAULTS    4096u         /* recovery times kept per driver and kind (the rest: max only) */
#define FAULT_TIMEOUT_NS 20000000000ull

static struct {
    uint32_t crashes, hangs, window;
    uint64_t seed;
    char drivers[64];
} conf = { 50, 50, 6, 1, "blk,net,console" };

static unsigned passed, failed;
static struct blk_client bc;
static struct net_client nc;

/* Lines for the boot log even while printf goes to the console. */
static void say(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));
static void say(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    sys_debug_write((uint64_t)(uintptr_t)buf, n < 0 ? 0 : (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* One TAP line (tap.h writes to the boot log even while printf goes to the
 * console). */
static void result(bool ok, const char *what)
{
    tap_ok(ok, "%s", what) ? passed++ : failed++;
}

static uint64_t now_ns(void)
{
    return (uint64_t)sys_time().ret;
}

static char *find_char(char *s, char c)
{
    for (; *s; s++)
        if (*s == c)
            return s;
    return NULL;
}

/* True if word is one of the comma-separated items of list. */
static bool in_list(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; *p;) {
        const char *e = p;
        while (*e && *e != ',')
            e++;
        if ((size_t)(e - p) == n && strncmp(p, word, n) == 0)
            return true;
        p = *e ? e + 1 : e;
    }
    return false;
}

static uint64_t parse_u64(const char *s)
{
    uint64_t v = 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (uint64_t)(*s++ - '0');
    return v;
}

static void read_conf(uint64_t arg)
{
    uint64_t size = arg & 0xffffffffffffull;
    if (sys_map(SLOT_BUNDLE, RT_SLOT_SELF_PROCESS, BUNDLE_VA, CAP_R_READ).ret != 0)
        return;
    struct cpio_entry e;
    if (cpio_find((const void *)(BUNDLE_VA + (arg >> 48)), size, "restarttest.conf", &e) != CPIO_OK)
        return;
    const char *p = e.data, *end = p + e.size;
    while (p < end) {
        char line[96];
        size_t n = 0;
        while (p < end && *p != '\n')
            if (n + 1 < sizeof line)
                line[n++] = *p++;
            else
                p++;
        p++;
        line[n] = 0;
        char *v = find_char(line, '=');
        if (!v)
            continue;
        *v++ = 0;
        if (!strcmp(line, "crashes"))
            conf.crashes = (uint32_t)parse_u64(v);
        else if (!strcmp(line, "hangs"))
            conf.hangs = (uint32_t)parse_u64(v);
        else if (!strcmp(line, "window"))
            conf.window = (uint32_t)parse_u64(v);
        else if (!strcmp(line, "seed"))
            conf.seed = parse_u64(v);
        else if (!strcmp(line, "drivers"))
            strlcpy(conf.drivers, v, sizeof conf.drivers);
    }
    say("restarttest: settings from restarttest.conf: crashes=%u hangs=%u window=%u seed=%llu drivers=%s",
        conf.crashes, conf.hangs, conf.window, (unsigned long long)conf.seed, conf.drivers);
}

/* --- the supervisor's view ---------------------------------------------------- */

struct stats {
    uint64_t crashes, hangs, exits, generation, state, last_words, ready_at, quota;
};

static bool get_stats(const char *name, struct stats *s)
{
    struct msg m = { .tag = TAG(SUP_STATS, 2, 0) };
    pvk_name_pack(name, m.mr);
    if (ipc_call(DEVMGR, &m) < 0 || (long)m.mr[0] != 0)
        return false;
    uint64_t *ipc = rt_ipc_buffer()->mr;
    *s = (struct stats){ m.mr[1], m.mr[2], m.mr[3], ipc[4], ipc[7], ipc[8], ipc[9], ipc[6] };
    return true;
}

/* --- recovery times ------------------------------------------------------------ */

struct times {
    uint32_t n;
    uint64_t max;
    uint64_t v[MAX_FAULTS];
};

static void times_add(struct times *t, uint64_t ns)
{
    if (t->n < MAX_FAULTS)
        t->v[t->n] = ns;
    t->n++;
    if (ns > t->max)
        t->max = ns;
}

static void sort64(uint64_t *a, uint32_t n)     /* shell sort: bounded, no recursion */
{
    for (uint32_t gap = n / 2; gap > 0; gap /= 2)
        for (uint32_t i = gap; i < n; i++)
            for (uint32_t j = i; j >= gap && a[j - gap] > a[j]; j -= gap) {
                uint64_t x = a[j];
                a[j] = a[j - gap];
                a[j - gap] = x;
            }
}

static uint64_t pct(struct times *t, unsigned p)
{
    uint32_t n = t->n < MAX_FAULTS ? t->n : MAX_FAULTS;
    if (!n)
        return 0;
    sort64(t->v, n);
    uint32_t i = (uint32_t)(((uint64_t)n * p + 99) / 100);
    return t->v[i ? i - 1 : 0];
}

/* --- a driver under test --------------------------------------------------------- */

struct target {
    const char *name;               /* "blk0" */
    bool (*open)(void);
    /* One round of I/O; true if a request completed in it. */
    bool (*step)(void);
    uint64_t (*ep)(void);           /* the driver's endpoint as the library holds it now */
    bool (*finish)(void);           /* checks at the end: false if data was lost */
    uint32_t (*reconnects)(void);   /* the library's reconnections (NULL: a completion proves it) */
    uint64_t failed, lost;
};

static struct times crash_times, hang_times;

/* Injects one fault of kind and waits for the restarted driver's first
 * completed request. Returns false if it did not recover in time. */
static bool one_fault(struct target *t, enum fi_kind kind, uint64_t seed, struct times *into)
{
    struct stats before;
    if (!get_stats(t->name, &before))
        return false;
    uint64_t start = now_ns(), limit = start + FAULT_TIMEOUT_NS;
    uint32_t reconnected = t->reconnects ? t->reconnects() : 0;
    bool armed = false;
    while (!armed && now_ns() < limit) {
        struct msg m = { .tag = TAG(PVK_FAULT_INJECT, 3, 0), .mr = { kind, seed, conf.window } };
        uint64_t ep = t->ep();
        armed = ep && ipc_call(ep, &m) == 0 && (long)m.mr[0] == 0;
        if (!armed)
            t->step();      /* the library reconnects if the driver is away */
    }
    if (!armed)
        return false;
    /* Keep the I/O going until a request completes after the restart. */
    struct stats s = before;
    while (now_ns() < limit) {
        bool done = t->step();
        if (!get_stats(t->name, &s))
            continue;
        if (s.generation == before.generation)
            continue;       /* not restarted yet */
        if (s.ready_at == 0)
            continue;       /* restarted, not ready yet */
        /* A completion the dead instance posted before it died does not count. */
        if (!done || (t->reconnects && t->reconnects() == reconnected))
            continue;
        uint64_t at = now_ns();
        uint64_t fired = s.last_words > start ? s.last_words : 0;
        if (!fired) {
            say("restarttest: %s: restarted without its last words (generation %llu)", t->name,
                (unsigned long long)s.generation);
            return false;
        }
        times_add(into, at - fired);
        return true;
    }
    say("restarttest: %s: no recovery within %llu s of a %s fault (generation %llu -> %llu)", t->name,
        (unsigned long long)(FAULT_TIMEOUT_NS / 1000000000ull), fi_kind_name(kind),
        (unsigned long long)before.generation, (unsigned long long)s.generation);
    return false;
}

static void campaign(struct target *t)
{
    static const enum fi_kind crash_kinds[] = { FI_WILD_WRITE, FI_NULL_DEREF, FI_INVALID_OPCODE, FI_DIVIDE_BY_ZERO,
                                                FI_CORRUPT };
    static const enum fi_kind hang_kinds[] = { FI_SPIN, FI_BLOCK };
    crash_times.n = hang_times.n = 0;
    crash_times.max = hang_times.max = 0;
    if (!t->open()) {
        char what[64];
        snprintf(what, sizeof what, "%s: the client library opens the device", t->name);
        result(false, what);
        return;
    }
    struct stats s0;
    get_stats(t->name, &s0);
    uint32_t ok_crash = 0, ok_hang = 0;
    for (uint32_t i = 0; i < conf.crashes; i++)
        ok_crash += one_fault(t, crash_kinds[i % 5], conf.seed * 1000003u + i, &crash_times);
    for (uint32_t i = 0; i < conf.hangs; i++)
        ok_hang += one_fault(t, hang_kinds[i % 2], conf.seed * 1000033u + i, &hang_times);
    bool intact = t->finish();
    struct stats s1 = { 0 };
    get_stats(t->name, &s1);
    char what[160];
    snprintf(what, sizeof what, "%s: %u of %u crashes recovered", t->name, ok_crash, conf.crashes);
    result(ok_crash == conf.crashes, what);
    snprintf(what, sizeof what, "%s: %u of %u hangs recovered", t->name, ok_hang, conf.hangs);
    result(ok_hang == conf.hangs, what);
    snprintf(what, sizeof what, "%s: the supervisor counted %llu crashes and %llu hangs", t->name,
             (unsigned long long)(s1.crashes + s1.exits - s0.crashes - s0.exits),
             (unsigned long long)(s1.hangs - s0.hangs));
    result(s1.crashes + s1.exits - s0.crashes - s0.exits == conf.crashes && s1.hangs - s0.hangs == conf.hangs, what);
    snprintf(what, sizeof what, "%s: no request failed or lost (failed %llu, lost %llu)", t->name,
             (unsigned long long)t->failed, (unsigned long long)t->lost);
    result(intact && t->lost == 0, what);
    snprintf(what, sizeof what, "%s: the device manager's quota is back (%llu -> %llu bytes)", t->name,
             (unsigned long long)s0.quota, (unsigned long long)s1.quota);
    result(s1.quota == s0.quota, what);
    uint64_t c50 = pct(&crash_times, 50), c99 = pct(&crash_times, 99);
    uint64_t h50 = pct(&hang_times, 50), h99 = pct(&hang_times, 99);
    char drv[16];
    strlcpy(drv, t->name, sizeof drv);
    drv[strlen(drv) - 1] = 0;       /* "blk0" -> "blk" */
    say("restarttest: result %s crashes=%u hangs=%u crash_p50_ns=%llu crash_p99_ns=%llu crash_max_ns=%llu "
        "hang_p50_ns=%llu hang_p99_ns=%llu hang_max_ns=%llu failed=%llu lost=%llu", drv, crash_times.n,
        hang_times.n, (unsigned long long)c50, (unsigned long long)c99, (unsigned long long)crash_times.max,
        (unsigned long long)h50, (unsigned long long)h99, (unsigned long long)hang_times.max,
        (unsigned long long)t->failed, (unsigned long long)t->lost);
}

/* --- block --------------------------------------------------------------------- */

static uint32_t acked[NBLOCKS], attempted[NBLOCKS];
static bool busy[NBLOCKS];
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static struct { bool used; uint32_t block, version; } slot_of[QD];
static uint32_t inflight;

static uint64_t next_rand(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dull;
}

/* Block b at version v: "PVKRSTRT", b, v, then splitmix64 from (b << 32 | v)
 * (tests/boot/check-restart-image computes the same). */
static void fill_block(uint64_t *w, uint32_t b, uint32_t v)
{
    memcpy(w, "PVKRSTRT", 8);
    w[1] = (uint64_t)b | (uint64_t)v << 32;
    uint64_t x = (uint64_t)b << 32 | v;
    for (unsigned i = 2; i < BLOCK / 8; i++) {
        x += 0x9e3779b97f4a7c15ull;
        uint64_t z = x;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        w[i] = z ^ (z >> 31);
    }
}

/* The version block b holds in w (0: zeros), or -1 if it is not a block we wrote. */
static long block_version(const uint64_t *w, uint32_t b)
{
    bool zero = true;
    for (unsigned i = 0; i < BLOCK / 8 && zero; i++)
        zero = w[i] == 0;
    if (zero)
        return 0;
    if (memcmp(w, "PVKRSTRT", 8) != 0 || (uint32_t)w[1] != b)
        return -1;
    static uint64_t expect[BLOCK / 8];
    uint32_t v = (uint32_t)(w[1] >> 32);
    fill_block(expect, b, v);
    return memcmp(expect, w, BLOCK) == 0 ? (long)v : -1;
}

static bool blk_open(void)
{
    return blkc_open(&bc, DEVMGR, 0, BLK_VA) == 0 && bc.capacity * 512 >= (NBLOCKS + 1) * (uint64_t)BLOCK;
}

static uint64_t blk_ep(void)
{
    return bc.ep;
}

struct target blk_target;

static bool blk_step(void)
{
    bool kicked = false;
    while (inflight < QD) {
        uint32_t b = (uint32_t)(next_rand() % NBLOCKS);
        if (busy[b])
            break;
        unsigned s = 0;
        while (slot_of[s].used)
            s++;
        uint32_t v = ++attempted[b];
        fill_block(blkc_data(&bc, (uint64_t)s * BLOCK), b, v);
        struct blk_req r = { .id = s, .sector = (uint64_t)b * (BLOCK / 512), .offset = blkc_offset((uint64_t)s * BLOCK),
                             .len = BLOCK, .op = BLK_OP_WRITE, .flags = BLK_F_FUA };
        if (!blkc_submit(&bc, &r)) {
            attempted[b]--;
            break;
        }
        slot_of[s].used = true;
        slot_of[s].block = b;
        slot_of[s].version = v;
        busy[b] = true;
        inflight++;
        kicked = true;
    }
    if (kicked)
        blkc_kick(&bc);
    struct blk_cpl cpl;
    if (!blkc_wait(&bc, &cpl, now_ns() + 200000000ull))
        return false;
    if (cpl.id >= QD || !slot_of[cpl.id].used) {
        say("restarttest: blk0: a completion with an id never submitted (%llu)", (unsigned long long)cpl.id);
        blk_target.lost++;
        return false;
    }
    unsigned s = (unsigned)cpl.id;
    uint32_t b = slot_of[s].block;
    if (cpl.status == BLK_OK) {
        if (slot_of[s].version > acked[b])
            acked[b] = slot_of[s].version;
    } else {
        blk_target.failed++;
    }
    slot_of[s].used = false;
    busy[b] = false;
    inflight--;
    blkc_status(&bc);
    return cpl.status == BLK_OK;
}

static bool blk_finish(void)
{
    uint64_t limit = now_ns() + 30000000000ull;
    while (inflight && now_ns() < limit) {
        struct blk_cpl cpl;
        if (!blkc_wait(&bc, &cpl, now_ns() + 200000000ull) || cpl.id >= QD || !slot_of[cpl.id].used)
            continue;
        unsigned s = (unsigned)cpl.id;
        uint32_t b = slot_of[s].block;
        if (cpl.status == BLK_OK && slot_of[s].version > acked[b])
            acked[b] = slot_of[s].version;
        else if (cpl.status != BLK_OK)
            blk_target.failed++;
        slot_of[s].used = busy[b] = false;
        inflight--;
    }
    if (inflight) {
        say("restarttest: blk0: %u requests never completed", inflight);
        blk_target.lost += inflight;
        return false;
    }
    /* Every block must hold its last acknowledged version, or a later one
     * that was submitted and not acknowledged; never anything else. */
    uint64_t *buf = blkc_data(&bc, 0);
    for (uint32_t b = 0; b < NBLOCKS; b++) {
        memset(buf, 0xa5, BLOCK);
        int32_t st = blkc_sync(&bc, BLK_OP_READ, 0, (uint64_t)b * (BLOCK / 512), 0, BLOCK);
        long v = st == BLK_OK ? block_version(buf, b) : -2;
        if (v < (long)acked[b] || v > (long)attempted[b]) {
            say("restarttest: blk0: block %u holds version %ld; acknowledged %u, submitted up to %u", b, v, acked[b],
                attempted[b]);
            blk_target.lost++;
        }
    }
    /* The ledger, for the host's check after power-off. */
    memset(buf, 0, BLOCK);
    memcpy(buf, "PVKLEDGR", 8);
    buf[1] = NBLOCKS;
    uint32_t *l = (uint32_t *)&buf[2];
    for (uint32_t b = 0; b < NBLOCKS; b++) {
        l[2 * b] = acked[b];
        l[2 * b + 1] = attempted[b];
    }
    int32_t st = blkc_sync(&bc, BLK_OP_WRITE, BLK_F_FUA, (uint64_t)NBLOCKS * (BLOCK / 512), 0, BLOCK);
    if (st != BLK_OK)
        say("restarttest: blk0: writing the ledger failed (%d)", st);
    return st == BLK_OK;
}

static uint32_t blk_reconnects(void)
{
    return bc.reconnects;
}

struct target blk_target = { "blk0", blk_open, blk_step, blk_ep, blk_finish, blk_reconnects, 0, 0 };

/* --- network -------------------------------------------------------------------- */

static uint64_t net_sent, net_done;

static bool net_open(void)
{
    if (netc_open(&nc, DEVMGR, 0, NET_VA) != 0)
        return false;
    netc_post_rx(&nc, 64);      /* kept lent across restarts by the library */
    return true;
}

static uint64_t net_ep(void)
{
    return nc.ep;
}

/* An ARP request for 10.0.2.2 (QEMU's user-network gateway) from 10.0.2.15. */
static void arp_request(uint8_t *f)
{
    memset(f, 0, 60);
    memset(f, 0xff, 6);
    memcpy(f + 6, nc.mac, 6);
    f[12] = 0x08, f[13] = 0x06;
    static const uint8_t arp[8] = { 0, 1, 8, 0, 6, 4, 0, 1 };
    memcpy(f + 14, arp, 8);
    memcpy(f + 22, nc.mac, 6);
    static const uint8_t me[4] = { 10, 0, 2, 15 }, gw[4] = { 10, 0, 2, 2 };
    memcpy(f + 28, me, 4);
    memcpy(f + 38, gw, 4);
}

static bool net_step(void)
{
    uint8_t frame[60];
    arp_request(frame);
    long rc = netc_send(&nc, frame, sizeof frame, 0);
    if (rc == 0)
        net_sent++;
    /* Sent frames come back inside the library's calls: a completion is
     * the count of frames the driver holds going down, on one instance. */
    uint32_t held = nc.tx_inflight, gen = nc.reconnects;
    uint8_t buf[2048];
    long n = netc_recv(&nc, buf, sizeof buf, now_ns() + 1000000ull);
    netc_reclaim(&nc);
    unsigned k = nc.reconnects == gen && nc.tx_inflight < held ? held - nc.tx_inflight : 0;
    net_done += k;
    return k > 0 || n > 0;
}

struct target net_target;

static bool net_finish(void)
{
    /* Frames in flight when a driver died are lost (that is Ethernet); the
     * library must still send and receive afterwards. */
    unsigned got = 0;
    for (unsigned i = 0; i < 20 && !got; i++) {
        uint8_t frame[60], buf[2048];
        arp_request(frame);
        netc_send(&nc, frame, sizeof frame, 0);
        got += netc_recv(&nc, buf, sizeof buf, now_ns() + 200000000ull) > 0;
        netc_reclaim(&nc);
    }
    say("restarttest: net0: %llu frames sent, %llu completed; %u reconnections", (unsigned long long)net_sent,
        (unsigned long long)net_done, nc.reconnects);
    if (!got)
        net_target.failed++;
    return got > 0;
}

static uint32_t net_reconnects(void)
{
    return nc.reconnects;
}

struct target net_target = { "net0", net_open, net_step, net_ep, net_finish, net_reconnects, 0, 0 };

/* --- console --------------------------------------------------------------------- */

static uint64_t con_ep_slot;
static uint32_t con_line;

static bool con_open(void)
{
    if (conc_attach_output(DEVMGR, 0) != 0)
        return false;
    uint32_t gen;
    return pvk_lookup_name(DEVMGR, "console0", 0, &con_ep_slot, &gen) == 0;
}

/* The endpoint to arm injection on: looked up again when the driver changed. */
static uint64_t con_ep(void)
{
    struct stats s;
    static uint64_t gen_seen;
    if (get_stats("console0", &s) && s.generation != gen_seen && s.ready_at) {
        if (con_ep_slot) {
            sys_cap_delete(con_ep_slot);
            rt_slot_free((int)con_ep_slot);
            con_ep_slot = 0;
        }
        uint32_t g;
        if (pvk_lookup_name(DEVMGR, "console0", 0, &con_ep_slot, &g) == 0)
            gen_seen = g;
    }
    return con_ep_slot;
}

static bool con_step(void)
{
    printf("rtcon %u", con_line++);
    return rt_console_active();     /* written to a driver, not held while it is away */
}

static bool con_finish(void)
{
    printf("rtcon end %u", con_line);
    say("restarttest: console0: %u lines written through printf (the host checks every one arrived)", con_line);
    return true;
}

struct target con_target = { "console0", con_open, con_step, con_ep, con_finish, NULL, 0, 0 };

/* --- main ------------------------------------------------------------------------ */

static bool present(const char *name)
{
    struct stats s;
    return get_stats(name, &s);
}

int main(uint64_t arg)
{
    read_conf(arg);
    struct target *all[] = { &blk_target, &net_target, &con_target };
    for (unsigned i = 0; i < 3; i++) {
        char key[16];
        strlcpy(key, all[i]->name, sizeof key);
        key[strlen(key) - 1] = 0;
        if (!in_list(conf.drivers, key))
            continue;
        if (!present(all[i]->name)) {
            say("restarttest: %s: not present; skipped", all[i]->name);
            continue;
        }
        uint64_t t0 = now_ns();
        campaign(all[i]);
        say("restarttest: %s: campaign took %llu ms of guest time", all[i]->name,
            (unsigned long long)((now_ns() - t0) / 1000000));
    }
    tap_done();
    say("restarttest: %u passed, %u failed", passed, failed);
    sys_poweroff(SLOT_PLATFORM, failed ? 1 : 0);
    return 0;
}
