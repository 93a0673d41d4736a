/* Tests for the ext2 core (servers/fs/ext2*.c) against images made at run
 * time by Debian's mke2fs (-d from a folder written here) and checked by
 * e2fsck -fn: every file, directory and symlink of the folder read back
 * through the core and compared byte for byte, with 1 KiB and 4 KiB
 * blocks (double and triple indirect blocks, holes, 500 entries, 255-byte
 * names), stat, lookups and path limits. The malformed images are in
 * test_ext2_bad.c, the folder and images in ext2_fixture.c; all of them
 * run in this suite's one test case, after its fixture made the images. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ext2_fixture.h"

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
        int rc = ext2_read(&ext2t_fs, in, pos, got, step, &done);
        ck_assert_msg(rc == 0, "%s: %s", host, ext2_reason(&ext2t_fs));
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
        struct ext2_inode dir = ext2t_resolve_ok(rel[0] != '\0' ? rel : "/");
        struct ext2_dir_iter it;
        struct ext2_dirent e;
        ck_assert_int_eq(ext2_opendir(&ext2t_fs, &dir, &it), 0);
        unsigned seen = 0;
        int rc;
        while ((rc = ext2_readdir(&ext2t_fs, &it, &e)) == 1) {
            if (strcmp(e.name, ".") == 0 || strcmp(e.name, "..") == 0 ||
                (rel[0] == '\0' && strcmp(e.name, "lost+found") == 0))
                continue;
            seen++;
            char child[900], host[1100];
            snprintf(child, sizeof child, "%s/%s", rel, e.name);
            snprintf(host, sizeof host, "%s%s", ext2t_srcdir, child);
            struct stat st;
            ck_assert_msg(lstat(host, &st) == 0, "%s in the image, not in the folder", child);
            struct ext2_inode in;
            ck_assert_int_eq(ext2_read_inode(&ext2t_fs, e.ino, &in), 0);
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
                ck_assert_int_eq(ext2_readlink(&ext2t_fs, &in, got, sizeof got), 0);
                ck_assert_str_eq(got, want);
            } else {
                ck_assert_int_eq(in.type, EXT2_TYPE_REG);
                compare_file(&in, host, 4093);
                files++;
            }
        }
        ck_assert_msg(rc == 0, "readdir %s: %s", rel, ext2_reason(&ext2t_fs));
        /* as many entries as the host folder */
        char host_dir[800];
        snprintf(host_dir, sizeof host_dir, "%s%s", ext2t_srcdir, rel);
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
    ext2t_mount_ok(&ext2t_img1k);
    ck_assert_uint_eq(ext2t_fs.block_size, 1024);
    ck_assert_uint_eq(ext2t_fs.first_data_block, 1);
    ck_assert_uint_eq(ext2t_fs.group_count, 4);
    ck_assert(!ext2t_fs.read_only);
    ck_assert_str_eq(ext2_reason(&ext2t_fs), "");
    ext2t_mount_ok(&ext2t_img4k);
    ck_assert_uint_eq(ext2t_fs.block_size, 4096);
    ck_assert_uint_eq(ext2t_fs.first_data_block, 0);
    ck_assert_uint_eq(ext2t_fs.blocks_count, 4096);
}
END_TEST

START_TEST(test_tree_matches_1k)
{
    ext2t_mount_ok(&ext2t_img1k);
    ck_assert_uint_eq(compare_tree(), 9 + MANY_FILES);
    ck_assert_uint_eq(ext2t_mdev.bad_reads, 0);
}
END_TEST

START_TEST(test_tree_matches_4k)
{
    ext2t_mount_ok(&ext2t_img4k);
    ck_assert_uint_eq(compare_tree(), 9 + MANY_FILES);
    ck_assert_uint_eq(ext2t_mdev.bad_reads, 0);
}
END_TEST

START_TEST(test_indirect_levels)
{
    ext2t_mount_ok(&ext2t_img1k);
    struct ext2_inode big = ext2t_resolve_ok("/big.bin");
    ck_assert(big.block[12] != 0 && big.block[13] != 0 && big.block[14] == 0);
    struct ext2_inode huge = ext2t_resolve_ok("/huge-sparse.bin");
    ck_assert(huge.block[14] != 0);
    CHECK_EQ(huge.size, HUGE_OFFSET + 3);
    ck_assert_uint_le(huge.blocks_512, 4 * 2);   /* 3 indirect blocks and 1 data block */
    char tail[8] = { 0 };
    uint32_t done;
    ck_assert_int_eq(ext2_read(&ext2t_fs, &huge, HUGE_OFFSET - 2, tail, sizeof tail, &done), 0);
    ck_assert_uint_eq(done, 5);
    ck_assert(memcmp(tail, "\0\0end", 5) == 0);
    uint32_t pblk = 1;
    ck_assert_int_eq(ext2_bmap(&ext2t_fs, &huge, 1000, &pblk), 0);   /* a hole */
    ck_assert_uint_eq(pblk, 0);
}
END_TEST

