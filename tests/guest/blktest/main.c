/* blktest: the virtio-blk driver end to end, through the block client
 * library. Writes a pattern over the whole disk (several requests in
 * flight), flushes, reads it all back and compares; then bad requests
 * (each refused, the driver still serving), a FUA write, many small reads
 * in flight, write-zeroes where offered; then restarts the driver through
 * the device manager several times and checks the manager's quota comes
 * back to the same figure each time and the data is still there; then
 * restarts it with 32 FUA writes in flight, which the client library
 * re-issues: all complete BLK_OK and are on the disk. Reports each check
 * as a TAP line (runtime/tap.h: "ok N - what" / "not ok N - what", then
 * "# why" where there is a reason), then the plan "1..N" and
 * "blktest: N passed, M failed", and powers off with 0 only if all passed.
 * The host checks the image afterwards (tests/boot/check-blk-image): every
 * sector must hold the pattern, which was acknowledged before power-off.
 *
 * Slots: 3 platform, 5 the device manager. */
#include "blkclient.h"
#include "runtime.h"
#include "tap.h"
#include "pvk/devinfo.h"
#include "pvk/service.h"

#define SLOT_PLATFORM 3
#define REGION_VA 0x0000002000000000ull
#define CHUNK (256u * 1024)
#define INFLIGHT 4
#define SEED 0x5eed0000b10cull
#define RESTARTS 5

static unsigned passed, failed;
static struct blk_client bc;
static char why[200];           /* the reason for the next result, if it fails */

static void set_why(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));
static void set_why(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
}

/* One TAP line; a failure's reason (set_why) as a diagnostic after it. */
static void result(bool ok, const char *what)
{
    if (tap_ok(ok, "%s", what)) {
        passed++;
    } else {
        failed++;
        if (why[0])
            tap_diag("%s: %s", what, why);
    }
    why[0] = '\0';
}

/* The 64-bit word at word index w of sector s (the host check computes the same). */
static uint64_t pattern(uint64_t s, uint64_t w)
{
    uint64_t x = (s * 0x9e3779b97f4a7c15ull) ^ (w * 0xbf58476d1ce4e5b9ull) ^ SEED;
    x ^= x >> 31;
    return w == 0 ? s : x;
}

static void fill(uint64_t *p, uint64_t first_sector, uint32_t bytes)
{
    for (uint64_t s = 0; s < bytes / 512; s++)
        for (uint64_t w = 0; w < 64; w++)
            p[s * 64 + w] = pattern(first_sector + s, w);
}

static uint64_t mismatches(const uint64_t *p, uint64_t first_sector, uint32_t bytes)
{
    uint64_t bad = 0;
    for (uint64_t s = 0; s < bytes / 512; s++)
        for (uint64_t w = 0; w < 64; w++)
            if (p[s * 64 + w] != pattern(first_sector + s, w))
                bad++;
    return bad;
}

/* Writes (or reads and checks) the whole disk in CHUNK pieces, INFLIGHT at a time. */
static bool whole_disk(bool write, uint64_t *bad_out)
{
    uint64_t total = bc.capacity * 512, next = 0, done = 0, id = 0, bad = 0;
    unsigned busy = 0;
    bool slot_busy[INFLIGHT] = { false };
    uint64_t slot_pos[INFLIGHT];
    while (done < total) {
        while (busy < INFLIGHT && next < total) {
            unsigned k = 0;
            while (slot_busy[k])
                k++;
            uint32_t len = total - next < CHUNK ? (uint32_t)(total - next) : CHUNK;
            if (write)
                fill(blkc_data(&bc, (uint64_t)k * CHUNK), next / 512, len);
            struct blk_req r = { .id = ++id << 8 | k, .sector = next / 512, .offset = blkc_offset((uint64_t)k * CHUNK),
                                 .len = len, .op = write ? BLK_OP_WRITE : BLK_OP_READ };
            if (!blkc_submit(&bc, &r)) {
                set_why("cannot submit request %llu", (unsigned long long)id);
                return false;
            }
            slot_busy[k] = true;
            slot_pos[k] = next;
            busy++;
            next += len;
        }
        blkc_kick(&bc);
        struct blk_cpl c;
        if (!blkc_wait(&bc, &c, (uint64_t)sys_time().ret + 10000000000ull)) {
            set_why("no completion in 10 s");
            return false;
        }
        unsigned k = (unsigned)(c.id & 0xff);
        if (k >= INFLIGHT || !slot_busy[k] || c.status != BLK_OK) {
            set_why("completion %#llx status %d", (unsigned long long)c.id, c.status);
            return false;
        }
        if (!write)
            bad += mismatches(blkc_data(&bc, (uint64_t)k * CHUNK), slot_pos[k] / 512, c.len);
        slot_busy[k] = false;
        busy--;
        done += c.len;
    }
    *bad_out = bad;
    return true;
}

