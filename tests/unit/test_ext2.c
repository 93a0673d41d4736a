/* Tests for the ext2 core (servers/fs/ext2*.c) against images made at run
 * time by Debian's mke2fs (-d from a folder written here) and checked by
 * e2fsck -fn: every file, directory and symlink of the folder read back
 * through the core and compared byte for byte, with 1 KiB and 4 KiB
 * blocks (double and triple indirect blocks, holes, 500 entries, 255-byte
 * names); then malformed images, each patched in memory from a good one,
 * which must give their error (never a crash: the tests build with
 * ASan/UBSan). */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ext2.h"
#include "suites.h"

#define BIG_SIZE     (1200u * 1024 + 333)   /* double indirect at 1 KiB blocks */
#define HUGE_OFFSET  (70ull << 20)          /* triple indirect at 1 KiB blocks */
#define MANY_FILES   500

static char tmpdir[64];
static char srcdir[128];

struct image {
    uint8_t *bytes;
    size_t size;
};
static struct image img1k, img4k;   /* built once by the fixture */

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
    snprintf(path, sizeof path, "%s/%s", srcdir, rel);
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
    snprintf(path, sizeof path, "%s/%s", srcdir, rel);
    ck_assert_msg(mkdir(path, 0750) == 0, "mkdir %s", path);
}

static char long_name[EXT2_NAME_MAX + 1];
static char slow_target[201];

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
    snprintf(path, sizeof path, "%s/sparse.bin", srcdir);
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
    memset(long_name, 'x', EXT2_NAME_MAX);
    long_name[EXT2_NAME_MAX - 1] = 'z';
    write_file(long_name, "long name\n", 10, 0);
    snprintf(path, sizeof path, "%s/link", srcdir);
    ck_assert(symlink("small.txt", path) == 0);
    memset(slow_target, 't', sizeof slow_target - 1);
    snprintf(path, sizeof path, "%s/slow-link", srcdir);
    ck_assert(symlink(slow_target, path) == 0);
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

/* Makes an image of srcdir with mke2fs (block size bs, size, extra
 * options), checks it with e2fsck -fn and reads it into memory. */
static struct image make_image(unsigned bs, const char *size, const char *extra)
{
    struct image im = { NULL, 0 };
    char mke2fs[64], e2fsck[64], file[128], cmd[1024];
    if (tool("mke2fs") == NULL || tool("e2fsck") == NULL)
        return im;
    snprintf(mke2fs, sizeof mke2fs, "%s", tool("mke2fs"));
    snprintf(e2fsck, sizeof e2fsck, "%s", tool("e2fsck"));
    snprintf(file, sizeof file, "%s/image-%u", tmpdir, bs);
    snprintf(cmd, sizeof cmd,
             "truncate -s %s %s && %s -F -q -t ext2 -b %u -r 1 %s -d %s %s >%s/mke2fs.log 2>&1 && "
             "%s -fn %s >%s/e2fsck.log 2>&1",
             size, file, mke2fs, bs, extra, srcdir, file, tmpdir, e2fsck, file, tmpdir);
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

static void images_setup(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test-ext2-XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return;
    snprintf(srcdir, sizeof srcdir, "%s/src", tmpdir);
    if (mkdir(srcdir, 0755) != 0)
        return;
    build_tree();
    img1k = make_image(1024, "8M", "-g 2048 -N 2048");
    img4k = make_image(4096, "16M", "-O ^dir_index");
}

static void images_teardown(void)
{
    char cmd[128];
    if (tmpdir[0] != '\0' && strncmp(tmpdir, "/tmp/test-ext2-", 15) == 0) {
        snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "test_ext2: could not remove %s\n", tmpdir);
    }
    free(img1k.bytes);
    free(img4k.bytes);
}

/* --- a device in memory ------------------------------------------------------ */

struct mem_dev {
    const uint8_t *bytes;
    size_t size;
    int fail_reads;     /* reads from now on fail */
    unsigned bad_reads; /* reads the core made out of range (must stay 0) */
};

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

static struct mem_dev mdev;
static struct ext2_dev dev;
static struct ext2_fs fs;
static uint8_t *work;   /* a patchable copy of an image */

static const struct image *need(const struct image *im)
{
    ck_assert_msg(im->bytes != NULL, "no image: mke2fs/e2fsck missing or failed (run scripts/setup; logs in %s)",
                  tmpdir);
    return im;
}

