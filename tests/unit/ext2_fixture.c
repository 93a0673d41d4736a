/* The shared fixture of the ext2 tests: see ext2_fixture.h. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ext2_fixture.h"

char ext2t_tmpdir[64];
char ext2t_srcdir[128];

struct image ext2t_img1k, ext2t_img4k;   /* built once by the fixture */

/* --- the source folder ---------------------------------------------------- */

static void fill(uint8_t *buf, size_t n, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        buf[i] = (uint8_t)x;
    }
}

static void write_file(const char *rel, const void *data, size_t n, uint64_t at)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", ext2t_srcdir, rel);
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot create %s", path);
    if (at != 0)
        ck_assert(fseeko(f, (off_t)at, SEEK_SET) == 0);
    ck_assert(fwrite(data, 1, n, f) == n);
    ck_assert(fclose(f) == 0);
}

static void make_dir(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", ext2t_srcdir, rel);
    ck_assert_msg(mkdir(path, 0750) == 0, "mkdir %s", path);
}

char ext2t_long_name[EXT2_NAME_MAX + 1];
char ext2t_slow_target[201];

static void build_tree(void)
{
    static uint8_t big[BIG_SIZE];
    write_file("small.txt", "hello, ext2\n", 12, 0);
    write_file("empty", "", 0, 0);
    fill(big, 5000, 1);
    write_file("medium.bin", big, 5000, 0);
    fill(big, BIG_SIZE, 2);
    write_file("big.bin", big, BIG_SIZE, 0);
    /* sparse: data at 0, a hole, data at 1 MiB + 100, a hole to the end */
    char path[512];
    write_file("sparse.bin", "start", 5, 0);
    snprintf(path, sizeof path, "%s/sparse.bin", ext2t_srcdir);
    FILE *f = fopen(path, "r+b");
    ck_assert(f != NULL && fseeko(f, (1 << 20) + 100, SEEK_SET) == 0 && fwrite("middle", 1, 6, f) == 6);
    ck_assert(fclose(f) == 0 && truncate(path, 3 << 20) == 0);
    write_file("huge-sparse.bin", "end", 3, HUGE_OFFSET);
    make_dir("a");
    make_dir("a/b");
    make_dir("a/b/c");
    make_dir("a/b/c/d");
    write_file("a/in-a.txt", "in a\n", 5, 0);
    write_file("a/b/c/d/deep.txt", "deep down\n", 10, 0);
    make_dir("many");
    for (int i = 0; i < MANY_FILES; i++) {
        char rel[64], text[32];
        snprintf(rel, sizeof rel, "many/file-%03d", i);
        int n = snprintf(text, sizeof text, "file number %d\n", i);
        write_file(rel, text, (size_t)n, 0);
    }
    memset(ext2t_long_name, 'x', EXT2_NAME_MAX);
    ext2t_long_name[EXT2_NAME_MAX - 1] = 'z';
    write_file(ext2t_long_name, "long name\n", 10, 0);
    snprintf(path, sizeof path, "%s/link", ext2t_srcdir);
    ck_assert(symlink("small.txt", path) == 0);
    memset(ext2t_slow_target, 't', sizeof ext2t_slow_target - 1);
    snprintf(path, sizeof path, "%s/slow-link", ext2t_srcdir);
    ck_assert(symlink(ext2t_slow_target, path) == 0);
}

/* --- images ----------------------------------------------------------------- */

static const char *tool(const char *name)
{
    static char path[64];
    snprintf(path, sizeof path, "/sbin/%s", name);
    if (access(path, X_OK) == 0)
        return path;
    snprintf(path, sizeof path, "/usr/sbin/%s", name);
    return access(path, X_OK) == 0 ? path : NULL;
}

/* Makes an image of ext2t_srcdir with mke2fs (block size bs, size, extra
 * options), checks it with e2fsck -fn and reads it into memory. */
static struct image make_image(unsigned bs, const char *size, const char *extra)
{
    struct image im = { NULL, 0 };
    char mke2fs[64], e2fsck[64], file[128], cmd[1024];
    if (tool("mke2fs") == NULL || tool("e2fsck") == NULL)
        return im;
    snprintf(mke2fs, sizeof mke2fs, "%s", tool("mke2fs"));
    snprintf(e2fsck, sizeof e2fsck, "%s", tool("e2fsck"));
    snprintf(file, sizeof file, "%s/image-%u", ext2t_tmpdir, bs);
    snprintf(cmd, sizeof cmd,
             "truncate -s %s %s && %s -F -q -t ext2 -b %u -r 1 %s -d %s %s >%s/mke2fs.log 2>&1 && "
             "%s -fn %s >%s/e2fsck.log 2>&1",
             size, file, mke2fs, bs, extra, ext2t_srcdir, file, ext2t_tmpdir, e2fsck, file, ext2t_tmpdir);
    if (system(cmd) != 0)
        return im;
    FILE *f = fopen(file, "rb");
    if (f == NULL)
        return im;
    fseeko(f, 0, SEEK_END);
    im.size = (size_t)ftello(f);
    fseeko(f, 0, SEEK_SET);
    im.bytes = malloc(im.size);
    if (im.bytes == NULL || fread(im.bytes, 1, im.size, f) != im.size) {
        free(im.bytes);
        im.bytes = NULL;
    }
    fclose(f);
    return im;
}

