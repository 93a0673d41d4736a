/* libFuzzer harness for the ext2 core (servers/fs/ext2*.c).
 *
 * Input: a device image (an exact-size heap copy; the device callback
 * asserts that every read the core makes lies inside it, since the core
 * promises to check before it reads). Mounts it and, when that works,
 * walks the tree from the root with a bounded budget: every directory
 * read with ext2_readdir, every name looked up again with ext2_lookup
 * (which must find it: the walk got there without an error), every
 * inode read and stat'ed, every file read to its end (at most 256 KiB),
 * every symlink's target read, the start of every file overwritten
 * (ext2_write; the device asserts its writes stay inside the image too);
 * then a few paths resolved; then a bounded round of namespace changes
 * (create, write past the end, truncate, mkdir, rename, unlink, rmdir)
 * and a second walk of the changed tree. Every result is 0, 1 (readdir)
 * or a known error with a reason; the device asserts every write lies
 * inside the image. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ext2.h"
#include "fuzz.h"

#define MAX_DIRS      32
#define MAX_ENTRIES   2048   /* directory entries over the whole walk */
#define MAX_FILE_READ (256u * 1024)

struct image {
    uint8_t *bytes;
    size_t size;
};

static int image_read(void *ctx, uint64_t offset, void *buf, uint32_t len)
{
    const struct image *im = ctx;
    FUZZ_ASSERT(offset <= im->size && len <= im->size - offset);
    memcpy(buf, im->bytes + offset, len);
    return 0;
}

static int image_write(void *ctx, uint64_t offset, const void *buf, uint32_t len)
{
    struct image *im = ctx;
    FUZZ_ASSERT(offset <= im->size && len <= im->size - offset);
    memcpy(im->bytes + offset, buf, len);
    return 0;
}

/* A result must be success or a known error that left a reason. */
static void check_result(const struct ext2_fs *fs, int rc)
{
    FUZZ_ASSERT(rc <= 1 && rc >= EXT2_ERR_LAST);
    if (rc < 0) {
        FUZZ_ASSERT(strcmp(ext2_error_name(rc), "unknown error") != 0);
        FUZZ_ASSERT(ext2_reason(fs)[0] != '\0');
    }
}

static uint8_t file_buf[8192];

/* Reads all of a file (bounded) and a symlink's target. */
static void read_inode_data(struct ext2_fs *fs, struct ext2_inode *in)
{
    struct ext2_stat st;
    ext2_stat(in, &st);
    FUZZ_ASSERT(st.ino == in->ino && st.size == in->size);
    if (in->type == EXT2_TYPE_SYMLINK) {
        char target[4097];
        int rc = ext2_readlink(fs, in, target, sizeof target);
        check_result(fs, rc);
        if (rc == 0)
            FUZZ_ASSERT(strlen(target) <= in->size);
        return;
    }
    uint64_t pos = 0;
    while (pos < in->size && pos < MAX_FILE_READ) {
        uint32_t done = 0;
        int rc = ext2_read(fs, in, pos, file_buf, sizeof file_buf, &done);
        check_result(fs, rc);
        if (rc != 0)
            return;
        FUZZ_ASSERT(done > 0 && done <= sizeof file_buf && done <= in->size - pos);
        pos += done;
    }
    /* overwrite the start of the file (checked blocks only) */
    uint32_t len = in->size < sizeof file_buf ? (uint32_t)in->size : (uint32_t)sizeof file_buf;
    uint32_t written = 0;
    int rc = ext2_write(fs, in, 0, file_buf, len, &written);
    check_result(fs, rc);
    FUZZ_ASSERT(rc != 0 || written == len);
}

