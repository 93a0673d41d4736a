/* fstest: the file server (servers/fssrv) end to end, as a manifest
 * service with uses=fs (tests/boot/fs.manifest, fs-restart.manifest).
 *
 * arg 0: reads the files the host put on the image (a line, a 1.5 MiB
 * pattern: timed), writes small and 3 MiB files, renames, unlinks, makes
 * and removes directories, reads back, fsyncs, a synchronous file,
 * readdir, then bad input (missing files, rmdir of a non-empty directory,
 * bad handles, paths too long or without a NUL, bad flags and lengths, an
 * unknown session and label: each refused, the server still serving).
 * arg 1: rounds of write + fsync while the file server is restarted (init,
 * SUP_RESTART "fs") and the block driver too (devmgr, "blk0"; and a crash and a hang injected into it
 * during an fsync): an fd of
 * the dead server fails once with PVK_EPEER_RESTARTED, reopening works,
 * every fsync'ed file is logged "fstest: durable PATH SEED SIZE" for the
 * host check. arg 3: the same under restarts the host makes through the
 * shell (under_load). arg 2 (a blank disk): fs_init and later calls fail with
 * FS_EIO at once. Each check is a TAP line (runtime/tap.h: "ok N - what" /
 * "not ok N - what", then "# what: got RC" with the value it got); each
 * way the plan "1..N", then "fstest: N passed, M failed", then power-off
 * (status 0 only if all passed); the host then checks the image
 * (tests/boot/check-fs-image).
 *
 * Slots: 3 platform, 5 the device manager, 10 init's control endpoint,
 * PVK_SLOT_USES(0) the file server. */
#include "fsclient.h"
#include "runtime.h"
#include "faultinj.h"
#include "tap.h"
#include "pvk/devinfo.h"
#include "pvk/fsproto.h"
#include "pvk/service.h"

#define SLOT_PLATFORM 3
#define SLOT_DEVMGR 5
#define SLOT_CONTROL 10
#define BIG (3u << 20)
#define HOST_BIG (1536u * 1024)

static unsigned passed, failed;
static uint8_t buf[BIG], back[BIG];

/* One TAP line; a failure's value (a return code, or the count checked) as
 * a diagnostic after it. */
static void check(bool ok, const char *what, long rc)
{
    if (tap_ok(ok, "%s", what)) {
        passed++;
    } else {
        failed++;
        tap_diag("%s: got %ld", what, rc);
    }
}

/* The pattern the host checks: 32-bit words k * 0x9e3779b1 + seed. */
static void pattern(uint8_t *p, uint32_t len, uint32_t seed)
{
    for (uint32_t i = 0; i < len; i++) {
        uint32_t w = (i / 4) * 0x9e3779b1u + seed;
        p[i] = (uint8_t)(w >> (8 * (i % 4)));
    }
}

static long write_file(const char *path, const uint8_t *p, uint32_t len, uint32_t chunk, unsigned flags)
{
    long fd = fs_open(path, FS_O_WRONLY | FS_O_CREAT | FS_O_TRUNC | flags, 0644);
    if (fd < 0)
        return fd;
    long rc = 0;
    for (uint32_t off = 0; off < len && rc >= 0; off += chunk) {
        uint32_t n = len - off < chunk ? len - off : chunk;
        rc = fs_write(fd, p + off, n, off);
        if (rc >= 0 && rc != (long)n)
            rc = SYS_EINVAL;
    }
    long c = fs_close(fd);
    return rc < 0 ? rc : c;
}

static bool read_equal(const char *path, const uint8_t *p, uint32_t len)
{
    long fd = fs_open(path, FS_O_RDONLY, 0);
    if (fd < 0)
        return false;
    long n = fs_read(fd, back, len + 100, 0);
    fs_close(fd);
    return n == (long)len && memcmp(back, p, len) == 0;
}

