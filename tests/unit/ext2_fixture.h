/* The shared fixture of the ext2 tests (test_ext2.c, test_ext2_bad.c,
 * made by ext2_fixture.c): a source folder written once per run, images of
 * it made by Debian's mke2fs (checked by e2fsck -fn), a device in memory
 * over a patchable copy of an image, and small helpers. Host code. */
#ifndef EXT2_FIXTURE_H
#define EXT2_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "ext2.h"
#include "suites.h"

#define BIG_SIZE     (1200u * 1024 + 333)   /* double indirect at 1 KiB blocks */
#define HUGE_OFFSET  (70ull << 20)          /* triple indirect at 1 KiB blocks */
#define MANY_FILES   500

struct image {
    uint8_t *bytes;
    size_t size;
};

extern char ext2t_tmpdir[64];
extern char ext2t_srcdir[128];
extern struct image ext2t_img1k, ext2t_img4k;   /* 1 KiB blocks in 4 groups; 4 KiB blocks */
extern char ext2t_long_name[EXT2_NAME_MAX + 1];  /* a 255-byte file name in the root */
extern char ext2t_slow_target[201];               /* the target of /slow-link */

/* The device over ext2t_work (reads and writes). */
struct mem_dev {
    uint8_t *bytes;
    size_t size;
    int fail_reads;     /* reads from now on fail */
    int fail_writes;    /* writes from now on fail */
    unsigned writes;    /* writes made */
    unsigned bad_reads; /* reads or writes out of range (must stay 0) */
};
extern struct mem_dev ext2t_mdev;
extern struct ext2_dev ext2t_dev;
extern struct ext2_fs ext2t_fs;
extern uint8_t *ext2t_work;   /* a patchable copy of an image */

/* Unchecked fixture: writes the folder and makes the images (an image
 * stays NULL if mke2fs or e2fsck is missing or fails). */
void ext2t_images_setup(void);
void ext2t_images_teardown(void);

/* Fails the test if im was not made. */
const struct image *ext2t_need(const struct image *im);
/* Mounts a fresh copy of im, the device seeing its first size bytes. */
int ext2t_mount_copy(const struct image *im, size_t size);
/* ext2t_mount_copy of all of im, which must succeed. */
void ext2t_mount_ok(const struct image *im);
/* Mounts the (patched) copy again. */
int ext2t_remount(void);
void ext2t_put32(uint64_t off, uint32_t v);
void ext2t_put16(uint64_t off, uint16_t v);
uint32_t ext2t_get32(uint64_t off);
/* ext2_resolve, which must succeed. */
struct ext2_inode ext2t_resolve_ok(const char *path);
/* Where inode ino's record is in the image. */
uint64_t ext2t_inode_offset(uint32_t ino);

/* The malformed-image tests (test_ext2_bad.c) and the write tests
 * (test_ext2_write.c). */
void ext2t_add_malformed_tests(TCase *tc);
void ext2t_add_write_tests(TCase *tc);
/* The write side's operations (test_ext2_ops.c). */
void ext2t_add_ops_tests(TCase *tc);

#define ck_assert_reason(needle)                                                            \
    ck_assert_msg(strstr(ext2_reason(&ext2t_fs), (needle)) != NULL, "reason '%s' lacks '%s'", \
                  ext2_reason(&ext2t_fs), (needle))

#endif