static void walk(struct ext2_fs *fs)
{
    uint32_t stack[MAX_DIRS];
    unsigned depth = 0, entries = 0, dirs_seen = 0;
    stack[depth++] = EXT2_ROOT_INO;
    while (depth > 0 && entries < MAX_ENTRIES) {
        struct ext2_inode dir;
        int rc = ext2_read_inode(fs, stack[--depth], &dir);
        check_result(fs, rc);
        if (rc != 0)
            continue;
        struct ext2_dir_iter it;
        struct ext2_dirent e;
        rc = ext2_opendir(fs, &dir, &it);
        check_result(fs, rc);
        while (rc == 0 && entries < MAX_ENTRIES && (rc = ext2_readdir(fs, &it, &e)) == 1) {
            entries++;
            FUZZ_ASSERT(e.ino >= 1 && e.ino <= fs->inodes_count);
            FUZZ_ASSERT(e.name_len >= 1 && e.name[e.name_len] == '\0');
            uint32_t found;
            int lrc = ext2_lookup(fs, &dir, e.name, e.name_len, &found);
            FUZZ_ASSERT(lrc == 0);
            struct ext2_inode in;
            int irc = ext2_read_inode(fs, e.ino, &in);
            check_result(fs, irc);
            if (irc != 0)
                continue;
            if (in.type == EXT2_TYPE_DIR) {
                bool dot = strcmp(e.name, ".") == 0 || strcmp(e.name, "..") == 0;
                if (!dot && depth < MAX_DIRS && dirs_seen++ < 4 * MAX_DIRS)
                    stack[depth++] = e.ino;
            } else {
                read_inode_data(fs, &in);
            }
            rc = 0;
        }
        check_result(fs, rc);
    }
}

/* A bounded round of writes through the namespace operations. */
static void change_tree(struct ext2_fs *fs)
{
    struct ext2_inode f, d;
    uint32_t done = 0;
    fs->now = 1700000000u;
    int rc = ext2_create(fs, EXT2_ROOT_INO, "fz", 2, 0644, &f);
    check_result(fs, rc);
    if (rc == 0) {
        rc = ext2_write(fs, &f, 3000, file_buf, 5000, &done);
        check_result(fs, rc);
        FUZZ_ASSERT(rc != 0 || done == 5000);
        check_result(fs, ext2_truncate(fs, &f, 1500));
    }
    int mrc = ext2_mkdir(fs, EXT2_ROOT_INO, "fzd", 3, 0755, &d);
    check_result(fs, mrc);
    if (mrc == 0) {
        check_result(fs, ext2_create(fs, d.ino, "in", 2, 0600, NULL));
        check_result(fs, ext2_rename(fs, EXT2_ROOT_INO, "fz", 2, d.ino, "moved", 5));
        check_result(fs, ext2_rmdir(fs, EXT2_ROOT_INO, "fzd", 3));   /* not empty */
        check_result(fs, ext2_unlink(fs, d.ino, "moved", 5));
        check_result(fs, ext2_unlink(fs, d.ino, "in", 2));
        check_result(fs, ext2_rename(fs, EXT2_ROOT_INO, "fzd", 3, EXT2_ROOT_INO, "fze", 3));
        check_result(fs, ext2_rmdir(fs, EXT2_ROOT_INO, "fze", 3));
    }
    if (fuzz_verbose())
        fprintf(stderr, "ext2: create %s, mkdir %s\n", ext2_error_name(rc), ext2_error_name(mrc));
    /* names the image may already have */
    check_result(fs, ext2_rename(fs, EXT2_ROOT_INO, "a", 1, EXT2_ROOT_INO, "lost+found", 10));
    check_result(fs, ext2_unlink(fs, EXT2_ROOT_INO, "small.txt", 9));
    check_result(fs, ext2_rmdir(fs, EXT2_ROOT_INO, "a", 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size != 0 ? size : 1);
    FUZZ_ASSERT(copy != NULL);
    memcpy(copy, data, size);
    struct image im = { copy, size };
    struct ext2_dev dev = { &im, size, image_read, image_write };
    static struct ext2_fs fs;
    int rc = ext2_mount(&fs, &dev);
    check_result(&fs, rc);
    if (fuzz_verbose())
        fprintf(stderr, "ext2: mount: %s%s%s\n", ext2_error_name(rc), rc != 0 ? ": " : "", ext2_reason(&fs));
    if (rc == 0) {
        FUZZ_ASSERT(fs.block_size == 1024 || fs.block_size == 2048 || fs.block_size == 4096);
        FUZZ_ASSERT((uint64_t)fs.blocks_count * fs.block_size <= size);
        walk(&fs);
        static const char *const paths[] = { "/", "/a", "/a/b", "/lost+found", "/link/x", "/dir/file", "" };
        for (unsigned i = 0; i < sizeof paths / sizeof paths[0]; i++) {
            struct ext2_inode in;
            check_result(&fs, ext2_resolve(&fs, paths[i], &in));
        }
        change_tree(&fs);
        walk(&fs);
    }
    free(copy);
    return 0;
}