static long sup(uint64_t ep, uint64_t op, const char *name)
{
    struct msg m = { .tag = TAG(op, 2, 0) };
    pvk_name_pack(name, m.mr);
    long rc = ipc_call(ep, &m);
    return rc ? rc : TAG_LABEL(m.tag) ? SYS_EINVAL : (long)m.mr[0];
}

static void host_files(void)
{
    static const char hello[] = "hello from the host\n";
    check(read_equal("/hello.txt", (const uint8_t *)hello, sizeof hello - 1), "read /hello.txt", 0);
    pattern(buf, HOST_BIG, 1);
    check(read_equal("/big.bin", buf, HOST_BIG), "read /big.bin (1.5 MiB pattern)", 0);
    long fd = fs_open("/big.bin", FS_O_RDONLY, 0);
    uint64_t t0 = (uint64_t)sys_time().ret, bytes = 0;
    for (int i = 0; i < 16 && fd >= 0; i++) {
        long n = fs_read(fd, back, HOST_BIG, 0);
        if (n > 0)
            bytes += (uint64_t)n;
    }
    uint64_t ns = (uint64_t)sys_time().ret - t0;
    fs_close(fd);
    printf("fstest: read %llu KiB in 1 MiB calls in %llu us: %llu MB/s", (unsigned long long)(bytes >> 10),
           (unsigned long long)(ns / 1000), (unsigned long long)(ns ? bytes * 1000 / ns : 0));
    struct fs_stat st;
    long rc = fs_stat("/big.bin", &st);
    check(rc == 0 && st.size == HOST_BIG && st.type == FS_TYPE_FILE, "stat /big.bin", rc);
}