/* Mounts a fresh copy of im (bytes [0, size) of it seen by the device). */
static int mount_copy(const struct image *im, size_t size)
{
    need(im);
    free(work);
    work = malloc(im->size);
    ck_assert(work != NULL);
    memcpy(work, im->bytes, im->size);
    mdev = (struct mem_dev){ work, size, 0, 0 };
    dev = (struct ext2_dev){ &mdev, size, mem_read, NULL };
    return ext2_mount(&fs, &dev);
}

static void mount_ok(const struct image *im)
{
    int rc = mount_copy(im, im->size);
    ck_assert_msg(rc == 0, "mount: %s: %s", ext2_error_name(rc), ext2_reason(&fs));
}

/* Remounts the (patched) work copy. */
static int remount(void)
{
    mdev.bad_reads = 0;
    return ext2_mount(&fs, &dev);
}

static void put32(uint64_t off, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        work[off + i] = (uint8_t)(v >> (8 * i));
}

static void put16(uint64_t off, uint16_t v)
{
    work[off] = (uint8_t)v;
    work[off + 1] = (uint8_t)(v >> 8);
}

static uint32_t get32(uint64_t off)
{
    return (uint32_t)work[off] | (uint32_t)work[off + 1] << 8 | (uint32_t)work[off + 2] << 16 |
           (uint32_t)work[off + 3] << 24;
}

static struct ext2_inode resolve_ok(const char *path)
{
    struct ext2_inode in;
    int rc = ext2_resolve(&fs, path, &in);
    ck_assert_msg(rc == 0, "%s: %s: %s", path, ext2_error_name(rc), ext2_reason(&fs));
    return in;
}

static uint64_t inode_offset(uint32_t ino)
{
    uint64_t off;
    ck_assert_int_eq(ext2_inode_location(&fs, ino, &off), 0);
    return off;
}

#define ck_assert_reason(needle)                                                            \
    ck_assert_msg(strstr(ext2_reason(&fs), (needle)) != NULL, "reason '%s' lacks '%s'", \
                  ext2_reason(&fs), (needle))

/* --- comparing the image with the folder ---------------------------------------- */

/* Reads all of inode in chunks of step bytes (crossing blocks) and
 * compares with the host file at path. */
static void compare_file(const struct ext2_inode *in, const char *host, uint32_t step)
{
    struct stat st;
    ck_assert(stat(host, &st) == 0);
    CHECK_EQ(in->size, (uint64_t)st.st_size);
    CHECK_EQ(in->mode & 07777u, st.st_mode & 07777u);
    FILE *f = fopen(host, "rb");
    ck_assert(f != NULL);
    uint8_t *want = malloc(step), *got = malloc(step);
    ck_assert(want != NULL && got != NULL);
    uint64_t pos = 0;
    for (;;) {
        size_t n = fread(want, 1, step, f);
        uint32_t done = 0;
        int rc = ext2_read(&fs, in, pos, got, step, &done);
        ck_assert_msg(rc == 0, "%s: %s", host, ext2_reason(&fs));
        CHECK_EQ(done, n);
        ck_assert_msg(memcmp(want, got, n) == 0, "%s differs in bytes %llu..%llu", host,
                      (unsigned long long)pos, (unsigned long long)pos + n);
        pos += n;
        if (n < step)
            break;
    }
    fclose(f);
    free(want);
    free(got);
}

/* Walks the whole image from the root (a stack of paths) and compares every
 * entry with the folder: names, types, file contents, symlink targets;
 * counts the entries of each directory against the host's. */