void ext2t_images_setup(void)
{
    snprintf(ext2t_tmpdir, sizeof ext2t_tmpdir, "/tmp/test-ext2-XXXXXX");
    if (mkdtemp(ext2t_tmpdir) == NULL)
        return;
    snprintf(ext2t_srcdir, sizeof ext2t_srcdir, "%s/src", ext2t_tmpdir);
    if (mkdir(ext2t_srcdir, 0755) != 0)
        return;
    build_tree();
    ext2t_img1k = make_image(1024, "8M", "-g 2048 -N 2048");
    ext2t_img4k = make_image(4096, "16M", "-O ^dir_index");
}

void ext2t_images_teardown(void)
{
    char cmd[128];
    if (ext2t_tmpdir[0] != '\0' && strncmp(ext2t_tmpdir, "/tmp/test-ext2-", 15) == 0) {
        snprintf(cmd, sizeof cmd, "rm -rf %s", ext2t_tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "test_ext2: could not remove %s\n", ext2t_tmpdir);
    }
    free(ext2t_img1k.bytes);
    free(ext2t_img4k.bytes);
}

/* --- a device in memory ------------------------------------------------------ */

static int mem_read(void *ctx, uint64_t offset, void *buf, uint32_t len)
{
    struct mem_dev *m = ctx;
    if (offset > m->size || len > m->size - offset) {
        m->bad_reads++;
        return -1;
    }
    if (m->fail_reads)
        return -1;
    memcpy(buf, m->bytes + offset, len);
    return 0;
}

static int mem_write(void *ctx, uint64_t offset, const void *buf, uint32_t len)
{
    struct mem_dev *m = ctx;
    if (offset > m->size || len > m->size - offset) {
        m->bad_reads++;
        return -1;
    }
    if (m->fail_writes)
        return -1;
    memcpy(m->bytes + offset, buf, len);
    m->writes++;
    return 0;
}

struct mem_dev ext2t_mdev;
struct ext2_dev ext2t_dev;
struct ext2_fs ext2t_fs;
uint8_t *ext2t_work;   /* a patchable copy of an image */

const struct image *ext2t_need(const struct image *im)
{
    ck_assert_msg(im->bytes != NULL, "no image: mke2fs/e2fsck missing or failed (run scripts/setup; logs in %s)",
                  ext2t_tmpdir);
    return im;
}

/* Mounts a fresh copy of im (bytes [0, size) of it seen by the device). */
int ext2t_mount_copy(const struct image *im, size_t size)
{
    ext2t_need(im);
    free(ext2t_work);
    ext2t_work = malloc(im->size);
    ck_assert(ext2t_work != NULL);
    memcpy(ext2t_work, im->bytes, im->size);
    ext2t_mdev = (struct mem_dev){ ext2t_work, size, 0, 0, 0, 0 };
    ext2t_dev = (struct ext2_dev){ &ext2t_mdev, size, mem_read, mem_write };
    return ext2_mount(&ext2t_fs, &ext2t_dev);
}

void ext2t_mount_ok(const struct image *im)
{
    int rc = ext2t_mount_copy(im, im->size);
    ck_assert_msg(rc == 0, "mount: %s: %s", ext2_error_name(rc), ext2_reason(&ext2t_fs));
}

/* Remounts the (patched) ext2t_work copy. */
int ext2t_remount(void)
{
    ext2t_mdev.bad_reads = 0;
    return ext2_mount(&ext2t_fs, &ext2t_dev);
}

void ext2t_put32(uint64_t off, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        ext2t_work[off + i] = (uint8_t)(v >> (8 * i));
}

void ext2t_put16(uint64_t off, uint16_t v)
{
    ext2t_work[off] = (uint8_t)v;
    ext2t_work[off + 1] = (uint8_t)(v >> 8);
}

uint32_t ext2t_get32(uint64_t off)
{
    return (uint32_t)ext2t_work[off] | (uint32_t)ext2t_work[off + 1] << 8 | (uint32_t)ext2t_work[off + 2] << 16 |
           (uint32_t)ext2t_work[off + 3] << 24;
}

struct ext2_inode ext2t_resolve_ok(const char *path)
{
    struct ext2_inode in;
    int rc = ext2_resolve(&ext2t_fs, path, &in);
    ck_assert_msg(rc == 0, "%s: %s: %s", path, ext2_error_name(rc), ext2_reason(&ext2t_fs));
    return in;
}

uint64_t ext2t_inode_offset(uint32_t ino)
{
    uint64_t off;
    ck_assert_int_eq(ext2_inode_location(&ext2t_fs, ino, &off), 0);
    return off;
}