static void namespace_ops(void)
{
    static const char small[] = "small file 123\n";
    long rc = fs_mkdir("/out", 0755);
    check(rc == 0, "mkdir /out", rc);
    rc = write_file("/out/small.txt", (const uint8_t *)small, sizeof small - 1, 4096, 0);
    check(rc == 0, "write /out/small.txt", rc);
    pattern(buf, BIG, 7);
    uint64_t t0 = (uint64_t)sys_time().ret;
    rc = write_file("/out/big.bin", buf, BIG, 256 * 1024, 0);
    check(rc == 0, "write /out/big.bin (3 MiB in 256 KiB calls)", rc);
    long fd = fs_open("/out/big.bin", FS_O_RDWR, 0);
    rc = fs_fsync(fd);
    uint64_t ns = (uint64_t)sys_time().ret - t0;
    check(rc == 0, "fsync /out/big.bin", rc);
    printf("fstest: wrote 3 MiB and fsync'ed in %llu us: %llu MB/s", (unsigned long long)(ns / 1000),
           (unsigned long long)(ns ? (uint64_t)BIG * 1000 / ns : 0));
    struct fs_stat st;
    rc = fs_fstat(fd, &st);
    check(rc == 0 && st.size == BIG && st.nlink == 1, "fstat /out/big.bin", rc);
    fs_close(fd);
    check(read_equal("/out/big.bin", buf, BIG), "read back /out/big.bin", 0);
    check(read_equal("/out/small.txt", (const uint8_t *)small, sizeof small - 1), "read back /out/small.txt", 0);
    rc = fs_rename("/out/small.txt", "/out/renamed.txt");
    check(rc == 0, "rename /out/small.txt /out/renamed.txt", rc);
    rc = fs_stat("/out/small.txt", &st);
    check(rc == SYS_ENOENT, "the old name is gone", rc);
    check(read_equal("/out/renamed.txt", (const uint8_t *)small, sizeof small - 1), "read the new name", 0);
    rc = write_file("/out/gone.txt", (const uint8_t *)small, 10, 4096, 0);
    rc = rc ? rc : fs_unlink("/out/gone.txt");
    check(rc == 0, "create and unlink /out/gone.txt", rc);
    rc = fs_stat("/out/gone.txt", &st);
    check(rc == SYS_ENOENT, "unlinked name gone", rc);
    rc = fs_mkdir("/out/sub", 0700);
    rc = rc ? rc : write_file("/out/sub/f", (const uint8_t *)small, 5, 4096, 0);
    check(rc == 0, "mkdir /out/sub and a file in it", rc);
    rc = fs_rmdir("/out/sub");
    check(rc == FS_ENOTEMPTY, "rmdir of a non-empty directory refused", rc);
    rc = fs_unlink("/out/sub/f");
    rc = rc ? rc : fs_rmdir("/out/sub");
    check(rc == 0, "emptied and removed /out/sub", rc);
    rc = fs_mkdir("/tmpdir", 0755);
    rc = rc ? rc : fs_rmdir("/tmpdir");
    check(rc == 0, "mkdir and rmdir /tmpdir", rc);
    /* Overwrite in the middle, extend, truncate. */
    static const char mid[] = "MIDDLE";
    fd = fs_open("/out/big.bin", FS_O_RDWR, 0);
    rc = fs_write(fd, mid, 6, 1000000);
    memcpy(buf + 1000000, mid, 6);
    check(rc == 6, "overwrite in the middle of /out/big.bin", rc);
    rc = fs_ftruncate(fd, BIG - 5000);
    check(rc == 0, "ftruncate /out/big.bin", rc);
    rc = fs_fsync(fd);
    check(rc == 0, "fsync after truncate", rc);
    fs_close(fd);
    check(read_equal("/out/big.bin", buf, BIG - 5000), "read back the overwrite and truncation", 0);
    rc = write_file("/out/sync.txt", (const uint8_t *)small, sizeof small - 1, 4, FS_O_SYNC);
    check(rc == 0, "synchronous writes to /out/sync.txt", rc);
    rc = write_file("/out/append.txt", (const uint8_t *)"abc", 3, 3, 0);
    fd = fs_open("/out/append.txt", FS_O_WRONLY | FS_O_APPEND, 0);
    long w = fs_write(fd, "def", 3, 0);
    fs_close(fd);
    check(rc == 0 && w == 3 && read_equal("/out/append.txt", (const uint8_t *)"abcdef", 6), "append", w);
    /* readdir */
    fd = fs_open("/out", FS_O_RDONLY, 0);
    struct fs_dirent ents[4];
    uint64_t cookie = 0;
    unsigned seen = 0, total = 0;
    for (int round = 0; round < 20; round++) {
        long n = fs_readdir(fd, &cookie, ents, 4);
        if (n <= 0)
            break;
        for (long i = 0; i < n; i++, total++)
            seen += !strcmp(ents[i].name, "big.bin") * 1 + !strcmp(ents[i].name, "renamed.txt") * 2 +
                    (!strcmp(ents[i].name, "sync.txt") && ents[i].type == FS_TYPE_FILE) * 4;
    }
    fs_close(fd);
    check(seen == 7 && total == 6, "readdir /out (., .., big.bin, renamed.txt, sync.txt, append.txt)", total);
    rc = fs_sync();
    check(rc == 0, "sync", rc);
}

/* A raw request on the client's own session-less channel. */
static long raw(uint64_t op, uint64_t sid, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t *label)
{
    struct msg m = { .tag = TAG(op, 4, 0), .mr = { sid, a1, a2, a3 } };
    long rc = ipc_call(PVK_SLOT_USES(0), &m);
    if (label)
        *label = TAG_LABEL(m.tag);
    return rc ? rc : (long)m.mr[0];
}