static void test_bad_requests(void)
{
    uint64_t cap = bc.capacity;
    result(blkc_sync(&bc, BLK_OP_READ, 0, cap, 0, 512) == BLK_EINVAL, "read past the end refused");
    result(blkc_sync(&bc, BLK_OP_READ, 0, cap - 1, 0, 1024) == BLK_EINVAL, "read running over the end refused");
    result(blkc_sync(&bc, BLK_OP_READ, 0, 0, BLK_DATA_SIZE, 512) == BLK_EINVAL,
           "buffer outside the shared region refused");
    result(blkc_sync(&bc, BLK_OP_READ, 0, 0, 0, 100) == BLK_EINVAL, "length not a multiple of the block refused");
    result(blkc_sync(&bc, 77, 0, 0, 0, 512) == BLK_EINVAL, "unknown operation refused");
    struct blk_req r = { .id = 9, .sector = 0, .offset = 0, .len = bc.block, .op = BLK_OP_READ };   /* the ring area */
    bool ok = blkc_submit(&bc, &r);
    blkc_kick(&bc);
    struct blk_cpl c;
    ok = ok && blkc_wait(&bc, &c, (uint64_t)sys_time().ret + 5000000000ull) && c.status == BLK_EINVAL;
    result(ok, "buffer over the rings refused");
    struct msg m = { .tag = TAG(0x7777, 4, 0), .mr = { 1, 2, 3, 4 } };
    bool refused = ipc_call(bc.ep, &m) == 0 && TAG_LABEL(m.tag) == SERVER_EBADOP;
    m = (struct msg){ .tag = TAG(0x9999, 2, 0), .mr = { 0xdead, 0xbeef } };
    refused = refused && ipc_call(PVK_SLOT_DEVMGR_CLIENT, &m) == 0 && TAG_LABEL(m.tag) == SERVER_EBADOP;
    m = (struct msg){ .tag = TAG(DEVMGR_LOOKUP, 2, 0), .mr = { 2, 99 } };
    refused = refused && ipc_call(PVK_SLOT_DEVMGR_CLIENT, &m) == 0 && (long)m.mr[0] == SYS_ENOENT;
    result(refused, "garbage control messages to the driver and the device manager answered with errors");
    result(blkc_sync(&bc, BLK_OP_READ, 0, 0, 0, bc.block) == BLK_OK &&
           mismatches(blkc_data(&bc, 0), 0, bc.block) == 0, "the driver still serves good requests");
    if (bc.block > 512)
        result(blkc_sync(&bc, BLK_OP_READ, 0, 1, 0, bc.block) == BLK_EINVAL,
               "a request not aligned to the logical block refused");
}

static void test_many_in_flight(void)
{
    unsigned n = 64, ok = 0;
    for (unsigned i = 0; i < n; i++) {
        uint64_t sector = (i * 7919u) % (bc.capacity / 8) * 8;
        struct blk_req r = { .id = 1000 + i, .sector = sector, .offset = blkc_offset((uint64_t)i * 4096),
                             .len = 4096, .op = BLK_OP_READ };
        blkc_submit(&bc, &r);
    }
    blkc_kick(&bc);
    for (unsigned i = 0; i < n; i++) {
        struct blk_cpl c;
        if (!blkc_wait(&bc, &c, (uint64_t)sys_time().ret + 10000000000ull))
            break;
        unsigned k = (unsigned)(c.id - 1000);
        uint64_t sector = (k * 7919u) % (bc.capacity / 8) * 8;
        if (c.status == BLK_OK && k < n && mismatches(blkc_data(&bc, (uint64_t)k * 4096), sector, 4096) == 0)
            ok++;
    }
    result(ok == n, "64 reads of 4 KiB in flight at once, all right");
}

