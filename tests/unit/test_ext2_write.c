/* The ext2 core's writes (servers/fs/ext2_write.c): overwriting a file's
 * data inside its size and allocated blocks, read back through the core,
 * (extending and allocating writes are in test_ext2_ops.c)
 * and the image still clean for e2fsck -fn; every refused write (past the
 * size, into a hole, read-only, a directory, a block that is metadata or
 * free in the bitmap) changes no byte of the image. Part of the ext2
 * suite (test_ext2.c). */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "ext2_fixture.h"

/* Writes the work copy to a file and runs e2fsck -fn on it. */
static int fsck_work(void)
{
    char file[128], cmd[512];
    snprintf(file, sizeof file, "%s/written", ext2t_tmpdir);
    FILE *f = fopen(file, "wb");
    ck_assert(f != NULL && fwrite(ext2t_work, 1, ext2t_mdev.size, f) == ext2t_mdev.size);
    ck_assert(fclose(f) == 0);
    const char *e2fsck = access("/sbin/e2fsck", X_OK) == 0 ? "/sbin/e2fsck" : "/usr/sbin/e2fsck";
    snprintf(cmd, sizeof cmd, "%s -fn %s >%s/e2fsck-written.log 2>&1", e2fsck, file, ext2t_tmpdir);
    return system(cmd);
}

START_TEST(test_overwrite_reads_back)
{
    const struct image *im = _i == 0 ? &ext2t_img1k : &ext2t_img4k;
    ext2t_mount_ok(im);
    struct ext2_inode big = ext2t_resolve_ok("/big.bin");
    enum { LEN = 300000 };   /* from a direct block into double indirect ones at 1 KiB */
    static uint8_t data[LEN], back[LEN], before[LEN];
    uint32_t done;
    ck_assert_int_eq(ext2_read(&ext2t_fs, &big, 0, before, LEN, &done), 0);
    for (uint32_t i = 0; i < LEN; i++)
        data[i] = (uint8_t)(i * 7 + 3);
    uint64_t at = 1023;
    ck_assert_int_eq(ext2_write(&ext2t_fs, &big, at, data, LEN - at, &done), 0);
    ck_assert_uint_eq(done, LEN - at);
    ck_assert_int_eq(ext2_read(&ext2t_fs, &big, 0, back, LEN, &done), 0);
    ck_assert(memcmp(back, before, at) == 0);
    ck_assert(memcmp(back + at, data, LEN - at) == 0);
    /* the last byte of the file (data and the inode's times), and nothing written for len 0 */
    unsigned writes = ext2t_mdev.writes;
    ck_assert_int_eq(ext2_write(&ext2t_fs, &big, big.size - 1, "!", 1, &done), 0);
    ck_assert_int_eq(ext2_write(&ext2t_fs, &big, big.size, "", 0, &done), 0);
    ck_assert_uint_eq(ext2t_mdev.writes, writes + 2);
    char last;
    ck_assert_int_eq(ext2_read(&ext2t_fs, &big, big.size - 1, &last, 1, &done), 0);
    ck_assert_int_eq(last, '!');
    ck_assert_uint_eq(ext2t_mdev.bad_reads, 0);
    ck_assert_int_eq(fsck_work(), 0);
}
END_TEST

/* Expects the write to fail with err and the image to stay as it was. */
static void expect_refused(struct ext2_inode *in, uint64_t offset, uint32_t len, int err,
                           const char *needle)
{
    static uint8_t data[8192];
    uint8_t *copy = malloc(ext2t_mdev.size);
    ck_assert(copy != NULL);
    memcpy(copy, ext2t_work, ext2t_mdev.size);
    memset(data, 0xA5, sizeof data);
    uint32_t done = 77;
    ck_assert(len <= sizeof data);
    ck_assert_int_eq(ext2_write(&ext2t_fs, in, offset, data, len, &done), err);
    ck_assert_uint_eq(done, 0);
    ck_assert_reason(needle);
    ck_assert(memcmp(copy, ext2t_work, ext2t_mdev.size) == 0);
    free(copy);
}

START_TEST(test_refused_writes)
{
    ext2t_mount_ok(&ext2t_img1k);
    struct ext2_inode small = ext2t_resolve_ok("/small.txt");
    expect_refused(&small, ~0ull, 1, EXT2_ERANGE, "past the largest file");
    expect_refused(&small, ~0ull - 100, 1000, EXT2_ERANGE, "past the largest file");
    struct ext2_inode dir = ext2t_resolve_ok("/a");
    expect_refused(&dir, 0, 4, EXT2_EISDIR, "is a directory");
    struct ext2_inode link = ext2t_resolve_ok("/link");
    expect_refused(&link, 0, 1, EXT2_EINVAL, "not a regular file");

    /* small.txt's block moved onto metadata, or onto a free block */
    uint64_t off = ext2t_inode_offset(small.ino);
    static const uint32_t metadata[] = { 1, 2 };   /* superblock, descriptor table */
    for (unsigned i = 0; i < 2; i++) {
        ext2t_put32(off + 40, metadata[i]);
        small = ext2t_resolve_ok("/small.txt");
        expect_refused(&small, 0, 1, EXT2_ECORRUPT, "metadata block");
    }
    uint32_t table_off = (uint32_t)(off / 1024);   /* the inode table block of small.txt itself */
    ext2t_put32(off + 40, table_off);
    small = ext2t_resolve_ok("/small.txt");
    expect_refused(&small, 0, 1, EXT2_ECORRUPT, "metadata block");
    ext2t_put32(off + 40, ext2t_fs.blocks_count - 1);   /* free in a fresh 8 MiB image */
    small = ext2t_resolve_ok("/small.txt");
    expect_refused(&small, 0, 1, EXT2_ECORRUPT, "free in the bitmap");

    /* read-only: unknown ro_compat, or a device without write */
    ext2t_mount_ok(&ext2t_img1k);
    small = ext2t_resolve_ok("/small.txt");
    ext2t_put32(1024 + 100, ext2t_get32(1024 + 100) | 0x4000);
    ck_assert_int_eq(ext2t_remount(), 0);
    expect_refused(&small, 0, 1, EXT2_EROFS, "read-only");
    ext2t_mount_ok(&ext2t_img1k);
    ext2t_dev.write = NULL;
    ck_assert_int_eq(ext2t_remount(), 0);
    expect_refused(&small, 0, 1, EXT2_EROFS, "cannot write");

    /* a device error part way */
    ext2t_mount_ok(&ext2t_img1k);
    ext2t_mdev.fail_writes = 1;
    uint32_t done;
    ck_assert_int_eq(ext2_write(&ext2t_fs, &small, 0, "HELLO", 5, &done), EXT2_EIO);
    ck_assert_uint_eq(done, 0);
    ck_assert_uint_eq(ext2t_mdev.bad_reads, 0);
}
END_TEST

void ext2t_add_write_tests(TCase *tc)
{
    tcase_add_loop_test(tc, test_overwrite_reads_back, 0, 2);
    tcase_add_test(tc, test_refused_writes);
}
