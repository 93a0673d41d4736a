/* Malformed ext2 images for the ext2 core, each patched in memory from a
 * good mke2fs image (ext2_fixture.h): every one must give its error, with
 * the reason checked, and no read out of range; plus rounds of random
 * damage to the metadata. Part of the ext2 suite (test_ext2.c). */
#include <stdio.h>
#include "ext2_fixture.h"

/* --- malformed images ------------------------------------------------------------ */

#define SB 1024u   /* the superblock's offset */

/* Patches a 32-bit superblock field of a fresh 1 KiB copy and mounts. */
static int mount_with_super32(unsigned field, uint32_t value)
{
    ext2t_mount_ok(&ext2t_img1k);
    ext2t_put32(SB + field, value);
    return ext2t_remount();
}

START_TEST(test_bad_superblocks)
{
    ext2t_mount_ok(&ext2t_img1k);
    ext2t_put16(SB + 56, 0xEF54);
    ck_assert_int_eq(ext2t_remount(), EXT2_EBADSUPER);
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
    ext2t_mount_ok(&ext2t_img1k);
    ext2t_put16(SB + 88, 100);
    ck_assert_int_eq(ext2t_remount(), EXT2_EBADSUPER);
    ck_assert_reason("inode size 100");
    ext2t_put16(SB + 88, 2048);                                                   /* > block size */
    ck_assert_int_eq(ext2t_remount(), EXT2_EBADSUPER);
    ext2t_put16(SB + 88, 256);
    ck_assert_int_eq(ext2t_remount(), 0);
}
END_TEST

START_TEST(test_truncated_device)
{
    ext2t_need(&ext2t_img1k);
    ck_assert_int_eq(ext2t_mount_copy(&ext2t_img1k, ext2t_img1k.size / 2), EXT2_EBADSUPER);
    ck_assert_reason("do not fit the device");
    ck_assert_int_eq(ext2t_mount_copy(&ext2t_img1k, ext2t_img1k.size - 1), EXT2_EBADSUPER);
    ck_assert_int_eq(ext2t_mount_copy(&ext2t_img1k, 2047), EXT2_EBADSUPER);
    ck_assert_int_eq(ext2t_mount_copy(&ext2t_img1k, 0), EXT2_EBADSUPER);
    ck_assert_uint_eq(ext2t_mdev.bad_reads, 0);
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
    ck_assert_int_eq(ext2_resolve(&ext2t_fs, "/a/b", &in), EXT2_ECORRUPT);
    ext2t_mount_ok(&ext2t_img1k);
    ck_assert(!ext2t_fs.read_only);
    ext2t_put32(SB + 100, ext2t_get32(SB + 100) | 0x4000);                               /* unknown ro_compat */
    ck_assert_int_eq(ext2t_remount(), 0);
    ck_assert(ext2t_fs.read_only);
}
END_TEST

START_TEST(test_bad_group_descriptors)
{
    ext2t_mount_ok(&ext2t_img1k);
    uint64_t gd3 = ext2t_fs.gdt_offset + 3 * 32;
    uint32_t blocks = ext2t_fs.blocks_count;
    ext2t_put32(gd3 + 8, 99999);
    ck_assert_int_eq(ext2t_remount(), EXT2_ECORRUPT);
    ck_assert_str_eq(ext2_reason(&ext2t_fs), "group descriptor 3: inode table block 99999 past the end (8192 blocks)");
    ext2t_put32(gd3 + 8, blocks - 1);          /* the table's end past the end */
    ck_assert_int_eq(ext2t_remount(), EXT2_ECORRUPT);
    ext2t_mount_ok(&ext2t_img1k);
    ext2t_put32(ext2t_fs.gdt_offset + 0, blocks);    /* group 0's block bitmap */
    ck_assert_int_eq(ext2t_remount(), EXT2_ECORRUPT);
    ck_assert_reason("block bitmap");
    ext2t_mount_ok(&ext2t_img1k);
    ext2t_put32(ext2t_fs.gdt_offset + 4, 0);         /* group 0's inode bitmap in the boot block */
    ck_assert_int_eq(ext2t_remount(), EXT2_ECORRUPT);
}
END_TEST

