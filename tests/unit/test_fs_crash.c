/* The file server's write ordering, checked against e2fsck: the ext2 core
 * runs over the block cache (servers/fs/bcache.c) with the phases of
 * ext2_phases.c, on an image made by mke2fs (1 KiB blocks, 4 groups).
 * Each round changes the file system (files created and written across
 * indirect blocks, directories made, names renamed and removed, files
 * truncated) and then syncs (a removal or move bracketed by syncs, the
 * one after it in removal order, as the file server does); the fake device records every write of the
 * sync. Frees are deferred (ext2_deferred_*) until the sync that drops
 * the last pointer is done, as in the file server, so nothing freed is
 * reused while the disk may still point at it. The machine is then "crashed" after each prefix of those writes
 * (the disk as it was before the sync plus the first k writes) and
 * e2fsck -p must repair the image without help (exit 0 or 1) every time;
 * after the whole sync e2fsck -fn must find it clean. */
#define _DEFAULT_SOURCE     /* mkdtemp */
#include <stdio.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>
#include "bcache.h"
#include "ext2.h"
#include "suites.h"

#define IMG_SIZE (4u << 20)
#define UNITS (IMG_SIZE / BC_UNIT)
#define CACHE_UNITS 256u
#define MAX_WRITES 512u

static uint8_t *disk;                   /* what is durable */
static uint8_t *base;                   /* the disk before the sync */
static struct { uint64_t unit; uint8_t data[BC_UNIT]; } *wrec;
static unsigned nw;
static uint8_t phase_map[UNITS / 4];
static struct bcache c;
static uint8_t cmem[CACHE_UNITS * BC_UNIT];
static struct bc_entry cent[CACHE_UNITS];
static uint32_t chash[CACHE_UNITS * 2], cscratch[CACHE_UNITS];
static struct ext2_fs fs;
static struct ext2_deferred deferred;
static uint8_t defer_mem[8192];
static char dir[64];

static int d_read(void *ctx, uint64_t first, uint32_t n, uint8_t *buf)
{
    (void)ctx;
    ck_assert_uint_le((first + n) * BC_UNIT, IMG_SIZE);
    memcpy(buf, disk + first * BC_UNIT, (size_t)n * BC_UNIT);
    return 0;
}

static int d_write(void *ctx, uint64_t first, uint32_t n, const uint8_t *const *data)
{
    (void)ctx;
    for (uint32_t i = 0; i < n; i++) {
        ck_assert_uint_lt(nw, MAX_WRITES);
        ck_assert_uint_lt(first + i, UNITS);
        wrec[nw].unit = first + i;
        memcpy(wrec[nw].data, data[i], BC_UNIT);
        memcpy(disk + (first + i) * BC_UNIT, data[i], BC_UNIT);
        nw++;
    }
    return 0;
}

static int d_barrier(void *ctx)
{
    (void)ctx;
    return 0;
}

static unsigned d_classify(void *ctx, uint64_t u)
{
    (void)ctx;
    return ext2_phase_of(phase_map, UNITS, u);
}

static int e_read(void *ctx, uint64_t off, void *buf, uint32_t len)
{
    (void)ctx;
    return bc_read(&c, off, buf, len);
}

static int e_write(void *ctx, uint64_t off, const void *buf, uint32_t len)
{
    (void)ctx;
    return bc_write(&c, off, buf, len);
}

/* Runs e2fsck (args) on image bytes img; its exit status. */
static int fsck(const uint8_t *img, const char *args)
{
    char file[128], cmd[512];
    snprintf(file, sizeof file, "%s/crash.img", dir);
    FILE *f = fopen(file, "wb");
    ck_assert(f != NULL && fwrite(img, 1, IMG_SIZE, f) == IMG_SIZE);
    ck_assert(fclose(f) == 0);
    snprintf(cmd, sizeof cmd, "/sbin/e2fsck %s %s >%s/e2fsck.log 2>&1", args, file, dir);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 99;
}

/* Syncs (removal: inode tables first, then the rest in the order it
 * became dirty, as the file server does after a name is removed or
 * moved) and checks every crash point of the sync. */