static void bad_input(void)
{
    long rc = fs_open("/nosuch", FS_O_RDONLY, 0);
    check(rc == SYS_ENOENT, "open of a missing file", rc);
    rc = fs_open("/nosuchdir/x", FS_O_WRONLY | FS_O_CREAT, 0644);
    check(rc == SYS_ENOENT, "create in a missing directory", rc);
    rc = fs_open("/out/renamed.txt", FS_O_WRONLY | FS_O_CREAT | FS_O_EXCL, 0644);
    check(rc == FS_EEXIST, "O_EXCL on an existing file", rc);
    rc = fs_open("/out", FS_O_RDWR, 0);
    check(rc == FS_EISDIR, "a directory opened for writing", rc);
    rc = fs_mkdir("/out", 0755);
    check(rc == FS_EEXIST, "mkdir of an existing name", rc);
    rc = fs_rmdir("/out/renamed.txt");
    check(rc == FS_ENOTDIR, "rmdir of a file", rc);
    rc = fs_rmdir("/");
    check(rc == SYS_EINVAL, "rmdir /", rc);
    rc = fs_rename("/out", "/out/inside");
    check(rc == SYS_EINVAL, "a directory moved into itself", rc);
    char longp[300];
    memset(longp, 'a', sizeof longp - 1);
    longp[0] = '/';
    longp[sizeof longp - 1] = 0;
    rc = fs_open(longp, FS_O_RDONLY, 0);
    check(rc == FS_ENAMETOOLONG, "a path of 299 bytes", rc);
    char name[270] = "/";
    memset(name + 1, 'n', 260);
    name[261] = 0;
    rc = fs_mkdir(name, 0755);
    check(rc == FS_ENAMETOOLONG, "a 260-byte name", rc);
    rc = fs_read(999, back, 10, 0);
    check(rc == FS_EBADF, "read of a bad fd", rc);
    long fd = fs_open("/out/renamed.txt", FS_O_RDONLY, 0);
    rc = fs_write(fd, "x", 1, 0);
    check(rc == FS_EBADF, "write to a read-only fd", rc);
    fs_close(fd);
    rc = fs_close(fd);
    check(rc == FS_EBADF, "close twice", rc);

    /* Raw protocol: a session of our own (fsclient's becomes stale). */
    struct ipc_buffer *b = rt_ipc_buffer();
    int slot = rt_slot_alloc();
    struct msg m = { .tag = TAG(FS_SESSION, 1, 0), .mr = { FS_PROTO_VERSION } };
    b->recv_slot = (uint64_t)slot;
    rc = ipc_call(PVK_SLOT_USES(0), &m);
    b->recv_slot = 0;
    uint64_t sid = m.mr[1];
    const uint64_t va = 0x0000007000000000ull;
    rc = rc ? rc : (long)m.mr[0];
    rc = rc ? rc : sys_map((uint64_t)slot, RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_WRITE).ret;
    check(rc == 0, "a raw session", rc);
    if (rc)
        return;
    struct fs_region_hdr *h = (struct fs_region_hdr *)va;
    uint64_t label;
    rc = raw(FS_READ, sid, 1000, 0, 10, NULL);
    check(rc == FS_EBADF, "a handle out of range", rc);
    rc = raw(FS_READ, sid, 3, 0, 10, NULL);
    check(rc == FS_EBADF, "a handle never opened", rc);
    rc = raw(FS_READ, sid ^ 0x55, 0, 0, 10, NULL);
    check(rc == SYS_EDEAD, "a wrong session id", rc);
    memset(h->path, 'p', sizeof h->path);
    rc = raw(FS_OPEN, sid, FS_O_RDONLY, 0, 0, NULL);
    check(rc == FS_ENAMETOOLONG, "a path without a NUL", rc);
    strlcpy(h->path, "/out/big.bin", sizeof h->path);
    rc = raw(FS_OPEN, sid, 0x12345678, 0, 0, NULL);
    check(rc == SYS_EINVAL, "unknown open flags", rc);
    rc = raw(FS_OPEN, sid, 3, 0, 0, NULL);
    check(rc == SYS_EINVAL, "access mode 3", rc);
    long hd = raw(FS_OPEN, sid, FS_O_RDONLY, 0, 0, NULL);
    rc = raw(FS_READ, sid, (uint64_t)hd, 0, FS_DATA_SIZE + 1, NULL);
    check(hd >= 0 && rc == SYS_EINVAL, "a read longer than the region", rc);
    rc = raw(FS_READ, sid, (uint64_t)hd, ~0ull, 100, NULL);
    check(rc == 0, "a read far past the end", rc);
    rc = raw(FS_READDIR, sid, (uint64_t)hd, 0, 1, NULL);
    check(rc == FS_ENOTDIR, "readdir of a file", rc);
    rc = raw(0xf5ff, sid, 0, 0, 0, &label);
    check(label == SERVER_EBADOP, "an unknown label", rc);
    m = (struct msg){ .tag = TAG(FS_SESSION, 1, 0), .mr = { 99 } };
    rc = ipc_call(PVK_SLOT_USES(0), &m);
    check(rc == 0 && (long)m.mr[0] == SYS_EINVAL, "a wrong protocol version", (long)m.mr[0]);
    /* Garbage: random requests, registers and region bytes (a NUL put
     * somewhere in the paths most of the time). Each must be answered. */
    uint64_t x = 0x9e3779b97f4a7c15ull;
    unsigned answered = 0;
    for (unsigned i = 0; i < 3000; i++) {
        uint64_t r[6];
        for (unsigned k = 0; k < 6; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            r[k] = x;
        }
        for (unsigned k = 0; k < 64; k++)
            ((uint64_t *)va)[(r[0] + k) % (FS_DATA_OFFSET / 8)] = r[k % 6] * (k + 1);
        if (r[1] & 3) {
            h->path[r[2] % FS_PATH_MAX] = 0;
            h->path2[r[3] % FS_PATH_MAX] = 0;
        }
        uint64_t op = FS_OPEN + r[4] % (FS_SYNC - FS_OPEN + 2);
        uint64_t a1 = r[5] & 1 ? r[1] % 40 : r[1], a2 = r[5] & 2 ? r[2] % 100000 : r[2];
        uint64_t a3 = r[5] & 4 ? r[3] % (FS_DATA_SIZE + 10) : r[3];
        if (op == FS_SYNC || op == FS_FSYNC)
            op = FS_STAT;   /* cheap ones instead of 3000 disk syncs */
        rc = raw(op, r[5] & 8 ? sid : r[0], a1, a2, a3, &label);
        answered += rc != SYS_EDEAD || !(r[5] & 8);
    }
    check(answered == 3000, "3000 random requests answered", answered);
    sys_unmap(RT_SLOT_SELF_PROCESS, va);
    sys_cap_delete((uint64_t)slot);
    /* fsclient's session is stale now: a path call reconnects and goes through. */
    struct fs_stat st;
    rc = fs_stat("/out/renamed.txt", &st);
    check(rc == 0 && st.size == 15, "fsclient reconnects after its session was replaced", rc);
}