static unsigned compare_tree(void)
{
    enum { MAX_DIRS = 32 };
    char stack[MAX_DIRS][600];
    unsigned depth = 0, files = 0;
    stack[depth++][0] = '\0';
    while (depth > 0) {
        char rel[600];
        snprintf(rel, sizeof rel, "%s", stack[--depth]);
        struct ext2_inode dir = resolve_ok(rel[0] != '\0' ? rel : "/");
        struct ext2_dir_iter it;
        struct ext2_dirent e;
        ck_assert_int_eq(ext2_opendir(&fs, &dir, &it), 0);
        unsigned seen = 0;
        int rc;
        while ((rc = ext2_readdir(&fs, &it, &e)) == 1) {
            if (strcmp(e.name, ".") == 0 || strcmp(e.name, "..") == 0 ||
                (rel[0] == '\0' && strcmp(e.name, "lost+found") == 0))
                continue;
            seen++;
            char child[900], host[1100];
            snprintf(child, sizeof child, "%s/%s", rel, e.name);
            snprintf(host, sizeof host, "%s%s", srcdir, child);
            struct stat st;
            ck_assert_msg(lstat(host, &st) == 0, "%s in the image, not in the folder", child);
            struct ext2_inode in;
            ck_assert_int_eq(ext2_read_inode(&fs, e.ino, &in), 0);
            if (S_ISDIR(st.st_mode)) {
                ck_assert_int_eq(in.type, EXT2_TYPE_DIR);
                ck_assert(depth < MAX_DIRS);
                ck_assert(strlen(child) < sizeof stack[0]);
                memcpy(stack[depth++], child, strlen(child) + 1);
            } else if (S_ISLNK(st.st_mode)) {
                char want[512], got[512];
                ssize_t n = readlink(host, want, sizeof want - 1);
                ck_assert(n > 0);
                want[n] = '\0';
                ck_assert_int_eq(in.type, EXT2_TYPE_SYMLINK);
                ck_assert_int_eq(ext2_readlink(&fs, &in, got, sizeof got), 0);
                ck_assert_str_eq(got, want);
            } else {
                ck_assert_int_eq(in.type, EXT2_TYPE_REG);
                compare_file(&in, host, 4093);
                files++;
            }
        }
        ck_assert_msg(rc == 0, "readdir %s: %s", rel, ext2_reason(&fs));
        /* as many entries as the host folder */
        char host_dir[800];
        snprintf(host_dir, sizeof host_dir, "%s%s", srcdir, rel);
        DIR *d = opendir(host_dir);
        ck_assert(d != NULL);
        unsigned host_count = 0;
        struct dirent *he;
        while ((he = readdir(d)) != NULL)
            host_count += strcmp(he->d_name, ".") != 0 && strcmp(he->d_name, "..") != 0;
        closedir(d);
        CHECK_EQ(seen, host_count);
    }
    return files;
}

/* --- good images ------------------------------------------------------------------ */

START_TEST(test_mount_geometry)
{
    mount_ok(&img1k);
    ck_assert_uint_eq(fs.block_size, 1024);
    ck_assert_uint_eq(fs.first_data_block, 1);
    ck_assert_uint_eq(fs.group_count, 4);
    ck_assert(!fs.read_only);
    ck_assert_str_eq(ext2_reason(&fs), "");
    mount_ok(&img4k);
    ck_assert_uint_eq(fs.block_size, 4096);
    ck_assert_uint_eq(fs.first_data_block, 0);
    ck_assert_uint_eq(fs.blocks_count, 4096);
}
END_TEST

START_TEST(test_tree_matches_1k)
{
    mount_ok(&img1k);
    ck_assert_uint_eq(compare_tree(), 9 + MANY_FILES);
    ck_assert_uint_eq(mdev.bad_reads, 0);
}
END_TEST

START_TEST(test_tree_matches_4k)
{
    mount_ok(&img4k);
    ck_assert_uint_eq(compare_tree(), 9 + MANY_FILES);
    ck_assert_uint_eq(mdev.bad_reads, 0);
}
END_TEST

START_TEST(test_indirect_levels)
{
    mount_ok(&img1k);
    struct ext2_inode big = resolve_ok("/big.bin");
    ck_assert(big.block[12] != 0 && big.block[13] != 0 && big.block[14] == 0);
    struct ext2_inode huge = resolve_ok("/huge-sparse.bin");
    ck_assert(huge.block[14] != 0);
    CHECK_EQ(huge.size, HUGE_OFFSET + 3);
    ck_assert_uint_le(huge.blocks_512, 4 * 2);   /* 3 indirect blocks and 1 data block */
    char tail[8] = { 0 };
    uint32_t done;
    ck_assert_int_eq(ext2_read(&fs, &huge, HUGE_OFFSET - 2, tail, sizeof tail, &done), 0);
    ck_assert_uint_eq(done, 5);
    ck_assert(memcmp(tail, "\0\0end", 5) == 0);
    uint32_t pblk = 1;
    ck_assert_int_eq(ext2_bmap(&fs, &huge, 1000, &pblk), 0);   /* a hole */
    ck_assert_uint_eq(pblk, 0);
}
END_TEST