START_TEST(test_bad_inodes)
{
    ext2t_mount_ok(&ext2t_img1k);
    uint64_t root = ext2t_inode_offset(EXT2_ROOT_INO);
    ext2t_put16(root, 0100644);
    ck_assert_int_eq(ext2t_remount(), EXT2_ECORRUPT);
    ck_assert_reason("root inode 2 is not a directory");

    ext2t_mount_ok(&ext2t_img1k);
    struct ext2_inode small = ext2t_resolve_ok("/small.txt");
    uint64_t off = ext2t_inode_offset(small.ino);
    ext2t_put32(off + 40, ext2t_fs.blocks_count + 5);                       /* i_block[0] */
    small = ext2t_resolve_ok("/small.txt");
    char buf[16];
    uint32_t done;
    ck_assert_int_eq(ext2_read(&ext2t_fs, &small, 0, buf, sizeof buf, &done), EXT2_ECORRUPT);
    char want[64];
    snprintf(want, sizeof want, "inode %u: block pointer %u", small.ino, ext2t_fs.blocks_count + 5);
    ck_assert_reason(want);
    ext2t_put32(off + 32, 0x80000);                                   /* extents flag */
    ck_assert_int_eq(ext2_resolve(&ext2t_fs, "/small.txt", &small), EXT2_EUNSUPPORTED);
    ext2t_put32(off + 32, 0);
    ext2t_put32(off + 4, 0xFFFFFFFF);                                 /* size past the map (1 KiB) */
    ext2t_put32(off + 108, 0xFFFFFFFF);
    ck_assert_int_eq(ext2_resolve(&ext2t_fs, "/small.txt", &small), EXT2_ECORRUPT);

    ext2t_mount_ok(&ext2t_img1k);
    struct ext2_inode big = ext2t_resolve_ok("/big.bin");
    uint32_t dind = big.block[13];
    ext2t_put32((uint64_t)dind * 1024, dind);                         /* points to itself */
    ck_assert_int_eq(ext2_read(&ext2t_fs, &big, (12 + 256) * 1024, buf, 1, &done), EXT2_ECORRUPT);
    ck_assert_reason("points to itself");
    uint32_t ind = big.block[12];
    ext2t_put32((uint64_t)ind * 1024 + 4, 0xFFFFFFF0u);               /* logical block 13 */
    ck_assert_int_eq(ext2_read(&ext2t_fs, &big, 12 * 1024, buf, 1, &done), 0);
    ck_assert_int_eq(ext2_read(&ext2t_fs, &big, 13 * 1024, buf, 1, &done), EXT2_ECORRUPT);
    ck_assert_reason("level 1");
    ext2t_put32(ext2t_inode_offset(big.ino) + 40 + 12 * 4, ext2t_fs.blocks_count);   /* the indirect block itself */
    big = ext2t_resolve_ok("/big.bin");
    ck_assert_int_eq(ext2_read(&ext2t_fs, &big, 12 * 1024, buf, 1, &done), EXT2_ECORRUPT);

    ext2t_mount_ok(&ext2t_img1k);
    struct ext2_inode link = ext2t_resolve_ok("/link");
    ext2t_put32(ext2t_inode_offset(link.ino) + 4, 70);                      /* fast link of 70 bytes */
    link = ext2t_resolve_ok("/link");
    char target[256];
    ck_assert_int_eq(ext2_readlink(&ext2t_fs, &link, target, sizeof target), EXT2_ECORRUPT);

    ext2t_mdev.fail_reads = 1;
    ck_assert_int_eq(ext2_resolve(&ext2t_fs, "/a", &link), EXT2_EIO);
    ck_assert_uint_eq(ext2t_mdev.bad_reads, 0);
}
END_TEST

/* The first block of directory /a and the offset of its entries
 * ("." at 0, ".." at 12, then the rest). */
static uint64_t dir_a_block(struct ext2_inode *dir)
{
    ext2t_mount_ok(&ext2t_img1k);
    *dir = ext2t_resolve_ok("/a");
    uint32_t pblk;
    ck_assert_int_eq(ext2_bmap(&ext2t_fs, dir, 0, &pblk), 0);
    ck_assert(pblk != 0);
    return (uint64_t)pblk * ext2t_fs.block_size;
}

/* Expects opendir or readdir (then sticky) and lookup of "in-a.txt" in
 * /a to fail with ECORRUPT and the reason to contain needle. */
static void expect_corrupt_dir(const char *needle)
{
    struct ext2_inode dir = ext2t_resolve_ok("/a");
    struct ext2_dir_iter it;
    struct ext2_dirent e;
    int rc = ext2_opendir(&ext2t_fs, &dir, &it);
    if (rc == 0) {
        unsigned n = 0;
        while ((rc = ext2_readdir(&ext2t_fs, &it, &e)) == 1)
            ck_assert_uint_lt(++n, 8);
        ck_assert_int_eq(ext2_readdir(&ext2t_fs, &it, &e), rc);
    }
    ck_assert_int_eq(rc, EXT2_ECORRUPT);
    ck_assert_reason(needle);
    uint32_t ino;
    ck_assert_int_eq(ext2_lookup(&ext2t_fs, &dir, "in-a.txt", 8, &ino), EXT2_ECORRUPT);
    ck_assert_uint_eq(ext2t_mdev.bad_reads, 0);
}