static void test_fua_and_zeroes(void)
{
    fill(blkc_data(&bc, 0), 8, 4096);
    result(blkc_sync(&bc, BLK_OP_WRITE, BLK_F_FUA, 8, 0, 4096) == BLK_OK, "write with FUA (write, then flush)");
    result(blkc_sync(&bc, BLK_OP_FLUSH, 0, 0, 0, 0) == BLK_OK, "flush");
    if (bc.info & BLK_INFO_WRITE_ZEROES) {
        bool ok = blkc_sync(&bc, BLK_OP_WRITE_ZEROES, 0, 16, 0, 8192) == BLK_OK &&
                  blkc_sync(&bc, BLK_OP_READ, 0, 16, 0, 8192) == BLK_OK;
        const uint64_t *p = blkc_data(&bc, 0);
        for (unsigned i = 0; ok && i < 8192 / 8; i++)
            ok = p[i] == 0;
        fill(blkc_data(&bc, 0), 16, 8192);      /* the pattern back, for the host check */
        ok = ok && blkc_sync(&bc, BLK_OP_WRITE, BLK_F_FUA, 16, 0, 8192) == BLK_OK;
        result(ok, "write-zeroes reads back zeroes");
    }
}

static long restart_driver(uint64_t *quota)
{
    struct msg m = { .tag = TAG(DEVMGR_RESTART, 2, 0), .mr = { 2, 0 } };
    long rc = ipc_call(PVK_SLOT_DEVMGR_CLIENT, &m);
    if (rc < 0)
        return rc;
    *quota = m.mr[1];
    return (long)m.mr[0];
}

static void test_restarts(void)
{
    uint64_t q0 = 0, q = 0;
    bool same = true, all = true;
    for (unsigned i = 0; i < RESTARTS; i++) {
        blkc_close(&bc);
        long rc = restart_driver(&q);
        all &= rc == 0;
        if (i == 0)
            q0 = q;
        else
            same &= q == q0;
        all &= blkc_open(&bc, PVK_SLOT_DEVMGR_CLIENT, 0, REGION_VA) == 0;
    }
    result(all, "the driver restarted 5 times through the device manager, reopened each time");
    printf("blktest: device manager quota after each restart: %llu bytes", (unsigned long long)q);
    result(same, "the device manager's quota is the same after every restart (driver memory, DMA pool returned)");
    bool ok = blkc_sync(&bc, BLK_OP_READ, 0, 0, 0, 65536) == BLK_OK && mismatches(blkc_data(&bc, 0), 0, 65536) == 0;
    result(ok, "the data is still there after the restarts");
}

/* Writes with BLK_F_FUA in flight when the driver is restarted: 32
 * submitted and kicked, not waited for, then DEVMGR_RESTART, then 32 more
 * submitted and kicked before the library has noticed (the old instance
 * is dead: it never sees them). Every one completes BLK_OK
 * exactly once (the library re-issues what the old instance had not
 * completed), the restart is reported once, and the blocks hold what was
 * written. The area is zeroed first so that the read-back proves the
 * writes landed; it ends holding the whole-disk pattern the host checks. */
