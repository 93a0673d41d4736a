/* The ext2 core's write side (servers/fs/ext2_alloc.c, ext2_write.c,
 * ext2_dirops.c, ext2_ops.c) on the fixture's 1 KiB and 4 KiB images:
 * create, extending writes across direct, single and double indirect
 * blocks, holes, truncate down and up, mkdir, rename (files, directories,
 * across directories, over a file), unlink, rmdir, a directory growing
 * new blocks, an htree directory changed, the file system filled to
 * ENOSPC, and corrupt bitmaps and counts. After every test e2fsck -fn
 * must pass (exit 0), and contents are checked through the core and
 * with debugfs (e2fsprogs' own reader). Part of the ext2 suite. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ext2_fixture.h"

#define NOW 1700000000u

static const struct image *pick(int i)
{
    return i == 0 ? &ext2t_img1k : &ext2t_img4k;
}

static void mount_rw(const struct image *im)
{
    ext2t_mount_ok(im);
    ext2t_fs.now = NOW;
}

/* Writes the work copy to a file; returns its path. */
static const char *save_work(void)
{
    static char file[128];
    snprintf(file, sizeof file, "%s/ops", ext2t_tmpdir);
    FILE *f = fopen(file, "wb");
    ck_assert(f != NULL && fwrite(ext2t_work, 1, ext2t_mdev.size, f) == ext2t_mdev.size);
    ck_assert(fclose(f) == 0);
    return file;
}

/* e2fsck -fn on the work copy must exit 0 (its output is in the log). */
static void fsck_clean(void)
{
    char cmd[512], log[160];
    const char *file = save_work();
    snprintf(log, sizeof log, "%s/e2fsck-ops.log", ext2t_tmpdir);
    snprintf(cmd, sizeof cmd, "/sbin/e2fsck -fn %s >%s 2>&1", file, log);
    int rc = system(cmd);
    if (rc != 0) {
        snprintf(cmd, sizeof cmd, "cat %s >&2", log);
        ck_assert(system(cmd) == 0);
    }
    ck_assert_msg(rc == 0, "e2fsck -fn found problems (status %d)", rc);
    ck_assert_uint_eq(ext2t_mdev.bad_reads, 0);
}

/* The output of debugfs -R 'request' on the work copy, in a static buffer. */
static const char *debugfs(const char *request, size_t *len)
{
    static char out[1 << 20];
    char cmd[512], outfile[160];
    const char *file = save_work();
    snprintf(outfile, sizeof outfile, "%s/debugfs.out", ext2t_tmpdir);
    snprintf(cmd, sizeof cmd, "/sbin/debugfs -R '%s' %s >%s 2>/dev/null", request, file, outfile);
    ck_assert(system(cmd) == 0);
    FILE *f = fopen(outfile, "rb");
    ck_assert(f != NULL);
    size_t n = fread(out, 1, sizeof out - 1, f);
    fclose(f);
    out[n] = '\0';
    if (len != NULL)
        *len = n;
    return out;
}

/* debugfs cat of path must be exactly data. */
static void debugfs_cat_is(const char *path, const void *data, size_t n)
{
    char req[300];
    size_t len;
    snprintf(req, sizeof req, "cat %s", path);
    const char *out = debugfs(req, &len);
    ck_assert_msg(len == n, "debugfs cat %s: %zu bytes, expected %zu", path, len, n);
    ck_assert_msg(memcmp(out, data, n) == 0, "debugfs cat %s differs", path);
}

static void fill(uint8_t *buf, size_t n, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 7;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        buf[i] = (uint8_t)x;
    }
}