/* Arms a fault in the blk0 driver (devmgr's lookup by name gives this
 * test's privileged badge the right to): it crashes at one of its next
 * window fault points, in the middle of the file server's I/O. */
static long inject_blk0(uint64_t kind, uint64_t seed, uint64_t window)
{
    int slot = rt_slot_alloc();
    struct ipc_buffer *b = rt_ipc_buffer();
    b->recv_slot = (uint64_t)slot;
    struct msg m = { .tag = TAG(DEVMGR_LOOKUP_NAME, 2, 0) };
    pvk_name_pack("blk0", m.mr);
    long rc = ipc_call(SLOT_DEVMGR, &m);
    b->recv_slot = 0;
    rc = rc ? rc : (long)m.mr[0];
    if (rc == 0) {
        m = (struct msg){ .tag = TAG(PVK_FAULT_INJECT, 3, 0), .mr = { kind, seed, window } };
        rc = ipc_call((uint64_t)slot, &m);
        rc = rc ? rc : TAG_LABEL(m.tag) ? SYS_EINVAL : (long)m.mr[0];
    }
    sys_cap_delete((uint64_t)slot);
    rt_slot_free(slot);
    return rc;
}

/* arg 1: writes with fsync across file-server and block-driver restarts. */
static void restarts(void)
{
    long rc = fs_mkdir("/r", 0755);
    check(rc == 0 || rc == FS_EEXIST, "mkdir /r", rc);
    char path[32], what[96];
    for (uint32_t round = 0; round < 8; round++) {
        uint32_t len = 65536 + round * 4096, seed = 100 + round;
        snprintf(path, sizeof path, "/r/file%u", round);
        pattern(buf, len, seed);
        long fd = fs_open(path, FS_O_RDWR | FS_O_CREAT | FS_O_TRUNC, 0644);
        long w = fd >= 0 ? fs_write(fd, buf, len / 2, 0) : fd;
        if (round == 2) {
            /* The file server dies with this fd open and half the file unsynced. */
            rc = sup(SLOT_CONTROL, SUP_RESTART, "fs");
            check(rc == 0, "restart fs", rc);
            rc = fs_write(fd, buf + len / 2, len - len / 2, len / 2);
            check(rc == PVK_EPEER_RESTARTED, "the dead server's fd fails once with PVK_EPEER_RESTARTED", rc);
            rc = fs_write(fd, buf, 1, 0);
            check(rc == FS_EBADF, "then it is closed", rc);
            fd = fs_open(path, FS_O_RDWR | FS_O_CREAT | FS_O_TRUNC, 0644);
            check(fd >= 0, "a new open on the new server", fd);
            w = fd >= 0 ? fs_write(fd, buf, len / 2, 0) : fd;
        }
        if (round == 3 || round == 7) {
            rc = inject_blk0(round == 3 ? FI_NULL_DEREF : FI_SPIN, round, 3);
            snprintf(what, sizeof what, "blk0 armed to fail during the next fsync (round %u)", round);
            check(rc == 0, what, rc);
        }
        if (round == 4 || round == 6) {
            rc = sup(SLOT_DEVMGR, SUP_RESTART, "blk0");
            snprintf(what, sizeof what, "restart blk0 between a write and its fsync (round %u)", round);
            check(rc == 0, what, rc);
        }
        long w2 = fd >= 0 ? fs_write(fd, buf + len / 2, len - len / 2, len / 2) : fd;
        rc = fd >= 0 ? fs_fsync(fd) : fd;
        bool ok = w == (long)(len / 2) && w2 == (long)(len - len / 2) && rc == 0;
        check(ok, path, rc);
        if (ok)
            printf("fstest: durable %s %u %u", path, seed, len);
        fs_close(fd);
        if (round == 5) {
            /* Unsynced work, then a restart: it may be lost, the image must stay repairable. */
            write_file("/r/unsynced", buf, 20000, 4096, 0);
            rc = sup(SLOT_CONTROL, SUP_RESTART, "fs");
            check(rc == 0, "restart fs with unsynced writes", rc);
        }
    }
    for (uint32_t round = 0; round < 8; round++) {
        uint32_t len = 65536 + round * 4096;
        snprintf(path, sizeof path, "/r/file%u", round);
        pattern(buf, len, 100 + round);
        snprintf(what, sizeof what, "read back %s after the restarts", path);
        check(read_equal(path, buf, len), what, round);
    }
    rc = fs_sync();
    check(rc == 0, "sync", rc);
}