START_TEST(test_sparse_reads_zeros)
{
    mount_ok(&img4k);
    struct ext2_inode in = resolve_ok("sparse.bin");
    CHECK_EQ(in.size, 3u << 20);
    ck_assert_uint_lt(in.blocks_512, 64);
    uint8_t buf[16];
    uint32_t done;
    ck_assert_int_eq(ext2_read(&fs, &in, (1 << 20) + 96, buf, sizeof buf, &done), 0);
    ck_assert_uint_eq(done, sizeof buf);
    ck_assert(memcmp(buf, "\0\0\0\0middle\0\0\0\0\0\0", 16) == 0);
    ck_assert_int_eq(ext2_read(&fs, &in, in.size, buf, sizeof buf, &done), 0);
    ck_assert_uint_eq(done, 0);
    ck_assert_int_eq(ext2_read(&fs, &in, in.size + 5000, buf, sizeof buf, &done), 0);
    ck_assert_uint_eq(done, 0);
}
END_TEST

START_TEST(test_many_entries)
{
    mount_ok(&img1k);
    struct ext2_inode dir = resolve_ok("/many");
    struct ext2_dir_iter it;
    struct ext2_dirent e;
    static bool seen[MANY_FILES];
    memset(seen, 0, sizeof seen);
    unsigned n = 0, dots = 0;
    int rc;
    ck_assert_int_eq(ext2_opendir(&fs, &dir, &it), 0);
    while ((rc = ext2_readdir(&fs, &it, &e)) == 1) {
        int i;
        if (strcmp(e.name, ".") == 0 || strcmp(e.name, "..") == 0) {
            dots++;
            continue;
        }
        ck_assert_msg(sscanf(e.name, "file-%d", &i) == 1 && i >= 0 && i < MANY_FILES && !seen[i], "%s", e.name);
        seen[i] = true;
        n++;
    }
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(ext2_readdir(&fs, &it, &e), 0);   /* the end stays the end */
    ck_assert_uint_eq(n, MANY_FILES);
    ck_assert_uint_eq(dots, 2);
    struct ext2_inode f = resolve_ok("/many/file-499");
    char text[32] = { 0 };
    uint32_t done;
    ck_assert_int_eq(ext2_read(&fs, &f, 0, text, sizeof text - 1, &done), 0);
    ck_assert_str_eq(text, "file number 499\n");
}
END_TEST

START_TEST(test_lookup_errors)
{
    mount_ok(&img1k);
    struct ext2_inode in;
    ck_assert_int_eq(ext2_resolve(&fs, "/nothing-here", &in), EXT2_ENOENT);
    ck_assert_int_eq(ext2_resolve(&fs, "/a/b/missing", &in), EXT2_ENOENT);
    ck_assert_int_eq(ext2_resolve(&fs, "/small.txt/x", &in), EXT2_ENOTDIR);
    ck_assert_int_eq(ext2_resolve(&fs, "/link/x", &in), EXT2_ENOTDIR);
    ck_assert_reason("symlink");
    char path[EXT2_PATH_MAX + 64];
    snprintf(path, sizeof path, "/%sx", long_name);          /* 256 bytes */
    ck_assert_int_eq(ext2_resolve(&fs, path, &in), EXT2_ENAMETOOLONG);
    snprintf(path, sizeof path, "/%s", long_name);           /* 255 bytes */
    in = resolve_ok(path);
    ck_assert_int_eq(in.type, EXT2_TYPE_REG);
    path[0] = '\0';
    for (unsigned i = 0; i < EXT2_PATH_DEPTH; i++)
        strcat(path, "/.");
    in = resolve_ok(path);                                    /* 64 components */
    ck_assert_uint_eq(in.ino, EXT2_ROOT_INO);
    strcat(path, "/.");
    ck_assert_int_eq(ext2_resolve(&fs, path, &in), EXT2_ENAMETOOLONG);
    memset(path, '/', EXT2_PATH_MAX + 1);
    path[EXT2_PATH_MAX + 1] = '\0';
    ck_assert_int_eq(ext2_resolve(&fs, path, &in), EXT2_ENAMETOOLONG);
    in = resolve_ok("//a//b/../b/./c/d/deep.txt");
    ck_assert_uint_eq(in.size, 10);
    in = resolve_ok("");
    ck_assert_uint_eq(in.ino, EXT2_ROOT_INO);
    struct ext2_inode file = resolve_ok("/small.txt");
    uint32_t ino;
    ck_assert_int_eq(ext2_lookup(&fs, &file, "x", 1, &ino), EXT2_ENOTDIR);
    ck_assert_int_eq(ext2_lookup(&fs, &in, "", 0, &ino), EXT2_EINVAL);
    ck_assert_int_eq(ext2_read_inode(&fs, 0, &in), EXT2_EINVAL);
    ck_assert_int_eq(ext2_read_inode(&fs, fs.inodes_count + 1, &in), EXT2_EINVAL);
    ck_assert_int_eq(ext2_read_inode(&fs, fs.inodes_count, &in), EXT2_ENOENT);   /* free */
}
END_TEST