START_TEST(test_bad_directory_entries)
{
    struct ext2_inode dir;
    uint64_t blk = dir_a_block(&dir);
    ck_assert_uint_eq(ext2t_get32(blk), dir.ino);                     /* "." */
    ck_assert_uint_eq(ext2t_work[blk + 4], 12);
    ext2t_put16(blk + 4, 0);                                          /* rec_len 0 */
    expect_corrupt_dir("record length 0");
    blk = dir_a_block(&dir);
    ext2t_put16(blk + 4, 14);                                         /* not a multiple of 4 */
    expect_corrupt_dir("record length 14");
    blk = dir_a_block(&dir);
    ext2t_put16(blk + 12 + 4, 1024);                                  /* ".." crosses the block end */
    expect_corrupt_dir("crosses the block end");
    blk = dir_a_block(&dir);
    ext2t_work[blk + 6] = 5;                                          /* "." with a 5-byte name */
    expect_corrupt_dir("name length 5");
    blk = dir_a_block(&dir);
    ext2t_put32(blk + 12, ext2t_fs.inodes_count + 1);                       /* ".." to no inode */
    expect_corrupt_dir("entry for inode 2049");
    blk = dir_a_block(&dir);
    ext2t_work[blk + 12 + 6] = 0;                                     /* ".." with no name */
    expect_corrupt_dir("0-byte name");

    /* inode 0 marks an unused entry: skipped, not an error */
    blk = dir_a_block(&dir);
    uint32_t ino;
    ck_assert_int_eq(ext2_lookup(&ext2t_fs, &dir, "in-a.txt", 8, &ino), 0);
    ext2t_put32(blk + 12, 0);
    ck_assert_int_eq(ext2_lookup(&ext2t_fs, &dir, "..", 2, &ino), EXT2_ENOENT);
    ck_assert_int_eq(ext2_lookup(&ext2t_fs, &dir, "in-a.txt", 8, &ino), 0);

    /* the directory's own inode: a hole, a size not in blocks */
    blk = dir_a_block(&dir);
    uint64_t off = ext2t_inode_offset(dir.ino);
    ext2t_put32(off + 4, 1025);
    expect_corrupt_dir("not a multiple of the block size");
    ext2t_put32(off + 4, 1024);
    ext2t_put32(off + 40, 0);
    expect_corrupt_dir("hole at logical block 0");
}
END_TEST

/* Random byte damage in the metadata of the 1 KiB image: whatever the
 * result, no crash, no read out of range, and a walk that ends. */
START_TEST(test_random_damage)
{
    uint32_t x = 12345;
    for (int round = 0; round < 200; round++) {
        ext2t_mount_ok(&ext2t_img1k);
        for (int i = 0; i < 8; i++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            uint64_t at = 1024 + x % (64 * 1024);
            ext2t_work[at] ^= (uint8_t)(x >> 24 | 1);
        }
        if (ext2t_remount() != 0)
            continue;
        struct ext2_inode dir;
        if (ext2_resolve(&ext2t_fs, "/a/b/c/d", &dir) == 0) {
            struct ext2_dir_iter it;
            struct ext2_dirent e;
            if (ext2_opendir(&ext2t_fs, &dir, &it) == 0)
                for (int n = 0; n < 100 && ext2_readdir(&ext2t_fs, &it, &e) == 1; n++)
                    ;
        }
        static uint8_t buf[BIG_SIZE];
        struct ext2_inode in;
        uint32_t done;
        if (ext2_resolve(&ext2t_fs, "/big.bin", &in) == 0)
            (void)ext2_read(&ext2t_fs, &in, 0, buf, sizeof buf, &done);
        ck_assert_uint_eq(ext2t_mdev.bad_reads, 0);
    }
}
END_TEST

void ext2t_add_malformed_tests(TCase *tc)
{
    tcase_add_test(tc, test_bad_superblocks);
    tcase_add_test(tc, test_truncated_device);
    tcase_add_test(tc, test_features);
    tcase_add_test(tc, test_bad_group_descriptors);
    tcase_add_test(tc, test_bad_inodes);
    tcase_add_test(tc, test_bad_directory_entries);
    tcase_add_test(tc, test_random_damage);
}