/* arg 3: rounds of write + fsync (and a scratch file created and
 * removed) for LOAD_NS while the shell (fed by the host) restarts fs and
 * blk0 at moments the test does not know: a round cut by a restart
 * (PVK_EPEER_RESTARTED or another error) is done again; each file whose
 * fsync returned 0 is logged durable and never touched again. */
#define LOAD_NS 6000000000ull
static void under_load(void)
{
    long rc = fs_mkdir("/s", 0755);
    check(rc == 0 || rc == FS_EEXIST, "mkdir /s", rc);
    uint64_t end = (uint64_t)sys_time().ret + LOAD_NS;
    unsigned durable = 0, cut = 0;
    char path[32], tmp[32];
    for (uint32_t k = 0; k < 100000 && (uint64_t)sys_time().ret < end; k++) {
        uint32_t len = 20000 + (k % 7) * 3000, seed = 1000 + k;
        pattern(buf, len, seed);
        snprintf(path, sizeof path, "/s/f%u", k);
        snprintf(tmp, sizeof tmp, "/s/tmp%u", k);
        bool ok = false;
        uint64_t give_up = (uint64_t)sys_time().ret + 8000000000ull;   /* a server that cannot reach blk0 retries each second */
        for (int attempt = 0; attempt < 1000 && !ok && (uint64_t)sys_time().ret < give_up; attempt++) {
            rc = write_file(tmp, buf, 3000, 1000, 0);
            if (rc == 0)
                rc = fs_unlink(tmp);
            if (rc == 0 || rc == SYS_ENOENT)
                rc = 0;
            long fd = rc ? rc : fs_open(path, FS_O_RDWR | FS_O_CREAT | FS_O_TRUNC, 0644);
            rc = fd;
            for (uint32_t off = 0; fd >= 0 && off < len && rc >= 0; off += 8192) {
                uint32_t n = len - off < 8192 ? len - off : 8192;
                rc = fs_write(fd, buf + off, n, off);
                if (rc >= 0 && rc != (long)n)
                    rc = SYS_EINVAL;
            }
            if (rc >= 0)
                rc = fs_fsync(fd);
            if (fd >= 0)
                fs_close(fd);
            ok = rc == 0;
            if (rc == FS_ENOSPC)
                break;              /* the disk is full: the load ends (how far it gets depends on speed) */
            if (!ok) {
                cut++;
                printf("fstest: round %u cut (%ld); again", k, rc);
                sys_sleep((uint64_t)sys_time().ret + 20000000ull);   /* let a restart finish */
            }
        }
        if (!ok && rc == FS_ENOSPC) {
            printf("fstest: the disk is full after %u files; the load ends", durable);
            break;
        }
        if (!ok) {
            check(false, "a round of write + fsync under restarts", (long)k);
            break;
        }
        printf("fstest: durable %s %u %u", path, seed, len);
        durable++;
    }
    printf("fstest: %u files durable, %u rounds cut by restarts", durable, cut);
    check(durable >= 10, "rounds completed under restarts", durable);
    rc = fs_sync();
    check(rc == 0 || rc == PVK_EPEER_RESTARTED, "sync", rc);
    if (rc == PVK_EPEER_RESTARTED)
        check(fs_sync() == 0, "sync again", 0);
}

int main(uint64_t arg)
{
    long rc = fs_init(PVK_SLOT_USES(0));
    if (arg == 2) {
        /* A disk without ext2: the server says so at once. */
        check(rc == FS_EIO, "fs_init on a disk without ext2 fails with FS_EIO", rc);
        rc = fs_stat("/", &(struct fs_stat){ 0 });
        check(rc == FS_EIO, "and so do later calls", rc);
    } else {
        check(rc == 0, "fs_init", rc);
    }
    if (rc == 0) {
        if (arg == 3) {
            under_load();
        } else if (arg == 1) {
            restarts();
        } else {
            host_files();
            namespace_ops();
            bad_input();
            /* Written, never synced: the server's write-back timer must
             * put it on the disk (the host checks /out/lazy.txt). */
            rc = write_file("/out/lazy.txt", (const uint8_t *)"written back\n", 13, 4096, 0);
            check(rc == 0, "write /out/lazy.txt, no fsync; waiting 1.5 s for the write-back", rc);
            sys_sleep((uint64_t)sys_time().ret + 1500000000ull);
        }
    }
    tap_done();
    printf("fstest: %u passed, %u failed", passed, failed);
    sys_poweroff(SLOT_PLATFORM, failed ? 1 : 0);
    return 0;
}