#define OK(call)                                                                                       \
    do {                                                                                               \
        int rc_ = (call);                                                                              \
        ck_assert_msg(rc_ == 0, "%s: %s: %s", #call, ext2_error_name(rc_), ext2_reason(&ext2t_fs));   \
    } while (0)

static uint32_t create_ok(uint32_t dir, const char *name)
{
    struct ext2_inode in;
    OK(ext2_create(&ext2t_fs, dir, name, (uint32_t)strlen(name), 0644, &in));
    ck_assert_int_eq(in.type, EXT2_TYPE_REG);
    return in.ino;
}

static uint32_t mkdir_ok(uint32_t dir, const char *name)
{
    struct ext2_inode in;
    OK(ext2_mkdir(&ext2t_fs, dir, name, (uint32_t)strlen(name), 0755, &in));
    return in.ino;
}

static void write_ok(const char *path, uint64_t at, const void *data, uint32_t n)
{
    struct ext2_inode in = ext2t_resolve_ok(path);
    uint32_t done = 0;
    OK(ext2_write(&ext2t_fs, &in, at, data, n, &done));
    ck_assert_uint_eq(done, n);
}

/* The whole of path read through the core must be data. */
static void core_is(const char *path, const uint8_t *data, uint32_t n)
{
    struct ext2_inode in = ext2t_resolve_ok(path);
    CHECK_EQ(in.size, n);
    uint8_t *back = malloc(n + 1);
    uint32_t done;
    ck_assert(back != NULL);
    OK(ext2_read(&ext2t_fs, &in, 0, back, n, &done));
    ck_assert_uint_eq(done, n);
    ck_assert(memcmp(back, data, n) == 0);
    free(back);
}

static uint32_t sb_free_blocks(void)
{
    return ext2t_get32(1024 + 12);
}

static uint32_t sb_free_inodes(void)
{
    return ext2t_get32(1024 + 16);
}

START_TEST(test_create_write_append)
{
    mount_rw(pick(_i));
    enum { BIG = 300 * 1024, MORE = 5000 };   /* direct, single and double indirect at 1 KiB */
    static uint8_t data[BIG + MORE];
    fill(data, sizeof data, 11);
    uint32_t ino = create_ok(EXT2_ROOT_INO, "new.txt");
    struct ext2_inode in = ext2t_resolve_ok("/new.txt");
    ck_assert_uint_eq(in.ino, ino);
    CHECK_EQ(in.size, 0);
    ck_assert_uint_eq(in.mode, 0100644);
    ck_assert_uint_eq(in.mtime, NOW);
    ck_assert_uint_eq(in.links, 1);
    fsck_clean();
    write_ok("/new.txt", 0, "hello", 5);
    core_is("/new.txt", (const uint8_t *)"hello", 5);
    debugfs_cat_is("/new.txt", "hello", 5);
    ext2t_fs.now = NOW + 5;
    write_ok("/new.txt", 0, data, BIG);
    write_ok("/new.txt", BIG, data + BIG, MORE);   /* append */
    core_is("/new.txt", data, BIG + MORE);
    in = ext2t_resolve_ok("/new.txt");
    ck_assert_uint_eq(in.mtime, NOW + 5);
    uint32_t bs = ext2t_fs.block_size, nblk = (BIG + MORE + bs - 1) / bs;
    ck_assert_uint_ge(in.blocks_512, nblk * (bs / 512));
    if (bs == 1024) {
        ck_assert_uint_ne(in.block[12], 0);
        ck_assert_uint_ne(in.block[13], 0);
        ck_assert_uint_eq(in.blocks_512, (nblk + 1 + 1 + 1) * 2);   /* + single, double, 1 under it */
    }
    debugfs_cat_is("/new.txt", data, BIG + MORE);
    fsck_clean();
}
END_TEST

START_TEST(test_holes_and_truncate)
{
    mount_rw(pick(_i));
    uint32_t bs = ext2t_fs.block_size;
    enum { N = 300 * 1024 };
    static uint8_t data[N], expect[N];
    fill(data, N, 5);
    create_ok(EXT2_ROOT_INO, "t");
    uint32_t free0 = sb_free_blocks();
    /* a write past the end leaves a hole */
    write_ok("/t", 100 * 1024, "x", 1);
    memset(expect, 0, N);
    expect[100 * 1024] = 'x';
    core_is("/t", expect, 100 * 1024 + 1);
    struct ext2_inode in = ext2t_resolve_ok("/t");
    uint32_t pblk;
    OK(ext2_bmap(&ext2t_fs, &in, 0, &pblk));
    ck_assert_uint_eq(pblk, 0);
    fsck_clean();
    /* fill it, then cut inside the single indirect range */
    write_ok("/t", 0, data, N);
    in = ext2t_resolve_ok("/t");
    uint64_t cut = 13ull * bs + 5;
    OK(ext2_truncate(&ext2t_fs, &in, cut));
    core_is("/t", data, (uint32_t)cut);
    fsck_clean();
    /* grow again: the old tail reads as zeros */
    uint32_t grown = (uint32_t)cut + 3 * bs + 100;
    OK(ext2_truncate(&ext2t_fs, &in, grown));
    memcpy(expect, data, cut);
    memset(expect + cut, 0, N - cut);
    core_is("/t", expect, grown);
    debugfs_cat_is("/t", expect, grown);
    fsck_clean();
    /* down to a block boundary, then to nothing: every block back */
    OK(ext2_truncate(&ext2t_fs, &in, 12ull * bs));
    in = ext2t_resolve_ok("/t");
    ck_assert_uint_eq(in.block[12], 0);
    ck_assert_uint_eq(in.blocks_512, 12 * (bs / 512));
    OK(ext2_truncate(&ext2t_fs, &in, 0));
    in = ext2t_resolve_ok("/t");
    ck_assert_uint_eq(in.blocks_512, 0);
    ck_assert_uint_eq(sb_free_blocks(), free0);
    fsck_clean();
    /* truncating a file of the image (mke2fs's big.bin, double indirect) */
    in = ext2t_resolve_ok("/big.bin");
    OK(ext2_truncate(&ext2t_fs, &in, 70000));
    fsck_clean();
    in = ext2t_resolve_ok("/a");
    ck_assert_int_eq(ext2_truncate(&ext2t_fs, &in, 0), EXT2_EISDIR);
}
END_TEST

START_TEST(test_mkdir_rename)
{
    mount_rw(pick(_i));
    struct ext2_inode root = ext2t_resolve_ok("/");
    uint32_t d1 = mkdir_ok(EXT2_ROOT_INO, "d1");
    uint32_t d2 = mkdir_ok(d1, "d2");
    uint32_t d3 = mkdir_ok(d2, "d3");
    ck_assert_uint_eq(ext2t_resolve_ok("/").links, root.links + 1);
    ck_assert_uint_eq(ext2t_resolve_ok("/d1").links, 3);
    ck_assert_uint_eq(ext2t_resolve_ok("/d1/d2/d3").ino, d3);
    uint32_t parent;
    struct ext2_inode d3in = ext2t_resolve_ok("/d1/d2/d3");
    OK(ext2_lookup(&ext2t_fs, &d3in, "..", 2, &parent));
    ck_assert_uint_eq(parent, d2);
    create_ok(d3, "f");
    write_ok("/d1/d2/d3/f", 0, "file f\n", 7);
    fsck_clean();
    /* a file across directories, then a directory across directories */
    OK(ext2_rename(&ext2t_fs, d3, "f", 1, d1, "g", 1));
    core_is("/d1/g", (const uint8_t *)"file f\n", 7);
    ck_assert_int_eq(ext2_resolve(&ext2t_fs, "/d1/d2/d3/f", &d3in), EXT2_ENOENT);
    OK(ext2_rename(&ext2t_fs, d2, "d3", 2, EXT2_ROOT_INO, "top3", 4));
    d3in = ext2t_resolve_ok("/top3");
    ck_assert_uint_eq(d3in.ino, d3);
    OK(ext2_lookup(&ext2t_fs, &d3in, "..", 2, &parent));
    ck_assert_uint_eq(parent, EXT2_ROOT_INO);
    ck_assert_uint_eq(ext2t_resolve_ok("/").links, root.links + 2);
    ck_assert_uint_eq(ext2t_resolve_ok("/d1/d2").links, 2);
    fsck_clean();
    /* into its own subtree: refused, nothing changed */
    ck_assert_int_eq(ext2_rename(&ext2t_fs, EXT2_ROOT_INO, "d1", 2, d2, "x", 1), EXT2_EINVAL);
    ck_assert_reason("own subtree");
    ck_assert_int_eq(ext2_rename(&ext2t_fs, EXT2_ROOT_INO, "d1", 2, d1, "x", 1), EXT2_EINVAL);
    /* rename within a directory, and over an existing file */
    OK(ext2_rename(&ext2t_fs, d1, "g", 1, d1, "h", 1));
    create_ok(EXT2_ROOT_INO, "victim");
    write_ok("/victim", 0, "old", 3);
    uint32_t free_inodes = sb_free_inodes();
    OK(ext2_rename(&ext2t_fs, d1, "h", 1, EXT2_ROOT_INO, "victim", 6));
    core_is("/victim", (const uint8_t *)"file f\n", 7);
    ck_assert_uint_eq(sb_free_inodes(), free_inodes + 1);
    debugfs_cat_is("/victim", "file f\n", 7);
    /* a directory over an empty one, and refusals */
    mkdir_ok(EXT2_ROOT_INO, "emptydir");
    mkdir_ok(d1, "full");
    create_ok(ext2t_resolve_ok("/d1/full").ino, "x");
    ck_assert_int_eq(ext2_rename(&ext2t_fs, EXT2_ROOT_INO, "top3", 4, d1, "full", 4), EXT2_ENOTEMPTY);
    ck_assert_int_eq(ext2_rename(&ext2t_fs, EXT2_ROOT_INO, "victim", 6, d1, "full", 4), EXT2_EISDIR);
    ck_assert_int_eq(ext2_rename(&ext2t_fs, EXT2_ROOT_INO, "top3", 4, EXT2_ROOT_INO, "victim", 6),
                     EXT2_ENOTDIR);
    OK(ext2_rename(&ext2t_fs, EXT2_ROOT_INO, "top3", 4, EXT2_ROOT_INO, "emptydir", 8));
    ck_assert_uint_eq(ext2t_resolve_ok("/emptydir").ino, d3);
    ck_assert_uint_eq(ext2t_resolve_ok("/").links, root.links + 2);   /* d1, empty (was top3) */
    /* a directory over an empty one in another directory */
    mkdir_ok(d1, "e2");
    uint16_t d1_links = ext2t_resolve_ok("/d1").links;
    OK(ext2_rename(&ext2t_fs, EXT2_ROOT_INO, "emptydir", 8, d1, "e2", 2));
    ck_assert_uint_eq(ext2t_resolve_ok("/").links, root.links + 1);
    ck_assert_uint_eq(ext2t_resolve_ok("/d1").links, d1_links);
    d3in = ext2t_resolve_ok("/d1/e2");
    ck_assert_uint_eq(d3in.ino, d3);
    OK(ext2_lookup(&ext2t_fs, &d3in, "..", 2, &parent));
    ck_assert_uint_eq(parent, d1);
    fsck_clean();
    OK(ext2_rename(&ext2t_fs, d1, "e2", 2, EXT2_ROOT_INO, "emptydir", 8));
    ck_assert_int_eq(ext2_rename(&ext2t_fs, 9999999, "a", 1, 2, "b", 1), EXT2_EINVAL);
    const char *ls = debugfs("ls -l /", NULL);
    ck_assert(strstr(ls, "victim") != NULL && strstr(ls, "emptydir") != NULL && strstr(ls, "top3") == NULL);
    fsck_clean();
}
END_TEST

START_TEST(test_unlink_rmdir_names)
{
    mount_rw(pick(_i));
    uint32_t free_blocks = sb_free_blocks(), free_inodes = sb_free_inodes();
    uint32_t d = mkdir_ok(EXT2_ROOT_INO, "dir");
    create_ok(d, "file");
    static uint8_t data[40000];
    fill(data, sizeof data, 3);
    write_ok("/dir/file", 0, data, sizeof data);
    ck_assert_int_eq(ext2_rmdir(&ext2t_fs, EXT2_ROOT_INO, "dir", 3), EXT2_ENOTEMPTY);
    ck_assert_int_eq(ext2_unlink(&ext2t_fs, EXT2_ROOT_INO, "dir", 3), EXT2_EISDIR);
    ck_assert_int_eq(ext2_rmdir(&ext2t_fs, d, "file", 4), EXT2_ENOTDIR);
    ck_assert_int_eq(ext2_create(&ext2t_fs, d, "file", 4, 0644, NULL), EXT2_EEXIST);
    ck_assert_int_eq(ext2_mkdir(&ext2t_fs, d, "file", 4, 0755, NULL), EXT2_EEXIST);
    ck_assert_int_eq(ext2_create(&ext2t_fs, d, ".", 1, 0644, NULL), EXT2_EINVAL);
    ck_assert_int_eq(ext2_create(&ext2t_fs, d, "..", 2, 0644, NULL), EXT2_EINVAL);
    ck_assert_int_eq(ext2_create(&ext2t_fs, d, "a/b", 3, 0644, NULL), EXT2_EINVAL);
    ck_assert_int_eq(ext2_create(&ext2t_fs, d, "a\0b", 3, 0644, NULL), EXT2_EINVAL);
    ck_assert_int_eq(ext2_create(&ext2t_fs, d, "", 0, 0644, NULL), EXT2_EINVAL);
    char longname[300];
    memset(longname, 'n', sizeof longname);
    ck_assert_int_eq(ext2_create(&ext2t_fs, d, longname, 256, 0644, NULL), EXT2_ENAMETOOLONG);
    OK(ext2_create(&ext2t_fs, d, longname, 255, 0644, NULL));
    ck_assert_int_eq(ext2_rmdir(&ext2t_fs, EXT2_ROOT_INO, "..", 2), EXT2_EINVAL);
    ck_assert_int_eq(ext2_unlink(&ext2t_fs, d, "nothing", 7), EXT2_ENOENT);
    ck_assert_int_eq(ext2_create(&ext2t_fs, ext2t_resolve_ok("/small.txt").ino, "x", 1, 0644, NULL), EXT2_ENOTDIR);
    fsck_clean();
    OK(ext2_unlink(&ext2t_fs, d, "file", 4));
    OK(ext2_unlink(&ext2t_fs, d, longname, 255));
    OK(ext2_rmdir(&ext2t_fs, EXT2_ROOT_INO, "dir", 3));
    ck_assert_uint_eq(sb_free_blocks(), free_blocks);
    ck_assert_uint_eq(sb_free_inodes(), free_inodes);
    /* files and a symlink of the image itself */
    OK(ext2_unlink(&ext2t_fs, EXT2_ROOT_INO, "big.bin", 7));
    OK(ext2_unlink(&ext2t_fs, EXT2_ROOT_INO, "link", 4));
    OK(ext2_unlink(&ext2t_fs, EXT2_ROOT_INO, "slow-link", 9));
    OK(ext2_unlink(&ext2t_fs, EXT2_ROOT_INO, "huge-sparse.bin", 15));
    struct ext2_inode a = ext2t_resolve_ok("/a");
    OK(ext2_unlink(&ext2t_fs, a.ino, "in-a.txt", 8));
    const char *ls = debugfs("ls /", NULL);
    ck_assert(strstr(ls, "big.bin") == NULL && strstr(ls, "small.txt") != NULL);
    fsck_clean();
    /* a device that fails writes: EXT2_EIO, nothing written out of range */
    ext2t_mdev.fail_writes = 1;
    ck_assert_int_eq(ext2_create(&ext2t_fs, EXT2_ROOT_INO, "io", 2, 0644, NULL), EXT2_EIO);
    ck_assert_int_eq(ext2_mkdir(&ext2t_fs, EXT2_ROOT_INO, "io", 2, 0755, NULL), EXT2_EIO);
    ck_assert_uint_eq(ext2t_mdev.bad_reads, 0);
    ext2t_mdev.fail_writes = 0;
    /* read-only mounts refuse */
    ext2t_dev.write = NULL;
    ck_assert_int_eq(ext2t_remount(), 0);
    ck_assert_int_eq(ext2_create(&ext2t_fs, EXT2_ROOT_INO, "ro", 2, 0644, NULL), EXT2_EROFS);
    ck_assert_int_eq(ext2_unlink(&ext2t_fs, EXT2_ROOT_INO, "small.txt", 9), EXT2_EROFS);
}
END_TEST

START_TEST(test_many_files_and_htree)
{
    mount_rw(pick(_i));
    enum { COUNT = 150 };
    uint32_t d = mkdir_ok(EXT2_ROOT_INO, "lots");
    char name[64];
    for (int i = 0; i < COUNT; i++) {
        snprintf(name, sizeof name, "a-rather-long-file-name-%04d", i);
        create_ok(d, name);
    }
    struct ext2_inode dir = ext2t_resolve_ok("/lots");
    ck_assert_uint_ge(dir.size, 2ull * ext2t_fs.block_size * (ext2t_fs.block_size == 1024 ? 2 : 1));
    for (int i = 0; i < COUNT; i += 2) {
        snprintf(name, sizeof name, "a-rather-long-file-name-%04d", i);
        OK(ext2_unlink(&ext2t_fs, d, name, (uint32_t)strlen(name)));
    }
    for (int i = 0; i < COUNT; i++) {
        uint32_t ino;
        snprintf(name, sizeof name, "a-rather-long-file-name-%04d", i);
        ck_assert_int_eq(ext2_lookup(&ext2t_fs, &dir, name, (uint32_t)strlen(name), &ino), i % 2 ? 0 : EXT2_ENOENT);
    }
    const char *ls = debugfs("ls /lots", NULL);
    ck_assert(strstr(ls, "a-rather-long-file-name-0149") != NULL);
    ck_assert(strstr(ls, "a-rather-long-file-name-0148") == NULL);
    fsck_clean();
    /* /many (500 entries): e2fsck -fyD builds its htree index where
     * dir_index is on (the 1 KiB image); changing it clears the flag */
    if (_i == 0) {
        char cmd[300];
        const char *file = save_work();
        snprintf(cmd, sizeof cmd, "/sbin/e2fsck -fyD %s >/dev/null 2>&1", file);
        ck_assert_int_le(WEXITSTATUS(system(cmd)), 1);
        FILE *f = fopen(file, "rb");
        ck_assert(f != NULL && fread(ext2t_work, 1, ext2t_mdev.size, f) == ext2t_mdev.size);
        fclose(f);
        ck_assert_int_eq(ext2t_remount(), 0);
        ext2t_fs.now = NOW;
        ck_assert_uint_eq(ext2t_resolve_ok("/many").flags & 0x1000u, 0x1000u);
        fsck_clean();
    }
    struct ext2_inode many = ext2t_resolve_ok("/many");
    OK(ext2_create(&ext2t_fs, many.ino, "added", 5, 0600, NULL));
    OK(ext2_unlink(&ext2t_fs, many.ino, "file-007", 8));
    many = ext2t_resolve_ok("/many");
    ck_assert_uint_eq(many.flags & 0x1000u, 0);
    fsck_clean();
}
END_TEST

START_TEST(test_fill_to_enospc)
{
    mount_rw(pick(_i));
    uint32_t free_blocks = sb_free_blocks();
    static uint8_t chunk[64 * 1024];
    fill(chunk, sizeof chunk, 9);
    uint32_t d = mkdir_ok(EXT2_ROOT_INO, "fill");
    int rc = 0, files = 0;
    char name[32];
    while (rc == 0 && files < 1000) {
        snprintf(name, sizeof name, "f%d", files);
        rc = ext2_create(&ext2t_fs, d, name, (uint32_t)strlen(name), 0644, NULL);
        if (rc != 0)
            break;
        files++;
        char path[64];
        snprintf(path, sizeof path, "/fill/%s", name);
        struct ext2_inode in = ext2t_resolve_ok(path);
        for (int k = 0; k < 16 && rc == 0; k++) {
            uint32_t done = 0;
            rc = ext2_write(&ext2t_fs, &in, in.size, chunk, sizeof chunk, &done);
            ck_assert(rc == 0 ? done == sizeof chunk : done < sizeof chunk);
            struct ext2_inode again = ext2t_resolve_ok(path);
            CHECK_EQ(again.size, in.size);
        }
    }
    ck_assert_int_eq(rc, EXT2_ENOSPC);
    ck_assert_reason("no free block");
    ck_assert_uint_eq(sb_free_blocks(), 0);
    fsck_clean();
    uint32_t done;
    struct ext2_inode small = ext2t_resolve_ok("/small.txt");
    ck_assert_int_eq(ext2_write(&ext2t_fs, &small, 5000, "x", 1, &done), EXT2_ENOSPC);
    ck_assert_int_eq(ext2_mkdir(&ext2t_fs, EXT2_ROOT_INO, "nope", 4, 0755, NULL), EXT2_ENOSPC);
    fsck_clean();
    for (int i = 0; i < files; i++) {
        snprintf(name, sizeof name, "f%d", i);
        OK(ext2_unlink(&ext2t_fs, d, name, (uint32_t)strlen(name)));
    }
    OK(ext2_rmdir(&ext2t_fs, EXT2_ROOT_INO, "fill", 4));
    ck_assert_uint_eq(sb_free_blocks(), free_blocks);
    fsck_clean();
}
END_TEST

START_TEST(test_inodes_to_enospc)
{
    mount_rw(&ext2t_img1k);
    uint32_t free_inodes = sb_free_inodes();
    int rc = 0;
    uint32_t made = 0, d = 0;
    char name[32];
    while (rc == 0 && made < 5000) {
        if (made % 200 == 0) {
            snprintf(name, sizeof name, "d%u", made / 200);
            rc = ext2_mkdir(&ext2t_fs, EXT2_ROOT_INO, name, (uint32_t)strlen(name), 0755, NULL);
            if (rc != 0)
                break;
            d = ext2t_resolve_ok(name).ino;
        }
        snprintf(name, sizeof name, "%u", made);
        rc = ext2_create(&ext2t_fs, d, name, (uint32_t)strlen(name), 0644, NULL);
        made++;
    }
    ck_assert_int_eq(rc, EXT2_ENOSPC);
    ck_assert_reason("no free inode");
    ck_assert_uint_eq(sb_free_inodes(), 0);
    ck_assert_uint_lt(made, free_inodes + 1);
    fsck_clean();
}
END_TEST

START_TEST(test_corrupt_bitmaps)
{
    mount_rw(&ext2t_img1k);
    /* the block bitmap of small.txt's group claims its inode table's first block free */
    uint64_t gd = 2 * 1024;
    struct ext2_inode small = ext2t_resolve_ok("/small.txt");
    uint32_t g = (small.ino - 1) / ext2t_fs.inodes_per_group;
    uint64_t gdg = gd + 32 * g;
    uint32_t bbitmap = ext2t_get32(gdg), itable = ext2t_get32(gdg + 8);
    uint32_t bit = (itable - 1) % ext2t_fs.blocks_per_group;
    ext2t_work[(uint64_t)bbitmap * 1024 + bit / 8] &= (uint8_t)~(1u << (bit % 8));
    if (ext2t_work[gdg + 12] == 0 && ext2t_work[gdg + 13] == 0)   /* a full group is skipped */
        ext2t_put16(gdg + 12, 1);
    uint8_t *table = malloc(1024);
    ck_assert(table != NULL);
    memcpy(table, ext2t_work + (uint64_t)itable * 1024, 1024);
    uint32_t done;
    ck_assert_int_eq(ext2_write(&ext2t_fs, &small, 4000, "x", 1, &done), EXT2_ECORRUPT);
    ck_assert_reason("offers metadata block");
    ck_assert(memcmp(table, ext2t_work + (uint64_t)itable * 1024, 1024) == 0);
    core_is("/small.txt", (const uint8_t *)"hello, ext2\n", 12);
    free(table);
    /* the inode bitmap offers a live inode (small.txt's) */
    mount_rw(&ext2t_img1k);
    uint32_t ibitmap = ext2t_get32(gdg + 4), ibit = (small.ino - 1) % ext2t_fs.inodes_per_group;
    for (uint32_t k = 0; k < g; k++)   /* earlier groups count no free inode: skipped */
        ext2t_put16(gd + 32 * k + 14, 0);
    ext2t_put16(gdg + 14, 1);
    for (uint32_t i = 0; i < ibit; i++)   /* everything before it in use */
        ext2t_work[(uint64_t)ibitmap * 1024 + i / 8] |= (uint8_t)(1u << (i % 8));
    ext2t_work[(uint64_t)ibitmap * 1024 + ibit / 8] &= (uint8_t)~(1u << (ibit % 8));
    ck_assert_int_eq(ext2_create(&ext2t_fs, EXT2_ROOT_INO, "c", 1, 0644, NULL), EXT2_ECORRUPT);
    ck_assert_reason("has 1 links");
    core_is("/small.txt", (const uint8_t *)"hello, ext2\n", 12);
    /* free counts that disagree with full bitmaps: no loop, ENOSPC */
    mount_rw(&ext2t_img1k);
    for (uint32_t g = 0; g < ext2t_fs.group_count; g++) {
        uint32_t bb = ext2t_get32(gd + 32 * g);
        memset(ext2t_work + (uint64_t)bb * 1024, 0xFF, 1024);
        ext2t_put16(gd + 32 * g + 12, 100);
    }
    small = ext2t_resolve_ok("/small.txt");
    ck_assert_int_eq(ext2_write(&ext2t_fs, &small, 4000, "x", 1, &done), EXT2_ENOSPC);
    /* and counts of 0 over free bitmaps: skipped, ENOSPC */
    mount_rw(&ext2t_img1k);
    for (uint32_t g = 0; g < ext2t_fs.group_count; g++)
        ext2t_put16(gd + 32 * g + 12, 0);
    small = ext2t_resolve_ok("/small.txt");
    ck_assert_int_eq(ext2_write(&ext2t_fs, &small, 4000, "x", 1, &done), EXT2_ENOSPC);
    /* an indirect block pointer moved onto the inode table: no write into it */
    mount_rw(&ext2t_img1k);
    struct ext2_inode big = ext2t_resolve_ok("/big.bin");
    ext2t_put32(ext2t_inode_offset(big.ino) + 40 + 4 * 12, itable);
    big = ext2t_resolve_ok("/big.bin");
    uint8_t *before = malloc(ext2t_mdev.size);
    ck_assert(before != NULL);
    memcpy(before, ext2t_work, ext2t_mdev.size);
    ck_assert_int_eq(ext2_truncate(&ext2t_fs, &big, 13 * 1024), EXT2_ECORRUPT);
    ck_assert(memcmp(before + (uint64_t)itable * 1024, ext2t_work + (uint64_t)itable * 1024, 1024) == 0);
    free(before);
    ck_assert_uint_eq(ext2t_mdev.bad_reads, 0);
}
END_TEST

void ext2t_add_ops_tests(TCase *tc)
{
    tcase_add_loop_test(tc, test_create_write_append, 0, 2);
    tcase_add_loop_test(tc, test_holes_and_truncate, 0, 2);
    tcase_add_loop_test(tc, test_mkdir_rename, 0, 2);
    tcase_add_loop_test(tc, test_unlink_rmdir_names, 0, 2);
    tcase_add_loop_test(tc, test_many_files_and_htree, 0, 2);
    tcase_add_loop_test(tc, test_fill_to_enospc, 0, 2);
    tcase_add_test(tc, test_inodes_to_enospc);
    tcase_add_test(tc, test_corrupt_bitmaps);
}