static void sync_checked(const char *what, bool removal)
{
    static const uint8_t rm_order[BC_PHASES] = { 1, 0, 2 };
    static uint8_t img[IMG_SIZE];
    memcpy(base, disk, IMG_SIZE);
    nw = 0;
    ck_assert_int_eq(removal ? bc_sync_ordered(&c, rm_order, true) : bc_sync(&c), 0);
    for (unsigned k = 0; k < nw; k++) {
        memcpy(img, base, IMG_SIZE);
        for (unsigned i = 0; i < k; i++)
            memcpy(img + wrec[i].unit * BC_UNIT, wrec[i].data, BC_UNIT);
        int rc = fsck(img, "-fp");
        if (rc > 1) {
            char cmd[160];
            snprintf(cmd, sizeof cmd, "cat %s/e2fsck.log >&2", dir);
            ck_assert(system(cmd) == 0);
        }
        ck_assert_msg(rc <= 1, "%s: a crash after %u of %u writes needs more than e2fsck -p (exit %d)", what, k,
                      nw, rc);
    }
}

/* The frees kept back become real once the disk no longer points to them
 * (their bitmaps and counts: the next sync, checked the same way); then
 * the image must be clean. */
static void release_checked(const char *what)
{
    if (deferred.count) {
        ck_assert_int_eq(ext2_deferred_release(&fs, &deferred), 0);
        ck_assert_uint_eq(deferred.count, 0);
        sync_checked(what, false);
    }
    ck_assert_int_eq(fsck(disk, "-fn"), 0);
}

/* A removal as the file server brackets it: a sync before, the operation,
 * the removal-ordered sync, the release. */
#define REMOVAL(what, call)                     \
    do {                                        \
        sync_checked("before " what, false);    \
        ck_assert_int_eq((call), 0);            \
        sync_checked(what, true);               \
        release_checked(what);                  \
    } while (0)

static void fill(uint8_t *p, uint32_t n, uint32_t seed)
{
    for (uint32_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 31 + seed);
}