#define RESTART_WRITES 64
static void test_restart_in_flight(void)
{
    const uint32_t len = 16384;
    const uint64_t first = 1024;        /* sector, 4 KiB aligned; 1 MiB from there */
    const uint32_t total = RESTART_WRITES * len;
    memset(blkc_data(&bc, 0), 0, total);
    bool ok = blkc_sync(&bc, BLK_OP_WRITE, BLK_F_FUA, first, 0, total) == BLK_OK;
    fill(blkc_data(&bc, 0), first, total);
    blkc_status(&bc);                   /* nothing pending from before */
    uint32_t reconnects0 = bc.reconnects, reissued0 = bc.reissued;
    uint64_t q, t0 = 0;
    long rc = 0;
    for (unsigned k = 0; k < RESTART_WRITES; k++) {
        struct blk_req r = { .id = 7000 + k, .sector = first + k * (len / 512), .offset = blkc_offset(k * len),
                             .len = len, .op = BLK_OP_WRITE, .flags = BLK_F_FUA };
        ok &= blkc_submit(&bc, &r);
        if (k == RESTART_WRITES / 2 - 1) {
            blkc_kick(&bc);
            t0 = (uint64_t)sys_time().ret;
            rc = restart_driver(&q);
        }
    }
    blkc_kick(&bc);
    bool seen[RESTART_WRITES] = { false };
    unsigned good = 0, bad = 0;
    uint64_t deadline = (uint64_t)sys_time().ret + 20000000000ull;
    struct blk_cpl c;
    while (good + bad < RESTART_WRITES && blkc_wait(&bc, &c, deadline)) {
        unsigned k = (unsigned)(c.id - 7000);
        if (k < RESTART_WRITES && !seen[k] && c.status == BLK_OK) {
            seen[k] = true;
            good++;
        } else {
            bad++;
            printf("blktest: completion id %llu status %d", (unsigned long long)c.id, c.status);
        }
    }
    uint64_t t1 = (uint64_t)sys_time().ret;
    set_why("submitted %s, restart rc %ld, %u completed BLK_OK, %u other completions", ok ? "all" : "not all", rc,
            good, bad);
    result(ok && rc == 0 && good == RESTART_WRITES && bad == 0,
           "64 FUA writes in flight across a driver restart: each completed once, BLK_OK");
    printf("blktest: %u of them re-issued to the new instance; all completed %llu us after the restart was asked for",
           bc.reissued - reissued0, (unsigned long long)((t1 - t0) / 1000));
    result(bc.reissued - reissued0 >= RESTART_WRITES / 2, "the writes submitted after the old instance died were re-issued");
    memset(blkc_data(&bc, 0), 0, total);
    ok = blkc_sync(&bc, BLK_OP_READ, 0, first, 0, total) == BLK_OK && mismatches(blkc_data(&bc, 0), first, total) == 0;
    result(ok, "the blocks read back hold what the 64 writes wrote");
    long st1 = blkc_status(&bc), st2 = blkc_status(&bc);
    set_why("blkc_status %ld then %ld, %u reconnects", st1, st2, bc.reconnects - reconnects0);
    result(st1 == PVK_EPEER_RESTARTED && st2 == 0 && bc.reconnects == reconnects0 + 1,
           "the restart reported once (blkc_status: PVK_EPEER_RESTARTED, then 0)");
}

int main(uint64_t arg)
{
    (void)arg;
    long rc = blkc_open(&bc, PVK_SLOT_DEVMGR_CLIENT, 0, REGION_VA);
    if (rc != 0) {
        set_why("error %ld", rc);
        result(false, "blk0 opened through the device manager");
        tap_done();
        printf("blktest: %u passed, %u failed", passed, failed);
        sys_poweroff(SLOT_PLATFORM, 1);
    }
    printf("blktest: blk0: %llu sectors, %u-byte blocks, flags %#x", (unsigned long long)bc.capacity, bc.block,
           bc.info);
    if (bc.info & BLK_INFO_READONLY) {
        /* A read-only disk: reads work, every kind of write is refused. */
        result(blkc_sync(&bc, BLK_OP_READ, 0, 0, 0, 65536) == BLK_OK, "read from a read-only disk");
        result(blkc_sync(&bc, BLK_OP_WRITE, 0, 0, 0, 4096) == BLK_EROFS, "write to a read-only disk refused (EROFS)");
        result(blkc_sync(&bc, BLK_OP_WRITE_ZEROES, 0, 0, 0, 4096) != BLK_OK, "write-zeroes to a read-only disk refused");
        tap_done();
        printf("blktest: %u passed, %u failed", passed, failed);
        sys_poweroff(SLOT_PLATFORM, failed ? 1 : 0);
    }
    uint64_t bad = 0;
    uint64_t t0 = (uint64_t)sys_time().ret;
    bool ok = whole_disk(true, &bad);
    ok = ok && blkc_sync(&bc, BLK_OP_FLUSH, 0, 0, 0, 0) == BLK_OK;
    uint64_t t1 = (uint64_t)sys_time().ret;
    result(ok, "pattern written over the whole disk and flushed");
    ok = whole_disk(false, &bad);
    uint64_t t2 = (uint64_t)sys_time().ret;
    if (ok && bad)
        set_why("%llu words differ", (unsigned long long)bad);
    result(ok && bad == 0, "whole disk read back: every word as written");
    printf("blktest: wrote %llu KiB in %llu ms, read in %llu ms", (unsigned long long)(bc.capacity / 2),
           (unsigned long long)((t1 - t0) / 1000000), (unsigned long long)((t2 - t1) / 1000000));
    test_bad_requests();
    test_many_in_flight();
    test_fua_and_zeroes();
    test_restarts();
    test_restart_in_flight();
    tap_done();
    printf("blktest: %u passed, %u failed", passed, failed);
    sys_poweroff(SLOT_PLATFORM, failed ? 1 : 0);
    return 0;
}