START_TEST(test_symlinks_and_stat)
{
    mount_ok(&img4k);
    struct ext2_inode link = resolve_ok("/link");
    char buf[256];
    ck_assert_int_eq(link.type, EXT2_TYPE_SYMLINK);
    ck_assert_uint_eq(link.blocks_512, 0);                    /* fast */
    ck_assert_int_eq(ext2_readlink(&fs, &link, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "small.txt");
    ck_assert_int_eq(ext2_readlink(&fs, &link, buf, 9), EXT2_ERANGE);
    struct ext2_inode slow = resolve_ok("/slow-link");
    ck_assert_uint_ne(slow.blocks_512, 0);
    ck_assert_int_eq(ext2_readlink(&fs, &slow, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, slow_target);
    struct ext2_inode file = resolve_ok("/small.txt");
    ck_assert_int_eq(ext2_readlink(&fs, &file, buf, sizeof buf), EXT2_EINVAL);

    struct ext2_stat st;
    struct stat host;
    char path[512];
    snprintf(path, sizeof path, "%s/a", srcdir);
    ck_assert(stat(path, &host) == 0);
    struct ext2_inode in = resolve_ok("/a");
    ext2_stat(&in, &st);
    ck_assert_int_eq(st.type, EXT2_TYPE_DIR);
    ck_assert_uint_eq(st.mode, 040750);
    ck_assert_uint_eq(st.links, 3);                           /* ., .., b/.. */
    ck_assert_uint_eq(st.uid, host.st_uid);
    ck_assert_uint_eq(st.gid, host.st_gid);
    ck_assert_uint_eq(st.mtime, (uint32_t)host.st_mtime);
    ck_assert_uint_eq(st.blocks_512, 8);
    in = resolve_ok("/big.bin");
    ext2_stat(&in, &st);
    ck_assert_int_eq(st.type, EXT2_TYPE_REG);
    CHECK_EQ(st.size, BIG_SIZE);
    ck_assert_uint_eq(st.links, 1);
    ck_assert_uint_ge(st.blocks_512, BIG_SIZE / 512);
}
END_TEST

START_TEST(test_error_names)
{
    for (int e = EXT2_ERANGE; e <= EXT2_OK; e++)
        ck_assert_str_ne(ext2_error_name(e), "unknown error");
    ck_assert_str_eq(ext2_error_name(1), "unknown error");
    ck_assert_str_eq(ext2_error_name(EXT2_ERANGE - 1), "unknown error");
}
END_TEST

/* --- malformed images ------------------------------------------------------------ */

#define SB 1024u   /* the superblock's offset */

/* Patches a 32-bit superblock field of a fresh 1 KiB copy and mounts. */
static int mount_with_super32(unsigned field, uint32_t value)
{
    mount_ok(&img1k);
    put32(SB + field, value);
    return remount();
}

START_TEST(test_bad_superblocks)
{
    mount_ok(&img1k);
    put16(SB + 56, 0xEF54);
    ck_assert_int_eq(remount(), EXT2_EBADSUPER);
    ck_assert_reason("magic");
    ck_assert_int_eq(mount_with_super32(24, 3), EXT2_EBADSUPER);           /* 8 KiB blocks */
    ck_assert_reason("log block size 3");
    ck_assert_int_eq(mount_with_super32(24, 0xFFFFFFFF), EXT2_EBADSUPER);
    ck_assert_int_eq(mount_with_super32(32, 0), EXT2_EBADSUPER);           /* blocks per group */
    ck_assert_reason("0 blocks per group");
    ck_assert_int_eq(mount_with_super32(32, 8193), EXT2_EBADSUPER);
    ck_assert_int_eq(mount_with_super32(40, 0), EXT2_EBADSUPER);           /* inodes per group */
    ck_assert_int_eq(mount_with_super32(0, 2049), EXT2_EBADSUPER);         /* inode count */
    ck_assert_reason("not 4 groups of 512 inodes");
    ck_assert_int_eq(mount_with_super32(32, 4096), EXT2_EBADSUPER);        /* 2 groups now */
    ck_assert_int_eq(mount_with_super32(20, 0), EXT2_EBADSUPER);           /* first data block */
    ck_assert_reason("first data block 0");
    ck_assert_int_eq(mount_with_super32(76, 2), EXT2_EBADSUPER);           /* revision */
    ck_assert_int_eq(mount_with_super32(4, 1), EXT2_EBADSUPER);            /* block count */
    mount_ok(&img1k);
    put16(SB + 88, 100);
    ck_assert_int_eq(remount(), EXT2_EBADSUPER);
    ck_assert_reason("inode size 100");
    put16(SB + 88, 2048);                                                   /* > block size */
    ck_assert_int_eq(remount(), EXT2_EBADSUPER);
    put16(SB + 88, 256);
    ck_assert_int_eq(remount(), 0);
}
END_TEST

START_TEST(test_truncated_device)
{
    need(&img1k);
    ck_assert_int_eq(mount_copy(&img1k, img1k.size / 2), EXT2_EBADSUPER);
    ck_assert_reason("do not fit the device");
    ck_assert_int_eq(mount_copy(&img1k, img1k.size - 1), EXT2_EBADSUPER);
    ck_assert_int_eq(mount_copy(&img1k, 2047), EXT2_EBADSUPER);
    ck_assert_int_eq(mount_copy(&img1k, 0), EXT2_EBADSUPER);
    ck_assert_uint_eq(mdev.bad_reads, 0);
    /* a block count giving 3 groups of 512 inodes, not the 2048 claimed */
    ck_assert_int_eq(mount_with_super32(4, 6145), EXT2_EBADSUPER);
}
END_TEST

START_TEST(test_features)
{
    ck_assert_int_eq(mount_with_super32(96, 0x2 | 0x40), EXT2_EUNSUPPORTED);
    ck_assert_reason("extents");
    ck_assert_int_eq(mount_with_super32(96, 0x2 | 0x4), EXT2_EUNSUPPORTED);
    ck_assert_reason("needs_recovery");
    ck_assert_int_eq(mount_with_super32(96, 0x2 | 0x80), EXT2_EUNSUPPORTED);
    ck_assert_reason("64bit");
    ck_assert_int_eq(mount_with_super32(96, 0x2 | 0x80000000u), EXT2_EUNSUPPORTED);
    ck_assert_reason("unknown");
    ck_assert_int_eq(mount_with_super32(96, 0), 0);                          /* no filetype: fine */
    /* without FILETYPE the type byte is the name length's high byte */
    struct ext2_inode in;
    ck_assert_int_eq(ext2_resolve(&fs, "/a/b", &in), EXT2_ECORRUPT);
    mount_ok(&img1k);
    ck_assert(!fs.read_only);
    put32(SB + 100, get32(SB + 100) | 0x4000);                               /* unknown ro_compat */
    ck_assert_int_eq(remount(), 0);
    ck_assert(fs.read_only);
}
END_TEST

START_TEST(test_bad_group_descriptors)
{
    mount_ok(&img1k);
    uint64_t gd3 = fs.gdt_offset + 3 * 32;
    uint32_t blocks = fs.blocks_count;
    put32(gd3 + 8, 99999);
    ck_assert_int_eq(remount(), EXT2_ECORRUPT);
    ck_assert_str_eq(ext2_reason(&fs), "group descriptor 3: inode table block 99999 past the end (8192 blocks)");
    put32(gd3 + 8, blocks - 1);          /* the table's end past the end */
    ck_assert_int_eq(remount(), EXT2_ECORRUPT);
    mount_ok(&img1k);
    put32(fs.gdt_offset + 0, blocks);    /* group 0's block bitmap */
    ck_assert_int_eq(remount(), EXT2_ECORRUPT);
    ck_assert_reason("block bitmap");
    mount_ok(&img1k);
    put32(fs.gdt_offset + 4, 0);         /* group 0's inode bitmap in the boot block */
    ck_assert_int_eq(remount(), EXT2_ECORRUPT);
}
END_TEST

START_TEST(test_bad_inodes)
{
    mount_ok(&img1k);
    uint64_t root = inode_offset(EXT2_ROOT_INO);
    put16(root, 0100644);
    ck_assert_int_eq(remount(), EXT2_ECORRUPT);
    ck_assert_reason("root inode 2 is not a directory");

    mount_ok(&img1k);
    struct ext2_inode small = resolve_ok("/small.txt");
    uint64_t off = inode_offset(small.ino);
    put32(off + 40, fs.blocks_count + 5);                       /* i_block[0] */
    small = resolve_ok("/small.txt");
    char buf[16];
    uint32_t done;
    ck_assert_int_eq(ext2_read(&fs, &small, 0, buf, sizeof buf, &done), EXT2_ECORRUPT);
    char want[64];
    snprintf(want, sizeof want, "inode %u: block pointer %u", small.ino, fs.blocks_count + 5);
    ck_assert_reason(want);
    put32(off + 32, 0x80000);                                   /* extents flag */
    ck_assert_int_eq(ext2_resolve(&fs, "/small.txt", &small), EXT2_EUNSUPPORTED);
    put32(off + 32, 0);
    put32(off + 4, 0xFFFFFFFF);                                 /* size past the map (1 KiB) */
    put32(off + 108, 0xFFFFFFFF);
    ck_assert_int_eq(ext2_resolve(&fs, "/small.txt", &small), EXT2_ECORRUPT);

    mount_ok(&img1k);
    struct ext2_inode big = resolve_ok("/big.bin");
    uint32_t dind = big.block[13];
    put32((uint64_t)dind * 1024, dind);                         /* points to itself */
    ck_assert_int_eq(ext2_read(&fs, &big, (12 + 256) * 1024, buf, 1, &done), EXT2_ECORRUPT);
    ck_assert_reason("points to itself");
    uint32_t ind = big.block[12];
    put32((uint64_t)ind * 1024 + 4, 0xFFFFFFF0u);               /* logical block 13 */
    ck_assert_int_eq(ext2_read(&fs, &big, 12 * 1024, buf, 1, &done), 0);
    ck_assert_int_eq(ext2_read(&fs, &big, 13 * 1024, buf, 1, &done), EXT2_ECORRUPT);
    ck_assert_reason("level 1");
    put32(inode_offset(big.ino) + 40 + 12 * 4, fs.blocks_count);   /* the indirect block itself */
    big = resolve_ok("/big.bin");
    ck_assert_int_eq(ext2_read(&fs, &big, 12 * 1024, buf, 1, &done), EXT2_ECORRUPT);

    mount_ok(&img1k);
    struct ext2_inode link = resolve_ok("/link");
    put32(inode_offset(link.ino) + 4, 70);                      /* fast link of 70 bytes */
    link = resolve_ok("/link");
    char target[256];
    ck_assert_int_eq(ext2_readlink(&fs, &link, target, sizeof target), EXT2_ECORRUPT);

    mdev.fail_reads = 1;
    ck_assert_int_eq(ext2_resolve(&fs, "/a", &link), EXT2_EIO);
    ck_assert_uint_eq(mdev.bad_reads, 0);
}
END_TEST

/* The first block of directory /a and the offset of its entries
 * ("." at 0, ".." at 12, then the rest). */
static uint64_t dir_a_block(struct ext2_inode *dir)
{
    mount_ok(&img1k);
    *dir = resolve_ok("/a");
    uint32_t pblk;
    ck_assert_int_eq(ext2_bmap(&fs, dir, 0, &pblk), 0);
    ck_assert(pblk != 0);
    return (uint64_t)pblk * fs.block_size;
}

/* Expects opendir or readdir (then sticky) and lookup of "in-a.txt" in
 * /a to fail with ECORRUPT and the reason to contain needle. */
static void expect_corrupt_dir(const char *needle)
{
    struct ext2_inode dir = resolve_ok("/a");
    struct ext2_dir_iter it;
    struct ext2_dirent e;
    int rc = ext2_opendir(&fs, &dir, &it);
    if (rc == 0) {
        unsigned n = 0;
        while ((rc = ext2_readdir(&fs, &it, &e)) == 1)
            ck_assert_uint_lt(++n, 8);
        ck_assert_int_eq(ext2_readdir(&fs, &it, &e), rc);
    }
    ck_assert_int_eq(rc, EXT2_ECORRUPT);
    ck_assert_reason(needle);
    uint32_t ino;
    ck_assert_int_eq(ext2_lookup(&fs, &dir, "in-a.txt", 8, &ino), EXT2_ECORRUPT);
    ck_assert_uint_eq(mdev.bad_reads, 0);
}

START_TEST(test_bad_directory_entries)
{
    struct ext2_inode dir;
    uint64_t blk = dir_a_block(&dir);
    ck_assert_uint_eq(get32(blk), dir.ino);                     /* "." */
    ck_assert_uint_eq(work[blk + 4], 12);
    put16(blk + 4, 0);                                          /* rec_len 0 */
    expect_corrupt_dir("record length 0");
    blk = dir_a_block(&dir);
    put16(blk + 4, 14);                                         /* not a multiple of 4 */
    expect_corrupt_dir("record length 14");
    blk = dir_a_block(&dir);
    put16(blk + 12 + 4, 1024);                                  /* ".." crosses the block end */
    expect_corrupt_dir("crosses the block end");
    blk = dir_a_block(&dir);
    work[blk + 6] = 5;                                          /* "." with a 5-byte name */
    expect_corrupt_dir("name length 5");
    blk = dir_a_block(&dir);
    put32(blk + 12, fs.inodes_count + 1);                       /* ".." to no inode */
    expect_corrupt_dir("entry for inode 2049");
    blk = dir_a_block(&dir);
    work[blk + 12 + 6] = 0;                                     /* ".." with no name */
    expect_corrupt_dir("0-byte name");

    /* inode 0 marks an unused entry: skipped, not an error */
    blk = dir_a_block(&dir);
    uint32_t ino;
    ck_assert_int_eq(ext2_lookup(&fs, &dir, "in-a.txt", 8, &ino), 0);
    put32(blk + 12, 0);
    ck_assert_int_eq(ext2_lookup(&fs, &dir, "..", 2, &ino), EXT2_ENOENT);
    ck_assert_int_eq(ext2_lookup(&fs, &dir, "in-a.txt", 8, &ino), 0);

    /* the directory's own inode: a hole, a size not in blocks */
    blk = dir_a_block(&dir);
    uint64_t off = inode_offset(dir.ino);
    put32(off + 4, 1025);
    expect_corrupt_dir("not a multiple of the block size");
    put32(off + 4, 1024);
    put32(off + 40, 0);
    expect_corrupt_dir("hole at logical block 0");
}
END_TEST

/* Random byte damage in the metadata of the 1 KiB image: whatever the
 * result, no crash, no read out of range, and a walk that ends. */
START_TEST(test_random_damage)
{
    uint32_t x = 12345;
    for (int round = 0; round < 200; round++) {
        mount_ok(&img1k);
        for (int i = 0; i < 8; i++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            uint64_t at = 1024 + x % (64 * 1024);
            work[at] ^= (uint8_t)(x >> 24 | 1);
        }
        if (remount() != 0)
            continue;
        struct ext2_inode dir;
        if (ext2_resolve(&fs, "/a/b/c/d", &dir) == 0) {
            struct ext2_dir_iter it;
            struct ext2_dirent e;
            if (ext2_opendir(&fs, &dir, &it) == 0)
                for (int n = 0; n < 100 && ext2_readdir(&fs, &it, &e) == 1; n++)
                    ;
        }
        static uint8_t buf[BIG_SIZE];
        struct ext2_inode in;
        uint32_t done;
        if (ext2_resolve(&fs, "/big.bin", &in) == 0)
            (void)ext2_read(&fs, &in, 0, buf, sizeof buf, &done);
        ck_assert_uint_eq(mdev.bad_reads, 0);
    }
}
END_TEST

Suite *ext2_suite(void)
{
    Suite *s = suite_create("ext2");
    TCase *good = tcase_create("images");
    tcase_add_unchecked_fixture(good, images_setup, images_teardown);
    tcase_set_timeout(good, 60);
    tcase_add_test(good, test_mount_geometry);
    tcase_add_test(good, test_tree_matches_1k);
    tcase_add_test(good, test_tree_matches_4k);
    tcase_add_test(good, test_indirect_levels);
    tcase_add_test(good, test_sparse_reads_zeros);
    tcase_add_test(good, test_many_entries);
    tcase_add_test(good, test_lookup_errors);
    tcase_add_test(good, test_symlinks_and_stat);
    tcase_add_test(good, test_error_names);
    tcase_add_test(good, test_bad_superblocks);
    tcase_add_test(good, test_truncated_device);
    tcase_add_test(good, test_features);
    tcase_add_test(good, test_bad_group_descriptors);
    tcase_add_test(good, test_bad_inodes);
    tcase_add_test(good, test_bad_directory_entries);
    tcase_add_test(good, test_random_damage);
    suite_add_tcase(s, good);
    return s;
}