START_TEST(test_fs_crash_ordering)
{
    snprintf(dir, sizeof dir, "/tmp/pvk-fscrash-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char cmd[256];
    snprintf(cmd, sizeof cmd, "/sbin/mke2fs -q -F -t ext2 -b 1024 -g 1024 -N 256 %s/fresh.img 4M >/dev/null 2>&1",
             dir);
    ck_assert_int_eq(system(cmd), 0);
    disk = malloc(IMG_SIZE);
    base = malloc(IMG_SIZE);
    wrec = malloc(sizeof *wrec * MAX_WRITES);
    ck_assert(disk && base && wrec);
    snprintf(cmd, sizeof cmd, "%s/fresh.img", dir);
    FILE *f = fopen(cmd, "rb");
    ck_assert(f != NULL && fread(disk, 1, IMG_SIZE, f) == IMG_SIZE);
    fclose(f);

    struct bc_ops ops = { .read = d_read, .write = d_write, .barrier = d_barrier, .classify = d_classify,
                          .max_run = 16 };
    bc_init(&c, &ops, cmem, cent, CACHE_UNITS, chash, CACHE_UNITS * 2, cscratch, IMG_SIZE);
    struct ext2_dev dev = { .bytes = IMG_SIZE, .read = e_read, .write = e_write };
    ck_assert_int_eq(ext2_mount(&fs, &dev), 0);
    fs.now = 1700000000;
    ck_assert_uint_eq(fs.group_count, 4);
    ck_assert_int_eq(ext2_phase_map(&fs, phase_map, UNITS), 0);
    ck_assert_uint_le(ext2_deferred_bytes(&fs), sizeof defer_mem);
    ext2_deferred_init(&deferred, &fs, defer_mem);

    /* Round 1: files (small, and 300 KiB through double indirect blocks), directories. */
    static uint8_t buf[300 * 1024];
    struct ext2_inode ino, d;
    uint32_t done;
    fill(buf, sizeof buf, 1);
    ck_assert_int_eq(ext2_mkdir(&fs, EXT2_ROOT_INO, "a", 1, 0755, &d), 0);
    ck_assert_int_eq(ext2_mkdir(&fs, d.ino, "b", 1, 0755, NULL), 0);
    ck_assert_int_eq(ext2_create(&fs, d.ino, "big", 3, 0644, &ino), 0);
    ck_assert_int_eq(ext2_write(&fs, &ino, 0, buf, sizeof buf, &done), 0);
    for (int i = 0; i < 12; i++) {
        char name[8] = { 'f', (char)('a' + i) };
        ck_assert_int_eq(ext2_create(&fs, EXT2_ROOT_INO, name, 2, 0644, &ino), 0);
        ck_assert_int_eq(ext2_write(&fs, &ino, 0, buf + i, 1500 + i * 700, &done), 0);
    }
    sync_checked("create and write", false);
    release_checked("create and write");

    /* Round 2: removals and moves, each bracketed; a truncate and a new
     * file that may take what was freed. */
    REMOVAL("rename a file to another directory", ext2_rename(&fs, EXT2_ROOT_INO, "fa", 2, d.ino, "moved", 5));
    REMOVAL("rename over an existing file", ext2_rename(&fs, EXT2_ROOT_INO, "fd", 2, EXT2_ROOT_INO, "fe", 2));
    REMOVAL("unlink a 300 KiB file", ext2_unlink(&fs, d.ino, "big", 3));
    REMOVAL("unlink", ext2_unlink(&fs, EXT2_ROOT_INO, "fb", 2));
    REMOVAL("rename a directory in its parent", ext2_rename(&fs, d.ino, "b", 1, d.ino, "b2", 2));
    REMOVAL("rmdir", ext2_rmdir(&fs, d.ino, "b2", 2));
    /* A directory moved to another parent: both entries exist for a moment
     * whichever way it is written, which e2fsck -p will not settle (a
     * known limit without a journal): only the end is checked. */
    ck_assert_int_eq(ext2_mkdir(&fs, d.ino, "c", 1, 0755, NULL), 0);
    ck_assert_int_eq(bc_sync(&c), 0);
    ck_assert_int_eq(ext2_rename(&fs, d.ino, "c", 1, EXT2_ROOT_INO, "c2", 2), 0);
    ck_assert_int_eq(bc_sync(&c), 0);
    release_checked("a directory moved");
    struct ext2_inode root;
    uint32_t fc;
    ck_assert_int_eq(ext2_read_inode(&fs, EXT2_ROOT_INO, &root), 0);
    ck_assert_int_eq(ext2_lookup(&fs, &root, "fc", 2, &fc), 0);
    ck_assert_int_eq(ext2_read_inode(&fs, fc, &ino), 0);
    ck_assert_int_eq(ext2_truncate(&fs, &ino, 100), 0);
    ck_assert_int_eq(ext2_create(&fs, EXT2_ROOT_INO, "new", 3, 0600, &ino), 0);
    ck_assert_int_eq(ext2_mkdir(&fs, EXT2_ROOT_INO, "nd", 2, 0700, NULL), 0);
    fill(buf, sizeof buf, 9);
    ck_assert_int_eq(ext2_write(&fs, &ino, 0, buf, 200 * 1024, &done), 0);
    sync_checked("truncate, create, mkdir, write", false);
    release_checked("truncate, create, mkdir, write");

    /* A crash's leftover: an entry naming an inode without links (its
     * record never written, or freed first). It blocks the name until
     * ext2_drop_dangling removes it. */
    ck_assert_int_eq(ext2_create(&fs, EXT2_ROOT_INO, "dg", 2, 0644, &ino), 0);
    uint64_t at;
    ck_assert_int_eq(ext2_inode_location(&fs, ino.ino, &at), 0);
    ck_assert_int_eq(bc_write(&c, at + 26, "\0\0", 2), 0);     /* no links */
    ck_assert_int_eq(bc_write(&c, at, "\0\0", 2), 0);          /* mode 0: never written */
    ck_assert_int_eq(ext2_create(&fs, EXT2_ROOT_INO, "dg", 2, 0644, NULL), EXT2_EEXIST);
    ck_assert_int_eq(ext2_drop_dangling(&fs, EXT2_ROOT_INO, "new", 3), 0);     /* live */
    ck_assert_int_eq(ext2_drop_dangling(&fs, EXT2_ROOT_INO, "nosuch", 6), 0);  /* absent */
    ck_assert_int_eq(ext2_drop_dangling(&fs, EXT2_ROOT_INO, "dg", 2), 1);
    ck_assert_int_eq(ext2_drop_dangling(&fs, EXT2_ROOT_INO, "dg", 2), 0);
    ck_assert_int_eq(ext2_create(&fs, EXT2_ROOT_INO, "dg", 2, 0644, NULL), 0);

    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
    free(disk);
    free(base);
    free(wrec);
}
END_TEST

Suite *fs_crash_suite(void)
{
    Suite *s = suite_create("fs_crash");
    TCase *tc = tcase_create("ordering");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_fs_crash_ordering);
    suite_add_tcase(s, tc);
    return s;
}