START_TEST(test_sparse_reads_zeros)
{
    ext2t_mount_ok(&ext2t_img4k);
    struct ext2_inode in = ext2t_resolve_ok("sparse.bin");
    CHECK_EQ(in.size, 3u << 20);
    ck_assert_uint_lt(in.blocks_512, 64);
    uint8_t buf[16];
    uint32_t done;
    ck_assert_int_eq(ext2_read(&ext2t_fs, &in, (1 << 20) + 96, buf, sizeof buf, &done), 0);
    ck_assert_uint_eq(done, sizeof buf);
    ck_assert(memcmp(buf, "\0\0\0\0middle\0\0\0\0\0\0", 16) == 0);
    ck_assert_int_eq(ext2_read(&ext2t_fs, &in, in.size, buf, sizeof buf, &done), 0);
    ck_assert_uint_eq(done, 0);
    ck_assert_int_eq(ext2_read(&ext2t_fs, &in, in.size + 5000, buf, sizeof buf, &done), 0);
    ck_assert_uint_eq(done, 0);
}
END_TEST

START_TEST(test_many_entries)
{
    ext2t_mount_ok(&ext2t_img1k);
    struct ext2_inode dir = ext2t_resolve_ok("/many");
    struct ext2_dir_iter it;
    struct ext2_dirent e;
    static bool seen[MANY_FILES];
    memset(seen, 0, sizeof seen);
    unsigned n = 0, dots = 0;
    int rc;
    ck_assert_int_eq(ext2_opendir(&ext2t_fs, &dir, &it), 0);
    while ((rc = ext2_readdir(&ext2t_fs, &it, &e)) == 1) {
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
    ck_assert_int_eq(ext2_readdir(&ext2t_fs, &it, &e), 0);   /* the end stays the end */
    ck_assert_uint_eq(n, MANY_FILES);
    ck_assert_uint_eq(dots, 2);
    struct ext2_inode f = ext2t_resolve_ok("/many/file-499");
    char text[32] = { 0 };
    uint32_t done;
    ck_assert_int_eq(ext2_read(&ext2t_fs, &f, 0, text, sizeof text - 1, &done), 0);
    ck_assert_str_eq(text, "file number 499\n");
}
END_TEST

START_TEST(test_lookup_errors)
{
    ext2t_mount_ok(&ext2t_img1k);
    struct ext2_inode in;
    ck_assert_int_eq(ext2_resolve(&ext2t_fs, "/nothing-here", &in), EXT2_ENOENT);
    ck_assert_int_eq(ext2_resolve(&ext2t_fs, "/a/b/missing", &in), EXT2_ENOENT);
    ck_assert_int_eq(ext2_resolve(&ext2t_fs, "/small.txt/x", &in), EXT2_ENOTDIR);
    ck_assert_int_eq(ext2_resolve(&ext2t_fs, "/link/x", &in), EXT2_ENOTDIR);
    ck_assert_reason("symlink");
    char path[EXT2_PATH_MAX + 64];
    snprintf(path, sizeof path, "/%sx", ext2t_long_name);          /* 256 bytes */
    ck_assert_int_eq(ext2_resolve(&ext2t_fs, path, &in), EXT2_ENAMETOOLONG);
    snprintf(path, sizeof path, "/%s", ext2t_long_name);           /* 255 bytes */
    in = ext2t_resolve_ok(path);
    ck_assert_int_eq(in.type, EXT2_TYPE_REG);
    path[0] = '\0';
    for (unsigned i = 0; i < EXT2_PATH_DEPTH; i++)
        strcat(path, "/.");
    in = ext2t_resolve_ok(path);                                    /* 64 components */
    ck_assert_uint_eq(in.ino, EXT2_ROOT_INO);
    strcat(path, "/.");
    ck_assert_int_eq(ext2_resolve(&ext2t_fs, path, &in), EXT2_ENAMETOOLONG);
    memset(path, '/', EXT2_PATH_MAX + 1);
    path[EXT2_PATH_MAX + 1] = '\0';
    ck_assert_int_eq(ext2_resolve(&ext2t_fs, path, &in), EXT2_ENAMETOOLONG);
    in = ext2t_resolve_ok("//a//b/../b/./c/d/deep.txt");
    ck_assert_uint_eq(in.size, 10);
    in = ext2t_resolve_ok("");
    ck_assert_uint_eq(in.ino, EXT2_ROOT_INO);
    struct ext2_inode file = ext2t_resolve_ok("/small.txt");
    uint32_t ino;
    ck_assert_int_eq(ext2_lookup(&ext2t_fs, &file, "x", 1, &ino), EXT2_ENOTDIR);
    ck_assert_int_eq(ext2_lookup(&ext2t_fs, &in, "", 0, &ino), EXT2_EINVAL);
    ck_assert_int_eq(ext2_read_inode(&ext2t_fs, 0, &in), EXT2_EINVAL);
    ck_assert_int_eq(ext2_read_inode(&ext2t_fs, ext2t_fs.inodes_count + 1, &in), EXT2_EINVAL);
    ck_assert_int_eq(ext2_read_inode(&ext2t_fs, ext2t_fs.inodes_count, &in), EXT2_ENOENT);   /* free */
}
END_TEST

START_TEST(test_symlinks_and_stat)
{
    ext2t_mount_ok(&ext2t_img4k);
    struct ext2_inode link = ext2t_resolve_ok("/link");
    char buf[256];
    ck_assert_int_eq(link.type, EXT2_TYPE_SYMLINK);
    ck_assert_uint_eq(link.blocks_512, 0);                    /* fast */
    ck_assert_int_eq(ext2_readlink(&ext2t_fs, &link, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "small.txt");
    ck_assert_int_eq(ext2_readlink(&ext2t_fs, &link, buf, 9), EXT2_ERANGE);
    struct ext2_inode slow = ext2t_resolve_ok("/slow-link");
    ck_assert_uint_ne(slow.blocks_512, 0);
    ck_assert_int_eq(ext2_readlink(&ext2t_fs, &slow, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, ext2t_slow_target);
    struct ext2_inode file = ext2t_resolve_ok("/small.txt");
    ck_assert_int_eq(ext2_readlink(&ext2t_fs, &file, buf, sizeof buf), EXT2_EINVAL);

    struct ext2_stat st;
    struct stat host;
    char path[512];
    snprintf(path, sizeof path, "%s/a", ext2t_srcdir);
    ck_assert(stat(path, &host) == 0);
    struct ext2_inode in = ext2t_resolve_ok("/a");
    ext2_stat(&in, &st);
    ck_assert_int_eq(st.type, EXT2_TYPE_DIR);
    ck_assert_uint_eq(st.mode, 040750);
    ck_assert_uint_eq(st.links, 3);                           /* ., .., b/.. */
    ck_assert_uint_eq(st.uid, host.st_uid);
    ck_assert_uint_eq(st.gid, host.st_gid);
    ck_assert_uint_eq(st.mtime, (uint32_t)host.st_mtime);
    ck_assert_uint_eq(st.blocks_512, 8);
    in = ext2t_resolve_ok("/big.bin");
    ext2_stat(&in, &st);
    ck_assert_int_eq(st.type, EXT2_TYPE_REG);
    CHECK_EQ(st.size, BIG_SIZE);
    ck_assert_uint_eq(st.links, 1);
    ck_assert_uint_ge(st.blocks_512, BIG_SIZE / 512);
}
END_TEST

START_TEST(test_error_names)
{
    for (int e = EXT2_ERR_LAST; e <= EXT2_OK; e++)
        ck_assert_str_ne(ext2_error_name(e), "unknown error");
    ck_assert_str_eq(ext2_error_name(1), "unknown error");
    ck_assert_str_eq(ext2_error_name(EXT2_ERR_LAST - 1), "unknown error");
}
END_TEST

Suite *ext2_suite(void)
{
    Suite *s = suite_create("ext2");
    TCase *good = tcase_create("images");
    tcase_add_unchecked_fixture(good, ext2t_images_setup, ext2t_images_teardown);
    tcase_set_timeout(good, 120);
    tcase_add_test(good, test_mount_geometry);
    tcase_add_test(good, test_tree_matches_1k);
    tcase_add_test(good, test_tree_matches_4k);
    tcase_add_test(good, test_indirect_levels);
    tcase_add_test(good, test_sparse_reads_zeros);
    tcase_add_test(good, test_many_entries);
    tcase_add_test(good, test_lookup_errors);
    tcase_add_test(good, test_symlinks_and_stat);
    tcase_add_test(good, test_error_names);
    ext2t_add_malformed_tests(good);
    ext2t_add_write_tests(good);
    ext2t_add_ops_tests(good);
    suite_add_tcase(s, good);
    return s;
}

